#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A progress display for a training loop: steps done, steps per second, time left and the latest metrics.
///
/// On a terminal it redraws one line in place (`\r`, at most ten times a second). Anywhere else (a pipe,
/// a CI log, a notebook report) it prints plain lines instead, every `plainEvery` steps (default: a tenth of
/// the total) or every `plainSeconds`, plus one at the end.
///
/// ```swift
/// let progress = ProgressBar(total: steps, label: "train")
/// for step in 1...steps {
///     let loss = trainStep()
///     progress.update(step: step, metrics: ["loss": loss])
/// }
/// progress.finish()
/// ```
public final class ProgressBar {
    public let total: Int?
    public let label: String
    /// Whether the output is a terminal (decided with `isatty` unless given).
    public let isTerminal: Bool
    private let fd: Int32
    private let width: Int
    private let plain: PeriodicAction?
    private var plainDue = false
    private let start: Double
    private var lastDraw = -Double.infinity
    private var step = 0
    private var metrics: [(String, Double)] = []
    private var finished = false
    /// The step of the last plain line, so `finish` does not repeat it.
    private var lastPlainStep: Int?

    /// The last step passed to `update`.
    public var currentStep: Int { step }
    /// `finish()` was called.
    public var isFinished: Bool { finished }
    /// The metrics passed with the last update.
    public var latestMetrics: [(String, Double)] { metrics }

    /// Puts the bar back where a checkpoint left it (see `load(_:)`).
    func restore(step: Int, finished: Bool, metrics: [(String, Double)]) {
        self.step = step
        self.finished = finished
        self.metrics = metrics
    }

    public init(total: Int?, label: String = "", fileDescriptor: Int32 = STDOUT_FILENO, isTerminal: Bool? = nil,
                width: Int = 100, plainEvery: Int? = nil, plainSeconds: Double? = 30) {
        precondition(total.map { $0 > 0 } ?? true, "ProgressBar: total must be positive")
        self.total = total
        self.label = label
        self.fd = fileDescriptor
        self.isTerminal = isTerminal ?? (isatty(fileDescriptor) == 1)
        self.width = width
        self.start = MonotonicClock.now()
        let every = plainEvery ?? total.map { max(1, $0 / 10) }
        plain = every == nil && plainSeconds == nil ? nil : PeriodicAction(everySteps: every, everySeconds: plainSeconds) { _ in }
    }

    /// Records progress; metrics are shown in the order given by sorted name.
    public func update(step: Int, metrics: [String: Double] = [:]) {
        self.step = step
        if !metrics.isEmpty { self.metrics = metrics.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
        let now = MonotonicClock.now()
        if isTerminal {
            if now - lastDraw >= 0.1 || step == total {
                lastDraw = now
                emit("\r" + line(now, bar: true) + "\u{1B}[K")
            }
        } else if plain?.isDue(step: step) == true {
            lastPlainStep = step
            emit(line(now, bar: false) + "\n")
        }
    }

    /// Draws the final state and ends the line.
    public func finish() {
        guard !finished else { return }
        finished = true
        let now = MonotonicClock.now()
        if isTerminal {
            emit("\r" + line(now, bar: true) + "\u{1B}[K\n")
        } else if lastPlainStep != step {
            emit(line(now, bar: false) + "\n")
        }
    }

    /// The text of one progress line (without `\r` or newline).
    func line(_ now: Double, bar: Bool) -> String {
        let elapsed = max(now - start, 1e-9)
        let rate = Double(step) / elapsed
        var parts: [String] = []
        if !label.isEmpty { parts.append(label) }
        if let total {
            let fraction = min(1, Double(step) / Double(total))
            if bar {
                let cells = 20
                let filled = Int((fraction * Double(cells)).rounded(.down))
                parts.append("[" + String(repeating: "#", count: filled) + String(repeating: ".", count: cells - filled) + "]")
            }
            parts.append("\(step)/\(total) \(Int((fraction * 100).rounded(.down)))%")
        } else {
            parts.append("step \(step)")
        }
        parts.append(ProgressBar.rate(rate) + " steps/s")
        if let total {
            parts.append(step >= total ? "in " + ProgressBar.duration(elapsed)
                                       : "ETA " + (rate > 0 ? ProgressBar.duration(Double(total - step) / rate) : "?"))
        }
        var text = parts.joined(separator: " ")
        for (name, value) in metrics { text += " \(name)=" + ProgressBar.metric(value) }
        if bar && text.count > width { text = String(text.prefix(width - 1)) + "…" }
        return text
    }

    private func emit(_ text: String) {
        fflush(nil)   // keep order with print()ed text on the same descriptor
        var bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            written += n
        }
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        if s < 60 { return seconds < 10 ? fixed1(seconds) + "s" : "\(s)s" }
        if s < 3600 { return "\(s / 60)m" + pad2(s % 60) + "s" }
        return "\(s / 3600)h" + pad2(s % 3600 / 60) + "m"
    }

    static func rate(_ r: Double) -> String { r >= 100 ? String(Int(r.rounded())) : fixed1(r) }

    static func metric(_ v: Double) -> String {
        guard v.isFinite else { return "\(v)" }
        if v != 0 && (abs(v) < 1e-3 || abs(v) >= 1e5) {
            let e = Int(floor(log10(abs(v))))
            return fixed(v / pow(10, Double(e)), 3) + "e" + String(e)
        }
        return fixed(v, max(0, 4 - max(0, Int(floor(log10(max(abs(v), 1e-300)))) + 1)))
    }

    private static func pad2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    private static func fixed1(_ v: Double) -> String { fixed(v, 1) }

    static func fixed(_ v: Double, _ decimals: Int) -> String {
        let scaled = (abs(v) * pow(10, Double(decimals))).rounded()
        var digits = String(Int64(min(scaled, 9e15)))
        if decimals > 0 {
            if digits.count <= decimals { digits = String(repeating: "0", count: decimals - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -decimals))
        }
        return (v < 0 && scaled != 0 ? "-" : "") + digits
    }
}
