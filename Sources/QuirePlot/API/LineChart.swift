import QuireTensor

/// One named sequence of points. `x` defaults to 0, 1, 2, …; NaN or infinite values leave a gap.
///
/// ```swift
/// let train = Series(name: "train", y: [2.3, 1.1, 0.6, .nan, 0.4])   // a gap at index 3
/// let test = Series(name: "test", x: [0, 2, 4], y: [2.2, 0.9, 0.5])
/// ```
public struct Series: Sendable, Equatable {
    public var name: String
    public var x: [Double]
    public var y: [Double]
    /// This series' EMA weight in a ``LineChart``; nil takes the chart's (0 for a sparse evaluation curve).
    public var smoothing: Double?

    public init(name: String = "", x: [Double]? = nil, y: [Double], smoothing: Double? = nil) {
        self.name = name
        self.x = x ?? y.indices.map(Double.init)
        self.y = y
        self.smoothing = smoothing
    }

    /// A series from tensors of any shape (flattened) and any numeric dtype.
    public init(name: String = "", x: Tensor? = nil, y: Tensor, smoothing: Double? = nil) {
        self.init(name: name, x: x.map { $0.scalars(as: Double.self) }, y: y.scalars(as: Double.self), smoothing: smoothing)
    }

    func validate(_ chart: String, index: Int) throws(PlotError) {
        let label = name.isEmpty ? "series \(index)" : "series \"\(name)\""
        guard !y.isEmpty else { throw .empty(chart: chart, what: "\(label) has no points") }
        guard x.count == y.count else {
            throw .mismatched(chart: chart, what: "\(label) has \(x.count) x values but \(y.count) y values")
        }
    }
}

/// A line chart: several series with a legend, axis labels, a title, an optional log y axis, EMA smoothing
/// drawn over the faint raw curve, and markers for each series' minimum and last value.
///
/// ```swift
/// let chart = LineChart(title: "Loss", xLabel: "step", yLabel: "loss",
///                       series: [Series(name: "train", y: trainLoss), Series(name: "test", x: evalSteps, y: testLoss)],
///                       logY: true, smoothing: 0.6)
/// try chart.render(RenderOptions(scale: 2)).writePNG(to: "loss.png")
/// ```
public struct LineChart: Chart {
    public var title: String?
    public var xLabel: String?
    public var yLabel: String?
    public var series: [Series]
    public var logY: Bool
    /// Exponential moving average weight in 0..<1 (TensorBoard's slider): 0 draws the raw curve only; above 0
    /// the smoothed curve is drawn over the raw one, which fades.
    public var smoothing: Double
    /// Marks each series' minimum (open circle) and last value (dot), with their values.
    public var markers: Bool

    public init(title: String? = nil, xLabel: String? = nil, yLabel: String? = nil, series: [Series],
                logY: Bool = false, smoothing: Double = 0, markers: Bool = true) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logY = logY
        self.smoothing = smoothing
        self.markers = markers
    }

    public func render(_ options: RenderOptions) throws(PlotError) -> RGBAImage {
        let chart = "line chart"
        try options.validate(chart)
        guard !series.isEmpty else { throw .empty(chart: chart, what: "no series to draw") }
        for (i, s) in series.enumerated() { try s.validate(chart, index: i) }
        for weight in [smoothing] + series.compactMap(\.smoothing) where !(weight >= 0 && weight < 1) {
            throw .invalidOption(chart: chart, what: "smoothing \(weight) is outside 0..<1")
        }
        let points = series.flatMap { s in zip(s.x, s.y).filter { $0.0.isFinite && $0.1.isFinite && (!logY || $0.1 > 0) } }
        guard let xRange = AxisRange.covering(points.map(\.0), padding: 0.02),
              let yRange = AxisRange.covering(points.map(\.1), log: logY, padding: 0.06) else {
            throw .empty(chart: chart, what: "no finite point to draw" + (logY ? " (a log y axis needs values > 0)" : ""))
        }
        let canvas = try Canvas(width: options.width, height: options.height, scale: options.scale)
        let axes = Axes(canvas: canvas, title: title, xLabel: xLabel, yLabel: yLabel, x: xRange, y: yRange, logY: logY)
        axes.clipped {
            for (i, s) in series.enumerated() {
                let color = Palette.series(i)
                let raw = runs(s.x, s.y, axes)
                let weight = s.smoothing ?? smoothing
                if weight > 0 {
                    canvas.polylines(raw, color: color.withAlpha(0.28), lineWidth: 1.2)
                    canvas.polylines(runs(s.x, LineChart.ema(s.y, weight: weight), axes), color: color, lineWidth: 2)
                } else {
                    canvas.polylines(raw, color: color, lineWidth: 1.8)
                }
            }
        }
        if markers {
            var placer = LabelPlacer(axes: axes)
            for (i, s) in series.enumerated() { drawMarkers(s, color: Palette.series(i), axes: axes, placer: &placer) }
        }
        if series.count > 1 || series.contains(where: { !$0.name.isEmpty }) {
            let drawn = series.flatMap { s in
                zip(s.x, s.y).filter { $0.0.isFinite && axes.drawable($0.1) }.map { (axes.px($0.0), axes.py($0.1)) }
            }
            axes.legend(series.enumerated().map { ($0.element.name.isEmpty ? "series \($0.offset)" : $0.element.name,
                                                   Palette.series($0.offset)) }, avoid: drawn)
        }
        return canvas.image()
    }

    /// The points as canvas coordinates, split where a value cannot be drawn.
    private func runs(_ xs: [Double], _ ys: [Double], _ axes: Axes) -> [[(Double, Double)]] {
        var runs: [[(Double, Double)]] = [[]]
        for (x, y) in zip(xs, ys) {
            if x.isFinite && axes.drawable(y) {
                runs[runs.count - 1].append((axes.px(x), axes.py(y)))
            } else if !(runs.last?.isEmpty ?? true) {
                runs.append([])
            }
        }
        return runs.filter { !$0.isEmpty }
    }

    private func drawMarkers(_ s: Series, color: Color, axes: Axes, placer: inout LabelPlacer) {
        let indices = s.y.indices.filter { s.x[$0].isFinite && axes.drawable(s.y[$0]) }
        guard let last = indices.last, let minimum = indices.min(by: { s.y[$0] < s.y[$1] }) else { return }
        let canvas = axes.canvas
        let pMin = (axes.px(s.x[minimum]), axes.py(s.y[minimum]))
        let pLast = (axes.px(s.x[last]), axes.py(s.y[last]))
        canvas.circle(at: pMin, radius: 4, fill: Palette.background, stroke: color, lineWidth: 1.5)
        canvas.circle(at: pLast, radius: 3.5, fill: color)
        placer.reserve(pMin, radius: 5)
        placer.reserve(pLast, radius: 5)
        if minimum != last {
            placer.place("min " + Ticks.short(s.y[minimum]), near: pMin, color: color, preferBelow: true)
            placer.place("last " + Ticks.short(s.y[last]), near: pLast, color: color, preferBelow: false)
        } else {
            placer.place("min, last " + Ticks.short(s.y[last]), near: pLast, color: color, preferBelow: true)
        }
    }

    /// Debiased exponential moving average (as TensorBoard's smoothing): non-finite values stay gaps and do
    /// not enter the average.
    public static func ema(_ values: [Double], weight: Double) -> [Double] {
        var average = 0.0, count = 0
        return values.map { v in
            guard v.isFinite else { return v }
            count += 1
            average = average * weight + (1 - weight) * v
            let debias = 1 - pow(weight, Double(count))
            return debias > 0 ? average / debias : v
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
