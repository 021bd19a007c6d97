import Foundation

/// Wall time of `quire run` on a 5-cell trivial notebook (the Swift twin of the peers' Python one), with
/// the engine prebuilt: cold = a program never compiled before (a fresh comment changes its hash), warm =
/// the same notebook again, its binary cached (both with `--no-cache`, so every cell runs). Each run is a
/// separate `quire` process, as a user types it. The cell cache's cases are `notebook-cache`.
let notebookBenchmark = Benchmark(name: "notebook", summary: "quire run: cold/warm 5-cell runs, and the cell cache (re-runs after edits, snapshot cost, 200 cells)") { r in
    let quire = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quire-bench-notebook-\(getpid())").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }

    func notebook(nonce: String) -> String {
        """
        # Five cells
        <!-- \(nonce) -->

        ```swift
        import Foundation
        ```

        ```swift
        let x = (0..<1000).map { $0 * $0 }
        ```

        ```swift
        let s = x.reduce(0, +)
        s
        ```

        ```swift
        print(s, Double(s).squareRoot())
        ```

        ```swift
        _ = "\(nonce)"   // in the code, so the program changes
        ["cells": 5, "ok": 1]
        ```
        """
    }

    func timedRun(_ path: String) throws -> Double {
        // --no-cache: these two cases time compiling and running, as the Jupyter peer runs every cell.
        try timedCommand([quire, "run", path, "--out", dir + "/report", "--no-cache"], environment: ProcessInfo.processInfo.environment)
    }

    guard r.wants("cold") || r.wants("warm") else { return try notebookCacheCases(r) }
    // Make sure the engine is built and the clang module cache is warm before timing anything.
    let path = dir + "/five.md"
    try notebook(nonce: "warm-up \(UUID())").write(toFile: path, atomically: true, encoding: .utf8)
    _ = try timedRun(path)

    var cold: [Double] = []
    for _ in 0..<3 {
        try notebook(nonce: UUID().uuidString).write(toFile: path, atomically: true, encoding: .utf8)
        cold.append(try timedRun(path))
    }
    var warm: [Double] = []
    for _ in 0..<5 { warm.append(try timedRun(path)) }
    cold.sort()
    warm.sort()
    if r.wants("cold") {
        r.emit(["benchmark": "notebook", "case": "cold", "cells": 5, "median_s": round(cold[cold.count / 2], 3),
                "best_s": round(cold[0], 3), "runs": cold.map { round($0, 3) }])
    }
    if r.wants("warm") {
        r.emit(["benchmark": "notebook", "case": "warm", "cells": 5, "median_s": round(warm[warm.count / 2], 3),
                "best_s": round(warm[0], 3), "runs": warm.map { round($0, 3) }])
    }
    try notebookCacheCases(r)
}
