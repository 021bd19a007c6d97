import Foundation
import Hummingbird

/// The local server behind `quire watch`: serves one report folder read-only and tells open pages when its
/// `index.html` changes, over server-sent events at ``eventsPath``.
///
/// Only files inside the folder are served (``ReportPath``); every HTML page gets a small script, added as
/// it is served, that listens on ``eventsPath`` and reloads when the report it shows is no longer the one on
/// disk. A page's report is named by the `index.html` it was served from (inode and change time), so a write
/// between serving a page and its listener connecting is not missed, and a page never reloads for nothing.
///
/// ```swift
/// let server = ReportServer(root: "output/quickstart", host: "127.0.0.1", port: 0)
/// let port = try server.start()       // bound: 0 picks a free port
/// server.reportChanged()              // after each write of index.html: open pages reload
/// server.stop()
/// ```
public final class ReportServer: @unchecked Sendable {
    public static let eventsPath = "/_quire/events"

    public let root: String
    public let host: String
    public let requestedPort: Int
    private let hub = EventHub()
    private var task: Task<Void, Never>?

    public init(root: String, host: String = "127.0.0.1", port: Int = 0) {
        self.root = root
        self.host = host
        self.requestedPort = port
    }

    public struct BindError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Binds and starts serving; returns the port (the one picked for port 0). Throws ``BindError`` when
    /// the address cannot be bound (in use, not this machine's).
    public func start() throws -> Int {
        let router = CallbackResponder<BasicRequestContext> { [self] request, _ in
            try await self.respond(to: request)
        }
        let bound = Bound()
        var app = Application(responder: router,
                              configuration: .init(address: .hostname(host, port: requestedPort), serverName: nil),
                              onServerRunning: { channel in bound.set(.success(channel.localAddress?.port ?? 0)) })
        app.logger.logLevel = .error
        task = Task.detached {
            do {
                // SIGUSR2 is how ``stop(timeout:)`` asks for a graceful shutdown (open connections are closed,
                // the port freed): Hummingbird's service group listens for it; the caller keeps SIGINT/SIGTERM.
                try await app.runService(gracefulShutdownSignals: [.sigusr2])
            } catch {
                bound.set(.failure(BindError(description: "\(error)")))
            }
            bound.set(.failure(BindError(description: "the server stopped")))
        }
        switch bound.wait() {
        case .success(let port): return port
        case .failure(let error):
            throw BindError(description: "cannot listen on \(host):\(requestedPort): \(Self.explain(error.description))")
        }
    }

    /// NIO's bind errors, said plainly ("bind(…): Address already in use) (errno: 98)" → "address already in use").
    static func explain(_ message: String) -> String {
        guard let r = message.range(of: "(errno: "), let code = Int32(message[r.upperBound...].prefix { $0.isNumber }) else { return message }
        switch code {
        case EADDRINUSE: return "address already in use"
        case EADDRNOTAVAIL: return "not an address of this machine"
        case EACCES: return "permission denied (ports below 1024 need privileges)"
        default: return String(cString: strerror(code)).lowercased()
        }
    }

    /// Tells every open page that `index.html` was rewritten (each reloads if it shows another one).
    public func reportChanged() {
        hub.send(event: "report", data: reportVersion())
    }

    private let lock = NSLock()
    private var notice: String?
    private var noticeGeneration = 0

    /// A message shown at the top of every served page until replaced or cleared with nil (e.g. a notebook
    /// that cannot be read, which leaves no report of its own); open pages reload to show the change.
    public func setNotice(_ text: String?) {
        lock.lock()
        let changed = text != notice
        if changed { notice = text; noticeGeneration += 1 }
        lock.unlock()
        if changed { reportChanged() }
    }

    private var currentNotice: (String?, Int) { lock.lock(); defer { lock.unlock() }; return (notice, noticeGeneration) }

    /// Names what a page shows: the `index.html` on disk now (inode and change time) and the notice.
    func reportVersion() -> String {
        var s = stat()
        let file = stat(root + "/index.html", &s) == 0 ? "\(s.st_ino)-\(s.st_mtim.tv_sec)-\(s.st_mtim.tv_nsec)" : "none"
        return file + "-n\(currentNotice.1)"
    }

    /// Sends a custom event to every open page (e.g. a cell's status while it runs).
    public func send(event: String, data: String) { hub.send(event: event, data: data) }

    /// Ends open event streams and shuts the server down gracefully (raises SIGUSR2, which the server
    /// handles while it runs), waiting at most `timeout` seconds before cancelling it.
    public func stop(timeout: Double = 2) {
        hub.finishAll()
        guard let task else { return }
        let done = DispatchSemaphore(value: 0)
        Task.detached { await task.value; done.signal() }
        kill(getpid(), SIGUSR2)
        if done.wait(timeout: .now() + timeout) == .timedOut {
            task.cancel()
            _ = done.wait(timeout: .now() + timeout)
        }
    }

    func respond(to request: Request) async throws -> Response {
        guard request.method == .get || request.method == .head else {
            return Response(status: .methodNotAllowed, headers: [.allow: "GET, HEAD"])
        }
        let rawPath = request.uri.path
        if rawPath == Self.eventsPath { return hub.stream(initial: reportVersion()) }
        let file = ReportPath.resolve(rawPath, root: root)
        let type = file.map(ReportPath.contentType) ?? ""
        // The version is read before the file, so a page never claims to show a newer report than it does.
        let version = file.map { ($0 as NSString).deletingLastPathComponent == ReportPath.realPath(root) } == true
            && type.hasPrefix("text/html") ? reportVersion() : ""
        let notice = currentNotice.0
        if file == nil, rawPath == "/" || rawPath == "/index.html" {
            // No report yet (the first run has not written one, or the notebook cannot be read).
            let page = "<!doctype html><html><head><meta charset=\"utf-8\"><title>quire watch</title></head><body>"
                + "<p>\(LiveReload.escape(notice == nil ? "Waiting for the first report…" : "No report yet."))</p></body></html>"
            let html = LiveReload.inject(into: Data(page.utf8), version: reportVersion(), notice: notice)
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: html)))
        }
        guard let file, var data = FileManager.default.contents(atPath: file) else {
            return Response(status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "not found\n")))
        }
        if type.hasPrefix("text/html") { data = LiveReload.inject(into: data, version: version, notice: notice) }
        var headers: HTTPFields = [.contentType: type, .cacheControl: "no-store"]
        headers[.contentLength] = String(data.count)
        if request.method == .head { return Response(status: .ok, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The first outcome of binding, handed from the server's task to ``ReportServer/start()``.
private final class Bound: @unchecked Sendable {
    private let lock = NSLock()
    private let semaphore = DispatchSemaphore(value: 0)
    private var result: Result<Int, ReportServer.BindError>?

    func set(_ r: Result<Int, ReportServer.BindError>) {
        lock.lock()
        defer { lock.unlock() }
        guard result == nil else { return }
        result = r
        semaphore.signal()
    }

    func wait() -> Result<Int, ReportServer.BindError> {
        semaphore.wait()
        lock.lock()
        defer { lock.unlock() }
        return result!
    }
}

/// Open server-sent-event streams.
final class EventHub: @unchecked Sendable {
    private let lock = NSLock()
    private var streams: [UUID: AsyncStream<String>.Continuation] = [:]
    private var finished = false

    func send(event: String, data: String) {
        let message = "event: \(event)\n" + data.split(separator: "\n", omittingEmptySubsequences: false).map { "data: \($0)\n" }.joined() + "\n"
        lock.lock()
        let all = Array(streams.values)
        lock.unlock()
        for c in all { c.yield(message) }
    }

    func finishAll() {
        lock.lock()
        finished = true
        let all = Array(streams.values)
        streams = [:]
        lock.unlock()
        for c in all { c.finish() }
    }

    /// A `text/event-stream` response that starts with the report now on disk, then follows ``send(event:data:)``.
    func stream(initial version: String) -> Response {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(64))
        let id = UUID()
        lock.lock()
        if finished { continuation.finish() } else { streams[id] = continuation }
        lock.unlock()
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            self.lock.lock()
            self.streams[id] = nil
            self.lock.unlock()
        }
        let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-store"]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await writer.write(ByteBuffer(string: "retry: 500\nevent: report\ndata: \(version)\n\n"))
            for await message in stream {
                try await writer.write(ByteBuffer(string: message))
            }
            try await writer.finish(nil)
        })
    }
}

/// The script added to served HTML pages.
public enum LiveReload {
    /// Listens on ``ReportServer/eventsPath``: reloads when the report on disk is not `version`; a `cell`
    /// event (`{"id","status","label"}`) sets that cell's status class and badge in place, so the page shows
    /// cells queued, running and finishing between report writes.
    public static func script(version: String) -> String {
        """
        <script data-quire-watch>(function(){var v=\(jsonString(version));var s=new EventSource("\(ReportServer.eventsPath)");\
        s.addEventListener("report",function(e){if(e.data&&e.data!==v){s.close();location.reload();}});\
        s.addEventListener("cell",function(e){try{var d=JSON.parse(e.data),c=document.getElementById("cell-"+d.id);if(!c)return;\
        c.className=c.className.replace(/\\bstatus-[a-z-]+/,"status-"+d.status);var b=c.querySelector(".badge");\
        if(b){b.className=b.className.replace(/\\bbadge-[a-z-]+/,"badge-"+d.status);b.textContent=d.label;}}catch(x){}});})();</script>
        """
    }

    /// `html` with the script before its last `</body>` (at the end when it has none).
    public static func inject(into html: Data, version: String, notice: String? = nil) -> Data {
        var text = script(version: version)
        if let notice {
            text = "<div data-quire-notice style=\"position:fixed;top:0;left:0;right:0;z-index:99;background:#fde8e8;color:#7a1010;"
                + "padding:.6rem 1rem;font:14px/1.4 system-ui,sans-serif;white-space:pre-wrap\">\(escape(notice))</div>" + text
        }
        let tag = Data(text.utf8)
        if let range = html.range(of: Data("</body>".utf8), options: .backwards) {
            var out = html
            out.replaceSubrange(range.lowerBound..<range.lowerBound, with: tag)
            return out
        }
        return html + tag
    }

    public static func escape(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "<": out += "\\u003c"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
