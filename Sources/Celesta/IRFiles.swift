// Exported C functions: reading and writing IR files (.t1c, NIR, IR JSON).

import CelestaABI
import CelestaIR

private func format(_ value: Int32) throws -> IRFileFormat {
    guard let f = IRFileFormat(rawValue: value) else {
        throw CelestaError(.invalidArgument, "argument 'format' is \(value); use a celesta_ir_format value")
    }
    return f
}

/// Reads a graph from `path`: TALON's `.t1c`, NIR (`.nir`, gzip or plain, nested graphs) or IR
/// JSON; CELESTA_IR_FORMAT_AUTO decides by the extension. With CELESTA_IR_TALON_COMPATIBLE a
/// `.t1c` file reads exactly as TALON reads it (alphabetical node order, port shapes
/// re-derived); by default the port shapes and order Celesta stored are used.
///
/// Ownership: `*out` receives a new graph. Errors: CELESTA_ERR_NULL_POINTER,
/// CELESTA_ERR_INVALID_ARGUMENT (format, flags), CELESTA_ERR_IO (the file cannot be read),
/// CELESTA_ERR_PARSE (a truncated, corrupt or wrong file: the message names the object).
@_cdecl("celesta_ir_read")
public func celesta_ir_read(_ out: UnsafeMutablePointer<celesta_ir_graph_ref?>?, _ path: UnsafePointer<CChar>?, _ format_: Int32, _ flags: Int32) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let p = try requiredString(path, "path")
        try checkFlags(flags, allowed: 1)
        let g = try IRFiles.read(path: p, format: try format(format_), mode: irMode(flags))
        out.pointee = makeHandle(IRGraphBox(g))
    }
}

/// Writes the graph to `path` atomically (a temporary file renamed over it; a failed write
/// leaves an existing file as it was). Flags: CELESTA_IR_TALON_COMPATIBLE (a `.t1c` with TALON's
/// bytes only, without Celesta's attributes), CELESTA_IR_UNCOMPRESSED (NIR arrays without gzip).
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT, CELESTA_ERR_UNSUPPORTED (a
/// primitive the format has no type for, naming the node), CELESTA_ERR_IO.
@_cdecl("celesta_ir_write")
public func celesta_ir_write(_ path: UnsafePointer<CChar>?, _ graph: celesta_ir_graph_cref?, _ format_: Int32, _ flags: Int32) -> Int32 {
    guarded {
        let p = try requiredString(path, "path")
        let box = try object(graph, IRGraphBox.self, "graph")
        try checkFlags(flags, allowed: 1 | 4)
        let f = try format(format_)
        let g = try box.withGraph { $0 }
        try IRFiles.write(g, to: p, format: f, mode: irMode(flags), compress: flags & 4 == 0)
    }
}

/// The `version` string of a `.t1c` file (size-query idiom: `*len` bytes with the NUL).
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_IO, CELESTA_ERR_PARSE, CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_ir_read_version")
public func celesta_ir_read_version(_ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ path: UnsafePointer<CChar>?) -> Int32 {
    guarded {
        let p = try requiredString(path, "path")
        try copyOut(try T1CFile.readVersion(path: p), to: buf, capacity: cap, len: len, field: "buf")
    }
}
