// vmap: a function of single examples mapped over a leading batch axis.
//
// This version runs the function once per example (on traced slices, so it composes with grad, jvp
// and itself) and stacks the results. It is not batched through the trace: a batch of n costs n calls.

/// Maps `f` over axis 0 of the inputs marked `batched` (all of them by default); unbatched inputs are
/// passed whole to every call. The results are stacked along a new axis 0 (as `jax.vmap` with
/// `in_axes` 0 or `None`). Runs `f` once per example; the results equal a loop over the batch.
///
/// ```swift
/// // Per-example gradients of a loss with respect to shared weights w: [n] + w.shape.
/// let perExample = try vmap({ xs in try grad { w in loss(w, xs[1], xs[2]) }(xs[0]) },
///                           batched: [false, true, true])([w, images, labels])
/// ```
public func vmap(_ f: @escaping ([Tensor]) throws -> Tensor, batched: [Bool]? = nil) -> ([Tensor]) throws -> Tensor {
    { inputs in
        let mapped = batched ?? inputs.map { _ in true }
        guard mapped.count == inputs.count else {
            throw AutodiffError("vmap: \(mapped.count) batched flags for \(inputs.count) inputs; pass one flag per input")
        }
        var size: Int?
        for (i, x) in inputs.enumerated() where mapped[i] {
            guard x.rank >= 1 else {
                throw AutodiffError("vmap: input \(i) is a scalar; a batched input needs a leading batch axis")
            }
            if let n = size, n != x.shape[0] {
                throw AutodiffError("vmap: input \(i) has batch size \(x.shape[0]) (shape \(shapeString(x.shape))), "
                                    + "but an earlier batched input has \(n)")
            }
            size = x.shape[0]
        }
        guard let n = size else { throw AutodiffError("vmap: no input is batched; mark at least one input as batched") }
        guard n > 0 else { throw AutodiffError("vmap: the batch is empty (batch size 0)") }
        let results = try (0..<n).map { k in
            try f(inputs.indices.map { i in
                let x = inputs[i]
                return mapped[i] ? x.sliced(axis: 0, k, k + 1).reshaped(Array(x.shape.dropFirst())) : x
            })
        }
        return Tensor.stack(results, axis: 0)
    }
}

/// A one-tensor ``vmap(_:batched:)``: `f` applied to each slice of `x` along axis 0, results stacked.
///
/// ```swift
/// let norms = try vmap { row in row.square().sum().sqrt() }(matrix)   // [rows]
/// ```
public func vmap(_ f: @escaping (Tensor) throws -> Tensor) -> (Tensor) throws -> Tensor {
    let g = vmap { (xs: [Tensor]) in try f(xs[0]) }
    return { x in try g([x]) }
}
