import Foundation
import QuireCheckpoint
import QuireData
import QuireTensor
import QuireTestSupport
import XCTest

final class SafetensorsSourceTests: XCTestCase {
    /// Python's safetensors writes the file; the memory-mapped source gathers its rows.
    func testReadsRowsOfAFileWrittenByPythonSafetensors() throws {
        let dir = try temporaryDirectory(self)
        let path = dir.appendingPathComponent("train.safetensors").path
        try runPython("""
        import sys, numpy as np
        from safetensors.numpy import save_file
        n = 7
        save_file({"x": (np.arange(n * 3, dtype=np.float32) * 0.5 - 2).reshape(n, 3),
                   "y": np.arange(n, dtype=np.int32) * 10,
                   "img": (np.arange(n * 4) % 256).astype(np.uint8).reshape(n, 2, 2),
                   "other": np.zeros((2,), dtype=np.float64)}, sys.argv[1])
        """, [path])
        let src = try SafetensorsSource(path: path, fields: ["x", "y", "img"])
        XCTAssertEqual(src.count, 7)
        let r = try src.records(at: [6, 0, 3])
        XCTAssertEqual(r.keys, ["x", "y", "img"])
        XCTAssertEqual(r["x"]!.shape, [3, 3])
        XCTAssertEqual(r["x"]!.scalars(as: Float.self), [18, 19, 20, 0, 1, 2, 9, 10, 11].map { Float($0) * 0.5 - 2 })
        XCTAssertEqual(r["y"]!.scalars(as: Int32.self), [60, 0, 30])
        XCTAssertEqual(r["img"]!.shape, [3, 2, 2])
        XCTAssertEqual(r["img"]!.scalars(as: UInt8.self), [24, 25, 26, 27, 0, 1, 2, 3, 12, 13, 14, 15])
        let shuffled = try MapDataset(src).shuffle(seed: 1).batch(7).record(at: 0)["y"]!.scalars(as: Int32.self)
        XCTAssertEqual(Set(shuffled), Set((0..<7).map { Int32($0 * 10) }))

        assertDataError([path, "\"other\"", "records along axis 0"]) { _ = try SafetensorsSource(path: path) }
        assertDataError([path, "no tensor \"z\""]) { _ = try SafetensorsSource(path: path, fields: ["x", "z"]) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let broken = dir.appendingPathComponent("broken.safetensors").path
        try bytes.prefix(bytes.count - 5).write(to: URL(fileURLWithPath: broken))
        assertDataError([broken]) { _ = try SafetensorsSource(path: broken) }
    }

    func testReadsFilesWrittenByQuireCheckpoint() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("q.safetensors")
        let x = Tensor.uniform(PRNGKey(seed: 2), shape: [50, 4]).cast(to: .bfloat16)
        try Safetensors.write(["x": x, "mask": Tensor((0..<50).map { $0 % 3 == 0 }, shape: [50])], to: url)
        let ds = MapDataset(try SafetensorsSource(path: url.path))
        let r = try ds.records(at: [49, 3])
        XCTAssertEqual(r["x"]!.dtype, .bfloat16)
        XCTAssertEqual(r["x"]!.scalars(as: Float.self), (x[49].scalars(as: Float.self) + x[3].scalars(as: Float.self)))
        XCTAssertEqual(r["mask"]!.scalars(as: Bool.self), [false, true])
    }
}
