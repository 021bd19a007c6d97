import QuireTensor
/// A minimal JSON writer for the event channel (the umbrella stays free of Foundation's encoders).
enum EventJSON {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case array([EventJSON])
    case object([(String, EventJSON)])

    /// Compact JSON text of this value.
    var text: String {
        var out = ""
        write(into: &out)
        return out
    }

    func write(into out: inout String) {
        switch self {
        case .string(let s): EventJSON.writeString(s, into: &out)
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? "\(d)" : "null"
        case .bool(let b): out += b ? "true" : "false"
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(into: &out)
            }
            out += "]"
        case .object(let fields):
            out += "{"
            for (i, (key, value)) in fields.enumerated() {
                if i > 0 { out += "," }
                EventJSON.writeString(key, into: &out)
                out += ":"
                value.write(into: &out)
            }
            out += "}"
        }
    }

    static func writeString(_ s: String, into out: inout String) {
        out += JSONValue.quoted(s)
    }
}
