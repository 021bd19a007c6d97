import Foundation
import QuireTestSupport
import XCTest
import QuireTensor
@testable import QuireCheckpoint

/// Broken and hostile safetensors files and checkpoint metadata (issue 15): typed errors naming the
/// file and the tensor or field, never a trap, a hang, or a read outside the step directory.
final class HostileCheckpointTests: XCTestCase {
    private func rawSafetensors(_ header: String, data: [UInt8] = [], in dir: URL, _ name: String = "x.safetensors") throws -> String {
        let json = Array(header.utf8)
        let bytes = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) } + json + data
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    private func safetensorsError(_ path: String, file: StaticString = #filePath, line: UInt = #line) -> SafetensorsError? {
        do { _ = try SafetensorsFile(path: path).tensors() } catch let e as SafetensorsError { return e } catch {
            XCTFail("expected a SafetensorsError, got \(type(of: error)): \(error)", file: file, line: line)
            return nil
        }
        XCTFail("expected a SafetensorsError, the file was read", file: file, line: line)
        return nil
    }

    func testShapeWithAZeroBesideHugeDimensionsIsRejected() throws {
        let dir = try temporaryDirectory(self)
        let path = try rawSafetensors(#"{"x":{"dtype":"F32","shape":[0,4294967296,4294967296],"data_offsets":[0,0]}}"#, in: dir)
        let e = try XCTUnwrap(safetensorsError(path))
        XCTAssertEqual(e.path, path)
        XCTAssertEqual(e.tensor, "x")
        XCTAssertTrue(e.reason.contains("more elements than fit"), e.description)
        // A zero beside ordinary dimensions is a valid empty tensor.
        let ok = try rawSafetensors(#"{"e":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]}}"#, in: dir, "ok.safetensors")
        XCTAssertEqual(try SafetensorsFile(path: ok).tensor("e").shape, [0, 3])
    }

    func testDuplicateTensorNamesAreRejected() throws {
        let dir = try temporaryDirectory(self)
        let header = #"{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"\u0077":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}"#
        let path = try rawSafetensors(header, data: [1, 2], in: dir)
        let e = try XCTUnwrap(safetensorsError(path))
        XCTAssertEqual(e.tensor, "w")
        XCTAssertTrue(e.description.hasPrefix(path) && e.reason.contains("twice"), e.description)
        // A name nested inside a tensor entry is not a top-level key.
        let nested = try rawSafetensors(#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}"#,
                                        data: [1, 2], in: dir, "ok.safetensors")
        XCTAssertEqual(try SafetensorsFile(path: nested).entries.map(\.name), ["a", "b"])
        XCTAssertEqual(SafetensorsHeader.topLevelKeys(Array(#"{"k":{"k":[{"k":1}],"x":"\"k\""},"z":[]}"#.utf8).withUnsafeBytes { $0 }), ["k", "z"])
    }

    func testAFIFOIsRefusedAtOnce() throws {
        let dir = try temporaryDirectory(self)
        let fifo = dir.appendingPathComponent("pipe.safetensors").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let e = try XCTUnwrap(safetensorsError(fifo))   // blocks forever on a regression
        XCTAssertTrue(e.description.hasPrefix(fifo) && e.reason.contains("FIFO"), e.description)
    }

    private func savedStep(_ dir: URL) throws -> (CheckpointManager, URL) {
        let manager = try CheckpointManager(directory: dir, options: CheckpointOptions(async: false))
        try manager.save(step: 1, states: ["model": CheckpointState(tensors: ["w": Tensor.ones([2])])], metrics: ["loss": 0.5])
        return (manager, manager.stepDirectory(1))
    }

    /// Rewrites the step's checkpoint.json through `edit` on its JSON object.
    private func editInfo(_ step: URL, _ edit: (inout [String: Any]) -> Void) throws {
        let url = step.appendingPathComponent("checkpoint.json")
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }

    func testAnItemFileNameCannotLeaveItsStepDirectory() throws {
        for hostile in ["../../../../../../etc/passwd", "/etc/passwd", "..", "", "sub/model.safetensors"] {
            let dir = try temporaryDirectory(self)
            let (_, step) = try savedStep(dir)
            try editInfo(step) { o in
                var items = o["items"] as! [String: Any]
                var model = items["model"] as! [String: Any]
                model["file"] = hostile
                items["model"] = model
                o["items"] = items
            }
            let manager = try CheckpointManager(directory: dir, options: CheckpointOptions(async: false))
            XCTAssertThrowsError(try manager.restore(.step(1))) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("step_00000001") && text.contains("field \"file\"") && text.contains("item \"model\""),
                              "\(hostile): \(text)")
            }
        }
    }

    func testAnItemFileSymlinkedOutOfItsStepDirectoryIsRefused() throws {
        let dir = try temporaryDirectory(self)
        let (manager, step) = try savedStep(dir)
        // The same bytes outside the step (so the checksum would pass): the link itself is refused.
        let inside = step.appendingPathComponent("model.safetensors")
        let outside = dir.appendingPathComponent("elsewhere.safetensors")
        try FileManager.default.moveItem(at: inside, to: outside)
        try FileManager.default.createSymbolicLink(at: inside, withDestinationURL: outside)
        XCTAssertThrowsError(try manager.restore(.step(1))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(inside.path) && text.contains("outside"), text)
        }
        // A link that stays inside the step is followed.
        try FileManager.default.removeItem(at: inside)
        try FileManager.default.moveItem(at: outside, to: step.appendingPathComponent("real.safetensors"))
        try FileManager.default.createSymbolicLink(atPath: inside.path, withDestinationPath: "real.safetensors")
        XCTAssertEqual(try manager.restore(.step(1)).states["model"]?.tensors["w"]?.shape, [2])
    }

    func testCheckpointJSONThatIsAFIFOIsRefusedAtOnce() throws {
        let dir = try temporaryDirectory(self)
        let (manager, step) = try savedStep(dir)
        let info = step.appendingPathComponent("checkpoint.json")
        try FileManager.default.removeItem(at: info)
        XCTAssertEqual(mkfifo(info.path, 0o600), 0)
        XCTAssertThrowsError(try CheckpointInfo(stepDirectory: step)) { error in
            XCTAssertTrue("\(error)".contains("FIFO"), "\(error)")
        }
        _ = manager
    }
}
