/// Runs an `HLSModel` bit-exactly as its generated C++ does, without a compiler: one call of
/// `step` is one call of the top function. State (membranes, readout counts and membranes,
/// each layer's window counter) starts at zero and survives between calls, as the C++'s
/// function-local statics do; `reset()` is reloading the library.
///
/// Every value is an integer mantissa of its declared type; products and sums are exact
/// (128-bit) and rounded / overflow-handled only when stored into a type (see `FixedType`).
public final class FixedSimulator {
    public let model: HLSModel
    private var kernels: [Kernel]
    private let input: FixedType
    /// The input type's mantissa of 1 (a spike).
    private let inputOne: Int64

    /// One layer, ready to run: its constants as mantissas and its state.
    private struct Kernel {
        let name: String
        let inType: FixedType
        let outType: FixedType
        let op: Op
        /// Dense with a wrapping accumulator whose products need no rounding: weight * 2^(F_acc
        /// - F_w - F_x), for modular accumulation (nil otherwise).
        var modularWeights: [Int64]? = nil
        /// Membranes (neurons, membrane readout), and a spike readout's counts.
        var state: [Int64]
        var counts: [Int]
        var counter = 0
    }

    private enum Op {
        case dense(nIn: Int, nOut: Int, w: [Int64], b: [Int64], wt: FixedType, bt: FixedType, acc: FixedType)
        case neuron(n: Int, lif: Bool, beta: [Int64], bt: FixedType, thr: [Int64], tt: FixedType,
                    mem: FixedType, zero: Bool, window: Int)
        case readout(r: HLSReadout, mem: FixedType, betaM: Int64)
    }

    public init(_ model: HLSModel) {
        self.model = model
        self.input = model.input.type
        self.inputOne = model.input.type.store(1.0)
        var ks: [Kernel] = []
        var inType = model.input.type
        for layer in model.layers {
            let out = layer.type("result_t")
            let op: Op
            switch layer.kind {
            case .dense(let d):
                let wt = layer.type("weight_t"), bt = layer.type("bias_t")
                op = .dense(nIn: d.nIn, nOut: d.nOut, w: d.weight.map(wt.storeArrayElement),
                            b: d.bias.map(bt.storeArrayElement), wt: wt, bt: bt, acc: layer.type("accum_t"))
            case .ifNeuron(let n), .lifNeuron(let n):
                let tt = layer.type("threshold_t")
                let lif = n.beta != nil
                let bt = lif ? layer.type("beta_t") : tt
                op = .neuron(n: n.n, lif: lif, beta: Self.constants(n.beta ?? .scalar(1), n.n, bt),
                             bt: bt, thr: Self.constants(n.threshold, n.n, tt), tt: tt,
                             mem: layer.type("membrane_t"), zero: n.reset == .zero,
                             window: n.windowSize)
            case .readout(let r):
                let mem = layer.type("membrane_t")
                op = .readout(r: r, mem: mem, betaM: mem.storeFloatConstant(r.beta))
            }
            let width = layer.stateWidth
            var kernel = Kernel(name: layer.name, inType: inType, outType: out, op: op,
                                state: Array(repeating: 0, count: width), counts: Array(repeating: 0, count: width))
            if case .dense(_, _, let w, _, let wt, _, let acc) = op, acc.overflow == .wrap {
                let shift = acc.fracBits - wt.fracBits
                if shift >= 0 && shift < 48 {
                    kernel.modularWeights = w.map { $0 &<< Int64(shift) }
                }
            }
            ks.append(kernel)
            inType = out
        }
        kernels = ks
    }

    private init(copying other: FixedSimulator) {
        model = other.model
        input = other.input
        inputOne = other.inputOne
        kernels = other.kernels
    }

    /// A simulator of the same model from zero state, sharing the quantized constants (cheaper
    /// than a new one for large layers: the weights are not quantized again).
    public func fresh() -> FixedSimulator {
        let s = FixedSimulator(copying: self)
        s.reset()
        return s
    }

    /// Scalar constants are float literals; vectors are weight arrays.
    private static func constants(_ p: HLSParam, _ n: Int, _ t: FixedType) -> [Int64] {
        switch p {
        case .scalar(let v): return Array(repeating: t.storeFloatConstant(v), count: n)
        case .vector(let v): return v.map(t.storeArrayElement)
        }
    }

    /// Clears every layer's state (as reloading the compiled library does).
    public func reset() {
        for k in kernels.indices {
            kernels[k].counter = 0
            for i in kernels[k].state.indices { kernels[k].state[i] = 0 }
            for i in kernels[k].counts.indices { kernels[k].counts[i] = 0 }
        }
    }

    /// The effective (quantized) parameters of a layer, as the C++ uses them: `weight`,
    /// `bias`, `threshold`, `beta` (for a readout, its beta in `membrane_t`).
    public func effectiveParameters(_ layer: String) -> [String: [Double]] {
        guard let k = kernels.first(where: { $0.name == layer }) else { return [:] }
        switch k.op {
        case .dense(_, _, let w, let b, let wt, let bt, _):
            return ["weight": w.map(wt.value), "bias": b.map(bt.value)]
        case .neuron(_, let lif, let beta, let bt, let thr, let tt, _, _, _):
            var out = ["threshold": thr.map(tt.value)]
            if lif { out["beta"] = beta.map(bt.value) }
            return out
        case .readout(_, let mem, let betaM):
            return ["beta": [mem.value(betaM)]]
        }
    }

    /// Runs one time step (one call of the top function) on one input row of float32 values;
    /// returns the model output. With `trace`, appends every layer's values of this step.
    public func step(_ x: [Double], trace: UnsafeMutablePointer<HLSTrace>? = nil) -> [Double] {
        let one = inputOne
        var cur = x.map { $0 == 0 ? 0 : ($0 == 1 ? one : input.store(Double(Float($0)))) }
        for k in kernels.indices {
            cur = run(&kernels[k], cur, trace)
        }
        let outType = kernels.last?.outType ?? input
        return cur.map(outType.value)
    }

    /// Runs T steps (rows of `xs`), returning `[T][n_out]` and, if asked, the trace.
    public func run(_ xs: [[Double]], trace: Bool = false) -> (output: [[Double]], trace: HLSTrace?) {
        var t = HLSTrace()
        var out: [[Double]] = []
        out.reserveCapacity(xs.count)
        for row in xs {
            if trace {
                out.append(withUnsafeMutablePointer(to: &t) { step(row, trace: $0) })
            } else {
                out.append(step(row))
            }
        }
        return (out, trace ? t : nil)
    }

    private func run(_ k: inout Kernel, _ x: [Int64], _ trace: UnsafeMutablePointer<HLSTrace>?) -> [Int64] {
        let inT = k.inType, outT = k.outType
        let fx = inT.fracBits
        switch k.op {
        case .dense(let nIn, let nOut, let w, let b, let wt, let bt, let acc):
            let fa = acc.fracBits, fp = fx + wt.fracBits
            var y = [Int64](repeating: 0, count: nOut)
            var sums = b.map { acc.store(Int128($0), frac: bt.fracBits) }
            if let wShifted = k.modularWeights {
                // A wrapping accumulator: the sum is modulo 2^W, so the stored products are
                // accumulated in wrapping 64-bit arithmetic and wrapped once at the end. An
                // integer input (a spike) times a weight needs no rounding: v * w on the
                // accumulator's grid; any other input stores its product exactly as C_accum does.
                let intMask: Int64 = fx > 0 ? (Int64(1) << min(fx, 62)) - 1 : 0
                for i in 0..<nIn where x[i] != 0 {
                    let row = i * nOut, xi = x[i]
                    if fx <= 62 && xi & intMask == 0 {
                        let v = fx >= 0 ? xi >> fx : xi &<< Int64(-fx)
                        if v == 1 {
                            for j in 0..<nOut { sums[j] = sums[j] &+ wShifted[row + j] }
                        } else {
                            for j in 0..<nOut { sums[j] = sums[j] &+ v &* wShifted[row + j] }
                        }
                    } else {
                        let x128 = Int128(xi)
                        for j in 0..<nOut { sums[j] = sums[j] &+ acc.store(x128 * Int128(w[row + j]), frac: fp) }
                    }
                }
                for j in 0..<nOut { y[j] = outT.store(Int128(acc.storeOnGrid(Int128(sums[j]))), frac: fa) }
                trace?.pointee.append(k.name, "out", y.map(outT.value))
                return y
            }
            for i in 0..<nIn where x[i] != 0 {
                let xi = Int128(x[i])
                let row = i * nOut
                for j in 0..<nOut {
                    let p = acc.store(xi * Int128(w[row + j]), frac: fp)
                    sums[j] = acc.storeOnGrid(Int128(sums[j]) + Int128(p))
                }
            }
            for j in 0..<nOut { y[j] = outT.store(Int128(sums[j]), frac: fa) }
            trace?.pointee.append(k.name, "out", y.map(outT.value))
            return y

        case .neuron(let n, let lif, let beta, let bt, let thr, let tt, let mem, let zero, let window):
            let fm = mem.fracBits, ft = tt.fracBits, fc = max(fm, ft)
            let one = outT.store(1.0)
            var y = [Int64](repeating: 0, count: n)
            var pre = [Double](), post = [Double]()
            if trace != nil { pre.reserveCapacity(n); post.reserveCapacity(n) }
            for i in 0..<n {
                let xin = Int128(mem.store(Int128(x[i]), frac: fx))
                let leaked = lif ? Int128(mem.store(Int128(beta[i]) * Int128(k.state[i]), frac: bt.fracBits + fm))
                    : Int128(k.state[i])
                var v = mem.storeOnGrid(leaked + xin)
                if trace != nil { pre.append(mem.value(v)) }
                let vAligned = Int128(v) << (fc - fm), tAligned = Int128(thr[i]) << (fc - ft)
                if vAligned >= tAligned {
                    v = zero ? 0 : mem.store(vAligned - tAligned, frac: fc)
                    y[i] = one
                }
                if trace != nil { post.append(mem.value(v)) }
                k.state[i] = v
            }
            k.counter += 1
            if window > 0 && k.counter == window {
                k.counter = 0
                for i in 0..<n { k.state[i] = 0 }
            }
            if let trace {
                trace.pointee.append(k.name, "out", y.map(outT.value))
                trace.pointee.append(k.name, "v_pre", pre)
                trace.pointee.append(k.name, "v_post", post)
            }
            return y

        case .readout(let r, let mem, let betaM):
            let c = r.nClasses
            let result: Int64
            if r.mode == .spike {
                for i in 0..<c where x[i] != 0 { k.counts[i] += 1 }
                result = outT.store(Int128(Self.decide(r, k.counts)), frac: 0)
                trace?.pointee.append(k.name, "counts", k.counts.map(Double.init))
            } else {
                let fm = mem.fracBits
                for i in 0..<c {
                    let leaked = Int128(mem.store(Int128(betaM) * Int128(k.state[i]), frac: 2 * fm))
                    k.state[i] = mem.storeOnGrid(leaked + Int128(mem.store(Int128(x[i]), frac: fx)))
                }
                if r.rule == .binaryLogit {
                    result = outT.store(Int128(k.state[1]) - Int128(k.state[0]), frac: fm)
                } else {
                    var best = 0
                    for i in 1..<max(c, 1) where k.state[i] > k.state[best] { best = i }
                    result = outT.store(Int128(best), frac: 0)
                }
                trace?.pointee.append(k.name, "membrane", k.state.map(mem.value))
            }
            k.counter += 1
            if k.counter >= max(r.windowSize, 1) {
                k.counter = 0
                for i in 0..<c { k.counts[i] = 0; k.state[i] = 0 }
            }
            trace?.pointee.append(k.name, "out", [outT.value(result)])
            return [result]
        }
    }

    /// The spike-mode decision on the running counts.
    static func decide(_ r: HLSReadout, _ counts: [Int]) -> Int {
        switch r.rule {
        case .binaryLogit:
            return counts.count >= 2 ? counts[1] - counts[0] : 0
        case .firstToThreshold, .thresholdThenArgmax:
            if let first = counts.firstIndex(where: { $0 >= r.classThreshold }) { return first }
            return argmax(counts)
        case .argmaxSpikeCount, .argmaxMembrane:
            return argmax(counts)
        }
    }

    static func argmax<T: Comparable>(_ v: [T]) -> Int {
        var best = 0
        for i in v.indices where v[i] > v[best] { best = i }
        return best
    }
}
