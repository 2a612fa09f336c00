import CelestaIR

/// JSON views of models and traces for the C ABI and the command line.
extension HLSModel {
    /// {input, output_width, io_type, project_name, part, clock_period, layers, warnings}.
    public func infoJSON() -> String {
        func num(_ v: Double) -> String { JSONText.number(v) }
        func param(_ p: HLSParam) -> String {
            switch p {
            case .scalar(let v): return "{\"mode\": \"scalar\", \"value\": \(num(v))}"
            case .vector(let v): return "{\"mode\": \"vector\", \"value\": [\(v.map(num).joined(separator: ", "))]}"
            }
        }
        let layerTexts: [String] = layers.map { l in
            var pairs: [(String, String)] = [("name", JSONText.quote(l.name)), ("class_name", JSONText.quote(l.className))]
            pairs.append(("types", "{" + l.slots.map { "\(JSONText.quote($0)): \(JSONText.quote(l.type($0).description))" }.joined(separator: ", ") + "}"))
            switch l.kind {
            case .dense(let d):
                pairs += [("n_in", "\(d.nIn)"), ("n_out", "\(d.nOut)"), ("reuse_factor", "\(d.reuseFactor)"),
                          ("strategy", JSONText.quote(d.strategy.rawValue))]
            case .ifNeuron(let n), .lifNeuron(let n):
                pairs += [("n", "\(n.n)"), ("reset_mechanism", JSONText.quote(n.reset.rawValue)), ("window_size", "\(n.windowSize)"),
                          ("threshold", param(n.threshold))]
                if let b = n.beta { pairs.append(("beta", param(b))) }
            case .readout(let r):
                pairs += [("n_classes", "\(r.nClasses)"), ("window_size", "\(r.windowSize)"), ("class_threshold", "\(r.classThreshold)"),
                          ("output_mode", JSONText.quote(r.mode.rawValue)), ("decision_rule", JSONText.quote(r.rule.rawValue)),
                          ("state_reset_policy", JSONText.quote(r.policy.rawValue)), ("beta", num(r.beta))]
            }
            return JSONText.object(pairs, indent: "    ")
        }
        return JSONText.object([
            ("project_name", JSONText.quote(projectName)),
            ("io_type", JSONText.quote(ioType.rawValue)),
            ("part", JSONText.quote(part)),
            ("clock_period", num(clockPeriod)),
            ("input", "{\"name\": \(JSONText.quote(input.name)), \"n\": \(input.n), \"type\": \(JSONText.quote(input.type.description))}"),
            ("output_width", "\(outputWidth)"),
            ("layers", JSONText.array(layerTexts, indent: "  ")),
            ("warnings", JSONText.array(weightWarnings().map(JSONText.quote), indent: "  ")),
        ])
    }
}

extension HLSTrace {
    /// {layer: {key: [[...]]}, "__order__": [layers]}.
    public func json() -> String {
        var parts: [String] = []
        for name in order {
            let keys = keys(name).map { key in
                "\(JSONText.quote(key)): [" + (layers[name]?[key] ?? []).map { "[" + $0.map(JSONText.number).joined(separator: ", ") + "]" }.joined(separator: ", ") + "]"
            }
            parts.append("\(JSONText.quote(name)): {\(keys.joined(separator: ", "))}")
        }
        parts.append("\"__order__\": [\(order.map(JSONText.quote).joined(separator: ", "))]")
        return "{" + parts.joined(separator: ", ") + "}"
    }
}

extension HLSConvertOptions {
    /// From a JSON dict: `hls_config` (dict), `readout` (dict), `reset_mechanism` (string).
    public init(json: [UInt8]) throws {
        self.init()
        guard !json.isEmpty else { return }
        guard case .object(let m, _) = try JSONParser.parse(json, name: "options") else {
            throw CelestaError(.invalidArgument, "options must be a JSON dict")
        }
        for key in m.keys where !["hls_config", "readout", "reset_mechanism"].contains(key) {
            throw CelestaError(.invalidArgument, "options: unknown key '\(key)' (hls_config, readout, reset_mechanism)")
        }
        if let c = m["hls_config"], c != .null { configJSON = Self.text(c) }
        if let r = m["readout"], r != .null { readoutJSON = Self.text(r) }
        if case .string(let s)? = m["reset_mechanism"] { resetMechanism = s }
    }

    /// JSON text of a parsed value (round trip for the nested dicts).
    static func text(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let d): return JSONText.number(d)
        case .integer(let i): return "\(i)"
        case .string(let s): return JSONText.quote(s)
        case .numbers(let xs): return "[" + xs.map(JSONText.number).joined(separator: ", ") + "]"
        case .array(let xs): return "[" + xs.map(text).joined(separator: ", ") + "]"
        case .object(let m, let order): return "{" + order.map { "\(JSONText.quote($0)): \(text(m[$0] ?? .null))" }.joined(separator: ", ") + "}"
        }
    }
}
