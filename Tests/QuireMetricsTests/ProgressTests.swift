import Foundation
import QuireMetrics
import XCTest

/// The progress bar on a real pseudo-terminal (it must detect the terminal by itself and redraw in place)
/// and on a pipe (plain periodic lines), and periodic actions.
final class ProgressTests: XCTestCase {
    /// Everything readable from `fd` within a short wait.
    func drain(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while poll(&pfd, 1, 200) > 0 {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A libc function Swift's Glibc module does not import (the pty calls need _XOPEN_SOURCE).
    func libc<F>(_ name: String, as type: F.Type) throws -> F {
        let handle = dlopen(nil, RTLD_NOW)
        let symbol = try XCTUnwrap(dlsym(handle, name), "libc has no \(name)")
        return unsafeBitCast(symbol, to: F.self)
    }

    func testRedrawsOneLineOnATerminal() throws {
        typealias IntFunction = @convention(c) (Int32) -> Int32
        let openpt = try libc("posix_openpt", as: IntFunction.self)
        let grantpt = try libc("grantpt", as: IntFunction.self)
        let unlockpt = try libc("unlockpt", as: IntFunction.self)
        let ptsname = try libc("ptsname", as: (@convention(c) (Int32) -> UnsafeMutablePointer<CChar>?).self)
        let master = openpt(O_RDWR | O_NOCTTY)
        XCTAssertGreaterThanOrEqual(master, 0)
        XCTAssertEqual(grantpt(master), 0)
        XCTAssertEqual(unlockpt(master), 0)
        let slave = open(String(cString: try XCTUnwrap(ptsname(master))), O_RDWR | O_NOCTTY)
        XCTAssertGreaterThanOrEqual(slave, 0)
        defer { close(slave); close(master) }

        let bar = ProgressBar(total: 40, label: "train", fileDescriptor: slave)
        XCTAssertTrue(bar.isTerminal, "isatty on a pty slave")
        for step in 1...40 {
            if step == 20 { usleep(120_000) }   // past the redraw interval: one more redraw mid-way
            bar.update(step: step, metrics: ["loss": 1 / Double(step), "accuracy": 0.9])
        }
        bar.finish()
        let text = drain(master)
        let redraws = text.components(separatedBy: "\r").filter { !$0.isEmpty && $0 != "\n" }
        XCTAssertGreaterThanOrEqual(redraws.count, 3, text.debugDescription)   // step 1, step 20, step 40, finish
        XCTAssertLessThan(redraws.count, 10, "redraws are throttled: \(text.debugDescription)")
        XCTAssertTrue(redraws[0].hasPrefix("train [....................] 1/40 2% "), redraws[0].debugDescription)
        XCTAssertTrue(redraws[0].contains(" steps/s ETA "), redraws[0])
        XCTAssertTrue(redraws[0].contains(" accuracy=0.9000 loss=1.000"), redraws[0])
        XCTAssertTrue(text.contains("\u{1B}[K"), "each redraw clears the rest of the line")
        XCTAssertTrue(text.contains("[####################] 40/40 100% "), text.debugDescription)
        XCTAssertTrue(text.contains("loss=0.0250"), text.debugDescription)
        // The terminal turns the final "\n" into "\r\n": exactly one line end, at the very end.
        XCTAssertEqual(text.unicodeScalars.filter { $0 == "\n" }.count, 1, text.debugDescription)
        XCTAssertEqual(text.unicodeScalars.last, "\n")
    }

    func testPrintsPlainLinesOffATerminal() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let bar = ProgressBar(total: 50, label: "train", fileDescriptor: fds[1], plainEvery: 15)
        XCTAssertFalse(bar.isTerminal)
        for step in 1...50 { bar.update(step: step, metrics: ["loss": 0.5]) }
        bar.finish()
        bar.finish()   // once only
        close(fds[1])
        let text = drain(fds[0])
        close(fds[0])
        XCTAssertFalse(text.contains("\r") || text.contains("\u{1B}"), "no terminal control in a pipe: \(text.debugDescription)")
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.count, 4, text)   // steps 15, 30, 45 and the end
        XCTAssertTrue(lines[0].hasPrefix("train 15/50 30% "), String(lines[0]))
        XCTAssertTrue(lines[0].contains(" steps/s ETA ") && lines[0].hasSuffix(" loss=0.5000"), String(lines[0]))
        XCTAssertTrue(lines[3].hasPrefix("train 50/50 100% ") && lines[3].contains(" steps/s in "), String(lines[3]))

        // Ending on a step that already had its line does not repeat it.
        XCTAssertEqual(pipe(&fds), 0)
        defer { close(fds[0]) }
        let exact = ProgressBar(total: 30, fileDescriptor: fds[1], plainEvery: 15)
        for step in 1...30 { exact.update(step: step) }
        exact.finish()
        close(fds[1])
        XCTAssertEqual(drain(fds[0]).split(separator: "\n").count, 2)
    }

    func testPeriodicActionBySteps() {
        var ran: [Int] = []
        let action = PeriodicAction(everySteps: 3) { ran.append($0) }
        for step in 1...10 { action(step: step) }
        action(step: 9)   // the same step twice runs once
        XCTAssertEqual(ran, [3, 6, 9])
    }

    func testPeriodicActionBySeconds() {
        func now() -> Double {
            var ts = timespec()
            clock_gettime(CLOCK_MONOTONIC, &ts)
            return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
        }
        let start = now()
        var times: [Double] = []
        let action = PeriodicAction(everySeconds: 0.05) { _ in times.append(now()) }
        for step in 1...8 {
            usleep(20_000)
            action(step: step)
        }
        // However loaded the machine, runs are at least the period apart and the first is due once it has passed.
        XCTAssertFalse(times.isEmpty)
        XCTAssertGreaterThanOrEqual(times[0] - start, 0.05)
        for (a, b) in zip(times, times.dropFirst()) { XCTAssertGreaterThanOrEqual(b - a, 0.05) }
    }
}
