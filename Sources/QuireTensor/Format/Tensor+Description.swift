import Foundation

/// Options for printing tensors, as NumPy's `set_printoptions`.
public struct PrintOptions: Sendable {
    /// Digits after the decimal point for floats.
    public var precision = 4
    /// Above this many elements, each axis shows only `edgeItems` at each end with `...` between.
    public var threshold = 1000
    public var edgeItems = 3

    public init() {}
}

extension Tensor: CustomStringConvertible, CustomDebugStringConvertible {
    /// Values laid out as NumPy prints them, then shape and dtype.
    ///
    /// ```swift
    /// print(Tensor([[1, 2.5], [3, 4]] as [[Float]]))
    /// // [[1.  2.5]
    /// //  [3.  4. ]]  shape: [2, 2], dtype: float32
    /// ```
    public var description: String { formatted(PrintOptions()) }
    public var debugDescription: String { description }

    /// The printed form with explicit options.
    public func formatted(_ options: PrintOptions) -> String {
        let elide = scalarCount > options.threshold
        let values = cast(to: dtype.isFloatingPoint ? .float64 : (dtype == .bool ? .bool : .float64)).contiguous()
        let strings = TensorFormatter(tensor: values, original: dtype, options: options, elide: elide)
        return strings.render() + "  shape: \(shapeString(shape)), dtype: \(dtype)"
    }
}

/// Formats each shown element, pads to a common width, then nests brackets.
private struct TensorFormatter {
    let tensor: Tensor
    let original: DType
    let options: PrintOptions
    let elide: Bool

    /// Indices shown along an axis of size n.
    func shown(_ n: Int) -> [Int?] {
        if !elide || n <= 2 * options.edgeItems { return (0..<n).map { $0 } }
        let e = options.edgeItems
        return Array(0..<e).map { $0 } + [nil] + Array((n - e)..<n).map { $0 }
    }

    func render() -> String {
        // Gather the shown values to choose one notation and width for all of them.
        var shownValues: [Double] = []
        collect(axis: 0, offset: 0, into: &shownValues)
        let style = NumberStyle(values: shownValues, dtype: original, precision: options.precision)
        let texts = shownValues.map(style.format)
        let width = texts.map(\.count).max() ?? 1
        // Fixed-point numbers align on the decimal point, as NumPy does: pad the fraction on the right.
        let fraction = style.kind == .fixed ? texts.map { $0.split(separator: ".", omittingEmptySubsequences: false).dropFirst().first?.count ?? 0 }.max() ?? 0 : 0
        if tensor.rank == 0 { return texts.first ?? "" }
        let alignedWidth = style.kind == .fixed ? texts.map { alignFraction($0, fraction).count }.max() ?? width : width
        return nest(axis: 0, offset: 0, indent: 1, style: style, width: alignedWidth, fraction: fraction)
    }

    /// Pads a fixed-point number's fraction with spaces to `fraction` digits (non-finite values too).
    private func alignFraction(_ s: String, _ fraction: Int) -> String {
        guard let dot = s.firstIndex(of: ".") else { return s + String(repeating: " ", count: fraction + 1) }
        let have = s.distance(from: dot, to: s.endIndex) - 1
        return s + String(repeating: " ", count: max(0, fraction - have))
    }

    private func collect(axis: Int, offset: Int, into out: inout [Double]) {
        if axis == tensor.rank {
            out.append(readScalar(tensor.rawPointer, elementOffset: offset, dtype: tensor.dtype))
            return
        }
        for i in shown(tensor.shape[axis]) {
            if let i { collect(axis: axis + 1, offset: offset + i * tensor.strides[axis], into: &out) }
        }
    }

    private func nest(axis: Int, offset: Int, indent: Int, style: NumberStyle, width: Int, fraction: Int) -> String {
        let idx = shown(tensor.shape[axis])
        if axis == tensor.rank - 1 {
            let items = idx.map { i -> String in
                guard let i else { return "..." }
                var s = style.format(readScalar(tensor.rawPointer, elementOffset: offset + i * tensor.strides[axis],
                                                dtype: tensor.dtype))
                if style.kind == .fixed { s = alignFraction(s, fraction) }
                return String(repeating: " ", count: max(0, width - s.count)) + s
            }
            return "[" + items.joined(separator: " ") + "]"
        }
        let blankLines = String(repeating: "\n", count: max(1, tensor.rank - axis - 1))
        let pad = String(repeating: " ", count: indent)
        let parts = idx.map { i -> String in
            guard let i else { return "..." }
            return nest(axis: axis + 1, offset: offset + i * tensor.strides[axis], indent: indent + 1,
                        style: style, width: width, fraction: fraction)
        }
        return "[" + parts.joined(separator: blankLines + pad) + "]"
    }
}

private struct NumberStyle {
    enum Kind { case bool, integer, fixed, scientific }
    let kind: Kind
    let precision: Int

    init(values: [Double], dtype: DType, precision: Int) {
        self.precision = precision
        if dtype == .bool {
            kind = .bool
        } else if !dtype.isFloatingPoint {
            kind = .integer
        } else {
            let finite = values.filter { $0.isFinite && $0 != 0 }.map { Swift.abs($0) }
            let big = finite.max() ?? 0, small = finite.min() ?? 0
            kind = (big >= 1e8 || (small > 0 && small < 1e-4) || (big > 0 && big / Swift.max(small, .leastNonzeroMagnitude) > 1e6 && small < 1e-3))
                ? .scientific : .fixed
        }
    }

    func format(_ v: Double) -> String {
        switch kind {
        case .bool: return v != 0 ? "true" : "false"
        case .integer: return String(Int64(v))
        case .scientific:
            if v.isNaN { return "nan" }
            if v.isInfinite { return v > 0 ? "inf" : "-inf" }
            return String(format: "%.\(precision)e", v)
        case .fixed:
            if v.isNaN { return "nan" }
            if v.isInfinite { return v > 0 ? "inf" : "-inf" }
            var s = String(format: "%.\(precision)f", v)
            while s.hasSuffix("0") { s.removeLast() }
            if s == "-0." { s = "-0." }
            return s
        }
    }
}
