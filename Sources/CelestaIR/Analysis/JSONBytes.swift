/// JSON written straight into bytes (the analyses' results for thousands of nodes: building
/// them as Swift strings cost more than the analyses).
struct JSONBytes {
    var out: [UInt8] = []

    init(capacity: Int = 1024) { out.reserveCapacity(capacity) }

    mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    mutating func int(_ v: Int) {
        if v >= 0 && v < 10 {
            out.append(UInt8(48 + v))
            return
        }
        // The digits into a small buffer, then appended at once (a String per number, or
        // reversing the array's tail in place, cost most of writing the layers of a graph).
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: Int.min has 20 digits
        var m = v.magnitude
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                n += 1
                d[24 - n] = UInt8(48 + m % 10)
                m /= 10
            } while m > 0
            if v < 0 {
                n += 1
                d[24 - n] = 0x2D
            }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[(24 - n)...]))
        }
    }

    mutating func bool(_ v: Bool) { v ? raw("true") : raw("false") }

    /// The last float written and its text (graphs repeat values: a layer's mean tau is most
    /// often its neighbour's).
    private var lastDouble: (bits: UInt64, text: [UInt8])?

    /// A float as Python's json.dumps writes it (repr; NaN/Infinity for non-finite values).
    mutating func double(_ v: Double) {
        if v.isNaN { raw("NaN") } else if v.isInfinite { v < 0 ? raw("-Infinity") : raw("Infinity") } else {
            if let last = lastDouble, last.bits == v.bitPattern {
                out.append(contentsOf: last.text)
                return
            }
            let text = Array(PythonFormat.repr(v).utf8)
            out.append(contentsOf: text)
            lastDouble = (v.bitPattern, text)
        }
    }

    /// A string literal with the escapes JSON requires (non-ASCII text is kept as UTF-8).
    mutating func string(_ s: String) {
        out.append(0x22)
        var s = s
        s.withUTF8 { bytes in
            for b in bytes {
                switch b {
                case 0x22: out.append(0x5C); out.append(0x22)
                case 0x5C: out.append(0x5C); out.append(0x5C)
                case 0x0A: out.append(0x5C); out.append(0x6E)
                case 0x0D: out.append(0x5C); out.append(0x72)
                case 0x09: out.append(0x5C); out.append(0x74)
                case 0..<0x20:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]])
                default: out.append(b)
                }
            }
        }
        out.append(0x22)
    }

    /// `"key": `.
    mutating func key(_ k: String) {
        string(k)
        raw(": ")
    }

    mutating func ints(_ v: [Int]) {
        out.append(0x5B)
        for (i, x) in v.enumerated() {
            if i > 0 { raw(", ") }
            int(x)
        }
        out.append(0x5D)
    }

    /// An IR value as Python's `json.dumps` writes it (tuples and arrays as lists).
    mutating func value(_ v: IRValue, sortKeys: Bool = false) {
        switch v {
        case .none, .graph: raw("null")
        case .bool(let b): bool(b)
        case .int(let i): int(i)
        case .float(let f): double(f)
        case .string(let s): quoted(s)
        case .tuple(let items), .list(let items):
            out.append(0x5B)
            for (i, x) in items.enumerated() {
                if i > 0 { raw(", ") }
                value(x, sortKeys: sortKeys)
            }
            out.append(0x5D)
        case .dict(let d):
            entries(sortKeys ? d.entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) } : d.entries, sortKeys: sortKeys)
        case .tensor(let t):
            let items: [IRValue] = t.dtype.isFloat ? t.doubles.map(IRValue.float) : (t.ints ?? []).map(IRValue.int)
            value(.list(items))
        }
    }

    /// A dict's entries as an object, in their order.
    mutating func entries(_ entries: [IREntry], sortKeys: Bool = false) {
        out.append(0x7B)
        for (i, e) in entries.enumerated() {
            if i > 0 { raw(", ") }
            quoted(e.key)
            raw(": ")
            value(e.value, sortKeys: sortKeys)
        }
        out.append(0x7D)
    }

    /// `PythonJSON.quote(s)` (json.dumps of a str): printable ASCII without `"` or `\\` is
    /// written as it is, anything else through `quote`.
    mutating func quoted(_ s: String) {
        let plain = s.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }
        if plain {
            out.append(0x22)
            out.append(contentsOf: s.utf8)
            out.append(0x22)
        } else {
            out.append(contentsOf: PythonJSON.quote(s).utf8)
        }
    }

    var text: String { String(decoding: out, as: UTF8.self) }
}
