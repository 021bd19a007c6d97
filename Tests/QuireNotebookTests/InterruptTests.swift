import Foundation
import XCTest

/// Ctrl-C, SIGTERM and SIGHUP really sent to a running `quire run`.
final class InterruptTests: XCTestCase {
    typealias Q = QuireCLIHarness

    /// Ctrl-C reaches `quire` only (the program has its own process group): quire passes it on, the
    /// program and its group are gone when quire exits, the report says interrupted, and quire exits 130.
    func testSIGINTStopsTheProgramAndTheReportSaysInterrupted() throws {
        let dir = try Q.scratch()
        let notebook = try write(dir + "/sleepy.md", """
            ```swift
            //| id: first
            print("first done")
            ```

            ```swift
            //| id: sleeper
            import Foundation
            print("pid=\\(getpid())")
            Thread.sleep(forTimeInterval: 120)
            ```

            ```swift
            //| id: after
            print("never")
            ```
            """)
        let run = try Q.Started(["run", notebook, "--out", dir + "/report"])
        let pid = try run.childPID()
        kill(run.process.processIdentifier, SIGINT)
        let r = run.finish()
        XCTAssertEqual(r.status, 130, r.stderr)
        XCTAssertFalse(Q.groupIsAlive(pid), "the notebook program's process group outlived quire")
        XCTAssertTrue(r.stderr.contains("error: cell sleeper (6–11) was stopped: interrupted by SIGINT (Ctrl-C)"), r.stderr)
        let html = try XCTUnwrap(try? String(contentsOfFile: dir + "/report/index.html", encoding: .utf8))
        XCTAssertTrue(html.contains("class=\"cell status-interrupted\" id=\"cell-sleeper\""))
        XCTAssertTrue(html.contains("interrupted at cell sleeper"), "summary")
        XCTAssertFalse(html.contains("running:"), "the report still says running")
        XCTAssertTrue(html.contains("class=\"cell status-succeeded\" id=\"cell-first\"") && html.contains("first done"))
        XCTAssertTrue(html.contains("class=\"cell status-not-run\" id=\"cell-after\""))
    }

    /// A program that ignores SIGTERM (and started a process of its own) is killed, group and all, after the
    /// grace period; quire exits 143.
    func testSIGTERMKillsAProgramThatIgnoresItWithItsChildren() throws {
        let dir = try Q.scratch()
        let notebook = try write(dir + "/stubborn.md", """
            ```swift
            //| id: stubborn
            import Foundation
            signal(SIGTERM, SIG_IGN)
            let helper = Process()
            helper.executableURL = URL(fileURLWithPath: "/bin/sleep")
            helper.arguments = ["120"]
            try helper.run()
            print("pid=\\(getpid()) helper=\\(helper.processIdentifier)")
            Thread.sleep(forTimeInterval: 120)
            ```
            """)
        let run = try Q.Started(["run", notebook, "--out", dir + "/report"])
        let pid = try run.childPID()
        let start = Date()
        kill(run.process.processIdentifier, SIGTERM)
        let r = run.finish()
        XCTAssertEqual(r.status, 143, r.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
        XCTAssertFalse(Q.groupIsAlive(pid), "the program or its helper outlived quire")
        let helper = try XCTUnwrap(r.stdout.components(separatedBy: "helper=").last?.prefix { $0.isNumber }).description
        XCTAssertFalse(Q.isAlive(pid_t(helper)!), "the helper process outlived quire")
        let html = try XCTUnwrap(try? String(contentsOfFile: dir + "/report/index.html", encoding: .utf8))
        XCTAssertTrue(html.contains("interrupted by SIGTERM"), html)
        XCTAssertTrue(html.contains("interrupted at cell stubborn"))
    }

    /// A closed terminal (SIGHUP) stops the run the same way; quire exits 129.
    func testSIGHUPStopsTheRun() throws {
        let dir = try Q.scratch()
        let notebook = try write(dir + "/hangup.md", """
            ```swift
            //| id: waiting
            import Foundation
            print("pid=\\(getpid())")
            Thread.sleep(forTimeInterval: 120)
            ```
            """)
        let run = try Q.Started(["run", notebook, "--out", dir + "/report"])
        let pid = try run.childPID()
        kill(run.process.processIdentifier, SIGHUP)
        let r = run.finish()
        XCTAssertEqual(r.status, 129, r.stderr)
        XCTAssertFalse(Q.groupIsAlive(pid))
        let html = try XCTUnwrap(try? String(contentsOfFile: dir + "/report/index.html", encoding: .utf8))
        XCTAssertTrue(html.contains("interrupted by SIGHUP") && html.contains("interrupted at cell waiting"))
    }

    private func write(_ path: String, _ text: String) throws -> String {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
