import CelestaIR

/// The CPU simulator as a backend of the registry (`cpu`): it takes every primitive it has a
/// kernel for, in every precision of `CPUPrecision`, cyclic graphs included.
public struct CPUBackend: Backend {
    public init() {}

    public var name: String { "cpu" }
    public var summary: String { "CPU simulator of the IR: every primitive computed, batched over all cores" }
    public var primitives: Set<String> { Set(CPUKernelTable.shared.primitives) }

    public var capabilities: BackendCapabilities {
        BackendCapabilities(
            primitives: CPUKernelTable.shared.primitives, precisions: CPUPrecision.allCases.map(\.rawValue),
            supportsCyclic: true, maxGraphSize: 1_000_000,
            constraints: [
                "Conv2d": [BackendLimit("max_kernel_size", 64), BackendLimit("max_channels", 65536)],
                "Affine": [BackendLimit("max_params", 1e8)],
                "LIF": [BackendLimit("max_neurons", 1e6)],
            ])
    }

    /// The primitives TALON 0.0.3's cpu backend claims, in its order (README §13); its
    /// simulator computes only Affine and LIF of them (§21.4).
    public static let talonPrimitives = [
        "Affine", "SpikingAffine", "Conv2d", "SepConv2d", "MaxPool2d", "AvgPool2d", "Flatten", "LIF", "ReLU", "Sigmoid", "Tanh",
        "Softmax", "GELU", "ELU", "PReLU", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "Dropout", "HybridRegion", "Skip", "Upsample",
    ]

    /// TALON's cpu capabilities: `capabilities` with TALON's primitive list.
    public var talonCapabilities: BackendCapabilities? {
        var c = capabilities
        c.primitives = Self.talonPrimitives
        return c
    }

    /// TALON's cpu `get_constraints()` (reference README §12.0).
    public var hardwareConstraints: HardwareSpec? {
        HardwareSpec(maxNeuronsPerCore: 10000, maxSynapsesPerCore: 10_000_000, sramBytesPerCore: 1_000_000_000, maxFanIn: 10000,
                     maxFanOut: 10000, maxFeedbackDelay: 1, supportedPrecisions: ["fp32", "int16", "int8", "int4"], mesh: nil, numCores: 1)
    }

    /// Invalid for: no nodes, an edge to a missing node, a primitive without a kernel (named in
    /// `unsupportedNodes`), a cycle the graph does not allow, and any node the plan cannot be
    /// built for with the declared input shapes (the message names the node and the reason).
    /// A graph that passes simulates without error for inputs of its declared shapes.
    public func validate(_ graph: IRGraph) -> BackendValidation {
        var v = BackendValidation()
        if graph.nodes.isEmpty { v.errors.append("Graph has no nodes") }
        if graph.edges.isEmpty, graph.nodes.count > 1 { v.warnings.append("Graph has no edges") }
        for e in graph.edges {
            for end in [e.source, e.target] where !graph.contains(end) {
                v.unsupportedNodes.append(end)
                v.warnings.append("Edge references missing node: \(end)")
            }
        }
        for n in graph.nodes where CPUKernelTable.shared.factory(for: n.type) == nil {
            v.unsupportedNodes.append(n.name)
            v.errors.append("node '\(n.name)' (\(n.type)): the cpu backend does not compute this primitive")
        }
        if !graph.allowCycles, !graph.isDAG { v.errors.append("the graph has a cycle but does not allow cycles") }
        guard v.isValid else { return v }
        let known = graph.inputs.allSatisfy { graph.node($0)?.inputType?.first ?? graph.node($0)?.outputType?.first != nil }
        if known {
            do { _ = try CPUPlan(graph) } catch let e as CelestaError { v.errors.append(e.message) } catch { v.errors.append("\(error)") }
        } else {
            v.warnings.append("an Input node declares no shape: the plan is checked when data is given")
        }
        return v
    }

    /// Runs `CPUSimulator` (see its input rule); `options.precision` names a `CPUPrecision`.
    /// `options.talonCompatible`: TALON's simulator (README §14), failures in `errors`.
    public func simulate(_ graph: IRGraph, inputs: [String: BackendArray], options: BackendRunOptions) throws -> BackendRunResult {
        if options.talonCompatible { return try talonSimulate(graph, inputs: inputs, options: options, profiling: false).0 }
        var o = CPUSimulationOptions()
        o.nSteps = options.nSteps
        o.stepByStep = options.stepByStep
        o.precision = try CPUPrecision(named: options.precision)
        o.dt = options.dt
        o.threads = options.threads
        o.timing = options.timing
        o.progress = options.progress
        return try CPUSimulator.run(graph, inputs: inputs, options: o, zerosForMissing: options.zerosForMissing)
    }

    /// Registers the backend with `registry` (idempotent).
    public static func register(in registry: BackendRegistry = .shared) {
        registry.register(CPUBackend())
    }
}
