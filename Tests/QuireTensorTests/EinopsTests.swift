import QuireTestSupport
import XCTest
@testable import QuireTensor

final class EinopsTests: XCTestCase {
    /// attrs["sizes"]: a list of [axis, size] pairs.
    private func sizes(_ a: FixtureAttr?) -> [String: Int] {
        guard case .array(let pairs)? = a else { return [:] }
        var out: [String: Int] = [:]
        for case .array(let p) in pairs { out[p[0].string!] = p[1].int! }
        return out
    }

    func testPatternsAgainstNumPy() throws {
        let cases = try Fixtures.load("einops")
        XCTAssertGreaterThan(cases.count, 40)
        for c in cases {
            let pattern = c.attrs["pattern"]!.string!
            let sizes = sizes(c.attrs["sizes"])
            let op = c.attrs["op"]!.string!
            for (layout, x) in ShapeTestSupport.layouts(c.input("x")) {
                let out: Tensor
                switch op {
                case "rearrange": out = try x.rearrange(pattern, sizes)
                case "repeat": out = try x.repeat(pattern, sizes)
                default:
                    let red = EinopsReduction(rawValue: c.attrs["reduction"]!.string!)!
                    out = try x.reduce(pattern, red, sizes)
                }
                let exact = op != "reduce" || ["max", "min"].contains(c.attrs["reduction"]!.string!)
                assertClose(out, c.out, rtol: exact ? 0 : 1e-5, atol: exact ? 0 : 1e-5, "\(c.name) '\(pattern)' [\(layout)]")
            }
        }
    }

    func testRearrangeIsAViewWhenPossible() throws {
        let x = Tensor.zeros([2, 12, 5])
        XCTAssertTrue(try x.rearrange("b (h d) t -> b h d t", ["h": 4]).storage === x.storage)
        XCTAssertTrue(try x.rearrange("b c t -> t c b").storage === x.storage)
        XCTAssertTrue(try x.rearrange("b c t -> b (c t)").storage === x.storage)
    }

    func testRearrangeAndItsInverseRoundTrip() throws {
        let x = Tensor.arange(2 * 6 * 4 * 10).reshaped(2, 6, 4, 10)
        let patterns: [(String, String, [String: Int])] = [
            ("b (h d) w c -> b h w (d c)", "b h w (d c) -> b (h d) w c", ["h": 3, "d": 2]),
            ("b c (h p) (w q) -> (b h w) (p q c)", "(b h w) (p q c) -> b c (h p) (w q)", ["p": 2, "q": 5, "b": 2, "h": 2, "w": 2]),
            ("... c -> c ...", "c ... -> ... c", [:]),
            ("a b c d -> (d a) 1 (c b)", "(d a) 1 (c b) -> a b c d", ["a": 2, "b": 6]),
        ]
        for (forward, backward, s) in patterns {
            for (layout, v) in ShapeTestSupport.layouts(x) {
                let y = try v.rearrange(forward, s.filter { forward.contains($0.key) })
                let back = try y.rearrange(backward, s)
                XCTAssertEqual(back.shape, x.shape, forward)
                XCTAssertEqual(back.scalars(as: Float.self), x.scalars(as: Float.self), "\(forward) [\(layout)]")
            }
        }
        // reduce over a repeat by sum gives the count times the input.
        let m = Tensor.arange(12).reshaped(3, 4)
        let rep = try m.repeat("h w -> h k w", ["k": 5])
        XCTAssertEqual(try rep.reduce("h k w -> h w", .sum).scalars(as: Float.self), (m * 5).scalars(as: Float.self))
        XCTAssertEqual(try rep.reduce("h k w -> h w", .mean).scalars(as: Float.self), m.scalars(as: Float.self))
    }

    /// The thrown error's text, or "no error".
    private func failure(_ body: () throws -> Tensor) -> String {
        do {
            _ = try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    private func assertError(_ message: String, contains parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        for p in parts {
            XCTAssertTrue(message.contains(p), "'\(message)' should contain '\(p)'", file: file, line: line)
        }
    }

    func testErrorsQuoteThePatternAndNameTheAxis() {
        let x = Tensor.zeros([2, 10])
        let p1 = "b (h d) -> b h d"
        assertError(failure { try x.rearrange(p1) }, contains: ["rearrange", "'\(p1)'", "axis 'd'", "cannot be inferred"])
        assertError(failure { try x.rearrange(p1, ["h": 4]) }, contains: ["'\(p1)'", "axis 'h' = 4 does not divide 10"])
        assertError(failure { try x.rearrange(p1, ["h": 2, "d": 3]) }, contains: ["'\(p1)'", "(h d)", "h = 2, d = 3", "size 10"])
        let p2 = "b c -> b c z"
        assertError(failure { try x.rearrange(p2) }, contains: ["'\(p2)'", "axis 'z'", "right side", "not on the left"])
        let p3 = "b c -> b"
        assertError(failure { try x.rearrange(p3) }, contains: ["'\(p3)'", "axis 'c'", "missing on the right", "reduce"])
        let p4 = "b b -> b"
        assertError(failure { try x.rearrange(p4) }, contains: ["'\(p4)'", "axis 'b' appears twice"])
        let p5 = "b c d -> b c d"
        assertError(failure { try x.rearrange(p5) }, contains: ["'\(p5)'", "3 dimensions", "[2, 10]"])
        let p6 = "b (c -> b c"
        assertError(failure { try x.rearrange(p6) }, contains: ["'\(p6)'", "'('"])
        let p7 = "b c"
        assertError(failure { try x.rearrange(p7) }, contains: ["'\(p7)'", "->"])
        let p8 = "b c -> c b"
        assertError(failure { try x.rearrange(p8, ["q": 2]) }, contains: ["'\(p8)'", "axis 'q'", "not in the pattern"])
        assertError(failure { try x.rearrange(p8, ["b": 3]) }, contains: ["'\(p8)'", "axis 'b' = 3", "size 2"])
        let p9 = "b c -> b c k"
        assertError(failure { try x.repeat(p9) }, contains: ["repeat", "'\(p9)'", "axis 'k'", "size must be given"])
        let p10 = "b ... -> ... b ..."
        assertError(failure { try x.rearrange(p10) }, contains: ["'\(p10)'", "'...' appears twice"])
        let p11 = "b (c 2) -> b c"
        assertError(failure { try x.rearrange(p11) }, contains: ["'\(p11)'", "number 2"])
        let p12 = "b c -> b k"
        assertError(failure { try x.reduce(p12, .sum) }, contains: ["reduce", "'\(p12)'", "axis 'k'"])
        let p13 = "b c -> b c%"
        assertError(failure { try x.rearrange(p13) }, contains: ["'\(p13)'", "'%'"])
        let p14 = "b c -> b c"
        assertError(failure { try Tensor.zeros([2, 0]).reduce("b c -> b", .max) }, contains: ["reduce", "empty"])
        XCTAssertEqual(failure { try x.rearrange(p14) }, "no error")
        let p15 = "(b ...) -> b"
        assertError(failure { try x.reduce(p15, .sum) }, contains: ["'\(p15)'", "'...'", "parentheses"])
        let p16 = "b c -> b c"
        assertError(failure { try x.rearrange(p16, ["c": 0]) }, contains: ["axis 'c'", "positive"])
    }

    func testDTypesAndEmptyInputs() throws {
        let b = Tensor([true, false, true, true] as [Bool], shape: [2, 2])
        let s = try b.reduce("a b -> a", .sum)
        XCTAssertEqual(s.dtype, .int32)
        XCTAssertEqual(s.scalars(as: Int32.self), [1, 2])
        XCTAssertEqual(try b.reduce("a b -> a", .max).dtype, .bool)
        let h = Tensor.full([3, 700], 0.1, dtype: .float16)
        let hs = try h.reduce("a b -> a", .sum)
        XCTAssertEqual(hs.dtype, .float16)
        XCTAssertEqual(Double(hs.scalars(as: Float.self)[0]), 70.0, accuracy: 0.1)
        let e = Tensor.zeros([0, 6])
        XCTAssertEqual(try e.rearrange("b (h d) -> h b d", ["h": 2]).shape, [2, 0, 3])
        XCTAssertEqual(try e.reduce("b c -> c", .sum).scalars(as: Float.self), [0, 0, 0, 0, 0, 0])
        XCTAssertEqual(try e.repeat("b c -> b c k", ["k": 2]).shape, [0, 6, 2])
        XCTAssertEqual(try Tensor(Float(3)).repeat(" -> k", ["k": 3]).scalars(as: Float.self), [3, 3, 3])
    }
}
