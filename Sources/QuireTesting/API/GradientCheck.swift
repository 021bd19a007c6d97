import QuireTensor

/// What `checkGradients` compared: for each derivative order,
/// the element where autodiff and central differences disagreed most (relative to the tolerance).
///
/// ```swift
/// let report = try checkGradients({ x in (x * x).sum() }, at: x)
/// print(report)   // order 1: 3 elements, worst x[0]: autodiff 2, differences 2.0000000000 …
/// ```
public struct GradientCheckReport: CustomStringConvertible, Sendable {
    /// One derivative order's worst element.
    public struct Worst: Sendable {
        public let order: Int
        /// `x[2]` for one argument, `1[2]` for argument 1 of several, `w[0, 1]` for a tree path.
        public let element: String
        public let analytic: Double
        public let numeric: Double
        public let step: Double
        /// |analytic − numeric| and the tolerance atol + rtol·|numeric| it was held to.
        public let error: Double
        public let tolerance: Double
        public let checked: Int
    }

    public let orders: [Worst]
    public let rtol: Double
    public let atol: Double

    public var description: String {
        orders.map { w in
            "order \(w.order): \(w.checked) elements, worst \(w.element): autodiff \(w.analytic), central differences \(w.numeric) "
                + "(step \(w.step)); |difference| \(w.error) ≤ \(w.tolerance)"
        }.joined(separator: "\n")
    }
}

/// Checks the reverse-mode gradients of a scalar function of several tensors against central finite
/// differences, up to `order` (as `jax.test_util.check_grads(mode="rev")`).
///
/// Order 1 compares `grad(f)` with (f(x + h) − f(x − h)) / 2h for every element. Order k + 1 does the same for
/// the scalar f_{k+1}(x) = Σ grad(f_k)(x) · v with a fixed random direction v, so second derivatives are
/// checked through the gradient's own gradient. The step is chosen per element, h = ε^{1/3}·max(1, |x|)
/// for the dtype's ε (6e-6 in float64), and rounded to a representable perturbation. Default tolerances:
/// rtol 1e-6, atol 1e-9 for float64; rtol 1e-2, atol 1e-3 for narrower floats (whose differences are noisy:
/// check in float64 where you can). Throws an ``AssertionFailure`` naming the worst element, both values,
/// the step and the tolerance.
///
/// ```swift
/// let x = Tensor([0.3, -1.2, 2.0] as [Double])
/// try checkGradients({ xs in (xs[0].tanh() * xs[1]).sum() }, at: [x, x * 2], order: 2)
/// ```
@discardableResult
public func checkGradients(_ f: @escaping ([Tensor]) throws -> Tensor, at xs: [Tensor], order: Int = 1,
                           rtol: Double? = nil, atol: Double? = nil,
                           file: StaticString = #filePath, line: UInt = #line) throws -> GradientCheckReport {
    let names = xs.count == 1 ? ["x"] : xs.indices.map { "\($0)" }
    return try GradientChecker(names: names, xs: xs, rtol: rtol, atol: atol, file: file, line: line).check(f, order: order)
}

/// `checkGradients` for a function of one tensor.
///
/// ```swift
/// try checkGradients({ x in x.softplus().sum() }, at: Tensor([-3, 0, 3] as [Double]))
/// ```
@discardableResult
public func checkGradients(_ f: @escaping (Tensor) throws -> Tensor, at x: Tensor, order: Int = 1,
                           rtol: Double? = nil, atol: Double? = nil,
                           file: StaticString = #filePath, line: UInt = #line) throws -> GradientCheckReport {
    try GradientChecker(names: ["x"], xs: [x], rtol: rtol, atol: atol, file: file, line: line)
        .check({ try f($0[0]) }, order: order)
}

/// `checkGradients` for a function of path-keyed tensors (a
/// model's parameters); elements are named by path. Integer entries are held fixed.
///
/// ```swift
/// try checkGradients({ p in (x.matmul(p["w"]!) + p["b"]!).square().mean() }, at: ["w": w, "b": b])
/// ```
@discardableResult
public func checkGradients(_ f: @escaping (TensorDict) throws -> Tensor, at params: TensorDict, order: Int = 1,
                           rtol: Double? = nil, atol: Double? = nil,
                           file: StaticString = #filePath, line: UInt = #line) throws -> GradientCheckReport {
    let floatKeys = params.keys.filter { params[$0]!.dtype.isFloatingPoint }
    let checker = GradientChecker(names: floatKeys, xs: floatKeys.map { params[$0]! }, rtol: rtol, atol: atol, file: file, line: line)
    return try checker.check({ xs in
        var p = params
        for (k, x) in zip(floatKeys, xs) { p[k] = x }
        return try f(p)
    }, order: order)
}
