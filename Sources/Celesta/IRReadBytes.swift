// Exported C functions: reading IR files (.t1c, NIR, IR JSON) from bytes in memory.

import CelestaABI
import CelestaIR

/// Reads a graph from the `len` bytes at `data`, laid out as the file `format` names
/// (CELESTA_IR_FORMAT_T1C, _NIR or _JSON; AUTO is refused: bytes have no extension). The result
/// is the graph celesta_ir_read() gives for a file of these bytes, with the same checks; no file
/// is written or read. Flags: CELESTA_IR_TALON_COMPATIBLE (as in celesta_ir_read()).
///
/// Ownership: `data` is only read during the call; `*out` receives a new graph. Thread-safe.
/// Errors: CELESTA_ERR_NULL_POINTER (out; data with a non-zero len), CELESTA_ERR_OUT_OF_RANGE
/// (len past 2 GiB), CELESTA_ERR_INVALID_ARGUMENT (format, flags), CELESTA_ERR_PARSE (empty,
/// truncated, corrupt or wrong bytes: the message names the object),
/// CELESTA_ERR_LIMIT_EXCEEDED (more objects or data than bytes of this size can hold).
@_cdecl("celesta_ir_read_bytes")
public func celesta_ir_read_bytes(
    _ out: UnsafeMutablePointer<celesta_ir_graph_ref?>?, _ data: UnsafePointer<UInt8>?, _ len: UInt, _ format_: Int32, _ flags: Int32
) -> Int32 {
    guarded {
        let out = try required(out, "out")
        guard len <= UInt(Int32.max) else { throw CelestaError(.outOfRange, "argument 'len' is \(len), too large (at most 2 GiB)") }
        guard data != nil || len == 0 else { throw CelestaError(.nullPointer, "argument 'data' is NULL but len is \(len)") }
        try checkFlags(flags, allowed: 1)
        guard let format = IRFileFormat(rawValue: format_), format != .auto else {
            throw CelestaError(.invalidArgument, "argument 'format' is \(format_); use CELESTA_IR_FORMAT_T1C, _NIR or _JSON")
        }
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: Int(len))) } ?? []
        let g = try IRFiles.read(bytes: bytes, name: "<\(format.name) bytes>", format: format, mode: irMode(flags))
        out.pointee = makeHandle(IRGraphBox(g))
    }
}
