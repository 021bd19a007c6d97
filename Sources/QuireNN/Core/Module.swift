import QuireTensor

/// The base class of every layer and model. Modules are not `Sendable`: use a model from one thread
/// (a notebook's main thread, a training loop).
///
/// Subclasses keep their tensors in ``Param`` boxes and their sublayers in stored properties
/// (directly, in arrays, or in `[String: …]` dictionaries). The first time the module's state is needed
/// it is reflected (with `Mirror`) into an ordered table of dotted path → box, for example
/// `blocks.0.attn.query.weight`, and the table is cached on the instance. Dictionaries contribute their
/// keys in sorted order.
///
/// ```swift
/// final class Block: Module {
///     let norm: LayerNorm
///     let layers: [Linear]
///     init(rngs: Rngs) {
///         norm = LayerNorm(16)
///         layers = [Linear(16, 16, rngs: rngs), Linear(16, 16, rngs: rngs)]
///     }
///     func callAsFunction(_ x: Tensor) -> Tensor { layers.reduce(norm(x)) { $1($0).relu() } }
/// }
/// Block(rngs: Rngs(0)).state().keys
/// // ["norm.scale", "norm.bias", "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
/// ```
///
/// Reflection is validated (``validate()``): duplicate paths, a box or module reachable from two places,
/// a dictionary key with a dot, modules or params inside an unsupported container (tuple, set, nested
/// array, …) are errors, and in debug builds a box that was replaced after the table was cached (assign
/// to `param.value`, never to the `Param` property) stops the program with the offending path.
/// Create sublayers in `init`: a `lazy var` sublayer would appear only once touched, which changes the
/// table after it was cached.
open class Module: CustomStringConvertible {
    /// Whether the module is in training mode (dropout active, batch norm uses batch statistics).
    /// Set it for the whole tree with ``train()`` and ``eval()``.
    public internal(set) var isTraining = true

    private var cachedTable: Reflection?

    public init() {}

    // MARK: - Tree

    /// The (path, box) table in order, every kind.
    public func namedParams() -> [(path: String, param: Param)] {
        table().params
    }

    /// The boxes that pass `filter`, with their paths.
    public func parameters(_ filter: ParamFilter = .trainable) -> [(path: String, param: Param)] {
        table().params.filter { filter.matches($0.param.kind) }
    }

    /// The number of elements in the boxes that pass `filter`.
    ///
    /// ```swift
    /// MLP([64, 256, 10], rngs: Rngs(0)).parameterCount()   // 64·256 + 256 + 256·10 + 10
    /// ```
    public func parameterCount(_ filter: ParamFilter = .trainable) -> Int {
        parameters(filter).reduce(0) { $0 + $1.param.value.scalarCount }
    }

    /// This module and every submodule with its path (`""` for this one), parents before children.
    public func namedModules() -> [(path: String, module: Module)] {
        table().modules
    }

    /// Training mode for this module and all its submodules.
    public func train() { setTraining(true) }

    /// Evaluation mode for this module and all its submodules (dropout off, running statistics).
    public func eval() { setTraining(false) }

    private func setTraining(_ on: Bool) {
        for (_, m) in namedModules() { m.isTraining = on }
    }

    /// The layer tree: each module with its path, type and trainable parameter count, each tensor with
    /// its name, shape and dtype (see ``layerTree()``), so `print(model)` shows the model.
    open var description: String { layerTree() }

    /// Forgets the cached table; the next access reflects again. Call it after restructuring a module
    /// on purpose (replacing a sublayer).
    public func invalidateReflection() {
        for (_, m) in (cachedTable?.modules ?? []) where m !== self { m.cachedTable = nil }
        cachedTable = nil
    }

    /// Reflects the module afresh and reports every structural problem at once.
    ///
    /// ```swift
    /// do { try model.validate() } catch { print(error) }
    /// ```
    public func validate() throws {
        let fresh = Reflector(root: self)
        var problems = fresh.problems
        if let cached = cachedTable {
            let old = Dictionary(cached.params.map { ($0.path, ObjectIdentifier($0.param)) }, uniquingKeysWith: { a, _ in a })
            for (path, box) in fresh.result.params where old[path] != nil && old[path] != ObjectIdentifier(box) {
                problems.append("\(path): the Param box was replaced after reflection; assign to `.value` instead "
                                + "(or call invalidateReflection())")
            }
            let oldPaths = cached.params.map(\.path), newPaths = fresh.result.params.map(\.path)
            if oldPaths != newPaths {
                problems.append("the set of parameter paths changed after reflection; call invalidateReflection()")
            }
        }
        if !problems.isEmpty { throw ModuleError(problems) }
    }

    func table() -> Reflection {
        if let cached = cachedTable {
            #if DEBUG
            do { try validate() } catch { preconditionFailure("\(type(of: self)): \(error)") }
            #endif
            return cached
        }
        let r = Reflector(root: self)
        #if DEBUG
        if !r.problems.isEmpty { preconditionFailure("\(type(of: self)): \(ModuleError(r.problems))") }
        #endif
        cachedTable = r.result
        return r.result
    }
}

/// An error in a module's structure or in state loaded into it; lists every problem.
public struct ModuleError: Error, CustomStringConvertible, Equatable {
    public let problems: [String]
    public init(_ problems: [String]) { self.problems = problems }
    public var description: String {
        problems.count == 1 ? problems[0]
            : "\(problems.count) problems:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

struct Reflection {
    var params: [(path: String, param: Param)] = []
    var modules: [(path: String, module: Module)] = []
}

/// Walks a module tree with Mirror.
struct Reflector {
    var result = Reflection()
    var problems: [String] = []
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
            problems.append("\(path.isEmpty ? "<root>" : path): the same \(type(of: module)) instance is already at "
                            + "\(first.isEmpty ? "<root>" : first); a module may appear only once in a tree")
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
            problems.append("\(path): the same Param box is already at \(first); share a module, not a box, or copy the value")
            return
        }
        seenParams[id] = path
        guard seenPaths.insert(path).inserted else {
            problems.append("\(path): duplicate path")
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
                    problems.append("\(path): nested collections of modules or params are not supported; wrap the inner ones in a Module")
                    return
                }
                for (i, item) in items.enumerated() { visit(value: item, path: Self.join(path, String(i)), depth: depth + 1) }
            } else if containsBoxes(value, depth: 0) {
                problems.append("\(path): unsupported container of modules or params (\(type(of: value))); collections may not nest, wrap the inner ones in a Module")
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
                    problems.append("\(path): nested collections of modules or params are not supported; wrap the inner ones in a Module")
                    return
                }
                guard type(of: value) is DictionaryWithStringKeys.Type else {
                    problems.append("\(path): dictionaries of modules or params need String keys (\(type(of: value)))")
                    return
                }
                for (k, v) in pairs.sorted(by: { $0.0 < $1.0 }) {
                    if k.contains(".") || k.isEmpty {
                        problems.append("\(Self.join(path, k)): dictionary key \"\(k)\" must be non-empty and contain no dot")
                        continue
                    }
                    visit(value: v, path: Self.join(path, k), depth: depth + 1)
                }
            } else if containsBoxes(value, depth: 0) {
                problems.append("\(path): unsupported container of modules or params (\(type(of: value)))")
            }
        default:
            if containsBoxes(value, depth: 0) {
                problems.append("\(path): unsupported container of modules or params (\(type(of: value))); use a property, an array or a [String: …] dictionary")
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
