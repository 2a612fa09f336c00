/// A directed edge between two nodes, by name (TALON's and NIR's edges are name pairs).
public struct IREdge: Sendable, Hashable {
    public var source: String
    public var target: String
    public init(_ source: String, _ target: String) {
        self.source = source
        self.target = target
    }
}

/// The network IR: named nodes of the primitives in `PrimitiveRegistry`, directed edges between
/// them, graph metadata and TALON's graph-level settings. Every front end (Python, C, NIR and
/// `.t1c` files, JSON) builds one, and every backend consumes one.
///
/// As in TALON, a graph may hold edges that name missing nodes, self-loops or cycles:
/// `validate()` reports them (with TALON's messages, in TALON's order), and the analyses skip
/// edges to unknown nodes. Node names are unique.
public struct IRGraph: Sendable, Equatable {
    /// The nodes in insertion order.
    public private(set) var nodes: [IRNode] = []
    private var index: [String: Int] = [:]
    /// The edges in insertion order.
    public var edges: [IREdge]
    /// Graph metadata (TALON's and NIR's `metadata`).
    public var metadata: IRDict
    /// Whether cycles are allowed (TALON's `allow_cycles`; NIR graphs may be recurrent).
    public var allowCycles: Bool
    /// TALON's graph-level settings, kept as given: `cyclic_config`, `partition_metadata`,
    /// `quantization_config`, `target_hardware`, `execution_schedule` (absent when unset).
    public var settings: IRDict

    /// The graph-level settings TALON knows, in its `to_dict` order.
    public static let settingKeys = ["quantization_config", "partition_metadata", "target_hardware", "execution_schedule", "cyclic_config"]

    public init(nodes: [IRNode] = [], edges: [IREdge] = [], metadata: IRDict = IRDict(), allowCycles: Bool = false, settings: IRDict = IRDict()) throws {
        self.edges = edges
        self.metadata = metadata
        self.allowCycles = allowCycles
        self.settings = settings
        for n in nodes { try add(n) }
    }

    public static func == (a: IRGraph, b: IRGraph) -> Bool {
        a.nodes == b.nodes && a.edges == b.edges && a.metadata == b.metadata && a.allowCycles == b.allowCycles && a.settings == b.settings
    }

    // MARK: Nodes

    /// Adds a node; its name must be new.
    public mutating func add(_ node: IRNode) throws {
        guard !node.name.isEmpty else { throw CelestaError(.invalidArgument, "a node needs a non-empty name") }
        guard index[node.name] == nil else { throw CelestaError(.invalidArgument, "node name '\(node.name)' is already used in the graph") }
        index[node.name] = nodes.count
        nodes.append(node)
    }

    /// Replaces the node of the same name (keeping its position).
    public mutating func replace(_ node: IRNode) throws {
        guard let i = index[node.name] else { throw CelestaError(.notFound, "graph has no node '\(node.name)'") }
        nodes[i] = node
    }

    /// Removes a node and its edges.
    public mutating func remove(_ name: String) throws {
        guard let i = index[name] else { throw CelestaError(.notFound, "graph has no node '\(name)'") }
        nodes.remove(at: i)
        edges.removeAll { $0.source == name || $0.target == name }
        index = [:]
        for (j, n) in nodes.enumerated() { index[n.name] = j }
    }

    /// Adds an edge (the nodes need not exist yet; `validate()` checks).
    public mutating func connect(_ source: String, _ target: String) { edges.append(IREdge(source, target)) }

    public func node(_ name: String) -> IRNode? { index[name].map { nodes[$0] } }
    public func position(of name: String) -> Int? { index[name] }
    public func contains(_ name: String) -> Bool { index[name] != nil }
    public var nodeNames: [String] { nodes.map(\.name) }

    /// The node named `name`, or a `.notFound` error naming it.
    public func require(_ name: String) throws -> IRNode {
        guard let n = node(name) else { throw CelestaError(.notFound, "graph has no node '\(name)'") }
        return n
    }

    // MARK: Ports of the graph

    /// The names of the Input nodes, in node order.
    public var inputs: [String] { names { $0.isInput } }
    /// The names of the Output nodes, in node order.
    public var outputs: [String] { names { $0.isOutput } }

    /// The names of the nodes whose primitive's facts pass `test` (asked once per primitive).
    private func names(_ test: (TypeInfo) -> Bool) -> [String] {
        var types = TypeInfoCache()
        var out: [String] = []
        for i in nodes.indices where test(types(nodes[i].type)) { out.append(nodes[i].name) }
        return out
    }

    /// `{input node name: shape}`, as TALON's and NIR's graph `input_type`.
    public var inputType: PortShapes {
        PortShapes(nodes.filter { $0.isA("Input") }.compactMap { n in n.outputType?.first.map { PortShapes.Port(n.name, $0) } })
    }
    /// `{output node name: shape}`.
    public var outputType: PortShapes {
        PortShapes(nodes.filter { $0.isA("Output") }.compactMap { n in n.inputType?.first.map { PortShapes.Port(n.name, $0) } })
    }

    // MARK: Neighbours (edges to unknown nodes are skipped)

    /// The sources of the edges into `name`, in edge order (repeated for parallel edges).
    public func predecessors(_ name: String) -> [String] {
        edges.filter { $0.target == name && contains($0.source) }.map(\.source)
    }

    /// The targets of the edges out of `name`, in edge order.
    public func successors(_ name: String) -> [String] {
        edges.filter { $0.source == name && contains($0.target) }.map(\.target)
    }

    // MARK: Validation

    /// TALON's `Graph.validate()`: at least one Input and one Output, then per edge: the source
    /// and the destination exist, no self-loop, nothing flows into an Input or out of an Output;
    /// finally a cycle is an error unless `allowCycles`. The first problem is thrown, with
    /// TALON's message.
    public func validate() throws {
        // Whether each node is an Input / Output, asked of the registry once per primitive
        // (not once per node and edge), and the edges' ends by position (no node copies).
        var types = TypeInfoCache()
        var isInput = [Bool](repeating: false, count: nodes.count)
        var isOutput = [Bool](repeating: false, count: nodes.count)
        for i in nodes.indices {
            let info = types(nodes[i].type)
            isInput[i] = info.isInput
            isOutput[i] = info.isOutput
        }
        var ends = EdgeEnds()
        let problem = validationProblem(
            hasInput: isInput.contains(true), hasOutput: isOutput.contains(true), isInput: { isInput[$0] }, isOutput: { isOutput[$0] },
            ends: { _, e in
                guard let s = ends.source(e.source, self) else { return (nil, nil) }
                return (s, ends.target(e.target, after: s, self))
            }, isDAG: { isDAG })
        if let problem { throw CelestaError(.invalidArgument, problem) }
    }

    /// The message of the first problem `validate()` finds, or nil: `ends(k, edge)` gives edge
    /// k's ends by position (edges in order; the target is asked only for a known source),
    /// `isInput` / `isOutput` tell a position's kind.
    func validationProblem(
        hasInput: Bool, hasOutput: Bool, isInput: (Int) -> Bool, isOutput: (Int) -> Bool,
        ends: (Int, IREdge) -> (Int?, Int?), isDAG: () -> Bool
    ) -> String? {
        guard hasInput else { return "Graph must have at least one Input node" }
        guard hasOutput else { return "Graph must have at least one Output node" }
        for (k, e) in edges.enumerated() {
            let (source, target) = ends(k, e)
            guard let s = source else { return "Edge source '\(e.source)' not found in nodes" }
            guard let t = target else { return "Edge destination '\(e.target)' not found in nodes" }
            if s == t { return "Self-loop detected: '\(e.source)' -> '\(e.target)'" }
            if isInput(t) { return "Input node '\(e.target)' has incoming edge from '\(e.source)'" }
            if isOutput(s) { return "Output node '\(e.source)' has outgoing edge to '\(e.target)'" }
        }
        if !allowCycles, !isDAG() {
            return "Graph contains cycles but allow_cycles=False. Set allow_cycles=True for recurrent/cyclic architectures."
        }
        return nil
    }

    /// TALON's `get_stage()`: "placed" when partitioned, "compiled" when quantized or a node has
    /// a precision, else "exchange".
    public var stage: String {
        if let p = settings["partition_metadata"], p.isTruthy { return "placed" }
        if let q = settings["quantization_config"], q.isTruthy { return "compiled" }
        if nodes.contains(where: { $0.fields["precision"] != nil }) { return "compiled" }
        return "exchange"
    }
}

extension IRValue {
    /// Python truthiness.
    public var isTruthy: Bool {
        switch self {
        case .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .float(let f): return f != 0
        case .string(let s): return !s.isEmpty
        case .tuple(let items), .list(let items): return !items.isEmpty
        case .dict(let d): return !d.isEmpty
        case .tensor(let t): return t.count > 0
        case .graph: return true
        }
    }
}
