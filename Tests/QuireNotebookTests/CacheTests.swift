import Foundation
import XCTest

/// The cell cache end to end, through the real `quire`: after each kind of edit, exactly which cells run
/// and which are restored (never stale, never over-invalidated), and what a damaged, killed or
/// concurrent cache does.
final class CacheTests: XCTestCase {
    typealias Q = QuireCLIHarness

    /// A notebook in its own folder with its own cache; `run` reports each cell's status.
    struct Workspace {
        let dir: String
        var notebook: String { dir + "/nb.md" }
        var cache: String { dir + "/cache" }
        var report: String { dir + "/report" }

        init() throws { dir = try Q.scratch() }

        func write(_ text: String) throws { try text.write(toFile: notebook, atomically: true, encoding: .utf8) }
        func read() throws -> String { try String(contentsOfFile: notebook, encoding: .utf8) }
        func edit(_ old: String, _ new: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let text = try read()
            XCTAssertTrue(text.contains(old), "edit target `\(old)` not in the notebook", file: file, line: line)
            try write(text.replacingOccurrences(of: old, with: new))
        }

        @discardableResult
        func run(_ arguments: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws -> (status: [String: String], result: Q.Result) {
            let r = try Q.run(notebook, out: report, arguments: arguments, directory: dir, cache: cache)
            XCTAssertEqual(r.status, 0, "quire run failed:\n\(r.stdout)\n\(r.stderr)", file: file, line: line)
            return (Self.statuses(r.html ?? ""), r)
        }

        /// Cell id → status class in the report (`succeeded`, `restored`, `stale`, …).
        static func statuses(_ html: String) -> [String: String] {
            var out: [String: String] = [:]
            var rest = html[...]
            while let r = rest.range(of: "<section class=\"cell status-") {
                let after = rest[r.upperBound...]
                guard let q = after.firstIndex(of: "\""), let idStart = after.range(of: "id=\"cell-") else { break }
                let status = String(after[..<q])
                let idRest = after[idStart.upperBound...]
                guard let idEnd = idRest.firstIndex(of: "\"") else { break }
                out[String(idRest[..<idEnd])] = status
                rest = idRest[idEnd...]
            }
            return out
        }
    }

    static let base = """
        ---
        title: Cache matrix
        params:
          steps: 4
          scale: 2.5
        seed: 7
        ---

        Some prose before the cells.

        ```swift
        //| id: data
        let key = PRNGKey(seed: seed)
        let x = Tensor.normal(key, shape: [8, 3])
        var log: [String] = ["data"]
        ```

        ```swift
        //| id: model
        let model = Linear(3, 1, rngs: Rngs(1))
        let optimizer = Optimizer(model, sgd(learningRate: 0.1))
        ```

        ```swift
        //| id: train
        //| deps: input.txt
        let target = Float(try String(contentsOfFile: "input.txt", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))!
        for _ in 0..<steps {
            let (_, grads) = try valueAndGrad(of: model) { m in ((m(x) - target) * (m(x) - target)).mean() }
            try optimizer.update(grads)
        }
        log.append("train")
        ```

        ```swift
        //| id: report
        //| caption: the result
        print(log, scale, model(x).mean().item(as: Float.self))
        ```
        """

    func makeWorkspace() throws -> Workspace {
        let w = try Workspace()
        try w.write(Self.base)
        try "1.5\n".write(toFile: w.dir + "/input.txt", atomically: true, encoding: .utf8)
        return w
    }

    let all = ["data", "model", "train", "report"]

    func assertStatuses(_ status: [String: String], restored: [String], ran: [String], file: StaticString = #filePath, line: UInt = #line) {
        for id in restored { XCTAssertEqual(status[id], "restored", "cell \(id)", file: file, line: line) }
        for id in ran { XCTAssertEqual(status[id], "succeeded", "cell \(id)", file: file, line: line) }
        XCTAssertEqual(status.count, restored.count + ran.count, "cells in the report: \(status)", file: file, line: line)
    }

    /// The printed line of the `report` cell: the same whether cells ran or were restored.
    func output(_ r: Q.Result) -> String {
        r.stdout.split(separator: "\n").first { $0.contains("[\"data\"") }.map(String.init) ?? ""
    }

    func testUnchangedProseAndPresentationEditsRunNothing() throws {
        let w = try makeWorkspace()
        let first = try w.run()
        assertStatuses(first.status, restored: [], ran: all)
        let again = try w.run()
        assertStatuses(again.status, restored: all, ran: [])
        XCTAssertTrue(again.result.stderr.contains("all 4 cells restored"), again.result.stderr)
        XCTAssertFalse(again.result.stderr.contains("program:"), "an all-cached run compiles nothing")
        XCTAssertTrue(try XCTUnwrap(again.result.html).contains(output(first.result).replacingOccurrences(of: "  │ ", with: "")
            .replacingOccurrences(of: "\"", with: "&quot;")), "restored output shown")

        try w.edit("Some prose before the cells.", "Other prose, *edited*.")
        let prose = try w.run()
        assertStatuses(prose.status, restored: all, ran: [])
        XCTAssertTrue(try XCTUnwrap(prose.result.html).contains("<em>edited</em>"), "the report is re-rendered")

        try w.edit("//| caption: the result", "//| caption: another caption\n//| echo: false")
        assertStatuses(try w.run().status, restored: all, ran: [])
    }

    func testCodeEditRunsFromTheEditedCell() throws {
        let w = try makeWorkspace()
        let first = try w.run()
        try w.edit("log.append(\"train\")", "log.append(\"train!\")")
        let edited = try w.run()
        assertStatuses(edited.status, restored: ["data", "model"], ran: ["train", "report"])
        XCTAssertTrue(output(edited.result).contains("train!"))
        // The values the restored cells made are the ones a full run makes.
        let uncached = try w.run(["--no-cache"])
        assertStatuses(uncached.status, restored: [], ran: all)
        XCTAssertEqual(output(edited.result), output(uncached.result))
        XCTAssertNotEqual(output(first.result), output(edited.result))

        try w.edit("print(log, scale,", "print(log,  scale,")
        assertStatuses(try w.run().status, restored: ["data", "model", "train"], ran: ["report"])
    }

    func testParamsInvalidateOnlyTheCellsThatUseThem() throws {
        let w = try makeWorkspace()
        try w.run()
        let steps = try w.run(["-P", "steps=6"])
        assertStatuses(steps.status, restored: ["data", "model"], ran: ["train", "report"])
        let scale = try w.run(["-P", "steps=6", "-P", "scale=3.5"])
        assertStatuses(scale.status, restored: ["data", "model", "train"], ran: ["report"])
        XCTAssertTrue(output(scale.result).contains("3.5"))
        // Back to the defaults: the first run's snapshots are still there.
        assertStatuses(try w.run().status, restored: all, ran: [])
    }

    func testSeedChangeRunsFromTheFirstCellThatUsesIt() throws {
        let w = try makeWorkspace()
        try w.run()
        try w.edit("seed: 7", "seed: 8")
        assertStatuses(try w.run().status, restored: [], ran: all)
        try w.edit("let key = PRNGKey(seed: seed)", "let key = PRNGKey(seed: 8)")
        try w.run()
        try w.edit("\nseed: 8\n", "\nseed: 9\n")
        assertStatuses(try w.run().status, restored: all, ran: [], "no cell names seed now")
    }

    func assertStatuses(_ status: [String: String], restored: [String], ran: [String], _ note: String, file: StaticString = #filePath, line: UInt = #line) {
        assertStatuses(status, restored: restored, ran: ran, file: file, line: line)
    }

    func testDeclaredFilesByContentNotByTime() throws {
        let w = try makeWorkspace()
        try w.run()
        let input = w.dir + "/input.txt"
        // Touched, same content: nothing runs.
        try "1.5\n".write(toFile: input, atomically: true, encoding: .utf8)
        utimes(input, nil)
        assertStatuses(try w.run().status, restored: all, ran: [])
        try "2.5\n".write(toFile: input, atomically: true, encoding: .utf8)
        let changed = try w.run()
        assertStatuses(changed.status, restored: ["data", "model"], ran: ["train", "report"])
        let status = try Q.run(w.notebook, directory: w.dir, cache: w.cache, command: "status")
        XCTAssertTrue(status.stdout.contains("[deps: input.txt]"), status.stdout)

        // A declared file that is missing is an error at the option's line; nothing is lost.
        try FileManager.default.removeItem(atPath: input)
        let missing = try Q.run(w.notebook, out: w.report, directory: w.dir, cache: w.cache)
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("nb.md:26: error: deps: 'input.txt' not found"), missing.stderr)
        XCTAssertNotNil(missing.html, "the previous report stays")
    }

    func testInsertDeleteAndMoveCells() throws {
        let w = try makeWorkspace()
        try w.run()
        let extra = "```swift\n//| id: extra\nlog.append(\"extra\")\n```\n\n```swift\n//| id: train"
        try w.edit("```swift\n//| id: train", extra)
        let inserted = try w.run()
        assertStatuses(inserted.status, restored: ["data", "model"], ran: ["extra", "train", "report"])

        try w.edit(extra, "```swift\n//| id: train")
        assertStatuses(try w.run().status, restored: all, ran: [], "deleting the cell brings back the earlier snapshots")

        // Moving `report` above `train`: data and model stay; both moved cells run.
        let text = try w.read()
        let reportCell = String(text[text.range(of: "```swift\n//| id: report")!.lowerBound...])
        var moved = text.replacingOccurrences(of: reportCell, with: "")
        moved = moved.replacingOccurrences(of: "```swift\n//| id: train", with: reportCell + "\n\n```swift\n//| id: train")
        try w.write(moved)
        let order = try w.run()
        assertStatuses(order.status, restored: ["data", "model"], ran: ["report", "train"])
    }

    func testCacheOptionsAndFlags() throws {
        let w = try makeWorkspace()
        try w.edit("//| id: report\n", "//| id: report\n//| cache: false\n")
        try w.run()
        assertStatuses(try w.run().status, restored: ["data", "model", "train"], ran: ["report"])

        let refreshed = try w.run(["--refresh", "model"])
        assertStatuses(refreshed.status, restored: ["data"], ran: ["model", "train", "report"])

        let unknown = try Q.run(w.notebook, out: w.report, arguments: ["--refresh", "nope"], directory: w.dir, cache: w.cache)
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("--refresh nope: the notebook has no cell with that id"), unknown.stderr)

        let fresh = try Workspace()
        try fresh.write(Self.base)
        try "1.5".write(toFile: fresh.dir + "/input.txt", atomically: true, encoding: .utf8)
        assertStatuses(try fresh.run(["--no-cache"]).status, restored: [], ran: all)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fresh.cache), "--no-cache writes no snapshot")
    }

    func testFrozenCellKeepsItsResultAndIsMarkedStale() throws {
        let w = try makeWorkspace()
        try w.edit("//| id: train\n", "//| id: train\n//| cache: freeze\n")
        let first = try w.run()
        try w.edit("var log: [String] = [\"data\"]", "var log: [String] = [\"data\", \"more\"]")
        let second = try w.run()
        XCTAssertEqual(second.status["data"], "succeeded")
        XCTAssertEqual(second.status["model"], "succeeded")
        XCTAssertEqual(second.status["train"], "stale")
        XCTAssertEqual(second.status["report"], "succeeded")
        // The frozen cell's values are the ones it recorded: `log` as it was after the first run's train.
        XCTAssertTrue(output(second.result).contains("[\"data\", \"train\"]"), output(second.result))
        XCTAssertEqual(output(first.result), output(second.result))
        XCTAssertTrue(try XCTUnwrap(second.result.html).contains("(1 stale)"))
        let status = try Q.run(w.notebook, directory: w.dir, cache: w.cache, command: "status")
        XCTAssertTrue(status.stdout.contains("stale"), status.stdout)
    }

    func testStatusExplainsEachCell() throws {
        let w = try makeWorkspace()
        let never = try Q.run(w.notebook, arguments: ["--json"], directory: w.dir, cache: w.cache, command: "status")
        XCTAssertEqual(never.status, 0, never.stderr)
        XCTAssertTrue(never.stdout.contains("\"state\":\"will-run\""), never.stdout)
        try w.run()
        let status = try Q.run(w.notebook, arguments: ["-P", "steps=9"], directory: w.dir, cache: w.cache, command: "status")
        XCTAssertEqual(status.status, 0, status.stderr)
        let lines = status.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.hasPrefix("data") && $0.contains("cached") && $0.contains("unchanged") }, status.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("train") && $0.contains("will-run") && $0.contains("changed: param steps") }, status.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("report") && $0.contains("will-run") && $0.contains("upstream cell train runs") }, status.stdout)
        XCTAssertTrue(status.stdout.contains("2 of 4 cells cached"), status.stdout)
    }

    /// An engine whose library content changes invalidates every cell; a rebuild that leaves the same bytes
    /// (a new mtime) invalidates none. The engine here is a copy of the real one in a scratch root
    /// (`QUIRE_ROOT`), changed by a byte appended after its ELF sections.
    func testEngineChangeInvalidatesEverythingAndATouchNothing() throws {
        let w = try makeWorkspace()
        let root = w.dir + "/root"
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/.build/release", withIntermediateDirectories: true)
        for item in ["Package.swift", "Sources", "templates"] {
            try fm.createSymbolicLink(atPath: root + "/" + item, withDestinationPath: Q.root + "/" + item)
        }
        try fm.createSymbolicLink(atPath: root + "/.build/release/Modules", withDestinationPath: Q.root + "/.build/release/Modules")
        let library = root + "/.build/release/libQuireEngine.so"
        try fm.copyItem(atPath: Q.root + "/.build/release/libQuireEngine.so", toPath: library)
        func run(file: StaticString = #filePath, line: UInt = #line) throws -> [String: String] {
            let quire = try Q.executable()
            let out = try CacheTests.shell("cd '\(w.dir)' && QUIRE_ROOT='\(root)' QUIRE_CACHE_DIR='\(w.cache)' '\(quire)' run nb.md --out '\(w.report)'; echo \"exit $?\"")
            XCTAssertTrue(out.hasSuffix("exit 0\n"), out, file: file, line: line)
            return Workspace.statuses(try String(contentsOfFile: w.report + "/index.html", encoding: .utf8))
        }
        assertStatuses(try run(), restored: [], ran: all)
        assertStatuses(try run(), restored: all, ran: [])
        utimes(library, nil)
        assertStatuses(try run(), restored: all, ran: [], "same bytes, new time")
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: library))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([0]))
        try handle.close()
        assertStatuses(try run(), restored: [], ran: all, "new bytes")
        let status = try CacheTests.shell("cd '\(w.dir)' && QUIRE_ROOT='\(root)' QUIRE_CACHE_DIR='\(w.cache)' '\(try Q.executable())' status nb.md")
        XCTAssertTrue(status.contains("cached"), status)
    }

    /// Data → model → train N → train N more → evaluate; editing only the last cell restores everything
    /// before it, and the weights, optimizer moments, data position and metrics equal an uncached run's
    /// bit for bit.
    func testRestoredTrainingResumesBitIdentically() throws {
        let w = try Workspace()
        try w.write("""
            ---
            params:
              steps: 6
            seed: 1
            ---

            ```swift
            //| id: data
            let points = Tensor.normal(PRNGKey(seed: seed), shape: [64, 4])
            let labels = Tensor((0..<64).map { Int32($0 % 3) })
            let source = try ArraySource(["x": points, "y": labels])
            let batches = MapDataset(source).shuffle(seed: seed).repeat().batch(8).iterator()
            ```

            ```swift
            //| id: model
            let model = MLP([4, 16, 3], rngs: Rngs(seed))
            let optimizer = Optimizer(model, adam(learningRate: 0.01))
            var losses: [Float] = []
            ```

            ```swift
            //| id: train1
            for _ in 0..<steps {
                let batch = batches.next()!
                let (loss, grads) = try valueAndGrad(of: model) { m in softmaxCrossEntropy(logits: m(batch["x"]!), labels: batch["y"]!).mean() }
                try optimizer.update(grads)
                losses.append(loss.item(as: Float.self))
            }
            ```

            ```swift
            //| id: train2
            for _ in 0..<steps {
                let batch = batches.next()!
                let (loss, grads) = try valueAndGrad(of: model) { m in softmaxCrossEntropy(logits: m(batch["x"]!), labels: batch["y"]!).mean() }
                try optimizer.update(grads)
                losses.append(loss.item(as: Float.self))
            }
            ```

            ```swift
            //| id: evaluate
            import Foundation
            var state = try model.checkpointState().tensors
            for (path, t) in try optimizer.checkpointState().tensors { state["opt/" + path] = t }
            try Safetensors.write(state, to: URL(fileURLWithPath: "final.safetensors"))
            print("position", batches.state)
            print("losses", losses.map { $0.bitPattern })
            print("step", optimizer.step)
            ```
            """)
        let uncached = try w.run(["--no-cache"])
        XCTAssertEqual(uncached.status.count, 5)
        let reference = try Data(contentsOf: URL(fileURLWithPath: w.dir + "/final.safetensors"))
        try w.run()   // fills the cache
        try w.edit("print(\"step\", optimizer.step)", "print(\"step\", optimizer.step, \"(edited)\")")
        let resumed = try w.run()
        assertStatuses(resumed.status, restored: ["data", "model", "train1", "train2"], ran: ["evaluate"])
        let restored = try Data(contentsOf: URL(fileURLWithPath: w.dir + "/final.safetensors"))
        XCTAssertEqual(restored, reference, "weights and optimizer moments differ from the uncached run's")
        func lines(_ r: Q.Result) -> [String] {
            r.stdout.split(separator: "\n").map { $0.replacingOccurrences(of: "  │ ", with: "") }
                .filter { $0.hasPrefix("position") || $0.hasPrefix("losses") || $0.hasPrefix("step") }
                .map { $0.replacingOccurrences(of: " (edited)", with: "") }
        }
        XCTAssertEqual(lines(resumed.result), lines(uncached.result))
        XCTAssertEqual(lines(resumed.result).count, 3, resumed.result.stdout)
        XCTAssertTrue(lines(resumed.result)[2].hasSuffix("12"), "12 steps")
    }

    /// A flipped byte in a blob or a truncated manifest is caught: the cell runs again and the values are right.
    func testDamagedSnapshotsAreRecomputed() throws {
        let w = try makeWorkspace()
        let first = try w.run()
        let objects = w.cache + "/objects"
        let blobs = try XCTUnwrap(FileManager.default.enumerator(atPath: objects)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".safetensors") }
        XCTAssertFalse(blobs.isEmpty)
        for blob in blobs {
            let path = objects + "/" + blob
            var data = try Data(contentsOf: URL(fileURLWithPath: path))
            data[data.count - 1] ^= 0x40
            try data.write(to: URL(fileURLWithPath: path))
        }
        try w.edit("print(log, scale,", "print(log,  scale,")
        let damaged = try w.run()
        XCTAssertTrue(damaged.result.stderr.contains("cannot be restored"), damaged.result.stderr)
        XCTAssertTrue(damaged.result.stderr.contains("fails its checksum"), damaged.result.stderr)
        XCTAssertEqual(output(damaged.result), output(first.result))

        // A manifest cut in half is a miss, not an error.
        let cells = w.cache + "/cells"
        for key in try FileManager.default.contentsOfDirectory(atPath: cells) {
            let path = cells + "/" + key + "/checkpoint.json"
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
        }
        let truncated = try w.run()
        assertStatuses(truncated.status, restored: [], ran: all)
        XCTAssertEqual(output(truncated.result), output(first.result))
        assertStatuses(try w.run().status, restored: all, ran: [])
    }

    /// `quire run` killed with SIGKILL while cells write snapshots: the next run sees only complete
    /// snapshots and its results are right.
    func testKilledRunsLeaveOnlyCompleteSnapshots() throws {
        let w = try Workspace()
        try w.write("""
            ```swift
            //| id: big
            var blocks: [Tensor] = []
            for i in 0..<6 { blocks.append(Tensor.full([1_000_000], Double(i))) }
            let total = blocks.map { $0.sum().item(as: Float.self) }.reduce(0, +)
            let a = Tensor.full([4_000_000], 1)
            let b = Tensor.full([4_000_000], 2)
            ```

            ```swift
            //| id: after
            print("total", total, (a + b).sum().item(as: Float.self))
            ```
            """)
        let quire = try Q.executable()
        for delay in [0.15, 0.3, 0.45, 0.6, 0.8] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: quire)
            process.arguments = ["run", w.notebook, "--out", w.report]
            var environment = ProcessInfo.processInfo.environment
            environment["QUIRE_CACHE_DIR"] = w.cache
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let cells = (try? FileManager.default.contentsOfDirectory(atPath: w.cache + "/cells")) ?? []
            for key in cells where !key.hasPrefix(".") {
                let data = try Data(contentsOf: URL(fileURLWithPath: w.cache + "/cells/" + key + "/checkpoint.json"))
                XCTAssertNotNil(try JSONSerialization.jsonObject(with: data), "torn manifest after kill at \(delay) s")
            }
        }
        // Whatever the kills left (some runs may have finished), two runs from here are right, and the
        // second restores every cell.
        let r = try w.run()
        XCTAssertTrue(r.result.html?.contains("total 15000000.0 12000000.0") == true, r.result.stdout)
        let again = try w.run()
        XCTAssertEqual(again.status["big"], "restored")   // [Tensor] and Tensor values are snapshotted
        XCTAssertEqual(again.status["after"], "restored")
        XCTAssertTrue(again.result.html?.contains("total 15000000.0 12000000.0") == true)
    }

    /// Two runs of one notebook at once share the store without corrupting it.
    func testConcurrentRunsShareTheStore() throws {
        let w = try makeWorkspace()
        let quire = try Q.executable()
        var processes: [Process] = []
        for k in 0..<2 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: quire)
            process.arguments = ["run", w.notebook, "--out", w.dir + "/report-\(k)"]
            process.currentDirectoryURL = URL(fileURLWithPath: w.dir)
            var environment = ProcessInfo.processInfo.environment
            environment["QUIRE_CACHE_DIR"] = w.cache
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            processes.append(process)
        }
        for p in processes { p.waitUntilExit(); XCTAssertEqual(p.terminationStatus, 0) }
        let after = try w.run()
        assertStatuses(after.status, restored: all, ran: [])
        let reference = try w.run(["--no-cache"])
        XCTAssertTrue(try XCTUnwrap(after.result.html).contains(output(reference.result).replacingOccurrences(of: "  │ ", with: "")
            .replacingOccurrences(of: "\"", with: "&quot;")))
    }

    func testStoreIsBoundedAndListed() throws {
        let w = try makeWorkspace()
        try w.run()
        try w.run(["-P", "steps=5"])
        let list = try Self.shell("QUIRE_CACHE_DIR= '\(try Q.executable())' cache ls '\(w.cache)'")
        XCTAssertTrue(list.contains("nb.md · train"), list)
        XCTAssertEqual(list.components(separatedBy: "nb.md · ").count - 1, 6, list)   // 4 cells + train/report again
        let gc = try Self.shell("'\(try Q.executable())' cache gc '\(w.cache)' --max-cache 1")
        XCTAssertTrue(gc.contains("removed 6 snapshots"), gc)
        assertStatuses(try w.run().status, restored: [], ran: all)
        // A run keeps the store within --max-cache, least recently used first, never its own cells.
        try w.run(["-P", "steps=5", "--max-cache", "1"])
        let cells = try FileManager.default.contentsOfDirectory(atPath: w.cache + "/cells").filter { !$0.hasPrefix(".") }
        XCTAssertEqual(cells.count, 4, "\(cells)")

        let clean = try Self.shell("QUIRE_CACHE_DIR= '\(try Q.executable())' clean --cache '\(w.dir)'")
        XCTAssertTrue(clean.contains("no cell cache to remove"), "the cache here lives in QUIRE_CACHE_DIR's folder: \(clean)")
        let cleaned = try Self.shell("QUIRE_CACHE_DIR='\(w.cache)' '\(try Q.executable())' clean --cache '\(w.dir)'")
        XCTAssertTrue(cleaned.contains("removed \(w.cache)"), cleaned)
        XCTAssertFalse(FileManager.default.fileExists(atPath: w.cache))
    }

    /// A value the cache cannot snapshot gets a warning at its line; a cell that uses a changing one runs again.
    func testUnsnapshottableValuesAreReplayedAndSaidSo() throws {
        let w = try Workspace()
        try w.write("""
            ```swift
            //| id: make
            final class Counter { var n = 0 }
            let counter = { () -> Counter in usleep(150_000); return Counter() }()
            let double = { (v: Int) in v * 2 }
            import Foundation
            ```

            ```swift
            //| id: bump
            counter.n += 1
            ```

            ```swift
            //| id: take
            let taken = { counter.n += 10; return counter.n }()
            ```

            ```swift
            //| id: show
            print("n", counter.n, double(21), taken)
            ```
            """)
        let first = try w.run()
        let html = try XCTUnwrap(first.result.html)
        XCTAssertTrue(html.contains("nb.md:4</span> warning: the cell cache cannot snapshot &#39;counter&#39; (Counter is neither Codable"), "warning at the binding's line")
        XCTAssertTrue(html.contains("restoring this cell makes it again, which took 0.1"), html)
        XCTAssertFalse(html.contains("&#39;double&#39;"), "a closure made again in no time is not worth a warning")
        try w.edit("print(\"n\",", "print(\"n:\",")
        let second = try w.run()
        XCTAssertEqual(second.status["make"], "restored")
        XCTAssertEqual(second.status["bump"], "succeeded", "bump changes an object the cache cannot snapshot, so it runs")
        XCTAssertEqual(second.status["take"], "succeeded", "an Int restored by value would skip the initializer that changes counter")
        XCTAssertTrue(second.result.stdout.contains("n: 11 42 11"), second.result.stdout)
    }

    static func shell(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command + " 2>&1"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
