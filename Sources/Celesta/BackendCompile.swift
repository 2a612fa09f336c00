// Exported C functions: a backend's compile (TALON's HardwareDescriptor, README §13 and §18),
// the descriptor's files, and validation with TALON's checks one flag away. The work is the
// engine's (Backend.compile, BackendDescriptor); this file reads the options and writes JSON.

import CelestaABI
import CelestaIR
import FoundationEssentials

/// The options of celesta_backend_compile(), from its JSON.
func compileOptions(_ text: [UInt8]) throws -> BackendCompileOptions {
    if text.isEmpty { return BackendCompileOptions() }
    let r = try OptionsReader(text, field: "options_json", known: [
        "execution_mode", "max_iterations", "convergence_threshold", "target_precision", "optimize_for", "settings",
    ])
    var o = BackendCompileOptions()
    if let mode = try r.string("execution_mode") {
        guard mode == "dag" || mode == "cyclic" else {
            throw CelestaError(.invalidArgument, "options_json: 'execution_mode' is '\(mode)'; it must be \"dag\" or \"cyclic\"")
        }
        o.executionMode = mode
    }
    o.maxIterations = try r.count("max_iterations", min: 0) ?? o.maxIterations
    o.convergenceThreshold = try r.number("convergence_threshold") ?? o.convergenceThreshold
    o.targetPrecision = try r.string("target_precision") ?? o.targetPrecision
    o.optimizeFor = try r.string("optimize_for") ?? o.optimizeFor
    if let v = r.members["settings"], v != .null {
        guard case .object = v else { throw CelestaError(.invalidArgument, "options_json: 'settings' must be an object") }
        guard case .dict(let all) = try IRJSON.decodeValue(text, name: "options_json"), case .dict(let settings)? = all["settings"] else {
            throw CelestaError(.invalidArgument, "options_json: 'settings' must be an object")
        }
        o.settings = settings
    }
    return o
}

/// Compiles `graph` for backend `name` (TALON's `compile`). `options_json` (NULL with length 0:
/// every default) is a JSON object:
/// TALON's `CompileConfig` fields `execution_mode` ("dag" or "cyclic"; omitted: from the
/// graph), `max_iterations`, `convergence_threshold`, `target_precision` ("int8": the
/// precision of a node that names none), `optimize_for` ("latency"), and `settings`, the
/// backend's own: cpu none; fpga `output_dir`, `project_name`, `part`, `clock_period`,
/// `io_type`, `default_precision`, `default_reuse_factor`, `strategy`, `bitstream` ({csim,
/// synth, cosim, export, vsynth, bitfile} as booleans, or null); a Xylo chip `dt` (the step in
/// the unit of the graph's time constants). `*out` receives the descriptor as a result
/// (celesta_backend_result_json(): `{neuron_configs: {"<core>": [{node_name, node_type,
/// core_id, precision, parameters}]}, weight_tables: {"<core>": {key: array}},
/// routing_tables, execution_schedule: {"<core>": [[names]]}, metadata, settings}` with values
/// in the IR JSON form (arrays `{"$tensor": {dtype, shape, b64}}`, tuples `{"$tuple": [...]}`);
/// celesta_backend_result_write() writes TALON's files; release with celesta_backend_result_free()).
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_NOT_FOUND (unknown backend; the message lists
/// the known ones), CELESTA_ERR_UNSUPPORTED (a backend that does not compile; a node a chip
/// cannot take, named), CELESTA_ERR_INVALID_ARGUMENT (bad options, a setting the backend does
/// not know, an fpga graph that fails validation: "Graph validation failed: [nodes].
/// Supported: [...]"), CELESTA_ERR_PARSE, CELESTA_ERR_INVALID_CONFIG (a Xylo configuration
/// over the chip's limits, naming them). Thread safety: any thread; `graph` is only read.
@_cdecl("celesta_backend_compile")
public func celesta_backend_compile(
    _ out: UnsafeMutablePointer<celesta_backend_result_ref?>?, _ name: UnsafePointer<CChar>?, _ graph: celesta_ir_graph_cref?,
    _ options_json: UnsafePointer<CChar>?, _ options_json_len: UInt
) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let box = try object(graph, IRGraphBox.self, "graph")
        let options = try compileOptions(try borrowedText(options_json, options_json_len, "options_json"))
        let backend = try registry().backend(try requiredString(name, "name"))
        let descriptor = try backend.compile(try box.withGraph { $0 }, options: options)
        out.pointee = makeHandle(BackendResultBox(IRJSON.encode(descriptor.value), descriptor: descriptor))
    }
}

/// Writes the descriptor of a celesta_backend_compile() result to `path`, atomically (a
/// temporary name, then renamed: a failed write leaves the file as it was).
/// CELESTA_BACKEND_DESCRIPTOR_JSON: TALON's `to_json` (indented by 2, arrays as {shape, dtype,
/// data}); CELESTA_BACKEND_DESCRIPTOR_BINARY: `to_binary`, "T1CB" with the weights (the layout
/// is in the README, "Backends"); with CELESTA_IR_TALON_COMPATIBLE in `flags`, TALON's binary,
/// which ends before the weights.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT (a result that is not a
/// compile's, an unknown format or flag), CELESTA_ERR_IO (naming the path and the reason).
@_cdecl("celesta_backend_result_write")
public func celesta_backend_result_write(_ result: celesta_backend_result_cref?, _ path: UnsafePointer<CChar>?, _ format: Int32, _ flags: Int32) -> Int32 {
    guarded {
        let box = try object(result, BackendResultBox.self, "result")
        let path = try requiredString(path, "path")
        try checkFlags(flags, allowed: 1)
        guard let d = box.descriptor else {
            throw CelestaError(.invalidArgument, "argument 'result' is not a celesta_backend_compile() result; only a descriptor is written")
        }
        let bytes: [UInt8]
        switch format {
        case 0: bytes = Array(d.talonJSON().utf8)
        case 1: bytes = try d.binary(talonCompatible: flags & 1 != 0)
        default:
            throw CelestaError(.invalidArgument, "argument 'format' is \(format); use CELESTA_BACKEND_DESCRIPTOR_JSON (0) or CELESTA_BACKEND_DESCRIPTOR_BINARY (1)")
        }
        try AtomicFile.write(Data(bytes), to: path)
    }
}

/// celesta_backend_validate_json() with flags: CELESTA_IR_TALON_COMPATIBLE checks as the
/// reference tool does where the backend has such a mode (cpu: TALON's checks only, README
/// §13: no nodes, no edges, edges to missing nodes; node types and cycles unchecked), and as
/// celesta_backend_validate_json() elsewhere. The same JSON, by the size-query idiom.
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_NOT_FOUND (unknown backend),
/// CELESTA_ERR_INVALID_ARGUMENT (flags), CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_backend_validate_flags_json")
public func celesta_backend_validate_flags_json(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ name: UnsafePointer<CChar>?, _ graph: celesta_ir_graph_cref?,
    _ flags: Int32
) -> Int32 {
    guarded {
        try checkFlags(flags, allowed: 1)
        let box = try object(graph, IRGraphBox.self, "graph")
        let backend = try registry().backend(try requiredString(name, "name"))
        let v = try box.withGraph { backend.validate($0, talonCompatible: flags & 1 != 0) }
        try copyOut(validationJSON(v), to: buf, capacity: cap, len: len, field: "buf")
    }
}
