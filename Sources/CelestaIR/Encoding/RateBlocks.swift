import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `rate_encode`'s draws in blocks of elements, on all cores, bit-exact with drawing them one
/// after another in C order of `(steps, count)`.
///
/// Every element with p != 0 consumes exactly one generator output per step unless numpy's
/// inversion loop rejects a draw (u - q^n > p q^n / q by rounding: about once in 2^50 draws).
/// So the draw of element i at step s is output number `s * D + r(i)`, with D the elements that
/// draw and r(i) those of them before i. A block of elements is drawn by two generators at
/// once (two lanes of the block, each started at its own place with `PCG64.jump`: two
/// independent multiply chains instead of one), step after step (each lane moved on by D with
/// one precomputed jump), so that the block's constants stay in cache for all its steps.
/// A rejected draw anywhere stops the blocks: the caller then draws everything in order.
enum RateBlocks {
    static let blockLength = 4096
    /// 2^53 and 2^-53: a draw u = k * 2^-53 from the 53 high bits k of an output.
    static let scale = 9_007_199_254_740_992.0
    static let unit = 1.0 / 9_007_199_254_740_992.0

    /// numpy's constants of one element that draws (see `RateEntry`): k <= stay gives no spike
    /// (before the flip), stay < k <= sure a spike; k > sure is tested exactly (`exact`).
    struct Entry {
        var stay: UInt64
        var sure: UInt64
        var index: UInt32
        /// 1 when p > 0.5 (drawn on 1 - p and inverted).
        var flip: UInt32
    }

    /// One worker's constants of a block: the entries, and q^n and p q^n / q for exact tests.
    final class Scratch {
        let entries = UnsafeMutablePointer<Entry>.allocate(capacity: RateBlocks.blockLength)
        let qn = UnsafeMutablePointer<Double>.allocate(capacity: RateBlocks.blockLength)
        let next = UnsafeMutablePointer<Double>.allocate(capacity: RateBlocks.blockLength)
        deinit {
            entries.deallocate(); qn.deallocate(); next.deallocate()
        }
    }

    final class Shared: Sendable {
        let rejected = Atomic<Bool>(false)
        let nextGroup = Atomic<Int>(0)
    }

    /// numpy's constants for p in (0, 1], with `sure` the largest k the exact test confirms
    /// (any value is correct: k above it are tested exactly).
    @inline(__always)
    static func fill(_ s: Scratch, _ m: Int, index: Int, probability p: Double) {
        let inverted = p > 0.5
        let pp = inverted ? 1.0 - p : p
        let q = 1.0 - pp
        let qn = exp(1.0 * log(q))
        let next = (1.0 * pp * qn) / (1.0 * q)
        // Non-negative: truncation is the floor.
        let stay = UInt64(qn * scale)
        let top: UInt64 = (1 << 53) - 1
        let estimate = (qn + next) * scale
        var sure = estimate >= Double(top) ? top : UInt64(Swift.max(estimate, 0))
        if !(sure > stay && exact(sure, qn, next) && (sure == top || !exact(sure + 1, qn, next))) {
            sure = search(from: sure, stay: stay, qn: qn, next: next)
        }
        s.entries[m] = Entry(stay: stay, sure: sure, index: UInt32(index), flip: inverted ? 1 : 0)
        s.qn[m] = qn
        s.next[m] = next
    }

    /// The largest k <= 2^53 - 1 within 64 steps of `estimate` whose draw is surely a spike
    /// (`exact`), or `stay` (all draws above it tested exactly). Rarely needed: the estimate
    /// is nearly always right.
    @inline(never)
    static func search(from estimate: UInt64, stay: UInt64, qn: Double, next: Double) -> UInt64 {
        let top: UInt64 = (1 << 53) - 1
        var sure = estimate
        var tries = 0
        while sure > stay, !exact(sure, qn, next), tries < 64 { sure -= 1; tries += 1 }
        if sure <= stay || !exact(sure, qn, next) { return stay }
        tries = 0
        while sure < top, exact(sure + 1, qn, next), tries < 64 { sure += 1; tries += 1 }
        return sure
    }

    /// Draws every step into `out` and returns the generator outputs used per step, or nil
    /// when a draw was rejected (`out` then holds partial results: the caller draws again in
    /// order).
    static func draw(probabilities p: UnsafeBufferPointer<Double>, steps: Int, generator: PCG64,
                     into out: UnsafeMutablePointer<Float>) -> UInt64? {
        let n = p.count
        let blocks = (n + blockLength - 1) / blockLength
        guard blocks > 0 else { return 0 }
        // The drawing elements before each block.
        var ranks = [UInt64](repeating: 0, count: blocks + 1)
        for b in 0..<blocks {
            var c: UInt64 = 0
            for i in (b * blockLength)..<Swift.min(n, (b + 1) * blockLength) where p[i] != 0 { c += 1 }
            ranks[b + 1] = ranks[b] + c
        }
        let perStep = ranks[blocks]
        let stepJump = generator.jump(by: perStep)
        let shared = Shared()
        nonisolated(unsafe) let target = out
        nonisolated(unsafe) let probabilities = p
        let rankTable = ranks
        // Groups of blocks handed out in order to whichever thread is free.
        let group = 2
        let groups = (blocks + group - 1) / group
        let workers = Swift.min(EncoderCores.count, groups)
        let work: @Sendable (Int) -> Void = { _ in
            let scratch = Scratch()
            while !shared.rejected.load(ordering: .relaxed) {
                let g = shared.nextGroup.add(1, ordering: .relaxed).oldValue
                if g >= groups { break }
                for b in (g * group)..<Swift.min(blocks, (g + 1) * group) {
                    if !drawBlock(b, probabilities, steps: steps, generator: generator, stepJump: stepJump,
                                  rank: rankTable[b], scratch: scratch, into: target) {
                        shared.rejected.store(true, ordering: .relaxed)
                        return
                    }
                }
            }
        }
        if workers <= 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: work) }
        return shared.rejected.load(ordering: .relaxed) ? nil : perStep
    }

    /// Block `b`: its constants, then every step with two lanes; false on a rejected draw.
    static func drawBlock(_ b: Int, _ p: UnsafeBufferPointer<Double>, steps: Int, generator: PCG64, stepJump: PCGJump,
                          rank: UInt64, scratch s: Scratch, into out: UnsafeMutablePointer<Float>) -> Bool {
        let n = p.count
        let lo = b * blockLength, hi = Swift.min(n, lo + blockLength)
        var m = 0
        for i in lo..<hi where p[i] != 0 {
            fill(s, m, index: i - lo, probability: p[i])
            m += 1
        }
        let dense = m == hi - lo
        // Lane 0 draws entries 0..<half, lane 1 half..<m, each from its place in the stream.
        let half = m / 2
        var g0 = generator, g1 = generator
        g0.advance(by: rank)
        g1.advance(by: rank + UInt64(half))
        let increment = generator.increment
        let e0 = s.entries, e1 = s.entries + half
        let qn = s.qn, next = s.next
        let common = half  // lane 1 has one more entry when m is odd
        for step in 0..<steps {
            let row = out + step * n + lo
            if !dense { row.update(repeating: 0, count: hi - lo) }
            var s0 = g0.state, s1 = g1.state
            for j in 0..<common {
                let k0 = PCG64.output(&s0, increment) >> 11
                let k1 = PCG64.output(&s1, increment) >> 11
                let x0 = e0[j], x1 = e1[j]
                if k0 > x0.sure, !exact(k0, qn[j], next[j]) { return false }
                if k1 > x1.sure, !exact(k1, qn[half + j], next[half + j]) { return false }
                row[Int(x0.index)] = spike(k0, x0)
                row[Int(x1.index)] = spike(k1, x1)
            }
            if m > 2 * half {
                let k1 = PCG64.output(&s1, increment) >> 11
                let x1 = e1[common]
                if k1 > x1.sure, !exact(k1, qn[m - 1], next[m - 1]) { return false }
                row[Int(x1.index)] = spike(k1, x1)
            }
            g0.apply(stepJump)
            g1.apply(stepJump)
        }
        return true
    }

    /// Whether numpy takes the draw k > stay as a spike rather than drawing again.
    @inline(__always)
    static func exact(_ k: UInt64, _ qn: Double, _ next: Double) -> Bool {
        Double(k) * unit - qn <= next
    }

    /// 1.0 or 0.0: k > stay (both below 2^53: the sign of their difference), flipped.
    @inline(__always)
    static func spike(_ k: UInt64, _ e: Entry) -> Float {
        Float(bitPattern: (UInt32(truncatingIfNeeded: (e.stay &- k) >> 63) ^ e.flip) &* 0x3F80_0000)
    }
}
