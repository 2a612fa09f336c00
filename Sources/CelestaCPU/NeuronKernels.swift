import CelestaIR

/// The neuron dynamics, integrated with forward Euler at the run's `dt` (one step = dt):
///
/// | model | state update per step (input x) | output |
/// |---|---|---|
/// | LIF | v += dt/tau (v_leak - v + r x); spike s = v >= v_threshold; v = v_reset where s | s |
/// | IF | v += dt r x; s = v >= v_threshold; v = v_reset where s | s |
/// | I | v += dt r x | v |
/// | LI | v += dt/tau (v_leak - v + r x) | v |
/// | CubaLI | i += dt/tau_syn (w_in x - i); v += dt/tau_mem (v_leak - v + r i) | v |
/// | CubaLIF | as CubaLI, then spike and reset as LIF | s |
///
/// `r` defaults to 1 and `v_reset` to 0 where the node has none. A node's parameters are
/// per neuron (a single value broadcasts). The precision saturates or rounds the states.
final class NeuronKernel: CPUKernel {
    enum Model: String { case lif = "LIF", ifire = "IF", integrator = "I", li = "LI", cubaLI = "CubaLI", cubaLIF = "CubaLIF" }
    let model: Model
    let n: Int
    let outputShape: [Int]
    let precision: CPUPrecision
    /// dt / tau (membrane), dt / tau_syn, r (times dt for I and IF), v_leak, threshold, reset, w_in.
    let alpha: [Float], beta: [Float], r: [Float], leak: [Float], threshold: [Float], reset: [Float], win: [Float]
    var stateSize: Int { model == .cubaLI || model == .cubaLIF ? 2 * n : n }
    var spiking: Bool { model == .lif || model == .ifire || model == .cubaLIF }

    init(_ c: CPUKernelContext, model: Model) throws {
        self.model = model
        let n = c.inputCount
        self.n = n
        outputShape = c.inputShape
        let spikes = model == .lif || model == .ifire || model == .cubaLIF
        precision = c.precision
        let dt = Float(c.dt)
        let zeros = [Float](repeating: 0, count: n)
        func inverse(_ name: String) throws -> [Float] {
            let tau = try c.perNeuron(name, n)
            guard tau.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw c.fail("'\(name)' must be positive", .invalidArgument) }
            return tau.map { dt / $0 }
        }
        switch model {
        case .lif, .li: (alpha, beta) = (try inverse("tau"), zeros)
        case .cubaLI, .cubaLIF: (alpha, beta) = (try inverse("tau_mem"), try inverse("tau_syn"))
        case .ifire, .integrator: (alpha, beta) = (zeros, zeros)
        }
        let rr = try c.perNeuron("r", n, fallback: 1)
        r = model == .ifire || model == .integrator ? rr.map { $0 * dt } : rr
        leak = model == .ifire || model == .integrator ? zeros : try c.perNeuron("v_leak", n, fallback: 0)
        threshold = spikes ? try c.perNeuron("v_threshold", n) : zeros
        reset = spikes ? try c.perNeuron("v_reset", n, fallback: 0) : zeros
        win = model == .cubaLI || model == .cubaLIF ? try c.perNeuron("w_in", n, fallback: 1) : zeros
    }

    func step(_ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, _ out: UnsafeMutablePointer<Float>, _ state: UnsafeMutablePointer<Float>) {
        let x = inputs[0], v = state
        switch model {
        case .lif, .li:
            for i in 0..<n { v[i] += alpha[i] * (leak[i] - v[i] + r[i] * x[i]) }
        case .ifire, .integrator:
            for i in 0..<n { v[i] += r[i] * x[i] }
        case .cubaLI, .cubaLIF:
            let syn = state + n
            for i in 0..<n { syn[i] += beta[i] * (win[i] * x[i] - syn[i]) }
            precision.apply(syn, n)
            for i in 0..<n { v[i] += alpha[i] * (leak[i] - v[i] + r[i] * syn[i]) }
        }
        precision.apply(v, n)
        if spiking {
            for i in 0..<n {
                if v[i] >= threshold[i] {
                    out[i] = 1
                    v[i] = reset[i]
                } else {
                    out[i] = 0
                }
            }
        } else {
            out.update(from: v, count: n)
        }
    }
}

/// NIR Delay: each value comes out round(delay / dt) steps after it went in (zeros before).
/// The state is a ring of the last max-delay + 1 inputs and its position.
final class DelayKernel: CPUKernel {
    let n: Int
    let steps: [Int]
    let depth: Int
    let outputShape: [Int]
    var stateSize: Int { depth * n + 1 }

    init(_ c: CPUKernelContext) throws {
        n = c.inputCount
        outputShape = c.inputShape
        let d = try c.perNeuron("delay", n)
        guard d.allSatisfy({ $0 >= 0 && $0.isFinite }) else { throw c.fail("delays must be non-negative", .invalidArgument) }
        steps = d.map { Int((Double($0) / c.dt).rounded()) }
        guard let m = steps.max(), m < 1 << 16 else { throw c.fail("delay of more than 65535 steps", .limitExceeded) }
        depth = m + 1
    }

    func step(_ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, _ out: UnsafeMutablePointer<Float>, _ state: UnsafeMutablePointer<Float>) {
        let x = inputs[0]
        let pos = Int(state[depth * n])
        (state + pos * n).update(from: x, count: n)
        for i in 0..<n {
            let slot = (pos - steps[i] + depth) % depth
            out[i] = state[slot * n + i]
        }
        state[depth * n] = Float((pos + 1) % depth)
    }
}
