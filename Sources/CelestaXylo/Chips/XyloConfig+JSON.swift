import CelestaIR
import FoundationEssentials

/// JSON form of a configuration: the keys and nested shapes of the Xylo reference vectors'
/// `config` objects (`n_in`, `weights_in` as `[n_in][n_ien][n_syn]`, `bias: null`, ...), plus
/// `chip`. A file written by `save` loads back equal. (Writing goes through `JSONWriter`, which
/// is fast on large arrays; reading through `Decodable`.)
extension XyloConfig: Decodable {
    enum Keys: String, CodingKey {
        case chip, n_in, n_hidden, n_out, n_syn, n_ien, n_oen, oen_offset, has_bias
        case weights_in, weights_rec, weights_out, dash_mem, dash_syn, dash_syn_2, threshold, bias
        case dash_mem_out, dash_syn_out, threshold_out, bias_out
        case weight_shift_in, weight_shift_rec, weight_shift_out, aliases, dt
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let wIn = try c.decode([[[Int]]].self, forKey: .weights_in)
        let wRec = try c.decode([[[Int]]].self, forKey: .weights_rec)
        let wOut = try c.decode([[Int]].self, forKey: .weights_out)
        let nIn = try c.decodeIfPresent(Int.self, forKey: .n_in) ?? wIn.count
        let nHidden = try c.decodeIfPresent(Int.self, forKey: .n_hidden) ?? wRec.count
        let nSyn = try c.decodeIfPresent(Int.self, forKey: .n_syn) ?? (wRec.first?.first?.count ?? 1)
        let dashMemOut = try c.decode([Int].self, forKey: .dash_mem_out)
        let nOut = try c.decodeIfPresent(Int.self, forKey: .n_out) ?? dashMemOut.count
        func flat3(_ name: String, _ a: [[[Int]]], _ d1: Int, _ d2: Int, _ d3: Int) throws -> [Int] {
            guard a.count == d1, a.allSatisfy({ $0.count == d2 && $0.allSatisfy { $0.count == d3 } }) else {
                throw CelestaError(.shapeMismatch, "'\(name)' is not shaped [\(d1)][\(d2)][\(d3)]")
            }
            return a.flatMap { $0.flatMap { $0 } }
        }
        func flat2(_ name: String, _ a: [[Int]], _ d1: Int, _ d2: Int) throws -> [Int] {
            guard a.count == d1, a.allSatisfy({ $0.count == d2 }) else {
                throw CelestaError(.shapeMismatch, "'\(name)' is not shaped [\(d1)][\(d2)]")
            }
            return a.flatMap { $0 }
        }
        let nIEN = try c.decodeIfPresent(Int.self, forKey: .n_ien) ?? (wIn.first?.count ?? nHidden)
        let nOEN = try c.decodeIfPresent(Int.self, forKey: .n_oen) ?? wOut.count
        try self.init(
            chipID: try c.decodeIfPresent(String.self, forKey: .chip) ?? "",
            nIn: nIn, nHidden: nHidden, nOut: nOut, nSyn: nSyn, nIEN: nIEN, nOEN: nOEN,
            weightsIn: try flat3("weights_in", wIn, nIn, nIEN, nSyn),
            weightsRec: try flat3("weights_rec", wRec, nHidden, nHidden, nSyn),
            weightsOut: try flat2("weights_out", wOut, nOEN, nOut),
            dashMem: try c.decode([Int].self, forKey: .dash_mem),
            dashSyn: try c.decode([Int].self, forKey: .dash_syn),
            dashSyn2: try c.decodeIfPresent([Int].self, forKey: .dash_syn_2),
            threshold: try c.decode([Int].self, forKey: .threshold),
            bias: try c.decodeIfPresent([Int].self, forKey: .bias),
            dashMemOut: dashMemOut,
            dashSynOut: try c.decode([Int].self, forKey: .dash_syn_out),
            thresholdOut: try c.decode([Int].self, forKey: .threshold_out),
            biasOut: try c.decodeIfPresent([Int].self, forKey: .bias_out),
            weightShiftIn: try c.decodeIfPresent(Int.self, forKey: .weight_shift_in) ?? 0,
            weightShiftRec: try c.decodeIfPresent(Int.self, forKey: .weight_shift_rec) ?? 0,
            weightShiftOut: try c.decodeIfPresent(Int.self, forKey: .weight_shift_out) ?? 0,
            aliases: try c.decodeIfPresent([[Int]].self, forKey: .aliases),
            dt: try c.decodeIfPresent(Double.self, forKey: .dt) ?? 1e-3,
            biasEnabled: try c.decodeIfPresent(Bool.self, forKey: .has_bias))
    }

    /// The configuration as JSON text (keys sorted, so equal configurations give equal text).
    public func jsonData() throws -> Data {
        var w = JSONWriter()
        w.field("chip") { $0.string(chipID) }
        for (key, value) in [("n_in", nIn), ("n_hidden", nHidden), ("n_out", nOut), ("n_syn", nSyn), ("n_ien", nIEN),
                             ("n_oen", nOEN), ("oen_offset", oenOffset), ("weight_shift_in", weightShiftIn),
                             ("weight_shift_rec", weightShiftRec), ("weight_shift_out", weightShiftOut)] {
            w.field(key) { $0.int(value) }
        }
        w.field("has_bias") { $0.bool(biasEnabled) }
        w.field("weights_in") { $0.ints(weightsIn, shape: [nIn, nIEN, nSyn]) }
        w.field("weights_rec") { $0.ints(weightsRec, shape: [nHidden, nHidden, nSyn]) }
        w.field("weights_out") { $0.ints(weightsOut, shape: [nOEN, nOut]) }
        for (key, value) in [("dash_mem", dashMem), ("dash_syn", dashSyn), ("dash_syn_2", dashSyn2),
                             ("threshold", threshold), ("dash_mem_out", dashMemOut), ("dash_syn_out", dashSynOut),
                             ("threshold_out", thresholdOut)] {
            w.field(key) { $0.ints(value, shape: [value.count]) }
        }
        for (key, value) in [("bias", bias), ("bias_out", biasOut)] {
            w.field(key) { w in if let value { w.ints(value, shape: [value.count]) } else { w.null() } }
        }
        w.field("aliases") { $0.intLists(aliases) }
        w.field("dt") { $0.double(dt) }
        return w.objectData()
    }

    /// Parses a configuration from JSON; errors name the key that is missing or malformed.
    public static func fromJSON(_ data: Data) throws -> XyloConfig {
        do {
            return try JSONDecoder().decode(XyloConfig.self, from: data)
        } catch let e as CelestaError {
            throw e
        } catch let DecodingError.keyNotFound(key, _) {
            throw CelestaError(.parse, "configuration JSON lacks the key '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx) {
            let path = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            throw CelestaError(.parse, "configuration JSON: '\(path.drop { $0 == "." })' has the wrong type: \(ctx.debugDescription)")
        } catch {
            throw CelestaError(.parse, "configuration JSON is malformed: \(error)")
        }
    }

    /// Writes the configuration to `path` atomically.
    public func save(to path: String) throws {
        try AtomicFile.write(try jsonData(), to: path)
    }

    /// Reads a configuration written by `save` (or a reference vector's `config` object).
    public static func load(from path: String) throws -> XyloConfig {
        try fromJSON(try AtomicFile.read(path))
    }
}
