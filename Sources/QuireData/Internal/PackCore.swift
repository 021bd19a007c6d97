import QuireTensor

/// Sequence packing: concatenates the 1-D int32 field `field` of consecutive records into rows of
/// exactly `length` tokens, splitting a record across rows when it does not fit, padding only the
/// last row. Each row carries `segment_ids` (1, 2, … per record within the row, 0 for padding) and
/// `positions` (the token's index inside its record), as attention masks for packed training need.
///
/// The state is the parent's state before the record being split and the offset into it, so a
/// restore re-reads that one record and skips what was already packed.
final class PackCore: IteratorCore {
    let parent: any IteratorCore
    let length: Int
    let field: String
    private var pending: (tokens: [Int32], stateBefore: DataIteratorState, offset: Int)?
    private var produced = 0

    init(parent: any IteratorCore, length: Int, field: String) {
        self.parent = parent
        self.length = length
        self.field = field
    }

    private func read() throws -> (tokens: [Int32], stateBefore: DataIteratorState)? {
        let before = parent.state
        guard let r = try parent.next() else { return nil }
        guard let t = r[field] else {
            throw DataError("pack: a record (before row \(produced)) has no field \"\(field)\"; it has \(r.keys)")
        }
        guard t.rank == 1, t.dtype == .int32 else {
            throw DataError("pack: field \"\(field)\" of a record (before row \(produced)) is \(t.dtype) \(t.shape), expected a 1-D int32 sequence")
        }
        return (t.scalars(as: Int32.self), before)
    }

    func next() throws -> TensorDict? {
        var tokens: [Int32] = [], segments: [Int32] = [], positions: [Int32] = []
        tokens.reserveCapacity(length)
        var segment: Int32 = 1
        while tokens.count < length {
            if pending == nil {
                guard let r = try read() else { break }
                pending = (r.tokens, r.stateBefore, 0)
            }
            let p = pending!
            let take = min(length - tokens.count, p.tokens.count - p.offset)
            tokens += p.tokens[p.offset..<(p.offset + take)]
            segments += repeatElement(segment, count: take)
            positions += (p.offset..<(p.offset + take)).map { Int32($0) }
            if p.offset + take == p.tokens.count {
                pending = nil
                if take > 0 { segment += 1 }
            } else {
                pending!.offset += take
            }
        }
        if tokens.isEmpty { return nil }
        let pad = length - tokens.count
        tokens += repeatElement(0, count: pad)
        segments += repeatElement(0, count: pad)
        positions += repeatElement(0, count: pad)
        produced += 1
        return ["tokens": Tensor(tokens), "segment_ids": Tensor(segments), "positions": Tensor(positions)]
    }

    var state: DataIteratorState {
        if let p = pending { return DataIteratorState(position: produced, cursors: [p.offset], inner: [p.stateBefore]) }
        return DataIteratorState(position: produced, inner: [parent.state])
    }

    func restore(_ state: DataIteratorState) throws {
        guard state.inner.count == 1, state.cursors.count <= 1 else {
            throw DataError("pack: iterator state needs 1 inner state and at most 1 cursor, got \(state.inner.count) and \(state.cursors.count)")
        }
        try parent.restore(state.inner[0])
        pending = nil
        produced = state.position
        if let offset = state.cursors.first {
            guard let r = try read(), offset <= r.tokens.count else {
                throw DataError("pack: iterator state points \(state.cursors[0]) tokens into a record that is not there")
            }
            pending = (r.tokens, state.inner[0], offset)
        }
    }

    func stop() { parent.stop() }
}
