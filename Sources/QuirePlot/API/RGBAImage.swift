internal import CPNG
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A rendered picture: 8-bit RGBA pixels (straight alpha, rows top to bottom), encoded to PNG with libpng.
///
/// ```swift
/// let picture = try LineChart(title: "loss", series: [.init(name: "train", y: losses)]).render()
/// try picture.writePNG(to: "loss.png")
/// let back = try RGBAImage(contentsOfPNG: "loss.png")    // decoded with libpng
/// ```
public struct RGBAImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `width * height * 4` bytes: R, G, B, A per pixel.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 4, "RGBAImage: \(pixels.count) bytes for \(width)×\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The pixel at column `x`, row `y` as (r, g, b, a).
    public subscript(x: Int, y: Int) -> (UInt8, UInt8, UInt8, UInt8) {
        let i = (y * width + x) * 4
        return (pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3])
    }

    /// The PNG file's bytes.
    public func pngData() throws(PlotError) -> [UInt8] {
        var image = png_image()
        image.version = QUIRE_PNG_IMAGE_VERSION
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = QUIRE_PNG_FORMAT_RGBA
        defer { png_image_free(&image) }
        var size = 0
        // First call measures, second writes.
        let measured = pixels.withUnsafeBytes { buffer in
            png_image_write_to_memory(&image, nil, &size, 0, buffer.baseAddress, png_int_32(width * 4), nil)
        }
        guard measured != 0, size > 0 else { throw PlotError.encodingFailed(RGBAImage.message(of: image)) }
        var out = [UInt8](repeating: 0, count: size)
        let ok = out.withUnsafeMutableBytes { target in
            pixels.withUnsafeBytes { buffer in
                png_image_write_to_memory(&image, target.baseAddress, &size, 0, buffer.baseAddress,
                                          png_int_32(width * 4), nil)
            }
        }
        guard ok != 0 else { throw PlotError.encodingFailed(RGBAImage.message(of: image)) }
        return Array(out.prefix(size))
    }

    /// Writes the picture as a PNG file (to a temporary name, then renamed, so a reader never sees half a file).
    public func writePNG(to path: String) throws(PlotError) {
        let bytes = try pngData()
        let temporary = path + ".partial"
        guard let file = fopen(temporary, "wb") else {
            throw PlotError.encodingFailed("cannot open \(path) for writing: \(String(cString: strerror(errno)))")
        }
        let written = fwrite(bytes, 1, bytes.count, file)
        let closed = fclose(file)
        guard written == bytes.count, closed == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw PlotError.encodingFailed("could not write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Decodes a PNG file with libpng into 8-bit RGBA (any PNG colour type is converted).
    public init(contentsOfPNG path: String) throws(PlotError) {
        var image = png_image()
        image.version = QUIRE_PNG_IMAGE_VERSION
        defer { png_image_free(&image) }
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            throw PlotError.decodingFailed("\(path): \(RGBAImage.message(of: image))")
        }
        image.format = QUIRE_PNG_FORMAT_RGBA
        var pixels = [UInt8](repeating: 0, count: Int(image.width) * Int(image.height) * 4)
        let ok = pixels.withUnsafeMutableBytes { buffer in
            png_image_finish_read(&image, nil, buffer.baseAddress, png_int_32(Int(image.width) * 4), nil)
        }
        guard ok != 0 else { throw PlotError.decodingFailed("\(path): \(RGBAImage.message(of: image))") }
        self.init(width: Int(image.width), height: Int(image.height), pixels: pixels)
    }

    private static func message(of image: png_image) -> String {
        withUnsafeBytes(of: image.message) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
