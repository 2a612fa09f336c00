#if canImport(Glibc)
import Glibc
#endif

/// TALON's one-call workflow `run_pipeline` (reference README §17) on the engine: read, lint,
/// analyse, quantize, partition, compile on the target, simulate (on the target itself where
/// it simulates, else the cpu; TALON-compatible: always the cpu), estimate the energy. A failed
/// step is reported in `errors` and the pipeline goes on, as TALON's does.

/// The steps, in order.
public enum PipelineStage: String, Sendable, CaseIterable {
    case load, lint, analyze, quantize, partition, compile, simulate, energy
}

/// What the pipeline does (TALON's `PipelineConfig` fields, plus Celesta's input and time step).
public struct PipelineConfig: Sendable {
    /// A backend of the registry (`cpu`, `fpga`, `xylo-a3`...).
    public var target = "cpu"
    public var timesteps = 100
    /// `quantize_weights(bits: bitWidth)`, per channel.
    public var quantize = false
    public var bitWidth = 8
    /// Greedy partition, route and allocate on `numCores` cores of TALON's fixed 256 neurons
    /// and 64 KiB.
    public var partition = false
    public var numCores = 4
    public var lint = true
    public var profile = true
    /// Copy lint errors into `errors`.
    public var verbose = false
    public var talonCompatible = false
    /// The simulation's inputs (nil: zeros, as TALON's pipeline).
    public var inputs: [String: BackendArray]? = nil
    /// One array for the graph's single Input (instead of `inputs`).
    public var bareInput: BackendArray? = nil
    /// A chip backend's time step (`BackendRunRequest.dt`).
    public var dt: Double? = nil
    /// Called when a stage starts, and with (steps done, steps in all) during the simulation;
    /// returning false cancels the pipeline (`.cancelled`).
    public var progress: (@Sendable (PipelineStage, Int, Int) -> Bool)? = nil
    public init() {}

    var mode: IRMode { talonCompatible ? .talon : .celesta }
}

/// The outcome of each step (TALON's `PipelineResult`), and what Celesta adds: the target's
/// compile summary and where the simulation ran.
public struct PipelineOutcome: Sendable {
    public var graph: IRGraph? = nil
    public var lint: LintResult? = nil
    public var analysis: GraphStats? = nil
    /// The partition's result when `partition` succeeded.
    public var partition: PartitionResult? = nil
    /// The target's compile summary (`Backend.deploy`), nil when compiling failed or was not reached.
    public var deployment: [(String, IRValue)]? = nil
    /// The backend the simulation ran on.
    public var simulatedOn: String? = nil
    public var run: BackendRunOutcome? = nil
    public var energy: EnergyEstimate? = nil
    public var errors: [String] = []
    public var success: Bool { errors.isEmpty && graph != nil }
    public init() {}
}

public enum BackendPipeline {
    /// The backends TALON has; in TALON-compatible mode the others are unknown.
    public static let talonBackends = ["cpu", "fpga"]

    /// Runs the pipeline on the graph file at `path` (.t1c, .nir, IR JSON).
    public static func run(path: String, _ config: PipelineConfig, registry: BackendRegistry = .shared) throws -> PipelineOutcome {
        var out = PipelineOutcome()
        try check(config, .load)
        let graph: IRGraph
        if !fileExists(path) {
            out.errors.append("File not found: \(path)")
            return out
        }
        do {
            graph = try IRFiles.read(path: path, mode: config.mode)
        } catch let e as CelestaError {
            out.errors.append("Failed to read \(path): \(e.message)")
            return out
        }
        return try run(graph, config, registry: registry, into: out)
    }

    /// Runs the pipeline on `graph`.
    public static func run(_ graph: IRGraph, _ config: PipelineConfig, registry: BackendRegistry = .shared) throws -> PipelineOutcome {
        try run(graph, config, registry: registry, into: PipelineOutcome())
    }

    static func check(_ config: PipelineConfig, _ stage: PipelineStage, _ done: Int = 0, _ total: Int = 0) throws {
        if let p = config.progress, !p(stage, done, total) {
            throw CelestaError(.cancelled, "pipeline cancelled at the \(stage.rawValue) step")
        }
    }

    static func fileExists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    private static func run(_ given: IRGraph, _ config: PipelineConfig, registry: BackendRegistry, into start: PipelineOutcome) throws -> PipelineOutcome {
        guard config.timesteps >= 0, config.bitWidth >= 1, config.numCores >= 1 else {
            throw CelestaError(.outOfRange, "timesteps must be >= 0 and bit_width, num_cores >= 1 (got \(config.timesteps), \(config.bitWidth), \(config.numCores))")
        }
        var out = start
        var graph = given
        let mode = config.mode
        if config.lint {
            try check(config, .lint)
            let lint = GraphLint.lint(graph, mode: mode)
            out.lint = lint
            if config.verbose { out.errors += lint.issues.filter { $0.severity == .error }.map(\.message) }
        }
        try check(config, .analyze)
        out.analysis = GraphAnalysis.analyze(graph, mode: mode)
        if config.quantize {
            try check(config, .quantize)
            graph = try GraphTransforms.quantizeWeights(graph, bits: config.bitWidth, perChannel: true, mode: mode)
        }
        if config.partition {
            try check(config, .partition)
            let hw = HardwareSpec(maxNeuronsPerCore: 256, sramBytesPerCore: 65536, numCores: config.numCores)
            var g = graph
            do {
                let p = try g.partition(on: hw, algorithm: "greedy", mode: mode)
                graph = g
                out.partition = p
                try g.route(on: hw, mode: mode)
                graph = g
                _ = g.allocate(on: hw, mode: mode)
            } catch let e as CelestaError {
                out.errors.append("Partition failed: \(e.message)")
            }
        }
        try check(config, .compile)
        var target: (any Backend)? = nil
        let visible = config.talonCompatible ? talonBackends : registry.names
        if visible.contains(config.target), let b = try? registry.backend(config.target) {
            target = b
        } else {
            let known = IRValue.list(visible.map { .string($0) }).pythonStr
            out.errors.append("Backend '\(config.target)' not found: \"Backend '\(config.target)' not found. Available: \(known)\"")
        }
        if let target {
            let v = target.validate(graph, talonCompatible: config.talonCompatible && target.name == "cpu")
            if !v.isValid {
                out.errors += v.warnings + v.errors
            } else {
                do {
                    var o = BackendRunOptions()
                    o.discretisationStep = config.dt
                    o.talonCompatible = config.talonCompatible
                    out.deployment = try target.deploy(graph, options: o)
                } catch let e as CelestaError {
                    if e.code == .cancelled { throw e }
                    out.errors.append("Compile failed on '\(config.target)': \(e.message)")
                }
            }
        }
        try check(config, .simulate, 0, max(config.timesteps, 1))
        let onTarget = !config.talonCompatible && out.deployment != nil && (target?.simulates ?? false) && config.target != "cpu"
        var q = BackendRunRequest()
        q.backend = onTarget ? config.target : "cpu"
        q.inputs = config.inputs
        q.bareInput = config.bareInput
        q.timesteps = config.timesteps
        q.profile = config.profile
        q.talonCompatible = config.talonCompatible
        q.dt = config.dt
        if let p = config.progress { q.progress = { done, total in p(.simulate, done, total) } }
        out.simulatedOn = q.backend
        let run = try BackendRunner.run(graph, q, registry: registry)
        out.run = run
        out.errors += run.errors
        try check(config, .energy)
        out.energy = try EnergyModel.estimate(graph, spikeRate: 0.1, timesteps: config.timesteps)
        out.graph = graph
        return out
    }
}

extension PipelineOutcome {
    /// Numbers, strings, bools and lists of them as JSON (other values as their Python str).
    static func jsonValue(_ v: IRValue) -> String {
        switch v {
        case .none: return "null"
        case .bool(let b): return "\(b)"
        case .int(let i): return "\(i)"
        case .float(let d): return JSONText.number(d)
        case .string(let s): return JSONText.quote(s)
        case .list(let items), .tuple(let items): return "[" + items.map(jsonValue).joined(separator: ", ") + "]"
        default: return JSONText.quote(v.pythonStr)
        }
    }

    /// The outcome as JSON: `success`, `errors`, `lint_results` (TALON's lint JSON, or []),
    /// `analysis` (analyze_graph's JSON), `partition` ({num_cores_used, assignments} or null),
    /// `deployment` ({key: value} or null), `simulated_on`, `simulation` (run()'s JSON),
    /// `profile` (the run's profile or null), `energy` (estimate_energy's JSON).
    public var json: String {
        var parts: [(String, String)] = [("success", "\(success)"), ("errors", "[" + errors.map(JSONText.quote).joined(separator: ", ") + "]")]
        parts.append(("lint_results", lint.map { "[" + AnalysisJSON.lint($0) + "]" } ?? "[]"))
        parts.append(("analysis", analysis.map(AnalysisJSON.stats) ?? "null"))
        parts.append(("partition", partition.map { p in
            "{\"num_cores_used\": \(p.numCoresUsed), \"assignments\": {"
                + p.assignments.map { JSONText.quote($0.name) + ": \($0.core)" }.joined(separator: ", ") + "}}"
        } ?? "null"))
        parts.append(("deployment", deployment.map { "{" + $0.map { JSONText.quote($0.0) + ": " + Self.jsonValue($0.1) }.joined(separator: ", ") + "}" } ?? "null"))
        parts.append(("simulated_on", simulatedOn.map(JSONText.quote) ?? "null"))
        parts.append(("simulation", run?.json ?? "null"))
        parts.append(("profile", run?.profile?.json ?? "null"))
        parts.append(("energy", energy.map(AnalysisJSON.energy) ?? "null"))
        return "{" + parts.map { JSONText.quote($0.0) + ": " + $0.1 }.joined(separator: ", ") + "}"
    }
}
