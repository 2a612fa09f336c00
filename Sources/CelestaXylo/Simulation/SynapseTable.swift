import CelestaIR
/// Fan-out of one weight matrix, compiled for delivery into the simulator's synaptic-state
/// lanes. Each source drives at most one state lane per target synapse, so the order in which
/// one source's synapses are added does not matter (every addition lands on its own lane); only
/// the order of sources does, and the simulator keeps it.
///
/// Per source and per state region (hidden synapse 1, hidden synapse 2, output synapse) the
/// synapses are stored as blocks of eight weights (zero weights included: a saturating add
/// of 0 changes nothing), either as one run of consecutive blocks when nearly every block of
/// the span holds a synapse (dense rows), or else as a list of the blocks that hold one, each
/// with its block index (sparse rows). A listed block that would hold a single synapse is
/// stored as that synapse alone (its lane and its 16-bit delivered value), delivered by one
/// scalar multiply-add whatever the count: in a sparse fan-out (32 targets among 1000
/// neurons) nearly every block holds one synapse, and a whole block per synapse per event
/// was most of the delivery's work. Zero-weight synapses do not count as synapses, as
/// Rockpool's simulator wrapper leaves them out.
///
/// Weights are stored as the chip's 8-bit values with the table's one weight shift applied
/// on delivery: in 16-bit lanes `w << shift` wraps exactly as the cores' `wrap16(w << shift)`
/// (the low 16 bits of a left shift depend only on the low 16 bits of its operand). A listed
/// block is 10 bytes (8 weights and a 16-bit block index) instead of 20 with pre-shifted
/// 16-bit weights and 32-bit indices, which keeps a 1000-neuron fan-out table in a core's
/// L2 cache (and two cores simulating a batch off each other's memory bandwidth).
///
/// Storage is allocated once and read through raw pointers in the simulation loop.
final class SynapseTable: @unchecked Sendable {
    /// `runStart[s] ..< runStart[s + 1]` are the runs of source `s`.
    private let runStart: UnsafeMutablePointer<Int32>
    /// Per run: first state block, number of blocks, first block of its weights in `runWeights`.
    private let runBlock: UnsafeMutablePointer<Int32>
    private let runLength: UnsafeMutablePointer<Int32>
    private let runOffset: UnsafeMutablePointer<Int32>
    private let runWeights: UnsafeMutablePointer<Int8>
    /// `listStart[s] ..< listStart[s + 1]` are the listed blocks of source `s`: the state
    /// block of each, and its weights (block `k` of `listWeights`).
    private let listStart: UnsafeMutablePointer<Int32>
    private let listBlock: UnsafeMutablePointer<UInt16>
    private let listWeights: UnsafeMutablePointer<Int8>
    /// `singleStart[s] ..< singleStart[s + 1]` are the lone synapses of source `s` (blocks of
    /// a sparse row holding one synapse): the state lane of each and its delivered value
    /// `wrap16(w << shift)`.
    private let singleStart: UnsafeMutablePointer<Int32>
    private let singleLane: UnsafeMutablePointer<Int32>
    private let singleValue: UnsafeMutablePointer<Int16>
    /// Per source: the largest magnitude of its 16-bit delivered values (`w << shift`), which
    /// tells when `n` deliveries can be one multiply-add (`deliver`).
    private let sourceMax: UnsafeMutablePointer<Int32>
    /// The weight shift of every synapse of the table.
    private let shift: Int16
    /// Synapses with a non-zero weight.
    let count: Int

    /// Builds the table: `build(s, add)` calls `add(lane, weight)` for every synapse of source
    /// `s` with its 8-bit weight, shifted left by `shift` on delivery; `regions` are the lane
    /// ranges of the state regions (at most 2^19 lanes: block indices are 16-bit).
    init(sources: Int, regions: [Range<Int>], shift: Int, build: (Int, (_ lane: Int, _ weight: Int8) -> Void) -> Void) {
        precondition((regions.map(\.upperBound).max() ?? 0) <= 8 << 16, "state lanes beyond 16-bit block indices")
        var runStarts: [Int32] = [0], runBlocks: [Int32] = [], lengths: [Int32] = [], offsets: [Int32] = []
        var runValues: [Int8] = []
        var listStarts: [Int32] = [0], listBlocks: [UInt16] = [], listValues: [Int8] = []
        var singleStarts: [Int32] = [0], singleLanes: [Int32] = [], singleValues: [Int16] = []
        var synapses = 0
        var maxima: [Int32] = []
        let laneShift = min(max(shift, 0), 15)
        var byRegion = Array(repeating: [(lane: Int, weight: Int8)](), count: regions.count)
        for s in 0..<sources {
            for r in byRegion.indices { byRegion[r].removeAll(keepingCapacity: true) }
            build(s) { lane, w in
                guard w != 0, let r = regions.firstIndex(where: { $0.contains(lane) }) else { return }
                byRegion[r].append((lane, w))
            }
            // What a weight becomes in a 16-bit lane (`w << shift`, wrapped as on delivery).
            let largest = byRegion.joined().map { Int32(Int16(truncatingIfNeeded: Int($0.weight) << laneShift)).magnitude }.max() ?? 0
            maxima.append(Int32(largest))
            for region in byRegion {
                synapses += region.count
                // The blocks holding a synapse, in increasing order, with their weights.
                var blocks: [(block: Int, weights: [Int8])] = []
                for (lane, w) in region.sorted(by: { $0.lane < $1.lane }) {
                    if blocks.last?.block != lane / 8 { blocks.append((lane / 8, Array(repeating: 0, count: 8))) }
                    blocks[blocks.count - 1].weights[lane % 8] = w
                }
                guard let first = blocks.first?.block, let last = blocks.last?.block else { continue }
                let span = last - first + 1
                if 10 * blocks.count >= 9 * span {
                    runBlocks.append(Int32(first))
                    lengths.append(Int32(span))
                    offsets.append(Int32(runValues.count / 8))
                    var row = Array(repeating: Int8(0), count: 8 * span)
                    for (block, weights) in blocks { row.replaceSubrange(8 * (block - first)..<8 * (block - first + 1), with: weights) }
                    runValues += row
                } else {
                    for (block, weights) in blocks {
                        let lanes = weights.indices.filter { weights[$0] != 0 }
                        if lanes.count == 1 {
                            singleLanes.append(Int32(8 * block + lanes[0]))
                            singleValues.append(Int16(truncatingIfNeeded: Int(weights[lanes[0]]) << laneShift))
                            continue
                        }
                        listBlocks.append(UInt16(block))
                        listValues += weights
                    }
                }
            }
            runStarts.append(Int32(runBlocks.count))
            listStarts.append(Int32(listBlocks.count))
            singleStarts.append(Int32(singleLanes.count))
        }
        runStart = Self.store(runStarts)
        runBlock = Self.store(runBlocks)
        runLength = Self.store(lengths)
        runOffset = Self.store(offsets)
        runWeights = Self.store(runValues)
        listStart = Self.store(listStarts)
        listBlock = Self.store(listBlocks)
        listWeights = Self.store(listValues)
        singleStart = Self.store(singleStarts)
        singleLane = Self.store(singleLanes)
        singleValue = Self.store(singleValues)
        sourceMax = Self.store(maxima)
        self.shift = Int16(min(max(shift, 0), 15))
        count = synapses
    }

    /// `values` in a new 16-byte aligned allocation (at least one element, zero-filled).
    private static func store<T: FixedWidthInteger>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let n = max(values.count, 1)
        let p = UnsafeMutableRawPointer.allocate(byteCount: n * MemoryLayout<T>.stride, alignment: 16)
            .bindMemory(to: T.self, capacity: n)
        p.initialize(repeating: 0, count: n)
        p.update(from: values, count: values.count)
        return p
    }

    deinit {
        for p in [runStart, runBlock, runLength, runOffset, listStart, sourceMax, singleStart, singleLane] { p.deallocate() }
        singleValue.deallocate()
        listBlock.deallocate()
        runWeights.deallocate()
        listWeights.deallocate()
    }

    /// Raw pointers for the simulation loop (no reference counting there, so threads running
    /// copies of one network do not contend on the table objects).
    var view: View {
        View(runStart: runStart, runBlock: runBlock, runLength: runLength, runOffset: runOffset, runWeights: runWeights,
             listStart: listStart, listBlock: listBlock, listWeights: listWeights, singleStart: singleStart,
             singleLane: singleLane, singleValue: singleValue, sourceMax: sourceMax, shift: shift)
    }

    struct View {
        let runStart, runBlock, runLength, runOffset: UnsafeMutablePointer<Int32>
        let runWeights: UnsafeMutablePointer<Int8>
        let listStart: UnsafeMutablePointer<Int32>
        let listBlock: UnsafeMutablePointer<UInt16>
        let listWeights: UnsafeMutablePointer<Int8>
        let singleStart, singleLane: UnsafeMutablePointer<Int32>
        let singleValue: UnsafeMutablePointer<Int16>
        let sourceMax: UnsafeMutablePointer<Int32>
        let shift: Int16

        /// Adds `n` times each synapse of `source` to `syn`, saturating to int16 after every
        /// addition. Returns whether the source has any synapse.
        ///
        /// When `n > 1` and every `n * (w << shift)` of the source fits 16 bits (the table keeps
        /// each source's largest magnitude), one 16-bit multiply and one saturating add per
        /// block do it for the runs (the multi-spike regime). Otherwise, and for listed blocks,
        /// for `n <= 6` this makes `n` passes of one saturating addition each, literally the
        /// core's additions; on operands loaded from memory the compiler turns the widened sum
        /// and clamp of `add` into one saturating 16-bit add per block. Above, repeated
        /// additions of one weight being monotone, one clamp of `n * w` equals the `n`
        /// saturating additions (and `|n * w| <= 31 * 2^15` cannot leave Int32).
        @inline(__always)
        func deliver(source s: Int, count n: Int32, into syn: UnsafeMutablePointer<Int16>) -> Bool {
            let r0 = Int(runStart[s]), r1 = Int(runStart[s &+ 1])
            let l0 = Int(listStart[s]), l1 = Int(listStart[s &+ 1])
            let shift = Lanes(repeating: self.shift)
            /// Block `k` of 8-bit weights, sign-extended and shifted into 16-bit lanes.
            @inline(__always)
            func weights(_ w: UnsafeMutablePointer<Int8>, _ k: Int) -> Lanes {
                Lanes(truncatingIfNeeded: UnsafeRawPointer(w + 8 &* k).load(as: SIMD8<Int8>.self)) &<< shift
            }
            @inline(__always)
            func add(_ target: UnsafeMutablePointer<Int16>, _ w: Lanes) {
                let sum = SIMD8<Int32>(truncatingIfNeeded: target.block(0)) &+ SIMD8<Int32>(truncatingIfNeeded: w)
                target.setBlock(0, LaneMath.saturate(sum))
            }
            @inline(__always)
            func add(_ target: UnsafeMutablePointer<Int16>, _ w: Lanes, times: SIMD8<Int32>) {
                let sum = SIMD8<Int32>(truncatingIfNeeded: target.block(0)) &+ times &* SIMD8<Int32>(truncatingIfNeeded: w)
                target.setBlock(0, LaneMath.saturate(sum))
            }
            // Several events of a source whose products n * (w << shift) all fit 16 bits: one
            // 16-bit multiply and one saturating add per block. Exact: the n additions of one
            // weight move the state one way, so saturating after each equals saturating their
            // sum once, and that sum is the product, which does not wrap.
            // (Runs only: on the listed blocks of sparse rows, measured, the passes below are
            // faster for small n.)
            let multiplyRuns = n > 1 && n &* sourceMax[s] <= Int32(Int16.max)
            if multiplyRuns {
                let n16 = Lanes(repeating: Int16(truncatingIfNeeded: n))
                for r in r0..<r1 {
                    let target = syn + 8 &* Int(runBlock[r])
                    let w = runWeights + 8 &* Int(runOffset[r])
                    for b in 0..<Int(runLength[r]) { add(target + 8 &* b, weights(w, b) &* n16) }
                }
            }
            let passes = n <= 6 ? Int(n) : 1
            let times = SIMD8<Int32>(repeating: n)
            for _ in 0..<passes {
                for r in r0..<r1 where !multiplyRuns {
                    let target = syn + 8 &* Int(runBlock[r])
                    let w = runWeights + 8 &* Int(runOffset[r])
                    if n <= 6 {
                        for b in 0..<Int(runLength[r]) { add(target + 8 &* b, weights(w, b)) }
                    } else {
                        for b in 0..<Int(runLength[r]) { add(target + 8 &* b, weights(w, b), times: times) }
                    }
                }
                if n <= 6 {
                    for k in l0..<l1 { add(syn + 8 &* Int(listBlock[k]), weights(listWeights, k)) }
                } else {
                    for k in l0..<l1 { add(syn + 8 &* Int(listBlock[k]), weights(listWeights, k), times: times) }
                }
            }
            // Lone synapses: one scalar multiply-add each, clamped once (exact for any count,
            // as above: `|n * v| <= 255 * 2^15` cannot leave Int32).
            let g0 = Int(singleStart[s]), g1 = Int(singleStart[s &+ 1])
            for k in g0..<g1 {
                let lane = Int(singleLane[k])
                let sum = Int32(syn[lane]) &+ n &* Int32(singleValue[k])
                syn[lane] = Int16(truncatingIfNeeded: min(max(sum, -32768), 32767))
            }
            return r0 != r1 || l0 != l1 || g0 != g1
        }
    }
}
