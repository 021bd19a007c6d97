/// Bars for named categories: one bar per category, or with several series a group of bars per category
/// side by side, one colour per series and a legend. Bars start at 0 (negative values go down); a
/// non-finite value leaves its bar out. Each series' `y` holds one value per category (its `x` is unused).
///
/// ```swift
/// let chart = BarChart(title: "accuracy", yLabel: "%", categories: ["sgd", "adam", "lion"],
///                      series: [Series(name: "train", y: [91, 97, 96]), Series(name: "test", y: [90, 95, 95])])
/// ```
public struct BarChart: Chart {
    public var title: String?
    public var xLabel: String?
    public var yLabel: String?
    public var categories: [String]
    public var series: [Series]

    public init(title: String? = nil, xLabel: String? = nil, yLabel: String? = nil, categories: [String], series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.categories = categories
        self.series = series
    }

    public func render(_ options: RenderOptions) throws(PlotError) -> RGBAImage {
        let chart = "bar chart"
        try options.validate(chart)
        guard !categories.isEmpty else { throw .empty(chart: chart, what: "no categories") }
        guard !series.isEmpty else { throw .empty(chart: chart, what: "no series to draw") }
        for (i, s) in series.enumerated() {
            let label = s.name.isEmpty ? "series \(i)" : "series \"\(s.name)\""
            guard s.y.count == categories.count else {
                throw .mismatched(chart: chart, what: "\(label) has \(s.y.count) values for \(categories.count) categories")
            }
        }
        let values = series.flatMap(\.y).filter(\.isFinite)
        let lo = min(0, values.min() ?? 0), hi = max(0, values.max() ?? 0)
        let hasLegend = series.count > 1 || series.contains(where: { !$0.name.isEmpty })
        let span = hi > lo ? hi - lo : 1
        // Headroom above the bars for the legend, which would otherwise cover the tallest ones.
        let headroom = hasLegend ? min(0.5, 0.06 + 0.12 * Double(series.count)) : 0.06
        let yRange = AxisRange(lo: lo < 0 ? lo - span * 0.06 : 0, hi: hi > 0 || lo == 0 ? hi + span * headroom : 0)
        let canvas = try Canvas(width: options.width, height: options.height, scale: options.scale)
        let axes = Axes(canvas: canvas, title: title, xLabel: xLabel, yLabel: yLabel,
                        x: AxisRange(lo: -0.5, hi: Double(categories.count) - 0.5), y: yRange,
                        xTicks: categories.enumerated().map { (Double($0.offset), $0.element) })
        // A group takes 80 % of its category's width, split evenly between the series.
        let barWidth = 0.8 / Double(series.count)
        var covered: [(Double, Double)] = []
        axes.clipped {
            for (k, s) in series.enumerated() {
                let color = Palette.series(k)
                for (i, v) in s.y.enumerated() where v.isFinite {
                    let left = Double(i) - 0.4 + Double(k) * barWidth
                    let x0 = axes.px(left), x1 = axes.px(left + barWidth)
                    let y0 = axes.py(max(v, 0)), y1 = axes.py(min(v, 0))
                    canvas.fillRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0, color: color)
                    // Points over the bar's area, so the legend goes where no bar is.
                    for y in stride(from: y0, through: y1, by: 8) { covered += [(x0, y), (x1, y), ((x0 + x1) / 2, y)] }
                }
            }
            if lo < 0 { canvas.line(from: (axes.left, axes.py(0)), to: (axes.left + axes.width, axes.py(0)), color: Palette.frame) }
        }
        canvas.strokeRect(x: axes.left, y: axes.top, width: axes.width, height: axes.height, color: Palette.frame)
        if hasLegend {
            axes.legend(series.enumerated().map { ($0.element.name.isEmpty ? "series \($0.offset)" : $0.element.name,
                                                   Palette.series($0.offset)) }, marker: true, avoid: covered)
        }
        return canvas.image()
    }
}
