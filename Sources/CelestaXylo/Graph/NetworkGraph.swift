import CelestaIR
/// The network graph: Celesta's intermediate representation of a spiking network.
///
/// # Design
///
/// A `NetworkGraph` is a flat list of typed **nodes** joined by typed **edges**. It is the one
/// representation every front end produces and every back end (the Xylo mapper, later the HLS
/// generator and the partitioner) consumes:
///
/// * Rockpool-style modules (`Module.linear`, `.lif`, `.sequential`, `.residual`) lower into it
///   with `Module.asGraph()`.
/// * NIR files map almost one to one: NIR `Input`/`Output`/`Linear`/`Affine` become the node
///   kinds of the same name, a NIR `CubaLIF`/`LIF` becomes a `.lif` node (NIR's `tau_syn` per
///   neuron is our one-synapse case), a NIR edge becomes a `.data` edge, and several edges into
///   one node are summed, exactly as in NIR. A NIR `Sum`/identity used as a skip connection
///   lowers to an `.alias` edge.
/// * A TALON-style IR (layers plus explicit connections with a "skip" flag) loads into the same
///   nodes; its skip connections become `.alias` edges.
///
/// Node kinds (`NodeKind`): `input(size)` and `output(size)` are the network's ports; `linear`
/// is a dense weight block `weight [nIn][nOut]` without bias; `affine` adds a bias `[nOut]`;
/// `lif` is a population of leaky integrate-and-fire neurons with per-neuron `tau_mem [nOut]`,
/// per-synapse `tau_syn [nIn]`, `threshold [nOut]`, `bias [nOut]`, an optional recurrent
/// matrix `w_rec [nOut][nIn]` and an optional `dt`. A LIF with `nIn == k * nOut` has `k`
/// synapses per neuron, columns interleaved (column `k*i + s` is synapse `s` of neuron `i`).
///
/// Edges (`GraphEdge`): a `.data` edge carries the whole output vector of its source node into
/// the whole input vector of its target (sizes must agree); an `.alias` edge is a residual
/// (skip) connection between two populations of the same size: neuron `i` of the source is
/// aliased to neuron `i` of the target (Rockpool's `AliasConnection`, Xylo's `aliases`).
///
/// Sequential composition is not a node: it is the chaining of `.data` edges. Nested modules
/// keep their path in the node name (`2_ModResidual.1_LIF`, Rockpool's naming), so mapper
/// results and errors name the module the user wrote.
///
/// Every node is validated when it is added (`CelestaError.shapeMismatch` naming the node and
/// field for a wrong length, `.outOfRange` for a non-finite or non-positive value) and every
/// edge when it is connected, so a graph that exists is well-formed. Whether a graph fits a
/// chip is the mapper's business, not the graph's.
public struct NetworkGraph: Sendable, Equatable {
    /// The nodes, indexed by `NodeID.index`, in insertion (network) order.
    public private(set) var nodes: [GraphNode] = []
    /// The edges, in insertion order.
    public private(set) var edges: [GraphEdge] = []

    public init() {}

    /// Adds a node after validating its parameters; returns its id.
    @discardableResult
    public mutating func add(_ kind: NodeKind, name: String) throws -> NodeID {
        guard !name.isEmpty else { throw CelestaError(.invalidArgument, "a graph node needs a non-empty name") }
        if nodes.contains(where: { $0.name == name }) {
            throw CelestaError(.invalidArgument, "node name '\(name)' is already used in the graph")
        }
        try kind.validate(node: name)
        let id = NodeID(index: nodes.count)
        nodes.append(GraphNode(id: id, name: name, kind: kind))
        return id
    }

    /// Connects the output of `source` to the input of `target` (a `.data` edge).
    public mutating func connect(_ source: NodeID, to target: NodeID) throws {
        let from = try node(source)
        let to = try node(target)
        guard from.kind.producesOutput else {
            throw CelestaError(.invalidArgument, "node '\(from.name)' is a network output and cannot feed another node")
        }
        guard to.kind.acceptsInput else {
            throw CelestaError(.invalidArgument, "node '\(to.name)' is a network input and cannot be fed by another node")
        }
        guard from.nOut == to.nIn else {
            throw CelestaError(
                .shapeMismatch,
                "edge '\(from.name)' -> '\(to.name)': the source has \(from.nOut) outputs but the target has \(to.nIn) inputs")
        }
        edges.append(GraphEdge(source: source, target: target, kind: .data))
    }

    /// Adds a residual (alias) connection: neuron `i` of `source` is aliased to neuron `i` of
    /// `target`. Both populations must have the same size; whether they are neurons is checked
    /// by the mapper (a design rule).
    public mutating func alias(_ source: NodeID, to target: NodeID) throws {
        let from = try node(source)
        let to = try node(target)
        guard source != target else {
            throw CelestaError(.invalidArgument, "alias '\(from.name)' -> '\(to.name)': a node cannot alias itself")
        }
        guard from.nOut == to.nOut else {
            throw CelestaError(
                .shapeMismatch,
                "alias '\(from.name)' -> '\(to.name)': the source has \(from.nOut) outputs but the target has \(to.nOut)")
        }
        edges.append(GraphEdge(source: source, target: target, kind: .alias))
    }

    /// The node with this id.
    public func node(_ id: NodeID) throws -> GraphNode {
        guard nodes.indices.contains(id.index) else {
            throw CelestaError(.notFound, "graph node id \(id.index) does not exist (the graph has \(nodes.count) nodes)")
        }
        return nodes[id.index]
    }

    /// The node named `name`, or nil.
    public func node(named name: String) -> GraphNode? { nodes.first { $0.name == name } }

    /// The `input` nodes, in insertion order.
    public var inputNodes: [GraphNode] { nodes.filter { if case .input = $0.kind { return true } else { return false } } }
    /// The `output` nodes, in insertion order.
    public var outputNodes: [GraphNode] { nodes.filter { if case .output = $0.kind { return true } else { return false } } }

    /// Nodes feeding `id` through edges of `kind`, in edge order.
    public func sources(of id: NodeID, kind: GraphEdge.Kind = .data) -> [GraphNode] {
        edges.filter { $0.target == id && $0.kind == kind }.compactMap { nodes.indices.contains($0.source.index) ? nodes[$0.source.index] : nil }
    }

    /// Nodes fed by `id` through edges of `kind`, in edge order.
    public func sinks(of id: NodeID, kind: GraphEdge.Kind = .data) -> [GraphNode] {
        edges.filter { $0.source == id && $0.kind == kind }.compactMap { nodes.indices.contains($0.target.index) ? nodes[$0.target.index] : nil }
    }

    /// The nodes in breadth-first order along `.data` edges from the inputs; nodes not reached
    /// from an input follow in insertion order.
    public func searchOrder() -> [GraphNode] {
        var seen = Set<NodeID>()
        var order: [GraphNode] = []
        var queue = inputNodes
        for n in queue { seen.insert(n.id) }
        var head = 0
        while head < queue.count {
            let current = queue[head]
            head += 1
            order.append(current)
            for next in sinks(of: current.id) where !seen.contains(next.id) {
                seen.insert(next.id)
                queue.append(next)
            }
        }
        for n in nodes where !seen.contains(n.id) { order.append(n) }
        return order
    }
}

/// Identifies a node of one `NetworkGraph`.
public struct NodeID: Hashable, Sendable, Comparable {
    public let index: Int
    public init(index: Int) { self.index = index }
    public static func < (a: NodeID, b: NodeID) -> Bool { a.index < b.index }
}

/// One node: a name (unique in its graph, Rockpool-style path such as `2_ModResidual.1_LIF`)
/// and its typed parameters.
public struct GraphNode: Sendable, Equatable {
    public let id: NodeID
    public let name: String
    public let kind: NodeKind

    /// Width of the node's input vector.
    public var nIn: Int { kind.nIn }
    /// Width of the node's output vector.
    public var nOut: Int { kind.nOut }
}

/// A directed connection between two nodes.
public struct GraphEdge: Sendable, Equatable, Hashable {
    public enum Kind: Sendable, Equatable, Hashable {
        /// The source's output vector is added to the target's input vector.
        case data
        /// Residual (skip) connection: neuron `i` of the source aliases neuron `i` of the target.
        case alias
    }

    public let source: NodeID
    public let target: NodeID
    public let kind: Kind
}
