internal import CPNG
import Foundation

/// The index's thumbnails: a figure scaled down in the runner itself (libpng's simplified API to read and
/// write RGBA, a box filter between), so the site does not ship each full-size chart twice. The runner still
/// never imports the engine: libpng is a C library, not `QuirePlot`.
enum Thumbnail {
    /// Largest figure decoded for a thumbnail (pixels): bigger ones are copied as they are.
    static let maximumPixels = 1 << 24

    /// Writes `source` scaled to `width` pixels wide (height in proportion) as a PNG at `target`. Returns
    /// false when the file cannot be read or written, or is no wider than `width` (the caller copies it).
    static func write(from source: String, to target: String, width: Int) -> Bool {
        var image = png_image()
        image.version = QUIRE_PNG_IMAGE_VERSION
        defer { png_image_free(&image) }
        guard png_image_begin_read_from_file(&image, source) != 0 else { return false }
        image.format = QUIRE_PNG_FORMAT_RGBA
        let w = Int(image.width), h = Int(image.height)
        guard w > width, w > 0, h > 0, w * h <= maximumPixels else { return false }
        var pixels = [UInt8](repeating: 0, count: w * h * 4)
        let ok = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, png_int_32(w * 4), nil) != 0 }
        guard ok else { return false }

        let tw = width, th = max(1, Int((Double(h) * Double(width) / Double(w)).rounded()))
        var out = [UInt8](repeating: 0, count: tw * th * 4)
        // Each target pixel is the mean of the source pixels its area covers (whole pixels, at least one).
        for ty in 0..<th {
            let y0 = ty * h / th, y1 = max(y0 + 1, (ty + 1) * h / th)
            for tx in 0..<tw {
                let x0 = tx * w / tw, x1 = max(x0 + 1, (tx + 1) * w / tw)
                var sum = (0, 0, 0, 0)
                for y in y0..<y1 {
                    var i = (y * w + x0) * 4
                    for _ in x0..<x1 {
                        sum.0 += Int(pixels[i]); sum.1 += Int(pixels[i + 1]); sum.2 += Int(pixels[i + 2]); sum.3 += Int(pixels[i + 3])
                        i += 4
                    }
                }
                let n = (y1 - y0) * (x1 - x0), o = (ty * tw + tx) * 4
                out[o] = UInt8((sum.0 + n / 2) / n); out[o + 1] = UInt8((sum.1 + n / 2) / n)
                out[o + 2] = UInt8((sum.2 + n / 2) / n); out[o + 3] = UInt8((sum.3 + n / 2) / n)
            }
        }
        var written = png_image()
        written.version = QUIRE_PNG_IMAGE_VERSION
        written.width = png_uint_32(tw)
        written.height = png_uint_32(th)
        written.format = QUIRE_PNG_FORMAT_RGBA
        defer { png_image_free(&written) }
        let temporary = target + ".\(getpid()).tmp"
        let wrote = out.withUnsafeBytes { png_image_write_to_file(&written, temporary, 0, $0.baseAddress, png_int_32(tw * 4), nil) != 0 }
        guard wrote, rename(temporary, target) == 0 else { unlink(temporary); return false }
        return true
    }
}
