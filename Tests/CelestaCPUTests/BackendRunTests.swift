import CelestaCPU
import CelestaIR
import XCTest

/// The engine's profile (README §15) and run (§16): the per-operation cost model, the
/// measured latency, TALON's counting, run()'s errors and energy formula, and the pipeline.
final class BackendRunTests: XCTestCase {
    struct Mute: Backend {
        var name: String { "mute-test" }
        var summary: String { "validates only" }
        var primitives: Set<String> { ["Input", "Output", "Affine", "LIF"] }
        func validate(_ graph: IRGraph) -> BackendValidation { BackendValidation() }
    }

    /// Input 3 -> Affine 2x3 (+ bias) -> LIF 2 -> Output, weights that make the LIF fire.
    func mlp() -> IRGraph {
        var m = GraphMaker()
        m.input("in", [3])
        m.node("fc", "Affine", ["weight": GraphMaker.t([1, 1, 1, 0.5, 0.5, 0.5], [2, 3]), "bias": GraphMaker.t([0, 0])], from: ["in"])
        m.node("lif", "LIF", ["tau": GraphMaker.t([2, 2]), "r": GraphMaker.t([1, 1]), "v_leak": GraphMaker.t([0, 0]),
                              "v_threshold": GraphMaker.t([1, 1])], from: ["fc"])
        m.output("out", [2], from: "lif")
        return m.graph
    }

    func registry() -> BackendRegistry {
        let r = BackendRegistry()
        CPUBackend.register(in: r)
        r.register(Mute())
        return r
    }

    func testPresetsAreTALONsAndAnUnknownOneNamesTheKnown() throws {
        XCTAssertEqual(EnergyPreset.all.map(\.name), ["45nm_cmos", "28nm_cmos", "neuromorphic_int8", "zynq_us_plus", "zcu102", "zynq_7020"])
        XCTAssertEqual(try EnergyPreset.named("zcu102").macPJ, 3.2)
        XCTAssertThrowsError(try EnergyPreset.named("7nm")) { e in
            XCTAssertEqual((e as? CelestaError)?.code, .notFound)
            XCTAssertTrue("\(e)".contains("Available: ['28nm_cmos', '45nm_cmos'"), "\(e)")
        }
        var o = BackendProfileOptions()
        o.energyPreset = "zcu102"
        o.sramWritePJ = 1
        let c = try o.coefficients()
        XCTAssertEqual([c.mac, c.spike, c.read, c.write], [3.2, 0.7, 4.0, 1.0])
    }

    func testProfileCountsMACsMemoryAndPricesThem() throws {
        let g = mlp()
        var o = BackendProfileOptions()
        o.nSteps = 4
        let p = try CPUBackend().profile(g, inputs: ["in": BackendArray(shape: [3], values: [1, 1, 1])], options: o)
        XCTAssertEqual(p.latencySource, "measured")
        XCTAssertTrue(p.energyIsEstimate)
        XCTAssertEqual(p.macOps, 4 * 6)
        XCTAssertEqual(p.weightMemoryBytes, 4 * 8)   // weight + bias
        XCTAssertEqual(p.stateMemoryBytes, 4 * 8)    // tau, r, v_leak, v_threshold
        let spikes = p.spikeCounts.first { $0.0 == "lif" }?.1 ?? 0
        XCTAssertGreaterThan(spikes, 0)
        // neuromorphic_int8: MACs x 4.6 + spikes x 0.9 + (weight words + LIF traffic) x 5 + LIF traffic x 5
        let traffic = 2 * 4
        let expected = (Double(24) * 4.6 + Double(spikes) * 0.9 + Double(8 + traffic) * 5.0 + Double(traffic) * 5.0) / 1e6
        XCTAssertEqual(p.energyEstimateUJ, expected, accuracy: 1e-15)
        XCTAssertEqual(p.perCoreEnergyUJ.map(\.0), [0])
        XCTAssertGreaterThan(p.totalLatencyUS, 0)
        // A per-primitive energy replaces the preset's for that primitive only.
        o.perOperationPJ = ["Affine": 0]
        let free = try CPUBackend().profile(g, inputs: ["in": BackendArray(shape: [3], values: [1, 1, 1])], options: o)
        XCTAssertEqual(free.macEnergyUJ, 0)
        o.talonCompatible = true
        XCTAssertThrowsError(try CPUBackend().profile(g, inputs: nil, options: o)) { e in
            XCTAssertEqual((e as? CelestaError)?.code, .invalidArgument)
        }
    }

    func testTALONsCountIgnoresTheConvolutionsSpatialSize() throws {
        var m = GraphMaker()
        m.input("in", [1, 4, 4])
        m.node("conv", "Conv2d", ["weight": GraphMaker.t([Float](repeating: 0.1, count: 18), [2, 1, 3, 3]), "bias": GraphMaker.t([0, 0]),
                                  "padding": .int(1)], from: ["in"])
        m.output("out", [2, 4, 4], from: "conv")
        let conv = m.graph.node("conv")!
        XCTAssertEqual(ProfileCosts.talonMACs(conv), 18)
        var talon = BackendProfileOptions()
        talon.talonCompatible = true
        let x = BackendArray(shape: [1, 4, 4], values: [Float](repeating: 1, count: 16))
        let p = try CPUBackend().profile(m.graph, inputs: ["in": x], options: BackendProfileOptions())
        XCTAssertEqual(p.macOps, 18 * 16)             // every output position
        XCTAssertEqual(p.peakMemoryBytes, p.weightMemoryBytes + 4 * (16 + 32 + 32))
        XCTAssertEqual(try CPUBackend().profile(m.graph, inputs: ["in": x], options: talon).macOps, 18)
    }

    func testRunReportsTALONsErrors() throws {
        let r = registry()
        var q = BackendRunRequest()
        q.backend = "nope"
        XCTAssertEqual(try BackendRunner.run(mlp(), q, registry: r).errors, ["Backend 'nope' not found"])
        q.backend = "mute-test"
        XCTAssertEqual(try BackendRunner.run(mlp(), q, registry: r).errors, ["Backend 'mute-test' does not support simulation. Use backend='cpu'."])
        q.backend = "cpu"
        var g = mlp()
        g.connect("lif", "ghost")
        XCTAssertEqual(try BackendRunner.run(g, q, registry: r).errors.last, "Validation failed: ['ghost']")
        q.talonCompatible = true
        XCTAssertEqual(try BackendRunner.run(g, q, registry: r).errors, ["Edge references missing node: ghost", "Validation failed: ['ghost']"])
        q.talonCompatible = false
        var two = mlp()
        try two.add(IRNode.make(name: "in2", type: "Input", fields: IRDict(), inputType: PortShapes("input", [3])))
        q.bareInput = BackendArray(shape: [3], values: [1, 1, 1])
        XCTAssertEqual(try BackendRunner.run(two, q, registry: r).errors, ["A bare array needs exactly one Input node; the graph has 2: ['in', 'in2']"])
        q.bareInput = BackendArray(shape: [5], values: [1, 1, 1, 1, 1])
        XCTAssertTrue(try BackendRunner.run(mlp(), q, registry: r).errors.first?.contains("node 'in'") ?? false)
    }

    func testRunEnergyIsRunsOwnFormula() throws {
        var q = BackendRunRequest()
        q.bareInput = BackendArray(shape: [3], values: [1, 1, 1])
        q.timesteps = 3
        let out = try BackendRunner.run(mlp(), q, registry: registry())
        XCTAssertEqual(out.errors, [])
        let p = try XCTUnwrap(out.profile)
        let spikes = out.spikeCounts.reduce(0) { $0 + $1.count }
        XCTAssertEqual(out.macOps, p.macOps)
        XCTAssertEqual(out.energyEstimateUJ, (Double(p.macOps) * 0.9 + Double(spikes) * 0.1 + Double(p.peakMemoryBytes) * 5.0 / 4) / 1e6)
        XCTAssertTrue(out.json.contains("\"energy_is_estimate\": true"))
        q.profile = false
        XCTAssertNil(try BackendRunner.run(mlp(), q, registry: registry()).profile)
    }

    func testPipelineGoesOnAfterAFailedStepAndCancels() throws {
        var c = PipelineConfig()
        c.target = "tpu"
        c.timesteps = 2
        let r = registry()
        let out = try BackendPipeline.run(mlp(), c, registry: r)
        XCTAssertEqual(out.errors.count, 1)
        XCTAssertTrue(out.errors[0].hasPrefix("Backend 'tpu' not found: \"Backend 'tpu' not found. Available: ['cpu', 'mute-test']\""), out.errors[0])
        XCTAssertEqual(out.run?.timestepsRun, 2)
        XCTAssertNotNil(out.energy)
        XCTAssertFalse(out.success)
        c.target = "cpu"
        c.progress = { stage, _, _ in stage != .simulate }
        XCTAssertThrowsError(try BackendPipeline.run(mlp(), c, registry: r)) { e in XCTAssertEqual((e as? CelestaError)?.code, .cancelled) }
        c.progress = nil
        let ok = try BackendPipeline.run(mlp(), c, registry: r)
        XCTAssertEqual(ok.errors, [])
        XCTAssertEqual(ok.simulatedOn, "cpu")
        XCTAssertTrue(ok.json.contains("\"deployment\": {}"))
        XCTAssertEqual(try BackendPipeline.run(path: "/nonexistent/dir/g.t1c", c, registry: r).errors, ["File not found: /nonexistent/dir/g.t1c"])
    }
}
