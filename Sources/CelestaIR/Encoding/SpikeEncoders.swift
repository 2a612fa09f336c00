#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// The element types the spike encoders compute in: the data's own float type, as numpy does
/// (float32 data is compared, clipped and logged in float32).
public protocol EncoderFloat: BinaryFloatingPoint, Sendable {
    /// The natural logarithm in this type.
    static func naturalLog(_ x: Self) -> Self
    /// `Self(x)`, rounded to nearest (without the generic conversion's cost).
    static func fromDouble(_ x: Double) -> Self
    /// The value as a double (exact).
    var asDouble: Double { get }
}

extension Float: EncoderFloat {
    public static func naturalLog(_ x: Float) -> Float { logf(x) }
    public static func fromDouble(_ x: Double) -> Float { Float(x) }
    public var asDouble: Double { Double(self) }
}

extension Double: EncoderFloat {
    public static func naturalLog(_ x: Double) -> Double { log(x) }
    public static func fromDouble(_ x: Double) -> Double { x }
    public var asDouble: Double { self }
}

/// Spike encoders of the target-neutral core (TALON's `talon.io.encoding`): rate (Bernoulli
/// spikes drawn exactly as numpy's `default_rng(seed).binomial(1, p)`), latency, temporal and
/// delta coding. Outputs are float32 0/1 arrays, step-major: `(steps, *data.shape)`.
public enum SpikeEncoders {
    // MARK: rate

    /// The spike probabilities of `rate_encode`: `clip(data * rateScale, 0, 1)` computed in the
    /// data's type, widened to double. NaN stays NaN (and is refused by `rate`).
    public static func rateProbabilities<F: EncoderFloat>(_ data: UnsafeBufferPointer<F>, rateScale: Double, into out: UnsafeMutableBufferPointer<Double>) {
        let scale = F.fromDouble(rateScale)
        for i in 0..<data.count {
            let v = data[i] * scale
            // np.clip keeps NaN; max/min order as numpy's minimum(maximum(v, lo), hi).
            let clipped: F = v.isNaN ? v : Swift.min(Swift.max(v, 0), 1)
            out[i] = clipped.asDouble
        }
    }

    /// One Bernoulli draw per element and step, in C order of `(steps, count)`, consuming the
    /// generator exactly as numpy's `binomial(1, p)` (inversion on the smaller tail; `p == 0`
    /// draws nothing). Fails with `.invalidArgument` naming the first probability that is NaN
    /// or outside [0, 1], and `.cancelled` when `progress` (steps done, steps) returns false.
    public static func rate(
        probabilities p: UnsafeBufferPointer<Double>, steps: Int, generator: inout PCG64,
        into out: UnsafeMutableBufferPointer<Float>, progress: ((Int, Int) -> Bool)? = nil
    ) throws(CelestaError) {
        let n = p.count
        guard steps >= 1 else { throw CelestaError(.invalidArgument, "argument 'n_steps' must be a positive int, got \(steps)") }
        guard out.count >= n * steps else { throw CelestaError(.bufferTooSmall, "the output holds \(out.count) values but \(n * steps) are needed") }
        if let bad = p.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
            throw CelestaError(.invalidArgument, "argument 'data' gives the probability \(p[bad]) at index \(bad) (p < 0, p > 1 or p is NaN)")
        }
        // In blocks on all cores (`RateBlocks`); in order when reporting progress, or after the
        // rare rejected draw that shifts every later draw.
        if progress == nil, let perStep = RateBlocks.draw(probabilities: p, steps: steps, generator: generator, into: out.baseAddress!) {
            generator.advance(by: UInt64(steps) &* perStep)
            return
        }
        let table = RateTable(probabilities: p)
        try table.draw(steps: steps, generator: &generator, into: out.baseAddress!, progress: progress)
    }

    // MARK: latency and temporal

    /// `latency_encode`: element i spikes once, at `trunc(tau * log(1 / clip(x, threshold, 1)))`
    /// clipped to [0, steps - 1], when x >= threshold; computed in the data's type.
    public static func latency<F: EncoderFloat>(
        _ data: UnsafeBufferPointer<F>, steps: Int, tau: Double, threshold: Double, into out: UnsafeMutableBufferPointer<Float>
    ) throws(CelestaError) {
        try checkSteps(steps, count: data.count, out: out)
        let thr = F.fromDouble(threshold), t = F.fromDouble(tau)
        try oneSpikeEach(data, steps: steps, threshold: thr, into: out) { x in
            let safe = x.isNaN ? x : Swift.min(Swift.max(x, thr), 1)
            return t * F.naturalLog(1 / safe)
        }
    }

    /// `temporal_encode`: one spike at `trunc((1 - x) * steps)` clipped to [0, steps - 1] when
    /// x >= threshold; computed in the data's type.
    public static func temporal<F: EncoderFloat>(
        _ data: UnsafeBufferPointer<F>, steps: Int, threshold: Double, into out: UnsafeMutableBufferPointer<Float>
    ) throws(CelestaError) {
        try checkSteps(steps, count: data.count, out: out)
        let thr = F.fromDouble(threshold), n = F.fromDouble(Double(steps))
        try oneSpikeEach(data, steps: steps, threshold: thr, into: out) { x in (1 - x) * n }
    }

    private static func checkSteps(_ steps: Int, count: Int, out: UnsafeMutableBufferPointer<Float>) throws(CelestaError) {
        guard steps >= 1 else { throw CelestaError(.invalidArgument, "argument 'n_steps' must be a positive int, got \(steps)") }
        let (needed, overflow) = count.multipliedReportingOverflow(by: steps)
        guard !overflow, out.count >= needed else {
            throw CelestaError(.bufferTooSmall, "the output holds \(out.count) values but \(count) x \(steps) are needed")
        }
    }

    private static func oneSpikeEach<F: EncoderFloat>(
        _ data: UnsafeBufferPointer<F>, steps: Int, threshold: F, into out: UnsafeMutableBufferPointer<Float>, time: (F) -> F
    ) throws(CelestaError) {
        let n = data.count
        out.baseAddress!.update(repeating: 0, count: n * steps)
        for i in 0..<n where data[i] >= threshold {
            let step = Swift.min(Swift.max(truncatedInt64(time(data[i])), 0), Int64(steps - 1))
            out[Int(step) * n + i] = 1
        }
    }

    /// numpy's `astype(int64)` on x86-64: truncation, with NaN and out-of-range values giving
    /// INT64_MIN (the CPU's "integer indefinite").
    @inline(__always)
    static func truncatedInt64<F: EncoderFloat>(_ x: F) -> Int64 {
        let d = x.asDouble
        guard d.isFinite, d > -9.223372036854775808e18 - 1, d < 9.223372036854775808e18 else { return Int64.min }
        return Int64(d.rounded(.towardZero))
    }

    // MARK: delta

    /// `delta_encode` of `frames` frames of `frameSize` values: d = x[t+1] - x[t] in the data's
    /// type; with `offSpikes`, `(frames - 1, 2, frameSize)` of (d > thr, d < -thr), else
    /// `(frames - 1, frameSize)` of |d| > thr.
    public static func delta<F: EncoderFloat>(
        _ data: UnsafeBufferPointer<F>, frames: Int, threshold: Double, offSpikes: Bool, into out: UnsafeMutableBufferPointer<Float>
    ) throws(CelestaError) {
        guard frames >= 1 else { throw CelestaError(.invalidArgument, "argument 'data_sequence' needs at least one frame along axis 0") }
        let frameSize = data.count / frames
        guard frameSize * frames == data.count else {
            throw CelestaError(.shapeMismatch, "argument 'data_sequence' holds \(data.count) values, not a whole number of \(frames) frames")
        }
        let perStep = offSpikes ? 2 * frameSize : frameSize
        guard out.count >= (frames - 1) * perStep else {
            throw CelestaError(.bufferTooSmall, "the output holds \(out.count) values but \((frames - 1) * perStep) are needed")
        }
        let thr = F.fromDouble(threshold)
        for t in 0..<(frames - 1) {
            let a = t * frameSize, b = a + frameSize, o = t * perStep
            for i in 0..<frameSize {
                let d = data[b + i] - data[a + i]
                if offSpikes {
                    out[o + i] = d > thr ? 1 : 0
                    out[o + frameSize + i] = d < -thr ? 1 : 0
                } else {
                    out[o + i] = abs(d) > thr ? 1 : 0
                }
            }
        }
    }
}

/// Per-element constants of numpy's Bernoulli inversion sampler (`binomial(1, p)`): a draw
/// u = k * 2^-53 gives 0 when u <= q^n (`stay`), i.e. when the integer k <= `limit` (exactly:
/// u is k scaled by a power of two), 1 when u - stay <= `next`, and is drawn again otherwise
/// (numpy's loop resets when the count passes its bound of 1); `flip` marks p > 0.5, sampled on
/// 1 - p and inverted; p == 0 draws nothing.
struct RateEntry {
    var limit: UInt64 = 0
    var stay: Double = 0
    var next: Double = 0
    /// 0: p == 0 (no draw), 1: p <= 0.5, 2: p > 0.5 (inverted).
    var kind: UInt8 = 0
}

final class RateTable: @unchecked Sendable {
    let entries: UnsafeMutablePointer<RateEntry>
    let count: Int
    /// The number of elements that draw (p != 0): draws per step without rejections.
    let drawing: Int

    init(probabilities p: UnsafeBufferPointer<Double>) {
        count = p.count
        entries = .allocate(capacity: max(1, count))
        entries.initialize(repeating: RateEntry(), count: max(1, count))
        nonisolated(unsafe) let e = entries
        nonisolated(unsafe) let probabilities = p
        // exp(log(q)) per element: split over the cores for large inputs.
        let parts = count >= 1 << 16 ? EncoderCores.count : 1
        let fill: @Sendable (Int) -> Void = { part in
            let lo = part * probabilities.count / parts, hi = (part + 1) * probabilities.count / parts
            for i in lo..<hi { RateTable.set(e + i, probability: probabilities[i]) }
        }
        if parts == 1 { fill(0) } else { DispatchQueue.concurrentPerform(iterations: parts, execute: fill) }
        var drawing = 0
        for i in 0..<count where entries[i].kind != 0 { drawing += 1 }
        self.drawing = drawing
    }

    deinit {
        entries.deinitialize(count: max(1, count))
        entries.deallocate()
    }

    static func set(_ entry: UnsafeMutablePointer<RateEntry>, probability p: Double) {
        guard p != 0 else {
            entry.pointee = RateEntry()
            return
        }
        let inverted = p > 0.5
        let pp = inverted ? 1.0 - p : p
        let q = 1.0 - pp
        let qn = exp(1.0 * log(q))
        // k * 2^-53 <= qn  <=>  k <= floor(qn * 2^53) (an exact scaling); qn <= 1.
        let scaled = (qn * 9_007_199_254_740_992.0).rounded(.down)
        entry.pointee = RateEntry(limit: UInt64(scaled), stay: qn, next: (1.0 * pp * qn) / (1.0 * q), kind: inverted ? 2 : 1)
    }

    /// Draws steps `first..<last`, returning the number of generator outputs consumed.
    func drawSteps(_ first: Int, _ last: Int, generator: inout PCG64, into out: UnsafeMutablePointer<Float>) -> UInt64 {
        let n = count
        var used: UInt64 = 0
        var rng = generator
        for s in first..<last {
            let row = out + s * n
            for i in 0..<n {
                let e = entries[i]
                if e.kind == 0 { row[i] = 0; continue }
                var x: UInt8
                while true {
                    let k = rng.next() >> 11
                    used &+= 1
                    if k <= e.limit { x = 0; break }
                    let u = Double(k) * (1.0 / 9_007_199_254_740_992.0)
                    if u - e.stay <= e.next { x = 1; break }
                }
                row[i] = (x == 1) != (e.kind == 2) ? 1 : 0
            }
        }
        generator = rng
        return used
    }

    /// All steps; large draws are split over two threads: the second starts from the generator
    /// advanced by the draws the first part is expected to use, and is redone in order in the
    /// (rare) case the first part drew more (a rejected draw of the inversion loop).
    func draw(steps: Int, generator: inout PCG64, into out: UnsafeMutablePointer<Float>, progress: ((Int, Int) -> Bool)?) throws(CelestaError) {
        let n = count
        if progress == nil, EncoderCores.count >= 2, steps >= 2, n * steps >= 1 << 20 {
            let half = steps / 2
            let expected = UInt64(half) * UInt64(drawing)
            var second = generator
            second.advance(by: expected)
            let gens = UnsafeMutablePointer<PCG64>.allocate(capacity: 2)
            gens.initialize(to: generator)
            (gens + 1).initialize(to: second)
            let used = UnsafeMutablePointer<UInt64>.allocate(capacity: 2)
            used.initialize(repeating: 0, count: 2)
            defer {
                gens.deinitialize(count: 2); gens.deallocate()
                used.deallocate()
            }
            nonisolated(unsafe) let target = out, g = gens, u = used
            DispatchQueue.concurrentPerform(iterations: 2) { part in
                u[part] = part == 0 ? self.drawSteps(0, half, generator: &g[0], into: target) : self.drawSteps(half, steps, generator: &g[1], into: target)
            }
            if used[0] == expected {
                generator = gens[1]
            } else {
                generator = gens[0]
                _ = drawSteps(half, steps, generator: &generator, into: out)
            }
            return
        }
        // In blocks of steps, reporting progress between them.
        let block = Swift.max(1, (1 << 18) / Swift.max(1, n))
        var s = 0
        while s < steps {
            let e = Swift.min(steps, s + block)
            _ = drawSteps(s, e, generator: &generator, into: out)
            s = e
            if let progress, !progress(s, steps) { throw CelestaError(.cancelled, "rate encoding cancelled after \(s) of \(steps) steps") }
        }
    }
}

enum EncoderCores {
    static let count = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}
