// Exported C functions: the network IR (graphs, nodes, primitives, JSON).

import CelestaABI
import CelestaIR
import Synchronization

/// `celesta_ir_graph_t *` as the shim spells it (see scripts/gen_header.py).
public typealias celesta_ir_graph_ref = OpaquePointer
/// `const celesta_ir_graph_t *`.
public typealias celesta_ir_graph_cref = OpaquePointer

/// The object behind a `celesta_ir_graph_t *`: the graph behind a lock, and the arrays of the
/// last export with their shapes, kept alive for celesta_ir_graph_array() and
/// celesta_ir_graph_arrays().
final class IRGraphBox: Sendable {
    struct State {
        var graph: IRGraph
        var exported: [Tensor] = []
        /// The shapes of `exported`, one after another in one block.
        var exportedShapes: [Int64] = []
        /// Where each array's shape starts in `exportedShapes`.
        var shapeStarts: [Int] = []
        /// The analysis scan of `graph` (made by the first analysis; dropped whenever the
        /// graph may change), and a count of those changes.
        var scan: GraphScan?
        var generation = 0

        mutating func export(_ arrays: [Tensor]) {
            exported = arrays
            exportedShapes = []
            exportedShapes.reserveCapacity(arrays.reduce(0) { $0 + $1.ndim })
            shapeStarts = []
            shapeStarts.reserveCapacity(arrays.count)
            for t in arrays {
                shapeStarts.append(exportedShapes.count)
                for d in t.shape { exportedShapes.append(Int64(d)) }
            }
        }

        /// Fills `out` (all but struct_size) with exported array `k`, pointing into this
        /// state's memory. (The stored arrays are not mutated while they are exported, and
        /// the state lives in the box: the buffers stay where they are.)
        func describe(_ k: Int, _ out: UnsafeMutablePointer<celesta_ir_array_t>, shapes: UnsafePointer<Int64>?) {
            let t = exported[k]
            out.pointee.dtype = dtypeCString(t.dtype)
            out.pointee.ndim = t.ndim
            out.pointee.data = t.bytes.withUnsafeBytes { UnsafeRawPointer($0.baseAddress) }
            out.pointee.shape = t.ndim > 0 ? shapes.map { $0 + shapeStarts[k] } : nil
        }
    }
    let state: Mutex<State>
    init(_ graph: IRGraph) { state = Mutex(State(graph: graph)) }

    func withGraph<R>(_ body: (inout IRGraph) throws -> R) throws -> R {
        try state.withLock {
            $0.scan = nil
            $0.generation &+= 1
            return try body(&$0.graph)
        }
    }

    /// The graph and its analysis scan: the kept one, else made now (outside the lock) and
    /// kept unless the graph changed meanwhile. Analyze, profile and lint of one graph share it.
    func scanned() -> (IRGraph, GraphScan) {
        let (graph, kept, generation) = state.withLock { ($0.graph, $0.scan, $0.generation) }
        if let kept { return (graph, kept) }
        let scan = GraphScan(graph)
        state.withLock { if $0.generation == generation { $0.scan = scan } }
        return (graph, scan)
    }
}

/// The flags' mode: TALON's exact behaviour or Celesta's.
func irMode(_ flags: Int32) -> IRMode { flags & 1 != 0 ? .talon : .celesta }

/// Refuses flag bits the call does not know.
func checkFlags(_ flags: Int32, allowed: Int32) throws {
    guard flags & ~allowed == 0 else {
        throw CelestaError(.invalidArgument, "argument 'flags' is \(flags); this call accepts only the bits \(allowed)")
    }
}

/// Borrows `count` caller arrays as tensors (copied: the graph keeps them).
func borrowedArrays(_ arrays: UnsafePointer<celesta_ir_array_t>?, _ count: UInt) throws -> [Tensor] {
    guard count > 0 else { return [] }
    guard let arrays else { throw CelestaError(.nullPointer, "argument 'arrays' is NULL but n_arrays is \(count)") }
    guard count <= 1 << 24 else { throw CelestaError(.outOfRange, "argument 'n_arrays' is \(count), too large") }
    var out: [Tensor] = []
    out.reserveCapacity(Int(count))
    // A table of thousands of arrays names a handful of dtypes, mostly by the same pointers:
    // the last name read is not read again (it cannot change during the call).
    var lastName: UnsafePointer<CChar>? = nil
    var lastType = DType.float64
    for k in 0..<Int(count) {
        let a = arrays[k]
        func name() -> String { "arrays[\(k)]" }  // for messages only
        guard a.struct_size >= UInt32(MemoryLayout<celesta_ir_array_t>.size) else {
            throw CelestaError(.invalidArgument, "'\(name()).struct_size' is \(a.struct_size); set it to sizeof(celesta_ir_array_t) (\(MemoryLayout<celesta_ir_array_t>.size))")
        }
        let dtype: DType
        if let p = a.dtype, p == lastName {
            dtype = lastType
        } else {
            let typeName = try a.dtype.flatMap { String(validatingCString: $0) } ?? requiredString(a.dtype, "\(name()).dtype")
            guard let t = DType(numpy: typeName) else { throw CelestaError(.invalidArgument, "'\(name()).dtype' is '\(typeName)', not a numpy type name") }
            dtype = t
            lastName = a.dtype
            lastType = t
        }
        guard a.ndim >= 0, a.ndim <= 32 else { throw CelestaError(.outOfRange, "'\(name()).ndim' is \(a.ndim); at most 32 dimensions") }
        var shape: [Int] = []
        if a.ndim > 0 {
            guard let s = a.shape else { throw CelestaError(.nullPointer, "'\(name()).shape' is NULL but ndim is \(a.ndim)") }
            shape.reserveCapacity(Int(a.ndim))
            for i in 0..<Int(a.ndim) {
                guard s[i] >= 0, s[i] <= Int64(Int32.max) else { throw CelestaError(.outOfRange, "'\(name()).shape[\(i)]' is \(s[i])") }
                shape.append(Int(s[i]))
            }
        }
        let count = try Tensor.elementCount(shape)
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.size)
        guard !overflow, bytes <= 1 << 40 else { throw CelestaError(.outOfRange, "'\(name())' is too large") }
        if bytes == 0 {
            out.append(try Tensor(dtype: dtype, shape: shape, bytes: []))
            continue
        }
        guard let data = a.data else { throw CelestaError(.nullPointer, "'\(name()).data' is NULL but the array has \(count) elements") }
        out.append(try Tensor(dtype: dtype, shape: shape, bytes: Array(UnsafeRawBufferPointer(start: data, count: bytes))))
    }
    return out
}

/// Borrows `len` bytes of text (NULL only with a zero length).
func borrowedText(_ text: UnsafePointer<CChar>?, _ len: UInt, _ name: String) throws -> [UInt8] {
    guard len <= UInt(Int32.max) else { throw CelestaError(.outOfRange, "argument '\(name)_len' is \(len), too large") }
    guard let text else {
        if len == 0 { return [] }
        throw CelestaError(.nullPointer, "argument '\(name)' is NULL but \(name)_len is \(len)")
    }
    return Array(UnsafeRawBufferPointer(start: text, count: Int(len)))
}

/// Creates an empty graph.
///
/// Ownership: `*out` receives a graph to release with celesta_ir_graph_free().
/// Errors: CELESTA_ERR_NULL_POINTER.
@_cdecl("celesta_ir_graph_create")
public func celesta_ir_graph_create(_ out: UnsafeMutablePointer<celesta_ir_graph_ref?>?) -> Int32 {
    guarded {
        let out = try required(out, "out")
        out.pointee = makeHandle(IRGraphBox(try IRGraph()))
    }
}

/// Releases a graph; NULL is ignored.
@_cdecl("celesta_ir_graph_free")
public func celesta_ir_graph_free(_ graph: celesta_ir_graph_ref?) {
    releaseHandle(graph, IRGraphBox.self)
}

/// Makes a graph from IR JSON (`celesta.ir/1`, see the README): `json_len` bytes of text (no
/// NUL needed), and `n_arrays` arrays that `{"$array": k}` references in the text name. Every
/// node goes through its primitive's checks.
///
/// Flags: CELESTA_IR_TALON_COMPATIBLE. Ownership: `*out` receives a new graph; the inputs are
/// copied. Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_PARSE (naming the JSON path),
/// CELESTA_ERR_INVALID_ARGUMENT / CELESTA_ERR_NOT_FOUND (a node's checks, naming the node).
@_cdecl("celesta_ir_graph_from_json")
public func celesta_ir_graph_from_json(
    _ out: UnsafeMutablePointer<celesta_ir_graph_ref?>?, _ json: UnsafePointer<CChar>?, _ json_len: UInt,
    _ arrays: UnsafePointer<celesta_ir_array_t>?, _ n_arrays: UInt, _ flags: Int32
) -> Int32 {
    guarded {
        let out = try required(out, "out")
        try checkFlags(flags, allowed: 1)
        let text = try borrowedText(json, json_len, "json")
        let graph = try IRJSON.decode(text, arrays: try borrowedArrays(arrays, n_arrays), mode: irMode(flags))
        out.pointee = makeHandle(IRGraphBox(graph))
    }
}

/// Writes the graph as IR JSON, by the size-query idiom: `*len` receives the bytes needed
/// including the NUL; `buf = NULL, cap = 0` only queries. With CELESTA_IR_ARRAY_REFS the arrays
/// are written as `{"$array": k}` and read with celesta_ir_graph_array() (valid until the next
/// call of this function on the graph, or its release); otherwise inline (base64).
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_BUFFER_TOO_SMALL, CELESTA_ERR_INVALID_ARGUMENT
/// (flags).
@_cdecl("celesta_ir_graph_to_json")
public func celesta_ir_graph_to_json(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ graph: celesta_ir_graph_cref?, _ flags: Int32
) -> Int32 {
    guarded {
        try checkFlags(flags, allowed: 2)
        let box = try object(graph, IRGraphBox.self, "graph")
        let text: [UInt8] = box.state.withLock { s in
            guard flags & 2 != 0 else { return IRJSON.encodeBytes(s.graph) }
            var arrays: [Tensor] = []
            let text = withUnsafeMutablePointer(to: &arrays) { IRJSON.encodeBytes(s.graph, arrays: $0) }
            s.export(arrays)
            return text
        }
        try copyOut(bytes: text, to: buf, capacity: cap, len: len, field: "buf")
    }
}

/// Array `index` of the last celesta_ir_graph_to_json() with CELESTA_IR_ARRAY_REFS: `*out`
/// (its struct_size set by the caller) receives pointers into the graph's memory, valid until
/// the next such export or the graph's release (`shape` is NULL when `ndim` is 0).
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT (struct_size),
/// CELESTA_ERR_NOT_FOUND (index).
@_cdecl("celesta_ir_graph_array")
public func celesta_ir_graph_array(_ out: UnsafeMutablePointer<celesta_ir_array_t>?, _ graph: celesta_ir_graph_cref?, _ index: UInt) -> Int32 {
    guarded {
        let out = try required(out, "out")
        guard out.pointee.struct_size >= UInt32(MemoryLayout<celesta_ir_array_t>.size) else {
            throw CelestaError(.invalidArgument, "'out->struct_size' is \(out.pointee.struct_size); set it to sizeof(celesta_ir_array_t)")
        }
        let box = try object(graph, IRGraphBox.self, "graph")
        try box.state.withLock { s in
            guard index < UInt(s.exported.count) else {
                throw CelestaError(.notFound, "argument 'index' is \(index); the last export holds \(s.exported.count) arrays")
            }
            s.exportedShapes.withUnsafeBufferPointer { s.describe(Int(index), out, shapes: $0.baseAddress) }
        }
    }
}

/// Every array of the last celesta_ir_graph_to_json() with CELESTA_IR_ARRAY_REFS at once, as
/// celesta_ir_graph_array() gives them one by one: by the size-query idiom in entries (`*len`
/// receives the number of arrays), entry k describes array k. `buf[0].struct_size` must be set
/// (CELESTA_INIT each entry); it is the table's stride, and every entry written gets the same
/// struct_size. The pointers are into the graph's memory, valid until the next such export or
/// the graph's release; the shapes lie one after another in one block, in index order (so the
/// dimensions of every array can be read at once from the first entry whose `ndim` is not 0;
/// `shape` is NULL when `ndim` is 0). celesta_ir_graph_arrays_copy() copies the elements.
///
/// Thread safety: any thread, but an export on another thread invalidates the pointers.
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT (buf[0].struct_size too small),
/// CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_ir_graph_arrays")
public func celesta_ir_graph_arrays(
    _ buf: UnsafeMutablePointer<celesta_ir_array_t>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ graph: celesta_ir_graph_cref?
) -> Int32 {
    guarded {
        let box = try object(graph, IRGraphBox.self, "graph")
        try box.state.withLock { s in
            guard let out = try sizedOutput(buf, cap, len, needed: s.exported.count, unit: "entries") else { return }
            try s.exportedShapes.withUnsafeBufferPointer { shapes in
                try fillEntries(out, count: s.exported.count, "buf") { k, entry in s.describe(k, entry, shapes: shapes.baseAddress) }
            }
        }
    }
}

/// Copies the elements of every array of the last celesta_ir_graph_to_json() with
/// CELESTA_IR_ARRAY_REFS into the caller's buffer `buf` of `cap` bytes: array k's bytes (C order,
/// little-endian; as many as its dtype and shape from celesta_ir_graph_arrays() give) to
/// `buf + offsets[k]`. `n_offsets` must be the number of arrays. One call gathers thousands of
/// arrays into memory of the caller's, laid out as it chooses.
///
/// Nothing is written when the call fails. Thread safety: any thread.
/// Errors: CELESTA_ERR_NULL_POINTER (`graph`; `buf` with a non-zero `cap`; `offsets` with a
/// non-zero `n_offsets`), CELESTA_ERR_INVALID_ARGUMENT (`n_offsets` is not the number of arrays),
/// CELESTA_ERR_BUFFER_TOO_SMALL (an array would end past `cap`, naming it).
@_cdecl("celesta_ir_graph_arrays_copy")
public func celesta_ir_graph_arrays_copy(
    _ buf: UnsafeMutableRawPointer?, _ cap: UInt, _ graph: celesta_ir_graph_cref?, _ offsets: UnsafePointer<UInt>?, _ n_offsets: UInt
) -> Int32 {
    guarded {
        let box = try object(graph, IRGraphBox.self, "graph")
        if buf == nil, cap > 0 { throw CelestaError(.nullPointer, "argument 'buf' is NULL but cap is \(cap)") }
        if offsets == nil, n_offsets > 0 { throw CelestaError(.nullPointer, "argument 'offsets' is NULL but n_offsets is \(n_offsets)") }
        try box.state.withLock { s in
            guard n_offsets == UInt(s.exported.count) else {
                throw CelestaError(.invalidArgument, "argument 'n_offsets' is \(n_offsets); the last export holds \(s.exported.count) arrays")
            }
            guard let offsets, n_offsets > 0 else { return }
            for k in 0..<s.exported.count {
                let n = UInt(s.exported[k].bytes.count)
                guard offsets[k] <= cap, n <= cap - offsets[k] else {
                    throw CelestaError(.bufferTooSmall, "array \(k) (\(n) bytes at offsets[\(k)] = \(offsets[k])) ends past cap (\(cap) bytes)")
                }
            }
            guard let buf else { return }  // cap is 0: every array is empty
            for k in 0..<s.exported.count {
                s.exported[k].bytes.withUnsafeBytes { src in
                    if let from = src.baseAddress, src.count > 0 { (buf + Int(offsets[k])).copyMemory(from: from, byteCount: src.count) }
                }
            }
        }
    }
}

/// A static C string per dtype name.
/// (In DType.allCases order: finding a case among a dozen costs less than hashing it, once per
/// array of an export.)
nonisolated(unsafe) private let dtypeNames: [(DType, UnsafePointer<CChar>)] = DType.allCases.map { ($0, permanentCString($0.rawValue)) }
func dtypeCString(_ t: DType) -> UnsafePointer<CChar> { dtypeNames.first { $0.0 == t }!.1 }

/// Adds a node given as JSON `{"name", "type", "fields", "input_type"?, "output_type"?}` (the
/// IR JSON node form), after its primitive's checks; arrays as in celesta_ir_graph_from_json().
///
/// Flags: CELESTA_IR_TALON_COMPATIBLE. Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_PARSE,
/// CELESTA_ERR_NOT_FOUND (unknown primitive), CELESTA_ERR_INVALID_ARGUMENT (a check failed, a
/// name already used; the message names the node and the field).
@_cdecl("celesta_ir_graph_add_node")
public func celesta_ir_graph_add_node(
    _ graph: celesta_ir_graph_ref?, _ node_json: UnsafePointer<CChar>?, _ node_json_len: UInt,
    _ arrays: UnsafePointer<celesta_ir_array_t>?, _ n_arrays: UInt, _ flags: Int32
) -> Int32 {
    guarded {
        let box = try object(graph, IRGraphBox.self, "graph")
        try checkFlags(flags, allowed: 1)
        let node = try IRJSON.decodeNode(try borrowedText(node_json, node_json_len, "node_json"), arrays: try borrowedArrays(arrays, n_arrays), mode: irMode(flags))
        try box.withGraph { try $0.add(node) }
    }
}

/// Adds the edge `source` -> `target` (the nodes need not exist yet: celesta_ir_graph_validate()
/// checks). Errors: CELESTA_ERR_NULL_POINTER.
@_cdecl("celesta_ir_graph_connect")
public func celesta_ir_graph_connect(_ graph: celesta_ir_graph_ref?, _ source: UnsafePointer<CChar>?, _ target: UnsafePointer<CChar>?) -> Int32 {
    guarded {
        let box = try object(graph, IRGraphBox.self, "graph")
        let s = try requiredString(source, "source"), t = try requiredString(target, "target")
        try box.withGraph { $0.connect(s, t) }
    }
}

/// Checks the graph as TALON's Graph.validate() does: Input and Output nodes exist, every edge
/// names existing nodes, no self-loop, nothing into an Input or out of an Output, and no cycle
/// unless cycles are allowed. The first problem is the status (CELESTA_ERR_INVALID_ARGUMENT)
/// and celesta_last_error() says what it is.
@_cdecl("celesta_ir_graph_validate")
public func celesta_ir_graph_validate(_ graph: celesta_ir_graph_cref?) -> Int32 {
    guarded {
        let box = try object(graph, IRGraphBox.self, "graph")
        try box.withGraph { try $0.validate() }
    }
}

/// `*out` receives the number of nodes. Errors: CELESTA_ERR_NULL_POINTER.
@_cdecl("celesta_ir_graph_node_count")
public func celesta_ir_graph_node_count(_ out: UnsafeMutablePointer<UInt>?, _ graph: celesta_ir_graph_cref?) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let box = try object(graph, IRGraphBox.self, "graph")
        out.pointee = UInt(try box.withGraph { $0.nodes.count })
    }
}

/// `*out` receives the number of edges. Errors: CELESTA_ERR_NULL_POINTER.
@_cdecl("celesta_ir_graph_edge_count")
public func celesta_ir_graph_edge_count(_ out: UnsafeMutablePointer<UInt>?, _ graph: celesta_ir_graph_cref?) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let box = try object(graph, IRGraphBox.self, "graph")
        out.pointee = UInt(try box.withGraph { $0.edges.count })
    }
}

/// Node `index` (insertion order) as IR JSON `{"name", "type", "fields", "input_type",
/// "output_type"}` with its arrays inline, by the size-query idiom (`*len`: bytes with the NUL).
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_NOT_FOUND (index), CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_ir_graph_node_json")
public func celesta_ir_graph_node_json(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ graph: celesta_ir_graph_cref?, _ index: UInt
) -> Int32 {
    guarded {
        let box = try object(graph, IRGraphBox.self, "graph")
        let text = try box.withGraph { g -> String in
            guard index < UInt(g.nodes.count) else {
                throw CelestaError(.notFound, "argument 'index' is \(index); the graph has \(g.nodes.count) nodes")
            }
            return IRJSON.encode(node: g.nodes[Int(index)])
        }
        try copyOut(text, to: buf, capacity: cap, len: len, field: "buf")
    }
}

/// Checks one node without a graph, as a primitive's constructor does: the node JSON and
/// arrays as in celesta_ir_graph_add_node(); the result (size-query idiom) is the node with its
/// defaults filled and its port shapes inferred, arrays equal to an input written as
/// `{"$array": k}` and new ones inline. Flags: CELESTA_IR_TALON_COMPATIBLE.
///
/// Errors: as celesta_ir_graph_add_node(), and CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_ir_node_check")
public func celesta_ir_node_check(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?,
    _ node_json: UnsafePointer<CChar>?, _ node_json_len: UInt, _ arrays: UnsafePointer<celesta_ir_array_t>?, _ n_arrays: UInt,
    _ flags: Int32
) -> Int32 {
    guarded {
        try checkFlags(flags, allowed: 1)
        let given = try borrowedArrays(arrays, n_arrays)
        let node = try IRJSON.decodeNode(try borrowedText(node_json, node_json_len, "node_json"), arrays: given, mode: irMode(flags))
        try copyOut(IRJSON.encode(node: node, known: given), to: buf, capacity: cap, len: len, field: "buf")
    }
}

/// Every primitive of the IR as JSON data (size-query idiom): `[{"name", "base", "dialects",
/// "summary", "fields": [{"name", "kind", "required", "default", "dialects"}]}]`.
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_ir_primitives_json")
public func celesta_ir_primitives_json(_ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?) -> Int32 {
    guarded {
        try copyOut(IRJSON.primitives(), to: buf, capacity: cap, len: len, field: "buf")
    }
}

/// The graph's traversal orders as JSON (size-query idiom): `{"is_dag", "topological_order"
/// (rustworkx's order; null when cyclic), "strongly_connected_components" (rustworkx's
/// sequence), "cycles", "inputs", "outputs", "stage"}`.
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_ir_graph_orders_json")
public func celesta_ir_graph_orders_json(_ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ graph: celesta_ir_graph_cref?) -> Int32 {
    guarded {
        let box = try object(graph, IRGraphBox.self, "graph")
        let text = try box.withGraph { g -> String in
            func names(_ list: [String]) -> String { "[" + list.map(JSONText.quote).joined(separator: ", ") + "]" }
            return "{\"is_dag\": \(g.isDAG), \"topological_order\": " + (g.topologicalOrder.map(names) ?? "null")
                + ", \"strongly_connected_components\": [" + g.stronglyConnectedComponents.map(names).joined(separator: ", ")
                + "], \"cycles\": [" + g.cycles.map(names).joined(separator: ", ") + "], \"inputs\": " + names(g.inputs)
                + ", \"outputs\": " + names(g.outputs) + ", \"stage\": " + JSONText.quote(g.stage) + "}"
        }
        try copyOut(text, to: buf, capacity: cap, len: len, field: "buf")
    }
}

/// The edges as JSON `[["source", "target"], ...]` in insertion order (size-query idiom).
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_ir_graph_edges_json")
public func celesta_ir_graph_edges_json(_ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ graph: celesta_ir_graph_cref?) -> Int32 {
    guarded {
        let box = try object(graph, IRGraphBox.self, "graph")
        let text = try box.withGraph { g in
            "[" + g.edges.map { "[" + JSONText.quote($0.source) + ", " + JSONText.quote($0.target) + "]" }.joined(separator: ", ") + "]"
        }
        try copyOut(text, to: buf, capacity: cap, len: len, field: "buf")
    }
}

/// `*out` receives the index (insertion order) of the node called `name`, for
/// celesta_ir_graph_node_json(). Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_NOT_FOUND.
@_cdecl("celesta_ir_graph_node_index")
public func celesta_ir_graph_node_index(_ out: UnsafeMutablePointer<UInt>?, _ graph: celesta_ir_graph_cref?, _ name: UnsafePointer<CChar>?) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let box = try object(graph, IRGraphBox.self, "graph")
        let n = try requiredString(name, "name")
        out.pointee = UInt(try box.withGraph { g in
            guard let i = g.position(of: n) else { throw CelestaError(.notFound, "the graph has no node '\(n)'") }
            return i
        })
    }
}

/// Registers a primitive for the whole process (TALON's `register_node`): JSON `{"name",
/// "base"?, "summary"?, "fields": [{"name", "kind", "required"?, "default"?}]}`. With a base
/// (a primitive's name) it inherits the base's fields, checks and shape inference, and its
/// files store the base's datasets plus its own. Registering a name again replaces it;
/// built-in primitives cannot be replaced.
///
/// Thread safety: may be called from any thread. Errors: CELESTA_ERR_NULL_POINTER,
/// CELESTA_ERR_PARSE, CELESTA_ERR_NOT_FOUND (base), CELESTA_ERR_INVALID_ARGUMENT.
@_cdecl("celesta_ir_primitive_register")
public func celesta_ir_primitive_register(_ json: UnsafePointer<CChar>?, _ json_len: UInt) -> Int32 {
    guarded {
        try IRJSON.registerPrimitive(try borrowedText(json, json_len, "json"))
    }
}
