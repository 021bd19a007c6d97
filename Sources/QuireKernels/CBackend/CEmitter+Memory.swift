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
        if a.mask == nil && options.checked {
            // Checked mode: an unmasked access must lie inside its array; the first that does not is
            // recorded (program, ref, axis, start, size) and the kernel returns.
            for (d, s) in a.slices.enumerated() {
                if case let .constant(o) = ref.origin[d], case let .constant(c) = s.start,
                   o + c >= 0, o + c + s.size <= ref.arrayShape[d] { continue }   // in bounds when traced
                let start = "\(operand(ref.origin[d])) + \(operand(s.start))"
                line("if (q_check(fault, program, \(a.ref.index), \(d), \(start), \(s.size), \(ref.arrayShape[d]))) goto q_fault;")
            }
        }
        if let m = a.mask {
            var parts = positions.enumerated().map { "\($1) >= 0 && \($1) < \(ref.arrayShape[$0])" }
            let ls = blockStrides(sizes)
            let li = sizes.indices.map { "i\($0) * \(ls[$0])" }.joined(separator: " + ")
            parts.insert(element(m)(li.isEmpty ? "0" : li), at: 0)
            condition = parts.joined(separator: " && ")
        }
        nest(sizes) { e in body(e, global.isEmpty ? "0" : global, condition) }
    }
}
