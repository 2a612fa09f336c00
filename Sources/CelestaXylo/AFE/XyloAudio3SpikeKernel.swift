import CelestaIR
internal import CelestaWideKernels

/// The vectorised divisive-normalisation spike generators for jointly normalised channels (the
/// settings every divisive-normalisation run of the chip uses), bit-exact with
/// `XyloAudio3SpikeGeneratorState` and on 32-bit lanes only, fed with the magnitudes `r = |y|`
/// that `XyloAudio3FilterKernel` (or, with `wide`, `XyloAudio3WideFilterKernel`) writes in lane
/// order.
///
/// **Power estimate.** `high` needs up to 42 bits, so each lane keeps `high = 2^B * hi + rest`
/// with `rest` in `[0, 2^B)`; then `low = high >> B = hi` and
/// `high - low + r = 2^B * hi + t` with `t = rest + r - hi`, so the update is
/// `hi += t >> B, rest = t & (2^B - 1)` (arithmetic shift, exact for negative `t`). With every
/// `r < 2^29` (the filter kernel's outputs) and `hi <= 2^29` on entry, `high < 2^B * (R + 1)`
/// stays true (the map `h -> h - (h >> B) + r` is monotone), so `hi <= 2^29` and `|t| < 2^31`.
///
/// **Threshold.** Joint normalisation with one `EPS`, `K1 >= K2` for every channel makes the
/// threshold `g(max(max over channels of hi, EPS))` with `g(t) = (t << K1) - (t << K2)`
/// (non-decreasing). The maximum of the 16 lanes is formed in `Float` (exact below 2^24) and
/// turned back into an integer by adding 2^23 and subtracting the bits of 2^23 (exact below
/// 2^23).
///
/// **Blocks of two passes.** The power estimates do not depend on the accumulators, so a block
/// of rows is run twice: first the estimates, writing each sample's threshold to a buffer, then
/// the accumulators (`acc += r`; where `acc >= threshold`, a spike and `acc -= threshold`),
/// each pass with few enough values to stay in registers.
///
/// **32-bit range.** Within a block the kernel records whether a threshold exceeded the limits
/// above (maximum at least 2^23, threshold above 2^30) or an accumulator reached 2^30 (bit 30 of
/// `acc + r`, which is non-negative); while neither happened, `acc < 2^30`, `r < 2^29` and the
/// threshold at most 2^30 keep every sum below 2^31. A block that saw either is reported, its
/// state restored, and the caller runs it with the 64-bit generators.
///
/// **AVX2.** With `wide` (only for rows from `XyloAudio3WideFilterKernel`, after the CPU check)
/// the loops are `CelestaWideKernels.wideSpikeRun`, on two 8-lane groups with the maximum taken
/// in integers (AVX2 has the 32-bit maximum), so the limit 2^23 on it becomes 2^29; state,
/// raster and the other range rules are the same.
struct XyloAudio3SpikeKernel {
    typealias Lanes = XyloAudio3Lanes
    typealias Quad = XyloAudio3FilterKernel.Quad

    struct State {
        /// `high >> B`, `high mod 2^B` and the integrate-and-fire accumulators per lane.
        var high = Quad(), rest = Quad(), acc = Quad()
        /// Minus the samples without a spike in the pending raster row, per lane (the row's
        /// spike count is its sample count plus this).
        var misses = Quad()
    }

    let layout: XyloAudio3LaneLayout
    let lowPassShift: Int
    let shift1: Int, shift2: Int
    let factor: Int, cap: Int
    /// `EPS` in every lane, as `Float`.
    private let eps: SIMD4<Float>
    /// Largest maximum of `hi` the kernel takes: below 2^23 and with `g` at most 2^30.
    private let largest: Lanes
    /// The AVX2 loops' constants (`CelestaWideKernels.wideSpikeConstantCount`), when the kernel
    /// runs them.
    private let wide: [Int32]?
    /// Rows per block (the threshold buffer's length).
    static let blockRows = 256
    static let accumulatorLimit = 1 << 30
    static let highLimit = 1 << 29

    /// The kernel for `p` with the lanes of `layout`, or nil unless every channel is enabled
    /// and jointly normalised with one low-pass shift `B` in 1...20, one pair `K1 >= K2` and
    /// one EPS below 2^23, and the raster factor is at most 2^30.
    init?(parameters p: XyloAudio3FrontEndParameters, layout: XyloAudio3LaneLayout, wide: Bool = false) {
        guard p.jointNormalization, !p.enableChannel.contains(false), layout.channels == p.channelCount,
              let b = p.lowPassShift.first, (1...20).contains(b), p.lowPassShift.allSatisfy({ $0 == b }),
              let k1 = p.spikeRateScaleShift1.first, p.spikeRateScaleShift1.allSatisfy({ $0 == k1 }),
              let k2 = p.spikeRateScaleShift2.first, p.spikeRateScaleShift2.allSatisfy({ $0 == k2 }), k1 >= k2,
              let e = p.eps.first, e < 1 << 23, p.eps.allSatisfy({ $0 == e }),
              p.rasterDownSamplingFactor <= 1 << 30 else { return nil }
        self.layout = layout
        lowPassShift = b
        shift1 = k1
        shift2 = k2
        factor = p.rasterDownSamplingFactor
        cap = p.rasterMaxSpikes
        eps = SIMD4(repeating: Float(e))
        let scale = (1 << k1) - (1 << k2)
        largest = Lanes(repeating: Int32(min((1 << 23) - 1, scale == 0 ? Int.max : (1 << 30) / scale)))
        if wide {
            // The AVX2 loops take the maximum in integers: the maximum may reach 2^29 (EPS stays
            // below 2^23, as checked above, for both sets of loops).
            let top = Int32(min(Self.highLimit, scale == 0 ? Int.max : (1 << 30) / scale))
            var c = [Int32](repeating: Int32((1 << b) - 1), count: 8)
            c += [Int32](repeating: Int32(e), count: 8) + [Int32](repeating: top, count: 8)
            c += [Int32(b), Int32(k1), Int32(k2)]
            // The AVX2 loops read the state as raw bytes: high, rest, acc, misses, 64 bytes each.
            guard c.count == wideSpikeConstantCount, MemoryLayout<State>.size == wideSpikeStateBytes,
                  MemoryLayout<Quad>.stride == 64, MemoryLayout<State>.offset(of: \.rest) == 64,
                  MemoryLayout<State>.offset(of: \.acc) == 128, MemoryLayout<State>.offset(of: \.misses) == 192 else { return nil }
            self.wide = c
        } else {
            self.wide = nil
        }
    }

    // MARK: - State conversion

    /// The kernel state for the generators' `high`, `accumulator`, raster `sums` and `filled`
    /// (channel order), or nil when a value is outside the range the kernel covers.
    func state(high: [Int], accumulator: [Int], sums: [Int], filled: Int) -> State? {
        var hi = [Int32](repeating: 0, count: 16), rest = hi, acc = hi, misses = hi
        let mask = (1 << lowPassShift) - 1
        for (lane, k) in layout.channelOfLane.enumerated() where k >= 0 {
            let h = high[k]
            guard h >= 0, h >> lowPassShift <= Self.highLimit, (0..<Self.accumulatorLimit).contains(accumulator[k]),
                  (0...filled).contains(sums[k]) else { return nil }
            hi[lane] = Int32(h >> lowPassShift)
            rest[lane] = Int32(h & mask)
            acc[lane] = Int32(accumulator[k])
            misses[lane] = Int32(sums[k] - filled)
        }
        for lane in 0..<16 where layout.channelOfLane[lane] < 0 { misses[lane] = Int32(truncatingIfNeeded: -filled) }
        return State(high: Self.quad(hi), rest: Self.quad(rest), acc: Self.quad(acc), misses: Self.quad(misses))
    }

    /// Writes `state` back as `high`, `accumulator` and `sums` in channel order.
    func store(_ state: State, filled: Int, high: inout [Int], accumulator: inout [Int], sums: inout [Int]) {
        for (lane, k) in layout.channelOfLane.enumerated() where k >= 0 {
            high[k] = Int(Self.lane(state.high, lane)) << lowPassShift | Int(Self.lane(state.rest, lane))
            accumulator[k] = Int(Self.lane(state.acc, lane))
            sums[k] = filled + Int(Self.lane(state.misses, lane))
        }
    }

    static func quad(_ v: [Int32]) -> Quad {
        Quad(g0: Lanes(v[0], v[1], v[2], v[3]), g1: Lanes(v[4], v[5], v[6], v[7]),
             g2: Lanes(v[8], v[9], v[10], v[11]), g3: Lanes(v[12], v[13], v[14], v[15]))
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

    // MARK: - Blocks

    /// Runs `count` rows of magnitudes (`[count][16]` lane order, each below 2^29; `count` at
    /// most `blockRows`) last to first when `reversed`, using `thresholds` (`blockRows` lanes
    /// of scratch). With `raster` (`[rows][C]`, channel order) every raster row completed is
    /// written at `raster + rows * C` and `rows` advanced. With `spikes` (rows of `[C]`, zeroed,
    /// in the order processed) each spike writes a 1. Returns false, with `state`, `filled` and
    /// `rows` unchanged (rows written may be overwritten), when the block leaves the 32-bit
    /// range.
    @inline(never)
    func block(_ state: inout State, _ r: UnsafePointer<Lanes>, count: Int, reversed: Bool,
               thresholds: UnsafeMutablePointer<Lanes>, filled: inout Int,
               raster: UnsafeMutablePointer<Int32>?, rows: inout Int, spikes: UnsafeMutablePointer<Int32>?) -> Bool {
        let first = reversed ? r + 4 * (count - 1) : r, stride = reversed ? -4 : 4
        let saved = state
        var newFilled = filled, newRows = rows
        var outside = false
        if wide == nil {
            // Rockpool's defaults (B = 12, K = (6, 0)) as constants: immediate shift counts.
            outside = (lowPassShift, shift1, shift2) == (12, 6, 0)
                ? power(&state, first, stride, count, thresholds, shift: 12, k1: 6, k2: 0)
                : power(&state, first, stride, count, thresholds, shift: lowPassShift, k1: shift1, k2: shift2)
        }
        // Segments up to the end of each raster row.
        var reached = false, j = 0
        while j < count {
            let n = raster == nil ? count - j : Swift.min(count - j, factor - newFilled)
            let row = first + stride * j, thr = thresholds + j
            if let wide {
                reached = wideRun(wide, &state, row, stride, n, counting: raster != nil,
                                  spikes: spikes.map { $0 + j * layout.channels }) || reached
            } else if let spikes {
                reached = accumulate(&state, row, stride, n, thr, counting: raster != nil, spikes: spikes + j * layout.channels) || reached
            } else if raster != nil {
                reached = accumulate(&state, row, stride, n, thr, counting: true, spikes: nil) || reached
            } else {
                reached = accumulate(&state, row, stride, n, thr, counting: false, spikes: nil) || reached
            }
            j += n
            if let raster {
                newFilled += n
                if newFilled == factor {
                    emit(&state.misses, into: raster + newRows * layout.channels)
                    newRows += 1
                    newFilled = 0
                }
            }
        }
        guard !outside, !reached else {
            state = saved
            return false
        }
        filled = newFilled
        rows = newRows
        return true
    }

    /// Both passes in the AVX2 loops over `count` rows (`stride` in `Lanes`); records spikes
    /// row by row when `spikes` is given. Returns whether the block left the 32-bit range.
    private func wideRun(_ c: [Int32], _ state: inout State, _ r: UnsafePointer<Lanes>, _ stride: Int, _ count: Int,
                         counting: Bool, spikes: UnsafeMutablePointer<Int32>?) -> Bool {
        let rows = UnsafeRawPointer(r), bytes = stride * MemoryLayout<Lanes>.stride
        return c.withUnsafeBufferPointer { constants in
            withUnsafeMutableBytes(of: &state) { raw in
                let s = raw.baseAddress!, k = constants.baseAddress!
                guard let spikes else {
                    return wideSpikeRun(k, s, rows, stride: bytes, count: count, counting: counting, spikes: nil)
                }
                // No-spike masks per row (16 lanes), then the spikes in channel order.
                return withUnsafeTemporaryAllocation(of: Quad.self, capacity: count) { masks in
                    guard let m = masks.baseAddress else { return false }
                    let flagged = wideSpikeRun(k, s, rows, stride: bytes, count: count, counting: counting,
                                               spikes: UnsafeMutableRawPointer(m))
                    for j in 0..<count where !all((m[j].g0 & m[j].g1 & m[j].g2 & m[j].g3) .< Lanes()) {
                        record(m[j], into: spikes + j * layout.channels)
                    }
                    return flagged
                }
            }
        }
    }

    /// Writes the raster row of a completed block of `factor` samples (spikes = samples plus
    /// `misses`, clipped to `0...cap`, channel order) and clears `misses`.
    private func emit(_ misses: inout Quad, into row: UnsafeMutablePointer<Int32>) {
        let samples = Lanes(repeating: Int32(factor)), top = Lanes(repeating: Int32(Swift.min(cap, factor)))
        func clipped(_ m: Lanes) -> Lanes {
            // factor + misses is in 0...factor (at most one spike per sample).
            let s = samples &+ m
            return s.replacing(with: top, where: s .> top)
        }
        let counts = Quad(g0: clipped(misses.g0), g1: clipped(misses.g1), g2: clipped(misses.g2), g3: clipped(misses.g3))
        layout.channelOfLane.withUnsafeBufferPointer { channels in
            for lane in 0..<XyloAudio3LaneLayout.laneCount where channels[lane] >= 0 {
                row[channels[lane]] = Self.lane(counts, lane)
            }
        }
        misses = Quad()
    }

    @inline(__always)
    private static func larger(_ x: SIMD4<Float>, _ y: SIMD4<Float>) -> SIMD4<Float> { x.replacing(with: y, where: x .< y) }

    /// First pass: the power estimates, and the threshold of every sample (from the estimates
    /// before it) into `thresholds`. Returns whether a threshold was out of range.
    @inline(__always)
    private func power(_ state: inout State, _ r: UnsafePointer<Lanes>, _ stride: Int, _ count: Int,
                       _ thresholds: UnsafeMutablePointer<Lanes>, shift: Int, k1: Int, k2: Int) -> Bool {
        typealias F = SIMD4<Float>
        let mask = Lanes(repeating: Int32((1 << shift) - 1)), bits = Int32(shift)
        let e = eps, top = largest, k1 = Int32(k1), k2 = Int32(k2)
        let magic = F(repeating: 8_388_608), magicBits = Lanes(repeating: 0x4B00_0000)
        var (h0, h1, h2, h3) = (state.high.g0, state.high.g1, state.high.g2, state.high.g3)
        var (l0, l1, l2, l3) = (state.rest.g0, state.rest.g1, state.rest.g2, state.rest.g3)
        var outside = Lanes()
        var row = r
        for j in 0..<count {
            // The maximum over the 16 lanes (and EPS) in every lane.
            let m = Self.larger(Self.larger(F(h0), F(h1)), Self.larger(Self.larger(F(h2), F(h3)), e))
            let m2 = Self.larger(m, F(m[2], m[3], m[0], m[1]))
            let m3 = Self.larger(m2, F(m2[1], m2[0], m2[3], m2[2]))
            // Its integer value (exact below 2^23).
            let t = unsafeBitCast(m3 + magic, to: Lanes.self) &- magicBits
            outside |= (t .> top)._storage
            thresholds[j] = (t &<< k1) &- (t &<< k2)
            l0 = l0 &+ row[0] &- h0; l1 = l1 &+ row[1] &- h1; l2 = l2 &+ row[2] &- h2; l3 = l3 &+ row[3] &- h3
            h0 &+= l0 &>> bits; h1 &+= l1 &>> bits; h2 &+= l2 &>> bits; h3 &+= l3 &>> bits
            l0 &= mask; l1 &= mask; l2 &= mask; l3 &= mask
            row += stride
        }
        state.high = Quad(g0: h0, g1: h1, g2: h2, g3: h3)
        state.rest = Quad(g0: l0, g1: l1, g2: l2, g3: l3)
        return outside != Lanes()
    }

    /// Second pass: the accumulators against the thresholds; counts the samples without a spike
    /// when `counting`. Returns whether an accumulator reached 2^30.
    @inline(__always)
    private func accumulate(_ state: inout State, _ r: UnsafePointer<Lanes>, _ stride: Int, _ count: Int,
                            _ thresholds: UnsafePointer<Lanes>, counting: Bool, spikes: UnsafeMutablePointer<Int32>?) -> Bool {
        var (a0, a1, a2, a3) = (state.acc.g0, state.acc.g1, state.acc.g2, state.acc.g3)
        var (m0, m1, m2, m3) = (state.misses.g0, state.misses.g1, state.misses.g2, state.misses.g3)
        var reached = Lanes()
        var row = r
        for j in 0..<count {
            a0 &+= row[0]; a1 &+= row[1]; a2 &+= row[2]; a3 &+= row[3]
            reached |= (a0 | a1) | (a2 | a3)
            let t = thresholds[j]
            // All ones where no spike (acc + r < threshold).
            let n0 = (t .> a0)._storage, n1 = (t .> a1)._storage, n2 = (t .> a2)._storage, n3 = (t .> a3)._storage
            a0 &-= t & ~n0; a1 &-= t & ~n1; a2 &-= t & ~n2; a3 &-= t & ~n3
            if counting { m0 &+= n0; m1 &+= n1; m2 &+= n2; m3 &+= n3 }
            if let spikes, !all((n0 & n1 & n2 & n3) .< Lanes()) {
                record(Quad(g0: n0, g1: n1, g2: n2, g3: n3), into: spikes + j * layout.channels)
            }
            row += stride
        }
        state.acc = Quad(g0: a0, g1: a1, g2: a2, g3: a3)
        state.misses = Quad(g0: m0, g1: m1, g2: m2, g3: m3)
        return reached & Lanes(repeating: Int32(Self.accumulatorLimit)) != Lanes()
    }

    /// Writes 1 for every lane whose mask is 0 (a spike) into the spike row (channel order).
    private func record(_ misses: Quad, into row: UnsafeMutablePointer<Int32>) {
        for lane in 0..<XyloAudio3LaneLayout.laneCount where layout.channelOfLane[lane] >= 0 && Self.lane(misses, lane) == 0 {
            row[layout.channelOfLane[lane]] = 1
        }
    }
}
