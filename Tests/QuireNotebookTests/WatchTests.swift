import Foundation
import XCTest

/// The real `quire watch`, on a free port, fetched over real HTTP (a raw socket, so paths reach the server
/// exactly as written, `..` and all).
final class WatchTests: XCTestCase {
    typealias Q = QuireCLIHarness

    /// Generous bounds: these are behaviour tests on a shared machine, not timings.
    static let firstRun = 300.0
    static let rerun = 120.0

    func testServesTheReportOnLoopbackOnlyAndNothingOutsideIt() throws {
        let dir = try Q.scratch()
        let notebook = try write(dir + "/served.md", "# Served\n\n```swift\n//| id: hello\nprint(\"hello-one\")\n```\n")
        try write(dir + "/secret.txt", "top secret")
        let watch = try Watch(notebook, out: dir + "/report")
        defer { watch.stop() }
        let page = try watch.waitForPage(containing: "class=\"cell status-succeeded\" id=\"cell-hello\"", timeout: Self.firstRun)
        XCTAssertTrue(page.contains("hello-one"))
        XCTAssertTrue(page.contains("data-quire-watch"), "the live-reload script is added to the page")

        let index = try HTTP.get(port: watch.port, "/")
        XCTAssertEqual(index.status, 200)
        XCTAssertEqual(index.header("content-type"), "text/html; charset=utf-8")
        XCTAssertEqual(try HTTP.get(port: watch.port, "/index.html").status, 200)

        // Bound to 127.0.0.1 only.
        let listeners = Self.listeners(port: watch.port)
        XCTAssertEqual(listeners, ["0100007F"], "listening addresses for port \(watch.port): \(listeners)")

        // Nothing outside the folder, however the path is spelled.
        try FileManager.default.createSymbolicLink(atPath: dir + "/report/leak.txt", withDestinationPath: dir + "/secret.txt")
        try FileManager.default.createSymbolicLink(atPath: dir + "/report/up", withDestinationPath: dir)
        for path in ["/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/..%2fsecret.txt", "/%2e%2e%2fsecret.txt",
                     "/figures/../../secret.txt", "/figures/%2e%2e/%2e%2e/secret.txt", "/.%2e/secret.txt", "//etc/passwd",
                     "/%2fetc%2fpasswd", "/..\\secret.txt", "/%5c..%5csecret.txt", "/leak.txt", "/up/secret.txt",
                     "/.quire-report.json", "/%00", "/%252e%252e/secret.txt", "/etc/passwd"] {
            let r = try HTTP.get(port: watch.port, path)
            XCTAssertTrue(r.status == 404 || r.status == 400, "\(path) answered \(r.status)")
            XCTAssertFalse(r.body.contains("top secret") || r.body.contains("root:"), "\(path) leaked a file")
        }
        // A file inside the folder is served, with its type.
        try write(dir + "/report/outputs-note.txt", "inside")
        let inside = try HTTP.get(port: watch.port, "/outputs-note.txt")
        XCTAssertEqual(inside.status, 200)
        XCTAssertEqual(inside.body, "inside")
        XCTAssertEqual(inside.header("content-type"), "text/plain; charset=utf-8")
    }

    /// A code edit changes the served page by itself (pushed over /_quire/events); a prose edit, saved the
    /// way editors do (write a temporary file, rename it over the notebook), runs no cell.
    func testEditsReachThePageAndAProseEditRunsNothing() throws {
        let dir = try Q.scratch()
        let notebook = try write(dir + "/edited.md", "# Edited\n\n```swift\n//| id: greet\nprint(\"version-one\")\n```\n")
        let watch = try Watch(notebook, out: dir + "/report")
        defer { watch.stop() }
        _ = try watch.waitForPage(containing: "version-one", timeout: Self.firstRun)

        let events = try HTTP.EventStream(port: watch.port)
        let initial = try events.next(timeout: 10)
        XCTAssertEqual(initial?.event, "report")

        let saved = Date()
        try write(notebook, "# Edited\n\n```swift\n//| id: greet\nprint(\"version-two\")\n```\n")
        _ = try watch.waitForPage(containing: "version-two", timeout: Self.rerun)
        print("watch: code edit → page in \(String(format: "%.2f", Date().timeIntervalSince(saved))) s")
        var pushed = false
        let deadline = Date().addingTimeInterval(Self.rerun)
        while !pushed, Date() < deadline, let e = try events.next(timeout: deadline.timeIntervalSinceNow) {
            pushed = e.event == "report" && e.data != initial?.data
        }
        XCTAssertTrue(pushed, "no report event was pushed after the edit")

        // The page can show the new output before quire's terminal echo of it has reached this test's reader.
        XCTAssertTrue(watch.wait(Self.rerun) { $0.stdout.contains("│ version-two") }, watch.stdout)
        let ran = watch.stdout.components(separatedBy: "│ version-two").count
        let errorsBefore = watch.stderr.count
        try atomicSave(notebook, "# Edited\n\nA paragraph added-in-prose.\n\n```swift\n//| id: greet\nprint(\"version-two\")\n```\n")
        let page = try watch.waitForPage(containing: "added-in-prose", timeout: Self.rerun)
        XCTAssertTrue(page.contains("class=\"cell status-restored\" id=\"cell-greet\""), "the prose edit re-ran the cell")
        XCTAssertTrue(watch.wait(Self.rerun) { $0.stderr.contains("all 1 cells restored from the cache") }, watch.stderr)
        XCTAssertEqual(watch.stdout.components(separatedBy: "│ version-two").count, ran, "a cell ran: \(watch.stdout)")
        XCTAssertFalse(watch.stderr.dropFirst(errorsBefore).contains("program:"), "compiled after a prose edit? \(watch.stderr)")
    }

    /// Saves closer together than the debounce interval are one run.
    func testABurstOfSavesIsOneRun() throws {
        let dir = try Q.scratch()
        let notebook = try write(dir + "/burst.md", "```swift\n//| id: n\nprint(\"save-0\")\n```\n")
        let watch = try Watch(notebook, out: dir + "/report")
        defer { watch.stop() }
        _ = try watch.waitForPage(containing: "class=\"cell status-succeeded\" id=\"cell-n\"", timeout: Self.firstRun)
        for i in 1...5 {
            try write(notebook, "```swift\n//| id: n\nprint(\"save-\(i)\")\n```\n")
            usleep(5_000)   // well inside the 150 ms debounce, even on a loaded machine
        }
        _ = try watch.waitForPage(containing: "save-5", timeout: Self.rerun)
        usleep(500_000)
        XCTAssertEqual(watch.stdout.components(separatedBy: "changed; running it again").count - 1, 1, watch.stdout)
        XCTAssertFalse(watch.stdout.contains("save-3"), "an intermediate save ran: \(watch.stdout)")
    }

    func testACompileErrorShowsInThePageAndTheNextSaveRecovers() throws {
        let dir = try Q.scratch()
        let notebook = try write(dir + "/typo.md", "```swift\n//| id: sum\nprint(\"total-\\(1 + 2)\")\n```\n")
        let watch = try Watch(notebook, out: dir + "/report")
        defer { watch.stop() }
        _ = try watch.waitForPage(containing: "total-3", timeout: Self.firstRun)
        try write(notebook, "```swift\n//| id: sum\nlet n: Int = \"three\"\nprint(\"total-\\(n)\")\n```\n")
        let broken = try watch.waitForPage(containing: "class=\"cell status-compile-error\" id=\"cell-sum\"", timeout: Self.rerun)
        XCTAssertTrue(broken.contains("cannot convert value of type &#39;String&#39; to specified type &#39;Int&#39;"),
                      "the compiler's message is in the page")
        try write(notebook, "```swift\n//| id: sum\nlet n: Int = 4\nprint(\"total-\\(n)\")\n```\n")
        let fixed = try watch.waitForPage(containing: "total-4", timeout: Self.rerun)
        XCTAssertFalse(fixed.contains("class=\"cell status-compile-error\""))
    }

    /// A file a cell declares with `//| deps:` is watched too; cell status is pushed as the cells run.
    func testADeclaredFileIsWatchedAndCellStatusIsPushed() throws {
        let dir = try Q.scratch()
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        try write(dir + "/data/words.txt", "alpha")
        let notebook = try write(dir + "/deps.md", """
            ```swift
            //| id: first
            print("first-cell")
            ```

            ```swift
            //| id: words
            //| deps: data/*.txt
            import Foundation
            print("words=" + (try String(contentsOfFile: "data/words.txt", encoding: .utf8)))
            ```
            """)
        let watch = try Watch(notebook, out: dir + "/report")
        defer { watch.stop() }
        _ = try watch.waitForPage(containing: "words=alpha", timeout: Self.firstRun)
        let events = try HTTP.EventStream(port: watch.port)
        try write(dir + "/data/words.txt", "beta")
        _ = try watch.waitForPage(containing: "words=beta", timeout: Self.rerun)
        var cells: [String] = []
        while let e = try events.next(timeout: 5) {
            if e.event == "cell" { cells.append(e.data) }
            if e.data.contains("\"succeeded\"") { break }
        }
        XCTAssertEqual(cells, [#"{"id":"first","label":"restored","status":"restored"}"#,
                               #"{"id":"words","label":"queued","status":"pending"}"#,
                               #"{"id":"words","label":"running","status":"running"}"#,
                               #"{"id":"words","label":"done","status":"succeeded"}"#])
    }

    /// An edit while a cell is still running stops that run (the program's group is killed) and runs the
    /// new version.
    func testAnEditStopsTheRunInProgress() throws {
        let dir = try Q.scratch()
        let slow = "```swift\n//| id: slow\nimport Foundation\nprint(\"pid=\\(getpid())\")\nThread.sleep(forTimeInterval: 300)\n```\n"
        let notebook = try write(dir + "/slow.md", slow)
        let watch = try Watch(notebook, out: dir + "/report")
        defer { watch.stop() }
        let pid = try watch.started.childPID()
        try write(notebook, "```swift\n//| id: slow\nprint(\"quick-now\")\n```\n")
        _ = try watch.waitForPage(containing: "quick-now", timeout: Self.rerun)
        XCTAssertFalse(Q.groupIsAlive(pid), "the stopped run's program is still alive")
        XCTAssertTrue(watch.stdout.contains("quire: run stopped"), watch.stdout)
    }

    /// Ctrl-C: the running program is stopped, the port is freed and quire exits 0.
    func testCtrlCExitsZeroAndFreesThePort() throws {
        let dir = try Q.scratch()
        let notebook = try write(dir + "/stop.md", "```swift\n//| id: wait\nimport Foundation\nprint(\"pid=\\(getpid())\")\nThread.sleep(forTimeInterval: 300)\n```\n")
        let watch = try Watch(notebook, out: dir + "/report")
        let pid = try watch.started.childPID()
        kill(watch.started.process.processIdentifier, SIGINT)
        let r = watch.started.finish()
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(Q.groupIsAlive(pid), "the notebook program outlived quire watch")
        XCTAssertTrue(Self.listeners(port: watch.port).isEmpty, "port \(watch.port) still listening")
        XCTAssertNoThrow(try HTTP.bindAndClose(port: watch.port), "port \(watch.port) not free")
    }

    /// A port in use is a clear error before anything runs.
    func testAPortInUseIsAClearError() throws {
        let dir = try Q.scratch()
        let notebook = try write(dir + "/busy.md", "```swift\nprint(1)\n```\n")
        let (fd, port) = try HTTP.listen()
        defer { close(fd) }
        let r = try Q.quire(["watch", notebook, "--out", dir + "/report", "--port", String(port)])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("cannot listen on 127.0.0.1:\(port): address already in use"), r.stderr)
    }

    // MARK: - Support

    /// A running `quire watch --port 0`.
    final class Watch {
        let started: Q.Started
        let port: Int

        init(_ notebook: String, out: String, arguments: [String] = []) throws {
            started = try Q.Started(["watch", notebook, "--out", out, "--port", "0"] + arguments)
            let deadline = Date().addingTimeInterval(60)
            var port: Int?
            while port == nil, Date() < deadline, started.process.isRunning {
                if let r = started.stdout.range(of: "http://127.0.0.1:") {
                    port = Int(started.stdout[r.upperBound...].prefix { $0.isNumber })
                }
                if port == nil { usleep(20_000) }
            }
            guard let port else {
                started.process.terminate()
                throw XCTSkip("quire watch printed no URL: \(started.stdout) \(started.stderr)")
            }
            self.port = port
        }

        var stdout: String { started.stdout }
        var stderr: String { started.stderr }

        func wait(_ timeout: Double, until done: (Watch) throws -> Bool) rethrows -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if try done(self) { return true }
                usleep(50_000)
            }
            return try done(self)
        }

        /// Polls `/` until the page holds `text`.
        func waitForPage(containing text: String, timeout: Double) throws -> String {
            var last = ""
            let found = wait(timeout) { _ in
                last = (try? HTTP.get(port: port, "/").body) ?? ""
                return last.contains(text)
            }
            guard found else {
                XCTFail("the page never showed \(text) within \(timeout) s; stdout: \(stdout)\nstderr: \(stderr)")
                throw XCTSkip("page")
            }
            return last
        }

        func stop() {
            guard started.process.isRunning else { return }
            kill(started.process.processIdentifier, SIGINT)
            _ = started.finish()
        }
    }

    /// The local addresses (hex, as /proc/net/tcp writes them) listening on `port`.
    static func listeners(port: Int) -> [String] {
        var found: [String] = []
        for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let f = line.split(separator: " ")
                guard f.count > 3, f[3] == "0A" else { continue }   // LISTEN
                let local = f[1].split(separator: ":")
                if local.count == 2, Int(local[1], radix: 16) == port { found.append(String(local[0])) }
            }
        }
        return found
    }

    @discardableResult
    private func write(_ path: String, _ text: String) throws -> String {
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    /// Saves the way many editors do: a temporary file beside it, renamed over it.
    private func atomicSave(_ path: String, _ text: String) throws {
        let temporary = (path as NSString).deletingLastPathComponent + "/.\((path as NSString).lastPathComponent).swp"
        try text.write(toFile: temporary, atomically: false, encoding: .utf8)
        XCTAssertEqual(rename(temporary, path), 0)
    }
}

/// A minimal HTTP/1.1 client over a raw socket: the path goes out exactly as given.
enum HTTP {
    struct Response {
        var status: Int
        var headers: [(String, String)]
        var body: String
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name }?.1 }
    }

    static func connect(port: Int, timeout: Double = 10) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let r = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard r == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
        return fd
    }

    static func send(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            bytes = bytes.dropFirst(n)
        }
    }

    static func get(port: Int, _ path: String) throws -> Response {
        try request("GET", port: port, path)
    }

    /// One request; the answer is read to its Content-Length, or to the end of the connection.
    static func request(_ method: String, port: Int, _ path: String, json: String? = nil, timeout: Double = 10) throws -> Response {
        let fd = try connect(port: port, timeout: timeout)
        defer { close(fd) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if let json { head += "Content-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n" }
        send(fd, head + "\r\n" + (json ?? ""))
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            data.append(contentsOf: buffer[0..<n])
            if let split = data.range(of: Data("\r\n\r\n".utf8)),
               let length = String(decoding: data[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
                .first(where: { $0.lowercased().hasPrefix("content-length:") }).flatMap({ Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) }),
               data.count - split.upperBound >= length { break }
        }
        return try parse(data)
    }

    static func parse(_ data: Data) throws -> Response {
        guard let split = data.range(of: Data("\r\n\r\n".utf8)) else { throw POSIXError(.EPROTO) }
        let head = String(decoding: data[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(head.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        let headers = head.dropFirst().compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var body = Data(data[split.upperBound...])
        if headers.contains(where: { $0.0.lowercased() == "transfer-encoding" && $0.1.contains("chunked") }) { body = dechunk(body) }
        return Response(status: status, headers: headers, body: String(decoding: body, as: UTF8.self))
    }

    static func dechunk(_ data: Data) -> Data {
        var out = Data()
        var rest = data[...]
        while let line = rest.range(of: Data("\r\n".utf8)) {
            guard let size = Int(String(decoding: rest[..<line.lowerBound], as: UTF8.self), radix: 16), size > 0 else { break }
            let start = line.upperBound
            guard rest.distance(from: start, to: rest.endIndex) >= size else { break }
            out += rest[start..<rest.index(start, offsetBy: size)]
            rest = rest[rest.index(start, offsetBy: size)...].dropFirst(2)
        }
        return out
    }

    /// `/_quire/events`, read event by event.
    final class EventStream {
        let fd: Int32
        var pending = ""
        var headerSeen = false

        init(port: Int) throws {
            fd = try connect(port: port, timeout: 1)
            send(fd, "GET /_quire/events HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n\r\n")
        }
        deinit { close(fd) }

        /// The next `event:`/`data:` pair, or nil when none came within `timeout` seconds.
        func next(timeout: Double) throws -> (event: String, data: String)? {
            let deadline = Date().addingTimeInterval(timeout)
            while true {
                if let r = pending.range(of: "event: ") {
                    let after = pending[r.upperBound...]
                    if let end = after.range(of: "\n\n") ?? after.range(of: "\r\n\r\n") {
                        let block = String(after[..<end.lowerBound])
                        pending = String(after[end.upperBound...])
                        let lines = block.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .init(charactersIn: "\r")) }
                        let event = lines.first ?? ""
                        let data = lines.dropFirst().filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }.joined(separator: "\n")
                        return (event, data)
                    }
                }
                guard Date() < deadline else { return nil }
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n == 0 { return nil }
                if n > 0 { pending += String(decoding: buffer[0..<n], as: UTF8.self) }
            }
        }
    }

    /// A listening socket on a free port of 127.0.0.1.
    static func listen() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && Glibc.listen(fd, 4) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { close(fd); throw POSIXError(.EADDRINUSE) }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Binds `port` on 127.0.0.1 (throws when something still holds it).
    static func bindAndClose(port: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let r = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard r == 0 else { throw POSIXError(.EADDRINUSE) }
    }
}
