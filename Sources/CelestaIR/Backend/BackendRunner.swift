import FoundationEssentials
import Synchronization

/// TALON's `talon.backend.run` (reference README §16) for any backend of a registry:
/// validate, simulate, then profile. Problems of the graph and of the run are reported in
/// `errors` (TALON's messages), not thrown.

/// What `BackendRunner.run` is asked to do.
public struct BackendRunRequest: Sendable {
    public var backend = "cpu"
    /// Input values by Input node name; nil (and no `bareInput`): zeros of the declared shapes.
    public var inputs: [String: BackendArray]? = nil
    /// One array for the graph's single Input (TALON's bare `input_data`).
    public var bareInput: BackendArray? = nil
    public var timesteps = 1
    public var profile = true
    /// run()'s own energy coefficients (pJ; TALON's defaults 0.9 / 0.1 / 5.0).
    public var macPJ = 0.9
    public var spikePJ = 0.1
    public var sramReadPJ = 5.0
    public var talonCompatible = false
    /// A backend's time step (`BackendProfileOptions.dt`), nil: its default.
    public var dt: Double? = nil
    /// Reports (steps done, steps in all) where the backend can; false cancels. With `profile`
    /// the profile runs the graph again: the simulation reports the first half of the total
    /// and the profile's run the second.
    public var progress: (@Sendable (Int, Int) -> Bool)? = nil
    public init() {}
}

/// TALON's `RunResult`, with the simulation's outputs (`absentOutputs`: TALON's None).
public struct BackendRunOutcome: Sendable {
    public var outputs: [(name: String, value: BackendArray)] = []
    public var absentOutputs: [String] = []
    public var spikeCounts: [(name: String, count: Int)] = []
    public var timestepsRun = 0
    public var totalLatencyUS = 0.0
    /// Always an estimate (run()'s per-operation formula, or a chip's power model).
    public var energyEstimateUJ = 0.0
    public var macOps = 0
    public var peakMemoryBytes = 0
    public var perNodeLatencyUS: [(String, Double)] = []
    public var profile: BackendProfile? = nil
    public var errors: [String] = []
    public init() {}
}

public enum BackendRunner {
    /// Runs `request` on `registry`. Unknown backend, a backend that does not simulate, an
    /// invalid graph, a bare input with several Inputs and a failed simulation end in `errors`
    /// (TALON's wording). With `profile`: the backend's profile; on a backend with per-operation
    /// costs (`latencySource` "measured") latency, MACs and peak memory are copied and
    /// `energyEstimateUJ` is run()'s own formula (README §16: MACs·mac + spikes·spike +
    /// peak_bytes·read/4); on a chip with a power model, its energy. Errors of the profile
    /// itself are thrown (as TALON's run raises them).
    public static func run(_ graph: IRGraph, _ request: BackendRunRequest, registry: BackendRegistry = .shared) throws -> BackendRunOutcome {
        var out = BackendRunOutcome()
        let name = request.backend
        guard let backend = try? registry.backend(name) else {
            out.errors = ["Backend '\(name)' not found"]
            return out
        }
        guard backend.simulates else {
            out.errors = ["Backend '\(name)' does not support simulation. Use backend='cpu'."]
            return out
        }
        let v = backend.validate(graph, talonCompatible: request.talonCompatible)
        if !v.isValid {
            out.errors = v.warnings + v.errors + ["Validation failed: " + IRValue.list(v.unsupportedNodes.map { .string($0) }).pythonStr]
            return out
        }
        var inputs = request.inputs
        if let bare = request.bareInput {
            let names = graph.inputs
            guard names.count == 1 else {
                out.errors = ["A bare array needs exactly one Input node; the graph has \(names.count): " + IRValue.list(names.map { .string($0) }).pythonStr]
                return out
            }
            inputs = [names[0]: bare]
        }
        var o = BackendRunOptions()
        o.nSteps = request.timesteps
        o.talonCompatible = request.talonCompatible
        o.zerosForMissing = inputs == nil
        o.discretisationStep = request.dt
        // A false from the simulation's last report (which the simulator cannot act on: its
        // steps are done) still stops the run before the profile.
        let stop = StopFlag()
        if let p = request.progress {
            o.progress = request.profile ? { done, total in stop.note(p(done, 2 * total)) } : p
        }
        guard request.timesteps >= 1 else {
            out.errors = ["n_steps must be a positive integer, got \(Double(request.timesteps))"]
            return out
        }
        let sim: BackendRunResult
        do {
            sim = try backend.simulate(graph, inputs: inputs ?? [:], options: o)
        } catch let e as CelestaError {
            if e.code == .cancelled { throw e }
            out.errors = [e.message]
            return out
        }
        out.outputs = sim.outputs
        out.absentOutputs = sim.absentOutputs
        out.spikeCounts = sim.spikeCounts
        out.timestepsRun = sim.timestepsRun
        out.errors = sim.errors
        guard request.profile else { return out }
        if stop.isSet {
            throw CelestaError(.cancelled, "run cancelled after the simulation's \(sim.timestepsRun) steps, before the profile")
        }
        var po = BackendProfileOptions()
        po.nSteps = request.timesteps
        po.talonCompatible = request.talonCompatible
        po.dt = request.dt
        if let p = request.progress { po.progress = { done, total in p(total + done, 2 * total) } }
        let p = try backend.profile(graph, inputs: inputs, options: po)
        out.profile = p
        out.totalLatencyUS = p.totalLatencyUS
        if p.latencySource == "measured" {
            out.perNodeLatencyUS = p.perNodeLatencyUS
            out.macOps = p.macOps
            out.peakMemoryBytes = p.peakMemoryBytes
            let spikes = sim.spikeCounts.reduce(0) { $0 + $1.count }
            out.energyEstimateUJ = (Double(p.macOps) * request.macPJ + Double(spikes) * request.spikePJ
                + Double(p.peakMemoryBytes) * request.sramReadPJ / 4) / 1e6
        } else {
            out.energyEstimateUJ = p.energyEstimateUJ
        }
        return out
    }
}

/// Remembers whether a progress callback asked to stop.
final class StopFlag: Sendable {
    private let asked = Atomic<Bool>(false)
    /// Passes `go` through, remembering a false.
    func note(_ go: Bool) -> Bool {
        if !go { asked.store(true, ordering: .relaxed) }
        return go
    }
    var isSet: Bool { asked.load(ordering: .relaxed) }
}

extension BackendArray {
    /// `{"shape": [...], "b64": "<float32 little-endian>"}`.
    public var json: String {
        let bytes = values.map { Float(bitPattern: $0.bitPattern.littleEndian) }.withUnsafeBufferPointer { Data(buffer: $0) }
        return "{\"shape\": [" + shape.map(String.init).joined(separator: ", ") + "], \"b64\": \"" + bytes.base64EncodedString() + "\"}"
    }
}

extension BackendRunOutcome {
    /// TALON's `RunResult` fields as JSON (arrays as `BackendArray.json`, absent outputs null,
    /// `profile` as `BackendProfile.json` or null).
    public var json: String {
        var outs = outputs.map { JSONText.quote($0.name) + ": " + $0.value.json }
        outs += absentOutputs.map { JSONText.quote($0) + ": null" }
        let parts: [(String, String)] = [
            ("outputs", "{" + outs.joined(separator: ", ") + "}"),
            ("spike_counts", "{" + spikeCounts.map { JSONText.quote($0.name) + ": \($0.count)" }.joined(separator: ", ") + "}"),
            ("timesteps_run", "\(timestepsRun)"), ("total_latency_us", JSONText.number(totalLatencyUS)),
            ("energy_estimate_uj", JSONText.number(energyEstimateUJ)), ("mac_ops", "\(macOps)"),
            ("peak_memory_bytes", "\(peakMemoryBytes)"),
            ("per_node_latency", "{" + perNodeLatencyUS.map { JSONText.quote($0.0) + ": " + JSONText.number($0.1) }.joined(separator: ", ") + "}"),
            ("profile", profile?.json ?? "null"), ("errors", "[" + errors.map(JSONText.quote).joined(separator: ", ") + "]"),
            ("energy_is_estimate", "true"),
        ]
        return "{" + parts.map { JSONText.quote($0.0) + ": " + $0.1 }.joined(separator: ", ") + "}"
    }
}
