/// The mutable state of one simulator, in the lane layout of its `CompiledNetwork`: synaptic
/// states, membranes, the hidden spike counts of the last step and the list of the neurons
/// that hold a non-zero count (in increasing id, so that the next step delivers them in order
/// without scanning every neuron).
final class SimulatorState {
    /// Synaptic states (`CompiledNetwork.stateLanes` lanes).
    let syn: LaneBuffer
    let vmemHidden: LaneBuffer
    let vmemOut: LaneBuffer
    /// Hidden spike counts (0...31).
    let spikes: LaneBuffer
    /// Ids of the hidden neurons with a non-zero count, `spikingCount` of them.
    let spiking: UnsafeMutablePointer<Int32>
    var spikingCount = 0
    /// Whether the previous step was idle (the hibernation flag lags by one step with bias).
    var previousIdle: Bool?

    init(_ net: CompiledNetwork) {
        syn = LaneBuffer(blocks: net.stateLanes / 8)
        vmemHidden = LaneBuffer(blocks: net.hiddenBlocks)
        vmemOut = LaneBuffer(blocks: net.outputBlocks)
        spikes = LaneBuffer(blocks: net.hiddenBlocks)
        spiking = .allocate(capacity: max(net.nHidden, 1))
        spiking.initialize(repeating: 0, count: max(net.nHidden, 1))
    }

    init(copying other: SimulatorState, capacity: Int) {
        syn = LaneBuffer(copying: other.syn)
        vmemHidden = LaneBuffer(copying: other.vmemHidden)
        vmemOut = LaneBuffer(copying: other.vmemOut)
        spikes = LaneBuffer(copying: other.spikes)
        spiking = .allocate(capacity: max(capacity, 1))
        spiking.initialize(from: other.spiking, count: max(capacity, 1))
        spikingCount = other.spikingCount
        previousIdle = other.previousIdle
    }

    deinit { spiking.deallocate() }

    func reset() {
        for buffer in [syn, vmemHidden, vmemOut, spikes] { buffer.zero() }
        spikingCount = 0
        previousIdle = nil
    }
}
