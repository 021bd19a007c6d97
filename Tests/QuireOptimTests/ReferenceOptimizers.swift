import Foundation

// Independent, straightforward implementations of the published update equations, on plain Swift
// Double arrays (no QuireTensor), for the conformance test. Each reference returns the updates that
// are added to the parameters, as Optax's transforms do.

/// Flat values per parameter path.
typealias Arrays = [String: [Double]]

/// A reference optimizer: given parameters and gradients, the updates; keeps its own buffers.
protocol Reference: AnyObject {
    func step(params: Arrays, grads: Arrays, shapes: [String: [Int]]) -> Arrays
    /// Extra buffers to compare against the transform's state (e.g. EMA parameters).
    var extra: Arrays { get }
}
extension Reference { var extra: Arrays { [:] } }

func zeroed(_ a: Arrays) -> Arrays { a.mapValues { [Double](repeating: 0, count: $0.count) } }
func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

final class RefSGD: Reference {
    let lr: Double, momentum: Double?, nesterov: Bool
    var trace: Arrays = [:]
    init(lr: Double, momentum: Double? = nil, nesterov: Bool = false) { self.lr = lr; self.momentum = momentum; self.nesterov = nesterov }
    func step(params: Arrays, grads: Arrays, shapes: [String: [Int]]) -> Arrays {
        var out: Arrays = [:]
        for (k, g) in grads {
            guard let m = momentum else { out[k] = g.map { -lr * $0 }; continue }
            var t = trace[k] ?? [Double](repeating: 0, count: g.count)
            var u = [Double](repeating: 0, count: g.count)
            for i in g.indices {
                t[i] = g[i] + m * t[i]
                u[i] = -lr * (nesterov ? g[i] + m * t[i] : t[i])
            }
            trace[k] = t
            out[k] = u
        }
        return out
    }
}

/// Adam's direction (before learning rate), shared by Adam, AdamW and LAMB references.
final class AdamMoments {
    let b1: Double, b2: Double, eps: Double
    var m: Arrays = [:], v: Arrays = [:], t = 0.0
    init(b1: Double = 0.9, b2: Double = 0.999, eps: Double = 1e-8) { self.b1 = b1; self.b2 = b2; self.eps = eps }
    func direction(_ grads: Arrays) -> Arrays {
        t += 1
        var out: Arrays = [:]
        for (k, g) in grads {
            var mk = m[k] ?? [Double](repeating: 0, count: g.count), vk = v[k] ?? [Double](repeating: 0, count: g.count)
            var d = [Double](repeating: 0, count: g.count)
            for i in g.indices {
                mk[i] = b1 * mk[i] + (1 - b1) * g[i]
                vk[i] = b2 * vk[i] + (1 - b2) * g[i] * g[i]
                let mHat = mk[i] / (1 - pow(b1, t)), vHat = vk[i] / (1 - pow(b2, t))
                d[i] = mHat / (vHat.squareRoot() + eps)
            }
            m[k] = mk; v[k] = vk; out[k] = d
        }
        return out
    }
}

final class RefAdamW: Reference {
    let lr: Double, wd: Double, decays: (String) -> Bool
    let moments: AdamMoments
    init(lr: Double, wd: Double = 0, eps: Double = 1e-8, decays: @escaping (String) -> Bool = { _ in true }) {
        self.lr = lr; self.wd = wd; self.decays = decays; moments = AdamMoments(eps: eps)
    }
    func step(params: Arrays, grads: Arrays, shapes: [String: [Int]]) -> Arrays {
        var d = moments.direction(grads)
        for k in d.keys where decays(k) { for i in d[k]!.indices { d[k]![i] += wd * params[k]![i] } }
        return d.mapValues { $0.map { -lr * $0 } }
    }
}

final class RefLAMB: Reference {
    let lr: Double, wd: Double
    let moments = AdamMoments(eps: 1e-6)
    init(lr: Double, wd: Double) { self.lr = lr; self.wd = wd }
    func step(params: Arrays, grads: Arrays, shapes: [String: [Int]]) -> Arrays {
        var out: Arrays = [:]
        for (k, d) in moments.direction(grads) {
            let r = zip(d, params[k]!).map { $0 + wd * $1 }
            let pn = norm(params[k]!), rn = norm(r)
            let ratio = pn > 0 && rn > 0 ? pn / rn : 1
            out[k] = r.map { -lr * ratio * $0 }
        }
        return out
    }
}

final class RefLion: Reference {
    let lr: Double, b1: Double, b2: Double, wd: Double
    var m: Arrays = [:]
    init(lr: Double, b1: Double = 0.9, b2: Double = 0.99, wd: Double) { self.lr = lr; self.b1 = b1; self.b2 = b2; self.wd = wd }
    func step(params: Arrays, grads: Arrays, shapes: [String: [Int]]) -> Arrays {
        var out: Arrays = [:]
        for (k, g) in grads {
            var mk = m[k] ?? [Double](repeating: 0, count: g.count)
            var u = [Double](repeating: 0, count: g.count)
            for i in g.indices {
                let c = (1 - b1) * g[i] + b1 * mk[i]
                let s: Double = c > 0 ? 1 : (c < 0 ? -1 : 0)
                u[i] = -lr * (s + wd * params[k]![i])
                mk[i] = b2 * mk[i] + (1 - b2) * g[i]
            }
            m[k] = mk; out[k] = u
        }
        return out
    }
}

final class RefRMSProp: Reference {
    let lr: Double, decay: Double, eps: Double, momentum: Double?
    var nu: Arrays = [:], trace: Arrays = [:]
    init(lr: Double, decay: Double = 0.9, eps: Double = 1e-8, momentum: Double? = nil) {
        self.lr = lr; self.decay = decay; self.eps = eps; self.momentum = momentum
    }
    func step(params: Arrays, grads: Arrays, shapes: [String: [Int]]) -> Arrays {
        var out: Arrays = [:]
        for (k, g) in grads {
            var n = nu[k] ?? [Double](repeating: 0, count: g.count)
            var t = trace[k] ?? [Double](repeating: 0, count: g.count)
            var u = [Double](repeating: 0, count: g.count)
            for i in g.indices {
                n[i] = decay * n[i] + (1 - decay) * g[i] * g[i]
                u[i] = -lr * g[i] / (n[i] + eps).squareRoot()
                if let mo = momentum { t[i] = u[i] + mo * t[i]; u[i] = t[i] }
            }
            nu[k] = n; trace[k] = t; out[k] = u
        }
        return out
    }
}

final class RefAdagrad: Reference {
    let lr: Double, initial: Double, eps: Double
    var sos: Arrays = [:]
    init(lr: Double, initial: Double = 0.1, eps: Double = 1e-7) { self.lr = lr; self.initial = initial; self.eps = eps }
    func step(params: Arrays, grads: Arrays, shapes: [String: [Int]]) -> Arrays {
        var out: Arrays = [:]
        for (k, g) in grads {
            var s = sos[k] ?? [Double](repeating: initial, count: g.count)
            for i in g.indices { s[i] += g[i] * g[i] }
            sos[k] = s
            out[k] = g.indices.map { -lr * g[$0] / (s[$0] + eps).squareRoot() }
        }
        return out
    }
}

/// Adafactor for vectors and matrices: factored second moments for a matrix whose smaller side is at
/// least `minDim`, the RMS clip, learning rate, parameter scale, descent.
final class RefAdafactor: Reference {
    let lr: Double, minDim: Int, decayRate = 0.8, eps = 1e-30, clip = 1.0
    var stepCount = 0.0
    var full: Arrays = [:], rowStat: Arrays = [:], colStat: Arrays = [:]
    init(lr: Double, minDim: Int) { self.lr = lr; self.minDim = minDim }
    func step(params: Arrays, grads: Arrays, shapes: [String: [Int]]) -> Arrays {
        let beta = 1 - pow(stepCount + 1, -decayRate)
        stepCount += 1
        var out: Arrays = [:]
        for (k, g) in grads {
            let shape = shapes[k]!
            let g2 = g.map { $0 * $0 + eps }
            var u = [Double](repeating: 0, count: g.count)
            if shape.count == 2 && min(shape[0], shape[1]) >= minDim {
                let (r, c) = (shape[0], shape[1])
                // Per-row and per-column means of g².
                let rowMean = (0..<r).map { i in (0..<c).reduce(0.0) { $0 + g2[i * c + $1] } / Double(c) }
                let colMean = (0..<c).map { j in (0..<r).reduce(0.0) { $0 + g2[$1 * c + j] } / Double(r) }
                // The statistic averaged over the longer side is normalized by its mean (ties: columns are longer).
                let longIsColumns = c >= r
                let normed = longIsColumns ? rowMean : colMean, other = longIsColumns ? colMean : rowMean
                var a = rowStat[k] ?? [Double](repeating: 0, count: normed.count)
                var b = colStat[k] ?? [Double](repeating: 0, count: other.count)
                for i in a.indices { a[i] = beta * a[i] + (1 - beta) * normed[i] }
                for i in b.indices { b[i] = beta * b[i] + (1 - beta) * other[i] }
                rowStat[k] = a; colStat[k] = b
                let aMean = a.reduce(0, +) / Double(a.count)
                for i in 0..<r {
                    for j in 0..<c {
                        let (ia, ib) = longIsColumns ? (i, j) : (j, i)
                        u[i * c + j] = g[i * c + j] / (a[ia] / aMean).squareRoot() / b[ib].squareRoot()
                    }
                }
            } else {
                var v = full[k] ?? [Double](repeating: 0, count: g.count)
                for i in g.indices { v[i] = beta * v[i] + (1 - beta) * g2[i]; u[i] = g[i] / v[i].squareRoot() }
                full[k] = v
            }
            let rms = norm(u) / Double(u.count).squareRoot()
            let clipDiv = max(1, rms / clip)
            let paramScale = max(norm(params[k]!) / Double(u.count).squareRoot(), 1e-3)
            out[k] = u.map { -($0 / clipDiv) * lr * paramScale }
        }
        return out
    }
}

/// A stateless map over updates.
final class RefMap: Reference {
    let f: (Arrays, Arrays, Int) -> Arrays
    var t = 0
    init(_ f: @escaping (_ params: Arrays, _ grads: Arrays, _ step: Int) -> Arrays) { self.f = f }
    func step(params: Arrays, grads: Arrays, shapes: [String: [Int]]) -> Arrays {
        defer { t += 1 }
        return f(params, grads, t)
    }
}

/// One reference per group, by label.
final class RefGroups: Reference {
    let parts: [String: Reference], label: (String) -> String
    init(_ parts: [String: Reference], label: @escaping (String) -> String) { self.parts = parts; self.label = label }
    func step(params: Arrays, grads: Arrays, shapes: [String: [Int]]) -> Arrays {
        var out: Arrays = [:]
        for (name, ref) in parts {
            let g = grads.filter { label($0.key) == name }
            guard !g.isEmpty else { continue }
            out.merge(ref.step(params: params.filter { g[$0.key] != nil }, grads: g, shapes: shapes)) { a, _ in a }
        }
        return out
    }
}

/// Averages `k` gradients, then steps the inner reference; zeros in between.
final class RefAccumulate: Reference {
    let inner: Reference, k: Int
    var sum: Arrays = [:], n = 0
    init(_ inner: Reference, k: Int) { self.inner = inner; self.k = k }
    func step(params: Arrays, grads: Arrays, shapes: [String: [Int]]) -> Arrays {
        for (key, g) in grads { sum[key] = zip(sum[key] ?? zeroed([key: g])[key]!, g).map { $0 + $1 } }
        n += 1
        guard n == k else { return zeroed(grads) }
        let mean = sum.mapValues { $0.map { $0 / Double(k) } }
        sum = [:]; n = 0
        return inner.step(params: params, grads: mean, shapes: shapes)
    }
}

/// Skips steps with a non-finite gradient.
final class RefSkipNonFinite: Reference {
    let inner: Reference
    init(_ inner: Reference) { self.inner = inner }
    func step(params: Arrays, grads: Arrays, shapes: [String: [Int]]) -> Arrays {
        grads.values.allSatisfy { $0.allSatisfy(\.isFinite) } ? inner.step(params: params, grads: grads, shapes: shapes) : zeroed(grads)
    }
}

/// The inner updates, with an exponential moving average of the parameters after each step.
final class RefEMA: Reference {
    let inner: Reference, decay: Double
    var ema: Arrays = [:]
    var extra: Arrays { ema.mapValues { $0 } }
    init(_ inner: Reference, decay: Double) { self.inner = inner; self.decay = decay }
    func step(params: Arrays, grads: Arrays, shapes: [String: [Int]]) -> Arrays {
        if ema.isEmpty { ema = params }
        let u = inner.step(params: params, grads: grads, shapes: shapes)
        for (k, p) in params { ema[k] = (0..<p.count).map { decay * ema[k]![$0] + (1 - decay) * (p[$0] + u[k]![$0]) } }
        return u
    }
}
