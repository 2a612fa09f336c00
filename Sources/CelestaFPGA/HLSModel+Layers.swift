import CelestaIR

/// `from_layers`: a model from hls4ml's vocabulary, so that an hls4ml user's configuration
/// carries over.
///
/// * `layers`: a list of dicts with `class_name` Input / Dense / IFNeuron / LIFNeuron /
///   SNNReadout and the attributes of the reference cases' layers (`n`, `n_in`, `n_out`,
///   `weight` [n_in][n_out], `bias`, `reset_mechanism`, `threshold` / `beta` as
///   {mode, value} or a number or a list, `window_size`, `n_classes`, `class_threshold`,
///   `output_mode`, `decision_rule`, `state_reset_policy`).
/// * `config`: hls4ml's configuration dict: `IOType`, `Part`, `ClockPeriod`, `ProjectName`,
///   `HLSConfig` with `Model`, `LayerType.<class>` and `LayerName.<name>`, each with
///   `Precision` (a type string, or a dict of slot -> type with `default`), `ReuseFactor`,
///   `Strategy`.
///
/// Types resolve as hls4ml resolves them: the layer name's setting (slot key, then
/// `default`), else the layer type's (slot key, then `default`), else the model's (slot key,
/// then `default`); names and classes match without regard to case. As hls4ml's convert flow does,
/// the window of the first `fixed_window` readout is copied into every IF/LIF layer.
extension HLSModel {
    public static func fromLayers(json layers: [UInt8], config: [UInt8]) throws -> HLSModel {
        let l = try JSONParser.parse(layers, name: "layers")
        let c = config.isEmpty ? JSONValue.object([:], order: []) : try JSONParser.parse(config, name: "hls_config")
        return try fromLayers(l, config: c)
    }

    /// A layers document `{"layers": [...], "hls_config": {...}}` (the config optional:
    /// `defaultConfig` then); nil when the JSON is not such a document (e.g. an IR graph).
    public static func fromLayersDocument(_ bytes: [UInt8], defaultConfig: [UInt8]) throws -> HLSModel? {
        guard case .object(let m, _) = try JSONParser.parse(bytes, name: "layers file"), let layers = m["layers"] else { return nil }
        let config = try m["hls_config"] ?? JSONParser.parse(defaultConfig, name: "hls_config")
        return try fromLayers(layers, config: config)
    }

    package static func fromLayers(_ layersValue: JSONValue, config: JSONValue) throws -> HLSModel {
        guard let items = layersValue.elements, !items.isEmpty else {
            throw CelestaError(.invalidArgument, "layers must be a non-empty list of layer dicts")
        }
        let cfg = ConfigReader(config)
        var dicts: [LayerDict] = []
        for (i, item) in items.enumerated() { dicts.append(try LayerDict(item, index: i)) }
        guard dicts[0].className == "Input" else {
            throw CelestaError(.invalidArgument, "layers[0] ('\(dicts[0].name)'): the first layer must be an Input, not \(dicts[0].className)")
        }
        let inputN = try dicts[0].int("n")
        guard inputN > 0 else { throw CelestaError(.outOfRange, "layer '\(dicts[0].name)': n \(inputN) must be positive") }
        let input = HLSInput(name: dicts[0].name, n: inputN,
                             type: try cfg.type(layer: dicts[0].name, className: "Input", slot: "result"))
        var out: [HLSLayer] = []
        var width = inputN
        var inType = input.type
        for d in dicts.dropFirst() {
            let layer = try d.layer(inputWidth: width, inputType: inType, config: cfg)
            out.append(layer)
            width = layer.outputWidth
            inType = layer.type("result_t")
        }
        var model = HLSModel(input: input, layers: out)
        model.ioType = try cfg.ioType()
        if let part = cfg.string("Part") { model.part = part }
        if let clock = cfg.number("ClockPeriod") { model.clockPeriod = clock }
        if let name = cfg.string("ProjectName") { model.projectName = name }
        try model.resolveWindows()
        return model
    }

    /// hls4ml's pass: the first fixed-window readout's window goes into every neuron layer.
    /// A fixed-window readout with window 0 is refused (its neurons would never clear while
    /// the readout decides every step).
    public mutating func resolveWindows() throws {
        var window: Int?
        for layer in layers {
            guard case .readout(let r) = layer.kind, r.policy == .fixedWindow else { continue }
            guard r.windowSize > 0 else {
                throw CelestaError(.outOfRange, "layer '\(layer.name)': window_size 0 with state_reset_policy fixed_window; a fixed-window readout needs a window of at least 1 step")
            }
            if window == nil { window = r.windowSize }
        }
        guard let w = window else { return }
        for i in layers.indices {
            switch layers[i].kind {
            case .ifNeuron(var n): n.windowSize = w; layers[i].kind = .ifNeuron(n)
            case .lifNeuron(var n): n.windowSize = w; layers[i].kind = .lifNeuron(n)
            default: break
            }
        }
    }
}

/// The hls4ml configuration dict, read for types, reuse factors and strategies.
struct ConfigReader {
    let root: [String: JSONValue]
    let hls: [String: JSONValue]

    init(_ v: JSONValue) {
        root = ConfigReader.members(v)
        hls = ConfigReader.members(root["HLSConfig"] ?? .null)
    }

    static func members(_ v: JSONValue) -> [String: JSONValue] {
        if case .object(let m, _) = v { return m }
        return [:]
    }

    func string(_ key: String) -> String? {
        if case .string(let s)? = root[key] { return s }
        return nil
    }

    func number(_ key: String) -> Double? {
        switch root[key] {
        case .number(let d)?: return d
        case .integer(let i)?: return Double(i)
        default: return nil
        }
    }

    func ioType() throws -> HLSModel.IOType {
        guard let s = string("IOType") else { return .stream }
        guard let t = HLSModel.IOType(rawValue: s.lowercased()) else {
            throw CelestaError(.invalidArgument, "IOType '\(s)' is not io_stream or io_parallel")
        }
        return t
    }

    /// The settings dicts that apply to a layer, most specific first. As hls4ml's ConfigReader,
    /// `LayerName` and `LayerType` keys match the layer's name / class without regard to case,
    /// and when several keys match, their settings are merged in the document's order (a later
    /// key's setting wins, a `Precision` dict setting each of its slots, a `Precision` string
    /// the layer's `default`, as hls4ml records them).
    private func scopes(_ layer: String, _ className: String) -> [(String, [String: JSONValue])] {
        var out: [(String, [String: JSONValue])] = []
        if let s = merged("LayerName", layer) { out.append(s) }
        if let s = merged("LayerType", className) { out.append(s) }
        out.append(("HLSConfig.Model", ConfigReader.members(hls["Model"] ?? .null)))
        return out
    }

    /// The merged settings of the `section` keys that equal `name` without regard to case (nil
    /// when none does): the path names the last matching key. `Precision` becomes a dict.
    private func merged(_ section: String, _ name: String) -> (String, [String: JSONValue])? {
        guard case .object(let entries, let order)? = hls[section] else { return nil }
        let lower = name.lowercased()
        var result: [String: JSONValue] = [:]
        var precision: [String: JSONValue] = [:]
        var path: String?
        var lastString: String?
        for key in order where key.lowercased() == lower {
            let m = ConfigReader.members(entries[key] ?? .null)
            path = "HLSConfig.\(section).\(key)"
            for (k, v) in m where k != "Precision" && v != .null { result[k] = v }
            lastString = nil
            switch m["Precision"] {
            case .object(let slots, _)?: for (k, v) in slots { precision[k] = v }
            case .string(let s)?: precision["default"] = .string(s); lastString = s
            default: precision["default"] = nil   // hls4ml records None: the layer default is unset
            }
        }
        guard let path else { return nil }
        // one Precision string alone stays a string (its errors name `<path>.Precision`)
        if let s = lastString, precision.count == 1 {
            result["Precision"] = .string(s)
        } else {
            result["Precision"] = .object(precision, order: precision.keys.sorted())
        }
        return (path, result)
    }

    /// The type of one slot (`weight`, `bias`, `accum`, `result`, `beta`, `threshold`,
    /// `membrane`); an `auto` setting gives the model default (use `setting` to infer it).
    func type(layer: String, className: String, slot: String) throws -> FixedType {
        try setting(layer: layer, className: className, slot: slot) ?? modelDefault()
    }

    /// The configured type of one slot, nil when it is `auto` (see AutoPrecision.swift). As
    /// hls4ml resolves it: the layer name's slot key, then its `default` (or a `Precision`
    /// string), else the layer type's slot key, then its `default`, else the model's slot key,
    /// then its `default` (hls4ml's own default ap_fixed<16,6> when none is given).
    func setting(layer: String, className: String, slot: String) throws -> FixedType? {
        let all = scopes(layer, className)
        for (i, (path, scope)) in all.enumerated() {
            let isModel = i == all.count - 1
            switch scope["Precision"] {
            case .string(let s)?:
                return isModel ? try modelDefault() : try parse(s, "\(path).Precision", layer, slot)
            case .object(let m, _)?:
                if case .string(let s)? = m[slot] { return try parse(s, "\(path).Precision.\(slot)", layer, slot) }
                if isModel { return try modelDefault() }
                // a layer's (or layer type's) default comes before the next scope's slot
                if case .string(let s)? = m["default"] { return try parse(s, "\(path).Precision.default", layer, slot) }
            default: break
            }
        }
        return try modelDefault()
    }

    /// `HLSConfig.Model.Precision` (a string) or its `default`; ap_fixed<16,6> when none is given.
    /// hls4ml infers only layer-level precisions: an `auto` model default is refused.
    func modelDefault() throws -> FixedType {
        let (path, text) = modelPrecision("default")
        guard let text else { return FixedType(width: 16, intBits: 6) }
        guard text.lowercased() != "auto" else {
            throw CelestaError(.invalidArgument, "\(path) is 'auto'; only layer-level precisions (LayerName / LayerType, or a slot of Model) can be 'auto': give the model default an explicit type (e.g. ap_fixed<16,6>)")
        }
        return try FixedType(parsing: text, what: "model default type (\(path))")
    }

    /// `HLSConfig.Model.Precision.maximum`: the widest type that `auto` inference may give.
    func maximumPrecision() throws -> FixedType? {
        let (path, text) = modelPrecision("maximum")
        guard let text, path.hasSuffix(".maximum") else { return nil }
        return try FixedType(parsing: text, what: "maximum precision (\(path))")
    }

    private func modelPrecision(_ key: String) -> (path: String, text: String?) {
        switch ConfigReader.members(hls["Model"] ?? .null)["Precision"] {
        case .string(let s)?: return ("HLSConfig.Model.Precision", s)
        case .object(let m, _)?:
            if case .string(let s)? = m[key] { return ("HLSConfig.Model.Precision.\(key)", s) }
            return ("HLSConfig.Model.Precision.\(key)", nil)
        default: return ("HLSConfig.Model.Precision", nil)
        }
    }

    private func parse(_ s: String, _ path: String, _ layer: String, _ slot: String) throws -> FixedType? {
        if s.lowercased() == "auto" { return nil }
        return try FixedType(parsing: s, what: "layer '\(layer)' \(slot)_t (\(path))")
    }

    func reuseFactor(layer: String, className: String) throws -> Int {
        for (path, scope) in scopes(layer, className) {
            switch scope["ReuseFactor"] {
            case .integer(let v)?: guard v >= 1 else { throw rfError(path, Double(v), layer) }; return v
            case .number(let d)?:
                guard d >= 1, d == d.rounded() else { throw rfError(path, d, layer) }
                return Int(d)
            default: continue
            }
        }
        return 1
    }

    private func rfError(_ path: String, _ v: Double, _ layer: String) -> CelestaError {
        CelestaError(.outOfRange, "layer '\(layer)': \(path).ReuseFactor \(v) must be a positive integer")
    }

    func strategy(layer: String, className: String) throws -> HLSDense.Strategy {
        for (path, scope) in scopes(layer, className) {
            guard case .string(let s)? = scope["Strategy"] else { continue }
            guard let v = HLSDense.Strategy(rawValue: s.lowercased()) else {
                throw CelestaError(.invalidArgument, "layer '\(layer)': \(path).Strategy '\(s)' is not Latency or Resource")
            }
            return v
        }
        return .latency
    }
}
