import CelestaIR
import CelestaFPGA
import XCTest

/// Every shared hls4ml case through `from_layers` and the Swift simulators, bit for bit.
final class HLSCaseTests: XCTestCase {
    func testAllCasesArePresent() throws {
        XCTAssertEqual(try HLSCase.all().count, 20)
    }

    /// Types resolved from the hls4ml config equal the ones hls4ml resolved.
    func testTypesResolveAsHls4mlResolvesThem() throws {
        for c in try HLSCase.all() {
            let model = try c.model()
            let dicts = c.layerDicts
            XCTAssertEqual(model.input.type.description, typeText(dicts[0], "result_t"), c.id)
            XCTAssertEqual(model.layers.count, dicts.count - 1, c.id)
            for (layer, d) in zip(model.layers, dicts.dropFirst()) {
                for slot in layer.slots {
                    XCTAssertEqual(layer.type(slot).description, typeText(d, slot), "\(c.id) \(layer.name) \(slot)")
                }
                if case .number(let rf)? = d["reuse_factor"], case .string(let st)? = d["strategy"], case .dense(let dense) = layer.kind {
                    XCTAssertEqual(Double(dense.reuseFactor), rf, "\(c.id) \(layer.name)")
                    XCTAssertEqual(dense.strategy.rawValue, st, "\(c.id) \(layer.name)")
                }
                if case .number(let w)? = d["window_size"] {
                    switch layer.kind {
                    case .ifNeuron(let n), .lifNeuron(let n): XCTAssertEqual(Double(n.windowSize), w, "\(c.id) \(layer.name)")
                    case .readout(let r): XCTAssertEqual(Double(r.windowSize), w, "\(c.id) \(layer.name)")
                    case .dense: break
                    }
                }
            }
        }
    }

    private func typeText(_ d: [String: JSONValue], _ slot: String) -> String? {
        if case .string(let s) = JSONValue.member(d["types"] ?? .null, slot) { return s }
        return nil
    }

    /// The constants the C++ uses after quantization equal effective_params.
    func testEffectiveParameters() throws {
        for c in try HLSCase.all() {
            let sim = FixedSimulator(try c.model())
            guard case .object(let eff, _) = c["effective_params"] else { return XCTFail(c.id) }
            for (layer, v) in eff {
                guard case .object(let params, _) = v else { continue }
                let got = sim.effectiveParameters(layer)
                for (key, want) in params {
                    let w = try want.flatNumbers(key)
                    guard let g = got[key] else { XCTFail("\(c.id) \(layer).\(key) missing"); continue }
                    // scalars are reported once in the case, once per neuron here
                    let cmp = w.count == 1 ? Array(g.prefix(1)) : g
                    if w.count == 1 { XCTAssertTrue(g.allSatisfy { $0 == w[0] }, "\(c.id) \(layer).\(key)") }
                    XCTAssertEqual(cmp, w, "\(c.id) \(layer).\(key)")
                }
            }
        }
    }

    /// Compares a run with expected.<which> of a case: the output and every traced value.
    private func assertEqualsExpected(_ c: HLSCase, _ which: String, _ out: [[Double]], _ trace: HLSTrace?) {
        let want = c.expected(which)
        if let d = firstDifference(out, want.output) { XCTFail("\(c.id) \(which) output: \(d)") }
        for (layer, keys) in want.layers {
            for (key, rows) in keys {
                guard let got = trace?.layers[layer]?[key] else { XCTFail("\(c.id) \(which) \(layer).\(key) not traced"); continue }
                if let d = firstDifference(got, rows) { XCTFail("\(c.id) \(which) \(layer).\(key): \(d)") }
            }
        }
        XCTAssertEqual(Set(trace?.order ?? []), Set(want.layers.keys), c.id)
    }

    /// The fixed-point simulator equals expected.csim at every step of every layer.
    func testFixedSimulatorEqualsCsim() throws {
        for c in try HLSCase.all() {
            let (out, trace) = FixedSimulator(try c.model()).run(c.input, trace: true)
            assertEqualsExpected(c, "csim", out, trace)
        }
    }

    /// The float reference equals expected.float.
    func testFloatReferenceEqualsExpectedFloat() throws {
        for c in try HLSCase.all() {
            let (out, trace) = FloatSimulator(try c.model()).run(c.input, trace: true)
            assertEqualsExpected(c, "float", out, trace)
        }
    }

    /// One call per step keeps state: a sequence split into two runs equals one run, and
    /// reset() starts again from zero.
    func testStateSurvivesBetweenCallsAndResetClearsIt() throws {
        let c = try HLSCase(file: "S19_lif_8-16-4_policy_never_quirk_w8.json")
        let sim = FixedSimulator(try c.model())
        let x = c.input
        let whole = sim.run(x).output
        sim.reset()
        let a = sim.run(Array(x[..<7])).output, b = sim.run(Array(x[7...])).output
        XCTAssertEqual(a + b, whole)
        sim.reset()
        XCTAssertEqual(sim.run(x).output, whole)
    }
}
