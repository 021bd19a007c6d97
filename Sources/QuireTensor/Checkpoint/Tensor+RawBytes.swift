/// Raw byte access for file formats (safetensors, checkpoints): the elements in row-major order as the
/// machine stores them (little-endian on every platform Quire runs on).
extension Tensor {
    /// Calls `body` with the tensor's bytes in row-major order, without copying when the tensor is
    /// contiguous (a strided view is copied first).
    ///
    /// ```swift
    /// let n = Tensor.ones([2, 3]).withUnsafeRawBytes { $0.count }   // 24
    /// ```
    public func withUnsafeRawBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let c = contiguous()
        return try withExtendedLifetime(c) {
            try body(UnsafeRawBufferPointer(start: c.rawPointer, count: c.scalarCount * c.dtype.byteSize))
        }
    }

    /// A new contiguous tensor whose bytes `body` writes (every byte must be written; a `bool` byte must be
    /// 0 or 1). The storage is freshly allocated, so a reader can fill it straight from a file.
    ///
    /// ```swift
    /// let t = try Tensor(unsafeUninitializedShape: [2], dtype: .uint8) { $0.copyBytes(from: [7, 9]) }
    /// ```
    public init(unsafeUninitializedShape shape: [Int], dtype: DType,
                initializingWith body: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        self.init(uninitializedShape: shape, dtype: dtype)
        try body(UnsafeMutableRawBufferPointer(start: storage.base, count: scalarCount * dtype.byteSize))
    }
}
