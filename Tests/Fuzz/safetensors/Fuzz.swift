import QuireCheckpoint
import QuireTensor

/// A safetensors file: header parsed and validated, then every tensor read (bounded by the file size,
/// which the header check ties the shapes to).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = scratchFile(data, size, name: "input.safetensors")
    if let file = try? SafetensorsFile(path: path) {
        _ = try? file.tensors()
        _ = try? file.sha256()
    }
    return 0
}
