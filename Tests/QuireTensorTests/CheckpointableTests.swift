import Foundation
import XCTest
@testable import QuireTensor

final class CheckpointableTests: XCTestCase {
    func testPRNGKeyRoundTripsThroughItsCheckpointState() throws {
        let key = PRNGKey(words: 0xFFFF_FFFF, 0x1234_5678)
        var other = PRNGKey(seed: 1)
        try other.load(key.checkpointState())
        XCTAssertEqual(other, key)
        XCTAssertEqual(try key.checkpointState().metadata["key"], [4_294_967_295, 0x1234_5678])
    }

    func testPRNGKeyRejectsAStateWithoutAKey() {
        var key = PRNGKey(seed: 3)
        XCTAssertThrowsError(try key.load(CheckpointState())) { error in
            XCTAssertEqual("\(error)", "missing metadata \"key\"")
        }
        XCTAssertEqual(key, PRNGKey(seed: 3))
    }

    func testJSONValueConvertsCodableValuesIncludingNonFiniteNumbers() throws {
        struct Position: Codable, Equatable { var epoch: Int; var cursors: [Int]; var loss: Double }
        let p = Position(epoch: 2, cursors: [5, 7], loss: .infinity)
        let v = try JSONValue(encoding: p)
        XCTAssertEqual(v["epoch"], 2)
        XCTAssertEqual(try v.decode(Position.self), p)
        let text = try JSONEncoder().encode(v)
        XCTAssertEqual(try JSONDecoder().decode(JSONValue.self, from: text), v)
        var s = CheckpointState()
        try s.setMetadata("pos", to: p)
        XCTAssertEqual(try s.metadata("pos", as: Position.self), p)
        XCTAssertThrowsError(try s.metadata("pos", as: [Int].self)) { XCTAssertTrue("\($0)".hasPrefix("metadata \"pos\" is not a Array<Int>")) }
    }
}
