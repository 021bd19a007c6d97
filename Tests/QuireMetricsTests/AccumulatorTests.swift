import QuireMetrics
import QuireTensor
import XCTest

/// Accumulators against direct formulas over the whole stream, and merging against one accumulator that saw
/// everything.
final class AccumulatorTests: XCTestCase {
    let stream: [Double] = (0..<97).map { (i: Int) -> Double in
        let wave: Double = sin(Double(i) * 0.37) * 3
        return 1e6 + wave + Double(i % 5)
    }

    func testAverageAndStdMatchTheFormulasAndMerge() {
        var whole = Average(), left = Average(), right = Average()
        var std = Std(), stdLeft = Std(), stdRight = Std()
        for (i, v) in stream.enumerated() {
            whole.update(v); std.update(v)
            if i < 40 { left.update(v); stdLeft.update(v) } else { right.update(v); stdRight.update(v) }
        }
        let mean = stream.reduce(0, +) / Double(stream.count)
        let variance = stream.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(stream.count)
        XCTAssertEqual(whole.value, mean, accuracy: 1e-9)
        XCTAssertEqual(left.merged(with: right).value, mean, accuracy: 1e-9)
        // Large mean, small spread: the naive E[x²] − E[x]² would lose every digit here.
        XCTAssertEqual(std.value, variance.squareRoot(), accuracy: 1e-9)
        XCTAssertEqual(stdLeft.merged(with: stdRight).value, variance.squareRoot(), accuracy: 1e-9)
        XCTAssertEqual(Std().merged(with: stdRight), stdRight)
        XCTAssertTrue(Average().value.isNaN, "no observation: NaN")

        var weighted = Average()
        weighted.update(0.5); weighted.update(0.3, weight: 3)
        XCTAssertEqual(weighted.value, 0.35, accuracy: 1e-12)
    }

    func testAccuracyFromLogitsAndFractions() {
        let logits = Tensor([[0.1, 2.0, 0.3], [3.0, 0.0, 0.1], [0.0, 0.2, 0.1], [1.0, 1.5, 4.0]] as [[Float]])
        let labels = Tensor([1, 0, 2, 2] as [Int32])
        var acc = Accuracy()
        acc.update(logits: logits, labels: labels)   // row 2 predicts 1: wrong
        XCTAssertEqual(acc.value, 0.75)
        var other = Accuracy()
        other.update(0.5, weight: 4)
        XCTAssertEqual(acc.merged(with: other).value, (3 + 2) / 8.0)
    }

    func testLastValue() {
        var a = LastValue(), b = LastValue()
        a.update(1); a.update(2)
        XCTAssertEqual(a.value, 2)
        XCTAssertEqual(a.merged(with: b).value, 2, "merging an empty one keeps the value")
        b.update(7)
        XCTAssertEqual(a.merged(with: b).value, 7)
    }

    func testCollectionUpdatesMergesAndRejects() throws {
        var one = MetricCollection(["loss": Average(), "accuracy": Accuracy(), "lr": LastValue()])
        var two = one
        try one.update(["loss": 1.0, "accuracy": 1, "lr": 0.1], weight: 2)
        try two.update(["loss": 4.0, "accuracy": 0, "lr": 0.05], weight: 1)
        let merged = try one.merged(with: two)
        XCTAssertEqual(merged.names, ["accuracy", "loss", "lr"])
        XCTAssertEqual(merged.values["loss"]!, 2.0, accuracy: 1e-12)
        XCTAssertEqual(merged.values["accuracy"]!, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(merged.values["lr"], 0.05)
        XCTAssertEqual(merged["loss", as: Average.self]?.weight, 3)

        XCTAssertThrowsError(try one.update(["loss": 1, "los": 2])) { error in
            XCTAssertEqual("\(error)", "metrics collection: no metric named \"los\" (it has accuracy, loss, lr)")
        }
        XCTAssertEqual(one.values["loss"], 1.0, "a rejected update changes nothing")
        let other = MetricCollection(["loss": Std(), "accuracy": Accuracy(), "lr": LastValue()])
        XCTAssertThrowsError(try one.merged(with: other)) { error in
            XCTAssertTrue("\(error)".contains("\"loss\" is a Average here and a Std there"), "\(error)")
        }
        XCTAssertThrowsError(try one.merged(with: MetricCollection(["loss": Average()])))
    }
}
