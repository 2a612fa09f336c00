import CelestaIR
import FoundationEssentials

/// The JSON form of a float network (what `celesta.nn` modules write and the CLI reads): a
/// Sequential list of layers, as in the Xylo reference pipelines' `float_network`:
///
/// ```json
/// {"layers": [
///   {"type": "Linear", "n_in": 16, "n_out": 60, "weight": [[...], ...]},          // [n_in][n_out]
///   {"type": "LIF", "n_in": 60, "n_out": 60, "tau_mem": [...], "tau_syn": [...],   // [n_out], [n_in]
///    "threshold": [...], "bias": [...], "dt": 0.001, "has_rec": true, "w_rec": [[...]]},  // [n_out][n_in]
///   {"type": "Residual", "layers": [ ... ]}
/// ]}
/// ```
/// A bare list of layers is accepted too. `bias` defaults to zeros, `has_rec` to false.
///
/// Any array may instead be `{"$array": k}`: the `k`-th of the binary arrays given with the
/// text (`parse(_:name:arrays:)`, `celesta_xylo_network_from_json_arrays`), its values row-major.
/// Large weight matrices then skip the text round trip (printing and parsing a million
/// floats takes over a second; handing over their bytes takes a copy).
public enum NetworkJSON {
    /// Reads a network file into a module (a Sequential of the layers).
    public static func load(_ path: String) throws -> Module {
        try parse(try AtomicFile.read(path), name: path)
    }

    /// Parses network JSON into a module; `arrays` are what `{"$array": k}` values refer to.
    public static func parse(_ data: Data, name: String = "network", arrays: [[Double]] = []) throws -> Module {
        let value = try JSONParser.parse([UInt8](data), name: name)
        let layers: [JSONValue]
        if case .array(let list) = value {
            layers = list
        } else if case .object(let o, _) = value, case .array(let list)? = o["layers"] {
            layers = list
        } else {
            throw CelestaError(.parse, "'\(name)': expected {\"layers\": [...]} or a list of layers")
        }
        return try Module.sequential(layers.enumerated().map { try module($0.element, "layers[\($0.offset)]", arrays) })
    }

    static func module(_ value: JSONValue, _ path: String, _ arrays: [[Double]]) throws -> Module {
        guard case .object(let o, _) = value else { throw CelestaError(.parse, "'\(path)' is not an object") }
        func field(_ key: String) throws -> JSONValue {
            guard let v = o[key] else { throw CelestaError(.parse, "'\(path).\(key)' is missing") }
            return v
        }
        func int(_ key: String) throws -> Int {
            guard case .number(let d) = try field(key), d == d.rounded(), abs(d) < 1e9 else {
                throw CelestaError(.parse, "'\(path).\(key)' must be an integer")
            }
            return Int(d)
        }
        /// A layer width: a positive integer (checked before any array is sized by it).
        func width(_ key: String) throws -> Int {
            let n = try int(key)
            guard n >= 1 else { throw CelestaError(.parse, "'\(path).\(key)' is \(n); it must be a positive integer") }
            return n
        }
        func numbers(_ key: String, optional: Bool = false) throws -> [Double]? {
            guard let v = o[key], v != .null else {
                if optional { return nil }
                throw CelestaError(.parse, "'\(path).\(key)' is missing")
            }
            if case .object(let reference, _) = v {
                guard reference.count == 1, case .number(let k)? = reference["$array"], k == k.rounded(), k >= 0 else {
                    throw CelestaError(.parse, "'\(path).\(key)' must hold numbers or be {\"$array\": index}")
                }
                guard k < Double(arrays.count) else {
                    throw CelestaError(.outOfRange, "'\(path).\(key)' refers to array \(Int(k)), but \(arrays.count) arrays were given")
                }
                return arrays[Int(k)]
            }
            return try v.flatNumbers("\(path).\(key)")
        }
        func required(_ key: String) throws -> [Double] {
            guard let values = try numbers(key) else { throw CelestaError(.parse, "'\(path).\(key)' is missing") }
            return values
        }
        guard case .string(let type) = try field("type") else { throw CelestaError(.parse, "'\(path).type' must be a string") }
        switch type {
        case "Linear":
            return try Module.linear(weight: required("weight"), nIn: width("n_in"), nOut: width("n_out"))
        case "LIF":
            let nIn = try width("n_in"), nOut = try width("n_out")
            // A field of the wrong type is an error naming it (never silently its default).
            var hasRec = false
            switch o["has_rec"] {
            case .bool(let b)?: hasRec = b
            case nil, .null?: break
            default: throw CelestaError(.parse, "'\(path).has_rec' must be true or false")
            }
            var dt: Double? = nil
            switch o["dt"] {
            case .number(let d)?: dt = d
            case nil, .null?: break
            default: throw CelestaError(.parse, "'\(path).dt' must be a number")
            }
            return try Module.lif(
                nIn: nIn, nOut: nOut, tauMem: required("tau_mem"), tauSyn: required("tau_syn"),
                threshold: required("threshold"), bias: numbers("bias", optional: true) ?? Array(repeating: 0, count: nOut),
                wRec: hasRec ? required("w_rec") : nil, dt: dt)
        case "Residual":
            guard case .array(let inner) = try field("layers") else { throw CelestaError(.parse, "'\(path).layers' must be a list") }
            return try Module.residual(inner.enumerated().map { try module($0.element, "\(path).layers[\($0.offset)]", arrays) })
        default:
            throw CelestaError(.parse, "'\(path).type' is '\(type)'; expected Linear, LIF or Residual")
        }
    }
}
