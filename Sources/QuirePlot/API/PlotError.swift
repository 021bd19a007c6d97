/// Why a chart could not be drawn. The message names the chart, the series and what was expected.
///
/// ```swift
/// do { _ = try LineChart(series: [.init(name: "loss", x: [1, 2], y: [0.5])]).render() }
/// catch { print(error) }   // line chart: series "loss" has 2 x values but 1 y values
/// ```
public enum PlotError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The chart has nothing to draw (no series, no values, no images).
    case empty(chart: String, what: String)
    /// Two things that must have the same length do not.
    case mismatched(chart: String, what: String)
    /// A parameter outside its domain (a non-positive size, zero bins, bad range).
    case invalidOption(chart: String, what: String)
    case renderingFailed(String)
    case encodingFailed(String)
    case decodingFailed(String)

    public var description: String {
        switch self {
        case .empty(let chart, let what), .mismatched(let chart, let what), .invalidOption(let chart, let what):
            "\(chart): \(what)"
        case .renderingFailed(let m): "plot: rendering failed: \(m)"
        case .encodingFailed(let m): "plot: PNG encoding failed: \(m)"
        case .decodingFailed(let m): "plot: PNG decoding failed: \(m)"
        }
    }
}

/// Size of a rendered chart: `width`×`height` logical pixels, drawn at `scale` (2 for sharp screens gives a
/// PNG twice as wide and high, shown at the logical size).
public struct RenderOptions: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var scale: Double

    public init(width: Int = 640, height: Int = 400, scale: Double = 1) {
        self.width = width
        self.height = height
        self.scale = scale
    }

    func validate(_ chart: String) throws(PlotError) {
        guard width >= 64, height >= 64, width <= 8192, height <= 8192 else {
            throw .invalidOption(chart: chart, what: "size \(width)×\(height) is outside 64…8192 logical pixels")
        }
        guard scale.isFinite, scale >= 0.5, scale <= 8 else {
            throw .invalidOption(chart: chart, what: "scale \(scale) is outside 0.5…8")
        }
    }
}

/// Anything that draws itself into an ``RGBAImage``.
public protocol Chart: Sendable {
    /// Draws the chart; throws ``PlotError`` (never a blank picture) when the data cannot be shown.
    func render(_ options: RenderOptions) throws(PlotError) -> RGBAImage
}

extension Chart {
    /// Draws at 640×400, scale 1.
    public func render() throws(PlotError) -> RGBAImage { try render(RenderOptions()) }
}
