import QuireTensor

/// The cell cache's hooks in the generated program (see `CellCache`). Not meant for notebook code.
///
/// One generic `value` and two generic `track`s, dispatching on the value's type at run time, keep the
/// generated program quick to type-check (overloads per binding doubled a 200-cell notebook's compile).
extension _NotebookRuntime {
    /// Whether cell `index`'s statements run (false while it is restored from its snapshot).
    public static func executing(_ index: Int) -> Bool {
        CellCache.mode(index) == .run
    }

    /// A top-level binding. Codable values, tensors and tensor collections are computed when the cell runs
    /// and decoded from its snapshot when it is restored; engine objects (`Checkpointable`) are made again
    /// and their recorded state is loaded into them in place; anything else is made again. When making a
    /// value again costs 0.1 s or more, the runner is told, and shows a warning at the binding's line.
    public static func value<T>(_ cell: Int, _ name: String, _ make: () throws -> T) rethrows -> T {
        let kind = SnapshotKind.of(T.self)
        if CellCache.mode(cell) == .restore && kind.isByValue {
            guard let entry = CellCache.restoredEntry(cell, name) else { CellCache.fail(cell, "the snapshot has no value '\(name)'") }
            do {
                let v: T = try SnapshotKind.decode(entry, as: T.self, name: name)
                CellCache.lastHash[name] = SnapshotReader.hash(entry)
                return v
            } catch { CellCache.fail(cell, "\(error)") }
        }
        CellCache.flushPendingLoads()
        let started = EventChannel.now()
        let v = try make()
        let made = EventChannel.now() - started
        if T.self is AnyClass { registerObject(v, name: name, kind: kind) }
        if CellCache.isRecording(cell) {
            if kind.isByValue {
                let start = EventChannel.now()
                defer { CellCache.recordSeconds += EventChannel.now() - start }
                do {
                    let entry = try SnapshotKind.encode(v, name: name)
                    CellCache.delta[name] = entry
                    CellCache.lastHash[name] = entry.hash
                } catch {
                    EventChannel.send("cache-warning", [("name", .string(name)), ("message", .string("'\(name)' could not be recorded: \(error)"))])
                }
            } else if made >= SnapshotKind.replayWarningSeconds {
                // Made again on every restore: worth saying only when that costs something.
                let why = kind == .opaque ? "the cell cache cannot snapshot '\(name)' (\(T.self) is neither Codable, a Tensor nor Checkpointable)"
                                          : "'\(name)' is an engine object: the cell cache loads its state into a new one"
                EventChannel.send("cache-warning", [("name", .string(name)), ("message", .string(
                    why + String(format: ", so restoring this cell makes it again, which took %.2f s; ", made)
                        + "move the expensive part into a cell of its own, with a Codable or Tensor result"))])
            }
        }
        return v
    }

    /// After binding `name`: the earlier values its initializer read. When the binding is restored by
    /// value (its initializer then does not run), those are checked like the names the cell's statements use.
    public static func bound(_ cell: Int, _ name: String, _ reads: [String]) {
        guard CellCache.isRecording(cell), CellCache.delta[name] != nil else { return }
        CellCache.extraUses.formUnion(reads)
    }

    /// A top-level `var`: recorded after the cells that use it (when it changed), reassigned on restore.
    public static func track<T>(_ name: String, _ get: @escaping () -> T, _ set: @escaping (T) -> Void) {
        let kind = SnapshotKind.of(T.self)
        let isObject = T.self is AnyClass
        switch kind {
        case .opaque:
            CellCache.register(name, .init(isObject: isObject, snapshot: nil, restore: nil, typeName: "\(T.self)"))
        case .object:
            CellCache.register(name, .init(isObject: isObject, snapshot: { try SnapshotKind.encode(get(), name: name) }, restore: { entry in
                set(try SnapshotKind.loadState(entry, into: get(), name: name))
            }, typeName: "\(T.self)"))
        default:
            CellCache.register(name, .init(isObject: false, snapshot: { try SnapshotKind.encode(get(), name: name) }, restore: { entry in
                set(try SnapshotKind.decode(entry, as: T.self, name: name))
            }, typeName: "\(T.self)"))
        }
    }

    /// A class instance bound by `let` (a `var` registers through `track`): it can change in place, through
    /// any reference, so an engine object is recorded after every cell; another class instance makes the
    /// snapshot of a cell that uses it unusable. (A value-type `let` never changes: nothing to track, which
    /// keeps the generated program to one call per `let`.)
    private static func registerObject<T>(_ object: T, name: String, kind: SnapshotKind) {
        if kind == .object {
            CellCache.register(name, .init(isObject: true, snapshot: { try SnapshotKind.encode(object, name: name) }, restore: { entry in
                _ = try SnapshotKind.loadState(entry, into: object, name: name)
            }, typeName: "\(T.self)"))
        } else if kind == .opaque {
            CellCache.register(name, .init(isObject: true, snapshot: nil, restore: nil, typeName: "\(T.self)"))
        }
    }
}

/// How the cache records a value of a given type, decided at run time.
enum SnapshotKind: Equatable {
    case tensor, tensorList, tensorDict
    /// Codable (also when Checkpointable too, as a PRNG key): JSON.
    case codable
    /// Checkpointable and not Codable: made again, then its state loaded.
    case object
    case opaque

    /// A binding made again on restore that takes longer than this gets a warning.
    static let replayWarningSeconds = 0.1

    /// Restored by value (the initializer does not run).
    var isByValue: Bool { self != .object && self != .opaque }

    static func of<T>(_ type: T.Type) -> SnapshotKind {
        if type == Tensor.self { return .tensor }
        if type == [Tensor].self { return .tensorList }
        if type == TensorDict.self { return .tensorDict }
        if type is any Codable.Type { return .codable }
        if type is any Checkpointable.Type { return .object }
        return .opaque
    }

    static func encode<T>(_ value: T, name: String) throws -> SnapshotEntry {
        // By the static type: a dynamic cast would take an empty `[Float]` for a `[Tensor]`.
        switch of(T.self) {
        case .tensor: return try .tensor(value as! Tensor, store: CellCache.store)
        case .tensorList: return try .state(TensorContainers.state(of: value as! [Tensor]), store: CellCache.store)
        case .tensorDict: return try .state(TensorContainers.state(of: value as! TensorDict), store: CellCache.store)
        case .codable:
            let encodable: any Encodable = value as! any Encodable
            return try SnapshotEntry.codable(encodable)
        case .object: return try .state((value as! any Checkpointable).checkpointState(), store: CellCache.store)
        case .opaque: throw SnapshotReader.Failure("\(T.self) cannot be snapshotted")
        }
    }

    static func decode<T>(_ entry: [String: Any], as type: T.Type, name: String) throws -> T {
        let store = CellCache.store
        let value: Any
        switch of(type) {
        case .tensor: value = try SnapshotReader.tensor(entry, store: store, name: name)
        case .tensorList: value = try TensorContainers.array(from: SnapshotReader.state(entry, store: store, name: name))
        case .tensorDict: value = try TensorContainers.dict(from: SnapshotReader.state(entry, store: store, name: name))
        case .codable:
            let decodable: any Decodable.Type = type as! any Decodable.Type
            value = try decodeOpened(decodable, entry, name: name)
        case .object, .opaque: throw SnapshotReader.Failure("'\(name)' (\(T.self)) is not restored by value")
        }
        guard let typed = value as? T else { throw SnapshotReader.Failure("'\(name)' decoded as \(Swift.type(of: value)), not \(T.self)") }
        return typed
    }

    private static func decodeOpened<U: Decodable>(_ type: U.Type, _ entry: [String: Any], name: String) throws -> Any {
        try SnapshotReader.decode(entry, as: type, name: name)
    }

    /// Loads recorded state into `value` (in place for a class) and returns it.
    static func loadState<T>(_ entry: [String: Any], into value: T, name: String) throws -> T {
        guard var object = value as? any Checkpointable else { throw SnapshotReader.Failure("'\(name)' is not Checkpointable") }
        try object.load(SnapshotReader.state(entry, store: CellCache.store, name: name))
        return object as! T
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
