import CelestaCPU
import CelestaIR
import XCTest

/// Each kernel against a plain loop written here.
final class CPUKernelTests: XCTestCase {
    typealias G = GraphMaker

    func testAffineComputesWxPlusB() throws {
        var m = GraphMaker()
        m.input("in", [3])
        m.node("fc", "Affine", ["weight": G.t([1, 2, 3, 4, 5, 6], [2, 3]), "bias": G.t([0.5, -1])], from: ["in"])
        m.output("out", [2], from: "fc")
        let r = try simulate(m.graph, ["in": CPUArray(shape: [3], values: [1, 0, -2])])
        let expected: [Float] = [-4.5, -9]
        XCTAssertEqual(r.outputs[0].value.values, expected)
        XCTAssertEqual(r.outputs[0].value.shape, [2])
    }

    func testBinaryAndAnalogInputsGiveTheSameAffine() throws {
        // The event path (inputs 0/1) and the scaled path agree with a plain dot product.
        var noise = Noise(state: 7)
        let w: [Float] = noise.values(40 * 30)
        var x = [Float](repeating: 0, count: 30)
        for i in 0..<30 where i % 3 != 1 { x[i] = i % 3 == 0 ? 1 : Float(i) / 10 }
        var m = GraphMaker()
        m.input("in", [30])
        m.node("fc", "Affine", ["weight": G.t(w, [40, 30]), "bias": G.t([Float](repeating: 0, count: 40))], from: ["in"])
        m.output("out", [40], from: "fc")
        let r = try simulate(m.graph, ["in": CPUArray(shape: [30], values: x)])
        var expected = [Float](repeating: 0, count: 40)
        for o in 0..<40 { for i in 0..<30 { expected[o] += w[o * 30 + i] * x[i] } }
        assertClose(r.outputs[0].value.values, expected)
    }

    /// Conv2d with stride, padding, dilation and groups against the definition.
    func testConv2dMatchesTheDefinition() throws {
        var noise = Noise(state: 3)
        let (cin, h, w, cout, k, groups) = (4, 7, 6, 6, 3, 2)
        let weights = noise.values(cout * (cin / groups) * k * k), bias = noise.values(cout), x = noise.values(cin * h * w)
        for (stride, pad, dil) in [(1, 0, 1), (2, 1, 1), (1, 2, 2), (2, 0, 1)] {
            var m = GraphMaker()
            m.input("in", [cin, h, w])
            m.node("conv", "Conv2d", ["weight": G.t(weights, [cout, cin / groups, k, k]), "bias": G.t(bias), "stride": .int(stride),
                                      "padding": .int(pad), "dilation": .int(dil), "groups": .int(groups)], from: ["in"])
            let ho = (h + 2 * pad - dil * (k - 1) - 1) / stride + 1, wo = (w + 2 * pad - dil * (k - 1) - 1) / stride + 1
            m.output("out", [cout, ho, wo], from: "conv")
            let r = try simulate(m.graph, ["in": CPUArray(shape: [cin, h, w], values: x)])
            var expected = [Float](repeating: 0, count: cout * ho * wo)
            for o in 0..<cout {
                let g = o / (cout / groups)
                for r0 in 0..<ho {
                    for c0 in 0..<wo {
                        var s = bias[o]
                        for ci in 0..<(cin / groups) {
                            for a in 0..<k {
                                for b in 0..<k {
                                    let y = r0 * stride - pad + a * dil, xx = c0 * stride - pad + b * dil
                                    if y < 0 || y >= h || xx < 0 || xx >= w { continue }
                                    s += weights[((o * (cin / groups) + ci) * k + a) * k + b] * x[((g * (cin / groups) + ci) * h + y) * w + xx]
                                }
                            }
                        }
                        expected[(o * ho + r0) * wo + c0] = s
                    }
                }
            }
            XCTAssertEqual(r.outputs[0].value.shape, [cout, ho, wo])
            assertClose(r.outputs[0].value.values, expected)
        }
    }

    func testMaxPoolCeilModeKeepsThePartialWindow() throws {
        var m = GraphMaker()
        m.input("in", [1, 5, 5])
        m.node("pool", "MaxPool2d", ["kernel_size": .int(2), "stride": .int(2), "ceil_mode": .bool(true)], from: ["in"])
        m.output("out", [1, 3, 3], from: "pool")
        let x = (0..<25).map { Float($0) }
        let r = try simulate(m.graph, ["in": CPUArray(shape: [1, 5, 5], values: x)])
        XCTAssertEqual(r.outputs[0].value.shape, [1, 3, 3])
        XCTAssertEqual(r.outputs[0].value.values, [6, 8, 9, 16, 18, 19, 21, 23, 24])
    }

    func testAvgPoolCountsPaddingAsAsked() throws {
        for include in [true, false] {
            var m = GraphMaker()
            m.input("in", [1, 2, 2])
            m.node("pool", "AvgPool2d", ["kernel_size": .int(2), "stride": .int(1), "padding": .int(1), "count_include_pad": .bool(include)], from: ["in"])
            m.output("out", [1, 3, 3], from: "pool")
            let r = try simulate(m.graph, ["in": CPUArray(shape: [1, 2, 2], values: [4, 4, 4, 4])])
            XCTAssertEqual(r.outputs[0].value.values[0], include ? 1 : 4)
            XCTAssertEqual(r.outputs[0].value.values[4], 4)
        }
    }

    /// LIF integrates tau dv/dt = (v_leak - v) + r i with Euler steps of dt = 1 and resets to 0.
    func testLIFFollowsTheODE() throws {
        var m = GraphMaker()
        m.input("in", [1])
        m.node("lif", "LIF", ["tau": G.t([4]), "r": G.t([2]), "v_leak": G.t([0.1]), "v_threshold": G.t([1])], from: ["in"])
        m.output("out", [1], from: "lif")
        let r = try simulate(m.graph, ["in": CPUArray(shape: [1], values: [0.6])], steps: 8, stepByStep: true)
        var v: Float = 0
        var spikes = 0
        for t in 0..<8 {
            v += 0.25 * (0.1 - v + 2 * 0.6)
            let s: Float = v >= 1 ? 1 : 0
            if s == 1 { v = 0; spikes += 1 }
            XCTAssertEqual(r.nodeStates[t].first { $0.name == "lif" }!.value.values, [s], "step \(t)")
        }
        XCTAssertEqual(r.spikeCounts.first { $0.name == "lif" }!.count, spikes)
        XCTAssertGreaterThan(spikes, 0)
    }

    func testCubaLIFFiltersThroughTheSynapse() throws {
        var m = GraphMaker()
        m.input("in", [1])
        m.node("n", "CubaLI", ["tau_syn": G.t([2]), "tau_mem": G.t([4]), "r": G.t([1]), "v_leak": G.t([0])], from: ["in"])
        m.output("out", [1], from: "n")
        let r = try simulate(m.graph, ["in": CPUArray(shape: [1], values: [1])], steps: 3)
        var i: Float = 0, v: Float = 0
        for _ in 0..<3 {
            i += 0.5 * (1 - i)
            v += 0.25 * (-v + i)
        }
        assertClose(r.outputs[0].value.values, [v])
    }

    func testDelayShiftsByRoundedSteps() throws {
        var m = GraphMaker()
        m.input("in", [2])
        m.node("d", "Delay", ["delay": G.t([0, 2])], from: ["in"])
        m.output("out", [2], from: "d")
        let seq: [Float] = [1, 10, 2, 20, 3, 30, 4, 40]
        let r = try simulate(m.graph, ["in": CPUArray(shape: [4, 2], values: seq)], steps: 4, stepByStep: true)
        let got = r.nodeStates.map { $0.first { $0.name == "d" }!.value.values }
        XCTAssertEqual(got, [[1, 0], [2, 0], [3, 10], [4, 20]])
    }

    func testConcatSplitAndResidual() throws {
        var m = GraphMaker()
        m.input("in", [4])
        m.node("split", "ChannelSplit", ["split_sections": .list([.int(1), .int(3)])], from: ["in"], inputType: PortShapes("input", [4]))
        m.node("a", "Scale", ["scale": G.t([2])], from: ["split"])
        m.node("b", "Scale", ["scale": G.t([1, 1, 1])], from: ["split"])
        m.node("cat", "Concat", ["num_inputs": .int(2)], from: ["a", "b"])
        m.node("res", "Skip", ["skip_type": .string("residual")], from: ["cat", "in"])
        m.output("out", [4], from: "res")
        let r = try simulate(m.graph, ["in": CPUArray(shape: [4], values: [1, 2, 3, 4])])
        XCTAssertEqual(r.outputs[0].value.values, [3, 4, 6, 8])
    }

    func testActivationsAndNorms() throws {
        var m = GraphMaker()
        m.input("in", [3])
        m.node("ln", "LayerNorm", ["normalized_shape": .list([.int(3)]), "weight": G.t([1, 1, 1]), "bias": G.t([0, 0, 0])], from: ["in"])
        m.node("sm", "Softmax", ["features": .int(3)], from: ["ln"])
        m.output("out", [3], from: "sm")
        let r = try simulate(m.graph, ["in": CPUArray(shape: [3], values: [1, 2, 3])])
        let variance: Float = 2.0 / 3.0
        let inv: Float = 1 / (variance + 1e-5).squareRoot()
        let e: [Float] = [expf(-inv), 1, expf(inv)]
        let total: Float = e[0] + e[1] + e[2]
        assertClose(r.outputs[0].value.values, [e[0] / total, e[1] / total, e[2] / total], tol: 1e-4)
    }
}
