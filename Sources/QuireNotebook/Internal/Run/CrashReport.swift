/// Reads what the Swift runtime wrote to stderr when the notebook program died: the message
/// (`Fatal error: …`, an uncaught error, a signal) and the backtrace frames that point into the notebook.
enum CrashReport {
    /// The Swift runtime's words before a trap's message: `fatalError`, force unwraps and index errors say
    /// "Fatal error", `precondition` and `assert` their own.
    static let trapMarkers = ["Fatal error", "Precondition failed", "Assertion failed"]

    static func looksLikeCrash(_ stderr: String) -> Bool {
        trapMarkers.contains { stderr.contains($0) } || stderr.contains("💣 Program crashed") || stderr.contains("*** Program crashed")
            || stderr.contains("Current stack trace:")
    }

    /// "nb.md:4: Precondition failed: boom" → the range of "Precondition failed", and whether the runtime
    /// named it ("Fatal error" is implied; the others are kept in the message).
    private static func trapMarker(in line: String) -> (Range<String.Index>, keep: Bool)? {
        for marker in trapMarkers {
            if let r = line.range(of: marker) { return (r, marker != "Fatal error") }
        }
        return nil
    }

    static func summarize(stderr: String, termination: ChildProcess.Termination, notebookPath: String) -> (String, [String]) {
        let fileName = (notebookPath as NSString).lastPathComponent
        let lines = stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        var message = lines.first { trapMarker(in: $0) != nil }
            ?? lines.first { $0.contains("Program crashed") }
        if let m = message, let (markerRange, keep) = trapMarker(in: m) {
            // "notebooks/x.md:12: Fatal error: boom" → keep the location and the message;
            // "Notebook/x.md:12: Precondition failed: n > 0" → "Precondition failed: n > 0 (at x.md:12)".
            var text = String(m[markerRange.upperBound...])
            if text.hasPrefix(": ") { text.removeFirst(2) }
            if keep { text = String(m[markerRange]) + (text.isEmpty ? "" : ": " + text) }
            let location = m[..<markerRange.lowerBound].trimmingCharacters(in: .whitespaces)
            // Keep the location only when it is the notebook's own line (fatalError, precondition in a cell).
            // The runtime names the file by #fileID ("Notebook/x.md:12") or by path.
            var place = location.hasSuffix(":") ? String(location.dropLast()) : location
            if let colon = place.lastIndex(of: ":"), place[..<colon].hasSuffix("/" + fileName) || place[..<colon] == fileName {
                place = notebookPath + place[colon...]
            }
            message = text + (place.hasPrefix(notebookPath + ":") ? " (at \(place))" : "")
        }
        if message == nil {
            switch termination {
            case .signaled(let s): message = "the program was killed by signal \(s)\(signalName(s))"
            case .exited(let code): message = "the program exited with status \(code) before the cell finished"
            }
        }
        // Frames that name the notebook file: the cells' own lines in the backtrace.
        // "3 [ra] 0x… main + 994 in notebook at /abs/path/x.md:21:29" → "x.md:21:29 (main)".
        var frames: [String] = []
        // The backtracer prints the file as the compiler recorded it (often relative): match by name.
        for line in lines where line.contains(fileName + ":") && trapMarker(in: line) == nil {
            guard let at = line.range(of: fileName + ":", options: .backwards) else { continue }
            let position = line[at.upperBound...].prefix { $0.isNumber || $0 == ":" }
            var symbol = ""
            if let inRange = line.range(of: " in ", options: .backwards),
               let addressEnd = line.range(of: " 0x")?.upperBound {
                let afterAddress = line[addressEnd...].drop { $0 != " " }.dropFirst()
                symbol = String(afterAddress[..<(afterAddress.range(of: " + ")?.lowerBound ?? inRange.lowerBound)])
            }
            let frame = "at \(notebookPath):\(position)" + (symbol.isEmpty || symbol == "main" ? "" : " in \(symbol)")
            if !frames.contains(frame) { frames.append(frame) }
            if frames.count == 8 { break }
        }
        return (message!, frames)
    }

    static func signalName(_ s: Int32) -> String {
        switch s {
        case 4: " (SIGILL: a Swift trap)"
        case 5: " (SIGTRAP: a Swift trap)"
        case 6: " (SIGABRT)"
        case 9: " (SIGKILL)"
        case 11: " (SIGSEGV)"
        default: ""
        }
    }
}

import Foundation
