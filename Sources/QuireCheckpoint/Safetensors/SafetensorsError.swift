/// A safetensors file that cannot be read or written: names the file, the tensor when one is at fault,
/// and what was expected.
///
/// ```swift
/// do { _ = try SafetensorsFile(path: "model.safetensors") }
/// catch let e as SafetensorsError { print(e) }   // model.safetensors: tensor "w": data_offsets [0, 12] hold 12 bytes, shape [2, 2] F32 needs 16
/// ```
public struct SafetensorsError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file.
    public let path: String
    /// The tensor at fault, when one is.
    public let tensor: String?
    /// What is wrong and what was expected.
    public let reason: String

    public init(path: String, tensor: String? = nil, reason: String) {
        self.path = path
        self.tensor = tensor
        self.reason = reason
    }

    public var description: String {
        if let tensor { return "\(path): tensor \"\(tensor)\": \(reason)" }
        return "\(path): \(reason)"
    }
}
