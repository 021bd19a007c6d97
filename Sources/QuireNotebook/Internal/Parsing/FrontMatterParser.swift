import Yams

/// Separates a leading `---` … `---` YAML block from the Markdown. The block's lines are blanked, not
/// removed, so cmark's line numbers stay the file's line numbers.
enum FrontMatterSplitter {
    struct Split {
        var yaml: String?
        /// File line of the first YAML line (the one after the opening `---`).
        var yamlFirstLine: Int
        var body: String
        /// The first line is `---` but no line closes it: an error, not a thematic break (the YAML would
        /// otherwise be rendered as prose, silently).
        var unclosed = false
    }

    static func split(_ text: String) -> Split {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let first = lines.first, first.trimmingTrailingSpace == "---" else {
            return Split(yaml: nil, yamlFirstLine: 1, body: text)
        }
        guard let close = lines.indices.dropFirst().first(where: { ["---", "..."].contains(lines[$0].trimmingTrailingSpace) }) else {
            return Split(yaml: nil, yamlFirstLine: 1, body: text, unclosed: true)
        }
        let yaml = lines[1..<close].joined(separator: "\n")
        for i in 0...close { lines[i] = "" }
        return Split(yaml: yaml, yamlFirstLine: 2, body: lines.joined(separator: "\n"))
    }
}

extension String {
    var trimmingTrailingSpace: String {
        var s = Substring(self)
        while let last = s.last, last == " " || last == "\t" || last == "\r" { s = s.dropLast() }
        return String(s)
    }
}

/// Reads the front matter's keys: title, description, params, seed, optimize. Unknown keys are errors
/// (a typo would otherwise be ignored silently).
enum FrontMatterParser {
    static let keys = ["title", "description", "params", "seed", "optimize", "cache-size"]

    static func parse(_ yaml: String?, firstLine: Int, path: String) throws(NotebookError) -> FrontMatter {
        var result = FrontMatter()
        guard let yaml, !yaml.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return result }
        func location(_ mark: Mark?) -> SourceLocation {
            SourceLocation(file: path, line: firstLine - 1 + (mark?.line ?? 1))
        }
        func fail(_ message: String, _ mark: Mark?) -> NotebookError {
            NotebookError(.input, "front matter: \(message)", at: location(mark))
        }

        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch let error as YamlError {
            throw Self.describe(error, firstLine: firstLine, path: path)
        } catch {
            throw NotebookError(.input, "front matter: \(error)", at: SourceLocation(file: path, line: firstLine))
        }
        guard let root else { return result }
        guard case .mapping(let mapping) = root else {
            throw fail("expected `key: value` lines, found \(kindName(root))", root.mark)
        }
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else { throw fail("keys must be plain names", keyNode.mark) }
            switch key {
            case "title", "description":
                guard case .scalar(let s) = value else { throw fail("\(key) must be text, found \(kindName(value))", value.mark) }
                if key == "title" { result.title = s.string } else { result.description = s.string }
            case "seed":
                guard case .scalar(let s) = value, s.style == .plain, let seed = Int(s.string) else {
                    throw fail("seed must be an integer, got \(describe(value))", value.mark)
                }
                result.seed = seed
            case "optimize":
                guard case .scalar(let s) = value, let flag = Self.bool(s.string) else {
                    throw fail("optimize must be true or false, got \(describe(value))", value.mark)
                }
                result.optimize = flag
            case "cache-size":
                guard case .scalar(let s) = value, let bytes = ByteSize.parse(s.string) else {
                    throw fail("cache-size must be a size such as 500MB or 2GB, got \(describe(value))", value.mark)
                }
                result.maxCacheBytes = bytes
            case "params":
                guard case .mapping(let params) = value else {
                    throw fail("params must be `name: value` lines, found \(kindName(value))", value.mark ?? keyNode.mark)
                }
                for (nameNode, paramValue) in params {
                    guard let name = nameNode.string, SwiftNames.isIdentifier(name) else {
                        throw fail("parameter name \(describe(nameNode)) is not a Swift identifier", nameNode.mark)
                    }
                    if SwiftNames.reserved.contains(name) {
                        throw fail("parameter name '\(name)' is reserved", nameNode.mark)
                    }
                    let line = location(nameNode.mark).line
                    if case .scalar(let s) = paramValue {
                        result.params.append(Parameter(name: name, value: Self.typedValue(s), line: line))
                        continue
                    }
                    do throws(ParameterCollections.Problem) {
                        result.params.append(Parameter(name: name, value: try ParameterCollections.value(paramValue), line: line))
                    } catch {
                        throw fail("parameter '\(name)': \(error.message)", paramValue.mark)
                    }
                }
            default:
                throw fail("unknown key '\(key)' (known: \(keys.joined(separator: ", ")))", keyNode.mark)
            }
        }
        return result
    }

    /// A plain YAML scalar as a typed value: booleans, integers, then floating point; anything quoted is text.
    static func typedValue(_ s: Node.Scalar) -> ParameterValue {
        guard s.style == .plain || s.style == .any else { return .string(s.string) }
        if let b = bool(s.string) { return .bool(b) }
        if let i = Int(s.string) { return .int(i) }
        if let d = Double(s.string) { return .double(d) }
        return .string(s.string)
    }

    static func bool(_ text: String) -> Bool? {
        switch text { case "true", "True", "TRUE": true; case "false", "False", "FALSE": false; default: nil }
    }

    static func kindName(_ node: Node) -> String {
        switch node {
        case .scalar: "a value"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    static func describe(_ node: Node) -> String {
        if case .scalar(let s) = node { return "\"\(s.string)\"" }
        return kindName(node)
    }

    static func describe(_ error: YamlError, firstLine: Int, path: String) -> NotebookError {
        var mark: Mark?
        var problem = "\(error)"
        switch error {
        case .scanner(_, let p, let m, _), .parser(_, let p, let m, _), .composer(_, let p, let m, _):
            mark = m
            problem = p
        default: break
        }
        let line = firstLine - 1 + (mark?.line ?? 1)
        return NotebookError(.input, "front matter is not valid YAML: \(problem)", at: SourceLocation(file: path, line: line))
    }
}

import Foundation
