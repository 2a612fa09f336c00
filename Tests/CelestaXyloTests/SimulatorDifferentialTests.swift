import CelestaIR
import CelestaXylo
import XCTest

/// The lane-parallel simulator against `ScalarXyloReference` on seeded random networks built to
/// hit what the shared vectors hit only in places: saturation in delivery and integration
/// (large shifted weights, shifts up to 15 that wrap in 16 bits, many events), multi-spike counts up to the cap, dashes 0...20, zero
/// thresholds, bias, aliases to higher and lower ids and chains, two synapses, shared and
/// per-neuron dashes, expansion
/// neurons, dense and sparse fan-out, both cores, several `evolve` calls, `reset` and `copy`.
final class SimulatorDifferentialTests: XCTestCase {
    /// SplitMix64: a small deterministic generator, so that every run tests the same networks.
    struct Generator {
        private var bits: SplitMix64
        init(state: UInt64) { bits = SplitMix64(seed: state) }
        mutating func next() -> UInt64 { bits.next() }
        mutating func int(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(next() % UInt64(range.count))
        }
        mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) < p * 1_000_000 }
    }

    func network(_ g: inout Generator, chip: ChipSpec) throws -> XyloConfig {
        let nIn = g.int(1...16), nH = g.int(1...40), nOut = g.int(1...12), nSyn = g.int(1...2)
        // Expansion counts of their own where the chip's configurations carry them (Xylo Audio 3).
        let expansion = chip.imageLayout?.field(.inputExpansionCount) != nil
        let nIEN = expansion ? g.int(1...nH) : nH, nOEN = expansion ? g.int(1...nH) : nH
        let density = [0.05, 0.3, 1.0][g.int(0...2)]
        func weights(_ n: Int) -> [Int] { (0..<n).map { _ in g.chance(density) ? g.int(-128...127) : 0 } }
        // A third of the networks share one dash per kind (the simulator's one-shift path).
        let shared = g.chance(0.33)
        func dash() -> Int { g.chance(0.1) ? [0, 15, 16, 20][g.int(0...3)] : g.int(1...8) }
        func dashes(_ n: Int) -> [Int] {
            if shared { return Array(repeating: dash(), count: n) }
            return (0..<n).map { _ in dash() }
        }
        func thresholds(_ n: Int) -> [Int] { (0..<n).map { _ in g.chance(0.05) ? 0 : g.int(1...[50, 2000, 32767][g.int(0...2)]) } }
        let hasBias = chip.core == .v2 && g.chance(0.5)
        var aliases = [[Int]](repeating: [], count: nH)
        for i in 0..<nH where g.chance(0.2) {
            let target = g.int(0...nH - 1)
            if target != i { aliases[i] = [target] }
        }
        return try XyloConfig(
            chipID: chip.id, nIn: nIn, nHidden: nH, nOut: nOut, nSyn: nSyn, nIEN: nIEN, nOEN: nOEN,
            weightsIn: weights(nIn * nIEN * nSyn), weightsRec: weights(nH * nH * nSyn), weightsOut: weights(nOEN * nOut),
            dashMem: dashes(nH), dashSyn: dashes(nH), dashSyn2: dashes(nH), threshold: thresholds(nH),
            bias: hasBias ? (0..<nH).map { _ in g.int(-3000...3000) } : nil,
            dashMemOut: dashes(nOut), dashSynOut: dashes(nOut), thresholdOut: thresholds(nOut),
            biasOut: hasBias ? (0..<nOut).map { _ in g.int(-3000...3000) } : nil,
            weightShiftIn: g.int(0...15), weightShiftRec: g.int(0...15), weightShiftOut: g.int(0...15), aliases: aliases)
    }

    func raster(_ g: inout Generator, steps: Int, nIn: Int) -> [Int] {
        let p = [0.05, 0.3, 0.9][g.int(0...2)]
        return (0..<steps * nIn).map { _ in g.chance(p) ? (g.chance(0.1) ? g.int(16...255) : g.int(1...15)) : 0 }
    }

    func testRandomNetworksAgreeWithTheScalarModel() throws {
        var g = Generator(state: 0xCE1E_57A)
        for trial in 0..<150 {
            let chip = ChipTable.all[trial % ChipTable.all.count]
            let config = try network(&g, chip: chip)
            let sim = try XyloSimulator(config: config, chip: chip)
            var reference = ScalarXyloReference(config, chip: chip)
            let label = "trial \(trial) (\(chip.id), \(config.nIn)-\(config.nHidden)-\(config.nOut), n_syn \(config.nSyn))"
            // Two calls: the state carries over.
            for call in 0..<2 {
                let steps = g.int(1...40)
                let input = raster(&g, steps: steps, nIn: config.nIn)
                compare(try sim.evolve(input: input, steps: steps, record: true), &reference, input, "\(label) call \(call)")
            }
            // A copy continues from the same state; a reset starts over.
            let copy = sim.copy()
            var copied = reference
            let input = raster(&g, steps: 10, nIn: config.nIn)
            compare(try copy.evolve(input: input, steps: 10, record: true), &copied, input, "\(label) copy")
            sim.reset()
            var fresh = ScalarXyloReference(config, chip: chip)
            compare(try sim.evolve(input: input, steps: 10, record: true), &fresh, input, "\(label) reset")
            // Without recording the outputs are the same.
            sim.reset()
            let quiet = try sim.evolve(input: input, steps: 10)
            var again = ScalarXyloReference(config, chip: chip)
            let expected = (0..<10).flatMap { t in again.step(input[(t * config.nIn)..<((t + 1) * config.nIn)]).out }
            XCTAssertEqual(quiet.spikesOut.map(Int.init), expected, "\(label) unrecorded")
        }
    }
}
