/// Shows rows of values as a table in the cell's output. Each cell is `String(describing:)` of its
/// value; floating-point values are printed with `precision` significant digits.
///
/// ```swift
/// table([["adam", 0.0123], ["sgd", 0.0456]], header: ["optimizer", "loss"])
/// ```
public func table(_ rows: [[Any]], header: [String]? = nil, precision: Int = 6) {
    let cells = rows.map { $0.map { formatCell($0, precision: precision) } }
    sendTable(cells, header: header)
}

/// Shows a rank-1 or rank-2 tensor as a table (a rank-1 tensor is one column).
///
/// ```swift
/// table(Tensor.eye(3), header: ["a", "b", "c"])
/// ```
public func table(_ tensor: Tensor, header: [String]? = nil, precision: Int = 6) {
    precondition(tensor.rank <= 2, "table: a tensor of rank \(tensor.rank) cannot be shown as a table (rank 1 or 2)")
    let values = tensor.scalars(as: Double.self)
    let columns = tensor.rank == 2 ? tensor.shape[1] : 1
    let rowCount = columns == 0 ? 0 : values.count / columns
    let integral = !tensor.dtype.isFloatingPoint
    var rows: [[String]] = []
    for r in 0..<rowCount {
        rows.append((0..<columns).map { c in
            let v = values[r * columns + c]
            return integral ? String(Int(v)) : formatDouble(v, precision: precision)
        })
    }
    sendTable(rows, header: header)
}

/// Shows key/value pairs as a two-column table, in the given order.
///
/// ```swift
/// table(["epochs": 3, "lr": 0.01] as KeyValuePairs)
/// ```
public func table(_ pairs: KeyValuePairs<String, Any>, precision: Int = 6) {
    sendTable(pairs.map { [$0.key, formatCell($0.value, precision: precision)] }, header: ["name", "value"])
}

func formatCell(_ value: Any, precision: Int) -> String {
    switch value {
    case let d as Double: return formatDouble(d, precision: precision)
    case let f as Float: return formatDouble(Double(f), precision: precision)
    case let t as Tensor where t.scalarCount == 1 && t.dtype.isFloatingPoint:
        return formatDouble(t.item(as: Double.self), precision: precision)
    default: return String(describing: value)
    }
}

/// `%g`-style formatting with `precision` significant digits, without Foundation: plain from 1e-4 to
/// 1e15, scientific outside (`3.12346e-7` at precision 6, `3.1e-7` at 2).
func formatDouble(_ v: Double, precision: Int) -> String {
    guard v.isFinite else { return String(describing: v) }
    if v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }
    let magnitude = abs(v)
    if magnitude >= 1e-4 && magnitude < 1e15 {
        // `precision` significant digits: decimals = precision - 1 - floor(log10 |v|).
        let decimals = max(0, precision - 1 - Int(magnitude.exponentBase10))
        let scale = pow10(decimals)
        var text = String((v * scale).rounded() / scale)
        if text.contains(".") && !text.contains("e") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }
    return scientific(v, precision: precision)
}

/// `v` as a mantissa with `precision` significant digits (trailing zeros dropped) and a power of ten.
private func scientific(_ v: Double, precision: Int) -> String {
    let digits = max(1, precision)
    var e = Int(abs(v).exponentBase10)
    var mantissa = abs(v)
    // Scale by powers of ten in steps that stay finite (subnormals, values near the largest Double).
    while mantissa >= 10 { mantissa /= 10 }
    while mantissa < 1 { mantissa *= 10 }
    let scale = pow10(digits - 1)
    var rounded = (mantissa * scale).rounded() / scale
    if rounded >= 10 { rounded /= 10; e += 1 }
    var text = String(rounded)
    if text.contains(".") {
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
    }
    return (v < 0 ? "-" : "") + text + "e" + String(e)
}

private func pow10(_ n: Int) -> Double {
    var r = 1.0
    for _ in 0..<n { r *= 10 }
    return r
}

private extension Double {
    /// floor(log10(self)) for positive values, without libm.
    var exponentBase10: Double {
        var e = 0.0, x = self
        while x >= 10 { x /= 10; e += 1 }
        while x < 1 { x *= 10; e -= 1 }
        return e
    }
}

func sendTable(_ rows: [[String]], header: [String]?) {
    if EventChannel.isConnected {
        var fields: [(String, EventJSON)] = [("rows", .array(rows.map { .array($0.map(EventJSON.string)) }))]
        if let header { fields.append(("header", .array(header.map(EventJSON.string)))) }
        EventChannel.send("table", fields)
    } else {
        if let header { print(header.joined(separator: "\t")) }
        for row in rows { print(row.joined(separator: "\t")) }
    }
}
