// Exported C functions: the backend registry (list, capabilities, validate) and the CPU
// simulator (simulate, with TALON's simulator one flag away).

import CelestaABI
import CelestaCPU
import CelestaFPGA
import CelestaIR
import CelestaXylo
import FoundationEssentials

/// `celesta_backend_result_t *` as the shim spells it (see scripts/gen_header.py).
public typealias celesta_backend_result_ref = OpaquePointer
/// `const celesta_backend_result_t *`.
public typealias celesta_backend_result_cref = OpaquePointer

/// The object behind a `celesta_backend_result_t *`: the result as JSON text, made once, and
/// for a compile its descriptor (celesta_backend_result_write()).
final class BackendResultBox {
    let json: String
    let descriptor: BackendDescriptor?
    init(_ json: String, descriptor: BackendDescriptor? = nil) {
        self.json = json
        self.descriptor = descriptor
    }
}

/// The built-in backends, registered on first use.
let backendsRegistered: Void = {
    CPUBackend.register()
    FPGABackend.register()
    XyloBackend.registerAll()
}()

func registry() -> BackendRegistry {
    _ = backendsRegistered
    return .shared
}

/// `{"shape": [...], "b64": "<float32 little-endian>"}`.
func arrayJSON(_ a: CPUArray) -> String {
    let bytes = a.values.withUnsafeBufferPointer { Data(buffer: $0) }
    return "{\"shape\": [" + a.shape.map(String.init).joined(separator: ", ") + "], \"b64\": \"" + bytes.base64EncodedString() + "\"}"
}

func namesJSON(_ list: [String]) -> String { "[" + list.map(JSONText.quote).joined(separator: ", ") + "]" }

/// The registered backends with their capabilities, as JSON `[{name, summary,
/// supported_primitives, supported_precisions, supports_cyclic, max_graph_size, constraints,
/// talon_capabilities, hardware_constraints}]` (a chip's backend adds `chip`: its id in the
/// chip table) in registration order (size-query idiom): `talon_capabilities` is what TALON
/// reports in its mode, in the same form (cpu: the primitives TALON claims), or null where it
/// is the same; `hardware_constraints` is TALON's `get_constraints()` (`max_neurons_per_core`,
/// `max_synapses_per_core`, `sram_bytes_per_core`, `max_fan_in`, `max_fan_out`,
/// `max_feedback_delay`, `supported_precisions`, `core_mesh_topology`, `num_cores`), or null.
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_backend_list_json")
public func celesta_backend_list_json(_ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?) -> Int32 {
    guarded {
        let r = registry()
        let text = try r.json()
        try copyOut(text, to: buf, capacity: cap, len: len, field: "buf")
    }
}

/// Checks `graph` for the backend `name`: JSON `{"is_valid", "unsupported_nodes", "errors",
/// "warnings"}` (size-query idiom). Each error names the node and the reason.
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_NOT_FOUND (unknown backend; the message lists
/// the known ones), CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_backend_validate_json")
public func celesta_backend_validate_json(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ name: UnsafePointer<CChar>?, _ graph: celesta_ir_graph_cref?
) -> Int32 {
    guarded {
        let backend = try registry().backend(try requiredString(name, "name"))
        let box = try object(graph, IRGraphBox.self, "graph")
        let v = try box.withGraph { backend.validate($0) }
        try copyOut(validationJSON(v), to: buf, capacity: cap, len: len, field: "buf")
    }
}

func validationJSON(_ v: BackendValidation) -> String {
    "{\"is_valid\": \(v.isValid), \"unsupported_nodes\": " + namesJSON(v.unsupportedNodes) + ", \"errors\": " + namesJSON(v.errors)
        + ", \"warnings\": " + namesJSON(v.warnings) + "}"
}

/// The options of celesta_backend_simulate(), from its JSON.
struct SimulateOptions {
    var cpu = CPUSimulationOptions()
    var inputs: [String: Int]? = nil
    var talon = false
    var profiling = false

    init(_ text: [UInt8], arrays: Int) throws {
        guard case .object(let o, _) = try JSONParser.parse(text, name: "options_json") else {
            throw CelestaError(.parse, "argument 'options_json' must be a JSON object")
        }
        let known: Set<String> = ["inputs", "n_steps", "step_by_step", "precision", "dt", "threads", "timing", "talon_compatible", "profiling"]
        for key in o.keys where !known.contains(key) {
            throw CelestaError(.invalidArgument, "options_json: unknown key '\(key)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        func number(_ key: String) throws -> Double? {
            guard let v = o[key], v != .null else { return nil }
            switch v {
            case .number(let d): return d
            case .integer(let i): return Double(i)
            default: throw CelestaError(.invalidArgument, "options_json: '\(key)' must be a number")
            }
        }
        func flag(_ key: String) throws -> Bool {
            guard let v = o[key], v != .null else { return false }
            guard case .bool(let b) = v else { throw CelestaError(.invalidArgument, "options_json: '\(key)' must be true or false") }
            return b
        }
        if let n = try number("n_steps") {
            guard n >= 1, n <= 1e9, n == n.rounded() else { throw CelestaError(.invalidArgument, "n_steps must be a positive integer, got \(n)") }
            cpu.nSteps = Int(n)
        }
        if let t = try number("threads") {
            guard t >= 0, t <= 4096, t == t.rounded() else { throw CelestaError(.invalidArgument, "threads must be >= 0, got \(t)") }
            cpu.threads = Int(t)
        }
        if let dt = try number("dt") {
            guard dt > 0, dt.isFinite else { throw CelestaError(.invalidArgument, "dt must be positive, got \(dt)") }
            cpu.dt = dt
        }
        cpu.stepByStep = try flag("step_by_step")
        cpu.timing = try flag("timing")
        talon = try flag("talon_compatible")
        profiling = try flag("profiling")
        if let p = o["precision"], p != .null {
            guard case .string(let s) = p else { throw CelestaError(.invalidArgument, "options_json: 'precision' must be a string") }
            cpu.precision = try CPUPrecision(named: s)
        }
        if let i = o["inputs"], i != .null {
            guard case .object(let m, _) = i else { throw CelestaError(.invalidArgument, "options_json: 'inputs' must map Input names to array indices") }
            var out: [String: Int] = [:]
            for (k, v) in m {
                let index: Int
                switch v {
                case .integer(let x): index = x
                case .number(let d) where d == d.rounded(): index = Int(d)
                default: throw CelestaError(.invalidArgument, "options_json: inputs['\(k)'] must be an array index")
                }
                guard index >= 0, index < arrays else { throw CelestaError(.outOfRange, "options_json: inputs['\(k)'] is \(index) but there are \(arrays) arrays") }
                out[k] = index
            }
            inputs = out
        }
    }
}

func cpuArray(_ t: Tensor) throws -> CPUArray {
    guard t.dtype.isFloat || t.dtype.isSignedInteger || t.dtype.isUnsignedInteger || t.dtype == .bool else {
        throw CelestaError(.invalidArgument, "input arrays must be numeric, got \(t.dtype.rawValue)")
    }
    if t.dtype == .float32 {
        let values = t.bytes.withUnsafeBytes { raw in Array(raw.bindMemory(to: Float.self)) }
        return CPUArray(shape: t.shape, values: values.map { Float(bitPattern: $0.bitPattern.littleEndian) })
    }
    return CPUArray(shape: t.shape, values: t.doubles.map { Float($0) })
}

/// Runs the graph on backend `name`: "cpu", the CPU simulator (the options below), or a Xylo
/// chip (mapped, quantized per channel and run on its bit-exact simulator: one input of event
/// counts [T, n_in] or [B, T, n_in]; outputs the output spikes, spike counts `hidden` and the
/// output's). `options_json` is a JSON object: `inputs` (Input node
/// name -> index into `arrays`; omitted or null: zeros of each Input's declared shape),
/// `n_steps` (1), `step_by_step` (false), `precision` ("fp32", "fp16", "int16", "int8",
/// "int4"), `dt` (1.0), `threads` (0: all cores), `timing` (false: per-node host times),
/// `talon_compatible` (false: TALON 0.0.3's simulator exactly), `profiling` (TALON's profiler
/// loop, with talon_compatible). Input shapes follow the rule of the README ("CPU simulator").
/// `*out` receives the result (release with celesta_backend_result_free()).
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_NOT_FOUND (unknown backend, unknown input name,
/// an Input without data), CELESTA_ERR_UNSUPPORTED (a backend that does not simulate here, a
/// primitive without a kernel), CELESTA_ERR_SHAPE_MISMATCH (an input shape that fits no rule,
/// shapes that do not meet at a node), CELESTA_ERR_INVALID_ARGUMENT (NaN input, bad options).
/// Messages name the node and the reason. In TALON-compatible mode, like TALON, errors of the
/// run itself are reported in the result (`outputs_valid` false, `errors`).
@_cdecl("celesta_backend_simulate")
public func celesta_backend_simulate(
    _ out: UnsafeMutablePointer<celesta_backend_result_ref?>?, _ name: UnsafePointer<CChar>?, _ graph: celesta_ir_graph_cref?,
    _ options_json: UnsafePointer<CChar>?, _ options_json_len: UInt, _ arrays: UnsafePointer<celesta_ir_array_t>?, _ n_arrays: UInt
) -> Int32 {
    backendSimulate(out, name, graph, options_json, options_json_len, arrays, n_arrays, progress: nil)
}

/// The body of celesta_backend_simulate() and celesta_backend_simulate_progress().
func backendSimulate(
    _ out: UnsafeMutablePointer<celesta_backend_result_ref?>?, _ name: UnsafePointer<CChar>?, _ graph: celesta_ir_graph_cref?,
    _ options_json: UnsafePointer<CChar>?, _ options_json_len: UInt, _ arrays: UnsafePointer<celesta_ir_array_t>?, _ n_arrays: UInt,
    progress: SendableProgress?
) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let backendName = try requiredString(name, "name")
        let backend = try registry().backend(backendName)
        let box = try object(graph, IRGraphBox.self, "graph")
        let tensors = try borrowedArrays(arrays, n_arrays)
        let options = try SimulateOptions(try borrowedText(options_json, options_json_len, "options_json"), arrays: tensors.count)
        let g = try box.withGraph { $0 }
        var inputs: [String: CPUArray]? = nil
        if let map = options.inputs {
            inputs = try map.mapValues { try cpuArray(tensors[$0]) }
        }
        let text: String
        if options.talon {
            // TALON's simulator is the cpu backend's compatibility mode.
            guard backend is CPUBackend else { throw CelestaError(.invalidArgument, "talon_compatible applies to backend 'cpu' only") }
            let r = TalonSimulator.run(g, inputs: inputs, nSteps: options.cpu.nSteps, stepByStep: options.cpu.stepByStep, profiling: options.profiling,
                                       progress: progress?.closure)
            if r.cancelled { throw CelestaError(.cancelled, "simulation cancelled before the end of its \(options.cpu.nSteps) steps") }
            text = talonJSON(r)
        } else {
            var run = BackendRunOptions()
            run.nSteps = options.cpu.nSteps
            run.stepByStep = options.cpu.stepByStep
            run.precision = options.cpu.precision.rawValue
            run.dt = options.cpu.dt
            run.threads = options.cpu.threads
            run.timing = options.cpu.timing
            run.zerosForMissing = inputs == nil
            run.progress = progress?.closure
            text = cpuJSON(try backend.simulate(g, inputs: inputs ?? [:], options: run))
        }
        out.pointee = makeHandle(BackendResultBox(text))
    }
}

func cpuJSON(_ r: BackendRunResult) -> String {
    var parts = ["\"outputs_valid\": true", "\"timesteps_run\": \(r.timestepsRun)", "\"batch\": " + (r.batch.map(String.init) ?? "null"), "\"errors\": []"]
    parts.append("\"outputs\": {" + r.outputs.map { JSONText.quote($0.name) + ": " + arrayJSON($0.value) }.joined(separator: ", ") + "}")
    parts.append("\"spike_counts\": {" + r.spikeCounts.map { JSONText.quote($0.name) + ": \($0.count)" }.joined(separator: ", ") + "}")
    parts.append("\"node_states\": [" + r.nodeStates.map { step in "{" + step.map { JSONText.quote($0.name) + ": " + arrayJSON($0.value) }.joined(separator: ", ") + "}" }.joined(separator: ", ") + "]")
    parts.append("\"node_ns\": {" + r.nodeNanoseconds.map { JSONText.quote($0.name) + ": \($0.ns)" }.joined(separator: ", ") + "}")
    parts.append("\"node_macs\": {" + r.nodeMACs.map { JSONText.quote($0.name) + ": \($0.macs)" }.joined(separator: ", ") + "}")
    return "{" + parts.joined(separator: ", ") + "}"
}

func talonJSON(_ r: TalonSimulator.Result) -> String {
    var parts = ["\"outputs_valid\": \(r.outputsValid)", "\"timesteps_run\": \(r.timestepsRun)", "\"batch\": null", "\"errors\": " + namesJSON(r.errors)]
    parts.append("\"outputs\": {" + r.outputs.map { JSONText.quote($0.name) + ": " + ($0.value.map(arrayJSON) ?? "null") }.joined(separator: ", ") + "}")
    parts.append("\"spike_counts\": {" + r.spikeCounts.map { JSONText.quote($0.name) + ": \($0.count)" }.joined(separator: ", ") + "}")
    parts.append("\"node_states\": [" + r.nodeStates.map { step in "{" + step.map { JSONText.quote($0.name) + ": " + arrayJSON($0.value) }.joined(separator: ", ") + "}" }.joined(separator: ", ") + "]")
    parts.append("\"node_ns\": {" + r.nodeNanoseconds.map { JSONText.quote($0.name) + ": \($0.ns)" }.joined(separator: ", ") + "}")
    parts.append("\"peak_activation_bytes\": \(r.peakActivationBytes)")
    return "{" + parts.joined(separator: ", ") + "}"
}

/// The result as JSON (size-query idiom): `outputs_valid`, `timesteps_run`, `batch` (null when
/// unbatched), `errors`, `outputs` {node: array}, `spike_counts` {node: n}, `node_states`
/// [{node: array} per step], `node_ns` {node: host ns, with timing}, `node_macs` {node: MACs
/// per step}, and (TALON mode) `peak_activation_bytes`. An array is `{"shape", "b64"}`: base64
/// of float32 little-endian values. Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_backend_result_json")
public func celesta_backend_result_json(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ result: celesta_backend_result_cref?
) -> Int32 {
    guarded {
        let box = try object(result, BackendResultBox.self, "result")
        try copyOut(box.json, to: buf, capacity: cap, len: len, field: "buf")
    }
}

/// Releases a result; NULL is ignored.
@_cdecl("celesta_backend_result_free")
public func celesta_backend_result_free(_ result: celesta_backend_result_ref?) {
    releaseHandle(result, BackendResultBox.self)
}
