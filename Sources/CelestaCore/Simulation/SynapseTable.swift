/// Fan-out of one weight matrix, compiled for delivery into the simulator's synaptic-state
/// lanes. Each source drives at most one state lane per target synapse, so the order in which
/// one source's synapses are added does not matter (every addition lands on its own lane); only
/// the order of sources does, and the simulator keeps it.
///
/// Per source and per state region (hidden synapse 1, hidden synapse 2, output synapse) the
/// synapses are stored as `Lanes` blocks of weights (zero weights included: a saturating add
/// of 0 changes nothing), either as one run of consecutive blocks when nearly every block of
/// the span holds a synapse (dense rows), or else as a list of the blocks that hold one, each
/// with its block index (sparse rows). Zero-weight synapses do not count as synapses, as
/// Rockpool's simulator wrapper leaves them out.
///
/// Storage is allocated once and read through raw pointers in the simulation loop.
final class SynapseTable: @unchecked Sendable {
    /// `runStart[s] ..< runStart[s + 1]` are the runs of source `s`.
    private let runStart: UnsafeMutablePointer<Int32>
    /// Per run: first state block, number of blocks, first block of its weights in `runWeights`.
    private let runBlock: UnsafeMutablePointer<Int32>
    private let runLength: UnsafeMutablePointer<Int32>
    private let runOffset: UnsafeMutablePointer<Int32>
    private let runWeights: LaneBuffer
    /// `listStart[s] ..< listStart[s + 1]` are the listed blocks of source `s`: the state
    /// block of each, and its weights (block `k` of `listWeights`).
    private let listStart: UnsafeMutablePointer<Int32>
    private let listBlock: UnsafeMutablePointer<Int32>
    private let listWeights: LaneBuffer
    /// Synapses with a non-zero weight.
    let count: Int
    private var allocations: [UnsafeMutablePointer<Int32>] { [runStart, runBlock, runLength, runOffset, listStart, listBlock] }

    /// Builds the table: `build(s, add)` calls `add(lane, weight)` for every synapse of source
    /// `s`; `regions` are the lane ranges of the state regions.
    init(sources: Int, regions: [Range<Int>], build: (Int, (_ lane: Int, _ weight: Int16) -> Void) -> Void) {
        var runStarts: [Int32] = [0], runBlocks: [Int32] = [], lengths: [Int32] = [], offsets: [Int32] = []
        var runValues: [Int16] = []
        var listStarts: [Int32] = [0], listBlocks: [Int32] = [], listValues: [Int16] = []
        var synapses = 0
        var byRegion = Array(repeating: [(lane: Int, weight: Int16)](), count: regions.count)
        for s in 0..<sources {
            for r in byRegion.indices { byRegion[r].removeAll(keepingCapacity: true) }
            build(s) { lane, w in
                guard w != 0, let r = regions.firstIndex(where: { $0.contains(lane) }) else { return }
                byRegion[r].append((lane, w))
            }
            for region in byRegion {
                synapses += region.count
                // The blocks holding a synapse, in increasing order, with their weights.
                var blocks: [(block: Int, weights: [Int16])] = []
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
                    var row = Array(repeating: Int16(0), count: 8 * span)
                    for (block, weights) in blocks { row.replaceSubrange(8 * (block - first)..<8 * (block - first + 1), with: weights) }
                    runValues += row
                } else {
                    for (block, weights) in blocks {
                        listBlocks.append(Int32(block))
                        listValues += weights
                    }
                }
            }
            runStarts.append(Int32(runBlocks.count))
            listStarts.append(Int32(listBlocks.count))
        }
        func store(_ values: [Int32]) -> UnsafeMutablePointer<Int32> {
            let p = UnsafeMutablePointer<Int32>.allocate(capacity: max(values.count, 1))
            p.initialize(repeating: 0, count: max(values.count, 1))
            p.update(from: values, count: values.count)
            return p
        }
        func lanes(_ values: [Int16]) -> LaneBuffer {
            let buffer = LaneBuffer(blocks: values.count / 8)
            buffer.base.update(from: values, count: values.count)
            return buffer
        }
        runStart = store(runStarts)
        runBlock = store(runBlocks)
        runLength = store(lengths)
        runOffset = store(offsets)
        runWeights = lanes(runValues)
        listStart = store(listStarts)
        listBlock = store(listBlocks)
        listWeights = lanes(listValues)
        count = synapses
    }

    deinit {
        for p in allocations { p.deallocate() }
    }

    /// Raw pointers for the simulation loop (no reference counting there, so threads running
    /// copies of one network do not contend on the table objects).
    var view: View {
        View(runStart: runStart, runBlock: runBlock, runLength: runLength, runOffset: runOffset, runWeights: runWeights.base,
             listStart: listStart, listBlock: listBlock, listWeights: listWeights.base)
    }

    struct View {
        let runStart, runBlock, runLength, runOffset: UnsafeMutablePointer<Int32>
        let runWeights: UnsafeMutablePointer<Int16>
        let listStart, listBlock: UnsafeMutablePointer<Int32>
        let listWeights: UnsafeMutablePointer<Int16>

        /// Adds `n` times each synapse of `source` to `syn`, saturating to int16 after every
        /// addition. Returns whether the source has any synapse.
        ///
        /// For `n <= 6` this makes `n` passes of one saturating addition each, literally the
        /// core's additions; on operands loaded from memory the compiler turns the widened sum
        /// and clamp of `add` into one saturating 16-bit add per block. Above, repeated
        /// additions of one weight being monotone, one clamp of `n * w` equals the `n`
        /// saturating additions (and `|n * w| <= 31 * 2^15` cannot leave Int32).
        @inline(__always)
        func deliver(source s: Int, count n: Int32, into syn: UnsafeMutablePointer<Int16>) -> Bool {
            let r0 = Int(runStart[s]), r1 = Int(runStart[s &+ 1])
            let l0 = Int(listStart[s]), l1 = Int(listStart[s &+ 1])
            @inline(__always)
            func add(_ target: UnsafeMutablePointer<Int16>, _ w: UnsafeMutablePointer<Int16>) {
                let sum = SIMD8<Int32>(truncatingIfNeeded: target.block(0)) &+ SIMD8<Int32>(truncatingIfNeeded: w.block(0))
                target.setBlock(0, LaneMath.saturate(sum))
            }
            @inline(__always)
            func add(_ target: UnsafeMutablePointer<Int16>, _ w: UnsafeMutablePointer<Int16>, times: SIMD8<Int32>) {
                let sum = SIMD8<Int32>(truncatingIfNeeded: target.block(0)) &+ times &* SIMD8<Int32>(truncatingIfNeeded: w.block(0))
                target.setBlock(0, LaneMath.saturate(sum))
            }
            let passes = n <= 6 ? Int(n) : 1
            let times = SIMD8<Int32>(repeating: n)
            for _ in 0..<passes {
                for r in r0..<r1 {
                    let target = syn + 8 &* Int(runBlock[r])
                    let w = runWeights + 8 &* Int(runOffset[r])
                    if n <= 6 {
                        for b in 0..<Int(runLength[r]) { add(target + 8 &* b, w + 8 &* b) }
                    } else {
                        for b in 0..<Int(runLength[r]) { add(target + 8 &* b, w + 8 &* b, times: times) }
                    }
                }
                if n <= 6 {
                    for k in l0..<l1 { add(syn + 8 &* Int(listBlock[k]), listWeights + 8 &* k) }
                } else {
                    for k in l0..<l1 { add(syn + 8 &* Int(listBlock[k]), listWeights + 8 &* k, times: times) }
                }
            }
            return r0 != r1 || l0 != l1
        }
    }
}
