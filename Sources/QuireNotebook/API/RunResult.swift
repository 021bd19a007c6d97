/// What happened to one cell in a run.
public enum CellStatus: String, Sendable {
    case pending, running, succeeded, failed
    /// Brought back from the cell cache instead of run.
    case restored
    /// A `cache: freeze` cell restored although its key changed.
    case stale
    case timedOut = "timed-out"
    case compileError = "compile-error"
    case notRun = "not-run"
    /// Stopped by Ctrl-C, SIGTERM or SIGHUP while it ran (or before it started).
    case interrupted
}

extension CellStatus {
    /// The word the report's badge shows ("ok", "restored", "compile error", …).
    public var label: String {
        switch self {
        case .pending: "pending"
        case .running: "running"
        case .succeeded: "ok"
        case .failed: "failed"
        case .timedOut: "timed out"
        case .interrupted: "interrupted"
        case .compileError: "compile error"
        case .notRun: "not run"
        case .restored: "restored"
        case .stale: "stale"
        }
    }
}

/// One piece of a cell's output, in the order the cell produced it.
public enum CellOutput: Sendable, Equatable {
    /// Printed text (stdout).
    case stdout(String)
    /// Text written to stderr.
    case stderr(String)
    /// A `display(_:)` or a trailing expression; `label` describes tensors ("[2, 3] float32").
    case display(text: String, label: String?)
    case table(header: [String]?, rows: [[String]])
    /// Markdown source from `markdown(_:)`.
    case markdown(String)
    /// A PNG written by `image(_:)`, by file name inside the figures folder.
    case image(file: String, width: Int, height: Int, caption: String?)
    /// An error a cell with `//| error: true` threw.
    case error(String)
}

/// Why a cell failed: a crash (trap, fatalError, uncaught error), a timeout, a compile error, or the run
/// was interrupted (Ctrl-C, SIGTERM, SIGHUP).
public struct CellFailure: Sendable, Equatable {
    public enum Kind: String, Sendable { case crash, timeout, compile, interrupted }
    public var kind: Kind
    public var message: String
    /// Frames of the crash backtrace that point into the notebook, or the compiler's messages.
    public var details: [String]
}

/// The state of one cell during and after a run.
public struct CellResult: Sendable {
    public var status: CellStatus = .pending
    public var outputs: [CellOutput] = []
    public var seconds: Double?
    public var failure: CellFailure?
    public var diagnostics: [Diagnostic] = []
    /// For a restored cell: how long it took when it ran (the time the cache saved).
    public var savedSeconds: Double?
    /// Why the cell ran or was restored, as the cache planned it.
    public var cacheReason: String?

    public init() {}

    /// Ran, restored or (frozen) stale: the cell's results are there.
    public var isDone: Bool { status == .succeeded || status == .restored || status == .stale }

    mutating func appendStdout(_ text: String) {
        if case .stdout(let previous)? = outputs.last { outputs[outputs.count - 1] = .stdout(previous + text) }
        else { outputs.append(.stdout(text)) }
    }

    mutating func appendStderr(_ text: String) {
        if case .stderr(let previous)? = outputs.last { outputs[outputs.count - 1] = .stderr(previous + text) }
        else { outputs.append(.stderr(text)) }
    }
}

/// The last logged value of every metric of one run log (`RunLog(named:)` in a notebook), shown in the
/// report's summary.
public struct RunMetrics: Sendable, Equatable {
    public var run: String
    public var values: [(name: String, value: Double)]

    public static func == (a: RunMetrics, b: RunMetrics) -> Bool {
        a.run == b.run && a.values.map(\.name) == b.values.map(\.name)
            && zip(a.values, b.values).allSatisfy { $0.value == $1.value || ($0.value.isNaN && $1.value.isNaN) }
    }
}

/// A whole run: the notebook, the values it ran with and every cell's result.
public struct RunRecord: Sendable {
    public var notebook: Notebook
    /// Parameters after `-P` overrides.
    public var params: [Parameter]
    public var results: [CellResult]
    /// Final metrics of the notebook's run logs, in the order the runs first reported.
    public var runMetrics: [RunMetrics] = []
    /// Compiler messages that point at no cell.
    public var buildLog: String?
    public var buildSeconds: Double?
    public var cachedBinary = false
    public var swiftVersion = ""
    public var quireVersion = ""
    public var startedAt: String = ""
    /// The run is still going (the report shows pending cells as such).
    public var inProgress = true
    /// Cells restored from the cell cache.
    public var restoredCount: Int { results.filter { $0.status == .restored || $0.status == .stale }.count }

    /// The signal that interrupted the run (SIGINT, SIGTERM, SIGHUP), if one did.
    public var interruption: Int32?

    /// 0 when every cell succeeded, 128 + the signal when the run was interrupted, else 1.
    public var exitCode: Int32 {
        if let interruption { return 128 + interruption }
        return results.allSatisfy(\.isDone) && buildLog == nil ? 0 : 1
    }
}

/// A compiler message, mapped back to the notebook when it points into a cell.
public struct Diagnostic: Sendable, Equatable {
    public enum Severity: String, Sendable { case error, warning, note }
    public var severity: Severity
    public var message: String
    /// Where the compiler put it: a notebook line when the code came from a cell.
    public var location: SourceLocation?
    public var column: Int?
    /// The cell whose lines hold `location`.
    public var cellIndex: Int?
}
