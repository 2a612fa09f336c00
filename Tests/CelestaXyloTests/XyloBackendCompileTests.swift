import CelestaIR
import CelestaXylo
import XCTest

/// A Xylo backend's compile as a descriptor: the quantized specification of map + quantize +
/// configuration.
final class XyloBackendCompileTests: XCTestCase {
    func testDescriptorHoldsTheDeployedSpecification() throws {
        let mlp = try T1CFile.read(path: Fixtures.root.appendingPathComponent("talon/graphs/mlp_seed_backend.t1c").path)
        let a3 = XyloBackend(chip: ChipTable.xyloAudio3)
        var o = BackendCompileOptions()
        o.settings["dt"] = .float(1)
        let d = try a3.compile(mlp, options: o)
        let deployed = try a3.compile(mlp, dt: 1)
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
        // Xylo Audio 2 has 8 output neurons and the MLP needs 10.
        XCTAssertThrowsError(try XyloBackend(chip: ChipTable.xyloAudio2).compile(mlp, options: o))
        o.settings["dt"] = .float(-1)
        XCTAssertThrowsError(try a3.compile(mlp, options: o)) { XCTAssertEqual(($0 as? CelestaError)?.code, .outOfRange) }
        o.settings = ["part": .string("x")]
        XCTAssertThrowsError(try a3.compile(mlp, options: o)) { XCTAssertTrue(($0 as? CelestaError)?.message.contains("'part'") ?? false) }
    }

    func testAConvolutionIsNamed() throws {
        let conv = try NIRFile.read(path: Fixtures.root.appendingPathComponent("nir/conv2d_pool_flatten.nir").path)
        XCTAssertThrowsError(try XyloBackend(chip: ChipTable.xyloAudio3).compile(conv, options: BackendCompileOptions())) { e in
            XCTAssertEqual((e as? CelestaError)?.code, .unsupported)
            XCTAssertTrue((e as? CelestaError)?.message.contains("'conv'") ?? false, "\(e)")
        }
    }
}
