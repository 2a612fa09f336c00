import CelestaIR

/// TALON 0.0.3's CPU simulator, reproduced exactly (`talon_compatible=True`; README §14): only
/// Affine and LIF compute, everything else passes its input through; the same input every
/// step; no batch; values saturate at int8's ±127; LIF decays, adds its input unscaled and
/// resets to v_leak; an Affine whose input size differs passes the flattened input through;
/// merged inputs of a different shape are dropped. Used by `simulate`/`profile`/`run` in
/// TALON-compatible mode only.
public enum TalonSimulator {
    public struct Result: Sendable {
        public var outputsValid = true
        public var timestepsRun = 0
        public var outputs: [(name: String, value: CPUArray?)] = []
        public var spikeCounts: [(name: String, count: Int)] = []
        /// Every activation present after each step, in the order they first appeared.
        public var nodeStates: [[(name: String, value: CPUArray)]] = []
        public var errors: [String] = []
        /// Per node (execution order), host nanoseconds over the run.
        public var nodeNanoseconds: [(name: String, ns: UInt64)] = []
        /// Max over steps of the bytes of all activations present at the end of the step.
        public var peakActivationBytes = 0
        /// The progress callback asked to stop: the run ended early and the other fields are
        /// not to be used.
        public var cancelled = false
    }

    static let limit: Float = 127

    @inline(__always)
    static func sat(_ x: Float) -> Float { Swift.min(Swift.max(x, -limit), limit) }

    /// `inputs` nil: zeros of each Input's declared shape. `profiling`: the profiler's loop
    /// (an Input without data stays unset) with per-node timing and peak activation memory.
    /// `progress`: (steps done, steps in all) as `CPUSimulationOptions.progress` reports them;
    /// false stops the run with `cancelled` set.
    public static func run(_ graph: IRGraph, inputs given: [String: CPUArray]?, nSteps requested: Int, stepByStep: Bool, profiling: Bool = false,
                           progress: ((Int, Int) -> Bool)? = nil) -> Result {
        var result = Result()
        var nSteps = requested
        if case .dict(let c)? = graph.settings["cyclic_config"], let m = c["max_iterations"]?.int, requested == 1 { nSteps = m }
        var inputs: [(String, CPUArray)] = []
        if let given {
            inputs = given.keys.sorted { (graph.position(of: $0) ?? .max) < (graph.position(of: $1) ?? .max) }.map { ($0, given[$0]!) }
        } else {
            for name in graph.inputs {
                let s = graph.node(name)?.inputType?["input"] ?? graph.node(name)?.inputType?.first ?? [1]
                inputs.append((name, CPUArray(shape: s, values: [Float](repeating: 0, count: s.reduce(1, *)))))
            }
        }
        let order = graph.topologicalOrder ?? graph.nodeNames
        var acts: [String: CPUArray] = [:]
        var actOrder: [String] = []
        func set(_ name: String, _ v: CPUArray) {
            if acts.updateValue(v, forKey: name) == nil { actOrder.append(name) }
        }
        var membrane: [String: [Float]] = [:]
        var spikes: [String: Int] = [:]
        var spikeOrder: [String] = []
        var ns = [UInt64](repeating: 0, count: order.count)
        for name in order {
            guard let n = graph.node(name), n.type == "LIF" else { continue }
            membrane[name] = [Float](repeating: 0, count: n.tensor("v_threshold")?.shape.first ?? 0)
        }
        for name in graph.nodeNames where graph.node(name)?.type == "LIF" {
            spikes[name] = 0
            spikeOrder.append(name)
        }
        let preds = Dictionary(uniqueKeysWithValues: order.map { ($0, graph.predecessors($0)) })
        // Parameters read once.
        var affine: [String: (w: [Float], b: [Float], rows: Int, cols: Int)] = [:]
        var lif: [String: (d: [Float], leak: [Float], thr: [Float])] = [:]
        for name in order {
            guard let n = graph.node(name) else { continue }
            if n.type == "Affine", let w = n.tensor("weight"), w.shape.count == 2 {
                affine[name] = (w.doubles.map { Float($0) }, n.tensor("bias")?.doubles.map { Float($0) } ?? [Float](repeating: 0, count: w.shape[0]), w.shape[0], w.shape[1])
            } else if n.type == "LIF" {
                let tau = n.tensor("tau")?.doubles.map { Float($0) } ?? []
                lif[name] = (tau.map { 1 - 1 / $0 }, n.tensor("v_leak")?.doubles.map { Float($0) } ?? [], n.tensor("v_threshold")?.doubles.map { Float($0) } ?? [])
            }
        }
        let reporter = progress.map { ProgressReporter($0) }
        for t in 0..<nSteps {
            if let reporter, !reporter.tick(t, nSteps) {
                result.cancelled = true
                return result
            }
            for (name, x) in inputs { set(name, x) }
            for (i, name) in order.enumerated() {
                let start = profiling ? CPUSimulator.now() : 0
                defer { if profiling { ns[i] += CPUSimulator.now() - start } }
                guard let node = graph.node(name) else { continue }
                if node.isA("Input") {
                    if acts[name] == nil, !profiling { set(name, CPUArray(shape: [1], values: [0])) }
                    continue
                }
                let p = preds[name] ?? []
                if node.isA("Output") {
                    if let first = p.first, let v = acts[first] { set(name, v) }
                    continue
                }
                let present = p.compactMap { acts[$0] }
                guard var x = present.first else { continue }
                if present.count > 1 {
                    for other in present.dropFirst() where other.shape == x.shape {
                        for j in 0..<x.values.count { x.values[j] += other.values[j] }
                    }
                }
                if let a = affine[name] {
                    if x.values.count == a.cols {
                        var y = [Float](repeating: 0, count: a.rows)
                        for r in 0..<a.rows {
                            var s = 0.0
                            for c in 0..<a.cols { s += Double(a.w[r * a.cols + c]) * Double(x.values[c]) }
                            y[r] = sat(Float(s) + a.b[r])
                        }
                        set(name, CPUArray(shape: [a.rows], values: y))
                    } else {
                        set(name, CPUArray(shape: [x.values.count], values: x.values))
                    }
                } else if let l = lif[name] {
                    var v = membrane[name]!
                    let n = v.count
                    for j in 0..<n { v[j] = l.d[j] * (v[j] - l.leak[j]) + l.leak[j] }
                    if let first = x.shape.first, first >= n, x.shape.count == 1 {
                        for j in 0..<n { v[j] = v[j] + x.values[j] }
                    } else if let first = x.shape.first, first >= n, x.shape.count > 1 {
                        // x[:n] of a 2-D value broadcasts only when its rows are single values.
                        let inner = x.values.count / first
                        if inner == 1 { for j in 0..<n { v[j] = v[j] + x.values[j] } } else {
                            result.errors.append("operands could not be broadcast together with shapes (\(n),) (\(n),\(inner))")
                            result.outputsValid = false
                            result.timestepsRun = 0
                            return result
                        }
                    }
                    var s = [Float](repeating: 0, count: n)
                    var count = 0
                    for j in 0..<n {
                        v[j] = sat(v[j])
                        if v[j] >= l.thr[j] {
                            s[j] = 1
                            count += 1
                            v[j] = v[j] * 0 + l.leak[j]
                        }
                    }
                    membrane[name] = v
                    spikes[name, default: 0] += count
                    set(name, CPUArray(shape: [n], values: s))
                } else {
                    set(name, x)
                }
            }
            if stepByStep { result.nodeStates.append(actOrder.map { ($0, acts[$0]!) }) }
            if profiling { result.peakActivationBytes = Swift.max(result.peakActivationBytes, acts.values.reduce(0) { $0 + 4 * $1.values.count }) }
        }
        // A false from the last report cancels too: one rule whatever the run's length.
        if let reporter, !reporter.tick(nSteps, nSteps, final: true) {
            result.cancelled = true
            return result
        }
        result.timestepsRun = nSteps
        result.outputs = graph.outputs.map { ($0, acts[$0]) }
        result.spikeCounts = spikeOrder.map { ($0, spikes[$0]!) }
        result.nodeNanoseconds = order.enumerated().map { ($1, ns[$0]) }
        return result
    }
}
