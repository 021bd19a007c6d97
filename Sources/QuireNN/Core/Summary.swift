import QuireTensor

extension Module {
    /// The modules as an indented tree, read from the cached reflection table: each submodule with its
    /// path, type and trainable parameter count (its subtree's), under it the tensors it holds directly
    /// with their names, shapes and dtypes, and the kind for buffers and frozen tensors. What
    /// `print(model)` shows (``description``).
    ///
    /// ```swift
    /// print(MLP([2, 3, 1], rngs: Rngs(0)))
    /// // MLP (13 params)
    /// //   layers.0: Linear (9 params)
    /// //     weight  [2, 3]  float32
    /// //     bias    [3]     float32
    /// //   layers.1: Linear (4 params)
    /// //     weight  [3, 1]  float32
    /// //     bias    [1]     float32
    /// ```
    public func layerTree() -> String {
        let t = table()
        let modulePaths = t.modules.map(\.path)
        // The deepest module holding each tensor, and each module's depth (its ancestors in the table).
        func owner(of path: String) -> String {
            modulePaths.filter { $0.isEmpty || path.hasPrefix($0 + ".") }.max { $0.count < $1.count } ?? ""
        }
        func depth(_ path: String) -> Int {
            modulePaths.filter { !$0.isEmpty && $0 != path && (path.hasPrefix($0 + ".")) }.count + (path.isEmpty ? 0 : 1)
        }
        var held: [String: [(name: String, param: Param)]] = [:]
        var counts: [String: Int] = [:]
        for (path, p) in t.params {
            let o = owner(of: path)
            held[o, default: []].append((o.isEmpty ? path : String(path.dropFirst(o.count + 1)), p))
            guard p.kind == .trainable else { continue }
            for m in modulePaths where m.isEmpty || path.hasPrefix(m + ".") { counts[m, default: 0] += p.value.scalarCount }
        }
        var lines: [String] = []
        for (path, module) in t.modules {
            let indent = String(repeating: "  ", count: depth(path))
            let n = counts[path] ?? 0
            let head = path.isEmpty ? "\(type(of: module))" : "\(path): \(type(of: module))"
            lines.append(indent + head + " (\(n) param\(n == 1 ? "" : "s"))")
            let rows = (held[path] ?? []).map { e in
                [e.name, shapeText(e.param.shape), e.param.dtype.description] + (e.param.kind == .trainable ? [] : [e.param.kind.rawValue])
            }
            let nameWidth = rows.map { $0[0].count }.max() ?? 0, shapeWidth = rows.map { $0[1].count }.max() ?? 0
            for r in rows {
                var line = indent + "  " + r[0].padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                    + r[1].padding(toLength: shapeWidth, withPad: " ", startingAt: 0) + "  " + r[2]
                if r.count > 3 { line += "  " + r[3] }
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A table of every tensor: path, kind, shape, dtype, element count and bytes, then totals overall
    /// and per kind.
    ///
    /// ```swift
    /// print(MLP([2, 3, 1], rngs: Rngs(0)).summary())
    /// // path             kind       shape   dtype    params  bytes
    /// // ----------------------------------------------------------
    /// // layers.0.weight  trainable  [2, 3]  float32       6     24
    /// // layers.0.bias    trainable  [3]     float32       3     12
    /// // layers.1.weight  trainable  [3, 1]  float32       3     12
    /// // layers.1.bias    trainable  [1]     float32       1      4
    /// // ----------------------------------------------------------
    /// // total (4 tensors)                                13     52
    /// // trainable                                        13     52
    /// ```
    public func summary() -> String {
        let entries = namedParams()
        var rows: [[String]] = [["path", "kind", "shape", "dtype", "params", "bytes"]]
        var total = 0, totalBytes = 0
        var byKind: [ParamKind: (Int, Int)] = [:]
        for (path, p) in entries {
            let n = p.value.scalarCount, b = n * p.dtype.byteSize
            total += n; totalBytes += b
            byKind[p.kind, default: (0, 0)].0 += n
            byKind[p.kind, default: (0, 0)].1 += b
            rows.append([path, p.kind.rawValue, shapeText(p.shape), p.dtype.description, String(n), String(b)])
        }
        var footers: [[String]] = [["total (\(entries.count) tensors)", "", "", "", String(total), String(totalBytes)]]
        for kind in ParamKind.allCases {
            if let (n, b) = byKind[kind] { footers.append([kindLabel(kind), "", "", "", String(n), String(b)]) }
        }
        // Column widths over rows; footers span the first four columns.
        var widths = [Int](repeating: 0, count: 6)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        for f in footers { widths[4] = max(widths[4], f[4].count); widths[5] = max(widths[5], f[5].count) }
        let spanWidth = widths[0..<4].reduce(0, +) + 2 * 3
        for f in footers where f[0].count > spanWidth { widths[0] += f[0].count - spanWidth }
        func line(_ r: [String]) -> String {
            var s = ""
            for i in 0..<6 {
                let c = r[i]
                let pad = String(repeating: " ", count: widths[i] - c.count)
                s += i >= 4 ? pad + c : c + pad
                if i < 5 { s += "  " }
            }
            return String(s.reversed().drop(while: { $0 == " " }).reversed())
        }
        func footer(_ f: [String]) -> String {
            let span = widths[0..<4].reduce(0, +) + 2 * 3
            return f[0].padding(toLength: span, withPad: " ", startingAt: 0) + "  "
                + String(repeating: " ", count: widths[4] - f[4].count) + f[4] + "  "
                + String(repeating: " ", count: widths[5] - f[5].count) + f[5]
        }
        let rule = String(repeating: "-", count: widths.reduce(0, +) + 2 * 5)
        return ([line(rows[0]), rule] + rows.dropFirst().map(line) + [rule] + footers.map(footer)).joined(separator: "\n")
    }
}

private func kindLabel(_ k: ParamKind) -> String {
    switch k {
    case .trainable: return "trainable"
    case .buffer: return "buffers"
    case .frozen: return "frozen"
    }
}
