import Foundation
import QuireCheckpoint
import QuireTensor

/// How the cache records one top-level value after a cell: Codable values as JSON text, tensors and
/// `Checkpointable` state as content-addressed safetensors blobs (see ``BlobStore``). The entry's `hash`
/// says whether the value changed since it was last recorded.
struct SnapshotEntry {
    var hash: String
    /// The entry as it travels in the `cell-end` event and is stored in the cell's `checkpoint.json`.
    var json: EventJSON

    static func codable<T: Encodable>(_ value: T) throws -> SnapshotEntry {
        let data = try CacheCoding.encoder.encode(value)
        let text = String(decoding: data, as: UTF8.self)
        return SnapshotEntry(hash: SHA256Hex.of(data), json: .object([("kind", .string("json")), ("hash", .string(SHA256Hex.of(data))), ("text", .string(text))]))
    }

    static func tensor(_ tensor: Tensor, store: BlobStore) throws -> SnapshotEntry {
        let blob = try store.put(tensor)
        return SnapshotEntry(hash: blob, json: .object([("kind", .string("tensor")), ("hash", .string(blob)), ("blob", .string(blob))]))
    }

    static func state(_ state: CheckpointState, store: BlobStore) throws -> SnapshotEntry {
        var pairs: [(String, EventJSON)] = []
        var summary = ""
        for path in state.tensors.keys.sorted() {
            let blob = try store.put(state.tensors[path]!)
            pairs.append((path, .string(blob)))
            summary += path + "=" + blob + "\n"
        }
        let metadata = String(decoding: try CacheCoding.encoder.encode(state.metadata), as: UTF8.self)
        summary += metadata
        let hash = SHA256Hex.of(Data(summary.utf8))
        return SnapshotEntry(hash: hash, json: .object([("kind", .string("state")), ("hash", .string(hash)),
                                                        ("tensors", .object(pairs)), ("metadata", .string(metadata))]))
    }
}

/// Reading entries back from the plan the runner wrote (`JSONSerialization` objects).
enum SnapshotReader {
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    static func hash(_ entry: [String: Any]) -> String { entry["hash"] as? String ?? "" }

    static func decode<T: Decodable>(_ entry: [String: Any], as type: T.Type, name: String) throws -> T {
        guard entry["kind"] as? String == "json", let text = entry["text"] as? String else {
            throw Failure("'\(name)' was snapshotted as \(entry["kind"] as? String ?? "nothing"), not as a Codable value")
        }
        guard SHA256Hex.of(Data(text.utf8)) == hash(entry) else { throw Failure("the snapshot of '\(name)' is damaged (checksum mismatch)") }
        do { return try CacheCoding.decoder.decode(T.self, from: Data(text.utf8)) } catch {
            throw Failure("cannot decode '\(name)' as \(T.self): \(error)")
        }
    }

    static func tensor(_ entry: [String: Any], store: BlobStore, name: String) throws -> Tensor {
        guard entry["kind"] as? String == "tensor", let blob = entry["blob"] as? String else {
            throw Failure("'\(name)' was not snapshotted as a tensor")
        }
        return try store.get(blob, name: name)
    }

    static func state(_ entry: [String: Any], store: BlobStore, name: String) throws -> CheckpointState {
        guard entry["kind"] as? String == "state", let tensors = entry["tensors"] as? [String: String],
              let metadataText = entry["metadata"] as? String else {
            throw Failure("'\(name)' was not snapshotted as checkpoint state")
        }
        var dict = TensorDict()
        for path in tensors.keys.sorted() { dict[path] = try store.get(tensors[path]!, name: "\(name).\(path)") }
        let metadata = try CacheCoding.decoder.decode([String: JSONValue].self, from: Data(metadataText.utf8))
        return CheckpointState(tensors: dict, metadata: metadata)
    }
}

enum CacheCoding {
    nonisolated(unsafe) static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }()
    nonisolated(unsafe) static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }()
}
