import QuireTensor

/// The cell cache's hooks in the generated program (see `CellCache`). Not meant for notebook code.
extension _NotebookRuntime {
    /// Whether cell `index`'s statements run (false while it is restored from its snapshot).
    public static func executing(_ index: Int) -> Bool {
        CellCache.mode(index) == .run
    }

    /// A Codable binding: computed when the cell runs, decoded from the snapshot when it is restored.
    public static func value<T: Codable>(_ cell: Int, _ name: String, _ make: () throws -> T) rethrows -> T {
        try codableValue(cell, name, make)
    }

    private static func codableValue<T: Codable>(_ cell: Int, _ name: String, _ make: () throws -> T) rethrows -> T {
        if CellCache.mode(cell) == .restore {
            guard let entry = CellCache.restoredEntry(cell, name) else { CellCache.fail(cell, "the snapshot has no value '\(name)'") }
            do {
                let v = try SnapshotReader.decode(entry, as: T.self, name: name)
                CellCache.lastHash[name] = SnapshotReader.hash(entry)
                return v
            } catch { CellCache.fail(cell, "\(error)") }
        }
        CellCache.flushPendingLoads()
        let v = try make()
        if CellCache.isRecording(cell) { record(cell, name) { try SnapshotEntry.codable(v) } }
        return v
    }

    /// A tensor binding: its bytes go to the blob store.
    public static func value(_ cell: Int, _ name: String, _ make: () throws -> Tensor) rethrows -> Tensor {
        if CellCache.mode(cell) == .restore {
            guard let entry = CellCache.restoredEntry(cell, name) else { CellCache.fail(cell, "the snapshot has no value '\(name)'") }
            do {
                let v = try SnapshotReader.tensor(entry, store: CellCache.store, name: name)
                CellCache.lastHash[name] = SnapshotReader.hash(entry)
                return v
            } catch { CellCache.fail(cell, "\(error)") }
        }
        CellCache.flushPendingLoads()
        let v = try make()
        if CellCache.isRecording(cell) { record(cell, name) { try SnapshotEntry.tensor(v, store: CellCache.store) } }
        return v
    }

    /// A list of tensors: each one a blob.
    public static func value(_ cell: Int, _ name: String, _ make: () throws -> [Tensor]) rethrows -> [Tensor] {
        try stateValue(cell, name, make, state: TensorContainers.state(of:)) { s in Result { try TensorContainers.array(from: s) } }
    }

    /// Path-keyed tensors: each one a blob.
    public static func value(_ cell: Int, _ name: String, _ make: () throws -> TensorDict) rethrows -> TensorDict {
        try stateValue(cell, name, make, state: TensorContainers.state(of:)) { s in Result { try TensorContainers.dict(from: s) } }
    }

    private static func stateValue<T>(_ cell: Int, _ name: String, _ make: () throws -> T,
                                      state: @escaping (T) -> CheckpointState,
                                      from: @escaping (CheckpointState) -> Result<T, any Error>) rethrows -> T {
        if CellCache.mode(cell) == .restore {
            guard let entry = CellCache.restoredEntry(cell, name) else { CellCache.fail(cell, "the snapshot has no value '\(name)'") }
            do {
                let v = try from(SnapshotReader.state(entry, store: CellCache.store, name: name)).get()
                CellCache.lastHash[name] = SnapshotReader.hash(entry)
                return v
            } catch { CellCache.fail(cell, "\(error)") }
        }
        CellCache.flushPendingLoads()
        let v = try make()
        if CellCache.isRecording(cell) { record(cell, name) { try SnapshotEntry.state(state(v), store: CellCache.store) } }
        return v
    }

    /// An engine object (model, optimizer, iterator, run log, key): its declaration runs again on restore
    /// (a fresh object, cheap to make), and its recorded state is then loaded into it in place.
    public static func value<T: Checkpointable>(_ cell: Int, _ name: String, _ make: () throws -> T) rethrows -> T {
        CellCache.flushPendingLoads()
        return try make()
    }

    /// Both Codable and Checkpointable (a PRNG key): restored by value.
    public static func value<T: Checkpointable & Codable>(_ cell: Int, _ name: String, _ make: () throws -> T) rethrows -> T {
        try codableValue(cell, name, make)
    }

    /// A value the cache cannot snapshot: its declaration runs again whenever the cell is restored.
    @available(*, deprecated, message: "quire-cache: this value is neither Codable, a Tensor nor Checkpointable, so the cell cache re-runs its declaration on restore")
    public static func value<T>(_ cell: Int, _ name: String, _ make: () throws -> T) rethrows -> T {
        CellCache.flushPendingLoads()
        return try make()
    }

    /// After binding `name`: the earlier values its initializer read. When the binding is restored by
    /// value (its initializer then does not run), those are checked like the names the cell's statements use.
    public static func bound(_ cell: Int, _ name: String, _ reads: [String]) {
        guard CellCache.isRecording(cell), CellCache.delta[name] != nil else { return }
        CellCache.extraUses.formUnion(reads)
    }

    private static func record(_ cell: Int, _ name: String, _ make: () throws -> SnapshotEntry) {
        do {
            let entry = try make()
            CellCache.delta[name] = entry
            CellCache.lastHash[name] = entry.hash
        } catch {
            EventChannel.send("cache-warning", [("message", .string("'\(name)' could not be recorded: \(error)"))])
        }
    }

    // MARK: tracking `var`s (get and set) and `let`s (get)

    public static func track<T: Codable>(_ name: String, _ get: @escaping () -> T, _ set: @escaping (T) -> Void) {
        trackCodable(name, get, set)
    }

    private static func trackCodable<T: Codable>(_ name: String, _ get: @escaping () -> T, _ set: @escaping (T) -> Void) {
        CellCache.register(name, .init(isObject: false, snapshot: { try .codable(get()) }, restore: { entry in
            set(try SnapshotReader.decode(entry, as: T.self, name: name))
        }, typeName: "\(T.self)"))
    }

    public static func track(_ name: String, _ get: @escaping () -> Tensor, _ set: @escaping (Tensor) -> Void) {
        CellCache.register(name, .init(isObject: false, snapshot: { try .tensor(get(), store: CellCache.store) }, restore: { entry in
            set(try SnapshotReader.tensor(entry, store: CellCache.store, name: name))
        }, typeName: "Tensor"))
    }

    public static func track(_ name: String, _ get: @escaping () -> [Tensor], _ set: @escaping ([Tensor]) -> Void) {
        CellCache.register(name, .init(isObject: false, snapshot: { try .state(TensorContainers.state(of: get()), store: CellCache.store) },
                                       restore: { set(try TensorContainers.array(from: SnapshotReader.state($0, store: CellCache.store, name: name))) },
                                       typeName: "[Tensor]"))
    }

    public static func track(_ name: String, _ get: @escaping () -> TensorDict, _ set: @escaping (TensorDict) -> Void) {
        CellCache.register(name, .init(isObject: false, snapshot: { try .state(TensorContainers.state(of: get()), store: CellCache.store) },
                                       restore: { set(try TensorContainers.dict(from: SnapshotReader.state($0, store: CellCache.store, name: name))) },
                                       typeName: "TensorDict"))
    }

    public static func track<T: Checkpointable>(_ name: String, _ get: @escaping () -> T, _ set: @escaping (T) -> Void) {
        CellCache.register(name, .init(isObject: T.self is AnyClass, snapshot: { try .state(get().checkpointState(), store: CellCache.store) },
                                       restore: { entry in
            var v = get()
            try v.load(SnapshotReader.state(entry, store: CellCache.store, name: name))
            set(v)
        }, typeName: "\(T.self)"))
    }

    public static func track<T: Checkpointable & Codable>(_ name: String, _ get: @escaping () -> T, _ set: @escaping (T) -> Void) {
        trackCodable(name, get, set)
    }

    public static func track<T>(_ name: String, _ get: @escaping () -> T, _ set: @escaping (T) -> Void) {
        CellCache.register(name, .init(isObject: T.self is AnyClass, snapshot: nil, restore: nil, typeName: "\(T.self)"))
    }

    /// A `let` holding an engine object: recorded after every cell, since it can change in place.
    public static func track<T: Checkpointable>(_ name: String, _ get: @escaping () -> T) {
        guard T.self is AnyClass else { return }   // a struct `let` never changes
        CellCache.register(name, .init(isObject: true, snapshot: { try .state(get().checkpointState(), store: CellCache.store) },
                                       restore: { entry in
            var v = get()
            try v.load(SnapshotReader.state(entry, store: CellCache.store, name: name))
        }, typeName: "\(T.self)"))
    }

    public static func track<T: Checkpointable & Codable>(_ name: String, _ get: @escaping () -> T) {}

    /// A `let` of any other type: a class instance the cell names makes its snapshot unusable.
    public static func track<T>(_ name: String, _ get: @escaping () -> T) {
        guard T.self is AnyClass else { return }
        CellCache.register(name, .init(isObject: true, snapshot: nil, restore: nil, typeName: "\(T.self)"))
    }
}

/// Tensor lists and dictionaries as checkpoint state: one tensor per element.
enum TensorContainers {
    static func state(of list: [Tensor]) -> CheckpointState {
        var state = CheckpointState(tensors: TensorDict(list.enumerated().map { (String($0.offset), $0.element) }))
        state.metadata["count"] = .number(Double(list.count))
        return state
    }

    static func array(from state: CheckpointState) throws -> [Tensor] {
        let count: Int = try state.metadata("count")
        return try (0..<count).map { i in
            guard let t = state.tensors[String(i)] else { throw SnapshotReader.Failure("element \(i) of \(count) is missing") }
            return t
        }
    }

    static func state(of dict: TensorDict) -> CheckpointState {
        var state = CheckpointState(tensors: dict)
        state.metadata["order"] = .array(dict.keys.map { .string($0) })
        return state
    }

    static func dict(from state: CheckpointState) throws -> TensorDict {
        let order: [String] = try state.metadata("order")
        return try TensorDict(order.map { key in
            guard let t = state.tensors[key] else { throw SnapshotReader.Failure("tensor '\(key)' is missing") }
            return (key, t)
        })
    }
}
