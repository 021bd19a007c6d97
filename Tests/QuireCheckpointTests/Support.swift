import Foundation
import XCTest
import QuireTensor

/// One tensor of each dtype with varied, exactly representable values (a strided view among them).
func everyDTypeTensors() -> TensorDict {
    let base = Tensor.arange(-6, 6, step: 0.5).reshaped(4, 6)
    var d = TensorDict()
    d["f32"] = base * 1.25
    d["f64"] = base.cast(to: .float64) * 1e-3 + 1e10
    d["f16"] = base.cast(to: .float16)
    d["bf16"] = (base * 3).cast(to: .bfloat16)
    d["i32"] = (base * 1000).cast(to: .int32)
    d["i8"] = (base * 10).cast(to: .int8)
    d["u8"] = (base * 10 + 128).cast(to: .uint8)
    d["bool"] = base .> 0
    d["strided.f32"] = (base * 1.25).transposed()
    d["scalar"] = Tensor(Float(7.5))
    d["empty"] = Tensor.zeros([0, 3])
    return d
}

/// The tensor's bytes in row-major order.
func bytes(_ t: Tensor) -> [UInt8] { t.withUnsafeRawBytes { Array($0) } }

/// The test virtualenv's Python (made by scripts/test.sh), failing the test when a module is missing.
func python(_ script: String, _ arguments: [String] = [], needs modules: [String],
            file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let exe = ProcessInfo.processInfo.environment["QUIRE_TEST_PYTHON"] ?? "python3"
    let check = try runProgram(exe, ["-c", modules.map { "import \($0)" }.joined(separator: "; ")])
    guard check.status == 0 else {
        XCTFail("Python modules \(modules) are missing in \(exe): run scripts/test.sh (it makes the test virtualenv)",
                file: file, line: line)
        throw XCTSkip("no Python modules")
    }
    let r = try runProgram(exe, ["-c", script] + arguments)
    guard r.status == 0 else {
        XCTFail("python failed (\(r.status)):\n\(r.stderr)", file: file, line: line)
        throw CheckpointTestError("python failed")
    }
    return r.stdout
}

struct CheckpointTestError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Runs a program to completion, returning its status and outputs.
func runProgram(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
    p.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}
