/// Splits a cell into its top-level statements and decides whether the last one is a bare expression
/// worth displaying, as Jupyter shows a cell's last value. Declarations, control flow and assignments
/// are not.
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
        guard let statement = statements(tokens).last, isDisplayable(statement, tokens: tokens) else { return nil }
        return tokens[statement.first!].range.lowerBound..<tokens[statement.last!].range.upperBound
    }

    /// The top-level statements, as indices of their significant (non-trivia) tokens. Splits at depth 0
    /// on `;` and on line breaks that do not continue an expression; an unbalanced cell is one statement.
    static func statements(_ tokens: [SwiftToken]) -> [[Int]] {
        let significant = tokens.indices.filter { !tokens[$0].isTrivia }
        guard !significant.isEmpty else { return [] }
        var result: [[Int]] = []
        var current: [Int] = []
        var depth = 0
        var previous: Int?
        for index in significant {
            let token = tokens[index]
            if let previous, depth == 0, !current.isEmpty,
               startsNewStatement(after: tokens[previous], next: token, tokens: tokens,
                                  newlineBetween: hasNewline(tokens, previous, index), nextIndex: index,
                                  previousIsPostfix: isPostfix(tokens, previous)) {
                result.append(current)
                current = []
            }
            if token.kind == .punctuation || token.kind == .other {
                switch token.text {
                case "(", "[", "{": depth += 1
                case ")", "]", "}": depth = max(0, depth - 1)
                case ";" where depth == 0:
                    // The `;` stays with its statement: a cell ending in `x;` displays nothing.
                    current.append(index)
                    result.append(current)
                    current = []
                    previous = index
                    continue
                default: break
                }
            }
            current.append(index)
            previous = index
        }
        if !current.isEmpty { result.append(current) }
        return depth == 0 ? result : [significant]   // unbalanced: the compiler will say why
    }

    /// True when `statement` (significant token indices) is a bare expression, not a declaration,
    /// control flow or an assignment.
    static func isDisplayable(_ statement: [Int], tokens: [SwiftToken]) -> Bool {
        guard let first = statement.first else { return false }
        let head = tokens[first]
        if head.kind == .attribute || head.kind == .directive { return false }
        if statementWords.contains(head.text) || tokens[statement.last!].text == ";" { return false }
        // Assignments at depth 0 are statements.
        var d = 0
        for index in statement {
            let t = tokens[index]
            if t.kind == .punctuation {
                if ["(", "[", "{"].contains(t.text) { d += 1 } else if [")", "]", "}"].contains(t.text) { d -= 1 }
            } else if d == 0 && t.kind == .operator && assignmentOperators.contains(t.text) {
                return false
            }
        }
        return d == 0
    }

    private static func hasNewline(_ tokens: [SwiftToken], _ a: Int, _ b: Int) -> Bool {
        tokens[(a + 1)..<b].contains { $0.kind == .newline || ($0.kind == .comment && $0.text.contains("\n")) }
    }

    /// Swift's rule: an operator with no space before it and space (or a line break) after it is postfix
    /// (`x!`, `y?`), so it ends an expression rather than continuing it on the next line.
    private static func isPostfix(_ tokens: [SwiftToken], _ index: Int) -> Bool {
        guard tokens[index].kind == .operator, index > 0 else { return false }
        let before = tokens[index - 1]
        return before.kind != .whitespace && before.kind != .newline && before.kind != .operator
    }

    private static func startsNewStatement(after previous: SwiftToken, next: SwiftToken, tokens: [SwiftToken],
                                           newlineBetween: Bool, nextIndex: Int, previousIsPostfix: Bool = false) -> Bool {
        guard newlineBetween else { return false }
        if previous.kind == .attribute { return false }   // `@discardableResult` on its own line
        if previous.kind == .operator && previousIsPostfix {
            // `a!` then a new line: a new statement, unless the next line continues with an operator or `.`.
            if next.kind == .punctuation && next.text == "." { return false }
            if next.kind == .operator {
                let after = nextIndex + 1 < tokens.count ? tokens[nextIndex + 1] : nil
                return !(after?.kind == .whitespace || after?.kind == .newline)
            }
            return true
        }
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
