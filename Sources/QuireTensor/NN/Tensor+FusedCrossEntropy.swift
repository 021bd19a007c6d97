import Foundation
internal import CQuireFused

// Mean softmax cross-entropy against integer labels as one differentiable op. Forward: one pass per
// row (max, log-sum-exp, minus the label's logit). Backward: one pass per row writing
// (softmax − onehot) · g / rows, instead of the traced logSoftmax + take + negate + mean chain and its
// four [rows, classes] cotangent tensors. float32 (with the vectorizable `fastExp`) and float64.

extension Tensor {
    /// The mean over rows of `logSumExp(logits[r]) − logits[r, labels[r]]`, for logits `[..., classes]`
    /// (float32 or float64) and integer `labels` of shape `logits.shape.dropLast()`; a scalar. Equal to
    /// `-logits.logSoftmax().take(along: labels…).mean()`, with a one-pass gradient.
    ///
    /// Throws when the label shape does not match, or a label is outside `0..<classes` (naming the
    /// row and the label).
    ///
    /// ```swift
    /// let loss = try Tensor.meanSoftmaxCrossEntropy(logits: model(x), labels: y)   // y: int32 [batch, length]
    /// ```
    public static func meanSoftmaxCrossEntropy(logits: Tensor, labels: Tensor) throws -> Tensor {
        let op = "meanSoftmaxCrossEntropy"
        guard logits.rank >= 1, let classes = logits.shape.last, classes > 0 else {
            throw TensorError(op, "logits need a non-empty class axis, got shape \(shapeString(logits.shape))")
        }
        guard logits.dtype == .float32 || logits.dtype == .float64 else {
            throw TensorError(op, "logits must be float32 or float64, got \(logits.dtype)")
        }
        guard labels.dtype.isInteger, labels.shape == Array(logits.shape.dropLast()) else {
            let expected = shapeString(Array(logits.shape.dropLast()))
            throw TensorError(op, "labels must be integers of shape \(expected) for logits \(shapeString(logits.shape)), "
                                  + "got \(labels.dtype) \(shapeString(labels.shape))")
        }
        let ids = labels.scalars(as: Int32.self)
        guard !ids.isEmpty else { throw TensorError(op, "no rows: logits \(shapeString(logits.shape))") }
        if let bad = ids.firstIndex(where: { $0 < 0 || Int($0) >= classes }) {
            throw TensorError(op, "label \(ids[bad]) at row \(bad) is outside 0..<\(classes)")
        }
        let rows = ids.count
        let f = customVJP(name: op, forward: { (x: Tensor) in
            (crossEntropyForward(x.reshaped([rows, classes]), ids), [x])
        }, backward: { residuals, g in
            crossEntropyBackward(residuals[0], ids, cotangent: g)
        })
        return f(logits)
    }
}

private func crossEntropyForward(_ logits: Tensor, _ ids: [Int32]) -> Tensor {
    let classes = logits.shape[1]
    if logits.traceTag != 0 {
        // Recorded (a higher-order derivative): tensor ops with rules of their own.
        let labels = Tensor(ids, shape: [ids.count, 1])
        return -logits.logSoftmax().take(along: labels, axis: -1).mean()
    }
    let x = logits.contiguous()
    let losses: [Double] = x.dtype == .float64
        ? crossEntropyRows(x, ids, classes: classes, gradientInto: nil, scale: 0, Double.self)
        : crossEntropyRows(x, ids, classes: classes, gradientInto: nil, scale: 0, Float.self)
    let mean = losses.reduce(0, +) / Double(ids.count)
    return Tensor(mean, dtype: logits.dtype)
}

private func crossEntropyBackward(_ logits: Tensor, _ ids: [Int32], cotangent g: Tensor) -> Tensor {
    let classes = logits.shape[logits.rank - 1], rows = ids.count
    if logits.traceTag != 0 || g.traceTag != 0 {
        let onehot = Tensor(ids, shape: [rows]).oneHot(depth: classes, dtype: logits.dtype)
        let p = logits.reshaped([rows, classes]).softmax()
        return ((p - onehot) * (g / Double(rows))).reshaped(logits.shape)
    }
    let x = logits.contiguous()
    let dx = Tensor(uninitializedShape: logits.shape, dtype: logits.dtype)
    let scale = g.item(as: Double.self) / Double(rows)
    if x.dtype == .float64 {
        _ = crossEntropyRows(x, ids, classes: classes, gradientInto: dx, scale: scale, Double.self)
    } else {
        _ = crossEntropyRows(x, ids, classes: classes, gradientInto: dx, scale: scale, Float.self)
    }
    return dx
}

/// Per-row losses; with `gradientInto`, also writes `(softmax − onehot) · scale` there.
private func crossEntropyRows<T: NNFloat>(_ x: Tensor, _ ids: [Int32], classes n: Int, gradientInto dx: Tensor?,
                                          scale: Double, _: T.Type) -> [Double] {
    let rows = ids.count
    var losses = [Double](repeating: 0, count: rows)
    let src = UncheckedSendable(UnsafePointer(x.pointer(T.self)))
    let grad = UncheckedSendable(dx?.pointer(T.self))
    let s = T(scale)
    ids.withUnsafeBufferPointer { idp in
        losses.withUnsafeMutableBufferPointer { lp in
            let (labels, out) = (UncheckedSendable(idp.baseAddress!), UncheckedSendable(lp.baseAddress!))
            Parallelism.forEachChunk(count: rows, minimumChunk: Swift.max(1, (1 << 14) / n)) { chunk in
                if T.self == Float.self {
                    // float32: the row in C (CQuireFused/rows.c), exp 16 lanes wide, max and sum over
                    // 16 partial results.
                    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: n)
                    defer { scratch.deallocate() }
                    let x = UnsafeRawPointer(src.value).assumingMemoryBound(to: Float.self)
                    let g = grad.value.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: Float.self) }
                    for r in chunk {
                        out.value[r] = quire_cross_entropy_row_f32(x + r * n, n, Int(labels.value[r]), g.map { $0 + r * n },
                                                                   Float(scale), scratch)
                    }
                    return
                }
                for r in chunk {
                    let xr = src.value + r * n, label = Int(labels.value[r])
                    var m = xr[0]
                    for i in 1..<n where xr[i] > m { m = xr[i] }
                    var total: T = 0
                    if let g = grad.value {
                        let gr = g + r * n
                        for i in 0..<n { let e = exponential(xr[i] - m); gr[i] = e; total += e }
                        let k = s / total
                        for i in 0..<n { gr[i] *= k }
                        gr[label] -= s
                    } else {
                        for i in 0..<n { total += exponential(xr[i] - m) }
                    }
                    out.value[r] = Double(m) + Foundation.log(Double(total)) - Double(xr[label])
                }
            }
        }
    }
    return losses
}

@inline(__always)
private func exponential<T: NNFloat>(_ x: T) -> T {
    if T.self == Float.self { return unsafeBitCast(fastExp(unsafeBitCast(x, to: Float.self)), to: T.self) }
    return T(Foundation.exp(Double(x)))
}
