import QuireTensor

/// What went wrong tracing, compiling or running a kernel. Every case names the kernel; tracing errors
/// also name the ref and the shapes involved.
///
/// ```swift
/// do { _ = try add([x, y]) } catch let e as KernelError { print(e) }
/// // kernel 'add': ref 'x' block [100] does not divide its array [1000]...
/// ```
public enum KernelError: Error, CustomStringConvertible, Equatable {
    /// The body or an index map is ill-typed or ill-shaped for the given inputs.
    case trace(kernel: String, message: String)
    /// Inputs that do not match the call (count, dtype).
    case badInput(kernel: String, message: String)
    /// A run-time fault the interpreter detected (an unmasked access outside its array).
    case outOfBounds(kernel: String, ref: String, message: String)
    /// The C backend could not find clang or compile/load the emitted code.
    case compile(kernel: String, message: String)

    public var description: String {
        switch self {
        case let .trace(k, m): return "kernel '\(k)': \(m)"
        case let .badInput(k, m): return "kernel '\(k)': bad input: \(m)"
        case let .outOfBounds(k, r, m): return "kernel '\(k)': ref '\(r)': out of bounds: \(m)"
        case let .compile(k, m): return "kernel '\(k)': compiled backend: \(m)"
        }
    }
}
