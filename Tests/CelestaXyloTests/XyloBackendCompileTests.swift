import CelestaIR
import CelestaXylo
import XCTest

/// A Xylo backend's compile as a descriptor: the quantized specification of map + quantize +
/// configuration.
final class XyloBackendCompileTests: XCTestCase {
    /// in 3 -> Affine 6x3 -> LIF 6 -> Affine 2x6 -> LIF 2 -> out.
    func smallNet() throws -> IRGraph {
        var g = try IRGraph()
        func t(_ v: Float, _ shape: [Int]) throws -> IRValue { .tensor(try Tensor(float32: [Float](repeating: v, count: shape.reduce(1, *)), shape: shape)) }
        func lif(_ n: Int) throws -> IRDict { ["tau": try t(8, [n]), "r": try t(8, [n]), "v_leak": try t(0, [n]), "v_threshold": try t(1, [n])] }
        try g.add(try IRNode.make(name: "in", type: "Input", fields: IRDict(), inputType: PortShapes("input", [3])))
        try g.add(try IRNode.make(name: "fc", type: "Affine", fields: ["weight": try t(0.5, [6, 3]), "bias": try t(0, [6])]))
        try g.add(try IRNode.make(name: "lif", type: "LIF", fields: try lif(6)))
        try g.add(try IRNode.make(name: "fc2", type: "Affine", fields: ["weight": try t(0.25, [2, 6]), "bias": try t(0, [2])]))
        try g.add(try IRNode.make(name: "lif2", type: "LIF", fields: try lif(2)))
        try g.add(try IRNode.make(name: "out", type: "Output", fields: IRDict(), outputType: PortShapes("output", [2])))
        for (a, b) in [("in", "fc"), ("fc", "lif"), ("lif", "fc2"), ("fc2", "lif2"), ("lif2", "out")] { g.connect(a, b) }
        return g
    }

    func testDescriptorHoldsTheDeployedSpecification() throws {
        let net = try smallNet()
        let mlp = try T1CFile.read(path: Fixtures.root.appendingPathComponent("talon/graphs/mlp_seed_backend.t1c").path)
        let a3 = XyloBackend(chip: ChipTable.xyloAudio3)
        var o = BackendCompileOptions()
        o.settings["dt"] = .float(1)
        let d = try a3.compile(net, options: o)
        let deployed = try a3.compile(net, dt: 1)
        let q = deployed.quantized
        XCTAssertEqual(d.weightTables.map { $0.core }, [0])
        let t = d.weightTables[0].table
        XCTAssertEqual(t.keys, ["weights_in", "weights_rec", "weights_out", "dash_mem", "dash_syn", "dash_syn_2", "threshold", "bias",
                                "dash_mem_out", "dash_syn_out", "threshold_out", "bias_out"])
        XCTAssertEqual(t["weights_in"]?.tensor?.shape, [q.nIn, q.nIEN, q.nSyn])
        XCTAssertEqual(t["weights_in"]?.tensor?.dtype, .int64)
        XCTAssertEqual(t["weights_in"]?.tensor?.ints, q.weightsIn)
        XCTAssertEqual(t["weights_out"]?.tensor?.ints, q.weightsOut)
        XCTAssertEqual(t["threshold"]?.tensor?.ints, q.threshold)
        XCTAssertEqual(d.metadata["chip"], .string("syns65302"))
        XCTAssertEqual(d.metadata["dt"], .float(1))
        XCTAssertEqual(d.settings.keys, ["weight_shift_in", "weight_shift_rec", "weight_shift_out", "aliases", "dt"])
        XCTAssertTrue(d.neuronConfigs.isEmpty && d.executionSchedule.isEmpty)
        XCTAssertEqual(q.nIn, 3)
        XCTAssertEqual(q.nOut, 2)
        // 784 inputs: the configuration is over the chip's limits, named.
        XCTAssertThrowsError(try a3.compile(mlp, options: o)) { e in
            XCTAssertEqual((e as? CelestaError)?.code, .invalidConfig)
            XCTAssertTrue((e as? CelestaError)?.message.contains("n_in") ?? false, "\(e)")
        }
        o.settings["dt"] = .float(-1)
        XCTAssertThrowsError(try a3.compile(net, options: o)) { XCTAssertEqual(($0 as? CelestaError)?.code, .outOfRange) }
        o.settings = ["part": .string("x")]
        XCTAssertThrowsError(try a3.compile(net, options: o)) { XCTAssertTrue(($0 as? CelestaError)?.message.contains("'part'") ?? false) }
    }

    func testAConvolutionIsNamed() throws {
        let conv = try NIRFile.read(path: Fixtures.root.appendingPathComponent("nir/conv2d_pool_flatten.nir").path)
        XCTAssertThrowsError(try XyloBackend(chip: ChipTable.xyloAudio3).compile(conv, options: BackendCompileOptions())) { e in
            XCTAssertEqual((e as? CelestaError)?.code, .unsupported)
            XCTAssertTrue((e as? CelestaError)?.message.contains("'conv'") ?? false, "\(e)")
        }
    }
}
