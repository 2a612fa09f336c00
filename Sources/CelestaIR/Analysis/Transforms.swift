/// Graph transforms of TALON's SDK: `quantize_weights`, `convert_to_spiking`, `merge_graphs`,
/// `prune_disconnected`. Each returns a new graph; the input is not changed.
public enum GraphTransforms {
    /// Symmetric linear quantization of the weights of every primitive with quantizable arrays
    /// (Affine, SpikingAffine, Conv2d and its kinds, SepConv2d): scale = max|a| / (2^(bits-1)-1)
    /// per output channel (weights, when `perChannel`) or per array (biases always), values
    /// rounded half to even and clipped to the signed range, in float32 for float32 arrays.
    ///
    /// `.celesta` stores the integers (int8 up to 8 bits, int16 up to 16, else int32) with their
    /// float32 scales in the node's `hardware_hints` (`<array>_scale`), so weight memory really
    /// drops, and keeps `allow_cycles`, the graph settings and SConv/SDConv as they are.
    /// `.talon` stores the dequantized float32 values (TALON's fake quantization), turns SConv
    /// and SDConv into Conv2d and drops `allow_cycles` and `cyclic_config`, as TALON does.
    public static func quantizeWeights(_ graph: IRGraph, bits: Int = 8, perChannel: Bool = true, mode: IRMode = .celesta) throws -> IRGraph {
        guard (2...32).contains(bits) else { throw CelestaError(.invalidArgument, "argument 'bits' is \(bits); it must be in 2...32") }
        var nodes: [IRNode] = []
        nodes.reserveCapacity(graph.nodes.count)
        for node in graph.nodes {
            guard let facts = AnalysisFacts.of(node.type), !facts.quantizedWeights.isEmpty else {
                nodes.append(node)
                continue
            }
            var out = node
            var hints: IRDict = node["hardware_hints"].flatMap { if case .dict(let d) = $0 { return d } else { return nil } } ?? IRDict()
            for (names, channelwise) in [(facts.quantizedWeights, perChannel), (facts.quantizedBiases, false)] {
                for f in names {
                    guard let t = node.tensor(f) else { continue }
                    let q = try quantize(t, bits: bits, perChannel: channelwise && t.ndim > 1)
                    if mode == .talon {
                        out.fields[f] = .tensor(q.dequantized)
                    } else {
                        out.fields[f] = .tensor(q.integers)
                        hints["\(f)_scale"] = .tensor(q.scale)
                    }
                }
            }
            if mode == .talon {
                if node.isA("SpikingAffine") { out.fields["weight_bits"] = .int(bits) }
                if node.isA("Conv2d") && node.type != "Conv2d" { out.type = "Conv2d" }
                // TALON makes new nodes from the arrays and settings: node metadata and hardware
                // metadata are not carried over.
                out.fields = IRDict(out.fields.entries.filter { !talonDropped.contains($0.key) })
            } else {
                if node.isA("SpikingAffine") { out.fields["weight_bits"] = .int(bits) }
                out.fields["hardware_hints"] = .dict(hints)
            }
            nodes.append(out)
        }
        var metadata = graph.metadata
        metadata["quantized"] = .bool(true)
        metadata["quantization_bits"] = .int(bits)
        metadata["per_channel"] = .bool(perChannel)
        if mode == .talon { return try IRGraph(nodes: nodes, edges: graph.edges, metadata: metadata) }
        return try IRGraph(nodes: nodes, edges: graph.edges, metadata: metadata, allowCycles: graph.allowCycles, settings: graph.settings)
    }

    private static let talonDropped: Set<String> = [
        "metadata", "precision", "weight_t", "bias_t", "accum_t", "result_t", "reuse_factor", "core_id", "hardware_hints",
    ]

    /// One array's quantization: the integers, the scales (one per output channel, or one)
    /// and the float values they stand for.
    public struct Quantized: Sendable {
        public var integers: Tensor
        public var scale: Tensor
        public var dequantized: Tensor
    }

    /// TALON's `quantize_array`: float32 arithmetic for float32 input, float64 otherwise.
    public static func quantize(_ t: Tensor, bits: Int, perChannel: Bool) throws -> Quantized {
        let qmax = Double((1 << (bits - 1)) - 1), qmin = -Double(1 << (bits - 1))
        let channels = perChannel && t.ndim > 1 ? t.shape[0] : 1
        let per = channels > 0 ? t.count / channels : 0
        let intType: DType = bits <= 8 ? .int8 : bits <= 16 ? .int16 : .int32
        var q = [Double](repeating: 0, count: t.count)
        var deq = [Double](repeating: 0, count: t.count)
        var scales = [Double](repeating: 0, count: channels)
        let values = t.doubles
        let single = t.dtype == .float32 || t.dtype == .float16
        for c in 0..<channels {
            let range = (c * per)..<((c + 1) * per)
            var amax = 0.0
            for i in range { amax = max(amax, abs(values[i])) }
            if single {
                let a = max(Float(amax), Float(1e-8))
                let scale = a / Float(qmax)
                scales[c] = Double(scale)
                for i in range {
                    let r = (Float(values[i]) / scale).rounded(.toNearestOrEven)
                    let v = min(max(r, Float(qmin)), Float(qmax))
                    q[i] = Double(v)
                    deq[i] = Double(v * scale)
                }
            } else {
                let a = max(amax, 1e-8)
                let scale = a / qmax
                scales[c] = scale
                for i in range {
                    let v = min(max((values[i] / scale).rounded(.toNearestOrEven), qmin), qmax)
                    q[i] = v
                    deq[i] = v * scale
                }
            }
        }
        let outType: DType = t.dtype == .float64 ? .float64 : .float32
        return Quantized(
            integers: try Tensor(converting: q, to: intType, shape: t.shape),
            scale: try Tensor(converting: scales, to: outType, shape: channels > 1 || perChannel ? [channels] : []),
            dequantized: try Tensor(converting: deq, to: outType, shape: t.shape))
    }

    /// The float values of an array stored by `quantizeWeights` in `.celesta` mode (the
    /// integers times their scales); other arrays as they are.
    public static func dequantized(_ node: IRNode, _ field: String) throws -> Tensor? {
        guard let t = node.tensor(field) else { return nil }
        guard !t.dtype.isFloat, case .dict(let hints)? = node["hardware_hints"], let scale = hints["\(field)_scale"]?.tensor else { return t }
        let channels = scale.count
        let per = channels > 0 ? t.count / channels : 0
        let q = t.doubles, s = scale.doubles
        var out = [Double](repeating: 0, count: t.count)
        let single = scale.dtype == .float32
        for i in 0..<t.count {
            let c = per > 0 ? min(i / per, channels - 1) : 0
            out[i] = single ? Double(Float(q[i]) * Float(s[c])) : q[i] * s[c]
        }
        return try Tensor(converting: out, to: scale.dtype, shape: t.shape)
    }

    /// TALON's `convert_to_spiking`: every exact Affine becomes a SpikingAffine with the same
    /// arrays and port shapes; the metadata records the settings and the count.
    public static func convertToSpiking(
        _ graph: IRGraph, weightBits: Int = 8, accumulatorBits: Int = 16, spikeMode: String = "binary", mode: IRMode = .celesta
    ) throws -> IRGraph {
        var nodes: [IRNode] = []
        var converted = 0
        for node in graph.nodes {
            guard node.type == "Affine" else {
                nodes.append(node)
                continue
            }
            var fields: IRDict = ["weight": node["weight"] ?? .none, "bias": node["bias"] ?? .none]
            fields["spike_mode"] = .string(spikeMode)
            fields["weight_bits"] = .int(weightBits)
            fields["accumulator_bits"] = .int(accumulatorBits)
            do {
                nodes.append(try IRNode.make(name: node.name, type: "SpikingAffine", fields: fields, inputType: node.inputType, outputType: node.outputType, mode: mode))
            } catch let e as CelestaError {
                throw CelestaError(e.code, "node '\(node.name)': \(e.message)")
            }
            converted += 1
        }
        var metadata = graph.metadata
        metadata["converted_to_spiking"] = .bool(true)
        metadata["spiking_config"] = .dict(["weight_bits": .int(weightBits), "accumulator_bits": .int(accumulatorBits), "spike_mode": .string(spikeMode)])
        metadata["converted_layers"] = .int(converted)
        if mode == .talon { return try IRGraph(nodes: nodes, edges: graph.edges, metadata: metadata) }
        return try IRGraph(nodes: nodes, edges: graph.edges, metadata: metadata, allowCycles: graph.allowCycles, settings: graph.settings)
    }

    /// TALON's `merge_graphs`: the graphs side by side (names prefixed `g<i>_` when `prefix`),
    /// metadata `{"merged_from": n}`. A name used twice is refused. Celesta's merged graph
    /// allows cycles when one of the graphs does (TALON's never does).
    public static func merge(_ graphs: [IRGraph], prefix: Bool = true, mode: IRMode = .celesta) throws -> IRGraph {
        var out = try IRGraph()
        for (i, g) in graphs.enumerated() {
            for var node in g.nodes {
                if prefix { node.name = "g\(i)_" + node.name }
                guard !out.contains(node.name) else { throw CelestaError(.invalidArgument, "Node name collision: \(node.name)") }
                try out.add(node)
            }
            for e in g.edges { out.connect(prefix ? "g\(i)_" + e.source : e.source, prefix ? "g\(i)_" + e.target : e.target) }
        }
        out.metadata = ["merged_from": .int(graphs.count)]
        if mode == .celesta { out.allowCycles = graphs.contains { $0.allowCycles } }
        return out
    }

    /// The nodes that lie on no path from an Input to an Output (not reached from any Input, or
    /// reaching no Output), in node order.
    public static func disconnected(_ graph: IRGraph) -> [String] {
        let adj = graph.adjacency()
        func reach(_ starts: [String], _ next: AdjacencyRows) -> [Bool] {
            var seen = [Bool](repeating: false, count: graph.nodes.count)
            var stack = starts.compactMap { graph.position(of: $0) }
            while let v = stack.popLast() {
                if seen[v] { continue }
                seen[v] = true
                stack.append(contentsOf: next[v])
            }
            return seen
        }
        let a = reach(graph.inputs, adj.out), b = reach(graph.outputs, adj.into)
        return graph.nodes.indices.filter { !(a[$0] && b[$0]) }.map { graph.nodes[$0].name }
    }

    /// `prune_disconnected`: the graph without `disconnected(graph)` and their edges; metadata
    /// gains `pruned_nodes`. A graph with nothing to prune comes back as it is.
    public static func pruneDisconnected(_ graph: IRGraph) throws -> IRGraph {
        let gone = Set(disconnected(graph))
        guard !gone.isEmpty else { return graph }
        var metadata = graph.metadata
        metadata["pruned_nodes"] = .list(graph.nodes.filter { gone.contains($0.name) }.map { .string($0.name) })
        return try IRGraph(
            nodes: graph.nodes.filter { !gone.contains($0.name) },
            edges: graph.edges.filter { !gone.contains($0.source) && !gone.contains($0.target) },
            metadata: metadata, allowCycles: graph.allowCycles, settings: graph.settings)
    }
}
