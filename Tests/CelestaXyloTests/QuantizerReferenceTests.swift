import CelestaIR
import CelestaXylo
import Foundation
import XCTest

/// Rockpool 3.1.0's `global_quantize` (plain and fuzzy) and `channel_quantize` on every
/// pipeline vector: the quantizer output, the simulated configuration and the simulation,
/// bit-exact; plus every error path of `XyloQuantizer`.
final class QuantizerReferenceTests: XCTestCase {
    // MARK: - Fixture helpers

    /// Every number of a nested JSON list, row-major.
    private func flatNumbers(_ value: Any?, _ label: String) throws -> [NSNumber] {
        if let n = value as? NSNumber { return [n] }
        guard let list = value as? [Any] else {
            throw CelestaError(.parse, "\(label): expected a number or a list, got \(String(describing: value))")
        }
        return try list.flatMap { try flatNumbers($0, label) }
    }

    private func doubles(_ dict: [String: Any], _ key: String) throws -> [Double] {
        try flatNumbers(dict[key], key).map(\.doubleValue)
    }

    private func ints(_ dict: [String: Any], _ key: String) throws -> [Int] {
        try flatNumbers(dict[key], key).map(\.intValue)
    }

    /// The real-valued specification of a pipeline file's `mapper_output`.
    private func specification(_ doc: [String: Any], chip: String) throws -> XyloSpecification {
        let mapper = try XCTUnwrap(doc["mapper_output"] as? [String: Any])
        let spec = try XCTUnwrap(mapper["spec"] as? [String: Any])
        let nHidden = try XCTUnwrap(mapper["n_hidden"] as? Int)
        let nOut = try XCTUnwrap(mapper["n_out"] as? Int)
        let nSyn = try XCTUnwrap(mapper["n_syn"] as? Int)
        let nIEN = try XCTUnwrap(mapper["n_ien"] as? Int)
        let nOEN = try XCTUnwrap(mapper["n_oen"] as? Int)
        let nIn = try XCTUnwrap(spec["weights_in"] as? [Any]).count
        let aliases = try XCTUnwrap(spec["aliases"] as? [[Int]])
        return try XyloSpecification(
            chipID: chip, nIn: nIn, nHidden: nHidden, nOut: nOut, nSyn: nSyn, nIEN: nIEN, nOEN: nOEN,
            weightsIn: try doubles(spec, "weights_in"), weightsRec: try doubles(spec, "weights_rec"),
            weightsOut: try doubles(spec, "weights_out"),
            dashMem: try doubles(spec, "dash_mem"), dashSyn: try doubles(spec, "dash_syn"),
            dashSyn2: try doubles(spec, "dash_syn_2"), threshold: try doubles(spec, "threshold"),
            bias: try doubles(spec, "bias"),
            dashMemOut: try doubles(spec, "dash_mem_out"), dashSynOut: try doubles(spec, "dash_syn_out"),
            thresholdOut: try doubles(spec, "threshold_out"), biasOut: try doubles(spec, "bias_out"),
            weightShiftIn: try XCTUnwrap(spec["weight_shift_in"] as? Int),
            weightShiftRec: try XCTUnwrap(spec["weight_shift_rec"] as? Int),
            weightShiftOut: try XCTUnwrap(spec["weight_shift_out"] as? Int),
            aliases: aliases, dt: try XCTUnwrap(spec["dt"] as? Double),
            presentsTwoDimensionalWeights: (mapper["weights_in_ndim"] as? Int) == 2)
    }

    private func assertEqualOutput(_ q: QuantizedSpecification, _ expected: [String: Any], _ label: String) throws {
        let pairs: [(String, [Int])] = [
            ("weights_in", q.weightsIn), ("weights_rec", q.weightsRec), ("weights_out", q.weightsOut),
            ("threshold", q.threshold), ("threshold_out", q.thresholdOut),
            ("dash_mem", q.dashMem), ("dash_mem_out", q.dashMemOut), ("dash_syn", q.dashSyn),
            ("dash_syn_2", q.dashSyn2), ("dash_syn_out", q.dashSynOut), ("bias", q.bias), ("bias_out", q.biasOut),
        ]
        XCTAssertEqual(Set(expected.keys), Set(pairs.map(\.0)), "\(label): quantizer_output keys")
        for (key, actual) in pairs {
            XCTAssertEqual(actual, try ints(expected, key), "\(label) quantizer_output.\(key)")
        }
    }

    private func assertEqualConfigs(_ a: XyloConfig, _ b: XyloConfig, _ label: String) {
        XCTAssertEqual(a.chipID, b.chipID, "\(label) config.chip")
        XCTAssertEqual([a.nIn, a.nHidden, a.nOut, a.nSyn, a.nIEN, a.nOEN],
                       [b.nIn, b.nHidden, b.nOut, b.nSyn, b.nIEN, b.nOEN], "\(label) config dimensions")
        XCTAssertEqual(a.weightsIn, b.weightsIn, "\(label) config.weights_in")
        XCTAssertEqual(a.weightsRec, b.weightsRec, "\(label) config.weights_rec")
        XCTAssertEqual(a.weightsOut, b.weightsOut, "\(label) config.weights_out")
        XCTAssertEqual(a.dashMem, b.dashMem, "\(label) config.dash_mem")
        XCTAssertEqual(a.dashSyn, b.dashSyn, "\(label) config.dash_syn")
        XCTAssertEqual(a.dashSyn2, b.dashSyn2, "\(label) config.dash_syn_2")
        XCTAssertEqual(a.threshold, b.threshold, "\(label) config.threshold")
        XCTAssertEqual(a.bias, b.bias, "\(label) config.bias")
        XCTAssertEqual(a.dashMemOut, b.dashMemOut, "\(label) config.dash_mem_out")
        XCTAssertEqual(a.dashSynOut, b.dashSynOut, "\(label) config.dash_syn_out")
        XCTAssertEqual(a.thresholdOut, b.thresholdOut, "\(label) config.threshold_out")
        XCTAssertEqual(a.biasOut, b.biasOut, "\(label) config.bias_out")
        XCTAssertEqual([a.weightShiftIn, a.weightShiftRec, a.weightShiftOut],
                       [b.weightShiftIn, b.weightShiftRec, b.weightShiftOut], "\(label) config weight shifts")
        XCTAssertEqual(a.aliases, b.aliases, "\(label) config.aliases")
        XCTAssertEqual(a.dt, b.dt, "\(label) config.dt")
        XCTAssertEqual(a.biasEnabled, b.biasEnabled, "\(label) config.has_bias")
        XCTAssertEqual(a, b, "\(label) config")
    }

    private func assertThrows(
        _ code: StatusCode, mentioning parts: [String], _ body: () throws -> Any,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let e = error as? CelestaError else {
                return XCTFail("not a CelestaError: \(error)", file: file, line: line)
            }
            XCTAssertEqual(e.code, code, e.message, file: file, line: line)
            for part in parts {
                XCTAssertTrue(e.message.contains(part), "'\(e.message)' does not mention \(part)", file: file, line: line)
            }
        }
    }

    // MARK: - Reference vectors

    func testPipelineVectors() throws {
        let names = try ReferenceCases.names(category: "pipeline").filter { !$0.hasSuffix("_mapper_errors") }
        XCTAssertEqual(names.count, 6)
        var quantized = 0, simulated = 0, unloadable = 0
        for name in names {
            let doc = try ReferenceCases.json(name)
            let chip = try ChipTable.chip(named: try XCTUnwrap(doc["chip"] as? String))
            let spec = try specification(doc, chip: chip.id)
            let input = ReferenceCases.ints(doc["input"])
            let steps = try XCTUnwrap(doc["input"] as? [Any]).count
            let variants = try XCTUnwrap(doc["quantized"] as? [String: Any])
            XCTAssertEqual(Set(variants.keys), ["global", "global_fuzzy", "channel"], name)
            for (variant, entry) in variants.sorted(by: { $0.key < $1.key }) {
                let label = "\(name) \(variant)"
                let object = try XCTUnwrap(entry as? [String: Any])
                let q: QuantizedSpecification
                switch variant {
                case "global": q = try XyloQuantizer.global(spec)
                case "global_fuzzy": q = try XyloQuantizer.global(spec, fuzzyScaling: true)
                case "channel": q = try XyloQuantizer.channel(spec)
                default: XCTFail("\(label): unknown quantizer"); continue
                }
                quantized += 1
                try assertEqualOutput(q, try XCTUnwrap(object["quantizer_output"] as? [String: Any]), label)
                let config = try q.config()
                assertEqualConfigs(config, try ReferenceCases.config(try XCTUnwrap(object["config"]), chip: chip.id), label)

                if let simulation = object["simulation"] as? [String: Any] {
                    let sim = try XyloSimulator(config: config, chip: chip)
                    let result = try sim.evolve(input: input, steps: steps, record: true)
                    ReferenceCases.assertEqualRecords(
                        result, try XCTUnwrap(simulation["expected"] as? [String: Any]), label)
                    simulated += 1
                } else {
                    XCTAssertTrue(object["simulation"] is NSNull, "\(label): simulation is neither an object nor null")
                    assertThrows(.outOfRange, mentioning: []) { try XyloSimulator(config: config, chip: chip) }
                    unloadable += 1
                }
            }
        }
        XCTAssertEqual(quantized, 18)
        XCTAssertEqual(simulated, 12)
        XCTAssertEqual(unloadable, 6)
    }

    // MARK: - Semantics on small hand-made specifications

    /// Two inputs, two hidden neurons (one synapse), one output.
    private func smallSpec(
        nSyn: Int = 1, threshold: [Double] = [1, 2], thresholdOut: [Double] = [1],
        dashMem: [Double] = [1, 2]
    ) throws -> XyloSpecification {
        try XyloSpecification(
            chipID: "syns61201", nIn: 2, nHidden: 2, nOut: 1, nSyn: nSyn, nIEN: 2, nOEN: 2,
            weightsIn: nSyn == 1 ? [0.5, -1, 0.25, 0] : [0.5, 0.1, -1, 0.2, 0.25, 0, 0, 0.3],
            weightsRec: Array(repeating: 0.1, count: 4 * nSyn), weightsOut: [0.5, -2],
            dashMem: dashMem, dashSyn: [0.5, 1.5], dashSyn2: [2.5, -0.5], threshold: threshold, bias: [0.2, 0],
            dashMemOut: [3], dashSynOut: [4], thresholdOut: thresholdOut, biasOut: [0.1],
            aliases: [[], [0]], dt: 1e-3)
    }

    func testGlobalScalesDashesAndQuirks() throws {
        let q = try XyloQuantizer.global(try smallSpec(dashMem: [20.5, -1.5]))
        // s = 127 / 1; s_out = 127 / 2.
        XCTAssertEqual(q.weightsIn, [64, -127, 32, 0])  // 63.5 rounds half to even
        XCTAssertEqual(q.weightsOut, [32, -127])       // 31.75
        XCTAssertEqual(q.threshold, [127, 254])
        XCTAssertEqual(q.thresholdOut, [64])            // 63.5
        XCTAssertEqual(q.bias, [25, 0])                 // 25.4
        XCTAssertEqual(q.biasOut, [13])                 // scaled with s (12.7), not s_out
        XCTAssertEqual(q.dashMem, [20, -2])             // rounded, never clipped
        XCTAssertEqual(q.dashSyn, [0, 2])
        XCTAssertEqual(q.dashSyn2, [2, -0])
        XCTAssertEqual(q.aliases, [[], [0]])
        let config = try q.config()
        XCTAssertTrue(config.biasEnabled)
        XCTAssertEqual(config.bias, [25, 0])
    }

    func testGlobalThresholdGuardRescalesRoundedValues() throws {
        let q = try XyloQuantizer.global(try smallSpec(threshold: [1, 1000]))
        // threshold [127, 127000] > 32767: k = 32767 / 127000 on the rounded values.
        let k = 32767.0 / 127000
        func again(_ values: [Int]) -> [Int] { values.map { Int((Double($0) * k).rounded(.toNearestOrEven)) } }
        XCTAssertEqual(q.threshold, [33, 32767])
        XCTAssertEqual(q.weightsIn, again([64, -127, 32, 0]))
        XCTAssertEqual(q.weightsRec, again([13, 13, 13, 13]))
        XCTAssertEqual(q.bias, [25, 0])                 // untouched by the guard
        XCTAssertEqual(q.weightsOut, [32, -127])
        XCTAssertEqual(q.thresholdOut, [64])
    }

    func testGlobalGuardsUseLargestSignedThresholdAndOutputGuardTouchesRecurrent() throws {
        let q = try XyloQuantizer.global(try smallSpec(threshold: [-1e5, 1], thresholdOut: [1000]))
        // Largest signed hidden threshold is 127: no hidden guard despite -12700000.
        XCTAssertEqual(q.threshold, [-12_700_000, 127])
        XCTAssertEqual(q.weightsIn, [64, -127, 32, 0])
        // threshold_out 63500 > 32767: output and recurrent weights rescaled by 32767 / 63500.
        let k = 32767.0 / 63500
        func again(_ values: [Int]) -> [Int] { values.map { Int((Double($0) * k).rounded(.toNearestOrEven)) } }
        XCTAssertEqual(q.thresholdOut, [32767])
        XCTAssertEqual(q.weightsOut, again([32, -127]))
        XCTAssertEqual(q.weightsRec, again([13, 13, 13, 13]))
    }

    func testChannelOneAndTwoSynapses() throws {
        let one = try XyloQuantizer.channel(try smallSpec())
        // Neuron 0: m = 0.5 (s = 254); neuron 1: m = 1 (s = 127).
        XCTAssertEqual(one.weightsIn, [127, -127, 64, 0])
        XCTAssertEqual(one.threshold, [254, 254])
        XCTAssertEqual(one.bias, [0, 0])                // one synapse: only rounded
        XCTAssertEqual(one.weightsOut, [32, -127])
        XCTAssertEqual(one.biasOut, [6])                // 0.1 * 63.5
        let two = try XyloQuantizer.channel(try smallSpec(nSyn: 2))
        // Neuron 0: m = 0.5 (s = 254): bias 0.2 -> 50.8 -> 51, scaled with two synapses.
        XCTAssertEqual(two.bias, [51, 0])
        XCTAssertEqual(two.weightsIn, [127, 25, -127, 25, 64, 0, 0, 38])
        XCTAssertEqual(two.nSyn, 2)
    }

    func testChannelGuardRescalesFromRealValues() throws {
        let q = try XyloQuantizer.channel(try smallSpec(threshold: [1e300, -1000], thresholdOut: [1e6]))
        XCTAssertEqual(q.threshold, [32767, 32767])
        // Neuron 0: k = 32767 / 1e300 makes its weights 0; neuron 1: k = -32.767 flips signs.
        XCTAssertEqual(q.weightsIn, [0, 33, 0, 0])
        XCTAssertEqual(q.weightsRec, [0, -3, 0, -3])
        XCTAssertEqual(q.thresholdOut, [32767])
    }

    func testFuzzyScalingDoesNotClip() throws {
        let q = try XyloQuantizer.global(try smallSpec(), fuzzyScaling: true)
        XCTAssertGreaterThan(q.weightsIn.map(abs).max() ?? 0, 127)
    }

    func testBitWidths() throws {
        let q = try XyloQuantizer.global(try smallSpec(), weightBits: 4, thresholdBits: 8)
        XCTAssertEqual(q.weightsIn, [4, -7, 2, 0])     // s = 7: 3.5 -> 4, 1.75 -> 2
        XCTAssertEqual(q.threshold, [7, 14])
        let wide = try XyloQuantizer.channel(try smallSpec(), weightBits: 32, thresholdBits: 32)
        // Thresholds 2^32 - 2 exceed 2^31 - 1: both neurons are rescaled by 2147483647 / threshold.
        XCTAssertEqual(wide.threshold, [2_147_483_647, 2_147_483_647])
        XCTAssertEqual(wide.weightsIn, [2_147_483_647 / 2 + 1, -1_073_741_824, 1_073_741_824 / 2, 0])
    }

    // MARK: - Errors

    func testBadBitWidthsThrow() throws {
        let spec = try smallSpec()
        for bits in [1, 33, 0, -5, Int.max] {
            assertThrows(.outOfRange, mentioning: ["'weight_bits'", "\(bits)"]) { try XyloQuantizer.global(spec, weightBits: bits) }
            assertThrows(.outOfRange, mentioning: ["'threshold_bits'", "\(bits)"]) { try XyloQuantizer.global(spec, thresholdBits: bits) }
            assertThrows(.outOfRange, mentioning: ["'weight_bits'", "\(bits)"]) { try XyloQuantizer.channel(spec, weightBits: bits) }
            assertThrows(.outOfRange, mentioning: ["'threshold_bits'", "\(bits)"]) { try XyloQuantizer.channel(spec, thresholdBits: bits) }
        }
    }

    func testNonFiniteInputThrows() throws {
        for value in [Double.nan, .infinity, -.infinity] {
            var spec = try smallSpec()
            spec.threshold[1] = value
            assertThrows(.outOfRange, mentioning: ["'threshold[1]'", "\(value)"]) { try XyloQuantizer.global(spec) }
            assertThrows(.outOfRange, mentioning: ["'threshold[1]'", "\(value)"]) { try XyloQuantizer.channel(spec) }
            spec = try smallSpec()
            spec.weightsRec[2] = value
            assertThrows(.outOfRange, mentioning: ["'weights_rec[2]'"]) { try XyloQuantizer.global(spec, fuzzyScaling: true) }
            spec = try smallSpec()
            spec.dashSyn2[0] = value
            assertThrows(.outOfRange, mentioning: ["'dash_syn_2[0]'"]) { try XyloQuantizer.channel(spec) }
        }
    }

    func testShapeMismatchThrows() throws {
        var spec = try smallSpec()
        spec.weightsIn.removeLast()
        assertThrows(.shapeMismatch, mentioning: ["'weights_in'", "3"]) { try XyloQuantizer.global(spec) }
        assertThrows(.shapeMismatch, mentioning: ["'weights_in'", "3"]) { try XyloQuantizer.channel(spec) }
    }

    func testHugeResultsThrowInsteadOfTrapping() throws {
        // Global: 1e30 * 127 does not fit in 64 bits before the guard (numpy would give garbage).
        var spec = try smallSpec(threshold: [1, 1e30])
        assertThrows(.outOfRange, mentioning: ["'threshold[1]'", "global", "64-bit"]) { try XyloQuantizer.global(spec) }
        // Dashes are only rounded: 1e300 cannot become an integer.
        spec = try smallSpec(dashMem: [1, 1e300])
        assertThrows(.outOfRange, mentioning: ["'dash_mem[1]'", "channel"]) { try XyloQuantizer.channel(spec) }
        assertThrows(.outOfRange, mentioning: ["'dash_mem[1]'"]) { try XyloQuantizer.global(spec) }
        // A threshold without incoming weights is only rounded in channel mode.
        spec = try smallSpec()
        spec.weightsIn = [0, 0, 0, 0]
        spec.weightsRec = [0, 0, 0, 0]
        spec.threshold = [-1e19, 0]
        assertThrows(.outOfRange, mentioning: ["'threshold[0]'", "-1e+19"]) { try XyloQuantizer.channel(spec) }
        // Bias scaled with the largest weight overflows.
        spec = try smallSpec()
        spec.weightsIn = [1e-300, 0, 0, 0]
        spec.weightsRec = [0, 0, 0, 0]
        spec.bias = [0, 0]
        spec.threshold = [0, 0]
        spec.biasOut = [1e-10]
        assertThrows(.outOfRange, mentioning: ["'bias_out[0]'"]) { try XyloQuantizer.global(spec) }
    }

    func testFuzzyScalingWithoutWeightsThrows() throws {
        var spec = try smallSpec()
        spec.weightsIn = [0, 0, 0, 0]
        spec.weightsRec = [0, 0, 0, 0]
        assertThrows(.invalidArgument, mentioning: ["'fuzzy_scaling'", "'weights_rec'"]) {
            try XyloQuantizer.global(spec, fuzzyScaling: true)
        }
        spec = try smallSpec()
        spec.weightsOut = [0, 0]
        assertThrows(.invalidArgument, mentioning: ["'fuzzy_scaling'", "'weights_out'"]) {
            try XyloQuantizer.global(spec, fuzzyScaling: true)
        }
        // Without fuzzy scaling an all-zero network quantizes with scale 1.
        spec.weightsIn = [0, 0, 0, 0]
        spec.weightsRec = [0, 0, 0, 0]
        spec.bias = [0, 0]
        spec.biasOut = [0]
        let q = try XyloQuantizer.global(spec)
        XCTAssertEqual(q.threshold, [1, 2])
        XCTAssertFalse(try q.config().biasEnabled)
    }
}
