import Foundation

/// What one checkpoint item holds: path-keyed tensors (written as a safetensors file) and JSON metadata
/// (counters, positions, Codable values; written into `checkpoint.json`).
///
/// ```swift
/// var s = CheckpointState(tensors: ["w": Tensor.ones([2])])
/// try s.setMetadata("epoch", to: 3)
/// let epoch: Int = try s.metadata("epoch")
/// ```
public struct CheckpointState: Sendable {
    /// The tensors, keyed by path (`layers.0.weight`, `mu/layers.0.weight`).
    public var tensors: TensorDict
    /// Non-tensor state by name.
    public var metadata: [String: JSONValue]

    public init(tensors: TensorDict = TensorDict(), metadata: [String: JSONValue] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Stores a Codable value under `key`.
    public mutating func setMetadata<T: Encodable>(_ key: String, to value: T) throws {
        metadata[key] = try JSONValue(encoding: value)
    }

    /// Decodes the value stored under `key`; throws ``CheckpointStateError`` naming the key when it is
    /// missing or has another shape.
    public func metadata<T: Decodable>(_ key: String, as type: T.Type = T.self) throws -> T {
        guard let v = metadata[key] else { throw CheckpointStateError("missing metadata \"\(key)\"") }
        do { return try v.decode(T.self) } catch {
            throw CheckpointStateError("metadata \"\(key)\" is not a \(T.self): \(error)")
        }
    }
}

/// A checkpoint state that does not fit what it is loaded into.
public struct CheckpointStateError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Something whose state can be saved in a checkpoint and loaded back in place, so references to it
/// (an optimizer holding a model, a notebook variable) stay valid across a restore. Modules, optimizers,
/// data iterators, metric logs and PRNG keys conform.
///
/// ```swift
/// let saved = try model.checkpointState()     // copy-on-write snapshot: cheap
/// // … train …
/// try model.load(saved)                       // back to the snapshot, same object
/// ```
public protocol Checkpointable {
    /// A snapshot of the current state. Tensors are copy-on-write, so later updates do not change it.
    func checkpointState() throws -> CheckpointState
    /// Replaces the state with `state`; throws, changing nothing, when it does not fit (every missing,
    /// unexpected or mis-shaped path named).
    mutating func load(_ state: CheckpointState) throws
}

extension PRNGKey: Checkpointable {
    /// The key's two words as metadata `"key": [word0, word1]`.
    public func checkpointState() throws -> CheckpointState {
        CheckpointState(metadata: ["key": .array([.number(Double(word0)), .number(Double(word1))])])
    }

    public mutating func load(_ state: CheckpointState) throws {
        let words: [UInt32] = try state.metadata("key")
        guard words.count == 2 else { throw CheckpointStateError("metadata \"key\" has \(words.count) words, expected 2") }
        self = PRNGKey(words: words[0], words[1])
    }
}
