import Foundation
import QuireTensor

/// The 8×8 handwritten digits (UCI, as shipped with scikit-learn; vendored in `data/digits.csv` with its
/// attribution in `data/README.md`).
///
/// Temporary: a small loader for the first real training run, to be replaced by the QuireData pipeline.
///
/// The split is fixed: rows are ordered by `Tensor.permutation(PRNGKey(seed: 0), count: 1797)`; the
/// first 20% (rounded up: 360 rows) are the test set, the other 1,437 the training set. It does not
/// reproduce scikit-learn's `train_test_split` rows, only its proportions.
///
/// ```swift
/// let (train, test) = try Digits.load(from: Digits.defaultPath)
/// train.x.shape   // [1437, 64], float32 pixels / 16 in [0, 1]
/// train.y.shape   // [1437], int32 labels 0…9
/// test.x.shape    // [360, 64]
/// ```
public enum Digits {
    /// Pixels per image (8×8) and the number of classes.
    public static let features = 64, classes = 10

    /// The seed of the fixed split's permutation.
    public static let splitSeed = 0

    /// `data/digits.csv` under the package root, found from this source file's location at build time;
    /// `QUIRE_DIGITS` in the environment overrides it.
    public static var defaultPath: String {
        if let p = ProcessInfo.processInfo.environment["QUIRE_DIGITS"] { return p }
        return packageRoot.appendingPathComponent("data/digits.csv").path
    }

    /// The package root: three folders above `Sources/QuireNN/Datasets/Digits.swift`.
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Reads the CSV at `path` (64 pixels 0…16 then the label 0…9 per line) and splits it 80/20.
    /// A malformed row throws a ``DigitsError`` naming `file:line`.
    public static func load(from path: String) throws
        -> (train: (x: Tensor, y: Tensor), test: (x: Tensor, y: Tensor)) {
        let (pixels, labels) = try read(path)
        let n = labels.count
        let order = Tensor.permutation(PRNGKey(seed: splitSeed), count: n).scalars(as: Int32.self).map(Int.init)
        let testCount = (n * 2 + 9) / 10
        func subset(_ rows: ArraySlice<Int>) -> (x: Tensor, y: Tensor) {
            var x = [Float](), y = [Int32]()
            x.reserveCapacity(rows.count * features)
            for r in rows { x += pixels[(r * features)..<((r + 1) * features)]; y.append(labels[r]) }
            return (Tensor(x, shape: [rows.count, features]), Tensor(y, shape: [rows.count]))
        }
        return (subset(order[testCount...]), subset(order[..<testCount]))
    }

    private static func read(_ path: String) throws -> (pixels: [Float], labels: [Int32]) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw DigitsError("\(path): cannot read the digits CSV (see data/README.md)")
        }
        var pixels = [Float](), labels = [Int32]()
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let row = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if row.isEmpty { continue }
            let fields = row.split(separator: ",", omittingEmptySubsequences: false)
            let whereText = "\(path):\(i + 1)"
            guard fields.count == features + 1 else {
                throw DigitsError("\(whereText): expected \(features + 1) comma-separated values, got \(fields.count)")
            }
            for (j, f) in fields.enumerated() {
                guard let v = Int(f.trimmingCharacters(in: .whitespaces)) else {
                    throw DigitsError("\(whereText): value \(j + 1) is not an integer: \"\(f)\"")
                }
                if j < features {
                    guard (0...16).contains(v) else { throw DigitsError("\(whereText): pixel \(j + 1) is \(v), outside 0…16") }
                    pixels.append(Float(v) / 16)
                } else {
                    guard (0..<classes).contains(v) else { throw DigitsError("\(whereText): label is \(v), outside 0…9") }
                    labels.append(Int32(v))
                }
            }
        }
        guard !labels.isEmpty else { throw DigitsError("\(path): no rows") }
        return (pixels, labels)
    }
}

/// A problem reading the digits CSV, naming the file and line.
public struct DigitsError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
