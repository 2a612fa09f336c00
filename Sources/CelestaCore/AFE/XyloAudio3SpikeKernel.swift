/// The vectorised divisive-normalisation spike generators for jointly normalised channels (the
/// settings every divisive-normalisation run of the chip uses), bit-exact with
/// `XyloAudio3SpikeGeneratorState` and on 32-bit lanes only, fed with the magnitudes `r = |y|`
/// that `XyloAudio3FilterKernel` writes in lane order.
///
/// **Power estimate.** `high` needs up to 42 bits, so each lane keeps `high = 2^B * hi + rest`
/// with `rest` in `[0, 2^B)`; then `low = high >> B = hi` and
/// `high - low + r = 2^B * hi + t` with `t = rest + r - hi`, so the update is
/// `hi += t >> B, rest = t & (2^B - 1)` (arithmetic shift, exact for negative `t`). With every
/// `r < 2^29` (the filter kernel's outputs) and `hi <= 2^29` on entry, `high < 2^B * (R + 1)`
/// stays true (the map `h -> h - (h >> B) + r` is monotone), so `hi <= 2^29` and `|t| < 2^31`.
///
/// **Threshold and spikes.** The joint threshold is `g(max(low over channels, EPS))` with
/// `g(t) = (t << K1) - (t << K2)` (non-decreasing for `K1 >= K2`). The kernel checks all lanes
/// for `acc + r >= lb` against a lower bound `lb` of the threshold that holds for a segment of
/// up to eight samples: if `M` is the exact maximum of `hi` at the segment start, after `j`
/// samples every channel that had `hi = M` still has `hi >= M - j * ceil(M / 2^B)` (its `high`
/// loses at most `high / 2^B` per sample), so `lb = g(max(M - n * ceil(M / 2^B), EPS))` bounds
/// the threshold of each of the segment's `n` samples from below. Only when some lane reaches
/// `lb` (a few percent of the samples) is the exact threshold formed and the spikes decided;
/// otherwise no lane can fire and `acc += r`. The accumulators are kept as `acc - lb`, so the
/// check is the sign of their AND.
///
/// **32-bit range.** The kernel keeps `acc < 2^30` and the threshold at most 2^30 (so `acc + r <
/// 2^31`), and forms maxima in `Float`, exact below 2^24. When the maximum of `hi` reaches 2^24,
/// the threshold exceeds 2^30, or an accumulator reaches 2^30, it stops before that sample and
/// returns how far it got; the caller continues with the 64-bit generators.
struct XyloAudio3SpikeKernel {
    typealias Lanes = XyloAudio3Lanes
    typealias Quad = XyloAudio3FilterKernel.Quad

    struct State {
        /// `high >> B`, `high mod 2^B` and the integrate-and-fire accumulators per lane.
        var high = Quad(), rest = Quad(), acc = Quad()
        /// Spikes of the pending raster row per lane.
        var sums = Quad()
    }

    let layout: XyloAudio3LaneLayout
    let lowPassShift: Int
    let shift1: Int, shift2: Int, eps: Int
    let factor: Int, cap: Int
    /// Samples per segment with one lower bound of the threshold.
    static let segment = 8
    static let accumulatorLimit = 1 << 30
    static let thresholdLimit = 1 << 30
    static let maximumLimit: Float = 16_777_216
    static let highLimit = 1 << 29
    /// Accumulator of a padding lane: never reaches a threshold.
    static let idleAccumulator: Int32 = -(1 << 29)

    /// The kernel for `p` with the lanes of `layout`, or nil unless every channel is enabled
    /// and jointly normalised with one low-pass shift `B` in 1...20, one pair `K1 >= K2` and
    /// one EPS below 2^24, and the raster factor is at most 2^30.
    init?(parameters p: XyloAudio3FrontEndParameters, layout: XyloAudio3LaneLayout) {
        guard p.jointNormalization, !p.enableChannel.contains(false), layout.channels == p.channelCount,
              let b = p.lowPassShift.first, (1...20).contains(b), p.lowPassShift.allSatisfy({ $0 == b }),
              let k1 = p.spikeRateScaleShift1.first, p.spikeRateScaleShift1.allSatisfy({ $0 == k1 }),
              let k2 = p.spikeRateScaleShift2.first, p.spikeRateScaleShift2.allSatisfy({ $0 == k2 }), k1 >= k2,
              let e = p.eps.first, e < 1 << 24, p.eps.allSatisfy({ $0 == e }),
              p.rasterDownSamplingFactor <= 1 << 30 else { return nil }
        self.layout = layout
        lowPassShift = b
        shift1 = k1
        shift2 = k2
        eps = e
        factor = p.rasterDownSamplingFactor
        cap = p.rasterMaxSpikes
    }

    /// `g(max(t, EPS, 0))` in 64 bits (`t < 2^25`, shifts at most 31).
    @inline(__always)
    private func threshold(_ t: Int) -> Int {
        let x = Swift.max(t, eps, 0)
        return (x &<< shift1) &- (x &<< shift2)
    }

    // MARK: - State conversion

    /// The kernel state for the generators' `high`, `accumulator` and raster `sums` (channel
    /// order), or nil when a value is outside the range the kernel covers.
    func state(high: [Int], accumulator: [Int], sums: [Int]) -> State? {
        var hi = [Int32](repeating: 0, count: 16), rest = hi, sum = hi
        var acc = [Int32](repeating: Self.idleAccumulator, count: 16)
        let mask = (1 << lowPassShift) - 1
        for (lane, k) in layout.channelOfLane.enumerated() where k >= 0 {
            let h = high[k]
            guard h >= 0, h >> lowPassShift <= Self.highLimit, (0..<Self.accumulatorLimit).contains(accumulator[k]),
                  let s = Int32(exactly: sums[k]) else { return nil }
            hi[lane] = Int32(h >> lowPassShift)
            rest[lane] = Int32(h & mask)
            acc[lane] = Int32(accumulator[k])
            sum[lane] = s
        }
        return State(high: Self.quad(hi), rest: Self.quad(rest), acc: Self.quad(acc), sums: Self.quad(sum))
    }

    /// Writes `state` back as `high`, `accumulator` and `sums` in channel order.
    func store(_ state: State, high: inout [Int], accumulator: inout [Int], sums: inout [Int]) {
        let hi = Self.array(state.high), rest = Self.array(state.rest), acc = Self.array(state.acc), sum = Self.array(state.sums)
        for (lane, k) in layout.channelOfLane.enumerated() where k >= 0 {
            high[k] = Int(hi[lane]) << lowPassShift | Int(rest[lane])
            accumulator[k] = Int(acc[lane])
            sums[k] = Int(sum[lane])
        }
    }

    static func quad(_ v: [Int32]) -> Quad {
        Quad(g0: Lanes(v[0], v[1], v[2], v[3]), g1: Lanes(v[4], v[5], v[6], v[7]),
             g2: Lanes(v[8], v[9], v[10], v[11]), g3: Lanes(v[12], v[13], v[14], v[15]))
    }

    static func array(_ q: Quad) -> [Int32] {
        (0..<16).map { lane(q, $0) }
    }

    /// Lane `l` (0...15) of `q`.
    @inline(__always)
    static func lane(_ q: Quad, _ l: Int) -> Int32 {
        switch l >> 2 {
        case 0: q.g0[l & 3]
        case 1: q.g1[l & 3]
        case 2: q.g2[l & 3]
        default: q.g3[l & 3]
        }
    }

    // MARK: - Run

    /// Runs `count` rows of magnitudes (`[count][16]` in lane order, each below 2^29), last to
    /// first when `reversed`, into `sink` (spike row `i` is the `i`-th row processed; with no
    /// raster the raster sums are left cleared, as the generic generators do). Returns the rows
    /// processed: fewer than `count` when a value left the kernel's range at that row, whose
    /// state is then the state before it.
    @inline(never)
    func run(_ state: inout State, _ r: UnsafePointer<Lanes>, count: Int, reversed: Bool,
             sink: inout XyloAudio3SpikeGeneratorState.Sink, filled: inout Int) -> Int {
        // The chip's default low-pass shift as a constant (an immediate shift count).
        lowPassShift == 12
            ? run(&state, r, count: count, reversed: reversed, sink: &sink, filled: &filled, lowPassShift: 12)
            : run(&state, r, count: count, reversed: reversed, sink: &sink, filled: &filled, lowPassShift: lowPassShift)
    }

    @inline(__always)
    private func run(_ state: inout State, _ r: UnsafePointer<Lanes>, count: Int, reversed: Bool,
                     sink: inout XyloAudio3SpikeGeneratorState.Sink, filled: inout Int, lowPassShift: Int) -> Int {
        let shift = Lanes(repeating: Int32(lowPassShift))
        let mask = Lanes(repeating: Int32((1 << lowPassShift) - 1))
        let decay = (1 << lowPassShift) - 1
        var (h0, h1, h2, h3) = (state.high.g0, state.high.g1, state.high.g2, state.high.g3)
        var (l0, l1, l2, l3) = (state.rest.g0, state.rest.g1, state.rest.g2, state.rest.g3)
        // Accumulators relative to the current lower bound `lb`.
        var (b0, b1, b2, b3) = (state.acc.g0, state.acc.g1, state.acc.g2, state.acc.g3)
        var sums = state.sums
        var lb = 0
        var row = reversed ? r + (count - 1) * 4 : r
        let stride = reversed ? -4 : 4
        let raster = sink.raster
        var done = 0, segmentStart = 0
        scan: while done < count {
            var n = Swift.min(Self.segment, count - done)
            if raster != nil { n = Swift.min(n, factor - filled) }
            let m = Self.maximum(h0, h1, h2, h3)
            guard m < Self.maximumLimit else { break scan }
            let top = Int(m)
            let bound = Swift.min(threshold(top - n * ((top + decay) >> lowPassShift)), Self.thresholdLimit)
            let shiftBound = Lanes(repeating: Int32(truncatingIfNeeded: lb - bound))
            b0 &+= shiftBound; b1 &+= shiftBound; b2 &+= shiftBound; b3 &+= shiftBound
            lb = bound
            segmentStart = done
            for _ in 0..<n {
                // acc + r (relative to lb) and t = rest + r - hi, in place.
                b0 &+= row[0]; b1 &+= row[1]; b2 &+= row[2]; b3 &+= row[3]
                l0 = l0 &+ row[0] &- h0; l1 = l1 &+ row[1] &- h1; l2 = l2 &+ row[2] &- h2; l3 = l3 &+ row[3] &- h3
                if _slowPath(any((b0 & b1 & b2 & b3) .>= Lanes())) {
                    // Some lane may fire.
                    var a = Quad(g0: b0, g1: b1, g2: b2, g3: b3)
                    guard fire(&a, high: Quad(g0: h0, g1: h1, g2: h2, g3: h3), bound: lb, counting: raster != nil,
                               sums: &sums, spikes: sink.spikes.map { $0 + done * layout.channels }) else {
                        // Leave the state as it was before this sample.
                        b0 &-= row[0]; b1 &-= row[1]; b2 &-= row[2]; b3 &-= row[3]
                        l0 = l0 &- row[0] &+ h0; l1 = l1 &- row[1] &+ h1; l2 = l2 &- row[2] &+ h2; l3 = l3 &- row[3] &+ h3
                        break scan
                    }
                    (b0, b1, b2, b3) = (a.g0, a.g1, a.g2, a.g3)
                }
                h0 &+= l0 &>> shift; h1 &+= l1 &>> shift; h2 &+= l2 &>> shift; h3 &+= l3 &>> shift
                l0 &= mask; l1 &= mask; l2 &= mask; l3 &= mask
                row += stride
                done &+= 1
            }
            if let raster {
                filled += done - segmentStart
                segmentStart = done
                if filled == factor {
                    emit(&sums, into: raster + sink.rows * layout.channels)
                    sink.rows += 1
                    filled = 0
                }
            }
        }
        if raster != nil {
            // Rows of a segment left early.
            filled += done - segmentStart
        }
        let d = Lanes(repeating: Int32(truncatingIfNeeded: lb))
        state.high = Quad(g0: h0, g1: h1, g2: h2, g3: h3)
        state.rest = Quad(g0: l0, g1: l1, g2: l2, g3: l3)
        state.acc = Quad(g0: b0 &+ d, g1: b1 &+ d, g2: b2 &+ d, g3: b3 &+ d)
        state.sums = raster == nil ? Quad() : sums
        return done
    }

    /// Decides the spikes of one sample from its accumulators `a = acc + r - bound` and the
    /// power estimates `high`: subtracts the exact threshold (relative to `bound`) where it is
    /// reached, counts (when `counting`) and records those spikes. Returns false, changing nothing, when the
    /// threshold or an accumulator leaves the kernel's range.
    @inline(never)
    private func fire(_ a: inout Quad, high: Quad, bound: Int, counting: Bool, sums: inout Quad,
                      spikes: UnsafeMutablePointer<Int32>?) -> Bool {
        let exact = Self.maximum(high.g0, high.g1, high.g2, high.g3)
        guard exact < Self.maximumLimit else { return false }
        let thr = threshold(Int(exact))
        let last = Lanes(repeating: Int32(truncatingIfNeeded: Self.accumulatorLimit - 1 - bound))
        guard thr <= Self.thresholdLimit, !any((a.g0 .> last) .| (a.g1 .> last) .| (a.g2 .> last) .| (a.g3 .> last)) else {
            return false
        }
        let below = Lanes(repeating: Int32(thr - bound - 1)), t = Lanes(repeating: Int32(thr))
        let f = Quad(g0: (a.g0 .> below)._storage, g1: (a.g1 .> below)._storage,
                     g2: (a.g2 .> below)._storage, g3: (a.g3 .> below)._storage)
        a.g0 &-= t & f.g0; a.g1 &-= t & f.g1; a.g2 &-= t & f.g2; a.g3 &-= t & f.g3
        if counting {
            sums.g0 &-= f.g0; sums.g1 &-= f.g1; sums.g2 &-= f.g2; sums.g3 &-= f.g3
        }
        if let spikes { record(f, into: spikes) }
        return true
    }

    /// Writes 1 for every firing lane (`masks` all ones) into the spike row (channel order).
    private func record(_ masks: Quad, into row: UnsafeMutablePointer<Int32>) {
        for lane in 0..<XyloAudio3LaneLayout.laneCount where Self.lane(masks, lane) != 0 {
            row[layout.channelOfLane[lane]] = 1
        }
    }

    /// Writes the raster row of `sums` (clipped to `0...cap`, channel order) and clears them.
    func emit(_ sums: inout Quad, into row: UnsafeMutablePointer<Int32>) {
        for lane in 0..<XyloAudio3LaneLayout.laneCount where layout.channelOfLane[lane] >= 0 {
            row[layout.channelOfLane[lane]] = Int32(Swift.min(Swift.max(Int(Self.lane(sums, lane)), 0), cap))
        }
        sums = Quad()
    }

    /// The largest of 16 non-negative lanes as a `Float`: exact below 2^24, at least 2^24
    /// otherwise (conversion rounds monotonically).
    @inline(__always)
    static func maximum(_ a: Lanes, _ b: Lanes, _ c: Lanes, _ d: Lanes) -> Float {
        typealias F = SIMD4<Float>
        func larger(_ x: F, _ y: F) -> F { x.replacing(with: y, where: x .< y) }
        let m = larger(larger(F(a), F(b)), larger(F(c), F(d)))
        let m2 = larger(m, F(m[2], m[3], m[0], m[1]))
        return Swift.max(m2[0], m2[1])
    }
}
