import QuireTensor

extension RunLog: Checkpointable {
    /// The records and names as metadata (`"records"`, `"names"`); no tensors.
    public func checkpointState() throws -> CheckpointState {
        var state = CheckpointState()
        try state.setMetadata("names", to: names)
        try state.setMetadata("records", to: records)
        return state
    }

    /// Restores the records, rewrites the folder's files from them, and continues the log after them.
    /// Throws, changing nothing, when the state lacks the metadata or a record names an unknown metric.
    public func load(_ state: CheckpointState) throws {
        let names: [String] = try state.metadata("names")
        let records: [Record] = try state.metadata("records")
        for (i, r) in records.enumerated() {
            let unknown = r.values.keys.filter { !names.contains($0) }.sorted()
            guard unknown.isEmpty else {
                throw CheckpointStateError("run log: record \(i) (step \(r.step)) has metrics \(unknown) missing from \"names\"")
            }
        }
        replace(records: records, names: names)
        try rewriteAll()
    }
}
