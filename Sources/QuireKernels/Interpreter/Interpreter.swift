import Foundation
import QuireTensor

/// The reference interpreter: runs the IR one program at a time, in grid order, element by element in
/// Double rounded to each value's dtype. It defines what a kernel means; the compiled backend must agree.
struct Interpreter {
    let ir: KernelIR
    private var values: ValueTable<[Double]>
    private var arrays = RefTable<[Double]>([])
    private var programIDs: [Int] = []

    init(ir: KernelIR) {
        self.ir = ir
        self.values = ValueTable(repeating: [], count: ir.types.count)
    }

    mutating func run(_ inputs: [Tensor]) throws -> [Tensor] {
        arrays = RefTable(ir.refs.map { [Double](repeating: 0, count: $0.arrayShape.reduce(1, *)) })
        for (i, t) in inputs.enumerated() { arrays[RefID(i)] = t.scalars(as: Double.self) }
        for program in 0..<ir.programCount {
            var rest = program
            programIDs = ir.grid.indices.reversed().map { axis -> Int in
                defer { rest /= ir.grid[axis] }
                return rest % ir.grid[axis]
            }.reversed()
            for (i, r) in ir.refs.enumerated() where r.role == .scratch {
                arrays[RefID(i)] = [Double](repeating: 0, count: r.arrayShape.reduce(1, *))
            }
            try execute(ir.body)
        }
        return ir.outputRefs.map { i in
            Tensor(arrays[i], shape: ir.ref(i).arrayShape).cast(to: ir.ref(i).dtype)
        }
    }

    private func scalar(_ o: Operand) -> Int {
        switch o {
        case let .constant(c): return c
        case let .value(v): return Int(values[v][0])
        }
    }

    private mutating func execute(_ body: [Instruction]) throws {
        for instruction in body { try execute(instruction) }
    }

    private mutating func execute(_ ins: Instruction) throws {
        let type = ins.results.first.map { ir.type($0) }
        switch ins.op {
        case let .programID(axis): values[ins.results[0]] = [Double(programIDs[axis])]
        case let .numPrograms(axis): values[ins.results[0]] = [Double(ir.grid[axis])]
        case let .constant(x): values[ins.results[0]] = [rounded(x, type!.dtype)]
        case let .iota(axis):
            let t = type!, strides = blockStrides(t.shape)
            values[ins.results[0]] = (0..<t.count).map { Double(($0 / strides[axis]) % t.shape[axis]) }
        case let .unary(op, a): values[ins.results[0]] = values[a].map { rounded(unary(op, $0), type!.dtype) }
        case let .binary(op, a, b):
            let dt = type!.dtype
            values[ins.results[0]] = zipped(a, b, type!.count) { rounded(binary(op, $0, $1, dt), dt) }
        case let .compare(op, a, b): values[ins.results[0]] = zipped(a, b, type!.count) { compare(op, $0, $1) ? 1 : 0 }
        case let .select(c, a, b):
            let n = type!.count
            values[ins.results[0]] = (0..<n).map { i in element(c, i) != 0 ? element(a, i) : element(b, i) }
        case let .broadcast(a): values[ins.results[0]] = broadcast(a, to: type!.shape)
        case let .reshape(a): values[ins.results[0]] = values[a]
        case let .transpose(a):
            let s = ir.type(a).shape
            values[ins.results[0]] = (0..<(s[0] * s[1])).map { e in values[a][(e % s[0]) * s[1] + e / s[0]] }
        case let .reduce(op, a, axis): values[ins.results[0]] = reduce(op, a, axis: axis, dtype: type!.dtype)
        case let .cast(a): values[ins.results[0]] = values[a].map { converted($0, to: type!.dtype) }
        case let .dot(a, b, transposeB): values[ins.results[0]] = dot(a, b, transposeB: transposeB, dtype: type!.dtype)
        case let .load(access, other): values[ins.results[0]] = try load(access, other: other)
        case let .store(access, v): try write(access, v, accumulate: false)
        case let .atomicAdd(access, v): try write(access, v, accumulate: true)
        case let .when(c, body): if values[c][0] != 0 { try execute(body) }
        case let .forLoop(loop):
            for (p, i) in zip(loop.params, loop.inits) { values[p] = values[i] }
            for i in scalar(loop.lower)..<Swift.max(scalar(loop.lower), scalar(loop.upper)) {
                values[loop.index] = [Double(i)]
                try execute(loop.body)
                let next = loop.yields.map { values[$0] }
                for (p, v) in zip(loop.params, next) { values[p] = v }
            }
            for (r, p) in zip(ins.results, loop.params) { values[r] = values[p] }
        }
    }

    private func element(_ v: ValueID, _ i: Int) -> Double { values[v].count == 1 ? values[v][0] : values[v][i] }

    private func zipped(_ a: ValueID, _ b: ValueID, _ n: Int, _ f: (Double, Double) -> Double) -> [Double] {
        (0..<n).map { f(element(a, $0), element(b, $0)) }
    }

    private func unary(_ op: UnaryOp, _ x: Double) -> Double {
        let f = Float(x)
        switch op {
        case .negate: return -x
        case .exp: return Double(Foundation.exp(f))
        case .log: return Double(Foundation.log(f))
        case .sqrt: return Double(f.squareRoot())
        case .rsqrt: return Double(1 / f.squareRoot())
        case .tanh: return Double(Foundation.tanh(f))
        case .erf: return Double(Foundation.erf(f))
        case .sigmoid: return Double(1 / (1 + Foundation.exp(-f)))
        case .abs: return Swift.abs(x)
        case .logicalNot: return x != 0 ? 0 : 1
        }
    }

    private func binary(_ op: BinaryOp, _ a: Double, _ b: Double, _ dtype: DType) -> Double {
        let isInt = dtype == .int32
        switch op {
        case .add: return isInt ? a + b : Double(Float(a) + Float(b))
        case .subtract: return isInt ? a - b : Double(Float(a) - Float(b))
        case .multiply: return isInt ? Double(Int64(a) &* Int64(b)) : Double(Float(a) * Float(b))
        case .divide:
            if isInt { return b == 0 ? 0 : Double(Int64(a) / Int64(b)) }
            return Double(Float(a) / Float(b))
        case .maximum: return a.isNaN || b.isNaN ? .nan : Swift.max(a, b)
        case .minimum: return a.isNaN || b.isNaN ? .nan : Swift.min(a, b)
        case .pow: return Double(Foundation.pow(Float(a), Float(b)))
        case .remainder: return b == 0 ? 0 : Double(Int64(a) % Int64(b))
        case .logicalAnd: return a != 0 && b != 0 ? 1 : 0
        case .logicalOr: return a != 0 || b != 0 ? 1 : 0
        }
    }

    private func compare(_ op: CompareOp, _ a: Double, _ b: Double) -> Bool {
        switch op {
        case .less: return a < b
        case .lessEqual: return a <= b
        case .greater: return a > b
        case .greaterEqual: return a >= b
        case .equal: return a == b
        case .notEqual: return a != b
        }
    }

    private func broadcast(_ a: ValueID, to shape: [Int]) -> [Double] {
        let src = ir.type(a).shape
        let padded = [Int](repeating: 1, count: shape.count - src.count) + src
        let ss = blockStrides(padded), ds = blockStrides(shape)
        let n = shape.reduce(1, *)
        return (0..<n).map { e in
            var off = 0
            for d in shape.indices where padded[d] != 1 { off += ((e / ds[d]) % shape[d]) * ss[d] }
            return values[a][off]
        }
    }

    private func reduce(_ op: ReduceOp, _ a: ValueID, axis: Int, dtype: DType) -> [Double] {
        let s = ir.type(a).shape
        let outer = s[..<axis].reduce(1, *), n = s[axis], inner = s[(axis + 1)...].reduce(1, *)
        var out = [Double](repeating: 0, count: outer * inner)
        for o in 0..<outer {
            for i in 0..<inner {
                var acc: Double = op == .sum ? 0 : (op == .max ? -.infinity : .infinity)
                for k in 0..<n {
                    let x = values[a][(o * n + k) * inner + i]
                    switch op {
                    case .sum: acc += x
                    case .max: acc = x.isNaN || acc.isNaN ? .nan : Swift.max(acc, x)
                    case .min: acc = x.isNaN || acc.isNaN ? .nan : Swift.min(acc, x)
                    }
                }
                out[o * inner + i] = rounded(acc, dtype)
            }
        }
        return out
    }

    private func dot(_ a: ValueID, _ b: ValueID, transposeB: Bool, dtype: DType) -> [Double] {
        let sa = ir.type(a).shape, sb = ir.type(b).shape
        let m = sa[0], k = sa[1], n = transposeB ? sb[0] : sb[1]
        var out = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var acc = 0.0
                for p in 0..<k { acc += values[a][i * k + p] * values[b][transposeB ? j * k + p : p * n + j] }
                out[i * n + j] = rounded(acc, dtype)
            }
        }
        return out
    }

    /// Calls `body(local, global)` for each element of the access that is in bounds and unmasked;
    /// throws for an unmasked element outside the array.
    private func forEachElement(_ access: Access, _ body: (Int, Int) -> Void) throws {
        let ref = ir.ref(access.ref)
        let sizes = access.slices.map(\.size)
        let starts = access.slices.indices.map { scalar(access.slices[$0].start) + scalar(ref.origin[$0]) }
        let ls = blockStrides(sizes), gs = blockStrides(ref.arrayShape)
        for e in 0..<sizes.reduce(1, *) {
            if let m = access.mask, element(m, e) == 0 { continue }
            var g = 0, inside = true
            for d in sizes.indices {
                let p = starts[d] + (e / ls[d]) % sizes[d]
                if p < 0 || p >= ref.arrayShape[d] { inside = false }
                g += p * gs[d]
            }
            if !inside {
                if access.mask != nil { continue }
                throw KernelError.outOfBounds(kernel: ir.name, ref: ref.name,
                    message: "program \(programIDs) accesses a block at \(starts) of size \(sizes) in an array of shape \(ref.arrayShape) without a mask")
            }
            body(e, g)
        }
    }

    private mutating func load(_ access: Access, other: Double) throws -> [Double] {
        let n = access.slices.reduce(1) { $0 * $1.size }
        var out = [Double](repeating: rounded(other, ir.ref(access.ref).dtype), count: n)
        let src = arrays[access.ref]
        try forEachElement(access) { e, g in out[e] = src[g] }
        return out
    }

    private mutating func write(_ access: Access, _ v: ValueID, accumulate: Bool) throws {
        var dst = arrays[access.ref]
        arrays[access.ref] = []
        defer { arrays[access.ref] = dst }
        let dtype = ir.ref(access.ref).dtype
        let src = values[v]
        try forEachElement(access) { e, g in
            let x = src.count == 1 ? src[0] : src[e]
            dst[g] = accumulate ? rounded(dst[g] + x, dtype) : x
        }
    }
}
