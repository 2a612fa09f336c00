import FoundationEssentials

/// How a backend compiles a graph: TALON's `CompileConfig` fields, and the settings only one
/// backend knows (each backend documents the keys it takes and refuses the others, naming
/// them).
public struct BackendCompileOptions: Sendable {
    /// "dag" or "cyclic"; nil: from the graph (`isDAG`).
    public var executionMode: String? = nil
    public var maxIterations = 100
    public var convergenceThreshold = 1e-6
    /// The precision of a node that names none.
    public var targetPrecision = "int8"
    public var optimizeFor = "latency"
    /// The backend's own settings, by key.
    public var settings = IRDict()
    /// A descriptor read from a binary file (`read`): the number of neuron configurations the
    /// file counted; the file holds no configurations, so `neuronConfigs` is empty and
    /// `binary` writes this count while it stays empty. nil otherwise.
    public var binaryNeuronConfigCount: Int? = nil
    public init() {}

    /// Refuses a setting the backend does not know (`.invalidArgument` naming it and the known ones).
    public func checkSettings(known: [String], backend: String) throws {
        for key in settings.keys where !known.contains(key) {
            throw CelestaError(
                .invalidArgument,
                "backend '\(backend)' has no compile setting '\(key)'" + (known.isEmpty ? " (it takes none)" : " (known: \(known.joined(separator: ", ")))"))
        }
    }
}

/// What `compile` makes (TALON's `HardwareDescriptor`): the nodes' configurations and weight
/// tables per core, the routing and the schedule, and metadata. Keys keep their order.
public struct BackendDescriptor: Sendable {
    /// One node as the target configures it (TALON's `NeuronConfig`).
    public struct NeuronConfig: Sendable {
        public var nodeName: String
        public var nodeType: String
        public var coreID: Int
        public var precision: String
        /// The node's fields as TALON's `to_dict()` gives them (without `type`).
        public var parameters: IRDict
        public init(nodeName: String, nodeType: String, coreID: Int, precision: String, parameters: IRDict) {
            self.nodeName = nodeName
            self.nodeType = nodeType
            self.coreID = coreID
            self.precision = precision
            self.parameters = parameters
        }
    }

    /// Per core (in the order cores first appear): its nodes' configurations.
    public var neuronConfigs: [(core: Int, configs: [NeuronConfig])] = []
    /// Per core: `"<node>.<field>"` (or the target's own names) -> array.
    public var weightTables: [(core: Int, table: IRDict)] = []
    public var routingTables = IRDict()
    /// Per core: stages of node names.
    public var executionSchedule: [(core: Int, stages: [[String]])] = []
    public var metadata = IRDict()
    /// What the target needs beyond TALON's fields to load the result (Xylo: the weight shifts,
    /// the aliases and the step); not part of `to_json` / `to_binary`.
    public var settings = IRDict()
    /// A descriptor read from a binary file (`read`): the number of neuron configurations the
    /// file counted; the file holds no configurations, so `neuronConfigs` is empty and
    /// `binary` writes this count while it stays empty. nil otherwise.
    public var binaryNeuronConfigCount: Int? = nil
    public init() {}

    /// TALON's cpu `compile` (reference README §13), which any backend configuring node by node
    /// can use: each non-I/O node's configuration on core `core_id` (0 when unset) with its
    /// precision (else `targetPrecision`) and its fields; every array field of one or more
    /// dimensions in the weight table as `"<node>.<field>"`; one stage per core in
    /// topological order (node order when cyclic); metadata `backend`, `execution_mode`,
    /// `optimize_for`, `num_nodes`, `num_edges`.
    public static func perNode(_ graph: IRGraph, options: BackendCompileOptions, backend: String) -> BackendDescriptor {
        var d = BackendDescriptor()
        func core(_ n: IRNode) -> Int { n["core_id"]?.int ?? 0 }
        for n in graph.nodes where !isPort(n) {
            let c = core(n)
            let params = talonParameters(n)
            var precision = options.targetPrecision
            if case .string(let p)? = n["precision"], !p.isEmpty { precision = p }
            let config = NeuronConfig(nodeName: n.name, nodeType: n.type, coreID: c, precision: precision, parameters: params)
            if let i = d.neuronConfigs.firstIndex(where: { $0.core == c }) { d.neuronConfigs[i].configs.append(config) } else { d.neuronConfigs.append((c, [config])) }
            for e in params.entries {
                guard case .tensor(let t) = e.value, t.ndim >= 1 else { continue }
                if !d.weightTables.contains(where: { $0.core == c }) { d.weightTables.append((c, IRDict())) }
                let i = d.weightTables.firstIndex { $0.core == c }!
                d.weightTables[i].table[n.name + "." + e.key] = e.value
            }
        }
        for name in graph.topologicalOrder ?? graph.nodeNames {
            guard let n = graph.node(name), !isPort(n) else { continue }
            let c = core(n)
            if let i = d.executionSchedule.firstIndex(where: { $0.core == c }) { d.executionSchedule[i].stages[0].append(name) } else { d.executionSchedule.append((c, [[name]])) }
        }
        d.metadata = [
            "backend": .string(backend), "execution_mode": .string(options.executionMode ?? (graph.isDAG ? "dag" : "cyclic")),
            "optimize_for": .string(options.optimizeFor), "num_nodes": .int(graph.nodes.count), "num_edges": .int(graph.edges.count),
        ]
        return d
    }

    /// An Input or Output node (by its primitive's own name, as TALON's class check).
    public static func isPort(_ n: IRNode) -> Bool { n.type == "Input" || n.type == "Output" }

    /// TALON's `node.to_dict()` without `type`: every field that holds a value (not None, not
    /// an empty dict), in the primitive's field order, without the fields TALON leaves out
    /// while they hold their default.
    public static func talonParameters(_ n: IRNode) -> IRDict {
        var out = IRDict()
        let specs = n.descriptor?.fields ?? []
        let order = specs.map(\.name) + n.fields.keys.filter { k in !specs.contains { $0.name == k } }
        for key in order {
            guard let v = n.fields[key], v != .none else { continue }
            if case .dict(let d) = v, d.isEmpty { continue }
            if let spec = specs.first(where: { $0.name == key }), spec.omits(v) { continue }
            out.appendNew(key, v)
        }
        return out
    }

    // MARK: Views

    /// The descriptor as one IR value (arrays as tensors): `{neuron_configs: {"<core>":
    /// [{node_name, node_type, core_id, precision, parameters}]}, weight_tables: {"<core>":
    /// {key: array}}, routing_tables, execution_schedule: {"<core>": [[names]]}, metadata,
    /// settings}`, and `binary_neuron_config_count` when it is set.
    public var value: IRValue {
        var out = IRDict()
        out.appendNew("neuron_configs", .dict(IRDict(neuronConfigs.map { c in
            IREntry(String(c.core), .list(c.configs.map { n in
                .dict(["node_name": .string(n.nodeName), "node_type": .string(n.nodeType), "core_id": .int(n.coreID),
                       "precision": .string(n.precision), "parameters": .dict(n.parameters)])
            }))
        })))
        out.appendNew("weight_tables", .dict(IRDict(weightTables.map { IREntry(String($0.core), .dict($0.table)) })))
        out.appendNew("routing_tables", .dict(routingTables))
        out.appendNew("execution_schedule", .dict(IRDict(executionSchedule.map { s in
            IREntry(String(s.core), .list(s.stages.map { .list($0.map(IRValue.string)) }))
        })))
        out.appendNew("metadata", .dict(metadata))
        out.appendNew("settings", .dict(settings))
        if let n = binaryNeuronConfigCount { out.appendNew("binary_neuron_config_count", .int(n)) }
        return .dict(out)
    }

    /// TALON's `to_json` text (README §13): `{"version": "1.0", "metadata", "neuron_configs",
    /// "weight_tables", "routing_tables", "execution_schedule"}` with arrays as `{shape, dtype,
    /// data}` (nested lists), indented by 2 as Python's `json.dumps(..., indent=2)`.
    public func talonJSON() -> String {
        guard case .dict(var all) = value else { return "{}" }
        all["settings"] = nil
        var doc = IRDict()
        doc.appendNew("version", .string("1.0"))
        for key in ["metadata", "neuron_configs", "weight_tables", "routing_tables", "execution_schedule"] { doc.appendNew(key, all[key]!) }
        var w = IndentedJSON()
        w.value(.dict(doc), depth: 0)
        return w.out
    }

    /// TALON's `to_binary` bytes: "T1CB", u16 version 1, u32 length of the metadata as JSON,
    /// that JSON (Python's default separators), u32 number of neuron configurations. TALON's
    /// file ends there (`talonCompatible`); Celesta's goes on with u32 number of weight records
    /// and each record: u32 key length, the key `"<core>/<key>"`, u8 dtype-name length, the
    /// numpy dtype name, u8 ndim, u32 per dimension, u64 byte count, the little-endian C-order
    /// bytes. All integers little-endian.
    public func binary(talonCompatible: Bool) throws -> [UInt8] {
        var out: [UInt8] = Array("T1CB".utf8)
        func u16(_ v: Int) { out += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: Int) throws {
            guard v >= 0, v <= Int(UInt32.max) else { throw CelestaError(.outOfRange, "to_binary: \(v) does not fit the file's 32-bit field") }
            for k in 0..<4 { out.append(UInt8(v >> (8 * k) & 0xFF)) }
        }
        u16(1)
        let meta = Array(PythonJSON.dumps(.dict(metadata)).utf8)
        try u32(meta.count)
        out += meta
        let configs = neuronConfigs.reduce(0) { $0 + $1.configs.count }
        try u32(neuronConfigs.isEmpty ? binaryNeuronConfigCount ?? 0 : configs)
        if talonCompatible { return out }
        let records = weightTables.flatMap { t in t.table.entries.compactMap { e in e.value.tensor.map { (String(t.core) + "/" + e.key, $0) } } }
        try u32(records.count)
        for (key, t) in records {
            let k = Array(key.utf8)
            try u32(k.count)
            out += k
            let dt = Array(t.dtype.rawValue.utf8)
            guard t.ndim <= 255 else { throw CelestaError(.outOfRange, "to_binary: '\(key)' has \(t.ndim) dimensions; the file holds at most 255") }
            out.append(UInt8(dt.count))
            out += dt
            out.append(UInt8(t.ndim))
            for s in t.shape { try u32(s) }
            for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: t.bytes.count >> (8 * k))) }
            out += t.bytes  // stored little-endian
        }
        return out
    }
}

/// Python's `json.dumps(value, indent=2)` (`ensure_ascii`, floats by `repr`, `NaN` and
/// `Infinity` as Python writes them); arrays as `{shape, dtype, data}` with nested lists.
struct IndentedJSON {
    var out = ""

    mutating func value(_ v: IRValue, depth: Int) {
        switch v {
        case .none, .graph: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .float(let f): out += f.isNaN ? "NaN" : f.isInfinite ? (f < 0 ? "-Infinity" : "Infinity") : PythonFormat.repr(f)
        case .string(let s): out += PythonJSON.quote(s)
        case .tuple(let items), .list(let items): container("[", "]", items.count, depth) { $0.value(items[$1], depth: depth + 1) }
        case .dict(let d):
            container("{", "}", d.count, depth) { w, i in
                w.out += PythonJSON.quote(d.entries[i].key) + ": "
                w.value(d.entries[i].value, depth: depth + 1)
            }
        case .tensor(let t):
            value(.dict(["shape": .list(t.shape.map(IRValue.int)), "dtype": .string(t.dtype.rawValue), "data": Self.nested(t)]), depth: depth)
        }
    }

    private mutating func container(_ open: String, _ close: String, _ count: Int, _ depth: Int, _ item: (inout IndentedJSON, Int) -> Void) {
        guard count > 0 else { out += open + close; return }
        let pad = String(repeating: "  ", count: depth + 1)
        out += open
        for i in 0..<count {
            out += (i > 0 ? ",\n" : "\n") + pad
            item(&self, i)
        }
        out += "\n" + String(repeating: "  ", count: depth) + close
    }

    /// numpy's `tolist()`: nested lists of Python numbers (bools for a bool array).
    static func nested(_ t: Tensor) -> IRValue {
        func element(_ i: Int) -> IRValue {
            if t.dtype == .bool { return .bool(t.double(at: i) != 0) }
            if t.dtype.isFloat { return .float(t.double(at: i)) }
            return t.int(at: i).map(IRValue.int) ?? .float(t.double(at: i))
        }
        if t.ndim == 0 { return element(0) }
        var index = 0
        func level(_ d: Int) -> IRValue {
            .list((0..<t.shape[d]).map { _ in
                if d == t.ndim - 1 {
                    defer { index += 1 }
                    return element(index)
                }
                return level(d + 1)
            })
        }
        return level(0)
    }
}
