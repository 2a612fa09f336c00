// Exported C functions: the bit-exact Xylo simulator.

import CelestaABI
import CelestaIR
import CelestaXylo

/// Creates a simulator with zero state for `config` on its chip. The simulator does not keep
/// a reference to the handle: `config` may be freed afterwards.
///
/// On success `*out` receives a handle to release with celesta_xylo_sim_free(); on error it is left
/// untouched. Thread safety: any thread.
@_cdecl("celesta_xylo_sim_create")
public func celesta_xylo_sim_create(_ out: UnsafeMutablePointer<celesta_xylo_sim_ref?>?, _ config: celesta_xylo_config_cref?) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let box = try object(config, ConfigBox.self, "config")
        out.pointee = makeHandle(SimBox(try XyloSimulator(config: box.config, chip: box.chip)))
    }
}

/// Creates an independent simulator over the same network, starting from the current state of
/// `sim` (for running trials or batch elements in parallel, one copy per thread).
///
/// On success `*out` receives a handle to release with celesta_xylo_sim_free(). Thread safety: not
/// with other calls on `sim`; the copy is independent of it.
@_cdecl("celesta_xylo_sim_copy")
public func celesta_xylo_sim_copy(_ out: UnsafeMutablePointer<celesta_xylo_sim_ref?>?, _ sim: celesta_xylo_sim_ref?) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let s = try object(sim, SimBox.self, "sim").sim
        out.pointee = makeHandle(SimBox(s.copy()))
    }
}

/// Releases a simulator. NULL is ignored.
@_cdecl("celesta_xylo_sim_free")
public func celesta_xylo_sim_free(_ sim: celesta_xylo_sim_ref?) {
    releaseHandle(sim, SimBox.self)
}

/// Sets the progress callback of celesta_xylo_sim_evolve() on this handle (see celesta_progress_fn):
/// `fn` is called with the steps done and the steps of the call; NULL removes it. A copy made
/// with celesta_xylo_sim_copy() starts without one.
///
/// Errors: CELESTA_ERR_NULL_POINTER (sim). Thread safety: not with other calls on the handle.
@_cdecl("celesta_xylo_sim_set_progress")
public func celesta_xylo_sim_set_progress(_ sim: celesta_xylo_sim_ref?, _ fn: celesta_progress_fn?, _ user_data: UnsafeMutableRawPointer?) -> Int32 {
    setProgress(sim, SimBox.self, "sim", fn, user_data)
}

/// Zeroes every state of the simulator, as when it was created.
///
/// Errors: CELESTA_ERR_NULL_POINTER. Thread safety: not with other calls on the same handle.
@_cdecl("celesta_xylo_sim_reset")
public func celesta_xylo_sim_reset(_ sim: celesta_xylo_sim_ref?) -> Int32 {
    guarded { try object(sim, SimBox.self, "sim").sim.reset() }
}

/// Runs `steps` time steps. `input` holds `steps * n_in` event counts (row-major
/// [steps][n_in], each 0..255; counts above 15 are clipped by the core). `spikes_out`
/// receives `steps * n_out` output spikes (0/1), row-major [steps][n_out]. `record` may be
/// NULL; otherwise (struct_size set) each non-NULL buffer in it receives that state. State
/// carries over to the next call.
///
/// Size query (see the top of this header) on `spikes_out`: `*spikes_out_len` receives
/// `steps * n_out`; a pure query runs nothing.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_SHAPE_MISMATCH (input length),
/// CELESTA_ERR_OUT_OF_RANGE (a count outside 0..255, naming step and channel),
/// CELESTA_ERR_BUFFER_TOO_SMALL (naming the buffer), CELESTA_ERR_INVALID_ARGUMENT
/// (record->struct_size), CELESTA_ERR_CANCELLED (the progress callback of
/// celesta_xylo_sim_set_progress() asked to stop). On error no output buffer is written and the
/// state is unchanged. Thread safety: not with other calls on the same handle.
@_cdecl("celesta_xylo_sim_evolve")
public func celesta_xylo_sim_evolve(
    _ spikes_out: UnsafeMutablePointer<Int32>?, _ spikes_out_cap: UInt, _ spikes_out_len: UnsafeMutablePointer<UInt>?,
    _ record: UnsafePointer<celesta_xylo_sim_record_t>?,
    _ sim: celesta_xylo_sim_ref?, _ input: UnsafePointer<Int32>?, _ input_len: UInt, _ steps: UInt
) -> Int32 {
    guarded {
        let box = try object(sim, SimBox.self, "sim")
        let s = box.sim
        guard steps <= UInt(Int32.max) else { throw CelestaError(.outOfRange, "argument 'steps' is \(steps), too large") }
        let t = Int(steps)
        let nH = s.config.nHidden, nOut = s.config.nOut
        guard let out = try sizedOutput(spikes_out, spikes_out_cap, spikes_out_len, needed: t * nOut, "spikes_out") else { return }
        let record = try optionalStructIn(record, "record")
        let inputs = try borrowedInts(input, input_len, "input") ?? []
        try checkRecordBuffers(record, steps: t, nHidden: nH, nOut: nOut)
        let result: XyloSimulationResult
        if let progress = box.progress {
            // Run on a copy, adopted when the run completes: a cancelled run leaves the state.
            let work = s.copy()
            result = try work.evolve(input: inputs, steps: t, record: wantsStates(record), progress: progress.closure(total: t))
            box.sim = work
        } else {
            result = try s.evolve(input: inputs, steps: t, record: wantsStates(record))
        }
        writeResult(result, spikesOut: out, record: record)
    }
}

/// Checks every non-NULL buffer of `record` against the sizes of a run.
func checkRecordBuffers(_ record: celesta_xylo_sim_record_t?, steps t: Int, nHidden nH: Int, nOut: Int) throws {
    guard let r = record else { return }
    try checkOutput(r.vmem, r.vmem_len, needed: t * nH, "record->vmem")
    try checkOutput(r.isyn, r.isyn_len, needed: t * nH, "record->isyn")
    try checkOutput(r.isyn2, r.isyn2_len, needed: t * nH, "record->isyn2")
    try checkOutput(r.spikes, r.spikes_len, needed: t * nH, "record->spikes")
    try checkOutput(r.vmem_out, r.vmem_out_len, needed: t * nOut, "record->vmem_out")
    try checkOutput(r.isyn_out, r.isyn_out_len, needed: t * nOut, "record->isyn_out")
    try checkOutput(r.hibernation, r.hibernation_len, needed: t, "record->hibernation")
}

/// Copies a run's output spikes and, into each non-NULL buffer of `record`, its states.
func writeResult(_ result: XyloSimulationResult, spikesOut: UnsafeMutablePointer<Int32>, record: celesta_xylo_sim_record_t?) {
    func copy(_ values: [Int32], to dst: UnsafeMutablePointer<Int32>?) {
        guard let dst else { return }
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { dst.update(from: base, count: values.count) }
        }
    }
    copy(result.spikesOut, to: spikesOut)
    guard let r = record else { return }
    if result.recorded {
        copy(result.vmem, to: r.vmem)
        copy(result.isyn, to: r.isyn)
        copy(result.isyn2, to: r.isyn2)
        copy(result.spikes, to: r.spikes)
        copy(result.vmemOut, to: r.vmem_out)
        copy(result.isynOut, to: r.isyn_out)
    }
    if let h = r.hibernation {
        if result.hibernation.isEmpty { h.update(repeating: 0, count: result.steps) } else { copy(result.hibernation, to: h) }
    }
}

/// Whether `record` asks for any state (a record with only `hibernation` does not).
func wantsStates(_ record: celesta_xylo_sim_record_t?) -> Bool {
    guard let r = record else { return false }
    return [r.vmem, r.isyn, r.isyn2, r.spikes, r.vmem_out, r.isyn_out].contains { $0 != nil }
}
