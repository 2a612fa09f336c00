import CelestaIR
/// The bit-exact simulator of the Xylo SNN cores (Xylo Audio 2 and 3: v2 core; Xylo v1).
///
/// One simulator for every chip: the differences between the cores are the small strategy
/// value `XyloCore` of the chip record (membrane update, bias, hibernation model) and the caps
/// of the record. The loop is integer-only and follows the phases of a time step exactly:
///
/// 1. input delivery (counts clipped to 15; each addition saturates to int16),
/// 2. recurrent delivery of the previous step's hidden spike counts,
/// 3. output delivery of the same counts,
/// 4. spike buffers cleared,
/// 5. hidden neurons evolve in increasing id: synapses decay, the membrane integrates (v2:
///    increment saturated, then bias, then the sum; v1: decay, then one saturated sum), spikes
///    fire by subtraction up to 31 per step, the count is copied to the alias target,
/// 6. output neurons evolve (one synapse, at most one spike).
///
/// Row `t` of every record is the state after step `t`.
///
/// Thread safety: an instance is not thread-safe; use one per thread. Instances are
/// independent (they share only immutable compiled tables). State persists across `evolve`
/// calls until `reset()`.
public final class XyloSimulator: @unchecked Sendable {
    let net: CompiledNetwork
    let state: SimulatorState

    /// The chip whose core is simulated.
    public var chip: ChipSpec { net.chip }
    /// The configuration the simulator was built from.
    public var config: XyloConfig { net.config }
    /// Whether this core models the hibernation flag (the v2 core does).
    public var hasHibernationModel: Bool { net.isV2 }
    /// Synapses in the compiled network (input + recurrent + output, zero weights left out).
    public var synapseCount: Int { net.synapseCount }

    /// Builds a simulator with zero state. Fails when the configuration's shapes disagree or
    /// its values do not fit the simulator's integer fields (`XyloConfig.checkSimulatable()`);
    /// it need not fit the chip's limits (validate the configuration for that).
    public convenience init(config: XyloConfig, chip: ChipSpec) throws {
        self.init(network: try CompiledNetwork(config: config, chip: chip))
    }

    init(network: CompiledNetwork, state: SimulatorState? = nil) {
        net = network
        self.state = state ?? SimulatorState(network)
    }

    /// A new simulator over the same network, starting from this one's current state.
    public func copy() -> XyloSimulator {
        XyloSimulator(network: net, state: SimulatorState(copying: state, network: net))
    }

    /// Zeroes every state, as in a freshly built simulator.
    public func reset() {
        state.reset()
    }

    /// Runs `steps` time steps on `input` (`[steps][nIn]` event counts in 0...255, row-major)
    /// and returns the output spikes `[steps][nOut]` and, with `record`, every state.
    ///
    /// `progress` is called after each block of steps with the number done; returning false
    /// cancels the run with `cancelled` (the state then stands after the last completed step).
    public func evolve(
        input: [Int], steps: Int, record: Bool = false, progress: ((Int) -> Bool)? = nil
    ) throws -> XyloSimulationResult {
        try checkInput(input, steps: steps)
        var result = XyloSimulationResult(
            steps: steps, nHidden: net.nHidden, nOut: net.nOut, record: record, hibernation: net.isV2)
        let block = max(1, 1 << 20 / max(1, net.synapseCount + net.nHidden))
        var t = 0
        while t < steps {
            let end = min(steps, t + block)
            input.withUnsafeBufferPointer { run($0, from: t, to: end, into: &result) }
            t = end
            if let progress, !progress(t), t < steps {
                throw CelestaError(.cancelled, "simulation cancelled after \(t) of \(steps) steps")
            }
        }
        return result
    }

    /// Checks a raster: its length and counts in 0...255.
    func checkInput(_ input: [Int], steps: Int) throws {
        try Self.checkRaster(input, steps: steps, channels: net.nIn)
    }

    /// Checks an input raster `[steps][channels]` of event counts: `.outOfRange` for a
    /// negative `steps` or a count outside 0...255 (naming its step and channel),
    /// `.shapeMismatch` for a length other than `steps x channels`. (The dev-kit driver checks
    /// its input with this too.)
    public static func checkRaster(_ input: [Int], steps: Int, channels: Int) throws {
        guard steps >= 0 else { throw CelestaError(.outOfRange, "'steps' is \(steps); it must be >= 0") }
        guard channels >= 0 else { throw CelestaError(.outOfRange, "'channels' is \(channels); it must be >= 0") }
        let (needed, overflow) = steps.multipliedReportingOverflow(by: channels)
        guard !overflow, input.count == needed else {
            throw CelestaError(
                .shapeMismatch,
                "'input' has \(input.count) values but [T=\(steps)][n_in=\(channels)] needs \(overflow ? "\(steps) x \(channels)" : "\(needed)")")
        }
        // Every count is in 0...255 exactly when no bit above the low 8 is set in any of them
        // (a negative count sets the sign bit): one OR over the raster, without a branch per
        // value. Only a failing raster is searched for the first bad count.
        let bits = input.withUnsafeBufferPointer { $0.reduce(0, |) }
        if bits & ~255 != 0, let bad = input.firstIndex(where: { $0 & ~255 != 0 }) {
            throw CelestaError(
                .outOfRange,
                "'input[\(bad / max(channels, 1))][\(bad % max(channels, 1))]' is \(input[bad]); event counts must be in 0...255")
        }
    }
}
