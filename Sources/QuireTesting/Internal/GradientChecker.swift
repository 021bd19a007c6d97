import QuireTensor

/// The finite-difference machinery behind `checkGradients`.
struct GradientChecker {
    let names: [String]
    let xs: [Tensor]
    let rtol: Double, atol: Double
    let file: StaticString, line: UInt

    init(names: [String], xs: [Tensor], rtol: Double?, atol: Double?, file: StaticString, line: UInt) {
        (self.names, self.xs, self.file, self.line) = (names, xs, file, line)
        let wide = xs.allSatisfy { $0.dtype == .float64 }
        self.rtol = rtol ?? (wide ? 1e-6 : 1e-2)
        self.atol = atol ?? (wide ? 1e-9 : 1e-3)
    }

    func fail(_ message: String) -> AssertionFailure {
        AssertionFailure("checkGradients", message, file: "\(file)", line: Int(line))
    }

    func check(_ f: @escaping ([Tensor]) throws -> Tensor, order: Int) throws -> GradientCheckReport {
        guard order >= 1 else { throw fail("order must be at least 1, got \(order)") }
        for (name, x) in zip(names, xs) where !x.dtype.isFloatingPoint {
            throw fail("argument \(name) has dtype \(x.dtype); only float tensors can be differentiated")
        }
        var worst: [GradientCheckReport.Worst] = []
        var fk = f
        for k in 1...order {
            worst.append(try checkOnce(fk, order: k))
            if k < order { fk = projectedGradient(fk, seed: k) }
        }
        return GradientCheckReport(orders: worst, rtol: rtol, atol: atol)
    }

    /// f_{k+1}(x) = Σ_j Σ grad_j(f_k)(x) · v_j with a fixed standard-normal direction v.
    func projectedGradient(_ f: @escaping ([Tensor]) throws -> Tensor, seed: Int) -> ([Tensor]) throws -> Tensor {
        let key = PRNGKey(seed: 7919).fold(in: seed)
        let directions = xs.enumerated().map { j, x in Tensor.normal(key.fold(in: j), shape: x.shape, dtype: x.dtype) }
        return { inputs in
            let g = try grad(f)(inputs)
            return zip(g, directions).map { ($0 * $1).sum() }.reduce(Tensor(0, dtype: inputs[0].dtype)) { $0 + $1 }
        }
    }

    func checkOnce(_ f: @escaping ([Tensor]) throws -> Tensor, order: Int) throws -> GradientCheckReport.Worst {
        let value = try f(xs)
        guard value.scalarCount == 1 else {
            throw fail("the function must return one element, got shape \(Format.shape(value.shape))" + (order > 1 ? " (order \(order))" : ""))
        }
        let analytic = try grad(f)(xs).map(\.hostValues)
        var best: GradientCheckReport.Worst?
        var bestRatio = -1.0
        var checked = 0
        for j in xs.indices {
            let x = xs[j], base = x.hostValues
            for i in base.indices {
                let (numeric, step) = try centralDifference(f, argument: j, element: i, base: base)
                let a = analytic[j][i]
                let error = a.isNaN != numeric.isNaN ? .infinity : Swift.abs(a - numeric)
                let tolerance = atol + rtol * Swift.abs(numeric)
                let ratio = error.isNaN ? 0 : error / tolerance
                checked += 1
                if ratio > bestRatio {
                    bestRatio = ratio
                    best = .init(order: order, element: names[j] + Format.index(flat: i, shape: x.shape), analytic: a,
                                 numeric: numeric, step: step, error: error, tolerance: tolerance, checked: 0)
                }
            }
        }
        guard let w = best else { throw fail("there are no elements to check") }
        let result = GradientCheckReport.Worst(order: order, element: w.element, analytic: w.analytic, numeric: w.numeric,
                                               step: w.step, error: w.error, tolerance: w.tolerance, checked: checked)
        if bestRatio > 1 {
            let what = order == 1 ? "gradient" : "order-\(order) derivative (gradient of the projected order-\(order - 1) gradient)"
            throw fail("\(what) at \(w.element) is \(w.analytic) by autodiff but \(w.numeric) by central differences (step \(w.step)); "
                       + "|difference| \(w.error) > atol \(atol) + rtol \(rtol) · |numeric|")
        }
        return result
    }

    /// (f(x + h·e_i) − f(x − h·e_i)) / (x₊ − x₋), with x± rounded to the argument's dtype.
    func centralDifference(_ f: ([Tensor]) throws -> Tensor, argument j: Int, element i: Int,
                           base: [Double]) throws -> (Double, Double) {
        let x = xs[j]
        let h = stepScale(x.dtype) * Swift.max(1, Swift.abs(base[i]))
        func shifted(_ delta: Double) throws -> (Double, Double) {
            var values = base
            values[i] += delta
            let t = Tensor(values, shape: x.shape).cast(to: x.dtype)
            let actual = t.hostValues[i]
            var inputs = xs
            inputs[j] = t
            return (try f(inputs).hostValues[0], actual)
        }
        let (up, xUp) = try shifted(h), (down, xDown) = try shifted(-h)
        return ((up - down) / (xUp - xDown), (xUp - xDown) / 2)
    }

    /// ε^{1/3} for the dtype: the step that balances truncation and rounding error in a central difference.
    func stepScale(_ dtype: DType) -> Double {
        switch dtype {
        case .float64: return 6.055454452393343e-06   // (2^-52)^(1/3)
        case .float32: return 4.921566601151848e-03   // (2^-23)^(1/3)
        default: return 0.0625                         // float16 / bfloat16
        }
    }
}
