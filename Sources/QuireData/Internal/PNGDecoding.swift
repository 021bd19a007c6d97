internal import CPNG
import QuireTensor

/// The most pixels (width × height) a PNG may declare: 2^28 (16384 × 16384), 1 GiB as RGBA. A file
/// of a hundred bytes can declare 100000 × 100000; that is refused before anything is allocated.
let maximumPNGPixels = 1 << 28

/// Reads `path` through ``InputFile`` (regular files only) and decodes it: see ``decodePNG(bytes:path:channels:)``.
func decodePNG(path: String, channels: Int?) throws -> Tensor {
    try decodePNG(bytes: readDataFile(path, limit: 1 << 31), path: path, channels: channels)
}

/// Decodes PNG bytes with libpng's simplified API into uint8 `[height, width, channels]`
/// (`channels` nil: the file's own, 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA). Throws naming `path`.
func decodePNG(bytes: [UInt8], path: String, channels: Int?) throws -> Tensor {
    // libpng reads from the buffer until png_image_finish_read, so all of it runs inside one closure.
    try bytes.withUnsafeBytes { raw in
        var image = png_image()
        image.version = QUIRE_PNG_IMAGE_VERSION
        defer { png_image_free(&image) }
        func message() -> String {
            withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        guard png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count) != 0 else {
            throw DataError("\(path): not a PNG image libpng can read (\(message()))")
        }
        let fileChannels = (image.format & QUIRE_PNG_FORMAT_RGB != 0 ? 3 : 1) + (image.format & QUIRE_PNG_FORMAT_GA != 0 ? 1 : 0)
        let c = channels ?? fileChannels
        switch c {
        case 1: image.format = QUIRE_PNG_FORMAT_GRAY
        case 2: image.format = QUIRE_PNG_FORMAT_GA
        case 3: image.format = QUIRE_PNG_FORMAT_RGB
        default: image.format = QUIRE_PNG_FORMAT_RGBA
        }
        let height = Int(image.height), width = Int(image.width)
        // Checked before anything is allocated: the declared size is whatever the header says.
        let pixels: Int
        do { pixels = try CheckedSize.multiply(width, height, "PNG size") } catch let e as TensorError {
            throw DataError("\(path): PNG declares \(width) × \(height) pixels: \(e.message)")
        }
        guard pixels <= maximumPNGPixels else {
            throw DataError("\(path): PNG declares \(width) × \(height) pixels, more than the \(maximumPNGPixels) accepted")
        }
        let rowStride = width * c   // ≤ 4 × 2^28
        var failure: String? = nil
        let decoded = Tensor(unsafeUninitializedShape: [height, width, c], dtype: .uint8) { buffer in
            if png_image_finish_read(&image, nil, buffer.baseAddress, png_int_32(rowStride), nil) == 0 { failure = message() }
        }
        if let failure { throw DataError("\(path): PNG does not decode (\(failure))") }
        return decoded
    }
}
