@testable import QuireData

/// PNG bytes decoded with libpng to the file's own channels and to RGBA.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? decodePNG(bytes: bytes, path: "input.png", channels: nil)
    _ = try? decodePNG(bytes: bytes, path: "input.png", channels: 4)
    return 0
}
