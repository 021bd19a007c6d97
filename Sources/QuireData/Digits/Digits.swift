import Foundation
import QuireTensor

/// The 8×8 handwritten digits (UCI, as shipped with scikit-learn; vendored in `data/digits.csv` with its
/// attribution in `data/README.md`).
///
/// Loaded through the data pipeline: a ``CSVSource`` and a fixed split gathered from it.
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

    /// Reads the CSV at `path` (64 pixels 0…16 then the label 0…9 per line) through ``CSVSource`` and
    /// splits it 80/20 by gathering the permuted rows. A malformed row throws a ``DigitsError`` naming
    /// `file:line`.
    public static func load(from path: String) throws
        -> (train: (x: Tensor, y: Tensor), test: (x: Tensor, y: Tensor)) {
        let source = try MapDataset(csv(path))
        let n = source.count
        let order = Tensor.permutation(PRNGKey(seed: splitSeed), count: n).scalars(as: Int32.self).map(Int.init)
        let testCount = (n * 2 + 9) / 10
        func subset(_ rows: ArraySlice<Int>) throws -> (x: Tensor, y: Tensor) {
            let r = try source.records(at: Array(rows))
            return (r["pixels"]!, r["label"]!)
        }
        return (try subset(order[testCount...]), try subset(order[..<testCount]))
    }

    /// The digits CSV as a record source: `pixels` float32 [64] (scaled to 0…1) and `label` int32.
    public static func csv(_ path: String) throws -> CSVSource {
        do {
            return try CSVSource(path: path, fields: [
                CSVField("pixels", columns: 0..<features, valid: 0...16, scale: 1.0 / 16),
                CSVField("label", column: features, dtype: .int32, valid: 0...Double(classes - 1)),
            ])
        } catch let e as DataError {
            throw DigitsError(e.description + (e.description.hasPrefix("\(path): cannot read") ? " (see data/README.md)" : ""))
        }
    }
}

/// A problem reading the digits CSV, naming the file and line.
public struct DigitsError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
