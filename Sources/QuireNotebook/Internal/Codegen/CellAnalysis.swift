/// A cell's code split into its top-level statements, each classified for the cache-aware program:
/// bindings (`let x = …`, `var y: T = …`) whose values the cache snapshots, declarations (functions,
/// types, extensions, imports) that stay as they are, plain statements that run only when the cell
/// executes, and the trailing expression the report displays.
///
/// It works on `SwiftLexer` tokens. Where the cell uses a construct whose meaning would change if its
/// statements were split (a top-level `guard`, `defer`, a `let` without an initializer, `await`), the
/// cell is kept whole (`verbatimReason`) and always runs.
struct CellAnalysis {
    struct Binding: Equatable {
        var isVar: Bool
        /// The names the pattern binds (one for `let x`, several for `let (a, b)`).
        var names: [String]
        /// `let x: T` — from the keyword to just before `=` (scalar range in the code).
        var head: Range<Int>
        /// The initializer expression after `=`.
        var initializer: Range<Int>
        /// The initializer has a `try` that can throw (not `try?`/`try!`, not inside a closure).
        var throwing: Bool
        /// The identifiers the initializer uses.
        var uses: Set<String> = []
    }

    enum Piece: Equatable {
        case binding(Binding)
        /// Declarations and other code kept as it is (functions, types, `import`, modified bindings).
        case declaration(Range<Int>)
        case statement(Range<Int>)
        /// The cell's last statement when it is a bare expression: shown in the report.
        case display(Range<Int>)
    }

    var pieces: [Piece] = []
    /// Top-level names the cell declares with `let`/`var`, in order, with whether they are `var`.
    var declared: [(name: String, isVar: Bool)] = []
    /// Every identifier the code uses (string interpolations included): which params, seed and
    /// earlier values the cell can read or change.
    var mentions: Set<String> = []
    /// The identifiers the cell's statements and trailing expression use: earlier values it may change.
    /// (A binding's initializer lists its own in `Binding.uses`.)
    var uses: Set<String> = []
    /// Why the cell cannot be split into cacheable pieces (it is then emitted whole and always runs).
    var verbatimReason: String?

    static let declarationWords: Set<String> = [
        "func", "class", "struct", "enum", "protocol", "extension", "import", "typealias", "actor", "operator",
        "precedencegroup", "infix", "prefix", "postfix", "final", "public", "private", "fileprivate", "internal",
        "open", "indirect", "static", "macro", "nonisolated", "lazy", "weak", "unowned", "dynamic", "convenience",
    ]

    init(code: String) {
        let tokens = SwiftLexer.tokenize(code)
        mentions = Self.identifiers(in: tokens)
        if mentions.contains("await") || tokens.contains(where: { $0.kind == .keyword && $0.text == "await" }) {
            verbatimReason = "it uses `await` at the top level"
        }
        let statements = TrailingExpression.statements(tokens)
        defer {
            var ranges: [Range<Int>] = []
            for (k, piece) in pieces.enumerated() {
                switch piece {
                case .statement(let r), .display(let r): ranges.append(r)
                case .binding(let b):
                    pieces[k] = .binding(Binding(isVar: b.isVar, names: b.names, head: b.head, initializer: b.initializer,
                                                 throwing: b.throwing,
                                                 uses: Self.identifiers(in: tokens.filter { b.initializer.contains($0.range.lowerBound) })))
                case .declaration: break
                }
            }
            uses = Self.identifiers(in: tokens.filter { t in ranges.contains { $0.contains(t.range.lowerBound) } })
        }
        for (n, whole) in statements.enumerated() {
            var statement = whole
            if let last = statement.last, tokens[last].text == ";" { statement.removeLast() }
            guard let first = statement.first, let last = statement.last else { continue }
            let range = tokens[first].range.lowerBound..<tokens[last].range.upperBound
            let head = tokens[first]
            if head.kind == .attribute || head.kind == .directive
                || (head.kind == .keyword && Self.declarationWords.contains(head.text)) {
                // `nonisolated(unsafe) var x = …`, `@MainActor func …`: kept as written.
                for k in statement where tokens[k].kind == .keyword && (tokens[k].text == "let" || tokens[k].text == "var") {
                    if let name = statement.first(where: { $0 > k && tokens[$0].kind == .identifier }) {
                        declared.append((tokens[name].text, tokens[k].text == "var"))
                    }
                    break
                }
                pieces.append(.declaration(range))
                continue
            }
            if head.kind == .keyword && (head.text == "guard" || head.text == "defer") {
                verbatimReason = verbatimReason ?? "it has a top-level `\(head.text)`"
                pieces.append(.statement(range))
                continue
            }
            if head.kind == .keyword && (head.text == "let" || head.text == "var") {
                switch Self.binding(statement, tokens: tokens, isVar: head.text == "var") {
                case .some(.some(let binding)):
                    declared += binding.names.map { ($0, binding.isVar) }
                    pieces.append(.binding(binding))
                case .some(.none):
                    pieces.append(.statement(range))   // `let _ = …`
                case .none:
                    // Computed properties, several bindings, deferred initialization: kept as written.
                    if let name = statement.dropFirst().first(where: { tokens[$0].kind == .identifier }) {
                        declared.append((tokens[name].text, head.text == "var"))
                    }
                    if !statement.contains(where: { tokens[$0].text == "=" }) && !statement.contains(where: { tokens[$0].text == "{" }) {
                        verbatimReason = verbatimReason ?? "`\(head.text)` without an initializer is assigned later"
                    }
                    pieces.append(.declaration(range))
                }
                continue
            }
            if n == statements.count - 1, TrailingExpression.isDisplayable(whole, tokens: tokens) {
                pieces.append(.display(range))
            } else {
                pieces.append(.statement(range))
            }
        }
    }

    /// The line (counting from 0 within the code) where the binding of `name` starts.
    func bindingLine(_ name: String, in code: String) -> Int? {
        for case .binding(let b) in pieces where b.names.contains(name) {
            return code.unicodeScalars.prefix(b.head.lowerBound).filter { $0 == "\n" }.count
        }
        return nil
    }

    /// A single `let`/`var` binding with an initializer: `.some(binding)`; `let _ = …`: `.some(nil)`;
    /// anything else: nil.
    private static func binding(_ statement: [Int], tokens: [SwiftToken], isVar: Bool) -> Binding?? {
        var k = 1
        guard k < statement.count else { return nil }
        var names: [String] = []
        let patternToken = tokens[statement[k]]
        if patternToken.kind == .identifier {
            if patternToken.text == "_" { return .some(nil) }
            names = [patternToken.text]
            k += 1
        } else if patternToken.text == "(" {
            var depth = 0
            while k < statement.count {
                let t = tokens[statement[k]]
                if t.text == "(" { depth += 1 } else if t.text == ")" { depth -= 1 }
                else if t.kind == .identifier && t.text != "_" {
                    // A labelled element `(x: a, y: b)` binds the name after the colon.
                    let next = k + 1 < statement.count ? tokens[statement[k + 1]].text : ""
                    if next != ":" { names.append(t.text) }
                }
                k += 1
                if depth == 0 { break }
            }
            guard depth == 0, !names.isEmpty else { return nil }
        } else {
            return nil
        }
        // Optional type annotation up to `=` at depth 0; a `{` first means a computed property or observers.
        var depth = 0
        var equals: Int?
        while k < statement.count {
            let t = tokens[statement[k]]
            if t.kind == .punctuation {
                if ["(", "["].contains(t.text) { depth += 1 } else if [")", "]"].contains(t.text) { depth -= 1 }
                else if t.text == "{" && depth == 0 { return nil }
            } else if t.kind == .operator && t.text == "=" && depth == 0 {
                equals = k
                break
            }
            k += 1
        }
        guard let equals, equals + 1 < statement.count else { return nil }
        // A comma at depth 0 in the initializer separates further bindings.
        depth = 0
        var throwing = false
        for index in statement[(equals + 1)...] {
            let t = tokens[index]
            if t.kind == .punctuation {
                if ["(", "[", "{"].contains(t.text) { depth += 1 } else if [")", "]", "}"].contains(t.text) { depth -= 1 }
                else if t.text == "," && depth == 0 { return nil }
            }
            if t.kind == .keyword && t.text == "try" && !insideClosure(index, statement: statement, tokens: tokens, from: equals) {
                // `try?` and `try!` do not throw.
                let next = index + 1 < tokens.count ? tokens[index + 1] : nil
                if !(next?.kind == .operator && (next!.text.hasPrefix("?") || next!.text.hasPrefix("!"))) { throwing = true }
            }
        }
        let head = tokens[statement[0]].range.lowerBound..<tokens[statement[equals - 1]].range.upperBound
        let initializer = tokens[statement[equals + 1]].range.lowerBound..<tokens[statement.last!].range.upperBound
        return .some(Binding(isVar: isVar, names: names, head: head, initializer: initializer, throwing: throwing))
    }

    /// True when `index` sits inside braces opened after `start` (a closure literal in the initializer).
    private static func insideClosure(_ index: Int, statement: [Int], tokens: [SwiftToken], from start: Int) -> Bool {
        var depth = 0
        for k in statement[(start + 1)...] {
            if k == index { return depth > 0 }
            if tokens[k].text == "{" { depth += 1 } else if tokens[k].text == "}" { depth -= 1 }
        }
        return false
    }

    /// Identifiers in the tokens and in the interpolations of their string literals.
    static func identifiers(in tokens: [SwiftToken]) -> Set<String> {
        var names: Set<String> = []
        var previous: SwiftToken?
        for (k, t) in tokens.enumerated() {
            defer { if !t.isTrivia { previous = t } }
            switch t.kind {
            case .identifier:
                // `x.seed` is a member and `f(seed: 1)` a label, not the global `seed`.
                if previous?.text == "." && previous?.kind == .punctuation { continue }
                let next = k + 1 < tokens.count ? tokens[k + 1] : nil
                if next?.text == ":" && (previous?.text == "(" || previous?.text == ",") { continue }
                names.insert(t.text.trimmingBackticks)
            case .keyword where t.text == "self" || t.text == "await": names.insert(t.text)
            case .string where t.text.contains("\\"):
                // Tokenize the literal's inside: interpolated code shows up as identifiers.
                let inner = String(t.text.drop { $0 == "#" || $0 == "\"" })
                names.formUnion(identifiers(in: SwiftLexer.tokenize(inner.replacingOccurrences(of: "\"", with: " "))))
            default: break
            }
        }
        return names
    }
}

extension String {
    var trimmingBackticks: String {
        hasPrefix("`") && hasSuffix("`") && count >= 2 ? String(dropFirst().dropLast()) : self
    }
}
