internal import CCmark
import Foundation

/// The notebook body as cmark sees it, walked once over its top-level nodes: a fenced block whose info
/// string starts with `swift` becomes a cell; every other node is prose, rendered to HTML by cmark.
struct MarkdownDocument {
    let markdown: String

    init(markdown: String) { self.markdown = markdown }

    /// ```` ```swift ```` fences nested in a list item or a block quote: shown as prose, not run. Cells
    /// are top-level blocks; each of these gets a warning at its line.
    func nestedSwiftFences(path: String) -> [Diagnostic] {
        guard let document = cmark_parse_document(markdown, markdown.utf8.count, CMARK_OPT_DEFAULT) else { return [] }
        defer { cmark_node_free(document) }
        var found: [Diagnostic] = []
        guard let iterator = cmark_iter_new(document) else { return [] }
        defer { cmark_iter_free(iterator) }
        while cmark_iter_next(iterator) != CMARK_EVENT_DONE {
            guard let node = cmark_iter_get_node(iterator), cmark_node_parent(node) != document,
                  cmark_node_get_type(node) == CMARK_NODE_CODE_BLOCK, fenceLanguage(node) == "swift" else { continue }
            let line = Int(cmark_node_get_start_line(node))
            found.append(Diagnostic(severity: .warning,
                                    message: "this ```swift fence is inside a list item or quote, so it is shown but not run; cells must start at the left margin",
                                    location: SourceLocation(file: path, line: line), column: nil, cellIndex: nil))
        }
        return found
    }

    func blocks(path: String) throws(NotebookError) -> [Block] {
        guard let document = cmark_parse_document(markdown, markdown.utf8.count, CMARK_OPT_DEFAULT) else {
            throw NotebookError(.input, "cmark could not parse \(path)")
        }
        defer { cmark_node_free(document) }

        var blocks: [Block] = []
        var prose = ProseBuilder()
        var anchors = AnchorSet()
        var cellIndex = 0
        var node = cmark_node_first_child(document)
        while let current = node {
            node = cmark_node_next(current)
            let start = Int(cmark_node_get_start_line(current)), end = Int(cmark_node_get_end_line(current))
            if let language = fenceLanguage(current), language == "swift" {
                if let p = prose.finish() { blocks.append(.prose(p)) }
                let literal = cmark_node_get_literal(current).map { String(cString: $0) } ?? ""
                let parsed = try CellOptionsParser.parse(literal, firstLine: start + 1, path: path)
                let id = parsed.options.id ?? "cell-\(cellIndex + 1)"
                blocks.append(.cell(Cell(index: cellIndex, id: id, code: parsed.code,
                                         codeLine: start + 1 + parsed.optionLineCount,
                                         lines: start...max(start, end), options: parsed.options)))
                cellIndex += 1
                continue
            }
            var html = render(current)
            if cmark_node_get_type(current) == CMARK_NODE_HEADING {
                let text = plainText(of: current)
                let anchor = anchors.make(for: text)
                let level = Int(cmark_node_get_heading_level(current))
                if html.hasPrefix("<h\(level)>") {
                    html = "<h\(level) id=\"\(anchor)\">" + html.dropFirst("<h\(level)>".count)
                }
                prose.headings.append(Heading(level: level, text: text, anchor: anchor))
            }
            prose.append(html, lines: start...max(start, end))
        }
        if let p = prose.finish() { blocks.append(.prose(p)) }
        return blocks
    }

    /// The first word of a fenced block's info string (`swift` in ```` ```swift {.numberLines} ````).
    private func fenceLanguage(_ node: OpaquePointer) -> String? {
        guard cmark_node_get_type(node) == CMARK_NODE_CODE_BLOCK, let info = cmark_node_get_fence_info(node) else { return nil }
        let word = String(cString: info).split(whereSeparator: { $0 == " " || $0 == "{" || $0 == "}" }).first
        return word.map { $0.lowercased() }
    }

    private func render(_ node: OpaquePointer) -> String {
        guard let html = cmark_render_html(node, CMARK_OPT_DEFAULT) else { return "" }
        defer { free(html) }
        return String(cString: html)
    }

    /// The text of a node's inline content (for headings).
    private func plainText(of node: OpaquePointer) -> String {
        var text = ""
        guard let iterator = cmark_iter_new(node) else { return text }
        defer { cmark_iter_free(iterator) }
        while cmark_iter_next(iterator) != CMARK_EVENT_DONE {
            let n = cmark_iter_get_node(iterator)
            guard cmark_iter_get_event_type(iterator) == CMARK_EVENT_ENTER else { continue }
            switch cmark_node_get_type(n) {
            case CMARK_NODE_TEXT, CMARK_NODE_CODE:
                if let literal = cmark_node_get_literal(n) { text += String(cString: literal) }
            case CMARK_NODE_SOFTBREAK, CMARK_NODE_LINEBREAK: text += " "
            default: break
            }
        }
        return text
    }
}

/// Renders Markdown text (a cell's `markdown(_:)` output) to HTML with cmark.
enum MarkdownRenderer {
    static func html(_ markdown: String) -> String {
        guard let html = cmark_markdown_to_html(markdown, markdown.utf8.count, CMARK_OPT_DEFAULT) else { return "" }
        defer { free(html) }
        return String(cString: html)
    }
}

/// Collects consecutive prose nodes into one ``Prose``.
private struct ProseBuilder {
    var html = ""
    var lines: ClosedRange<Int>?
    var headings: [Heading] = []

    mutating func append(_ fragment: String, lines range: ClosedRange<Int>) {
        html += fragment
        lines = lines.map { $0.lowerBound...range.upperBound } ?? range
    }

    mutating func finish() -> Prose? {
        defer { self = ProseBuilder() }
        guard let lines else { return nil }
        return Prose(html: html, lines: lines, headings: headings)
    }
}

/// Unique, URL-friendly heading anchors ("Set up" → "set-up", then "set-up-2").
struct AnchorSet {
    private var used: [String: Int] = [:]

    mutating func make(for text: String) -> String {
        var slug = ""
        for ch in text.lowercased() {
            if ch.isLetter || ch.isNumber { slug.append(ch) } else if !slug.hasSuffix("-") { slug.append("-") }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        if slug.isEmpty { slug = "section" }
        let n = (used[slug] ?? 0) + 1
        used[slug] = n
        return n == 1 ? slug : "\(slug)-\(n)"
    }
}
