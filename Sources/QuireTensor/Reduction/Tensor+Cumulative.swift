// Cumulative sums. Float running totals are kept in Double and rounded once per element, so long
// scans do not drift; integers and bools accumulate in int32 (wrapping).

extension Tensor {
    /// Running sum along `axis`: element `i` is the sum of elements `0...i`. Same shape; float
    /// dtypes are kept (float16/bfloat16 computed in float32), integers and bools give int32.
    ///
    /// ```swift
    /// Tensor([[1, 2, 3], [4, 5, 6]] as [[Float]]).cumsum(axis: 1)   // [[1, 3, 6], [4, 9, 15]]
    /// ```
    public func cumsum(axis: Int) -> Tensor {
        tensorCheck(rank > 0, "cumsum", "needs at least one dimension, got a rank-0 tensor")
        let ax = normalizedAxis(axis, rank: rank, op: "cumsum")
        if _slowPath(traceTag != 0) { return Tensor.traced(.cumsum(axis: ax), [self]) { detached.cumsum(axis: ax) } }
        switch dtype {
        case .float32: return scan(axis: ax, Float.self)
        case .float64: return scan(axis: ax, Double.self)
        case .float16, .bfloat16: return cast(to: .float32).scan(axis: ax, Float.self).cast(to: dtype)
        default: return cast(to: .int32).scanInt(axis: ax)
        }
    }

    /// The [outer, n, inner] view of a contiguous copy around `axis`.
    private func scanLayout(axis: Int) -> (outer: Int, n: Int, inner: Int) {
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        return (outer, shape[axis], inner)
    }

    private func scan<T: ReduceFloat>(axis: Int, _: T.Type) -> Tensor {
        let x = contiguous()
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        let (outer, n, inner) = scanLayout(axis: axis)
        guard out.scalarCount > 0 else { return out }
        let px = UnsafePointer(x.pointer(T.self)), po = out.pointer(T.self)
        let chunk = 1024, chunks = (inner + chunk - 1) / chunk
        Parallelism.forEachChunk(count: outer * chunks, minimumChunk: Swift.max(1, (1 << 15) / (n * Swift.min(inner, chunk)))) { range in
            let acc = UnsafeMutablePointer<Double>.allocate(capacity: Swift.min(inner, chunk))
            defer { acc.deallocate() }
            for item in range {
                let o = item / chunks, c = item % chunks
                let m = Swift.min(chunk, inner - c * chunk)
                let base = o * n * inner + c * chunk
                if m == 1 {
                    var t = 0.0
                    for i in 0..<n {
                        t += px[base + i * inner].doubleValue
                        po[base + i * inner] = T(converting: t)
                    }
                    continue
                }
                acc.initialize(repeating: 0, count: m)
                for i in 0..<n {
                    let s = px + base + i * inner, d = po + base + i * inner
                    for j in 0..<m {
                        acc[j] += s[j].doubleValue
                        d[j] = T(converting: acc[j])
                    }
                }
            }
        }
        return out
    }

    private func scanInt(axis: Int) -> Tensor {
        let x = contiguous()
        let out = Tensor(uninitializedShape: shape, dtype: .int32)
        let (outer, n, inner) = scanLayout(axis: axis)
        guard out.scalarCount > 0 else { return out }
        let px = UnsafePointer(x.pointer(Int32.self)), po = out.pointer(Int32.self)
        Parallelism.forEachChunk(count: outer, minimumChunk: Swift.max(1, (1 << 15) / (n * inner))) { range in
            for o in range {
                let base = o * n * inner
                for j in 0..<inner { po[base + j] = px[base + j] }
                for i in 1..<Swift.max(n, 1) {
                    let s = px + base + i * inner, d = po + base + i * inner, prev = d - inner
                    for j in 0..<inner { d[j] = prev[j] &+ s[j] }
                }
            }
        }
        return out
    }
}
