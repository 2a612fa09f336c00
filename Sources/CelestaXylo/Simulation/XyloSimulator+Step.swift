import CelestaIR
/// The time-step loop of `XyloSimulator`: delivery through the fan-out tables, then the neuron
/// updates eight neurons at a time (`Lanes`), with the rare lanes that fire or hold alias copies
/// finished one by one in increasing id.
///
/// Why the lane-parallel update is exact: neurons interact within a step only through alias
/// copies, which change spike counts, never synaptic states or membranes before firing; so the
/// decays and the membrane integration of all neurons are independent, and firing plus alias
/// forwarding is done afterwards per lane, in id order, block by block (a block is finished
/// before the next one is integrated, so a copy into a later block is seen when that block
/// fires). Delivery keeps the source order, which is the only order saturation depends on.
extension XyloSimulator {
    /// Loop constants of one `run` call.
    struct StepContext {
        let net: NetworkFacts
        let hiddenCap: Int32, outputCap: Int32, inputCap: Int
        let syn: UnsafeMutablePointer<Int16>
        let vmem: UnsafeMutablePointer<Int16>
        let vmemOut: UnsafeMutablePointer<Int16>
        let spikes: UnsafeMutablePointer<Int16>
        let spiking: UnsafeMutablePointer<Int32>
        let hiddenParameters: UnsafeMutablePointer<Int16>
        let outputParameters: UnsafeMutablePointer<Int16>
        let alias: UnsafeBufferPointer<Int32>
        /// Scratch of the hidden integration pass: fire mask per block, flagged block ids.
        let fireMasks: UnsafeMutablePointer<Int16>
        let flagged: UnsafeMutablePointer<Int32>
        /// Scratch of the dense delivery (`DenseSynapseMatrix.View.deliver`).
        let rows: UnsafeMutablePointer<Int>
        let multipliers: UnsafeMutablePointer<Int16>
    }

    /// What one step hands to the next besides the state buffers.
    struct StepCarry {
        var spikingCount: Int
        var previousIdle: Bool?
    }

    func run(_ input: UnsafeBufferPointer<Int>, from t0: Int, to t1: Int, into result: inout XyloSimulationResult) {
        let net = self.net, state = self.state
        net.aliasTarget.withUnsafeBufferPointer { alias in
            let ctx = StepContext(
                net: net.facts, hiddenCap: Int32(net.chip.maxHiddenSpikesPerStep), outputCap: Int32(net.chip.maxOutputSpikesPerStep),
                inputCap: net.chip.maxInputEventsPerStep, syn: state.syn.base, vmem: state.vmemHidden.base,
                vmemOut: state.vmemOut.base, spikes: state.spikes.base, spiking: state.spiking,
                hiddenParameters: net.hiddenParameters.base, outputParameters: net.outputParameters.base, alias: alias,
                fireMasks: state.fireMasks.base, flagged: state.flagged, rows: state.rows, multipliers: state.multipliers)
            var carry = StepCarry(spikingCount: state.spikingCount, previousIdle: state.previousIdle)
            for t in t0..<t1 { step(t, input, ctx, &carry, &result) }
            state.spikingCount = carry.spikingCount
            state.previousIdle = carry.previousIdle
        }
    }

    @inline(__always)
    private func step(
        _ t: Int, _ input: UnsafeBufferPointer<Int>, _ ctx: StepContext, _ carry: inout StepCarry, _ result: inout XyloSimulationResult
    ) {
        let net = ctx.net
        let nIn = net.nIn, syn = ctx.syn, spk = ctx.spikes
        var delivered = false
        // 1. Input delivery.
        let inputs = net.inputSynapses, hidden = net.hiddenSynapses, output = net.outputSynapses
        let row = t &* nIn
        for c in 0..<nIn {
            let n = input[row &+ c]
            if n == 0 { continue }
            if inputs.deliver(source: c, count: Int32(min(n, ctx.inputCap)), into: syn) { delivered = true }
        }
        // 2. Recurrent and 3. output delivery of the previous step's counts, sources in
        // increasing id (the two land on disjoint lanes: all recurrent deliveries, then all
        // output ones, give the same states); 4. buffers cleared.
        let spikingCount = carry.spikingCount
        if deliverSpikes(spikingCount, ctx, table: hidden, matrix: net.recurrentMatrix) { delivered = true }
        if deliverSpikes(spikingCount, ctx, table: output, matrix: net.outputMatrix) { delivered = true }
        for k in 0..<spikingCount { spk[Int(ctx.spiking[k])] = 0 }
        var listed = 0
        // 5. Hidden neurons: all blocks integrate first (alias copies change counts only, so
        // integration does not depend on them), then the flagged blocks fire in increasing id.
        var changes = Lanes.zero
        let flaggedCount = integrateHidden(ctx, &changes)
        var unsorted = false
        if net.hasAliases {
            // Alias copies may sit in any lane and arrive from lower lanes of the same block.
            let everyLane = Lanes(repeating: -1)
            for b in 0..<net.hiddenBlocks where !LaneMath.isZero(ctx.fireMasks.block(b)) || !LaneMath.isZero(spk.block(b)) {
                fireHidden(block: b, lanes: everyLane, ctx, &listed, &unsorted)
            }
            if unsorted {
                var list = UnsafeMutableBufferPointer(start: ctx.spiking, count: listed)
                list.sort()
            }
        } else if ctx.hiddenCap <= Int32(Int16.max) {
            let topBit = ctx.hiddenCap > 0 ? Int32(1) << (31 - ctx.hiddenCap.leadingZeroBitCount) : 0
            for k in 0..<flaggedCount {
                let b = Int(ctx.flagged[k])
                fireHiddenLanes(block: b, lanes: ctx.fireMasks.block(b), ctx, topBit: topBit, &listed)
            }
        } else {
            for k in 0..<flaggedCount {
                let b = Int(ctx.flagged[k])
                fireHidden(block: b, lanes: ctx.fireMasks.block(b), ctx, &listed, &unsorted)
            }
        }
        carry.spikingCount = listed
        // 6. Output neurons.
        let outRow = t &* net.nOut
        for b in 0..<net.outputBlocks {
            let fires = updateBlock(b, ctx, PerLaneDecay(), hidden: false, v2: net.isV2, bias: net.biasOn, secondSynapse: false, &changes)
            if !LaneMath.isZero(fires) { fireOutputs(block: b, lanes: fires, ctx, row: outRow, &result) }
        }
        if net.isV2 {
            let idle = !delivered && LaneMath.isZero(changes)
            let flag = net.biasOn ? (!delivered && (carry.previousIdle ?? false)) : idle
            result.hibernation[t] = flag ? 1 : 0
            carry.previousIdle = idle
        }
        if result.recorded { record(t, ctx, &result) }
    }

    /// Integrates every hidden block, storing each block's fire mask in `fireMasks` and
    /// listing the blocks with a lane at threshold in `flagged`; returns how many. The core's
    /// options are passed as literals so that each combination gets its own loop.
    @inline(never)  // its own function: the loops keep their registers
    private func integrateHidden(_ ctx: StepContext, _ changes: inout Lanes) -> Int {
        if let dashes = ctx.net.uniformDashes {
            return integrateHidden(ctx, UniformDecay(dashes), &changes)
        }
        return integrateHidden(ctx, PerLaneDecay(), &changes)
    }

    @inline(__always)
    private func integrateHidden<D: LaneDecay>(_ ctx: StepContext, _ decay: D, _ changes: inout Lanes) -> Int {
        let net = ctx.net
        switch (net.isV2, net.biasOn, net.usesSecondSynapse) {
        case (true, true, true): return integrateHidden(ctx, decay, v2: true, bias: true, secondSynapse: true, &changes)
        case (true, true, false): return integrateHidden(ctx, decay, v2: true, bias: true, secondSynapse: false, &changes)
        case (true, false, true): return integrateHidden(ctx, decay, v2: true, bias: false, secondSynapse: true, &changes)
        case (true, false, false): return integrateHidden(ctx, decay, v2: true, bias: false, secondSynapse: false, &changes)
        case (false, _, true): return integrateHidden(ctx, decay, v2: false, bias: false, secondSynapse: true, &changes)
        case (false, _, false): return integrateHidden(ctx, decay, v2: false, bias: false, secondSynapse: false, &changes)
        }
    }

    @inline(__always)
    private func integrateHidden<D: LaneDecay>(
        _ ctx: StepContext, _ decay: D, v2: Bool, bias: Bool, secondSynapse: Bool, _ changes: inout Lanes
    ) -> Int {
        var flaggedCount = 0
        var changed = changes
        for b in 0..<ctx.net.hiddenBlocks {
            let fires = updateBlock(b, ctx, decay, hidden: true, v2: v2, bias: bias, secondSynapse: secondSynapse, &changed)
            ctx.fireMasks.setBlock(b, fires)
            if !LaneMath.isZero(fires) {
                ctx.flagged[flaggedCount] = Int32(b)
                flaggedCount &+= 1
            }
        }
        changes = changed
        return flaggedCount
    }

    /// Decays the synapses and integrates the membranes of one block of hidden (or output)
    /// neurons; ORs every synaptic decrement and membrane increment into `changes` (the v2
    /// hibernation model). Returns the mask of the lanes that reached their threshold.
    @inline(__always)
    private func updateBlock<D: LaneDecay>(
        _ b: Int, _ ctx: StepContext, _ decay: D, hidden: Bool, v2: Bool, bias: Bool, secondSynapse: Bool,
        _ changes: inout Lanes
    ) -> Lanes {
        let net = ctx.net
        let p = (hidden ? ctx.hiddenParameters : ctx.outputParameters) + 64 &* b
        func parameter(_ k: NeuronParameter) -> Lanes { p.block(k.rawValue) }
        let hLanes = 8 &* net.hiddenBlocks
        let syn1 = ctx.syn + (hidden ? 0 : 2 &* hLanes)
        let vmem = hidden ? ctx.vmem : ctx.vmemOut
        let s1 = syn1.block(b)
        let d1 = decay.decay(s1, .syn, p)
        let i1 = s1 &- d1
        syn1.setBlock(b, i1)
        let v = vmem.block(b)
        let dv = decay.decay(v, .mem, p)
        // The v2 core adds `-d(Vmem)` formed in 16 bits (-(-32768) wraps to -32768: the dash 0
        // quirk) to the synapses, saturates, adds the bias, saturates, then adds to Vmem; the
        // v1 core saturates `Vmem - d(Vmem)` plus the synapses once.
        let base = v2 ? Lanes.zero &- dv : v &- dv
        var sum: Lanes
        if hidden && secondSynapse {
            let syn2 = ctx.syn + hLanes
            let s2 = syn2.block(b)
            let d2 = decay.decay(s2, .syn2, p)
            let i2 = s2 &- d2
            syn2.setBlock(b, i2)
            changes |= d2
            sum = LaneMath.addSaturating(base, i1, i2)
        } else {
            sum = LaneMath.addSaturating(base, i1)
        }
        let updated: Lanes
        if v2 {
            if bias { sum = LaneMath.addSaturating(sum, parameter(.bias)) }
            changes |= d1 | sum
            updated = LaneMath.addSaturating(v, sum)
        } else {
            updated = sum
        }
        vmem.setBlock(b, updated)
        return LaneMath.atLeast(updated, parameter(.threshold))
    }

    /// Delivers the spike counts of the `count` listed hidden neurons through `matrix` when the
    /// network has it, else through `table`, source by source. Returns whether a source has a
    /// synapse there.
    @inline(__always)
    private func deliverSpikes(
        _ count: Int, _ ctx: StepContext, table: SynapseTable.View, matrix: DenseSynapseMatrix.View?
    ) -> Bool {
        if let matrix {
            return matrix.deliver(
                ctx.spiking, count, spikes: ctx.spikes, into: ctx.syn, table: table, rows: ctx.rows, multipliers: ctx.multipliers)
        }
        var delivered = false
        for k in 0..<count {
            let i = Int(ctx.spiking[k])
            if table.deliver(source: i, count: Int32(ctx.spikes[i]), into: ctx.syn) { delivered = true }
        }
        return delivered
    }

    /// Fires the masked lanes of hidden block `b` together, in a network without aliases (every
    /// count is 0 before firing): per lane what `fire(v, threshold, 0, cap)` gives. The count
    /// `min(v / threshold, cap)` is found bit by bit from `topBit`, the highest power of two of
    /// the cap, subtracting `bit * threshold` where it fits (compares, no division); a threshold
    /// <= 0 takes every bit, so the cap is reached and `v - cap * threshold` kept in 16 bits,
    /// as `fire` does. Lanes outside the mask keep their state. Lists the neurons that fired.
    @inline(__always)
    private func fireHiddenLanes(block b: Int, lanes fires: Lanes, _ ctx: StepContext, topBit: Int32, _ listed: inout Int) {
        let threshold = (ctx.hiddenParameters + 64 &* b).block(NeuronParameter.threshold.rawValue)
        let v = ctx.vmem.block(b)
        var rest = SIMD8<Int32>(truncatingIfNeeded: v)
        var step = SIMD8<Int32>(truncatingIfNeeded: threshold) &* topBit
        var n = SIMD8<Int32>.zero
        var bit = topBit
        while bit > 0 {
            let take = rest .>= step
            rest.replace(with: rest &- step, where: take)
            n.replace(with: n &+ bit, where: take)
            step = step &>> 1
            bit &>>= 1
        }
        let count = pointwiseMin(Lanes(truncatingIfNeeded: n), Lanes(repeating: Int16(truncatingIfNeeded: ctx.hiddenCap))) & fires
        ctx.vmem.setBlock(b, v &- count &* threshold)
        ctx.spikes.setBlock(b, count)
        LaneMath.forEachLane(in: LaneMath.atLeast(count, Lanes(repeating: 1))) { lane in
            ctx.spiking[listed] = Int32(8 &* b &+ lane)
            listed &+= 1
        }
    }

    /// Fires the hidden neurons of block `b` in the masked lanes, in increasing id, starting from
    /// the alias copies in their buffers, forwards each count to its alias target and lists the
    /// neurons that now hold a count. A copy to a lower id lands after that neuron was listed in
    /// order, so the list is marked `unsorted`.
    private func fireHidden(block b: Int, lanes: Lanes, _ ctx: StepContext, _ listed: inout Int, _ unsorted: inout Bool) {
        let spk = ctx.spikes, cap = ctx.hiddenCap, nH = ctx.net.nHidden
        let thresholds = ctx.hiddenParameters + 64 &* b + 8 &* NeuronParameter.threshold.rawValue
        LaneMath.forEachLane(in: lanes) { lane in
            let i = 8 &* b &+ lane
            guard i < nH else { return }
            let v = Int32(ctx.vmem[i]), threshold = Int32(thresholds[lane])
            var count = Int32(spk[i])
            if count == 0 && v < threshold { return }
            ctx.vmem[i] = Int16(truncatingIfNeeded: Self.fire(v, threshold, &count, cap))
            spk[i] = Int16(truncatingIfNeeded: count)
            guard count > 0 else { return }
            ctx.spiking[listed] = Int32(i)
            listed &+= 1
            let a = Int(ctx.alias[i])
            guard a >= 0 else { return }
            let before = Int32(spk[a])
            spk[a] = Int16(truncatingIfNeeded: min(cap, before &+ count))
            // A higher target lists itself when its lane fires; a lower one is listed now.
            if a < i && before == 0 {
                ctx.spiking[listed] = Int32(a)
                listed &+= 1
                unsorted = true
            }
        }
    }

    /// Fires the output neurons of block `b` in the masked lanes (no alias, their own cap) into
    /// the output row.
    private func fireOutputs(block b: Int, lanes: Lanes, _ ctx: StepContext, row: Int, _ result: inout XyloSimulationResult) {
        let thresholds = ctx.outputParameters + 64 &* b + 8 &* NeuronParameter.threshold.rawValue
        let nOut = ctx.net.nOut
        LaneMath.forEachLane(in: lanes) { lane in
            let k = 8 &* b &+ lane
            guard k < nOut else { return }
            let v = Int32(ctx.vmemOut[k]), threshold = Int32(thresholds[lane])
            var count: Int32 = 0
            ctx.vmemOut[k] = Int16(truncatingIfNeeded: Self.fire(v, threshold, &count, ctx.outputCap))
            result.spikesOut[row + k] = count
        }
    }

    /// Row `t` of every record: the states after the step.
    private func record(_ t: Int, _ ctx: StepContext, _ result: inout XyloSimulationResult) {
        let nH = ctx.net.nHidden, nOut = ctx.net.nOut, hLanes = 8 * ctx.net.hiddenBlocks
        let hRow = t * nH, outRow = t * nOut
        for i in 0..<nH {
            result.vmem[hRow + i] = Int32(ctx.vmem[i])
            result.isyn[hRow + i] = Int32(ctx.syn[i])
            result.isyn2[hRow + i] = Int32(ctx.syn[hLanes + i])
            result.spikes[hRow + i] = Int32(ctx.spikes[i])
        }
        for k in 0..<nOut {
            result.vmemOut[outRow + k] = Int32(ctx.vmemOut[k])
            result.isynOut[outRow + k] = Int32(ctx.syn[2 * hLanes + k])
        }
    }

    /// Fires by subtraction: adds spikes to `count` while `v >= threshold` and `count < cap`.
    @inline(__always)
    static func fire(_ v: Int32, _ thr: Int32, _ count: inout Int32, _ cap: Int32) -> Int32 {
        guard v >= thr, count < cap else { return v }
        if v &- thr < thr {
            // One spike (the common case, without a division); for thr <= 0 this needs
            // v < 2 * thr <= thr, which the guard excludes.
            count &+= 1
            return v &- thr
        }
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
