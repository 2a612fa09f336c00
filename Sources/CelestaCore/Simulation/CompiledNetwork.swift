/// A configuration compiled for simulation: synapse tables and per-neuron parameters as
/// 32-bit integers. Immutable and shared by every simulator (and batch worker) built from it.
final class CompiledNetwork: @unchecked Sendable {
    let chip: ChipSpec
    let config: XyloConfig
    let nIn: Int
    let nHidden: Int
    let nOut: Int
    let inputSynapses: SynapseTable
    let recurrentSynapses: SynapseTable
    let outputSynapses: SynapseTable
    /// Per-neuron parameters: hidden `0..<nHidden`, then outputs.
    let dashMem: [Int32]
    let dashSyn: [Int32]
    /// Hidden only.
    let dashSyn2: [Int32]
    let threshold: [Int32]
    let bias: [Int32]
    let biasOn: Bool
    /// Alias target per hidden neuron, -1 for none.
    let aliasTarget: [Int32]
    let isV2: Bool

    init(config c: XyloConfig, chip: ChipSpec) throws {
        try c.checkShapes()
        try c.checkSimulatable()
        self.chip = chip
        self.config = c
        nIn = c.nIn
        nHidden = c.nHidden
        nOut = c.nOut
        let nH = c.nHidden
        inputSynapses = SynapseTable(sources: c.nIn) { ch, add in
            for s in 0..<c.nSyn {
                for j in 0..<c.nIEN {
                    add(s * nH + j, HardwareArithmetic.shiftedWeight(c.weightIn(ch, j, s), c.weightShiftIn))
                }
            }
        }
        recurrentSynapses = SynapseTable(sources: nH) { i, add in
            for s in 0..<c.nSyn {
                for j in 0..<nH {
                    add(s * nH + j, HardwareArithmetic.shiftedWeight(c.weightRec(i, j, s), c.weightShiftRec))
                }
            }
        }
        outputSynapses = SynapseTable(sources: nH) { i, add in
            let r = i - c.oenOffset
            guard r >= 0 else { return }
            for k in 0..<c.nOut {
                add(2 * nH + k, HardwareArithmetic.shiftedWeight(c.weightOut(r, k), c.weightShiftOut))
            }
        }
        func i32(_ a: [Int]) -> [Int32] { a.map { Int32(truncatingIfNeeded: $0) } }
        dashMem = i32(c.dashMem + c.dashMemOut)
        dashSyn = i32(c.dashSyn + c.dashSynOut)
        dashSyn2 = i32(c.dashSyn2)
        threshold = i32(c.threshold + c.thresholdOut)
        isV2 = chip.core == .v2
        biasOn = isV2 && c.biasEnabled
        bias = i32((c.bias ?? Array(repeating: 0, count: nH)) + (c.biasOut ?? Array(repeating: 0, count: c.nOut)))
        aliasTarget = c.aliases.map { Int32($0.first ?? -1) }
    }

    /// Synaptic events delivered per step if every source fired once: a measure for benchmarks.
    var synapseCount: Int { inputSynapses.count + recurrentSynapses.count + outputSynapses.count }
}
