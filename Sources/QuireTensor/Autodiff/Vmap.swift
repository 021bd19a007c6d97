// vmap: a function of single examples mapped over a leading batch axis.
//
// Batched through the trace (VmapBatching.swift): `f` is recorded once on the first example, then the
// recording runs on the whole batch with per-primitive batching rules. Where that cannot be done it
// runs `f` once per example (on slices, so it composes with grad, jvp and itself) and stacks the
// results: inside an active trace (vmap under grad or jit, so gradients flow to captured tensors), or
// when `f` reads tensor values (its recording cannot be replayed).

/// Maps `f` over axis 0 of the inputs marked `batched` (all of them by default); unbatched inputs are
/// passed whole to every call. The results are stacked along a new axis 0 (as `jax.vmap` with
/// `in_axes` 0 or `None`); they equal a loop over the batch (bit for bit where an op's batched form
/// sums in the same order, else within rounding).
///
/// `f` is called once, on the first example, and what it records (a `grad` inside included) is run on
/// the whole batch: a batch of n costs about one batched call, not n calls. Swift side effects in `f`
/// (printing, counters) therefore happen once. Custom-rule ops (`customVJP`, fused layers) and gathers
/// with batched indices run per example inside that batched evaluation. Under an active trace (vmap
/// inside `grad` or `jit`) `f` runs once per example instead; when `f` reads tensor values (`item()`,
/// `scalars`), its recording cannot be replayed, and after that one call it runs once per example.
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
        if TraceContext.current.active == nil, !inputs.contains(where: \.isTraced),
           let batchedResult = try vmapThroughTrace(f, inputs, batched: mapped, size: n) {
            return batchedResult
        }
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
