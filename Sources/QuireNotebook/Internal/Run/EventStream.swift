import Foundation

/// Splits the event pipe's bytes into JSON lines and decodes them.
struct EventStream {
    private var pending: [UInt8] = []

    /// One event from the notebook program.
    struct Event {
        var kind: String
        var cell: Int
        var fields: [String: Any]

        func string(_ key: String) -> String? { fields[key] as? String }
        func int(_ key: String) -> Int? { (fields[key] as? NSNumber)?.intValue }
        func double(_ key: String) -> Double? { (fields[key] as? NSNumber)?.doubleValue }
        func strings(_ key: String) -> [String]? { fields[key] as? [String] }
    }

    mutating func feed(_ bytes: [UInt8]) -> [Event] {
        pending += bytes
        var events: [Event] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            let line = Data(pending[..<newline])
            pending.removeSubrange(...newline)
            guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
                  let kind = object["event"] as? String else { continue }
            events.append(Event(kind: kind, cell: (object["cell"] as? NSNumber)?.intValue ?? -1, fields: object))
        }
        return events
    }
}
