import QuireTensor

/// Before a collective moves data, the ranks exchange a 16-byte header (a hash of what each passes, and
/// its length); only when the headers differ do they exchange the full descriptions, so the error names
/// what every rank passed. Every rank reaches the same verdict, so every rank throws the same error.
func agree(_ operation: String, on signature: String) throws {
    let mine = Array(signature.utf8)
    var header: [UInt64] = [fnv1a(mine), UInt64(mine.count)]
    let size = Distributed.worldSize
    var all = [UInt64](repeating: 0, count: 2 * size)
    try header.withUnsafeMutableBytes { src in
        try all.withUnsafeMutableBytes { try rawAllGather(src.baseAddress!, $0.baseAddress!, bytes: 16) }
    }
    let first = (all[0], all[1])
    guard (1..<size).contains(where: { (all[2 * $0], all[2 * $0 + 1]) != first }) else { return }
    let described = try allGatherBytes(mine).map { String(decoding: $0, as: UTF8.self) }
    let lines = described.enumerated().map { "  rank \($0.offset): \($0.element.isEmpty ? "(nothing)" : $0.element)" }
    throw DistributedError("\(operation): the ranks disagree on the tensors they pass (shapes, dtypes and names must match):\n"
        + lines.joined(separator: "\n"))
}

/// `float32 [4, 3]`
func signature(_ t: Tensor) -> String { "\(t.dtype) \(t.shape)" }

/// `name float32 [4, 3]; …` in the dictionary's order.
func signature(_ d: TensorDict) -> String { d.map { "\($0.key) \(signature($0.value))" }.joined(separator: "; ") }

/// 64-bit FNV-1a.
func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    return h
}
