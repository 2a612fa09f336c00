import CelestaIR

/// Options of the IR -> HLS conversion (the hls4ml config's Model / LayerName settings, and
/// a readout when the graph has none).
public struct HLSConvertOptions: Sendable {
    /// hls4ml config dict as JSON text (`IOType`, `Part`, `ClockPeriod`, `HLSConfig` with
    /// Model / LayerType / LayerName precisions, ReuseFactor, Strategy); empty: defaults.
    public var configJSON: String = ""
    /// Adds an SNNReadout after the last layer (JSON dict with the readout fields:
    /// `decision_rule`, `window_size`, `output_mode`, `class_threshold`, `beta`,
    /// `state_reset_policy`), or nil for none.
    public var readoutJSON: String?
    /// Reset of the neurons: `subtract` or `zero`.
    public var resetMechanism: String = "subtract"
    public init() {}
}

extension HLSModel {
    /// Converts a feed-forward chain of the IR: Affine / SpikingAffine -> Dense (weight
    /// transposed to [in][out]); LIF -> LIFNeuron with beta = 1 - 1/tau and threshold =
    /// v_threshold; IF -> IFNeuron. A neuron's input resistance `r` is folded into the
    /// preceding Dense (its weights and bias of output j are scaled by r[j]); `v_leak` must be
    /// 0 and `v_reset` (if given) 0. A node `SNNReadout` in the graph, or `options.readoutJSON`,
    /// adds the readout. Any other primitive is refused, naming the node.
    public static func fromIR(_ graph: IRGraph, options: HLSConvertOptions = HLSConvertOptions()) throws -> HLSModel {
        guard let order = graph.topologicalOrder else {
            throw CelestaError(.unsupported, "the FPGA backend needs a feed-forward graph (this one has cycles)")
        }
        var dicts: [JSONValue] = []
        var inputN: Int?
        var pending: [JSONValue] = []       // the last Dense, while a following neuron may scale it
        func dict(_ pairs: [(String, JSONValue)]) -> JSONValue {
            .object(Dictionary(pairs, uniquingKeysWith: { a, _ in a }), order: pairs.map(\.0))
        }
        for name in order {
            let node = try graph.require(name)
            if node.isA("Input") {
                inputN = node.outputType?.first.map { $0.reduce(1, *) }
                continue
            }
            if node.isA("Output") { continue }
            let preds = graph.predecessors(name)
            guard preds.count <= 1 else {
                throw CelestaError(.unsupported, "node '\(name)' (\(node.type)): the FPGA backend takes a chain of layers; this node has \(preds.count) inputs")
            }
            if node.isA("Affine") || node.type == "SpikingAffine" {
                guard let w = node.tensor("weight"), w.shape.count == 2 else {
                    throw CelestaError(.invalidArgument, "node '\(name)' (\(node.type)): weight must be 2-D (out, in)")
                }
                let nOut = w.shape[0], nIn = w.shape[1]
                let wv = w.doubles
                var t = [Double](repeating: 0, count: nIn * nOut)
                for j in 0..<nOut { for i in 0..<nIn { t[i * nOut + j] = wv[j * nIn + i] } }
                let b = node.tensor("bias")?.doubles ?? Array(repeating: 0, count: nOut)
                if inputN == nil { inputN = nIn }
                dicts += pending
                pending = [dict([("name", .string(name)), ("class_name", .string("Dense")), ("n_in", .number(Double(nIn))),
                                 ("n_out", .number(Double(nOut))), ("weight", .numbers(t)), ("bias", .numbers(b))])]
            } else if node.isA("LIF") || node.isA("IF") {
                let lif = node.isA("LIF")
                let thr = node.tensor("v_threshold")?.doubles ?? []
                let n = thr.count
                guard n > 0 else { throw CelestaError(.invalidArgument, "node '\(name)' (\(node.type)): no v_threshold") }
                for field in ["v_leak", "v_reset"] {
                    if let v = node.tensor(field)?.doubles, let bad = v.first(where: { $0 != 0 }) {
                        throw CelestaError(.unsupported, "node '\(name)' (\(node.type)): \(field) \(bad) is not supported by the FPGA kernels (only 0)")
                    }
                }
                if let r = node.tensor("r")?.doubles, r.contains(where: { $0 != 1 }) {
                    guard case .object(var m, let keys)? = pending.first, let w = try? m["weight"]?.flatNumbers("w"),
                          let b = try? m["bias"]?.flatNumbers("b"), r.count == b.count else {
                        throw CelestaError(.unsupported, "node '\(name)' (\(node.type)): r != 1 needs a Dense right before it to fold r into")
                    }
                    let nOut = b.count
                    m["weight"] = .numbers(w.enumerated().map { $0.element * r[$0.offset % nOut] })
                    m["bias"] = .numbers(b.enumerated().map { $0.element * r[$0.offset] })
                    pending = [.object(m, order: keys)]
                }
                dicts += pending
                pending = []
                if inputN == nil { inputN = n }
                var pairs: [(String, JSONValue)] = [("name", .string(name)), ("class_name", .string(lif ? "LIFNeuron" : "IFNeuron")),
                                                    ("n", .number(Double(n))), ("reset_mechanism", .string(options.resetMechanism)),
                                                    ("threshold", Set(thr).count == 1 ? .number(thr[0]) : .numbers(thr))]
                if lif {
                    let tau = node.tensor("tau")?.doubles ?? []
                    guard tau.count == n, !tau.contains(where: { $0 == 0 }) else {
                        throw CelestaError(.invalidArgument, "node '\(name)' (LIF): tau must have \(n) non-zero values")
                    }
                    let beta = tau.map { 1 - 1 / $0 }
                    pairs.append(("beta", Set(beta).count == 1 ? .number(beta[0]) : .numbers(beta)))
                }
                dicts.append(dict(pairs))
            } else if node.type == "SNNReadout" {
                dicts += pending
                pending = []
                var pairs: [(String, JSONValue)] = [("name", .string(name)), ("class_name", .string("SNNReadout"))]
                for e in node.fields.entries where e.key != "name" && e.key != "class_name" {
                    if let d = e.value.double { pairs.append((e.key, .number(d))) } else if let s = e.value.string { pairs.append((e.key, .string(s))) }
                }
                dicts.append(dict(pairs))
            } else {
                throw CelestaError(.unsupported, "node '\(name)': \(node.type) is not supported by the FPGA backend (supported: Affine, SpikingAffine, LIF, IF, SNNReadout)")
            }
        }
        dicts += pending
        guard let n = inputN, !dicts.isEmpty else {
            throw CelestaError(.invalidArgument, "the graph has no layers the FPGA backend can map")
        }
        if let ro = options.readoutJSON {
            guard case .object(var m, var keys) = try JSONParser.parse(Array(ro.utf8), name: "readout") else {
                throw CelestaError(.invalidArgument, "readout options must be a JSON dict")
            }
            if m["class_name"] == nil { m["class_name"] = .string("SNNReadout"); keys.append("class_name") }
            if m["name"] == nil { m["name"] = .string("readout"); keys.append("name") }
            dicts.append(.object(m, order: keys))
        }
        let input = dict([("name", .string("x")), ("class_name", .string("Input")), ("n", .number(Double(n)))])
        let config = options.configJSON.isEmpty ? JSONValue.object([:], order: []) : try JSONParser.parse(Array(options.configJSON.utf8), name: "hls_config")
        return try fromLayers(.array([input] + dicts), config: config)
    }
}
