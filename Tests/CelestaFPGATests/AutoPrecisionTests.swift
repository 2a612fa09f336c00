import CelestaFPGA
import CelestaIR
import XCTest

/// `auto` precisions, inferred as hls4ml's InferPrecisionTypes does (AutoPrecision.swift).
final class AutoPrecisionTests: XCTestCase {
    /// Input (n 8) -> fc1 (8x4) -> lif1 -> fc2 (4x2) -> readout.
    private func model(_ config: String, input: String = "ap_fixed<16,6>") throws -> HLSModel {
        var w1: [String] = [], w2: [String] = []
        for i in 0..<8 {
            var row: [String] = []
            for j in 0..<4 { row.append("\(Double((i * 4 + j) % 7) / 8 - 0.3)") }
            w1.append("[" + row.joined(separator: ", ") + "]")
        }
        for i in 0..<4 {
            let a: Double = Double(i) / 4, b: Double = 0.5 - Double(i) / 8
            w2.append("[\(a), \(b)]")
        }
        let layers = """
        [{"name": "x", "class_name": "Input", "n": 8},
         {"name": "fc1", "class_name": "Dense", "n_in": 8, "n_out": 4, "weight": [\(w1.joined(separator: ", "))], "bias": [0.25, 0, -0.25, 0.5]},
         {"name": "lif1", "class_name": "LIFNeuron", "n": 4, "threshold": 1.0, "beta": 0.875},
         {"name": "fc2", "class_name": "Dense", "n_in": 4, "n_out": 2, "weight": [\(w2.joined(separator: ", "))]},
         {"name": "readout", "class_name": "SNNReadout", "n_classes": 2, "window_size": 4}]
        """
        let cfg = config.replacing("INPUT", with: input)
        return try HLSModel.fromLayers(json: Array(layers.utf8), config: Array(cfg.utf8))
    }

    private func types(_ m: HLSModel, _ layer: String) -> [String: String] {
        (m.layers.first { $0.name == layer }?.types ?? [:]).mapValues { "\($0)" }
    }

    /// fc1 'auto' (every slot): weight and bias take the model default <16,6>; the sum of 8
    /// products <16,6>x<16,6> needs 16+16+3 bits with 6+6+3 integer bits, the bias one more
    /// integer bit: ap_fixed<36,16> for accum and result. fc2's input is lif1's result.
    func testDenseAutoGivesTheLosslessSum() throws {
        let m = try model(#"{"HLSConfig": {"Model": {"Precision": "ap_fixed<16,6>"}, "LayerName": {"fc1": {"Precision": "auto"}, "fc2": {"Precision": {"accum": "auto", "weight": "ap_fixed<8,2>"}}}}}"#)
        XCTAssertEqual(types(m, "fc1"), ["weight_t": "ap_fixed<16,6>", "bias_t": "ap_fixed<16,6>",
                                         "accum_t": "ap_fixed<36,16>", "result_t": "ap_fixed<36,16>"])
        // fc2: input lif1 result <16,6>, weight <8,2>, n_in 4 (2 bits): <26,10>; bias <16,6>:
        // I = max(10, 6) + 1 = 11, F = max(16, 10) = 16 -> <27,11>; result keeps the default
        XCTAssertEqual(types(m, "fc2"), ["weight_t": "ap_fixed<8,2>", "bias_t": "ap_fixed<16,6>",
                                         "accum_t": "ap_fixed<27,11>", "result_t": "ap_fixed<16,6>"])
        XCTAssertEqual(types(m, "lif1")["membrane_t"], "ap_fixed<16,6>")
    }

    /// Spikes (ap_uint<1>) into unsigned weights and a signed bias, per layer type; an unsigned
    /// sum with an unsigned bias stays unsigned.
    func testSignednessAndIntegerInputs() throws {
        // uint<1> input, weight ap_ufixed<6,2>: W = 6+1+3 = 10, I = 2+1+3 = 6, unsigned, F = 4;
        // bias ap_fixed<8,3> (signed): I = max(6 + 1, 3) + 1 = 8, W = 8 + max(4, 5) = 13, signed
        let m = try model(#"{"HLSConfig": {"Model": {"Precision": "ap_fixed<16,6>"}, "LayerName": {"x": {"Precision": "INPUT"}}, "LayerType": {"Dense": {"Precision": {"weight": "ap_ufixed<6,2>", "bias": "ap_fixed<8,3>", "accum": "auto", "result": "auto"}}}}}"#,
                          input: "ap_uint<1>")
        XCTAssertEqual(types(m, "fc1")["accum_t"], "ap_fixed<13,8>")
        // unsigned bias: I = max(6, 1 + 0) + 1 = 7, W = 7 + max(4, 4) = 11, unsigned
        let u = try model(#"{"HLSConfig": {"Model": {"Precision": "ap_fixed<16,6>"}, "LayerName": {"x": {"Precision": "INPUT"}, "fc1": {"Precision": {"weight": "ap_ufixed<6,2>", "bias": "ap_ufixed<5,1>", "accum": "auto"}}}}}"#,
                          input: "ap_uint<1>")
        XCTAssertEqual(types(u, "fc1")["accum_t"], "ap_ufixed<11,7>")
        // signed sum, unsigned bias: the bias needs a sign bit: I = max(15, 1 + 1) + 1
        let s = try model(#"{"HLSConfig": {"Model": {"Precision": "ap_fixed<16,6>"}, "LayerName": {"fc1": {"Precision": {"bias": "ap_ufixed<5,1>", "accum": "auto"}}}}}"#)
        XCTAssertEqual(types(s, "fc1")["accum_t"], "ap_fixed<36,16>")
    }

    /// `maximum` caps the width and the integer bits separately; a sum wider than 64 bits is
    /// refused, naming the layer and the way out.
    func testMaximumAndTooWide() throws {
        let m = try model(#"{"HLSConfig": {"Model": {"Precision": {"default": "ap_fixed<16,6>", "maximum": "ap_fixed<24,10>"}}, "LayerName": {"fc1": {"Precision": "auto"}}}}"#)
        XCTAssertEqual(types(m, "fc1")["accum_t"], "ap_fixed<24,10>")
        XCTAssertThrowsError(try model(#"{"HLSConfig": {"Model": {"Precision": "ap_fixed<32,16>"}, "LayerName": {"fc1": {"Precision": {"accum": "auto"}}}}}"#)) { e in
            let m = (e as? CelestaError)?.message ?? "\(e)"
            XCTAssertTrue(m.contains("fc1") && m.contains("maximum") && m.contains("ap_fixed<68,36>"), m)
        }
    }

    /// The non-Dense slots and the input take the model default.
    func testOtherSlotsTakeTheModelDefault() throws {
        let m = try model(#"{"HLSConfig": {"Model": {"Precision": "ap_fixed<12,4>"}, "LayerName": {"x": {"Precision": "auto"}, "lif1": {"Precision": "auto"}, "readout": {"Precision": {"membrane": "auto"}}}}}"#)
        XCTAssertEqual("\(m.input.type)", "ap_fixed<12,4>")
        XCTAssertEqual(Set(types(m, "lif1").values), ["ap_fixed<12,4>"])
        XCTAssertEqual(types(m, "readout")["membrane_t"], "ap_fixed<12,4>")
    }

    /// An inferred model simulates as the same model with those types written out.
    func testInferredTypesSimulateAsExplicitOnes() throws {
        let auto = try model(#"{"HLSConfig": {"Model": {"Precision": "ap_fixed<10,4>"}, "LayerName": {"fc1": {"Precision": "auto"}}}}"#)
        let explicit = try model(#"{"HLSConfig": {"Model": {"Precision": "ap_fixed<10,4>"}, "LayerName": {"fc1": {"Precision": {"accum": "ap_fixed<24,12>", "result": "ap_fixed<24,12>"}}}}}"#)
        XCTAssertEqual(types(auto, "fc1")["accum_t"], "ap_fixed<24,12>")
        var x: [[Double]] = []
        for t in 0..<12 {
            var row: [Double] = []
            for i in 0..<8 { row.append(Double((t * 3 + i) % 5) / 2 - 0.5) }
            x.append(row)
        }
        XCTAssertEqual(FixedSimulator(auto).run(x).output, FixedSimulator(explicit).run(x).output)
    }
}
