import Foundation

/// Turns a ``RunRecord`` into the dictionaries the Mustache template reads. Every piece of text that
/// came from a cell's output is escaped here or by `{{ }}` in the template; only cmark's prose HTML,
/// the highlighted code and the tables assembled here go in unescaped (`{{{ }}}`).
struct ReportModel {
    let record: RunRecord
    /// PNGs to inline as data URLs (`--embed`), by file name; nil keeps them as files beside the report.
    let embeddedImages: [String: Data]?
    let figuresFolder: String
    /// Each run log's files in the report folder (relative paths), linked beside its metrics.
    var runFiles: [String: [String]] = [:]

    func context(css: String) -> [String: Any] {
        let notebook = record.notebook
        var blocks: [[String: Any]] = []
        var toc: [[String: Any]] = []
        var figures = 0   // figures are numbered through the report
        for block in notebook.blocks {
            switch block {
            case .prose(let prose):
                blocks.append(["isProse": true, "html": MathSpans.wrap(prose.html)])
                for h in prose.headings where h.level <= 3 {
                    toc.append(["text": h.text, "anchor": h.anchor, "level": h.level, "indent": h.level > 1])
                }
            case .cell(let cell):
                blocks.append(cellContext(cell, record.results[cell.index], figures: &figures))
            }
        }
        let results = record.results
        let succeeded = results.filter { $0.status == .succeeded }.count
        let restored = record.restoredCount
        let failedCells = notebook.cells.filter { [.failed, .timedOut, .compileError, .interrupted].contains(results[$0.index].status) }
        var summary = "\(succeeded) of \(results.count) cells ran"
        if restored > 0 { summary += ", \(restored) restored from the cache" }
        let stale = results.filter { $0.status == .stale }.count
        if stale > 0 { summary += " (\(stale) stale)" }
        if record.inProgress { summary = "running: " + summary }
        if let first = failedCells.first {
            summary += results[first.index].status == .interrupted
                ? "; interrupted at cell \(first.id)" : "; cell \(first.id) \(results[first.index].status.label)"
        }
        let total = results.compactMap(\.seconds).reduce(0, +)
        // A notebook titled by its first heading shows that heading once, in the prose.
        let firstHeading = notebook.blocks.lazy.compactMap { block -> Heading? in
            if case .prose(let p) = block { return p.headings.first } else { return nil }
        }.first
        let titleInProse = notebook.frontMatter.title == nil && firstHeading?.level == 1
        var context: [String: Any] = [
            "title": notebook.title,
            "showTitle": !titleInProse,
            "css": css,
            "toc": toc,
            "hasTOC": toc.count > 1,
            "blocks": blocks,
            "summary": summary,
            "ok": record.exitCode == 0 && !record.inProgress,
            "failed": record.exitCode != 0 && !record.inProgress,
            "inProgress": record.inProgress,
            "failedCells": failedCells.map { ["id": $0.id, "anchor": "cell-" + $0.id] },
            "totalSeconds": String(format: "%.2f s", total),
            "cacheNote": restored == 0 ? "" : " · \(restored) of \(results.count) cells restored from the cache, saving "
                + ReportModel.duration(results.compactMap { $0.status == .restored || $0.status == .stale ? $0.savedSeconds : nil }.reduce(0, +)),
            "build": record.buildSeconds.map { record.cachedBinary ? "cached program" : String(format: "compiled in %.2f s", $0) } ?? "",
            "swiftVersion": record.swiftVersion,
            "quireVersion": record.quireVersion,
            "params": record.params.map { ["name": $0.name, "value": $0.value.description, "type": $0.value.swiftType] },
            "hasParams": !record.params.isEmpty,
            "seed": notebook.frontMatter.seed,
            "date": record.startedAt,
            "source": notebook.path,
        ]
        if !record.runMetrics.isEmpty {
            context["runMetrics"] = record.runMetrics.map { run in
                ["run": run.run, "values": run.values.map { ["name": $0.name, "value": ReportModel.metricText($0.value)] },
                 "files": (runFiles[run.run] ?? []).map { ["href": $0, "name": ($0 as NSString).lastPathComponent] }] as [String: Any]
            }
        }
        // Mustache sections test presence: absent values must be absent keys, not nil.
        if let d = notebook.frontMatter.description { context["description"] = d }
        if !notebook.warnings.isEmpty {
            context["notebookWarnings"] = notebook.warnings.map { ["location": $0.location.map(\.description) ?? "", "message": $0.message] }
        }
        if let log = record.buildLog { context["buildLog"] = log }
        return context
    }

    static func duration(_ s: Double) -> String {
        String(format: s < 10 ? "%.2f s" : "%.1f s", s)
    }

    /// A metric for the summary: four significant digits.
    static func metricText(_ v: Double) -> String {
        guard v.isFinite else { return v.isNaN ? "NaN" : (v > 0 ? "∞" : "−∞") }
        return String(format: "%.4g", v)
    }

    private func cellContext(_ cell: Cell, _ result: CellResult, figures: inout Int) -> [String: Any] {
        var outputs: [[String: Any]] = []
        if cell.options.output {
            for output in result.outputs {
                var context = outputContext(output, cell: cell)
                if case .image = output {
                    figures += 1
                    context["figureNumber"] = figures
                }
                outputs.append(context)
            }
        }
        var context: [String: Any] = [
            "isCell": true,
            "id": cell.id,
            "anchor": "cell-" + cell.id,
            "number": cell.index + 1,
            "lines": "\(cell.lines.lowerBound)–\(cell.lines.upperBound)",
            "status": result.status.rawValue,
            "statusLabel": result.status.label,
            "echo": cell.options.echo,
            "code": SyntaxHighlighter.html(cell.code),
            "gutter": gutter(cell, errorLines: Set(result.diagnostics.filter { $0.severity == .error }.compactMap { $0.location?.line })
                .union(CrashLines.lines(of: result.failure, notebookPath: record.notebook.path))),
            "outputs": outputs,
            "hasOutputs": !outputs.isEmpty,
        ]
        if let s = result.seconds { context["seconds"] = ReportModel.duration(s) }
        if result.status == .restored || result.status == .stale {
            context["seconds"] = "saved " + ReportModel.duration(result.savedSeconds ?? 0)
        }
        if let reason = result.cacheReason { context["cacheReason"] = reason }
        if let failure = result.failure, failure.kind != .compile {   // compile errors show as diagnostics
            context["failure"] = ["message": failure.message, "details": failure.details,
                                  "hasDetails": !failure.details.isEmpty, "kind": failure.kind.rawValue]
        }
        let errors = result.diagnostics.filter { $0.severity != .note }
        if !errors.isEmpty {
            context["diagnostics"] = errors.map { d in
                ["severity": d.severity.rawValue, "message": d.message,
                 "location": d.location.map { l in d.column.map { "\(l):\($0)" } ?? "\(l)" } ?? ""]
            }
        }
        return context
    }

    private func outputContext(_ output: CellOutput, cell: Cell) -> [String: Any] {
        switch output {
        case .stdout(let text):
            if let cut = OutputSpill.noteFile(text) { return ["isCut": true, "lines": cut.lines, "path": cut.path] }
            return ["isText": true, "text": text]
        case .stderr(let text): return ["isText": true, "isStderr": true, "text": text]
        case .display(let text, let label):
            var context: [String: Any] = ["isDisplay": true, "text": text]
            if let label { context["label"] = label }
            return context
        case .markdown(let source): return ["isMarkdown": true, "html": MathSpans.wrap(MarkdownRenderer.html(source))]
        case .error(let message): return ["isError": true, "message": message]
        case .table(let header, let rows): return ["isTable": true, "html": Self.tableHTML(header: header, rows: rows)]
        case .image(let file, let width, let height, let caption):
            var src = figuresFolder + "/" + file
            if let data = embeddedImages?[file] { src = "data:image/png;base64," + data.base64EncodedString() }
            var context: [String: Any] = ["isImage": true, "src": src, "width": width, "height": height,
                                          "pixelated": width <= 256]
            if let text = caption ?? cell.options.caption { context["caption"] = text }
            return context
        }
    }

    /// The notebook line numbers beside a cell's code; lines with a compile error, or where the cell
    /// crashed, are marked.
    private func gutter(_ cell: Cell, errorLines: Set<Int>) -> String {
        let count = max(1, cell.code.split(separator: "\n", omittingEmptySubsequences: false).count)
        return (cell.codeLine..<(cell.codeLine + count)).map { line in
            errorLines.contains(line) ? "<span class=\"err\">\(line)</span>" : String(line)
        }.joined(separator: "\n")
    }

    /// A table whose columns align by kind: a column whose every non-empty cell is a number is right-aligned
    /// in a monospaced font (its header too); any other column is text, left-aligned.
    static func tableHTML(header: [String]?, rows: [[String]]) -> String {
        let shown = rows.prefix(500)
        let width = max(header?.count ?? 0, shown.map(\.count).max() ?? 0)
        let numeric = (0..<width).map { c in
            let cells = shown.compactMap { c < $0.count ? $0[c] : nil }.filter { !$0.isEmpty }
            return !cells.isEmpty && cells.allSatisfy { Double($0) != nil }
        }
        func cell(_ tag: String, _ text: String, _ c: Int) -> String {
            (c < numeric.count && numeric[c] ? "<\(tag) class=\"n\">" : "<\(tag)>") + HTML.escape(text) + "</\(tag)>"
        }
        var html = "<table>"
        if let header {
            html += "<thead><tr>" + header.enumerated().map { cell("th", $0.element, $0.offset) }.joined() + "</tr></thead>"
        }
        html += "<tbody>"
        for row in shown {
            html += "<tr>" + row.enumerated().map { cell("td", $0.element, $0.offset) }.joined() + "</tr>"
        }
        if rows.count > 500 { html += "<tr><td colspan=\"99\">… \(rows.count - 500) more rows</td></tr>" }
        return html + "</tbody></table>"
    }

}
