/// A readable listing of a kernel's IR, one instruction a line:
/// `%7: float32[64, 64] = dot %3, %5 transposeB`.
func describe(_ ir: KernelIR) -> String {
    var out = "kernel \(ir.name) grid \(ir.grid)\n"
    for (i, r) in ir.refs.enumerated() {
        out += "  ref \(i) '\(r.name)' \(r.role.rawValue) \(r.dtype)\(r.arrayShape) block \(r.blockShape) origin \(r.origin.map(text))\n"
    }
    describe(ir.body, ir, indent: "  ", into: &out)
    return out
}

private func text(_ o: Operand) -> String {
    switch o {
    case let .constant(c): return "\(c)"
    case let .value(v): return "\(v)"
    }
}

private func text(_ a: Access) -> String {
    let slices = a.slices.map { "\(text($0.start))+:\($0.size)" }.joined(separator: ", ")
    return "\(a.ref)[\(slices)]" + (a.mask.map { " mask \($0)" } ?? "")
}

private func describe(_ body: [Instruction], _ ir: KernelIR, indent: String, into out: inout String) {
    for ins in body {
        let lhs = ins.results.isEmpty ? "" : ins.results.map { "\($0): \(ir.type($0))" }.joined(separator: ", ") + " = "
        switch ins.op {
        case let .forLoop(l):
            out += "\(indent)\(lhs)for \(l.index) in \(text(l.lower))..<\(text(l.upper)) carrying \(l.params) from \(l.inits) {\n"
            describe(l.body, ir, indent: indent + "  ", into: &out)
            out += "\(indent)  yield \(l.yields)\n\(indent)}\n"
        case let .when(c, b):
            out += "\(indent)when \(c) {\n"
            describe(b, ir, indent: indent + "  ", into: &out)
            out += "\(indent)}\n"
        case let .load(a, other): out += "\(indent)\(lhs)load \(text(a)) other \(other)\n"
        case let .store(a, v): out += "\(indent)store \(v) -> \(text(a))\n"
        case let .atomicAdd(a, v): out += "\(indent)atomicAdd \(v) -> \(text(a))\n"
        default: out += "\(indent)\(lhs)\(String(describing: ins.op).replacingOccurrences(of: "QuireKernels.", with: ""))\n"
        }
    }
}
