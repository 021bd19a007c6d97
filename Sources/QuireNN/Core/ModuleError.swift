import QuireTensor

/// An error in a module's structure, in state loaded into it, or in gradients given to its
/// ``Optimizer``. It lists every problem at once, each a typed ``Problem`` with its path, rendered in
/// one ``description``.
///
/// ```swift
/// do { try model.load(checkpoint) } catch let error as ModuleError {
///     for case .missing(let path, _) in error.issues { print("not in the checkpoint:", path) }
///     print(error)   // "2 problems:\n  - missing: layers.1.bias ([10] float32)\n  - …"
/// }
/// ```
public struct ModuleError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What a loaded tensor or a gradient was checked against.
    public enum Subject: Sendable, Equatable {
        /// A tensor of a state given to ``Module/load(_:filter:)`` or ``Module/update(parameters:)``.
        case state
        /// A gradient given to ``Optimizer/update(_:)``.
        case gradient
    }

    /// One problem, with the path it concerns.
    public enum Problem: Sendable, Equatable, CustomStringConvertible {
        /// The module has `path` (a tensor described as `expected`, e.g. `[2, 3] float32`) but the state lacks it.
        case missing(path: String, expected: String)
        /// The state (or gradients) has `path`, which the module (or optimizer) does not.
        case unexpected(path: String, got: String, subject: Subject)
        /// `path` exists on both sides with a different shape or dtype.
        case mismatched(path: String, expected: String, got: String, subject: Subject)
        /// The same ``Param`` box is reachable at `path` and, first, at `first`.
        case sharedBox(path: String, first: String)
        /// The same module instance (of `type`) is reachable at `path` and, first, at `first`.
        case sharedModule(path: String, first: String, type: String)
        /// Modules or params inside a container reflection does not walk (a tuple, set, nested collection,
        /// dictionary without String keys) of `type`.
        case unsupportedContainer(path: String, type: String)
        /// A dictionary key that is empty or contains a dot.
        case badDictionaryKey(path: String, key: String)
        /// Two boxes at one path.
        case duplicatePath(String)
        /// The box at a path was replaced after the table was cached.
        case replacedBox(String)
        /// The set of paths changed after the table was cached.
        case pathsChanged

        public var description: String {
            switch self {
            case .missing(let path, let expected):
                return "missing: \(path) (\(expected))"
            case .unexpected(let path, let got, .state):
                return "unexpected: \(path) (\(got))"
            case .unexpected(let path, let got, .gradient):
                return "unexpected gradient: \(path) (\(got)), not a parameter this optimizer updates"
            case .mismatched(let path, let expected, let got, .state):
                return "mismatched: \(path) expects \(expected), got \(got)"
            case .mismatched(let path, let expected, let got, .gradient):
                return "mismatched gradient: \(path) is \(got), parameter is \(expected)"
            case .sharedBox(let path, let first):
                return "\(path): the same Param box is already at \(first); share a module, not a box, or copy the value"
            case .sharedModule(let path, let first, let type):
                return "\(Self.shown(path)): the same \(type) instance is already at \(Self.shown(first)); "
                    + "a module may appear only once in a tree"
            case .unsupportedContainer(let path, let type):
                return "\(path): unsupported container of modules or params (\(type)); use a property, an array or a "
                    + "[String: …] dictionary, and wrap nested collections in a Module"
            case .badDictionaryKey(let path, let key):
                return "\(path): dictionary key \"\(key)\" must be non-empty and contain no dot"
            case .duplicatePath(let path):
                return "\(path): duplicate path"
            case .replacedBox(let path):
                return "\(path): the Param box was replaced after reflection; assign to `.value` instead (or call invalidateReflection())"
            case .pathsChanged:
                return "the set of parameter paths changed after reflection; call invalidateReflection()"
            }
        }

        private static func shown(_ path: String) -> String { path.isEmpty ? "<root>" : path }
    }

    /// Every problem found, in the order found.
    public let issues: [Problem]

    public init(_ issues: [Problem]) { self.issues = issues }

    /// The problems as text, one line each.
    public var problems: [String] { issues.map(\.description) }

    public var description: String {
        problems.count == 1 ? problems[0]
            : "\(problems.count) problems:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

/// `[2, 3] float32`: how a problem describes a tensor.
func tensorText(_ shape: [Int], _ dtype: DType) -> String { "\(shapeText(shape)) \(dtype)" }
