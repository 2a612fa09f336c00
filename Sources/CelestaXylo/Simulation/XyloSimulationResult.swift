import CelestaIR
/// What one `XyloSimulator.evolve` call returns: output spikes and, when recorded, every state,
/// each `[steps][neurons]` row-major (`Int32` values of the 16-bit states).
public struct XyloSimulationResult: Sendable, Equatable {
    public let steps: Int
    public let nHidden: Int
    public let nOut: Int
    /// Output spikes `[steps][nOut]` (0 or 1).
    public var spikesOut: [Int32]
    /// Whether the states below were recorded.
    public let recorded: Bool
    /// Hidden membrane potentials `[steps][nHidden]` (empty unless recorded).
    public var vmem: [Int32] = []
    /// Hidden synaptic states, synapse 1 and 2.
    public var isyn: [Int32] = []
    public var isyn2: [Int32] = []
    /// Hidden spike counts (alias copies included).
    public var spikes: [Int32] = []
    /// Output membrane potentials and synaptic states `[steps][nOut]`.
    public var vmemOut: [Int32] = []
    public var isynOut: [Int32] = []
    /// The v2 core's hibernation flag per step (empty for the v1 core).
    public var hibernation: [Int32] = []

    /// A result of `steps` zero rows; `record` allocates every state, `hibernation` the flag.
    public init(steps: Int, nHidden: Int, nOut: Int, record: Bool, hibernation: Bool) {
        self.steps = steps
        self.nHidden = nHidden
        self.nOut = nOut
        self.recorded = record
        spikesOut = Array(repeating: 0, count: steps * nOut)
        if record {
            vmem = Array(repeating: 0, count: steps * nHidden)
            isyn = vmem
            isyn2 = vmem
            spikes = vmem
            vmemOut = Array(repeating: 0, count: steps * nOut)
            isynOut = vmemOut
        }
        if hibernation { self.hibernation = Array(repeating: 0, count: steps) }
    }

    /// The recorded arrays by their Rockpool record names.
    public var recordDictionary: [(name: String, values: [Int32], width: Int)] {
        guard recorded else { return [] }
        return [
            ("Vmem", vmem, nHidden), ("Isyn", isyn, nHidden), ("Isyn2", isyn2, nHidden),
            ("Spikes", spikes, nHidden), ("Vmem_out", vmemOut, nOut), ("Isyn_out", isynOut, nOut),
        ]
    }
}
