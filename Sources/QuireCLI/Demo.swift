import ArgumentParser
import Foundation
import QuireTensor

/// A tour of the tensor engine without a notebook: it ends in a small least-squares fit by gradient
/// descent, with the gradient written out by hand. The notebooks in `notebooks/` are the real quick-start.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a short tour of the tensor engine (no notebook needed).",
        discussion: "For the quick-start, run a notebook: quire run notebooks/quickstart.md")

    func run() throws {
        let key = PRNGKey(seed: 0)
        let keys = key.split(into: 3)

        section("Tensors, broadcasting and math")
        let x = Tensor([[1, 2, 3], [4, 5, 6]] as [[Float]])
        show("x", x)
        show("x * 2 + [10, 20, 30]", x * 2 + Tensor([10, 20, 30] as [Float]))
        show("x.softmax(axis: -1)", x.softmax(axis: -1))
        show("x.sum(axes: [0])", x.sum(axes: [0]))

        section("Views and einops")
        show("x.transposed()", x.transposed())
        let images = Tensor.arange(2 * 4 * 4 * 3).reshaped(2, 4, 4, 3)
        let patches = try images.rearrange("b (h p1) (w p2) c -> b (h w) (p1 p2 c)", ["p1": 2, "p2": 2])
        print("rearrange b (h p1) (w p2) c -> b (h w) (p1 p2 c): \(images.shape) -> \(patches.shape)")

        section("Random keys (JAX-style: same key, same numbers)")
        show("normal(keys[0], [2, 4])", Tensor.normal(keys[0], shape: [2, 4]))

        section("Least squares by gradient descent (matmul through OpenBLAS)")
        let n = 256
        let features = Tensor.normal(keys[1], shape: [n, 3])
        let trueW = Tensor([[2], [-1], [0.5]] as [[Float]])
        let noise = Tensor.normal(keys[2], shape: [n, 1], stddev: 0.1)
        let y = features.matmul(trueW) + 0.3 + noise
        var w = Tensor.zeros([3, 1]), b = Tensor.zeros([1])
        let lr = 0.1
        for step in 0...100 {
            let residual = features.matmul(w) + b - y
            let loss = residual.square().mean()
            let gradW = features.transposed().matmul(residual) * (2.0 / Double(n))
            let gradB = residual.mean(axes: [0]) * 2
            w = w - lr * gradW
            b = b - lr * gradB
            if step % 25 == 0 { print(String(format: "step %3d  loss %.5f", step, loss.item())) }
        }
        show("fitted w (true: [2, -1, 0.5])", w.reshaped(-1))
        show("fitted b (true: 0.3)", b)
    }

    private func section(_ title: String) { print("\n== \(title)") }
    private func show(_ label: String, _ t: Tensor) { print("\(label) =\n\(t)") }
}
