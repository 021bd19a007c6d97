import QuireTensor

/// A matrix as coloured cells with a colour bar: attention maps, confusion matrices. Row 0 is at the top.
/// NaN cells are grey. Cells are annotated with their values when they are large enough (or `annotate`).
///
/// ```swift
/// let confusion = try Heatmap(title: "confusion", xLabel: "predicted", yLabel: "true",
///                             matrix: counts, rowLabels: (0..<10).map(String.init),
///                             columnLabels: (0..<10).map(String.init))
/// ```
public struct Heatmap: Chart {
    public var title: String?
    public var xLabel: String?
    public var yLabel: String?
    public var rows: [[Double]]
    public var rowLabels: [String]?
    public var columnLabels: [String]?
    /// Write each cell's value in it: nil decides from the cell size.
    public var annotate: Bool?
    /// The colour scale's range; nil covers the finite values.
    public var range: ClosedRange<Double>?

    public init(title: String? = nil, xLabel: String? = nil, yLabel: String? = nil, rows: [[Double]],
                rowLabels: [String]? = nil, columnLabels: [String]? = nil, annotate: Bool? = nil,
                range: ClosedRange<Double>? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.rows = rows
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.annotate = annotate
        self.range = range
    }

    /// A heatmap of a rank-2 tensor; throws when the tensor has another rank.
    public init(title: String? = nil, xLabel: String? = nil, yLabel: String? = nil, matrix: Tensor,
                rowLabels: [String]? = nil, columnLabels: [String]? = nil, annotate: Bool? = nil,
                range: ClosedRange<Double>? = nil) throws(PlotError) {
        guard matrix.rank == 2 else {
            throw .mismatched(chart: "heatmap", what: "expected a matrix of shape [rows, columns], got shape \(matrix.shape)")
        }
        let values = matrix.scalars(as: Double.self)
        let columns = matrix.shape[1]
        self.init(title: title, xLabel: xLabel, yLabel: yLabel,
                  rows: (0..<matrix.shape[0]).map { Array(values[($0 * columns)..<(($0 + 1) * columns)]) },
                  rowLabels: rowLabels, columnLabels: columnLabels, annotate: annotate, range: range)
    }

    public func render(_ options: RenderOptions) throws(PlotError) -> RGBAImage {
        let chart = "heatmap"
        try options.validate(chart)
        guard let columns = rows.first?.count, columns > 0 else { throw .empty(chart: chart, what: "no cells to draw") }
        for (r, row) in rows.enumerated() where row.count != columns {
            throw .mismatched(chart: chart, what: "row \(r) has \(row.count) values, row 0 has \(columns)")
        }
        if let rowLabels, rowLabels.count != rows.count {
            throw .mismatched(chart: chart, what: "\(rowLabels.count) row labels for \(rows.count) rows")
        }
        if let columnLabels, columnLabels.count != columns {
            throw .mismatched(chart: chart, what: "\(columnLabels.count) column labels for \(columns) columns")
        }
        let finite = rows.joined().filter(\.isFinite)
        guard var lo = range?.lowerBound ?? finite.min(), var hi = range?.upperBound ?? finite.max() else {
            throw .empty(chart: chart, what: "none of the \(rows.count * columns) cells is finite")
        }
        if hi <= lo { lo -= 0.5; hi += 0.5 }
        let rowCount = rows.count
        let canvas = try Canvas(width: options.width, height: options.height, scale: options.scale)
        let labelEvery = { (n: Int, room: Double) in max(1, Int((Double(n) * 14 / max(room, 1)).rounded(.up))) }
        let xTicks = stride(from: 0, to: columns, by: labelEvery(columns, canvas.width * 0.7)).map {
            (Double($0) + 0.5, columnLabels?[$0] ?? String($0))
        }
        let yTicks = stride(from: 0, to: rowCount, by: labelEvery(rowCount, canvas.height * 0.7)).map {
            (Double(rowCount - $0) - 0.5, rowLabels?[$0] ?? String($0))
        }
        let axes = Axes(canvas: canvas, title: title, xLabel: xLabel, yLabel: yLabel,
                        x: AxisRange(lo: 0, hi: Double(columns)), y: AxisRange(lo: 0, hi: Double(rowCount)),
                        extraRight: 64, xTicks: xTicks, yTicks: yTicks, grid: false)
        // Cells as one pixel each, scaled up sharply.
        var pixels = [UInt8](repeating: 255, count: rowCount * columns * 4)
        for (r, row) in rows.enumerated() {
            for (c, v) in row.enumerated() {
                let color = v.isFinite ? Palette.colormap((v - lo) / (hi - lo)) : Palette.missing
                let i = (r * columns + c) * 4
                pixels[i] = UInt8((color.red * 255).rounded())
                pixels[i + 1] = UInt8((color.green * 255).rounded())
                pixels[i + 2] = UInt8((color.blue * 255).rounded())
            }
        }
        canvas.drawPixels(pixels, columns: columns, rows: rowCount, x: axes.left, y: axes.top, width: axes.width, height: axes.height)
        canvas.strokeRect(x: axes.left, y: axes.top, width: axes.width, height: axes.height, color: Palette.frame)
        let cellWidth = axes.width / Double(columns), cellHeight = axes.height / Double(rowCount)
        if annotate ?? (cellWidth >= 26 && cellHeight >= 16) {
            for (r, row) in rows.enumerated() {
                for (c, v) in row.enumerated() {
                    let t = v.isFinite ? (v - lo) / (hi - lo) : 0
                    let text = v.isFinite ? (v == v.rounded() && abs(v) < 1e6 ? String(Int(v)) : Ticks.short(v)) : "NaN"
                    canvas.text(text, at: (axes.left + (Double(c) + 0.5) * cellWidth, axes.top + (Double(r) + 0.5) * cellHeight),
                                size: min(11, cellHeight * 0.6), color: t > 0.6 ? Palette.text : Palette.background,
                                h: .center, v: .middle)
                }
            }
        }
        drawColorBar(canvas, axes: axes, lo: lo, hi: hi)
        return canvas.image()
    }

    private func drawColorBar(_ canvas: Canvas, axes: Axes, lo: Double, hi: Double) {
        let x = axes.left + axes.width + 14, width = 14.0
        let steps = 256
        var pixels = [UInt8](repeating: 255, count: steps * 4)
        for i in 0..<steps {
            let color = Palette.colormap(1 - Double(i) / Double(steps - 1))   // top is the maximum
            pixels[i * 4] = UInt8((color.red * 255).rounded())
            pixels[i * 4 + 1] = UInt8((color.green * 255).rounded())
            pixels[i * 4 + 2] = UInt8((color.blue * 255).rounded())
        }
        canvas.drawPixels(pixels, columns: 1, rows: steps, x: x, y: axes.top, width: width, height: axes.height)
        canvas.strokeRect(x: x, y: axes.top, width: width, height: axes.height, color: Palette.frame)
        let ticks = Ticks.linear(lo, hi, target: 5)
        for (v, label) in zip(ticks, Ticks.labels(ticks)) {
            let y = axes.top + axes.height - (v - lo) / (hi - lo) * axes.height
            canvas.line(from: (x + width, y), to: (x + width + 4, y), color: Palette.frame)
            canvas.text(label, at: (x + width + 7, y), size: Axes.tickSize, color: Palette.mutedText, v: .middle)
        }
    }
}
