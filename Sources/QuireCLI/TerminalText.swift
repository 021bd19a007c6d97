/// Text read from files (checkpoint names, metrics, metadata) made safe to print on a terminal: C0
/// and C1 control characters (ESC starts escape sequences), DEL, and the bidirectional overrides and
/// isolates that reorder what is shown become visible `\u{…}` escapes; everything else is kept.
///
/// ```swift
/// terminalSafe("loss\u{1B}[2J")   // "loss\u{1B}[2J" printed as the 12 characters `loss\u{1b}[2J`
/// ```
func terminalSafe(_ s: String) -> String {
    var out = ""
    out.unicodeScalars.reserveCapacity(s.unicodeScalars.count)
    for u in s.unicodeScalars {
        if isUnsafeOnTerminal(u) {
            out += "\\u{" + String(u.value, radix: 16) + "}"
        } else {
            out.unicodeScalars.append(u)
        }
    }
    return out
}

private func isUnsafeOnTerminal(_ u: Unicode.Scalar) -> Bool {
    switch u.value {
    case 0x00...0x1F, 0x7F...0x9F: return true              // C0, DEL, C1 (CSI is U+009B)
    case 0x061C, 0x200E, 0x200F: return true                // Arabic letter mark, LRM, RLM
    case 0x202A...0x202E, 0x2066...0x2069: return true      // bidi embeddings, overrides, isolates
    default: return false
    }
}
