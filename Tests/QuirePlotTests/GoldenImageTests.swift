import Foundation
import QuirePlot
import QuireTensor
import XCTest

/// Each chart kind rendered and compared with a committed PNG (decoded with libpng) within a tolerance for
/// anti-aliasing and font rasterization. `QUIRE_UPDATE_GOLDEN=1` rewrites the PNGs instead.
final class GoldenImageTests: XCTestCase {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden").path
    /// A channel differing by more than this makes a pixel count as different.
    static let channelTolerance = 48
    /// At most this fraction of pixels may differ.
    static let maxDifferingFraction = 0.006

    func check(_ name: String, _ chart: some Chart, _ options: RenderOptions = RenderOptions(width: 400, height: 260),
               file: StaticString = #filePath, line: UInt = #line) throws {
        let rendered = try chart.render(options)
        XCTAssertEqual(rendered.width, Int((Double(options.width) * options.scale).rounded()), file: file, line: line)
        let path = GoldenImageTests.golden + "/\(name).png"
        if ProcessInfo.processInfo.environment["QUIRE_UPDATE_GOLDEN"] == "1" {
            try rendered.writePNG(to: path)
            return
        }
        // Our PNG must decode to exactly what was drawn.
        let scratch = NSTemporaryDirectory() + "quire-plot-\(UUID().uuidString).png"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try rendered.writePNG(to: scratch)
        XCTAssertEqual(try RGBAImage(contentsOfPNG: scratch), rendered, "PNG round trip", file: file, line: line)

        guard FileManager.default.fileExists(atPath: path) else {
            return XCTFail("no golden image \(path); run with QUIRE_UPDATE_GOLDEN=1 and look at it", file: file, line: line)
        }
        let expected = try RGBAImage(contentsOfPNG: path)
        XCTAssertEqual(expected.width, rendered.width, file: file, line: line)
        XCTAssertEqual(expected.height, rendered.height, file: file, line: line)
        guard expected.width == rendered.width && expected.height == rendered.height else { return }
        var differing = 0
        for p in 0..<(rendered.width * rendered.height) {
            for c in 0..<4 where abs(Int(rendered.pixels[p * 4 + c]) - Int(expected.pixels[p * 4 + c])) > GoldenImageTests.channelTolerance {
                differing += 1
                break
            }
        }
        let fraction = Double(differing) / Double(rendered.width * rendered.height)
        if fraction > GoldenImageTests.maxDifferingFraction {
            let actualPath = NSTemporaryDirectory() + "\(name)-actual.png"
            try? rendered.writePNG(to: actualPath)
            XCTFail("\(name): \(differing) pixels (\(fraction * 100)%) differ from the golden image; rendered: \(actualPath)",
                    file: file, line: line)
        }
    }

    /// A noisy decaying curve, deterministic.
    static func loss(_ n: Int, scale: Double, seed: Double) -> [Double] {
        (0..<n).map { i in
            let t = Double(i)
            return scale * (exp(-t / 40) + 0.08) * (1 + 0.25 * sin(t * 1.7 + seed) * cos(t * 0.31 * seed))
        }
    }

    func testLineChart() throws {
        var train = GoldenImageTests.loss(200, scale: 2.3, seed: 1)
        train[120] = .nan   // a gap
        train[121] = .infinity
        let testSteps: [Double] = stride(from: 0.0, through: 199, by: 20).map { $0 }
        let testLoss: [Double] = testSteps.map { (s: Double) -> Double in 2.3 * (exp(-s / 45) + 0.12) }
        let test = Series(name: "test", x: testSteps, y: testLoss, smoothing: 0)
        try check("line", LineChart(title: "Digits loss", xLabel: "step", yLabel: "loss",
                                    series: [Series(name: "train", y: train), test], smoothing: 0.8))
    }

    func testLineChartLogYAndSIAxis() throws {
        let x = (0..<100).map { Double($0) * 2_000 }
        let y = (0..<100).map { 3e-2 * exp(-Double($0) / 20) + 1e-4 }
        try check("line-log", LineChart(title: "log scale", xLabel: "examples", series: [Series(name: "lr", x: x, y: y)],
                                        logY: true, markers: false))
    }

    func testLineChartAtTwiceTheScale() throws {
        let chart = LineChart(title: "2×", series: [Series(y: GoldenImageTests.loss(50, scale: 1, seed: 2))])
        try check("line-2x", chart, RenderOptions(width: 240, height: 160, scale: 2))
    }

    func testScatter() throws {
        let t: [Double] = (0..<60).map { Double($0) }
        let spiralX: [Double] = t.map { (v: Double) -> Double in cos(v * 0.7) * v / 30 }
        let spiralY: [Double] = t.map { (v: Double) -> Double in sin(v * 0.7) * v / 30 }
        let blobX: [Double] = t.map { (v: Double) -> Double in 2 + cos(v * 1.3) * 0.5 }
        let blobY: [Double] = t.map { (v: Double) -> Double in 1 + sin(v * 2.1) * 0.5 }
        try check("scatter", ScatterChart(title: "two clusters", xLabel: "x", yLabel: "y",
                                          series: [Series(name: "spiral", x: spiralX, y: spiralY),
                                                   Series(name: "blob", x: blobX, y: blobY)]))
    }

    func testHistogram() throws {
        let key = PRNGKey(seed: 3)
        var values = Tensor.normal(key, shape: [2000]).scalars(as: Double.self)
        values.append(.nan)
        try check("histogram", Histogram(title: "normal samples", xLabel: "value", values: values, bins: 24))
    }

    func testBarChart() throws {
        try check("bar", BarChart(title: "accuracy by optimizer", yLabel: "%", categories: ["sgd", "adam", "adamw", "lion"],
                                  series: [Series(name: "train", y: [91.5, 97.2, 97.8, 96.1]),
                                           Series(name: "test", y: [90.2, 95.1, 95.9, .nan])]))
        try check("bar-single", BarChart(title: "change", categories: ["a", "b", "c"], series: [Series(y: [3, -1.5, 2])]))
    }

    func testHeatmap() throws {
        var confusion = [[Double]](repeating: [Double](repeating: 0, count: 6), count: 6)
        for r in 0..<6 {
            for c in 0..<6 { confusion[r][c] = r == c ? Double(40 + r * 3) : Double((r * 7 + c * 3) % 5) }
        }
        try check("heatmap", Heatmap(title: "confusion", xLabel: "predicted", yLabel: "true", rows: confusion))
        var attention = [[Double]](repeating: [Double](repeating: 0, count: 24), count: 24)
        for r in 0..<24 {
            for c in 0...r { attention[r][c] = exp(Double(c - r) / 4) }
        }
        attention[3][1] = .nan
        try check("heatmap-attention", Heatmap(title: "attention", rows: attention))
    }

    func testImageGrid() throws {
        // 12 synthetic 8×8 "digits": rings of growing radius.
        var pixels: [Float] = []
        for i in 0..<12 {
            for y in 0..<8 { for x in 0..<8 {
                let dx = Double(x) - 3.5, dy = Double(y) - 3.5
                let d: Double = (dx * dx + dy * dy).squareRoot()
                let ring: Double = 1 - abs(d - Double(i % 4) - 0.5)
                pixels.append(Float(max(0, ring)))
            } }
        }
        let images = Tensor(pixels, shape: [12, 8, 8])
        try check("image-grid", ImageGrid(title: "samples", images: images, labels: (0..<12).map { "pred \($0 % 4)" },
                                          flagged: [2, 7], columns: 6))
    }
}
