import Foundation
import QuireTensor

/// One way of running a function under test: eagerly, or compiled with `jit` (chex variants).
///
/// A variant transforms a function of tensors into one that computes the same thing some other way.
/// ``withVariants(_:file:line:_:)`` runs one test body per variant, so a test written once checks every
/// execution mode; a failure says which variant it happened under. The list is open: a module that adds an
/// execution mode registers it once, and every test that uses `Variants.all` picks it up.
///
/// ```swift
/// try withVariants { variant in
///     let f = variant { (xs: [Tensor]) in (xs[0] * 2).sum() }
///     try assertAllClose(try f([x]), (x * 2).sum())
/// }
/// ```
public struct Variant: Sendable, CustomStringConvertible {
    public typealias Function = ([Tensor]) throws -> Tensor
    public let name: String
    let transform: @Sendable (@escaping Function) -> Function

    /// A variant named `name` that runs a function as `transform` makes it.
    public init(name: String, transform: @escaping @Sendable (@escaping Function) -> Function) {
        (self.name, self.transform) = (name, transform)
    }

    /// The function as this variant runs it.
    public func callAsFunction(_ f: @escaping Function) -> Function { transform(f) }

    /// A function of one tensor as this variant runs it.
    public func callAsFunction(_ f: @escaping (Tensor) throws -> Tensor) -> (Tensor) throws -> Tensor {
        let g = transform { xs in try f(xs[0]) }
        return { x in try g([x]) }
    }

    public var description: String { name }

    /// Calls the function as written.
    public static let eager = Variant(name: "eager") { $0 }

    /// Compiles the function with `jit` (a new compiled function per transform): the call traces, and
    /// further calls with the same input signature replay.
    public static let jit = Variant(name: "jit") { f in
        let compiled = QuireTensor.jit { xs in [try f(xs)] }
        return { xs in try compiled(xs)[0] }
    }
}

/// The registry of test variants: `eager` (always there) and `jit`; other execution modes add theirs
/// with ``register(_:)``.
///
/// ```swift
/// Variants.all.map(\.name)   // ["eager", "jit"]
/// ```
public enum Variants {
    private final class Registry: @unchecked Sendable {
        let lock = NSLock()
        var variants: [Variant] = [.eager, .jit]
    }
    private static let registry = Registry()

    /// Every registered variant, `eager` first.
    public static var all: [Variant] {
        registry.lock.lock(); defer { registry.lock.unlock() }
        return registry.variants
    }

    /// Adds `variant`, replacing a registered one of the same name.
    public static func register(_ variant: Variant) {
        registry.lock.lock(); defer { registry.lock.unlock() }
        if let i = registry.variants.firstIndex(where: { $0.name == variant.name }) {
            registry.variants[i] = variant
        } else {
            registry.variants.append(variant)
        }
    }

    /// Removes the variant called `name` (`eager` stays).
    public static func unregister(_ name: String) {
        registry.lock.lock(); defer { registry.lock.unlock() }
        registry.variants.removeAll { $0.name == name && $0.name != Variant.eager.name }
    }

    /// The registered variant called `name`, if any.
    public static func named(_ name: String) -> Variant? { all.first { $0.name == name } }
}

/// Runs `body` once per variant (default: every registered one). A failure is rethrown marked with the
/// variant it happened under; an error that is not an ``AssertionFailure`` becomes one, so the report
/// still says which variant threw.
///
/// ```swift
/// try withVariants { v in
///     let loss = try v({ (xs: [Tensor]) in xs[0].square().mean() })([x])
///     try assertScalar(loss)
/// }
/// ```
public func withVariants(_ variants: [Variant]? = nil, file: StaticString = #filePath, line: UInt = #line,
                         _ body: (Variant) throws -> Void) throws {
    for variant in variants ?? Variants.all {
        do {
            try body(variant)
        } catch let failure as AssertionFailure {
            throw failure.under(variant.name)
        } catch {
            throw AssertionFailure("withVariants", "the body threw \(error)", file: "\(file)", line: Int(line), variant: variant.name)
        }
    }
}

/// Asserts that `f` gives the same result at `inputs` under every variant as it does eagerly.
///
/// ```swift
/// try assertVariantsAgree({ xs in xs[0].softmax().sum() }, at: [logits])
/// ```
public func assertVariantsAgree(_ f: @escaping Variant.Function, at inputs: [Tensor], rtol: Double = 1e-6, atol: Double = 0,
                                variants: [Variant]? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
    let expected = try f(inputs)
    for variant in variants ?? Variants.all where variant.name != Variant.eager.name {
        let actual = try variant(f)(inputs)
        if let problem = Comparison.firstDifference("result", actual, expected, .init(rtol: rtol, atol: atol)) {
            throw AssertionFailure("assertVariantsAgree", problem + " (eager gives the expected value)",
                                   file: "\(file)", line: Int(line), variant: variant.name)
        }
    }
}
