import ArgumentParser
import QuireTensor

/// A short tour of the engine, run by the README's set-up command until the notebook runner exists.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a short engine demo (tensors, math, matmul).")

    func run() throws {
        let x = Tensor([[1, 2, 3], [4, 5, 6]] as [[Float]])
        print("x =", x)
        print("x * 2 + 1 =", x * 2 + 1)
        print("exp(x) =", x.exp())
        print("x.T =", x.transposed())
    }
}
