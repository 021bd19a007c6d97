import Foundation

/// The cell cache's cases of `quire bench notebook`, timed as a user meets them (each a separate `quire run`, the engine prebuilt):
///
/// - `unchanged`, `prose-edit`, `last-cell-edit`: re-runs of a notebook whose training cell takes about
///   `QUIRE_BENCH_TRAIN_SECONDS` (default 10) seconds;
/// - `snapshot-overhead`: the time recording the training cell's values took, as a share of the cell;
/// - `snapshot-write`: GB/s recording a 256 MiB tensor;
/// - `cells-200-*`: a 200-cell notebook of trivial cells: a full run beyond its cells' own time (binary
///   cached, nothing restored), an all-cached re-run, and a last-cell edit.
func notebookCacheCases(_ r: BenchReporter) throws {
    let quire = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quire-bench-cache-\(getpid())").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let cache = dir + "/cache"

    @discardableResult
    func timedRun(_ path: String, _ extra: [String] = []) throws -> Double {
        var environment = ProcessInfo.processInfo.environment
        environment["QUIRE_CACHE_DIR"] = cache
        return try timedCommand([quire, "run", path, "--out", dir + "/report"] + extra, environment: environment)
    }

    /// The newest snapshot of the cell `id`: its run time and the time recording it took.
    func snapshot(_ id: String) -> (seconds: Double, record: Double)? {
        let cells = cache + "/cells"
        var best: (Date, Double, Double)?
        for key in (try? FileManager.default.contentsOfDirectory(atPath: cells)) ?? [] where !key.hasPrefix(".") {
            guard let data = FileManager.default.contents(atPath: cells + "/" + key + "/checkpoint.json"),
                  let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any], o["cell"] as? String == id,
                  let created = (o["created"] as? String).flatMap({ ISO8601DateFormatter().date(from: $0) }) else { continue }
            if best == nil || created >= best!.0 {
                best = (created, (o["seconds"] as? NSNumber)?.doubleValue ?? 0, (o["snapshotSeconds"] as? NSNumber)?.doubleValue ?? 0)
            }
        }
        return best.map { ($0.1, $0.2) }
    }

    func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
    func emit(_ name: String, _ times: [Double], _ extra: [String: Any] = [:]) {
        guard r.wants(name) else { return }
        var fields: [String: Any] = ["benchmark": "notebook", "case": name, "median_s": round(median(times), 3),
                                     "best_s": round(times.min()!, 3), "runs": times.map { round($0, 3) }]
        fields.merge(extra) { a, _ in a }
        r.emit(fields)
    }

    // A training notebook: data, model, a training cell of about `target` seconds, evaluation.
    let target = Double(ProcessInfo.processInfo.environment["QUIRE_BENCH_TRAIN_SECONDS"] ?? "") ?? 10
    func training(steps: Int, prose: String, last: String) -> String {
        """
        ---
        title: Cached training
        params:
          steps: \(steps)
        seed: 0
        ---

        \(prose)

        ```swift
        //| id: data
        let x = Tensor.normal(PRNGKey(seed: seed), shape: [256, 64])
        let y = Tensor((0..<256).map { Int32($0 % 10) })
        ```

        ```swift
        //| id: model
        let model = MLP([64, 256, 256, 10], rngs: Rngs(seed))
        let optimizer = Optimizer(model, adam(learningRate: 1e-3))
        var losses: [Float] = []
        ```

        ```swift
        //| id: train
        for _ in 0..<steps {
            let (loss, grads) = try valueAndGrad(of: model) { m in softmaxCrossEntropy(logits: m(x), labels: y).mean() }
            try optimizer.update(grads)
            losses.append(loss.item(as: Float.self))
        }
        ```

        ```swift
        //| id: evaluate
        print("\(last)", losses.last!, losses.count)
        ```
        """
    }
    let path = dir + "/train.md"
    if ["unchanged", "prose-edit", "last-cell-edit", "snapshot-overhead", "watch-prose", "watch-last-cell"].contains(where: r.wants) {
        // Calibrate the step count so the training cell takes about `target` seconds.
        try training(steps: 300, prose: "Calibration.", last: "calibrate").write(toFile: path, atomically: true, encoding: .utf8)
        try timedRun(path, ["--no-cache"])
        try timedRun(path)
        let perStep = (snapshot("train")?.seconds ?? 1) / 300
        let steps = max(300, Int(target / perStep))
        try training(steps: steps, prose: "Prose 0.", last: "last 0").write(toFile: path, atomically: true, encoding: .utf8)
        let full = try timedRun(path)
        let train = snapshot("train") ?? (0, 0)
        try timedRun(path)   // warm the all-cached path once
        var unchanged: [Double] = []
        for _ in 0..<5 { unchanged.append(try timedRun(path)) }
        var prose: [Double] = []
        for k in 1...5 {
            try training(steps: steps, prose: "Prose \(k).", last: "last 0").write(toFile: path, atomically: true, encoding: .utf8)
            prose.append(try timedRun(path))
        }
        var last: [Double] = []
        for k in 1...5 {
            try training(steps: steps, prose: "Prose 5.", last: "last \(k)").write(toFile: path, atomically: true, encoding: .utf8)
            last.append(try timedRun(path))
        }
        if r.wants("watch-prose") || r.wants("watch-last-cell") {
            try watchCases(r, quire: quire, dir: dir, cache: cache) { prose, last in training(steps: steps, prose: prose, last: last) }
        }
        let context: [String: Any] = ["train_cell_s": round(train.seconds, 3), "steps": steps, "first_run_s": round(full, 3)]
        emit("unchanged", unchanged, context)
        emit("prose-edit", prose, context)
        emit("last-cell-edit", last, context)
        if r.wants("snapshot-overhead") {
            r.emit(["benchmark": "notebook", "case": "snapshot-overhead", "train_cell_s": round(train.seconds, 3),
                    "record_s": round(train.record, 4), "overhead_pct": round(100 * train.record / max(train.seconds, 1e-9), 3)])
        }
    }

    if r.wants("snapshot-write") {
        // A 256 MiB tensor, new content each run: recording it hashes and writes every byte.
        let big = dir + "/big.md"
        var rates: [Double] = []
        for k in 0..<3 {
            try """
                ```swift
                //| id: big
                let big = Tensor.full([64 * 1024 * 1024], Double(\(k + 1)))
                ```
                """.write(toFile: big, atomically: true, encoding: .utf8)
            try timedRun(big)
            if let s = snapshot("big"), s.record > 0 { rates.append(Double(256 << 20) / s.record / 1e9) }
        }
        if !rates.isEmpty {
            r.emit(["benchmark": "notebook", "case": "snapshot-write", "bytes": 256 << 20,
                    "median_gb_s": round(median(rates), 3), "runs_gb_s": rates.map { round($0, 3) }])
        }
    }

    if ["cells-200-run", "cells-200-cached", "cells-200-last-edit"].contains(where: r.wants) {
        func cells200(last: String) -> String {
            var text = "# Two hundred cells\n"
            for i in 0..<199 { text += "\n```swift\nlet v\(i) = \(i) * 2\n```\n" }
            text += "\n```swift\nprint(\"\(last)\", v198)\n```\n"
            return text
        }
        let many = dir + "/many.md"
        try cells200(last: "end 0").write(toFile: many, atomically: true, encoding: .utf8)
        try timedRun(many, ["--no-cache"])   // compile once
        var run: [Double] = []
        for _ in 0..<3 { run.append(try timedRun(many, ["--no-cache"])) }
        try timedRun(many)   // fill the cache
        var cached: [Double] = []
        for _ in 0..<5 { cached.append(try timedRun(many)) }
        var edits: [Double] = []
        for k in 1...3 {
            try cells200(last: "end \(k)").write(toFile: many, atomically: true, encoding: .utf8)
            edits.append(try timedRun(many))
        }
        emit("cells-200-run", run, ["cells": 200, "note": "binary cached, --no-cache; the cells' own time is about 0"])
        emit("cells-200-cached", cached, ["cells": 200])
        emit("cells-200-last-edit", edits, ["cells": 200])
    }
}
