// Exported C function: the fpga backend's build_bitstream (TALON's, reference README §18).
// The work is the engine's (FPGABackend.buildBitstream); this file reads the options and
// writes JSON.

import CelestaABI
import CelestaFPGA
import CelestaIR

/// The fpga backend's project for an HLS bitstream build (TALON's `build_bitstream`).
/// `options_json` is celesta_backend_compile()'s (CompileConfig fields and the fpga
/// `settings`: `output_dir`, `project_name`, `part`, `clock_period`, `io_type`,
/// `default_precision`, `default_reuse_factor`, `strategy`, `bitstream` — the flags of TALON's
/// BitstreamConfig {csim, synth, cosim, export, vsynth, bitfile}; null or omitted: TALON's
/// defaults, csim off and the rest on). Flags: CELESTA_BACKEND_WRITE_TO_DISK writes the files
/// under `output_dir`, atomically (a temporary folder next to it, renamed; a folder that is not
/// empty is refused unless CELESTA_BACKEND_OVERWRITE, which replaces it as a whole);
/// CELESTA_IR_TALON_COMPATIBLE writes into the folder as TALON does, keeping the files it does
/// not write (each file written atomically). `*out` receives the result
/// (celesta_backend_result_json(): `{hls4ml_config, parameters_h, build_script, tcl_script,
/// template_paths, descriptor, written_files}`, TALON's keys in TALON's order; `written_files`
/// only with CELESTA_BACKEND_WRITE_TO_DISK, each `output_dir` joined with the file's path;
/// `descriptor` as celesta_backend_compile() gives it; celesta_backend_result_write() writes
/// the descriptor; release with celesta_backend_result_free()). The files: `parameters.h` and
/// `hls4ml_config.json` byte for byte as TALON writes them; the four neuron headers,
/// `build.py` and `build_prj.tcl` are Celesta's (README "FPGA bitstream projects").
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT (bad options or flags, a
/// setting the fpga does not know, a graph that fails validation: "Graph validation failed:
/// [nodes]. Supported: [...]", an empty `output_dir` or a folder that is not empty when
/// writing), CELESTA_ERR_PARSE, CELESTA_ERR_IO (naming the path; nothing is left half
/// written). Thread safety: any thread; `graph` is only read.
@_cdecl("celesta_backend_build_bitstream")
public func celesta_backend_build_bitstream(
    _ out: UnsafeMutablePointer<celesta_backend_result_ref?>?, _ graph: celesta_ir_graph_cref?, _ options_json: UnsafePointer<CChar>?,
    _ options_json_len: UInt, _ flags: Int32
) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let box = try object(graph, IRGraphBox.self, "graph")
        try checkFlags(flags, allowed: 7)
        let options = try compileOptions(try borrowedText(options_json, options_json_len, "options_json"))
        let r = try FPGABackend().buildBitstream(try box.withGraph { $0 }, options: options, writeToDisk: flags & 2 != 0,
                                                 overwrite: flags & 4 != 0, talonCompatible: flags & 1 != 0)
        out.pointee = makeHandle(BackendResultBox(IRJSON.encode(r.value), descriptor: r.descriptor))
    }
}
