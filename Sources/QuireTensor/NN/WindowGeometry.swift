// Shared geometry of sliding-window ops (convolution and pooling): padding rules, per-dimension
// stride/dilation expansion and the output size, validated with messages that name the operation.

/// How a convolution or pooling window treats the borders of the input.
///
/// - `valid`: no padding; only windows that fit entirely inside the input.
/// - `same`: TensorFlow/Flax `"SAME"`: the output has `ceil(input / stride)` positions; the padding
///   needed for that is split with the odd element at the end (`lo = total / 2`, `hi = total - lo`).
/// - `explicit`: one `(low, high)` pair of non-negative pads per spatial dimension.
///
/// ```swift
/// x.conv2d(k, padding: .same)
/// x.conv2d(k, padding: .explicit([(1, 1), (0, 2)]))
/// x.maxPool2d(window: 3, stride: 2, padding: .same)
/// ```
public enum ConvPadding: Sendable, CustomStringConvertible {
    case valid
    case same
    case explicit([(Int, Int)])

    public var description: String {
        switch self {
        case .valid: return "valid"
        case .same: return "same"
        case .explicit(let p): return "explicit(" + p.map { "(\($0.0), \($0.1))" }.joined(separator: ", ") + ")"
        }
    }
}

/// Where a window op's spatial positions come from: input and output sizes, the window, the steps and
/// the low-side pads (the high side is implied by the output size).
struct WindowGeometry: Equatable {
    var input: [Int]
    var window: [Int]
    var stride: [Int]
    var dilation: [Int]
    var padLow: [Int]
    var padHigh: [Int]
    var output: [Int]

    /// Window extent once dilated: `(k - 1) * d + 1`.
    var effectiveWindow: [Int] { zip(window, dilation).map { ($0 - 1) * $1 + 1 } }

    /// Validates and resolves the geometry of a window op over `input` spatial sizes.
    /// `context` is appended to messages (for example the operands' shapes).
    static func make(op: String, input: [Int], window: [Int], stride: [Int], dilation: [Int],
                     padding: ConvPadding, context: String) throws -> WindowGeometry {
        let r = input.count
        let stride = try expandSpatial(stride, rank: r, name: "stride", op: op, context: context)
        let dilation = try expandSpatial(dilation, rank: r, name: "dilation", op: op, context: context)
        for (i, k) in window.enumerated() where k < 1 {
            throw TensorError(op, "window size must be positive, got \(k) in dimension \(i): \(context)")
        }
        var lo = [Int](repeating: 0, count: r), hi = lo, out = lo
        for i in 0..<r {
            let eff = (window[i] - 1) * dilation[i] + 1
            switch padding {
            case .valid:
                break
            case .same:
                let o = (input[i] + stride[i] - 1) / stride[i]
                let total = Swift.max((o - 1) * stride[i] + eff - input[i], 0)
                lo[i] = total / 2
                hi[i] = total - lo[i]
            case .explicit(let pads):
                guard pads.count == r else {
                    throw TensorError(op, "explicit padding has \(pads.count) (low, high) pairs for \(r) spatial dimension(s): \(context)")
                }
                guard pads[i].0 >= 0 && pads[i].1 >= 0 else {
                    throw TensorError(op, "explicit padding must be non-negative, got (\(pads[i].0), \(pads[i].1)) in dimension \(i): \(context)")
                }
                (lo[i], hi[i]) = pads[i]
            }
            let padded = input[i] + lo[i] + hi[i]
            guard padded >= eff else {
                throw TensorError(op, "spatial dimension \(i) has size \(input[i]) (padded \(padded)), smaller than the window \(window[i]) with dilation \(dilation[i]) (extent \(eff)): \(context)")
            }
            out[i] = (padded - eff) / stride[i] + 1
        }
        return WindowGeometry(input: input, window: window, stride: stride, dilation: dilation,
                              padLow: lo, padHigh: hi, output: out)
    }
}

/// One value per spatial dimension: a single value is repeated, otherwise the count must match.
func expandSpatial(_ values: [Int], rank: Int, name: String, op: String, context: String) throws -> [Int] {
    let v = values.count == 1 ? [Int](repeating: values[0], count: rank) : values
    guard v.count == rank else {
        throw TensorError(op, "\(name) \(values) has \(values.count) values for \(rank) spatial dimension(s): \(context)")
    }
    for x in v where x < 1 {
        throw TensorError(op, "\(name) must be positive, got \(values): \(context)")
    }
    return v
}

