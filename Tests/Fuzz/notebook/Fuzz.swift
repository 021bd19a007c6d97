import QuireNotebook

/// Notebook text (front matter, Markdown, cells with attributes) parsed as `quire run` parses it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNotebook(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = size == 0 ? "" : String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? NotebookParser.parse(text, path: "fuzz.md")
    return 0
}
