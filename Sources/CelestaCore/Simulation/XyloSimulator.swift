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
    /// Synaptic states: hidden Isyn `0..<nH`, hidden Isyn2 `nH..<2nH`, output Isyn after.
    private var syn: [Int32]
    /// Membranes: hidden, then outputs.
    private var vmem: [Int32]
    /// Hidden spike counts of the last step (delivered in the next one).
    private var spikes: [Int32]
    /// Whether the previous step was idle (the hibernation flag lags by one step with bias).
    private var previousIdle: Bool?

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

    init(network: CompiledNetwork) {
        net = network
        syn = Array(repeating: 0, count: 2 * network.nHidden + network.nOut)
        vmem = Array(repeating: 0, count: network.nHidden + network.nOut)
        spikes = Array(repeating: 0, count: network.nHidden)
        previousIdle = nil
    }

    /// A new simulator over the same network, starting from this one's current state.
    public func copy() -> XyloSimulator {
        let other = XyloSimulator(network: net)
        other.syn = syn
        other.vmem = vmem
        other.spikes = spikes
        other.previousIdle = previousIdle
        return other
    }

    /// Zeroes every state, as in a freshly built simulator.
    public func reset() {
        for i in syn.indices { syn[i] = 0 }
        for i in vmem.indices { vmem[i] = 0 }
        for i in spikes.indices { spikes[i] = 0 }
        previousIdle = nil
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
        let nIn = net.nIn
        guard steps >= 0 else { throw CelestaError(.outOfRange, "'steps' is \(steps); it must be >= 0") }
        guard input.count == steps * nIn else {
            throw CelestaError(
                .shapeMismatch, "'input' has \(input.count) values but [T=\(steps)][n_in=\(nIn)] needs \(steps * nIn)")
        }
        if let bad = input.firstIndex(where: { $0 < 0 || $0 > 255 }) {
            throw CelestaError(
                .outOfRange,
                "'input[\(bad / max(nIn, 1))][\(bad % max(nIn, 1))]' is \(input[bad]); event counts must be in 0...255")
        }
    }

    private func run(_ input: UnsafeBufferPointer<Int>, from t0: Int, to t1: Int, into result: inout XyloSimulationResult) {
        let net = self.net
        let nH = net.nHidden, nOut = net.nOut, nIn = net.nIn
        let cap = Int32(net.chip.maxHiddenSpikesPerStep)
        let outCap = Int32(net.chip.maxOutputSpikesPerStep)
        let inCap = net.chip.maxInputEventsPerStep
        let isV2 = net.isV2, biasOn = net.biasOn
        var previousIdle = self.previousIdle
        let record = result.recorded
        syn.withUnsafeMutableBufferPointer { synB in
        vmem.withUnsafeMutableBufferPointer { vmemB in
        spikes.withUnsafeMutableBufferPointer { spk in
        net.dashMem.withUnsafeBufferPointer { dashMem in
        net.dashSyn.withUnsafeBufferPointer { dashSyn in
        net.dashSyn2.withUnsafeBufferPointer { dashSyn2 in
        net.threshold.withUnsafeBufferPointer { threshold in
        net.bias.withUnsafeBufferPointer { bias in
        net.aliasTarget.withUnsafeBufferPointer { alias in
            let syn = synB.baseAddress!
            let vmem = vmemB.baseAddress!
            let outSyn = syn + 2 * nH
            let inputs = net.inputSynapses.view, recurrent = net.recurrentSynapses.view, outputs = net.outputSynapses.view
            for t in t0..<t1 {
                var delivered = false
                // 1. Input delivery.
                let row = t * nIn
                for c in 0..<nIn {
                    let n = input[row + c]
                    if n == 0 { continue }
                    if inputs.deliver(source: c, count: Int32(min(n, inCap)), into: syn) { delivered = true }
                }
                // 2. Recurrent and 3. output delivery of the previous step's counts.
                for i in 0..<nH {
                    let n = spk[i]
                    if n == 0 { continue }
                    if recurrent.deliver(source: i, count: n, into: syn) { delivered = true }
                    if outputs.deliver(source: i, count: n, into: syn) { delivered = true }
                }
                // 4. Buffers cleared.
                for i in 0..<nH { spk[i] = 0 }
                var active = delivered
                // 5. Hidden neurons, in increasing id.
                for i in 0..<nH {
                    let d1 = HardwareArithmetic.decay(syn[i], dashSyn[i])
                    let d2 = HardwareArithmetic.decay(syn[nH + i], dashSyn2[i])
                    syn[i] &-= d1
                    syn[nH + i] &-= d2
                    if d1 | d2 != 0 { active = true }
                    let v = Self.membrane(
                        vmem[i], syn[i], syn[nH + i], dashMem[i], bias[i], isV2: isV2, biasOn: biasOn, active: &active)
                    var count = spk[i]  // alias copies from lower ids
                    vmem[i] = Self.fire(v, threshold[i], &count, cap)
                    spk[i] = count
                    let a = Int(alias[i])
                    if a >= 0 && count > 0 { spk[a] = min(cap, spk[a] + count) }
                }
                // 6. Output neurons.
                let outRow = t * nOut
                for k in 0..<nOut {
                    let n = nH + k
                    let d1 = HardwareArithmetic.decay(outSyn[k], dashSyn[n])
                    outSyn[k] &-= d1
                    if d1 != 0 { active = true }
                    let v = Self.membrane(vmem[n], outSyn[k], 0, dashMem[n], bias[n], isV2: isV2, biasOn: biasOn, active: &active)
                    var count: Int32 = 0
                    vmem[n] = Self.fire(v, threshold[n], &count, outCap)
                    result.spikesOut[outRow + k] = count
                }
                if isV2 {
                    let idle = !active
                    let flag = biasOn ? (!delivered && (previousIdle ?? false)) : idle
                    result.hibernation[t] = flag ? 1 : 0
                    previousIdle = idle
                }
                if record {
                    let hRow = t * nH
                    for i in 0..<nH {
                        result.vmem[hRow + i] = vmem[i]
                        result.isyn[hRow + i] = syn[i]
                        result.isyn2[hRow + i] = syn[nH + i]
                        result.spikes[hRow + i] = spk[i]
                    }
                    for k in 0..<nOut {
                        result.vmemOut[outRow + k] = vmem[nH + k]
                        result.isynOut[outRow + k] = outSyn[k]
                    }
                }
            }
        }}}}}}}}}
        self.previousIdle = previousIdle
    }

    /// The membrane update of the core; returns the new membrane potential.
    @inline(__always)
    private static func membrane(
        _ v: Int32, _ s1: Int32, _ s2: Int32, _ dash: Int32, _ bias: Int32,
        isV2: Bool, biasOn: Bool, active: inout Bool
    ) -> Int32 {
        if isV2 {
            // The negated decay is formed in 16 bits: -(-32768) wraps to -32768 (dash 0 quirk).
            let negDecay = HardwareArithmetic.wrap16(0 &- HardwareArithmetic.decay(v, dash))
            // Every operand is a 16-bit value, so these Int32 sums are exact without checks.
            var inc = HardwareArithmetic.saturate16(negDecay &+ s1 &+ s2)
            if biasOn { inc = HardwareArithmetic.saturate16(inc &+ bias) }
            if inc != 0 { active = true }
            return HardwareArithmetic.saturate16(v &+ inc)
        }
        let decayed = v &- HardwareArithmetic.decay(v, dash)
        return HardwareArithmetic.saturate16(decayed &+ s1 &+ s2)
    }

    /// Fires by subtraction: adds spikes to `count` while `v >= threshold` and `count < cap`.
    @inline(__always)
    private static func fire(_ v: Int32, _ thr: Int32, _ count: inout Int32, _ cap: Int32) -> Int32 {
        guard v >= thr, count < cap else { return v }
        if thr > 0 {
            let n = min(cap - count, (v &- thr) / thr &+ 1)
            count &+= n
            return v &- n &* thr
        }
        // thr <= 0: v stays >= thr after each subtraction, so the cap is reached; v moves by
        // -thr per spike and is kept in 16 bits (negative thresholds are outside the reference).
        let n = cap - count
        count = cap
        return HardwareArithmetic.wrap16(v &- n &* thr)
    }
}
