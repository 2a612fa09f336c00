import CelestaIR
/// A configuration compiled for simulation: fan-out tables and per-neuron parameters laid out
/// in `Lanes` blocks. Immutable and shared by every simulator (and batch worker) built from it.
///
/// Neurons are padded to whole blocks of eight. A padding lane has zero weights, zero
/// parameters and threshold 32767, so its states stay 0 and it never fires.
final class CompiledNetwork: @unchecked Sendable {
    let chip: ChipSpec
    let config: XyloConfig
    let nIn: Int
    let nHidden: Int
    let nOut: Int
    /// Blocks of hidden and output neurons.
    let hiddenBlocks: Int
    let outputBlocks: Int
    /// The synaptic-state lanes: hidden Isyn at 0, hidden Isyn2 at `hiddenBlocks * 8`, output
    /// Isyn at `2 * hiddenBlocks * 8`.
    var stateLanes: Int { 8 * (2 * hiddenBlocks + outputBlocks) }
    let inputSynapses: SynapseTable
    /// Recurrent and output synapses of the hidden sources, in two tables (each has its weight
    /// shift). They land on disjoint lanes, so delivering both per source equals all recurrent
    /// deliveries then all output ones.
    let hiddenSynapses: SynapseTable
    let outputSynapses: SynapseTable
    /// Per block, `NeuronParameter.allCases.count` parameter blocks (hidden, then outputs).
    let hiddenParameters: LaneBuffer
    let outputParameters: LaneBuffer
    let biasOn: Bool
    /// Alias target per hidden neuron, -1 for none.
    let aliasTarget: [Int32]
    let hasAliases: Bool
    /// Whether any synapse drives a hidden Isyn2: without one, Isyn2 stays 0 and its decay and
    /// sum are skipped.
    let usesSecondSynapse: Bool
    let isV2: Bool
    let synapseCount: Int
    /// The recurrent synapses (hidden Isyn, and Isyn2 when used) and the output synapses as
    /// dense matrices, when dense enough (`DenseSynapseMatrix.make`); delivered from those.
    let recurrentMatrix: DenseSynapseMatrix?
    let outputMatrix: DenseSynapseMatrix?
    /// The dashes (clamped to 15, as `LaneMath.shiftLanes` does) when every hidden neuron has
    /// the same ones: the integration then shifts all lanes by one count.
    let uniformDashes: (syn: Int, syn2: Int, mem: Int)?

    init(config c: XyloConfig, chip: ChipSpec) throws {
        try c.checkShapes()
        try c.checkSimulatable()
        self.chip = chip
        self.config = c
        nIn = c.nIn
        nHidden = c.nHidden
        nOut = c.nOut
        let nH = c.nHidden
        hiddenBlocks = (nH + 7) / 8
        outputBlocks = (c.nOut + 7) / 8
        // Fan-out tables address state blocks with 16-bit indices (far above any chip's size).
        guard 2 * hiddenBlocks + outputBlocks <= 1 << 16 else {
            throw CelestaError(.outOfRange, "'n_hidden' is \(nH) and 'n_out' \(c.nOut): the simulator handles at most 262,143 neurons")
        }
        let hLanes = 8 * hiddenBlocks
        let syn2 = hLanes, out = 2 * hLanes
        let regions = [0..<nH, syn2..<(syn2 + nH), out..<(out + c.nOut)]
        // Weights are 8-bit (`checkSimulatable`); each table applies its one weight shift.
        inputSynapses = SynapseTable(sources: c.nIn, regions: regions, shift: c.weightShiftIn) { ch, add in
            for s in 0..<c.nSyn {
                for j in 0..<c.nIEN {
                    add(s * syn2 + j, Int8(truncatingIfNeeded: c.weightIn(ch, j, s)))
                }
            }
        }
        hiddenSynapses = SynapseTable(sources: nH, regions: regions, shift: c.weightShiftRec) { i, add in
            for s in 0..<c.nSyn {
                for j in 0..<nH {
                    add(s * syn2 + j, Int8(truncatingIfNeeded: c.weightRec(i, j, s)))
                }
            }
        }
        outputSynapses = SynapseTable(sources: nH, regions: regions, shift: c.weightShiftOut) { i, add in
            let r = i - c.oenOffset
            guard r >= 0 else { return }
            for k in 0..<c.nOut {
                add(out + k, Int8(truncatingIfNeeded: c.weightOut(r, k)))
            }
        }
        synapseCount = inputSynapses.count + hiddenSynapses.count + outputSynapses.count
        usesSecondSynapse = c.nSyn > 1 && (
            (0..<c.nIn).contains { ch in (0..<c.nIEN).contains { c.weightIn(ch, $0, 1) != 0 } }
                || (0..<nH).contains { i in (0..<nH).contains { c.weightRec(i, $0, 1) != 0 } })
        let syns = usesSecondSynapse ? 2 : 1
        recurrentMatrix = DenseSynapseMatrix.make(
            sources: nH, offset: 0, width: syns * hLanes, synapticLanes: syns * nH, shift: c.weightShiftRec
        ) { i, add in
            for s in 0..<syns {
                for j in 0..<nH { add(s * hLanes + j, Int8(truncatingIfNeeded: c.weightRec(i, j, s))) }
            }
        }
        outputMatrix = DenseSynapseMatrix.make(
            sources: nH, offset: out, width: 8 * outputBlocks, synapticLanes: c.nOut, shift: c.weightShiftOut
        ) { i, add in
            let r = i - c.oenOffset
            guard r >= 0 else { return }
            for k in 0..<c.nOut { add(k, Int8(truncatingIfNeeded: c.weightOut(r, k))) }
        }
        isV2 = chip.core == .v2
        biasOn = isV2 && c.biasEnabled
        let bias = c.bias ?? Array(repeating: 0, count: nH)
        hiddenParameters = Self.parameters(
            blocks: hiddenBlocks, dashSyn: c.dashSyn, dashSyn2: c.dashSyn2, dashMem: c.dashMem, threshold: c.threshold, bias: bias)
        outputParameters = Self.parameters(
            blocks: outputBlocks, dashSyn: c.dashSynOut, dashSyn2: Array(repeating: 0, count: c.nOut), dashMem: c.dashMemOut,
            threshold: c.thresholdOut, bias: c.biasOut ?? Array(repeating: 0, count: c.nOut))
        func uniform(_ dashes: [Int]) -> Int? {
            let clamped = Set(dashes.map { min(max($0, 0), 15) })
            return clamped.count == 1 ? clamped.first : nil
        }
        if let syn = uniform(c.dashSyn), let syn2 = uniform(c.dashSyn2), let mem = uniform(c.dashMem) {
            uniformDashes = (syn, syn2, mem)
        } else {
            uniformDashes = nil
        }
        aliasTarget = c.aliases.map { Int32($0.first ?? -1) }
        hasAliases = aliasTarget.contains { $0 >= 0 }
    }

    /// Interleaves the parameters of each block of eight neurons (see `NeuronParameter`).
    private static func parameters(
        blocks: Int, dashSyn: [Int], dashSyn2: [Int], dashMem: [Int], threshold: [Int], bias: [Int]
    ) -> LaneBuffer {
        let buffer = LaneBuffer(blocks: blocks * NeuronParameter.allCases.count)
        func set(_ p: NeuronParameter, _ i: Int, _ value: Int16) {
            buffer.base[(i / 8 * NeuronParameter.allCases.count + p.rawValue) * 8 + i % 8] = value
        }
        for i in 0..<(8 * blocks) {
            guard i < threshold.count else {
                set(.threshold, i, .max)
                continue
            }
            for (dash, m, pass) in [(dashSyn[i], NeuronParameter.synMultiplier, NeuronParameter.synPass),
                                    (dashSyn2[i], .syn2Multiplier, .syn2Pass), (dashMem[i], .memMultiplier, .memPass)] {
                let lanes = LaneMath.shiftLanes(dash: dash)
                set(m, i, Int16(bitPattern: lanes.multiplier))
                set(pass, i, lanes.passMask)
            }
            set(.threshold, i, Int16(truncatingIfNeeded: threshold[i]))
            set(.bias, i, Int16(truncatingIfNeeded: bias[i]))
        }
        return buffer
    }
}

/// The sizes, options and fan-out views of a `CompiledNetwork` as plain values, for the
/// simulation loop (reading them needs no reference counting on the shared network object,
/// which threads simulating copies of one network would otherwise contend on).
struct NetworkFacts {
    let nIn, nHidden, nOut, hiddenBlocks, outputBlocks: Int
    let hasAliases, isV2, biasOn, usesSecondSynapse: Bool
    let uniformDashes: (syn: Int, syn2: Int, mem: Int)?
    let inputSynapses, hiddenSynapses, outputSynapses: SynapseTable.View
    let recurrentMatrix, outputMatrix: DenseSynapseMatrix.View?
}

extension CompiledNetwork {
    var facts: NetworkFacts {
        NetworkFacts(
            nIn: nIn, nHidden: nHidden, nOut: nOut, hiddenBlocks: hiddenBlocks, outputBlocks: outputBlocks,
            hasAliases: hasAliases, isV2: isV2, biasOn: biasOn, usesSecondSynapse: usesSecondSynapse,
            uniformDashes: uniformDashes, inputSynapses: inputSynapses.view, hiddenSynapses: hiddenSynapses.view,
            outputSynapses: outputSynapses.view, recurrentMatrix: recurrentMatrix?.view, outputMatrix: outputMatrix?.view)
    }
}

/// The parameter blocks stored for each block of eight neurons, in this order.
enum NeuronParameter: Int, CaseIterable {
    case synMultiplier, synPass, syn2Multiplier, syn2Pass, memMultiplier, memPass, threshold, bias
}
