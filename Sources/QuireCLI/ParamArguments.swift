/// `-P name=value` arguments as (name, value) pairs, split at the first `=` (validation has checked one is there).
func parameterOverrides(_ params: [String]) -> [(String, String)] {
    params.map { p in
        let eq = p.firstIndex(of: "=")!
        return (String(p[..<eq]), String(p[p.index(after: eq)...]))
    }
}
