import FoundationEssentials

/// The IR as JSON (`celesta.ir/1`), the form the C ABI, the CLI and the Python package exchange:
///
/// ```json
/// {"format": "celesta.ir/1",
///  "nodes": [{"name": "fc1", "type": "Affine", "fields": {"weight": {"$tensor": {...}}, ...},
///             "input_type": {"input": [784]}, "output_type": {"output": [128]}}, ...],
///  "edges": [["input", "fc1"], ...], "metadata": {...}, "allow_cycles": false, "settings": {...}}
/// ```
///
/// Values: JSON null, booleans, strings and lists as themselves; integers without a fraction
/// (`1`) and floats always with one (`1.0`, `1e-05`); an object is a dict, except objects with a
/// single `$` key: `{"$tensor": {"dtype", "shape", "b64"}}` (or `"data"`: a flat list of
/// numbers), `{"$array": k}` (array `k` passed beside the text), `{"$tuple": [...]}`,
/// `{"$float": "nan" | "inf" | "-inf"}`, `{"$graph": {...}}` (a nested graph).
public enum IRJSON {
    public static let format = "celesta.ir/1"

    // MARK: Writing

    /// Writes `graph`; with `arrays` non-nil every tensor goes there and the text holds
    /// `{"$array": k}` references (in the order written).
    public static func encode(_ graph: IRGraph, arrays: UnsafeMutablePointer<[Tensor]>? = nil) -> String {
        String(decoding: encodeBytes(graph, arrays: arrays), as: UTF8.self)
    }

    /// `encode(graph, arrays:)` as UTF-8 bytes (what the C ABI hands out, without a String
    /// in between).
    public static func encodeBytes(_ graph: IRGraph, arrays: UnsafeMutablePointer<[Tensor]>? = nil) -> [UInt8] {
        var w = Writer(arrays: arrays, capacity: 4096 + 256 * graph.nodes.count)
        w.graph(graph)
        return w.bytes
    }

    /// Writes one value (the same rules).
    public static func encode(_ value: IRValue, arrays: UnsafeMutablePointer<[Tensor]>? = nil) -> String {
        var w = Writer(arrays: arrays)
        w.value(value)
        return w.out
    }

    /// Growing UTF-8 bytes behind a pointer: appending copies without the uniqueness and
    /// capacity checks of an Array append (the writer appends a few bytes at a time, millions of
    /// times for a large graph).
    final class ByteSink {
        private(set) var base: UnsafeMutablePointer<UInt8>
        private(set) var count = 0
        private var capacity: Int

        init(capacity: Int = 256) {
            self.capacity = max(capacity, 16)
            base = .allocate(capacity: self.capacity)
        }

        deinit { base.deallocate() }

        private func reserve(_ extra: Int) {
            guard count + extra > capacity else { return }
            let grown = max(2 * capacity, count + extra)
            let new = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
            new.update(from: base, count: count)
            base.deallocate()
            base = new
            capacity = grown
        }

        @inline(__always) func append(_ b: UInt8) {
            if count == capacity { reserve(1) }
            base[count] = b
            count += 1
        }

        @inline(__always) func append(_ p: UnsafePointer<UInt8>, _ n: Int) {
            reserve(n)
            (base + count).update(from: p, count: n)
            count += n
        }

        func reset(_ bytes: [UInt8]) {
            count = 0
            bytes.withUnsafeBufferPointer { if let p = $0.baseAddress { append(p, $0.count) } }
        }

        var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }
    }

    /// The text is built as UTF-8 bytes (appending to a String costs several times more).
    struct Writer {
        let sink: ByteSink
        let arrays: UnsafeMutablePointer<[Tensor]>?
        /// Tensors the reader already has: one equal to `known[k]` is written `{"$array": k}`.
        var known: [Tensor]

        init(out: String = "", arrays: UnsafeMutablePointer<[Tensor]>?, known: [Tensor] = [], capacity: Int = 256) {
            sink = ByteSink(capacity: capacity)
            self.arrays = arrays
            self.known = known
            rawText(out)
        }

        /// The text so far.
        var bytes: [UInt8] { sink.bytes }

        /// The text so far.
        var out: String {
            get { String(decoding: UnsafeBufferPointer(start: sink.base, count: sink.count), as: UTF8.self) }
            set { sink.reset(Array(newValue.utf8)) }
        }

        func raw(_ text: StaticString) { sink.append(text.utf8Start, text.utf8CodeUnitCount) }

        func rawText(_ text: String) {
            var text = text
            text.withUTF8 { if let p = $0.baseAddress { sink.append(p, $0.count) } }
        }

        /// `JSONText.quote(text)`.
        func quote(_ text: String) {
            sink.append(0x22)
            var text = text
            text.withUTF8 { u in
                // Only ASCII needs escapes, and no byte of a multi-byte UTF-8 sequence is ASCII.
                guard let p = u.baseAddress else { return }
                var plain = true
                for b in u where b < 0x20 || b == 0x22 || b == 0x5C {
                    plain = false
                    break
                }
                if plain {
                    sink.append(p, u.count)
                    return
                }
                for b in u {
                    switch b {
                    case 0x22: raw("\\\"")
                    case 0x5C: raw("\\\\")
                    case 0x0A: raw("\\n")
                    case 0x0D: raw("\\r")
                    case 0x09: raw("\\t")
                    case 0..<0x20:
                        let hex: [UInt8] = Array("0123456789abcdef".utf8)
                        raw("\\u00")
                        sink.append(hex[Int(b >> 4)])
                        sink.append(hex[Int(b & 15)])
                    default: sink.append(b)
                    }
                }
            }
            sink.append(0x22)
        }

        /// `String(v)`.
        func int(_ v: Int) {
            guard v >= 0, v < 1_000_000_000 else { rawText(String(v)); return }
            var scale = 1
            while scale * 10 <= v { scale *= 10 }
            var rest = v
            while scale > 0 {
                sink.append(UInt8(truncatingIfNeeded: rest / scale) + 0x30)
                rest %= scale
                scale /= 10
            }
        }

        /// `v0, v1, ...`.
        func ints(_ values: [Int]) {
            for (j, v) in values.enumerated() {
                if j > 0 { raw(", ") }
                int(v)
            }
        }

        mutating func graph(_ g: IRGraph) {
            raw("{\"format\": \"")
            rawText(IRJSON.format)
            raw("\", \"nodes\": [")
            for (i, n) in g.nodes.enumerated() {
                if i > 0 { raw(", ") }
                node(n)
            }
            raw("], \"edges\": [")
            for (i, e) in g.edges.enumerated() {
                if i > 0 { raw(", ") }
                raw("[")
                quote(e.source)
                raw(", ")
                quote(e.target)
                raw("]")
            }
            raw("], \"metadata\": ")
            dict(g.metadata)
            raw(", \"allow_cycles\": ")
            raw(g.allowCycles ? "true" : "false")
            raw(", \"settings\": ")
            dict(g.settings)
            raw("}")
        }

        /// `{"name", "type", "fields", "input_type", "output_type"}`.
        mutating func node(_ n: IRNode) {
            raw("{\"name\": ")
            quote(n.name)
            raw(", \"type\": ")
            quote(n.type)
            raw(", \"fields\": ")
            dict(n.fields)
            raw(", ")
            portTypes(n)
            raw("}")
        }

        /// `"input_type": ..., "output_type": ...` of a node.
        mutating func portTypes(_ n: IRNode) {
            raw("\"input_type\": ")
            ports(n.inputType)
            raw(", \"output_type\": ")
            ports(n.outputType)
        }

        mutating func ports(_ p: PortShapes?) {
            guard let p else { raw("null"); return }
            raw("{")
            for (i, port) in p.ports.enumerated() {
                if i > 0 { raw(", ") }
                quote(port.name)
                raw(": [")
                ints(port.shape)
                raw("]")
            }
            raw("}")
        }

        mutating func dict(_ d: IRDict) {
            raw("{")
            for (i, e) in d.entries.enumerated() {
                if i > 0 { raw(", ") }
                quote(e.key)
                raw(": ")
                value(e.value)
            }
            raw("}")
        }

        mutating func value(_ v: IRValue) {
            switch v {
            case .none: raw("null")
            case .bool(let b): raw(b ? "true" : "false")
            case .int(let i): int(i)
            case .float(let f):
                if f.isNaN { raw("{\"$float\": \"nan\"}") } else if f.isInfinite { raw(f < 0 ? "{\"$float\": \"-inf\"}" : "{\"$float\": \"inf\"}") } else {
                    rawText(f.description)
                }
            case .string(let s): quote(s)
            case .tensor(let t):
                if let k = known.firstIndex(where: { $0.dtype == t.dtype && $0.shape == t.shape && $0.bytes == t.bytes }) {
                    raw("{\"$array\": ")
                    int(k)
                    raw("}")
                } else if let arrays {
                    raw("{\"$array\": ")
                    int(arrays.pointee.count)
                    raw("}")
                    arrays.pointee.append(t)
                } else {
                    raw("{\"$tensor\": {\"dtype\": \"")
                    rawText(t.dtype.rawValue)
                    raw("\", \"shape\": [")
                    ints(t.shape)
                    raw("], \"b64\": \"")
                    rawText(Data(t.bytes).base64EncodedString())
                    raw("\"}}")
                }
            case .tuple(let items):
                raw("{\"$tuple\": [")
                list(items)
                raw("]}")
            case .list(let items):
                raw("[")
                list(items)
                raw("]")
            case .dict(let d): dict(d)
            case .graph(let g):
                raw("{\"$graph\": ")
                graph(g)
                raw("}")
            }
        }

        mutating func list(_ items: [IRValue]) {
            for (i, item) in items.enumerated() {
                if i > 0 { raw(", ") }
                value(item)
            }
        }
    }

    /// One node as `{"name", "type", "fields", "input_type", "output_type"}`; tensors equal to
    /// one of `known` are written as references to it, others inline.
    public static func encode(node n: IRNode, known: [Tensor] = []) -> String {
        var w = Writer(arrays: nil, known: known)
        w.node(n)
        return w.out
    }

    /// Reads one node (the form `encode(node:)` writes; `name` may be absent), building it
    /// through its primitive's checks.
    public static func decodeNode(_ text: [UInt8], arrays: [Tensor] = [], mode: IRMode = .celesta) throws -> IRNode {
        if let n = FastReader.node(text, arrays: arrays, mode: mode) { return n }
        return try decodeNodeGenerally(text, arrays: arrays, mode: mode)
    }

    /// `decodeNode` by the general reader alone (tests hold FastReader to its results).
    package static func decodeNodeGenerally(_ text: [UInt8], arrays: [Tensor] = [], mode: IRMode = .celesta) throws -> IRNode {
        let root = try JSONParser.parse(text, name: "node JSON", integers: true)
        let r = Reader(arrays: arrays, mode: mode)
        let o = try r.object(root, "$")
        var name = ""
        if case .string(let n)? = o.members["name"] { name = n }
        guard case .string(let type)? = o.members["type"] else { throw r.fail("$.type", "expected a string") }
        let fields = try r.dict(o.members["fields"] ?? .object([:], order: []), "$.fields")
        return try IRNode.make(
            name: name, type: type, fields: fields, inputType: try r.ports(o.members["input_type"], "$.input_type"),
            outputType: try r.ports(o.members["output_type"], "$.output_type"), mode: mode)
    }

    /// Every primitive of the registry as data: `[{"name", "base", "dialects", "summary",
    /// "fields": [{"name", "kind", "default", "required", "dialects", "omitted_when_default"?}]}]`.
    public static func primitives() -> String {
        var w = Writer(arrays: nil)
        w.raw("[")
        for (i, name) in PrimitiveRegistry.shared.names.enumerated() {
            guard let d = PrimitiveRegistry.shared.descriptor(name) else { continue }
            if i > 0 { w.raw(", ") }
            w.rawText("{\"name\": " + JSONText.quote(d.name) + ", \"base\": " + (d.base.map(JSONText.quote) ?? "null"))
            w.rawText(", \"dialects\": [" + Dialect.allCases.filter(d.dialects.contains).map { JSONText.quote($0.rawValue) }.joined(separator: ", ") + "]")
            w.rawText(", \"summary\": " + JSONText.quote(d.summary) + ", \"fields\": [")
            for (j, f) in d.fields.enumerated() {
                if j > 0 { w.raw(", ") }
                w.rawText("{\"name\": " + JSONText.quote(f.name) + ", \"kind\": " + JSONText.quote(f.kind.rawValue) + ", \"required\": ")
                if case .required = f.defaultValue { w.raw("true") } else { w.raw("false") }
                w.raw(", \"default\": ")
                if case .value(let v) = f.defaultValue { w.value(v) } else { w.raw("null") }
                w.rawText(", \"dialects\": [" + Dialect.allCases.filter(f.dialects.contains).map { JSONText.quote($0.rawValue) }.joined(separator: ", ") + "]")
                // TALON's to_dict leaves such a field out while it holds its default.
                w.raw(f.omittedWhenDefault ? ", \"omitted_when_default\": true}" : "}")
            }
            w.raw("]}")
        }
        w.raw("]")
        return w.out
    }

    /// Registers a primitive described as JSON: `{"name", "base"?, "summary"?, "fields":
    /// [{"name", "kind", "required"?, "default"?}]}` (kinds as `primitives()` lists them). A
    /// primitive with a base inherits its fields, checks and shape inference (TALON's
    /// `register_node` of a subclass); without one it has no checks and unknown port shapes.
    /// Built-in primitives cannot be replaced.
    public static func registerPrimitive(_ text: [UInt8]) throws {
        let root = try JSONParser.parse(text, name: "primitive JSON", integers: true)
        let r = Reader(arrays: [], mode: .celesta)
        let o = try r.object(root, "$")
        guard case .string(let name)? = o.members["name"], !name.isEmpty else { throw r.fail("$.name", "expected a non-empty string") }
        if BuiltinPrimitives.all.contains(where: { $0.name == name }) {
            throw CelestaError(.invalidArgument, "'\(name)' is a built-in primitive and cannot be registered again")
        }
        var base: PrimitiveDescriptor? = nil
        if case .string(let b)? = o.members["base"] {
            guard let d = PrimitiveRegistry.shared.descriptor(b) else { throw CelestaError(.notFound, "'$.base': unknown primitive '\(b)'") }
            base = d
        }
        var fields = base?.fields ?? []
        for (i, f) in (o.members["fields"]?.elements ?? []).enumerated() {
            let p = "$.fields[\(i)]"
            let fo = try r.object(f, p)
            guard case .string(let fname)? = fo.members["name"], !fname.isEmpty else { throw r.fail("\(p).name", "expected a non-empty string") }
            guard case .string(let kindName)? = fo.members["kind"], let kind = FieldSpec.Kind(rawValue: kindName) else {
                throw r.fail("\(p).kind", "expected one of " + ["array", "int", "float", "bool", "string", "number", "ints", "any", "dict"].joined(separator: ", "))
            }
            guard !fields.contains(where: { $0.name == fname }) else { throw r.fail("\(p).name", "'\(fname)' is already a field of '\(name)'") }
            var d = FieldSpec.Default.none
            if case .bool(true)? = fo.members["required"] { d = .required } else if let v = fo.members["default"], v != .null {
                d = .value(try r.value(v, "\(p).default"))
            }
            // Insert before the shared metadata and hardware fields, which stay last.
            let at = fields.firstIndex { $0.name == "metadata" } ?? fields.count
            fields.insert(FieldSpec(fname, kind, d, dialects: base?.dialects ?? [.talon]), at: at)
        }
        var summary = "a registered primitive"
        if case .string(let s)? = o.members["summary"] { summary = s }
        if let base {
            PrimitiveRegistry.shared.register(PrimitiveDescriptor(
                name, base: base.name, dialects: base.dialects, summary: summary, fields: fields, check: base.check, infer: base.infer))
        } else {
            PrimitiveRegistry.shared.register(PrimitiveDescriptor(name, dialects: [.talon], summary: summary, fields: fields))
        }
    }

    // MARK: Reading

    /// Reads a graph; `{"$array": k}` references take `arrays[k]`. Nodes are rebuilt through
    /// their primitives' checks (`mode` as in `IRNode.make`), keeping the port shapes the text
    /// gives.
    public static func decode(_ text: [UInt8], name: String = "IR JSON", arrays: [Tensor] = [], mode: IRMode = .celesta) throws -> IRGraph {
        if let g = FastReader.graph(text, arrays: arrays, mode: mode) { return g }
        return try decodeGenerally(text, name: name, arrays: arrays, mode: mode)
    }

    /// `decode` by the general reader alone (tests hold FastReader to its results).
    package static func decodeGenerally(_ text: [UInt8], name: String = "IR JSON", arrays: [Tensor] = [], mode: IRMode = .celesta) throws -> IRGraph {
        let root = try JSONParser.parse(text, name: name, integers: true)
        return try Reader(arrays: arrays, mode: mode).graph(root, "$")
    }

    /// Reads one value.
    public static func decodeValue(_ text: [UInt8], name: String = "IR JSON", arrays: [Tensor] = []) throws -> IRValue {
        let root = try JSONParser.parse(text, name: name, integers: true)
        return try Reader(arrays: arrays, mode: .celesta).value(root, "$")
    }

    struct Reader {
        let arrays: [Tensor]
        let mode: IRMode

        func fail(_ path: String, _ why: String) -> CelestaError { CelestaError(.parse, "'\(path)': \(why)") }

        func object(_ v: JSONValue, _ path: String) throws -> (members: [String: JSONValue], order: [String]) {
            guard case .object(let m, let order) = v else { throw fail(path, "expected an object") }
            return (m, order)
        }

        func graph(_ v: JSONValue, _ path: String) throws -> IRGraph {
            let o = try object(v, path)
            if let f = o.members["format"] {
                guard case .string(let s) = f, s == IRJSON.format else { throw fail("\(path).format", "expected \"\(IRJSON.format)\"") }
            }
            var g = try IRGraph()
            guard let nodeList = o.members["nodes"] else { throw fail(path, "no \"nodes\" list: not IR JSON (celesta.ir/1)") }
            guard let nodes = nodeList.elements else { throw fail("\(path).nodes", "expected a list") }
            for (i, nv) in nodes.enumerated() {
                let p = "\(path).nodes[\(i)]"
                let n = try object(nv, p)
                guard case .string(let name)? = n.members["name"] else { throw fail("\(p).name", "expected a string") }
                guard case .string(let type)? = n.members["type"] else { throw fail("\(p).type", "expected a string") }
                let fields = try dict(n.members["fields"] ?? .object([:], order: []), "\(p).fields")
                let input = try ports(n.members["input_type"], "\(p).input_type")
                let output = try ports(n.members["output_type"], "\(p).output_type")
                do {
                    try g.add(try IRNode.make(name: name, type: type, fields: fields, inputType: input, outputType: output, mode: mode))
                } catch let e as CelestaError {
                    throw CelestaError(e.code, "node '\(name)' (\(p)): \(e.message)")
                }
            }
            if let ev = o.members["edges"] {
                guard let items = ev.elements else { throw fail("\(path).edges", "expected a list") }
                for (i, e) in items.enumerated() {
                    guard let pair = e.elements, pair.count == 2, case .string(let s) = pair[0], case .string(let t) = pair[1] else {
                        throw fail("\(path).edges[\(i)]", "expected [source, target] names")
                    }
                    g.connect(s, t)
                }
            }
            if let m = o.members["metadata"], m != .null { g.metadata = try dict(m, "\(path).metadata") }
            if let a = o.members["allow_cycles"] {
                guard case .bool(let b) = a else { throw fail("\(path).allow_cycles", "expected true or false") }
                g.allowCycles = b
            }
            if let s = o.members["settings"], s != .null { g.settings = try dict(s, "\(path).settings") }
            return g
        }

        func ports(_ v: JSONValue?, _ path: String) throws -> PortShapes? {
            guard let v, v != .null else { return nil }
            let o = try object(v, path)
            return PortShapes(try o.order.map { key in
                guard let dims = o.members[key]!.elements else { throw fail("\(path).\(key)", "expected a list of dimensions") }
                return PortShapes.Port(key, try dims.enumerated().map { i, d in
                    guard case .integer(let n) = d, n >= 0 else { throw fail("\(path).\(key)[\(i)]", "expected a dimension >= 0") }
                    return n
                })
            })
        }

        func dict(_ v: JSONValue, _ path: String) throws -> IRDict {
            let o = try object(v, path)
            var d = IRDict()
            for k in o.order { d[k] = try value(o.members[k]!, "\(path).\(k)") }
            return d
        }

        func value(_ v: JSONValue, _ path: String) throws -> IRValue {
            switch v {
            case .null: return .none
            case .bool(let b): return .bool(b)
            case .integer(let i): return .int(i)
            case .number(let d): return .float(d)
            case .string(let s): return .string(s)
            case .numbers(let ds): return .list(ds.map { .float($0) })
            case .array(let items): return .list(try items.enumerated().map { try value($1, "\(path)[\($0)]") })
            case .object(let m, let order):
                if order.count == 1, let key = order.first, key.hasPrefix("$") {
                    return try special(key, m[key]!, "\(path).\(key)")
                }
                return .dict(try dict(v, path))
            }
        }

        func special(_ key: String, _ v: JSONValue, _ path: String) throws -> IRValue {
            switch key {
            case "$array":
                guard case .integer(let k) = v, k >= 0, k < arrays.count else {
                    throw fail(path, "expected the index of one of the \(arrays.count) arrays passed")
                }
                return .tensor(arrays[k])
            case "$tuple":
                guard let items = v.elements else { throw fail(path, "expected a list") }
                return .tuple(try items.enumerated().map { try value($1, "\(path)[\($0)]") })
            case "$float":
                switch v {
                case .string("nan"): return .float(.nan)
                case .string("inf"): return .float(.infinity)
                case .string("-inf"): return .float(-.infinity)
                default: throw fail(path, "expected \"nan\", \"inf\" or \"-inf\"")
                }
            case "$graph": return .graph(try graph(v, path))
            case "$tensor": return .tensor(try tensor(v, path))
            default: throw fail(path, "unknown special value '\(key)'")
            }
        }

        func tensor(_ v: JSONValue, _ path: String) throws -> Tensor {
            let o = try object(v, path)
            guard case .string(let name)? = o.members["dtype"], let dtype = DType(numpy: name) else {
                throw fail("\(path).dtype", "expected a numpy type name such as \"float32\"")
            }
            guard let dims = o.members["shape"]?.elements else { throw fail("\(path).shape", "expected a list") }
            let shape = try dims.map { d -> Int in
                guard case .integer(let n) = d, n >= 0 else { throw fail("\(path).shape", "dimensions must be integers >= 0") }
                return n
            }
            do {
                if case .string(let b64)? = o.members["b64"] {
                    guard let data = Data(base64Encoded: b64) else { throw fail("\(path).b64", "not base64") }
                    return try Tensor(dtype: dtype, shape: shape, bytes: [UInt8](data))
                }
                if let data = o.members["data"] {
                    let values = try data.flatNumbers("\(path).data")
                    guard values.count == (try Tensor.elementCount(shape)) else {
                        throw fail("\(path).data", "holds \(values.count) values; shape \(Tensor.describe(shape)) needs \(try Tensor.elementCount(shape))")
                    }
                    return try Tensor(converting: values, to: dtype, shape: shape)
                }
            } catch let e as CelestaError where e.code != .parse {
                throw fail(path, e.message)
            }
            throw fail(path, "expected \"b64\" or \"data\"")
        }
    }
}
