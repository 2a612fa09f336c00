/// NIR files (`nir` 1.0.8's HDF5 layout; reference `nir/README.md`): root dataset `version` and
/// group `node`, the top-level `NIRGraph`. A node group holds `type` and one dataset per field
/// (Input/Output: `shape`; Flatten: its `input_type`); a graph node holds `nodes/<name>/`,
/// `edges` ((E, 2) strings, or an empty float64 (0,) dataset) and an optional `metadata` group.
/// Arrays are gzip-compressed by default, as `nir.write` does.
///
/// Reading gives the graph `nir.read` builds, with port shapes inferred as NIR's type check does
/// (undefined ones copied from the predecessor). Fields NIR does not know (TALON's hardware
/// metadata, an AvgPool2d `ceil_mode`) are written as a Celesta attribute, which `nir` ignores.
public enum NIRFile {
    /// The `nir` package version whose layout is written.
    public static let version = "1.0.8"

    // MARK: Writing

    public static func write(_ graph: IRGraph, to path: String, compress: Bool = true) throws {
        var root = HDF5Group()
        root.children.append((name: "version", node: .dataset(HDF5Dataset(.string(version)))))
        root.children.append((name: "node", node: .group(try graphGroup(graph, "/node", storage: compress ? .gzip : .contiguous))))
        root.attributes.append((name: CelestaAttributes.writer, value: .string("celesta \(CelestaVersion.string)")))
        try HDF5File.write(root, to: path)
    }

    static func graphGroup(_ graph: IRGraph, _ path: String, storage: HDF5Storage) throws -> HDF5Group {
        var nodes = HDF5Group()
        for n in graph.nodes { nodes.children.append((name: n.name, node: .group(try nodeGroup(n, "\(path)/nodes/\(n.name)", storage: storage)))) }
        var g = HDF5Group()
        g.children.append((name: "type", node: .dataset(HDF5Dataset(.string("NIRGraph")))))
        g.children.append((name: "nodes", node: .group(nodes)))
        if graph.edges.isEmpty {
            g.children.append((name: "edges", node: .dataset(HDF5Dataset(.numbers(try Tensor([Double](), shape: [0]))))))
        } else {
            let flat = graph.edges.flatMap { [$0.source, $0.target] }
            g.children.append((name: "edges", node: .dataset(HDF5Dataset(.strings(shape: [graph.edges.count, 2], values: flat)))))
        }
        if !graph.metadata.isEmpty {
            g.children.append((name: "metadata", node: .group(try IRFileValues.group(graph.metadata, storage: storage, path: "\(path)/metadata"))))
        }
        g.attributes.append((name: CelestaAttributes.nodeOrder, value: CelestaAttributes.order(graph.nodeNames)))
        if graph.allowCycles { g.attributes.append((name: CelestaAttributes.allowCycles, value: .string("true"))) }
        return g
    }

    static func nodeGroup(_ n: IRNode, _ path: String, storage: HDF5Storage) throws -> HDF5Group {
        if let sub = n.subgraph {
            var g = try graphGroup(sub, path, storage: storage)
            if case .dict(let m)? = n.fields["metadata"], !m.isEmpty, g.group("metadata") == nil {
                g.children.append((name: "metadata", node: .group(try IRFileValues.group(m, storage: storage, path: "\(path)/metadata"))))
            }
            return g
        }
        guard let d = n.descriptor, d.dialects.contains(.nir) else {
            throw CelestaError(.unsupported, "node '\(n.name)' is a \(n.type), which NIR 1.0.8 has no node type for")
        }
        var g = HDF5Group()
        func add(_ name: String, _ value: HDF5Value, _ s: HDF5Storage = .contiguous) {
            g.children.append((name: name, node: .dataset(HDF5Dataset(value, storage: s))))
        }
        add("type", .string(n.type))
        if n.isA("Input"), let s = n.inputType?.first { add("shape", .numbers(try Tensor(int64: s))) }
        if n.isA("Output"), let s = n.outputType?.first { add("shape", .numbers(try Tensor(int64: s))) }
        if n.type == "Flatten", let s = n.inputType?.first { add("input_type", .numbers(try Tensor(int64: s))) }
        var extra = IRDict()
        var defaulted: [String] = []
        for spec in d.fields {
            var value = n.fields[spec.name]
            guard spec.dialects.contains(.nir) else {
                if let value { extra[spec.name] = value }
                continue
            }
            // Values NIR requires that the IR leaves optional (named in an attribute, so that
            // Celesta reads the node back as it was).
            if value == nil, let filled = try nirDefault(n, spec.name) {
                value = filled
                defaulted.append(spec.name)
            }
            guard var v = value else { continue }
            if spec.name == "metadata" {
                guard case .dict(let m) = v, !m.isEmpty else { continue }
                g.children.append((name: "metadata", node: .group(try IRFileValues.group(m, storage: storage, path: "\(path)/metadata"))))
                continue
            }
            // nir widens Conv2d/pooling ints to pairs; tuples become int64 arrays.
            if ["stride", "padding", "dilation", "kernel_size", "input_shape"].contains(spec.name), n.type != "Conv1d",
                let pair = ShapeRules.widened(v, 2) {
                v = .tensor(try Tensor(int64: pair))
            }
            guard let node = try IRFileValues.dataset(v, storage: storage, path: "\(path)/\(spec.name)") else { continue }
            g.children.append((name: spec.name, node: node))
        }
        if !extra.isEmpty { g.attributes.append((name: CelestaAttributes.extraFields, value: .string(IRJSON.encode(.dict(extra))))) }
        if !defaulted.isEmpty { g.attributes.append((name: CelestaAttributes.defaulted, value: .strings(defaulted))) }
        g.attributes.append((name: CelestaAttributes.ports, value: .string(CelestaAttributes.portsText(n))))
        return g
    }

    /// What NIR needs where the IR's field is optional: zero resets, ones for IF's `r`, zero
    /// biases for convolutions, a pooling stride equal to its kernel.
    static func nirDefault(_ n: IRNode, _ field: String) throws -> IRValue? {
        func like(_ ref: String, _ value: Double) throws -> IRValue? {
            guard let t = n.tensor(ref) else { return nil }
            return .tensor(try Tensor.filled(value, dtype: t.dtype.isFloat ? t.dtype : .float32, shape: t.shape))
        }
        switch (n.type, field) {
        case ("LIF", "v_reset"), ("IF", "v_reset"): return try like("v_threshold", 0)
        case ("IF", "r"): return try like("v_threshold", 1)
        case ("Conv1d", "bias"), ("Conv2d", "bias"):
            guard let w = n.tensor("weight") else { return nil }
            return .tensor(try Tensor.filled(0, dtype: w.dtype, shape: [w.shape[0]]))
        case ("AvgPool2d", "stride"): return n.fields["kernel_size"]
        default: return nil
        }
    }

    // MARK: Reading

    public static func read(path: String) throws -> IRGraph {
        try graph(HDF5File.read(path: path), name: path)
    }

    /// The graph of the NIR file whose bytes are `bytes` (as `read(path:)`; `name` names it in
    /// messages).
    public static func read(bytes: [UInt8], name: String) throws -> IRGraph {
        try graph(HDF5File.read(bytes: bytes, name: name), name: name)
    }

    private static func graph(_ root: HDF5Group, name path: String) throws -> IRGraph {
        do {
            guard root.dataset("version")?.value.stringValue != nil else { throw fail("not a NIR file: no 'version' string dataset") }
            guard let top = root.group("node") else { throw fail("not a NIR file: no group 'node'") }
            var g = try graph(top, "/node", depth: 0)
            try inferTypes(&g)
            return g
        } catch let e as CelestaError {
            throw CelestaError(.parse, "'\(path)': \(e.message)")
        }
    }

    static func fail(_ why: String) -> CelestaError { CelestaError(.parse, why) }

    /// The deepest nesting of NIRGraph nodes read.
    public static let maxNesting = 16

    static func graph(_ g: HDF5Group, _ path: String, depth: Int) throws -> IRGraph {
        guard depth < maxNesting else { throw fail("'\(path)': graphs nested deeper than \(maxNesting)") }
        guard g.dataset("type")?.value.stringValue == "NIRGraph" else { throw fail("'\(path)/type' is not \"NIRGraph\"") }
        guard let nodesGroup = g.group("nodes") else { throw fail("'\(path)/nodes' is missing") }
        var nodes: [IRNode] = []
        for c in nodesGroup.children {
            guard case .group(let ng) = c.node else { throw fail("'\(path)/nodes/\(c.name)' is not a group") }
            nodes.append(try node(c.name, ng, "\(path)/nodes/\(c.name)", depth: depth))
        }
        var graph = try IRGraph(nodes: CelestaAttributes.ordered(nodes, by: g))
        guard let e = g.dataset("edges") else { throw fail("'\(path)/edges' is missing") }
        switch e.value {
        case .strings(let shape, let values) where shape.count == 2 && shape[1] == 2:
            for i in 0..<shape[0] { graph.connect(values[2 * i], values[2 * i + 1]) }
        case .strings(let shape, _) where shape == [0]: break
        case .numbers(let t) where t.count == 0: break
        default: throw fail("'\(path)/edges' is not an (E, 2) array of names")
        }
        for edge in graph.edges {
            guard graph.contains(edge.source), graph.contains(edge.target) else {
                throw fail("'\(path)/edges': edge \(edge.source) -> \(edge.target) names a missing node")
            }
        }
        if let m = g.group("metadata") { graph.metadata = try IRFileValues.dict(m) }
        // NIR has no allow_cycles: a recurrent graph allows them; Celesta keeps the flag of a
        // graph it wrote.
        graph.allowCycles = g.attribute(CelestaAttributes.allowCycles)?.stringValue == "true" || !graph.isDAG
        return graph
    }

    static func node(_ name: String, _ g: HDF5Group, _ path: String, depth: Int) throws -> IRNode {
        guard let type = g.dataset("type")?.value.stringValue else { throw fail("'\(path)/type' is missing or not a string") }
        if type == "NIRGraph" {
            let sub = try graph(g, path, depth: depth + 1)
            var fields: IRDict = ["graph": .graph(sub)]
            if !sub.metadata.isEmpty { fields["metadata"] = .dict(sub.metadata) }
            return try IRNode.make(name: name, type: "NIRGraph", fields: fields)
        }
        guard let d = PrimitiveRegistry.shared.descriptor(type), d.dialects.contains(.nir) else {
            throw fail("'\(path)': '\(type)' is not a NIR 1.0.8 node type")
        }
        var fields = IRDict()
        var shape: [Int]? = nil
        var flattenInput: [Int]? = nil
        for c in g.children where c.name != "type" {
            let p = "\(path)/\(c.name)"
            switch c.node {
            case .group(let sub):
                guard c.name == "metadata" else { throw fail("'\(p)': \(type) has no field '\(c.name)'") }
                fields["metadata"] = .dict(try IRFileValues.dict(sub))
            case .dataset(let ds):
                if c.name == "shape" && (type == "Input" || type == "Output") || c.name == "input_type" && type == "Flatten" {
                    guard case .numbers(let t) = ds.value, t.ndim == 1, let dims = t.ints, dims.allSatisfy({ $0 >= 0 }) else {
                        throw fail("'\(p)' is not a 1-D array of dimensions")
                    }
                    if c.name == "shape" { shape = dims } else { flattenInput = dims }
                    continue
                }
                guard let spec = d.field(c.name), spec.dialects.contains(.nir) else { throw fail("'\(p)': \(type) has no field '\(c.name)'") }
                fields[c.name] = try IRFileValues.value(ds.value)
            }
        }
        if let text = g.attribute(CelestaAttributes.extraFields)?.stringValue,
            case .dict(let extra) = try IRJSON.decodeValue(Array(text.utf8), name: "\(path) attribute \(CelestaAttributes.extraFields)") {
            for e in extra.entries where fields[e.key] == nil { fields[e.key] = e.value }
        }
        if case .strings(_, let names)? = g.attribute(CelestaAttributes.defaulted) {
            for name in names { fields[name] = nil }
        }
        var input: PortShapes? = flattenInput.map { PortShapes("input", $0) }
        var output: PortShapes? = nil
        if let shape {
            if type == "Output" { output = PortShapes("output", shape) } else { input = PortShapes("input", shape) }
        }
        do {
            return try IRNode.make(name: name, type: type, fields: fields, inputType: input, outputType: output)
        } catch let e as CelestaError {
            throw fail("'\(path)': \(e.message)")
        }
    }

    /// NIR's type check: walking the edges from the inputs, a node whose input type is undefined
    /// takes its predecessor's output type, and its output type is re-inferred (pooling,
    /// Flatten, Output); recursively into nested graphs.
    static func inferTypes(_ g: inout IRGraph) throws {
        let order = g.topologicalOrder ?? g.nodeNames
        for name in order {
            guard var n = g.node(name) else { continue }
            if case .graph(var sub)? = n.fields["graph"] {
                try inferTypes(&sub)
                n.fields["graph"] = .graph(sub)
                n.inputType = sub.inputType.isEmpty ? nil : sub.inputType
                n.outputType = sub.outputType.isEmpty ? nil : sub.outputType
                try g.replace(n)
                continue
            }
            let preds = g.predecessors(name)
            guard n.inputType == nil || n.outputType == nil, let p = preds.first, let pn = g.node(p), let shape = pn.outputType?.first else { continue }
            let input = n.inputType ?? PortShapes("input", shape)
            let rebuilt = try IRNode.make(name: n.name, type: n.type, fields: n.fields, inputType: input, outputType: n.isA("Output") ? n.outputType : nil)
            try g.replace(rebuilt)
        }
    }
}
