/// TeX in prose stays plain text, wrapped so a page (or a reader's MathJax/KaTeX bookmarklet) can find it:
/// `$…$` becomes `<span class="math">$…$</span>` and `$$…$$` becomes `<span class="math display">$$…$$</span>`,
/// the dollars kept. Works on cmark's HTML, whose text is already escaped, so the TeX is never markup; text
/// inside `<code>` and `<pre>` is left alone. Pandoc's rule tells math from money: the opening `$` is followed
/// by a non-space, the closing one preceded by a non-space and not followed by a digit, all on one line.
enum MathSpans {
    static func wrap(_ html: String) -> String {
        guard html.contains("$") else { return html }
        let s = Array(html.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        var literal = 0   // depth inside <code>/<pre>
        func starts(_ text: String, at k: Int) -> Bool {
            let t = Array(text.unicodeScalars)
            guard k + t.count <= s.count else { return false }
            return (0..<t.count).allSatisfy { String(s[k + $0]).lowercased() == String(t[$0]) }
        }
        while i < s.count {
            let c = s[i]
            if c == "<" {
                if starts("<code", at: i) || starts("<pre", at: i) { literal += 1 }
                if starts("</code", at: i) || starts("</pre", at: i) { literal = max(0, literal - 1) }
                while i < s.count, s[i] != ">" { out.append(s[i]); i += 1 }
                if i < s.count { out.append(s[i]); i += 1 }
                continue
            }
            if c == "$", literal == 0, let end = closing(s, from: i) {
                let display = i + 1 < s.count && s[i + 1] == "$"
                out.append(contentsOf: (display ? "<span class=\"math display\">" : "<span class=\"math\">").unicodeScalars)
                out.append(contentsOf: s[i..<end])
                out.append(contentsOf: "</span>".unicodeScalars)
                i = end
                continue
            }
            out.append(c)
            i += 1
        }
        return String(out)
    }

    /// The index just past the closing delimiter of the math opening at `start`, or nil.
    private static func closing(_ s: [Unicode.Scalar], from start: Int) -> Int? {
        let width = start + 1 < s.count && s[start + 1] == "$" ? 2 : 1
        let first = start + width
        guard first < s.count, !s[first].properties.isWhitespace, s[first] != "$" else { return nil }
        var k = first
        while k < s.count {
            let c = s[k]
            if c == "\n" || c == "<" { return nil }
            if c == "\\" { k += 2; continue }
            if c == "$" {
                guard !s[k - 1].properties.isWhitespace else { return nil }
                if width == 2 {
                    guard k + 1 < s.count, s[k + 1] == "$" else { return nil }
                    return k + 2
                }
                if k + 1 < s.count, s[k + 1].properties.numericType != nil { return nil }
                return k + 1
            }
            k += 1
        }
        return nil
    }
}
