// The machinery shared by every elementwise op: dtype promotion, broadcasting, a per-dtype kernel
// protocol that the compiler specializes (so the inner loops vectorize), and threading.

/// A binary scalar function, given for each compute dtype.
protocol BinaryKernel {
    static func apply(_ a: Float, _ b: Float) -> Float
    static func apply(_ a: Double, _ b: Double) -> Double
    /// Integer form; `nil` means the op promotes integers to float32 (true division, pow).
    static func apply(_ a: Int32, _ b: Int32) -> Int32?
    static var integerSupported: Bool { get }
    /// The autodiff primitive this kernel records (nil: not differentiable).
    static var primitive: Primitive? { get }
}

/// A unary scalar function, given for each compute dtype.
protocol UnaryKernel {
    static func apply(_ x: Float) -> Float
    static func apply(_ x: Double) -> Double
    static func apply(_ x: Int32) -> Int32
    /// False for transcendental functions: integer inputs are promoted to float32.
    static var integerSupported: Bool { get }
    /// The autodiff primitive this kernel records (nil: not differentiable).
    static var primitive: Primitive? { get }
}

extension BinaryKernel { static var primitive: Primitive? { nil } }
extension UnaryKernel { static var primitive: Primitive? { nil } }

/// A comparison producing bool.
protocol CompareKernel {
    static func apply(_ a: Float, _ b: Float) -> Bool
    static func apply(_ a: Double, _ b: Double) -> Bool
    static func apply(_ a: Int32, _ b: Int32) -> Bool
}

/// The three types arithmetic runs in. Calling kernels through these generic hooks (instead of
/// through closures) lets the compiler specialize and vectorize every inner loop.
protocol ComputeScalar: TensorScalar {
    static func binary<K: BinaryKernel>(_: K.Type, _ a: Self, _ b: Self) -> Self
    static func unary<K: UnaryKernel>(_: K.Type, _ x: Self) -> Self
    static func compare<K: CompareKernel>(_: K.Type, _ a: Self, _ b: Self) -> Bool
}

extension Float: ComputeScalar {
    @inline(__always) static func binary<K: BinaryKernel>(_: K.Type, _ a: Float, _ b: Float) -> Float { K.apply(a, b) }
    @inline(__always) static func unary<K: UnaryKernel>(_: K.Type, _ x: Float) -> Float { K.apply(x) }
    @inline(__always) static func compare<K: CompareKernel>(_: K.Type, _ a: Float, _ b: Float) -> Bool { K.apply(a, b) }
}

extension Double: ComputeScalar {
    @inline(__always) static func binary<K: BinaryKernel>(_: K.Type, _ a: Double, _ b: Double) -> Double { K.apply(a, b) }
    @inline(__always) static func unary<K: UnaryKernel>(_: K.Type, _ x: Double) -> Double { K.apply(x) }
    @inline(__always) static func compare<K: CompareKernel>(_: K.Type, _ a: Double, _ b: Double) -> Bool { K.apply(a, b) }
}

extension Int32: ComputeScalar {
    @inline(__always) static func binary<K: BinaryKernel>(_: K.Type, _ a: Int32, _ b: Int32) -> Int32 { K.apply(a, b) ?? 0 }
    @inline(__always) static func unary<K: UnaryKernel>(_: K.Type, _ x: Int32) -> Int32 { K.apply(x) }
    @inline(__always) static func compare<K: CompareKernel>(_: K.Type, _ a: Int32, _ b: Int32) -> Bool { K.apply(a, b) }
}

extension Tensor {
    /// A rank-0 tensor for a Swift scalar beside `self`, weakly typed: it takes `self`'s dtype unless
    /// a float scalar meets an integer or bool tensor (then float32) or an integer meets bool (int32).
    func weakScalar(_ s: some ScalarOperand) -> Tensor {
        let t: DType
        if dtype.isFloatingPoint {
            t = dtype
        } else if s.isIntegral {
            t = dtype == .bool ? .int32 : dtype
        } else {
            t = .float32
        }
        return Tensor(s.operandValue, dtype: t)
    }

    static func resultShape(_ a: Tensor, _ b: Tensor, op: String) -> [Int] {
        checked { try broadcastShape(a.shape, b.shape, op: op) }
    }

    /// Applies a binary kernel with broadcasting and promotion.
    static func binary<K: BinaryKernel>(_ k: K.Type, _ a: Tensor, _ b: Tensor, op: String) -> Tensor {
        if _slowPath(a.traceTag != 0 || b.traceTag != 0) {
            return traced(K.primitive, [a, b]) { binary(K.self, a.detached, b.detached, op: op) }
        }
        let shape = resultShape(a, b, op: op)
        var result = DType.promoted(a.dtype, b.dtype)
        if !result.isFloatingPoint && !K.integerSupported { result = .float32 }
        let compute = result.computeType
        let x = a.cast(to: compute).broadcast(to: shape)
        let y = b.cast(to: compute).broadcast(to: shape)
        let out = Tensor(uninitializedShape: shape, dtype: compute)
        let loop = StridedLoop(shape: shape, strides: [out.strides, x.strides, y.strides])
        switch compute {
        case .float32: binaryLoop(K.self, loop, out, x, y, Float.self)
        case .float64: binaryLoop(K.self, loop, out, x, y, Double.self)
        default: binaryLoop(K.self, loop, out, x, y, Int32.self)
        }
        return out.cast(to: result)
    }

    @inline(__always)
    private static func binaryLoop<K: BinaryKernel, T: ComputeScalar>(
        _: K.Type, _ loop: StridedLoop, _ out: Tensor, _ x: Tensor, _ y: Tensor, _: T.Type
    ) {
        let po = out.pointer(T.self), px = x.pointer(T.self), py = y.pointer(T.self)
        let s = loop.innerStrides
        let (sx, sy) = (s[1], s[2])
        loop.run { offs, n in
            let o = po + offs[0], a = px + offs[1], b = py + offs[2]
            if sx == 1 && sy == 1 {
                for i in 0..<n { o[i] = T.binary(K.self, a[i], b[i]) }
            } else if sx == 1 && sy == 0 {
                let c = b[0]
                for i in 0..<n { o[i] = T.binary(K.self, a[i], c) }
            } else if sx == 0 && sy == 1 {
                let c = a[0]
                for i in 0..<n { o[i] = T.binary(K.self, c, b[i]) }
            } else {
                for i in 0..<n { o[i] = T.binary(K.self, a[i &* sx], b[i &* sy]) }
            }
        }
    }

    /// Applies a unary kernel; float dtypes are kept, integers kept or promoted per the kernel.
    func unary<K: UnaryKernel>(_ k: K.Type) -> Tensor {
        if _slowPath(traceTag != 0) { return Tensor.traced(K.primitive, [self]) { detached.unary(K.self) } }
        var result = dtype
        if !dtype.isFloatingPoint && !K.integerSupported { result = .float32 }
        if dtype == .bool && K.integerSupported { result = .int32 }
        let compute = result.computeType
        let x = cast(to: compute)
        let out = Tensor(uninitializedShape: shape, dtype: compute)
        let loop = StridedLoop(shape: shape, strides: [out.strides, x.strides])
        switch compute {
        case .float32: Tensor.unaryLoop(K.self, loop, out, x, Float.self)
        case .float64: Tensor.unaryLoop(K.self, loop, out, x, Double.self)
        default: Tensor.unaryLoop(K.self, loop, out, x, Int32.self)
        }
        return out.cast(to: result)
    }

    @inline(__always)
    private static func unaryLoop<K: UnaryKernel, T: ComputeScalar>(
        _: K.Type, _ loop: StridedLoop, _ out: Tensor, _ x: Tensor, _: T.Type
    ) {
        let po = out.pointer(T.self), px = x.pointer(T.self)
        let sx = loop.innerStrides[1]
        loop.run(minimumChunk: 1 << 15) { offs, n in
            let o = po + offs[0], a = px + offs[1]
            if sx == 1 {
                for i in 0..<n { o[i] = T.unary(K.self, a[i]) }
            } else {
                for i in 0..<n { o[i] = T.unary(K.self, a[i &* sx]) }
            }
        }
    }

    /// Applies a comparison with broadcasting; the result is bool.
    static func compare<K: CompareKernel>(_ k: K.Type, _ a: Tensor, _ b: Tensor, op: String) -> Tensor {
        if _slowPath(a.traceTag != 0 || b.traceTag != 0) {
            return traced(.compare(op), [a, b]) { compare(K.self, a.detached, b.detached, op: op) }
        }
        let shape = resultShape(a, b, op: op)
        let compute = DType.promoted(a.dtype, b.dtype).computeType
        let x = a.cast(to: compute).broadcast(to: shape)
        let y = b.cast(to: compute).broadcast(to: shape)
        let out = Tensor(uninitializedShape: shape, dtype: .bool)
        let loop = StridedLoop(shape: shape, strides: [out.strides, x.strides, y.strides])
        switch compute {
        case .float32: compareLoop(K.self, loop, out, x, y, Float.self)
        case .float64: compareLoop(K.self, loop, out, x, y, Double.self)
        default: compareLoop(K.self, loop, out, x, y, Int32.self)
        }
        return out
    }

    @inline(__always)
    private static func compareLoop<K: CompareKernel, T: ComputeScalar>(
        _: K.Type, _ loop: StridedLoop, _ out: Tensor, _ x: Tensor, _ y: Tensor, _: T.Type
    ) {
        let po = out.pointer(Bool.self), px = x.pointer(T.self), py = y.pointer(T.self)
        let s = loop.innerStrides
        let (sx, sy) = (s[1], s[2])
        loop.run { offs, n in
            let o = po + offs[0], a = px + offs[1], b = py + offs[2]
            for i in 0..<n { o[i] = T.compare(K.self, a[i &* sx], b[i &* sy]) }
        }
    }
}
