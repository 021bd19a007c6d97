import QuireData

/// A CSV file read with float, int32 and uint8 fields, with and without a header line.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = scratchFile(data, size, name: "input.csv")
    let fields = [CSVField("x", columns: 0..<2), CSVField("label", column: 2, dtype: .int32), CSVField("b", column: 3, dtype: .uint8, valid: 0...200)]
    for header in [false, true] {
        if let source = try? CSVSource(path: path, fields: fields, hasHeader: header) {
            _ = try? source.records(at: Array(0..<min(source.count, 4)))
        }
    }
    _ = try? CSVSource(path: path, fields: [CSVField("v", column: 0, dtype: .float16)], separator: ";")
    return 0
}
