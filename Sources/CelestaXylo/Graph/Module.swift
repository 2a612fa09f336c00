import CelestaIR
/// Rockpool-style network builders that lower into a `NetworkGraph`.
///
/// ```swift
/// let net = try Module.sequential([
///     .linear(weight: w1, nIn: 8, nOut: 12),
///     .lif(nOut: 12, tauMem: tm, tauSyn: ts, threshold: th, bias: b, dt: 1e-3),
///     .residual([.linear(weight: w2, nIn: 12, nOut: 12), .lif(nOut: 12, ...)]),
///     .linear(weight: w3, nIn: 12, nOut: 4),
///     .lif(nOut: 4, ...),
/// ])
/// let graph = try net.asGraph()
/// ```
///
/// Every builder validates on construction (`shapeMismatch` / `outOfRange` naming the module
/// and field). `asGraph()` names the nodes as Rockpool does (`1_LIF`, `2_ModResidual.1_LIF`)
/// and adds one `input` and one `output` node.
public struct Module: Sendable, Equatable {
    indirect enum Body: Sendable, Equatable {
        case node(NodeKind, label: String)
        case sequential([Module])
        case residual([Module])
    }

    let body: Body
    /// Width of the module's input.
    public let nIn: Int
    /// Width of the module's output.
    public let nOut: Int

    /// A weight block without bias; `weight` is `[nIn][nOut]`, row-major.
    public static func linear(weight: [Double], nIn: Int, nOut: Int) throws -> Module {
        let w = try LinearWeights(weight: weight, nIn: nIn, nOut: nOut)
        return Module(body: .node(.linear(w), label: "Linear"), nIn: nIn, nOut: nOut)
    }

    /// A weight block without bias from rows (`weight[i][j]`: input `i` to output `j`).
    public static func linear(weight rows: [[Double]]) throws -> Module {
        let (flat, nIn, nOut) = try flatten(rows, node: "Linear")
        return try linear(weight: flat, nIn: nIn, nOut: nOut)
    }

    /// A weight block with a bias `[nOut]`.
    public static func affine(weight: [Double], bias: [Double], nIn: Int, nOut: Int) throws -> Module {
        let w = try AffineWeights(weight: weight, bias: bias, nIn: nIn, nOut: nOut)
        return Module(body: .node(.affine(w), label: "Linear"), nIn: nIn, nOut: nOut)
    }

    /// A LIF population of `nOut` neurons with `nIn` synaptic inputs (default `nOut`;
    /// `2 * nOut` means two synapses per neuron, interleaved). `wRec` is `[nOut][nIn]`.
    public static func lif(
        nIn: Int? = nil, nOut: Int, tauMem: [Double], tauSyn: [Double], threshold: [Double], bias: [Double],
        wRec: [Double]? = nil, dt: Double?
    ) throws -> Module {
        let n = try LIFNeurons(
            nIn: nIn ?? nOut, nOut: nOut, tauMem: tauMem, tauSyn: tauSyn, threshold: threshold, bias: bias,
            wRec: wRec, dt: dt)
        return Module(body: .node(.lif(n), label: "LIF"), nIn: n.nIn, nOut: n.nOut)
    }

    /// Modules applied one after the other; each output width must equal the next input width.
    public static func sequential(_ modules: [Module]) throws -> Module {
        try checkChain(modules, what: "sequential")
        return Module(body: .sequential(modules), nIn: modules[0].nIn, nOut: modules[modules.count - 1].nOut)
    }

    /// A residual block: `output = input + modules(input)`. The chain must keep the width
    /// (`nIn == nOut`); on Xylo the skip becomes an alias from the population feeding the
    /// block to the block's last neuron population.
    public static func residual(_ modules: [Module]) throws -> Module {
        try checkChain(modules, what: "residual")
        let nIn = modules[0].nIn
        let nOut = modules[modules.count - 1].nOut
        guard nIn == nOut else {
            throw CelestaError(
                .shapeMismatch, "residual: the block takes \(nIn) inputs but returns \(nOut) outputs; they must be equal")
        }
        return Module(body: .residual(modules), nIn: nIn, nOut: nOut)
    }

    /// Lowers the module into a graph with one `input` node and one `output` node.
    public func asGraph() throws -> NetworkGraph {
        var graph = NetworkGraph()
        let input = try graph.add(.input(size: nIn), name: "input")
        let last = try lower(into: &graph, from: input, name: topName)
        let output = try graph.add(.output(size: nOut), name: "output")
        try graph.connect(last, to: output)
        return graph
    }

    // MARK: - Lowering

    private var topName: String {
        switch body {
        case .node(_, let label): return label
        case .sequential: return ""
        case .residual: return "ModResidual"
        }
    }

    private func lower(into graph: inout NetworkGraph, from source: NodeID, name: String) throws -> NodeID {
        switch body {
        case .node(let kind, _):
            let id = try graph.add(kind, name: name)
            try graph.connect(source, to: id)
            return id
        case .sequential(let modules):
            return try Module.lowerChain(modules, into: &graph, from: source, prefix: name)
        case .residual(let modules):
            let last = try Module.lowerChain(modules, into: &graph, from: source, prefix: name)
            try graph.alias(source, to: last)
            return last
        }
    }

    private static func lowerChain(
        _ modules: [Module], into graph: inout NetworkGraph, from source: NodeID, prefix: String
    ) throws -> NodeID {
        var current = source
        for (index, module) in modules.enumerated() {
            let childName = "\(index)_\(module.label)"
            current = try module.lower(
                into: &graph, from: current, name: prefix.isEmpty ? childName : "\(prefix).\(childName)")
        }
        return current
    }

    private var label: String {
        switch body {
        case .node(_, let label): return label
        case .sequential: return "ModSequential"
        case .residual: return "ModResidual"
        }
    }

    private static func checkChain(_ modules: [Module], what: String) throws {
        guard !modules.isEmpty else {
            throw CelestaError(.invalidArgument, "\(what): at least one module is required")
        }
        for index in 1..<modules.count where modules[index - 1].nOut != modules[index].nIn {
            throw CelestaError(
                .shapeMismatch,
                "\(what): module \(index - 1) (\(modules[index - 1].label)) has \(modules[index - 1].nOut) outputs but module \(index) (\(modules[index].label)) takes \(modules[index].nIn) inputs")
        }
    }

    private static func flatten(_ rows: [[Double]], node: String) throws -> ([Double], Int, Int) {
        guard let first = rows.first, !first.isEmpty else {
            throw CelestaError(.shapeMismatch, "node '\(node)': 'weight' is empty")
        }
        if let bad = rows.firstIndex(where: { $0.count != first.count }) {
            throw CelestaError(
                .shapeMismatch, "node '\(node)': 'weight' row \(bad) has \(rows[bad].count) values but row 0 has \(first.count)")
        }
        return (rows.flatMap { $0 }, rows.count, first.count)
    }
}
