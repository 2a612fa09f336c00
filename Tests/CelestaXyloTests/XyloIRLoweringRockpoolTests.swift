import CelestaIR
import CelestaXylo
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Rockpool 3.1.0's own NIR export (`to_nir`): recognised, mapped with its weights unchanged and
/// its `dt` found; other conventions are not taken for it.
final class XyloIRLoweringRockpoolTests: XCTestCase {
    func rockpoolFile() throws -> IRGraph {
        try NIRFile.read(path: Fixtures.root.appendingPathComponent("rockpool/rockpool_to_nir.nir").path)
    }

    func t(_ v: [Double]) throws -> IRValue { .tensor(try Tensor(v)) }

    func cuba(_ tau: [Double], r: [Double], wIn: [Double]? = nil) throws -> IRNode {
        var fields: IRDict = [
            "tau_syn": try t(tau.map { $0 / 2 }), "tau_mem": try t(tau), "r": try t(r),
            "v_leak": try t(tau.map { _ in 0 }), "v_threshold": try t(tau.map { _ in 1 }),
        ]
        if let wIn { fields["w_in"] = try t(wIn) }
        return try IRNode.make(name: "lif", type: "CubaLIF", fields: fields)
    }

    func testRockpoolsExportMapsWithItsWeightsAndStep() throws {
        let g = try rockpoolFile()
        XCTAssertEqual(XyloIRLowering.defaultDT(of: g), 1e-3)  // found in the neurons, snapped
        let net = try XyloIRLowering.lower(g).network
        guard case .linear(let w)? = net.node(named: "0_LinearTorch")?.kind,
              let file = g.node("0_LinearTorch")?.tensor("weight")
        else { return XCTFail("no weight block") }
        // The file's (out, in) weights, transposed into Xylo's [in][out], unscaled.
        let (nOut, nIn) = (file.shape[0], file.shape[1])
        for o in 0..<nOut { for i in 0..<nIn { XCTAssertEqual(w.weight[i * nOut + o], file.doubles[o * nIn + i]) } }
        guard case .lif(let lif)? = net.node(named: "1_LIFTorch")?.kind else { return XCTFail("no neurons") }
        XCTAssertEqual(lif.dt, 1e-3)
    }

    func testTheStepIsSolvedFromR() throws {
        for (tau, dt) in [(0.02, 1e-3), (0.004, 1e-3), (0.5, 1e-4), (3.0, 1.0)] {
            let r = tau * exp(-dt / tau) / dt
            let solved = try XCTUnwrap(XyloIRLowering.solveRockpoolDT(tau: tau, r: r))
            XCTAssertEqual(solved, dt, accuracy: 1e-12 * dt)
        }
        // r <= exp(-1) has no step below tau.
        XCTAssertNil(XyloIRLowering.solveRockpoolDT(tau: 0.02, r: 0.3))
    }

    func testOtherConventionsAreNotTakenForRockpools() throws {
        let dt = 1e-3, taus = [0.02, 0.01, 0.004]
        let rockpool = taus.map { $0 * exp(-dt / $0) / dt }
        XCTAssertEqual(try XCTUnwrap(XyloIRLowering.rockpoolExportDT(try cuba(taus, r: rockpool))), dt, accuracy: 1e-12)
        XCTAssertEqual(XyloIRLowering.rockpoolExportDT(try cuba(taus, r: rockpool, wIn: [1, 1, 1])).map { abs($0 - dt) < 1e-12 }, true)
        // w_in other than 1, or r = tau/dt (NIR's equations for Rockpool's discrete neuron), or
        // one r off by 1e-5: not Rockpool's export.
        XCTAssertNil(XyloIRLowering.rockpoolExportDT(try cuba(taus, r: rockpool, wIn: [1, 2, 1])))
        XCTAssertNil(XyloIRLowering.rockpoolExportDT(try cuba(taus, r: taus.map { $0 / dt })))
        XCTAssertNil(XyloIRLowering.rockpoolExportDT(try cuba(taus, r: [rockpool[0], rockpool[1] * (1 + 1e-5), rockpool[2]])))
        // One time constant with r = tau/dt fits the formula at an odd step (0.000953...): a node
        // says so, but the graph's default step is not taken from it (not a round number), and
        // at 1 ms the node is not Rockpool's export.
        let odd = try cuba([0.02, 0.02], r: [20, 20])
        let oddDT = try XCTUnwrap(XyloIRLowering.rockpoolExportDT(odd))
        XCTAssertEqual(oddDT, 9.535e-4, accuracy: 1e-6)
        XCTAssertFalse(XyloIRLowering.isRockpoolExport(odd, dt: 1e-3))
        var g = try IRGraph(nodes: [odd])
        XCTAssertEqual(XyloIRLowering.defaultDT(of: g), 1e-3)
        g = try IRGraph(nodes: [try cuba(taus, r: rockpool)])
        XCTAssertEqual(XyloIRLowering.defaultDT(of: g), 1e-3)
        g = try IRGraph(nodes: [try cuba(taus, r: taus.map { $0 * exp(-5e-4 / $0) / 5e-4 })])
        XCTAssertEqual(XyloIRLowering.defaultDT(of: g), 5e-4)
    }
}
