import QuireData

/// A JSON Lines file read with float, int32 and bfloat16 fields, records then stacked.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONLines(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = scratchFile(data, size, name: "input.jsonl")
    if let source = try? JSONLinesSource(path: path, fields: ["x": .float32, "y": .int32]) {
        _ = try? source.records(at: Array(0..<min(source.count, 4)))
    }
    _ = try? JSONLinesSource(path: path, fields: ["t": .bfloat16])
    return 0
}
