// Parsing and checking einops patterns ("b (h d) -> b h d") for rearrange / reduce / repeat.
// Every error quotes the pattern and names the offending axis.

/// One side of an einops pattern: a list of dimensions, each one axis or a parenthesized group.
struct EinopsSide {
    enum Term: Equatable {
        case axis(String)
        case anonymous(Int)   // a number: 1 is a unit axis, larger ones only where the op allows
        case ellipsis
    }
    /// Each dimension's terms; a bare axis is a one-term dimension, `()` an empty one (size 1).
    var dims: [[Term]]
    var grouped: [Bool]

    var hasEllipsis: Bool { dims.contains { $0.contains(.ellipsis) } }
    var names: [String] { dims.flatMap { $0 }.compactMap { if case .axis(let n) = $0 { return n } else { return nil } } }
}

/// The elementary-axis form of a pattern once the ellipsis is expanded against a rank.
struct EinopsPlan {
    /// Left side: the input's elementary axes (names; anonymous ones get `#k` names) in order.
    var leftDims: [[String]]
    /// Right side: the output's elementary axes, grouped by output dimension.
    var rightDims: [[String]]
    /// Sizes known so far (from the caller, from anonymous numbers, and from the input's shape).
    var sizes: [String: Int]
}

/// The three einops operations, for messages and rules.
enum EinopsOp: String {
    case rearrange, reduce, `repeat`
}

struct EinopsParser {
    let pattern: String
    let op: EinopsOp

    func error(_ message: String) -> TensorError {
        TensorError(op.rawValue, "pattern '\(pattern)': \(message)")
    }

    /// Splits at `->` and parses both sides.
    func parse() throws -> (EinopsSide, EinopsSide) {
        let parts = pattern.components(separatedBy: "->")
        guard parts.count == 2 else {
            throw error(parts.count == 1 ? "expected 'left -> right', found no '->'" : "'->' appears more than once")
        }
        let left = try parseSide(parts[0], side: "left")
        let right = try parseSide(parts[1], side: "right")
        return (left, right)
    }

    private func parseSide(_ text: String, side: String) throws -> EinopsSide {
        var dims: [[EinopsSide.Term]] = [], grouped: [Bool] = []
        var group: [EinopsSide.Term]? = nil
        var seen = Set<String>()
        var ellipses = 0
        let chars = Array(text)
        var i = 0
        func add(_ t: EinopsSide.Term) throws {
            if case .axis(let name) = t {
                guard seen.insert(name).inserted else { throw error("axis '\(name)' appears twice on the \(side) side") }
            }
            if t == .ellipsis {
                ellipses += 1
                guard ellipses == 1 else { throw error("'...' appears twice on the \(side) side") }
            }
            if group != nil { group!.append(t) } else { dims.append([t]); grouped.append(false) }
        }
        while i < chars.count {
            let c = chars[i]
            if c == " " || c == "\t" || c == "\n" {
                i += 1
            } else if c == "(" {
                guard group == nil else { throw error("nested parentheses on the \(side) side") }
                group = []
                i += 1
            } else if c == ")" {
                guard let g = group else { throw error("')' without '(' on the \(side) side") }
                dims.append(g)
                grouped.append(true)
                group = nil
                i += 1
            } else if c == "." {
                guard i + 2 < chars.count, chars[i + 1] == ".", chars[i + 2] == "." else {
                    throw error("stray '.' on the \(side) side (the ellipsis is '...')")
                }
                try add(.ellipsis)
                i += 3
            } else if c.isLetter || c == "_" || c.isNumber {
                var j = i
                while j < chars.count && (chars[j].isLetter || chars[j].isNumber || chars[j] == "_") { j += 1 }
                let word = String(chars[i..<j])
                if c.isNumber {
                    guard let n = Int(word), word.allSatisfy(\.isASCII) else {
                        throw error("'\(word)' is neither an axis name nor a number")
                    }
                    try add(.anonymous(n))
                } else {
                    try add(.axis(word))
                }
                i = j
            } else {
                throw error("unexpected character '\(c)' on the \(side) side")
            }
        }
        guard group == nil else { throw error("'(' is not closed on the \(side) side") }
        return EinopsSide(dims: dims, grouped: grouped)
    }

    /// Checks the two sides against each other and the input shape, expands the ellipsis, and
    /// resolves every left axis's size.
    func plan(shape: [Int], sizes given: [String: Int]) throws -> EinopsPlan {
        let (left, right) = try parse()
        let leftNames = Set(left.names), rightNames = Set(right.names)
        for (name, size) in given.sorted(by: { $0.key < $1.key }) {
            guard leftNames.contains(name) || rightNames.contains(name) else {
                throw error("a size is given for axis '\(name)', which is not in the pattern")
            }
            guard size > 0 else { throw error("axis '\(name)' is given size \(size); sizes must be positive") }
        }
        if right.hasEllipsis && !left.hasEllipsis { throw error("'...' on the right side needs '...' on the left") }
        if left.hasEllipsis && !right.hasEllipsis && op != .reduce {
            throw error("'...' on the left side needs '...' on the right")
        }
        for (k, g) in left.dims.enumerated() where left.grouped[k] && g.contains(.ellipsis) {
            throw error("'...' cannot be inside parentheses on the left side")
        }
        for name in right.names.sorted() where !leftNames.contains(name) && op != .repeat {
            throw error("axis '\(name)' on the right side is not on the left side"
                        + (op == .rearrange ? " (rearrange cannot create axes; use repeat)" : ""))
        }
        for name in left.names where !rightNames.contains(name) && op != .reduce {
            throw error("axis '\(name)' on the left side is missing on the right side"
                        + (op == .rearrange ? " (rearrange cannot drop axes; use reduce)" : ""))
        }
        for name in right.names where !leftNames.contains(name) && given[name] == nil {
            throw error("axis '\(name)' on the right side is new, so its size must be given, e.g. [\"\(name)\": 2]")
        }

        // Expand the ellipsis against the input's rank.
        let fixed = left.dims.count - (left.hasEllipsis ? 1 : 0)
        if left.hasEllipsis {
            guard shape.count >= fixed else {
                throw error("the left side names at least \(fixed) dimensions, but the input has shape \(shapeString(shape))")
            }
        } else {
            guard shape.count == fixed else {
                throw error("the left side names \(fixed) dimensions, but the input has shape \(shapeString(shape))")
            }
        }
        let ellipsisNames = (0..<(shape.count - fixed)).map { "…\($0)" }
        var anonCount = 0
        func expand(_ terms: [EinopsSide.Term], isLeft: Bool) throws -> [String] {
            var out: [String] = []
            for t in terms {
                switch t {
                case .axis(let n): out.append(n)
                case .ellipsis: out += ellipsisNames
                case .anonymous(let n):
                    if n != 1 && !(isLeft ? op == .reduce : op == .repeat) {
                        throw error("the number \(n) on the \(isLeft ? "left" : "right") side is not allowed in \(op.rawValue) "
                                    + "(only 1 is; name the axis and give its size instead)")
                    }
                    anonCount += 1
                    out.append("#\(anonCount)=\(n)")
                }
            }
            return out
        }
        var leftDims: [[String]] = []
        for (k, g) in left.dims.enumerated() {
            if !left.grouped[k] && g == [.ellipsis] {
                leftDims += ellipsisNames.map { [$0] }
            } else {
                leftDims.append(try expand(g, isLeft: true))
            }
        }
        var rightDims: [[String]] = []
        for (k, g) in right.dims.enumerated() {
            if !right.grouped[k] && g == [.ellipsis] {
                rightDims += ellipsisNames.map { [$0] }
            } else {
                rightDims.append(try expand(g, isLeft: false))
            }
        }

        // Resolve sizes, dimension by dimension.
        var sizes = given
        for names in leftDims + rightDims {
            for n in names where n.hasPrefix("#") { sizes[n] = Int(n.split(separator: "=")[1])! }
        }
        for (d, names) in leftDims.enumerated() {
            let dim = shape[d]
            let unknown = names.filter { sizes[$0] == nil }
            let known = names.compactMap { sizes[$0] }.reduce(1, *)
            let label = names.count == 1 ? "axis '\(display(names[0]))'" : "group (\(names.map(display).joined(separator: " ")))"
            switch unknown.count {
            case 0:
                guard known == dim else {
                    let parts = names.map { "\(display($0)) = \(sizes[$0]!)" }.joined(separator: ", ")
                    throw error(names.count == 1
                                ? "\(label) = \(known) but dimension \(d) of the input \(shapeString(shape)) has size \(dim)"
                                : "\(label) with \(parts) has size \(known), but dimension \(d) of the input \(shapeString(shape)) has size \(dim)")
                }
            case 1:
                guard dim % known == 0 else {
                    let given = names.filter { sizes[$0] != nil }.map { "'\(display($0))' = \(sizes[$0]!)" }
                    throw error("axis \(given.joined(separator: " × ")) does not divide \(dim), the size of dimension \(d) "
                                + "of the input \(shapeString(shape)), so axis '\(display(unknown[0]))' of \(label) cannot be inferred")
                }
                sizes[unknown[0]] = dim / known
            default:
                throw error("axis '\(display(unknown.last!))' cannot be inferred: \(label) has \(unknown.count) axes of unknown "
                            + "size (\(unknown.map { "'\(display($0))'" }.joined(separator: ", "))); give all but one, "
                            + "e.g. [\"\(display(unknown.last!))\": 2]")
            }
        }
        return EinopsPlan(leftDims: leftDims, rightDims: rightDims, sizes: sizes)
    }

    /// How an internal axis name reads in a message.
    func display(_ name: String) -> String {
        if name.hasPrefix("…") { return "..." }
        if name.hasPrefix("#") { return String(name.split(separator: "=")[1]) }
        return name
    }
}
