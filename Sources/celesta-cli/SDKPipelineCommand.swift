import ArgumentParser
import CelestaCPU
import CelestaFPGA
import CelestaIR
import CelestaXylo
import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// `celesta sdk pipeline FILE --target cpu|fpga|xylo-a3 ...`: TALON's run_pipeline on the
/// engine (`BackendPipeline`), as a summary or `--json`.
struct SDKPipeline: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Read, lint, analyse, quantize, partition, compile, simulate and estimate energy in one go (TALON's run_pipeline).",
        discussion: """
            The target is a backend: cpu, fpga (compiled to an HLS model; simulated on the cpu) or a Xylo chip \
            (xylo-a2, xylo-a3: mapped, quantized and simulated bit-exactly on the chip model, profiled with its cycle \
            and power models). Latency on the cpu is the simulator's own measured time; every energy is an estimate. \
            A failed step is listed and the pipeline goes on; the command exits with status 1 when any step failed. \
            Long simulations show a progress bar on a terminal; Ctrl-C stops the run (exit status 14).
            """)

    @Argument(help: "The graph file (.t1c, .nir or IR JSON).")
    var file: String
    @Option(help: "The backend to deploy to: cpu, fpga, xylo-a2, xylo-a3, xylo-v1.")
    var target = "cpu"
    @Option(help: "Simulation length in time steps.")
    var timesteps = 100
    @Flag(help: "Quantize the weights (per channel) before compiling.")
    var quantize = false
    @Option(help: "Bits for --quantize.")
    var bitWidth = 8
    @Flag(help: "Partition onto --num-cores cores (TALON's 256 neurons, 64 KiB each), then route and allocate.")
    var partition = false
    @Option(help: "Cores for --partition.")
    var numCores = 4
    @Flag(help: "Skip the lint step.")
    var noLint = false
    @Flag(help: "Skip the profile of the simulation.")
    var noProfile = false
    @Flag(help: "Count lint errors as pipeline errors.")
    var verbose = false
    @Option(help: "The simulation's input for the graph's single Input: .npy (integers) or a JSON (nested) list of numbers. Default: zeros.")
    var input: String?
    @Option(help: "A chip's time step in the unit of the graph's time constants (default: the graph's metadata dt, else 0.001).")
    var dt: Double?
    @Flag(help: "Print JSON instead of the summary.")
    var json = false
    @Flag(help: "Follow TALON 0.0.x exactly (reading, lint, analysis, and simulating on its cpu simulator).")
    var talonCompatible = false
    @Flag(help: "Never show the progress bar.")
    var quiet = false

    func run() throws {
        guard timesteps >= 1 else { throw CelestaError(.outOfRange, "'--timesteps' is \(timesteps); it must be >= 1") }
        guard (2...32).contains(bitWidth) else { throw CelestaError(.outOfRange, "'--bit-width' is \(bitWidth); it must be in 2...32") }
        guard numCores >= 1 else { throw CelestaError(.outOfRange, "'--num-cores' is \(numCores); it must be >= 1") }
        if let dt { guard dt.isFinite, dt > 0 else { throw CelestaError(.outOfRange, "'--dt' is \(dt); it must be finite and > 0") } }
        PipelineInterrupt.begin()
        defer { PipelineInterrupt.end() }
        let registry = BackendRegistry()
        CPUBackend.register(in: registry)
        FPGABackend.register(in: registry)
        XyloBackend.registerAll(in: registry)

        var config = PipelineConfig()
        config.target = target
        config.timesteps = timesteps
        config.quantize = quantize
        config.bitWidth = bitWidth
        config.partition = partition
        config.numCores = numCores
        config.lint = !noLint
        config.profile = !noProfile
        config.verbose = verbose
        config.talonCompatible = talonCompatible
        config.dt = dt
        if let input { config.bareInput = try Self.readInput(input) }
        // One bar over the stages; the simulators (cpu, TALON's, the chip's) report their steps
        // within the simulate stage, where Ctrl-C stops the run at the next report.
        let stages = PipelineStage.allCases
        let box = BarBox(ProgressBar(total: stages.count * 1000, label: "pipeline", enabled: !quiet && timesteps >= 2000))
        let bar = box.bar
        defer { bar.finish() }
        config.progress = { stage, done, total in
            let bar = box.bar
            let k = stages.firstIndex(of: stage) ?? 0
            bar.update(k * 1000 + (total > 0 ? min(done, total) * 1000 / total : 0))
            return !PipelineInterrupt.requested
        }
        let outcome = try BackendPipeline.run(path: file, config, registry: registry)
        bar.finish()
        print(json ? outcome.json : Self.summary(outcome, config))
        if !outcome.success { throw ExitCode(1) }
    }

    /// An input array: a .npy file of integers, or a JSON number or (nested) list of numbers.
    static func readInput(_ path: String) throws -> BackendArray {
        if path.hasSuffix(".npy") {
            let a = try NPY.readInts(path)
            return BackendArray(shape: a.shape, values: a.values.map { Float($0) })
        }
        let value = try JSONParser.parse(Array(try AtomicFile.read(path)), name: path)
        var shape: [Int] = []
        var probe = value
        while let items = probe.elements {
            shape.append(items.count)
            guard let first = items.first else { break }
            probe = first
        }
        let values = try value.flatNumbers(path)
        guard values.count == shape.reduce(1, *) else {
            throw CelestaError(.shapeMismatch, "input '\(path)' is not a rectangular list of numbers")
        }
        return BackendArray(shape: shape, values: values.map { Float($0) })
    }

    static func summary(_ o: PipelineOutcome, _ c: PipelineConfig) -> String {
        var lines: [String] = []
        func fmt(_ v: Double) -> String { "\((v * 1e4).rounded() / 1e4)" }
        if let a = o.analysis {
            lines.append("analysis: \(a.nodeCount) nodes, \(a.edgeCount) edges, \(a.totalParams) parameters, depth \(a.depth.map(String.init) ?? "-")")
        }
        if let l = o.lint { lines.append("lint: \(l.issues.count) issue(s), \(l.errors) error(s), \(l.warnings) warning(s)") }
        if c.quantize { lines.append("quantized: \(c.bitWidth)-bit weights, per channel") }
        if let p = o.partition { lines.append("partition: \(p.numCoresUsed) of \(c.numCores) cores used (greedy)") }
        if let d = o.deployment {
            lines.append("compiled for \(c.target)" + (d.isEmpty ? "" : ": " + d.filter { $0.0 != "warnings" }.map { "\($0.0) \($0.1.pythonStr)" }.joined(separator: ", ")))
            if case .list(let w)? = d.first(where: { $0.0 == "warnings" })?.1 { for x in w { lines.append("  warning: \(x.pythonStr)") } }
        }
        if let r = o.run, let on = o.simulatedOn {
            let spikes = r.spikeCounts.map { "\($0.name) \($0.count)" }.joined(separator: ", ")
            lines.append("simulated on \(on): \(r.timestepsRun) steps; spikes: " + (spikes.isEmpty ? "none" : spikes))
            if let p = r.profile {
                if p.latencySource == "measured" {
                    lines.append("profile: \(fmt(p.totalLatencyUS)) us measured latency, \(p.macOps) MACs, peak memory \(p.peakMemoryBytes) B, energy \(fmt(p.energyEstimateUJ)) uJ (estimate, \(p.energyPreset))")
                } else {
                    var t = "profile (\(p.latencySource)): \(fmt(p.cyclesPerStep ?? 0)) cycles per step, clock \(fmt((p.clockHz ?? 0) / 1e3)) kHz, \(fmt(p.totalLatencyUS)) us"
                    if !p.powerWatts.isEmpty {
                        let total = p.powerWatts.reduce(0) { $0 + $1.1 }
                        t += "; \(p.energySource): \(fmt(total * 1e6)) uW (" + p.powerWatts.map { "\($0.0) \(fmt($0.1 * 1e6))" }.joined(separator: ", ") + "), \(fmt(p.energyEstimateUJ)) uJ (estimate)"
                    }
                    lines.append(t)
                }
                for note in p.modelNotes { lines.append("  note: \(note)") }
            }
        }
        if let e = o.energy { lines.append("energy (estimate_energy, spike rate 0.1): \(fmt(e.totalUJ)) uJ, \(e.macCount) MACs") }
        for e in o.errors { lines.append("error: \(e)") }
        lines.append(o.success ? "success" : "failed: \(o.errors.count) error(s)")
        return lines.joined(separator: "\n")
    }
}

/// The bar, for the progress callback (called on the pipeline's thread only).
final class BarBox: @unchecked Sendable {
    let bar: ProgressBar
    init(_ bar: ProgressBar) { self.bar = bar }
}

/// Set by SIGINT while the pipeline runs.
nonisolated(unsafe) private var pipelineInterrupted: sig_atomic_t = 0
/// The SIGINT disposition `PipelineInterrupt.begin()` replaced.
nonisolated(unsafe) private var pipelinePreviousHandler: __sighandler_t? = SIG_DFL

/// Ctrl-C for `sdk pipeline`: between stages and between a simulator's blocks of steps (its
/// progress reports, about every 20 ms on the cpu) SIGINT cancels at the next report, as
/// `CtrlC` does for the other commands: the command ends with CELESTA_ERR_CANCELLED (exit
/// status 14). Nothing is written by the pipeline, so nothing is left half done.
enum PipelineInterrupt {
    static func begin() {
        pipelineInterrupted = 0
        pipelinePreviousHandler = signal(SIGINT) { _ in pipelineInterrupted = 1 }
    }

    static func end() {
        signal(SIGINT, pipelinePreviousHandler)
    }

    static var requested: Bool { pipelineInterrupted != 0 }
}
