import CelestaIR
import Foundation
import XCTest

/// The analyses from one `GraphScan` (what the C ABI keeps per graph handle): the JSON written
/// straight from the nodes equals the JSON of the `GraphStats` route, the profile from the scan
/// equals the profile from the statistics, and the JSON writer's numbers are exact.
final class GraphScanTests: XCTestCase {
    static let graphs = ["conv_snn", "kitchen_sink", "mlp_784_128_10", "mlp_seed_backend", "recurrent_lif", "skip_mixed"]

    func testTheScanRouteEqualsTheStatisticsRoute() throws {
        for name in Self.graphs {
            for mode in [IRMode.celesta, .talon] {
                let g = try TalonGraphFile.load(name, mode: mode)
                let scan = GraphScan(g)
                let stats = GraphAnalysis.analyze(g, mode: mode)
                let what = "\(name) \(mode)"
                // Layers written from the nodes as they are read, and from LayerStats.
                XCTAssertEqual(String(decoding: AnalysisJSON.statsBytes(g, scan: scan, mode: mode, layers: true), as: UTF8.self),
                               AnalysisJSON.stats(stats), what)
                XCTAssertEqual(AnalysisJSON.statsBytes(g, scan: scan, mode: mode, layers: false), AnalysisJSON.statsBytes(stats, layers: false), what)
                XCTAssertEqual(GraphAnalysis.analyze(g, scan: scan, mode: mode), stats, what)
                XCTAssertTrue(GraphAnalysis.analyze(g, scan: scan, mode: mode, layers: false).layers.isEmpty, what)
                // The profile from the scan and from the statistics' layers.
                let fromStats = Result { try HardwareProfiling.profile(stats, mode: mode) }
                let fromScan = Result { try HardwareProfiling.profile(g, scan: scan, mode: mode) }
                switch (fromStats, fromScan) {
                case (.success(let a), .success(let b)): XCTAssertEqual(a, b, what)
                case (.failure(let a), .failure(let b)): XCTAssertEqual((a as? CelestaError)?.message, (b as? CelestaError)?.message, what)
                default: XCTFail("\(what): \(fromStats) vs \(fromScan)")
                }
                // One scan serves every call (lint twice, with and without strict).
                XCTAssertEqual(GraphLint.lint(g, scan: scan, mode: mode), GraphLint.lint(g, mode: mode), what)
                XCTAssertEqual(GraphLint.lint(g, scan: scan, strict: true, mode: mode), GraphLint.lint(g, strict: true, mode: mode), what)
            }
        }
    }

    /// Integers at the ends of Int's range, and floats repeated and alternated (the writer
    /// keeps the last float's text), as Python's json.dumps writes them.
    func testJSONNumbers() throws {
        var p = HardwareProfile()
        p.weightMemory = Int.min
        p.activationMemory = Int.max
        p.stateMemory = -1
        p.totalMemory = 10
        p.macOps = 9
        p.spikeOps = -10
        let text = AnalysisJSON.profile(p)
        XCTAssertTrue(text.hasPrefix(
            "{\"weight_memory\": -9223372036854775808, \"activation_memory\": 9223372036854775807, \"state_memory\": -1, "
                + "\"total_memory\": 10, \"mac_ops\": 9, \"spike_ops\": -10, \"total_ops\": 0,"), text)
        var g = try IRGraph()
        let taus: [Float] = [1, 1, 0.1, 0.1, 1, 10]
        for (i, tau) in taus.enumerated() {
            let lif: IRDict = [
                "tau": .tensor(try Tensor(float32: [tau, tau])), "r": .tensor(try Tensor(float32: [1, 1])),
                "v_leak": .tensor(try Tensor(float32: [0, 0])), "v_threshold": .tensor(try Tensor(float32: [2, 2])),
            ]
            try g.add(try IRNode.make(name: "lif\(i)", type: "LIF", fields: lif))
        }
        let json = String(decoding: AnalysisJSON.statsBytes(g, scan: GraphScan(g), mode: .celesta, layers: true), as: UTF8.self)
        XCTAssertEqual(json, AnalysisJSON.stats(GraphAnalysis.analyze(g)))
        let written = json.components(separatedBy: "\"config\": ").dropFirst().map { String($0.prefix { $0 != "}" }) + "}" }
        XCTAssertEqual(written, ["1.0", "1.0", "0.10000000149011612", "0.10000000149011612", "1.0", "10.0"].map { "{\"tau_mean\": \($0), \"threshold\": 2.0}" })
    }

    /// A port shape whose element count overflows Int: the analyses wrap as numpy's int64
    /// products do instead of trapping.
    func testHugePortShapes() throws {
        var g = try IRGraph()
        let huge = [1 << 62, 3]
        try g.add(IRNode(name: "x", type: "Input", fields: IRDict(), inputType: PortShapes("input", huge), outputType: PortShapes("output", huge)))
        try g.add(IRNode(name: "y", type: "Output", fields: IRDict(), inputType: PortShapes("input", huge), outputType: PortShapes("output", huge)))
        g.connect("x", "y")
        let p = try HardwareProfiling.profile(g)
        XCTAssertEqual(p.activationMemory, max(0, huge.reduce(1, &*) &* 4))
        XCTAssertEqual(GraphAnalysis.analyze(g).outputShapes, [huge])
        XCTAssertEqual(GraphLint.lint(g).issues.map(\.code), [])
    }
}
