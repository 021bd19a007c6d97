import QuireTensor

/// Small images in a grid, each with an optional label underneath (flagged labels in red): digit samples,
/// predictions, filters.
///
/// ```swift
/// let grid = try ImageGrid(title: "test predictions", images: test.x[0..<16].reshaped(16, 8, 8),
///                          labels: predicted.map { "pred \($0)" }, flagged: wrongIndices)
/// ```
public struct ImageGrid: Chart {
    public var title: String?
    /// `[count, height, width]` (grey) or `[count, height, width, channels]` with 1, 3 or 4 channels.
    public var images: Tensor
    public var labels: [String]?
    /// Indices whose label is drawn in red (wrong predictions).
    public var flagged: Set<Int>
    /// Columns of the grid; nil picks about √count.
    public var columns: Int?
    /// Rescale each image from its own minimum and maximum; otherwise floats are read as 0...1 and integers as 0...255.
    public var normalize: Bool

    public init(title: String? = nil, images: Tensor, labels: [String]? = nil, flagged: Set<Int> = [],
                columns: Int? = nil, normalize: Bool = false) {
        self.title = title
        self.images = images
        self.labels = labels
        self.flagged = flagged
        self.columns = columns
        self.normalize = normalize
    }

    public func render(_ options: RenderOptions) throws(PlotError) -> RGBAImage {
        let chart = "image grid"
        try options.validate(chart)
        guard images.rank == 3 || (images.rank == 4 && [1, 3, 4].contains(images.shape[3])) else {
            throw .mismatched(chart: chart, what: "expected images of shape [count, height, width] or [count, height, width, 1|3|4], got \(images.shape)")
        }
        let count = images.shape[0], h = images.shape[1], w = images.shape[2]
        let channels = images.rank == 4 ? images.shape[3] : 1
        guard count > 0, h > 0, w > 0 else { throw .empty(chart: chart, what: "no images to draw (shape \(images.shape))") }
        if let labels, labels.count != count {
            throw .mismatched(chart: chart, what: "\(labels.count) labels for \(count) images")
        }
        if let columns, columns < 1 { throw .invalidOption(chart: chart, what: "columns \(columns) must be at least 1") }
        let cols = min(count, columns ?? Int(Double(count).squareRoot().rounded(.up)))
        let gridRows = (count + cols - 1) / cols
        let canvas = try Canvas(width: options.width, height: options.height, scale: options.scale)
        canvas.fillBackground(Palette.background)
        let top = title == nil ? 10.0 : 36.0
        let labelHeight = labels == nil ? 4.0 : 16.0
        let gap = 8.0
        let cellWidth = (canvas.width - 20 - gap * Double(cols - 1)) / Double(cols)
        let cellHeight = (canvas.height - top - 10 - gap * Double(gridRows - 1)) / Double(gridRows) - labelHeight
        // Keep the images' aspect ratio.
        let side = min(cellWidth / Double(w), cellHeight / Double(h))
        guard side > 0 else { throw .invalidOption(chart: chart, what: "\(count) images do not fit in \(options.width)×\(options.height)") }
        let drawWidth = side * Double(w), drawHeight = side * Double(h)
        let gridWidth = Double(cols) * drawWidth + Double(cols - 1) * gap
        let left = (canvas.width - gridWidth) / 2
        if let title {
            canvas.text(title, at: (canvas.width / 2, 22), size: Axes.titleSize, color: Palette.text, bold: true, h: .center)
        }
        let values = images.scalars(as: Double.self)
        let per = h * w * channels
        let scale = images.dtype.isFloatingPoint ? 255.0 : 1.0
        for i in 0..<count {
            var slice = Array(values[(i * per)..<((i + 1) * per)])
            if normalize, let lo = slice.filter(\.isFinite).min(), let hi = slice.filter(\.isFinite).max(), hi > lo {
                slice = slice.map { ($0 - lo) / (hi - lo) * (scale == 1 ? 255 : 1) }
            }
            var rgba = [UInt8](repeating: 255, count: h * w * 4)
            for p in 0..<(h * w) {
                let byte = { (v: Double) -> UInt8 in v.isFinite ? UInt8(max(0, min(255, (v * scale).rounded()))) : 0 }
                switch channels {
                case 1: let g = byte(slice[p]); rgba[p * 4] = g; rgba[p * 4 + 1] = g; rgba[p * 4 + 2] = g
                default:
                    for c in 0..<channels { rgba[p * 4 + c] = byte(slice[p * channels + c]) }
                }
            }
            let x = left + Double(i % cols) * (drawWidth + gap)
            let y = top + Double(i / cols) * (drawHeight + labelHeight + gap)
            canvas.drawPixels(rgba, columns: w, rows: h, x: x, y: y, width: drawWidth, height: drawHeight)
            canvas.strokeRect(x: x, y: y, width: drawWidth, height: drawHeight, color: Palette.grid, lineWidth: 0.5)
            if let labels {
                let bad = flagged.contains(i)
                canvas.text(labels[i], at: (x + drawWidth / 2, y + drawHeight + 3), size: 10,
                            color: bad ? Palette.series(3) : Palette.text, bold: bad, h: .center, v: .top)
            }
        }
        return canvas.image()
    }
}
