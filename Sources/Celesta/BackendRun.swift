// Exported C functions: a backend's profile (README §15) and TALON's run (§16), and the
// energy presets. The work is the engine's (Backend.profile, BackendRunner); this file reads
// the options and writes the results as JSON.

import CelestaABI
import CelestaIR
import FoundationEssentials

/// A JSON options object read key by key, refusing keys it does not know.
struct OptionsReader {
    let members: [String: JSONValue]
    let field: String

    init(_ text: [UInt8], field: String, known: Set<String>) throws {
        guard case .object(let o, _) = try JSONParser.parse(text, name: field) else {
            throw CelestaError(.parse, "argument '\(field)' must be a JSON object")
        }
        for key in o.keys where !known.contains(key) {
            throw CelestaError(.invalidArgument, "\(field): unknown key '\(key)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        members = o
        self.field = field
    }

    func number(_ key: String) throws -> Double? {
        guard let v = members[key], v != .null else { return nil }
        switch v {
        case .number(let d) where d.isFinite: return d
        case .integer(let i): return Double(i)
        default: throw CelestaError(.invalidArgument, "\(field): '\(key)' must be a finite number")
        }
    }

    func count(_ key: String, min: Int) throws -> Int? {
        guard let d = try number(key) else { return nil }
        guard d >= Double(min), d <= 1e9, d == d.rounded() else {
            throw CelestaError(.invalidArgument, "\(field): '\(key)' must be an integer >= \(min), got \(d)")
        }
        return Int(d)
    }

    func flag(_ key: String, _ otherwise: Bool = false) throws -> Bool {
        guard let v = members[key], v != .null else { return otherwise }
        guard case .bool(let b) = v else { throw CelestaError(.invalidArgument, "\(field): '\(key)' must be true or false") }
        return b
    }

    func string(_ key: String) throws -> String? {
        guard let v = members[key], v != .null else { return nil }
        guard case .string(let s) = v else { throw CelestaError(.invalidArgument, "\(field): '\(key)' must be a string") }
        return s
    }

    /// An index into the call's arrays.
    func index(_ v: JSONValue, _ what: String, arrays: Int) throws -> Int {
        let i: Int
        switch v {
        case .integer(let x): i = x
        case .number(let d) where d == d.rounded() && abs(d) < 1e9: i = Int(d)
        default: throw CelestaError(.invalidArgument, "\(field): \(what) must be an array index")
        }
        guard i >= 0, i < arrays else { throw CelestaError(.outOfRange, "\(field): \(what) is \(i) but there are \(arrays) arrays") }
        return i
    }

    /// `inputs`: Input name -> array index; nil when absent or null.
    func inputs(_ tensors: [Tensor]) throws -> [String: BackendArray]? {
        guard let v = members["inputs"], v != .null else { return nil }
        guard case .object(let m, _) = v else { throw CelestaError(.invalidArgument, "\(field): 'inputs' must map Input names to array indices") }
        var out: [String: BackendArray] = [:]
        for (k, x) in m { out[k] = try cpuArray(tensors[try index(x, "inputs['\(k)']", arrays: tensors.count)]) }
        return out
    }

    /// `energy_per_op_pj`: primitive -> pJ per MAC.
    func perOperation(_ key: String) throws -> [String: Double] {
        guard let v = members[key], v != .null else { return [:] }
        guard case .object(let m, _) = v else { throw CelestaError(.invalidArgument, "\(field): '\(key)' must map primitive names to pJ") }
        var out: [String: Double] = [:]
        for (k, x) in m {
            switch x {
            case .number(let d) where d.isFinite && d >= 0: out[k] = d
            case .integer(let i) where i >= 0: out[k] = Double(i)
            default: throw CelestaError(.invalidArgument, "\(field): \(key)['\(k)'] must be a number >= 0")
            }
        }
        return out
    }
}

/// The body of a profile or run call: reads the backend name, the graph, the options text and
/// the borrowed arrays, runs `body` on them and hands its JSON to `*out` as a result.
func resultCall(
    _ out: UnsafeMutablePointer<celesta_backend_result_ref?>?, _ name: UnsafePointer<CChar>?, _ graph: celesta_ir_graph_cref?,
    _ options_json: UnsafePointer<CChar>?, _ len: UInt, _ arrays: UnsafePointer<celesta_ir_array_t>?, _ n_arrays: UInt,
    _ body: (_ name: String, _ graph: IRGraph, _ options: [UInt8], _ tensors: [Tensor]) throws -> String
) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let backendName = try requiredString(name, "name")
        let box = try object(graph, IRGraphBox.self, "graph")
        let tensors = try borrowedArrays(arrays, n_arrays)
        let text = try borrowedText(options_json, len, "options_json")
        out.pointee = makeHandle(BackendResultBox(try body(backendName, try box.withGraph { $0 }, text, tensors)))
    }
}

/// Profiles `graph` on backend `name` (README §15). `options_json` is a JSON object:
/// `inputs` (Input name -> index into `arrays`; omitted: zeros), `n_steps` (1),
/// `energy_preset` ("neuromorphic_int8"), `energy_per_mac_pj`, `energy_per_spike_pj`,
/// `energy_per_sram_read_pj`, `energy_per_sram_write_pj` (each overrides the preset's),
/// `energy_per_op_pj` ({primitive: pJ per MAC}, not with talon_compatible), `talon_compatible`
/// (false; cpu only: TALON 0.0.3's profiler exactly), `dt` (the backend's time step; Xylo: in
/// the unit of the graph's time constants), `threads` (0: all cores). `*out` receives the
/// result (celesta_backend_result_json(), release with celesta_backend_result_free()): TALON's
/// ProfileResult fields (`total_latency_us`, `per_node_latency`, `energy_estimate_uj`,
/// `mac_energy_uj`, `spike_energy_uj`, `sram_energy_uj`, `per_layer_energy_uj`,
/// `peak_memory_bytes`, `weight_memory_bytes`, `state_memory_bytes`, `total_sram_accesses`,
/// `spike_counts`, `mac_ops`, `neuron_utilization`, `per_core_latency`, `per_core_energy`
/// (core ids as keys), `energy_preset`) plus `energy_is_estimate` (always true),
/// `latency_source` ("measured": the simulator's own time per node; "cycle model"; "derived
/// cycle model": a chip with no reference model, Xylo v1), `energy_source` ("per-operation
/// costs", "power model", "derived power model": Xylo v1, Audio 2's SNN-core rail;
/// "unavailable") and, on the Xylo chips, `cycles_per_step`, `clock_hz`, `power_watts`
/// {rail: W}, `power_total_watts`, `run_seconds`, and `model_notes`
/// [the assumptions of a derived model, why a figure is unavailable] when there are any.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_NOT_FOUND (unknown backend or preset; the
/// message lists the known ones), CELESTA_ERR_UNSUPPORTED (a backend that does not profile, a
/// chip without a cycle model), CELESTA_ERR_INVALID_ARGUMENT (bad options, NaN input,
/// energy_per_op_pj with talon_compatible), CELESTA_ERR_INVALID_STATE (a TALON-compatible run
/// that failed: its errors), and the simulation's errors (as celesta_backend_simulate()).
/// Thread safety: any thread; `graph` is only read.
@_cdecl("celesta_backend_profile")
public func celesta_backend_profile(
    _ out: UnsafeMutablePointer<celesta_backend_result_ref?>?, _ name: UnsafePointer<CChar>?, _ graph: celesta_ir_graph_cref?,
    _ options_json: UnsafePointer<CChar>?, _ options_json_len: UInt, _ arrays: UnsafePointer<celesta_ir_array_t>?, _ n_arrays: UInt
) -> Int32 {
    resultCall(out, name, graph, options_json, options_json_len, arrays, n_arrays) { try profileJSON($0, $1, $2, $3, progress: nil) }
}

/// celesta_backend_profile()'s work, as JSON (`progress`: the run's reports).
func profileJSON(_ backendName: String, _ g: IRGraph, _ text: [UInt8], _ tensors: [Tensor], progress: SendableProgress?) throws -> String {
    let backend = try registry().backend(backendName)
    let r = try OptionsReader(text, field: "options_json", known: [
        "inputs", "n_steps", "energy_preset", "energy_per_mac_pj", "energy_per_spike_pj", "energy_per_sram_read_pj",
        "energy_per_sram_write_pj", "energy_per_op_pj", "talon_compatible", "dt", "threads",
    ])
    var o = BackendProfileOptions()
    o.nSteps = try r.count("n_steps", min: 1) ?? 1
    o.energyPreset = try r.string("energy_preset") ?? EnergyPreset.defaultName
    o.macPJ = try r.number("energy_per_mac_pj")
    o.spikePJ = try r.number("energy_per_spike_pj")
    o.sramReadPJ = try r.number("energy_per_sram_read_pj")
    o.sramWritePJ = try r.number("energy_per_sram_write_pj")
    o.perOperationPJ = try r.perOperation("energy_per_op_pj")
    o.talonCompatible = try r.flag("talon_compatible")
    o.threads = try r.count("threads", min: 0) ?? 0
    if let dt = try r.number("dt") {
        guard dt > 0 else { throw CelestaError(.outOfRange, "options_json: 'dt' is \(dt); it must be > 0") }
        o.dt = dt
    }
    o.progress = progress?.closure
    return try backend.profile(g, inputs: try r.inputs(tensors), options: o).json
}

/// TALON's `run` (README §16) on backend `name`: validate, simulate, and (with `profile`)
/// profile. `options_json`: `inputs` (as celesta_backend_profile()), `input` (one array index
/// for the graph's single Input: TALON's bare array), `timesteps` (1), `profile` (true),
/// `energy_per_mac_pj` (0.9), `energy_per_spike_pj` (0.1), `energy_per_sram_read_pj` (5.0)
/// (run()'s own energy formula), `talon_compatible` (false), `dt` (as profile). An unknown
/// backend, one that does not simulate, an invalid graph, a bare input with several Inputs and
/// a failed simulation are reported in the result's `errors` with TALON's messages (status 0).
/// The result JSON: `outputs` {name: array or null}, `spike_counts`, `timesteps_run`,
/// `total_latency_us`, `energy_estimate_uj` (always an estimate: `energy_is_estimate`),
/// `mac_ops`, `peak_memory_bytes`, `per_node_latency`, `profile` (as celesta_backend_profile()'s,
/// or null), `errors`.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT / CELESTA_ERR_OUT_OF_RANGE
/// (bad options), and the profile's own errors (as celesta_backend_profile()).
/// Thread safety: any thread; `graph` is only read.
@_cdecl("celesta_backend_run")
public func celesta_backend_run(
    _ out: UnsafeMutablePointer<celesta_backend_result_ref?>?, _ name: UnsafePointer<CChar>?, _ graph: celesta_ir_graph_cref?,
    _ options_json: UnsafePointer<CChar>?, _ options_json_len: UInt, _ arrays: UnsafePointer<celesta_ir_array_t>?, _ n_arrays: UInt
) -> Int32 {
    resultCall(out, name, graph, options_json, options_json_len, arrays, n_arrays) { try runJSON($0, $1, $2, $3, progress: nil) }
}

/// celesta_backend_run()'s work, as JSON (`progress`: the runs' reports).
func runJSON(_ backendName: String, _ g: IRGraph, _ text: [UInt8], _ tensors: [Tensor], progress: SendableProgress?) throws -> String {
    let r = try OptionsReader(text, field: "options_json", known: [
        "inputs", "input", "timesteps", "profile", "energy_per_mac_pj", "energy_per_spike_pj", "energy_per_sram_read_pj",
        "talon_compatible", "dt",
    ])
    var q = BackendRunRequest()
    q.backend = backendName
    q.timesteps = try r.count("timesteps", min: 0) ?? 1
    q.profile = try r.flag("profile", true)
    q.macPJ = try r.number("energy_per_mac_pj") ?? q.macPJ
    q.spikePJ = try r.number("energy_per_spike_pj") ?? q.spikePJ
    q.sramReadPJ = try r.number("energy_per_sram_read_pj") ?? q.sramReadPJ
    q.talonCompatible = try r.flag("talon_compatible")
    if let dt = try r.number("dt") {
        guard dt > 0 else { throw CelestaError(.outOfRange, "options_json: 'dt' is \(dt); it must be > 0") }
        q.dt = dt
    }
    q.inputs = try r.inputs(tensors)
    if let v = r.members["input"], v != .null {
        guard q.inputs == nil else { throw CelestaError(.invalidArgument, "options_json: give 'inputs' or 'input', not both") }
        q.bareInput = try cpuArray(tensors[try r.index(v, "'input'", arrays: tensors.count)])
    }
    q.progress = progress?.closure
    return try BackendRunner.run(g, q, registry: registry()).json
}

/// The energy presets (pJ per operation), as JSON `{name: {"mac_pj", "spike_pj",
/// "sram_read_pj", "sram_write_pj", "description"}}` in TALON's order (the profile's default
/// is "neuromorphic_int8"). Size-query idiom. Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_backend_energy_presets_json")
public func celesta_backend_energy_presets_json(_ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?) -> Int32 {
    guarded {
        let text = "{" + EnergyPreset.all.map { p in
            JSONText.quote(p.name) + ": {\"mac_pj\": " + JSONText.number(p.macPJ) + ", \"spike_pj\": " + JSONText.number(p.spikePJ)
                + ", \"sram_read_pj\": " + JSONText.number(p.sramReadPJ) + ", \"sram_write_pj\": " + JSONText.number(p.sramWritePJ)
                + ", \"description\": " + JSONText.quote(p.description) + "}"
        }.joined(separator: ", ") + "}"
        try copyOut(text, to: buf, capacity: cap, len: len, field: "buf")
    }
}
