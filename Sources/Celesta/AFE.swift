// Exported C functions: the Xylo Audio 3 audio front end (offline and streaming).

import CelestaABI
import CelestaIR
import CelestaXylo

/// `celesta_xylo_afe_t *` as the shim spells it (see scripts/gen_header.py).
public typealias celesta_xylo_afe_ref = OpaquePointer
/// `const celesta_xylo_afe_t *`.
public typealias celesta_xylo_afe_cref = OpaquePointer

/// The object behind a `celesta_xylo_afe_t *`: the front end and the progress callback of its runs.
final class AFEBox: ProgressHolder {
    let afe: XyloAudio3FrontEndSimulator
    var progress: ProgressCallback?
    init(_ afe: XyloAudio3FrontEndSimulator) { self.afe = afe }
}

/// The values of a fixed-size C array field (imported by Swift as a tuple).
private func fixedArray<Tuple, Element>(_ tuple: Tuple, _ type: Element.Type) -> [Element] {
    withUnsafeBytes(of: tuple) { Array($0.bindMemory(to: Element.self)) }
}

/// Fills a fixed-size C array field with one value.
private func fill<Tuple, Element>(_ tuple: inout Tuple, _ value: Element) {
    withUnsafeMutableBytes(of: &tuple) { raw in
        let buffer = raw.bindMemory(to: Element.self)
        for i in buffer.indices { buffer[i] = value }
    }
}

/// The engine settings described by a params struct.
private func settings(_ p: celesta_xylo_afe_params_t) throws -> XyloAudio3FrontEndSettings {
    let mode: XyloAudio3FrontEndSettings.InputMode
    switch p.input_mode {
    case 0: mode = .external
    case 1: mode = .pdm
    default:
        throw CelestaError(.invalidArgument, "field 'input_mode' is \(p.input_mode); it must be 0 (external) or 1 (pdm)")
    }
    var s = XyloAudio3FrontEndSettings(inputMode: mode)
    let filters = fixedArray(p.select_filters, Int32.self).map(Int.init)
    guard p.n_select_filters >= 0, Int(p.n_select_filters) <= filters.count else {
        throw CelestaError(.invalidArgument, "field 'n_select_filters' is \(p.n_select_filters); it must be 0...\(filters.count)")
    }
    if p.n_select_filters > 0 { s.selectFilters = Array(filters.prefix(Int(p.n_select_filters))) }
    switch p.spike_gen_mode {
    case 0: s.spikeGenerationMode = .divisiveNormalization
    case 1: s.spikeGenerationMode = .threshold
    default:
        throw CelestaError(.invalidArgument,
                           "field 'spike_gen_mode' is \(p.spike_gen_mode); it must be 0 (divisive_norm) or 1 (threshold)")
    }
    let shifts = fixedArray(p.dn_rate_scale_bitshift, Int32.self)
    s.rateScaleBitshift1 = Int(shifts[0])
    s.rateScaleBitshift2 = Int(shifts[1])
    s.lowPassBitshift = Int(p.dn_low_pass_bitshift)
    let channels = s.filterIndices.count
    s.eps = fixedArray(p.dn_EPS, Int64.self).prefix(channels).map(Int.init)
    s.fixedThreshold = fixedArray(p.fixed_threshold_vec, Int64.self).prefix(channels).map(Int.init)
    s.downSamplingFactor = Int(p.down_sampling_factor)
    return s
}

/// Checks the record buffers for `samples` audio samples.
private func checkRecord(_ record: celesta_xylo_afe_record_t?, samples: Int, channels: Int) throws {
    guard let r = record else { return }
    try checkOutput(r.audio_14bit, r.audio_14bit_len, needed: samples, "record->audio_14bit")
    if r.filterbank != nil, r.filterbank_len < samples * channels {
        throw CelestaError(.bufferTooSmall,
                           "argument 'record->filterbank' holds \(r.filterbank_len) values but \(samples * channels) are needed")
    }
    try checkOutput(r.dn_spikes, r.dn_spikes_len, needed: samples * channels, "record->dn_spikes")
}

/// Writes the raster and the recorded stages of `out` into the caller's buffers.
private func copyStages(_ out: XyloAudio3FrontEnd.FlatOutput, _ raster: UnsafeMutablePointer<Int32>, _ record: celesta_xylo_afe_record_t?) {
    raster.update(from: out.raster, count: out.raster.count)
    guard let r = record else { return }
    if let dst = r.audio_14bit, let audio = out.audio {
        for (i, v) in audio.enumerated() { dst[i] = Int32(truncatingIfNeeded: v) }
    }
    if let dst = r.filterbank, let bank = out.filterbank {
        for (i, v) in bank.enumerated() { dst[i] = Int64(v) }
    }
    if let dst = r.dn_spikes, let spikes = out.spikes { dst.update(from: spikes, count: spikes.count) }
}

private func wantsRecord(_ record: celesta_xylo_afe_record_t?) -> Bool {
    guard let r = record else { return false }
    return r.audio_14bit != nil || r.filterbank != nil || r.dn_spikes != nil
}

/// Fills `*params` with Rockpool's defaults: external input, all 16 filters, divisive
/// normalisation with dn_rate_scale_bitshift (6, 0), dn_low_pass_bitshift 12, dn_EPS 1,
/// fixed_threshold_vec 2^27 and down_sampling_factor 50.
///
/// `params->struct_size` must be set (CELESTA_INIT).
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT (struct_size too small).
/// Thread safety: any thread.
@_cdecl("celesta_xylo_afe_params_default")
public func celesta_xylo_afe_params_default(_ params: UnsafeMutablePointer<celesta_xylo_afe_params_t>?) -> Int32 {
    guarded {
        let out = try structOut(params, "params")
        let d = XyloAudio3FrontEndSettings()
        var p = celesta_xylo_afe_params_t()
        p.input_mode = Int32(CELESTA_XYLO_AFE_INPUT_EXTERNAL.rawValue)
        p.n_select_filters = 0
        withUnsafeMutableBytes(of: &p.select_filters) { raw in
            let filters = raw.bindMemory(to: Int32.self)
            for k in filters.indices { filters[k] = Int32(k) }
        }
        p.spike_gen_mode = Int32(CELESTA_XYLO_AFE_DIVISIVE_NORM.rawValue)
        p.dn_rate_scale_bitshift = (Int32(d.rateScaleBitshift1), Int32(d.rateScaleBitshift2))
        p.dn_low_pass_bitshift = Int32(d.lowPassBitshift)
        fill(&p.dn_EPS, Int64(d.eps[0]))
        fill(&p.fixed_threshold_vec, Int64(d.fixedThreshold[0]))
        p.down_sampling_factor = Int32(d.downSamplingFactor)
        store(p, to: out)
    }
}

/// Creates a front end from `*params` (copied). The settings are checked: an unknown mode, a
/// filter index outside 0..15 or repeated, or a value outside its range fails with
/// CELESTA_ERR_INVALID_ARGUMENT naming the field, index and value.
///
/// On success `*out` receives a handle to release with celesta_xylo_afe_free(); on error it is left
/// untouched. Thread safety: any thread.
@_cdecl("celesta_xylo_afe_create")
public func celesta_xylo_afe_create(
    _ out: UnsafeMutablePointer<celesta_xylo_afe_ref?>?, _ params: UnsafePointer<celesta_xylo_afe_params_t>?
) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let p = try structIn(params, "params")
        out.pointee = makeHandle(AFEBox(try XyloAudio3FrontEndSimulator(settings: settings(p))))
    }
}

/// Releases a front end. NULL is ignored.
@_cdecl("celesta_xylo_afe_free")
public func celesta_xylo_afe_free(_ afe: celesta_xylo_afe_ref?) {
    releaseHandle(afe, AFEBox.self)
}

/// Stores the number of output channels (selected filters) in `*channels`.
///
/// Errors: CELESTA_ERR_NULL_POINTER. Thread safety: any thread.
@_cdecl("celesta_xylo_afe_channels")
public func celesta_xylo_afe_channels(_ channels: UnsafeMutablePointer<Int32>?, _ afe: celesta_xylo_afe_cref?) -> Int32 {
    guarded {
        let sim = try object(afe, AFEBox.self, "afe").afe
        try required(channels, "channels").pointee = Int32(sim.channelCount)
    }
}

/// The names celesta_xylo_afe_loops() gives, in static storage.
private nonisolated(unsafe) let loopNames: [XyloAudio3FrontEnd.Loops: UnsafePointer<CChar>] = Dictionary(
    uniqueKeysWithValues: XyloAudio3FrontEnd.Loops.allCases.map { ($0, permanentCString($0.rawValue)) })

/// Stores in `*name` which loops run this front end on this machine: "avx2" (the AVX2 loops,
/// on CPUs with the x86-64-v3 level), "sse2" (the portable vectorised loops; also with the
/// environment variable CELESTA_AFE_KERNELS=portable) or "scalar" (64-bit state machines). All
/// give the same results. Ownership: `*name` is static storage owned by the library; do not
/// free it.
///
/// Errors: CELESTA_ERR_NULL_POINTER. Thread safety: any thread.
@_cdecl("celesta_xylo_afe_loops")
public func celesta_xylo_afe_loops(_ name: UnsafeMutablePointer<UnsafePointer<CChar>?>?, _ afe: celesta_xylo_afe_cref?) -> Int32 {
    guarded {
        let sim = try object(afe, AFEBox.self, "afe").afe
        try required(name, "name").pointee = loopNames[sim.loops]
    }
}

/// Sets the progress callback of celesta_xylo_afe_process() and celesta_xylo_afe_stream_push() on this
/// handle (see celesta_progress_fn); NULL `fn` removes it. celesta_xylo_afe_process() reports the
/// units of work done and their total, the audio samples times the passes over them (4 with
/// time_reversed_prefix, 1 without); celesta_xylo_afe_stream_push() reports the chunk's audio samples
/// done and their number. Either is reported after every block of 4096 samples and at the end.
///
/// Errors: CELESTA_ERR_NULL_POINTER (afe). Thread safety: not with other calls on the handle.
/// Calls of celesta_xylo_afe_process() on several threads at once each call `fn` on their own
/// thread: `fn` must then be thread-safe.
@_cdecl("celesta_xylo_afe_set_progress")
public func celesta_xylo_afe_set_progress(_ afe: celesta_xylo_afe_ref?, _ fn: celesta_progress_fn?, _ user_data: UnsafeMutableRawPointer?) -> Int32 {
    setProgress(afe, AFEBox.self, "afe", fn, user_data)
}

/// Size query of celesta_xylo_afe_process() for `input_len` input values: `*samples` receives the
/// audio samples entering the filterbank (external: input_len; PDM: ceil(input_len / 32) + 8)
/// and `*steps` the raster rows, ceil(samples / down_sampling_factor). Either pointer may be
/// NULL.
///
/// Errors: CELESTA_ERR_NULL_POINTER (afe). Thread safety: any thread.
@_cdecl("celesta_xylo_afe_output_size")
public func celesta_xylo_afe_output_size(
    _ samples: UnsafeMutablePointer<UInt>?, _ steps: UnsafeMutablePointer<UInt>?, _ afe: celesta_xylo_afe_cref?, _ input_len: UInt
) -> Int32 {
    guarded {
        let sim = try object(afe, AFEBox.self, "afe").afe
        guard input_len <= UInt(Int.max / 2) else { throw CelestaError(.outOfRange, "argument 'input_len' is \(input_len), too large") }
        let size = sim.offlineSize(inputCount: Int(input_len))
        samples?.pointee = UInt(size.samples)
        steps?.pointee = UInt(size.steps)
    }
}

/// Runs the front end offline on `input_len` values of `input` (external: audio with |x| < 1;
/// PDM: +1/-1 bits) and writes the raster, [steps][C] spike counts (0..15), to `raster`.
/// Size query (see the top of this header) on `raster`: `*raster_len` receives steps * C (a
/// pure query runs nothing); celesta_xylo_afe_output_size() gives the samples and steps. With
/// `time_reversed_prefix` non-zero the filterbank and the spike generators first run on the
/// reversed input, as Rockpool does offline, so the result equals Rockpool's; with 0 they start
/// from zero state like the chip. `record` may be NULL; otherwise each non-NULL buffer in it
/// (struct_size set) receives that stage. The stream state is not used or changed.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_OUT_OF_RANGE (external audio not finite or
/// not fitting 14 bits, naming the index and value), CELESTA_ERR_INVALID_ARGUMENT (a PDM
/// value other than +/-1, naming the index), CELESTA_ERR_BUFFER_TOO_SMALL (naming the buffer),
/// CELESTA_ERR_CANCELLED (the progress callback of celesta_xylo_afe_set_progress() asked to stop).
/// On error no buffer is written. Thread safety: any thread (see celesta_xylo_afe_set_progress()).
@_cdecl("celesta_xylo_afe_process")
public func celesta_xylo_afe_process(
    _ raster: UnsafeMutablePointer<Int32>?, _ raster_cap: UInt, _ raster_len: UnsafeMutablePointer<UInt>?,
    _ record: UnsafePointer<celesta_xylo_afe_record_t>?,
    _ afe: celesta_xylo_afe_cref?, _ input: UnsafePointer<Double>?, _ input_len: UInt, _ time_reversed_prefix: Int32
) -> Int32 {
    guarded {
        let box = try object(afe, AFEBox.self, "afe")
        let sim = box.afe
        let values = try borrowedDoubleBuffer(input, input_len, "input")
        let size = sim.offlineSize(inputCount: values.count)
        let needed = size.steps * sim.channelCount
        guard let raster = try sizedOutput(raster, raster_cap, raster_len, needed: needed, "raster") else { return }
        let r = try optionalStructIn(record, "record")
        try checkRecord(r, samples: size.samples, channels: sim.channelCount)
        let out = try sim.offline(borrowing: values, timeReversedPrefix: time_reversed_prefix != 0, record: wantsRecord(r),
                                  progress: box.progress?.closure)
        copyStages(out, raster, r)
    }
}

/// Size query of the next celesta_xylo_afe_stream_push() of `input_len` values with `flush`:
/// `*samples` receives the audio samples it produces and `*steps` the raster rows it completes
/// (they depend on what the stream holds). Either pointer may be NULL.
///
/// Errors: CELESTA_ERR_NULL_POINTER (afe). Thread safety: not with stream calls on `afe`.
@_cdecl("celesta_xylo_afe_stream_size")
public func celesta_xylo_afe_stream_size(
    _ samples: UnsafeMutablePointer<UInt>?, _ steps: UnsafeMutablePointer<UInt>?,
    _ afe: celesta_xylo_afe_cref?, _ input_len: UInt, _ flush: Int32
) -> Int32 {
    guarded {
        let sim = try object(afe, AFEBox.self, "afe").afe
        guard input_len <= UInt(Int.max / 2) else { throw CelestaError(.outOfRange, "argument 'input_len' is \(input_len), too large") }
        let size = sim.streamSize(inputCount: Int(input_len), flush: flush != 0)
        samples?.pointee = UInt(size.samples)
        steps?.pointee = UInt(size.steps)
    }
}

/// Feeds the next `input_len` values to the stream, which keeps its state between calls and
/// starts from zero state (no time-reversed prefix), like the chip after reset. The raster
/// rows completed by this chunk go to `raster` ([rows][C]). Size query (see the top of this
/// header) on `raster`: `*raster_len` receives rows * C; a pure query (raster NULL) pushes
/// nothing, so a chunk that completes no row is pushed with a non-NULL raster of any cap;
/// celesta_xylo_afe_stream_size() gives the samples and rows. With `flush`
/// non-zero the end of the stream is processed as well: the PDM filter's tail and the pending
/// partial raster row; the state is kept. Pushing a signal in any chunks, the last one flushed,
/// gives the same rows as celesta_xylo_afe_process() with time_reversed_prefix 0. `record` as in
/// celesta_xylo_afe_process(), for this chunk's samples.
///
/// Errors: as celesta_xylo_afe_process(), with stream-wide indices, CELESTA_ERR_CANCELLED included.
/// On error nothing is written and the stream is unchanged: a cancelled push is as if it had
/// not been made. Thread safety: not with other stream calls on `afe`.
@_cdecl("celesta_xylo_afe_stream_push")
public func celesta_xylo_afe_stream_push(
    _ raster: UnsafeMutablePointer<Int32>?, _ raster_cap: UInt, _ raster_len: UnsafeMutablePointer<UInt>?,
    _ record: UnsafePointer<celesta_xylo_afe_record_t>?,
    _ afe: celesta_xylo_afe_ref?, _ input: UnsafePointer<Double>?, _ input_len: UInt, _ flush: Int32
) -> Int32 {
    guarded {
        let box = try object(afe, AFEBox.self, "afe")
        let sim = box.afe
        let values = try borrowedDoubleBuffer(input, input_len, "input")
        let size = sim.streamSize(inputCount: values.count, flush: flush != 0)
        let needed = size.steps * sim.channelCount
        // A pure query (raster NULL) pushes nothing: a chunk that completes no row needs a
        // non-NULL raster (any cap) to be pushed.
        guard let raster = try sizedOutput(raster, raster_cap, raster_len, needed: needed, "raster") else { return }
        let r = try optionalStructIn(record, "record")
        try checkRecord(r, samples: size.samples, channels: sim.channelCount)
        let out = try sim.push(borrowing: values, flush: flush != 0, record: wantsRecord(r), progress: box.progress?.closure)
        copyStages(out, raster, r)
    }
}

/// Returns the stream to zero state (the settings are kept).
///
/// Errors: CELESTA_ERR_NULL_POINTER. Thread safety: not with other stream calls on `afe`.
@_cdecl("celesta_xylo_afe_stream_reset")
public func celesta_xylo_afe_stream_reset(_ afe: celesta_xylo_afe_ref?) -> Int32 {
    guarded { try object(afe, AFEBox.self, "afe").afe.resetStream() }
}
