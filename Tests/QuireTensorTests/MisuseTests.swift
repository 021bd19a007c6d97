import Foundation
import XCTest
@testable import QuireTensor

/// Misuse stops the program with a message naming the operation and the shapes. Such a stop cannot be
/// caught in-process, so each case runs in a child copy of this test binary and the parent reads its
/// standard error.
final class MisuseTests: XCTestCase {
    static let childVariable = "QUIRE_MISUSE_CASE"

    static let cases: [(name: String, expected: String)] = [
        ("broadcast", "add: shapes [2, 3] and [4] cannot be broadcast together (axis -1: 3 vs 4)"),
        ("matmul", "matmul: inner dimensions differ: [2, 3] x [4, 5] (3 vs 4)"),
        ("axis", "axis 3 is out of range for a rank-2 tensor"),
        ("reshape", "reshape: cannot reshape [2, 3] (6 elements) into [4, -1]"),
        ("index", "index 5 is out of range for axis 0 of size 2"),
        ("conv", "conv2d: input has 3 channels but kernel expects 4"),
        ("checkpointCapture", "checkpoint: the function uses a traced tensor (shape [2, 3]) that it captured instead of receiving as an argument"),
    ]

    /// Performs the misuse named by the environment; does nothing in a normal test run.
    func testChildPerformsMisuse() {
        guard let which = ProcessInfo.processInfo.environment[Self.childVariable] else { return }
        let a = Tensor.zeros([2, 3])
        switch which {
        case "broadcast": _ = a + Tensor.zeros([4])
        case "matmul": _ = a.matmul(Tensor.zeros([4, 5]))
        case "axis": _ = a.sum(axes: [3])
        case "reshape": _ = a.reshaped(4, -1)
        case "index": _ = a[5]
        case "conv": _ = Tensor.zeros([1, 8, 8, 3]).conv2d(Tensor.zeros([3, 3, 4, 16]))
        case "checkpointCapture":
            _ = try? grad { w in checkpoint { (h: Tensor) in h * w }(w * 2).sum() }(a)
        default: break
        }
        print("no stop for \(which)")
    }

    func testMisuseStopsWithAMessageNamingTheOperation() throws {
        if ProcessInfo.processInfo.environment[Self.childVariable] != nil { return }
        let binary = URL(fileURLWithPath: CommandLine.arguments[0])
        for (name, expected) in Self.cases {
            let child = Process()
            child.executableURL = binary
            child.arguments = ["QuireTensorTests.MisuseTests/testChildPerformsMisuse"]
            var env = ProcessInfo.processInfo.environment
            env[Self.childVariable] = name
            child.environment = env
            let err = Pipe(), out = Pipe()
            child.standardError = err
            child.standardOutput = out
            try child.run()
            let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            _ = out.fileHandleForReading.readDataToEndOfFile()
            child.waitUntilExit()
            XCTAssertEqual(child.terminationReason, .uncaughtSignal, "\(name) should stop the process")
            XCTAssertTrue(errText.contains(expected), "\(name): stderr was:\n\(errText.prefix(600))")
        }
    }
}

/// The checked size arithmetic every file reader uses (issue 15).
final class CheckedSizeTests: XCTestCase {
    func testByteCountChecksTheNonZeroDimensionsAndNegativeOnes() throws {
        XCTAssertEqual(try CheckedSize.byteCount(shape: [2, 3], elementBytes: 4), 24)
        XCTAssertEqual(try CheckedSize.byteCount(shape: [0, 3], elementBytes: 4), 0)
        XCTAssertEqual(try CheckedSize.byteCount(shape: [], elementBytes: 8), 8)
        XCTAssertThrowsError(try CheckedSize.byteCount(shape: [0, 1 << 32, 1 << 32], elementBytes: 1))
        XCTAssertThrowsError(try CheckedSize.byteCount(shape: [1 << 31, 1 << 31], elementBytes: 4))
        XCTAssertThrowsError(try CheckedSize.byteCount(shape: [2, -1], elementBytes: 4))
        XCTAssertEqual(try CheckedSize.product([28, 28]), 784)
        XCTAssertThrowsError(try CheckedSize.product([Int.max, 2]))
        XCTAssertThrowsError(try CheckedSize.add(Int.max, 1, "sum"))
        XCTAssertEqual(try CheckedSize.multiply(3, 5, "x"), 15)
    }
}
