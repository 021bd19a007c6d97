import Yams

/// List and dictionary parameters: `layers: [64, 32]` → `[Int]`, `sizes: {small: 32}` → `[String: Int]`,
/// in the front matter and in `-P name=[…]` overrides. Elements are scalars of one type; integers mixed
/// with decimals make `Double`.
enum ParameterCollections {
    struct Problem: Error { var message: String }

    /// A typed list or dictionary from a YAML sequence or mapping.
    static func value(_ node: Node) throws(Problem) -> ParameterValue {
        switch node {
        case .sequence(let sequence):
            let (items, element) = try unify(Array(sequence))
            return .list(items, element: element)
        case .mapping(let mapping):
            var keys: [String] = []
            for key in mapping.keys {
                guard case .scalar(let s) = key else { throw Problem(message: "dictionary keys must be text") }
                keys.append(s.string)
            }
            let (values, element) = try unify(Array(mapping.values))
            return .dictionary(keys: keys, values: values, element: element)
        default:
            throw Problem(message: "must be a number, true/false, text, a list or a dictionary")
        }
    }

    /// `text` (a YAML flow collection) as a value of `declared`'s type, or nil.
    static func parse(_ text: String, as declared: ParameterValue) -> ParameterValue? {
        guard let node = try? Yams.compose(yaml: text) else { return nil }
        switch (node, declared) {
        case (.sequence(let s), .list(_, let type)) where s.isEmpty: return .list([], element: type)
        case (.mapping(let m), .dictionary(_, _, let type)) where m.isEmpty: return .dictionary(keys: [], values: [], element: type)
        default: break
        }
        guard var value = try? Self.value(node) else { return nil }
        if value.swiftType != declared.swiftType {
            // [1, 2] for a [Double] parameter; an empty list or dictionary takes the declared type.
            guard let converted = convert(value, to: declared) else { return nil }
            value = converted
        }
        return value
    }

    private static func unify(_ nodes: [Node]) throws(Problem) -> ([ParameterValue], String) {
        var items: [ParameterValue] = []
        for node in nodes {
            guard case .scalar(let s) = node else { throw Problem(message: "list and dictionary elements must be numbers, true/false or text") }
            items.append(FrontMatterParser.typedValue(s))
        }
        let types = Set(items.map(\.swiftType))
        if types == ["Int", "Double"] {
            return (items.map { if case .int(let i) = $0 { .double(Double(i)) } else { $0 } }, "Double")
        }
        guard types.count <= 1 else { throw Problem(message: "elements mix \(types.sorted().joined(separator: " and ")); use one type") }
        guard let element = types.first else { throw Problem(message: "an empty collection has no type; give at least one element") }
        return (items, element)
    }

    private static func convert(_ value: ParameterValue, to declared: ParameterValue) -> ParameterValue? {
        func element(_ v: ParameterValue, _ type: String) -> ParameterValue? {
            if v.swiftType == type { return v }
            if type == "Double", case .int(let i) = v { return .double(Double(i)) }
            return nil
        }
        switch (value, declared) {
        case (.list(let items, _), .list(_, let type)):
            let converted = items.compactMap { element($0, type) }
            return converted.count == items.count ? .list(converted, element: type) : nil
        case (.dictionary(let keys, let values, _), .dictionary(_, _, let type)):
            let converted = values.compactMap { element($0, type) }
            return converted.count == values.count ? .dictionary(keys: keys, values: converted, element: type) : nil
        default:
            return nil
        }
    }
}
