internal import CPNG
import QuireTensor

/// Decodes a PNG file with libpng's simplified API into uint8 `[height, width, channels]`
/// (`channels` nil: the file's own, 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA). Throws naming the file.
func decodePNG(path: String, channels: Int?) throws -> Tensor {
    var image = png_image()
    image.version = QUIRE_PNG_IMAGE_VERSION
    defer { png_image_free(&image) }
    func message() -> String {
        withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
    guard png_image_begin_read_from_file(&image, path) != 0 else {
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
    var failure: String? = nil
    let pixels = Tensor(unsafeUninitializedShape: [height, width, c], dtype: .uint8) { buffer in
        if png_image_finish_read(&image, nil, buffer.baseAddress, png_int_32(width * c), nil) == 0 { failure = message() }
    }
    if let failure { throw DataError("\(path): PNG does not decode (\(failure))") }
    return pixels
}
