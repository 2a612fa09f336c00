// Exported C functions: the FPGA backend (HLS projects, C simulation, fixed-point simulator).

import CelestaABI
import CelestaFPGA
import CelestaIR
import Dispatch
import Synchronization

/// `celesta_hls_model_t *` as the shim spells it (see scripts/gen_header.py).
public typealias celesta_hls_model_ref = OpaquePointer
/// `const celesta_hls_model_t *`.
public typealias celesta_hls_model_cref = OpaquePointer

/// The object behind a `celesta_hls_model_t *`: the model, its stateful simulator (for
/// CELESTA_HLS_SIM_KEEP_STATE) and the trace of the last simulation asked for one.
final class HLSModelBox: Sendable {
    struct State {
        var sim: FixedSimulator?
        var lastTrace = ""
    }
    let model: HLSModel
    let state: Mutex<State>
    init(_ model: HLSModel) {
        self.model = model
        state = Mutex(State())
    }
}

private func bytes(_ p: UnsafePointer<CChar>?, _ len: UInt, _ name: String, optional: Bool = false) throws -> [UInt8] {
    if p == nil && !(len == 0 && optional) { throw CelestaError(.nullPointer, "argument '\(name)' is NULL") }
    return try borrowedText(p, len, name)
}

/// Makes a model from hls4ml's vocabulary: `layers_json`, a JSON list of layer dicts
/// (`class_name` Input / Dense / IFNeuron / LIFNeuron / SNNReadout with the attributes of
/// the hls4ml reference cases), and `config_json`, an hls4ml config dict (`IOType`,
/// `HLSConfig` with Model / LayerType / LayerName `Precision`, `ReuseFactor`, `Strategy`; may
/// be empty). Types resolve as hls4ml resolves them.
///
/// Ownership: `*out` receives a model to release with celesta_hls_model_free(). Errors:
/// CELESTA_ERR_NULL_POINTER, CELESTA_ERR_PARSE (JSON, a type string that does not parse,
/// naming the layer and slot), CELESTA_ERR_INVALID_ARGUMENT / CELESTA_ERR_SHAPE_MISMATCH /
/// CELESTA_ERR_OUT_OF_RANGE (naming the layer and value: e.g. a fixed-window readout with
/// window 0), CELESTA_ERR_UNSUPPORTED (a class the FPGA backend does not have).
@_cdecl("celesta_hls_model_from_layers")
public func celesta_hls_model_from_layers(
    _ out: UnsafeMutablePointer<celesta_hls_model_ref?>?, _ layers_json: UnsafePointer<CChar>?, _ layers_len: UInt,
    _ config_json: UnsafePointer<CChar>?, _ config_len: UInt
) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let model = try HLSModel.fromLayers(json: try bytes(layers_json, layers_len, "layers_json"),
                                            config: try bytes(config_json, config_len, "config_json", optional: true))
        try model.validate()
        out.pointee = makeHandle(HLSModelBox(model))
    }
}

/// Makes a model from an IR graph: Affine / SpikingAffine -> Dense, LIF -> LIF (beta =
/// 1 - 1/tau), IF -> IF, an `SNNReadout` node. `options_json` (may be empty): a dict with
/// `hls_config` (an hls4ml config dict), `readout` (a readout dict to append), and
/// `reset_mechanism` ("subtract" or "zero").
///
/// Ownership: `*out` receives a model to release with celesta_hls_model_free(). Errors: as
/// celesta_hls_model_from_layers(), and CELESTA_ERR_UNSUPPORTED naming a node whose primitive
/// the FPGA backend cannot map.
@_cdecl("celesta_hls_model_from_graph")
public func celesta_hls_model_from_graph(
    _ out: UnsafeMutablePointer<celesta_hls_model_ref?>?, _ graph: celesta_ir_graph_cref?,
    _ options_json: UnsafePointer<CChar>?, _ options_len: UInt
) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let g = try object(graph, IRGraphBox.self, "graph").withGraph { $0 }
        let model = try HLSModel.fromIR(g, options: try HLSConvertOptions(json: try bytes(options_json, options_len, "options_json", optional: true)))
        try model.validate()
        out.pointee = makeHandle(HLSModelBox(model))
    }
}

/// Releases a model; NULL is ignored.
@_cdecl("celesta_hls_model_free")
public func celesta_hls_model_free(_ model: celesta_hls_model_ref?) {
    releaseHandle(model, HLSModelBox.self)
}

/// The model as JSON (size-query idiom): `input` {name, n, type}, `output_width`, `io_type`,
/// `layers` [{name, class_name, types {slot: type}, and the layer's fields}], `warnings`
/// (parameters that do not fit their types: clamped under AP_SAT, wrapped under AP_WRAP,
/// counted per layer). Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_hls_model_info")
public func celesta_hls_model_info(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ model: celesta_hls_model_cref?
) -> Int32 {
    guarded {
        let box = try object(model, HLSModelBox.self, "model")
        try copyOut(box.model.infoJSON(), to: buf, capacity: cap, len: len)
    }
}

/// Writes the model's HLS project to the folder `dir` (Celesta's kernels, top function,
/// weights, testbench, build_lib.sh, Vitis HLS Tcl). `ap_types` (may be NULL): the ap_types
/// folder written into build_lib.sh. Flags: CELESTA_HLS_OVERWRITE (1) replaces a folder that
/// is not empty (refused otherwise). Written to a temporary folder and renamed: a failure
/// leaves `dir` as it was. Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT
/// (folder not empty, bad flags), CELESTA_ERR_IO.
@_cdecl("celesta_hls_write")
public func celesta_hls_write(
    _ model: celesta_hls_model_cref?, _ dir: UnsafePointer<CChar>?, _ ap_types: UnsafePointer<CChar>?, _ flags: Int32
) -> Int32 {
    guarded {
        let box = try object(model, HLSModelBox.self, "model")
        let d = try requiredString(dir, "dir")
        try checkFlags(flags, allowed: 1)
        try HLSProject.write(box.model, to: d, overwrite: flags & 1 != 0, apTypes: try ap_types.map { try requiredString($0, "ap_types") })
    }
}

/// Compiles the C simulation of a generated project with g++ (the testbench `csim`, and with
/// CELESTA_HLS_SHARED_LIBRARY (2) the shared library `firmware/<project>.so` for ctypes), using
/// a precompiled ap_types header cached per user; at -O0 unless CELESTA_HLS_OPTIMIZE (4), -O2
/// (the same numbers either way). `ap_types` (may be NULL): the ap_types
/// folder; else found in $CELESTA_AP_TYPES, the active virtualenv or a .venv above the current
/// folder. Errors: CELESTA_ERR_NOT_FOUND (no g++ or no ap_types: the message says how to get
/// them), CELESTA_ERR_IO (g++ failed: its messages).
@_cdecl("celesta_hls_compile")
public func celesta_hls_compile(_ dir: UnsafePointer<CChar>?, _ ap_types: UnsafePointer<CChar>?, _ flags: Int32) -> Int32 {
    guarded {
        let d = try requiredString(dir, "dir")
        try checkFlags(flags, allowed: 6)
        try HLSToolchain.compile(project: d, apTypes: try ap_types.map { try requiredString($0, "ap_types") },
                                 optimization: flags & 4 != 0 ? 2 : 0, sharedLibrary: flags & 2 != 0)
    }
}

/// Runs the fixed-point simulator (no compiler needed): `x` holds `batch` independent
/// sequences of `steps` rows of n_in values ([batch][steps][n_in]); `out` receives
/// [batch][steps][n_out] (out_len must be at least that). Each sequence starts from zero
/// state (sequences run in parallel), unless CELESTA_HLS_SIM_KEEP_STATE (1): then batch must
/// be 1 and the model's own state carries on from the previous such call, as the compiled
/// C-sim does. CELESTA_HLS_SIM_FLOAT (2): the float64 reference instead. CELESTA_HLS_SIM_TRACE
/// (4): batch 1; every layer's values of every step are kept for celesta_hls_last_trace().
/// CELESTA_HLS_SIM_RESET (8): clears the kept state first.
///
/// Thread safety: calls on one model are serialised. Errors: CELESTA_ERR_NULL_POINTER,
/// CELESTA_ERR_SHAPE_MISMATCH (x_len or out_len), CELESTA_ERR_INVALID_ARGUMENT (flags).
@_cdecl("celesta_hls_simulate")
public func celesta_hls_simulate(
    _ out: UnsafeMutablePointer<Double>?, _ out_len: UInt, _ model: celesta_hls_model_ref?,
    _ x: UnsafePointer<Double>?, _ x_len: UInt, _ batch: UInt, _ steps: UInt, _ flags: Int32
) -> Int32 {
    guarded {
        try simulate(out, out_len, model, UnsafeRawPointer(x), float32: false, x_len, batch, steps, flags)
    }
}

/// celesta_hls_simulate() with float32 inputs `x` ([batch][steps][n_in]); the same results as
/// passing the same values as doubles (the simulator takes inputs as float32 values either
/// way). Each sequence's rows are converted by the thread that runs it, so a large batch (e.g.
/// spikes in a numpy float32 array) needs no float64 copy first. Errors: as
/// celesta_hls_simulate().
@_cdecl("celesta_hls_simulate_f32")
public func celesta_hls_simulate_f32(
    _ out: UnsafeMutablePointer<Double>?, _ out_len: UInt, _ model: celesta_hls_model_ref?,
    _ x: UnsafePointer<Float>?, _ x_len: UInt, _ batch: UInt, _ steps: UInt, _ flags: Int32
) -> Int32 {
    guarded {
        try simulate(out, out_len, model, UnsafeRawPointer(x), float32: true, x_len, batch, steps, flags)
    }
}

/// Both simulate calls: `x` holds Double values, or Float values when `float32`.
private func simulate(
    _ out: UnsafeMutablePointer<Double>?, _ out_len: UInt, _ model: celesta_hls_model_ref?,
    _ x: UnsafeRawPointer?, float32: Bool, _ x_len: UInt, _ batch: UInt, _ steps: UInt, _ flags: Int32
) throws {
    let box = try object(model, HLSModelBox.self, "model")
    try checkFlags(flags, allowed: 15)
    let m = box.model
    let nIn = m.input.n, nOut = m.outputWidth
    // Checked products: a batch or step count past Int (or whose product overflows) is refused.
    guard batch <= UInt(Int.max), steps <= UInt(Int.max),
          case let (bt, o1) = Int(batch).multipliedReportingOverflow(by: Int(steps)), !o1,
          case let (inputs, o2) = bt.multipliedReportingOverflow(by: max(nIn, nOut)), !o2, inputs <= Int.max / 8 else {
        throw CelestaError(.outOfRange, "arguments 'batch' \(batch) x 'steps' \(steps) are too large")
    }
    let b = Int(batch), t = Int(steps)
    guard x_len == UInt(b * t * nIn) else {
        throw CelestaError(.shapeMismatch, "argument 'x_len' is \(x_len) but batch \(b) x steps \(t) x n_in \(nIn) = \(b * t * nIn)")
    }
    guard out_len >= UInt(b * t * nOut) else {
        throw CelestaError(.shapeMismatch, "argument 'out_len' is \(out_len) but batch \(b) x steps \(t) x n_out \(nOut) = \(b * t * nOut) are needed")
    }
    let keep = flags & 1 != 0, float = flags & 2 != 0, trace = flags & 4 != 0
    if (keep || trace) && b != 1 {
        throw CelestaError(.invalidArgument, "argument 'batch' is \(b); KEEP_STATE and TRACE need batch 1")
    }
    if b * t == 0 { return }
    let xs = UnsafeSendable(try required(x, "x")), os = try required(out, "out")
    // Row k of sequence s, as doubles (converted by the thread that runs the sequence).
    let row: @Sendable (Int, Int) -> [Double] = { s, k in
        let at = (s * t + k) * nIn
        if float32 {
            let p = xs.p.assumingMemoryBound(to: Float.self) + at
            return [Double](unsafeUninitializedCapacity: nIn) { buf, n in
                for i in 0..<nIn { buf[i] = Double(p[i]) }
                n = nIn
            }
        }
        return Array(UnsafeBufferPointer(start: xs.p.assumingMemoryBound(to: Double.self) + at, count: nIn))
    }
    func store(_ s: Int, _ y: [[Double]]) {
        for k in 0..<t { for j in 0..<nOut { os[(s * t + k) * nOut + j] = y[k][j] } }
    }
    if keep || trace {
        box.state.withLock { st in
            var result: (output: [[Double]], trace: HLSTrace?)
            let rows = (0..<t).map { row(0, $0) }
            if float {
                result = FloatSimulator(m).run(rows, trace: trace)
            } else {
                if st.sim == nil || flags & 8 != 0 || !keep { st.sim = keep ? FixedSimulator(m) : nil }
                let sim = st.sim ?? FixedSimulator(m)
                result = sim.run(rows, trace: trace)
            }
            if let tr = result.trace { st.lastTrace = tr.json() }
            store(0, result.output)
        }
        return
    }
    // Each sequence is read, run and written by the thread that owns it (nothing shared but
    // the read-only prototype's quantized constants): no serial conversion of the batch.
    let outBox = UnsafeMutableSendable(os)
    let prototype = SendableSimulator(float ? nil : FixedSimulator(m))
    DispatchQueue.concurrentPerform(iterations: b) { s in
        if float {
            let y = FloatSimulator(m).run((0..<t).map { row(s, $0) }).output
            for k in 0..<t { for j in 0..<nOut { outBox.p[(s * t + k) * nOut + j] = y[k][j] } }
            return
        }
        let sim = prototype.sim!.fresh()
        for k in 0..<t {
            let y = sim.step(row(s, k))
            for j in 0..<nOut { outBox.p[(s * t + k) * nOut + j] = y[j] }
        }
    }
}

/// A prototype simulator read (never run) by the batch's threads: `fresh()` copies it.
private struct SendableSimulator: @unchecked Sendable {
    let sim: FixedSimulator?
    init(_ sim: FixedSimulator?) { self.sim = sim }
}

private struct UnsafeSendable: @unchecked Sendable {
    let p: UnsafeRawPointer
    init(_ p: UnsafeRawPointer) { self.p = p }
}

private struct UnsafeMutableSendable: @unchecked Sendable {
    let p: UnsafeMutablePointer<Double>
    init(_ p: UnsafeMutablePointer<Double>) { self.p = p }
}

/// The trace of the last celesta_hls_simulate() with CELESTA_HLS_SIM_TRACE, as JSON
/// (size-query idiom): {layer: {key: [[...]...]}} with the keys `out`, `v_pre`, `v_post`,
/// `counts`, `membrane`, each [steps][n], plus "__order__": [layer names].
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_hls_last_trace")
public func celesta_hls_last_trace(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ model: celesta_hls_model_cref?
) -> Int32 {
    guarded {
        let box = try object(model, HLSModelBox.self, "model")
        let text = box.state.withLock { $0.lastTrace.isEmpty ? "{}" : $0.lastTrace }
        try copyOut(text, to: buf, capacity: cap, len: len)
    }
}
