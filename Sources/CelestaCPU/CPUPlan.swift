import CelestaIR

/// A graph made ready to run: its nodes in execution order, each with its kernel and where its
/// inputs, output and state lie in one per-sample arena of floats.
///
/// Execution order: the topological order for a DAG. A cyclic graph (allowed cycles) runs in
/// the order of repeatedly taking the first node, in insertion order, whose predecessors have
/// all run, and when none has, the first node not yet run. **Delay convention**: an edge from a
/// node that runs later in the step (a feedback edge) carries that node's value of the previous
/// step (zeros at the first step), i.e. every cycle holds one step of delay.
public final class CPUPlan: @unchecked Sendable {
    struct Source {
        let node: Int
        let offset: Int
        let count: Int
    }

    struct Node {
        let name: String
        let type: String
        let kernel: any CPUKernel
        let sources: [Source]
        /// Where the node's output and state start in the arena.
        let output: Int
        let outputCount: Int
        let state: Int
        /// Where the sum of several inputs is formed (merging kernels), or -1.
        let scratch: Int
        /// The index among the graph's inputs, for Input nodes.
        let inputSlot: Int?
        /// A pure function of values computed earlier in the same step (no state, no feedback
        /// input): when none of those changed since its last run, its output stands.
        let pure: Bool
    }

    let nodes: [Node]
    let arenaSize: Int
    public let precision: CPUPrecision
    /// The Input nodes with their per-sample shapes, in graph order.
    public let inputs: [(name: String, shape: [Int])]

    /// The Output nodes (names, per-sample shapes), in graph order.
    public var outputs: [(name: String, shape: [Int])] {
        nodes.filter { $0.type == "Output" || PrimitiveRegistry.shared.isA($0.type, "Output") }.map { ($0.name, $0.kernel.outputShape) }
    }

    /// Node names in execution order.
    public var order: [String] { nodes.map(\.name) }

    public func outputShape(of name: String) -> [Int]? { nodes.first { $0.name == name }?.kernel.outputShape }
    public func macs(of name: String) -> Int { nodes.first { $0.name == name }?.kernel.macs ?? 0 }
    public var spikingNodes: [String] { nodes.filter { $0.kernel.spiking }.map(\.name) }

    /// The execution order (see the type's doc).
    public static func executionOrder(_ graph: IRGraph) -> [String] {
        if let topo = graph.topologicalOrder { return topo }
        var done = Set<String>(), order: [String] = []
        let names = graph.nodeNames
        let preds = Dictionary(uniqueKeysWithValues: names.map { ($0, graph.predecessors($0)) })
        while order.count < names.count {
            let next = names.first { !done.contains($0) && preds[$0]!.allSatisfy { done.contains($0) || !graph.contains($0) } }
                ?? names.first { !done.contains($0) }!
            done.insert(next)
            order.append(next)
        }
        return order
    }

    /// Builds the plan. `inputShapes` gives the per-sample shape of each Input node whose own
    /// type does not say it (or overrides it). Errors name the node and the reason.
    public init(_ graph: IRGraph, inputShapes: [String: [Int]] = [:], precision: CPUPrecision = .fp32, dt: Double = 1,
                table: CPUKernelTable = .shared) throws {
        guard !graph.nodes.isEmpty else { throw CelestaError(.invalidArgument, "the graph has no nodes") }
        guard dt > 0, dt.isFinite else { throw CelestaError(.invalidArgument, "dt must be positive, got \(dt)") }
        for e in graph.edges {
            for end in [e.source, e.target] where !graph.contains(end) {
                throw CelestaError(.notFound, "edge \(e.source) -> \(e.target) names a missing node '\(end)'")
            }
        }
        self.precision = precision
        let order = Self.executionOrder(graph)
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        var built: [Node] = []
        var shapes: [String: [Int]] = [:]
        var slicesOf: [String: [(offset: Int, shape: [Int])]] = [:]
        var arena = 0
        var inputs: [(String, [Int])] = []
        // Outgoing edge index of each edge, per source (ChannelSplit's ports).
        var outIndex: [Int] = []
        var seen: [String: Int] = [:]
        for e in graph.edges {
            outIndex.append(seen[e.source, default: 0])
            seen[e.source, default: 0] += 1
        }
        var pendingFeedback: [(consumer: String, source: String, count: Int)] = []
        for name in order {
            let node = graph.node(name)!
            let isInput = node.isA("Input")
            guard let factory = table.factory(for: node.type) else {
                throw CelestaError(.unsupported, "node '\(name)' (\(node.type)): the cpu backend does not compute this primitive")
            }
            var inShapes: [[Int]] = []
            var sources: [Source] = []
            var feedbackCounts: [(String, Int)] = []
            if isInput {
                guard let s = inputShapes[name] ?? node.inputType?.first ?? node.outputType?.first else {
                    throw CelestaError(.invalidArgument, "node '\(name)' (Input): its shape is unknown; give input data for it")
                }
                inShapes = [s]
                inputs.append((name, s))
            } else {
                for (k, e) in graph.edges.enumerated() where e.target == name {
                    if position[e.source]! < position[name]! {
                        var shape = shapes[e.source]!
                        var offset = 0
                        if let slices = slicesOf[e.source] {
                            guard outIndex[k] < slices.count else {
                                throw CelestaError(.shapeMismatch, "node '\(e.source)' has \(slices.count) output sections but more outgoing edges")
                            }
                            (offset, shape) = slices[outIndex[k]]
                        }
                        inShapes.append(shape)
                        sources.append(Source(node: position[e.source]!, offset: offset, count: shape.reduce(1, *)))
                    } else {
                        // Feedback edge: resolved once the source is built.
                        sources.append(Source(node: position[e.source]!, offset: 0, count: -1))
                        feedbackCounts.append((e.source, -1))
                    }
                }
                guard !sources.isEmpty else {
                    throw CelestaError(.invalidArgument, "node '\(name)' (\(node.type)) has no input: nothing reaches it")
                }
                if inShapes.isEmpty, let declared = node.inputType?.first {
                    inShapes = [declared]  // fed only by feedback edges: its declared shape
                }
                guard !inShapes.isEmpty else {
                    throw CelestaError(.shapeMismatch, "node '\(name)' (\(node.type)) is fed only around a cycle and declares no input shape")
                }
            }
            let context = CPUKernelContext(node: node, inputShapes: inShapes, precision: precision, dt: dt)
            let kernel = try factory(context)
            if kernel.mergesInputs, inShapes.count > 1 {
                let counts = Set(inShapes.map { $0.reduce(1, *) })
                guard counts.count == 1 else {
                    throw CelestaError(.shapeMismatch, "node '\(name)' (\(node.type)): its inputs have shapes \(inShapes) and cannot be added")
                }
            }
            let mergedCount = context.inputCount
            sources = sources.map { $0.count < 0 ? Source(node: $0.node, offset: 0, count: mergedCount) : $0 }
            for (s, _) in feedbackCounts { pendingFeedback.append((name, s, mergedCount)) }
            guard kernel.mergesInputs || feedbackCounts.isEmpty else {
                throw CelestaError(.unsupported, "node '\(name)' (\(node.type)): a merge cannot be fed around a cycle")
            }
            let outCount = kernel.outputCount
            let output = arena
            arena += outCount
            let state = arena
            arena += kernel.stateSize
            var scratch = -1
            if kernel.mergesInputs, sources.count > 1 {
                scratch = arena
                arena += mergedCount
            }
            shapes[name] = kernel.outputShape
            if let slices = kernel.portSlices { slicesOf[name] = slices }
            let pure = kernel.stateSize == 0 && feedbackCounts.isEmpty
            built.append(Node(name: name, type: node.type, kernel: kernel, sources: sources, output: output, outputCount: outCount,
                              state: state, scratch: scratch, inputSlot: isInput ? inputs.count - 1 : nil, pure: pure))
        }
        for f in pendingFeedback {
            let n = shapes[f.source]!.reduce(1, *)
            guard n == f.count else {
                throw CelestaError(.shapeMismatch, "node '\(f.consumer)': the feedback from '\(f.source)' has \(n) values but it takes \(f.count)")
            }
        }
        nodes = built
        arenaSize = arena
        self.inputs = inputs
    }
}
