import CelestaIR

/// The cpu backend's compile (TALON's descriptor, README §13).
extension CPUBackend {
    /// TALON's cpu descriptor (`BackendDescriptor.perNode`): the same in both modes. Takes no
    /// settings.
    public func compile(_ graph: IRGraph, options: BackendCompileOptions) throws -> BackendDescriptor {
        try options.checkSettings(known: [], backend: name)
        return BackendDescriptor.perNode(graph, options: options, backend: name)
    }
}
