/// An n-dimensional array with a run-time shape and ``DType``, stored on the CPU.
///
/// `Tensor` is a value: copies are cheap (storage is shared) and a mutation copies first when the
/// storage is shared. Reshape, transpose, permute, slice and broadcast make strided views without
/// copying where the layout allows.
///
/// ```swift
/// let x = Tensor([[1, 2, 3], [4, 5, 6]] as [[Float]])
/// let y = (x * 2 + 1).sum(axes: [1])   // [15.0, 33.0]
/// print(y.shape, y.dtype)              // [2] float32
/// ```
public struct Tensor: Sendable {
    /// Extent of each dimension.
    public internal(set) var shape: [Int]
    /// Element strides of each dimension (0 for broadcast dimensions).
    public internal(set) var strides: [Int]
    /// Element offset of the first element inside `storage`.
    var offset: Int
    /// Element type.
    public internal(set) var dtype: DType
    var storage: TensorStorage
    /// Which trace node produced this tensor inside a differentiated function: the trace's serial in
    /// the high 32 bits, the node's index in the low ones; 0 when untraced. A plain integer, so copying a
    /// tensor costs no reference counting, and a tensor that outlives its trace is just a constant.
    var traceTag: UInt64 = 0

    /// A view over existing storage.
    init(storage: TensorStorage, shape: [Int], strides: [Int], offset: Int, dtype: DType) {
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.dtype = dtype
    }

    /// A new contiguous tensor with uninitialized contents (every element must be written).
    init(uninitializedShape shape: [Int], dtype: DType) {
        // Checked, so a shape whose strides would overflow stops with a message rather than a trap.
        let bytes = checked { try CheckedSize.byteCount(shape: shape, elementBytes: dtype.byteSize) }
        self.init(storage: TensorStorage(byteCount: bytes), shape: shape,
                  strides: Tensor.contiguousStrides(shape), offset: 0, dtype: dtype)
    }

    /// A new contiguous tensor whose elements `initializer` writes: every one of them, in row-major
    /// order (the memory starts uninitialized). For fused kernels outside the engine that would
    /// otherwise pay for a zero fill they overwrite.
    ///
    /// ```swift
    /// let squares = Tensor(unsafeUninitializedShape: [4], dtype: .float32) { (p: UnsafeMutableBufferPointer<Float>) in
    ///     for i in p.indices { p[i] = Float(i * i) }
    /// }
    /// ```
    public init<T: TensorScalar>(unsafeUninitializedShape shape: [Int], dtype: DType,
                                 initializingWith initializer: (UnsafeMutableBufferPointer<T>) throws -> Void) rethrows {
        tensorCheck(T.dtype == dtype, "Tensor(unsafeUninitializedShape:)", "dtype is \(dtype), initializer writes \(T.self)")
        self.init(uninitializedShape: shape, dtype: dtype)
        try initializer(UnsafeMutableBufferPointer(start: pointer(T.self), count: scalarCount))
    }

    /// Number of dimensions.
    public var rank: Int { shape.count }
    /// Number of elements.
    public var scalarCount: Int { shape.reduce(1, *) }

    /// Row-major strides for a shape.
    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = s
            s *= Swift.max(shape[i], 1)
        }
        return strides
    }

    /// True when the elements are laid out row-major without gaps (size-1 dimensions' strides ignored).
    public var isContiguous: Bool {
        if shape.contains(0) { return true }   // nothing to lay out
        var expected = 1
        for i in stride(from: rank - 1, through: 0, by: -1) where shape[i] != 1 {
            if strides[i] != expected { return false }
            expected *= shape[i]
        }
        return true
    }

    /// Pointer to the first element.
    var rawPointer: UnsafeMutableRawPointer {
        if _slowPath(traceTag != 0) { noteDirectAccess("reads") }
        return storage.base + offset * dtype.byteSize
    }

    /// Typed pointer to the first element; `T` must match the dtype.
    func pointer<T: TensorScalar>(_: T.Type) -> UnsafeMutablePointer<T> {
        precondition(T.dtype == dtype, "pointer(\(T.self)) on a \(dtype) tensor")
        return rawPointer.assumingMemoryBound(to: T.self)
    }

    /// A contiguous tensor with the same elements: `self` when already contiguous, else a copy.
    public func contiguous() -> Tensor {
        isContiguous ? self : copied()
    }

    /// A new contiguous tensor that shares no storage with `self`.
    public func copied() -> Tensor {
        if _slowPath(traceTag != 0) { return Tensor.traced(.identity, [self]) { detached.copied() } }
        var out = Tensor(uninitializedShape: shape, dtype: dtype)
        copyElements(from: self, into: &out)
        return out
    }

    /// Makes the storage uniquely owned and contiguous, copying when it is shared or strided.
    mutating func makeUniqueContiguous() {
        if !isKnownUniquelyReferenced(&storage) || !isContiguous || offset != 0
            || storage.byteCount != scalarCount * dtype.byteSize {
            self = copied()
        }
    }

    /// Calls `body` with a typed buffer over the elements in row-major order (copying if strided).
    public func withUnsafeBufferPointer<T: TensorScalar, R>(
        as type: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R
    ) rethrows -> R {
        let c = dtype == T.dtype ? contiguous() : cast(to: T.dtype)
        return try body(UnsafeBufferPointer(start: c.pointer(T.self), count: c.scalarCount))
    }

    /// Calls `body` with a mutable typed buffer over the elements in row-major order.
    /// `T` must match the dtype.
    public mutating func withUnsafeMutableBufferPointer<T: TensorScalar, R>(
        as type: T.Type, _ body: (UnsafeMutableBufferPointer<T>) throws -> R
    ) rethrows -> R {
        tensorCheck(T.dtype == dtype, "withUnsafeMutableBufferPointer", "tensor is \(dtype), asked for \(T.self)")
        if _slowPath(traceTag != 0) { noteDirectAccess("writes in place") }
        makeUniqueContiguous()
        traceTag = 0   // written in place: no longer the value its trace node computed
        return try body(UnsafeMutableBufferPointer(start: pointer(T.self), count: scalarCount))
    }

    /// The elements in row-major order, converted to `T`.
    ///
    /// ```swift
    /// Tensor.arange(3).scalars(as: Float.self)   // [0.0, 1.0, 2.0]
    /// ```
    public func scalars<T: TensorScalar>(as type: T.Type = Float.self) -> [T] {
        withUnsafeBufferPointer(as: T.self) { Array($0) }
    }

    /// The single element of a one-element tensor, converted to `T`.
    public func item<T: TensorScalar>(as type: T.Type = Float.self) -> T {
        tensorCheck(scalarCount == 1, "item", "tensor of shape \(shapeString(shape)) has \(scalarCount) elements, expected 1")
        return scalars(as: T.self)[0]
    }

    /// The element at a full index, as a Double (reads one element, no copy).
    public func scalarValue(at index: [Int]) -> Double {
        tensorCheck(index.count == rank, "scalarValue(at:)",
                    "index \(index) has \(index.count) components for a rank-\(rank) tensor of shape \(shapeString(shape))")
        var off = 0
        for (i, (ix, n)) in zip(index, shape).enumerated() {
            tensorCheck(ix >= -n && ix < n, "scalarValue(at:)", "index \(ix) out of range for axis \(i) of size \(n)")
            off += (ix < 0 ? ix + n : ix) * strides[i]
        }
        return readScalar(rawPointer, elementOffset: off, dtype: dtype)
    }
}

/// Reads one element of any dtype as a Double.
@inline(__always)
func readScalar(_ base: UnsafeMutableRawPointer, elementOffset i: Int, dtype: DType) -> Double {
    switch dtype {
    case .float32: return Double(base.assumingMemoryBound(to: Float.self)[i])
    case .float64: return base.assumingMemoryBound(to: Double.self)[i]
    case .float16: return Double(base.assumingMemoryBound(to: Float16.self)[i])
    case .bfloat16: return Double(Float(base.assumingMemoryBound(to: BFloat16.self)[i]))
    case .int32: return Double(base.assumingMemoryBound(to: Int32.self)[i])
    case .int8: return Double(base.assumingMemoryBound(to: Int8.self)[i])
    case .uint8: return Double(base.assumingMemoryBound(to: UInt8.self)[i])
    case .bool: return base.assumingMemoryBound(to: Bool.self)[i] ? 1 : 0
    }
}
