/// Named metrics updated together and merged together, in the clu `metrics.Collection` style.
///
/// ```swift
/// var metrics = MetricCollection(["loss": Average(), "accuracy": Accuracy(), "lr": LastValue()])
/// try metrics.update(["loss": 0.41, "accuracy": 0.9, "lr": 1e-3], weight: 128)
/// let total = try metrics.merged(with: otherShard)
/// try run.log(total.values, step: step)
/// ```
public struct MetricCollection: Sendable {
    /// The metric names, in the order given.
    public let names: [String]
    private var metrics: [String: any Metric]

    /// A collection of the given metrics; the names are sorted (a dictionary literal has no order).
    public init(_ metrics: [String: any Metric]) {
        self.names = metrics.keys.sorted()
        self.metrics = metrics
    }

    /// The current value of every metric.
    public var values: [String: Double] { metrics.mapValues(\.value) }

    /// The metric named `name`, if it has type `M`.
    public subscript<M: Metric>(name: String, as type: M.Type = M.self) -> M? { metrics[name] as? M }

    /// Updates each named metric with its value; throws ``MetricsError`` for a name the collection lacks,
    /// changing nothing.
    public mutating func update(_ values: [String: Double], weight: Double = 1) throws(MetricsError) {
        let unknown = values.keys.filter { metrics[$0] == nil }.sorted()
        guard unknown.isEmpty else {
            throw MetricsError("metrics collection: no metric named \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")) (it has \(names.joined(separator: ", ")))")
        }
        for (name, value) in values {
            var metric = metrics[name]!
            metric.update(value, weight: weight)
            metrics[name] = metric
        }
    }

    /// Replaces one metric (after updating it with a kind-specific method such as `Accuracy.update(logits:labels:)`).
    public mutating func set<M: Metric>(_ name: String, _ metric: M) throws(MetricsError) {
        guard let old = metrics[name] else { throw MetricsError("metrics collection: no metric named \"\(name)\"") }
        guard old is M else { throw MetricsError("metrics collection: \"\(name)\" is a \(type(of: old)), not a \(M.self)") }
        metrics[name] = metric
    }

    /// Merges metric by metric; the collections must have the same names and kinds.
    public func merged(with other: MetricCollection) throws(MetricsError) -> MetricCollection {
        guard names == other.names else {
            throw MetricsError("metrics collection: cannot merge [\(names.joined(separator: ", "))] with [\(other.names.joined(separator: ", "))]")
        }
        var result = self
        for name in names {
            guard let merged = MetricCollection.merge(metrics[name]!, other.metrics[name]!) else {
                throw MetricsError("metrics collection: \"\(name)\" is a \(type(of: metrics[name]!)) here and a \(type(of: other.metrics[name]!)) there")
            }
            result.metrics[name] = merged
        }
        return result
    }

    private static func merge<M: Metric>(_ a: M, _ b: any Metric) -> (any Metric)? {
        guard let b = b as? M else { return nil }
        return a.merged(with: b)
    }
}

/// A misuse of metrics or the run log that the caller can recover from (an unknown name, an unwritable folder).
public struct MetricsError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
