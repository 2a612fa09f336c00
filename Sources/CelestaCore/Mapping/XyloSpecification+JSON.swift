import FoundationEssentials

/// JSON form of a real-valued specification, with Rockpool's keys (`weights_in` as
/// `[n_in][n_ien][n_syn]`, ...) plus `chip` and the dimensions. Used by `celesta xylo map`
/// and `celesta xylo quantize`.
extension XyloSpecification {
    public func jsonData() throws -> Data {
        func rows(_ v: [Double], _ width: Int) -> [[Double]] {
            width == 0 ? [] : stride(from: 0, to: v.count, by: width).map { Array(v[$0..<($0 + width)]) }
        }
        func cube(_ v: [Double], _ d2: Int, _ d3: Int) -> [[[Double]]] {
            rows(v, d2 * d3).map { rows($0, d3) }
        }
        var object: [String: AnyEncodable] = [
            "chip": .init(chipID), "n_in": .init(nIn), "n_hidden": .init(nHidden), "n_out": .init(nOut),
            "n_syn": .init(nSyn), "n_ien": .init(nIEN), "n_oen": .init(nOEN),
            "weights_in": .init(cube(weightsIn, nIEN, nSyn)), "weights_rec": .init(cube(weightsRec, nHidden, nSyn)),
            "weights_out": .init(rows(weightsOut, nOut)),
            "weight_shift_in": .init(weightShiftIn), "weight_shift_rec": .init(weightShiftRec),
            "weight_shift_out": .init(weightShiftOut), "aliases": .init(aliases), "dt": .init(dt),
        ]
        for (key, value) in [("dash_mem", dashMem), ("dash_syn", dashSyn), ("dash_syn_2", dashSyn2),
                             ("threshold", threshold), ("bias", bias), ("dash_mem_out", dashMemOut),
                             ("dash_syn_out", dashSynOut), ("threshold_out", thresholdOut), ("bias_out", biasOut)] {
            object[key] = .init(value)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(object)
    }

    public static func fromJSON(_ data: Data, name: String = "specification") throws -> XyloSpecification {
        let value: JSONValue
        do { value = try JSONDecoder().decode(JSONValue.self, from: data) } catch {
            throw CelestaError(.parse, "'\(name)' is not valid JSON")
        }
        guard case .object(let o) = value else { throw CelestaError(.parse, "'\(name)' is not a JSON object") }
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
        if case .array(let list)? = o["aliases"] {
            aliases = try list.map { entry in try entry.flatNumbers("aliases").map { Int($0) } }
        }
        let dashMem = try nums("dash_mem")
        var dt = 1e-3
        if case .number(let d)? = o["dt"] { dt = d }
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

/// A type-erased encodable value (for the mixed-type JSON objects above).
struct AnyEncodable: Encodable {
    let encodeValue: (Encoder) throws -> Void
    init<T: Encodable>(_ value: T) { encodeValue = { try value.encode(to: $0) } }
    func encode(to encoder: Encoder) throws { try encodeValue(encoder) }
}
