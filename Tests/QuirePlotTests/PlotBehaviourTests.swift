@testable import QuirePlot
import QuireTensor
import QuireTestSupport
import XCTest

/// Ticks and labels, smoothing, gaps, and the errors for data that cannot be drawn.
final class PlotBehaviourTests: XCTestCase {
    func testTicksLandOnReadableValuesWithSISuffixes() {
        assertClose(Ticks.linear(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1].map { $0 }, rtol: 0, atol: 1e-12)
        assertClose(Ticks.linear(-3.4, 3.4, target: 4), [-2, 0, 2], rtol: 0, atol: 1e-12)
        assertClose(Ticks.linear(0, 49, target: 3), [0, 20, 40], rtol: 0, atol: 1e-12, "at least three ticks")
        XCTAssertEqual(Ticks.labels([0, 0.5, 1, 1.5]), ["0", "0.5", "1", "1.5"])
        XCTAssertEqual(Ticks.labels([0, 50_000, 100_000, 150_000]), ["0", "50k", "100k", "150k"])
        XCTAssertEqual(Ticks.labels([2_500_000, 5_000_000]), ["2.5M", "5M"])
        // Small values (learning rates) in scientific notation, never µ/n/m prefixes.
        XCTAssertEqual(Ticks.labels([0.0001, 0.0002, 0.0003]), ["1e-4", "2e-4", "3e-4"])
        XCTAssertEqual(Ticks.labels([0.001, 0.0015, 0.002]), ["1e-3", "1.5e-3", "2e-3"])
        XCTAssertEqual(Ticks.labels([0, 2.5e-7, 5e-7, 7.5e-7]), ["0", "2.5e-7", "5e-7", "7.5e-7"])
        XCTAssertEqual(Ticks.labels([0, 0.005, 0.01, 0.015]), ["0", "0.005", "0.01", "0.015"])
        XCTAssertEqual(Ticks.logLabels([1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10, 1e3, 1e4, 1e5]),
                       ["1e-7", "1e-6", "1e-5", "1e-4", "1e-3", "0.01", "0.1", "1", "10", "1000", "1e4", "1e5"])
        XCTAssertEqual(Ticks.logLabels(Ticks.logarithmic(3e-4, 3.5e-2)), ["5e-4", "1e-3", "2e-3", "5e-3", "0.01", "0.02"])
        XCTAssertEqual(Ticks.logLabels([3.121e-7, 3.2e-7]), ["3.12e-7", "3.2e-7"], "the [lo, hi] fallback keeps 3 digits")
        XCTAssertEqual(Ticks.short(3.121e-7), "3.121e-7")
        XCTAssertEqual(Ticks.short(-9.9996e-5), "-1e-4")
        XCTAssertEqual(Ticks.short(0.0012346), "1.235e-3")
        XCTAssertEqual(Ticks.labels([-1, 0, 1]), ["-1", "0", "1"])
        assertClose(Ticks.logarithmic(2e-4, 3e1), [1e-3, 1e-2, 1e-1, 1, 1e1], rtol: 0, atol: 1e-15)
        assertClose(Ticks.logarithmic(0.15, 0.9), [0.2, 0.5], rtol: 0, atol: 1e-15)
        assertClose(Ticks.logarithmic(3e-4, 3.5e-2), [5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2], rtol: 0, atol: 1e-15,
                    "two powers of ten visible: 2× and 5× added")
        XCTAssertEqual(Ticks.short(0.040623), "0.04062")
        XCTAssertEqual(Ticks.short(12_345), "12.35k")
    }

    func testEMAIsDebiasedAndSkipsGaps() {
        let smoothed = LineChart.ema([1, .nan, 3], weight: 0.5)
        XCTAssertEqual(smoothed[0], 1)
        XCTAssertTrue(smoothed[1].isNaN)
        XCTAssertEqual(smoothed[2], (0.25 + 1.5) / 0.75, accuracy: 1e-12)
    }

    func testNonFiniteValuesLeaveAGap() throws {
        var y = [Double](repeating: 1, count: 9)
        y[4] = .nan
        let picture = try LineChart(series: [Series(y: y)], markers: false).render(RenderOptions(width: 300, height: 200))
        // The row through the flat line: the one with the most series-blue pixels.
        func isBlue(_ x: Int, _ row: Int) -> Bool {
            let (r, g, b, _) = picture[x, row]
            return b > 150 && r < 120 && g < 160
        }
        let row = (0..<picture.height).max { a, b in
            (0..<picture.width).filter { isBlue($0, a) }.count < (0..<picture.width).filter { isBlue($0, b) }.count
        }!
        var runs = 0, inside = false
        for x in 0..<picture.width {
            if isBlue(x, row) && !inside { runs += 1 }
            inside = isBlue(x, row)
        }
        XCTAssertEqual(runs, 2, "the NaN splits the line in two")
    }

    func testDataThatCannotBeDrawnThrowsClearErrors() {
        func message(_ chart: some Chart) -> String {
            do { _ = try chart.render(); return "no error" } catch { return error.description }
        }
        XCTAssertEqual(message(LineChart(series: [])), "line chart: no series to draw")
        XCTAssertEqual(message(LineChart(series: [Series(name: "loss", y: [])])), "line chart: series \"loss\" has no points")
        XCTAssertEqual(message(LineChart(series: [Series(name: "loss", x: [1, 2], y: [0.5])])),
                       "line chart: series \"loss\" has 2 x values but 1 y values")
        XCTAssertEqual(message(LineChart(series: [Series(y: [.nan, .infinity])])), "line chart: no finite point to draw")
        XCTAssertEqual(message(LineChart(series: [Series(y: [0, -1])], logY: true)),
                       "line chart: no finite point to draw (a log y axis needs values > 0)")
        XCTAssertEqual(message(LineChart(series: [Series(y: [1])], smoothing: 1)), "line chart: smoothing 1.0 is outside 0..<1")
        XCTAssertEqual(message(ScatterChart(series: [Series(x: [1], y: [1, 2])])), "scatter chart: series 0 has 1 x values but 2 y values")
        XCTAssertEqual(message(BarChart(categories: ["a", "b"], series: [Series(name: "s", y: [1])])),
                       "bar chart: series \"s\" has 1 values for 2 categories")
        XCTAssertEqual(message(BarChart(categories: [], series: [])), "bar chart: no categories")
        XCTAssertEqual(message(Histogram(values: [])), "histogram: no values to bin")
        XCTAssertEqual(message(Histogram(values: [1], bins: 0)), "histogram: bins 0 is outside 1…10000")
        XCTAssertEqual(message(Heatmap(rows: [[1, 2], [3]])), "heatmap: row 1 has 1 values, row 0 has 2")
        XCTAssertEqual(message(Heatmap(rows: [[1, 2]], rowLabels: ["a", "b"])), "heatmap: 2 row labels for 1 rows")
        XCTAssertEqual(message(Heatmap(rows: [[.nan]])), "heatmap: none of the 1 cells is finite")
        XCTAssertEqual(message(ImageGrid(images: Tensor.zeros([4, 4]))),
                       "image grid: expected images of shape [count, height, width] or [count, height, width, 1|3|4], got [4, 4]")
        XCTAssertEqual(message(ImageGrid(images: Tensor.zeros([2, 4, 4]), labels: ["a"])), "image grid: 1 labels for 2 images")
        XCTAssertThrowsError(try Heatmap(matrix: Tensor.zeros([2, 2, 2])))
        XCTAssertThrowsError(try LineChart(series: [Series(y: [1])]).render(RenderOptions(width: 10, height: 400)))
        XCTAssertThrowsError(try RGBAImage(contentsOfPNG: "/nonexistent/x.png")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/x.png"), "\(error)")
        }
    }

    func testHistogramCounts() throws {
        let (counts, edges) = try Histogram(values: [0, 0.1, 0.5, 0.99, 1, .nan, 7], bins: 2, range: 0...1).counts()
        XCTAssertEqual(counts, [2, 3], "the last bin includes its upper edge; NaN and 7 are left out")
        XCTAssertEqual(edges, [0, 0.5, 1])
    }
}
