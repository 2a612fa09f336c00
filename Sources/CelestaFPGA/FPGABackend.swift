import CelestaIR

/// The fpga backend of the engine's pipeline: TALON's fpga validation (its primitive list) and,
/// as the compile step, the HLS model (`celesta hls` writes its project). It does not simulate:
/// the pipeline simulates on the cpu.
public struct FPGABackend: Backend {
    public init() {}

    /// Adds the fpga backend to `registry`.
    public static func register(in registry: BackendRegistry = .shared) { registry.register(FPGABackend()) }

    public static let talonPrimitives: Set<String> = ["Affine", "AvgPool2d", "BatchNorm2d", "Conv1d", "Conv2d", "Flatten", "LIF", "MaxPool2d", "ReLU", "Sigmoid"]
    public var name: String { "fpga" }
    public var summary: String { "FPGA through HLS C++ (hls4ml-style project)" }
    public var primitives: Set<String> { Self.talonPrimitives }

    public func validate(_ graph: IRGraph) -> BackendValidation {
        var v = BackendValidation()
        if graph.nodes.isEmpty { v.rejected = true }
        for e in graph.edges {
            for end in [e.source, e.target] where !graph.contains(end) { v.unsupportedNodes.append(end) }
        }
        for n in graph.nodes where n.type != "Input" && n.type != "Output" && !primitives.contains(n.type) {
            v.unsupportedNodes.append(n.name)
            v.warnings.append("Node '\(n.name)': \(n.type) not supported by FPGA backend")
        }
        return v
    }

    /// The HLS model's layer count; TALON-compatible: TALON's descriptor, which converts
    /// nothing (the nodes it would write as layers are counted).
    public func deploy(_ graph: IRGraph, options: BackendRunOptions) throws -> [(String, IRValue)] {
        if options.talonCompatible {
            return [("layers", .int(graph.nodes.filter { primitives.contains($0.type) }.count))]
        }
        let model = try HLSModel.fromIR(graph)
        return [("hls_layers", .int(model.layers.count))]
    }
}
