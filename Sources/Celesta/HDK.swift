// Exported C functions: dev kits (discovery, the driver, clock and power).

import CelestaABI
import CelestaIR
import CelestaXylo
import CelestaHDK

/// `celesta_xylo_hdk_t *`.
public typealias celesta_xylo_hdk_ref = OpaquePointer

/// The object behind a `celesta_xylo_hdk_t *`: the driver, the power samples of its last run and
/// the progress callback of its runs.
final class HDKBox: ProgressHolder {
    let hdk: XyloHDK
    var power: [HDKPowerSample] = []
    var progress: ProgressCallback?
    init(_ hdk: XyloHDK) { self.hdk = hdk }
}

/// Copies `text` into a fixed C char array, truncating at a UTF-8 boundary, NUL-terminated.
private func setFixed<T>(_ field: inout T, _ text: String) {
    withUnsafeMutableBytes(of: &field) { raw in
        let capacity = raw.count - 1
        var bytes = Array(text.utf8.prefix(capacity))
        while let last = bytes.last, last & 0xC0 == 0x80 { bytes.removeLast() }  // drop a cut sequence's tail
        if let last = bytes.last, last >= 0xC0 { bytes.removeLast() }
        for (i, b) in bytes.enumerated() { raw[i] = b }
        for i in bytes.count..<raw.count { raw[i] = 0 }
    }
}

private func info(_ device: HDKDeviceInfo, rails: Int) -> celesta_xylo_hdk_info_t {
    var out = celesta_xylo_hdk_info_t()
    out.kind = device.kind == .usb ? 0 : 1
    out.version_major = Int32(clamping: device.version.major)
    out.version_minor = Int32(clamping: device.version.minor)
    out.power_rails = Int32(clamping: rails)
    setFixed(&out.chip_id, device.chipID)
    setFixed(&out.name, device.name)
    setFixed(&out.location, device.location)
    return out
}

/// The chip names of a comma-separated list (NULL or empty: none).
private func chipList(_ text: UnsafePointer<CChar>?) -> [String] {
    text.map { ChipTable.names(inList: String(cString: $0)) } ?? []
}

/// Lists the dev kits: the boards on USB whose vendor/product ids are known (the built-in table
/// plus CELESTA_HDK_USB_IDS, "VID:PID=CHIP,..."), then one virtual kit per chip named in
/// `virtual_chips` (comma-separated chip names, e.g. "xa3,xa2"; NULL for none) and in
/// CELESTA_VIRTUAL_HDKS, into the array `buf`.
///
/// Size query (see the top of this header) in entries: `*len` receives the number of kits.
/// `buf[0].struct_size` must be set (CELESTA_INIT each entry); it is the array's stride, and
/// every entry written gets the same struct_size.
///
/// Never fails for lack of USB: without a bus or permission the physical list is empty.
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT (buf[0].struct_size too
/// small), CELESTA_ERR_NOT_FOUND or CELESTA_ERR_UNSUPPORTED (a virtual chip that is unknown or
/// has no kit), CELESTA_ERR_PARSE (a malformed CELESTA_HDK_USB_IDS),
/// CELESTA_ERR_BUFFER_TOO_SMALL. Thread safety: any thread.
@_cdecl("celesta_xylo_hdk_list")
public func celesta_xylo_hdk_list(
    _ buf: UnsafeMutablePointer<celesta_xylo_hdk_info_t>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?,
    _ virtual_chips: UnsafePointer<CChar>?
) -> Int32 {
    guarded {
        let found = try HDKDiscovery().find(virtual: chipList(virtual_chips))
        guard let out = try sizedOutput(buf, cap, len, needed: found.count) else { return }
        try fillEntries(out, count: found.count, "buf") { i, entry in
            let opener = found[i]
            let rails = opener.info.kind == .virtual
                ? ((try? XyloPowerModel.model(for: ChipTable.chip(named: opener.info.chipID)).rails.count) ?? 0) : 0
            entry.pointee = info(opener.info, rails: rails)
        }
    }
}

/// Opens a dev kit. `location` is "virtual:<chip>" (a new virtual kit of that chip, e.g.
/// "virtual:xa3"), a USB location from celesta_xylo_hdk_list() ("usb:BUS:ADDRESS"), or NULL / ""
/// for the first board on USB. `timeout_ms` bounds every call on the kit (0: 5000 ms).
///
/// On success `*out` receives a handle to release with celesta_xylo_hdk_free(); on error it is left
/// untouched. Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_NOT_FOUND (no such kit, naming the
/// location), CELESTA_ERR_UNSUPPORTED (a chip without a dev kit), CELESTA_ERR_DEVICE (the board
/// cannot be opened, is gone or answers wrongly), CELESTA_ERR_TIMEOUT, CELESTA_ERR_OUT_OF_RANGE
/// (timeout). Thread safety: any thread.
@_cdecl("celesta_xylo_hdk_open")
public func celesta_xylo_hdk_open(
    _ out: UnsafeMutablePointer<celesta_xylo_hdk_ref?>?, _ location: UnsafePointer<CChar>?, _ timeout_ms: UInt
) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let where_ = location.map { String(cString: $0) } ?? ""
        guard timeout_ms <= 3_600_000 else {
            throw CelestaError(.outOfRange, "argument 'timeout_ms' is \(timeout_ms); at most 3600000 (one hour)")
        }
        let timeout: Duration = .milliseconds(timeout_ms == 0 ? 5000 : Int(timeout_ms))
        let transport = try HDKLocation(parsing: where_).open(timeout: timeout, hints: HDKLocation.Hints(
            noBoard: " (0 found); use \"virtual:<chip>\" for a virtual kit",
            unknownLocation: "; locations are \"virtual:<chip>\" or \"usb:BUS:ADDRESS\" from celesta_xylo_hdk_list()"))
        out.pointee = makeHandle(HDKBox(try XyloHDK(transport: transport)))
    }
}

/// Closes the kit and releases the handle. NULL is ignored.
@_cdecl("celesta_xylo_hdk_free")
public func celesta_xylo_hdk_free(_ hdk: celesta_xylo_hdk_ref?) {
    releaseHandle(hdk, HDKBox.self) { $0.hdk.transport.close() }
}

/// Fills `*out` with what the open kit is (version and rails as the kit reported them).
/// `out->struct_size` must be set (CELESTA_INIT).
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT (struct_size too small).
/// Thread safety: as the handle.
@_cdecl("celesta_xylo_hdk_get_info")
public func celesta_xylo_hdk_get_info(_ out: UnsafeMutablePointer<celesta_xylo_hdk_info_t>?, _ hdk: celesta_xylo_hdk_ref?) -> Int32 {
    guarded {
        let out = try structOut(out, "out")
        let box = try object(hdk, HDKBox.self, "hdk")
        store(info(box.hdk.device, rails: box.hdk.transport.powerRails.count), to: out)
    }
}

/// Copies the name of power rail `index` (0 .. power_rails-1, e.g. "io", "analog",
/// "digital") into `buf`, NUL-terminated.
///
/// Size query (see the top of this header): `*len` receives the bytes needed, NUL included.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_OUT_OF_RANGE (index),
/// CELESTA_ERR_BUFFER_TOO_SMALL. Thread safety: as the handle.
@_cdecl("celesta_xylo_hdk_power_rail")
public func celesta_xylo_hdk_power_rail(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?,
    _ hdk: celesta_xylo_hdk_ref?, _ index: UInt
) -> Int32 {
    guarded {
        let rails = try object(hdk, HDKBox.self, "hdk").hdk.transport.powerRails
        guard index < UInt(rails.count) else {
            throw CelestaError(.outOfRange, "argument 'index' is \(index); the kit has \(rails.count) rails (0..\(rails.count - 1))")
        }
        try copyOut(rails[Int(index)], to: buf, capacity: cap, len: len)
    }
}

/// Resets the chip and writes `config` into its registers and memory (the kit then runs the
/// network decoded from that memory); `dt` is the time step in seconds, written as the
/// time-step wrap at the current clock.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT (a configuration of another
/// chip), CELESTA_ERR_INVALID_CONFIG, CELESTA_ERR_LIMIT_EXCEEDED (more recurrent synapses than
/// the fan-out memory holds), CELESTA_ERR_OUT_OF_RANGE (dt), CELESTA_ERR_DEVICE,
/// CELESTA_ERR_TIMEOUT. Thread safety: as the handle.
@_cdecl("celesta_xylo_hdk_apply")
public func celesta_xylo_hdk_apply(_ hdk: celesta_xylo_hdk_ref?, _ config: celesta_xylo_config_cref?, _ dt: Double) -> Int32 {
    guarded {
        let box = try object(hdk, HDKBox.self, "hdk")
        let c = try object(config, ConfigBox.self, "config")
        try box.hdk.apply(c.config, dt: dt)
    }
}

/// Sets the progress callback of celesta_xylo_hdk_evolve() and celesta_xylo_hdk_monitor() on this handle
/// (see celesta_progress_fn); NULL `fn` removes it. celesta_xylo_hdk_evolve() reports the time steps
/// run after every block of 4096 steps; celesta_xylo_hdk_monitor() the audio samples fed after every
/// chunk of 4883 samples (0.1 s of audio). A kit cannot take a run back: after a cancelled
/// call the kit has run the first `done` units of the last report and is in the state they
/// left it in (the network's state and, for the monitor, the front end's); their power samples
/// are discarded (celesta_xylo_hdk_power_times() then gives none), their outputs too (those of
/// an evolve stay readable with celesta_xylo_hdk_partial_output()), and the next
/// call continues from there. celesta_xylo_hdk_apply() starts again from zero state.
///
/// Errors: CELESTA_ERR_NULL_POINTER (hdk). Thread safety: as the handle.
@_cdecl("celesta_xylo_hdk_set_progress")
public func celesta_xylo_hdk_set_progress(_ hdk: celesta_xylo_hdk_ref?, _ fn: celesta_progress_fn?, _ user_data: UnsafeMutableRawPointer?) -> Int32 {
    setProgress(hdk, HDKBox.self, "hdk", fn, user_data)
}

/// Runs `steps` time steps on the kit in accelerated time, exactly as celesta_xylo_sim_evolve()
/// (same buffers, shapes and size query; the results equal the simulator's). With `record_power` non-zero
/// the power monitor samples the run (read them with celesta_xylo_hdk_power_times() and
/// celesta_xylo_hdk_power_watts()).
///
/// Errors: as celesta_xylo_sim_evolve(), plus CELESTA_ERR_INVALID_STATE (no configuration applied),
/// CELESTA_ERR_DEVICE and CELESTA_ERR_TIMEOUT; CELESTA_ERR_CANCELLED when the callback of
/// celesta_xylo_hdk_set_progress() asked to stop (the kit's state is then as that function says).
/// On error no output buffer is written; the output of the steps the kit completed before the
/// failure is kept: celesta_xylo_hdk_partial_output(). Thread safety: as the handle.
@_cdecl("celesta_xylo_hdk_evolve")
public func celesta_xylo_hdk_evolve(
    _ spikes_out: UnsafeMutablePointer<Int32>?, _ spikes_out_cap: UInt, _ spikes_out_len: UnsafeMutablePointer<UInt>?,
    _ record: UnsafePointer<celesta_xylo_sim_record_t>?,
    _ hdk: celesta_xylo_hdk_ref?, _ input: UnsafePointer<Int32>?, _ input_len: UInt, _ steps: UInt, _ record_power: Int32
) -> Int32 {
    guarded {
        let box = try object(hdk, HDKBox.self, "hdk")
        guard let config = box.hdk.config else {
            throw CelestaError(.invalidState, "\(box.hdk.device.name): no configuration applied; call celesta_xylo_hdk_apply() first")
        }
        guard steps <= UInt(Int32.max) else { throw CelestaError(.outOfRange, "argument 'steps' is \(steps), too large") }
        let t = Int(steps)
        // Each check is made once: here the handle, the pointers and the buffer sizes; the
        // driver checks the input's shape and counts (building an HDKInputRaster) before it
        // sends anything, and the kit takes that raster as it is.
        guard let out = try sizedOutput(spikes_out, spikes_out_cap, spikes_out_len, needed: t * config.nOut, "spikes_out")
        else { return }
        let record = try optionalStructIn(record, "record")
        let inputs = try borrowedInts(input, input_len, "input") ?? []
        try checkRecordBuffers(record, steps: t, nHidden: config.nHidden, nOut: config.nOut)
        box.power = []  // the samples of this run replace those of the last, also if it fails
        let run = try box.hdk.evolve(input: inputs, steps: t, record: wantsStates(record), recordPower: record_power != 0,
                                     progress: box.progress?.closure(total: t))
        box.power = run.power
        writeResult(run.result, spikesOut: out, record: record)
    }
}

/// The output spikes of the last celesta_xylo_hdk_evolve() on this handle as far as they were
/// read from the kit, [steps][n_out] row-major (steps = `*len` / n_out): all of them after a
/// call that succeeded; after a call that failed (a kit unplugged, a lost, corrupt or short
/// transfer, a time-out) or was cancelled, those of the time steps completed before the
/// failure, in whole blocks of 4096 steps (the kit's output is read after each block; none when
/// the call failed in its first block). celesta_xylo_hdk_apply() clears it. A failed evolve
/// writes no output buffer; this is how its caller keeps what the kit had already computed.
///
/// Size query (see the top of this header): `*len` receives steps * n_out. Errors:
/// CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_STATE (no configuration applied),
/// CELESTA_ERR_BUFFER_TOO_SMALL. Thread safety: as the handle.
@_cdecl("celesta_xylo_hdk_partial_output")
public func celesta_xylo_hdk_partial_output(
    _ buf: UnsafeMutablePointer<Int32>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ hdk: celesta_xylo_hdk_ref?
) -> Int32 {
    guarded {
        _ = try required(len, "len")
        let result = try object(hdk, HDKBox.self, "hdk").hdk.partialEvolveOutput()
        guard let out = try sizedOutput(buf, cap, len, needed: result.spikesOut.count) else { return }
        result.spikesOut.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { out.update(from: base, count: src.count) }
        }
    }
}

/// The times of the power samples of the last celesta_xylo_hdk_evolve() or
/// celesta_xylo_hdk_monitor() run with `record_power` (a model on the virtual kit: see
/// XyloPowerModel in the docs): each sample's time in seconds of kit time, [samples].
///
/// Size query (see the top of this header): `*len` receives the number of samples.
/// Thread safety: as the handle.
@_cdecl("celesta_xylo_hdk_power_times")
public func celesta_xylo_hdk_power_times(
    _ buf: UnsafeMutablePointer<Double>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ hdk: celesta_xylo_hdk_ref?
) -> Int32 {
    guarded {
        let power = try object(hdk, HDKBox.self, "hdk").power
        guard let out = try sizedOutput(buf, cap, len, needed: power.count) else { return }
        for (i, s) in power.enumerated() { out[i] = s.time }
    }
}

/// The mean power per rail of each sample of celesta_xylo_hdk_power_times(), in watts,
/// [samples][power_rails] row-major.
///
/// Size query (see the top of this header): `*len` receives samples * power_rails.
/// Thread safety: as the handle.
@_cdecl("celesta_xylo_hdk_power_watts")
public func celesta_xylo_hdk_power_watts(
    _ buf: UnsafeMutablePointer<Double>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ hdk: celesta_xylo_hdk_ref?
) -> Int32 {
    guarded {
        let box = try object(hdk, HDKBox.self, "hdk")
        let rails = box.hdk.transport.powerRails.count
        guard let out = try sizedOutput(buf, cap, len, needed: box.power.count * rails) else { return }
        for (i, s) in box.power.enumerated() {
            for r in 0..<rails { out[i * rails + r] = r < s.watts.count ? s.watts[r] : 0 }
        }
    }
}

/// Sets the kit's core clock to `megahertz`; `*actual_mhz` (may be NULL) receives the clock
/// the kit runs (an Xylo Audio 2 board divides 100 MHz: 12 MHz gives 12.5).
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_OUT_OF_RANGE (not finite, outside 1..200 MHz),
/// CELESTA_ERR_DEVICE, CELESTA_ERR_TIMEOUT. Thread safety: as the handle.
@_cdecl("celesta_xylo_hdk_set_clock")
public func celesta_xylo_hdk_set_clock(_ actual_mhz: UnsafeMutablePointer<Double>?, _ hdk: celesta_xylo_hdk_ref?, _ megahertz: Double) -> Int32 {
    guarded {
        let box = try object(hdk, HDKBox.self, "hdk")
        let actual = try box.hdk.setClock(megahertz: megahertz)
        actual_mhz?.pointee = actual
    }
}

/// The lowest core clock in Hz that runs the applied configuration in real time at its dt,
/// with `margin` (0.2 = 20 %, Rockpool's est_clock_freq) into `*hertz`.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_STATE (no configuration applied),
/// CELESTA_ERR_OUT_OF_RANGE (margin). Thread safety: as the handle.
@_cdecl("celesta_xylo_hdk_min_clock")
public func celesta_xylo_hdk_min_clock(_ hertz: UnsafeMutablePointer<Double>?, _ hdk: celesta_xylo_hdk_ref?, _ margin: Double) -> Int32 {
    guarded {
        let box = try object(hdk, HDKBox.self, "hdk")
        let out = try required(hertz, "hertz")
        out.pointee = try box.hdk.minimumClock(margin: margin)
    }
}

/// Runs the kit free on its audio front end (Rockpool's XyloMonitor, or AFESamna with
/// `network` 0): `audio` holds `audio_len` samples at 48828.125 Hz in [-1, 1) (quantized to 14
/// bits as the chip's external input), fed through the front end set up like `afe` (an
/// external-input front end; its stream state is not used or changed) into the network applied
/// with celesta_xylo_hdk_apply() (apply it with dt = down_sampling_factor / 48828.125 for the
/// real-time clock check). Only Xylo Audio 3 kits take audio.
///
/// The run completes steps = audio_len / down_sampling_factor time steps. `raster` receives the
/// front end's spikes [steps][channels] and, with `network` non-zero, `spikes_out` the output
/// spikes [steps][n_out]. Size query (see the top of this header) on both: `*raster_len`
/// receives steps * channels and `*spikes_out_len` steps * n_out (0 without `network`); the
/// call is a pure query, running nothing, when `raster` is NULL (cap 0); `spikes_out` NULL
/// (cap 0) skips the output spikes. `*overruns` (may be NULL) receives the number of steps
/// that missed their deadline at the kit's clock.
/// With `record_power` the power samples are kept for celesta_xylo_hdk_power_times() and celesta_xylo_hdk_power_watts().
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_UNSUPPORTED (a kit without a digital front
/// end, or a PDM-input `afe`), CELESTA_ERR_INVALID_STATE (`network` with no configuration
/// applied), CELESTA_ERR_OUT_OF_RANGE (a sample that is not finite or does not fit 14 bits, or
/// an audio_len too large to address),
/// CELESTA_ERR_BUFFER_TOO_SMALL, CELESTA_ERR_DEVICE, CELESTA_ERR_TIMEOUT, CELESTA_ERR_CANCELLED
/// (the callback of celesta_xylo_hdk_set_progress() asked to stop; the kit's state is then as that
/// function says). On error no output buffer is written. Thread safety: as the handle; `afe`
/// is only read (its own progress callback is not used).
@_cdecl("celesta_xylo_hdk_monitor")
public func celesta_xylo_hdk_monitor(
    _ raster: UnsafeMutablePointer<Int32>?, _ raster_cap: UInt, _ raster_len: UnsafeMutablePointer<UInt>?,
    _ spikes_out: UnsafeMutablePointer<Int32>?, _ spikes_out_cap: UInt, _ spikes_out_len: UnsafeMutablePointer<UInt>?,
    _ overruns: UnsafeMutablePointer<UInt>?,
    _ hdk: celesta_xylo_hdk_ref?, _ afe: celesta_xylo_afe_cref?, _ audio: UnsafePointer<Double>?, _ audio_len: UInt,
    _ network: Int32, _ record_power: Int32
) -> Int32 {
    guarded {
        let box = try object(hdk, HDKBox.self, "hdk")
        let frontEnd = try object(afe, AFEBox.self, "afe").afe
        guard frontEnd.settings.inputMode == .external else {
            throw CelestaError(.unsupported, "argument 'afe' takes PDM input; the kit's monitor takes external audio samples")
        }
        try checkDoubleCount(audio_len, "audio")
        let factor = frontEnd.parameters.rasterDownSamplingFactor
        let total = Int(audio_len) / factor
        let channels = frontEnd.channelCount
        var nOut = 0
        if network != 0 {
            guard let config = box.hdk.config else {
                throw CelestaError(.invalidState, "\(box.hdk.device.name): no configuration applied; call celesta_xylo_hdk_apply() first")
            }
            nOut = config.nOut
        }
        let spikesOut = try sizedOutput(spikes_out, spikes_out_cap, spikes_out_len, needed: total * nOut, "spikes_out")
        guard let rasterOut = try sizedOutput(raster, raster_cap, raster_len, needed: total * channels, "raster") else { return }
        if audio == nil, audio_len == 0 { return }
        let samples = try XyloAudio3FrontEnd.quantize14(borrowing: borrowedDoubleBuffer(audio, audio_len, "audio"))
        box.power = []  // as in celesta_xylo_hdk_evolve()
        let run = try box.hdk.monitor(
            audio: samples, frontEnd: frontEnd.parameters, networkEnabled: network != 0, recordPower: record_power != 0,
            progress: box.progress?.closure(total: samples.count))
        box.power = run.power
        guard run.result.steps == total, run.inputRaster.count == total * channels else {
            throw CelestaError(.device, "\(box.hdk.device.name): the monitor returned \(run.result.steps) steps, expected \(total)")
        }
        run.inputRaster.withUnsafeBufferPointer { if let b = $0.baseAddress { rasterOut.update(from: b, count: $0.count) } }
        if network != 0, let spikesOut {
            run.result.spikesOut.withUnsafeBufferPointer { if let b = $0.baseAddress { spikesOut.update(from: b, count: $0.count) } }
        }
        overruns?.pointee = UInt(run.overruns.count)
    }
}
