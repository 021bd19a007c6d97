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
                problems.append(.replacedBox(path))
            }
            let oldPaths = cached.params.map(\.path), newPaths = fresh.result.params.map(\.path)
            if oldPaths != newPaths {
                problems.append(.pathsChanged)
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
