import Foundation

/// Maps a request's raw path onto a file inside the report folder, or nothing.
///
/// Each `/`-separated segment is percent-decoded once; a segment that decodes to `.`, `..`, a name holding
/// `/`, `\` or NUL, or a hidden name (the folder's manifest, a report being written) is refused, and the
/// final path, symlinks resolved, must still lie inside the folder's own real path. Refused paths are
/// answered 404, like missing ones, so the server tells nothing about what lies outside.
public enum ReportPath {
    /// The file `rawPath` names under `root` (a folder ending in `/` means its `index.html`), or nil.
    public static func resolve(_ rawPath: String, root: String) -> String? {
        var path = Substring(rawPath)
        if let q = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<q] }
        guard path.hasPrefix("/") else { return nil }
        var segments: [String] = []
        for raw in path.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            guard let segment = String(raw).removingPercentEncoding else { return nil }
            if segment.isEmpty { continue }
            guard segment != ".", segment != "..", !segment.hasPrefix("."),
                  !segment.contains("/"), !segment.contains("\\"), !segment.contains("\0") else { return nil }
            segments.append(segment)
        }
        guard let realRoot = realPath(root) else { return nil }
        var candidate = ([realRoot] + segments).joined(separator: "/")
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), isDirectory.boolValue {
            candidate += "/index.html"
        }
        guard let real = realPath(candidate), real.hasPrefix(realRoot + "/") else { return nil }
        guard FileManager.default.fileExists(atPath: real, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
        return real
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The Content-Type for a file served from a report folder.
    public static func contentType(_ file: String) -> String {
        switch (file as NSString).pathExtension.lowercased() {
        case "html", "htm": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "json": "application/json"
        case "jsonl": "application/jsonl"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "gif": "image/gif"
        case "svg": "image/svg+xml"
        case "csv": "text/csv; charset=utf-8"
        case "txt", "log": "text/plain; charset=utf-8"
        default: "application/octet-stream"
        }
    }
}
