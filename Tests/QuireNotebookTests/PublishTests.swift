import Foundation
import XCTest

/// `quire publish`: a static site of reports with an index comparing the runs, relative links only.
final class PublishTests: XCTestCase {
    typealias Q = QuireCLIHarness

    static let hostile = "\"><img src=x onerror=alert(1)></script><script>alert(2)</script>"

    /// A tiny training run: a run log with two metrics and a loss curve, in well under a second.
    static func tinyNotebook(title: String = "Tiny fit", metric: String = "loss") -> String {
        """
        ---
        title: \(title)
        description: A synthetic loss curve.
        params:
          steps: 20
        ---

        ```swift
        //| id: train
        let run = try RunLog(named: "tiny")
        for step in 1...steps {
            try run.log(["\(metric)": 1.0 / Double(step), "accuracy": Double(step) / Double(steps)], step: step)
        }
        print("trained \\(steps) steps")
        ```

        ```swift
        //| id: curve
        //| caption: Loss per step.
        lossCurve(run, "\(metric)")
        ```
        """
    }

    func publish(_ arguments: [String], cache: String, directory: String? = nil) throws -> Q.Result {
        try Q.quire(["publish"] + arguments, directory: directory, environment: ["QUIRE_CACHE_DIR": cache])
    }

    func write(_ path: String, _ text: String) throws -> String {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testPublishWritesLinkedReportsAndAnIndexThatSurviveAMove() throws {
        let dir = try Q.scratch()
        let notebooks = dir + "/notebooks"
        try FileManager.default.createDirectory(atPath: notebooks, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Q.root + "/notebooks/quickstart.md", toPath: notebooks + "/quickstart.md")
        _ = try write(notebooks + "/tiny.md", Self.tinyNotebook())
        _ = try write(notebooks + "/README.md", "not a notebook")
        let site = dir + "/site"
        let r = try publish([notebooks, "--out", site, "-P", "steps=12"], cache: dir + "/cache")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("site: \(site)/index.html (2 notebooks)"), r.stdout)

        let fm = FileManager.default
        for name in ["index.html", "quickstart/index.html", "tiny/index.html", "tiny/runs/tiny/metrics.jsonl",
                     "tiny/runs/tiny/metrics.csv", "thumbs/tiny.png", "thumbs/quickstart.png", ".quire-site.json"] {
            XCTAssertTrue(fm.fileExists(atPath: site + "/" + name), name)
        }
        XCTAssertFalse(fm.fileExists(atPath: site + "/README"), "README.md is not published")
        let index = try String(contentsOfFile: site + "/index.html", encoding: .utf8)
        XCTAssertTrue(index.contains(#"<a class="title" href="quickstart/index.html">Quire quick-start</a>"#), index)
        XCTAssertTrue(index.contains(#"<a class="title" href="tiny/index.html">Tiny fit</a>"#), index)
        XCTAssertTrue(index.contains("A synthetic loss curve."))
        // The final metrics: loss = 1/12, accuracy = 12/12.
        XCTAssertTrue(index.contains(#"<span class="metric-run">tiny</span>loss</th>"#), index)
        XCTAssertTrue(index.contains(#"data-sort="0.08333333333333333">0.08333</td>"#), index)
        XCTAssertTrue(index.contains(#"<td class="n" data-sort="1.0">1</td>"#), index)
        XCTAssertTrue(index.contains(#"href="tiny/runs/tiny/metrics.csv" download"#), index)
        let report = try String(contentsOfFile: site + "/tiny/index.html", encoding: .utf8)
        XCTAssertTrue(report.contains(#"<a class="run-file" href="runs/tiny/metrics.jsonl" download>metrics.jsonl</a>"#), report)
        // The loss curve's thumbnail is scaled down in Swift to 400 px wide (shown at 200), not a copy.
        let thumb = try XCTUnwrap(fm.contents(atPath: site + "/thumbs/tiny.png"))
        XCTAssertEqual(Array(thumb.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        XCTAssertEqual(thumb[16..<20].reduce(0) { $0 << 8 | Int($1) }, 400)
        XCTAssertLessThan(thumb.count, try XCTUnwrap(fm.contents(atPath: site + "/tiny/figures/curve-1.png")).count)
        XCTAssertTrue(index.contains(#"<img src="thumbs/tiny.png" width="200" height="#), index)
        try assertLinksResolve(in: site)
        for page in ["index.html", "quickstart/index.html", "tiny/index.html"] {
            XCTAssertEqual(try tidyErrors(site + "/" + page), "", page)
        }

        // Moved (and renamed) the site still links to itself only.
        let moved = dir + "/elsewhere/deeper/site-copy"
        try fm.createDirectory(atPath: dir + "/elsewhere/deeper", withIntermediateDirectories: true)
        try fm.moveItem(atPath: site, toPath: moved)
        try assertLinksResolve(in: moved)

        // Publishing again into it restores every cell and rewrites the same site.
        let again = try publish([notebooks, "--out", moved, "-P", "steps=12"], cache: dir + "/cache")
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("all 2 cells restored from the cache"), again.stderr)
        try assertLinksResolve(in: moved)
        XCTAssertTrue(try String(contentsOfFile: moved + "/tiny/index.html", encoding: .utf8).contains("runs/tiny/metrics.csv"))

        // Into a new folder the restored run log has no files there: the notebook runs again to write them.
        let fresh = dir + "/fresh-site"
        let third = try publish([notebooks, "--out", fresh, "-P", "steps=12"], cache: dir + "/cache")
        XCTAssertEqual(third.status, 0, third.stderr)
        XCTAssertTrue(third.stderr.contains("running it again without the cache"), third.stderr)
        XCTAssertTrue(fm.fileExists(atPath: fresh + "/tiny/runs/tiny/metrics.csv"))
        try assertLinksResolve(in: fresh)
    }

    func testEmbedMakesEachReportOneFile() throws {
        let dir = try Q.scratch()
        let notebook = try write(dir + "/tiny.md", Self.tinyNotebook())
        let site = dir + "/site"
        let r = try publish([notebook, "--out", site, "--embed"], cache: dir + "/cache")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: site + "/tiny/figures"))
        let report = try String(contentsOfFile: site + "/tiny/index.html", encoding: .utf8)
        XCTAssertTrue(report.contains("src=\"data:image/png;base64,"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: site + "/thumbs/tiny.png"), "the thumbnail comes from the run's figures")
        try assertLinksResolve(in: site)
    }

    func testFailedNotebookStopsThePublishUnlessAllowed() throws {
        let dir = try Q.scratch()
        let good = try write(dir + "/good.md", Self.tinyNotebook())
        let bad = try write(dir + "/bad.md", """
            # Bad

            ```swift
            //| id: fine
            print("fine")
            ```

            ```swift
            //| id: boom
            let values: [Int] = []
            print(values[3])
            ```
            """)
        let site = dir + "/site"
        let stopped = try publish([good, bad, "--out", site], cache: dir + "/cache")
        XCTAssertEqual(stopped.status, 1, stopped.stderr)
        XCTAssertTrue(stopped.stderr.contains("error: \(bad): failed at cell boom (line 1"), stopped.stderr)
        XCTAssertTrue(stopped.stderr.contains("--allow-failed"), stopped.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: site + "/index.html"), "no index for a stopped publish")

        // A site published before keeps its index and thumbnails when a later publish stops.
        XCTAssertEqual(try publish([good, "--out", site], cache: dir + "/cache").status, 0)
        let before = try String(contentsOfFile: site + "/index.html", encoding: .utf8)
        XCTAssertEqual(try publish([good, bad, "--out", site], cache: dir + "/cache").status, 1)
        XCTAssertEqual(try String(contentsOfFile: site + "/index.html", encoding: .utf8), before)
        XCTAssertTrue(before.contains("thumbs/good.png"))
        try assertLinksResolve(in: site)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: site).filter { $0.hasSuffix(".tmp") }, [])

        let allowed = try publish([good, bad, "--out", site, "--allow-failed"], cache: dir + "/cache")
        XCTAssertEqual(allowed.status, 0, allowed.stderr)
        let index = try String(contentsOfFile: site + "/index.html", encoding: .utf8)
        XCTAssertTrue(index.contains(#"<a class="bad" href="bad/index.html#cell-boom">failed at cell boom (line 1"#), index)
        XCTAssertTrue(index.contains(#"<span class="ok">ok</span>"#), index)
        try assertLinksResolve(in: site)
    }

    func testRefusesAFolderThatIsNotASite() throws {
        let dir = try Q.scratch()
        let notebook = try write(dir + "/good.md", "```swift\nprint(1)\n```\n")
        try FileManager.default.createDirectory(atPath: dir + "/mine", withIntermediateDirectories: true)
        _ = try write(dir + "/mine/thesis.tex", "x")
        let r = try publish([notebook, "--out", dir + "/mine"], cache: dir + "/cache")
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("is not a Quire site folder (no .quire-site.json)"), r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/mine"), ["thesis.tex"])
    }

    func testOnePublishIntoASiteAtATime() throws {
        let dir = try Q.scratch()
        let notebook = try write(dir + "/good.md", "```swift\nprint(1)\n```\n")
        try FileManager.default.createDirectory(atPath: dir + "/site", withIntermediateDirectories: true)
        let fd = open(dir + "/site/.quire.lock", O_CREAT | O_RDWR, 0o644)
        XCTAssertEqual(flock(fd, LOCK_EX), 0)
        defer { close(fd) }
        let r = try publish([notebook, "--out", dir + "/site"], cache: dir + "/cache")
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("is in use by another `quire publish`"), r.stderr)
    }

    func testHostileStringsInTheIndexStayText() throws {
        let dir = try Q.scratch()
        let title = "\"T \\\" onload=alert(6) <b>\""
        let notebook = Self.tinyNotebook(title: title, metric: "<img src=x onerror=alert(9)>")
            .replacingOccurrences(of: "A synthetic loss curve.", with: "\"</p><script>alert(7)</script>\"")
            .replacingOccurrences(of: "//| caption: Loss per step.", with: "//| caption: \(Self.hostile)")
        let path = try write(dir + "/hostile.md", notebook)
        let site = dir + "/site"
        let r = try publish([path, "--out", site], cache: dir + "/cache")
        XCTAssertEqual(r.status, 0, r.stderr)
        let index = try String(contentsOfFile: site + "/index.html", encoding: .utf8)
        XCTAssertTrue(index.contains("onerror=alert(1)"), "the hostile caption is shown as the thumbnail's alt text")
        XCTAssertTrue(index.contains("&lt;script&gt;"), index)
        XCTAssertEqual(try htmlCheck(site + "/index.html", scripts: 1), "clean")
        XCTAssertEqual(try htmlCheck(site + "/hostile/index.html", scripts: 0), "clean", "the report the index links")
        try assertLinksResolve(in: site)
    }

    func testGitBranchCommitsOnceAndLeavesTheWorkingTreeAlone() throws {
        let dir = try Q.scratch()
        let repo = dir + "/repo"
        try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
        for args in [["init", "-q", "-b", "main"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "start"]] {
            XCTAssertEqual(try git(args, in: repo).status, 0)
        }
        _ = try write(repo + "/tiny.md", Self.tinyNotebook())
        // A first publish runs the cells; the ones after it restore them all (the reports then say so), and
        // publishing unchanged notebooks again writes the same files.
        XCTAssertEqual(try publish(["tiny.md", "--out", "site"], cache: dir + "/cache", directory: repo).status, 0)
        let first = try publish(["tiny.md", "--out", "site", "--git-branch", "gh-pages"], cache: dir + "/cache", directory: repo)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("committed the site to branch gh-pages"), first.stdout)
        XCTAssertTrue(first.stdout.contains("git push origin gh-pages"), first.stdout)
        let files = try git(["ls-tree", "-r", "--name-only", "gh-pages"], in: repo).output
        XCTAssertTrue(files.contains("index.html\n") && files.contains("tiny/index.html") && files.contains("thumbs/tiny.png"), files)
        XCTAssertFalse(files.contains(".quire.lock"), files)
        XCTAssertEqual(try git(["rev-parse", "--abbrev-ref", "HEAD"], in: repo).output, "main\n", "the user's branch is still checked out")
        XCTAssertEqual(try git(["status", "--porcelain"], in: repo).output, "?? site/\n?? tiny.md\n", "the user's index is untouched")
        XCTAssertEqual(try git(["worktree", "list"], in: repo).output.split(separator: "\n").count, 1, "the temporary worktree is gone")

        let count = try git(["rev-list", "--count", "gh-pages"], in: repo).output
        XCTAssertEqual(count, "1\n")
        let second = try publish(["tiny.md", "--out", "site", "--git-branch", "gh-pages"], cache: dir + "/cache", directory: repo)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("already holds this site; nothing to commit"), second.stdout)
        XCTAssertEqual(try git(["rev-list", "--count", "gh-pages"], in: repo).output, count)

        // A changed parameter is a new commit on the branch.
        let third = try publish(["tiny.md", "--out", "site", "-P", "steps=7", "--git-branch", "gh-pages"], cache: dir + "/cache", directory: repo)
        XCTAssertEqual(third.status, 0, third.stderr)
        XCTAssertEqual(try git(["rev-list", "--count", "gh-pages"], in: repo).output, "2\n")
    }

    // MARK: Helpers

    func git(_ arguments: [String], in directory: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Every `href`/`src` of every page in the site names a file inside the site (fragments aside), by a
    /// relative path: nothing absolute, nothing outside.
    func assertLinksResolve(in site: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let root = URL(fileURLWithPath: site).standardizedFileURL.path
        let pages = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".html") }
        XCTAssertFalse(pages.isEmpty, file: file, line: line)
        let pattern = try NSRegularExpression(pattern: #"(?:href|src)="([^"]*)""#)
        var checked = 0
        for page in pages {
            let html = try String(contentsOfFile: root + "/" + page, encoding: .utf8)
            let base = URL(fileURLWithPath: root + "/" + page).deletingLastPathComponent()
            for match in pattern.matches(in: html, range: NSRange(html.startIndex..., in: html)) {
                let raw = String(html[Range(match.range(at: 1), in: html)!]).replacingOccurrences(of: "&amp;", with: "&")
                if raw.hasPrefix("#") || raw.hasPrefix("data:image/png;base64,") { continue }
                XCTAssertFalse(raw.hasPrefix("/") || raw.contains(":"), "\(page): \(raw) is not a relative link", file: file, line: line)
                let path = String(raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]).removingPercentEncoding ?? raw
                let target = base.appendingPathComponent(path).standardizedFileURL.path
                XCTAssertTrue(target.hasPrefix(root + "/"), "\(page): \(raw) leaves the site", file: file, line: line)
                XCTAssertTrue(FileManager.default.fileExists(atPath: target), "\(page): \(raw) → \(target) is missing", file: file, line: line)
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 0, file: file, line: line)
    }

    /// `tidy -errors -q`: the page's real HTML errors (warnings are not printed with `-errors`); empty when
    /// valid. Skipped where tidy is not installed (scripts/system-packages.sh installs it).
    func tidyErrors(_ page: String) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tidy") else { throw XCTSkip("tidy is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tidy")
        process.arguments = ["-errors", "-q", page]
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Python's html.parser: no element or event attribute Quire did not write (`scripts`: Quire's own).
    func htmlCheck(_ page: String, scripts: Int) throws -> String {
        let script = (page as NSString).deletingLastPathComponent + "/../check.py"
        try """
            import sys
            from html.parser import HTMLParser
            bad = []
            scripts = 0
            class P(HTMLParser):
                def handle_starttag(self, tag, attrs):
                    global scripts
                    if tag == "script": scripts += 1
                    if tag in ("svg", "iframe", "object", "embed"): bad.append("element " + tag)
                    for name, value in attrs:
                        if name.startswith("on") or name in ("autofocus", "x"): bad.append(tag + " attribute " + name)
                    if tag == "img" and not (dict(attrs).get("src") or "").startswith(("thumbs/", "figures/", "data:image/png")):
                        bad.append("img src " + str(dict(attrs).get("src")))
            P().feed(open(sys.argv[1], encoding="utf-8").read())
            if scripts != int(sys.argv[2]): bad.append("%d script elements" % scripts)
            print("\\n".join(bad) if bad else "clean")
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["QUIRE_TEST_PYTHON"] ?? "/usr/bin/python3")
        process.arguments = [script, page, String(scripts)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return out.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
