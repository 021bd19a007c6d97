/// Colours Swift code for the report: each token becomes a `<span class="…">` with escaped text.
/// Classes: `kw` keyword, `ty` type name (capitalized identifier), `fn` called function, `str` string,
/// `num` number, `com` comment, `at` attribute, `dir` directive, `op` operator.
enum SyntaxHighlighter {
    static func html(_ code: String) -> String {
        let tokens = SwiftLexer.tokenize(code)
        var out = ""
        for (n, token) in tokens.enumerated() {
            let text = HTML.escape(token.text)
            let cls: String?
            switch token.kind {
            case .keyword: cls = "kw"
            case .string: cls = "str"
            case .number: cls = "num"
            case .comment: cls = "com"
            case .attribute: cls = "at"
            case .directive: cls = "dir"
            case .operator: cls = "op"
            case .identifier:
                if let first = token.text.unicodeScalars.first, first.properties.isUppercase { cls = "ty" }
                else if n + 1 < tokens.count, tokens[n + 1].text == "(" { cls = "fn" }
                else { cls = nil }
            default: cls = nil
            }
            if let cls { out += "<span class=\"\(cls)\">\(text)</span>" } else { out += text }
        }
        return out
    }
}
