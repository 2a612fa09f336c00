import Synchronization

/// The file formats and tool vocabularies a primitive or field belongs to.
public enum Dialect: String, Sendable, Hashable, CaseIterable {
    /// TALON's IR (`talon.ir`, `.t1c` files).
    case talon
    /// NIR 1.0.8 (`.nir` files).
    case nir
}

/// Whose behaviour a call follows where Celesta corrects a reference tool: Celesta's own
/// (the default) or TALON's exactly (`talon_compatible=True` / `with celesta.talon_compatible():`).
public enum IRMode: String, Sendable, Hashable {
    case celesta
    case talon
}

/// One field of a primitive.
public struct FieldSpec: Sendable {
    public enum Kind: String, Sendable {
        /// A numpy array.
        case array
        case int, float, bool, string
        /// An int or a float, kept as given (Upsample's `scale_factor`).
        case number
        /// An int or a tuple of ints (stride, padding...).
        case ints
        /// Any value (kept as given).
        case any
        /// A dictionary (metadata, hardware hints).
        case dict
        /// A nested graph.
        case graph
    }

    /// What the field holds when the caller does not give it.
    public enum Default: Sendable {
        /// The caller must give it.
        case required
        /// None (the field is omitted).
        case none
        /// This value.
        case value(IRValue)
    }

    public let name: String
    public let kind: Kind
    public let defaultValue: Default
    /// The vocabularies that know the field: a `.t1c` file stores a field TALON does not know
    /// for this primitive as an attribute (TALON ignores attributes), and likewise for NIR.
    public let dialects: Set<Dialect>
    /// TALON's `to_dict` leaves the field out while it holds its default (the activation and
    /// normalisation options: `eps`, `momentum`, `negative_slope`...).
    public let omittedWhenDefault: Bool

    public init(_ name: String, _ kind: Kind, _ defaultValue: Default = .required, dialects: Set<Dialect> = [.talon, .nir], omittedWhenDefault: Bool = false) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.dialects = dialects
        self.omittedWhenDefault = omittedWhenDefault
    }

    /// True when `value` is the field's default and TALON leaves such a value out.
    public func omits(_ value: IRValue) -> Bool {
        guard omittedWhenDefault, case .value(let d) = defaultValue else { return false }
        return d == value || (d.double != nil && d.double == value.double && value.tensor == nil)
    }
}

/// A node under construction: the descriptor's checks read and complete its fields.
public struct NodeDraft: Sendable {
    public var fields: IRDict
    public var inputType: PortShapes?
    public var outputType: PortShapes?
    public let mode: IRMode

    public func tensor(_ name: String) -> Tensor? { fields[name]?.tensor }
    public func int(_ name: String) -> Int? { fields[name]?.int }
    public func ints(_ name: String) -> [Int]? { fields[name]?.ints }
    public func double(_ name: String) -> Double? { fields[name]?.double }
    public func string(_ name: String) -> String? { fields[name]?.string }
    public func bool(_ name: String) -> Bool? { fields[name]?.bool }
    /// The shape of the array in `name`, or nil.
    public func shape(_ name: String) -> [Int]? { tensor(name)?.shape }
    /// The first input port's shape, or nil.
    public var inputShape: [Int]? { inputType?.first }
}

/// A primitive of the IR, described as data: its name, its fields with their defaults, the
/// checks its constructor makes (TALON's messages) and how it infers its port shapes. The
/// registry holds one per primitive; nothing else in the engine lists primitives.
public struct PrimitiveDescriptor: Sendable {
    public let name: String
    /// The primitive it derives from (TALON's subclasses: `SConv` is a `Conv2d`), or nil.
    public let base: String?
    /// The vocabularies that have this primitive.
    public let dialects: Set<Dialect>
    /// One line on what the node computes.
    public let summary: String
    public let fields: [FieldSpec]
    /// Checks the fields (throwing TALON's ValueError messages as `.invalidArgument` /
    /// `.shapeMismatch`) and completes derived defaults.
    let check: @Sendable (inout NodeDraft) throws -> Void
    /// Infers the port shapes the caller did not give: (input, output).
    let infer: @Sendable (NodeDraft) -> (PortShapes?, PortShapes?)

    public init(
        _ name: String, base: String? = nil, dialects: Set<Dialect>, summary: String, fields: [FieldSpec],
        check: @escaping @Sendable (inout NodeDraft) throws -> Void = { _ in },
        infer: @escaping @Sendable (NodeDraft) -> (PortShapes?, PortShapes?) = { _ in (nil, nil) }
    ) {
        self.name = name
        self.base = base
        self.dialects = dialects
        self.summary = summary
        self.fields = fields
        self.check = check
        self.infer = infer
    }

    public func field(_ name: String) -> FieldSpec? { fields.first { $0.name == name } }
}

/// The primitives by name. The built-in ones are TALON's and NIR 1.0.8's; `register` adds more
/// (Python's `register_node`).
public final class PrimitiveRegistry: Sendable {
    public static let shared = PrimitiveRegistry(BuiltinPrimitives.all)

    private let table: Mutex<(order: [String], byName: [String: PrimitiveDescriptor])>

    init(_ descriptors: [PrimitiveDescriptor]) {
        var byName: [String: PrimitiveDescriptor] = [:]
        var order: [String] = []
        for d in descriptors where byName.updateValue(d, forKey: d.name) == nil { order.append(d.name) }
        table = Mutex((order, byName))
    }

    public func descriptor(_ name: String) -> PrimitiveDescriptor? { table.withLock { $0.byName[name] } }

    /// Every primitive name, built-in ones first in their table order, then registered ones.
    public var names: [String] { table.withLock { $0.order } }

    /// The names of the primitives of one vocabulary.
    public func names(in dialect: Dialect) -> [String] {
        table.withLock { t in t.order.filter { t.byName[$0]!.dialects.contains(dialect) } }
    }

    /// Adds (or replaces) a primitive.
    public func register(_ descriptor: PrimitiveDescriptor) {
        table.withLock { t in
            if t.byName.updateValue(descriptor, forKey: descriptor.name) == nil { t.order.append(descriptor.name) }
        }
    }

    /// True when `type` is `ancestor` or derives from it.
    public func isA(_ type: String, _ ancestor: String) -> Bool {
        if type == ancestor { return true }
        // One lock for the walk, reading each step's base only (copying a descriptor per step
        // cost most of the graph checks that ask this once per node or edge).
        return table.withLock { t in
            var current = t.byName[type]?.base
            var steps = 1
            while let c = current, steps < 16 {
                if c == ancestor { return true }
                current = t.byName[c]?.base
                steps += 1
            }
            return false
        }
    }
}

extension IRNode {
    /// Makes a node of primitive `type` from the fields the caller gave (None-valued ones are
    /// taken as not given), as TALON's and NIR's constructors do: unknown fields are refused,
    /// defaults filled, the primitive's checks run (TALON's messages) and the port shapes the
    /// caller did not give are inferred (`mode` decides where Celesta and TALON differ).
    public static func make(
        name: String, type: String, fields given: IRDict, inputType: PortShapes? = nil, outputType: PortShapes? = nil,
        mode: IRMode = .celesta
    ) throws -> IRNode {
        guard let d = PrimitiveRegistry.shared.descriptor(type) else {
            throw CelestaError(.notFound, "unknown primitive '\(type)'")
        }
        for entry in given.entries where d.field(entry.key) == nil {
            throw CelestaError(.invalidArgument, "\(type).__init__() got an unexpected keyword argument '\(entry.key)'")
        }
        var fields = IRDict(capacity: given.count + 2)
        for spec in d.fields {
            if let v = given[spec.name], v != .none {
                fields[spec.name] = try normalized(v, spec, type)
            } else {
                switch spec.defaultValue {
                case .required:
                    throw CelestaError(.invalidArgument, "\(type).__init__() missing required argument: '\(spec.name)'")
                case .none: break
                case .value(let v): fields[spec.name] = v
                }
            }
        }
        var draft = NodeDraft(fields: fields, inputType: inputType, outputType: outputType, mode: mode)
        try d.check(&draft)
        // (Inference is only for the ports the caller did not give.)
        let (inferredIn, inferredOut) = draft.inputType == nil || draft.outputType == nil ? d.infer(draft) : (nil, nil)
        let node = IRNode(
            name: name, type: type, fields: draft.fields,
            inputType: draft.inputType ?? inferredIn, outputType: draft.outputType ?? inferredOut)
        for (side, shapes) in [("input", node.inputType), ("output", node.outputType)] {
            if let port = shapes?.oversized {
                throw CelestaError(.limitExceeded, "\(type) node '\(name)': \(side) port '\(port.name)' has shape \(Tensor.describe(port.shape)), more than 2^40 elements")
            }
        }
        return node
    }

    /// Checks a given value against the field's kind (converting where Python would: an int
    /// for a float field, a list of ints for an int tuple).
    private static func normalized(_ v: IRValue, _ spec: FieldSpec, _ type: String) throws -> IRValue {
        func wrong() -> CelestaError {
            CelestaError(.invalidArgument, "\(type): '\(spec.name)' must be \(spec.kind.rawValue == "ints" ? "an int or a tuple of ints" : "of type \(spec.kind.rawValue)"), got \(v.kindName)")
        }
        switch spec.kind {
        case .any: return v
        case .array:
            switch v {
            case .tensor: return v
            case .int, .float, .list, .tuple:
                // A Python scalar or list where an array belongs: numpy would convert it.
                guard let t = try? IRValue.arrayFromPython(v) else { throw wrong() }
                return .tensor(t)
            default: throw wrong()
            }
        case .int:
            if case .int = v { return v }
            if case .bool = v { return v }
            if let i = v.int, case .tensor = v { return .int(i) }
            throw wrong()
        case .float:
            switch v {
            case .float: return v
            case .int(let i): return .float(Double(i))
            case .tensor(let t) where t.count == 1 && t.ndim == 0: return .float(t.double(at: 0))
            default: throw wrong()
            }
        case .number:
            switch v {
            case .int, .float: return v
            case .tensor(let t) where t.count == 1 && t.ndim == 0: return t.dtype.isFloat ? .float(t.double(at: 0)) : (t.int(at: 0).map(IRValue.int) ?? v)
            default: throw wrong()
            }
        case .bool:
            if case .bool = v { return v }
            if let b = v.bool { return .bool(b) }
            throw wrong()
        case .string:
            if case .string = v { return v }
            throw wrong()
        case .ints:
            switch v {
            case .int, .tuple, .list: guard v.ints != nil else { throw wrong() }; return v
            case .tensor(let t) where !t.dtype.isFloat && t.ndim <= 1: return v
            case .string: return v  // NIR's padding "same" / "valid"
            default: throw wrong()
            }
        case .dict:
            if case .dict = v { return v }
            throw wrong()
        case .graph:
            if case .graph = v { return v }
            throw wrong()
        }
    }
}

extension IRValue {
    /// numpy's `np.asarray` of a Python number or (nested) list: float64 when any element is a
    /// float, else int64.
    static func arrayFromPython(_ v: IRValue) throws -> Tensor {
        var values: [Double] = []
        var isFloat = false
        func shape(of v: IRValue) throws -> [Int] {
            switch v {
            case .int(let i): values.append(Double(i)); return []
            case .bool(let b): values.append(b ? 1 : 0); return []
            case .float(let f): values.append(f); isFloat = true; return []
            case .list(let items), .tuple(let items):
                var inner: [Int]? = nil
                for item in items {
                    let s = try shape(of: item)
                    if let inner, inner != s { throw CelestaError(.shapeMismatch, "a ragged nested list is not an array") }
                    inner = s
                }
                return [items.count] + (inner ?? [])
            default: throw CelestaError(.invalidArgument, "not a number")
            }
        }
        let s = try shape(of: v)
        return try Tensor(converting: values, to: isFloat ? .float64 : .int64, shape: s)
    }
}
