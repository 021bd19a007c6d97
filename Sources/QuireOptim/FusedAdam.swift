import QuireTensor

/// Adam's moment and update arithmetic for one parameter in a single pass over its elements, instead of
/// ten elementwise tensor operations that each allocate a result. The formulas and their order are those of
/// ``scaleByAdam(b1:b2:eps:epsRoot:)``'s tensor form, so both give the same bits; used when the gradient and
/// both moments are float32 or float64 of one shape (other dtypes fall back to tensor operations).
func fusedAdamStep(_ g: Tensor, mu: Tensor, nu: Tensor, b1: Double, b2: Double, c1: Double, c2: Double,
                   eps: Double, epsRoot: Double) -> (mu: Tensor, nu: Tensor, update: Tensor)? {
    guard g.dtype == mu.dtype, g.dtype == nu.dtype, g.shape == mu.shape, g.shape == nu.shape else { return nil }
    switch g.dtype {
    case .float32: return fusedAdamStep(Float.self, g, mu, nu, b1, b2, c1, c2, eps, epsRoot)
    case .float64: return fusedAdamStep(Double.self, g, mu, nu, b1, b2, c1, c2, eps, epsRoot)
    default: return nil
    }
}

private func fusedAdamStep<T: BinaryFloatingPoint & TensorScalar>(
    _: T.Type, _ g: Tensor, _ mu: Tensor, _ nu: Tensor,
    _ b1: Double, _ b2: Double, _ c1: Double, _ c2: Double, _ eps: Double, _ epsRoot: Double
) -> (mu: Tensor, nu: Tensor, update: Tensor) {
    var newMu = Tensor.zeros(g.shape, dtype: g.dtype)
    var newNu = Tensor.zeros(g.shape, dtype: g.dtype)
    var update = Tensor.zeros(g.shape, dtype: g.dtype)
    // Constants rounded once to T, as the tensor form's weakly typed scalars are.
    let (tb1, tb2, ob1, ob2) = (T(b1), T(b2), T(1 - b1), T(1 - b2))
    let (tc1, tc2, teps, troot) = (T(c1), T(c2), T(eps), T(epsRoot))
    g.withUnsafeBufferPointer(as: T.self) { pg in
        mu.withUnsafeBufferPointer(as: T.self) { pm in
            nu.withUnsafeBufferPointer(as: T.self) { pn in
                newMu.withUnsafeMutableBufferPointer(as: T.self) { om in
                    newNu.withUnsafeMutableBufferPointer(as: T.self) { on in
                        update.withUnsafeMutableBufferPointer(as: T.self) { ou in
                            for i in 0..<pg.count {
                                let x = pg[i]
                                let m = tb1 * pm[i] + ob1 * x
                                let v = tb2 * pn[i] + ob2 * (x * x)
                                om[i] = m
                                on[i] = v
                                ou[i] = (m / tc1) / ((v / tc2 + troot).squareRoot() + teps)
                            }
                        }
                    }
                }
            }
        }
    }
    return (newMu, newNu, update)
}
