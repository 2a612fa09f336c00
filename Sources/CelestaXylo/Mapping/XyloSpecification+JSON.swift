import CelestaIR
import FoundationEssentials

/// JSON form of a real-valued specification, with Rockpool's keys (`weights_in` as
/// `[n_in][n_ien][n_syn]`, ...) plus `chip` and the dimensions. Used by `celesta xylo map`
/// and `celesta xylo quantize`.
extension XyloSpecification {
    public func jsonData() throws -> Data {
        var w = JSONWriter()
        w.field("chip") { $0.string(chipID) }
        for (key, value) in [("n_in", nIn), ("n_hidden", nHidden), ("n_out", nOut), ("n_syn", nSyn), ("n_ien", nIEN),
                             ("n_oen", nOEN), ("weight_shift_in", weightShiftIn), ("weight_shift_rec", weightShiftRec),
                             ("weight_shift_out", weightShiftOut)] {
            w.field(key) { $0.int(value) }
        }
        w.field("weights_in") { $0.doubles(weightsIn, shape: [nIn, nIEN, nSyn]) }
        w.field("weights_rec") { $0.doubles(weightsRec, shape: [nHidden, nHidden, nSyn]) }
        w.field("weights_out") { $0.doubles(weightsOut, shape: [nOEN, nOut]) }
        for (key, value) in [("dash_mem", dashMem), ("dash_syn", dashSyn), ("dash_syn_2", dashSyn2),
                             ("threshold", threshold), ("bias", bias), ("dash_mem_out", dashMemOut),
                             ("dash_syn_out", dashSynOut), ("threshold_out", thresholdOut), ("bias_out", biasOut)] {
            w.field(key) { $0.doubles(value, shape: [value.count]) }
        }
        w.field("aliases") { $0.intLists(aliases) }
        w.field("dt") { $0.double(dt) }
        return w.objectData()
    }

    public static func fromJSON(_ data: Data, name: String = "specification") throws -> XyloSpecification {
        let value = try JSONParser.parse([UInt8](data), name: name)
        guard case .object(let o, _) = value else { throw CelestaError(.parse, "'\(name)' is not a JSON object") }
        func nums(_ key: String) throws -> [Double] {
            guard let v = o[key] else { throw CelestaError(.parse, "'\(name)' lacks '\(key)'") }
            return try v.flatNumbers(key)
        }
        func int(_ key: String, _ fallback: Int? = nil) throws -> Int {
            if case .number(let d)? = o[key], d == d.rounded(), abs(d) < 1e9 { return Int(d) }
            if let fallback, o[key] == nil { return fallback }
            throw CelestaError(.parse, "'\(name).\(key)' must be an integer")
        }
        var chip = ""
        if case .string(let s)? = o["chip"] { chip = s }
        var aliases: [[Int]] = []
        if let list = o["aliases"]?.elements {
            aliases = try list.enumerated().map { k, entry in
                try entry.flatNumbers("aliases").map { d in
                    // An alias is a neuron index: an integer that Int holds (never a trap).
                    guard d == d.rounded(), abs(d) < 1e9 else {
                        throw CelestaError(.parse, "'\(name).aliases[\(k)]' holds \(d), which is not a neuron index (an integer)")
                    }
                    return Int(d)
                }
            }
        }
        let dashMem = try nums("dash_mem")
        var dt = 1e-3
        switch o["dt"] {
        case .number(let d)?: dt = d
        case nil, .null?: break
        default: throw CelestaError(.parse, "'\(name).dt' must be a number")
        }
        return try XyloSpecification(
            chipID: chip, nIn: int("n_in"), nHidden: int("n_hidden", dashMem.count), nOut: int("n_out"),
            nSyn: int("n_syn", 1), nIEN: int("n_ien"), nOEN: int("n_oen"),
            weightsIn: nums("weights_in"), weightsRec: nums("weights_rec"), weightsOut: nums("weights_out"),
            dashMem: dashMem, dashSyn: nums("dash_syn"), dashSyn2: nums("dash_syn_2"), threshold: nums("threshold"),
            bias: nums("bias"), dashMemOut: nums("dash_mem_out"), dashSynOut: nums("dash_syn_out"),
            thresholdOut: nums("threshold_out"), biasOut: nums("bias_out"),
            weightShiftIn: int("weight_shift_in", 0), weightShiftRec: int("weight_shift_rec", 0),
            weightShiftOut: int("weight_shift_out", 0),
            aliases: aliases.isEmpty ? Array(repeating: [], count: dashMem.count) : aliases, dt: dt)
    }
}

