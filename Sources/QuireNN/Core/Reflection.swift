import QuireTensor

// How a module tree becomes its (path, box) table: a walk with Mirror that collects every structural
// problem instead of stopping at the first.

struct Reflection {
    var params: [(path: String, param: Param)] = []
    var modules: [(path: String, module: Module)] = []
}

/// Walks a module tree with Mirror.
struct Reflector {
    var result = Reflection()
    var problems: [ModuleError.Problem] = []
    private var seenParams: [ObjectIdentifier: String] = [:]
    private var seenModules: [ObjectIdentifier: String] = [:]
    private var seenPaths: Set<String> = []

    init(root: Module) {
        visit(module: root, path: "")
    }

    private static func join(_ a: String, _ b: String) -> String { a.isEmpty ? b : "\(a).\(b)" }

    private mutating func visit(module: Module, path: String) {
        let id = ObjectIdentifier(module)
        if let first = seenModules[id] {
            problems.append(.sharedModule(path: path, first: first, type: "\(type(of: module))"))
            return
        }
        seenModules[id] = path
        result.modules.append((path, module))
        // Stored properties of the class and its superclasses up to Module, base first.
        var mirrors: [Mirror] = []
        var m: Mirror? = Mirror(reflecting: module)
        while let mm = m, mm.subjectType != Module.self {
            mirrors.insert(mm, at: 0)
            m = mm.superclassMirror
        }
        for mirror in mirrors {
            for child in mirror.children {
                guard var label = child.label else { continue }
                if label.hasPrefix("$__lazy_storage_$_") { label = String(label.dropFirst("$__lazy_storage_$_".count)) }
                visit(value: child.value, path: Self.join(path, label), depth: 0)
            }
        }
    }

    private mutating func add(param: Param, path: String) {
        let id = ObjectIdentifier(param)
        if let first = seenParams[id] {
            problems.append(.sharedBox(path: path, first: first))
            return
        }
        seenParams[id] = path
        guard seenPaths.insert(path).inserted else {
            problems.append(.duplicatePath(path))
            return
        }
        result.params.append((path, param))
    }

    private mutating func visit(value: Any, path: String, depth: Int) {
        let unwrapped = unwrapOptional(value)
        guard let value = unwrapped else { return }
        if let p = value as? Param { add(param: p, path: path); return }
        if let m = value as? Module { visit(module: m, path: path); return }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .collection?:
            let items = Array(mirror.children.map(\.value))
            if items.contains(where: { unwrapOptional($0).map { $0 is Param || $0 is Module } ?? false }) {
                if depth > 0 {
                    problems.append(.unsupportedContainer(path: path, type: "\(type(of: value))"))
                    return
                }
                for (i, item) in items.enumerated() { visit(value: item, path: Self.join(path, String(i)), depth: depth + 1) }
            } else if containsBoxes(value, depth: 0) {
                problems.append(.unsupportedContainer(path: path, type: "\(type(of: value))"))
            }
        case .dictionary?:
            var pairs: [(String, Any)] = []
            var boxed = false
            for child in mirror.children {
                let kv = Array(Mirror(reflecting: child.value).children)
                guard kv.count == 2 else { continue }
                let v = kv[1].value
                if unwrapOptional(v).map({ $0 is Param || $0 is Module }) ?? false { boxed = true }
                pairs.append(("\(kv[0].value)", v))
            }
            if boxed {
                if depth > 0 {
                    problems.append(.unsupportedContainer(path: path, type: "\(type(of: value))"))
                    return
                }
                guard type(of: value) is DictionaryWithStringKeys.Type else {
                    problems.append(.unsupportedContainer(path: path, type: "\(type(of: value))"))
                    return
                }
                for (k, v) in pairs.sorted(by: { $0.0 < $1.0 }) {
                    if k.contains(".") || k.isEmpty {
                        problems.append(.badDictionaryKey(path: Self.join(path, k), key: k))
                        continue
                    }
                    visit(value: v, path: Self.join(path, k), depth: depth + 1)
                }
            } else if containsBoxes(value, depth: 0) {
                problems.append(.unsupportedContainer(path: path, type: "\(type(of: value))"))
            }
        default:
            if containsBoxes(value, depth: 0) {
                problems.append(.unsupportedContainer(path: path, type: "\(type(of: value))"))
            }
        }
    }

    /// Whether a non-module value hides params or modules (tuples, sets, structs, nested collections).
    private func containsBoxes(_ value: Any, depth: Int) -> Bool {
        guard depth < 4 else { return false }
        if value is Tensor { return false }
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .class { return false }   // other classes (Rngs, closures' boxes) are not walked
        for child in mirror.children {
            guard let v = unwrapOptional(child.value) else { continue }
            if v is Param || v is Module { return true }
            if containsBoxes(v, depth: depth + 1) { return true }
        }
        return false
    }
}

private protocol DictionaryWithStringKeys {}
extension Dictionary: DictionaryWithStringKeys where Key == String {}

/// The wrapped value of an Optional (nil for `.none`), or the value itself.
private func unwrapOptional(_ value: Any) -> Any? {
    let mirror = Mirror(reflecting: value)
    guard mirror.displayStyle == .optional else { return value }
    guard let first = mirror.children.first else { return nil }
    return unwrapOptional(first.value)
}
