import Foundation
import QuireTestSupport
import XCTest
import QuireNN
import QuireTensor
@testable import QuireCheckpoint

final class SafetensorsTests: XCTestCase {
    func testEveryDTypeRoundTripsBitExactlyAndTheChecksumMatchesSha256sum() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("all.safetensors")
        let tensors = everyDTypeTensors()
        let digest = try Safetensors.write(tensors, metadata: ["format": "quire", "note": "a \"quoted\"\nline"], to: url)

        let file = try SafetensorsFile(url: url)
        XCTAssertEqual(file.entries.map(\.name), tensors.keys)
        XCTAssertEqual(file.metadata, ["format": "quire", "note": "a \"quoted\"\nline"])
        XCTAssertEqual(file.dataStart % 8, 0, "data section is 8-byte aligned")
        let back = try file.tensors()
        for (name, t) in tensors {
            let b = try XCTUnwrap(back[name], name)
            XCTAssertEqual(b.dtype, t.dtype, name)
            XCTAssertEqual(b.shape, t.shape, name)
            XCTAssertEqual(bytes(b), bytes(t), name)
        }
        XCTAssertEqual(try file.sha256(), digest)
        let independent = try runProgram("sha256sum", [url.path])
        XCTAssertEqual(String(independent.stdout.prefix(64)), digest)
    }

    func testPythonSafetensorsAndNumPyReadOurFileExactly() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("ours.safetensors")
        let tensors = everyDTypeTensors()
        try Safetensors.write(tensors, metadata: ["format": "np"], to: url)
        let script = """
        import json, sys, numpy as np
        from safetensors import safe_open
        path = sys.argv[1]
        out = {}
        with open(path, 'rb') as f:
            n = int.from_bytes(f.read(8), 'little'); header = json.loads(f.read(n)); start = 8 + n
            raw = f.read()
        for name, e in header.items():
            if name == '__metadata__': continue
            if e['dtype'] == 'BF16':   # NumPy has no bfloat16: widen the bits to float32
                b, end = e['data_offsets']
                bits = np.frombuffer(raw[b:end], dtype='<u2').astype(np.uint32) << 16
                out[name] = {'shape': e['shape'], 'values': bits.view(np.float32).astype(float).tolist()}
        with safe_open(path, framework='np') as f:
            for name in f.keys():
                if header[name]['dtype'] == 'BF16': continue
                a = f.get_tensor(name)
                out[name] = {'shape': list(a.shape), 'values': a.astype(float).ravel().tolist()}
            out['__metadata__'] = f.metadata()
        print(json.dumps(out))
        """
        let text = try python(script, [url.path], needs: ["numpy", "safetensors"])
        let decoded = try JSONDecoder().decode([String: JSONValue].self, from: Data(text.utf8))
        XCTAssertEqual(decoded["__metadata__"], ["format": "np"])
        for (name, t) in tensors {
            let entry = try XCTUnwrap(decoded[name], "Python did not list \(name)")
            XCTAssertEqual(try entry["shape"]?.decode([Int].self), t.shape, name)
            XCTAssertEqual(try entry["values"]?.decode([Double].self), t.scalars(as: Double.self), name)
        }
    }

    func testAFileWrittenByPythonLoadsIntoAModelThroughAKeyMapping() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("torch-style.safetensors")
        let script = """
        import sys, numpy as np
        from safetensors.numpy import save_file
        t = lambda shape, dt, k: (np.arange(np.prod(shape)).reshape(shape) * k).astype(dt)
        save_file({'fc1.weight': t((3, 4), np.float32, 0.25), 'fc1.bias': t((4,), np.float32, -1.5),
                   'fc2.weight': t((4, 2), np.float32, 0.125), 'fc2.bias': t((2,), np.float32, 3.0),
                   'extra.f64': t((2, 2), np.float64, 1e-3), 'extra.f16': t((3,), np.float16, 0.5),
                   'extra.i8': t((5,), np.int8, -3), 'extra.bool': np.array([True, False, True])},
                  sys.argv[1], metadata={'format': 'pt'})
        """
        _ = try python(script, [url.path], needs: ["numpy", "safetensors"])
        let file = try SafetensorsFile(url: url)
        XCTAssertEqual(file.metadata, ["format": "pt"])
        XCTAssertEqual(try file.tensor("extra.f64").scalars(as: Double.self), [0, 1e-3, 2e-3, 3e-3])
        XCTAssertEqual(try file.tensor("extra.f16").scalars(as: Double.self), [0, 0.5, 1])
        XCTAssertEqual(try file.tensor("extra.i8").scalars(as: Int32.self), [0, -3, -6, -9, -12])
        XCTAssertEqual(try file.tensor("extra.bool").scalars(as: Bool.self), [true, false, true])

        let model = MLP([3, 4, 2], rngs: Rngs(0))
        let mapped = try file.tensors(where: { $0.hasPrefix("fc") }, renaming: { name in
            name.replacingOccurrences(of: "fc1.", with: "layers.0.").replacingOccurrences(of: "fc2.", with: "layers.1.")
        })
        try model.load(mapped)
        let state = model.state()
        XCTAssertEqual(state["layers.0.weight"]?.scalars(as: Float.self), (0..<12).map { Float($0) * 0.25 })
        XCTAssertEqual(state["layers.0.bias"]?.scalars(as: Float.self), [0, -1.5, -3, -4.5])
        XCTAssertEqual(state["layers.1.weight"]?.scalars(as: Float.self), (0..<8).map { Float($0) * 0.125 })
        XCTAssertEqual(state["layers.1.bias"]?.scalars(as: Float.self), [0, 3])
    }

    func testTruncatedFilesAreNamedAtEveryLength() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("t.safetensors")
        try Safetensors.write(["a": Tensor.ones([3, 5]), "b": Tensor.arange(7, dtype: .int32)], to: url)
        let full = try Data(contentsOf: url)
        let cut = dir.appendingPathComponent("cut.safetensors")
        for length in stride(from: 0, to: full.count, by: 3) {
            try full.prefix(length).write(to: cut)
            XCTAssertThrowsError(try SafetensorsFile(url: cut).tensors(), "length \(length)") { error in
                guard let e = error as? SafetensorsError else { return XCTFail("\(type(of: error)): \(error)") }
                XCTAssertEqual(e.path, cut.path)
            }
        }
    }

    func testABitFlipChangesTheChecksumOrFailsTheHeader() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("t.safetensors")
        let digest = try Safetensors.write(["w": Tensor.arange(64).reshaped(8, 8), "m": Tensor.ones([4]) .> 0], to: url)
        let original = try Data(contentsOf: url)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<60 {
            var d = original
            let i = Int.random(in: 0..<d.count, using: &rng)
            d[i] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
            try d.write(to: url)
            do {
                let file = try SafetensorsFile(url: url)
                XCTAssertNotEqual(try file.sha256(), digest, "flip at byte \(i) went unnoticed")
            } catch is SafetensorsError {
                // A header flip may be caught by the header checks themselves.
            }
        }
    }

    func testFuzzedHeadersGiveErrorsNeverCrashesOrHugeAllocations() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("fuzz.safetensors")
        func attempt(header: String, data: Int = 16, length: UInt64? = nil) throws -> SafetensorsError? {
            var bytes = withUnsafeBytes(of: (length ?? UInt64(header.utf8.count)).littleEndian) { Array($0) }
            bytes += Array(header.utf8) + [UInt8](repeating: 0, count: data)
            try Data(bytes).write(to: url)
            do { _ = try SafetensorsFile(url: url).tensors(); return nil } catch let e as SafetensorsError { return e }
        }
        let cases: [(String, String)] = [
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,99999999999999]}}"#, "shape [2] F32 needs 8"),
            (#"{"a":{"dtype":"F32","shape":[2500000000000],"data_offsets":[0,10000000000000]}}"#, "run past the end"),
            (#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#, "overlaps"),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}}"#, "gap"),
            (#"{"a":{"dtype":"F32","shape":[1099511627776,1099511627776,1099511627776],"data_offsets":[0,16]}}"#, "than fit in memory"),
            (#"{"a":{"dtype":"F32","shape":[1000000000,1000000000],"data_offsets":[0,16]}}"#, "needs"),
            (#"{"a":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}}"#, "non-negative integers"),
            (#"{"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,16]}}"#, "non-negative integers"),
            (#"{"a":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}"#, "unsupported dtype I64"),
            (#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[16,0]}}"#, "end before they begin"),
            (#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0]}}"#, "data_offsets"),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, "trailing bytes"),
            (#"{"a":[1,2]}"#, "not an object"),
            (#"{"__metadata__":{"k":3}}"#, "not a string"),
            (#"[1,2,3]"#, "does not start with"),
            (#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]"#, "not a JSON object"),
            (#"{"a":{"dtype":"BOOL","shape":[16],"data_offsets":[0,16]}}"#, "expected 0 or 1"),
        ]
        for (header, expected) in cases {
            let e = try attempt(header: header)
            if header.contains("BOOL") {
                // Zero bytes are valid booleans: make one byte 2.
                var d = try Data(contentsOf: url); d[d.count - 1] = 2; try d.write(to: url)
                XCTAssertThrowsError(try SafetensorsFile(url: url).tensors()) { XCTAssertTrue("\($0)".contains(expected), "\($0)") }
                continue
            }
            let error = try XCTUnwrap(e, "accepted: \(header)")
            XCTAssertTrue(error.description.contains(expected), "\(header) → \(error)")
            XCTAssertTrue(error.description.hasPrefix(url.path), "\(error)")
        }
        // A header length far beyond the file or the limit allocates nothing.
        XCTAssertTrue(try XCTUnwrap(attempt(header: "{}", length: UInt64.max)).description.contains("exceeds"))
        XCTAssertTrue(try XCTUnwrap(attempt(header: "{}", length: 1 << 40)).description.contains("exceeds"))

        // Random bytes, and valid headers with random bytes spliced in: errors or valid files, never a crash.
        var rng = TestRNG(seed: 8)
        let valid = Array(#"{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#.utf8)
        for i in 0..<400 {
            var header: [UInt8]
            if i % 2 == 0 {
                header = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                header = valid
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    header[Int(rng.next() % UInt64(header.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
            }
            var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) } + header
            bytes += [UInt8](repeating: 0, count: 16)
            try Data(bytes).write(to: url)
            do { _ = try SafetensorsFile(url: url).tensors() } catch is SafetensorsError {}
        }
    }
}
