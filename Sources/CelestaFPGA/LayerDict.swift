import CelestaIR

/// One hls4ml-style layer dict, read into an `HLSLayer`. Errors name the layer and the value.
struct LayerDict {
    let name: String
    let className: String
    let members: [String: JSONValue]

    init(_ v: JSONValue, index: Int) throws {
        guard case .object(let m, _) = v else {
            throw CelestaError(.invalidArgument, "layers[\(index)] must be a dict")
        }
        members = m
        guard case .string(let cls)? = m["class_name"] else {
            throw CelestaError(.invalidArgument, "layers[\(index)] has no class_name")
        }
        className = cls
        if case .string(let n)? = m["name"] { name = n } else { name = index == 0 ? "x" : "layer\(index + 1)" }
    }

    func has(_ key: String) -> Bool { members[key] != nil && members[key] != .null }

    func int(_ key: String, default d: Int? = nil) throws -> Int {
        switch members[key] {
        case .integer(let v)?: return v
        case .number(let v)? where v == v.rounded() && abs(v) < 1e15: return Int(v)
        case nil, .null?:
            if let d { return d }
            throw CelestaError(.invalidArgument, "layer '\(name)' (\(className)): missing '\(key)'")
        default:
            throw CelestaError(.invalidArgument, "layer '\(name)' (\(className)): '\(key)' must be an integer")
        }
    }

    func string(_ key: String, default d: String) throws -> String {
        switch members[key] {
        case .string(let s)?: return s
        case nil, .null?: return d
        default: throw CelestaError(.invalidArgument, "layer '\(name)' (\(className)): '\(key)' must be a string")
        }
    }

    func numbers(_ key: String) throws -> [Double] {
        guard let v = members[key] else { throw CelestaError(.invalidArgument, "layer '\(name)' (\(className)): missing '\(key)'") }
        return try v.flatNumbers("layer '\(name)' \(key)")
    }

    /// A threshold / beta: {mode, value}, a number, or a list.
    func param(_ key: String, n: Int, default d: Double?) throws -> HLSParam {
        var v = members[key]
        if case .object(let m, _)? = v { v = m["value"] }
        switch v {
        case .number(let x)?: return .scalar(x)
        case .integer(let x)?: return .scalar(Double(x))
        case nil, .null?:
            if let d { return .scalar(d) }
            throw CelestaError(.invalidArgument, "layer '\(name)' (\(className)): missing '\(key)'")
        default:
            let values = try v!.flatNumbers("layer '\(name)' \(key)")
            guard values.count == n else {
                throw CelestaError(.shapeMismatch, "layer '\(name)': \(key) has \(values.count) values for \(n) neurons")
            }
            return .vector(values)
        }
    }

    /// The layer; `inputType`: the previous layer's result type (for `auto` types).
    func layer(inputWidth: Int, inputType: FixedType, config cfg: ConfigReader) throws -> HLSLayer {
        let kind: HLSLayer.Kind
        switch className {
        case "Dense":
            let nIn = try int("n_in", default: inputWidth), nOut = try int("n_out")
            try check(nIn == inputWidth, "n_in \(nIn) does not match the previous layer's width \(inputWidth)")
            try check(nOut > 0, "n_out \(nOut) must be positive")
            let w = try numbers("weight")
            try check(w.count == nIn * nOut, "weight has \(w.count) values, expected [n_in][n_out] = \(nIn)x\(nOut)")
            let b = has("bias") ? try numbers("bias") : Array(repeating: 0, count: nOut)
            try check(b.count == nOut, "bias has \(b.count) values, expected n_out = \(nOut)")
            var d = HLSDense(nIn: nIn, nOut: nOut, weight: w, bias: b)
            d.reuseFactor = try cfg.reuseFactor(layer: name, className: className)
            d.strategy = try cfg.strategy(layer: name, className: className)
            kind = .dense(d)
        case "IFNeuron", "LIFNeuron":
            let n = try int("n", default: inputWidth)
            try check(n == inputWidth, "n \(n) does not match the previous layer's width \(inputWidth)")
            let resetText = try string("reset_mechanism", default: "subtract")
            guard let reset = HLSNeuron.Reset(rawValue: resetText) else {
                throw CelestaError(.invalidArgument, "layer '\(name)': reset_mechanism '\(resetText)' is not subtract or zero")
            }
            let lif = className == "LIFNeuron"
            let neuron = HLSNeuron(n: n, reset: reset, windowSize: try int("window_size", default: 0),
                                   threshold: try param("threshold", n: n, default: 1),
                                   beta: lif ? try param("beta", n: n, default: nil) : nil)
            try check(neuron.windowSize >= 0, "window_size \(neuron.windowSize) must be >= 0")
            kind = lif ? .lifNeuron(neuron) : .ifNeuron(neuron)
        case "SNNReadout":
            kind = .readout(try readout(inputWidth: inputWidth))
        default:
            throw CelestaError(.unsupported, "layer '\(name)': class_name '\(className)' is not supported for the FPGA (Input, Dense, IFNeuron, LIFNeuron, SNNReadout)")
        }
        var layer = HLSLayer(name: name, kind: kind, types: [:])
        var auto: [String] = []
        for slot in layer.slots {
            if let t = try cfg.setting(layer: name, className: className, slot: String(slot.dropLast(2))) {
                layer.types[slot] = t
            } else {
                auto.append(slot)
            }
        }
        if !auto.isEmpty { try cfg.inferAuto(&layer, slots: auto, inputType: inputType) }
        return layer
    }

    private func readout(inputWidth: Int) throws -> HLSReadout {
        let n = try int("n_classes", default: inputWidth)
        try check(n == inputWidth, "n_classes \(n) does not match the previous layer's width \(inputWidth)")
        var r = HLSReadout(nClasses: n, windowSize: try int("stream_length", default: try int("window_size", default: 1)))
        try check(r.windowSize >= 0, "window_size \(r.windowSize) must be >= 0")
        r.classThreshold = try int("class_threshold", default: 1)
        let modeText = try string("output_mode", default: "spike")
        guard let mode = HLSReadout.Mode(rawValue: modeText) else {
            throw CelestaError(.invalidArgument, "layer '\(name)': output_mode '\(modeText)' is not spike or membrane")
        }
        r.mode = mode
        let ruleText = try string("decision_rule", default: mode == .spike ? "argmax_spike_count" : "argmax_membrane")
        guard let rule = HLSReadout.Rule(rawValue: ruleText) else {
            throw CelestaError(.invalidArgument, "layer '\(name)': decision_rule '\(ruleText)' is not one of \(HLSReadout.Rule.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        r.rule = rule
        let policyText = try string("state_reset_policy", default: try string("reset_policy", default: "fixed_window"))
        guard let policy = HLSReadout.Policy(rawValue: policyText) else {
            throw CelestaError(.invalidArgument, "layer '\(name)': state_reset_policy '\(policyText)' is not one of \(HLSReadout.Policy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        r.policy = policy
        let beta = try param("beta", n: n, default: 1)
        guard case .scalar(let b) = beta else {
            throw CelestaError(.invalidArgument, "layer '\(name)': the readout beta must be a scalar")
        }
        r.beta = b
        try check(rule != .binaryLogit || n == 2, "decision_rule binary_logit needs n_classes == 2, not \(n)")
        try check(mode == .spike || rule == .argmaxMembrane || rule == .binaryLogit,
                  "output_mode membrane allows only argmax_membrane or binary_logit, not \(rule.rawValue)")
        try check(rule != .argmaxMembrane || mode == .membrane, "decision_rule argmax_membrane needs output_mode membrane")
        return r
    }

    private func check(_ ok: Bool, _ why: String) throws {
        if !ok { throw CelestaError(.invalidArgument, "layer '\(name)' (\(className)): \(why)") }
    }
}
