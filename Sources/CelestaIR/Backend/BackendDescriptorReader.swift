import FoundationEssentials

/// Reading a descriptor back from the files `talonJSON()` and `binary(talonCompatible:)` write
/// (TALON's `HardwareDescriptor.from_json`, and the binary, which TALON cannot read back).
///
/// Every damaged input is an error naming where it broke (`.parse`), never a crash: lengths are
/// checked against the bytes left before anything is allocated, and numbers against their type.
extension BackendDescriptor {
    /// The descriptor files.
    public enum FileFormat: Sendable {
        /// `to_json`'s text.
        case json
        /// `to_binary`'s bytes ("T1CB").
        case binary
        /// The binary when the bytes start with "T1CB", else the JSON.
        case detect
    }

    /// The descriptor in `bytes` (`name` names the input in errors).
    ///
    /// From the JSON: everything `to_json` writes (the metadata, each core's neuron
    /// configurations, weight tables, routing and schedule); an array is an object with exactly
    /// the keys `shape`, `dtype` (a numpy name of a type the IR holds) and `data` (nested lists
    /// matching the shape), anywhere in a configuration's parameters or a weight table; other
    /// objects stay dictionaries. From the binary: the metadata, the weight tables (Celesta's
    /// file; TALON's has none) and the number of neuron configurations the file counts (the
    /// configurations themselves are not in it: `binaryNeuronConfigCount`). Writing what was
    /// read gives the same bytes again (for files that `talonJSON()` / `binary` or Python's
    /// `to_json` / `to_binary` wrote). Errors: `.parse`, naming the byte offset or the JSON path.
    public static func read(_ bytes: [UInt8], format: FileFormat = .detect, name: String = "descriptor") throws -> BackendDescriptor {
        switch format {
        case .binary: return try readBinary(bytes, name: name)
        case .json: return try readJSON(bytes, name: name)
        case .detect: return try bytes.starts(with: Array("T1CB".utf8)) ? readBinary(bytes, name: name) : readJSON(bytes, name: name)
        }
    }

    /// The most nested lists an empty array read from a binary may have (the product of its
    /// dimensions before the first 0), so that `talonJSON()` can write it again.
    public static let maxEmptyArrayLists = 1 << 20

    // MARK: JSON

    static func readJSON(_ bytes: [UInt8], name: String) throws -> BackendDescriptor {
        let root = try JSONParser.parse(bytes, name: name, integers: true, nonFinite: true)
        let r = DescriptorJSONReader(name: name)
        let top = try r.object(root, "$")
        let required = ["metadata", "neuron_configs", "weight_tables", "routing_tables", "execution_schedule"]
        for key in top.order where key != "version" && !required.contains(key) {
            throw r.fail("$", "unknown key '\(key)' (a descriptor holds version, " + required.joined(separator: ", ") + ")")
        }
        for key in required where top.members[key] == nil { throw r.fail("$", "no '\(key)'") }
        if let v = top.members["version"] {
            guard case .string("1.0") = v else { throw r.fail("$.version", "expected \"1.0\"") }
        }
        var d = BackendDescriptor()
        d.metadata = try r.dict(top.members["metadata"]!, "$.metadata", arrays: false)
        d.routingTables = try r.dict(top.members["routing_tables"]!, "$.routing_tables", arrays: false)
        for (core, v, path) in try r.cores(top.members["neuron_configs"]!, "$.neuron_configs") {
            guard let items = v.elements else { throw r.fail(path, "expected a list of neuron configurations") }
            var configs: [NeuronConfig] = []
            for (i, item) in items.enumerated() { configs.append(try r.neuronConfig(item, "\(path)[\(i)]")) }
            d.neuronConfigs.append((core, configs))
        }
        for (core, v, path) in try r.cores(top.members["weight_tables"]!, "$.weight_tables") {
            let table = try r.dict(v, path, arrays: true)
            d.weightTables.append((core, table))
        }
        for (core, v, path) in try r.cores(top.members["execution_schedule"]!, "$.execution_schedule") {
            guard let stages = v.elements else { throw r.fail(path, "expected a list of stages") }
            var names: [[String]] = []
            for (i, stage) in stages.enumerated() {
                guard let items = stage.elements else { throw r.fail("\(path)[\(i)]", "expected a list of node names") }
                var row: [String] = []
                for (k, n) in items.enumerated() {
                    guard case .string(let s) = n else { throw r.fail("\(path)[\(i)][\(k)]", "expected a node name") }
                    row.append(s)
                }
                names.append(row)
            }
            d.executionSchedule.append((core, names))
        }
        return d
    }

    // MARK: Binary

    static func readBinary(_ bytes: [UInt8], name: String) throws -> BackendDescriptor {
        var c = ByteCursor(bytes: bytes, name: name)
        guard bytes.starts(with: Array("T1CB".utf8)) else { throw c.fail("not a descriptor binary (it does not start with \"T1CB\")") }
        c.at = 4
        let version = try c.uint(2, "the version")
        guard version == 1 else { throw c.fail("version \(version) is not supported (only 1)", at: 4) }
        let metaLength = try c.uint(4, "the metadata length")
        let metaStart = c.at
        let meta = try c.take(metaLength, "the metadata")
        var d = BackendDescriptor()
        do {
            let v = try JSONParser.parse(meta, name: "metadata", integers: true, nonFinite: true)
            d.metadata = try DescriptorJSONReader(name: "metadata").dict(v, "$", arrays: false)
        } catch let e as CelestaError {
            throw c.fail("the metadata (bytes \(metaStart)..<\(metaStart + metaLength)) is not a JSON object: \(e.message)", at: metaStart)
        }
        d.binaryNeuronConfigCount = try c.uint(4, "the number of neuron configurations")
        if c.at == bytes.count { return d }  // TALON's file: no weights
        let records = try c.uint(4, "the number of weight records")
        for index in 0..<records {
            let start = c.at
            let what = "weight record \(index)"
            let keyLength = try c.uint(4, "the key length of \(what)")
            let key = try c.text(keyLength, "the key of \(what)")
            guard let slash = key.firstIndex(of: "/"), let core = Int(key[..<slash]) else {
                throw c.fail("\(what) has the key '\(key)'; expected \"<core>/<name>\"", at: start)
            }
            let field = String(key[key.index(after: slash)...])
            let nameLength = try c.uint(1, "the type-name length of \(what)")
            let dtypeName = try c.text(nameLength, "the type name of \(what)")
            guard let dtype = DType(numpy: dtypeName) else { throw c.fail("\(what) ('\(key)') has the unknown type '\(dtypeName)'", at: start) }
            let ndim = try c.uint(1, "the number of dimensions of \(what)")
            var shape: [Int] = []
            for k in 0..<ndim {
                let dim = try c.uint(4, "dimension \(k) of \(what)")
                shape.append(dim)
            }
            let byteCount = try c.uint(8, "the byte count of \(what)")
            let n = try? Tensor.elementCount(shape)
            let expected = n.map { $0.multipliedReportingOverflow(by: dtype.size) }
            guard let expected, !expected.overflow, expected.partialValue == byteCount else {
                throw c.fail("\(what) ('\(key)'): \(byteCount) bytes do not hold a \(dtypeName) array of shape \(Tensor.describe(shape))", at: start)
            }
            // An empty array's nested lists (before its zero dimension) are what to_json writes:
            // a few dimensions can make billions of them from a handful of bytes.
            if n == 0 {
                var lists = 1
                for d in shape.prefix(while: { $0 != 0 }) {
                    let (p, overflow) = lists.multipliedReportingOverflow(by: d)
                    guard !overflow, p <= BackendDescriptor.maxEmptyArrayLists else {
                        throw c.fail("\(what) ('\(key)') is an empty array of shape \(Tensor.describe(shape)), more than \(BackendDescriptor.maxEmptyArrayLists) nested lists", at: start)
                    }
                    lists = p
                }
            }
            let values = try c.take(byteCount, "the values of \(what) ('\(key)')")
            let tensor = try Tensor(dtype: dtype, shape: shape, bytes: values)
            if let i = d.weightTables.firstIndex(where: { $0.core == core }) {
                guard d.weightTables[i].table[field] == nil else { throw c.fail("\(what) repeats the key '\(key)'", at: start) }
                d.weightTables[i].table.appendNew(field, .tensor(tensor))
            } else {
                d.weightTables.append((core, [field: .tensor(tensor)]))
            }
        }
        guard c.at == bytes.count else { throw c.fail("\(bytes.count - c.at) bytes follow the last weight record") }
        return d
    }
}

/// Little-endian reads over bytes, each checked against what is left.
private struct ByteCursor {
    let bytes: [UInt8]
    let name: String
    var at = 0

    func fail(_ why: String, at offset: Int? = nil) -> CelestaError {
        CelestaError(.parse, "'\(name)': \(why) (at byte \(offset ?? at))")
    }

    /// An unsigned integer of `size` bytes (at most 8), refused when it does not fit `Int`.
    mutating func uint(_ size: Int, _ what: String) throws -> Int {
        guard bytes.count - at >= size else { throw fail("the file ends in \(what) (\(size) bytes needed, \(bytes.count - at) left)") }
        var v: UInt64 = 0
        for k in 0..<size { v |= UInt64(bytes[at + k]) << (8 * UInt64(k)) }
        guard let value = Int(exactly: v) else { throw fail("\(what) is \(v), too large") }
        at += size
        return value
    }

    mutating func take(_ count: Int, _ what: String) throws -> [UInt8] {
        guard count <= bytes.count - at else { throw fail("the file ends in \(what) (\(count) bytes needed, \(bytes.count - at) left)") }
        defer { at += count }
        return Array(bytes[at..<(at + count)])
    }

    mutating func text(_ count: Int, _ what: String) throws -> String {
        let start = at
        let raw = try take(count, what)
        guard let s = String(validating: raw, as: UTF8.self) else { throw fail("\(what) is not UTF-8", at: start) }
        return s
    }
}

/// The JSON of `to_json` (and the binary's metadata) as IR values: ints stay ints, floats
/// floats, `NaN` / `Infinity` as Python writes them; no `$` forms (those are the IR JSON's).
private struct DescriptorJSONReader {
    let name: String

    func fail(_ path: String, _ why: String) -> CelestaError { CelestaError(.parse, "'\(name)' \(path): \(why)") }

    func object(_ v: JSONValue, _ path: String) throws -> (members: [String: JSONValue], order: [String]) {
        guard case .object(let m, let order) = v else { throw fail(path, "expected an object") }
        return (m, order)
    }

    /// The members of a `{"<core>": ...}` object, the core ids as ints.
    func cores(_ v: JSONValue, _ path: String) throws -> [(Int, JSONValue, String)] {
        let o = try object(v, path)
        var out: [(Int, JSONValue, String)] = []
        for key in o.order {
            guard let core = Int(key) else { throw fail(path, "'\(key)' is not a core id (an integer)") }
            out.append((core, o.members[key]!, "\(path).\(key)"))
        }
        return out
    }

    func dict(_ v: JSONValue, _ path: String, arrays: Bool) throws -> IRDict {
        let o = try object(v, path)
        var d = IRDict()
        for k in o.order { d.appendNew(k, try value(o.members[k]!, "\(path).\(k)", arrays: arrays)) }
        return d
    }

    func value(_ v: JSONValue, _ path: String, arrays: Bool) throws -> IRValue {
        switch v {
        case .null: return .none
        case .bool(let b): return .bool(b)
        case .integer(let i): return .int(i)
        case .number(let d): return .float(d)
        case .string(let s): return .string(s)
        case .numbers(let ds): return .list(ds.map { .float($0) })
        case .array(let items): return .list(try items.enumerated().map { try value($1, "\(path)[\($0)]", arrays: arrays) })
        case .object(let m, let order):
            if arrays, Set(order) == ["shape", "dtype", "data"], order.count == 3, case .string(let t) = m["dtype"]!, let dtype = DType(numpy: t) {
                return .tensor(try tensor(m, dtype: dtype, path))
            }
            return .dict(try dict(v, path, arrays: arrays))
        }
    }

    func neuronConfig(_ v: JSONValue, _ path: String) throws -> BackendDescriptor.NeuronConfig {
        let o = try object(v, path)
        func string(_ key: String) throws -> String {
            guard case .string(let s)? = o.members[key] else { throw fail("\(path).\(key)", "expected a string") }
            return s
        }
        guard case .integer(let core)? = o.members["core_id"] else { throw fail("\(path).core_id", "expected an integer") }
        let params = try dict(o.members["parameters"] ?? .null, "\(path).parameters", arrays: true)
        return .init(nodeName: try string("node_name"), nodeType: try string("node_type"), coreID: core, precision: try string("precision"),
                     parameters: params)
    }

    /// `{shape, dtype, data}`: `data` nested lists that match the shape (a scalar for shape
    /// []), each element a number the type holds exactly as written (integers in range for an
    /// integer type, true/false or 0/1 for bool; integers beyond Int64 are refused, uint64
    /// values above 2^63 - 1 included, as the parser keeps no exact value for them).
    func tensor(_ m: [String: JSONValue], dtype: DType, _ path: String) throws -> Tensor {
        guard let dims = m["shape"]!.elements else { throw fail("\(path).shape", "expected a list of dimensions") }
        let shape = try dims.map { d -> Int in
            guard case .integer(let n) = d, n >= 0 else { throw fail("\(path).shape", "dimensions must be integers >= 0") }
            return n
        }
        let count: Int
        do { count = try Tensor.elementCount(shape) } catch let e as CelestaError { throw fail("\(path).shape", e.message) }
        var out: [UInt8] = []
        out.reserveCapacity(min(count, 1 << 20) * dtype.size)
        func element(_ e: JSONValue, _ p: () -> String) throws {
            func bad(_ why: String) -> CelestaError { fail(p(), "\(why) (a \(dtype.rawValue) array)") }
            func put(_ bits: UInt64) { for k in 0..<dtype.size { out.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(k)))) } }
            switch dtype {
            case .bool:
                switch e {
                case .bool(let b): put(b ? 1 : 0)
                case .integer(let i) where i == 0 || i == 1: put(UInt64(i))
                default: throw bad("expected true or false")
                }
            case .float16, .float32, .float64:
                let x: Double
                switch e {
                case .number(let d): x = d
                case .integer(let i): x = Double(i)
                default: throw bad("expected a number")
                }
                switch dtype {
                case .float16: put(UInt64(Float16(x).bitPattern))
                case .float32: put(UInt64(Float(x).bitPattern))
                default: put(x.bitPattern)
                }
            default:
                let bits = dtype.size * 8
                switch e {
                case .integer(let i) where dtype.isSignedInteger:
                    guard bits == 64 || (i >= -(1 << (bits - 1)) && i < 1 << (bits - 1)) else { throw bad("\(i) is out of range") }
                    put(UInt64(bitPattern: Int64(i)))
                case .integer(let i):
                    guard i >= 0, bits == 64 || i < 1 << bits else { throw bad("\(i) is out of range") }
                    put(UInt64(i))
                case .number(let d) where d == d.rounded() && abs(d) >= 9.2e18:
                    // Beyond Int: the parser kept only the nearest double, so the value is not exact.
                    throw bad("\(d) is beyond the integers read exactly (-2^63 ... 2^63 - 1)")
                default: throw bad("expected an integer")
                }
            }
        }
        func level(_ v: JSONValue, _ depth: Int, _ p: String) throws {
            if depth == shape.count { return try element(v) { p } }
            guard let items = v.elements, items.count == shape[depth] else {
                throw fail(p, "expected a list of \(shape[depth]) items (shape \(Tensor.describe(shape)))")
            }
            for (i, item) in items.enumerated() { try level(item, depth + 1, depth + 1 == shape.count ? p : "\(p)[\(i)]") }
        }
        try level(m["data"]!, 0, "\(path).data")
        return try Tensor(dtype: dtype, shape: shape, bytes: out)
    }
}
