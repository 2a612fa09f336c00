import CelestaIR
import CelestaXylo
import Foundation
import XCTest

/// Reads the Xylo reference vectors in Tests/Fixtures/xylo.
enum ReferenceCases {
    static var folder: URL { Fixtures.root.appendingPathComponent("xylo") }

    static func names(category: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.contains("_\(category)_") && $0.hasSuffix(".json") }
            .map { String($0.dropLast(5)) }
            .sorted()
    }

    /// Parsed fixtures, kept for the whole test run: the large vectors take seconds to parse
    /// and several test classes read them. (XCTest runs the tests one at a time.)
    nonisolated(unsafe) private static var parsed: [String: [String: Any]] = [:]

    static func json(_ name: String) throws -> [String: Any] {
        if let doc = parsed[name] { return doc }
        let data = try Data(contentsOf: folder.appendingPathComponent(name + ".json"))
        let doc = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        parsed[name] = doc
        return doc
    }

    /// A reference `config` object as a configuration for `chip`.
    static func config(_ object: Any, chip: String) throws -> XyloConfig {
        var dict = object as! [String: Any]
        dict["chip"] = chip
        let data = try JSONSerialization.data(withJSONObject: dict)
        return try XyloConfig.fromJSON(data)
    }

    static func ints(_ value: Any?) -> [Int] {
        guard let rows = value as? [Any] else { return [] }
        return rows.flatMap { row -> [Int] in
            if let r = row as? [Any] { return r.map { ($0 as! NSNumber).intValue } }
            return [(row as! NSNumber).intValue]
        }
    }

    /// Compares every recorded array of `expected` with `result`, value by value.
    static func assertEqualRecords(
        _ result: XyloSimulationResult, _ expected: [String: Any], _ label: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let pairs: [(String, [Int32])] = [
            ("spikes_out", result.spikesOut), ("Vmem", result.vmem), ("Isyn", result.isyn),
            ("Isyn2", result.isyn2), ("Spikes", result.spikes), ("Vmem_out", result.vmemOut),
            ("Isyn_out", result.isynOut), ("hibernation", result.hibernation),
        ]
        var checked = 0
        for (key, actual) in pairs {
            guard let raw = expected[key] else { continue }
            let want = ints(raw)
            checked += 1
            if want.map(Int32.init) != actual {
                let first = zip(want, actual).enumerated().first { $0.element.0 != Int($0.element.1) }
                let width = key.hasSuffix("_out") ? result.nOut : (key == "hibernation" ? 1 : result.nHidden)
                let detail = first.map {
                    "first difference at step \($0.offset / max(width, 1)) index \($0.offset % max(width, 1)): expected \($0.element.0), got \($0.element.1)"
                } ?? "lengths \(want.count) vs \(actual.count)"
                XCTFail("\(label) \(key): \(detail)", file: file, line: line)
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 7, "\(label): records compared", file: file, line: line)
    }
}
