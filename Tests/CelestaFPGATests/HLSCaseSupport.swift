import CelestaIR
import CelestaFPGA
import Foundation
import XCTest

/// One shared hls4ml reference case (Tests/Fixtures/hls4ml/S*.json).
struct HLSCase {
    let id: String
    let root: [String: JSONValue]

    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/hls4ml")

    static func all() throws -> [HLSCase] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix("S") && $0.hasSuffix(".json") }.sorted()
        return try files.map { try HLSCase(file: $0) }
    }

    init(file: String) throws {
        let bytes = try [UInt8](Data(contentsOf: HLSCase.directory.appendingPathComponent(file)))
        guard case .object(let m, _) = try JSONParser.parse(bytes, name: file) else { throw CelestaError(.parse, file) }
        root = m
        id = String(file.dropLast(5))
    }

    subscript(_ key: String) -> JSONValue { root[key] ?? .null }

    func model() throws -> HLSModel { try HLSModel.fromLayers(self["layers"], config: self["hls4ml_config"]) }

    var layerDicts: [[String: JSONValue]] {
        (self["layers"].elements ?? []).map { if case .object(let m, _) = $0 { return m }; return [:] }
    }

    func rows(_ v: JSONValue) -> [[Double]] {
        (v.elements ?? []).map { (try? $0.flatNumbers("row")) ?? [] }
    }

    var input: [[Double]] { rows(self["input"]) }

    /// expected.<which>: (output, layer -> key -> [T][n]).
    func expected(_ which: String) -> (output: [[Double]], layers: [String: [String: [[Double]]]]) {
        let e = JSONValue.member(JSONValue.member(self["expected"], which), "output")
        var layers: [String: [String: [[Double]]]] = [:]
        if case .object(let m, _) = JSONValue.member(JSONValue.member(self["expected"], which), "layers") {
            for (name, v) in m {
                if case .object(let keys, _) = v {
                    layers[name] = keys.mapValues { rows($0) }
                }
            }
        }
        return (rows(e), layers)
    }
}

extension JSONValue {
    static func member(_ v: JSONValue, _ key: String) -> JSONValue {
        if case .object(let m, _) = v { return m[key] ?? .null }
        return .null
    }
}

/// Compares two `[T][n]` arrays exactly; returns the first difference.
func firstDifference(_ got: [[Double]], _ want: [[Double]]) -> String? {
    if got.count != want.count { return "\(got.count) steps, expected \(want.count)" }
    for t in 0..<got.count {
        if got[t].count != want[t].count { return "step \(t): \(got[t].count) values, expected \(want[t].count)" }
        for i in 0..<got[t].count where got[t][i] != want[t][i] {
            return "step \(t) [\(i)]: \(got[t][i]), expected \(want[t][i])"
        }
    }
    return nil
}
