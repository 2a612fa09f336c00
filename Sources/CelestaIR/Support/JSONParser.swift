/// A small, fast JSON reader for the engine's file formats (networks, specifications): one
/// pass over the bytes, numbers converted by the standard library's correctly rounded parser.
/// (Decoding a million numbers through `JSONDecoder` and an enum takes seconds; this takes tens
/// of milliseconds.) Errors name the byte offset.
package struct JSONParser {
    private let bytes: [UInt8]
    private var i = 0
    /// Whether a number written without a fraction or exponent becomes `.integer` (and lists
    /// stay generic), for formats that tell ints from floats (the IR's JSON).
    private var integers = false
    /// Whether `NaN`, `Infinity` and `-Infinity` are numbers (Python's `json` writes and reads
    /// them), for files Python may have written.
    private var nonFinite = false

    package static func parse(_ bytes: [UInt8], name: String, integers: Bool = false, nonFinite: Bool = false) throws -> JSONValue {
        var p = JSONParser(bytes: bytes)
        p.integers = integers
        p.nonFinite = nonFinite
        do {
            let v = try p.value(depth: 0)
            p.skipSpace()
            guard p.i == bytes.count else { throw p.error("unexpected data after the value") }
            return v
        } catch let e as CelestaError {
            throw CelestaError(.parse, "'\(name)' is not valid JSON: \(e.message)")
        }
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func error(_ why: String) -> CelestaError { CelestaError(.parse, "\(why) at byte \(i)") }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func expect(_ literal: String) throws {
        for b in literal.utf8 {
            guard i < bytes.count, bytes[i] == b else { throw error("expected '\(literal)'") }
            i += 1
        }
    }

    private mutating func value(depth: Int) throws -> JSONValue {
        guard depth < 200 else { throw error("nesting too deep") }
        skipSpace()
        guard i < bytes.count else { throw error("unexpected end") }
        switch bytes[i] {
        case UInt8(ascii: "["):
            i += 1
            var items: [JSONValue] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            // A list of numbers (weights, taus) is read straight into doubles, without an enum
            // value per number; a list that turns out mixed goes on as a generic one.
            if !integers, i < bytes.count, Self.startsNumber(bytes[i]) {
                var numbers: [Double] = []
                while true {
                    numbers.append(try number())
                    skipSpace()
                    guard i < bytes.count else { throw error("unterminated array") }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return .numbers(numbers) }
                    guard bytes[i] == UInt8(ascii: ",") else { throw error("expected ',' or ']'") }
                    i += 1
                    skipSpace()
                    if !integers, i < bytes.count, Self.startsNumber(bytes[i]) { continue }
                    items = numbers.map(JSONValue.number)
                    break
                }
            }
            while true {
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard i < bytes.count else { throw error("unterminated array") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                throw error("expected ',' or ']'")
            }
        case UInt8(ascii: "{"):
            i += 1
            var object: [String: JSONValue] = [:]
            var order: [String] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(object, order: order) }
            while true {
                skipSpace()
                guard case .string(let key) = try value(depth: depth + 1) else { throw error("expected a key") }
                skipSpace()
                try expect(":")
                if object.updateValue(try value(depth: depth + 1), forKey: key) == nil { order.append(key) }
                skipSpace()
                guard i < bytes.count else { throw error("unterminated object") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(object, order: order) }
                throw error("expected ',' or '}'")
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "N") where nonFinite: try expect("NaN"); return .number(.nan)
        case UInt8(ascii: "I") where nonFinite: try expect("Infinity"); return .number(.infinity)
        case UInt8(ascii: "-") where nonFinite && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "I"):
            try expect("-Infinity")
            return .number(-.infinity)
        default:
            let start = i
            let d = try number()
            if integers, !bytes[start..<i].contains(where: { $0 == 0x2E || $0 == 0x65 || $0 == 0x45 }),
                let v = Int(String(decoding: bytes[start..<i], as: UTF8.self)) {
                return .integer(v)
            }
            return .number(d)
        }
    }

    private static func startsNumber(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || b == 0x2D
    }

    private mutating func number() throws -> Double {
        let start = i
        while i < bytes.count {
            let b = bytes[i]
            if (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2B || b == 0x2E || b == 0x65 || b == 0x45 { i += 1 } else { break }
        }
        guard i > start, let d = Double(String(decoding: bytes[start..<i], as: UTF8.self)) else {
            i = start
            throw error("invalid value")
        }
        return d
    }

    private mutating func string() throws -> String {
        i += 1
        var out: [UInt8] = []
        let end = bytes.withUnsafeBufferPointer { Self.stringBytes($0, from: i, into: &out) }
        switch end {
        case .plain(let range):
            i = range.upperBound + 1
            return String(decoding: bytes[range], as: UTF8.self)
        case .escaped(let next):
            i = next
            return String(decoding: out, as: UTF8.self)
        case .badEscape(let at):
            i = at
            throw error("bad \\u escape")
        case .unterminated:
            i = bytes.count
            throw error("unterminated string")
        }
    }

    /// Where a string's content ends (see `stringBytes`).
    package enum StringEnd {
        /// No escapes: the content is `range` of the bytes (the closing quote at its end).
        case plain(Range<Int>)
        /// The content, escapes decoded, went to `out`; the string ended before `next`.
        case escaped(next: Int)
        /// A `\u` escape without four hex digits at `at`.
        case badEscape(at: Int)
        /// No closing quote.
        case unterminated
    }

    /// The content of the string whose opening quote is just before `start`: JSON's escapes as
    /// this parser reads them (`\u` of a lone surrogate becomes U+FFFD), decoded into `out`
    /// only when there are any. (IRJSON's one-pass reader reads strings through here too.)
    package static func stringBytes(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, into out: inout [UInt8]) -> StringEnd {
        var i = start
        while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\") { i += 1 }
        guard i < bytes.count else { return .unterminated }
        if bytes[i] == UInt8(ascii: "\"") { return .plain(start..<i) }
        out.append(contentsOf: bytes[start..<i])
        while i < bytes.count {
            let b = bytes[i]
            i += 1
            if b == UInt8(ascii: "\"") { return .escaped(next: i) }
            if b != UInt8(ascii: "\\") { out.append(b); continue }
            guard i < bytes.count else { break }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                guard i + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16) else {
                    return .badEscape(at: i)
                }
                i += 4
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(code) ?? "\u{FFFD}")).utf8))
            default: out.append(e)
            }
        }
        return .unterminated
    }
}
