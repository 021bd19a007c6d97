internal import CQuireFused
import QuireTensor

/// Adam's moment and update arithmetic for one parameter in a single pass over its elements, instead of
/// ten elementwise tensor operations that each allocate a result. The formulas and their order are those of
/// ``scaleByAdam(b1:b2:eps:epsRoot:)``'s tensor form, so both give the same bits; used when the gradient and
/// both moments are float32 or float64 of one shape (other dtypes fall back to tensor operations).
func fusedAdamStep(_ g: Tensor, mu: Tensor, nu: Tensor, b1: Double, b2: Double, inverseC1 c1: Double,
                   inverseC2 c2: Double, eps: Double, epsRoot: Double) -> (mu: Tensor, nu: Tensor, update: Tensor)? {
    guard g.dtype == mu.dtype, g.dtype == nu.dtype, g.shape == mu.shape, g.shape == nu.shape else { return nil }
    switch g.dtype {
    case .float32: return fusedAdamStep(Float.self, g, mu, nu, b1, b2, c1, c2, eps, epsRoot)
    case .float64: return fusedAdamStep(Double.self, g, mu, nu, b1, b2, c1, c2, eps, epsRoot)
    default: return nil
    }
}

private func fusedAdamStep<T: BinaryFloatingPoint & TensorScalar & SIMDScalar>(
    _: T.Type, _ g: Tensor, _ mu: Tensor, _ nu: Tensor,
    _ b1: Double, _ b2: Double, _ c1: Double, _ c2: Double, _ eps: Double, _ epsRoot: Double
) -> (mu: Tensor, nu: Tensor, update: Tensor) {
    // Constants rounded once to T, as the tensor form's weakly typed scalars are.
    if g.scalarCount == 0 { return (mu, nu, g) }
    let k = AdamConstants<T>(b1: b1, b2: b2, c1: c1, c2: c2, eps: eps, epsRoot: epsRoot)
    var newNu = Tensor.zeros([0])
    var update = Tensor.zeros([0])
    let newMu = g.withUnsafeBufferPointer(as: T.self) { pg in
        mu.withUnsafeBufferPointer(as: T.self) { pm in
            nu.withUnsafeBufferPointer(as: T.self) { pn in
                // Outputs start uninitialized: every element is written below.
                Tensor(unsafeUninitializedShape: g.shape, dtype: g.dtype) { (om: UnsafeMutableBufferPointer<T>) in
                    newNu = Tensor(unsafeUninitializedShape: g.shape, dtype: g.dtype) { (on: UnsafeMutableBufferPointer<T>) in
                        update = Tensor(unsafeUninitializedShape: g.shape, dtype: g.dtype) { (ou: UnsafeMutableBufferPointer<T>) in
                            adamLoop(k, pg.baseAddress!, pm.baseAddress!, pn.baseAddress!,
                                     om.baseAddress!, on.baseAddress!, ou.baseAddress!, pg.count)
                        }
                    }
                }
            }
        }
    }
    return (newMu, newNu, update)
}

/// The step's constants in T; `c1`, `c2` are the bias corrections' reciprocals 1 / (1 − βᵗ).
private struct AdamConstants<T: BinaryFloatingPoint> {
    let b1, b2, ob1, ob2, c1, c2, eps, root: T
    init(b1: Double, b2: Double, c1: Double, c2: Double, eps: Double, epsRoot: Double) {
        (self.b1, self.b2, ob1, ob2) = (T(b1), T(b2), T(1 - b1), T(1 - b2))
        (self.c1, self.c2, self.eps, root) = (T(c1), T(c2), T(eps), T(epsRoot))
    }
}

/// The element loop: float32 through the C loop (vector square roots and divisions), other types as
/// scalar Swift; both do the formula's operations in the same order.
@inline(__always)
private func adamLoop<T: BinaryFloatingPoint & SIMDScalar>(
    _ k: AdamConstants<T>, _ pg: UnsafePointer<T>, _ pm: UnsafePointer<T>, _ pn: UnsafePointer<T>,
    _ om: UnsafeMutablePointer<T>, _ on: UnsafeMutablePointer<T>, _ ou: UnsafeMutablePointer<T>, _ n: Int
) {
    if T.self == Float.self {
        let f = unsafeBitCast(k, to: AdamConstants<Float>.self)
        func p(_ x: UnsafePointer<T>) -> UnsafePointer<Float> { UnsafeRawPointer(x).assumingMemoryBound(to: Float.self) }
        func p(_ x: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<Float> {
            UnsafeMutableRawPointer(x).assumingMemoryBound(to: Float.self)
        }
        quire_adam_f32(p(pg), p(pm), p(pn), p(om), p(on), p(ou), n, f.b1, f.b2, f.ob1, f.ob2, f.c1, f.c2, f.root, f.eps)
        return
    }
    for i in 0..<n {
        let x = pg[i]
        let m = k.b1 * pm[i] + k.ob1 * x
        let v = k.b2 * pn[i] + k.ob2 * (x * x)
        om[i] = m
        on[i] = v
        ou[i] = (m * k.c1) / ((v * k.c2 + k.root).squareRoot() + k.eps)
    }
}
