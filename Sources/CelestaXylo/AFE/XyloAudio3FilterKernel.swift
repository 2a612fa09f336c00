import CelestaIR
/// The vectorised filterbank for the chip's own band-pass filters (`XyloAudio3ChipTables`):
/// up to 16 channels in 16 32-bit lanes (four `SIMD4<Int32>` groups), bit-exact with the
/// recursion of `XyloAudio3FilterbankState`, using only SSE2-level operations (16-bit
/// multiply-add, 32-bit add/shift/logic, shuffles).
///
/// **Arithmetic.** Per filter, with `L = B_wf + B_af` and `T = B_af + B_b`, one recursive step
/// is `v = floor(S / 2^T)` with `S = s * 2^L - a1 * v1 - a2 * v2` (fusing the two shifts of the
/// chip is exact, see `XyloAudio3FilterbankState`). The kernel keeps each past value `v` in the
/// 32-bit word `v' = v ^ 0x8000`, whose two 16-bit halves read as signed numbers are
/// `hi = v >> 16` and `lo = (v mod 2^16) - 2^15`, so that `v = 2^16 * hi + lo + 2^15` exactly.
/// Then
///
///     -a1*v1 - a2*v2 = 2^16 * H + Lo - 2^15 * (a1 + a2),
///     H  = -a1*hi1 - a2*hi2,   Lo = -a1*lo1 - a2*lo2      (two 16-bit multiply-adds),
///
/// and, as `L >= 14` and every other term is a multiple of 2^14,
///
///     floor(S / 2^14) = s * 2^(L-14) - 2*(a1 + a2) + 4*H + floor(Lo / 2^14),
///
/// while `T = 15` takes one more `floor(. / 2)` (floors of floors compose).
///
/// **Ranges (why 32 bits and 16-bit products are exact).** `|v| <= L1(h) * (8191 * 2^(B_wf -
/// B_b) + 2)` with `L1(h)` the absolute sum of the filter's impulse response (the recursion is
/// linear in `s * 2^(B_wf - B_b)` up to a rounding disturbance below 2); for the 16 chip filters
/// this is below 2^27.5 (filter 0: `L1 = 21871.7`, bound 1.79e8; the test
/// `AFEFastPathTests.testChipFilterBounds` recomputes every bound). Hence `|hi| < 2^11.5`; `lo`
/// is in [-2^15, 2^15); `|a1|, |a2| <= 32694` fit the signed 16-bit factors; `|Lo| <= (|a1| +
/// |a2|) * 2^15 <= 50178 * 2^15 < 2^31` and `|4*H| < 2^30` fit the 32-bit sums of the
/// multiply-add; the input term `|s * 2^(L-14)| <= 8191 * 2^8` and the constant `|2*(a1 + a2)|
/// <= 81692` are small, so the sum, `|v| < 2^28` (and `2v` in the halving step below), and the
/// output `y = v[n-1] - v[n-3]`, `|y| < 2^29`, never wrap.
///
/// **Layout.** Channels with `T = 14` take lanes 0, 1, ... in channel order, channels with
/// `T = 15` (chip filters 13-15) the last lanes of group 3, unused lanes in between are padding
/// (zero coefficients, always 0). Groups 0-2 hold only `T = 14` filters other than filter 15, so
/// their constant `-2*(a1 + a2)` (at most 32762 in magnitude) rides in the multiply-add that
/// forms the input term (`[s, 1] . [2^(L-14), -2*(a1 + a2)]`); group 3 adds its constants and
/// forms `(v + (v & m)) >> 1` with `m` all ones in its `T = 14` lanes (`v`) and 0 in its
/// `T = 15` lanes (`floor(v / 2)`). Rows leave the kernel in lane order, `[n][16]`.
typealias XyloAudio3Lanes = SIMD4<Int32>

/// Eight signed 16-bit values: the two halves of each 32-bit lane of a `XyloAudio3Lanes`.
typealias XyloAudio3Words = SIMD8<Int16>

/// Which channel each of the 16 lanes of the vectorised front end carries.
struct XyloAudio3LaneLayout: Equatable {
    static let laneCount = 16
    /// Channel per lane, -1 for padding.
    let channelOfLane: [Int]
    let channels: Int

    init(channelOfLane: [Int], channels: Int) {
        self.channelOfLane = channelOfLane
        self.channels = channels
    }

    /// Lane `lane` (0...15) of a row of four groups.
    @inline(__always)
    static func value(_ row: UnsafePointer<XyloAudio3Lanes>, _ lane: Int) -> Int32 {
        row[lane >> 2][lane & 3]
    }
}

struct XyloAudio3FilterKernel {
    /// The last three recursive outputs of every lane as `v ^ 0x8000`: `v[n-1]`, `v[n-2]`,
    /// `v[n-3]`, one `XyloAudio3Lanes` per group; zero state by default.
    struct State {
        var p1 = Quad(bias), p2 = Quad(bias), p3 = Quad(bias)
    }

    /// Four groups of lanes.
    struct Quad {
        var g0 = XyloAudio3Lanes(), g1 = XyloAudio3Lanes(), g2 = XyloAudio3Lanes(), g3 = XyloAudio3Lanes()

        init(g0: XyloAudio3Lanes, g1: XyloAudio3Lanes, g2: XyloAudio3Lanes, g3: XyloAudio3Lanes) {
            (self.g0, self.g1, self.g2, self.g3) = (g0, g1, g2, g3)
        }

        /// `value` in every lane.
        init(_ value: XyloAudio3Lanes = XyloAudio3Lanes()) {
            (g0, g1, g2, g3) = (value, value, value, value)
        }
    }

    /// Constants of one group: the multiply-add factors of lanes 0-1 and 2-3 (`[-a1, -a2, -a1,
    /// -a2]` per lane) and of the input term (`[2^(L-14), constant]` per lane).
    struct Group {
        var pairs01 = XyloAudio3Words(), pairs23 = XyloAudio3Words(), input = XyloAudio3Words()
    }

    let layout: XyloAudio3LaneLayout
    private let g0: Group, g1: Group, g2: Group, g3: Group
    /// Group 3's constants `-2*(a1 + a2)`, and all ones in its `T = 14` lanes (0 where `T = 15`):
    /// `(v + (v & m)) >> 1` is `v` there and `floor(v / 2)` where `T = 15`.
    private let constant3: XyloAudio3Lanes, keep3: XyloAudio3Lanes

    /// The kernel for `filters`, or nil unless every filter is one of the chip's (the ranges
    /// above hold only for them), there are at most 16 and at most four with `T = 15`.
    init?(filters: [XyloAudio3BandPassFilter]) {
        guard filters.count <= XyloAudio3LaneLayout.laneCount,
              filters.allSatisfy({ XyloAudio3ChipTables.filters.contains($0) }) else { return nil }
        let slow = filters.indices.filter { filters[$0].feedbackShift + filters[$0].outputShift == 15 }
        let fast = filters.indices.filter { filters[$0].feedbackShift + filters[$0].outputShift == 14 }
        guard slow.count + fast.count == filters.count, slow.count <= 4 else { return nil }
        var lanes = [Int](repeating: -1, count: XyloAudio3LaneLayout.laneCount)
        for (l, k) in fast.enumerated() { lanes[l] = k }
        for (i, k) in slow.enumerated() { lanes[XyloAudio3LaneLayout.laneCount - slow.count + i] = k }
        var groups = [Group](repeating: Group(), count: 4)
        var constant3 = XyloAudio3Lanes(), keep3 = XyloAudio3Lanes(repeating: -1)
        for lane in 0..<XyloAudio3LaneLayout.laneCount where lanes[lane] >= 0 {
            let f = filters[lanes[lane]]
            let g = lane / 4, j = lane % 4
            let pair: [Int16] = [Int16(-f.a1), Int16(-f.a2), Int16(-f.a1), Int16(-f.a2)]
            for (w, value) in pair.enumerated() {
                if j < 2 { groups[g].pairs01[j * 4 + w] = value } else { groups[g].pairs23[(j - 2) * 4 + w] = value }
            }
            groups[g].input[2 * j] = Int16(1 << (f.inputShift + f.feedbackShift - 14))
            let constant = -2 * (f.a1 + f.a2)
            if g < 3 {
                guard let folded = Int16(exactly: constant) else { return nil }
                groups[g].input[2 * j + 1] = folded
            } else {
                constant3[j] = Int32(constant)
                if f.feedbackShift + f.outputShift == 15 { keep3[j] = 0 }
            }
        }
        layout = XyloAudio3LaneLayout(channelOfLane: lanes, channels: filters.count)
        (g0, g1, g2, g3) = (groups[0], groups[1], groups[2], groups[3])
        self.constant3 = constant3
        self.keep3 = keep3
    }

    // MARK: - Runs

    /// Filters `count` samples `x[0], x[step], ...` (`|x| < 2^13`), keeping only the state.
    @inline(never)
    func advance(_ state: inout State, _ x: UnsafePointer<Int32>, step: Int, count: Int) {
        run(&state, x, step: step, count: count) { _, _ in }
    }

    /// Filters `count` samples of `x` and writes `|y|` of sample `n` to `out[4n ..< 4n+4]` (lane
    /// order).
    @inline(never)
    func magnitudes(_ state: inout State, _ x: UnsafePointer<Int32>, count: Int, into out: UnsafeMutablePointer<XyloAudio3Lanes>) {
        run(&state, x, step: 1, count: count) { n, y in
            let o = out + 4 * n
            o[0] = Self.magnitude(y.g0); o[1] = Self.magnitude(y.g1); o[2] = Self.magnitude(y.g2); o[3] = Self.magnitude(y.g3)
        }
    }

    /// Filters `count` samples of `x` and writes `y` of sample `n` to `out[4n ..< 4n+4]` (lane
    /// order, signed).
    @inline(never)
    func outputs(_ state: inout State, _ x: UnsafePointer<Int32>, count: Int, into out: UnsafeMutablePointer<XyloAudio3Lanes>) {
        run(&state, x, step: 1, count: count) { n, y in
            let o = out + 4 * n
            o[0] = y.g0; o[1] = y.g1; o[2] = y.g2; o[3] = y.g3
        }
    }

    /// The stored form of `v` is `v ^ bias`.
    static let bias = XyloAudio3Lanes(repeating: 0x8000)

    /// The sample loop, inlined into each entry point with its `store` of row `n`'s output `y`
    /// (nothing when the entry point only advances the state, whose `y` is then never formed).
    /// Row `n + 1`'s `y = v[n] - v[n-2]` is stored as soon as `v[n]` is known, so only the last
    /// two values per lane stay in registers; the last sample is peeled off to save `v[n-3]`.
    @inline(__always)
    private func run(_ state: inout State, _ x: UnsafePointer<Int32>, step: Int, count: Int,
                     store: (Int, Quad) -> Void) {
        guard count > 0 else { return }
        let bias = Self.bias
        let (c0, c1, c2, c3) = (g0, g1, g2, g3)
        let k3 = constant3, h3 = keep3
        var (a0, a1, a2, a3) = (state.p1.g0, state.p1.g1, state.p1.g2, state.p1.g3)
        var (b0, b1, b2, b3) = (state.p2.g0, state.p2.g1, state.p2.g2, state.p2.g3)
        let d = state.p3
        // Row 0: v[-1] - v[-3].
        store(0, Quad(g0: (a0 ^ bias) &- (d.g0 ^ bias), g1: (a1 ^ bias) &- (d.g1 ^ bias),
                      g2: (a2 ^ bias) &- (d.g2 ^ bias), g3: (a3 ^ bias) &- (d.g3 ^ bias)))
        var p = x
        var n = 1
        while true {
            // [s, 1] in every lane: the input and (groups 0-2) the constant in one multiply-add.
            let s = Self.words(XyloAudio3Lanes(repeating: (p.pointee & 0xFFFF) | 0x10000))
            let v0 = Self.recursion(a0, b0, c0, s)
            let v1 = Self.recursion(a1, b1, c1, s)
            let v2 = Self.recursion(a2, b2, c2, s)
            // Group 3: its constants, and floor(. / 2) for T = 15 (where `h3` is 0; all ones elsewhere).
            var v3 = Self.recursion(a3, b3, c3, s) &+ k3
            v3 = (v3 &+ (v3 & h3)) &>> 1
            if n == count {
                state.p3 = Quad(g0: b0, g1: b1, g2: b2, g3: b3)
                state.p2 = Quad(g0: a0, g1: a1, g2: a2, g3: a3)
                state.p1 = Quad(g0: v0 ^ bias, g1: v1 ^ bias, g2: v2 ^ bias, g3: v3 ^ bias)
                return
            }
            // Row n: v[n-1] - v[n-3], with v[n-1] just formed.
            store(n, Quad(g0: v0 &- (b0 ^ bias), g1: v1 &- (b1 ^ bias), g2: v2 &- (b2 ^ bias), g3: v3 &- (b3 ^ bias)))
            (b0, b1, b2, b3) = (a0, a1, a2, a3)
            (a0, a1, a2, a3) = (v0 ^ bias, v1 ^ bias, v2 ^ bias, v3 ^ bias)
            p += step
            n &+= 1
        }
    }

    /// `floor(S / 2^14)` of one group from its last two values (`v ^ 0x8000`) and `[s, 1]`.
    @inline(__always)
    private static func recursion(_ p1: XyloAudio3Lanes, _ p2: XyloAudio3Lanes, _ c: Group,
                                  _ s: XyloAudio3Words) -> XyloAudio3Lanes {
        let a = words(p1), b = words(p2)
        // [lo1, lo2, hi1, hi2] per lane: lanes 0-1 from the low halves, lanes 2-3 from the high.
        let r01 = multiplyAdd(XyloAudio3Words(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3]), c.pairs01)
        let r23 = multiplyAdd(XyloAudio3Words(a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7]), c.pairs23)
        let lo = XyloAudio3Lanes(r01[0], r01[2], r23[0], r23[2])
        let hi = XyloAudio3Lanes(r01[1], r01[3], r23[1], r23[3])
        return multiplyAdd(s, c.input) &+ (hi &<< 2) &+ (lo &>> 14)
    }

    /// Products of the 16-bit halves summed in pairs into 32 bits (SSE2 `pmaddwd`; written
    /// lane by lane, which the compiler turns into that one instruction, because the generic
    /// SIMD conversions are not always inlined).
    @inline(__always)
    static func multiplyAdd(_ a: XyloAudio3Words, _ b: XyloAudio3Words) -> XyloAudio3Lanes {
        let p = widen(a) &* widen(b)
        return XyloAudio3Lanes(p[0], p[2], p[4], p[6]) &+ XyloAudio3Lanes(p[1], p[3], p[5], p[7])
    }

    @inline(__always)
    private static func widen(_ w: XyloAudio3Words) -> SIMD8<Int32> {
        SIMD8<Int32>(Int32(w[0]), Int32(w[1]), Int32(w[2]), Int32(w[3]), Int32(w[4]), Int32(w[5]), Int32(w[6]), Int32(w[7]))
    }

    @inline(__always)
    static func words(_ v: XyloAudio3Lanes) -> XyloAudio3Words { unsafeBitCast(v, to: XyloAudio3Words.self) }

    /// `|y|` (the kernel's outputs stay below 2^29, so there is no overflow).
    @inline(__always)
    static func magnitude(_ y: XyloAudio3Lanes) -> XyloAudio3Lanes {
        let sign = y &>> 31
        return (y ^ sign) &- sign
    }
}
