/// Finds a cell's last statement and decides whether it is a bare expression worth displaying, as
/// Jupyter shows a cell's last value. Declarations, control flow and assignments are not.
enum TrailingExpression {
    /// Words that start a statement which is not a displayable expression.
    static let statementWords: Set<String> = [
        "let", "var", "func", "class", "struct", "enum", "protocol", "extension", "import", "typealias", "if", "guard",
        "for", "while", "repeat", "switch", "do", "return", "throw", "break", "continue", "defer", "case", "default",
        "final", "public", "private", "internal", "fileprivate", "static", "actor", "macro", "precedencegroup",
        "operator", "fatalError", "preconditionFailure", "else", "catch", "}",
    ]
    static let assignmentOperators: Set<String> = ["=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", "&+=", "&-=", "&*="]
    /// Words that continue the previous statement when they begin a line.
    static let continuationWords: Set<String> = ["else", "catch", "where"]

    /// The scalar range of the trailing expression in `code`, or nil when the last statement is not one.
    static func range(in code: String) -> Range<Int>? {
        let tokens = SwiftLexer.tokenize(code)
        let significant = tokens.indices.filter { !tokens[$0].isTrivia }
        guard !significant.isEmpty else { return nil }

        // Split into statements at depth 0: on ';' and on line breaks that do not continue an expression.
        var depth = 0
        var statementStart = significant[0]
        var previous: Int?
        for (n, index) in significant.enumerated() {
            let token = tokens[index]
            if let previous, depth == 0, startsNewStatement(after: tokens[previous], next: token, tokens: tokens,
                                                           newlineBetween: hasNewline(tokens, previous, index), nextIndex: index) {
                statementStart = index
            }
            if token.kind == .punctuation || token.kind == .other {
                switch token.text {
                case "(", "[", "{": depth += 1
                case ")", "]", "}": depth = max(0, depth - 1)
                case ";" where depth == 0:
                    if n + 1 < significant.count { statementStart = significant[n + 1] }
                default: break
                }
            }
            previous = index
        }
        guard depth == 0, let last = significant.last, tokens[last].text != ";" else { return nil }
        let statement = significant.filter { $0 >= statementStart }
        guard let first = statement.first else { return nil }
        let head = tokens[first]
        if head.kind == .attribute || head.kind == .directive { return nil }
        if statementWords.contains(head.text) { return nil }
        // Assignments at depth 0 are statements.
        var d = 0
        for index in statement {
            let t = tokens[index]
            if t.kind == .punctuation {
                if ["(", "[", "{"].contains(t.text) { d += 1 } else if [")", "]", "}"].contains(t.text) { d -= 1 }
            } else if d == 0 && t.kind == .operator && assignmentOperators.contains(t.text) {
                return nil
            }
        }
        return tokens[first].range.lowerBound..<tokens[last].range.upperBound
    }

    private static func hasNewline(_ tokens: [SwiftToken], _ a: Int, _ b: Int) -> Bool {
        tokens[(a + 1)..<b].contains { $0.kind == .newline || ($0.kind == .comment && $0.text.contains("\n")) }
    }

    private static func startsNewStatement(after previous: SwiftToken, next: SwiftToken, tokens: [SwiftToken],
                                           newlineBetween: Bool, nextIndex: Int) -> Bool {
        guard newlineBetween else { return false }
        if previous.kind == .operator || (previous.kind == .punctuation && [",", "(", "[", ".", ":"].contains(previous.text)) {
            return false
        }
        if previous.kind == .keyword && ["in", "try", "await", "return", "as", "is"].contains(previous.text) { return false }
        if next.kind == .punctuation && next.text == "." { return false }   // .method() on the next line
        if next.kind == .keyword && continuationWords.contains(next.text) { return false }
        if next.kind == .operator {
            // A binary operator (space after it) continues; a prefix operator starts a new statement.
            let after = nextIndex + 1 < tokens.count ? tokens[nextIndex + 1] : nil
            return !(after?.kind == .whitespace || after?.kind == .newline)
        }
        return true
    }
}
