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
}

extension Float: EncoderFloat {
    public static func naturalLog(_ x: Float) -> Float { logf(x) }
}

extension Double: EncoderFloat {
    public static func naturalLog(_ x: Double) -> Double { log(x) }
}

/// Spike encoders of the target-neutral core (TALON's `talon.io.encoding`): rate (Bernoulli
/// spikes drawn exactly as numpy's `default_rng(seed).binomial(1, p)`), latency, temporal and
/// delta coding. Outputs are float32 0/1 arrays, step-major: `(steps, *data.shape)`.
public enum SpikeEncoders {
    // MARK: rate

    /// The spike probabilities of `rate_encode`: `clip(data * rateScale, 0, 1)` computed in the
    /// data's type, widened to double. NaN stays NaN (and is refused by `rate`).
    public static func rateProbabilities<F: EncoderFloat>(_ data: UnsafeBufferPointer<F>, rateScale: Double, into out: UnsafeMutableBufferPointer<Double>) {
        let scale = F(rateScale)
        for i in 0..<data.count {
            let v = data[i] * scale
            // np.clip keeps NaN; max/min order as numpy's minimum(maximum(v, lo), hi).
            let clipped: F = v.isNaN ? v : Swift.min(Swift.max(v, 0), 1)
            out[i] = Double(clipped)
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
        var table = RateTable(count: n)
        for i in 0..<n {
            let pi = p[i]
            guard pi >= 0, pi <= 1 else {
                throw CelestaError(.invalidArgument, "argument 'data' gives the probability \(pi) at index \(i) (p < 0, p > 1 or p is NaN)")
            }
            table.set(i, probability: pi)
        }
        try table.draw(steps: steps, generator: &generator, into: out.baseAddress!, progress: progress)
    }

    // MARK: latency and temporal

    /// `latency_encode`: element i spikes once, at `trunc(tau * log(1 / clip(x, threshold, 1)))`
    /// clipped to [0, steps - 1], when x >= threshold; computed in the data's type.
    public static func latency<F: EncoderFloat>(
        _ data: UnsafeBufferPointer<F>, steps: Int, tau: Double, threshold: Double, into out: UnsafeMutableBufferPointer<Float>
    ) throws(CelestaError) {
        try checkSteps(steps, count: data.count, out: out)
        let thr = F(threshold), t = F(tau)
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
        let thr = F(threshold), n = F(steps)
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
    static func truncatedInt64<F: BinaryFloatingPoint>(_ x: F) -> Int64 {
        let d = Double(x)
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
        let thr = F(threshold)
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

/// Per-element constants of the Bernoulli inversion sampler: a draw u gives 0 when u <= q^n
/// (`stay`), 1 when u - stay <= `next` and draws again otherwise (numpy's loop resets when the
/// count passes its bound of 1); `flip` marks p > 0.5, sampled on 1 - p and inverted.
struct RateTable: @unchecked Sendable {
    var stay: [Double]
    var next: [Double]
    var flip: [Bool]
    var zero: [Bool]
    var drawing = 0

    init(count: Int) {
        stay = [Double](repeating: 0, count: count)
        next = [Double](repeating: 0, count: count)
        flip = [Bool](repeating: false, count: count)
        zero = [Bool](repeating: false, count: count)
    }

    mutating func set(_ i: Int, probability p: Double) {
        if p == 0 {
            zero[i] = true
            return
        }
        drawing += 1
        let inverted = p > 0.5
        let pp = inverted ? 1.0 - p : p
        let q = 1.0 - pp
        let qn = exp(1.0 * log(q))
        stay[i] = qn
        next[i] = (1.0 * pp * qn) / (1.0 * q)
        flip[i] = inverted
    }

    /// Draws steps `first..<last`, returning the number of generator outputs consumed.
    func drawSteps(_ first: Int, _ last: Int, generator: inout PCG64, into out: UnsafeMutablePointer<Float>) -> UInt64 {
        let n = stay.count
        var used: UInt64 = 0
        stay.withUnsafeBufferPointer { stay in
            next.withUnsafeBufferPointer { next in
                flip.withUnsafeBufferPointer { flip in
                    zero.withUnsafeBufferPointer { zero in
                        for s in first..<last {
                            let row = out + s * n
                            for i in 0..<n {
                                if zero[i] { row[i] = 0; continue }
                                var x: Float
                                while true {
                                    let u = generator.nextDouble()
                                    used &+= 1
                                    if u <= stay[i] { x = 0; break }
                                    if u - stay[i] <= next[i] { x = 1; break }
                                }
                                row[i] = flip[i] ? 1 - x : x
                            }
                        }
                    }
                }
            }
        }
        return used
    }

    /// All steps; large draws are split over two threads: the second starts from the generator
    /// advanced by the draws the first part is expected to use, and is redone in order in the
    /// (rare) case the first part drew more (a rejected draw of the inversion loop).
    func draw(steps: Int, generator: inout PCG64, into out: UnsafeMutablePointer<Float>, progress: ((Int, Int) -> Bool)?) throws(CelestaError) {
        let n = stay.count
        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        if progress == nil, cores >= 2, steps >= 2, n * steps >= 1 << 20 {
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
            let table = self
            DispatchQueue.concurrentPerform(iterations: 2) { part in
                u[part] = part == 0 ? table.drawSteps(0, half, generator: &g[0], into: target) : table.drawSteps(half, steps, generator: &g[1], into: target)
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
