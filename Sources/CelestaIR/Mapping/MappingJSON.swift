/// The mapping results as JSON with TALON's field names (the C ABI, the CLI's `--json` and the
/// Python dataclasses read these).
public enum MappingJSON {
    /// `partition_metadata`: `{"assignments": {name: core}, "num_cores_used", "cross_core_edges":
    /// [[src, dst]], "feedback_edges", "algorithm", "metrics"}`.
    public static func partition(_ r: PartitionResult) -> String { IRJSON.encode(.dict(r.metadata)) }

    /// The same object as `partition`, written straight into bytes (no IR dict of thousands of
    /// assignments made first). With `coreList`, `assignments` is replaced by two lists in
    /// assignment order: `"order"` (node indices, graph order) and `"cores"` (their cores),
    /// cheaper to read for a caller that has the node names. With `coreRuns` (and `coreList`)
    /// the two lists are given as runs, flat: `"order_runs": [first, count, ...]` (each run the
    /// indices first, first + 1, ..., first + count - 1) and `"core_runs": [core, count, ...]`
    /// (each run `count` assignments to one core); a graph built in order holds a few runs.
    public static func partitionBytes(_ r: PartitionResult, coreList: Bool = false, coreRuns: Bool = false) -> [UInt8] {
        let listed = coreList && coreRuns ? 0 : r.order.count
        var w = JSONBytes(capacity: 256 + 24 * listed + 40 * r.crossCoreEdges.count)
        func edges(_ list: [IREdge]) {
            w.raw("[")
            for (i, e) in list.enumerated() {
                if i > 0 { w.raw(", ") }
                w.raw("[")
                w.quoted(e.source)
                w.raw(", ")
                w.quoted(e.target)
                w.raw("]")
            }
            w.raw("]")
        }
        /// Runs of `items` (flat pairs: the run's first item and its length) where each item is
        /// the one before plus `step`.
        func runs(_ items: [Int], step: Int) {
            var i = 0
            while i < items.count {
                var j = i + 1
                while j < items.count && items[j] == items[j - 1] + step { j += 1 }
                if i > 0 { w.raw(", ") }
                w.int(items[i])
                w.raw(", ")
                w.int(j - i)
                i = j
            }
        }
        if coreList && coreRuns {
            w.raw("{\"order_runs\": [")
            runs(r.order, step: 1)
            w.raw("], \"core_runs\": [")
            runs(r.cores, step: 0)
            w.raw("], \"num_cores_used\": ")
        } else if coreList {
            w.raw("{\"order\": [")
            for (i, k) in r.order.enumerated() {
                if i > 0 { w.raw(", ") }
                w.int(k)
            }
            w.raw("], \"cores\": [")
            for (i, c) in r.cores.enumerated() {
                if i > 0 { w.raw(", ") }
                w.int(c)
            }
            w.raw("], \"num_cores_used\": ")
        } else {
            w.raw("{\"assignments\": {")
            for (i, a) in r.assignments.enumerated() {
                if i > 0 { w.raw(", ") }
                w.quoted(a.name)
                w.raw(": ")
                w.int(a.core)
            }
            w.raw("}, \"num_cores_used\": ")
        }
        w.int(r.numCoresUsed)
        w.raw(", \"cross_core_edges\": ")
        edges(r.crossCoreEdges)
        w.raw(", \"feedback_edges\": ")
        edges(r.feedbackEdges)
        w.raw(", \"algorithm\": ")
        w.quoted(r.algorithm)
        w.raw(", \"metrics\": ")
        w.value(.dict(r.metrics))
        w.raw("}")
        return w.out
    }

    /// `{"budgets": {"core": {CoreBudget}}, "total_weight_bytes", "total_state_bytes",
    /// "peak_core_utilization", "fits_hardware", "violations", "overflow": [{"core", "total_bytes",
    /// "nodes": [[name, bytes]]}]}` (`overflow` is Celesta's: what fills each core that does not
    /// fit, largest first).
    public static func resources(_ m: ResourceMap) -> String {
        let budgets = m.budgets.map { b in
            "\(JSONText.quote(String(b.coreId))): {\"core_id\": \(b.coreId), \"neuron_count\": \(b.neuronCount), "
                + "\"weight_bytes\": \(b.weightBytes), \"state_bytes\": \(b.stateBytes), \"routing_bytes\": \(b.routingBytes), "
                + "\"total_bytes\": \(b.totalBytes), \"utilization\": \(JSONText.number(b.utilization))}"
        }
        let overflow = m.overflow.map { o in
            "{\"core\": \(o.core), \"total_bytes\": \(o.total), \"nodes\": ["
                + o.nodes.map { "[\(JSONText.quote($0.name)), \($0.bytes)]" }.joined(separator: ", ") + "]}"
        }
        return "{\"budgets\": {" + budgets.joined(separator: ", ") + "}, \"total_weight_bytes\": \(m.totalWeightBytes), "
            + "\"total_state_bytes\": \(m.totalStateBytes), \"peak_core_utilization\": \(JSONText.number(m.peakCoreUtilization)), "
            + "\"fits_hardware\": \(m.fitsHardware), \"violations\": [" + m.violations.map(String.init).joined(separator: ", ")
            + "], \"overflow\": [" + overflow.joined(separator: ", ") + "]}"
    }

    /// `{"logical_to_physical": {"core": [row, col]}, "total_hop_distance", "improvement"}`.
    public static func placement(_ p: PlacementResult) -> String {
        "{\"logical_to_physical\": {" + p.logicalToPhysical.map { "\"\($0.core)\": [\($0.row), \($0.col)]" }.joined(separator: ", ")
            + "}, \"total_hop_distance\": \(p.totalHopDistance), \"improvement\": \(JSONText.number(p.improvement))}"
    }

    /// `partition_metadata["routing"]`: `{"forward_routes": {"a->b": [cores]}, "feedback_routes",
    /// "total_hops", "max_hops"}`.
    public static func routing(_ t: RoutingTable) -> String { IRJSON.encode(.dict(t.metadata)) }
}
