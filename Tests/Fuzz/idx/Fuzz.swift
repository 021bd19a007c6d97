import QuireData

/// An IDX file: header checked, then the first records gathered.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = scratchFile(data, size, name: "input.idx")
    if let source = try? IDXSource(files: ["x": path]) {
        _ = try? source.records(at: Array(0..<min(source.count, 4)))
        if source.count > 0 { _ = try? source.records(at: [source.count - 1]) }
    }
    return 0
}
