// Comparisons produce bool tensors. They use the pointwise operators of Swift's SIMD types
// (`.<`, `.==`, …), since `<` and `==` on tensors would have to return Bool.

infix operator .&& : LogicalConjunctionPrecedence
infix operator .|| : LogicalDisjunctionPrecedence

extension Tensor {
    public static func .== (a: Tensor, b: Tensor) -> Tensor { compare(EqualKernel.self, a, b, op: "equal") }
    public static func .!= (a: Tensor, b: Tensor) -> Tensor { compare(NotEqualKernel.self, a, b, op: "notEqual") }
    public static func .< (a: Tensor, b: Tensor) -> Tensor { compare(LessKernel.self, a, b, op: "less") }
    public static func .<= (a: Tensor, b: Tensor) -> Tensor { compare(LessEqualKernel.self, a, b, op: "lessEqual") }
    public static func .> (a: Tensor, b: Tensor) -> Tensor { compare(GreaterKernel.self, a, b, op: "greater") }
    public static func .>= (a: Tensor, b: Tensor) -> Tensor { compare(GreaterEqualKernel.self, a, b, op: "greaterEqual") }

    public static func .== (a: Tensor, b: some ScalarOperand) -> Tensor { a .== a.weakScalar(b) }
    public static func .!= (a: Tensor, b: some ScalarOperand) -> Tensor { a .!= a.weakScalar(b) }
    public static func .< (a: Tensor, b: some ScalarOperand) -> Tensor { a .< a.weakScalar(b) }
    public static func .<= (a: Tensor, b: some ScalarOperand) -> Tensor { a .<= a.weakScalar(b) }
    public static func .> (a: Tensor, b: some ScalarOperand) -> Tensor { a .> a.weakScalar(b) }
    public static func .>= (a: Tensor, b: some ScalarOperand) -> Tensor { a .>= a.weakScalar(b) }

    /// Elementwise logical and (non-zero is true), with broadcasting.
    public static func .&& (a: Tensor, b: Tensor) -> Tensor { compare(AndKernel.self, a, b, op: "logicalAnd") }
    /// Elementwise logical or (non-zero is true), with broadcasting.
    public static func .|| (a: Tensor, b: Tensor) -> Tensor { compare(OrKernel.self, a, b, op: "logicalOr") }
    /// Elementwise logical not.
    public static prefix func .! (a: Tensor) -> Tensor { a .== Tensor(0, dtype: a.dtype) }

    /// True where the element is neither infinite nor NaN (always true for integers).
    public func isFinite() -> Tensor {
        guard dtype.isFloatingPoint else { return Tensor.full(shape, 1, dtype: .bool) }
        if _slowPath(traceTag != 0) { return Tensor.traced(.isFinite, [self]) { detached.isFinite() } }
        let x = cast(to: dtype.computeType)
        let out = Tensor(uninitializedShape: shape, dtype: .bool)
        let loop = StridedLoop(shape: shape, strides: [out.strides, x.strides])
        let po = out.pointer(Bool.self), sx = loop.innerStrides[1]
        if x.dtype == .float64 {
            let px = x.pointer(Double.self)
            loop.run { offs, n in for i in 0..<n { po[offs[0] + i] = px[offs[1] + i &* sx].isFinite } }
        } else {
            let px = x.pointer(Float.self)
            loop.run { offs, n in for i in 0..<n { po[offs[0] + i] = px[offs[1] + i &* sx].isFinite } }
        }
        return out
    }

    /// Picks from `a` where `condition` is true (non-zero) and from `b` elsewhere, all broadcast
    /// together; the result has `a` and `b`'s promoted dtype.
    ///
    /// ```swift
    /// Tensor.where(x .> 0, x, x * 0.01)   // leaky ReLU
    /// ```
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        if _slowPath(condition.traceTag != 0 || a.traceTag != 0 || b.traceTag != 0) {
            return traced(.select, [condition, a, b]) { Tensor.where(condition.detached, a.detached, b.detached) }
        }
        let ab = resultShape(a, b, op: "where")
        let shape = resultShape(condition, Tensor(storage: a.storage, shape: ab, strides: ab.map { _ in 0 },
                                                  offset: 0, dtype: a.dtype), op: "where")
        let result = DType.promoted(a.dtype, b.dtype)
        let c = condition.cast(to: .bool).broadcast(to: shape)
        let x = a.cast(to: result).broadcast(to: shape)
        let y = b.cast(to: result).broadcast(to: shape)
        var out = Tensor(uninitializedShape: shape, dtype: result)
        let loop = StridedLoop(shape: shape, strides: [out.strides, c.strides, x.strides, y.strides])
        let size = result.byteSize
        let s = loop.innerStrides
        let po = out.rawPointer, pc = c.pointer(Bool.self), px = x.rawPointer, py = y.rawPointer
        func typed<T>(_: T.Type) {
            let o = po.assumingMemoryBound(to: T.self), a = px.assumingMemoryBound(to: T.self)
            let b = py.assumingMemoryBound(to: T.self)
            let (sc, sa, sb) = (s[1], s[2], s[3])
            loop.run { offs, n in
                let (oo, oc, oa, ob) = (offs[0], offs[1], offs[2], offs[3])
                for i in 0..<n { o[oo + i] = pc[oc + i &* sc] ? a[oa + i &* sa] : b[ob + i &* sb] }
            }
        }
        switch size {
        case 8: typed(UInt64.self)
        case 4: typed(UInt32.self)
        case 2: typed(UInt16.self)
        default: typed(UInt8.self)
        }
        out.dtype = result
        return out
    }
}
