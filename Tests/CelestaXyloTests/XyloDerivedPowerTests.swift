import CelestaIR
import CelestaXylo
import XCTest

/// Xylo v1's derived power model: the Xylo Audio 2 model's SNN-core rail, carried by v1's chip
/// record (no kit model), labelled as derived, and what the profile reports with it.
final class XyloDerivedPowerTests: XCTestCase {
    func testV1RecordCarriesAudio2sCoreRailAsDerived() throws {
        let (a2, a3, v1) = (ChipTable.xyloAudio2, ChipTable.xyloAudio3, ChipTable.xyloV1)
        XCTAssertNil(v1.powerModel)  // no dev kit: no kit model, so no virtual kit either
        let derived = try XCTUnwrap(v1.derivedPowerModel)
        XCTAssertEqual(derived.chipID, v1.id)
        let core = try XCTUnwrap(XyloPowerModel.xyloAudio2.rails.first { $0.name == "snn_core" })
        XCTAssertEqual(derived.rails, [core])
        XCTAssertEqual(v1.profilePowerModel, derived)
        XCTAssertEqual(a2.profilePowerModel, a2.powerModel)
        XCTAssertEqual(a3.profilePowerModel, a3.powerModel)
        XCTAssertNil(a2.derivedPowerModel)
        XCTAssertNil(a3.derivedPowerModel)
        XCTAssertNil(XyloPowerModel.xyloAudio2.derivation)
        XCTAssertNil(XyloPowerModel.xyloAudio3.derivation)
        let notes = try XCTUnwrap(derived.derivation)
        XCTAssertTrue(notes[0].hasPrefix("derived power model: no dev kit") && notes[0].contains("syns61300"), "\(notes)")
        XCTAssertTrue(notes.contains { $0.contains("Xylo Audio 2") && $0.contains("snn_core") }, "\(notes)")
        // A kit still refuses v1 (the kit model is the dev kit's only).
        XCTAssertThrowsError(try XyloPowerModel.model(for: v1)) { XCTAssertEqual(($0 as? CelestaError)?.code, .unsupported) }
        // Activity for activity, the derived rail gives what Audio 2's core rail gives.
        var activity = XyloActivity()
        activity.steps = 100
        activity.inputEvents = 37
        activity.synapticEvents = 1234
        activity.neuronUpdates = 800
        activity.spikes = 90
        let a2Watts = XyloPowerModel.xyloAudio2.power(activity, seconds: 0.1, clockHertz: 2.5e6)
        let v1Watts = derived.power(activity, seconds: 0.1, clockHertz: 2.5e6)
        XCTAssertEqual(v1Watts, [a2Watts[3]])
        XCTAssertGreaterThan(v1Watts[0], core.staticWatts)
    }

    /// in 3 -> Affine 6x3 -> LIF 6 -> Affine 2x6 -> LIF 2 -> out, no bias: the two cores run
    /// it alike, so v1's profile equals Audio 2's cycle figures and core rail.
    func testProfileOfV1EqualsAudio2sCoreOnTheSameRun() throws {
        var g = try IRGraph()
        func t(_ v: [Float], _ shape: [Int]) throws -> IRValue { .tensor(try Tensor(float32: v, shape: shape)) }
        func lif(_ n: Int) throws -> IRDict {
            ["tau": try t(.init(repeating: 8, count: n), [n]), "r": try t(.init(repeating: 8, count: n), [n]),
             "v_leak": try t(.init(repeating: 0, count: n), [n]), "v_threshold": try t(.init(repeating: 1, count: n), [n])]
        }
        let w1 = (0..<18).map { 0.2 + 0.04 * Float($0) }, w2 = (0..<12).map { 0.3 + 0.05 * Float($0) }
        try g.add(try IRNode.make(name: "in", type: "Input", fields: IRDict(), inputType: PortShapes("input", [3])))
        try g.add(try IRNode.make(name: "fc", type: "Affine", fields: ["weight": try t(w1, [6, 3]), "bias": try t(.init(repeating: 0, count: 6), [6])]))
        try g.add(try IRNode.make(name: "lif", type: "LIF", fields: try lif(6)))
        try g.add(try IRNode.make(name: "fc2", type: "Affine", fields: ["weight": try t(w2, [2, 6]), "bias": try t([0, 0], [2])]))
        try g.add(try IRNode.make(name: "lif2", type: "LIF", fields: try lif(2)))
        try g.add(try IRNode.make(name: "out", type: "Output", fields: IRDict(), outputType: PortShapes("output", [2])))
        for (a, b) in [("in", "fc"), ("fc", "lif"), ("lif", "fc2"), ("fc2", "lif2"), ("lif2", "out")] { g.connect(a, b) }
        let events = BackendArray(shape: [40, 3], values: (0..<120).map { Float(($0 * 7) % 4) })
        var o = BackendProfileOptions()
        o.dt = 1
        let v1 = try XyloBackend(chip: ChipTable.xyloV1).profile(g, inputs: ["in": events], options: o)
        let a2 = try XyloBackend(chip: ChipTable.xyloAudio2).profile(g, inputs: ["in": events], options: o)
        XCTAssertEqual(v1.energySource, "derived power model")
        XCTAssertEqual(v1.latencySource, "derived cycle model")
        XCTAssertEqual(a2.energySource, "power model")
        XCTAssertEqual(v1.spikeCounts.map { $0.1 }, a2.spikeCounts.map { $0.1 })
        XCTAssertGreaterThan(v1.spikeCounts[0].1, 0)
        XCTAssertEqual(v1.cyclesPerStep, a2.cyclesPerStep)
        XCTAssertEqual(v1.clockHz, a2.clockHz)
        XCTAssertEqual(v1.powerWatts.map { $0.0 }, ["snn_core"])
        XCTAssertEqual(v1.powerWatts[0].1, try XCTUnwrap(a2.powerWatts.first { $0.0 == "snn_core" }).1)
        XCTAssertEqual(v1.energyEstimateUJ, v1.powerWatts[0].1 * 40 * 1e6, accuracy: 1e-9 * v1.energyEstimateUJ)
        XCTAssertTrue(v1.modelNotes.contains { $0.hasPrefix("derived cycle model") })
        XCTAssertTrue(v1.modelNotes.contains { $0.hasPrefix("derived power model") })
        XCTAssertFalse(v1.modelNotes.contains { $0.hasPrefix("power unavailable") })
        XCTAssertEqual(a2.modelNotes, [])
    }
}
