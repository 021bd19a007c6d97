/// A histogram of values in equal-width bins. Non-finite values are left out and counted in a note.
///
/// ```swift
/// let weights = model.layers[0].weight.value
/// let chart = Histogram(title: "first-layer weights", xLabel: "value", values: weights.scalars(as: Double.self), bins: 40)
/// ```
public struct Histogram: Chart {
    public var title: String?
    public var xLabel: String?
    public var yLabel: String?
    public var values: [Double]
    public var bins: Int
    /// The binned range; nil covers the finite values.
    public var range: ClosedRange<Double>?

    public init(title: String? = nil, xLabel: String? = nil, yLabel: String? = "count", values: [Double],
                bins: Int = 30, range: ClosedRange<Double>? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.values = values
        self.bins = bins
        self.range = range
    }

    /// The count in each bin (the last bin includes its upper edge) and the bin edges.
    public func counts() throws(PlotError) -> (counts: [Int], edges: [Double]) {
        let chart = "histogram"
        guard bins >= 1 && bins <= 10_000 else { throw .invalidOption(chart: chart, what: "bins \(bins) is outside 1…10000") }
        guard !values.isEmpty else { throw .empty(chart: chart, what: "no values to bin") }
        let finite = values.filter(\.isFinite)
        guard let lo = range?.lowerBound ?? finite.min(), let hi0 = range?.upperBound ?? finite.max() else {
            throw .empty(chart: chart, what: "none of the \(values.count) values is finite")
        }
        guard lo.isFinite && hi0.isFinite else { throw .invalidOption(chart: chart, what: "range \(lo)...\(hi0) is not finite") }
        let hi = hi0 > lo ? hi0 : lo + 1
        let width = (hi - lo) / Double(bins)
        var counts = [Int](repeating: 0, count: bins)
        for v in finite where v >= lo && v <= hi {
            counts[min(bins - 1, Int((v - lo) / width))] += 1
        }
        return (counts, (0...bins).map { lo + Double($0) * width })
    }

    public func render(_ options: RenderOptions) throws(PlotError) -> RGBAImage {
        try options.validate("histogram")
        let (counts, edges) = try counts()
        let top = Double(counts.max() ?? 0)
        let canvas = try Canvas(width: options.width, height: options.height, scale: options.scale)
        let axes = Axes(canvas: canvas, title: title, xLabel: xLabel, yLabel: yLabel,
                        x: AxisRange(lo: edges[0], hi: edges[edges.count - 1]),
                        y: AxisRange(lo: 0, hi: max(1, top * 1.06)))
        let color = Palette.series(0)
        axes.clipped {
            for (i, n) in counts.enumerated() where n > 0 {
                let x0 = axes.px(edges[i]), x1 = axes.px(edges[i + 1])
                let y0 = axes.py(Double(n))
                canvas.fillRect(x: x0, y: y0, width: x1 - x0, height: axes.top + axes.height - y0, color: color.withAlpha(0.78))
                if x1 - x0 > 3 { canvas.line(from: (x1, y0), to: (x1, axes.top + axes.height), color: Palette.background, lineWidth: 0.8) }
            }
        }
        canvas.strokeRect(x: axes.left, y: axes.top, width: axes.width, height: axes.height, color: Palette.frame)
        let dropped = values.count - counts.reduce(0, +)
        if dropped > 0 {
            canvas.text("\(dropped) value\(dropped == 1 ? "" : "s") outside the bins or not finite",
                        at: (axes.left + 8, axes.top + 16), size: 10, color: Palette.mutedText)
        }
        return canvas.image()
    }
}
