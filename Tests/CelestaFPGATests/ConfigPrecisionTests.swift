import CelestaFPGA
import CelestaIR
import XCTest

/// Precision settings resolve as hls4ml 1.3.0's ConfigReader resolves them: for each slot, the
/// layer name's slot key, then its `default` (or a `Precision` string), then the layer type's
/// slot key and `default`, then the model's; LayerName / LayerType keys without regard to case.
final class ConfigPrecisionTests: XCTestCase {
    private let layers = """
    [{"name": "x", "class_name": "Input", "n": 2},
     {"name": "fc1", "class_name": "Dense", "n_in": 2, "n_out": 2, "weight": [[0.5, 0.25], [-0.5, 0.75]], "bias": [0, 0]},
     {"name": "lif1", "class_name": "LIFNeuron", "n": 2, "threshold": 1.0, "beta": 0.9},
     {"name": "fc2", "class_name": "Dense", "n_in": 2, "n_out": 2, "weight": [[0.5, 0.25], [-0.5, 0.75]], "bias": [0, 0]},
     {"name": "readout", "class_name": "SNNReadout", "n_classes": 2, "window_size": 4}]
    """

    private func types(_ config: String) throws -> [String: [String: String]] {
        let m = try HLSModel.fromLayers(json: Array(layers.utf8), config: Array(config.utf8))
        var out: [String: [String: String]] = ["x": ["result_t": "\(m.input.type)"]]
        for l in m.layers { out[l.name] = l.types.mapValues { "\($0)" } }
        return out
    }

    func testLayerNameDefaultComesBeforeTheLayerTypeAndModel() throws {
        let t = try types(#"""
        {"HLSConfig": {"Model": {"Precision": {"default": "ap_fixed<16,6>", "accum": "ap_fixed<20,8>"}},
                       "LayerType": {"Dense": {"Precision": {"weight": "ap_fixed<10,3>"}}},
                       "LayerName": {"fc1": {"Precision": {"default": "ap_fixed<12,4>", "bias": "ap_fixed<9,2>"}}}}}
        """#)
        // fc1: its slot key, else its default: the type's weight and the model's accum come later
        XCTAssertEqual(t["fc1"], ["weight_t": "ap_fixed<12,4>", "bias_t": "ap_fixed<9,2>", "accum_t": "ap_fixed<12,4>", "result_t": "ap_fixed<12,4>"])
        // fc2: the type's weight, the model's accum key, the model default
        XCTAssertEqual(t["fc2"], ["weight_t": "ap_fixed<10,3>", "bias_t": "ap_fixed<16,6>", "accum_t": "ap_fixed<20,8>", "result_t": "ap_fixed<16,6>"])
        XCTAssertEqual(t["lif1"]?["membrane_t"], "ap_fixed<16,6>")
    }

    func testLayerTypeDefaultAndPrecisionString() throws {
        let t = try types(#"""
        {"HLSConfig": {"Model": {"Precision": "ap_fixed<16,6>"},
                       "LayerType": {"LIFNeuron": {"Precision": {"default": "ap_fixed<14,5>", "beta": "ap_ufixed<8,0>"}},
                                     "Dense": {"Precision": "ap_fixed<11,3>"}},
                       "LayerName": {"fc2": {"Precision": {"accum": "ap_fixed<24,10>"}}}}}
        """#)
        XCTAssertEqual(t["lif1"], ["beta_t": "ap_ufixed<8,0>", "threshold_t": "ap_fixed<14,5>", "membrane_t": "ap_fixed<14,5>", "result_t": "ap_fixed<14,5>"])
        XCTAssertEqual(t["fc1"], ["weight_t": "ap_fixed<11,3>", "bias_t": "ap_fixed<11,3>", "accum_t": "ap_fixed<11,3>", "result_t": "ap_fixed<11,3>"])
        // fc2's own accum key, then the Dense type's string for the rest
        XCTAssertEqual(t["fc2"], ["weight_t": "ap_fixed<11,3>", "bias_t": "ap_fixed<11,3>", "accum_t": "ap_fixed<24,10>", "result_t": "ap_fixed<11,3>"])
        XCTAssertEqual(t["readout"]?["membrane_t"], "ap_fixed<16,6>")
    }

    func testNamesMatchWithoutCaseAndLaterKeysWin() throws {
        let t = try types(#"""
        {"HLSConfig": {"LayerType": {"snnreadout": {"Precision": {"default": "ap_fixed<10,5>"}}},
                       "LayerName": {"FC1": {"Precision": {"weight": "ap_fixed<8,2>", "bias": "ap_fixed<8,2>"}, "ReuseFactor": 2},
                                     "fc1": {"Precision": {"bias": "ap_fixed<7,1>"}, "ReuseFactor": 4}}}}
        """#)
        XCTAssertEqual(t["fc1"]?["weight_t"], "ap_fixed<8,2>")
        XCTAssertEqual(t["fc1"]?["bias_t"], "ap_fixed<7,1>")
        XCTAssertEqual(t["fc1"]?["accum_t"], "ap_fixed<16,6>")
        XCTAssertEqual(t["readout"], ["membrane_t": "ap_fixed<10,5>", "result_t": "ap_fixed<10,5>"])
        let m = try HLSModel.fromLayers(json: Array(layers.utf8), config: Array(#"{"HLSConfig": {"LayerName": {"FC1": {"ReuseFactor": 2}, "fc1": {"ReuseFactor": 4}}}}"#.utf8))
        guard case .dense(let d) = m.layers[0].kind else { return XCTFail("fc1 is not Dense") }
        XCTAssertEqual(d.reuseFactor, 4)
    }

    func testDefaultThatDoesNotParseNamesItsPath() {
        XCTAssertThrowsError(try types(#"{"HLSConfig": {"LayerName": {"lif1": {"Precision": {"default": "ap_fixd<8,2>"}}}}}"#)) { e in
            guard let e = e as? CelestaError else { return XCTFail("\(e)") }
            XCTAssertEqual(e.code, .parse, e.message)
            XCTAssertTrue(e.message.contains("HLSConfig.LayerName.lif1.Precision.default"), e.message)
            XCTAssertTrue(e.message.contains("lif1"), e.message)
        }
    }

    /// `auto` as a layer default: every slot of that layer is inferred (Dense accum/result from
    /// the widths, the rest the model default), as a Precision string "auto" does.
    func testAutoDefaultEqualsAutoString() throws {
        let a = try types(#"{"HLSConfig": {"Model": {"Precision": "ap_fixed<10,4>"}, "LayerName": {"fc1": {"Precision": {"default": "auto"}}}}}"#)
        let b = try types(#"{"HLSConfig": {"Model": {"Precision": "ap_fixed<10,4>"}, "LayerName": {"fc1": {"Precision": "auto"}}}}"#)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a["fc1"]?["accum_t"], "ap_fixed<10,4>")
    }
}
