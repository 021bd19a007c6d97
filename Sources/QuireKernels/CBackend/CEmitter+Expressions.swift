import QuireTensor

// Elementwise expressions, broadcasts and reductions in emitted C. Each function returns or emits C
// built from the operands' element closures (see `CEmitter.element`).

extension CEmitter {
    /// `for (int e = 0; e < n; e++) <result[e]> = <body(e)>;`, or one assignment for a scalar.
    func elementwise(_ result: ValueID, _ body: (String) -> String) -> String {
        let out = element(result)
        if isScalar(result) { return "\(out("0")) = \(body("0"));" }
        return "for (int e = 0; e < \(type(result).count); e++) \(out("e")) = \(body("e"));"
    }

    func literal(_ x: Double, _ d: DType) -> String {
        switch d {
        case .bfloat16: return "((uint16_t)\(BFloat16(Float(x)).bitPattern))"
        case .float32, .float16:
            if x.isNaN { return "NAN" }
            if x.isInfinite { return x > 0 ? "INFINITY" : "(-INFINITY)" }
            return "((\(CEmitter.ctype(d)))\(Float(x).debugDescription)f)"
        case .bool: return x != 0 ? "1" : "0"
        default: return "((\(CEmitter.ctype(d)))\(Int64(x)))"
        }
    }

    func unary(_ op: UnaryOp, _ x: String, _ d: DType) -> String {
        let isInt = d == .int32
        switch op {
        case .negate: return "(-\(x))"
        case .exp: return "q_expf(\(x))"
        case .log: return "logf(\(x))"
        case .sqrt: return "sqrtf(\(x))"
        case .rsqrt: return "(1.0f / sqrtf(\(x)))"
        case .tanh: return "q_tanhf(\(x))"
        case .erf: return "q_erff(\(x))"
        case .sigmoid: return "q_sigmoidf(\(x))"
        case .abs: return isInt ? "abs(\(x))" : "fabsf(\(x))"
        case .logicalNot: return "(!\(x))"
        }
    }

    func binary(_ op: BinaryOp, _ a: String, _ b: String, _ d: DType) -> String {
        let isInt = d == .int32
        switch op {
        case .add: return "(\(a) + \(b))"
        case .subtract: return "(\(a) - \(b))"
        case .multiply: return isInt ? "(int32_t)((uint32_t)\(a) * (uint32_t)\(b))" : "(\(a) * \(b))"
        case .divide: return isInt ? "(\(b) ? \(a) / \(b) : 0)" : "(\(a) / \(b))"
        case .maximum: return isInt ? "q_maxi(\(a), \(b))" : "q_maxf(\(a), \(b))"
        case .minimum: return isInt ? "q_mini(\(a), \(b))" : "q_minf(\(a), \(b))"
        case .pow: return "powf(\(a), \(b))"
        case .remainder: return "(\(b) ? \(a) % \(b) : 0)"
        case .logicalAnd: return "(\(a) && \(b))"
        case .logicalOr: return "(\(a) || \(b))"
        }
    }

    func compareSymbol(_ op: CompareOp) -> String {
        switch op {
        case .less: return "<"
        case .lessEqual: return "<="
        case .greater: return ">"
        case .greaterEqual: return ">="
        case .equal: return "=="
        case .notEqual: return "!="
        }
    }

    func conversion(_ value: String, from: DType, to: DType) -> String {
        let fromFloat = from.isFloatingPoint
        let x = from == .bfloat16 ? "q_bf16_to_f32(\(value))" : value
        switch to {
        case .int32: return fromFloat ? "q_sat_i32((float)\(x))" : "(int32_t)\(x)"
        case .int8: return fromFloat ? "q_sat_i8((float)\(x))" : "q_sat_i8i((int32_t)\(x))"
        case .bool: return "(uint8_t)(\(x) != 0)"
        case .float16: return "(_Float16)(float)\(x)"
        case .bfloat16: return "q_f32_to_bf16((float)\(x))"
        default: return "(\(CEmitter.ctype(to)))\(x)"
        }
    }

    // MARK: shape operations

    /// Nested loops over `shape` with index variables i0, i1, …; `body` gets the linear index.
    mutating func nest(_ shape: [Int], _ body: (String) -> String) {
        let s = blockStrides(shape)
        var head = ""
        for (d, n) in shape.enumerated() { head += "for (int i\(d) = 0; i\(d) < \(n); i\(d)++) " }
        let linear = shape.indices.map { "i\($0) * \(s[$0])" }.joined(separator: " + ")
        line(head + "{ " + body(linear.isEmpty ? "0" : linear) + " }")
    }

    mutating func broadcast(_ a: ValueID, into r: ValueID) {
        let shape = type(r).shape, src = type(a).shape
        let padded = [Int](repeating: 1, count: shape.count - src.count) + src
        let ss = blockStrides(padded)
        let off = shape.indices.filter { padded[$0] != 1 }.map { "i\($0) * \(ss[$0])" }.joined(separator: " + ")
        let from = element(a)(off.isEmpty ? "0" : off), to = element(r)
        nest(shape) { e in "\(to(e)) = \(from);" }
    }

    /// The reduction's identity and how it combines an accumulator with an element.
    func reduction(_ op: ReduceOp, _ dtype: DType) -> (initial: String, combine: (String, String) -> String) {
        let isInt = dtype == .int32
        switch op {
        case .sum: return (isInt ? "0" : "0.0f", { "(\($0) + \($1))" })
        case .max:
            let f = isInt ? "q_maxi" : "q_maxf"
            return (isInt ? "INT32_MIN" : "(-INFINITY)", { "\(f)(\($0), \($1))" })
        case .min:
            let f = isInt ? "q_mini" : "q_minf"
            return (isInt ? "INT32_MAX" : "INFINITY", { "\(f)(\($0), \($1))" })
        }
    }

    mutating func reduce(_ op: ReduceOp, _ a: ValueID, axis: Int, into r: ValueID) {
        let s = type(a).shape, dt = type(r).dtype, t = CEmitter.ctype(dt)
        let outer = s[..<axis].reduce(1, *), n = s[axis], inner = s[(axis + 1)...].reduce(1, *)
        let (initial, combine) = reduction(op, dt)
        let x = name(a), out = element(r)
        if inner == 1 && op != .sum && n % 8 == 0 {
            // max/min along a contiguous axis: eight independent lanes (vectorizable despite the NaN
            // checks), combined at the end; the result is the same in any order.
            line("for (int o = 0; o < \(outer); o++) {")
            line("    \(t) lane[8]; for (int l = 0; l < 8; l++) lane[l] = \(initial);")
            line("    for (int k = 0; k < \(n); k += 8) for (int l = 0; l < 8; l++) lane[l] = \(combine("lane[l]", "\(x)[o * \(n) + k + l]"));")
            line("    \(t) acc = lane[0]; for (int l = 1; l < 8; l++) acc = \(combine("acc", "lane[l]"));")
            line("    \(out("o")) = acc;")
            line("}")
        } else if inner == 1 {
            line("for (int o = 0; o < \(outer); o++) { \(t) acc = \(initial); for (int k = 0; k < \(n); k++) acc = \(combine("acc", "\(x)[o * \(n) + k]")); \(out("o")) = acc; }")
        } else {
            let y = out("o * \(inner) + i")
            line("for (int o = 0; o < \(outer); o++) {")
            line("    for (int i = 0; i < \(inner); i++) \(y) = \(initial);")
            line("    for (int k = 0; k < \(n); k++) for (int i = 0; i < \(inner); i++) \(y) = \(combine(y, "\(x)[(o * \(n) + k) * \(inner) + i]"));")
            line("}")
        }
    }
}
