/// The element type of a ``Tensor``, chosen at run time.
///
/// ```swift
/// let t = Tensor.zeros([2, 3], dtype: .bfloat16)
/// t.dtype.byteSize   // 2
/// ```
public enum DType: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    case float32, float64, float16, bfloat16, int32, int8, uint8, bool

    /// Bytes one element occupies in storage.
    public var byteSize: Int {
        switch self {
        case .float64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    public var isFloatingPoint: Bool {
        switch self {
        case .float32, .float64, .float16, .bfloat16: return true
        default: return false
        }
    }

    public var isInteger: Bool {
        switch self {
        case .int32, .int8, .uint8: return true
        default: return false
        }
    }

    public var description: String { rawValue }

    /// The dtype arithmetic is carried out in: float32 for the narrow floats, int32 for the narrow ints.
    var computeType: DType {
        switch self {
        case .float64: return .float64
        case .float32, .float16, .bfloat16: return .float32
        case .int32, .int8, .uint8, .bool: return .int32
        }
    }

    /// Rank used to pick the wider of two dtypes in the same category.
    private var width: Int {
        switch self {
        case .bool: return 0
        case .uint8, .int8: return 1
        case .int32: return 2
        case .float16, .bfloat16: return 3
        case .float32: return 4
        case .float64: return 5
        }
    }

    /// The dtype of a binary operation's result (NumPy/JAX-like promotion).
    ///
    /// Equal dtypes stay; bool gives way to anything; a float beats an int; the wider float or int wins;
    /// float16 with bfloat16 and int8 with uint8 meet one size up (float32, int32).
    public static func promoted(_ a: DType, _ b: DType) -> DType {
        if a == b { return a }
        if a == .bool { return b }
        if b == .bool { return a }
        if a.isFloatingPoint != b.isFloatingPoint { return a.isFloatingPoint ? a : b }
        if Set([a, b]) == [.float16, .bfloat16] { return .float32 }
        if Set([a, b]) == [.int8, .uint8] { return .int32 }
        return a.width >= b.width ? a : b
    }
}
