import QuireTensor

extension DType {
    /// The dtype's name in a safetensors header (`F32`, `BF16`, `BOOL`, …).
    ///
    /// ```swift
    /// DType.bfloat16.safetensorsName   // "BF16"
    /// ```
    public var safetensorsName: String {
        switch self {
        case .float64: return "F64"
        case .float32: return "F32"
        case .float16: return "F16"
        case .bfloat16: return "BF16"
        case .int32: return "I32"
        case .int8: return "I8"
        case .uint8: return "U8"
        case .bool: return "BOOL"
        }
    }

    /// The dtype a safetensors header names, or `nil` for one Quire does not have (`I64`, `F8_E4M3`, …).
    public init?(safetensorsName name: String) {
        guard let d = DType.allCases.first(where: { $0.safetensorsName == name }) else { return nil }
        self = d
    }
}
