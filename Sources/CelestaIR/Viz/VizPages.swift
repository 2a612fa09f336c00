import FoundationEssentials

/// The HTML views of a graph (TALON's `export_html`, `visualize_partitioned` and
/// `visualize_execution_schedule`): one self-contained page each, the viewer of
/// `VizTemplate` plus the data it draws. Pages load nothing (their Content-Security-Policy
/// forbids any request) and embed array summaries, not the arrays, so they stay small.
///
/// Each page writes what it drew into its `#celesta-status` element (counts of nodes, edges,
/// core regions, pattern groups and timeline lanes, script errors, timings), which the
/// headless-browser tests read.
public enum VizPages {
    public static let defaultTitle = "celesta.viz"
    public static let defaultPartitionedTitle = "Partitioned Graph"
    public static let defaultScheduleTitle = "Execution Schedule"

    // MARK: Pages

    /// The graph view: nodes coloured by type with their shapes on hover, pattern groups.
    public static func graphPage(_ graph: IRGraph, title: String = defaultTitle, embedArrays: Bool = false) -> [UInt8] {
        page(view: "graph", title: title, payload: [("graph", VizGraphDict.make(graph, embedArrays: embedArrays))])
    }

    /// The partitioned view: the graph with each core's nodes inside a region of the core's
    /// colour, cross-core edges dashed. Throws when a node other than Input/Output has no core.
    public static func partitionedPage(_ graph: IRGraph, title: String = defaultPartitionedTitle, assignments: [(String, Int)]? = nil, embedArrays: Bool = false) throws -> [UInt8] {
        page(view: "partitioned", title: title, payload: [("graph", try partitionedDict(graph, assignments: assignments, embedArrays: embedArrays))])
    }

    /// The execution schedule: one timeline lane per core (see `schedule`).
    public static func schedulePage(_ graph: IRGraph, title: String = defaultScheduleTitle, latencies: [String: Double]? = nil) -> [UInt8] {
        page(view: "schedule", title: title, payload: [("schedule", schedule(graph, latencies: latencies))])
    }

    /// Writes a page atomically (a temporary file renamed over `path`); with `createFolders`
    /// the missing parent folders are made first (as TALON's `export_html` does).
    public static func write(_ page: [UInt8], to path: String, createFolders: Bool = false) throws {
        guard !path.isEmpty else { throw CelestaError(.invalidArgument, "argument 'path' is empty") }
        if createFolders {
            let parent = URL(filePath: path).deletingLastPathComponent()
            do {
                try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
            } catch {
                throw CelestaError(.io, "cannot create the folder of '\(path)': \(AtomicFile.reason(error))")
            }
        }
        try AtomicFile.write(Data(page), to: path)
    }

    static func page(view: String, title: String, payload: [(String, VizJSON)]) -> [UInt8] {
        let data = VizJSON.object([("view", .string(view)), ("title", .string(title))] + payload)
        var out: [UInt8] = []
        let json = data.bytes(safeForScript: true)
        out.reserveCapacity(VizTemplate.head.count + VizTemplate.tail.count + json.count + title.utf8.count + 16)
        out.append(contentsOf: VizTemplate.head)
        out.append(contentsOf: escapeHTML(title).utf8)
        out.append(contentsOf: VizTemplate.middle)
        out.append(contentsOf: json)
        out.append(contentsOf: VizTemplate.tail)
        return out
    }

    static func escapeHTML(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#x27;"
            default: out.append(c)
            }
        }
        return out
    }

    // MARK: Partitions

    /// Every node's core: `given` (or else the `assignments` of the graph's
    /// `partition_metadata`), then the `core_id` of nodes still without one.
    public static func coreAssignments(_ graph: IRGraph, given: [(String, Int)]? = nil) -> [(String, Int)] {
        var out: [(String, Int)] = []
        var seen = Set<String>()
        func add(_ name: String, _ core: Int) {
            if seen.insert(name).inserted { out.append((name, core)) } else if let i = out.firstIndex(where: { $0.0 == name }) { out[i].1 = core }
        }
        if let given {
            for (n, c) in given { add(n, c) }
        } else if case .dict(let meta)? = graph.settings["partition_metadata"], case .dict(let a)? = meta["assignments"] {
            for e in a.entries { if let c = e.value.int { add(e.key, c) } }
        }
        for n in graph.nodes where !seen.contains(n.name) {
            if let c = n["core_id"]?.int { add(n.name, c) }
        }
        return out
    }

    /// The partitioned view's data: `graph_to_dict` with nodes filled by kind of primitive and
    /// outlined in their core's colour (`borderColor`, `borderStyle`, `borderWidth`,
    /// `hardware.core_id`), cross-core edges marked (`style: dashed`, `cross_core: true`), and
    /// `metadata.partition` / `core_legend` / `type_legend`, as TALON's `visualize_partitioned`.
    public static func partitionedDict(_ graph: IRGraph, assignments given: [(String, Int)]? = nil, embedArrays: Bool = false) throws -> VizJSON {
        let assignments = coreAssignments(graph, given: given)
        var core: [String: Int] = [:]
        for (n, c) in assignments { core[n] = c }
        let unassigned = graph.nodes.filter { !$0.isA("Input") && !$0.isA("Output") && core[$0.name] == nil }.map(\.name)
        if assignments.isEmpty && !unassigned.isEmpty {
            throw CelestaError(.invalidArgument, "the graph is not partitioned: no node has a core (partition it first, or pass the node-to-core assignments)")
        }
        if !unassigned.isEmpty {
            throw CelestaError(
                .invalidArgument,
                "\(unassigned.count) primitive(s) could not be assigned to a core: \(unassigned.prefix(5).joined(separator: ", "))"
                    + (unassigned.count > 5 ? " ..." : "")
                    + ". Check that the model fits within hardware constraints (max_neurons_per_core, sram_bytes_per_core).")
        }
        let base = VizGraphDict.make(graph, embedArrays: embedArrays)
        let nodes: [VizJSON] = base["nodes"]!.items.map { n in
            guard let id = n["id"]?.stringValue, let type = n["type"]?.stringValue else { return n }
            var d = n.setting("color", .string(VizStyle.kindColor(type)))
            if let c = core[id] {
                d = d.setting("borderColor", .string(VizStyle.coreColor(c))).setting("borderStyle", .string("dashed")).setting("borderWidth", .int(3))
                d = d.setting("hardware", (d["hardware"] ?? .object([])).setting("core_id", .int(c)))
            }
            return d
        }
        var cross = 0
        let edges: [VizJSON] = graph.edges.map { e in
            var d = VizJSON.object([("source", .string(e.source)), ("target", .string(e.target))])
            if let a = core[e.source], let b = core[e.target], a != b {
                d = d.setting("style", .string("dashed")).setting("cross_core", .bool(true))
                cross += 1
            }
            return d
        }
        var counts: [Int: Int] = [:]
        for (_, c) in assignments { counts[c, default: 0] += 1 }
        var metadata = base["metadata"] ?? .object([])
        var used = counts.count
        var algorithm = "assignments"
        if case .dict(let meta)? = graph.settings["partition_metadata"], given == nil {
            used = meta["num_cores_used"]?.int ?? 0
            algorithm = meta["algorithm"]?.string ?? "unknown"
        }
        metadata = metadata.setting("partition", .object([("num_cores_used", .int(used)), ("algorithm", .string(algorithm)), ("cross_core_edges", .int(cross))]))
        metadata = metadata.setting("core_legend", .array(counts.keys.sorted().map { c in
            .object([("core_id", .int(c)), ("color", .string(VizStyle.coreColor(c))), ("node_count", .int(counts[c]!)), ("label", .string("Core \(c)"))])
        }))
        var types: [String] = []
        for n in graph.nodes where !types.contains(n.type) { types.append(n.type) }
        metadata = metadata.setting("type_legend", .array(types.sorted().map { .object([("type", .string($0)), ("color", .string(VizStyle.kindColor($0)))]) }))
        return base.setting("nodes", .array(nodes)).setting("edges", .array(edges)).setting("metadata", metadata)
    }

    // MARK: Schedule

    /// The per-core timeline. The order of work on each core comes from the graph's
    /// `execution_schedule` (one list per core of stages, each a list of node names), else from
    /// its partition (`partition_metadata` assignments, else the nodes' `core_id`), else every
    /// node runs on core 0 in topological order. Each node lasts its latency from `latencies`
    /// (microseconds, e.g. a profile's `per_node_latency`) or one step without them, and starts
    /// when the previous node of its core and every node feeding it have finished (edges that
    /// close a cycle are not waited for). The result: `source`, `unit`, `makespan`, `busy`,
    /// `stage`, `note`, `lanes` (per core: `core`, `label`, `color`, `busy`, `idle_percent`,
    /// `items` with `id`, `type`, `color`, `precision`, `stage`, `start`, `duration`) and
    /// `dependencies` (the edges between cores).
    public static func schedule(_ graph: IRGraph, latencies: [String: Double]? = nil) -> VizJSON {
        var lanes: [(core: Int, stages: [[String]])] = []
        var source = "execution_schedule"
        var note = ""
        var perCore: [IRValue]? = nil
        switch graph.settings["execution_schedule"] {
        case .list(let l)?, .tuple(let l)?: perCore = l
        default: break
        }
        if let perCore {
            lanes = perCore.enumerated().map { (i, v) in (i, stages(v)) }
        } else {
            let assignments = coreAssignments(graph)
            if !assignments.isEmpty {
                source = graph.settings["partition_metadata"] != nil ? "partition" : "core_id"
                var byCore: [Int: [String]] = [:]
                for (n, c) in assignments { byCore[c, default: []].append(n) }
                lanes = byCore.keys.sorted().map { ($0, [byCore[$0]!]) }
            } else {
                source = "topological order"
                note = "The graph is not partitioned: every node runs on core 0, in topological order."
                lanes = [(0, [graph.topologicalOrder ?? graph.nodeNames])]
            }
        }
        // Items, with their lane and position.
        struct Item { var id: String; var lane: Int; var stage: Int; var duration: Double; var start = 0.0 }
        var items: [Item] = []
        var laneItems: [[Int]] = lanes.map { _ in [] }
        var indexOf: [String: Int] = [:]
        for (li, lane) in lanes.enumerated() {
            for (si, stage) in lane.stages.enumerated() {
                for id in stage where indexOf[id] == nil {
                    indexOf[id] = items.count
                    laneItems[li].append(items.count)
                    items.append(Item(id: id, lane: li, stage: si, duration: latencies.map { max(0, $0[id] ?? 0) } ?? 1))
                }
            }
        }
        // Waits: the previous item of the lane and the sources of the node's edges.
        var waits: [[Int]] = items.map { _ in [] }
        for l in laneItems { for k in l.indices.dropFirst() { waits[l[k]].append(l[k - 1]) } }
        var dependencies: [VizJSON] = []
        var seenDependency = Set<String>()
        for e in graph.edges where e.source != e.target {
            guard let a = indexOf[e.source], let b = indexOf[e.target] else { continue }
            waits[b].append(a)
            if items[a].lane != items[b].lane, seenDependency.insert(e.source + "\u{0}" + e.target).inserted {
                dependencies.append(.object([("source", .string(e.source)), ("target", .string(e.target))]))
            }
        }
        // Kahn's order over the waits; when only cycles remain, the earliest waiting item of a
        // lane whose previous item is done starts without its unfinished sources.
        var done = [Bool](repeating: false, count: items.count)
        var finish = [Double](repeating: 0, count: items.count)
        var remaining = items.count
        var cursor = laneItems.map { _ in 0 }
        while remaining > 0 {
            var progressed = false
            for li in laneItems.indices where cursor[li] < laneItems[li].count {
                while cursor[li] < laneItems[li].count {
                    let i = laneItems[li][cursor[li]]
                    guard waits[i].allSatisfy({ done[$0] }) else { break }
                    items[i].start = waits[i].map { finish[$0] }.max() ?? 0
                    finish[i] = items[i].start + items[i].duration
                    done[i] = true
                    cursor[li] += 1
                    remaining -= 1
                    progressed = true
                }
            }
            if !progressed {
                // A cycle: start the first blocked item (lowest index) with what is finished.
                guard let li = laneItems.indices.filter({ cursor[$0] < laneItems[$0].count }).min(by: { laneItems[$0][cursor[$0]] < laneItems[$1][cursor[$1]] }) else { break }
                let i = laneItems[li][cursor[li]]
                items[i].start = waits[i].filter { done[$0] }.map { finish[$0] }.max() ?? 0
                finish[i] = items[i].start + items[i].duration
                done[i] = true
                cursor[li] += 1
                remaining -= 1
            }
        }
        let makespan = finish.max() ?? 0
        var totalBusy = 0.0
        let laneJSON: [VizJSON] = lanes.enumerated().map { (li, lane) in
            let busy = laneItems[li].reduce(0.0) { $0 + items[$1].duration }
            totalBusy += busy
            let idle = makespan > 0 ? (1 - busy / makespan) * 100 : 0
            let entries: [VizJSON] = laneItems[li].map { i in
                let it = items[i]
                let node = graph.node(it.id)
                let type = node?.type ?? "?"
                return .object([
                    ("id", .string(it.id)), ("type", .string(type)), ("color", .string(VizStyle.kindColor(type))),
                    ("precision", node?["precision"]?.string.map(VizJSON.string) ?? .null), ("stage", .int(it.stage)),
                    ("start", .double(it.start)), ("duration", .double(it.duration)),
                ])
            }
            return .object([
                ("core", .int(lane.core)), ("label", .string("Core \(lane.core)")), ("color", .string(VizStyle.coreColor(lane.core))),
                ("busy", .double(busy)), ("idle_percent", .double((idle * 10).rounded() / 10)), ("items", .array(entries)),
            ])
        }
        return .object([
            ("source", .string(source)), ("unit", .string(latencies == nil ? "steps" : "us")), ("makespan", .double(makespan)),
            ("busy", .double(totalBusy)), ("stage", .string(graph.stage)), ("note", .string(note)),
            ("lanes", .array(laneJSON)), ("dependencies", .array(dependencies)),
        ])
    }

    /// One core's entry of an `execution_schedule`: a list of stages (lists of names) or of
    /// names (one stage each).
    private static func stages(_ v: IRValue) -> [[String]] {
        switch v {
        case .list(let items), .tuple(let items):
            return items.map { item in
                switch item {
                case .string(let s): return [s]
                case .list(let names), .tuple(let names): return names.compactMap(\.string)
                default: return []
                }
            }
        case .string(let s): return [[s]]
        default: return []
        }
    }
}

extension VizPages {
    /// Node-to-core assignments from JSON text `{"node": core, ...}` (what the C ABI, the CLI
    /// and Python hand over); the error names `name`.
    public static func assignments(json: [UInt8], name: String) throws -> [(String, Int)] {
        guard case .object(let members, let order) = try JSONParser.parse(json, name: name, integers: true) else {
            throw CelestaError(.invalidArgument, "'\(name)' must be a JSON object mapping node names to core ids")
        }
        return try order.map { key in
            guard case .integer(let c)? = members[key], c >= 0 else {
                throw CelestaError(.invalidArgument, "'\(name)': the core of node '\(key)' must be a non-negative integer")
            }
            return (key, c)
        }
    }

    /// Per-node latencies in microseconds from JSON text `{"node": us, ...}`.
    public static func latencies(json: [UInt8], name: String) throws -> [String: Double] {
        guard case .object(let members, let order) = try JSONParser.parse(json, name: name, integers: true) else {
            throw CelestaError(.invalidArgument, "'\(name)' must be a JSON object mapping node names to latencies")
        }
        var out: [String: Double] = [:]
        for key in order {
            let v: Double
            switch members[key] {
            case .integer(let i)?: v = Double(i)
            case .number(let d)?: v = d
            default: throw CelestaError(.invalidArgument, "'\(name)': the latency of node '\(key)' must be a number")
            }
            guard v.isFinite, v >= 0 else { throw CelestaError(.invalidArgument, "'\(name)': the latency of node '\(key)' is \(v); it must be finite and >= 0") }
            out[key] = v
        }
        return out
    }
}
