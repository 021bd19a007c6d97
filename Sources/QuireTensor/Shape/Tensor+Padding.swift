#if canImport(Glibc)
import Glibc
#endif

// Growing a tensor: padded (constant, reflect, symmetric, edge, wrap) and tiled.

/// How ``Tensor/padded(_:mode:)`` fills the new elements.
///
/// ```swift
/// x.padded([(1, 1)], mode: .constant(0))   // [0, a, b, c, 0]
/// x.padded([(2, 2)], mode: .reflect)       // [c, b, a, b, c, b, a]
/// x.padded([(2, 2)], mode: .symmetric)     // [b, a, a, b, c, c, b]
/// x.padded([(2, 2)], mode: .edge)          // [a, a, a, b, c, c, c]
/// x.padded([(2, 2)], mode: .wrap)          // [b, c, a, b, c, a, b]
/// ```
public enum PaddingMode: Sendable, Equatable {
    /// Every new element equals the value (converted to the tensor's dtype).
    case constant(Double)
    /// Mirror without repeating the edge element (NumPy `reflect`, PyTorch `reflect`).
    case reflect
    /// Mirror repeating the edge element (NumPy `symmetric`).
    case symmetric
    /// Repeat the edge element (NumPy `edge`, PyTorch `replicate`).
    case edge
    /// Continue periodically from the other end (NumPy `wrap`, PyTorch `circular`).
    case wrap
}

extension PaddingMode {
    /// The source index for position `i` (which may lie outside `0..<n`) of an axis of size `n > 0`.
    func sourceIndex(_ i: Int, size n: Int) -> Int {
        func mod(_ a: Int, _ m: Int) -> Int { let r = a % m; return r < 0 ? r + m : r }
        switch self {
        case .constant: return i
        case .edge: return Swift.min(Swift.max(i, 0), n - 1)
        case .wrap: return mod(i, n)
        case .reflect:
            if n == 1 { return 0 }
            let m = mod(i, 2 * (n - 1))
            return m < n ? m : 2 * (n - 1) - m
        case .symmetric:
            let m = mod(i, 2 * n)
            return m < n ? m : 2 * n - 1 - m
        }
    }
}

extension Tensor {
    /// A larger tensor with `widths[d].0` new elements before and `widths[d].1` after along each axis
    /// `d` (one pair per axis), filled as `mode` says.
    ///
    /// ```swift
    /// let img = Tensor.ones([2, 3])
    /// img.padded([(0, 0), (1, 2)]).shape              // [2, 6], zeros around
    /// img.padded([(1, 1), (1, 1)], mode: .edge).shape  // [4, 5]
    /// ```
    public func padded(_ widths: [(Int, Int)], mode: PaddingMode = .constant(0)) -> Tensor {
        let pairs = widths.map { "(\($0.0), \($0.1))" }.joined(separator: ", ")
        tensorCheck(widths.count == rank, "padded",
                    "got \(widths.count) width pairs [\(pairs)] for a rank-\(rank) tensor of shape \(shapeString(shape))")
        tensorCheck(widths.allSatisfy { $0.0 >= 0 && $0.1 >= 0 }, "padded", "widths [\(pairs)] must not be negative")
        if _slowPath(traceTag != 0) {
            guard case .constant(let value) = mode else {
                tensorFailure(TensorError("padded", "only constant padding is differentiable so far, got mode \(mode)"))
            }
            return Tensor.traced(.pad(widths.map { [$0.0, $0.1] }, value: value), [self]) { detached.padded(widths, mode: mode) }
        }
        if case .constant(let value) = mode {
            let outShape = shape.indices.map { shape[$0] + widths[$0].0 + widths[$0].1 }
            let out = Tensor.full(outShape, value, dtype: dtype)
            var interior = out
            for d in 0..<rank { interior = interior.sliced(axis: d, widths[d].0, widths[d].0 + shape[d]) }
            if scalarCount > 0 { writeRegion(self, into: interior) }
            return out
        }
        var out = self
        for d in 0..<rank where widths[d].0 > 0 || widths[d].1 > 0 {
            let n = shape[d]
            tensorCheck(n > 0, "padded", "axis \(d) of shape \(shapeString(shape)) is empty; only constant padding can extend it")
            let source = (-widths[d].0..<(n + widths[d].1)).map { Int32(mode.sourceIndex($0, size: n)) }
            out = out.take(Tensor(source), axis: d)
        }
        return out
    }

    /// The tensor repeated `reps[d]` times along each axis, as NumPy's `tile`: when `reps` is
    /// shorter than the rank it is padded with leading 1s; when longer, the tensor gains leading axes.
    ///
    /// ```swift
    /// Tensor([1, 2] as [Float]).tiled([2, 3])   // [[1, 2, 1, 2, 1, 2], [1, 2, 1, 2, 1, 2]]
    /// ```
    public func tiled(_ reps: [Int]) -> Tensor {
        tensorCheck(reps.allSatisfy { $0 >= 0 }, "tiled", "repetitions \(reps) must not be negative")
        let r = Swift.max(rank, reps.count)
        let dims = [Int](repeating: 1, count: r - rank) + shape
        let counts = [Int](repeating: 1, count: r - reps.count) + reps
        var interleaved: [Int] = [], expanded: [Int] = []
        for d in 0..<r {
            interleaved += [1, dims[d]]
            expanded += [counts[d], dims[d]]
        }
        let result = (0..<r).map { counts[$0] * dims[$0] }
        return reshaped(interleaved).broadcast(to: expanded).copied().reshaped(result)
    }
}
