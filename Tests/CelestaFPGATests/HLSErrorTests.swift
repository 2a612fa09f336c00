import CelestaFPGA
import CelestaIR
import XCTest

/// Bad input: each error names the layer (or node) and the value.
final class HLSErrorTests: XCTestCase {
    private let layers = """
    [{"name": "x", "class_name": "Input", "n": 2},
     {"name": "fc1", "class_name": "Dense", "n_in": 2, "n_out": 2, "weight": [[5.0, 0.5], [-6.5, 0.25]], "bias": [0, 0]},
     {"name": "lif1", "class_name": "LIFNeuron", "n": 2, "threshold": 1.0, "beta": 0.9},
     {"name": "readout", "class_name": "SNNReadout", "n_classes": 2, "window_size": WINDOW}]
    """

    private func model(window: Int = 4, config: String) throws -> HLSModel {
        try HLSModel.fromLayers(json: Array(layers.replacing("WINDOW", with: "\(window)").utf8), config: Array(config.utf8))
    }

    private func assertError(_ code: StatusCode, _ parts: [String], _ body: () throws -> Void) {
        XCTAssertThrowsError(try body()) { e in
            guard let e = e as? CelestaError else { return XCTFail("\(e)") }
            XCTAssertEqual(e.code, code, e.message)
            for p in parts { XCTAssertTrue(e.message.contains(p), "'\(p)' not in: \(e.message)") }
        }
    }

    func testTypeStringThatDoesNotParse() {
        assertError(.parse, ["fc1", "accum_t", "ap_fixd<16,6>"]) {
            _ = try model(config: #"{"HLSConfig": {"LayerName": {"fc1": {"Precision": {"accum": "ap_fixd<16,6>"}}}}}"#)
        }
        // 'auto' is inferred for layer-level settings (AutoPrecisionTests), never for the model default
        assertError(.invalidArgument, ["HLSConfig.Model.Precision.default", "auto"]) {
            _ = try model(config: #"{"HLSConfig": {"Model": {"Precision": {"default": "auto"}}}}"#)
        }
        assertError(.invalidArgument, ["HLSConfig.Model.Precision", "auto"]) {
            _ = try model(config: #"{"HLSConfig": {"Model": {"Precision": "auto"}}}"#)
        }
    }

    func testWindowZeroWithAFixedWindowReadout() {
        assertError(.outOfRange, ["readout", "window_size 0"]) { _ = try model(window: 0, config: "{}") }
    }

    func testUnsupportedClassAndPrimitive() throws {
        assertError(.unsupported, ["fc1", "Conv2D"]) {
            _ = try HLSModel.fromLayers(json: Array(layers.replacing("\"Dense\"", with: "\"Conv2D\"").replacing("WINDOW", with: "4").utf8), config: [])
        }
        var g = try IRGraph()
        try g.add(try IRJSON.decodeNode(Array(#"{"name": "in", "type": "Input", "fields": {}, "input_type": {"input": [2]}}"#.utf8)))
        try g.add(try IRJSON.decodeNode(Array(#"{"name": "act", "type": "Sigmoid", "fields": {"features": 2}}"#.utf8)))
        g.connect("in", "act")
        assertError(.unsupported, ["act", "Sigmoid"]) { _ = try HLSModel.fromIR(g) }
    }

    func testShapeAndRuleChecks() {
        assertError(.invalidArgument, ["readout", "argmax_membrane", "output_mode membrane"]) {
            _ = try HLSModel.fromLayers(json: Array(layers.replacing("WINDOW", with: "4, \"decision_rule\": \"argmax_membrane\"").utf8), config: [])
        }
    }

    /// Weights outside their type: counted, per layer, saying whether they wrap or clamp.
    func testWeightsThatDoNotFitAreCountedWarnings() throws {
        let wrap = try model(config: #"{"HLSConfig": {"Model": {"Precision": "ap_fixed<8,3>"}}}"#)
        XCTAssertEqual(wrap.weightWarnings().count, 1)
        let w = wrap.weightWarnings()[0]
        XCTAssertTrue(w.contains("fc1") && w.contains("2 of 4 weight") && w.contains("AP_WRAP") && w.contains("-6.5"), w)
        let sat = try model(config: #"{"HLSConfig": {"Model": {"Precision": "ap_fixed<8,3,AP_TRN,AP_SAT>"}}}"#)
        XCTAssertTrue(sat.weightWarnings()[0].contains("clamped under AP_SAT"), sat.weightWarnings()[0])
        let fits = try model(config: #"{"HLSConfig": {"Model": {"Precision": "ap_fixed<16,6>"}}}"#)
        XCTAssertEqual(fits.weightWarnings(), [])
    }
}
