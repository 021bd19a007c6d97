import QuireTensor

/// A kernel's view of one array: the block its program owns (inputs, outputs) or a per-program
/// scratch buffer. Subscripts read (load) and assign (store) parts of the block.
///
/// ```swift
/// out[...] = x[...] + y[...]                                 // whole blocks
/// let tile = k.load([ds(j * 64, 64), .all], mask: valid)     // masked, ragged edge
/// ```
public struct Ref {
    let tracer: Tracer
    let id: RefID

    var info: RefInfo { tracer.refs[id.index] }
    public var name: String { info.name }
    public var dtype: DType { info.dtype }
    public var blockShape: [Int] { info.blockShape }
    public var arrayShape: [Int] { info.arrayShape }

    /// The whole block.
    public subscript(_: UnboundedRange) -> KernelValue {
        get { load() }
        nonmutating set { store(newValue) }
    }

    /// Part of the block, one slice per axis.
    public subscript(_ slices: DSlice...) -> KernelValue {
        get { load(slices) }
        nonmutating set { store(newValue, at: slices) }
    }

    /// Reads part of the block. With a mask (a bool block of the slice's shape, or a scalar), only
    /// elements where it is true and that lie inside the array are read; the rest read `other`.
    public func load(_ slices: [DSlice]? = nil, mask: KernelValue? = nil, other: Double = 0) -> KernelValue {
        let access = tracer.access(self, slices, mask: mask, "load")
        let shape = access.slices.map(\.size)
        return tracer.emit(.load(access, other: other), BlockType(dtype: dtype, shape: shape))
    }

    /// Reads with only the array bounds as the mask (ragged edges read `other`).
    public func loadInBounds(_ slices: [DSlice]? = nil, other: Double = 0) -> KernelValue {
        load(slices, mask: tracer.constant(1, .bool), other: other)
    }

    /// Writes part of the block (masked like ``load(_:mask:other:)``; masked-off elements are untouched).
    public func store(_ value: KernelValue, at slices: [DSlice]? = nil, mask: KernelValue? = nil) {
        if info.role == .input { tracer.fail("ref '\(name)' is an input; only outputs and scratch refs can be written") }
        let access = tracer.access(self, slices, mask: mask, "store")
        let v = tracer.fitStored(value, access, self, "store")
        tracer.emitEffect(.store(access, value: v.id))
    }

    /// Writes with only the array bounds as the mask.
    public func storeInBounds(_ value: KernelValue, at slices: [DSlice]? = nil) {
        store(value, at: slices, mask: tracer.constant(1, .bool))
    }

    /// Adds into part of an output atomically, so programs may scatter into the same elements.
    public func atomicAdd(_ value: KernelValue, at slices: [DSlice]? = nil, mask: KernelValue? = nil) {
        if info.role != .output { tracer.fail("atomicAdd into '\(name)': only output refs accept atomic adds") }
        if dtype != .float32 && dtype != .int32 { tracer.fail("atomicAdd into '\(name)' of \(dtype): float32 or int32 only") }
        let access = tracer.access(self, slices, mask: mask, "atomicAdd")
        let v = tracer.fitStored(value, access, self, "atomicAdd")
        tracer.emitEffect(.atomicAdd(access, value: v.id))
    }

    /// The array coordinate of each element of the block along `axis` (int32, shape of the slice
    /// along that axis only), for building masks: `x.positions(axis: 0).isLess(than: n)`.
    public func positions(axis: Int, _ slice: DSlice = .all) -> KernelValue {
        let access = tracer.access(self, [DSlice](repeating: .all, count: axis) + [slice]
                                   + [DSlice](repeating: .all, count: Swift.max(0, blockShape.count - axis - 1)), mask: tracer.constant(1, .bool), "positions")
        guard axis < access.slices.count else { return tracer.constant(0, .int32) }
        let size = access.slices[axis].size
        var v = tracer.emit(.iota(axis: 0), BlockType(dtype: .int32, shape: [size]))
        v = v + tracer.operandValue(access.slices[axis].start)
        return v + tracer.operandValue(info.origin[axis])
    }
}

extension Tracer {
    func operandValue(_ o: Operand) -> KernelValue {
        switch o {
        case let .constant(c): return constant(Double(c), .int32)
        case let .value(v): return KernelValue(tracer: self, id: v)
        }
    }

    func indexOperand(_ x: any KernelIndex, _ what: String) -> Operand {
        if let c = x as? Int { return .constant(c) }
        return operand(x as! KernelValue, what)
    }

    /// Checks and builds an access: slices within the block, a mask of the right shape, and no
    /// unmasked access to a ref whose block does not divide its array.
    func access(_ ref: Ref, _ slices: [DSlice]?, mask: KernelValue?, _ what: String) -> Access {
        let info = ref.info
        let given = slices ?? [DSlice](repeating: .all, count: info.blockShape.count)
        let where_ = "\(what) of ref '\(info.name)' (array \(info.arrayShape), block \(info.blockShape))"
        guard given.count == info.blockShape.count else {
            fail("\(where_): \(given.count) slices for a rank-\(info.blockShape.count) block")
            return Access(ref: ref.id, slices: info.blockShape.map { AxisSlice(start: .constant(0), size: $0) }, mask: nil)
        }
        var out: [AxisSlice] = []
        for (axis, s) in given.enumerated() {
            let start = indexOperand(s.start, "\(where_): slice start on axis \(axis)")
            let size = s.size ?? info.blockShape[axis]
            if case let .constant(c) = start, c < 0 || c + size > info.blockShape[axis] {
                fail("\(where_): slice \(c)..<\(c + size) on axis \(axis) leaves the block of \(info.blockShape[axis])")
            }
            if size <= 0 { fail("\(where_): slice of size \(size) on axis \(axis)") }
            out.append(AxisSlice(start: start, size: size))
        }
        if let mask {
            let mt = type(mask.id)
            if mt.dtype != .bool { fail("\(where_): mask must be bool, got \(mt)") }
            if !mt.isScalar && mt.shape != out.map(\.size) { fail("\(where_): mask \(mt) does not match the slice shape \(out.map(\.size))") }
        } else if info.role != .scratch {
            for axis in info.arrayShape.indices where info.arrayShape[axis] % info.blockShape[axis] != 0 {
                fail("\(where_): block \(info.blockShape) does not divide array \(info.arrayShape) along axis \(axis); pass a mask (or use loadInBounds/storeInBounds) for the ragged edge")
                break
            }
        }
        return Access(ref: ref.id, slices: out, mask: mask?.id)
    }

    func fitStored(_ value: KernelValue, _ access: Access, _ ref: Ref, _ what: String) -> KernelValue {
        let t = type(value.id), shape = access.slices.map(\.size)
        if t.dtype != ref.dtype { fail("\(what) into ref '\(ref.name)' of \(ref.dtype): value is \(t) (cast it)") }
        if t.shape == shape { return value }
        return broadcast(value, to: shape, "\(what) into ref '\(ref.name)' (slice \(shape))")
    }
}
