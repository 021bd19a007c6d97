import QuireTestSupport
import XCTest
@testable import QuireTensor

final class ElementwiseTests: XCTestCase {
    static func unary(_ op: String, _ x: Tensor) -> Tensor {
        switch op {
        case "neg": return -x
        case "abs": return x.abs()
        case "sign": return x.sign()
        case "square": return x.square()
        case "exp": return x.exp()
        case "log": return x.log()
        case "log1p": return x.log1p()
        case "expm1": return x.expm1()
        case "sqrt": return x.sqrt()
        case "rsqrt": return x.rsqrt()
        case "sin": return x.sin()
        case "cos": return x.cos()
        case "tanh": return x.tanh()
        case "sigmoid": return x.sigmoid()
        case "relu": return x.relu()
        case "silu": return x.silu()
        case "softplus": return x.softplus()
        case "gelu_tanh": return x.gelu(approximate: .tanh)
        case "gelu_erf": return x.gelu(approximate: .none)
        case "isfinite": return x.isFinite()
        default: fatalError("unknown unary op \(op)")
        }
    }

    static func binary(_ op: String, _ a: Tensor, _ b: Tensor) -> Tensor {
        switch op {
        case "add": return a + b
        case "sub": return a - b
        case "mul": return a * b
        case "div": return a / b
        case "pow": return a.pow(b)
        case "maximum": return a.maximum(b)
        case "minimum": return a.minimum(b)
        case "eq": return a .== b
        case "ne": return a .!= b
        case "lt": return a .< b
        case "le": return a .<= b
        case "gt": return a .> b
        case "ge": return a .>= b
        default: fatalError("unknown binary op \(op)")
        }
    }

    /// Every case of elementwise.json, against NumPy.
    func testAgainstNumPyFixtures() throws {
        let cases = try Fixtures.load("elementwise")
        XCTAssertGreaterThan(cases.count, 50)
        for c in cases {
            let op = c.attrs["op"]!.string!
            let actual: Tensor
            switch op {
            case "where": actual = Tensor.where(c.input("c"), c.input("a"), c.input("b"))
            case "clamp": actual = c.input("x").clamped(to: c.attrs["lo"]!.double!...c.attrs["hi"]!.double!)
            case "arange":
                actual = Tensor.arange(c.attrs["start"]!.double!, c.attrs["end"]!.double!, step: c.attrs["step"]!.double!)
            case "linspace":
                actual = Tensor.linspace(c.attrs["start"]!.double!, c.attrs["end"]!.double!, count: c.attrs["count"]!.int!)
            case "eye": actual = Tensor.eye(c.attrs["n"]!.int!, c.attrs["m"]!.int!, k: c.attrs["k"]!.int!)
            case "cast": actual = c.input("x").cast(to: DType(rawValue: c.attrs["to"]!.string!)!)
            default:
                if c.inputs.count == 1 {
                    actual = Self.unary(op, c.input("x"))
                } else {
                    actual = Self.binary(op, c.input("a"), c.input("b"))
                }
            }
            // Vectorized float32 transcendentals are within a few ulp of the correctly rounded result.
            let f32 = c.out.dtype == .float32
            assertClose(actual, c.out, rtol: f32 ? 4e-7 * 4 : 1e-13, atol: f32 ? 1e-37 : 1e-300, c.name)
        }
    }

    func testScalarOperandsAreWeaklyTyped() {
        let h = Tensor([1, 2] as [Float]).cast(to: .float16)
        XCTAssertEqual((h * 0.5).dtype, .float16)
        XCTAssertEqual((2 * h).dtype, .float16)
        let i = Tensor([1, 2, 3] as [Int32])
        XCTAssertEqual((i + 1).dtype, .int32)
        XCTAssertEqual((i * 1.5).dtype, .float32)
        XCTAssertEqual((i * 1.5).scalars(as: Float.self), [1.5, 3, 4.5])
        XCTAssertEqual((1 - i).scalars(as: Int32.self), [0, -1, -2])
        let lr: Float = 0.5
        XCTAssertEqual((lr * Tensor([2, 4] as [Float])).scalars(), [1, 2])
    }

    func testPromotionTable() {
        XCTAssertEqual(DType.promoted(.float16, .bfloat16), .float32)
        XCTAssertEqual(DType.promoted(.int8, .uint8), .int32)
        XCTAssertEqual(DType.promoted(.int32, .float16), .float16)
        XCTAssertEqual(DType.promoted(.bool, .int8), .int8)
        XCTAssertEqual(DType.promoted(.float32, .float64), .float64)
        for a in DType.allCases {
            for b in DType.allCases { XCTAssertEqual(DType.promoted(a, b), DType.promoted(b, a), "\(a) \(b)") }
        }
    }

    /// Broadcasting laws: commutativity of the shape rule, agreement with explicit materialization,
    /// and rank extension with leading ones.
    func testBroadcastingLaws() throws {
        let shapes: [[Int]] = [[], [1], [3], [2, 1], [1, 3], [2, 3], [4, 1, 3], [4, 2, 1], [1, 1, 1]]
        var seed: UInt64 = 7
        func rand(_ shape: [Int]) -> Tensor {
            let n = shape.reduce(1, *)
            let v = (0..<n).map { _ -> Float in
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                return Float(Int(seed >> 40) % 1000) / 100 - 5
            }
            return Tensor(v, shape: shape)
        }
        for sa in shapes {
            for sb in shapes {
                guard let s = try? Tensor.broadcastShape(sa, sb) else {
                    XCTAssertThrowsError(try Tensor.broadcastShape(sb, sa))
                    continue
                }
                XCTAssertEqual(s, try Tensor.broadcastShape(sb, sa))
                let a = rand(sa), b = rand(sb)
                let direct = a * b + a
                let ea = a.broadcast(to: s).copied(), eb = b.broadcast(to: s).copied()
                XCTAssertEqual(direct.scalars(), (ea * eb + ea).scalars(), "\(sa) \(sb)")
                XCTAssertEqual((a + b).scalars(), (b + a).scalars())
            }
        }
        XCTAssertThrowsError(try Tensor.broadcastShape([2, 3], [4], op: "add")) { error in
            XCTAssertEqual("\(error)", "add: shapes [2, 3] and [4] cannot be broadcast together (axis -1: 3 vs 4)")
        }
    }

    /// Ops on strided views give the same values as on contiguous copies.
    func testViewsMatchCopies() {
        let x = Tensor((0..<24).map { Float($0) * 0.37 - 4 }, shape: [2, 3, 4])
        let views = [x.transposed(), x.permuted(2, 0, 1), x.sliced(axis: 2, 1, 4, step: 2),
                     x.sliced(axis: 0, 1).broadcast(to: [3, 1, 3, 4])]
        for v in views {
            XCTAssertFalse(v.isContiguous && v.shape == x.shape)
            let c = v.copied()
            XCTAssertTrue(c.isContiguous)
            XCTAssertEqual(v.scalars(), c.scalars())
            XCTAssertEqual(v.exp().scalars(), c.exp().scalars())
            XCTAssertEqual((v * v - 1).scalars(), (c * c - 1).scalars())
            XCTAssertEqual((v .> 0).scalars(as: Bool.self), (c .> 0).scalars(as: Bool.self))
        }
    }

    /// Large inputs are split across threads; the result must not depend on the thread count.
    func testThreadCountDoesNotChangeResults() {
        let n = 300_001
        let x = Tensor((0..<n).map { Float($0 % 977) * 0.013 - 6 }, shape: [n])
        let saved = Parallelism.threadCount
        defer { Parallelism.threadCount = saved }
        Parallelism.threadCount = 1
        let one = (x.tanh() * x + 1).scalars()
        Parallelism.threadCount = 2
        let two = (x.tanh() * x + 1).scalars()
        XCTAssertEqual(one, two)
    }

    func testCopyOnWrite() {
        let a = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
        var b = a
        b.withUnsafeMutableBufferPointer(as: Float.self) { $0[0] = 100 }
        XCTAssertEqual(a.scalars(), [1, 2, 3, 4])
        XCTAssertEqual(b.scalars(), [100, 2, 3, 4])
        var t = a.transposed()
        t.withUnsafeMutableBufferPointer(as: Float.self) { $0[1] = -1 }
        XCTAssertEqual(t.scalars(), [1, -1, 2, 4])
        XCTAssertEqual(a.scalars(), [1, 2, 3, 4])
    }

    func testStoragePoolReusesBlocks() {
        let pool = StoragePool.shared
        let size = 3 << 20
        let first = TensorStorage(byteCount: size)
        let address = UInt(bitPattern: first.base)
        _ = consume first
        let second = TensorStorage(byteCount: size)
        XCTAssertEqual(UInt(bitPattern: second.base), address, "a freed large block is reused")
        XCTAssertEqual(Int(bitPattern: second.base) % StoragePool.alignment, 0)
        XCTAssertLessThanOrEqual(pool.cachedBytes, pool.capacityBytes)
    }
}
