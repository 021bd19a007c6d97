import QuireTestSupport
import XCTest
@testable import QuireTensor

final class PoolingTests: XCTestCase {
    func testFixtures() throws {
        let cases = try Fixtures.load("nn").filter { $0.attrs["kind"]?.string == "pool" }
        XCTAssertGreaterThan(cases.count, 15)
        for c in cases {
            let x = nnInput(c)
            let out = pool(x, c)
            let tol = nnTolerance(c.out.dtype)
            assertClose(out, c.out, rtol: tol.rtol, atol: tol.atol, c.name)
            if !x.isContiguous {
                assertClose(pool(x.contiguous(), c), out, rtol: 0, atol: 0, "contiguous copy of \(c.name)")
            }
        }
    }

    private func pool(_ x: Tensor, _ c: FixtureCase) -> Tensor {
        let window = c.attrs["window"]!.ints!, stride = c.attrs["stride"]!.ints!
        let include = c.attrs["countIncludePad"]!.bool!
        let padding = nnPadding(c)
        let uniform = window.count == 1 && stride.count == 1
        switch c.attrs["op"]!.string! {
        case "maxPool1d": return x.maxPool1d(window: window[0], stride: stride[0], padding: padding)
        case "avgPool1d":
            return x.avgPool1d(window: window[0], stride: stride[0], padding: padding, countIncludePad: include)
        case "maxPool2d":
            return uniform ? x.maxPool2d(window: window[0], stride: stride[0], padding: padding)
                : x.maxPool2d(window: window, stride: stride, padding: padding)
        default:
            return uniform ? x.avgPool2d(window: window[0], stride: stride[0], padding: padding, countIncludePad: include)
                : x.avgPool2d(window: window, stride: stride, padding: padding, countIncludePad: include)
        }
    }

    func testDocExamplesAndDefaults() {
        let x = Tensor.arange(16).reshaped([1, 4, 4, 1])
        XCTAssertEqual(x.maxPool2d(window: 2, stride: 2).scalars(as: Float.self), [5, 7, 13, 15])
        XCTAssertEqual(x.avgPool2d(window: 2, stride: 2).scalars(as: Float.self), [2.5, 4.5, 10.5, 12.5])
        XCTAssertEqual(x.maxPool2d(window: 2).shape, [1, 3, 3, 1], "stride defaults to 1, as in Flax")
        XCTAssertEqual(x.maxPool2d(window: 3, stride: 2, padding: .same).shape, [1, 2, 2, 1])
        let line = Tensor([1, 3, 2, 5] as [Float], shape: [1, 4, 1])
        XCTAssertEqual(line.maxPool1d(window: 2, stride: 2).scalars(as: Float.self), [3, 5])
        XCTAssertEqual(line.avgPool1d(window: 2, stride: 2).scalars(as: Float.self), [2, 3.5])
        // Dtypes: max pooling keeps any dtype; average pooling of integers gives float32.
        let bytes = Tensor([1, 9, 4, 2] as [UInt8], shape: [1, 4, 1])
        XCTAssertEqual(bytes.maxPool1d(window: 2, stride: 2).dtype, .uint8)
        XCTAssertEqual(bytes.maxPool1d(window: 2, stride: 2).scalars(as: UInt8.self), [9, 4])
        XCTAssertEqual(bytes.avgPool1d(window: 2, stride: 2).dtype, .float32)
        let half = line.cast(to: .bfloat16).maxPool1d(window: 2, stride: 2)
        XCTAssertEqual(half.dtype, .bfloat16)
        XCTAssertEqual(half.scalars(as: Float.self), [3, 5])
    }

    /// A window lying wholly in the padding: -inf for max, NaN for an average that excludes padding.
    func testWindowInsidePadding() {
        let x = Tensor([1, 2] as [Float], shape: [1, 2, 1])
        let m = x.maxPool1d(window: 2, stride: 2, padding: .explicit([(2, 0)]))
        XCTAssertEqual(m.scalars(as: Float.self), [-.infinity, 2])
        let a = x.avgPool1d(window: 2, stride: 2, padding: .explicit([(2, 0)]), countIncludePad: false)
        XCTAssertTrue(a.scalars(as: Float.self)[0].isNaN)
        XCTAssertEqual(a.scalars(as: Float.self)[1], 1.5)
        let i = Tensor([1, 2] as [Int32], shape: [1, 2, 1]).maxPool1d(window: 2, stride: 2, padding: .explicit([(2, 0)]))
        XCTAssertEqual(i.scalars(as: Int32.self), [Int32.min, 2])
    }

    func testMisuseMessages() {
        XCTAssertEqual(nnErrorMessage { try Tensor.poolingOutputShape(input: [4, 4, 2], window: [2]) },
                       "pool2d: input must have rank 4 [N, H, W, C], got rank 3: input [4, 4, 2], window [2], stride [1], padding valid")
        XCTAssertEqual(nnErrorMessage { try Tensor.poolingOutputShape(input: [1, 4, 4, 2], window: [5, 2]) },
                       "pool2d: spatial dimension 0 has size 4 (padded 4), smaller than the window 5 with dilation 1 (extent 5): input [1, 4, 4, 2], window [5, 2], stride [1], padding valid")
        XCTAssertEqual(nnErrorMessage { try Tensor.poolingOutputShape(input: [1, 4, 2], window: [0], spatialRank: 1) },
                       "pool1d: window must be positive, got [0]: input [1, 4, 2], window [0], stride [1], padding valid")
        XCTAssertEqual(try Tensor.poolingOutputShape(input: [1, 7, 7, 8], window: [3], stride: [2], padding: .same),
                       [1, 4, 4, 8])
        XCTAssertEqual(try Tensor.poolingOutputShape(input: [3, 7, 8], window: [2], stride: [2], spatialRank: 1),
                       [3, 3, 8])
    }
}
