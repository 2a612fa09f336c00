import CelestaIR
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A floating-point MODEL of the Xylo Audio 2 (`syns61201`) analog audio front end, after
/// Rockpool's empirical `AFESim`; it is not bit-exact and cannot be: the chip is analog.
///
/// Chain per call (`fs` is the input rate, at least 6 x the highest centre, > 101.64 kHz):
/// 1. the signal is preceded by its time reverse (Rockpool's convention; only the second half
///    is kept after rectification);
/// 2. microphone: third-order distortion `x + d*vc*(3x/vc - 4(x/vc)^3)` (d = 1 %, vc = 0.2 V),
///    clipped to +/-0.55 V;
/// 3. LNA: gain `2^(lna_gain_db/6)`, distortion `vl*(s/vl - d*(s/vl)^3)` (vl = 0.44 V), clipped;
/// 4. 16 order-2 Butterworth band-pass filters, centres 40 Hz ... 16.94 kHz, Q = 4;
/// 5. AC coupling: order-1 Butterworth high-pass at 20 Hz, zero-phase; full-wave rectification;
/// 6. integrate-and-fire per channel: `v += (g*r - leak*v)/C * dt` clipped to 0...VCC, a spike
///    when `v >= 0.5 V` (then `v = 0`); the membrane state carries over to the next call;
/// 7. a digital counter passes every 4th spike of a call.
///
/// Non-idealities, each optional: offsets (LNA +/-5 mV, filters +/-5 mV), mismatch (centre
/// frequency +/-5 %, Q +/-10 %, a common centre shift of up to +/-5 %; drawn once at creation)
/// and 1/f-shaped noise after the LNA, the filters and the rectifier (drawn on every call).
/// They come from Celesta's own seeded generator, so with them on, results follow Rockpool's
/// statistics but not its numbers. With all three off the model follows Rockpool's ideal chain
/// and its raster matches the shared reference within the tolerance it states (per-channel
/// counts within about 10-20 %).
public final class XyloAudio2AnalogFrontEnd {
    /// Settings with Rockpool's names (`fs`, `raster_period`, `max_spike_per_raster_period`,
    /// `add_noise`, `add_offset`, `add_mismatch`, `seed`) and a few of its constants.
    public struct Settings: Equatable, Sendable {
        public var fs: Double
        public var rasterPeriod = 0.01
        public var maxSpikesPerRasterPeriod = 15
        public var addNoise = true
        public var addOffset = true
        public var addMismatch = true
        public var seed: UInt64 = 0
        /// LNA gain in dB: 0, 6 or 12.
        public var lnaGainDB = 0.0
        /// Spikes per passed spike of the digital counter (`DIGITAL_COUNTER`).
        public var digitalCounter = 4
        public init(fs: Double) { self.fs = fs }
    }

    /// Design centre frequencies of the 16 band-pass filters in Hz.
    public static let designCentres: [Double] = [40, 54, 77, 137, 203, 290, 428, 674, 1177, 1700, 2226, 3418, 5154,
                                                 7884, 11630, 16940]
    public static let channelCount = 16

    // Constants of the chain (Rockpool's values).
    static let vcc = 1.1, maxAmplitude = 0.55, micCorner = 0.2, micDistortion = 0.01
    static let lnaCorner = 0.44, lnaDistortion = 0.01, q = 4.0, highPassCorner = 20.0
    static let capacitance = 5e-12, v2iGain = 0.333e-6, leakage = 1e-9, threshold = 0.5

    public let settings: Settings
    /// Centre frequencies and Q factors after mismatch.
    public let centres: [Double]
    public let qualities: [Double]
    private let lnaOffset: Double
    private let filterOffsets: [Double]
    private let bandPasses: [[Biquad]]
    private let highPass: (b0: Double, b1: Double, a1: Double)
    private var random: ModelRandom
    /// Integrate-and-fire membrane voltages, carried across calls.
    public private(set) var membrane: [Double]

    /// Validates the settings (`CelestaError(.invalidArgument)` naming the field) and draws the
    /// mismatch.
    public init(settings: Settings) throws {
        let s = settings
        let highest = 6 * (Self.designCentres.last ?? 0)
        guard s.fs.isFinite, s.fs >= highest else {
            throw CelestaError(.invalidArgument,
                               "fs = \(s.fs) Hz: the model needs at least 6 x the highest filter centre, \(highest) Hz")
        }
        let period = s.rasterPeriod * s.fs
        // At most 2^32 samples: a whole number that Int holds (never a trap in rasterPeriodSamples).
        guard s.rasterPeriod.isFinite, period >= 1, period <= 4_294_967_296, abs(period - period.rounded()) < 1e-6 else {
            throw CelestaError(.invalidArgument,
                               "raster_period = \(s.rasterPeriod) s must be a whole number (1 to 2^32) of samples at fs = \(s.fs) Hz")
        }
        guard s.maxSpikesPerRasterPeriod >= 0 else {
            throw CelestaError(.invalidArgument, "max_spike_per_raster_period = \(s.maxSpikesPerRasterPeriod) must not be negative")
        }
        guard [0.0, 6.0, 12.0].contains(s.lnaGainDB) else {
            throw CelestaError(.invalidArgument, "lna_gain_db = \(s.lnaGainDB); it must be 0, 6 or 12")
        }
        guard s.digitalCounter >= 1 else {
            throw CelestaError(.invalidArgument, "digital_counter = \(s.digitalCounter) must be at least 1")
        }
        self.settings = s
        var rng = ModelRandom(seed: s.seed)
        lnaOffset = s.addOffset ? 5e-3 * rng.symmetric() : 0
        filterOffsets = (0..<Self.channelCount).map { _ in s.addOffset ? 5e-3 * rng.symmetric() : 0 }
        let qMismatch = (0..<Self.channelCount).map { _ in s.addMismatch ? 0.1 * rng.symmetric() : 0 }
        let fcMismatch = (0..<Self.channelCount).map { _ in s.addMismatch ? 0.05 * rng.symmetric() : 0 }
        let shift = s.addMismatch ? 0.05 * rng.symmetric() : 0
        centres = zip(Self.designCentres, fcMismatch).map { $0 * (1 + $1) * (1 + shift) }
        qualities = qMismatch.map { Self.q * (1 + $0) }
        bandPasses = zip(centres, qualities).map { fc, q in
            AnalogModelFilters.bandPass(low: fc - fc / q / 2, high: fc + fc / q / 2, fs: s.fs)
        }
        highPass = AnalogModelFilters.highPass(cutoff: Self.highPassCorner, fs: s.fs)
        random = rng
        membrane = Array(repeating: 0, count: Self.channelCount)
    }

    /// Samples per raster row.
    public var rasterPeriodSamples: Int { Int((settings.rasterPeriod * settings.fs).rounded()) }

    /// Output of one call.
    public struct Output: Equatable, Sendable {
        /// Passed spikes (0/1), `[N][16]` row-major.
        public var spikes: [Int32]
        /// LNA output `[N]`, band-pass output `[N][16]` and rectifier output `[N][16]` (when
        /// recorded; the second, forward half of the chain).
        public var lna: [Double]?
        public var bandPass: [Double]?
        public var rectified: [Double]?
    }

    /// Runs the model on `signal` (volts at `fs`; finite). Throws `CelestaError(.outOfRange)`
    /// naming the first sample that is not finite.
    ///
    /// `progress` is called with the units of work done and their total, `17 x N`: N after each
    /// of the 16 channels' filters and N for the spike encoders; returning false cancels with
    /// `CelestaError(.cancelled)`, leaving the membranes and the noise generator as they were.
    public func process(_ signal: [Double], record: Bool = false,
                        progress: ((_ done: Int, _ total: Int) -> Bool)? = nil) throws -> Output {
        if let bad = signal.firstIndex(where: { !$0.isFinite }) {
            throw CelestaError(.outOfRange, "audio sample \(bad) = \(signal[bad]) is not finite")
        }
        let n = signal.count, c = Self.channelCount, s = settings
        guard n > 0 else { return Output(spikes: [], lna: record ? [] : nil, bandPass: record ? [] : nil, rectified: record ? [] : nil) }
        // A failed or cancelled call leaves the generator as it was (restored here, once the
        // call unwinds: a check runs inside the generator's own mutating calls).
        let randomBefore = random
        var completed = false
        defer { if !completed { random = randomBefore } }
        func report(_ units: Int) throws {
            guard let progress, !progress(units * n, (c + 1) * n) else { return }
            throw CelestaError(.cancelled, "the Xylo Audio 2 front-end model was cancelled after \(units) of \(c + 1) stages")
        }
        // Inside a stage the callback is asked again (same count) between blocks of samples,
        // so that a cancel is seen within about a millisecond of work, not a whole stage.
        var stage = 0
        let check: WorkCheck? = progress == nil ? nil : { try report(stage) }
        let doubled = signal.reversed() + signal
        let gain = pow(2, s.lnaGainDB / 6)
        // The microphone and LNA curves (two pow() per sample) are checked between blocks too:
        // on minutes of audio this stage alone is a second of work.
        var lna = [Double](repeating: 0, count: doubled.count)
        let offset = lnaOffset
        try inBlocks(doubled.count, check) { range in
            for i in range {
                let x = doubled[i]
                var y = x + Self.micDistortion * Self.micCorner * (3 * x / Self.micCorner - 4 * pow(x / Self.micCorner, 3))
                y = min(max(y, -Self.maxAmplitude), Self.maxAmplitude)
                let g = gain * (y + offset)
                let out = Self.lnaCorner * (g / Self.lnaCorner - Self.lnaDistortion * pow(g / Self.lnaCorner, 3))
                lna[i] = min(max(out, -Self.maxAmplitude), Self.maxAmplitude) + offset
            }
        }
        if s.addNoise {
            let noise = try random.colouredNoise(lna.count, fs: s.fs, vrmsPerRootHz: 70e-9, knee: 70e3, alpha: 1, check: check)
            for i in lna.indices { lna[i] += noise[i] }
        }
        var bank = [Double](repeating: 0, count: record ? n * c : 0)
        var rect = [Double](repeating: 0, count: n * c)
        for k in 0..<c {
            stage = k
            var y = lna.map { $0 + filterOffsets[k] }
            for section in bandPasses[k] { y = try section.run(y, check: check) }
            if s.addNoise {
                let noise = try random.colouredNoise(y.count, fs: s.fs, vrmsPerRootHz: 1e-9, knee: 100e3, alpha: 1, check: check)
                for i in y.indices { y[i] += noise[i] }
            }
            var r = try AnalogModelFilters.filtfilt(y, b0: highPass.b0, b1: highPass.b1, a1: highPass.a1, check: check)
            if s.addNoise {
                let noise = try random.colouredNoise(r.count, fs: s.fs, vrmsPerRootHz: 700e-9, knee: 158, alpha: 1, check: check)
                for i in r.indices { r[i] += noise[i] }
            }
            for i in 0..<n {
                rect[i * c + k] = abs(r[n + i])
                if record { bank[i * c + k] = y[n + i] }
            }
            try report(k + 1)
        }
        // Integrate and fire, then the digital counter; the membranes are kept once the call
        // can no longer be cancelled.
        let dt = 1 / s.fs
        var spikes = [Int32](repeating: 0, count: n * c)
        var counts = [Int](repeating: 0, count: c)
        var membrane = self.membrane
        stage = c
        for i in 0..<n {
            if i & (workBlock / c - 1) == 0, i > 0, let check { try check() }
            for k in 0..<c {
                var v = membrane[k]
                let current = rect[i * c + k] * Self.v2iGain
                v += (dt * current - Self.leakage * v * dt) / Self.capacitance
                v = min(max(v, 0), Self.vcc)
                if v >= Self.threshold {
                    v = 0
                    counts[k] += 1
                    if counts[k] % s.digitalCounter == s.digitalCounter - 1 || s.digitalCounter == 1 { spikes[i * c + k] = 1 }
                }
                membrane[k] = v
            }
        }
        try report(c + 1)
        completed = true
        self.membrane = membrane
        return Output(spikes: spikes, lna: record ? Array(lna[n...]) : nil, bandPass: record ? bank : nil,
                      rectified: record ? rect : nil)
    }

    /// Rockpool's raster of a call's spikes `[N][16]`: cumulative sums taken at samples 0, P,
    /// 2P, ... (P = raster period in samples), differenced and clipped to
    /// `max_spike_per_raster_period`. Row 0 holds sample 0 only, row k >= 1 samples
    /// (k-1)P+1 ... kP; samples after the last multiple of P are dropped.
    public func raster(_ spikes: [Int32]) -> [Int32] {
        let c = Self.channelCount, p = rasterPeriodSamples, n = spikes.count / c
        let rows = n == 0 ? 0 : (n - 1) / p + 1
        var out = [Int32](repeating: 0, count: rows * c)
        var running = [Int](repeating: 0, count: c), previous = running
        var row = 0
        for i in 0..<n {
            for k in 0..<c { running[k] += Int(spikes[i * c + k]) }
            if i % p == 0 {
                for k in 0..<c {
                    out[row * c + k] = Int32(min(running[k] - previous[k], settings.maxSpikesPerRasterPeriod))
                }
                previous = running
                row += 1
            }
        }
        return out
    }

    /// Returns the membranes to 0 (the mismatch is kept).
    public func reset() {
        for k in membrane.indices { membrane[k] = 0 }
    }
}
