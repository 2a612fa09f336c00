/// The fast band-pass filter kernel for the chip's own filters (`XyloAudio3ChipTables`).
///
/// Arithmetic right shifts are floor divisions by powers of two and adding a multiple of
/// `2^B_af` before the floor is exact, so
/// `((s << B_wf) + ((-a2*v2 - a1*v1) >> B_af)) >> B_b`
/// `== ((s << (B_wf + B_af)) - a2*v2 - a1*v1) >> (B_af + B_b)`
/// as long as nothing overflows. For the chip's filters it cannot: the recursion is linear in
/// an input `s * 2^(B_wf - B_b)` disturbed by less than 2 (the two truncations), so
/// `|v| <= L1(h) * (8191 * 2^(B_wf - B_b) + 2) < 2^28` with `L1(h)` the absolute sum of each
/// filter's impulse response (at most 21872, filter 0), every product stays below 2^46 and
/// `s << 22` below 2^35. The fused form has one multiply, one subtraction and one shift on
/// the recursive path (instead of two shifts and two additions), and the chip's total shifts
/// are 14 or 15, which the kernel takes as constants.
///
/// Channels are processed two at a time over a whole block (channel-major), their recursions
/// side by side in registers, writing row-major output with stride `channels`.
struct XyloAudio3FilterLane {
    var v1: Int, v2: Int, v3: Int
    let a1: Int, a2: Int, lift: Int

    /// One sample, given as `s << lift`: returns `out[n] = v[n-1] - v[n-3]` and advances the
    /// recursion.
    @inline(__always)
    mutating func step(_ lifted: Int, shift: Int) -> Int {
        let y = v1 &- v3
        let v = ((lifted &- a2 &* v2) &- a1 &* v1) &>> shift
        v3 = v2
        v2 = v1
        v1 = v
        return y
    }
}

enum XyloAudio3FilterKernel {
    /// Whether every filter is one of the chip's (the bound above then holds).
    static func applies(to filters: [XyloAudio3BandPassFilter]) -> Bool {
        filters.allSatisfy { XyloAudio3ChipTables.filters.contains($0) }
    }

    /// Runs `count` samples `x[0], x[step], ...` through the filters of `lanes` (state
    /// updated), writing channel `k` of row `n` to `out[n * c + k]` when `out` is not nil.
    /// Channels go in pairs; the pairs of the full chip filterbank in chip order get loops
    /// with their input and total shifts as constants.
    static func run(_ lanes: UnsafeMutablePointer<XyloAudio3FilterLane>, shifts: UnsafePointer<Int>, c: Int,
                    _ x: UnsafePointer<Int>, step: Int, count: Int, out: UnsafeMutablePointer<Int>?) {
        var k = 0
        while k + 2 <= c {
            let l = lanes + k, o = out.map { $0 + k }
            let t0 = shifts[k], t1 = shifts[k + 1]
            switch (l[0].lift, l[1].lift, t0, t1) {
            case (14, 14, 14, 14): two(l, 14, 14, 14, 14, c, x, step, count, o)
            case (15, 15, 14, 14): two(l, 15, 15, 14, 14, c, x, step, count, o)
            case (16, 16, 14, 14): two(l, 16, 16, 14, 14, c, x, step, count, o)
            case (17, 17, 14, 14): two(l, 17, 17, 14, 14, c, x, step, count, o)
            case (18, 18, 14, 14): two(l, 18, 18, 14, 14, c, x, step, count, o)
            case (18, 19, 14, 14): two(l, 18, 19, 14, 14, c, x, step, count, o)
            case (19, 21, 14, 15): two(l, 19, 21, 14, 15, c, x, step, count, o)
            case (21, 22, 15, 15): two(l, 21, 22, 15, 15, c, x, step, count, o)
            default: two(l, l[0].lift, l[1].lift, t0, t1, c, x, step, count, o)
            }
            k += 2
        }
        if k < c { one(lanes + k, shifts[k], c, x, step, count, out.map { $0 + k }) }
    }

    /// Two channels side by side; `s0`, `s1` replace the lanes' input shifts (equal values).
    @inline(__always)
    private static func two(_ lanes: UnsafeMutablePointer<XyloAudio3FilterLane>, _ s0: Int, _ s1: Int,
                            _ t0: Int, _ t1: Int, _ c: Int, _ x: UnsafePointer<Int>, _ step: Int, _ count: Int,
                            _ out: UnsafeMutablePointer<Int>?) {
        var l0 = lanes[0], l1 = lanes[1]
        var p = x
        if let out {
            var row = out
            for _ in 0..<count {
                let s = p.pointee
                row[0] = l0.step(s &<< s0, shift: t0)
                row[1] = l1.step(s &<< s1, shift: t1)
                p += step
                row += c
            }
        } else {
            for _ in 0..<count {
                let s = p.pointee
                _ = l0.step(s &<< s0, shift: t0)
                _ = l1.step(s &<< s1, shift: t1)
                p += step
            }
        }
        lanes[0] = l0
        lanes[1] = l1
    }

    private static func one(_ lane: UnsafeMutablePointer<XyloAudio3FilterLane>, _ t: Int, _ c: Int,
                            _ x: UnsafePointer<Int>, _ step: Int, _ count: Int, _ out: UnsafeMutablePointer<Int>?) {
        var l = lane.pointee
        var p = x
        for n in 0..<count {
            let y = l.step(p.pointee &<< l.lift, shift: t)
            out?[n * c] = y
            p += step
        }
        lane.pointee = l
    }
}
