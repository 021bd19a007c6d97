import Foundation

/// Reads a notebook: YAML front matter, Markdown prose (cmark) and ```` ```swift ```` cells with their
/// `//|` options. Fences in any other language stay prose.
///
/// ```swift
/// let notebook = try NotebookParser.parse("""
///     ---
///     title: Demo
///     ---
///     Some prose.
///
///     ```swift
///     //| id: hello
///     print("hi")
///     ```
///     """, path: "demo.md")
/// notebook.cells[0].id        // "hello"
/// notebook.cells[0].codeLine  // 8
/// ```
public enum NotebookParser {
    /// Parses the notebook at `path`.
    public static func parse(contentsOf path: String) throws(NotebookError) -> Notebook {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw NotebookError(.io, "cannot read notebook \(path): \(error.localizedDescription)")
        }
        return try parse(text, path: path)
    }

    /// Parses notebook `text`; `path` names it in diagnostics and gives the notebook its name.
    public static func parse(_ text: String, path: String) throws(NotebookError) -> Notebook {
        let split = FrontMatterSplitter.split(text)
        if split.unclosed {
            throw NotebookError(.input, "front matter: the `---` here opens front matter that no `---` line closes; "
                                + "add the closing line, or start the notebook with something else",
                                at: SourceLocation(file: path, line: 1))
        }
        let frontMatter = try FrontMatterParser.parse(split.yaml, firstLine: split.yamlFirstLine, path: path)
        let document = MarkdownDocument(markdown: split.body)
        let blocks = try document.blocks(path: path)
        var seen: [String: Int] = [:]
        for case .cell(let cell) in blocks {
            if let first = seen[cell.id] {
                throw NotebookError(.input, "cell id '\(cell.id)' is already used by the cell at line \(first)",
                                    at: SourceLocation(file: path, line: cell.lines.lowerBound), cell: cell.id)
            }
            seen[cell.id] = cell.lines.lowerBound
        }
        let fileName = (path as NSString).lastPathComponent
        let name = fileName.hasSuffix(".md") ? String(fileName.dropLast(3)) : fileName
        var notebook = Notebook(path: path, name: name, frontMatter: frontMatter, blocks: blocks)
        notebook.warnings = document.nestedSwiftFences(path: path)
        return notebook
    }
}
