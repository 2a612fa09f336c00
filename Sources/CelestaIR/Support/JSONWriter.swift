import FoundationEssentials

/// Writes JSON objects of numbers and nested number arrays fast (JSONEncoder takes about a
/// second for a 1000-neuron network). Keys come out sorted, so equal values give equal text;
/// doubles use Swift's shortest round-tripping form.
package struct JSONWriter {
    private var out: [UInt8] = []
    private var fields: [(String, [UInt8])] = []

    package init() {}

    package mutating func field(_ key: String, _ write: (inout JSONWriter) -> Void) {
        var inner = JSONWriter()
        write(&inner)
        fields.append((key, inner.out))
    }

    package mutating func int(_ v: Int) { out.append(contentsOf: Array(String(v).utf8)) }

    package mutating func double(_ v: Double) {
        if v.isFinite, v == v.rounded(), abs(v) < 1e15 {
            out.append(contentsOf: Array(String(Int(v)).utf8))
            out.append(contentsOf: Array(".0".utf8))
        } else {
            out.append(contentsOf: Array(v.description.utf8))
        }
    }

    package mutating func bool(_ v: Bool) { out.append(contentsOf: Array((v ? "true" : "false").utf8)) }
    package mutating func null() { out.append(contentsOf: Array("null".utf8)) }
    package mutating func string(_ s: String) { out.append(contentsOf: Array(JSONText.quote(s).utf8)) }

    /// Values of `shape` (row-major), nested as lists.
    package mutating func ints(_ values: [Int], shape: [Int]) { nested(values.count, shape) { $0.int(values[$1]) } }
    package mutating func doubles(_ values: [Double], shape: [Int]) { nested(values.count, shape) { $0.double(values[$1]) } }

    package mutating func intLists(_ lists: [[Int]]) {
        out.append(UInt8(ascii: "["))
        for (n, list) in lists.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            ints(list, shape: [list.count])
        }
        out.append(UInt8(ascii: "]"))
    }

    private mutating func nested(_ count: Int, _ shape: [Int], _ element: (inout JSONWriter, Int) -> Void) {
        var index = 0
        func level(_ w: inout JSONWriter, _ d: Int) {
            w.out.append(UInt8(ascii: "["))
            for k in 0..<shape[d] {
                if k > 0 { w.out.append(UInt8(ascii: ",")) }
                if d == shape.count - 1 {
                    element(&w, index)
                    index += 1
                } else {
                    level(&w, d + 1)
                }
            }
            w.out.append(UInt8(ascii: "]"))
        }
        precondition(shape.reduce(1, *) == count, "JSONWriter: shape does not match the values")
        level(&self, 0)
    }

    /// The object of all fields, keys sorted.
    package func objectData() -> Data {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        for (n, (key, value)) in fields.sorted(by: { $0.0 < $1.0 }).enumerated() {
            if n > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: Array(JSONText.quote(key).utf8))
            bytes.append(UInt8(ascii: ":"))
            bytes.append(contentsOf: value)
        }
        bytes.append(UInt8(ascii: "}"))
        return Data(bytes)
    }
}
