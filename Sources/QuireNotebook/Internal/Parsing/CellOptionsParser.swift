/// Splits a cell's leading `//| key: value` lines from its code and validates them.
enum CellOptionsParser {
    struct Result {
        var options: CellOptions
        var code: String
        /// How many leading lines were options.
        var optionLineCount: Int
    }

    /// `firstLine` is the `.md` line of the cell's first line (the one after the opening fence).
    static func parse(_ literal: String, firstLine: Int, path: String) throws(NotebookError) -> Result {
        var lines = literal.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        var options = CellOptions()
        var count = 0
        var seen: Set<String> = []
        while count < lines.count {
            let trimmed = lines[count].drop { $0 == " " || $0 == "\t" }
            guard trimmed.hasPrefix("//|") else { break }
            let here = SourceLocation(file: path, line: firstLine + count)
            let body = trimmed.dropFirst(3)
            guard let colon = body.firstIndex(of: ":") else {
                throw NotebookError(.input, "cell option must read `//| key: value`, got `\(trimmed)`", at: here)
            }
            let key = body[..<colon].trimmingCharacters(in: .whitespaces)
            let value = body[body.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if !seen.insert(key).inserted {
                throw NotebookError(.input, "cell option '\(key)' is given twice", at: here)
            }
            try apply(key: key, value: value, to: &options, at: here)
            count += 1
        }
        return Result(options: options, code: lines.dropFirst(count).joined(separator: "\n"), optionLineCount: count)
    }

    static func apply(key: String, value: String, to options: inout CellOptions, at here: SourceLocation) throws(NotebookError) {
        func bool() throws(NotebookError) -> Bool {
            guard let b = FrontMatterParser.bool(value) else {
                throw NotebookError(.input, "cell option '\(key)' must be true or false, got '\(value)'", at: here)
            }
            return b
        }
        switch key {
        case "id":
            guard !value.isEmpty, value.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }),
                  value.unicodeScalars.allSatisfy(\.isASCII) else {
                throw NotebookError(.input, "cell id '\(value)' may use only ASCII letters, digits, '-' and '_'", at: here)
            }
            options.id = value
        case "echo": options.echo = try bool()
        case "output": options.output = try bool()
        case "error": options.error = try bool()
        case "timeout":
            guard let seconds = Double(value.hasSuffix("s") ? String(value.dropLast()) : value), seconds > 0, seconds.isFinite else {
                throw NotebookError(.input, "cell option 'timeout' must be a positive number of seconds, got '\(value)'", at: here)
            }
            options.timeout = seconds
        case "caption": options.caption = unquote(value)
        case "deps":
            let paths = value.split(separator: ",").map { unquote($0.trimmingCharacters(in: .whitespaces)) }.filter { !$0.isEmpty }
            guard !paths.isEmpty else {
                throw NotebookError(.input, "cell option 'deps' lists the files the cell reads, comma-separated (globs allowed), got nothing", at: here)
            }
            options.deps = paths
            options.depsLine = here.line
        case "cache":
            guard let mode = CellOptions.CacheMode(rawValue: value) else {
                throw NotebookError(.input, "cell option 'cache' must be true, false or freeze, got '\(value)'", at: here)
            }
            options.cache = mode
        default:
            throw NotebookError(.input, "unknown cell option '\(key)' (known: \(CellOptions.names.joined(separator: ", ")))", at: here)
        }
    }

    static func unquote(_ s: String) -> String {
        if s.count >= 2, let f = s.first, f == s.last, f == "\"" || f == "'" { return String(s.dropFirst().dropLast()) }
        return s
    }
}

import Foundation
