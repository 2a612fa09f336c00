import CelestaIR
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Signal-processing pieces of the Xylo Audio 2 analog front-end model: digital Butterworth
/// filters designed like scipy's `butter` (analog prototype, pre-warped bilinear transform),
/// zero-phase filtering like scipy's `filtfilt`, and seeded coloured noise.

/// A complex number (only what the filter design needs).
struct Complex {
    var re: Double, im: Double
    static func + (a: Complex, b: Complex) -> Complex { Complex(re: a.re + b.re, im: a.im + b.im) }
    static func - (a: Complex, b: Complex) -> Complex { Complex(re: a.re - b.re, im: a.im - b.im) }
    static func * (a: Complex, b: Complex) -> Complex {
        Complex(re: a.re * b.re - a.im * b.im, im: a.re * b.im + a.im * b.re)
    }
    static func / (a: Complex, b: Complex) -> Complex {
        let d = b.re * b.re + b.im * b.im
        return Complex(re: (a.re * b.re + a.im * b.im) / d, im: (a.im * b.re - a.re * b.im) / d)
    }
    func scaled(_ s: Double) -> Complex { Complex(re: re * s, im: im * s) }
    /// Principal square root.
    var squareRoot: Complex {
        let r = (re * re + im * im).squareRoot()
        let x = ((r + re) / 2).squareRoot()
        let y = ((r - re) / 2).squareRoot()
        return Complex(re: x, im: im < 0 ? -y : y)
    }
}

/// One second-order section `b0 + b1 z^-1 + b2 z^-2 / 1 + a1 z^-1 + a2 z^-2`, run in
/// transposed direct form II.
struct Biquad {
    var b0: Double, b1: Double, b2: Double, a1: Double, a2: Double

    func run(_ x: [Double], check: WorkCheck? = nil) throws -> [Double] {
        var z1 = 0.0, z2 = 0.0
        var y = [Double](repeating: 0, count: x.count)
        try inBlocks(x.count, check) { range in
            for i in range {
                let out = b0 * x[i] + z1
                z1 = b1 * x[i] - a1 * out + z2
                z2 = b2 * x[i] - a2 * out
                y[i] = out
            }
        }
        return y
    }
}

/// A cancellation check that long loops call between blocks of work (it throws to cancel).
typealias WorkCheck = () throws -> Void

/// The samples of a long loop per call of its check: about a millisecond of work or less.
let workBlock = 1 << 16

/// Runs `body` over 0..<count in blocks of `workBlock`, calling `check` after each block.
@inline(__always)
func inBlocks(_ count: Int, _ check: WorkCheck?, _ body: (Range<Int>) -> Void) throws {
    var start = 0
    while start < count {
        let end = min(start + workBlock, count)
        body(start..<end)
        start = end
        if let check, start < count { try check() }
    }
}

enum AnalogModelFilters {
    /// Frequency pre-warping of scipy's digital design (normalised frequency `wn` in (0, 1),
    /// 1 = Nyquist).
    static func warp(_ wn: Double) -> Double { 4 * tan(Double.pi * wn / 2) }

    /// The order-2 Butterworth band-pass between `low` and `high` Hz at `fs` as two sections
    /// (4 poles; zeros at z = 1 and z = -1, twice), as scipy's `butter(2, [lo, hi], "band")`.
    static func bandPass(low: Double, high: Double, fs: Double) -> [Biquad] {
        let w1 = warp(low / (fs / 2)), w2 = warp(high / (fs / 2))
        let bw = w2 - w1, w0squared = w1 * w2
        // Analog low-pass prototype poles -exp(+-j pi/4), moved to the band.
        let half = 0.5.squareRoot()
        var poles: [Complex] = []
        for p in [Complex(re: -half, im: half), Complex(re: -half, im: -half)] {
            let lp = p.scaled(bw / 2)
            let root = (lp * lp - Complex(re: w0squared, im: 0)).squareRoot
            poles += [lp + root, lp - root]
        }
        // Bilinear transform (fs = 2 after normalisation: 2 * fs = 4).
        let four = Complex(re: 4, im: 0)
        let digital = poles.map { (four + $0) / (four - $0) }
        var gain = Complex(re: bw * bw, im: 0)
        for p in poles { gain = gain / (four - p) }
        gain = gain * Complex(re: 16, im: 0)  // the two zeros at s = 0: prod(4 - 0)
        // Pair each pole with its conjugate (the upper-half-plane ones form the sections).
        let upper = digital.filter { $0.im >= 0 }.prefix(2)
        let pairs = upper.count == 2 ? Array(upper) : Array(digital.prefix(2))
        return pairs.enumerated().map { index, p in
            let g = index == 0 ? gain.re : 1
            return Biquad(b0: g, b1: 0, b2: -g, a1: -2 * p.re, a2: p.re * p.re + p.im * p.im)
        }
    }

    /// The order-1 Butterworth high-pass at `cutoff` Hz as `(b0, b1, a1)`, as scipy's
    /// `butter(1, wn, "high")`.
    static func highPass(cutoff: Double, fs: Double) -> (b0: Double, b1: Double, a1: Double) {
        let w = warp(cutoff / (fs / 2))
        let k = 4 / (4 + w)
        return (k, -k, -(4 - w) / (4 + w))
    }

    /// Zero-phase first-order filtering like scipy's `filtfilt` with its defaults: odd
    /// extension by 6 samples at both ends, each pass started from the steady state of its
    /// first sample.
    static func filtfilt(_ x: [Double], b0: Double, b1: Double, a1: Double, check: WorkCheck? = nil) throws -> [Double] {
        let edge = 6
        guard x.count > edge else { return x }
        var ext = [Double]()
        ext.reserveCapacity(x.count + 2 * edge)
        for i in stride(from: edge, to: 0, by: -1) { ext.append(2 * x[0] - x[i]) }
        ext += x
        let last = x.count - 1
        for i in 1...edge { ext.append(2 * x[last] - x[last - i]) }
        let zi = (b1 - a1 * b0) / (1 + a1)
        func pass(_ v: [Double]) throws -> [Double] {
            var z = zi * v[0]
            var y = [Double](repeating: 0, count: v.count)
            try inBlocks(v.count, check) { range in
                for i in range {
                    let out = b0 * v[i] + z
                    z = b1 * v[i] - a1 * out
                    y[i] = out
                }
            }
            return y
        }
        let forward = try pass(ext)
        let backward = try pass(forward.reversed())
        return Array(backward.reversed()[edge..<(edge + x.count)])
    }
}

/// A small seeded generator (SplitMix64) for the model's mismatch and noise; its numbers are
/// not numpy's.
struct ModelRandom {
    private var bits: SplitMix64
    init(seed: UInt64) { bits = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { bits.next() }

    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in [-1, 1).
    mutating func symmetric() -> Double { 2 * uniform() - 1 }

    /// Standard normal (Box-Muller).
    mutating func normal() -> Double {
        let u = max(uniform(), 0x1p-60), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    /// `count` samples of noise with white level `vrmsPerRootHz * sqrt(fs / 2)` whose spectrum
    /// is raised by `(knee / f)^alpha` below `knee` (the model's 1/f noise), shaped with a
    /// radix-2 FFT over the next power of two and cut to `count`.
    mutating func colouredNoise(_ count: Int, fs: Double, vrmsPerRootHz: Double, knee: Double, alpha: Double,
                                check: WorkCheck? = nil) throws -> [Double] {
        guard count > 0 else { return [] }
        var n = 1
        while n < count { n <<= 1 }
        let sigma = vrmsPerRootHz * (fs / 2).squareRoot()
        // Drawn in blocks (in order, so the stream is the same) with the check between them:
        // millions of normals are a large share of this stage's work.
        var re = [Double](repeating: 0, count: n)
        try inBlocks(n, check) { range in
            for i in range { re[i] = sigma * normal() }
        }
        var im = [Double](repeating: 0, count: n)
        try check?()
        try FFT.transform(&re, &im, inverse: false, check: check)
        try inBlocks(n - 1, check) { range in
            for k in range.lowerBound + 1..<range.upperBound + 1 {
                let f = Double(min(k, n - k)) * fs / Double(n)
                if f < knee {
                    let gain = pow(knee / max(f, 1e-12), alpha)
                    re[k] *= gain
                    im[k] *= gain
                }
            }
        }
        try FFT.transform(&re, &im, inverse: true, check: check)
        return Array(re.prefix(count))
    }
}

/// In-place iterative radix-2 FFT (the length must be a power of two); the inverse is scaled
/// by `1/n`.
enum FFT {
    static func transform(_ re: inout [Double], _ im: inout [Double], inverse: Bool, check: WorkCheck? = nil) throws {
        let n = re.count
        guard n > 1 else { return }
        var j = 0
        try inBlocks(n - 1, check) { range in  // the bit-reversal permutation, checked by blocks
            for i in range.lowerBound + 1..<range.upperBound + 1 {
                var bit = n >> 1
                while j & bit != 0 { j ^= bit; bit >>= 1 }
                j |= bit
                if i < j { re.swapAt(i, j); im.swapAt(i, j) }
            }
        }
        var length = 2
        while length <= n {
            let angle = (inverse ? 2 : -2) * Double.pi / Double(length)
            let wr = cos(angle), wi = sin(angle)
            var done = 0
            for start in stride(from: 0, to: n, by: length) {
                done += length / 2
                if done >= workBlock, let check {
                    done = 0
                    try check()
                }
                var cr = 1.0, ci = 0.0
                for k in 0..<(length / 2) {
                    let a = start + k, b = a + length / 2
                    let tr = re[b] * cr - im[b] * ci, ti = re[b] * ci + im[b] * cr
                    re[b] = re[a] - tr; im[b] = im[a] - ti
                    re[a] += tr; im[a] += ti
                    let next = cr * wr - ci * wi
                    ci = cr * wi + ci * wr
                    cr = next
                }
            }
            length <<= 1
        }
        if inverse {
            let scale = 1 / Double(n)
            for i in 0..<n { re[i] *= scale; im[i] *= scale }
        }
    }
}
