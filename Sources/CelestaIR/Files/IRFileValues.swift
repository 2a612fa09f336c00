/// How IR values become HDF5 datasets and back, the rules `talon.ir.write` and `nir.write`
/// share (h5py's conversions): arrays keep their type and shape; a Python int becomes an int64
/// scalar, a float a float64 scalar, a bool h5py's enum bool, a string a variable-length UTF-8
/// scalar; a tuple or list of numbers a 1-D int64 or float64 array, of strings a string array;
/// a dict a group; None is omitted.
///
/// What the two tools would lose (a tuple read back as an array, the port shapes, the node
/// order, fields the other tool's constructor would refuse) Celesta keeps in attributes, which
/// neither tool reads: see `CelestaAttributes`.
enum IRFileValues {
    /// The dataset for `value`, or nil for None. `storage` applies to arrays.
    static func dataset(_ value: IRValue, storage: HDF5Storage, path: String) throws -> HDF5Node? {
        switch value {
        case .none: return nil
        case .bool(let b): return .dataset(HDF5Dataset(.bool(b)))
        case .int(let i): return .dataset(HDF5Dataset(.numbers(try Tensor(int64: [i], shape: []))))
        case .float(let f): return .dataset(HDF5Dataset(.numbers(try Tensor([f], shape: []))))
        case .string(let s): return .dataset(HDF5Dataset(.string(s)))
        case .tensor(let t):
            if t.dtype == .bool {
                return .dataset(HDF5Dataset(.bools(shape: t.shape, values: t.bytes.map { $0 != 0 }), storage: storage))
            }
            if t.dtype == .float16 {
                throw CelestaError(.unsupported, "'\(path)': float16 arrays cannot be stored; convert them to float32")
            }
            return .dataset(HDF5Dataset(.numbers(t), storage: t.count == 0 ? .contiguous : storage))
        case .tuple(let items), .list(let items):
            return .dataset(HDF5Dataset(try sequence(items, path)))
        case .dict(let d):
            return .group(try group(d, storage: storage, path: path))
        case .graph:
            throw CelestaError(.unsupported, "'\(path)': a nested graph is stored by the NIR writer only")
        }
    }

    /// A group of one dataset (or subgroup) per entry, in key order.
    static func group(_ d: IRDict, storage: HDF5Storage, path: String) throws -> HDF5Group {
        var g = HDF5Group()
        for e in d.entries {
            if let node = try dataset(e.value, storage: storage, path: "\(path)/\(e.key)") { g.children.append((name: e.key, node: node)) }
        }
        return g
    }

    /// h5py's conversion of a Python sequence.
    static func sequence(_ items: [IRValue], _ path: String) throws -> HDF5Value {
        if items.isEmpty { return .numbers(try Tensor([Double](), shape: [0])) }
        if items.allSatisfy({ if case .string = $0 { return true } else { return false } }) {
            return .strings(items.map { $0.string! })
        }
        if items.allSatisfy({ if case .bool = $0 { return true } else { return false } }) {
            return .bools(shape: [items.count], values: items.map { $0.bool! })
        }
        if items.allSatisfy({ if case .int = $0 { return true } else { return false } }) {
            return .numbers(try Tensor(int64: items.map { $0.int! }))
        }
        let numbers = try items.map { v -> Double in
            guard let d = v.double, v.tensor == nil else {
                throw CelestaError(.unsupported, "'\(path)': a sequence of \(v.kindName) values cannot be stored")
            }
            return d
        }
        return .numbers(try Tensor(numbers))
    }

    /// The IR value of a dataset as the tools read it back: scalars become Python scalars,
    /// arrays stay arrays (so a tuple comes back as an int64 array, as in TALON and NIR), a
    /// scalar string a string, a 1-D string array a list of strings.
    static func value(_ v: HDF5Value) throws -> IRValue {
        switch v {
        case .numbers(let t):
            if t.shape.isEmpty {
                return t.dtype.isFloat ? .float(t.double(at: 0)) : (t.int(at: 0).map(IRValue.int) ?? .float(t.double(at: 0)))
            }
            return .tensor(t)
        case .bools(let shape, let values):
            if shape.isEmpty { return .bool(values.first ?? false) }
            return .tensor(try Tensor(dtype: .bool, shape: shape, bytes: values.map { $0 ? 1 : 0 }))
        case .strings(let shape, let values):
            if shape.isEmpty { return .string(values.first ?? "") }
            return .list(values.map(IRValue.string))
        }
    }

    /// A group read back as a dict (any depth).
    static func dict(_ g: HDF5Group) throws -> IRDict {
        var d = IRDict()
        for c in g.children {
            switch c.node {
            case .group(let sub): d[c.name] = .dict(try dict(sub))
            case .dataset(let ds): d[c.name] = try value(ds.value)
            }
        }
        return d
    }

    /// The value as a tuple again when Celesta wrote it from one (attribute `celesta_kind`).
    static func restoringKind(_ v: IRValue, _ ds: HDF5Dataset) -> IRValue {
        guard let kind = ds.attribute(CelestaAttributes.kind)?.stringValue else { return v }
        var items: [IRValue] = []
        switch v {
        case .tensor(let t):
            if let ints = t.ints, !t.dtype.isFloat { items = ints.map(IRValue.int) } else { items = t.doubles.map(IRValue.float) }
        case .list(let l): items = l
        default: return v
        }
        return kind == "tuple" ? .tuple(items) : kind == "list" ? .list(items) : v
    }
}

/// The attributes in which Celesta keeps what TALON's and NIR's layouts lose. Neither tool
/// reads attributes, so both still read the files.
enum CelestaAttributes {
    /// On the graph group: the node names in insertion order, as one JSON array text (a
    /// scalar string, so that the attribute stays small for any number of nodes; files of
    /// Celesta 0.2.0 before this held a string array, which is read as well).
    static let nodeOrder = "celesta_node_order"
    /// On a node group: `{"input_type": ..., "output_type": ...}` as IR JSON text.
    static let ports = "celesta_ports"
    /// On a node group: fields the file's tool does not know for this primitive, as IR JSON.
    static let extraFields = "celesta_fields"
    /// On a dataset: "tuple" or "list" when the value was one.
    static let kind = "celesta_kind"
    /// On a NIR node group: the fields written only because NIR requires them (zero resets...).
    static let defaulted = "celesta_defaulted"
    /// On a NIR graph group: "true" when the graph allows cycles (NIR has no such flag).
    static let allowCycles = "celesta_allow_cycles"
    /// On the root: the Celesta version that wrote the file.
    static let writer = "celesta_writer"

    static func portsText(_ n: IRNode) -> String {
        var w = IRJSON.Writer(out: "{", arrays: nil)
        w.portTypes(n)
        w.out += "}"
        return w.out
    }

    /// `nodes` in the order the `nodeOrder` attribute of `group` gives, when it names exactly
    /// these nodes (files Celesta wrote); otherwise as read (HDF5 name order).
    static func ordered(_ nodes: [IRNode], by group: HDF5Group) -> [IRNode] {
        guard let names = orderNames(group.attribute(nodeOrder)), names.count == nodes.count else { return nodes }
        let byName = Dictionary(nodes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        guard byName.count == nodes.count, names.allSatisfy({ byName[$0] != nil }) else { return nodes }
        return names.map { byName[$0]! }
    }

    /// The `nodeOrder` attribute's value for `names`.
    static func order(_ names: [String]) -> HDF5Value {
        .string("[" + names.map(JSONText.quote).joined(separator: ",") + "]")
    }

    private static func orderNames(_ value: HDF5Value?) -> [String]? {
        switch value {
        case .strings(let shape, let names)? where shape.count == 1: return names
        case .strings(let shape, let texts)? where shape.isEmpty:
            guard let v = try? JSONParser.parse(Array(texts[0].utf8), name: "attribute \(nodeOrder)"),
                  case .array(let items) = v else { return nil }
            var names: [String] = []
            names.reserveCapacity(items.count)
            for item in items {
                guard case .string(let s) = item else { return nil }
                names.append(s)
            }
            return names
        default: return nil
        }
    }

    static func ports(_ text: String) throws -> (PortShapes?, PortShapes?) {
        let v = try JSONParser.parse(Array(text.utf8), name: "attribute \(ports)", integers: true)
        guard case .object(let m, _) = v else { throw CelestaError(.parse, "attribute '\(ports)' is not an object") }
        let r = IRJSON.Reader(arrays: [], mode: .celesta)
        return (try r.ports(m["input_type"], "input_type"), try r.ports(m["output_type"], "output_type"))
    }
}
