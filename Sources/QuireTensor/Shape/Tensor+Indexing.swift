// Subscripts in NumPy's basic-indexing style: integers drop an axis, ranges and strides slice it,
// `.newAxis` inserts one, `.ellipsis` stands for all the axes not named. Reading gives a view;
// assigning copies the tensor first when its storage is shared (copy-on-write).

/// One component of a ``Tensor`` subscript.
///
/// Anything ``TensorIndexConvertible`` can appear in a subscript: `Int` (negative counts from the
/// end; the axis is dropped), Swift ranges `a..<b`, `a...b`, `a...`, `..<b`, `...b`,
/// `stride(from:to:by:)`, and these values:
///
/// ```swift
/// x[0]                               // first row, axis dropped
/// x[.all, 2]                         // column 2
/// x[1..., ..<3]                      // rows 1…, columns 0..<3
/// x[.range(0, 10, step: 2)]          // every other row up to 10
/// x[.range(nil, nil, step: -1)]      // rows reversed
/// x[.ellipsis, 0]                    // index 0 of the last axis
/// x[.newAxis, .all]                  // a leading size-1 axis
/// x[0, .all] = Tensor(Float(7))      // assignment broadcasts
/// ```
public struct TensorIndex: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case index(Int)
        case range(start: Int?, end: Int?, step: Int)
        case all, newAxis, ellipsis
    }
    let kind: Kind
}

/// A value that can be one component of a ``Tensor`` subscript (see ``TensorIndex``).
public protocol TensorIndexConvertible {
    var tensorIndex: TensorIndex { get }
}

extension TensorIndexConvertible where Self == TensorIndex {
    /// The whole axis (NumPy's `:`).
    public static var all: TensorIndex { TensorIndex(kind: .all) }
    /// A new size-1 axis (NumPy's `None` / `np.newaxis`).
    public static var newAxis: TensorIndex { TensorIndex(kind: .newAxis) }
    /// As many whole axes as the axes not otherwise indexed (NumPy's `...`); at most one per subscript.
    public static var ellipsis: TensorIndex { TensorIndex(kind: .ellipsis) }
    /// A single position; the axis is dropped (negative counts from the end).
    public static func at(_ i: Int) -> TensorIndex { TensorIndex(kind: .index(i)) }
    /// NumPy's `start:end:step`: nil bounds mean the ends (which depend on the sign of `step`),
    /// negative bounds count from the end, a negative `step` walks backwards.
    public static func range(_ start: Int?, _ end: Int?, step: Int = 1) -> TensorIndex {
        TensorIndex(kind: .range(start: start, end: end, step: step))
    }
}

extension TensorIndex: TensorIndexConvertible { public var tensorIndex: TensorIndex { self } }
extension Int: TensorIndexConvertible { public var tensorIndex: TensorIndex { .at(self) } }
extension Range<Int>: TensorIndexConvertible {
    public var tensorIndex: TensorIndex { .range(lowerBound, upperBound) }
}
extension ClosedRange<Int>: TensorIndexConvertible {
    public var tensorIndex: TensorIndex { .range(lowerBound, upperBound == -1 ? nil : upperBound + 1) }
}
extension PartialRangeFrom<Int>: TensorIndexConvertible {
    public var tensorIndex: TensorIndex { .range(lowerBound, nil) }
}
extension PartialRangeUpTo<Int>: TensorIndexConvertible {
    public var tensorIndex: TensorIndex { .range(nil, upperBound) }
}
extension PartialRangeThrough<Int>: TensorIndexConvertible {
    public var tensorIndex: TensorIndex { .range(nil, upperBound == -1 ? nil : upperBound + 1) }
}
extension StrideTo<Int>: TensorIndexConvertible {
    /// `stride(from: a, to: b, by: s)` is `.range(a, b, step: s)`; the bounds follow NumPy's rules
    /// (a negative `b` counts from the end), so walk down to index 0 with `.range(a, nil, step: -1)`.
    public var tensorIndex: TensorIndex {
        // StrideTo's public reflection (CustomReflectable) exposes its bounds as "from", "to", "by".
        var parts: [String: Int] = [:]
        for child in Mirror(reflecting: self).children {
            if let label = child.label, let v = child.value as? Int { parts[label] = v }
        }
        guard let from = parts["from"], let to = parts["to"], let by = parts["by"] else {
            tensorFailure(TensorError("subscript", "cannot read the bounds of \(self)"))
        }
        return .range(from, to, step: by)
    }
}

extension Tensor {
    /// A view selected by NumPy-style basic indices (see ``TensorIndex``). Axes not named are kept
    /// whole. Setting copies the tensor first when its storage is shared, then writes the new value,
    /// broadcast and converted to this tensor's dtype, into the selected elements.
    ///
    /// ```swift
    /// var x = Tensor.arange(12).reshaped(3, 4)
    /// x[1].shape            // [4]
    /// x[.all, 1..<3].shape  // [3, 2]
    /// x[0, .all] = Tensor.zeros([4])
    /// ```
    public subscript(_ indices: any TensorIndexConvertible...) -> Tensor {
        get { self[indices: indices.map(\.tensorIndex)] }
        set { self[indices: indices.map(\.tensorIndex)] = newValue }
    }

    /// The subscript with an array of indices, for code that builds them.
    ///
    /// ```swift
    /// let spec: [TensorIndex] = [.all] + Array(repeating: .at(0), count: x.rank - 1)
    /// let firstColumn = x[indices: spec]
    /// ```
    public subscript(indices indices: [TensorIndex]) -> Tensor {
        get { checked { try indexedView(indices) } }
        set {
            let target = checked { try indexedView(indices) }   // validate before copying
            tensorCheck(traceTag == 0 && newValue.traceTag == 0, "subscript assignment",
                        "in-place assignment is not differentiable; build the result with where, padded or concatenate")
            makeUniqueContiguous()
            let view = checked { try indexedView(indices) }
            let value = checked { () throws -> Tensor in
                // As in NumPy, leading size-1 axes of the value beyond the selection's rank are ignored.
                var v = newValue
                while v.rank > target.rank && v.shape[0] == 1 { v = v.squeezed(axes: [0]) }
                let b = try Tensor.broadcastShape(v.shape, target.shape, op: "subscript assignment")
                guard b == target.shape else {
                    throw TensorError("subscript assignment", "value of shape \(shapeString(newValue.shape)) "
                                      + "does not broadcast to the selected shape \(shapeString(target.shape))")
                }
                return v
            }
            writeRegion(value, into: view)
        }
    }

    /// The view a list of basic indices selects, or the error naming the bad index.
    func indexedView(_ indices: [TensorIndex]) throws -> Tensor {
        if _slowPath(traceTag != 0) {
            _ = try detached.indexedView(indices)   // validates
            return tracedIndexedView(indices)
        }
        let op = "subscript"
        let ellipses = indices.filter { $0.kind == .ellipsis }.count
        guard ellipses <= 1 else { throw TensorError(op, "at most one .ellipsis is allowed, got \(ellipses)") }
        let consuming = indices.filter { $0.kind != .newAxis && $0.kind != .ellipsis }.count
        guard consuming <= rank else {
            throw TensorError(op, "\(consuming) indices for a rank-\(rank) tensor of shape \(shapeString(shape))")
        }
        let expanded = expandingEllipsis(indices)

        var newShape: [Int] = [], newStrides: [Int] = [], off = offset, axis = 0
        for ix in expanded {
            switch ix.kind {
            case .newAxis:
                newShape.append(1)
                newStrides.append(0)
            case .all:
                newShape.append(shape[axis])
                newStrides.append(strides[axis])
                axis += 1
            case .index(let i):
                let n = shape[axis]
                guard i >= -n && i < n else {
                    throw TensorError(op, "index \(i) is out of range for axis \(axis) of size \(n) (shape \(shapeString(shape)))")
                }
                off += (i < 0 ? i + n : i) * strides[axis]
                axis += 1
            case .range(let start, let end, let step):
                guard step != 0 else { throw TensorError(op, "range step must not be zero (axis \(axis))") }
                let (first, count) = Tensor.rangeSelection(start, end, step, size: shape[axis])
                if count > 0 { off += first * strides[axis] }
                newShape.append(count)
                newStrides.append(strides[axis] * step)
                axis += 1
            case .ellipsis:
                break
            }
        }
        return Tensor(storage: storage, shape: newShape, strides: newStrides, offset: off, dtype: dtype)
    }

    /// The first index and element count of Python's `slice(start, end, step)` over `size` elements.
    static func rangeSelection(_ start: Int?, _ end: Int?, _ step: Int, size n: Int) -> (Int, Int) {
        func resolve(_ v: Int?, _ dflt: Int, lower: Int, upper: Int) -> Int {
            guard var v else { return dflt }
            if v < 0 { v += n }
            return Swift.min(Swift.max(v, lower), upper)
        }
        if step > 0 {
            let lo = resolve(start, 0, lower: 0, upper: n)
            let hi = resolve(end, n, lower: 0, upper: n)
            return (lo, hi > lo ? (hi - lo + step - 1) / step : 0)
        }
        let lo = resolve(start, n - 1, lower: -1, upper: n - 1)
        let hi = resolve(end, -1, lower: -1, upper: n - 1)
        return (lo, lo > hi ? (lo - hi - step - 1) / (-step) : 0)
    }
}

extension Tensor {
    /// The indices with `.ellipsis` (or, without one, the end) replaced by `.all` for every axis no
    /// other index consumes, so there is exactly one entry per axis plus the `.newAxis` entries.
    func expandingEllipsis(_ indices: [TensorIndex]) -> [TensorIndex] {
        let consuming = indices.filter { $0.kind != .newAxis && $0.kind != .ellipsis }.count
        let fill = [TensorIndex](repeating: .all, count: rank - consuming)
        guard let e = indices.firstIndex(where: { $0.kind == .ellipsis }) else { return indices + fill }
        return Array(indices[..<e]) + fill + Array(indices[(e + 1)...])
    }
}
