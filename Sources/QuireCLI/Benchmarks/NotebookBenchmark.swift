import Foundation

/// Wall time of `quire run` on a 5-cell trivial notebook (the Swift twin of the peers' Python one), with
/// the engine prebuilt: cold = a program never compiled before (a fresh comment changes its hash), warm =
/// the same notebook again, its binary cached (both with `--no-cache`, so every cell runs). Each run is a
/// separate `quire` process, as a user types it. The cell cache's cases are `notebook-cache`.
let notebookBenchmark = Benchmark(name: "notebook", summary: "quire run on a 5-cell notebook: cold (compile) and warm (cached binary)") { r in
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
        // \(nonce)
        ["cells": 5, "ok": 1]
        ```
        """
    }

    func timedRun(_ path: String) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: quire)
        // --no-cache: these two cases time compiling and running, as the Jupyter peer runs every cell.
        process.arguments = ["run", path, "--out", dir + "/report", "--no-cache"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let t0 = DispatchTime.now().uptimeNanoseconds
        try process.run()
        process.waitUntilExit()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "bench", code: Int(process.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "quire run \(path) exited \(process.terminationStatus)"])
        }
        return seconds
    }

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
}
