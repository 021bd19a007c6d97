/// A small Swift tokenizer: enough to colour code in the report and to find a cell's last statement.
/// It never fails: text it does not understand becomes `.other` tokens.
struct SwiftToken: Equatable {
    enum Kind: Equatable {
        case keyword, identifier, number, string, comment, attribute, directive, `operator`, punctuation
        case whitespace, newline, other
    }
    var kind: Kind
    /// Range in the source's unicode scalars.
    var range: Range<Int>
    var text: String

    var isTrivia: Bool { kind == .whitespace || kind == .newline || kind == .comment }
}

enum SwiftLexer {
    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
        "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public", "rethrows",
        "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue", "default", "defer",
        "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "throw", "switch", "where",
        "while", "Any", "as", "await", "false", "is", "nil", "self", "Self", "super", "throws", "true", "try",
        "some", "any", "mutating", "nonmutating", "lazy", "weak", "unowned", "final", "override", "convenience",
        "required", "async", "consume", "borrowing", "consuming", "nonisolated",
    ]

    static let operatorCharacters: Set<Unicode.Scalar> = ["/", "=", "-", "+", "!", "*", "%", "<", ">", "&", "|", "^", "~", "?", "."]

    static func tokenize(_ source: String) -> [SwiftToken] {
        let s = Array(source.unicodeScalars)
        var tokens: [SwiftToken] = []
        var i = 0
        func text(_ r: Range<Int>) -> String {
            var out = String.UnicodeScalarView()
            out.append(contentsOf: s[r])
            return String(out)
        }
        func add(_ kind: SwiftToken.Kind, _ start: Int) { tokens.append(SwiftToken(kind: kind, range: start..<i, text: text(start..<i))) }
        func at(_ k: Int) -> Unicode.Scalar? { k < s.count ? s[k] : nil }

        while i < s.count {
            let start = i
            let c = s[i]
            if c == "\n" {
                i += 1; add(.newline, start)
            } else if c == " " || c == "\t" || c == "\r" {
                while let d = at(i), d == " " || d == "\t" || d == "\r" { i += 1 }
                add(.whitespace, start)
            } else if c == "/" && at(i + 1) == "/" {
                while let d = at(i), d != "\n" { i += 1 }
                add(.comment, start)
            } else if c == "/" && at(i + 1) == "*" {
                var depth = 0
                while i < s.count {
                    if s[i] == "/" && at(i + 1) == "*" { depth += 1; i += 2 }
                    else if s[i] == "*" && at(i + 1) == "/" { depth -= 1; i += 2; if depth == 0 { break } }
                    else { i += 1 }
                }
                add(.comment, start)
            } else if c == "\"" || (c == "#" && (at(i + 1) == "\"" || at(i + 1) == "#")) && startsRawString(s, i) {
                i = endOfString(s, from: i)
                add(.string, start)
            } else if c == "@" {
                i += 1
                while let d = at(i), isIdentifierPart(d) { i += 1 }
                add(.attribute, start)
            } else if c == "#" {
                i += 1
                while let d = at(i), isIdentifierPart(d) { i += 1 }
                add(.directive, start)
            } else if isDigit(c) {
                i += 1
                while let d = at(i), isIdentifierPart(d) || (d == "." && at(i + 1).map(isDigit) == true)
                        || ((d == "-" || d == "+") && (s[i - 1] == "e" || s[i - 1] == "p")) { i += 1 }
                add(.number, start)
            } else if isIdentifierStart(c) || c == "`" || c == "$" {
                if c == "`" {
                    i += 1
                    while let d = at(i), d != "`", d != "\n" { i += 1 }
                    if at(i) == "`" { i += 1 }
                } else {
                    i += 1
                    while let d = at(i), isIdentifierPart(d) { i += 1 }
                }
                let word = text(start..<i)
                add(keywords.contains(word) ? .keyword : .identifier, start)
            } else if "()[]{},:;".unicodeScalars.contains(c) {
                i += 1; add(.punctuation, start)
            } else if operatorCharacters.contains(c) {
                if c == "." && !(at(i + 1).map { operatorCharacters.contains($0) && $0 == "." } ?? false) {
                    i += 1; add(.punctuation, start)   // member access
                } else {
                    while let d = at(i), operatorCharacters.contains(d), !(d == "/" && (at(i + 1) == "/" || at(i + 1) == "*")) { i += 1 }
                    add(.operator, start)
                }
            } else {
                i += 1; add(.other, start)
            }
        }
        return tokens
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
    static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic }
    static func isIdentifierPart(_ c: Unicode.Scalar) -> Bool { isIdentifierStart(c) || isDigit(c) }

    /// `#"…"#`, `##"…"##`: true when the hashes are followed by a quote.
    static func startsRawString(_ s: [Unicode.Scalar], _ i: Int) -> Bool {
        var k = i
        while k < s.count && s[k] == "#" { k += 1 }
        return k < s.count && s[k] == "\""
    }

    /// Index just past the string literal starting at `i` (plain, multi-line or raw; interpolations included).
    static func endOfString(_ s: [Unicode.Scalar], from start: Int) -> Int {
        var i = start
        var hashes = 0
        while i < s.count && s[i] == "#" { hashes += 1; i += 1 }
        let multiline = i + 2 < s.count && s[i] == "\"" && s[i + 1] == "\"" && s[i + 2] == "\""
        i += multiline ? 3 : 1
        func closes(_ k: Int) -> Bool {
            let quotes = multiline ? 3 : 1
            guard k + quotes + hashes <= s.count else { return false }
            for q in 0..<quotes where s[k + q] != "\"" { return false }
            for h in 0..<hashes where s[k + quotes + h] != "#" { return false }
            return true
        }
        while i < s.count {
            let c = s[i]
            if c == "\n" && !multiline { return i }
            if c == "\\" && hashesFollow(s, i + 1, hashes) {
                i += 1 + hashes
                if i < s.count && s[i] == "(" {
                    // Interpolation: skip to the matching parenthesis, stepping over nested strings.
                    var depth = 0
                    while i < s.count {
                        if s[i] == "(" { depth += 1 } else if s[i] == ")" { depth -= 1; if depth == 0 { i += 1; break } }
                        else if s[i] == "\"" { i = endOfString(s, from: i); continue }
                        i += 1
                    }
                } else {
                    i += 1
                }
                continue
            }
            if c == "\"" && closes(i) { return i + (multiline ? 3 : 1) + hashes }
            i += 1
        }
        return i
    }

    static func hashesFollow(_ s: [Unicode.Scalar], _ k: Int, _ n: Int) -> Bool {
        guard k + n <= s.count else { return false }
        for h in 0..<n where s[k + h] != "#" { return false }
        return true
    }
}
