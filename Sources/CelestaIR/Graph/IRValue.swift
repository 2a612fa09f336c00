/// The value of one field of an IR node, of graph metadata, or of a configuration entry.
///
/// The cases follow what TALON and NIR store: numpy arrays (`tensor`), Python scalars, strings,
/// tuples and lists (kept apart because Python prints them differently, which TALON's
/// fingerprint hashes), ordered dictionaries (metadata, hardware hints) and, for NIR, a nested
/// graph.
public indirect enum IRValue: Sendable, Equatable {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case tensor(Tensor)
    /// A Python tuple (`(1, 1)`).
    case tuple([IRValue])
    /// A Python list (`[1, 1]`).
    case list([IRValue])
    case dict(IRDict)
    /// A nested graph (a NIR `NIRGraph` node's content).
    case graph(IRGraph)

    /// The value as a number, for scalars and one-element arrays.
    public var double: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .float(let v): return v
        case .bool(let v): return v ? 1 : 0
        case .tensor(let t) where t.count == 1: return t.double(at: 0)
        default: return nil
        }
    }

    /// The value as an integer: an int, a bool, a whole float, or a one-element integer array.
    public var int: Int? {
        switch self {
        case .int(let v): return v
        case .bool(let v): return v ? 1 : 0
        case .float(let v): return v.isFinite && v == v.rounded() && abs(v) < 9e18 ? Int(v) : nil
        case .tensor(let t) where t.count == 1 && t.ndim <= 1 && !t.dtype.isFloat: return t.int(at: 0)
        default: return nil
        }
    }

    /// The integers of an int, a tuple or list of ints, or an integer array.
    public var ints: [Int]? {
        switch self {
        case .int(let v): return [v]
        case .tuple(let items), .list(let items):
            var out: [Int] = []
            for item in items {
                guard case .int(let v) = item else { return nil }
                out.append(v)
            }
            return out
        case .tensor(let t) where !t.dtype.isFloat && t.ndim <= 1: return t.ints
        default: return nil
        }
    }

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var tensor: Tensor? {
        if case .tensor(let t) = self { return t }
        return nil
    }

    public var bool: Bool? {
        switch self {
        case .bool(let b): return b
        case .tensor(let t) where t.count == 1 && t.dtype == .bool: return t.double(at: 0) != 0
        default: return nil
        }
    }

    public var isNone: Bool { self == .none }

    /// What Python's `str()` prints for the value (TALON's fingerprint hashes these strings).
    public var pythonStr: String {
        switch self {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let v): return String(v)
        case .float(let v): return PythonFormat.repr(v)
        case .string(let s): return s
        case .tuple(let items):
            if items.count == 1 { return "(\(items[0].pythonRepr),)" }
            return "(" + items.map(\.pythonRepr).joined(separator: ", ") + ")"
        case .list(let items): return "[" + items.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .dict(let d):
            return "{" + d.entries.map { "'\($0.key)': \($0.value.pythonRepr)" }.joined(separator: ", ") + "}"
        case .tensor(let t): return PythonFormat.numpyStr(t)
        case .graph: return "<NIRGraph>"
        }
    }

    /// Python's `repr()` (strings quoted).
    public var pythonRepr: String {
        if case .string(let s) = self { return "'\(s)'" }
        return pythonStr
    }

    /// A short description for messages.
    public var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .tensor: return "array"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .graph: return "graph"
        }
    }
}

/// One key and its value.
public struct IREntry: Sendable, Equatable {
    public var key: String
    public var value: IRValue
    public init(_ key: String, _ value: IRValue) {
        self.key = key
        self.value = value
    }
}

/// An ordered dictionary of values (Python dicts keep insertion order, and so do files).
public struct IRDict: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public private(set) var entries: [IREntry] = []

    public init() {}
    /// An empty dict with room for `capacity` entries.
    init(capacity: Int) { entries.reserveCapacity(capacity) }
    public init(_ entries: [IREntry]) {
        for e in entries { self[e.key] = e.value }
    }
    public init(dictionaryLiteral elements: (String, IRValue)...) {
        for (k, v) in elements { self[k] = v }
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }
    public var keys: [String] { entries.map(\.key) }

    /// The value for `key`; setting `nil` removes the key; setting a new key appends it.
    public subscript(key: String) -> IRValue? {
        get { entries.first { $0.key == key }?.value }
        set {
            if let i = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[i].value = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append(IREntry(key, newValue))
            }
        }
    }

    /// Appends an entry whose key the caller knows is new (no lookup: for dicts of thousands
    /// of entries built in one go).
    package mutating func appendNew(_ key: String, _ value: IRValue) { entries.append(IREntry(key, value)) }

    /// The entries sorted by key (file order of HDF5 groups).
    public var sortedByKey: IRDict { IRDict(entries.sorted { $0.key < $1.key }) }
}

/// Python's number formatting, for messages and for TALON's `str()`-based hashes.
public enum PythonFormat {
    /// `repr(float)`: the shortest round-tripping digits, with `.0` on whole numbers and
    /// Python's exponent style (`1e-05`, `1e+20`).
    public static func repr(_ v: Double) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v < 0 ? "-inf" : "inf" }
        var s = "\(v)"  // Swift: shortest digits, e.g. "1e-05", "0.1", "100.0", "1e+20"
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            var mantissa = String(s[..<e])
            var exp = String(s[s.index(after: e)...])
            if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
            var sign = "+"
            if exp.hasPrefix("-") { sign = "-"; exp.removeFirst() } else if exp.hasPrefix("+") { exp.removeFirst() }
            while exp.count < 2 { exp = "0" + exp }
            s = mantissa + "e" + sign + exp
            // Python switches to exponent notation from 1e16 up and below 1e-4; Swift from
            // 2^53-ish: keep Swift's choice unless Python would print plainly.
            let a = abs(v)
            if a >= 1e-4 && a < 1e16 { return plain(v) }
            return s
        }
        let a = abs(v)
        if a != 0 && (a < 1e-4 || a >= 1e16) { return exponent(v) }
        return s
    }

    private static func plain(_ v: Double) -> String {
        // Whole numbers below 1e16 print as "N.0"; others through Swift's shortest digits.
        if v == v.rounded() { return String(Int64(v)) + ".0" }
        return "\(v)"
    }

    private static func exponent(_ v: Double) -> String {
        // Rebuild "d.ddde±XX" from Swift's shortest digits.
        var digits = "\(abs(v))"
        var exp10 = 0
        if let e = digits.firstIndex(of: "e") {
            exp10 = Int(digits[digits.index(after: e)...]) ?? 0
            digits = String(digits[..<e])
        }
        var intPart = digits
        var frac = ""
        if let dot = digits.firstIndex(of: ".") {
            intPart = String(digits[..<dot])
            frac = String(digits[digits.index(after: dot)...])
        }
        var all = intPart + frac
        exp10 += intPart.count - 1
        while all.hasPrefix("0") && all.count > 1 { all.removeFirst(); exp10 -= 1 }
        while all.hasSuffix("0") && all.count > 1 { all.removeLast() }
        let mantissa = all.count > 1 ? String(all.first!) + "." + all.dropFirst() : all
        let sign = exp10 < 0 ? "-" : "+"
        var e = String(abs(exp10))
        while e.count < 2 { e = "0" + e }
        return (v < 0 ? "-" : "") + mantissa + "e" + sign + e
    }

    /// numpy's `str()` of a small integer array (`[1 1]`); other arrays as a summary.
    public static func numpyStr(_ t: Tensor) -> String {
        if !t.dtype.isFloat, t.ndim == 1, let ints = t.ints { return "[" + ints.map(String.init).joined(separator: " ") + "]" }
        if t.ndim == 0, !t.dtype.isFloat, let v = t.int(at: 0) { return String(v) }
        return "array(shape=\(Tensor.describe(t.shape)), dtype=\(t.dtype.rawValue))"
    }
}
