import CelestaIR
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Values and their shape (float32, C order).
public typealias CPUArray = BackendArray

/// How a run goes.
public struct CPUSimulationOptions: Sendable {
    public var nSteps = 1
    /// Keep every node's value after every step.
    public var stepByStep = false
    public var precision: CPUPrecision = .fp32
    /// The simulated time of a step (the neurons' ODE step).
    public var dt = 1.0
    /// Worker threads for a batch (0: one per core).
    public var threads = 0
    /// Measure the time spent in each node.
    public var timing = false
    /// Called with (steps done, steps in all; over a batch, the steps of all its samples) on
    /// the calling thread, about every 20 ms of work and once at the end; returning false
    /// cancels the run (`.cancelled`, no result), the report at the end too. nil: no reports,
    /// no checks.
    public var progress: (@Sendable (Int, Int) -> Bool)? = nil
    public init() {}
}

/// What a run gives: TALON's `SimulationResult` fields, batch-aware.
public typealias CPUSimulationResult = BackendRunResult

/// The CPU simulator of the IR: every node computed (see `CPUKernels`), batches over all cores.
///
/// Input rule, with S an Input node's shape and T = n_steps: a value of shape S or (1, *S) is
/// the same input at every step; [T, *S] is one input per step; [B, T, *S] is a batch of B
/// independent sequences ([B, 1, *S]: each sequence's input held for all steps). Every batched
/// input must have the same B. Any other shape, a missing input, or a NaN/infinite value is an
/// error naming the node.
public enum CPUSimulator {
    enum Binding {
        case constant, perStep, batch(steps: Int)
    }

    /// An input bound to its node: its per-sample shape, the batch size and how to index it.
    struct BoundInput {
        let values: [Float]
        let count: Int
        let binding: Binding
        let batch: Int?

        /// True when the value differs from step to step.
        var varies: Bool {
            switch binding {
            case .constant: return false
            case .perStep: return true
            case .batch(let steps): return steps > 1
            }
        }

        func pointer(_ base: UnsafePointer<Float>, sample: Int, step: Int) -> UnsafePointer<Float> {
            switch binding {
            case .constant: return base
            case .perStep: return base + step * count
            case .batch(let steps): return base + (sample * steps + (steps == 1 ? 0 : step)) * count
            }
        }
    }

    static func bind(_ name: String, shape s: [Int]?, _ x: CPUArray, nSteps: Int) throws -> (BoundInput, [Int]) {
        guard x.values.allSatisfy({ $0.isFinite }) else {
            throw CelestaError(.invalidArgument, "node '\(name)' (Input): the input holds NaN or infinite values")
        }
        guard x.shape.reduce(1, *) == x.values.count else {
            throw CelestaError(.shapeMismatch, "node '\(name)' (Input): shape \(x.shape) does not match its \(x.values.count) values")
        }
        let shape = s ?? x.shape
        let n = shape.reduce(1, *)
        let d = x.shape
        if d == shape || (d.count == shape.count + 1 && d.first == 1 && Array(d.dropFirst()) == shape) {
            return (BoundInput(values: x.values, count: n, binding: .constant, batch: nil), shape)
        }
        if d.count == shape.count + 1, Array(d.dropFirst()) == shape {
            guard d[0] == nSteps else {
                throw CelestaError(.shapeMismatch, "node '\(name)' (Input): the input has \(d[0]) steps (shape \(d)) but n_steps is \(nSteps)")
            }
            return (BoundInput(values: x.values, count: n, binding: .perStep, batch: nil), shape)
        }
        if d.count == shape.count + 2, Array(d.dropFirst(2)) == shape {
            guard d[1] == nSteps || d[1] == 1 else {
                throw CelestaError(.shapeMismatch, "node '\(name)' (Input): the input has \(d[1]) steps (shape \(d)) but n_steps is \(nSteps)")
            }
            return (BoundInput(values: x.values, count: n, binding: .batch(steps: d[1]), batch: d[0]), shape)
        }
        throw CelestaError(.shapeMismatch, "node '\(name)' (Input): input shape \(d) fits none of \(shape), (1, \(shape)), (T, \(shape)) or (B, T, \(shape)) with T = n_steps = \(nSteps)")
    }

    /// Runs `graph` on `inputs` (by Input node name). An Input node without data gets zeros of
    /// its declared shape only when `zerosForMissing` (TALON's default input); otherwise it is an
    /// error.
    public static func run(_ graph: IRGraph, inputs: [String: CPUArray], options: CPUSimulationOptions, zerosForMissing: Bool = false) throws -> CPUSimulationResult {
        guard options.nSteps >= 1 else { throw CelestaError(.invalidArgument, "n_steps must be >= 1, got \(options.nSteps)") }
        for key in inputs.keys where !(graph.node(key)?.isA("Input") ?? false) {
            throw CelestaError(.notFound, "input '\(key)' is not an Input node of the graph (inputs: \(graph.inputs))")
        }
        var bound: [String: BoundInput] = [:]
        var shapes: [String: [Int]] = [:]
        var batch: Int?
        for name in graph.inputs {
            let node = graph.node(name)!
            let declared = node.inputType?.first ?? node.outputType?.first
            let x: CPUArray
            if let given = inputs[name] {
                x = given
            } else if zerosForMissing, let s = declared {
                x = CPUArray(shape: s, values: [Float](repeating: 0, count: s.reduce(1, *)))
            } else {
                throw CelestaError(.notFound, "node '\(name)' (Input): no input data given for it")
            }
            let (b, s) = try bind(name, shape: declared, x, nSteps: options.nSteps)
            if let nb = b.batch {
                if let old = batch, old != nb { throw CelestaError(.shapeMismatch, "node '\(name)' (Input): batch of \(nb) but another input has \(old)") }
                batch = nb
            }
            bound[name] = b
            shapes[name] = s
        }
        let plan = try CPUPlan(graph, inputShapes: shapes, precision: options.precision, dt: options.dt)
        return try execute(plan, bound: plan.inputs.map { bound[$0.name]! }, batch: batch, options: options)
    }

    @inline(__always)
    static func now() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    /// Per-worker totals, merged at the end.
    final class Tally: @unchecked Sendable {
        var spikes: [Int]
        var ns: [UInt64]
        init(_ n: Int) {
            spikes = [Int](repeating: 0, count: n)
            ns = [UInt64](repeating: 0, count: n)
        }
    }

    /// Shared output storage workers write disjoint parts of (raw memory: no array is mutated
    /// from two threads).
    final class Sink: @unchecked Sendable {
        /// Per Output node: [B * count].
        let outputs: [UnsafeMutableBufferPointer<Float>]
        /// [step][node] -> [B * count].
        let states: [[UnsafeMutableBufferPointer<Float>]]
        init(outputs: [Int], states: [Int], steps: Int) {
            self.outputs = outputs.map { Sink.zeros($0) }
            self.states = (0..<steps).map { _ in states.map { Sink.zeros($0) } }
        }
        static func zeros(_ n: Int) -> UnsafeMutableBufferPointer<Float> {
            let b = UnsafeMutableBufferPointer<Float>.allocate(capacity: Swift.max(n, 1))
            b.initialize(repeating: 0)
            return UnsafeMutableBufferPointer(rebasing: b[0..<n])
        }
        deinit {
            outputs.forEach { $0.baseAddress.map { $0.deallocate() } }
            states.joined().forEach { $0.baseAddress.map { $0.deallocate() } }
        }
    }

    static func execute(_ plan: CPUPlan, bound: [BoundInput], batch: Int?, options: CPUSimulationOptions) throws -> CPUSimulationResult {
        let samples = batch ?? 1
        let nodes = plan.nodes
        let outputIdx = nodes.indices.filter { PrimitiveRegistry.shared.isA(nodes[$0].type, "Output") }
        let sink = Sink(outputs: outputIdx.map { samples * nodes[$0].outputCount }, states: nodes.map { samples * $0.outputCount },
                        steps: options.stepByStep ? options.nSteps : 0)
        let cores = options.threads > 0 ? options.threads : Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let workers = Swift.min(samples, cores)
        let tallies = (0..<workers).map { _ in Tally(nodes.count) }
        let monitor = options.progress.map { _ in
            RunMonitor(total: samples * options.nSteps, workPerStep: nodes.reduce(0) { $0 + Swift.max($1.kernel.macs, $1.outputCount) })
        }
        let work: @Sendable (Int, ProgressReporter?) -> Void = { w, reporter in
            let lo = samples * w / workers, hi = samples * (w + 1) / workers
            runSamples(plan, bound: bound, range: lo..<hi, options: options, tally: tallies[w], sink: sink, outputIdx: outputIdx,
                       monitor: monitor, reporter: reporter)
        }
        if let monitor, let progress = options.progress {
            // The calling thread runs the first worker and makes every report; the others run
            // on the global queue and stop at their next check once a report asks to.
            let reporter = ProgressReporter(progress)
            let group = DispatchGroup()
            for w in 1..<workers { DispatchQueue.global().async(group: group) { work(w, nil) } }
            work(0, reporter)
            monitor.report(reporter) { group.wait(timeout: .now() + .milliseconds(5)) == .success }
            if monitor.isStopped { throw monitor.cancellation }
            // A false from the last report cancels too: one rule whatever the run's length.
            if !reporter.tick(monitor.total, monitor.total, final: true) {
                throw CelestaError(.cancelled, "simulation cancelled at its last report, after all \(monitor.total) steps")
            }
        } else if workers == 1 {
            work(0, nil)
        } else {
            DispatchQueue.concurrentPerform(iterations: workers) { work($0, nil) }
        }

        var result = CPUSimulationResult()
        result.timestepsRun = options.nSteps
        result.batch = batch
        let prefix = batch.map { [$0] } ?? []
        for (k, i) in outputIdx.enumerated() {
            result.outputs.append((nodes[i].name, CPUArray(shape: prefix + nodes[i].kernel.outputShape, values: Array(sink.outputs[k]))))
        }
        for (i, n) in nodes.enumerated() where n.kernel.spiking {
            result.spikeCounts.append((n.name, tallies.reduce(0) { $0 + $1.spikes[i] }))
        }
        if options.stepByStep {
            result.nodeStates = sink.states.map { step in
                nodes.indices.map { (nodes[$0].name, CPUArray(shape: prefix + nodes[$0].kernel.outputShape, values: Array(step[$0]))) }
            }
        }
        if options.timing {
            result.nodeNanoseconds = nodes.indices.map { i in (nodes[i].name, tallies.reduce(0) { $0 + $1.ns[i] }) }
        }
        result.nodeMACs = nodes.map { ($0.name, $0.kernel.macs) }
        return result
    }

    /// Runs samples `range` one after another in one arena. With a monitor: checks it every
    /// `monitor.block` steps and returns early when the run is to stop.
    static func runSamples(_ plan: CPUPlan, bound: [BoundInput], range: Range<Int>, options: CPUSimulationOptions, tally: Tally, sink: Sink, outputIdx: [Int],
                           monitor: RunMonitor? = nil, reporter: ProgressReporter? = nil) {
        let nodes = plan.nodes
        let arena = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(plan.arenaSize, 1))
        defer { arena.deallocate() }
        // Input pointer lists, one per node, fixed for the run (inputs are re-pointed per step).
        let maxIn = nodes.map { Swift.max($0.sources.count, 1) }.max() ?? 1
        let ptrs = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: maxIn)
        defer { ptrs.deallocate() }
        let inputBases: [UnsafeMutablePointer<Float>] = bound.map { b in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(b.values.count, 1))
            p.initialize(from: b.values, count: b.values.count)
            return p
        }
        defer { inputBases.forEach { $0.deallocate() } }
        let timing = options.timing
        // Which nodes produced a new value this step: a pure node whose inputs did not change
        // keeps its output (a constant input's first layer is computed once).
        var changed = [Bool](repeating: true, count: nodes.count)
        for sample in range {
            arena.initialize(repeating: 0, count: plan.arenaSize)
            for n in nodes where n.kernel.stateSize > 0 { n.kernel.reset(arena + n.state) }
            // The steps run in blocks with a check of the monitor after each (one block
            // without a monitor), so the step loop itself is the same with or without one.
            let block = monitor?.block ?? options.nSteps
            var from = 0
            while from < options.nSteps {
                let to = Swift.min(options.nSteps, from + block)
                for t in from..<to {
                    for (i, n) in nodes.enumerated() {
                        let start = timing ? now() : 0
                        let out = arena + n.output
                        if t > 0, n.pure {
                            let fresh = n.inputSlot.map { bound[$0].varies } ?? n.sources.contains { changed[$0.node] }
                            changed[i] = fresh
                        } else {
                            changed[i] = true
                        }
                        var count = 1
                        if !changed[i] {
                            // Unchanged: the output of the last run stands.
                        } else if let slot = n.inputSlot {
                            ptrs[0] = bound[slot].pointer(UnsafePointer(inputBases[slot]), sample: sample, step: t)
                        } else if n.scratch >= 0 {
                            let s = arena + n.scratch
                            let c = n.sources[0].count
                            s.update(from: arena + nodes[n.sources[0].node].output + n.sources[0].offset, count: c)
                            for src in n.sources.dropFirst() { CPUMath.add(c, arena + nodes[src.node].output + src.offset, s) }
                            ptrs[0] = UnsafePointer(s)
                        } else {
                            for (k, src) in n.sources.enumerated() { ptrs[k] = UnsafePointer(arena + nodes[src.node].output + src.offset) }
                            count = n.sources.count
                        }
                        if changed[i] {
                            n.kernel.step(UnsafeBufferPointer(start: ptrs, count: count), out, arena + n.state)
                            if n.inputSlot == nil { plan.precision.apply(out, n.outputCount) }
                        }
                        if n.kernel.spiking {
                            var s = 0
                            for j in 0..<n.outputCount where out[j] != 0 { s += 1 }
                            tally.spikes[i] += s
                        }
                        if timing { tally.ns[i] += now() - start }
                        if options.stepByStep {
                            sink.states[t][i].baseAddress!.advanced(by: sample * n.outputCount).update(from: out, count: n.outputCount)
                        }
                    }
                }
                if let monitor, !monitor.check(to - from, reporter) { return }
                from = to
            }
            for (k, i) in outputIdx.enumerated() {
                let n = nodes[i]
                sink.outputs[k].baseAddress!.advanced(by: sample * n.outputCount).update(from: arena + n.output, count: n.outputCount)
            }
        }
    }
}
