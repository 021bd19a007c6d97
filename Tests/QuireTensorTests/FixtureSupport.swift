import Foundation
import XCTest
@testable import QuireTensor

/// One tensor of a fixture file (see Fixtures/fixturelib.py for the format).
struct FixtureTensor: Decodable {
    let dtype: String
    let shape: [Int]
    let data: [FixtureNumber]

    var tensor: Tensor {
        let values = data.map(\.value)
        let t = Tensor(values, shape: shape)
        return t.cast(to: DType(rawValue: dtype)!)
    }
}

struct FixtureNumber: Decodable {
    let value: Double
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let d = try? c.decode(Double.self) {
            value = d
        } else {
            switch try c.decode(String.self) {
            case "nan": value = .nan
            case "inf": value = .infinity
            case "-inf": value = -.infinity
            case let s: throw DecodingError.dataCorruptedError(in: c, debugDescription: "bad number \(s)")
            }
        }
    }
}

/// A loosely typed attribute value (axes, flags, patterns …).
enum FixtureAttr: Decodable {
    case number(Double), string(String), bool(Bool), array([FixtureAttr]), null

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else { self = .array(try c.decode([FixtureAttr].self)) }
    }

    var int: Int? { if case .number(let d) = self { return Int(d) }; return nil }
    var double: Double? { if case .number(let d) = self { return d }; return nil }
    var string: String? { if case .string(let s) = self { return s }; return nil }
    var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    var ints: [Int]? { if case .array(let a) = self { return a.compactMap(\.int) }; return nil }
    var isNull: Bool { if case .null = self { return true }; return false }
}

struct FixtureCase: Decodable {
    let name: String
    let inputs: [String: FixtureTensor]
    let attrs: [String: FixtureAttr]
    let expected: [String: FixtureTensor]

    func input(_ key: String) -> Tensor { inputs[key]!.tensor }
    var out: Tensor { expected["out"]!.tensor }
}

enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// The cases of `<topic>.json`.
    static func load(_ topic: String) throws -> [FixtureCase] {
        struct File: Decodable { let cases: [FixtureCase] }
        let data = try Data(contentsOf: directory.appendingPathComponent(topic + ".json"))
        return try JSONDecoder().decode(File.self, from: data).cases
    }
}
