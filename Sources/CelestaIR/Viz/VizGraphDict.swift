import FoundationEssentials

/// The visualisation's view of a graph: TALON's `graph_to_dict` (README §20), the JSON every
/// page embeds.
///
/// Top-level keys, in order: `version` (the IR version, "0.0.1"), `nodes`, `edges`
/// (`{source, target}` in edge order), `metadata`, `summary` (`node_count`, `edge_count`,
/// `total_params`, `node_counts`, `inputs`, `outputs`), `groups` (the patterns of
/// `VizPatternDetector`) and `node_to_group`. A node holds `id`, `type`, `input_shape` and
/// `output_shape` (its `input` / `output` port, else null), `params` (every array field: shape,
/// dtype, data, stats, size), `config` (every other field that is set, the hardware fields
/// first as in TALON's dataclasses; empty dicts left out), `param_count` (elements of all its
/// arrays), `color`, `shape`, `display_params`, then `hardware` (precision, core id, hints; only
/// when one is set) and `group` (only when the node is in a pattern).
///
/// Arrays are summarised: `data` is the string "<omitted>" and `stats` their min, max, mean
/// and std (numpy's values), so a page stays small whatever the weights. With
/// `embedArrays` (TALON's behaviour) `data` is the base64 of the elements, as TALON embeds them.
public enum VizGraphDict {
    /// The placeholder of an array's elements when they are not embedded.
    public static let omitted = "<omitted>"

    /// TALON's hardware metadata fields, which its dataclasses list before the primitive's own.
    static let hardwareFields = ["precision", "weight_t", "bias_t", "accum_t", "result_t", "reuse_factor", "core_id", "hardware_hints"]

    public static func make(_ graph: IRGraph, detectPatterns: Bool = true, embedArrays: Bool = false) -> VizJSON {
        let patterns = detectPatterns ? VizPatternDetector(graph).all() : []
        var nodeToGroup: [(String, VizJSON)] = []
        var groupOf: [String: String] = [:]
        for p in patterns {
            for n in p.nodes {
                if groupOf[n] == nil { nodeToGroup.append((n, .string(p.id))) } else if let i = nodeToGroup.firstIndex(where: { $0.0 == n }) {
                    nodeToGroup[i].1 = .string(p.id)
                }
                groupOf[n] = p.id
            }
        }
        let nodes: [VizJSON] = graph.nodes.map { n in
            var d = node(n, embedArrays: embedArrays)
            if let g = groupOf[n.name] { d = d.setting("group", .string(g)) }
            return d
        }
        let edges: [VizJSON] = graph.edges.map { .object([("source", .string($0.source)), ("target", .string($0.target))]) }
        return .object([
            ("version", .string(T1CFile.version)),
            ("nodes", .array(nodes)),
            ("edges", .array(edges)),
            ("metadata", value(.dict(graph.metadata), embedArrays: embedArrays)),
            ("summary", summary(graph)),
            ("groups", .array(patterns.map(group))),
            ("node_to_group", .object(nodeToGroup)),
        ])
    }

    // MARK: Nodes

    /// One node's entry.
    public static func node(_ n: IRNode, embedArrays: Bool = false) -> VizJSON {
        var params: [(String, VizJSON)] = []
        var config: [(String, VizJSON)] = []
        var count = 0
        let ordered = hardwareFields.compactMap { k in n.fields[k].map { IREntry(k, $0) } }
            + n.fields.entries.filter { !hardwareFields.contains($0.key) }
        for e in ordered {
            switch e.value {
            case .none: continue
            case .tensor(let t):
                params.append((e.key, array(t, embed: embedArrays)))
                count += t.count
            case .dict(let d) where d.isEmpty: continue
            default: config.append((e.key, value(e.value, embedArrays: embedArrays)))
            }
        }
        let style = VizStyle.node(n.type)
        var members: [(String, VizJSON)] = [
            ("id", .string(n.name)),
            ("type", .string(n.type)),
            ("input_shape", shape(n.inputType?["input"])),
            ("output_shape", shape(n.outputType?["output"])),
            ("params", .object(params)),
            ("config", .object(config)),
            ("param_count", .int(count)),
            ("color", .string(style.color)),
            ("shape", .string(style.shape)),
            ("display_params", .array(style.displayParams.map(VizJSON.string))),
        ]
        var hardware: [(String, VizJSON)] = []
        if let p = n["precision"], p != .none { hardware.append(("precision", value(p, embedArrays: embedArrays))) }
        if let c = n["core_id"], c != .none { hardware.append(("core_id", value(c, embedArrays: embedArrays))) }
        if let h = n["hardware_hints"], h.isTruthy { hardware.append(("hardware_hints", value(h, embedArrays: embedArrays))) }
        if !hardware.isEmpty { members.append(("hardware", .object(hardware))) }
        return .object(members)
    }

    static func shape(_ s: [Int]?) -> VizJSON { s.map { .array($0.map(VizJSON.int)) } ?? .null }

    /// An array's entry: shape, dtype, data (omitted or base64), stats, size.
    public static func array(_ t: Tensor, embed: Bool) -> VizJSON {
        .object([
            ("shape", shape(t.shape)),
            ("dtype", .string(t.dtype.rawValue)),
            ("data", .string(embed ? Data(t.bytes).base64EncodedString() : omitted)),
            ("stats", VizArrayStats(t).json),
            ("size", .int(t.count)),
        ])
    }

    /// A field's value as JSON: tuples and lists as arrays, dicts as objects, arrays as array
    /// entries, a nested graph as its counts.
    public static func value(_ v: IRValue, embedArrays: Bool) -> VizJSON {
        switch v {
        case .none: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .float(let d): return .double(d)
        case .string(let s): return .string(s)
        case .tensor(let t): return array(t, embed: embedArrays)
        case .tuple(let items), .list(let items): return .array(items.map { value($0, embedArrays: embedArrays) })
        case .dict(let d): return .object(d.entries.map { ($0.key, value($0.value, embedArrays: embedArrays)) })
        case .graph(let g): return .object([("type", .string("Graph")), ("node_count", .int(g.nodes.count)), ("edge_count", .int(g.edges.count))])
        }
    }

    // MARK: Summary and groups

    static func summary(_ g: IRGraph) -> VizJSON {
        var total = 0
        var counts: [(String, Int)] = []
        var inputs: [VizJSON] = []
        var outputs: [VizJSON] = []
        for n in g.nodes {
            if let i = counts.firstIndex(where: { $0.0 == n.type }) { counts[i].1 += 1 } else { counts.append((n.type, 1)) }
            for e in n.fields.entries { if case .tensor(let t) = e.value { total += t.count } }
            if n.type == "Input" {
                inputs.append(.object([("id", .string(n.name)), ("shape", shape(n.inputType?["input"]))]))
            } else if n.type == "Output" {
                outputs.append(.object([("id", .string(n.name)), ("shape", shape(n.outputType?["output"]))]))
            }
        }
        return .object([
            ("node_count", .int(g.nodes.count)),
            ("edge_count", .int(g.edges.count)),
            ("total_params", .int(total)),
            ("node_counts", .object(counts.map { ($0.0, .int($0.1)) })),
            ("inputs", .array(inputs)),
            ("outputs", .array(outputs)),
        ])
    }

    /// A pattern's entry, with the label and subtitle the collapsed group shows.
    static func group(_ p: VizPattern) -> VizJSON {
        let meta = VizJSON.object(p.metadata)
        func kernelText(_ k: VizJSON?) -> String {
            let v = k?.items.compactMap(\.intValue) ?? []
            return v.count >= 2 ? "\(v[0])\u{00D7}\(v[1])" : "?"
        }
        let label: String
        let subtitle: String
        switch p.type {
        case "RepConv":
            let branches = meta["branches"]?.items ?? []
            label = "RepConv (\(branches.count) branches)"
            subtitle = branches.compactMap { $0["type"]?.stringValue }.joined(separator: ", ")
        case "SPP":
            label = "SPP (\(meta["num_scales"]?.intValue ?? 0) scales)"
            subtitle = "parallel: " + (meta["pool_kernels"]?.items ?? []).map(kernelText).joined(separator: ", ")
        case "SPPF":
            label = "SPPF (depth=\(meta["chain_depth"]?.intValue ?? 0))"
            subtitle = "sequential: " + kernelText(meta["kernel_size"])
        case "SkipConnection":
            label = "Skip (\(meta["processing_depth"]?.intValue ?? 0) layers)"
            let types = (meta["path_types"]?.items ?? []).compactMap(\.stringValue)
            subtitle = types.isEmpty ? "residual" : "bypass: " + types.joined(separator: " \u{2192} ")
        default:
            label = p.type
            subtitle = "\(p.nodes.count) nodes"
        }
        let style = VizStyle.group(p.type)
        func names(_ l: [String]) -> VizJSON { .array(l.map(VizJSON.string)) }
        return .object([
            ("id", .string(p.id)), ("type", .string(p.type)), ("label", .string(label)), ("subtitle", .string(subtitle)),
            ("nodes", names(p.nodes)), ("entry_nodes", names(p.entryNodes)), ("exit_nodes", names(p.exitNodes)),
            ("metadata", meta), ("color", .string(style.color)), ("shape", .string(style.shape)), ("icon", .string(style.icon)),
            ("display_params", .array(style.displayParams.map(VizJSON.string))),
        ])
    }
}
