import FoundationEssentials

/// A JSON value as `JSONParser` reads it.
package enum JSONValue: Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue])
    /// An object: its members, and their keys in the order the text gives them.
    case object([String: JSONValue], order: [String])
    /// A non-empty list of numbers only (what `JSONParser` makes of one; `.array` holds others).
    case numbers([Double])
    /// A number written without fraction or exponent, when the parser was asked to keep them
    /// apart (`integers: true`); otherwise such numbers are `.number`.
    case integer(Int)

    /// The items of a list (either form), or nil for a value that is not a list.
    package var elements: [JSONValue]? {
        switch self {
        case .array(let items): return items
        case .numbers(let values): return values.map(JSONValue.number)
        default: return nil
        }
    }

    /// Numbers of a scalar or (nested) list, row-major.
    package func flatNumbers(_ path: String) throws -> [Double] {
        var out: [Double] = []
        try appendNumbers(to: &out) { path }
        return out
    }

    /// Appends the numbers in place; an element's path is only spelled out for an error (a
    /// string per number would cost more than parsing it).
    private func appendNumbers(to out: inout [Double], _ path: () -> String) throws {
        switch self {
        case .number(let d): out.append(d)
        case .integer(let v): out.append(Double(v))
        case .numbers(let values): out.append(contentsOf: values)
        case .array(let items):
            for (i, item) in items.enumerated() { try item.appendNumbers(to: &out) { "\(path())[\(i)]" } }
        default: throw CelestaError(.parse, "'\(path())' must hold numbers")
        }
    }
}
