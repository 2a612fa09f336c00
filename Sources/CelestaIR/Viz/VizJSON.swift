/// A JSON value with ordered object keys, as the visualisation builds it (TALON's
/// `graph_to_dict` is a Python dict whose key order is part of what it returns), and its text.
///
/// Numbers keep Python's distinction: `.int` prints `10`, `.double` prints `10.0` (Python's
/// `repr`); a double that is not finite prints `null`, since JSON (and the browser's
/// `JSON.parse`) has no NaN or infinity.
public indirect enum VizJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([VizJSON])
    case object([(String, VizJSON)])

    public static func == (a: VizJSON, b: VizJSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y || (x.isNaN && y.isNaN)
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The member `key` of an object, or nil.
    public subscript(key: String) -> VizJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// The keys of an object in order (empty for other values).
    public var keys: [String] {
        guard case .object(let members) = self else { return [] }
        return members.map(\.0)
    }

    /// The items of an array (empty for other values).
    public var items: [VizJSON] {
        guard case .array(let items) = self else { return [] }
        return items
    }

    public var stringValue: String? {
        guard case .string(let s) = self else { return nil }
        return s
    }

    public var intValue: Int? {
        switch self {
        case .int(let v): return v
        case .double(let d) where d == d.rounded() && abs(d) < 9e18: return Int(d)
        default: return nil
        }
    }

    /// A copy of an object with `key` set (appended when new, replaced in place otherwise).
    public func setting(_ key: String, _ value: VizJSON) -> VizJSON {
        guard case .object(var members) = self else { return self }
        if let i = members.firstIndex(where: { $0.0 == key }) { members[i].1 = value } else { members.append((key, value)) }
        return .object(members)
    }

    /// Compact JSON text (`, ` and `: ` separators as Python's `json.dumps`).
    public var text: String {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(into: &out, safeForScript: false)
        return String(decoding: out, as: UTF8.self)
    }

    /// The JSON as UTF-8 bytes. With `safeForScript`, `<`, `>` and `&` are written as `\u003c`...
    /// so that the text can sit inside an HTML `<script>` element whatever strings it holds.
    public func bytes(safeForScript: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(into: &out, safeForScript: safeForScript)
        return out
    }

    func write(into out: inout [UInt8], safeForScript: Bool) {
        switch self {
        case .null: out.append(contentsOf: Self.nullText)
        case .bool(let b): out.append(contentsOf: b ? Self.trueText : Self.falseText)
        case .int(let v): out.append(contentsOf: String(v).utf8)
        case .double(let d):
            if d.isFinite { out.append(contentsOf: PythonFormat.repr(d).utf8) } else { out.append(contentsOf: Self.nullText) }
        case .string(let s): Self.quote(s, into: &out, safeForScript: safeForScript)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(contentsOf: Self.comma) }
                item.write(into: &out, safeForScript: safeForScript)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(contentsOf: Self.comma) }
                Self.quote(key, into: &out, safeForScript: safeForScript)
                out.append(contentsOf: Self.colon)
                value.write(into: &out, safeForScript: safeForScript)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let nullText = Array("null".utf8)
    private static let trueText = Array("true".utf8)
    private static let falseText = Array("false".utf8)
    private static let comma = Array(", ".utf8)
    private static let colon = Array(": ".utf8)
    private static let hex = Array("0123456789abcdef".utf8)

    private static func quote(_ s: String, into out: inout [UInt8], safeForScript: Bool) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
            case UInt8(ascii: "\n"): out.append(contentsOf: [92, UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): out.append(contentsOf: [92, UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): out.append(contentsOf: [92, UInt8(ascii: "t")])
            case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
                if safeForScript { escaped(b, into: &out) } else { out.append(b) }
            case 0..<0x20: escaped(b, into: &out)
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func escaped(_ b: UInt8, into out: inout [UInt8]) {
        out.append(contentsOf: [92, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(b >> 4)], hex[Int(b & 15)]])
    }
}
