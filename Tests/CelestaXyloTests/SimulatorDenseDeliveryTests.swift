import CelestaIR
import CelestaXylo
import XCTest

/// The dense delivery (`DenseSynapseMatrix`: state tiles in registers over every spiking
/// source) and the lane-parallel firing, against
/// `ScalarXyloReference`, on networks larger than `SimulatorDifferentialTests`' (so that the
/// 64-lane tiles and their tails all run) in Xylo's multi-spike regime: most hidden
/// neurons fire several spikes per step, counts reach the cap, states saturate, some sources'
/// shifted weights times their counts leave 16 bits (delivered by the fan-out table between
/// the tiled passes), zero thresholds, two synapses, aliases, both cores.
final class SimulatorDenseDeliveryTests: XCTestCase {
    typealias Generator = SimulatorDifferentialTests.Generator

    func network(_ g: inout Generator, chip: ChipSpec, trial: Int) throws -> XyloConfig {
        let nIn = g.int(4...16), nH = [130, 200, 257][trial % 3], nOut = g.int(1...12), nSyn = g.int(1...2)
        let expansion = chip.imageLayout?.field(.inputExpansionCount) != nil
        let nIEN = expansion ? g.int(nH / 2...nH) : nH, nOEN = expansion ? g.int(nH / 2...nH) : nH
        // Small weights (the multi-spike regime's one multiply-add per lane) or full-range
        // ones with large shifts (saturation, and products beyond 16 bits).
        let large = trial % 4 == 3
        let density = [0.3, 0.6, 1.0][g.int(0...2)]
        func weights(_ n: Int, _ range: ClosedRange<Int>) -> [Int] {
            (0..<n).map { _ in g.chance(density) ? g.int(range) : 0 }
        }
        let recRange = large ? -128...127 : -4...4
        func dashes(_ n: Int) -> [Int] {
            g.chance(0.5) ? Array(repeating: g.int(1...4), count: n) : (0..<n).map { _ in g.int(0...6) }
        }
        var aliases = [[Int]](repeating: [], count: nH)
        if trial % 5 == 4 {
            for i in 0..<nH where g.chance(0.1) {
                let target = g.int(0...nH - 1)
                if target != i { aliases[i] = [target] }
            }
        }
        let hasBias = chip.core == .v2 && g.chance(0.5)
        return try XyloConfig(
            chipID: chip.id, nIn: nIn, nHidden: nH, nOut: nOut, nSyn: nSyn, nIEN: nIEN, nOEN: nOEN,
            weightsIn: weights(nIn * nIEN * nSyn, -10...60), weightsRec: weights(nH * nH * nSyn, recRange),
            weightsOut: weights(nOEN * nOut, -60...60),
            dashMem: dashes(nH), dashSyn: dashes(nH), dashSyn2: dashes(nH),
            threshold: (0..<nH).map { _ in g.chance(0.03) ? 0 : g.int(20...400) },
            bias: hasBias ? (0..<nH).map { _ in g.int(-50...200) } : nil,
            dashMemOut: dashes(nOut), dashSynOut: dashes(nOut), thresholdOut: (0..<nOut).map { _ in g.int(0...3000) },
            biasOut: hasBias ? (0..<nOut).map { _ in g.int(-300...300) } : nil,
            weightShiftIn: g.int(0...2), weightShiftRec: large ? g.int(4...15) : g.int(0...3), weightShiftOut: g.int(0...4),
            aliases: aliases)
    }

    /// ~30% of the channels per step with counts 1...6, as the bench's multi-spike raster.
    func raster(_ g: inout Generator, steps: Int, nIn: Int) -> [Int] {
        (0..<steps * nIn).map { _ in g.chance(0.3) ? g.int(1...6) : 0 }
    }

    func testDenseDeliveryAgreesWithTheScalarModel() throws {
        var g = Generator(state: 0xD3_5E)
        var sawCap = false, sawSaturation = false, multiSpike = 0, runs = 0
        for trial in 0..<12 {
            let chip = ChipTable.all[trial % ChipTable.all.count]
            let config = try network(&g, chip: chip, trial: trial)
            let label = "trial \(trial) (\(chip.id), \(config.nIn)-\(config.nHidden)-\(config.nOut), n_syn \(config.nSyn))"
            let first = raster(&g, steps: 25, nIn: config.nIn), second = raster(&g, steps: 15, nIn: config.nIn)
            do {
                let sim = try XyloSimulator(config: config, chip: chip)
                var reference = ScalarXyloReference(config, chip: chip)
                for (call, input) in [first, second].enumerated() {
                    let steps = input.count / config.nIn
                    let result = try sim.evolve(input: input, steps: steps, record: true)
                    compare(result, &reference, input, "\(label) call \(call)")
                    sawCap = sawCap || result.spikes.contains(Int32(chip.maxHiddenSpikesPerStep))
                    // Recorded after the decay, so a saturated state shows as a large one.
                    sawSaturation = sawSaturation || result.isyn.contains { $0.magnitude >= 16384 }
                    let spikes = result.spikes.reduce(0) { $0 + Int($1) }
                    if spikes >= 5 * steps * config.nHidden { multiSpike += 1 }
                    runs += 1
                }
            }
        }
        // The networks reach what the fast paths must get right.
        XCTAssertTrue(sawCap, "no hidden neuron reached the spike cap")
        XCTAssertTrue(sawSaturation, "no synaptic state came near saturation")
        XCTAssertGreaterThan(multiSpike, runs / 4, "too few runs with >= 5 spikes per neuron per step")
    }
}
