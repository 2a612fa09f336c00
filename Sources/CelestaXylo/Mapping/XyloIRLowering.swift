import CelestaIR

/// Lowers a network IR graph (TALON's or NIR's primitives) into the Xylo network graph that
/// `XyloMapper` maps. Dense weights and spiking neurons map; everything Xylo has no hardware for
/// is refused with an error naming the node and what is missing.
///
/// # The neuron convention
/// The IR's neurons are continuous-time models (NIR, TALON); Xylo's are discrete. Celesta takes
/// them by forward Euler with the step `dt`, which is exactly Xylo's (and Rockpool's) form:
/// the membrane keeps `1 - dt/tau_mem` of itself per step (Xylo's `dash_mem = log2(tau_mem/dt)`)
/// and the synapse `1 - dt/tau_syn`. What is left over becomes data the chip has:
/// * `LIF` (tau, r, v_leak, v_threshold, v_reset): the input reaches the membrane with gain
///   `dt * r / tau`, folded into the incoming weight columns; `v_leak` becomes the bias
///   `dt * v_leak / tau`. A plain LIF has no synapse, but on Xylo every input passes through
///   one, and a synapse of `dash_syn` 0 is cleared before the membrane integrates it (it would
///   pass nothing). So it gets the shortest synapse that passes input, `dash_syn` 1 (written as
///   `tau_syn = 2 dt`): a step's input reaches the membrane as halves over that step and the
///   next ones, the same total charge a step later on average. The lowering says so in a warning.
/// * `CubaLIF` (tau_syn, tau_mem, r, v_leak, v_threshold, v_reset, w_in): gain
///   `dt^2 * r * w_in / (tau_mem * tau_syn)`, bias `dt * v_leak / tau_mem`.
/// * `r = tau_mem/dt`, `w_in = tau_syn/dt` (Rockpool's discrete neuron written in NIR's
///   equations) and TALON's snnTorch export with `dt = 1` step (`r = tau`) both give gain 1:
///   their weights map unchanged.
/// * Rockpool 3.1.0's own export (`to_nir`: `r = tau_mem exp(-dt/tau_mem)/dt`, `w_in = 1`) is
///   recognised and given gain 1, as Rockpool's `from_nir` reads it (`XyloIRLowering+Rockpool`).
/// * `v_reset` must be 0: Xylo resets by subtracting the threshold.
///
/// # Structure
/// `Input`/`Output` (1-D) become ports; `Linear`, `Affine` and `SpikingAffine` weight blocks
/// (`weight` is (out, in); Xylo's blocks are [in][out]); a neuron feeding a neuron directly gets
/// an identity weight block named `source->target`; nested NIR graphs are inlined (their nodes
/// named `graph.node`) and pass-through nodes (a nested graph's Input/Output, a 1-D Flatten,
/// Dropout, a passthrough Skip) are removed. A weight block that feeds neurons of different
/// gains is refused (its columns cannot carry two gains). An Affine's non-zero bias is reported
/// as a warning: Xylo synapses have no bias, and the mapper ignores it as Rockpool does.
public enum XyloIRLowering {
    public struct Result: Sendable {
        public var network: NetworkGraph
        public var warnings: [String]
    }

    /// The step a graph maps with when the caller names none: its metadata's `dt`, else the
    /// step of Rockpool's NIR export when its neurons carry it (`rockpoolExportDT(of:)`), else
    /// 1 ms (Rockpool's default).
    public static func defaultDT(of ir: IRGraph) -> Double {
        if let d = ir.metadata["dt"]?.double, d.isFinite, d > 0 { return d }
        if let d = rockpoolExportDT(of: ir) { return d }
        return 1e-3
    }

    /// The Xylo network of `ir`, with the time step `dt` in the unit of the IR's time constants
    /// (seconds; 1 for graphs whose taus count steps); nil takes `defaultDT(of:)`.
    public static func lower(_ ir: IRGraph, dt given: Double? = nil) throws -> Result {
        let dt = given ?? defaultDT(of: ir)
        guard dt.isFinite, dt > 0 else { throw CelestaError(.outOfRange, "'dt' is \(dt); it must be finite and > 0") }
        var flat = try inline(ir, prefix: "", depth: 0)
        try removePassThroughs(&flat)
        // What has no hardware is named first (the one nearest the inputs): it is the user's
        // real problem.
        let order = (flat.topologicalOrder ?? flat.nodeNames).compactMap { flat.node($0) }
        if let n = order.first(where: { !mapped.contains($0.type) }) { throw unsupported(n) }
        var warnings: [String] = []
        let neurons = try neuronParameters(flat, dt: dt)
        for n in flat.nodes where n.type == "LIF" {
            warnings.append(
                "node '\(n.name)' (LIF): it has no synapse, and Xylo's shortest one that passes input is dash_syn 1: each step's input reaches the membrane as halves over that step and the next ones (the same total charge); a CubaLIF states the synapse exactly")
        }

        var net = NetworkGraph()
        var ids: [String: NodeID] = [:]
        for n in flat.nodes {
            switch n.type {
            case "Input":
                ids[n.name] = try net.add(.input(size: try vectorSize(n, n.outputType, "its shape")), name: n.name)
            case "Output":
                ids[n.name] = try net.add(.output(size: try vectorSize(n, n.inputType, "its shape")), name: n.name)
            case "Linear", "Affine", "SpikingAffine":
                ids[n.name] = try net.add(try weights(n, flat, neurons, &warnings), name: n.name)
            default:  // LIF, CubaLIF
                ids[n.name] = try net.add(.lif(neurons[n.name]!.lif), name: n.name)
            }
        }
        for e in flat.edges {
            guard let s = ids[e.source], let t = ids[e.target] else {
                throw CelestaError(.notFound, "edge '\(e.source)' -> '\(e.target)' names a node the graph does not have")
            }
            let sourceIsNeuron = neurons[e.source] != nil, targetIsNeuron = neurons[e.target] != nil
            if sourceIsNeuron && targetIsNeuron {
                // A direct neuron -> neuron edge: an identity weight block with the target's gain.
                let gain = neurons[e.target]!.gain
                let n = gain.count
                var w = [Double](repeating: 0, count: n * n)
                for i in 0..<n { w[i * n + i] = gain[i] }
                let name = "\(e.source)->\(e.target)"
                let bridge = try net.add(.linear(try LinearWeights(weight: w, nIn: n, nOut: n)), name: name)
                try net.connect(s, to: bridge)
                try net.connect(bridge, to: t)
                continue
            }
            try net.connect(s, to: t)
        }
        return Result(network: net, warnings: warnings)
    }

    /// The primitives that map (after nested graphs and identity nodes are gone).
    static let mapped: Set<String> = ["Input", "Output", "Linear", "Affine", "SpikingAffine", "LIF", "CubaLIF"]

    /// A Xylo network from a file: an IR graph (`.nir`, `.t1c`, IR JSON with
    /// `"format": "celesta.ir/1"`) lowered with `dt`, or a float network's layer list (JSON).
    /// Used by the CLI's `xylo map` and `xylo pipeline`.
    public static func network(fromFile path: String, dt: Double?) throws -> Result {
        let format = try? IRFileFormat.of(path: path)
        if format == .t1c || format == .nir {
            return try lower(try IRFiles.read(path: path, format: format!), dt: dt)
        }
        let bytes = [UInt8](try AtomicFile.read(path))
        if case .object(let top, _) = try JSONParser.parse(bytes, name: path), top["format"] == .string(IRJSON.format) {
            return try lower(try IRJSON.decode(bytes, name: path), dt: dt)
        }
        if let dt { throw CelestaError(.invalidArgument, "'dt' is \(dt); a float network's layers carry their own dt (it applies to IR graphs only)") }
        return Result(network: try NetworkJSON.load(path).asGraph(), warnings: [])
    }

    // MARK: Neurons

    struct Neurons {
        var lif: LIFNeurons
        /// Per neuron, the factor folded into the weights that feed it.
        var gain: [Double]
    }

    static func neuronParameters(_ g: IRGraph, dt: Double) throws -> [String: Neurons] {
        var out: [String: Neurons] = [:]
        for n in g.nodes where n.type == "LIF" || n.type == "CubaLIF" {
            func values(_ field: String) throws -> [Double] {
                guard let t = n.tensor(field) else {
                    throw CelestaError(.invalidArgument, "node '\(n.name)' (\(n.type)) has no '\(field)'")
                }
                return t.doubles
            }
            let cuba = n.type == "CubaLIF"
            let tauMem = try values(cuba ? "tau_mem" : "tau")
            let count = tauMem.count
            let r = try values("r"), vLeak = try values("v_leak"), threshold = try values("v_threshold")
            let reset = n.tensor("v_reset")?.doubles ?? [Double](repeating: 0, count: count)
            if let i = reset.firstIndex(where: { $0 != 0 }) {
                throw CelestaError(
                    .unsupported,
                    "node '\(n.name)' (\(n.type)): 'v_reset[\(i)]' is \(reset[i]); Xylo resets by subtracting the threshold, so v_reset must be 0")
            }
            if let i = tauMem.firstIndex(where: { !($0 > 0) || !$0.isFinite }) {
                throw CelestaError(.outOfRange, "node '\(n.name)' (\(n.type)): time constant [\(i)] is \(tauMem[i]); it must be finite and > 0")
            }
            var tauSyn = [Double](repeating: 2 * dt, count: count)  // dash_syn 1: the shortest synapse that passes input
            var gain = (0..<count).map { dt * r[$0] / tauMem[$0] }
            let rockpool = isRockpoolExport(n, dt: dt)  // Rockpool's own export: gain 1
            if rockpool { gain = [Double](repeating: 1, count: count) }
            if cuba {
                tauSyn = try values("tau_syn")
                let wIn = try values("w_in")
                if let i = tauSyn.firstIndex(where: { !($0 > 0) || !$0.isFinite }) {
                    throw CelestaError(.outOfRange, "node '\(n.name)' (CubaLIF): 'tau_syn[\(i)]' is \(tauSyn[i]); it must be finite and > 0")
                }
                if !rockpool { gain = (0..<count).map { gain[$0] * dt * wIn[$0] / tauSyn[$0] } }
            }
            gain = gain.map(snapped)
            let bias = (0..<count).map { snapped(dt * vLeak[$0] / tauMem[$0]) }
            do {
                let lif = try LIFNeurons(nIn: count, nOut: count, tauMem: tauMem, tauSyn: tauSyn, threshold: threshold, bias: bias, dt: dt)
                out[n.name] = Neurons(lif: lif, gain: gain)
            } catch let e as CelestaError {
                throw CelestaError(e.code, "node '\(n.name)' (\(n.type)): \(e.message)")
            }
        }
        return out
    }

    /// A factor within a few ulps of an integer is that integer: Rockpool's and TALON's exports
    /// write `r = tau/dt` (and `w_in`, `v_leak` likewise), whose round trip through floating point
    /// lands next to 1 rather than on it; the weights must then map unchanged.
    static func snapped(_ x: Double) -> Double {
        let r = x.rounded()
        return r != 0 && abs(x - r) <= 8 * r.magnitude.ulp ? r : x
    }

    // MARK: Weights

    static func weights(_ n: IRNode, _ g: IRGraph, _ neurons: [String: Neurons], _ warnings: inout [String]) throws -> NodeKind {
        guard let w = n.tensor("weight"), w.ndim == 2 else {
            throw CelestaError(.invalidArgument, "node '\(n.name)' (\(n.type)): 'weight' must be a 2-D (out, in) array")
        }
        let nOut = w.shape[0], nIn = w.shape[1]
        // The gain of the neurons this block feeds (one per output column).
        var gain: [Double]? = nil
        for target in g.successors(n.name) {
            guard let t = neurons[target] else { continue }
            if let gain, gain != t.gain {
                throw CelestaError(
                    .unsupported,
                    "node '\(n.name)' feeds neurons of different input gains ('\(target)' among them); give each neuron population its own weight block")
            }
            gain = t.gain
        }
        if let gain, gain.count != nOut {
            throw CelestaError(.shapeMismatch, "node '\(n.name)' has \(nOut) outputs but the neurons it feeds have \(gain.count)")
        }
        let values = w.doubles
        var matrix = [Double](repeating: 0, count: nIn * nOut)
        for o in 0..<nOut {
            let scale = gain?[o] ?? 1
            for i in 0..<nIn { matrix[i * nOut + o] = values[o * nIn + i] * scale }
        }
        if n.type != "Linear", let b = n.tensor("bias"), b.doubles.contains(where: { $0 != 0 }) {
            warnings.append("node '\(n.name)': its bias is not mapped (Xylo synapses have no bias)")
        }
        return .linear(try LinearWeights(weight: matrix, nIn: nIn, nOut: nOut))
    }

    // MARK: Structure

    /// `ir` with nested graphs inlined: a subgraph's nodes are named `<node>.<inner>`, and edges
    /// into or out of the subgraph node go to its Input nodes / come from its Output nodes.
    static func inline(_ ir: IRGraph, prefix: String, depth: Int) throws -> IRGraph {
        guard depth < 32 else { throw CelestaError(.unsupported, "graphs nested deeper than 32 levels") }
        var out = try IRGraph(metadata: ir.metadata, allowCycles: true)
        var entries: [String: [String]] = [:], exits: [String: [String]] = [:]
        for n in ir.nodes {
            let name = prefix + n.name
            if let sub = n.subgraph {
                let inner = try inline(sub, prefix: name + ".", depth: depth + 1)
                // The nested graph's own Input and Output nodes are connection points only.
                let ports = Set((sub.inputs + sub.outputs).map { name + "." + $0 })
                for var m in inner.nodes {
                    if ports.contains(m.name) { m.type = passThrough }
                    try out.add(m)
                }
                out.edges += inner.edges
                entries[n.name] = sub.inputs.map { name + "." + $0 }
                exits[n.name] = sub.outputs.map { name + "." + $0 }
                continue
            }
            var renamed = n
            renamed.name = name
            try out.add(renamed)
        }
        for e in ir.edges {
            for s in exits[e.source] ?? [prefix + e.source] {
                for t in entries[e.target] ?? [prefix + e.target] { out.connect(s, t) }
            }
        }
        return out
    }

    /// The type given to nodes removed by `removePassThroughs`.
    static let passThrough = "celesta.passthrough"

    static func isPassThrough(_ n: IRNode) -> Bool {
        if n.type == passThrough || n.type == "Dropout" { return true }
        if n.type == "Skip", let t = n.fields["skip_type"]?.string { return t == "passthrough" || t == "identity" }
        if n.type == "Flatten" {
            let shape = n.inputType?.first ?? n.outputType?.first
            return shape.map { $0.filter { $0 != 1 }.count <= 1 } ?? false
        }
        return false
    }

    /// Removes identity nodes, joining each predecessor to each successor.
    static func removePassThroughs(_ g: inout IRGraph) throws {
        for n in g.nodes where isPassThrough(n) {
            let preds = g.edges.filter { $0.target == n.name }.map(\.source)
            let succs = g.edges.filter { $0.source == n.name }.map(\.target)
            try g.remove(n.name)
            for p in preds { for s in succs { g.connect(p, s) } }
        }
    }

    static func vectorSize(_ n: IRNode, _ ports: PortShapes?, _ what: String) throws -> Int {
        guard let shape = ports?.first else {
            throw CelestaError(.invalidArgument, "node '\(n.name)' (\(n.type)) has no known shape")
        }
        guard shape.filter({ $0 != 1 }).count <= 1 else {
            throw CelestaError(.unsupported, "node '\(n.name)' (\(n.type)): \(what) is \(shape); Xylo ports are vectors (flatten first)")
        }
        return shape.reduce(1, *)
    }

    /// Why `n` has no place on Xylo.
    static func unsupported(_ n: IRNode) -> CelestaError {
        let why: String
        switch n.type {
        case "Conv1d", "Conv2d", "SConv", "SDConv", "SepConv2d": why = "Xylo has no convolutions; express them as dense weights"
        case "MaxPool2d", "AvgPool2d", "SumPool2d", "Upsample", "Flatten": why = "Xylo has no spatial layers"
        case "IF", "I": why = "Xylo neurons always leak (the longest time constant is 2^15 steps); use a LIF"
        case "LI", "CubaLI": why = "Xylo neurons spike; a non-spiking integrator has no hardware (read the output neurons' Vmem instead)"
        case "Delay": why = "Xylo has no synaptic delays"
        case "Scale": why = "Xylo scales only through weights; fold the scale into the weight block next to it"
        case "Threshold": why = "Xylo's thresholds belong to its LIF neurons; a stand-alone Threshold has no hardware"
        default: why = "Xylo has no hardware for it"
        }
        return CelestaError(.unsupported, "node '\(n.name)' (\(n.type)): \(why)")
    }
}
