/// Minimal JSON text writing for front ends that need ordered keys (the CLI's `--json`).
public enum JSONText {
    /// `text` as a JSON string literal, with the escapes RFC 8259 requires.
    public static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A number as JSON text: the shortest text that reads back to `value`; `null` when it is
    /// not finite (JSON has no infinities or NaN).
    public static func number(_ value: Double) -> String {
        value.isFinite ? "\(value)" : "null"
    }

    /// An object with the keys in the given order; values must already be JSON text.
    public static func object(_ pairs: [(String, String)], indent: String = "") -> String {
        if pairs.isEmpty { return "{}" }
        let inner = indent + "  "
        let body = pairs.map { "\(inner)\(quote($0.0)): \($0.1)" }.joined(separator: ",\n")
        return "{\n\(body)\n\(indent)}"
    }

    /// An array of values that are already JSON text.
    public static func array(_ items: [String], indent: String = "") -> String {
        if items.isEmpty { return "[]" }
        let inner = indent + "  "
        return "[\n" + items.map { inner + $0 }.joined(separator: ",\n") + "\n\(indent)]"
    }
}
