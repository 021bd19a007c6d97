/// Finds a top-level name declared (`let`/`var`) in two cells, before compiling: Swift's own message
/// ("ambiguous use of 'x'", at the first cell's use) sends the user to the wrong place. The error is at
/// the second declaration and names the first.
enum Redeclarations {
    static func find(in notebook: Notebook) -> [Diagnostic] {
        var first: [String: (cell: Cell, line: Int)] = [:]
        var diagnostics: [Diagnostic] = []
        for cell in notebook.cells where !cell.options.error {   // an `error: true` cell's names are local
            let tokens = SwiftLexer.tokenize(cell.code)
            for (name, _) in CellAnalysis(code: cell.code).declared {
                let line = cell.codeLine + (lineOffset(of: name, in: tokens) ?? 0)
                guard let earlier = first[name] else {
                    first[name] = (cell, line)
                    continue
                }
                guard earlier.cell.index != cell.index else { continue }   // within a cell: the compiler's message is clear
                let place = SourceLocation(file: notebook.path, line: earlier.line)
                diagnostics.append(Diagnostic(
                    severity: .error,
                    message: "'\(name)' is already declared in cell `\(earlier.cell.id)` (\(place)); each name is declared once"
                        + " — assign with `\(name) = …` to a `var`, or use a new name",
                    location: SourceLocation(file: notebook.path, line: line), column: 1, cellIndex: cell.index))
            }
        }
        return diagnostics
    }

    /// The line (0-based, within the cell) of the top-level `let`/`var` that binds `name`.
    static func lineOffset(of name: String, in tokens: [SwiftToken]) -> Int? {
        var depth = 0
        var line = 0
        var k = 0
        while k < tokens.count {
            let t = tokens[k]
            line += t.text.unicodeScalars.reduce(0) { $1 == "\n" ? $0 + 1 : $0 }   // multi-line strings too
            if ["{", "(", "["].contains(t.text) { depth += 1 }
            if ["}", ")", "]"].contains(t.text) { depth -= 1 }
            if depth == 0, t.kind == .keyword, t.text == "let" || t.text == "var" {
                var j = k + 1
                var inner = 0
                while j < tokens.count, tokens[j].kind != .newline || inner > 0, inner > 0 || tokens[j].text != "=" {
                    if tokens[j].text == "(" { inner += 1 }
                    if tokens[j].text == ")" { inner -= 1 }
                    if tokens[j].kind == .identifier && tokens[j].text == name { return line }
                    if tokens[j].text == ":" && inner == 0 { break }   // the type annotation names no binding
                    j += 1
                }
            }
            k += 1
        }
        return nil
    }
}
