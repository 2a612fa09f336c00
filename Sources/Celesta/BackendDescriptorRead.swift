// Exported C functions: a descriptor read back from the files celesta_backend_result_write()
// writes (TALON's HardwareDescriptor.from_json, and the binary with its weights). The work is
// the engine's (BackendDescriptor.read); this file checks the arguments.

import CelestaABI
import CelestaIR
import FoundationEssentials

/// Reads a descriptor from the bytes of a file celesta_backend_result_write() (or Python's
/// `HardwareDescriptor.to_json` / `to_binary`) wrote: `format` CELESTA_BACKEND_DESCRIPTOR_JSON
/// (TALON's `to_json` text) or CELESTA_BACKEND_DESCRIPTOR_BINARY ("T1CB": the metadata, the
/// number of neuron configurations and, in Celesta's file, the weights; TALON's file has none).
/// `*out` receives a result as celesta_backend_compile() gives one: its JSON
/// (celesta_backend_result_json()) has the same keys, with `settings` empty (the files do not
/// hold them), and from a binary empty `neuron_configs`, `routing_tables` and
/// `execution_schedule` plus `binary_neuron_config_count` (the count the file holds);
/// celesta_backend_result_write() writes it again, and writing it in the format it was read
/// from gives the same bytes. `data` is only read during the call; release `*out` with
/// celesta_backend_result_free(). On an error `*out` is not written.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT (an unknown format),
/// CELESTA_ERR_PARSE (damaged or truncated data: the message names the byte offset or the JSON
/// path, and what was expected). Thread safety: any thread.
@_cdecl("celesta_backend_result_read")
public func celesta_backend_result_read(
    _ out: UnsafeMutablePointer<celesta_backend_result_ref?>?, _ data: UnsafePointer<CChar>?, _ data_len: UInt, _ format: Int32
) -> Int32 {
    guarded {
        let out = try required(out, "out")
        guard data_len <= UInt(Int.max) else { throw CelestaError(.outOfRange, "argument 'data_len' is \(data_len), too large") }
        let bytes: [UInt8]
        if let data {
            bytes = Array(UnsafeRawBufferPointer(start: data, count: Int(data_len)))
        } else {
            guard data_len == 0 else { throw CelestaError(.nullPointer, "argument 'data' is NULL but data_len is \(data_len)") }
            bytes = []
        }
        let kind: BackendDescriptor.FileFormat
        switch format {
        case 0: kind = .json
        case 1: kind = .binary
        default:
            throw CelestaError(.invalidArgument, "argument 'format' is \(format); use CELESTA_BACKEND_DESCRIPTOR_JSON (0) or CELESTA_BACKEND_DESCRIPTOR_BINARY (1)")
        }
        let descriptor = try BackendDescriptor.read(bytes, format: kind, name: "data")
        out.pointee = makeHandle(BackendResultBox(IRJSON.encode(descriptor.value), descriptor: descriptor))
    }
}
