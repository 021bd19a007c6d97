/// Points without lines: one colour per series, with a legend when the series are named.
///
/// ```swift
/// let chart = ScatterChart(title: "embedding", xLabel: "dim 0", yLabel: "dim 1",
///                          series: [Series(name: "class 0", x: xs0, y: ys0), Series(name: "class 1", x: xs1, y: ys1)])
/// ```
public struct ScatterChart: Chart {
    public var title: String?
    public var xLabel: String?
    public var yLabel: String?
    public var series: [Series]
    /// Marker radius in logical pixels.
    public var radius: Double

    public init(title: String? = nil, xLabel: String? = nil, yLabel: String? = nil, series: [Series], radius: Double = 3) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.radius = radius
    }

    public func render(_ options: RenderOptions) throws(PlotError) -> RGBAImage {
        let chart = "scatter chart"
        try options.validate(chart)
        guard !series.isEmpty else { throw .empty(chart: chart, what: "no series to draw") }
        for (i, s) in series.enumerated() { try s.validate(chart, index: i) }
        guard radius > 0 && radius <= 50 else { throw .invalidOption(chart: chart, what: "radius \(radius) is outside (0, 50]") }
        let points = series.flatMap { s in zip(s.x, s.y).filter { $0.0.isFinite && $0.1.isFinite } }
        guard let xRange = AxisRange.covering(points.map(\.0), padding: 0.05),
              let yRange = AxisRange.covering(points.map(\.1), padding: 0.05) else {
            throw .empty(chart: chart, what: "no finite point to draw")
        }
        let canvas = try Canvas(width: options.width, height: options.height, scale: options.scale)
        let axes = Axes(canvas: canvas, title: title, xLabel: xLabel, yLabel: yLabel, x: xRange, y: yRange)
        axes.clipped {
            for (i, s) in series.enumerated() {
                let color = Palette.series(i)
                for (x, y) in zip(s.x, s.y) where x.isFinite && y.isFinite {
                    canvas.circle(at: (axes.px(x), axes.py(y)), radius: radius, fill: color.withAlpha(0.7),
                                  stroke: color, lineWidth: 0.8)
                }
            }
        }
        if series.contains(where: { !$0.name.isEmpty }) {
            axes.legend(series.enumerated().map { ($0.element.name.isEmpty ? "series \($0.offset)" : $0.element.name,
                                                   Palette.series($0.offset)) }, marker: true,
                        avoid: series.flatMap { s in zip(s.x, s.y).filter { $0.0.isFinite && $0.1.isFinite }.map { (axes.px($0.0), axes.py($0.1)) } })
        }
        return canvas.image()
    }
}
