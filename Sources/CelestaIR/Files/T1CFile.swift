/// TALON's `.t1c` files (HDF5; reference README §5): root dataset `version` ("0.0.1") and group
/// `graph` holding `type` = "Graph", `nodes/<name>/` (a `type` string and one dataset per field;
/// Input/Output store their port shape as `shape`), `edges/{src,dst}` and the optional graph
/// settings. No compression, no attributes in TALON's own files.
///
/// What TALON loses on a round trip (§21.1) Celesta writes into attributes, which TALON does not
/// read: the port shapes of every node, the node order, fields TALON's constructors would
/// refuse (a NIR `v_reset`, say) and which values were tuples. Reading in `.celesta` mode uses
/// them when present; `.talon` mode ignores them and reproduces TALON exactly (alphabetical
/// node order, port shapes re-derived from the parameters), and writes TALON's bytes only.
public enum T1CFile {
    /// The format version TALON 0.0.x writes and reads.
    public static let version = "0.0.1"

    // MARK: Writing

    public static func write(_ graph: IRGraph, to path: String, mode: IRMode = .celesta) throws {
        try HDF5File.write(try tree(graph, mode: mode), to: path)
    }

    /// The HDF5 tree of the file.
    public static func tree(_ graph: IRGraph, mode: IRMode = .celesta) throws -> HDF5Group {
        let celesta = mode == .celesta
        var nodes = HDF5Group()
        nodes.children.reserveCapacity(graph.nodes.count)
        for n in graph.nodes {
            nodes.children.append((name: n.name, node: .group(try nodeGroup(n, celesta: celesta))))
        }
        var g = HDF5Group()
        g.children.append((name: "type", node: .dataset(HDF5Dataset(.string("Graph")))))
        g.children.append((name: "nodes", node: .group(nodes)))
        g.children.append((name: "edges", node: .group(edgeGroup(graph.edges.map { ($0.source, $0.target) }))))
        if !graph.metadata.isEmpty {
            g.children.append((name: "metadata", node: .group(try valueGroup(graph.metadata, "/graph/metadata", celesta: celesta))))
        }
        if graph.allowCycles { g.children.append((name: "allow_cycles", node: .dataset(HDF5Dataset(.bool(true))))) }
        for key in IRGraph.settingKeys {
            guard let v = graph.settings[key], v.isTruthy, let node = try settingNode(v, "/graph/\(key)", celesta: celesta) else { continue }
            g.children.append((name: key, node: node))
        }
        if celesta {
            g.attributes.append((name: CelestaAttributes.nodeOrder, value: CelestaAttributes.order(graph.nodeNames)))
        }
        var root = HDF5Group()
        root.children.append((name: "version", node: .dataset(HDF5Dataset(.string(version)))))
        root.children.append((name: "graph", node: .group(g)))
        if celesta { root.attributes.append((name: CelestaAttributes.writer, value: .string("celesta \(CelestaVersion.string)"))) }
        return root
    }

    static func edgeGroup(_ pairs: [(String, String)]) -> HDF5Group {
        HDF5Group(children: [
            (name: "dst", node: .dataset(HDF5Dataset(.strings(pairs.map(\.1))))),
            (name: "src", node: .dataset(HDF5Dataset(.strings(pairs.map(\.0))))),
        ])
    }

    static func nodeGroup(_ n: IRNode, celesta: Bool) throws -> HDF5Group {
        let path = "/graph/nodes/\(n.name)"
        var g = HDF5Group()
        g.children.append((name: "type", node: .dataset(HDF5Dataset(.string(n.type)))))
        if n.isA("Input"), let s = n.inputType?.first {
            g.children.append((name: "shape", node: .dataset(HDF5Dataset(.numbers(try Tensor(int64: s))))))
        } else if n.isA("Output"), let s = n.outputType?.first {
            g.children.append((name: "shape", node: .dataset(HDF5Dataset(.numbers(try Tensor(int64: s))))))
        }
        let d = n.descriptor
        var extra = IRDict()
        for e in n.fields.entries {
            let known = d?.field(e.key)?.dialects.contains(.talon) ?? true
            if !known {
                extra[e.key] = e.value
                continue
            }
            if case .dict(let dict) = e.value, dict.isEmpty { continue }
            if d?.field(e.key)?.omits(e.value) ?? false { continue }
            guard var node = try IRFileValues.dataset(e.value, storage: .contiguous, path: "\(path)/\(e.key)") else { continue }
            if celesta { node = marked(node, e.value) }
            g.children.append((name: e.key, node: node))
        }
        if celesta {
            g.attributes.append((name: CelestaAttributes.ports, value: .string(CelestaAttributes.portsText(n))))
            if !extra.isEmpty {
                g.attributes.append((name: CelestaAttributes.extraFields, value: .string(IRJSON.encode(.dict(extra)))))
            }
        }
        return g
    }

    /// A dataset written from a tuple or list carries its kind, so Celesta reads it back as one.
    static func marked(_ node: HDF5Node, _ value: IRValue) -> HDF5Node {
        guard case .dataset(var ds) = node else { return node }
        switch value {
        case .tuple: ds.attributes.append((name: CelestaAttributes.kind, value: .string("tuple")))
        case .list: ds.attributes.append((name: CelestaAttributes.kind, value: .string("list")))
        default: return node
        }
        return .dataset(ds)
    }

    /// A settings value: a list of [src, dst] pairs becomes an edge group, dicts recurse.
    static func settingNode(_ v: IRValue, _ path: String, celesta: Bool) throws -> HDF5Node? {
        if let pairs = edgePairs(v) { return .group(edgeGroup(pairs)) }
        if case .dict(let d) = v { return .group(try valueGroup(d, path, celesta: celesta)) }
        guard let node = try IRFileValues.dataset(v, storage: .contiguous, path: path) else { return nil }
        return celesta ? marked(node, v) : node
    }

    static func valueGroup(_ d: IRDict, _ path: String, celesta: Bool) throws -> HDF5Group {
        var g = HDF5Group()
        for e in d.entries {
            if let node = try settingNode(e.value, "\(path)/\(e.key)", celesta: celesta) { g.children.append((name: e.key, node: node)) }
        }
        return g
    }

    static func edgePairs(_ v: IRValue) -> [(String, String)]? {
        guard case .list(let items) = v, !items.isEmpty else { return nil }
        var out: [(String, String)] = []
        for item in items {
            switch item {
            case .list(let p), .tuple(let p):
                guard p.count == 2, let s = p[0].string, let t = p[1].string else { return nil }
                out.append((s, t))
            default: return nil
            }
        }
        return out
    }

    // MARK: Reading

    /// The `version` string of a `.t1c` file.
    public static func readVersion(path: String) throws -> String {
        let root = try HDF5File.read(path: path)
        guard let v = root.dataset("version")?.value.stringValue else {
            throw CelestaError(.parse, "'\(path)' is not a .t1c file: no 'version' string")
        }
        return v
    }

    public static func read(path: String, mode: IRMode = .celesta) throws -> IRGraph {
        try graph(HDF5File.read(path: path), name: path, mode: mode)
    }

    /// The graph of the `.t1c` file whose bytes are `bytes` (as `read(path:)`; `name` names it
    /// in messages).
    public static func read(bytes: [UInt8], name: String, mode: IRMode = .celesta) throws -> IRGraph {
        try graph(HDF5File.read(bytes: bytes, name: name), name: name, mode: mode)
    }

    private static func graph(_ root: HDF5Group, name: String, mode: IRMode) throws -> IRGraph {
        do {
            return try graph(root, mode: mode)
        } catch let e as CelestaError {
            throw CelestaError(e.code == .io ? .io : .parse, "'\(name)': \(e.message)")
        }
    }

    static func fail(_ why: String) -> CelestaError { CelestaError(.parse, why) }

    /// The graph of a file's tree.
    public static func graph(_ root: HDF5Group, mode: IRMode) throws -> IRGraph {
        guard root.dataset("version")?.value.stringValue != nil else { throw fail("not a .t1c file: no 'version' string dataset") }
        guard let g = root.group("graph") else { throw fail("not a .t1c file: no group 'graph'") }
        if let t = g.dataset("type") {
            guard t.value.stringValue == "Graph" else { throw fail("'/graph/type' is not \"Graph\"") }
        }
        let celesta = mode == .celesta
        guard let nodesGroup = g.group("nodes") else { throw fail("no group '/graph/nodes'") }
        var nodes: [IRNode] = []
        nodes.reserveCapacity(nodesGroup.children.count)
        var ports = PortsCache()
        for c in nodesGroup.children {
            guard case .group(let ng) = c.node else { throw fail("'/graph/nodes/\(c.name)' is not a group") }
            nodes.append(try node(c.name, ng, celesta: celesta, mode: mode, ports: &ports))
        }
        let edgeList = try g.group("edges").map { try edges($0, "/graph/edges") } ?? []
        // A file TALON wrote stores neither the node order nor the port shapes (README,
        // "Differences from TALON"): Celesta's mode restores both from the edges.
        let talonWritten = celesta && g.attribute(CelestaAttributes.nodeOrder) == nil
            && !nodesGroup.children.contains { if case .group(let ng) = $0.node { return ng.attribute(CelestaAttributes.ports) != nil }; return false }
        if celesta { nodes = talonWritten ? inEdgeOrder(nodes, edgeList) : CelestaAttributes.ordered(nodes, by: g) }
        var graph = try IRGraph(nodes: nodes)
        for (s, t) in edgeList { graph.connect(s, t) }
        if talonWritten { propagatePorts(&graph) }
        for c in g.children {
            switch c.name {
            case "type", "nodes", "edges": continue
            case "metadata":
                guard case .group(let m) = c.node else { throw fail("'/graph/metadata' is not a group") }
                graph.metadata = try settingsDict(m, "/graph/metadata", celesta: celesta)
            case "allow_cycles":
                guard case .dataset(let ds) = c.node, let b = try IRFileValues.value(ds.value).bool else {
                    throw fail("'/graph/allow_cycles' is not a bool")
                }
                graph.allowCycles = b
            default:
                graph.settings[c.name] = try settingValue(c.node, "/graph/\(c.name)", celesta: celesta)
            }
        }
        return graph
    }

    /// The nodes in the order the edges first name them (the order a sequential model was built
    /// in); nodes no edge names follow in file order.
    static func inEdgeOrder(_ nodes: [IRNode], _ edges: [(String, String)]) -> [IRNode] {
        var rank: [String: Int] = [:]
        for (s, t) in edges {
            if rank[s] == nil { rank[s] = rank.count }
            if rank[t] == nil { rank[t] = rank.count }
        }
        return nodes.enumerated().sorted { a, b in
            let ra = rank[a.element.name] ?? rank.count + a.offset, rb = rank[b.element.name] ?? rank.count + b.offset
            return ra < rb
        }.map(\.element)
    }

    /// Port shapes of a file that stores none: walking the graph in topological order, a node
    /// with one predecessor takes that predecessor's output shape as its input and derives its
    /// output from it (so a Conv2d gets `[C, H, W]` and pooling and Flatten get shapes again).
    /// A node whose parameters disagree with that shape keeps the shapes it derived alone.
    static func propagatePorts(_ g: inout IRGraph) {
        guard let order = g.topologicalOrder else { return }
        for name in order {
            guard let n = g.node(name), !n.isA("Input") else { continue }
            let preds = g.predecessors(name)
            guard preds.count == 1, let shape = g.node(preds[0])?.outputType?.first, !shape.isEmpty else { continue }
            if let rebuilt = try? IRNode.make(name: n.name, type: n.type, fields: n.fields, inputType: PortShapes("input", shape),
                                               outputType: n.isA("Output") ? n.outputType : nil, mode: .celesta) {
                try? g.replace(rebuilt)
            }
        }
    }

    /// TALON writes numpy scalars as strings (a graph it read, written again, stores
    /// `num_features` as "16", `ceil_mode` as "False"); a number or bool field holding such text
    /// reads as the value it spells. Other text is left for the field's check to refuse.
    /// TALON's reader also turns the integer arrays of pair-like fields (`stride`, `padding`,
    /// `kernel_size`, ... of Conv2d and the pools) back into tuples: a 1-D integer dataset of an
    /// `.ints` field reads as a tuple.
    static func numberFromText(_ v: IRValue, _ kind: FieldSpec.Kind) -> IRValue {
        if kind == .ints, case .tensor(let t) = v, t.ndim == 1, !t.dtype.isFloat, let ints = t.ints {
            return .tuple(ints.map(IRValue.int))
        }
        guard case .string(let text) = v else { return v }
        switch kind {
        case .int: return Int(text).map(IRValue.int) ?? v
        case .float: return Double(text).map(IRValue.float) ?? v
        case .number: return Int(text).map(IRValue.int) ?? Double(text).map(IRValue.float) ?? v
        case .bool: return text == "True" ? .bool(true) : text == "False" ? .bool(false) : v
        default: return v
        }
    }

    static func edges(_ g: HDF5Group, _ path: String) throws -> [(String, String)] {
        func names(_ n: String) throws -> [String] {
            guard let ds = g.dataset(n) else { throw fail("'\(path)/\(n)' is missing") }
            switch ds.value {
            case .strings(let shape, let values) where shape.count == 1: return values
            case .numbers(let t) where t.count == 0: return []
            default: throw fail("'\(path)/\(n)' is not a 1-D string array")
            }
        }
        let src = try names("src"), dst = try names("dst")
        guard src.count == dst.count else { throw fail("'\(path)': src has \(src.count) names but dst has \(dst.count)") }
        return Array(zip(src, dst))
    }

    static func settingValue(_ node: HDF5Node, _ path: String, celesta: Bool) throws -> IRValue {
        switch node {
        case .group(let sub):
            if sub.dataset("src") != nil, sub.dataset("dst") != nil {
                return .list(try edges(sub, path).map { .list([.string($0.0), .string($0.1)]) })
            }
            return .dict(try settingsDict(sub, path, celesta: celesta))
        case .dataset(let ds):
            let v = try IRFileValues.value(ds.value)
            return celesta ? IRFileValues.restoringKind(v, ds) : v
        }
    }

    static func settingsDict(_ g: HDF5Group, _ path: String, celesta: Bool) throws -> IRDict {
        var d = IRDict()
        for c in g.children { d[c.name] = try settingValue(c.node, "\(path)/\(c.name)", celesta: celesta) }
        return d
    }

    /// Port attributes already parsed in this file: nodes of one kind and size share the text.
    typealias PortsCache = [String: (PortShapes?, PortShapes?)]

    static func node(_ name: String, _ g: HDF5Group, celesta: Bool, mode: IRMode, ports: inout PortsCache) throws -> IRNode {
        let path = "/graph/nodes/\(name)"
        guard let type = g.dataset("type")?.value.stringValue else { throw fail("'\(path)/type' is missing or not a string") }
        guard let d = PrimitiveRegistry.shared.descriptor(type) else { throw fail("'\(path)': unknown primitive '\(type)'") }
        var fields = IRDict()
        var shape: [Int]? = nil
        for c in g.children where c.name != "type" {
            let p = "\(path)/\(c.name)"
            if c.name == "shape", type == "Input" || type == "Output" || d.base == "Input" || d.base == "Output" {
                guard case .dataset(let ds) = c.node, case .numbers(let t) = ds.value, t.ndim == 1, let dims = t.ints, dims.allSatisfy({ $0 >= 0 }) else {
                    throw fail("'\(p)' is not a 1-D array of dimensions")
                }
                shape = dims
                continue
            }
            guard let spec = d.field(c.name) else { throw fail("'\(p)': \(type) has no field '\(c.name)'") }
            fields[c.name] = numberFromText(try settingValue(c.node, p, celesta: celesta), spec.kind)
        }
        var input: PortShapes? = nil, output: PortShapes? = nil
        if let shape {
            if type == "Output" { output = PortShapes("output", shape) } else { input = PortShapes("input", shape) }
        }
        if celesta {
            if let text = g.attribute(CelestaAttributes.ports)?.stringValue {
                let (i, o) = try ports[text] ?? CelestaAttributes.ports(text)
                ports[text] = (i, o)
                input = i ?? input
                output = o ?? output
            }
            if let text = g.attribute(CelestaAttributes.extraFields)?.stringValue,
                case .dict(let extra) = try IRJSON.decodeValue(Array(text.utf8), name: "\(path) attribute \(CelestaAttributes.extraFields)") {
                for e in extra.entries { fields[e.key] = e.value }
            }
        }
        do {
            return try IRNode.make(name: name, type: type, fields: fields, inputType: input, outputType: output, mode: mode)
        } catch let e as CelestaError {
            throw fail("'\(path)': \(e.message)")
        }
    }
}
