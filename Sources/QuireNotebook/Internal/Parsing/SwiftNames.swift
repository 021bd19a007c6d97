/// Identifier rules for names the generated program declares.
enum SwiftNames {
    /// Names the generated program declares itself, or Swift keywords.
    static let reserved: Set<String> = [
        "seed", "_NotebookRuntime", "Quire", "let", "var", "func", "class", "struct", "enum", "protocol",
        "extension", "import", "return", "if", "else", "for", "while", "repeat", "switch", "case", "default",
        "break", "continue", "in", "do", "try", "catch", "throw", "throws", "true", "false", "nil", "self",
        "Self", "super", "init", "deinit", "subscript", "operator", "typealias", "associatedtype", "static",
        "public", "private", "internal", "fileprivate", "open", "guard", "defer", "where", "is", "as", "Any",
        "inout", "some", "any",
    ]

    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || first.properties.isAlphabetic else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
    }
}
