import Mustache

/// HTML escaping for all text placed in the report: what the renderer assembles itself (highlighted code,
/// tables) and, as the template's content type, every `{{ }}`. It works on Unicode scalars: escaping by
/// `Character` (as Mustache's own HTML type does) lets a `"` followed by a combining mark through as one
/// grapheme, which turns a caption into an attribute injection. C0 controls other than tab and line
/// breaks, which HTML does not allow, become U+FFFD.
enum HTML {
    /// The template's `{{% CONTENT_TYPE: QUIRE_HTML}}`.
    struct ContentType: MustacheContentType {
        func escapeText(_ text: String) -> String { HTML.escape(text) }
    }

    static let registered: Void = MustacheContentTypes.register(ContentType(), named: "QUIRE_HTML")

    /// `<templatesDirectory>/<name>.mustache`, which must declare Quire's escaping on its first line, and
    /// `report.css` beside it (inlined by the report and the publish site alike).
    static func loadTemplate(_ name: String, in templatesDirectory: String) throws(NotebookError) -> (template: MustacheTemplate, css: String) {
        let path = templatesDirectory + "/\(name).mustache"
        do {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            HTML.registered
            guard text.hasPrefix("{{% CONTENT_TYPE: QUIRE_HTML}}") else {
                throw NotebookError(.environment, "the \(name) template \(path) must start with {{% CONTENT_TYPE: QUIRE_HTML}} (Quire's escaping)")
            }
            return (try MustacheTemplate(string: text), try String(contentsOfFile: templatesDirectory + "/report.css", encoding: .utf8))
        } catch let error as NotebookError {
            throw error
        } catch {
            throw NotebookError(.environment, "cannot load the \(name) template \(path): \(error)")
        }
    }

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(ch)
            default:
                if ch.value < 0x20 || ch.value == 0x7F { out += "\u{FFFD}" } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }
}
