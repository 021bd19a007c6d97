import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `quire watch`'s cases of `quire bench notebook`: from a save of the notebook to the served report
/// showing the change (polled over HTTP every 5 ms, as an open page would reload), for a prose edit and for a
/// last-cell code edit of a notebook whose training cell takes `target` seconds.
func watchCases(_ r: BenchReporter, quire: String, dir: String, cache: String, notebook: (String, String) -> String) throws {
    let path = dir + "/watched.md"
    try notebook("Prose w0.", "last w0").write(toFile: path, atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: quire)
    process.arguments = ["watch", path, "--port", "0", "--out", dir + "/watch-report"]
    var environment = ProcessInfo.processInfo.environment
    environment["QUIRE_CACHE_DIR"] = cache
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    defer { process.interrupt(); process.waitUntilExit() }

    // The URL it prints.
    var printed = ""
    var url: URL?
    let deadline = Date().addingTimeInterval(60)
    while url == nil, Date() < deadline {
        printed += String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self)
        if let at = printed.range(of: "at http://") {
            let rest = printed[at.upperBound...].prefix { $0 != " " && $0 != "\n" }
            url = URL(string: "http://" + rest)
        }
    }
    guard let url else { throw NSError(domain: "bench", code: 1, userInfo: [NSLocalizedDescriptionKey: "quire watch printed no URL: \(printed)"]) }
    func page() -> String { (try? String(decoding: Data(contentsOf: url), as: UTF8.self)) ?? "" }
    func waitFor(_ marker: String, within seconds: Double) throws -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if page().contains(marker) { return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 }
            usleep(5_000)
        }
        throw NSError(domain: "bench", code: 2, userInfo: [NSLocalizedDescriptionKey: "the served report never showed \(marker)"])
    }
    _ = try waitFor("last w0", within: 600)   // the first run (the training cell)
    var prose: [Double] = []
    for k in 1...5 {
        try notebook("Prose w\(k).", "last w0").write(toFile: path, atomically: true, encoding: .utf8)
        prose.append(try waitFor("Prose w\(k).", within: 60))
        usleep(300_000)
    }
    var last: [Double] = []
    for k in 1...3 {
        try notebook("Prose w5.", "last w\(k)").write(toFile: path, atomically: true, encoding: .utf8)
        last.append(try waitFor("last w\(k)", within: 120))
        usleep(300_000)
    }
    func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
    if r.wants("watch-prose") {
        r.emit(["benchmark": "notebook", "case": "watch-prose", "median_s": round(median(prose), 3), "best_s": round(prose.min()!, 3),
                "runs": prose.map { round($0, 3) }, "note": "save to served report, 150 ms debounce included"])
    }
    if r.wants("watch-last-cell") {
        r.emit(["benchmark": "notebook", "case": "watch-last-cell", "median_s": round(median(last), 3), "best_s": round(last.min()!, 3),
                "runs": last.map { round($0, 3) }, "note": "save to served report: compile + restore + the last cell"])
    }
}
