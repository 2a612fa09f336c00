import CelestaIR
import CelestaXylo
import Foundation
import XCTest

/// Every entry of the shared cycle-model vectors (Rockpool 3.1.0 `cycles_model` and
/// `est_clock_freq`), compared exactly: the model evaluates Rockpool's arithmetic in Rockpool's
/// order, so every double must be identical.
final class CyclesReferenceTests: XCTestCase {
    private struct Counts: Equatable {
        var entries = 0
        var probabilityResults = 0
        var isyn2Results = 0
        var clockResults = 0
        var rasterResults = 0
    }

    // The numbers are decoded with JSONDecoder: JSONSerialization rounds some 17-digit
    // doubles (it reads 247.20000000000002 as 247.2), which would hide an exact comparison.
    private struct CyclesFile: Decodable {
        let chip: String
        let entries: [Entry]
    }

    private struct Entry: Decodable {
        let name: String
        let config_ref: String?
        let probability_results: [ProbabilityResult]
        let est_clock_freq: [ClockResult]
        let rasters: Rasters?
        let raster_result: RasterResult?
    }

    private struct ProbabilityResult: Decodable {
        let input_sp: Double
        let hidden_sp: Double
        let output_sp: Double
        let cycles: Double
        let additional_isyn2_ops: Double?
    }

    private struct ClockResult: Decodable {
        let dt: Double
        let margin: Double
        let clock_hz: Double
    }

    private struct Rasters: Decodable {
        let input: [[Int]]
        let hidden_spikes: [[Int]]
        let output_spikes: [[Int]]
    }

    private struct RasterResult: Decodable {
        let cycles: Double
        let additional_isyn2_ops: Double?
    }

    /// Checks every entry of one cycles file and returns what it checked.
    private func runFile(_ name: String) throws -> Counts {
        let data = try Data(contentsOf: ReferenceCases.folder.appendingPathComponent(name + ".json"))
        let file = try JSONDecoder().decode(CyclesFile.self, from: data)
        // The integer configurations are read as the other reference tests read them.
        let rawEntries = try ReferenceCases.json(name)["entries"] as! [[String: Any]]
        XCTAssertEqual(rawEntries.count, file.entries.count)
        let chip = try ChipTable.chip(named: file.chip)
        let reportsIsyn2 = chip.id == "syns61201"
        var counts = Counts()
        for (entry, raw) in zip(file.entries, rawEntries) {
            let label = "\(name)/\(entry.name)"
            let configObject: Any
            if let ref = entry.config_ref {
                configObject = try ReferenceCases.json(ref)["config"]!
            } else {
                configObject = raw["config"]!
            }
            let config = try ReferenceCases.config(configObject, chip: chip.id)
            counts.entries += 1

            for (i, result) in entry.probability_results.enumerated() {
                let (pIn, pHid, pOut) = (result.input_sp, result.hidden_sp, result.output_sp)
                let got = try XyloCycles.cycles(config, chip: chip, inputRate: pIn, hiddenRate: pHid, outputRate: pOut)
                let at = "\(label) probabilities #\(i) (\(pIn), \(pHid), \(pOut))"
                XCTAssertEqual(got.cycles, result.cycles, "\(at): cycles")
                counts.probabilityResults += 1
                if reportsIsyn2 {
                    XCTAssertNotNil(result.additional_isyn2_ops, "\(at): vector lacks isyn2 ops")
                    XCTAssertEqual(got.isyn2Operations, result.additional_isyn2_ops, "\(at): isyn2 ops")
                    counts.isyn2Results += 1
                } else {
                    XCTAssertNil(result.additional_isyn2_ops, "\(at): unexpected isyn2 ops in the vector")
                    XCTAssertNil(got.isyn2Operations, "\(at): isyn2 ops reported")
                }
            }

            for clock in entry.est_clock_freq {
                let got = try XyloCycles.clockFrequency(config, chip: chip, dt: clock.dt, margin: clock.margin)
                XCTAssertEqual(got, clock.clock_hz, "\(label): clock at dt \(clock.dt) margin \(clock.margin)")
                counts.clockResults += 1
            }

            if let rasters = entry.rasters {
                let expected = try XCTUnwrap(entry.raster_result, "\(label): rasters without raster_result")
                let got = try XyloCycles.cycles(
                    config, chip: chip,
                    inputRaster: rasters.input.flatMap { $0 },
                    hiddenRaster: rasters.hidden_spikes.flatMap { $0 },
                    outputRaster: rasters.output_spikes.flatMap { $0 },
                    steps: rasters.input.count)
                XCTAssertEqual(got.cycles, expected.cycles, "\(label): raster cycles")
                if reportsIsyn2 {
                    XCTAssertNotNil(expected.additional_isyn2_ops)
                    XCTAssertEqual(got.isyn2Operations, expected.additional_isyn2_ops, "\(label): raster isyn2 ops")
                    counts.isyn2Results += 1
                } else {
                    XCTAssertNil(got.isyn2Operations)
                }
                counts.rasterResults += 1
            }
        }
        return counts
    }

    func testXyloAudio2Vectors() throws {
        let counts = try runFile("a2_cycles_set1")
        XCTAssertEqual(
            counts,
            Counts(entries: 7, probabilityResults: 24, isyn2Results: 25, clockResults: 21, rasterResults: 1))
    }

    func testXyloAudio3Vectors() throws {
        let counts = try runFile("a3_cycles_set1")
        XCTAssertEqual(
            counts,
            Counts(entries: 6, probabilityResults: 22, isyn2Results: 0, clockResults: 18, rasterResults: 1))
    }

    // MARK: - Model details

    /// A small configuration built by hand for the error and rule tests.
    private func smallConfig(chip: ChipSpec, nSyn: Int = 1) throws -> XyloConfig {
        let nIn = 2, nHidden = 4, nOut = 2
        var rec = Array(repeating: 0, count: nHidden * nHidden * nSyn)
        rec[(0 * nHidden + 1) * nSyn] = 5  // neuron 0 -> 1, synapse 0
        rec[(0 * nHidden + 2) * nSyn] = -3  // neuron 0 -> 2, synapse 0
        rec[(3 * nHidden + 0) * nSyn] = 1  // neuron 3 -> 0, synapse 0
        if nSyn == 2 { rec[(2 * nHidden + 3) * nSyn + 1] = 7 }  // synapse 1 only: not fan-out
        var win = Array(repeating: 0, count: nIn * nHidden * nSyn)
        win[(0 * nHidden + 1) * nSyn] = 2  // column 1 used
        win[(1 * nHidden + 2) * nSyn] = 9  // column 2 used
        var wout = Array(repeating: 0, count: nHidden * nOut)
        wout[3 * nOut + 1] = 4  // row 3 used
        return try XyloConfig(
            chipID: chip.id, nIn: nIn, nHidden: nHidden, nOut: nOut, nSyn: nSyn,
            weightsIn: win, weightsRec: rec, weightsOut: wout,
            dashMem: [1, 1, 1, 1], dashSyn: [1, 1, 1, 1], threshold: [10, 10, 10, 10],
            dashMemOut: [1, 1], dashSynOut: [1, 1], thresholdOut: [10, 10],
            aliases: [[], [3], [], []])
    }

    /// The formula of the facts, written out independently, on a hand-built configuration.
    func testHandBuiltConfigurationFollowsTheFormula() throws {
        for chip in [ChipTable.xyloAudio2, ChipTable.xyloAudio3] {
            let config = try smallConfig(chip: chip, nSyn: 2)
            let (pIn, pHid, pOut) = (0.25, 0.5, 0.75)
            let got = try XyloCycles.cycles(config, chip: chip, inputRate: pIn, hiddenRate: pHid, outputRate: pOut)
            let nIn = 2.0, nH = 4.0, nOut = 2.0
            let nIEN = chip.id == "syns61201" ? 4.0 : 2.0
            let nOEN = chip.id == "syns61201" ? 4.0 : 1.0
            let f = 3.0 / 4.0
            let a = 1.0 / 4.0
            let want = nIn * (3.5 * pIn * nIEN + 1) + nH * (7 * f * pHid + 3) + nOEN * pHid * (1 + 8 * nOut)
                + nH * (19 + 2 * max(pHid, a * a) + 3 * max(pHid * a, a * a) + pHid + max(pHid, a) * a) + 12 * nOut
            XCTAssertEqual(got.cycles, want, accuracy: 1e-9 * want, chip.id)
            if chip.id == "syns61201" {
                let ops = 1.5 * pIn * nIn * nIEN + 5 * f * pHid * nH + nH
                XCTAssertEqual(got.isyn2Operations ?? .nan, ops, accuracy: 1e-9 * ops)
                let one = try XyloCycles.cycles(try smallConfig(chip: chip, nSyn: 1), chip: chip)
                XCTAssertEqual(one.isyn2Operations, 0)
            } else {
                XCTAssertNil(got.isyn2Operations)
            }
            let worst = try XyloCycles.cycles(config, chip: chip)
            XCTAssertEqual(try XyloCycles.clockFrequency(config, chip: chip, dt: 1e-3), worst.cycles * 1.2 / 1e-3)
        }
    }

    /// Rasters: the probability is the fraction of non-zero entries, whatever their count.
    func testRasterProbabilityIsFractionOfNonZeroEntries() throws {
        let chip = ChipTable.xyloAudio3
        let config = try smallConfig(chip: chip)
        let steps = 4
        let input = [0, 3, 0, 0, 1, 0, 0, 0]  // 2 of 8
        let hidden = [1, 0, 0, 0, 0, 0, 31, 0, 0, 0, 0, 0, 0, 0, 0, 2]  // 3 of 16
        let output = [0, 0, 0, 0, 0, 0, 0, 0]
        let fromRasters = try XyloCycles.cycles(
            config, chip: chip, inputRaster: input, hiddenRaster: hidden, outputRaster: output, steps: steps)
        let fromRates = try XyloCycles.cycles(
            config, chip: chip, inputRate: 2.0 / 8, hiddenRate: 3.0 / 16, outputRate: 0)
        XCTAssertEqual(fromRasters, fromRates)
    }

    // MARK: - Errors

    private func assertError(
        _ code: StatusCode, _ fragment: String, file: StaticString = #filePath, line: UInt = #line,
        _ body: () throws -> Any
    ) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let error = error as? CelestaError else {
                return XCTFail("not a CelestaError: \(error)", file: file, line: line)
            }
            XCTAssertEqual(error.code, code, error.message, file: file, line: line)
            XCTAssertTrue(
                error.message.contains(fragment), "'\(error.message)' lacks '\(fragment)'", file: file, line: line)
        }
    }

    func testProbabilitiesOutOfRange() throws {
        let chip = ChipTable.xyloAudio2
        let config = try smallConfig(chip: chip)
        assertError(.outOfRange, "'inputRate' is 1.5") { try XyloCycles.cycles(config, chip: chip, inputRate: 1.5) }
        assertError(.outOfRange, "'inputRate' is -0.1") { try XyloCycles.cycles(config, chip: chip, inputRate: -0.1) }
        assertError(.outOfRange, "'hiddenRate' is nan") { try XyloCycles.cycles(config, chip: chip, hiddenRate: .nan) }
        assertError(.outOfRange, "'hiddenRate' is 2.0") { try XyloCycles.cycles(config, chip: chip, hiddenRate: 2) }
        assertError(.outOfRange, "'outputRate' is inf") {
            try XyloCycles.cycles(config, chip: chip, outputRate: .infinity)
        }
        assertError(.outOfRange, "'outputRate' is -1.0") { try XyloCycles.cycles(config, chip: chip, outputRate: -1) }
        // The bounds themselves are accepted.
        XCTAssertNoThrow(try XyloCycles.cycles(config, chip: chip, inputRate: 0, hiddenRate: 1, outputRate: 0))
    }

    func testClockArgumentsOutOfRange() throws {
        let chip = ChipTable.xyloAudio3
        let config = try smallConfig(chip: chip)
        assertError(.outOfRange, "'dt' is 0.0") { try XyloCycles.clockFrequency(config, chip: chip, dt: 0) }
        assertError(.outOfRange, "'dt' is -0.001") { try XyloCycles.clockFrequency(config, chip: chip, dt: -1e-3) }
        assertError(.outOfRange, "'dt' is inf") { try XyloCycles.clockFrequency(config, chip: chip, dt: .infinity) }
        assertError(.outOfRange, "'dt' is nan") { try XyloCycles.clockFrequency(config, chip: chip, dt: .nan) }
        assertError(.outOfRange, "'margin' is -0.1") {
            try XyloCycles.clockFrequency(config, chip: chip, dt: 1e-3, margin: -0.1)
        }
        assertError(.outOfRange, "'margin' is nan") {
            try XyloCycles.clockFrequency(config, chip: chip, dt: 1e-3, margin: .nan)
        }
        XCTAssertNoThrow(try XyloCycles.clockFrequency(config, chip: chip, dt: 1e-3, margin: 0))
    }

    func testRasterShapes() throws {
        let chip = ChipTable.xyloAudio2
        let config = try smallConfig(chip: chip)  // n_in 2, n_hidden 4, n_out 2
        let ok = (input: [Int](repeating: 1, count: 6), hidden: [Int](repeating: 0, count: 12),
                  output: [Int](repeating: 0, count: 6))
        XCTAssertNoThrow(
            try XyloCycles.cycles(
                config, chip: chip, inputRaster: ok.input, hiddenRaster: ok.hidden, outputRaster: ok.output, steps: 3))
        assertError(.shapeMismatch, "'inputRaster' has 5 values") {
            try XyloCycles.cycles(
                config, chip: chip, inputRaster: [1, 1, 1, 1, 1], hiddenRaster: ok.hidden, outputRaster: ok.output,
                steps: 3)
        }
        assertError(.shapeMismatch, "'hiddenRaster' has 13 values") {
            try XyloCycles.cycles(
                config, chip: chip, inputRaster: ok.input, hiddenRaster: ok.hidden + [0], outputRaster: ok.output,
                steps: 3)
        }
        assertError(.shapeMismatch, "'outputRaster' has 0 values") {
            try XyloCycles.cycles(
                config, chip: chip, inputRaster: ok.input, hiddenRaster: ok.hidden, outputRaster: [], steps: 3)
        }
        assertError(.shapeMismatch, "'inputRaster' has 6 values") {
            try XyloCycles.cycles(
                config, chip: chip, inputRaster: ok.input, hiddenRaster: ok.hidden, outputRaster: ok.output, steps: 4)
        }
        assertError(.outOfRange, "'steps' is 0") {
            try XyloCycles.cycles(config, chip: chip, inputRaster: [], hiddenRaster: [], outputRaster: [], steps: 0)
        }
    }

    /// Xylo v1 has no published model: its record carries the Audio 2 model (derived), so a
    /// v1 network costs what the same network costs on Xylo Audio 2, at every rate, from
    /// rasters too, with the synapse-2 operations; a configuration of another chip is refused.
    func testXyloV1CostsWhatTheSameNetworkCostsOnAudio2() throws {
        let (v1, a2) = (ChipTable.xyloV1, ChipTable.xyloAudio2)
        for nSyn in [1, 2] {
            let c1 = try smallConfig(chip: v1, nSyn: nSyn), c2 = try smallConfig(chip: a2, nSyn: nSyn)
            for (pIn, pHid, pOut) in [(1.0, 1.0, 1.0), (0.25, 0.5, 0.75), (0.0, 0.0, 0.0), (0.1, 0.02, 0.5)] {
                let got = try XyloCycles.cycles(c1, chip: v1, inputRate: pIn, hiddenRate: pHid, outputRate: pOut)
                XCTAssertEqual(got, try XyloCycles.cycles(c2, chip: a2, inputRate: pIn, hiddenRate: pHid, outputRate: pOut))
                XCTAssertNotNil(got.isyn2Operations)
            }
            let input = [0, 3, 0, 0, 1, 0], hidden = [1, 0, 0, 0, 0, 0, 31, 0, 0, 0, 0, 2], output = [0, 1, 0, 0, 0, 0]
            XCTAssertEqual(
                try XyloCycles.cycles(c1, chip: v1, inputRaster: input, hiddenRaster: hidden, outputRaster: output, steps: 3),
                try XyloCycles.cycles(c2, chip: a2, inputRaster: input, hiddenRaster: hidden, outputRaster: output, steps: 3))
            XCTAssertEqual(try XyloCycles.clockFrequency(c1, chip: v1, dt: 1e-3), try XyloCycles.clockFrequency(c2, chip: a2, dt: 1e-3))
            XCTAssertEqual(try XyloCyclePredictor(config: c1, chip: v1).worstCase, try XyloCyclePredictor(config: c2, chip: a2).worstCase)
        }
        XCTAssertGreaterThan(try XyloCycles.cycles(try smallConfig(chip: v1, nSyn: 2), chip: v1).isyn2Operations ?? 0, 0)
        assertError(.invalidArgument, "syns61201") { try XyloCycles.cycles(try self.smallConfig(chip: a2), chip: v1) }
    }

    func testConfigurationForAnotherChip() throws {
        let config = try smallConfig(chip: ChipTable.xyloAudio2)
        assertError(.invalidArgument, "syns61201") { try XyloCycles.cycles(config, chip: ChipTable.xyloAudio3) }
    }
}
