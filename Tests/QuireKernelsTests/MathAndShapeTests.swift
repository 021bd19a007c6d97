import Foundation
import XCTest
import QuireTensor
@testable import QuireKernels

/// The transcendental ops (tanh through the vectorized exp, erf, sigmoid, pow) against the plain tensor
/// ops on both backends, and kernels whose grid, output shapes and name come from each call.
final class MathAndShapeTests: XCTestCase {
    /// Values across every branch of the C forms (|x| around 0.5 and 0.625, tiny, large, infinite, NaN).
    static func probe() -> Tensor {
        var v = randomTensor([4000], seed: 11, low: -8, high: 8).scalars(as: Float.self)
        v += [0, -0, 1e-30, -1e-8, 3e-4, 0.4999, 0.5, 0.5001, 0.6249, 0.625, -0.6251, 1, -3, 9.5, 20, -45, 100,
              .infinity, -.infinity, .nan]
        return Tensor(v, shape: [v.count])
    }

    /// One elementwise kernel over the whole array.
    static func elementwise(_ name: String, inputs: Int = 1, _ f: @escaping ([KernelValue]) -> KernelValue) -> KernelFunction {
        pallasCall(name: name, grid: [1], inputs: Array(repeating: BlockSpec.whole(), count: inputs),
                   outputs: [OutputSpec(shape: .from { $0[0] }, block: .whole())]) { k in
            k.outputs[0][...] = f((0..<inputs).map { k.inputs[$0][...] })
        }
    }

    func testTanhErfSigmoidAndPowAgreeWithTheTensorOpsOnBothBackends() throws {
        let x = Self.probe()
        try assertBackendsAgree(Self.elementwise("tanh") { $0[0].tanh() }, [x], reference: [x.tanh()], tolerance: 1e-6)
        try assertBackendsAgree(Self.elementwise("sigmoid") { $0[0].sigmoid() }, [x], reference: [x.sigmoid()], tolerance: 1e-6)
        let erf = Tensor(x.scalars(as: Float.self).map { Foundation.erf($0) }, shape: x.shape)
        try assertBackendsAgree(Self.elementwise("erf") { $0[0].erf() }, [x], reference: [erf], tolerance: 1e-6)
        // Small arguments are compared relative to themselves, not to 1: tanh x ≈ x and erf x ≈ 2x/√π near 0.
        let tiny = Tensor([1e-6, -3e-5, 2e-3, 0.1, -0.3] as [Float])
        for backend in KernelBackend.allCases {
            let t = try Self.elementwise("tanh") { $0[0].tanh() }([tiny], backend: backend)[0].scalars(as: Float.self)
            let e = try Self.elementwise("erf") { $0[0].erf() }([tiny], backend: backend)[0].scalars(as: Float.self)
            for (i, v) in tiny.scalars(as: Float.self).enumerated() {
                XCTAssertEqual(t[i], Foundation.tanh(v), accuracy: Swift.abs(v) * 1e-6, "tanh(\(v)) \(backend)")
                XCTAssertEqual(e[i], Foundation.erf(v), accuracy: Swift.abs(v) * 1e-6, "erf(\(v)) \(backend)")
            }
        }
        let base = randomTensor([500], seed: 12, low: 0.05, high: 4), exponent = randomTensor([500], seed: 13, low: -3, high: 3)
        try assertBackendsAgree(Self.elementwise("pow", inputs: 2) { $0[0].pow($0[1]) }, [base, exponent],
                                reference: [base.pow(exponent)], tolerance: 1e-6)
        try assertBackendsAgree(Self.elementwise("cube") { $0[0].pow(3) }, [x], reference: [x.pow(3)], tolerance: 1e-6)
        assertTraceError({ _ = try Self.elementwise("intPow") { $0[0].pow($0[0]) }([Tensor([Int32(2)])]) },
                         mentions: ["intPow", "pow", "int32"])
    }

    /// GELU in its tanh form and its erf form match the tensor GELUs, and the compiled tanh is the
    /// vectorized one (no libm `tanhf` call in the kernel).
    func testGELUFormsMatchTheTensorGELUAndTanhIsNotLibm() throws {
        let x = randomTensor([2048], seed: 14, low: -6, high: 6)
        let tanhForm = Self.elementwise("geluTanh") { v in
            let x = v[0]
            return x * 0.5 * (((x + x * x * x * 0.044715) * 0.7978845608028654).tanh() + 1)
        }
        let erfForm = Self.elementwise("geluErf") { v in v[0] * 0.5 * ((v[0] * 0.7071067811865476).erf() + 1) }
        try assertBackendsAgree(tanhForm, [x], reference: [x.gelu(approximate: .tanh)], tolerance: 1e-6)
        try assertBackendsAgree(erfForm, [x], reference: [x.gelu(approximate: .none)], tolerance: 1e-6)
        let c = try tanhForm.emittedC(for: [x])
        let body = String(c[c.range(of: "void quire_kernel")!.lowerBound...])
        XCTAssertTrue(body.contains("q_tanhf("))
        XCTAssertNil(body.range(of: #"(?<!q_)tanhf\("#, options: .regularExpression), body)
    }

    func testGridAndOutputShapeComeFromEachCallsInputs() throws {
        let spec = BlockSpec([128]) { ids in [ids[0]] }
        let scaleRows = pallasCall(grid: .from { s in [(s[0][0] + 127) / 128] }, inputs: [spec],
                                   outputs: [OutputSpec(shape: .from { s in s[0] }, block: spec),
                                             OutputSpec(shape: .from { s in [s[0][0] * 2] }, block: BlockSpec([256]) { ids in [ids[0]] })]) { k in
            let x = k.inputs[0].loadInBounds()
            k.outputs[0].storeInBounds(x * 3)
            k.outputs[1].storeInBounds(x.reshaped([128, 1]).broadcast(to: [128, 2]).reshaped([256]))
        }
        for n in [1000, 300, 128, 5] {
            let x = randomTensor([n], seed: n)
            let doubled = Tensor(x.scalars(as: Float.self).flatMap { [$0, $0] }, shape: [2 * n])
            try assertBackendsAgree(scaleRows, [x], reference: [x * 3, doubled], tolerance: 0)
        }
        XCTAssertTrue(try scaleRows.irDescription(for: [Tensor.zeros([300])]).contains("grid [3]"))
        XCTAssertTrue(try scaleRows.irDescription(for: [Tensor.zeros([1000])]).contains("grid [8]"))
        let empty = pallasCall(name: "emptyFor", grid: .from { s in [s[0][0] / 128] }, inputs: [spec],
                               outputs: [OutputSpec(shape: .from { $0[0] }, block: spec)]) { _ in }
        assertTraceError({ _ = try empty([Tensor.zeros([64])]) }, mentions: ["emptyFor", "grid [0]", "[[64]]"])
    }

    func testUnnamedKernelIsNamedAfterItsTracedIR() throws {
        func square() -> KernelFunction {
            pallasCall(grid: [1], inputs: [.whole()], outputs: [OutputSpec(shape: [4], block: .whole())]) { k in
                k.outputs[0][...] = k.inputs[0][...] * k.inputs[0][...]
            }
        }
        let x = Tensor([1, 2, 3, 4] as [Float])
        let a = try square().irDescription(for: [x]), b = try square().irDescription(for: [x])
        let name = a.prefix { $0 != "\n" }
        XCTAssertNotNil(name.range(of: #"^kernel kernel-[0-9a-f]{12} grid \[1\]$"#, options: .regularExpression), String(name))
        XCTAssertEqual(a, b, "the same body gets the same name in every build and run")
        let cube = pallasCall(grid: [1], inputs: [.whole()], outputs: [OutputSpec(shape: [4], block: .whole())]) { k in
            k.outputs[0][...] = k.inputs[0][...].pow(3)
        }
        XCTAssertNotEqual(try cube.irDescription(for: [x]).prefix { $0 != "\n" }, name)
        XCTAssertEqual(try square()([x])[0].scalars(as: Float.self), [1, 4, 9, 16])
        let broken = pallasCall(grid: [1], inputs: [.whole()], outputs: [OutputSpec(shape: [4], block: .whole())]) { k in
            k.outputs[0][...] = k.inputs[0][...].cast(to: .int32)
        }
        assertTraceError({ _ = try broken([x]) }, mentions: ["unnamed kernel"])
    }
}
