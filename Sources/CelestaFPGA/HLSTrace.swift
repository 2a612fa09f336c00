/// Per-step values of every layer, in the reference cases' schema: per layer name, per key
/// (`out`, `v_pre`, `v_post`, `counts`, `membrane`), a `[T][n]` array.
public struct HLSTrace: Sendable, Equatable {
    /// Layer names in graph order.
    public var order: [String] = []
    public var layers: [String: [String: [[Double]]]] = [:]

    public init() {}

    mutating func append(_ layer: String, _ key: String, _ row: [Double]) {
        if layers[layer] == nil {
            order.append(layer)
            layers[layer] = [:]
        }
        layers[layer]![key, default: []].append(row)
    }

    /// The keys recorded for a layer, in the schema's order.
    public func keys(_ layer: String) -> [String] {
        let present = layers[layer] ?? [:]
        return ["out", "v_pre", "v_post", "counts", "membrane"].filter { present[$0] != nil }
    }

    /// Appends another trace's steps (same layers) after this one's.
    public mutating func extend(_ other: HLSTrace) {
        for name in other.order {
            for (key, rows) in other.layers[name] ?? [:] {
                for row in rows { append(name, key, row) }
            }
        }
    }
}
