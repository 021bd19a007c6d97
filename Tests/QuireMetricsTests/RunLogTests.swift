import Foundation
import QuireMetrics
import QuireTensor
import XCTest

/// The run log's three files read back: JSON Lines with JSONSerialization, CSV by splitting, TensorBoard events
/// with our TFRecord reader (every CRC verified) and with Python's tensorboard package as a second reader.
final class RunLogTests: XCTestCase {
    func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "quire-runlog-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    func testCRC32CKnownVectors() {
        // RFC 3720 (iSCSI) test vectors and the classic check value.
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum(Array(0..<32) as [UInt8]), 0x46DD_794E)
    }

    func writeSampleRun(_ dir: String) throws -> RunLog {
        let run = try RunLog(directory: dir)
        for step in 1...5 {
            var values = ["loss": 1.0 / Double(step)]
            if step % 2 == 0 { values["accuracy"] = 0.5 + Double(step) / 20 }
            if step == 3 { values["loss"] = .nan }
            try run.log(values, step: step * 10)
        }
        return run
    }

    func testJSONLinesAndCSV() throws {
        let dir = try scratch()
        let run = try writeSampleRun(dir)
        XCTAssertEqual(run.names, ["loss", "accuracy"])
        XCTAssertEqual(run.series("accuracy").steps, [20, 40])
        XCTAssertEqual(run.last("loss"), 0.2)
        XCTAssertEqual(run.finalValues.map(\.name), ["loss", "accuracy"])

        let lines = try String(contentsOfFile: dir + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 5)
        let objects = try lines.map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(objects.map { $0["step"] as? Int }, [10, 20, 30, 40, 50])
        XCTAssertEqual(objects[1]["accuracy"] as? Double, 0.6)
        XCTAssertEqual(objects[2]["loss"] as? String, "NaN", "non-finite values are kept as strings")
        XCTAssertNil(objects[0]["accuracy"])

        let csv = try String(contentsOfFile: dir + "/metrics.csv", encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(csv[0], "step,time,loss,accuracy", "the header was rewritten when accuracy appeared")
        XCTAssertEqual(csv.count, 7)   // header, 5 rows, final newline
        let row1 = csv[1].split(separator: ",", omittingEmptySubsequences: false)
        XCTAssertEqual(row1[0], "10"); XCTAssertEqual(row1[2], "1.0"); XCTAssertEqual(row1[3], "")
        XCTAssertEqual(csv[4].split(separator: ",", omittingEmptySubsequences: false)[3], "0.7")
        XCTAssertEqual(csv[3].split(separator: ",", omittingEmptySubsequences: false)[2], "nan")
    }

    func testTensorBoardEventsReadBackWithVerifiedCRCs() throws {
        let dir = try scratch()
        let run = try writeSampleRun(dir)
        let path = try XCTUnwrap(run.eventFilePath)
        XCTAssertTrue((path as NSString).lastPathComponent.hasPrefix("events.out.tfevents."))
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let events = try TFRecord.records(in: bytes, name: path).map { try TensorBoardEvent(decoding: $0) }
        XCTAssertEqual(events.count, 6)
        XCTAssertEqual(events[0].fileVersion, "brain.Event:2")
        XCTAssertEqual(events[1].step, 10)
        XCTAssertEqual(events[2].scalars, [.init("loss", 0.5), .init("accuracy", 0.6)])
        XCTAssertTrue(events[3].scalars[0].value.isNaN)
        XCTAssertGreaterThan(events[5].wallTime, 1.7e9)

        // A flipped bit anywhere is caught, with the record and offset named.
        var corrupted = bytes
        corrupted[bytes.count - 10] ^= 0x04
        XCTAssertThrowsError(try TFRecord.records(in: corrupted, name: "x")) { error in
            XCTAssertTrue("\(error)".hasPrefix("x: record 5 at byte"), "\(error)")
            XCTAssertTrue("\(error)".contains("data checksum mismatch"), "\(error)")
        }
        var badLength = bytes
        badLength[0] ^= 0x01
        XCTAssertThrowsError(try TFRecord.records(in: badLength, name: "x")) { error in
            XCTAssertEqual("\(error)", "x: record 0 at byte 0: length checksum mismatch")
        }
        XCTAssertThrowsError(try TFRecord.records(in: Array(bytes.dropLast(2)), name: "x"))
    }

    func testPythonTensorBoardReadsTheEvents() throws {
        let dir = try scratch()
        _ = try writeSampleRun(dir)
        let python = ProcessInfo.processInfo.environment["QUIRE_TEST_PYTHON"] ?? "python3"
        let script = """
        import sys
        try:
            from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
        except ImportError:
            print("MISSING tensorboard"); sys.exit(3)
        acc = EventAccumulator(sys.argv[1]); acc.Reload()
        for tag in sorted(acc.Tags()["scalars"]):
            print(tag, " ".join(f"{e.step}:{e.value:.4f}" for e in acc.Scalars(tag)))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", script, dir]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 3 || text.contains("MISSING") {
            return XCTFail("Python's tensorboard package is missing from \(python); run scripts/test.sh")
        }
        XCTAssertEqual(process.terminationStatus, 0, text)
        XCTAssertEqual(text, """
        accuracy 20:0.6000 40:0.7000
        loss 10:1.0000 20:0.5000 30:nan 40:0.2500 50:0.2000

        """)
    }

    func testRestoredRunContinuesItsLog() throws {
        let dir = try scratch()
        let run = try RunLog(directory: dir)
        for step in 1...3 { try run.log(["loss": Double(step)], step: step) }
        let saved = try run.checkpointState()
        for step in 4...6 { try run.log(["loss": Double(step), "extra": 1], step: step) }

        // Back to step 3, as a checkpoint restore would, then on to a different step 4.
        try run.load(saved)
        XCTAssertEqual(run.names, ["loss"])
        try run.log(["loss": 40], step: 4)
        XCTAssertEqual(run.series("loss").values, [1, 2, 3, 40])
        let lines = try String(contentsOfFile: dir + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        XCTAssertTrue(lines[3].hasPrefix("{\"step\":4,") && lines[3].hasSuffix("\"loss\":40.0}"), String(lines[3]))
        XCTAssertEqual(try String(contentsOfFile: dir + "/metrics.csv", encoding: .utf8).split(separator: "\n").first, "step,time,loss")
        let eventFiles = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains("tfevents") }
        XCTAssertEqual(eventFiles.count, 1, "the restored log rewrote one event file")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/" + eventFiles[0])))
        let steps = try TFRecord.records(in: bytes, name: "events").dropFirst().map { try TensorBoardEvent(decoding: $0).step }
        XCTAssertEqual(steps, [1, 2, 3, 4])

        // A state from elsewhere is rejected and the log is unchanged.
        var bad = saved
        bad.metadata["names"] = .array([])
        XCTAssertThrowsError(try run.load(bad)) { error in
            XCTAssertTrue("\(error)".contains("record 0 (step 1) has metrics [\"loss\"] missing"), "\(error)")
        }
        XCTAssertThrowsError(try run.load(CheckpointState()))
        XCTAssertEqual(run.series("loss").values, [1, 2, 3, 40])
    }

    func testUnwritableFolderIsAClearError() {
        XCTAssertThrowsError(try RunLog(directory: "/proc/quire-cannot-write-here")) { error in
            XCTAssertTrue("\(error)".contains("/proc/quire-cannot-write-here"), "\(error)")
        }
    }
}
