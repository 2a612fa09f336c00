import CelestaCPU
import CelestaIR
import XCTest

/// The simulator's input rule, batches, feedback, precisions and bad input.
final class CPUSimulatorTests: XCTestCase {
    typealias G = GraphMaker

    /// Input -> Affine(8x6) -> LIF(8) -> Output.
    func mlp() -> IRGraph {
        var noise = Noise(state: 11)
        var m = GraphMaker()
        m.input("in", [6])
        m.node("fc", "Affine", ["weight": G.t(noise.values(48), [8, 6]), "bias": G.t(noise.values(8))], from: ["in"])
        m.node("lif", "LIF", ["tau": G.t([Float](repeating: 3, count: 8)), "r": G.t([Float](repeating: 2, count: 8)),
                              "v_leak": G.t([Float](repeating: 0, count: 8)), "v_threshold": G.t([Float](repeating: 0.5, count: 8))], from: ["fc"])
        m.output("out", [8], from: "lif")
        return m.graph
    }

    func testConstantInputShapesAgree() throws {
        let g = mlp()
        let x: [Float] = [0.5, 1, -0.2, 0.3, 0.9, 0.1]
        let a = try simulate(g, ["in": CPUArray(shape: [6], values: x)], steps: 5)
        let b = try simulate(g, ["in": CPUArray(shape: [1, 6], values: x)], steps: 5)
        let c = try simulate(g, ["in": CPUArray(shape: [5, 6], values: Array([[Float]](repeating: x, count: 5).joined()))], steps: 5)
        XCTAssertEqual(a.outputs[0].value, b.outputs[0].value)
        XCTAssertEqual(a.outputs[0].value, c.outputs[0].value)
        XCTAssertEqual(a.spikeCounts.map { $0.count }, c.spikeCounts.map { $0.count })
        XCTAssertNil(a.batch)
    }

    /// A batch gives each sample what a run of that sample alone gives, on any number of threads.
    func testBatchEqualsSeparateRuns() throws {
        let g = mlp()
        var noise = Noise(state: 5)
        let (batch, steps) = (5, 4)
        let x = noise.values(batch * steps * 6)
        for threads in [1, 2, 3] {
            let r = try simulate(g, ["in": CPUArray(shape: [batch, steps, 6], values: x)], steps: steps, threads: threads)
            XCTAssertEqual(r.batch, batch)
            XCTAssertEqual(r.outputs[0].value.shape, [batch, 8])
            var total = 0
            for b in 0..<batch {
                let one = try simulate(g, ["in": CPUArray(shape: [steps, 6], values: Array(x[(b * steps * 6)..<((b + 1) * steps * 6)]))], steps: steps)
                XCTAssertEqual(Array(r.outputs[0].value.values[(b * 8)..<((b + 1) * 8)]), one.outputs[0].value.values, "sample \(b)")
                total += one.spikeCounts[0].count
            }
            XCTAssertEqual(r.spikeCounts[0].count, total)
        }
    }

    func testBadInputsNameTheNode() {
        let g = mlp()
        func message(_ inputs: [String: CPUArray], steps: Int = 3) -> String {
            do {
                _ = try simulate(g, inputs, steps: steps)
                return "no error"
            } catch let e as CelestaError { return e.message } catch { return "\(error)" }
        }
        XCTAssertTrue(message(["in": CPUArray(shape: [7], values: [Float](repeating: 0, count: 7))]).contains("node 'in' (Input): input shape [7]"))
        XCTAssertTrue(message(["in": CPUArray(shape: [4, 6], values: [Float](repeating: 0, count: 24))]).contains("has 4 steps"))
        XCTAssertTrue(message([:]).contains("node 'in' (Input): no input data"))
        XCTAssertTrue(message(["in": CPUArray(shape: [6], values: [0, 0, .nan, 0, 0, 0])]).contains("NaN"))
        XCTAssertTrue(message(["nope": CPUArray(shape: [6], values: [Float](repeating: 0, count: 6))]).contains("'nope'"))
        XCTAssertTrue(message(["in": CPUArray(shape: [6], values: [Float](repeating: 0, count: 6))], steps: 0).contains("n_steps"))
    }

    func testShapeMismatchInsideTheGraphNamesTheNode() throws {
        var m = GraphMaker()
        m.input("in", [5])
        m.node("fc", "Affine", ["weight": G.t([Float](repeating: 1, count: 12), [3, 4]), "bias": G.t([0, 0, 0])], from: ["in"])
        m.output("out", [3], from: "fc")
        XCTAssertThrowsError(try simulate(m.graph, ["in": CPUArray(shape: [5], values: [1, 1, 1, 1, 1])])) { e in
            XCTAssertEqual((e as? CelestaError)?.code, .shapeMismatch)
            XCTAssertTrue("\(e)".contains("node 'fc' (Affine)"), "\(e)")
        }
        let v = CPUBackend().validate(m.graph)
        XCTAssertFalse(v.isValid)
        XCTAssertTrue(v.errors.joined().contains("node 'fc'"))
    }

    func testUnsupportedPrimitiveIsRefusedByName() throws {
        var m = GraphMaker()
        m.input("in", [4])
        m.node("d", "Dist2BBox", ["stride": .int(8)], from: ["in"])
        m.output("out", [4], from: "d")
        let v = CPUBackend().validate(m.graph)
        XCTAssertEqual(v.unsupportedNodes, ["d"])
        XCTAssertThrowsError(try simulate(m.graph, ["in": CPUArray(shape: [4], values: [1, 2, 3, 4])])) { e in
            XCTAssertEqual((e as? CelestaError)?.code, .unsupported)
            XCTAssertTrue("\(e)".contains("node 'd' (Dist2BBox)"))
        }
    }

    /// A feedback edge carries the previous step's value (zeros at the first step).
    func testFeedbackCarriesThePreviousStep() throws {
        var m = GraphMaker()
        m.input("in", [1])
        m.node("acc", "Scale", ["scale": G.t([1])], from: ["in"])
        m.node("fb", "Scale", ["scale": G.t([1])], from: ["acc"])
        m.graph.connect("fb", "acc")
        m.graph.allowCycles = true
        m.output("out", [1], from: "acc")
        let r = try simulate(m.graph, ["in": CPUArray(shape: [1], values: [1])], steps: 4, stepByStep: true)
        XCTAssertEqual(r.nodeStates.map { $0.first { $0.name == "acc" }!.value.values[0] }, [1, 2, 3, 4])
    }

    func testPrecisionsSaturateAndRound() throws {
        var m = GraphMaker()
        m.input("in", [2])
        m.node("s", "Scale", ["scale": G.t([100, 0.1])], from: ["in"])
        m.output("out", [2], from: "s")
        let x = CPUArray(shape: [2], values: [3, 1])
        XCTAssertEqual(try simulate(m.graph, ["in": x], precision: .int8).outputs[0].value.values[0], 127)
        XCTAssertEqual(try simulate(m.graph, ["in": x], precision: .int4).outputs[0].value.values[0], 7)
        XCTAssertEqual(try simulate(m.graph, ["in": x], precision: .fp32).outputs[0].value.values, [300, 0.1])
        XCTAssertEqual(try simulate(m.graph, ["in": x], precision: .fp16).outputs[0].value.values[1], Float(Float16(Float(0.1))))
        XCTAssertThrowsError(try CPUPrecision(named: "int3"))
    }

    /// TALON's simulator: only Affine and LIF compute, an IF passes through, LIF adds its input
    /// unscaled and resets to v_leak, int8 saturation.
    func testTalonSimulatorQuirks() {
        var m = GraphMaker()
        m.input("in", [2])
        m.node("if", "IF", ["v_threshold": G.t([0.5, 0.5])], from: ["in"])
        m.node("lif", "LIF", ["tau": G.t([2, 2]), "r": G.t([5, 5]), "v_leak": G.t([0.25, 0.25]), "v_threshold": G.t([1, 200])], from: ["if"])
        m.output("out", [2], from: "lif")
        let r = TalonSimulator.run(m.graph, inputs: ["in": CPUArray(shape: [2], values: [1.5, 300])], nSteps: 2, stepByStep: true)
        XCTAssertTrue(r.outputsValid)
        // Step 1: v = 0.5 (0 - 0.25) + 0.25 = 0.125, + x -> 1.625 (spike, reset 0.25) and 127 (saturated, below 200).
        XCTAssertEqual(r.nodeStates[0].first { $0.name == "if" }!.value.values, [1.5, 300])
        XCTAssertEqual(r.nodeStates[0].first { $0.name == "lif" }!.value.values, [1, 0])
        XCTAssertEqual(r.spikeCounts.first { $0.name == "lif" }!.count, 2)
        XCTAssertEqual(r.timestepsRun, 2)
    }
}
