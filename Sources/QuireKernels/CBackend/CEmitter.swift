import QuireTensor

/// Emits C for a kernel: one function `quire_kernel(lo, hi, buffers, fault)` that runs programs lo..<hi
/// (`fault` receives the first failed bounds check in checked mode; see `CodegenOptions`).
/// Scalars are C locals; blocks live at fixed offsets in a per-call workspace, and every block
/// operation is a loop with constant bounds (so clang vectorizes it); `dot` is a register-blocked
/// micro-kernel on vectors. C text is built by closures that map an element index to an expression
/// (`element(id)("e")` is `v7[e]`, or `v7` for a scalar); the emitter never reads back what it wrote.
/// Expressions are in CEmitter+Expressions.swift, ref accesses in CEmitter+Memory.swift.
struct CEmitter {
    /// Where a block lives in the workspace: a value's block, or a scratch ref's whole array.
    enum Slot: Hashable { case value(ValueID), scratch(RefID) }

    let ir: KernelIR
    var lines: [String] = []
    var indent = 1
    var offsets: [Slot: Int] = [:]           // workspace byte offset
    var alias: [ValueID: ValueID] = [:]      // loop result → its param
    var workspaceBytes = 0
    var temps = 0
    var tempDecls: [String] = []
    var usesIntrinsics = false               // set by code that needs <immintrin.h>

    let options: CodegenOptions
    let uses: [Int]                          // reads of each value (see `KernelIR.useCounts`)
    let inPlaceLoads: [ValueID: Int]         // loads `dot` reads where they lie → their rows' stride (`inPlaceDotOperands`)

    init(ir: KernelIR, options: CodegenOptions = .current) {
        self.ir = ir
        self.options = options
        self.uses = ir.useCounts()
        self.inPlaceLoads = ir.inPlaceDotOperands(uses: uses)
    }

    /// The whole C file: the prelude (and the intrinsics header if the kernel uses it) and the function.
    func source() -> String {
        var e = self
        let body = e.build()
        return cPrelude + (e.usesIntrinsics ? cIntrinsicsHeader : "") + body
    }

    /// The kernel function alone (what golden snapshots compare).
    func function() -> String {
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

    func resolved(_ id: ValueID) -> ValueID { alias[id].map(resolved) ?? id }
    func name(_ id: ValueID) -> String { "v\(resolved(id).index)" }
    func refName(_ r: RefID) -> String { "r\(r.index)" }
    func type(_ id: ValueID) -> BlockType { ir.type(id) }
    func isScalar(_ id: ValueID) -> Bool { type(id).isScalar }

    /// Element `index` of a value, as a C lvalue: `v7[index]` for a block, `v7` for a scalar (any index).
    func element(_ id: ValueID) -> (String) -> String {
        let n = name(id)
        return isScalar(id) ? { _ in n } : { "\(n)[\($0)]" }
    }

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
        let scratch = ir.refs.indices.map(RefID.init).filter { ir.ref($0).role == .scratch }
        for r in scratch {
            let bytes = ir.ref(r).arrayShape.reduce(1, *) * ir.ref(r).dtype.byteSize
            offsets[.scratch(r)] = slot(bytes)
            line("memset(\(refName(r)), 0, \(bytes));")
        }
        for (axis, n) in ir.grid.enumerated().reversed() {
            line("const int32_t pid\(axis) = (int32_t)(rest % \(n)); rest /= \(n);")
        }
        emit(ir.body)
        var out = "/* target \(options.target.rawValue)\(options.checked ? ", checked" : "") */\n"
        out += "void quire_kernel(int64_t lo, int64_t hi, void **buffers, int64_t *fault) {\n"
        out += "    char *ws = (char *)aligned_alloc(64, \(Swift.max(64, workspaceBytes)));\n"
        for (i, r) in ir.refs.enumerated() {
            let id = RefID(i), t = CEmitter.ctype(r.dtype)
            switch r.role {
            case .scratch: out += "    \(t) *restrict \(refName(id)) = (\(t) *)(ws + \(offsets[.scratch(id)]!));\n"
            case .input: out += "    const \(t) *restrict \(refName(id)) = (const \(t) *)buffers[\(i)];\n"
            case .output: out += "    \(t) *restrict \(refName(id)) = (\(t) *)buffers[\(i)];\n"
            }
        }
        for (i, t) in ir.types.enumerated() where alias[ValueID(i)] == nil {
            let c = CEmitter.ctype(t.dtype)
            if t.isScalar { out += "    \(c) v\(i) = 0;\n" } else if let off = offsets[.value(ValueID(i))] {
                out += "    \(c) *restrict v\(i) = (\(c) *)(ws + \(off));\n"
            }
        }
        for d in tempDecls { out += "    \(d)\n" }
        out += "    for (int64_t program = lo; program < hi; program++) {\n"
        out += "        int64_t rest = program;\n"
        out += lines.joined(separator: "\n") + "\n"
        out += "    }\n"
        if options.checked { out += "q_fault:\n" }
        out += "    free(ws);\n}\n"
        return out
    }

    mutating func define(_ id: ValueID) {
        let t = type(id)
        if !t.isScalar && offsets[.value(id)] == nil && alias[id] == nil && inPlaceLoads[id] == nil {
            offsets[.value(id)] = slot(t.count * t.dtype.byteSize)
        }
    }

    mutating func emit(_ body: [Instruction]) {
        var local = Set<ValueID>()   // values defined earlier in this body (not in an enclosing one)
        var i = body.startIndex
        while i < body.endIndex {
            if i + 1 < body.endIndex, let (x, y, transposeB, acc, sum) = fusedDotAdd(body[i], body[i + 1]) {
                // `acc + dot(x, y)` where acc is read nowhere else: the micro-kernel adds into acc's
                // block in place, and the sum is acc's block (no dot temporary, no add pass, no copy
                // of a loop's carried accumulator).
                dot(x, y, transposeB: transposeB, into: acc, accumulate: true)
                alias[sum] = acc
                i += 2
                continue
            }
            for r in body[i].results { define(r) }
            if case let .forLoop(loop) = body[i].op {
                forLoop(loop, results: body[i].results, reusing: local)
            } else {
                emit(body[i])
            }
            local.formUnion(body[i].results)
            i += 1
        }
    }

    /// `d = dot(x, y)` followed by `s = acc + d` (either order), with `d` read only there and `acc` a
    /// block of the same type read only there, so it may be overwritten.
    func fusedDotAdd(_ first: Instruction, _ second: Instruction) -> (ValueID, ValueID, Bool, ValueID, ValueID)? {
        guard case let .dot(x, y, transposeB) = first.op, let d = first.results.first,
              case let .binary(.add, l, r) = second.op, let s = second.results.first, l != r else { return nil }
        let acc = l == d ? r : (r == d ? l : nil)
        guard let acc, uses[d.index] == 1, uses[acc.index] == 1, type(acc) == type(d), !isScalar(acc),
              offsets[.value(resolved(acc))] != nil else { return nil }
        return (x, y, transposeB, acc, s)
    }

    mutating func emit(_ ins: Instruction) {
        guard let r = ins.results.first else { return emitEffect(ins.op) }
        switch ins.op {
        case let .programID(axis): line("\(name(r)) = pid\(axis);")
        case let .numPrograms(axis): line("\(name(r)) = \(ir.grid[axis]);")
        case let .constant(x): line("\(name(r)) = \(literal(x, type(r).dtype));")
        case let .iota(axis):
            let t = type(r), s = blockStrides(t.shape)
            line(elementwise(r) { e in "(int32_t)((\(e) / \(s[axis])) % \(t.shape[axis]))" })
        case let .unary(op, a):
            let dt = type(r).dtype, x = element(a)
            line(elementwise(r) { e in unary(op, x(e), dt) })
        case let .binary(op, a, b):
            let dt = type(r).dtype, x = element(a), y = element(b)
            line(elementwise(r) { e in binary(op, x(e), y(e), dt) })
        case let .compare(op, a, b):
            let x = element(a), y = element(b)
            line(elementwise(r) { e in "(\(x(e)) \(compareSymbol(op)) \(y(e)))" })
        case let .select(c, a, b):
            let p = element(c), x = element(a), y = element(b)
            line(elementwise(r) { e in "(\(p(e)) ? \(x(e)) : \(y(e)))" })
        case let .broadcast(a): broadcast(a, into: r)
        case let .reshape(a): let x = element(a); line(elementwise(r) { e in x(e) })
        case let .transpose(a):
            let s = type(a).shape
            line("for (int i = 0; i < \(s[0]); i++) for (int j = 0; j < \(s[1]); j++) \(name(r))[j * \(s[0]) + i] = \(name(a))[i * \(s[1]) + j];")
        case let .reduce(op, a, axis): reduce(op, a, axis: axis, into: r)
        case let .cast(a):
            let from = type(a).dtype, to = type(r).dtype, x = element(a)
            line(elementwise(r) { e in conversion(x(e), from: from, to: to) })
        case let .dot(a, b, transposeB): dot(a, b, transposeB: transposeB, into: r)
        case let .load(acc, other): load(acc, other: other, into: r)
        case let .forLoop(loop): forLoop(loop, results: ins.results)
        case .store, .atomicAdd, .when: emitEffect(ins.op)
        }
    }

    /// Instructions without results: stores and conditionals.
    mutating func emitEffect(_ op: Op) {
        switch op {
        case let .store(acc, v): store(v, into: acc)
        case let .atomicAdd(acc, v): atomicAdd(v, into: acc)
        case let .when(c, body):
            line("if (\(name(c))) {")
            indent += 1
            emit(body)
            indent -= 1
            line("}")
        case let .forLoop(loop): forLoop(loop, results: [])
        default: preconditionFailure("\(op) defines a value")
        }
    }

    // MARK: control flow

    mutating func copy(_ dstID: ValueID, from srcID: ValueID) {
        let t = type(dstID)
        if resolved(dstID) == resolved(srcID) { return }
        if t.isScalar { line("\(name(dstID)) = \(element(srcID)("0"));") } else if isScalar(srcID) {
            line("for (int e = 0; e < \(t.count); e++) \(name(dstID))[e] = \(name(srcID));")
        } else {
            line("memcpy(\(name(dstID)), \(name(srcID)), \(t.count * t.dtype.byteSize));")
        }
    }

    /// A counted loop. A param whose init is a block defined earlier in the same body and read only
    /// there takes over the init's block instead of copying it (the init is dead once the loop starts;
    /// one defined in an enclosing loop is not, as the next outer iteration starts from it again).
    mutating func forLoop(_ loop: ForLoop, results: [ValueID], reusing local: Set<ValueID> = []) {
        for (p, i) in zip(loop.params, loop.inits) {
            if local.contains(i), uses[i.index] == 1, !isScalar(i), type(i) == type(p),
               offsets[.value(resolved(i))] != nil {
                alias[p] = i
            } else {
                define(p)
                copy(p, from: i)
            }
        }
        let i = name(loop.index)
        line("for (int32_t \(i) = \(operand(loop.lower)); \(i) < \(operand(loop.upper)); \(i)++) {")
        indent += 1
        emit(loop.body)
        let paramSet = Set(loop.params.map(resolved))
        if loop.yields.contains(where: { paramSet.contains(resolved($0)) }) {
            // A yield that is another param: go through temporaries so no param is read after it is overwritten.
            var staged: [(ValueID, String)] = []
            for (p, y) in zip(loop.params, loop.yields) where resolved(p) != resolved(y) {
                let t = type(p)
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
                let t = type(p)
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
