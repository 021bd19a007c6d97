import Foundation

/// The terminal side of a run: notes to stderr, cell progress and live output to stdout.
struct Console {
    func note(_ text: String) { write("quire: \(text)\n", to: 2) }
    func error(_ text: String) { write(text + "\n", to: 2) }
    func out(_ text: String) { write(text, to: 1) }

    /// Unbuffered, so progress and the child's output interleave in order.
    private func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue } else { return } }
            bytes = bytes.dropFirst(n)
        }
    }
}

/// Prints `[i/n] cell-id … 0.42 s` per cell, with the cell's output in between, as it arrives.
final class Progress {
    private let console: Console
    private let cells: [Cell]
    /// The current cell's header line is still open (nothing printed after it yet).
    private var lineOpen = false
    private var atLineStart = true

    init(console: Console, cells: [Cell]) {
        self.console = console
        self.cells = cells
    }

    private func header(_ i: Int) -> String { "[\(i + 1)/\(cells.count)] \(cells[i].id)" }

    /// Restored cells not yet announced: each gets its line when the run passes it.
    private var restoredLines: [Int: String] = [:]

    /// Announces the cells the plan restores (`[2/9] model … restored (saved 4.10 s)`), each in its place:
    /// before the next running cell, or at the end.
    func restored(_ plan: CachePlan) {
        for (i, c) in plan.cells.enumerated() {
            guard case .restore(let stale) = c.action else { continue }
            let saved = c.snapshot.map { String(format: " (saved %.2f s)", $0.seconds) } ?? ""
            restoredLines[i] = header(i) + " … " + (stale ? "stale (frozen)" : "restored") + saved + "\n"
        }
    }

    private func announceRestored(before limit: Int) {
        for i in restoredLines.keys.sorted() where i < limit {
            if !atLineStart { console.out("\n"); atLineStart = true }
            console.out(restoredLines.removeValue(forKey: i)!)
        }
    }

    /// Bytes of the current cell's output echoed; past ``echoLimit`` the rest is left to the report.
    private var echoed = 0
    static let echoLimit = OutputSpill.limit

    func started(_ i: Int) {
        announceRestored(before: i)
        console.out(header(i) + " …")
        lineOpen = true
        echoed = 0
    }

    func printed(_ i: Int, _ text: String) {
        guard echoed <= Self.echoLimit else { return }
        echoed += text.utf8.count
        if lineOpen { console.out("\n"); lineOpen = false; atLineStart = true }
        if echoed > Self.echoLimit {
            console.out((atLineStart ? "" : "\n") + "  │ … more output not shown here; the report shows its end and links all of it\n")
            atLineStart = true
            return
        }
        var out = ""
        for ch in text {
            if atLineStart { out += "  │ "; atLineStart = false }
            out.append(ch)
            if ch == "\n" { atLineStart = true }
        }
        console.out(out)
    }

    func finished(_ i: Int, _ result: CellResult) {
        let time = result.seconds.map { String(format: "%.2f s", $0) } ?? ""
        if lineOpen { console.out(" \(time)\n") } else {
            if !atLineStart { console.out("\n") }
            console.out(header(i) + " … \(time)\n")
        }
        lineOpen = false
        atLineStart = true
    }

    func close(_ results: [CellResult]) {
        if lineOpen || !atLineStart { console.out("\n"); lineOpen = false; atLineStart = true }
        announceRestored(before: Int.max)
        for (i, result) in results.enumerated() {
            guard let failure = result.failure else { continue }
            let what = result.status == .timedOut ? "timed out" : result.status == .interrupted ? "was stopped" : "failed"
            console.error("error: cell \(cells[i].id) (\(cells[i].lines.lowerBound)–\(cells[i].lines.upperBound)) \(what): \(failure.message)")
            for line in failure.details { console.error("    \(line)") }
        }
    }
}
