import QuireTestSupport
import XCTest
import Synchronization
import QuireTensor
@testable import QuireKernels

final class LanguageTests: XCTestCase {
    func testVectorAddAgreesOnBothBackendsIncludingRaggedSizes() throws {
        for (n, block) in [(4096, 1024), (1000, 256), (37, 16), (5, 8)] {
            let x = randomTensor([n], seed: n), y = randomTensor([n], seed: n + 1)
            try assertBackendsAgree(Kernels.vectorAddKernel(count: n, block: block), [x, y], reference: [x + y], tolerance: 0)
        }
    }

    func testBlockThatDoesNotDivideWithoutMaskIsATraceErrorNamingKernelRefAndShapes() {
        let spec = BlockSpec([64], name: "x") { ids in [ids[0]] }
        let f = pallasCall(name: "unmasked", grid: [2], inputs: [spec],
                           outputs: [OutputSpec(shape: [100], block: BlockSpec([64], name: "y") { ids in [ids[0]] })]) { k in
            k.outputs[0][...] = k.inputs[0][...]
        }
        assertTraceError({ _ = try f([Tensor.zeros([100])]) }, mentions: ["unmasked", "'x'", "[100]", "[64]", "mask"])
    }

    func testIndexMapOfWrongArityIsATraceError() {
        let spec = BlockSpec([4, 4], name: "m") { ids in [ids[0]] }
        let f = pallasCall(name: "arity", grid: [2], inputs: [spec],
                           outputs: [OutputSpec(shape: [8, 4], block: BlockSpec([4, 4]) { ids in [ids[0], 0] })]) { k in
            k.outputs[0][...] = k.inputs[0][...]
        }
        assertTraceError({ _ = try f([Tensor.zeros([8, 4])]) }, mentions: ["arity", "'m'", "1 block indices", "rank-2", "[8, 4]"])
    }

    func testDtypeMismatchIsATraceError() {
        let spec = BlockSpec([8]) { ids in [ids[0]] }
        let f = pallasCall(name: "mixed", grid: [1], inputs: [spec, spec],
                           outputs: [OutputSpec(shape: [8], block: spec)]) { k in
            k.outputs[0][...] = k.inputs[0][...] + k.inputs[1][...]
        }
        assertTraceError({ _ = try f([Tensor.zeros([8]), Tensor.zeros([8], dtype: .int32)]) },
                         mentions: ["mixed", "float32[8]", "int32[8]", "dtypes differ"])
    }

    func testUnmaskedOutOfBoundsAccessIsCaughtByTheInterpreter() {
        // The block divides the array, but the index map walks past its end.
        let spec = BlockSpec([4], name: "x") { ids in [ids[0] + 1] }
        let f = pallasCall(name: "overrun", grid: [2], inputs: [spec],
                           outputs: [OutputSpec(shape: [8], block: BlockSpec([4]) { ids in [ids[0]] })]) { k in
            k.outputs[0][...] = k.inputs[0][...]
        }
        XCTAssertThrowsError(try f([Tensor.zeros([8])], backend: .interpreter)) { error in
            XCTAssertEqual((error as? KernelError).map { if case .outOfBounds = $0 { return true } else { return false } }, true)
            XCTAssertTrue("\(error)".contains("'x'"))
        }
    }

    func testUnmaskedOutOfBoundsAccessIsAnErrorInTheCheckedCompiledBackend() throws {
        // The same bug as above, compiled with bounds checks (the default in debug builds and tests):
        // an error naming the kernel, the ref and the bad range, never a silent out-of-bounds read.
        XCTAssertTrue(CodegenOptions.current.checked, "tests run with the compiled backend's bounds checks on")
        let spec = BlockSpec([4], name: "x") { ids in [ids[0] + 1] }
        let f = pallasCall(name: "overrun", grid: [2], inputs: [spec],
                           outputs: [OutputSpec(shape: [8], block: BlockSpec([4]) { ids in [ids[0]] })]) { k in
            k.outputs[0][...] = k.inputs[0][...]
        }
        XCTAssertThrowsError(try f([Tensor.zeros([8])], backend: .compiled)) { error in
            guard case let .outOfBounds(kernel, ref, message)? = error as? KernelError else { return XCTFail("\(error)") }
            XCTAssertEqual(kernel, "overrun")
            XCTAssertEqual(ref, "x")
            XCTAssertTrue(message.contains("program [1]") && message.contains("8..<12") && message.contains("[8]"), message)
        }
        // Unchecked code for the same kernel has no check in it (release builds trust the kernel).
        let ir = try f.trace([BlockType(dtype: .float32, shape: [8])])
        let unchecked = CEmitter(ir: ir, options: CodegenOptions(target: .host, checked: false)).function()
        XCTAssertFalse(unchecked.contains("q_check"))
        // An in-bounds kernel runs with checks on and agrees with the interpreter.
        let fine = Kernels.vectorAddKernel(count: 37, block: 16)
        let x = randomTensor([37], seed: 3), y = randomTensor([37], seed: 4)
        try assertBackendsAgree(fine, [x, y], reference: [x + y], tolerance: 0)
    }

    /// Exercises when, forLoop with a dynamic bound, scratch persistence, iota, masks, reductions,
    /// select, casts and atomicAdd in one kernel, on both backends, against values computed here.
    func testControlFlowScratchAtomicsAndCastsAgree() throws {
        let rows = 6, cols = 10, bins = 4
        let x = randomTensor([rows, cols], seed: 7)
        let labels = Tensor((0..<rows).map { Int32($0 % bins) }, shape: [rows])
        let f = pallasCall(
            name: "mixed_ops", grid: [rows],
            inputs: [BlockSpec([1, cols], name: "x") { ids in [ids[0], 0] }, BlockSpec([1], name: "labels") { ids in [ids[0]] }],
            outputs: [OutputSpec(shape: [rows, 8], block: BlockSpec([1, 8], name: "prefix") { ids in [ids[0], 0] }),
                      OutputSpec(shape: [bins], block: .whole(name: "binSums")),
                      OutputSpec(shape: [rows], dtype: .int8, block: BlockSpec([1], name: "q") { ids in [ids[0]] })],
            scratch: [ScratchSpec(shape: [1, 8], name: "running")]
        ) { k in
            let row = k.programID(0)
            let xs = k.inputs[0].load([.all, ds(0, 8)])                        // [1, 8]
            // prefix sums over the first (row + 2) columns, kept in scratch across iterations
            k.forLoop(0, row + 2) { i, _ in
                let col = k.iota([1, 8], axis: 1)
                let add = col.isGreaterEqual(i.broadcast(to: [1, 8]))
                k.scratch[0][...] = k.scratch[0][...] + add.select(xs, 0.0)
                return []
            }
            k.outputs[0][...] = k.scratch[0][...]
            let total = xs.sum(axis: 1)                                          // [1]
            k.outputs[1].atomicAdd(total, at: [ds(k.inputs[1][...].reshaped([]), 1)])
            k.when(row.isEqual(to: 0)) {
                k.outputs[2][...] = (total * 100).cast(to: .int8)
            }
            k.when(row.isGreater(than: 0)) {
                k.outputs[2][...] = (total.maximum(0).sqrt() * 10 - total.abs().exp()).cast(to: .int8)
            }
        }
        // Reference in plain Swift.
        let v = x.scalars(as: Float.self)
        var prefix = [Float](repeating: 0, count: rows * 8), sums = [Float](repeating: 0, count: bins), q = [Int8](repeating: 0, count: rows)
        for r in 0..<rows {
            var acc = [Float](repeating: 0, count: 8)
            for i in 0..<(r + 2) { for c in 0..<8 where c >= i { acc[c] += v[r * cols + c] } }
            for c in 0..<8 { prefix[r * 8 + c] = acc[c] }
            let total = (0..<8).reduce(Float(0)) { $0 + v[r * cols + $1] }
            sums[r % bins] += total
            let value = r == 0 ? total * 100 : (max(total, 0).squareRoot() * 10 - Foundation.exp(Swift.abs(total)))
            q[r] = Int8(max(-128, min(127, value.rounded(.towardZero))))
        }
        let reference = [Tensor(prefix, shape: [rows, 8]), Tensor(sums, shape: [bins]), Tensor(q, shape: [rows])]
        try assertBackendsAgree(f, [x, labels], reference: reference, tolerance: 1e-5)
    }

    func testNarrowFloatCastsRoundLikeTheTensorCasts() throws {
        let n = 64
        let x = randomTensor([n], seed: 3, low: -300, high: 300)
        let spec = BlockSpec([16]) { ids in [ids[0]] }
        let f = pallasCall(name: "casts", grid: [4], inputs: [spec],
                           outputs: [OutputSpec(shape: [n], dtype: .float16, block: spec),
                                     OutputSpec(shape: [n], dtype: .bfloat16, block: spec),
                                     OutputSpec(shape: [n], dtype: .int32, block: spec)]) { k in
            let v = k.inputs[0][...]
            k.outputs[0][...] = v.cast(to: .float16)
            k.outputs[1][...] = v.cast(to: .bfloat16)
            k.outputs[2][...] = v.cast(to: .int32)
        }
        let i32 = Tensor(x.scalars(as: Float.self).map { Int32($0.rounded(.towardZero)) }, shape: [n])
        try assertBackendsAgree(f, [x], reference: [x.cast(to: .float16), x.cast(to: .bfloat16), i32], tolerance: 0)
    }

    func testCompiledKernelIsCachedOnDiskByHash() throws {
        let dir = try temporaryDirectory(self)
        let saved = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"]
        setenv("XDG_CACHE_HOME", dir.path, 1)
        defer { if let saved { setenv("XDG_CACHE_HOME", saved, 1) } else { unsetenv("XDG_CACHE_HOME") } }
        let f = Kernels.vectorAddKernel(count: 300, block: 128)
        let x = randomTensor([300], seed: 1)
        let source = try f.emittedC(for: [x, x]) + "/* cache test \(UUID().uuidString) */\n"
        let (_, first) = try KernelCompiler.entry(source: source, kernel: "t")
        XCTAssertEqual(first, .compiled)
        let (_, second) = try KernelCompiler.entry(source: source, kernel: "t")
        XCTAssertEqual(second, .memoryCache)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("quire/kernels").path)
        XCTAssertEqual(files.filter { $0.hasSuffix(".so") }.count, 1, "\(files)")
        XCTAssertEqual(files.filter { $0.hasSuffix(".c") }.count, 1, "\(files)")
    }

    /// Several threads compiling the same new source at once: each compiles to a private name and renames
    /// into place, so all succeed, agree, and leave one library and one source behind.
    func testConcurrentCompilesOfOneSourceAreSafe() throws {
        let dir = try temporaryDirectory(self)
        let saved = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"]
        setenv("XDG_CACHE_HOME", dir.path, 1)
        defer { if let saved { setenv("XDG_CACHE_HOME", saved, 1) } else { unsetenv("XDG_CACHE_HOME") } }
        let x = randomTensor([64], seed: 2)
        let source = try Kernels.vectorAddKernel(count: 64, block: 32).emittedC(for: [x, x]) + "/* race \(UUID().uuidString) */\n"
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            do { _ = try KernelCompiler.entry(source: source, kernel: "race") } catch { failures.withLock { $0.append("\(error)") } }
        }
        XCTAssertEqual(failures.withLock { $0 }, [])
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("quire/kernels").path)
        XCTAssertEqual(files.sorted().map { ($0 as NSString).pathExtension }, ["c", "so"], "\(files)")
    }

    func testZeroSizedGridIsATraceError() {
        let f = pallasCall(name: "empty", grid: [0], inputs: [], outputs: [OutputSpec(shape: [4], block: .whole())]) { _ in }
        assertTraceError({ _ = try f([]) }, mentions: ["empty", "grid [0]"])
    }

    func testValueDefinedInsideWhenUsedOutsideIsATraceError() {
        let spec = BlockSpec([8], name: "x") { ids in [ids[0]] }
        let f = pallasCall(name: "leaky", grid: [1], inputs: [spec], outputs: [OutputSpec(shape: [8], block: spec)]) { k in
            var inner: KernelValue? = nil
            k.when(k.programID(0).isEqual(to: 0)) { inner = k.inputs[0][...] * 2 }
            k.outputs[0][...] = inner!
        }
        assertTraceError({ _ = try f([Tensor.zeros([8])]) }, mentions: ["leaky", "float32[8]", "outside the when/forLoop body"])
    }

    /// Max and min along a contiguous axis of a multiple of eight (the lane-split path in C), NaN included.
    func testMaxAndMinReductionsAgreeAndPropagateNaN() throws {
        var values = randomTensor([4, 16], seed: 9).scalars(as: Float.self)
        values[2 * 16 + 5] = .nan
        let x = Tensor(values, shape: [4, 16])
        let rows = BlockSpec([4], name: "rows") { _ in [0] }
        let f = pallasCall(name: "extrema", grid: [1], inputs: [.whole(name: "x")],
                           outputs: [OutputSpec(shape: [4], block: rows), OutputSpec(shape: [4], block: rows),
                                     OutputSpec(shape: [4], dtype: .int32, block: rows)]) { k in
            let v = k.inputs[0][...]
            k.outputs[0][...] = v.max(axis: 1)
            k.outputs[1][...] = v.min(axis: 1)
            k.outputs[2][...] = (v * 100).cast(to: .int32).max(axis: 1)
        }
        let maxes = (0..<4).map { r in values[(r * 16)..<((r + 1) * 16)].contains { $0.isNaN } ? Float.nan : values[(r * 16)..<((r + 1) * 16)].max()! }
        let mins = (0..<4).map { r in values[(r * 16)..<((r + 1) * 16)].contains { $0.isNaN } ? Float.nan : values[(r * 16)..<((r + 1) * 16)].min()! }
        let intMax = (0..<4).map { r in values[(r * 16)..<((r + 1) * 16)].map { $0.isNaN ? 0 : Int32(($0 * 100).rounded(.towardZero)) }.max()! }
        try assertBackendsAgree(f, [x], reference: [Tensor(maxes), Tensor(mins), Tensor(intMax)], tolerance: 0)
    }
}
