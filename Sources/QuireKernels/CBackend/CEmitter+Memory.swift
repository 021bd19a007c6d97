import QuireTensor

// Loads, stores and atomic adds in emitted C: a loop nest over the access's elements, each element's
// array offset computed from the ref's origin, the slice start and the loop indices.

extension CEmitter {
    /// Element `offset` of a ref's array, as a C lvalue.
    func refElement(_ r: RefID) -> (String) -> String {
        let n = refName(r)
        return { "\(n)[\($0)]" }
    }

    mutating func load(_ acc: Access, other: Double, into r: ValueID) {
        if inPlaceLoads[r] != nil { return loadInPlace(acc, into: r) }
        let target = element(r), source = refElement(acc.ref)
        let fill = literal(other, ir.ref(acc.ref).dtype)
        access(acc) { e, g, inside in
            let v = source(g)
            return "\(target(e)) = \(inside.map { "\($0) ? \(v) : \(fill)" } ?? v);"
        }
    }

    mutating func store(_ v: ValueID, into acc: Access) {
        let value = element(v), target = refElement(acc.ref)
        access(acc) { e, g, inside in
            let s = "\(target(g)) = \(value(e));"
            return inside.map { "if (\($0)) \(s)" } ?? s
        }
    }

    mutating func atomicAdd(_ v: ValueID, into acc: Access) {
        let value = element(v), target = refElement(acc.ref)
        let f = ir.ref(acc.ref).dtype == .int32 ? "q_atomic_add_i32" : "q_atomic_add_f32"
        access(acc) { e, g, inside in
            let s = "\(f)(&\(target(g)), \(value(e)));"
            return inside.map { "if (\($0)) \(s)" } ?? s
        }
    }

    /// Loops over an access's elements; `body(local, global, condition)` gives the statement for one
    /// element (condition nil when the access is unmasked).
    mutating func access(_ a: Access, _ body: (String, String, String?) -> String) {
        let ref = ir.ref(a.ref)
        let sizes = a.slices.map(\.size)
        let gs = blockStrides(ref.arrayShape)
        var positions: [String] = []
        for (d, s) in a.slices.enumerated() {
            positions.append("(\(operand(ref.origin[d])) + \(operand(s.start)) + i\(d))")
        }
        let global = positions.enumerated().map { "\($1) * \(gs[$0])" }.joined(separator: " + ")
        var condition: String? = nil
        if a.mask == nil { boundsChecks(a) }
        if let m = a.mask {
            var parts = positions.enumerated().map { "\($1) >= 0 && \($1) < \(ref.arrayShape[$0])" }
            let ls = blockStrides(sizes)
            let li = sizes.indices.map { "i\($0) * \(ls[$0])" }.joined(separator: " + ")
            parts.insert(element(m)(li.isEmpty ? "0" : li), at: 0)
            condition = parts.joined(separator: " && ")
        }
        nest(sizes) { e in body(e, global.isEmpty ? "0" : global, condition) }
    }

    /// Checked mode: an unmasked access must lie inside its array; the first that does not is
    /// recorded (program, ref, axis, start, size) and the kernel returns.
    mutating func boundsChecks(_ a: Access) {
        guard options.checked else { return }
        let ref = ir.ref(a.ref)
        for (d, s) in a.slices.enumerated() {
            if case let .constant(o) = ref.origin[d], case let .constant(c) = s.start,
               o + c >= 0, o + c + s.size <= ref.arrayShape[d] { continue }   // in bounds when traced
            let start = "\(operand(ref.origin[d])) + \(operand(s.start))"
            line("if (q_check(fault, program, \(a.ref.index), \(d), \(start), \(s.size), \(ref.arrayShape[d]))) goto q_fault;")
        }
    }

    /// A load `dot` reads where it lies: a pointer to the slice's first element, its rows a row of the
    /// ref apart (`inPlaceLoads[r]`; no copy into the workspace).
    mutating func loadInPlace(_ a: Access, into r: ValueID) {
        let ref = ir.ref(a.ref)
        let gs = blockStrides(ref.arrayShape)
        boundsChecks(a)
        let start = a.slices.enumerated().map { d, s in
            "(\(operand(ref.origin[d])) + \(operand(s.start))) * \(gs[d])"
        }.joined(separator: " + ")
        line("const \(CEmitter.ctype(ref.dtype)) *restrict \(name(r)) = &\(refName(a.ref))[\(start)];")
    }
}

extension KernelIR {
    /// Loads of an input ref that `dot` can read in place as its left operand, so the micro-kernel
    /// walks the input's rows instead of a copy: an unmasked float32 [rows, cols] slice of a rank-2
    /// input, read only by a float32 `dot` that takes the micro-kernel path (n a multiple of 8).
    /// The right operand is still copied: its rows are read a whole row apart per step of k, and a
    /// power-of-two row stride would map them onto a few L1 sets. Each maps to its rows' stride (the
    /// ref's row length).
    func inPlaceDotOperands(uses: [Int]) -> [ValueID: Int] {
        var loads: [ValueID: Access] = [:]
        var dots: [(a: ValueID, b: ValueID, transposeB: Bool, result: ValueID)] = []
        func walk(_ body: [Instruction]) {
            for ins in body {
                switch ins.op {
                case let .load(acc, _): if let r = ins.results.first { loads[r] = acc }
                case let .dot(a, b, t): if let r = ins.results.first { dots.append((a, b, t, r)) }
                case let .forLoop(l): walk(l.body)
                case let .when(_, b): walk(b)
                default: break
                }
            }
        }
        walk(body)
        var chosen: [ValueID: Int] = [:]
        for d in dots {
            guard let acc = loads[d.a], acc.mask == nil, uses[d.a.index] == 1, d.a != d.b else { continue }
            let ref = self.ref(acc.ref), ta = type(d.a), tb = type(d.b)
            let n = d.transposeB ? tb.shape[0] : tb.shape[1]
            guard ref.role == .input, ref.arrayShape.count == 2, ta.shape == acc.slices.map(\.size),
                  ta.dtype == .float32, tb.dtype == .float32, type(d.result).dtype == .float32, n % 8 == 0 else { continue }
            chosen[d.a] = ref.arrayShape[1]
        }
        return chosen
    }
}
