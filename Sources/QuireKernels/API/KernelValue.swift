import QuireTensor

/// A block (or scalar) inside a kernel body: a traced value with a dtype and a static block shape.
///
/// Arithmetic runs on float32 and int32 values (cast narrow types first); comparisons give bool blocks
/// for masks and `select`. A scalar combines with any block; two blocks combine when their shapes
/// broadcast (NumPy rules).
///
/// ```swift
/// let s = q.dot(k, transposeB: true) * 0.125       // [bq, bk] float32
/// let m = s.max(axis: 1)                             // [bq]
/// let p = (s - m.reshaped([bq, 1])).exp()
/// ```
public struct KernelValue {
    let tracer: Tracer
    let id: ValueID

    /// The element type.
    public var dtype: DType { tracer.type(id).dtype }
    /// The block shape (`[]` for a scalar).
    public var shape: [Int] { tracer.type(id).shape }

    // MARK: elementwise

    func binary(_ op: BinaryOp, _ other: KernelValue) -> KernelValue {
        let (a, b) = tracer.unify(self, other, op.rawValue)
        let t = tracer.type(a.id)
        let allowed: Bool
        switch op {
        case .logicalAnd, .logicalOr: allowed = t.dtype == .bool
        case .remainder: allowed = t.dtype == .int32
        case .pow: allowed = t.dtype == .float32
        default: allowed = t.dtype == .float32 || t.dtype == .int32
        }
        if !allowed { tracer.fail("\(op.rawValue) is not defined on \(t.dtype) values (cast to float32 or int32 first)") }
        let shape = tracer.type(a.id).isScalar ? tracer.type(b.id).shape : t.shape
        return tracer.emit(.binary(op, a.id, b.id), BlockType(dtype: t.dtype, shape: shape))
    }

    func compare(_ op: CompareOp, _ other: KernelValue) -> KernelValue {
        let (a, b) = tracer.unify(self, other, op.rawValue)
        let shape = tracer.type(a.id).isScalar ? tracer.type(b.id).shape : tracer.type(a.id).shape
        return tracer.emit(.compare(op, a.id, b.id), BlockType(dtype: .bool, shape: shape))
    }

    func unary(_ op: UnaryOp) -> KernelValue {
        let t = tracer.type(id)
        let float: Bool = t.dtype == .float32
        let ok: Bool
        switch op {
        case .logicalNot: ok = t.dtype == .bool
        case .negate, .abs: ok = float || t.dtype == .int32
        default: ok = float
        }
        if !ok { tracer.fail("\(op.rawValue) is not defined on \(t) values") }
        return tracer.emit(.unary(op, id), t)
    }

    func scalar(_ x: Double) -> KernelValue { tracer.constant(x, dtype == .bool ? .float32 : dtype) }

    public func exp() -> KernelValue { unary(.exp) }
    public func log() -> KernelValue { unary(.log) }
    public func sqrt() -> KernelValue { unary(.sqrt) }
    public func rsqrt() -> KernelValue { unary(.rsqrt) }
    /// Hyperbolic tangent; the compiled backend evaluates it through its vectorized exp (not libm's
    /// scalar `tanhf`), so a tanh-form GELU runs as fast as an exp-form one.
    public func tanh() -> KernelValue { unary(.tanh) }
    /// The error function (float32), as `erf(x / √2)` in the exact GELU.
    ///
    /// ```swift
    /// let gelu = x * 0.5 * ((x * 0.7071067811865476).erf() + 1)
    /// ```
    public func erf() -> KernelValue { unary(.erf) }
    /// `1 / (1 + exp(−x))` (float32).
    public func sigmoid() -> KernelValue { unary(.sigmoid) }
    /// `self` raised to `exponent` elementwise (float32), as C's `powf`.
    public func pow(_ exponent: KernelValue) -> KernelValue { binary(.pow, exponent) }
    /// `self` raised to a constant `exponent` elementwise (float32).
    ///
    /// ```swift
    /// let cube = x.pow(3)
    /// ```
    public func pow(_ exponent: Double) -> KernelValue { binary(.pow, scalar(exponent)) }
    public func abs() -> KernelValue { unary(.abs) }
    public func maximum(_ other: KernelValue) -> KernelValue { binary(.maximum, other) }
    public func minimum(_ other: KernelValue) -> KernelValue { binary(.minimum, other) }
    public func maximum(_ other: Double) -> KernelValue { binary(.maximum, scalar(other)) }
    public func minimum(_ other: Double) -> KernelValue { binary(.minimum, scalar(other)) }
    /// Integer remainder (int32, sign of the dividend, as C).
    public func remainder(_ other: KernelValue) -> KernelValue { binary(.remainder, other) }
    public func remainder(_ other: Int) -> KernelValue { binary(.remainder, scalar(Double(other))) }

    public func isLess(than other: KernelValue) -> KernelValue { compare(.less, other) }
    public func isLess(than other: Double) -> KernelValue { compare(.less, scalar(other)) }
    public func isLessEqual(_ other: KernelValue) -> KernelValue { compare(.lessEqual, other) }
    public func isLessEqual(_ other: Double) -> KernelValue { compare(.lessEqual, scalar(other)) }
    public func isGreater(than other: KernelValue) -> KernelValue { compare(.greater, other) }
    public func isGreater(than other: Double) -> KernelValue { compare(.greater, scalar(other)) }
    public func isGreaterEqual(_ other: KernelValue) -> KernelValue { compare(.greaterEqual, other) }
    public func isGreaterEqual(_ other: Double) -> KernelValue { compare(.greaterEqual, scalar(other)) }
    public func isEqual(to other: KernelValue) -> KernelValue { compare(.equal, other) }
    public func isEqual(to other: Double) -> KernelValue { compare(.equal, scalar(other)) }
    public func and(_ other: KernelValue) -> KernelValue { binary(.logicalAnd, other) }
    public func or(_ other: KernelValue) -> KernelValue { binary(.logicalOr, other) }
    public func not() -> KernelValue { unary(.logicalNot) }

    /// `self ? a : b` elementwise; `self` is a bool block (or scalar).
    public func select(_ a: KernelValue, _ b: KernelValue) -> KernelValue {
        if dtype != .bool { tracer.fail("select needs a bool condition, got \(tracer.type(id))") }
        let (x, y) = tracer.unify(a, b, "select")
        let valueShape = tracer.type(x.id).isScalar ? tracer.type(y.id).shape : tracer.type(x.id).shape
        guard let shape = tracer.broadcastShape(self.shape, valueShape) else {
            tracer.fail("select: condition \(tracer.type(id)) and values \(valueShape) do not broadcast")
            return a
        }
        func fit(_ v: KernelValue) -> KernelValue { v.shape.isEmpty ? v : tracer.broadcast(v, to: shape, "select") }
        let op = Op.select(fit(self).id, fit(x).id, fit(y).id)
        return tracer.emit(op, BlockType(dtype: tracer.type(x.id).dtype, shape: shape))
    }
    /// `self ? a : b` with a constant for the false side.
    public func select(_ a: KernelValue, _ b: Double) -> KernelValue { select(a, a.scalar(b)) }

    // MARK: shape

    /// The value broadcast to `shape` (NumPy rules).
    public func broadcast(to shape: [Int]) -> KernelValue { tracer.broadcast(self, to: shape, "broadcast") }

    /// The same elements in a new shape of the same size.
    public func reshaped(_ shape: [Int]) -> KernelValue {
        let t = tracer.type(id)
        if shape.reduce(1, *) != t.count { tracer.fail("reshape of \(t) to \(shape): element counts differ") }
        return tracer.emit(.reshape(id), BlockType(dtype: t.dtype, shape: shape))
    }

    /// The transpose of a 2-D block.
    public func transposed() -> KernelValue {
        let t = tracer.type(id)
        if t.shape.count != 2 { tracer.fail("transposed() needs a 2-D block, got \(t)"); return self }
        return tracer.emit(.transpose(id), BlockType(dtype: t.dtype, shape: [t.shape[1], t.shape[0]]))
    }

    /// The elements converted to `dtype` (float to int truncates toward zero and saturates).
    public func cast(to dtype: DType) -> KernelValue {
        let t = tracer.type(id)
        let supported: Set<DType> = [.float32, .float16, .bfloat16, .int32, .int8, .bool]
        if !supported.contains(dtype) { tracer.fail("cast to \(dtype) is not supported in kernels") }
        return tracer.emit(.cast(id), BlockType(dtype: dtype, shape: t.shape))
    }

    // MARK: reductions

    func reduce(_ op: ReduceOp, axis: Int) -> KernelValue {
        let t = tracer.type(id)
        guard axis >= 0 && axis < t.shape.count else {
            tracer.fail("\(op.rawValue)(axis: \(axis)) on a block of shape \(t.shape)")
            return self
        }
        if t.dtype != .float32 && t.dtype != .int32 { tracer.fail("\(op.rawValue) on \(t.dtype) values (cast first)") }
        var shape = t.shape
        shape.remove(at: axis)
        return tracer.emit(.reduce(op, id, axis: axis), BlockType(dtype: t.dtype, shape: shape))
    }

    /// Sum over one block axis (the axis is removed).
    public func sum(axis: Int) -> KernelValue { reduce(.sum, axis: axis) }
    /// Maximum over one block axis.
    public func max(axis: Int) -> KernelValue { reduce(.max, axis: axis) }
    /// Minimum over one block axis.
    public func min(axis: Int) -> KernelValue { reduce(.min, axis: axis) }

    // MARK: matrix product

    /// `self · other` for 2-D blocks (`other` given as [N, K] when `transposeB`). float32, float16 and
    /// bfloat16 inputs accumulate in float32; int8 and int32 in int32.
    public func dot(_ other: KernelValue, transposeB: Bool = false) -> KernelValue {
        let a = tracer.type(id), b = tracer.type(other.id)
        guard a.shape.count == 2, b.shape.count == 2 else {
            tracer.fail("dot needs 2-D blocks, got \(a) and \(b)")
            return self
        }
        let k2 = transposeB ? b.shape[1] : b.shape[0]
        let n = transposeB ? b.shape[0] : b.shape[1]
        if a.shape[1] != k2 { tracer.fail("dot of \(a) and \(b)\(transposeB ? "ᵀ" : ""): inner dimensions \(a.shape[1]) and \(k2) differ") }
        if a.dtype != b.dtype { tracer.fail("dot of \(a) and \(b): dtypes differ") }
        let acc: DType
        switch a.dtype {
        case .float32, .float16, .bfloat16: acc = .float32
        case .int8, .int32: acc = .int32
        default: tracer.fail("dot on \(a.dtype) blocks"); acc = .float32
        }
        return tracer.emit(.dot(id, other.id, transposeB: transposeB), BlockType(dtype: acc, shape: [a.shape[0], n]))
    }
}

extension Tracer {
    /// Makes two operands combinable: same dtype, and same shape unless one is a scalar.
    func unify(_ a: KernelValue, _ b: KernelValue, _ what: String) -> (KernelValue, KernelValue) {
        let ta = type(a.id), tb = type(b.id)
        if ta.dtype != tb.dtype { fail("\(what) of \(ta) and \(tb): dtypes differ (cast one side)") }
        if ta.shape == tb.shape || ta.isScalar || tb.isScalar { return (a, b) }
        guard let shape = broadcastShape(ta.shape, tb.shape) else {
            fail("\(what) of \(ta) and \(tb): shapes do not broadcast")
            return (a, a)
        }
        return (broadcast(a, to: shape, what), broadcast(b, to: shape, what))
    }

    func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let r = Swift.max(a.count, b.count)
        let pa = [Int](repeating: 1, count: r - a.count) + a
        let pb = [Int](repeating: 1, count: r - b.count) + b
        var out: [Int] = []
        for (x, y) in zip(pa, pb) {
            if x == y || y == 1 { out.append(x) } else if x == 1 { out.append(y) } else { return nil }
        }
        return out
    }

    func broadcast(_ v: KernelValue, to shape: [Int], _ what: String) -> KernelValue {
        let t = type(v.id)
        if t.shape == shape { return v }
        if broadcastShape(t.shape, shape) != shape { fail("\(what): cannot broadcast \(t) to \(shape)") }
        return emit(.broadcast(v.id), BlockType(dtype: t.dtype, shape: shape))
    }
}

// A few typed operators; each side may be a value or a Double constant (given the value's dtype).
extension KernelValue {
    public static func + (a: KernelValue, b: KernelValue) -> KernelValue { a.binary(.add, b) }
    public static func - (a: KernelValue, b: KernelValue) -> KernelValue { a.binary(.subtract, b) }
    public static func * (a: KernelValue, b: KernelValue) -> KernelValue { a.binary(.multiply, b) }
    public static func / (a: KernelValue, b: KernelValue) -> KernelValue { a.binary(.divide, b) }
    public static func + (a: KernelValue, b: Double) -> KernelValue { a.binary(.add, a.scalar(b)) }
    public static func - (a: KernelValue, b: Double) -> KernelValue { a.binary(.subtract, a.scalar(b)) }
    public static func * (a: KernelValue, b: Double) -> KernelValue { a.binary(.multiply, a.scalar(b)) }
    public static func / (a: KernelValue, b: Double) -> KernelValue { a.binary(.divide, a.scalar(b)) }
    public static func + (a: Double, b: KernelValue) -> KernelValue { b.scalar(a).binary(.add, b) }
    public static func - (a: Double, b: KernelValue) -> KernelValue { b.scalar(a).binary(.subtract, b) }
    public static func * (a: Double, b: KernelValue) -> KernelValue { b.scalar(a).binary(.multiply, b) }
    public static func / (a: Double, b: KernelValue) -> KernelValue { b.scalar(a).binary(.divide, b) }
    public static prefix func - (a: KernelValue) -> KernelValue { a.unary(.negate) }
}
