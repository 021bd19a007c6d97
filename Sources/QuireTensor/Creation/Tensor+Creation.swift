extension Tensor {
    /// A tensor from row-major scalars and a shape (the shape defaults to one dimension).
    ///
    /// ```swift
    /// let m = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
    /// let v = Tensor([1, 2, 3] as [Int32])          // shape [3], int32
    /// ```
    public init<T: TensorScalar>(_ scalars: [T], shape: [Int]? = nil) {
        let shape = shape ?? [scalars.count]
        let n = shape.reduce(1, *)
        tensorCheck(n == scalars.count, "Tensor(_:shape:)",
                    "\(scalars.count) scalars do not fill shape \(shapeString(shape)) (\(n) elements)")
        self.init(uninitializedShape: shape, dtype: T.dtype)
        let p = pointer(T.self)
        scalars.withUnsafeBufferPointer { src in
            if let b = src.baseAddress { p.update(from: b, count: n) }
        }
    }

    /// A 2-D tensor from rows of equal length.
    ///
    /// ```swift
    /// let m = Tensor([[1, 2], [3, 4]] as [[Float]])   // shape [2, 2]
    /// ```
    public init<T: TensorScalar>(_ rows: [[T]]) {
        let cols = rows.first?.count ?? 0
        for (i, r) in rows.enumerated() {
            tensorCheck(r.count == cols, "Tensor(_ rows:)", "row \(i) has \(r.count) elements, row 0 has \(cols)")
        }
        self.init(rows.flatMap { $0 }, shape: [rows.count, cols])
    }

    /// A rank-0 tensor holding one value.
    ///
    /// ```swift
    /// Tensor(3.5 as Float).shape   // []
    /// ```
    public init<T: TensorScalar>(_ scalar: T) {
        self.init([scalar], shape: [])
    }

    /// A rank-0 tensor of `dtype` holding `value` (converted).
    public init(_ value: Double, dtype: DType) {
        self.init(uninitializedShape: [], dtype: dtype)
        writeScalar(value, to: rawPointer, elementOffset: 0, dtype: dtype)
    }

    /// All zeros.
    public static func zeros(_ shape: [Int], dtype: DType = .float32) -> Tensor {
        for d in shape { tensorCheck(d >= 0, "Tensor", "negative dimension in shape \(shapeString(shape))") }
        return Tensor(storage: TensorStorage(zeroedByteCount: shape.reduce(1, *) * dtype.byteSize), shape: shape,
                      strides: Tensor.contiguousStrides(shape), offset: 0, dtype: dtype)
    }

    /// All ones.
    public static func ones(_ shape: [Int], dtype: DType = .float32) -> Tensor {
        full(shape, 1, dtype: dtype)
    }

    /// Every element equal to `value`.
    ///
    /// ```swift
    /// Tensor.full([2, 2], 7, dtype: .int32)
    /// ```
    public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float32) -> Tensor {
        Tensor(value, dtype: dtype).broadcast(to: shape).copied()
    }

    /// A tensor of zeros with the shape and dtype of `other`.
    public static func zeros(like other: Tensor) -> Tensor { zeros(other.shape, dtype: other.dtype) }
    /// A tensor of ones with the shape and dtype of `other`.
    public static func ones(like other: Tensor) -> Tensor { ones(other.shape, dtype: other.dtype) }

    /// Evenly spaced values in `[start, end)` stepping by `step`, as in NumPy.
    ///
    /// ```swift
    /// Tensor.arange(0, 1, step: 0.25)   // [0, 0.25, 0.5, 0.75]
    /// Tensor.arange(5, dtype: .int32)   // [0, 1, 2, 3, 4]
    /// ```
    public static func arange(_ start: Double, _ end: Double, step: Double = 1,
                              dtype: DType = .float32) -> Tensor {
        tensorCheck(step != 0, "arange", "step must not be zero")
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        var t = Tensor(uninitializedShape: [n], dtype: dtype)
        let p = t.rawPointer
        for i in 0..<n { writeScalar(start + Double(i) * step, to: p, elementOffset: i, dtype: dtype) }
        t.shape = [n]
        return t
    }

    /// `0, 1, …, end - 1`.
    public static func arange(_ end: Int, dtype: DType = .float32) -> Tensor {
        arange(0, Double(end), step: 1, dtype: dtype)
    }

    /// `count` evenly spaced values from `start` to `end` inclusive.
    ///
    /// ```swift
    /// Tensor.linspace(0, 1, count: 5)   // [0, 0.25, 0.5, 0.75, 1]
    /// ```
    public static func linspace(_ start: Double, _ end: Double, count: Int, dtype: DType = .float32) -> Tensor {
        tensorCheck(count >= 0, "linspace", "count must be non-negative, got \(count)")
        let t = Tensor(uninitializedShape: [count], dtype: dtype)
        let p = t.rawPointer
        let step = count > 1 ? (end - start) / Double(count - 1) : 0
        for i in 0..<count {
            let v = i == count - 1 && count > 1 ? end : start + Double(i) * step
            writeScalar(v, to: p, elementOffset: i, dtype: dtype)
        }
        return t
    }

    /// The `n × m` matrix with ones on the diagonal shifted by `k` (columns `m` default to `n`).
    ///
    /// ```swift
    /// Tensor.eye(3)   // 3×3 identity
    /// ```
    public static func eye(_ n: Int, _ m: Int? = nil, k: Int = 0, dtype: DType = .float32) -> Tensor {
        let m = m ?? n
        let t = zeros([n, m], dtype: dtype)
        let p = t.rawPointer
        for i in 0..<n where i + k >= 0 && i + k < m {
            writeScalar(1, to: p, elementOffset: i * m + i + k, dtype: dtype)
        }
        return t
    }
}
