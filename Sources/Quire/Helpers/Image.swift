import QuirePlot

/// Shows a tensor as an image in the cell's output, encoded as PNG with libpng (through QuirePlot).
///
/// Shapes: `[height, width]` (grayscale) or `[height, width, channels]` with 1, 3 or 4 channels.
/// Floating-point values are read as intensities in 0...1 (or rescaled from their minimum and maximum
/// with `normalize: true`); integer values as 0...255. Values outside the range are clamped.
/// `scale` enlarges each pixel to a `scale`×`scale` block, for small images such as 8×8 digits.
///
/// ```swift
/// let gradient = Tensor.linspace(0, 1, count: 64).reshaped(1, 64).broadcast(to: [16, 64])
/// image(gradient, scale: 4, caption: "a horizontal ramp")
/// ```
public func image(_ tensor: Tensor, normalize: Bool = false, scale: Int = 1, caption: String? = nil) {
    let (height, width, channels) = imageGeometry(tensor)
    precondition(scale >= 1, "image: scale must be at least 1, got \(scale)")
    var values = tensor.scalars(as: Float.self)
    if normalize, let lo = values.min(), let hi = values.max(), hi > lo {
        values = values.map { ($0 - lo) / (hi - lo) }
    }
    let factor: Float = tensor.dtype.isFloatingPoint ? 255 : 1
    let pixels = values.map { UInt8(max(0, min(255, ($0 * factor).rounded()))) }
    let scaled = upscale(pixels, height: height, width: width, channels: channels, by: scale)

    emitFigure(width: width * scale, height: height * scale, caption: caption, what: "image") { path in
        writePNG(scaled, width: width * scale, height: height * scale, channels: channels, to: path)
    }
}

/// Writes the cell's next figure file (`<cell id>-<n>.png` in the figures folder) with `write`, which returns
/// a problem or nil, and announces it to the runner with its display size (`width`×`height`) and caption.
func emitFigure(width: Int, height: Int, caption: String?, what: String, _ write: (String) -> String?) {
    EventChannel.figureCount += 1
    let name = "\(EventChannel.currentCellID)-\(EventChannel.figureCount).png"
    let path = EventChannel.figuresDirectory + "/" + name
    if let problem = write(path) {
        EventChannel.send("error", [("message", .string("\(what): could not write \(path): \(problem)"))])
        if !EventChannel.isConnected { print("\(what): could not write \(path): \(problem)") }
        return
    }
    if EventChannel.isConnected {
        var fields: [(String, EventJSON)] = [("file", .string(name)), ("width", .int(width)), ("height", .int(height))]
        if let caption { fields.append(("caption", .string(caption))) }
        EventChannel.send("image", fields)
    } else {
        print("[\(what) \(width)×\(height): \(path)]")
    }
}

func imageGeometry(_ tensor: Tensor) -> (height: Int, width: Int, channels: Int) {
    switch tensor.rank {
    case 2: return (tensor.shape[0], tensor.shape[1], 1)
    case 3 where [1, 3, 4].contains(tensor.shape[2]): return (tensor.shape[0], tensor.shape[1], tensor.shape[2])
    default:
        preconditionFailure("image: expected shape [height, width] or [height, width, 1|3|4], got \(tensor.shape)")
    }
}

func upscale(_ pixels: [UInt8], height: Int, width: Int, channels: Int, by scale: Int) -> [UInt8] {
    guard scale > 1 else { return pixels }
    var out = [UInt8](repeating: 0, count: pixels.count * scale * scale)
    let outWidth = width * scale
    for y in 0..<(height * scale) {
        for x in 0..<outWidth {
            let src = ((y / scale) * width + x / scale) * channels
            let dst = (y * outWidth + x) * channels
            for c in 0..<channels { out[dst + c] = pixels[src + c] }
        }
    }
    return out
}

/// Writes 8-bit grey, RGB or RGBA pixels as a PNG (through QuirePlot's libpng encoder, as RGBA); returns the
/// problem on failure.
func writePNG(_ pixels: [UInt8], width: Int, height: Int, channels: Int, to path: String) -> String? {
    var rgba = [UInt8](repeating: 255, count: width * height * 4)
    for p in 0..<(width * height) {
        switch channels {
        case 1: rgba[p * 4] = pixels[p]; rgba[p * 4 + 1] = pixels[p]; rgba[p * 4 + 2] = pixels[p]
        default: for c in 0..<channels { rgba[p * 4 + c] = pixels[p * channels + c] }
        }
    }
    do {
        try RGBAImage(width: width, height: height, pixels: rgba).writePNG(to: path)
        return nil
    } catch {
        return String(describing: error)
    }
}
