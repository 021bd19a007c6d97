import Foundation
import QuireData
import QuireDistributed
import QuireNN
import QuireNotebook
import QuireOptim
import QuireTensor

/// Issue 22: all-reduce bandwidth for 1–256 MiB of float32 on 2 local ranks against this machine's
/// memcpy bandwidth for the same bytes, and data-parallel steps/s of the digits MLP (global batch 128,
/// Adam) on 1 and 2 ranks. Run plainly, it measures memcpy and the 1-rank MLP itself, then starts itself
/// again under `mpirun -np 2` for the 2-rank figures (printed by rank 0). Bandwidth is the algorithm
/// bandwidth, bytes / time per all-reduce (for 2 ranks NCCL's "bus bandwidth" is the same number).
let allReduceBenchmark = Benchmark(name: "allreduce", summary: "MPI all-reduce GB/s, 1–256 MiB on 2 local ranks vs memcpy; digits MLP steps/s on 1 vs 2 ranks") { r in
    let sizes = [1, 4, 16, 64, 256]
    if Distributed.isLaunched {
        try allReduceWorker(r, sizes: sizes)
        return
    }
    for mib in sizes where r.wants("memcpy_\(mib)MiB") {
        let bytes = mib << 20
        let src = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64), dst = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer { src.deallocate(); dst.deallocate() }
        memset(src, 1, bytes); memset(dst, 0, bytes)
        let t = measure(minReps: 5, minSeconds: 0.3) { dst.copyMemory(from: src, byteCount: bytes) }
        r.emit(["benchmark": "allreduce", "case": "memcpy_\(mib)MiB", "ranks": 1, "bytes": bytes,
                "GB_per_s": round(Double(bytes) / t.median / 1e7) / 100, "median_s": t.median, "reps": t.reps])
    }
    if r.wants("mlp_1ranks") { try mlpSteps(r, ranks: 1) }
    // The 2-rank half: this same command under mpirun.
    let launcher = try MPILauncher(ranks: 2)
    let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    let (executable, arguments) = launcher.command([exe] + CommandLine.arguments.dropFirst())
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    p.environment = launcher.environment()
    try p.run()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw DistributedError("allreduce bench: mpirun -np 2 exited with status \(p.terminationStatus)") }
}

/// One rank of the 2-rank half: timed all-reduces (each between barriers), then the MPI steps/s.
private func allReduceWorker(_ r: BenchReporter, sizes: [Int]) throws {
    for mib in sizes where r.wants("allreduce_\(mib)MiB") {
        let bytes = mib << 20
        let x = Tensor.full([bytes / 4], Double(Distributed.rank + 1))
        var failure: Error?
        let t = measure(minReps: 5, minSeconds: 0.3, maxReps: 50) {
            do {
                try Distributed.barrier()
                let y = try Distributed.allReduce(["x": x], .sum)
                precondition(y["x"]!.shape == x.shape)
            } catch { failure = error }
        }
        if let failure { throw failure }
        guard Distributed.isRoot else { continue }
        r.emit(["benchmark": "allreduce", "case": "allreduce_\(mib)MiB", "ranks": Distributed.worldSize, "bytes": bytes,
                "GB_per_s": round(Double(bytes) / t.median / 1e7) / 100, "median_s": t.median, "reps": t.reps])
    }
    if r.wants("mlp_\(Distributed.worldSize)ranks") { try mlpSteps(r, ranks: Distributed.worldSize) }
}

/// Data-parallel digits MLP (64-256-256-10, global batch 128, Adam 1e-3): 50 warm-up steps, then steps/s
/// over 200 (the slowest rank sets the pace; every step ends in the gradient all-reduce).
private func mlpSteps(_ r: BenchReporter, ranks: Int) throws {
    let (train, _) = try Digits.load(from: Digits.defaultPath)
    let data = try MapDataset(ArraySource(["x": train.x, "y": train.y])).shuffle(seed: 0).repeat().distributedBatch(128).iterator()
    let model = MLP([64, 256, 256, 10], rngs: Rngs(0))
    let optimizer = try Optimizer(model, adam(learningRate: 1e-3), dataParallel: true)
    func step() throws {
        let batch = try data.nextElement()!
        let (_, grads) = try valueAndGrad(of: model) { m in softmaxCrossEntropy(logits: m(batch["x"]!), labels: batch["y"]!).mean() }
        try optimizer.update(grads)
    }
    for _ in 0..<50 { try step() }
    try Distributed.barrier()
    let steps = 200
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<steps { try step() }
    try Distributed.barrier()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    guard Distributed.isRoot else { return }
    r.emit(["benchmark": "allreduce", "case": "mlp_\(ranks)ranks", "ranks": ranks, "global_batch": 128,
            "steps_per_s": round(Double(steps) / seconds * 10) / 10, "steps": steps, "seconds": round(seconds * 1000) / 1000])
}
