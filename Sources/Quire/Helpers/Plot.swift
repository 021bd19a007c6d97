/// Shows a chart in the cell's output as a PNG drawn at twice its size (sharp on high-density screens) and
/// displayed at `width`×`height`. A chart that cannot be drawn (no points, mismatched lengths) shows its
/// error message in the cell instead of a picture; the notebook goes on.
///
/// ```swift
/// plot(Heatmap(title: "attention", rows: weights), caption: "head 0, layer 2")
/// plot(LineChart(series: [Series(name: "sin", y: (0..<100).map { sin(Double($0) / 10) })]))
/// ```
public func plot(_ chart: some Chart, caption: String? = nil, width: Int = 640, height: Int = 400) {
    let picture: RGBAImage
    do {
        picture = try chart.render(RenderOptions(width: width, height: height, scale: 2))
    } catch {
        reportPlotError(error)
        return
    }
    emitFigure(width: width, height: height, caption: caption, what: "plot") { path in
        do { try picture.writePNG(to: path); return nil } catch { return String(describing: error) }
    }
}

/// A line chart of `y` (against `x`, or 0, 1, 2, …), shown in the cell's output.
///
/// ```swift
/// plot(losses, title: "loss", xLabel: "step", logY: true, caption: "training loss")
/// ```
public func plot(_ y: [Double], x: [Double]? = nil, title: String? = nil, xLabel: String? = nil, yLabel: String? = nil,
                 logY: Bool = false, smoothing: Double = 0, caption: String? = nil) {
    plot(LineChart(title: title, xLabel: xLabel, yLabel: yLabel, series: [Series(x: x, y: y)], logY: logY,
                   smoothing: smoothing), caption: caption)
}

/// A bar chart of one value per category, shown in the cell's output. For several series grouped per
/// category, `plot(BarChart(categories:series:))`.
///
/// ```swift
/// bar([0.91, 0.97, 0.96], categories: ["sgd", "adam", "lion"], title: "test accuracy")
/// ```
public func bar(_ values: [Double], categories: [String], title: String? = nil, xLabel: String? = nil,
                yLabel: String? = nil, caption: String? = nil) {
    plot(BarChart(title: title, xLabel: xLabel, yLabel: yLabel, categories: categories, series: [Series(y: values)]),
         caption: caption)
}

/// Curves of the named metrics of a run log against their steps, one series each, shown in the cell's output.
/// Series with at least 50 points are smoothed (EMA `smoothing`, drawn over the faint raw curve); sparser
/// ones (an evaluation every epoch) are drawn as they are.
///
/// ```swift
/// lossCurve(run, "train_loss", "test_loss", caption: "loss per step")
/// ```
public func lossCurve(_ run: RunLog, _ names: String..., title: String? = nil, logY: Bool = false,
                      smoothing: Double = 0.6, caption: String? = nil) {
    let wanted = names.isEmpty ? ["loss"] : names
    let missing = wanted.filter { !run.names.contains($0) }
    guard missing.isEmpty else {
        let known = run.names.isEmpty ? "nothing logged yet" : "it has " + run.names.joined(separator: ", ")
        reportPlotError("lossCurve: the run in \(run.directory) has no metric \(missing.map { "\"\($0)\"" }.joined(separator: ", ")) (\(known))")
        return
    }
    let series = wanted.map { name in
        let (steps, values) = run.series(name)
        return Series(name: name, x: steps.map(Double.init), y: values, smoothing: values.count >= 50 ? nil : 0)
    }
    plot(LineChart(title: title ?? wanted.joined(separator: ", "), xLabel: "step", yLabel: wanted.count == 1 ? wanted[0] : nil,
                   series: series, logY: logY, smoothing: smoothing), caption: caption)
}

private func reportPlotError(_ error: Any) {
    let message = String(describing: error)
    if EventChannel.isConnected {
        EventChannel.send("error", [("message", .string(message))])
    } else {
        print("error: \(message)")
    }
}
