/// Reads what the Swift runtime wrote to stderr when the notebook program died: the message
/// (`Fatal error: …`, an uncaught error, a signal) and the backtrace frames that point into the notebook.
enum CrashReport {
    static func looksLikeCrash(_ stderr: String) -> Bool {
        stderr.contains("Fatal error") || stderr.contains("💣 Program crashed") || stderr.contains("*** Program crashed")
            || stderr.contains("Current stack trace:")
    }

    static func summarize(stderr: String, termination: ChildProcess.Termination, notebookPath: String) -> (String, [String]) {
        let lines = stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        var message = lines.first { $0.contains("Fatal error") }
            ?? lines.first { $0.contains("Program crashed") }
        if let m = message, let range = m.range(of: "Fatal error: ") {
            // "notebooks/x.md:12: Fatal error: boom" → keep the location and the message.
            let location = m[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
            message = String(m[range.upperBound...]) + (location.isEmpty ? "" : " (at \(location.hasSuffix(":") ? String(location.dropLast()) : location))")
        }
        if message == nil {
            switch termination {
            case .signaled(let s): message = "the program was killed by signal \(s)\(signalName(s))"
            case .exited(let code): message = "the program exited with status \(code) before the cell finished"
            }
        }
        // Frames that name the notebook file: the cells' own lines in the backtrace.
        var frames: [String] = []
        for line in lines where line.contains(notebookPath + ":") && !line.contains("Fatal error") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if !frames.contains(trimmed) { frames.append(trimmed) }
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
