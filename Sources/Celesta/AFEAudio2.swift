// Exported C functions: the Xylo Audio 2 analog front end (a floating-point model).

import CelestaABI
import CelestaIR
import CelestaXylo

/// `celesta_xylo_afe2_t *` as the shim spells it (see scripts/gen_header.py).
public typealias celesta_xylo_afe2_ref = OpaquePointer

/// The object behind a `celesta_xylo_afe2_t *`: the model and the progress callback of its runs.
final class AFE2Box: ProgressHolder {
    let model: XyloAudio2AnalogFrontEnd
    var progress: ProgressCallback?
    init(_ model: XyloAudio2AnalogFrontEnd) { self.model = model }
}

/// Fills `*params` with the defaults: fs 0 (must be set), raster_period 0.01,
/// max_spike_per_raster_period 15, add_noise / add_offset / add_mismatch 1, seed 0,
/// lna_gain_db 0, digital_counter 4. `params->struct_size` must be set (CELESTA_INIT).
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT (struct_size too small).
/// Thread safety: any thread.
@_cdecl("celesta_xylo_afe2_params_default")
public func celesta_xylo_afe2_params_default(_ params: UnsafeMutablePointer<celesta_xylo_afe2_params_t>?) -> Int32 {
    guarded {
        let out = try structOut(params, "params")
        let d = XyloAudio2AnalogFrontEnd.Settings(fs: 0)
        store(celesta_xylo_afe2_params_t(
            struct_size: 0, fs: 0, raster_period: d.rasterPeriod, max_spike_per_raster_period: Int32(d.maxSpikesPerRasterPeriod),
            add_noise: 1, add_offset: 1, add_mismatch: 1, seed: d.seed, lna_gain_db: d.lnaGainDB,
            digital_counter: Int32(d.digitalCounter)), to: out)
    }
}

/// Creates the model from `*params` (copied) and draws its mismatch. Errors:
/// CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT naming the field (fs below 101640 Hz,
/// a raster period that is not a whole number of samples, a flag other than 0/1, ...).
///
/// On success `*out` receives a handle to release with celesta_xylo_afe2_free(). Thread safety:
/// any thread.
@_cdecl("celesta_xylo_afe2_create")
public func celesta_xylo_afe2_create(
    _ out: UnsafeMutablePointer<celesta_xylo_afe2_ref?>?, _ params: UnsafePointer<celesta_xylo_afe2_params_t>?
) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let p = try structIn(params, "params")
        var s = XyloAudio2AnalogFrontEnd.Settings(fs: p.fs)
        s.rasterPeriod = p.raster_period
        s.maxSpikesPerRasterPeriod = Int(p.max_spike_per_raster_period)
        func flag(_ value: Int32, _ name: String) throws -> Bool {
            guard value == 0 || value == 1 else {
                throw CelestaError(.invalidArgument, "field '\(name)' is \(value); it must be 0 or 1")
            }
            return value == 1
        }
        s.addNoise = try flag(p.add_noise, "add_noise")
        s.addOffset = try flag(p.add_offset, "add_offset")
        s.addMismatch = try flag(p.add_mismatch, "add_mismatch")
        s.seed = p.seed
        s.lnaGainDB = p.lna_gain_db
        s.digitalCounter = Int(p.digital_counter)
        out.pointee = makeHandle(AFE2Box(try XyloAudio2AnalogFrontEnd(settings: s)))
    }
}

/// Releases the model. NULL is ignored.
@_cdecl("celesta_xylo_afe2_free")
public func celesta_xylo_afe2_free(_ afe2: celesta_xylo_afe2_ref?) {
    releaseHandle(afe2, AFE2Box.self)
}

/// Sets the progress callback of celesta_xylo_afe2_process() on this handle (see
/// celesta_progress_fn); NULL `fn` removes it. The call reports the units of work done and
/// their total, 17 x input_len: input_len after each of the 16 channels' filters and for the
/// spike encoders; inside a stage it is called again with the count so far every 65,536
/// samples or so, so that a cancel takes effect within about a millisecond of work.
///
/// Errors: CELESTA_ERR_NULL_POINTER (afe2). Thread safety: not with other calls on the handle.
@_cdecl("celesta_xylo_afe2_set_progress")
public func celesta_xylo_afe2_set_progress(_ afe2: celesta_xylo_afe2_ref?, _ fn: celesta_progress_fn?, _ user_data: UnsafeMutableRawPointer?) -> Int32 {
    setProgress(afe2, AFE2Box.self, "afe2", fn, user_data)
}

/// Runs the model on `input_len` samples of `input` (volts at fs, finite) and writes the
/// passed spikes, [input_len][16] 0/1, to `spikes`. Size query (see the top of this header) on
/// `spikes`: `*spikes_len` receives input_len * 16; a pure query runs nothing. `record` may be
/// NULL; otherwise (struct_size set) each non-NULL buffer receives that stage. A MODEL: results
/// follow Rockpool's AFESim within the tolerance of its reference, not bit for bit.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_OUT_OF_RANGE (a sample that is not finite),
/// CELESTA_ERR_BUFFER_TOO_SMALL, CELESTA_ERR_CANCELLED (the progress callback of
/// celesta_xylo_afe2_set_progress() asked to stop). On error nothing is written and the state (the
/// membranes and the noise generator) is unchanged. Thread safety: not with other calls on the
/// same handle.
@_cdecl("celesta_xylo_afe2_process")
public func celesta_xylo_afe2_process(
    _ spikes: UnsafeMutablePointer<Int32>?, _ spikes_cap: UInt, _ spikes_len: UnsafeMutablePointer<UInt>?,
    _ record: UnsafePointer<celesta_xylo_afe2_record_t>?,
    _ afe2: celesta_xylo_afe2_ref?, _ input: UnsafePointer<Double>?, _ input_len: UInt
) -> Int32 {
    guarded {
        let box = try object(afe2, AFE2Box.self, "afe2")
        let afe = box.model
        guard input_len <= UInt(Int.max / 64) else { throw CelestaError(.outOfRange, "argument 'input_len' is \(input_len), too large") }
        let n = Int(input_len)
        guard let out = try sizedOutput(spikes, spikes_cap, spikes_len, needed: n * 16, "spikes") else { return }
        if n > 0 { _ = try required(input, "input") }
        let values = input.map { Array(UnsafeBufferPointer(start: $0, count: n)) } ?? []
        let r = try optionalStructIn(record, "record")
        let buffers: [(UnsafeMutablePointer<Double>?, Int, Int, String)] = r.map {
            [($0.lna_out, $0.lna_out_len, n, "record->lna_out"), ($0.bpf, $0.bpf_len, n * 16, "record->bpf"),
             ($0.rect, $0.rect_len, n * 16, "record->rect")]
        } ?? []
        for (pointer, length, needed, name) in buffers where pointer != nil && length < needed {
            throw CelestaError(.bufferTooSmall, "argument '\(name)' holds \(length) values but \(needed) are needed")
        }
        let result = try afe.process(values, record: buffers.contains { $0.0 != nil }, progress: box.progress?.closure)
        out.update(from: result.spikes, count: result.spikes.count)
        for ((pointer, _, _, _), stage) in zip(buffers, [result.lna, result.bandPass, result.rectified]) {
            if let pointer, let stage { pointer.update(from: stage, count: stage.count) }
        }
    }
}

/// Rasters `spikes` ([n][16] with `spikes_len` = n * 16, from celesta_xylo_afe2_process()) the way
/// Rockpool's AFESim.raster does: cumulative sums at samples 0, P, 2P, ... (P = raster period in
/// samples), differenced and clipped; row 0 holds sample 0 only and samples after the last
/// multiple of P are dropped: ceil(n / P) rows of 16. Size query (see the top of this header):
/// `*len` receives rows * 16.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_SHAPE_MISMATCH (spikes_len not a multiple
/// of 16), CELESTA_ERR_BUFFER_TOO_SMALL. Thread safety: any thread.
@_cdecl("celesta_xylo_afe2_raster")
public func celesta_xylo_afe2_raster(
    _ buf: UnsafeMutablePointer<Int32>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?,
    _ afe2: celesta_xylo_afe2_ref?, _ spikes: UnsafePointer<Int32>?, _ spikes_len: UInt
) -> Int32 {
    guarded {
        let afe = try object(afe2, AFE2Box.self, "afe2").model
        guard spikes_len % 16 == 0 else {
            throw CelestaError(.shapeMismatch, "argument 'spikes_len' is \(spikes_len), not a multiple of 16 channels")
        }
        let values = try borrowedInts(spikes, spikes_len, "spikes") ?? []
        let n = values.count / 16, p = afe.rasterPeriodSamples
        let count = n == 0 ? 0 : (n - 1) / p + 1
        guard let out = try sizedOutput(buf, cap, len, needed: count * 16) else { return }
        let result = afe.raster(values.map { Int32(truncatingIfNeeded: $0) })
        out.update(from: result, count: result.count)
    }
}

/// Returns the membranes to zero (the mismatch and the generator state are kept).
///
/// Errors: CELESTA_ERR_NULL_POINTER. Thread safety: not with other calls on the handle.
@_cdecl("celesta_xylo_afe2_reset")
public func celesta_xylo_afe2_reset(_ afe2: celesta_xylo_afe2_ref?) -> Int32 {
    guarded { try object(afe2, AFE2Box.self, "afe2").model.reset() }
}
