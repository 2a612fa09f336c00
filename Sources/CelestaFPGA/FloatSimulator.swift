/// The "ideal" model next to the fixed-point one: the same layers, update order, window
/// rule and tie-breaking in float64 with the nominal parameters, no quantization anywhere.
/// Its difference from `FixedSimulator` is the quantization loss.
public final class FloatSimulator {
    public let model: HLSModel
    private var state: [[Double]]
    private var counts: [[Int]]
    private var counters: [Int]

    public init(_ model: HLSModel) {
        self.model = model
        state = model.layers.map { Array(repeating: 0, count: $0.stateWidth) }
        counts = state.map { Array(repeating: 0, count: $0.count) }
        counters = Array(repeating: 0, count: model.layers.count)
    }

    public func reset() {
        state = model.layers.map { Array(repeating: 0, count: $0.stateWidth) }
        counts = state.map { Array(repeating: 0, count: $0.count) }
        counters = Array(repeating: 0, count: model.layers.count)
    }

    /// One time step; the input values are taken as float32, as `predict()` hands them over.
    public func step(_ x: [Double], trace: UnsafeMutablePointer<HLSTrace>? = nil) -> [Double] {
        var cur = x.map { Double(Float($0)) }
        for (k, layer) in model.layers.enumerated() {
            cur = run(k, layer, cur, trace)
        }
        return cur
    }

    public func run(_ xs: [[Double]], trace: Bool = false) -> (output: [[Double]], trace: HLSTrace?) {
        var t = HLSTrace()
        var out: [[Double]] = []
        for row in xs {
            out.append(trace ? withUnsafeMutablePointer(to: &t) { step(row, trace: $0) } : step(row))
        }
        return (out, trace ? t : nil)
    }

    private func run(_ k: Int, _ layer: HLSLayer, _ x: [Double], _ trace: UnsafeMutablePointer<HLSTrace>?) -> [Double] {
        switch layer.kind {
        case .dense(let d):
            var y = d.bias
            for i in 0..<d.nIn where x[i] != 0 {
                for j in 0..<d.nOut { y[j] += x[i] * d.weight[i * d.nOut + j] }
            }
            trace?.pointee.append(layer.name, "out", y)
            return y
        case .ifNeuron(let n), .lifNeuron(let n):
            var y = [Double](repeating: 0, count: n.n)
            var pre: [Double] = [], post: [Double] = []
            for i in 0..<n.n {
                var v = (n.beta.map { $0.value(i) * state[k][i] } ?? state[k][i]) + x[i]
                pre.append(v)
                let thr = n.threshold.value(i)
                if v >= thr {
                    v = n.reset == .zero ? 0 : v - thr
                    y[i] = 1
                }
                post.append(v)
                state[k][i] = v
            }
            counters[k] += 1
            if n.windowSize > 0 && counters[k] == n.windowSize {
                counters[k] = 0
                state[k] = Array(repeating: 0, count: n.n)
            }
            trace?.pointee.append(layer.name, "out", y)
            trace?.pointee.append(layer.name, "v_pre", pre)
            trace?.pointee.append(layer.name, "v_post", post)
            return y
        case .readout(let r):
            let result: Double
            if r.mode == .spike {
                for c in 0..<r.nClasses where x[c] != 0 { counts[k][c] += 1 }
                result = Double(FixedSimulator.decide(r, counts[k]))
                trace?.pointee.append(layer.name, "counts", counts[k].map(Double.init))
            } else {
                for c in 0..<r.nClasses { state[k][c] = r.beta * state[k][c] + x[c] }
                result = r.rule == .binaryLogit ? state[k][1] - state[k][0] : Double(FixedSimulator.argmax(state[k]))
                trace?.pointee.append(layer.name, "membrane", state[k])
            }
            counters[k] += 1
            if counters[k] >= max(r.windowSize, 1) {
                counters[k] = 0
                state[k] = Array(repeating: 0, count: r.nClasses)
                counts[k] = Array(repeating: 0, count: r.nClasses)
            }
            trace?.pointee.append(layer.name, "out", [result])
            return [result]
        }
    }
}
