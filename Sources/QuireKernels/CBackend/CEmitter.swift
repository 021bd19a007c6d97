import QuireTensor

/// Emits C for a kernel: one function `quire_kernel(lo, hi, buffers)` that runs programs lo..<hi.
/// Scalars are C locals; blocks live at fixed offsets in a per-call workspace, and every block
/// operation is a loop with constant bounds (so clang vectorizes it); `dot` is a register-blocked
/// micro-kernel on 8-wide vectors.
struct CEmitter {
    let ir: KernelIR
    var lines: [String] = []
    var indent = 1
    var offsets: [Int: Int] = [:]       // block value → workspace byte offset
    var alias: [Int: Int] = [:]         // loop result → its param
    var workspaceBytes = 0
    var temps = 0
    var tempDecls: [String] = []

    init(ir: KernelIR) { self.ir = ir }

    func source() -> String {
        var e = self
        return e.build()
    }

    static func ctype(_ d: DType) -> String {
        switch d {
        case .float32: return "float"
        case .float16: return "_Float16"
        case .bfloat16: return "uint16_t"   // bit pattern; converted by q_bf16_to_f32 / q_f32_to_bf16
        case .int32: return "int32_t"
        case .int8: return "int8_t"
        case .bool, .uint8: return "uint8_t"
        case .float64: return "double"
        }
    }

    // MARK: names and storage

    func resolved(_ id: Int) -> Int { alias[id].map(resolved) ?? id }
    func name(_ id: Int) -> String { "v\(resolved(id))" }
    func isScalar(_ id: Int) -> Bool { ir.types[id].isScalar }
    /// An element of a value: scalars have no index.
    func el(_ id: Int, _ index: String) -> String { isScalar(id) ? name(id) : "\(name(id))[\(index)]" }
    /// Where element `index` of a result is written.
    func dst(_ id: Int, _ index: String) -> String { isScalar(id) ? name(id) : "\(name(id))[\(index)]" }

    mutating func slot(_ bytes: Int) -> Int {
        let off = workspaceBytes
        workspaceBytes += (bytes + 63) / 64 * 64
        return off
    }

    /// A temporary block in the workspace, declared at the top.
    mutating func temp(_ dtype: DType, _ count: Int) -> String {
        temps += 1
        let n = "t\(temps)", t = CEmitter.ctype(dtype)
        tempDecls.append("\(t) *restrict \(n) = (\(t) *)(ws + \(slot(count * dtype.byteSize)));")
        return n
    }

    mutating func line(_ s: String) { lines.append(String(repeating: "    ", count: indent) + s) }

    func operand(_ o: Operand) -> String {
        switch o {
        case let .constant(c): return "\(c)"
        case let .value(v): return name(v)
        }
    }

    // MARK: whole function

    mutating func build() -> String {
        indent = 2
        for (i, r) in ir.refs.enumerated() where r.role == .scratch {
            let bytes = r.arrayShape.reduce(1, *) * r.dtype.byteSize
            offsets[-1 - i] = slot(bytes)
            line("memset(r\(i), 0, \(bytes));")
        }
        for (axis, n) in ir.grid.enumerated().reversed() {
            line("const int32_t pid\(axis) = (int32_t)(rest % \(n)); rest /= \(n);")
        }
        emit(ir.body)
        let body = lines
        var out = cPrelude
        out += "void quire_kernel(int64_t lo, int64_t hi, void **buffers) {\n"
        out += "    char *ws = (char *)aligned_alloc(64, \(Swift.max(64, workspaceBytes)));\n"
        for (i, r) in ir.refs.enumerated() {
            let t = CEmitter.ctype(r.dtype)
            if r.role == .scratch {
                out += "    \(t) *restrict r\(i) = (\(t) *)(ws + \(offsets[-1 - i]!));\n"
            } else {
                out += "    \(r.role == .input ? "const " : "")\(t) *restrict r\(i) = (\(r.role == .input ? "const " : "")\(t) *)buffers[\(i)];\n"
            }
        }
        for (id, t) in ir.types.enumerated() where alias[id] == nil {
            let c = CEmitter.ctype(t.dtype)
            if t.isScalar { out += "    \(c) v\(id) = 0;\n" } else if let off = offsets[id] {
                out += "    \(c) *restrict v\(id) = (\(c) *)(ws + \(off));\n"
            }
        }
        for d in tempDecls { out += "    \(d)\n" }
        out += "    for (int64_t program = lo; program < hi; program++) {\n"
        out += "        int64_t rest = program;\n"
        out += body.joined(separator: "\n") + "\n"
        out += "    }\n    free(ws);\n}\n"
        return out
    }

    mutating func define(_ id: Int) {
        let t = ir.types[id]
        if !t.isScalar && offsets[id] == nil && alias[id] == nil { offsets[id] = slot(t.count * t.dtype.byteSize) }
    }

    mutating func emit(_ body: [Instruction]) {
        for ins in body {
            for r in ins.results { define(r) }
            emit(ins)
        }
    }

    /// `for (int e = 0; e < n; e++) <body(e)>`, or just the body for a scalar.
    func elementwise(_ result: Int, _ body: (String) -> String) -> String {
        let n = ir.types[result].count
        if isScalar(result) { return "\(dst(result, "0")) = \(body("0"));" }
        return "for (int e = 0; e < \(n); e++) \(dst(result, "e")) = \(body("e"));"
    }

    mutating func emit(_ ins: Instruction) {
        let r = ins.results.first ?? -1
        switch ins.op {
        case let .programID(axis): line("\(name(r)) = pid\(axis);")
        case let .numPrograms(axis): line("\(name(r)) = \(ir.grid[axis]);")
        case let .constant(x): line("\(name(r)) = \(literal(x, ir.types[r].dtype));")
        case let .iota(axis):
            let t = ir.types[r], s = blockStrides(t.shape)
            line(elementwise(r) { e in "(int32_t)((\(e) / \(s[axis])) % \(t.shape[axis]))" })
        case let .unary(op, a): let dt = ir.types[r].dtype; line(elementwise(r) { e in unary(op, el(a, e), dt) })
        case let .binary(op, a, b): let dt = ir.types[r].dtype; line(elementwise(r) { e in binary(op, el(a, e), el(b, e), dt) })
        case let .compare(op, a, b): line(elementwise(r) { e in "(\(el(a, e)) \(compareSymbol(op)) \(el(b, e)))" })
        case let .select(c, a, b): line(elementwise(r) { e in "(\(el(c, e)) ? \(el(a, e)) : \(el(b, e)))" })
        case let .broadcast(a): broadcast(a, into: r)
        case let .reshape(a): line(elementwise(r) { e in el(a, e) })
        case let .transpose(a):
            let s = ir.types[a].shape
            line("for (int i = 0; i < \(s[0]); i++) for (int j = 0; j < \(s[1]); j++) \(name(r))[j * \(s[0]) + i] = \(name(a))[i * \(s[1]) + j];")
        case let .reduce(op, a, axis): reduce(op, a, axis: axis, into: r)
        case let .cast(a):
            let from = ir.types[a].dtype, to = ir.types[r].dtype
            line(elementwise(r) { e in conversion(el(a, e), from: from, to: to) })
        case let .dot(a, b, transposeB): dot(a, b, transposeB: transposeB, into: r)
        case let .load(acc, other):
            let target = isScalar(r) ? name(r) : name(r) + "[%]", refName = "r\(acc.ref)"
            let fill = literal(other, ir.refs[acc.ref].dtype)
            access(acc) { e, g, inside in
                let v = "\(refName)[\(g)]", d = target.replacingOccurrences(of: "%", with: e)
                return "\(d) = \(inside.map { "\($0) ? \(v) : \(fill)" } ?? v);"
            }
        case let .store(acc, v):
            let value = isScalar(v) ? name(v) : name(v) + "[%]", refName = "r\(acc.ref)"
            access(acc) { e, g, inside in
                let s = "\(refName)[\(g)] = \(value.replacingOccurrences(of: "%", with: e));"
                return inside.map { "if (\($0)) \(s)" } ?? s
            }
        case let .atomicAdd(acc, v):
            let value = isScalar(v) ? name(v) : name(v) + "[%]", refName = "r\(acc.ref)"
            let f = ir.refs[acc.ref].dtype == .int32 ? "q_atomic_add_i32" : "q_atomic_add_f32"
            access(acc) { e, g, inside in
                let s = "\(f)(&\(refName)[\(g)], \(value.replacingOccurrences(of: "%", with: e)));"
                return inside.map { "if (\($0)) \(s)" } ?? s
            }
        case let .when(c, body):
            line("if (\(name(c))) {")
            indent += 1
            emit(body)
            indent -= 1
            line("}")
        case let .forLoop(loop): forLoop(loop, results: ins.results)
        }
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

    mutating func broadcast(_ a: Int, into r: Int) {
        let shape = ir.types[r].shape, src = ir.types[a].shape
        let padded = [Int](repeating: 1, count: shape.count - src.count) + src
        let ss = blockStrides(padded)
        let off = shape.indices.filter { padded[$0] != 1 }.map { "i\($0) * \(ss[$0])" }.joined(separator: " + ")
        let from = isScalar(a) ? name(a) : "\(name(a))[\(off.isEmpty ? "0" : off)]"
        let dstName = name(r)
        nest(shape) { e in "\(dstName)[\(e)] = \(from);" }
    }

    mutating func reduce(_ op: ReduceOp, _ a: Int, axis: Int, into r: Int) {
        let s = ir.types[a].shape, dt = ir.types[r].dtype
        let outer = s[..<axis].reduce(1, *), n = s[axis], inner = s[(axis + 1)...].reduce(1, *)
        let isInt = dt == .int32
        let initial: String
        switch op {
        case .sum: initial = isInt ? "0" : "0.0f"
        case .max: initial = isInt ? "INT32_MIN" : "(-INFINITY)"
        case .min: initial = isInt ? "INT32_MAX" : "INFINITY"
        }
        let out = isScalar(r) ? "(&\(name(r)))" : name(r)
        let x = "\(name(a))[(o * \(n) + k) * \(inner) + i]", y = "\(out)[o * \(inner) + i]"
        let combine: String
        switch op {
        case .sum: combine = "\(y) += \(x);"
        case .max: combine = "\(y) = \(isInt ? "q_maxi" : "q_maxf")(\(y), \(x));"
        case .min: combine = "\(y) = \(isInt ? "q_mini" : "q_minf")(\(y), \(x));"
        }
        if inner == 1 && op != .sum && n % 8 == 0 {
            // max/min along a contiguous axis: eight independent lanes (vectorizable despite the NaN
            // checks), combined at the end; the result is the same in any order.
            let f = combine.contains("q_max") ? (isInt ? "q_maxi" : "q_maxf") : (isInt ? "q_mini" : "q_minf")
            let t = CEmitter.ctype(dt)
            line("for (int o = 0; o < \(outer); o++) {")
            line("    \(t) lane[8]; for (int l = 0; l < 8; l++) lane[l] = \(initial);")
            line("    for (int k = 0; k < \(n); k += 8) for (int l = 0; l < 8; l++) lane[l] = \(f)(lane[l], \(name(a))[o * \(n) + k + l]);")
            line("    \(t) acc = lane[0]; for (int l = 1; l < 8; l++) acc = \(f)(acc, lane[l]);")
            line("    \(out)[o] = acc;")
            line("}")
        } else if inner == 1 {
            let acc = "acc"
            let c1 = combine.replacingOccurrences(of: y, with: acc)
            line("for (int o = 0; o < \(outer); o++) { const int i = 0; \(CEmitter.ctype(dt)) \(acc) = \(initial); for (int k = 0; k < \(n); k++) { \(c1) } \(y) = \(acc); }")
        } else {
            line("for (int o = 0; o < \(outer); o++) {")
            line("    for (int i = 0; i < \(inner); i++) \(y) = \(initial);")
            line("    for (int k = 0; k < \(n); k++) for (int i = 0; i < \(inner); i++) { \(combine) }")
            line("}")
        }
    }

    // MARK: memory access

    /// Loops over an access's elements; `body(local, global, condition)` gives the statement for one
    /// element (condition nil when the access is unmasked).
    mutating func access(_ a: Access, _ body: (String, String, String?) -> String) {
        let ref = ir.refs[a.ref]
        let sizes = a.slices.map(\.size)
        let gs = blockStrides(ref.arrayShape)
        var positions: [String] = []
        for (d, s) in a.slices.enumerated() {
            positions.append("(\(operand(ref.origin[d])) + \(operand(s.start)) + i\(d))")
        }
        let global = positions.enumerated().map { "\($1) * \(gs[$0])" }.joined(separator: " + ")
        var condition: String? = nil
        if let m = a.mask {
            var parts = positions.enumerated().map { "\($1) >= 0 && \($1) < \(ref.arrayShape[$0])" }
            if !isScalar(m) {
                let ls = blockStrides(sizes)
                let li = sizes.indices.map { "i\($0) * \(ls[$0])" }.joined(separator: " + ")
                parts.insert("\(name(m))[\(li.isEmpty ? "0" : li)]", at: 0)
            } else {
                parts.insert(name(m), at: 0)
            }
            condition = parts.joined(separator: " && ")
        }
        nest(sizes) { e in body(e, global.isEmpty ? "0" : global, condition) }
    }

    // MARK: control flow

    mutating func copy(_ dstID: Int, from srcID: Int) {
        let t = ir.types[dstID]
        if resolved(dstID) == resolved(srcID) { return }
        if t.isScalar { line("\(name(dstID)) = \(el(srcID, "0"));") } else if isScalar(srcID) {
            line("for (int e = 0; e < \(t.count); e++) \(name(dstID))[e] = \(name(srcID));")
        } else {
            line("memcpy(\(name(dstID)), \(name(srcID)), \(t.count * t.dtype.byteSize));")
        }
    }

    mutating func forLoop(_ loop: ForLoop, results: [Int]) {
        for (p, i) in zip(loop.params, loop.inits) { define(p); copy(p, from: i) }
        line("for (int32_t \(name(loop.index)) = \(operand(loop.lower)); \(name(loop.index)) < \(operand(loop.upper)); \(name(loop.index))++) {")
        indent += 1
        emit(loop.body)
        let paramSet = Set(loop.params.map(resolved))
        if loop.yields.contains(where: { paramSet.contains(resolved($0)) }) {
            // A yield that is another param: go through temporaries so no param is read after it is overwritten.
            var staged: [(Int, String)] = []
            for (p, y) in zip(loop.params, loop.yields) where resolved(p) != resolved(y) {
                let t = ir.types[p]
                if t.isScalar {
                    temps += 1
                    let n = "s\(temps)"
                    line("\(CEmitter.ctype(t.dtype)) \(n) = \(name(y));")
                    staged.append((p, n))
                } else {
                    let n = temp(t.dtype, t.count)
                    line("memcpy(\(n), \(name(y)), \(t.count * t.dtype.byteSize));")
                    staged.append((p, n))
                }
            }
            for (p, n) in staged {
                let t = ir.types[p]
                line(t.isScalar ? "\(name(p)) = \(n);" : "memcpy(\(name(p)), \(n), \(t.count * t.dtype.byteSize));")
            }
        } else {
            for (p, y) in zip(loop.params, loop.yields) { copy(p, from: y) }
        }
        indent -= 1
        line("}")
        for (r, p) in zip(results, loop.params) { alias[r] = p }
    }
}
