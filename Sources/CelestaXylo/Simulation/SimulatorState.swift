import CelestaIR
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
    /// Scratch of one step (not state): the fire mask of each hidden block and the ids of the
    /// blocks with a lane at threshold.
    let fireMasks: LaneBuffer
    let flagged: UnsafeMutablePointer<Int32>
    /// Scratch of the dense delivery: a row offset and a multiplier per spiking source.
    let rows: UnsafeMutablePointer<Int>
    let multipliers: UnsafeMutablePointer<Int16>
    /// Whether the previous step was idle (the hibernation flag lags by one step with bias).
    var previousIdle: Bool?

    init(_ net: CompiledNetwork) {
        syn = LaneBuffer(blocks: net.stateLanes / 8)
        vmemHidden = LaneBuffer(blocks: net.hiddenBlocks)
        vmemOut = LaneBuffer(blocks: net.outputBlocks)
        spikes = LaneBuffer(blocks: net.hiddenBlocks)
        spiking = .allocate(capacity: max(net.nHidden, 1))
        spiking.initialize(repeating: 0, count: max(net.nHidden, 1))
        fireMasks = LaneBuffer(blocks: net.hiddenBlocks)
        flagged = .allocate(capacity: max(net.hiddenBlocks, 1))
        flagged.initialize(repeating: 0, count: max(net.hiddenBlocks, 1))
        rows = .allocate(capacity: max(net.nHidden, 1))
        rows.initialize(repeating: 0, count: max(net.nHidden, 1))
        multipliers = .allocate(capacity: max(net.nHidden, 1))
        multipliers.initialize(repeating: 0, count: max(net.nHidden, 1))
    }

    convenience init(copying other: SimulatorState, network net: CompiledNetwork) {
        self.init(net)
        for (to, from) in [(syn, other.syn), (vmemHidden, other.vmemHidden), (vmemOut, other.vmemOut), (spikes, other.spikes)] {
            to.base.update(from: from.base, count: to.lanes)
        }
        spiking.update(from: other.spiking, count: other.spikingCount)
        spikingCount = other.spikingCount
        previousIdle = other.previousIdle
    }

    deinit {
        spiking.deallocate()
        flagged.deallocate()
        rows.deallocate()
        multipliers.deallocate()
    }

    func reset() {
        for buffer in [syn, vmemHidden, vmemOut, spikes] { buffer.zero() }
        spikingCount = 0
        previousIdle = nil
    }
}
