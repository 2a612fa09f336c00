import CelestaIR
import Foundation
import XCTest

/// Builds IR graphs from the reference graph files (`celesta.talon.graph/1`) and compares them
/// with the reference cases' expectations.
enum TalonGraphFile {
    /// The graph of `talon/graphs/<name>.graph.json`, nodes in the order TALON built them.
    static func load(_ name: String, mode: IRMode = .celesta) throws -> IRGraph {
        try graph(try IRFixtures.object("talon/graphs/\(name).graph.json"), mode: mode)
    }

    static func graph(_ doc: [String: Any], mode: IRMode = .celesta) throws -> IRGraph {
        var g = try IRGraph()
        for n in doc["nodes"] as! [[String: Any]] {
            var fields = IRDict()
            let given = n["fields"] as! [String: Any]
            for key in given.keys.sorted() { fields[key] = try value(given[key]!) }
            try g.add(try IRNode.make(
                name: n["name"] as! String, type: n["type"] as! String, fields: fields,
                inputType: ports(n["input_type"]), outputType: ports(n["output_type"]), mode: mode))
        }
        for e in doc["edges"] as! [[String]] { g.connect(e[0], e[1]) }
        g.allowCycles = doc["allow_cycles"] as? Bool ?? false
        if let m = doc["metadata"] as? [String: Any] { g.metadata = try dict(m) }
        if let c = doc["cyclic_config"] as? [String: Any] { g.settings["cyclic_config"] = .dict(try dict(c)) }
        return g
    }

    static func ports(_ v: Any?) -> PortShapes? {
        guard let d = v as? [String: Any], !d.isEmpty else { return nil }
        return PortShapes(d.keys.sorted().map { PortShapes.Port($0, (d[$0] as! [Any]).map { ($0 as! NSNumber).intValue }) })
    }

    static func dict(_ d: [String: Any]) throws -> IRDict {
        var out = IRDict()
        for k in d.keys.sorted() { out[k] = try plain(d[k]!) }
        return out
    }

    /// A field: an array object (with `b64`) or `{"value", "python_type"}`.
    static func value(_ v: Any) throws -> IRValue {
        let o = v as! [String: Any]
        if let b64 = o["b64"] as? String {
            let shape = (o["shape"] as! [Any]).map { ($0 as! NSNumber).intValue }
            return .tensor(try Tensor(dtype: DType(numpy: o["dtype"] as! String)!, shape: shape, bytes: [UInt8](Data(base64Encoded: b64)!)))
        }
        let raw = o["value"]!
        switch o["python_type"] as? String {
        case "tuple": return .tuple(try (raw as! [Any]).map(plain))
        case "list": return .list(try (raw as! [Any]).map(plain))
        case "float": return .float((raw as! NSNumber).doubleValue)
        case "int": return .int((raw as! NSNumber).intValue)
        case "bool": return .bool(raw as! Bool)
        default: return try plain(raw)
        }
    }

    static func plain(_ v: Any) throws -> IRValue {
        switch v {
        case let s as String: return .string(s)
        case let n as NSNumber:
            if String(describing: type(of: v)).contains("Bool") { return .bool(n.boolValue) }
            if n.stringValue.contains(".") || n.stringValue.contains("e") { return .float(n.doubleValue) }
            return .int(n.intValue)
        case let a as [Any]: return .list(try a.map(plain))
        case let d as [String: Any]: return .dict(try dict(d))
        default: return .none
        }
    }

    /// `{"input": [..]}` as the cases print port shapes (nil as {}).
    static func printed(_ p: PortShapes?) -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        for port in p?.ports ?? [] { out[port.name] = port.shape }
        return out
    }

    static func printed(_ v: Any?) -> [String: [Int]] {
        guard let d = v as? [String: Any] else { return [:] }
        return d.mapValues { ($0 as! [Any]).map { ($0 as! NSNumber).intValue } }
    }
}
