import CelestaIR

/// The synapses of the hidden neurons onto one state region (the hidden Isyn lanes, followed by
/// the Isyn2 lanes when the second synapse is used; or the output Isyn lanes) as a dense
/// `[nHidden][width]` matrix of 8-bit weights, for a delivery that keeps the states in
/// registers.
///
/// `SynapseTable` delivers source by source: every block of eight states is loaded, added to
/// and stored again once per spiking source. When most neurons spike every step (Xylo's
/// multi-spike regime) with dense weights, that traffic is most of a step. Here a tile of
/// state lanes stays in registers while every spiking source of the step is added to it, in
/// increasing id; then the next tile. Lanes never interact and each lane still receives its
/// sources in the same order, one saturating addition per source, so the states are those of
/// `SynapseTable.deliver`:
///
/// * a source with count `n` whose products `n * wrap16(w << shift)` all fit 16 bits adds
///   `wrap16(w * wrap16(n << shift))` (equal modulo 2^16, hence the same 16-bit product) with
///   one saturation, as `SynapseTable` does on its runs (saturating once equals `n` saturating
///   additions of one weight, which move a state one way);
/// * any other source (large shifted weights) is delivered by the `SynapseTable` of the same
///   synapses, between the tiled passes of the sources before and after it.
///
/// Built when at least a quarter of the matrix holds synapses (`make`); a sparse fan-out keeps
/// `SynapseTable`'s lists.
final class DenseSynapseMatrix: @unchecked Sendable {
    /// First state lane of the region, and lanes per row (a multiple of 8).
    let offset: Int
    let width: Int
    let weights: UnsafeMutablePointer<Int8>
    /// Per source: the largest `|wrap16(w << shift)|` of its row (0 when every value is 0).
    let sourceMax: UnsafeMutablePointer<Int32>
    /// Per source: 1 when its row holds a non-zero weight (the hibernation model counts it as
    /// a delivery even where the shifted value wraps to 0), else 0.
    let hasSynapse: UnsafeMutablePointer<UInt8>
    /// The weight shift, clamped to 0...15 as `SynapseTable` clamps it.
    let shift: Int32

    /// The matrix of `sources` rows of `width` lanes from `offset`, whose weight `weight(s, l)`
    /// (lane `l` relative to `offset`) is shifted left by `shift` on delivery; nil when fewer
    /// than a quarter of the `sources x synapticLanes` entries hold a synapse.
    static func make(
        sources: Int, offset: Int, width: Int, synapticLanes: Int, shift: Int,
        build: (Int, (_ lane: Int, _ weight: Int8) -> Void) -> Void
    ) -> DenseSynapseMatrix? {
        guard sources > 0, width > 0 else { return nil }
        var synapses = 0
        for s in 0..<sources { build(s) { _, w in if w != 0 { synapses += 1 } } }
        guard 4 * synapses >= sources * synapticLanes else { return nil }
        let matrix = DenseSynapseMatrix(sources: sources, offset: offset, width: width, shift: shift)
        let laneShift = Int(matrix.shift)
        for s in 0..<sources {
            var largest: Int32 = 0
            build(s) { lane, w in
                guard w != 0 else { return }
                matrix.weights[s * width + lane] = w
                matrix.hasSynapse[s] = 1
                largest = max(largest, Int32(Int32(Int16(truncatingIfNeeded: Int(w) << laneShift)).magnitude))
            }
            matrix.sourceMax[s] = largest
        }
        return matrix
    }

    private init(sources: Int, offset: Int, width: Int, shift: Int) {
        self.offset = offset
        self.width = width
        self.shift = Int32(min(max(shift, 0), 15))
        weights = .allocate(capacity: sources * width)
        weights.initialize(repeating: 0, count: sources * width)
        sourceMax = .allocate(capacity: sources)
        sourceMax.initialize(repeating: 0, count: sources)
        hasSynapse = .allocate(capacity: sources)
        hasSynapse.initialize(repeating: 0, count: sources)
    }

    deinit {
        weights.deallocate()
        sourceMax.deallocate()
        hasSynapse.deallocate()
    }

    var view: View {
        View(offset: offset, width: width, weights: weights, sourceMax: sourceMax, hasSynapse: hasSynapse, shift: shift)
    }

    /// Plain values for the simulation loop.
    struct View {
        let offset, width: Int
        let weights: UnsafeMutablePointer<Int8>
        let sourceMax: UnsafeMutablePointer<Int32>
        let hasSynapse: UnsafeMutablePointer<UInt8>
        let shift: Int32

        /// Delivers the `count` sources listed in `spiking` (increasing ids, their counts in
        /// `spikes`) into the states at `syn`; `table` (the same synapses) delivers the sources
        /// whose products do not fit 16 bits. `rows` and `multipliers` are scratch of `count`
        /// entries. Returns whether a listed source has a synapse here.
        @inline(__always)
        func deliver(
            _ spiking: UnsafeMutablePointer<Int32>, _ count: Int, spikes: UnsafeMutablePointer<Int16>,
            into syn: UnsafeMutablePointer<Int16>, table: SynapseTable.View,
            rows: UnsafeMutablePointer<Int>, multipliers: UnsafeMutablePointer<Int16>
        ) -> Bool {
            var any: UInt8 = 0
            var k = 0
            while k < count {
                // The longest run of sources that one multiply-add per lane delivers.
                var listed = 0
                var other = -1
                while k < count {
                    let i = Int(spiking[k])
                    k &+= 1
                    any |= hasSynapse[i]
                    let n = Int32(spikes[i]), largest = sourceMax[i]
                    if largest == 0 { continue }  // nothing to add
                    if n &* largest > Int32(Int16.max) {
                        other = i
                        break
                    }
                    rows[listed] = i &* width
                    multipliers[listed] = Int16(truncatingIfNeeded: n &<< shift)
                    listed &+= 1
                }
                if listed > 0 { DenseSynapseMatrix.accumulate(syn + offset, weights, width, rows, multipliers, listed) }
                if other >= 0 { _ = table.deliver(source: other, count: Int32(spikes[other]), into: syn) }
            }
            return any != 0
        }
    }

    /// The tiles: for every lane `l < width` and source `k < count` in order,
    /// `syn[l] = sat16(syn[l] + wrap16(weights[rows[k] + l] * multipliers[k]))`; 64 lanes in
    /// eight registers over every source, then eight at a time.
    @inline(never)
    static func accumulate(
        _ syn: UnsafeMutablePointer<Int16>, _ weights: UnsafeMutablePointer<Int8>, _ width: Int,
        _ rows: UnsafeMutablePointer<Int>, _ multipliers: UnsafeMutablePointer<Int16>, _ count: Int
    ) {
        @inline(__always) func w8(_ p: UnsafeMutablePointer<Int8>) -> Lanes {
            Lanes(truncatingIfNeeded: UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Int8>.self))
        }
        // The 16-bit form of the saturating add: on registers the widened one is not a
        // single instruction.
        @inline(__always) func add(_ a: Lanes, _ b: Lanes) -> Lanes { LaneMath.addSaturating(a, b) }
        var lane = 0
        while lane + 64 <= width {
            let s = syn + lane
            var y0 = s.block(0), y1 = s.block(1), y2 = s.block(2), y3 = s.block(3)
            var y4 = s.block(4), y5 = s.block(5), y6 = s.block(6), y7 = s.block(7)
            for k in 0..<count {
                let w = weights + (lane &+ rows[k])
                let m = Lanes(repeating: multipliers[k])
                y0 = add(y0, w8(w) &* m)
                y1 = add(y1, w8(w + 8) &* m)
                y2 = add(y2, w8(w + 16) &* m)
                y3 = add(y3, w8(w + 24) &* m)
                y4 = add(y4, w8(w + 32) &* m)
                y5 = add(y5, w8(w + 40) &* m)
                y6 = add(y6, w8(w + 48) &* m)
                y7 = add(y7, w8(w + 56) &* m)
            }
            s.setBlock(0, y0); s.setBlock(1, y1); s.setBlock(2, y2); s.setBlock(3, y3)
            s.setBlock(4, y4); s.setBlock(5, y5); s.setBlock(6, y6); s.setBlock(7, y7)
            lane &+= 64
        }
        while lane < width {
            var y = (syn + lane).block(0)
            for k in 0..<count { y = add(y, w8(weights + (lane &+ rows[k])) &* Lanes(repeating: multipliers[k])) }
            (syn + lane).setBlock(0, y)
            lane &+= 8
        }
    }
}
