import Foundation
import QuireTensor

/// The metrics of one training run, kept in memory and written as they are logged into the run's folder:
///
/// - `metrics.jsonl`: one JSON object per `log` call, `{"step": 10, "time": 1732…, "loss": 0.25}`
///   (non-finite values as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`);
/// - `metrics.csv`: `step,time,` and one column per metric in first-logged order (rewritten when a new
///   metric appears; a metric not logged at a step is an empty cell);
/// - `events.out.tfevents.<time>.<host>`: TensorBoard scalars, so `tensorboard --logdir <folder>` shows them.
///
/// The log is ``Checkpointable``: a restored run rewrites the three files from the restored records and
/// carries on logging after them.
///
/// ```swift
/// let run = try RunLog(directory: "runs/digits")
/// for step in 1...steps {
///     // … train …
///     try run.log(["loss": loss, "accuracy": acc], step: step)
/// }
/// run.series("loss").values.last
/// ```
public final class RunLog {
    /// One `log` call.
    public struct Record: Sendable, Equatable, Codable {
        public var step: Int
        /// Seconds since 1970.
        public var time: Double
        /// The values, in the order of ``RunLog/names``.
        public var values: [String: Double]
    }

    public let directory: String
    public let tensorBoard: Bool
    public private(set) var records: [Record] = []
    /// Every metric name, in the order it was first logged.
    public private(set) var names: [String] = []
    /// The TensorBoard event file of this run (nil without TensorBoard output).
    public private(set) var eventFilePath: String?

    private var jsonl: OutputFile
    private var csv: OutputFile
    private var events: OutputFile?

    public static let jsonlName = "metrics.jsonl"
    public static let csvName = "metrics.csv"

    /// Creates the folder (and parents) and starts empty files in it. A folder with an earlier run's files
    /// gets them replaced (TensorBoard event files of earlier runs in it are removed).
    public init(directory: String, tensorBoard: Bool = true) throws(MetricsError) {
        self.directory = directory
        self.tensorBoard = tensorBoard
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw MetricsError("run log: cannot create folder \(directory): \(error.localizedDescription)")
        }
        jsonl = try OutputFile(directory + "/" + RunLog.jsonlName, truncate: true)
        csv = try OutputFile(directory + "/" + RunLog.csvName, truncate: true)
        try startEventFile()
    }

    /// Logs values (`Double`, `Float`, …) at `step`; writes one line to each file and one TensorBoard event.
    public func log<V: BinaryFloatingPoint>(_ values: [String: V], step: Int) throws(MetricsError) {
        try logValues(values.mapValues(Double.init), step: step)
    }

    private func logValues(_ values: [String: Double], step: Int) throws(MetricsError) {
        guard !values.isEmpty else { return }
        for name in values.keys where name.isEmpty || name.contains(where: { $0 == "\n" || $0 == "," || $0 == "\"" }) {
            throw MetricsError("run log: metric name \"\(name)\" must be non-empty and free of commas, quotes and newlines")
        }
        let record = Record(step: step, time: Date().timeIntervalSince1970, values: values)
        let newNames = values.keys.filter { !names.contains($0) }.sorted()
        records.append(record)
        names += newNames
        try jsonl.write(jsonLine(record))
        if newNames.isEmpty && records.count > 1 {
            try csv.write(csvLine(record))
        } else {
            try rewriteCSV()
        }
        try writeEvent(record)
    }

    /// The steps at which `name` was logged and its values there.
    public func series(_ name: String) -> (steps: [Int], values: [Double]) {
        let hits = records.compactMap { r in r.values[name].map { (r.step, $0) } }
        return (hits.map(\.0), hits.map(\.1))
    }

    /// The last logged value of every metric, in ``names`` order.
    public var finalValues: [(name: String, value: Double)] {
        names.compactMap { name in records.last { $0.values[name] != nil }.map { (name, $0.values[name]!) } }
    }

    /// The last logged value of `name`.
    public func last(_ name: String) -> Double? { records.last { $0.values[name] != nil }?.values[name] }

    // MARK: Files

    private func startEventFile() throws(MetricsError) {
        guard tensorBoard else { return }
        let time = Date().timeIntervalSince1970
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        let hostName = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let path = directory + "/events.out.tfevents.\(Int(time)).\(hostName.isEmpty ? "localhost" : hostName)"
        let file = try OutputFile(path, truncate: true)
        var bytes: [UInt8] = []
        TFRecord.append(TensorBoardEvent(wallTime: time, fileVersion: "brain.Event:2").encoded(), to: &bytes)
        try file.write(bytes)
        events = file
        eventFilePath = path
    }

    private func writeEvent(_ record: Record) throws(MetricsError) {
        guard let events else { return }
        let scalars = names.compactMap { n in record.values[n].map { TensorBoardEvent.Scalar(n, Float($0)) } }
        var bytes: [UInt8] = []
        TFRecord.append(TensorBoardEvent(wallTime: record.time, step: Int64(record.step), scalars: scalars).encoded(), to: &bytes)
        try events.write(bytes)
    }

    private func jsonLine(_ record: Record) -> String {
        var line = "{\"step\":\(record.step),\"time\":\(record.time)"
        for name in names {
            guard let v = record.values[name] else { continue }
            line += ",\"\(name)\":" + RunLog.json(v)
        }
        return line + "}\n"
    }

    static func json(_ v: Double) -> String {
        if v.isNaN { return "\"NaN\"" }
        if v.isInfinite { return v > 0 ? "\"Infinity\"" : "\"-Infinity\"" }
        return "\(v)"
    }

    private func csvLine(_ record: Record) -> String {
        ([String(record.step), "\(record.time)"] + names.map { n in record.values[n].map { "\($0)" } ?? "" })
            .joined(separator: ",") + "\n"
    }

    private func rewriteCSV() throws(MetricsError) {
        csv.close()
        csv = try OutputFile(directory + "/" + RunLog.csvName, truncate: true)
        try csv.write((["step", "time"] + names).joined(separator: ",") + "\n" + records.map(csvLine).joined())
    }

    /// Rewrites every file from `records` (after a restore).
    func rewriteAll() throws(MetricsError) {
        jsonl.close()
        jsonl = try OutputFile(directory + "/" + RunLog.jsonlName, truncate: true)
        try jsonl.write(records.map(jsonLine).joined())
        try rewriteCSV()
        events?.close()
        events = nil
        if let old = eventFilePath { unlink(old) }
        try startEventFile()
        for r in records { try writeEvent(r) }
    }

    func replace(records: [Record], names: [String]) {
        self.records = records
        self.names = names
    }
}
