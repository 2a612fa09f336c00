import CelestaIR
import CelestaXylo
import XCTest

/// IR graphs (NIR's and TALON's primitives) lowered to Xylo networks: the neuron convention,
/// nested graphs, identity nodes, direct neuron edges, and the errors naming what Xylo lacks.
final class XyloIRLoweringTests: XCTestCase {
    func nir(_ name: String) throws -> IRGraph {
        try NIRFile.read(path: Fixtures.root.appendingPathComponent("nir/\(name).nir").path)
    }

    func t(_ v: [Double]) throws -> IRValue { .tensor(try Tensor(v)) }

    func testNestedGraphsAreInlinedAndMap() throws {
        let g = try nir("nested_subgraph")
        let lowered = try XyloIRLowering.lower(g, dt: 1e-3)
        let names = lowered.network.nodes.map(\.name)
        XCTAssertEqual(Set(names), ["input", "pre", "block.fc", "block.lif", "post", "output"])
        XCTAssertFalse(names.contains("block.input") || names.contains("block.output"), "\(names)")
        let edges = lowered.network.edges.map { "\(try! lowered.network.node($0.source).name)->\(try! lowered.network.node($0.target).name)" }
        XCTAssertEqual(Set(edges), ["input->pre", "pre->block.fc", "block.fc->block.lif", "block.lif->post", "post->output"])
    }

    func testGainsAndBiasFollowTheEulerConvention() throws {
        let dt = 1e-3, tau = 0.02, tauSyn = 0.01
        var g = try IRGraph(nodes: [
            try IRNode.make(name: "in", type: "Input", fields: [:], inputType: PortShapes("input", [2])),
            try IRNode.make(name: "w", type: "Linear", fields: ["weight": .tensor(try Tensor([1, 2, 3, 4], shape: [2, 2]))]),
            try IRNode.make(name: "lif", type: "CubaLIF", fields: [
                "tau_syn": try t([tauSyn, tauSyn]), "tau_mem": try t([tau, tau]), "r": try t([2, 1]), "v_leak": try t([0.5, 0]),
                "v_threshold": try t([1, 1]), "w_in": try t([1, 3]),
            ]),
            try IRNode.make(name: "lif2", type: "LIF", fields: [
                "tau": try t([tau, tau]), "r": try t([tau / dt, tau / dt]), "v_leak": try t([0, 0]), "v_threshold": try t([1, 1]),
            ]),
            try IRNode.make(name: "out", type: "Output", fields: [:], outputType: PortShapes("output", [2])),
        ])
        for (s, d) in [("in", "w"), ("w", "lif"), ("lif", "lif2"), ("lif2", "out")] { g.connect(s, d) }
        let net = try XyloIRLowering.lower(g, dt: dt).network
        guard case .linear(let w)? = net.node(named: "w")?.kind else { return XCTFail("no weight block") }
        // Column j carries dt^2 * r_j * w_in_j / (tau_mem * tau_syn); Xylo's blocks are [in][out].
        let k = dt * dt / (tau * tauSyn)
        XCTAssertEqual(w.weight[0], 1 * 2 * 1 * k, accuracy: 1e-15)
        XCTAssertEqual(w.weight[1], 3 * 1 * 3 * k, accuracy: 1e-15)
        XCTAssertEqual(w.weight[2], 2 * 2 * 1 * k, accuracy: 1e-15)
        guard case .lif(let lif)? = net.node(named: "lif")?.kind else { return XCTFail("no neurons") }
        XCTAssertEqual(lif.bias, [dt * 0.5 / tau, 0])
        XCTAssertEqual(lif.tauSyn, [tauSyn, tauSyn])
        // A direct neuron -> neuron edge gets an identity block with the target's gain (1 here:
        // r = tau/dt snaps to exactly 1), and a plain LIF gets the shortest synapse that passes
        // input on Xylo (dash_syn 1: a synapse of dash 0 is cleared before the membrane reads it).
        guard case .linear(let bridge)? = net.node(named: "lif->lif2")?.kind else { return XCTFail("no bridge") }
        XCTAssertEqual(bridge.weight, [1, 0, 0, 1])
        guard case .lif(let plain)? = net.node(named: "lif2")?.kind else { return XCTFail("no lif2") }
        XCTAssertEqual(log2(plain.tauSyn[0] / dt).rounded(), 1)
        XCTAssertNoThrow(try XyloMapper.map(net, chip: ChipTable.xyloAudio3))
    }

    func testWhatXyloLacksIsNamed() throws {
        let cases: [(String, String)] = [
            ("conv2d_pool_flatten", "node 'conv' (Conv2d): Xylo has no convolutions"),
            ("if_li_cubali", "node 'if1' (IF): Xylo neurons always leak"),
            ("scale_integrator_threshold", "node 'scale' (Scale): Xylo scales only through weights"),
            ("delay", "node 'delay' (Delay): Xylo has no synaptic delays"),
        ]
        for (file, message) in cases {
            XCTAssertThrowsError(try XyloIRLowering.lower(try nir(file), dt: 1e-3), file) {
                XCTAssertEqual(($0 as? CelestaError)?.code, .unsupported, file)
                XCTAssertTrue(($0 as? CelestaError)?.message.hasPrefix(message) ?? false, "\(file): \($0)")
            }
        }
        // NIR's reference LIF has a non-zero v_reset in linear_cubalif: Xylo subtracts the threshold.
        XCTAssertThrowsError(try XyloIRLowering.lower(try nir("linear_cubalif"), dt: 1e-3)) {
            XCTAssertTrue(($0 as? CelestaError)?.message.contains("v_reset") ?? false, "\($0)")
        }
        XCTAssertThrowsError(try XyloIRLowering.lower(try nir("affine_lif"), dt: 0)) { XCTAssertEqual(($0 as? CelestaError)?.code, .outOfRange) }
    }
}
