import Foundation

/// One cell's snapshot, as stored in `<store>/cells/<key>/checkpoint.json`.
struct CellSnapshot {
    static let format = "quire-cell-snapshot/1"

    var key: String
    var cellID: String
    var notebook: String
    var created: String
    /// How long the cell took when it ran: the time a restore saves.
    var seconds: Double
    /// How long recording its values took.
    var snapshotSeconds: Double
    /// Why the snapshot cannot be restored (the cell then runs again), or nil.
    var unusable: String?
    /// The values the cell changed, by name, as the program recorded them (JSON objects).
    var values: [String: Any]
    var outputs: [CellOutput]
    /// Figure file name → content hash.
    var figures: [String: String]
    var metrics: [RunMetrics]
    var parts: KeyParts
    /// The compiler's warnings on the cell, shown again when it is restored.
    var diagnostics: [Diagnostic] = []

    /// Every tensor blob the values name.
    var blobs: [String] {
        var out: [String] = []
        for case let entry as [String: Any] in values.values {
            if let blob = entry["blob"] as? String { out.append(blob) }
            if let tensors = entry["tensors"] as? [String: String] { out += tensors.values }
        }
        return out
    }

    init(key: String, cellID: String, notebook: String, seconds: Double, snapshotSeconds: Double, unusable: String?,
         values: [String: Any], outputs: [CellOutput], figures: [String: String], metrics: [RunMetrics], parts: KeyParts, diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
        self.key = key
        self.cellID = cellID
        self.notebook = notebook
        self.created = ISO8601DateFormatter().string(from: Date())
        self.seconds = seconds
        self.snapshotSeconds = snapshotSeconds
        self.unusable = unusable
        self.values = values
        self.outputs = outputs
        self.figures = figures
        self.metrics = metrics
        self.parts = parts
    }

    init?(json data: Data) {
        guard let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any], o["format"] as? String == Self.format,
              let key = o["key"] as? String, let partsObject = o["parts"],
              let partsData = try? JSONSerialization.data(withJSONObject: partsObject),
              let parts = try? JSONDecoder().decode(KeyParts.self, from: partsData),
              let outputs = o["outputs"] as? [[String: Any]] else { return nil }
        self.key = key
        cellID = o["cell"] as? String ?? ""
        notebook = o["notebook"] as? String ?? ""
        created = o["created"] as? String ?? ""
        seconds = (o["seconds"] as? NSNumber)?.doubleValue ?? 0
        snapshotSeconds = (o["snapshotSeconds"] as? NSNumber)?.doubleValue ?? 0
        unusable = o["unusable"] as? String
        values = o["values"] as? [String: Any] ?? [:]
        figures = o["figures"] as? [String: String] ?? [:]
        self.parts = parts
        var decoded: [CellOutput] = []
        for output in outputs {
            guard let d = CellOutput(stored: output) else { return nil }
            decoded.append(d)
        }
        self.outputs = decoded
        diagnostics = (o["diagnostics"] as? [[String: Any]] ?? []).compactMap { d in
            guard let severity = (d["severity"] as? String).flatMap(Diagnostic.Severity.init(rawValue:)),
                  let message = d["message"] as? String else { return nil }
            let location = (d["file"] as? String).flatMap { f in (d["line"] as? Int).map { SourceLocation(file: f, line: $0) } }
            return Diagnostic(severity: severity, message: message, location: location, column: d["column"] as? Int,
                              cellIndex: d["cell"] as? Int)
        }
        metrics = (o["metrics"] as? [[String: Any]] ?? []).compactMap { m in
            guard let run = m["run"] as? String, let values = m["values"] as? [[Any]] else { return nil }
            return RunMetrics(run: run, values: values.compactMap { pair in
                guard pair.count == 2, let name = pair[0] as? String else { return nil }
                return (name, (pair[1] as? NSNumber)?.doubleValue ?? .nan)
            })
        }
    }

    func json() -> Data {
        var o: [String: Any] = [
            "format": Self.format, "key": key, "cell": cellID, "notebook": notebook, "created": created,
            "seconds": seconds, "snapshotSeconds": snapshotSeconds, "values": values,
            "outputs": outputs.map(\.stored), "figures": figures,
            "metrics": metrics.map { ["run": $0.run, "values": $0.values.map { [$0.name, $0.value.isFinite ? $0.value as Any : NSNull()] }] },
        ]
        if let unusable { o["unusable"] = unusable }
        o["diagnostics"] = diagnostics.map { d -> [String: Any] in
            var out: [String: Any] = ["severity": d.severity.rawValue, "message": d.message]
            if let l = d.location { out["file"] = l.file; out["line"] = l.line }
            if let c = d.column { out["column"] = c }
            if let i = d.cellIndex { out["cell"] = i }
            return out
        }
        if let partsData = try? JSONEncoder().encode(parts), let p = try? JSONSerialization.jsonObject(with: partsData) { o["parts"] = p }
        return (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data()
    }
}

extension CellOutput {
    var stored: [String: Any] {
        switch self {
        case .stdout(let t): ["kind": "stdout", "text": t]
        case .stderr(let t): ["kind": "stderr", "text": t]
        case .display(let text, let label): ["kind": "display", "text": text, "label": label ?? NSNull()]
        case .table(let header, let rows): ["kind": "table", "header": header ?? NSNull(), "rows": rows]
        case .markdown(let t): ["kind": "markdown", "text": t]
        case .image(let file, let width, let height, let caption):
            ["kind": "image", "file": file, "width": width, "height": height, "caption": caption ?? NSNull()]
        case .error(let t): ["kind": "error", "text": t]
        }
    }

    init?(stored o: [String: Any]) {
        let text = o["text"] as? String ?? ""
        switch o["kind"] as? String {
        case "stdout": self = .stdout(text)
        case "stderr": self = .stderr(text)
        case "display": self = .display(text: text, label: o["label"] as? String)
        case "table":
            guard let rows = o["rows"] as? [[String]] else { return nil }
            self = .table(header: o["header"] as? [String], rows: rows)
        case "markdown": self = .markdown(text)
        case "image":
            guard let file = o["file"] as? String else { return nil }
            self = .image(file: file, width: o["width"] as? Int ?? 0, height: o["height"] as? Int ?? 0, caption: o["caption"] as? String)
        case "error": self = .error(text)
        default: return nil
        }
    }
}
