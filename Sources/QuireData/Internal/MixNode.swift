import QuireTensor

/// Interleaves datasets in fixed proportions. The weights are turned into integer counts over a
/// period (exact when the weights are in small integer ratios, like 3:1 or 1:1:1; otherwise rounded
/// to 1,000 positions by largest remainders; reduced by their gcd); inside a period the
/// datasets take turns by smooth weighted round-robin, so every prefix is as close to the weights as
/// integers allow. Position `i` then maps to (dataset, index) in O(1), and the mix ends where its
/// first dataset runs out.
struct MixNode: MapNode {
    let parts: [any MapNode]
    /// Records of each dataset in one period.
    let perPeriod: [Int]
    /// For each position of the period: which dataset, and its ordinal among that dataset's positions.
    let schedule: [(part: Int, ordinal: Int)]
    let count: Int

    init(_ parts: [any MapNode], weights: [Double]) {
        var counts = MixNode.integerCounts(weights)
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        let g = counts.reduce(0, gcd)
        counts = counts.map { $0 / g }
        let period = counts.reduce(0, +)
        var credit = [Int](repeating: 0, count: counts.count), seen = credit
        var schedule: [(part: Int, ordinal: Int)] = []
        for _ in 0..<period {
            for k in counts.indices { credit[k] += counts[k] }
            let k = credit.indices.max { credit[$0] < credit[$1] || (credit[$0] == credit[$1] && $0 > $1) }!
            credit[k] -= period
            schedule.append((k, seen[k]))
            seen[k] += 1
        }
        self.parts = parts
        perPeriod = counts
        self.schedule = schedule
        // Position of dataset k's record number `parts[k].count`, the first one it does not have.
        var end = Int.max
        for (k, p) in parts.enumerated() where counts[k] > 0 && p.count != Int.max {
            let m = p.count
            let r = schedule.firstIndex { $0.part == k && $0.ordinal == m % counts[k] }!
            end = min(end, (m / counts[k]) * period + r)
        }
        count = end
    }

    /// Integer counts in the ratio of `weights`: the smallest multiple (up to 1,000) of
    /// `weights / min positive weight` that is all integers, else a rounding to 1,000 in total.
    static func integerCounts(_ weights: [Double]) -> [Int] {
        let smallest = weights.filter { $0 > 0 }.min()!
        for m in 1...1000 {
            let scaled = weights.map { $0 / smallest * Double(m) }
            if scaled.allSatisfy({ abs($0 - $0.rounded()) < 1e-9 }) && scaled.reduce(0, +) <= 100_000 {
                return scaled.map { Int($0.rounded()) }
            }
        }
        let total = weights.reduce(0, +)
        let raw = weights.map { $0 / total * 1000 }
        var counts = raw.map { Int($0.rounded(.down)) }
        let order = raw.indices.sorted { (raw[$0] - raw[$0].rounded(.down), $1) > (raw[$1] - raw[$1].rounded(.down), $0) }
        for k in order.prefix(1000 - counts.reduce(0, +)) { counts[k] += 1 }
        return counts
    }

    func locate(_ index: Int) -> (part: Int, index: Int) {
        let period = schedule.count
        let (q, r) = index.quotientAndRemainder(dividingBy: period)
        let s = schedule[r]
        return (s.part, q * perPeriod[s.part] + s.ordinal)
    }

    func element(_ index: Int) throws -> TensorDict {
        let (p, i) = locate(index)
        return try parts[p].element(i)
    }

    func stacked(_ indices: [Int]) throws -> TensorDict {
        try stackRecords(try indices.map { try element($0) }, indices: indices)
    }
}
