// Exported C functions: the backends' long calls with progress reports and cancellation.
// celesta_backend_simulate(), celesta_backend_profile() and celesta_backend_run() with a
// progress callback; the work is theirs (Backends.swift, BackendRun.swift) and the engine
// makes the reports.

import CelestaABI
import CelestaIR

/// A C progress callback handed to the engine as a Sendable closure. The engine calls it on
/// the thread that made the C call only (CPUSimulator, XyloSimulator), so sharing it is safe.
struct SendableProgress: @unchecked Sendable {
    let callback: ProgressCallback

    init?(_ fn: celesta_progress_fn?, _ userData: UnsafeMutableRawPointer?) {
        guard let fn else { return nil }
        callback = ProgressCallback(function: fn, userData: userData)
    }

    var closure: @Sendable (Int, Int) -> Bool { { self.callback($0, of: $1) } }
}

/// celesta_backend_simulate() with progress: `progress` (NULL: none) is called as
/// celesta_progress_fn describes, with the time steps done and in all (over a batch [B, T, ...],
/// the steps of all B sequences: B x T in all), about every 20 ms of work on the cpu (after each
/// block of steps on a Xylo chip) and once at the end; a non-zero return cancels the run: the
/// call fails with CELESTA_ERR_CANCELLED, `*out` is not written, and nothing else changes (the
/// worker threads of a batch stop at their next check, within milliseconds). `user_data` is
/// passed to `progress` as it is. The other arguments, the result and the errors are
/// celesta_backend_simulate()'s.
/// Thread safety: any thread; `progress` is called on the calling thread only.
@_cdecl("celesta_backend_simulate_progress")
public func celesta_backend_simulate_progress(
    _ out: UnsafeMutablePointer<celesta_backend_result_ref?>?, _ name: UnsafePointer<CChar>?, _ graph: celesta_ir_graph_cref?,
    _ options_json: UnsafePointer<CChar>?, _ options_json_len: UInt, _ arrays: UnsafePointer<celesta_ir_array_t>?, _ n_arrays: UInt,
    _ progress: celesta_progress_fn?, _ user_data: UnsafeMutableRawPointer?
) -> Int32 {
    backendSimulate(out, name, graph, options_json, options_json_len, arrays, n_arrays, progress: SendableProgress(progress, user_data))
}

/// celesta_backend_profile() with progress: the profile's measured run reports as
/// celesta_backend_simulate_progress() describes; a non-zero return cancels it
/// (CELESTA_ERR_CANCELLED, `*out` not written). The other arguments, the result and the errors
/// are celesta_backend_profile()'s.
/// Thread safety: any thread; `progress` is called on the calling thread only.
@_cdecl("celesta_backend_profile_progress")
public func celesta_backend_profile_progress(
    _ out: UnsafeMutablePointer<celesta_backend_result_ref?>?, _ name: UnsafePointer<CChar>?, _ graph: celesta_ir_graph_cref?,
    _ options_json: UnsafePointer<CChar>?, _ options_json_len: UInt, _ arrays: UnsafePointer<celesta_ir_array_t>?, _ n_arrays: UInt,
    _ progress: celesta_progress_fn?, _ user_data: UnsafeMutableRawPointer?
) -> Int32 {
    let p = SendableProgress(progress, user_data)
    return resultCall(out, name, graph, options_json, options_json_len, arrays, n_arrays) { try profileJSON($0, $1, $2, $3, progress: p) }
}

/// celesta_backend_run() with progress: the simulation reports as
/// celesta_backend_simulate_progress() describes; with `profile` (the default) the profile runs
/// the graph again, so the simulation reports the first half of the total and the profile's
/// run the second (one total throughout). A non-zero return cancels the run: the call fails
/// with CELESTA_ERR_CANCELLED and `*out` is not written (a cancel is never reported in the
/// result's `errors`). The other arguments, the result and the errors are celesta_backend_run()'s.
/// Thread safety: any thread; `progress` is called on the calling thread only.
@_cdecl("celesta_backend_run_progress")
public func celesta_backend_run_progress(
    _ out: UnsafeMutablePointer<celesta_backend_result_ref?>?, _ name: UnsafePointer<CChar>?, _ graph: celesta_ir_graph_cref?,
    _ options_json: UnsafePointer<CChar>?, _ options_json_len: UInt, _ arrays: UnsafePointer<celesta_ir_array_t>?, _ n_arrays: UInt,
    _ progress: celesta_progress_fn?, _ user_data: UnsafeMutableRawPointer?
) -> Int32 {
    let p = SendableProgress(progress, user_data)
    return resultCall(out, name, graph, options_json, options_json_len, arrays, n_arrays) { try runJSON($0, $1, $2, $3, progress: p) }
}
