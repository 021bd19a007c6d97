import Synchronization
import QuireTensor

/// The kernel library: kernels written in the kernel language, each tested against a plain-op reference.
///
/// ```swift
/// let z = try Kernels.vectorAdd(x, y)                  // compiled backend
/// let c = try Kernels.matmul(a, b, backend: .interpreter)
/// ```
public enum Kernels {
    private static let built = Mutex<[String: KernelFunction]>([:])

    /// One `KernelFunction` per configuration, so its trace and compiled code are reused across calls.
    static func cached(_ key: String, _ make: () -> KernelFunction) -> KernelFunction {
        if let f = built.withLock({ $0[key] }) { return f }
        let f = make()
        built.withLock { $0[key] = f }
        return f
    }

    /// Blocks covering `n` elements `block` at a time (the last one ragged).
    static func blocks(_ n: Int, _ block: Int) -> Int { (n + block - 1) / block }
}

extension Kernels {
    /// The kernel behind ``vectorAdd(_:_:block:backend:)``: one program per block of `block`
    /// elements; the ragged last block is masked.
    public static func vectorAddKernel(count n: Int, block: Int = 1024) -> KernelFunction {
        cached("vectorAdd/\(n)/\(block)") {
            let spec = BlockSpec([block], name: "x") { ids in [ids[0]] }
            let specY = BlockSpec([block], name: "y") { ids in [ids[0]] }
            let out = OutputSpec(shape: [n], dtype: .float32, block: BlockSpec([block], name: "z") { ids in [ids[0]] })
            return pallasCall(name: "vectorAdd", grid: [blocks(n, block)], inputs: [spec, specY], outputs: [out]) { k in
                if n % block == 0 {
                    k.outputs[0][...] = k.inputs[0][...] + k.inputs[1][...]
                } else {
                    k.outputs[0].storeInBounds(k.inputs[0].loadInBounds() + k.inputs[1].loadInBounds())
                }
            }
        }
    }

    /// `x + y` for float32 vectors, as the kernel language's hello world.
    public static func vectorAdd(_ x: Tensor, _ y: Tensor, block: Int = 1024, backend: KernelBackend = .compiled) throws -> Tensor {
        guard x.rank == 1, x.shape == y.shape else {
            throw KernelError.badInput(kernel: "vectorAdd", message: "needs two vectors of one length, got \(x.shape) and \(y.shape)")
        }
        return try vectorAddKernel(count: x.shape[0], block: block)([x, y], backend: backend)[0]
    }
}
