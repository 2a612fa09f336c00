import Synchronization

/// What a backend says of a graph before compiling it: whether it can take it, the nodes it
/// cannot, and warnings (TALON's `ValidationResult`).
public struct BackendValidation: Sendable, Equatable {
    public var isValid: Bool { !rejected && unsupportedNodes.isEmpty && errors.isEmpty }
    /// Invalid although nothing is listed in `unsupportedNodes` or `errors` (TALON's empty
    /// graph: a warning only).
    public var rejected = false
    /// Nodes whose primitive the backend has no place for.
    public var unsupportedNodes: [String]
    /// Problems of the graph as a whole, or of a node the backend could otherwise take.
    public var errors: [String]
    public var warnings: [String]

    public init(unsupportedNodes: [String] = [], errors: [String] = [], warnings: [String] = []) {
        self.unsupportedNodes = unsupportedNodes
        self.errors = errors
        self.warnings = warnings
    }
}

/// What a backend takes, as data (TALON's `BackendCapabilities` and `get_constraints()`).
public struct BackendCapabilities: Sendable, Equatable {
    /// The primitives it takes, sorted.
    public var primitives: [String]
    /// The number formats it computes in (`fp32`, `int8`, `ap_fixed<16,6>`...).
    public var precisions: [String]
    public var supportsCyclic: Bool
    /// The most nodes a graph may have.
    public var maxGraphSize: Int
    /// Limits per primitive: primitive -> [(limit name, value)], in a fixed order.
    public var constraints: [String: [BackendLimit]]

    public init(primitives: [String], precisions: [String], supportsCyclic: Bool, maxGraphSize: Int, constraints: [String: [BackendLimit]] = [:]) {
        self.primitives = primitives
        self.precisions = precisions
        self.supportsCyclic = supportsCyclic
        self.maxGraphSize = maxGraphSize
        self.constraints = constraints
    }
}

/// One named limit of a primitive on a backend (`max_kernel_size` 64).
public struct BackendLimit: Sendable, Equatable {
    public var name: String
    public var value: Double
    public init(_ name: String, _ value: Double) {
        self.name = name
        self.value = value
    }
}

/// Values crossing a backend's `simulate`: float32 in C order, with their shape.
public struct BackendArray: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]
    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }
}

/// How a backend runs a graph (each backend documents the values it takes).
public struct BackendRunOptions: Sendable {
    public var nSteps = 1
    /// Keep every node's value after every step.
    public var stepByStep = false
    /// The number format (`fp32`, `int8`...).
    public var precision = "fp32"
    /// The simulated time of one step.
    public var dt = 1.0
    /// Worker threads (0: one per core).
    public var threads = 0
    /// Measure the time spent in each node.
    public var timing = false
    /// An Input without data gets zeros of its declared shape (otherwise an error).
    public var zerosForMissing = false
    /// The reference tool's behaviour where the backend has such a mode (cpu: TALON 0.0.3's
    /// simulator); a backend without one refuses it.
    public var talonCompatible = false
    /// For backends that discretise the graph's dynamics onto hardware (Xylo): the time step
    /// in the unit of the graph's time constants; nil: the backend's default.
    public var discretisationStep: Double? = nil
    /// Called with (steps done, steps in all) where the backend can report (over a batch: the
    /// steps of all its sequences), on the calling thread; returning false cancels the run
    /// (`.cancelled`, no result).
    public var progress: (@Sendable (Int, Int) -> Bool)? = nil
    public init() {}
}

/// What a run gives (TALON's `SimulationResult` fields, batch-aware).
public struct BackendRunResult: Sendable {
    public var timestepsRun = 0
    /// The batch size, or nil for an unbatched run (outputs then have no batch axis).
    public var batch: Int?
    /// The final value of each Output node ([B, *shape] when batched).
    public var outputs: [(name: String, value: BackendArray)] = []
    /// Spikes emitted by each spiking node over the run (all samples).
    public var spikeCounts: [(name: String, count: Int)] = []
    /// With `stepByStep`: every node's value after each step.
    public var nodeStates: [[(name: String, value: BackendArray)]] = []
    /// With `timing`: the time spent in each node over the run, in nanoseconds.
    public var nodeNanoseconds: [(name: String, ns: UInt64)] = []
    /// Multiply-accumulates of one step per node.
    public var nodeMACs: [(name: String, macs: Int)] = []
    /// TALON-compatible runs report their own failures here (`outputsValid` false) instead of
    /// throwing, as TALON does.
    public var outputsValid = true
    public var errors: [String] = []
    /// Output nodes that got no value (TALON's None), listed apart from `outputs`.
    public var absentOutputs: [String] = []
    public init() {}
}

/// A target that consumes the IR: a chip, an FPGA flow, a simulator. Backends are data about
/// themselves (name, description, the primitives they take) plus the operations they offer;
/// the registry lists them, and nothing in the core names a particular one.
public protocol Backend: Sendable {
    /// The registry key (`"xylo-a3"`, later `"cpu"`, `"fpga"`).
    var name: String { get }
    /// One line on the target.
    var summary: String { get }
    /// The primitives the backend takes (the registry's names).
    var primitives: Set<String> { get }
    /// Checks the graph for this target without changing it.
    func validate(_ graph: IRGraph) -> BackendValidation
    /// What it takes, as data.
    var capabilities: BackendCapabilities { get }
    /// Runs the graph on `inputs` (by Input node name), for the backends that simulate.
    func simulate(_ graph: IRGraph, inputs: [String: BackendArray], options: BackendRunOptions) throws -> BackendRunResult
    /// Whether `simulate` runs graphs (false: it refuses every call).
    var simulates: Bool { get }
    /// Checks the graph as the reference tool does when `talonCompatible` (the default: as
    /// `validate(_:)`).
    func validate(_ graph: IRGraph, talonCompatible: Bool) -> BackendValidation
    /// Runs the graph and reports latency, energy and memory (README §15), each figure labelled
    /// with its source (`BackendProfile.latencySource`, `energySource`). `inputs` nil: zeros.
    func profile(_ graph: IRGraph, inputs: [String: BackendArray]?, options: BackendProfileOptions) throws -> BackendProfile
    /// Compiles a valid graph for the target and summarises what it made (key, value), for
    /// the pipeline's compile step; throws when it cannot. By default there is nothing to
    /// compile beyond `validate` (an empty summary).
    func deploy(_ graph: IRGraph, options: BackendRunOptions) throws -> [(String, IRValue)]
    /// Compiles the graph for the target (TALON's `compile` -> `HardwareDescriptor`); each
    /// backend documents its descriptor and the settings it takes. By default: `.unsupported`.
    func compile(_ graph: IRGraph, options: BackendCompileOptions) throws -> BackendDescriptor
    /// What the reference tool reports for this backend, where the backend has a
    /// reference-compatible mode whose capabilities differ (cpu: the primitive list TALON
    /// claims); nil by default: `capabilities` in both modes.
    var talonCapabilities: BackendCapabilities? { get }
    /// TALON's `get_constraints()`: the per-core limits, as a `HardwareSpec`; nil by default
    /// (a backend without TALON's per-core view: a chip's limits are its chip record's).
    var hardwareConstraints: HardwareSpec? { get }
    /// Facts the registry lists beside the capabilities (`registryJSON`), in order, for a
    /// backend that has some (a chip's backend: `chip`, its id); empty by default.
    var registryFacts: [(String, IRValue)] { get }
}

extension Backend {
    /// By default: its primitives, fp32 only, no cycles, no size limit of its own.
    public var capabilities: BackendCapabilities {
        BackendCapabilities(primitives: primitives.sorted(), precisions: ["fp32"], supportsCyclic: false, maxGraphSize: Int(Int32.max))
    }

    /// By default a backend does not simulate, nor profile.
    public var simulates: Bool { false }

    public var talonCapabilities: BackendCapabilities? { nil }
    public var hardwareConstraints: HardwareSpec? { nil }
    public var registryFacts: [(String, IRValue)] { [] }

    public func validate(_ graph: IRGraph, talonCompatible: Bool) -> BackendValidation { validate(graph) }

    public func profile(_ graph: IRGraph, inputs: [String: BackendArray]?, options: BackendProfileOptions) throws -> BackendProfile {
        throw CelestaError(.unsupported, "Backend '\(name)' does not support profiling")
    }

    public func deploy(_ graph: IRGraph, options: BackendRunOptions) throws -> [(String, IRValue)] { [] }

    public func compile(_ graph: IRGraph, options: BackendCompileOptions) throws -> BackendDescriptor {
        throw CelestaError(.unsupported, "Backend '\(name)' does not compile")
    }

    public func simulate(_ graph: IRGraph, inputs: [String: BackendArray], options: BackendRunOptions) throws -> BackendRunResult {
        throw CelestaError(.unsupported, "Backend '\(name)' does not support simulation")
    }

    /// The default check: every node's primitive must be among `primitives`.
    public func unsupportedNodes(of graph: IRGraph) -> [String] {
        graph.nodes.filter { !primitives.contains($0.type) }.map(\.name)
    }
}

/// The backends of this process, by name, in registration order. Backend modules register
/// theirs (CelestaXylo: `XyloBackend.registerAll()`); users may register their own.
public final class BackendRegistry: Sendable {
    public static let shared = BackendRegistry()

    private let table = Mutex<[any Backend]>([])

    public init() {}

    /// Adds `backend`, replacing one of the same name.
    public func register(_ backend: any Backend) {
        table.withLock { list in
            if let i = list.firstIndex(where: { $0.name == backend.name }) { list[i] = backend } else { list.append(backend) }
        }
    }

    public var names: [String] { table.withLock { $0.map(\.name) } }

    /// The backend called `name`, or `.notFound` listing the known ones.
    public func backend(_ name: String) throws -> any Backend {
        guard let b = table.withLock({ list in list.first { $0.name == name } }) else {
            throw CelestaError(.notFound, "no backend '\(name)'; known: \(names.joined(separator: ", "))")
        }
        return b
    }

    /// The backends that take `primitive` (all when nil).
    public func backends(taking primitive: String?) -> [any Backend] {
        table.withLock { list in list.filter { primitive == nil || $0.primitives.contains(primitive!) } }
    }
}

extension BackendCapabilities {
    /// `{supported_primitives, supported_precisions, supports_cyclic, max_graph_size,
    /// constraints}` (TALON's field names; constraints by primitive name, sorted, each limit an
    /// integer where it is one, as TALON gives them).
    public var json: String {
        func names(_ list: [String]) -> String { "[" + list.map(JSONText.quote).joined(separator: ", ") + "]" }
        func number(_ v: Double) -> String {
            if v == v.rounded(), abs(v) < 9.0e15 { return String(Int(v)) }
            return JSONText.number(v)
        }
        let limits = constraints.keys.sorted().map { key in
            JSONText.quote(key) + ": {" + constraints[key]!.map { JSONText.quote($0.name) + ": " + number($0.value) }.joined(separator: ", ") + "}"
        }
        return "{\"supported_primitives\": " + names(primitives) + ", \"supported_precisions\": " + names(precisions)
            + ", \"supports_cyclic\": \(supportsCyclic), \"max_graph_size\": \(maxGraphSize), \"constraints\": {" + limits.joined(separator: ", ") + "}}"
    }
}

extension BackendRegistry {
    /// The registered backends as JSON, in registration order: `[{name, summary,
    /// supported_primitives, supported_precisions, supports_cyclic, max_graph_size,
    /// constraints, talon_capabilities, hardware_constraints, ...facts}]`: the capabilities'
    /// fields (`BackendCapabilities.json`), `talon_capabilities` (what the reference tool
    /// reports, in the same form, or null where it is `capabilities`), `hardware_constraints`
    /// (TALON's `get_constraints()` with its field names, `HardwareSpec.json`, or null), and the
    /// backend's `registryFacts` (a chip's backend: `chip`). One source for the C ABI
    /// (`celesta_backend_list_json`), the CLI (`celesta backend list`) and Python.
    public func json() throws -> String {
        "[" + (try names.map { name in
            let b = try backend(name)
            let caps = b.capabilities.json
            var fields = ["\"name\": " + JSONText.quote(b.name), "\"summary\": " + JSONText.quote(b.summary), String(caps.dropFirst().dropLast())]
            fields.append("\"talon_capabilities\": " + (b.talonCapabilities?.json ?? "null"))
            fields.append("\"hardware_constraints\": " + (b.hardwareConstraints?.json ?? "null"))
            for (key, value) in b.registryFacts { fields.append(JSONText.quote(key) + ": " + PythonJSON.dumps(value)) }
            return "{" + fields.joined(separator: ", ") + "}"
        }).joined(separator: ", ") + "]"
    }
}
