import CelestaIR
import FoundationEssentials

/// A RIFF/WAVE audio file read into floating-point samples.
///
/// Accepted: PCM integers of 16, 24 or 32 bits and IEEE floats of 32 bits (format tags 1 and
/// 3, or `WAVE_FORMAT_EXTENSIBLE` with one of those sub-formats), any number of interleaved
/// channels. Integers are scaled to `[-1, 1)` by `2^(bits-1)` (a 16-bit 16384 becomes 0.5);
/// floats are kept as they are. Chunks other than `fmt ` and `data` are skipped.
public struct WAVFile: Equatable, Sendable {
    /// Sampling rate in Hz.
    public let sampleRate: Double
    /// Number of channels.
    public let channels: Int
    /// Bits per sample as stored.
    public let bitsPerSample: Int
    /// Whether the samples are stored as floats.
    public let isFloat: Bool
    /// Frames (samples per channel).
    public var frames: Int { channels > 0 ? interleaved.count / channels : 0 }
    /// Samples, interleaved `[frames][channels]`.
    public let interleaved: [Double]

    /// Reads and parses `path` (errors: `CelestaError(.io)` when unreadable, `.parse` naming the
    /// file and what is malformed or unsupported).
    public static func read(_ path: String) throws -> WAVFile {
        try parse(AtomicFile.read(path), name: path)
    }

    /// Parses the bytes of a WAV file; `name` appears in error messages.
    public static func parse(_ data: Data, name: String = "audio") throws -> WAVFile {
        let bytes = [UInt8](data)
        func fail(_ why: String) -> CelestaError { CelestaError(.parse, "'\(name)' is not a readable WAV file: \(why)") }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func tag(_ at: Int) -> String { String(decoding: bytes[at..<(at + 4)], as: UTF8.self) }
        guard bytes.count >= 12, tag(0) == "RIFF", tag(8) == "WAVE" else { throw fail("no RIFF/WAVE header") }
        var format: (tag: Int, channels: Int, rate: Int, align: Int, bits: Int)?
        var dataRange: Range<Int>?
        var offset = 12
        while offset + 8 <= bytes.count {
            let id = tag(offset), size = u32(offset + 4), body = offset + 8
            guard size <= bytes.count - body else {
                throw fail("chunk '\(id)' at byte \(offset) claims \(size) bytes but only \(bytes.count - body) remain")
            }
            if id == "fmt " {
                guard size >= 16 else { throw fail("the fmt chunk has \(size) bytes, at least 16 are needed") }
                var formatTag = u16(body)
                if formatTag == 0xFFFE {
                    guard size >= 40 else { throw fail("the extensible fmt chunk has \(size) bytes, 40 are needed") }
                    formatTag = u16(body + 24)
                }
                format = (formatTag, u16(body + 2), u32(body + 4), u16(body + 12), u16(body + 14))
            } else if id == "data" {
                dataRange = body..<(body + size)
            }
            offset = body + size + (size & 1)
        }
        guard let f = format else { throw fail("no fmt chunk") }
        guard let range = dataRange else { throw fail("no data chunk") }
        guard f.channels > 0 else { throw fail("0 channels") }
        guard f.rate > 0 else { throw fail("sampling rate 0") }
        let isFloat: Bool
        switch (f.tag, f.bits) {
        case (1, 16), (1, 24), (1, 32): isFloat = false
        case (3, 32): isFloat = true
        default:
            throw fail("unsupported sample format (format tag \(f.tag), \(f.bits) bits); "
                       + "PCM 16/24/32-bit integers and 32-bit floats are supported")
        }
        let width = f.bits / 8
        guard f.align == width * f.channels else {
            throw fail("block align \(f.align) does not match \(f.channels) channels of \(f.bits) bits")
        }
        let count = range.count / width / f.channels * f.channels
        var samples = [Double](repeating: 0, count: count)
        let scale = 1.0 / Double(1 << (f.bits - 1))
        for i in 0..<count {
            let at = range.lowerBound + i * width
            switch (isFloat, width) {
            case (true, _):
                samples[i] = Double(Float(bitPattern: UInt32(truncatingIfNeeded: u32(at))))
            case (false, 2):
                samples[i] = Double(Int16(truncatingIfNeeded: u16(at))) * scale
            case (false, 3):
                let raw = Int32(truncatingIfNeeded: (u16(at) | Int(bytes[at + 2]) << 16) << 8) >> 8
                samples[i] = Double(raw) * scale
            default:
                samples[i] = Double(Int32(truncatingIfNeeded: u32(at))) * scale
            }
        }
        return WAVFile(sampleRate: Double(f.rate), channels: f.channels, bitsPerSample: f.bits, isFloat: isFloat,
                       interleaved: samples)
    }

    /// One channel (`0..<channels`), or with `nil` the mixdown: the mean of all channels.
    /// Throws `CelestaError(.outOfRange)` for a channel that does not exist.
    public func mono(channel: Int? = nil) throws -> [Double] {
        let c = channels
        if let channel {
            guard (0..<c).contains(channel) else {
                throw CelestaError(.outOfRange, "channel \(channel) does not exist: the file has \(c) channel(s), 0...\(c - 1)")
            }
            return stride(from: channel, to: interleaved.count, by: c).map { interleaved[$0] }
        }
        if c == 1 { return interleaved }
        return (0..<frames).map { frame in
            var sum = 0.0
            for k in 0..<c { sum += interleaved[frame * c + k] }
            return sum / Double(c)
        }
    }
}

/// Resampling of audio to the rate a front end needs.
public enum AudioResampling {
    /// The bounds of one resampling (see `linear`); the defaults are the stated limits.
    public struct Limits: Sendable {
        /// The largest upsampling ratio (target rate / source rate); 64 by default.
        public var maxRatio: Double
        /// The most output samples: 2^28 by default (about 45 minutes at 96 kHz, 2 GiB of doubles).
        public var maxSamples: Int
        public init(maxRatio: Double = 64, maxSamples: Int = 1 << 28) {
            self.maxRatio = maxRatio
            self.maxSamples = maxSamples
        }
    }

    /// Linear interpolation, as Rockpool's `ResampleAudio`: output sample `k` is the input
    /// interpolated at time `k / targetRate`, for every `k` with `k / targetRate` below the
    /// time of the last input sample, `(N - 1) / sourceRate`. Equal rates return the input.
    ///
    /// Throws `CelestaError(.invalidArgument)` when a rate is not positive and finite.
    ///
    /// Bounded work: an upsampling ratio above `limits.maxRatio`, or an output above
    /// `limits.maxSamples` samples, is refused (`CelestaError(.outOfRange)`, naming the limit)
    /// before any work: a small file that declares a tiny rate cannot ask for hours of work.
    public static func linear(_ signal: [Double], from sourceRate: Double, to targetRate: Double,
                              limits: Limits = Limits()) throws -> [Double] {
        for (name, rate) in [("source rate", sourceRate), ("target rate", targetRate)] where !(rate.isFinite && rate > 0) {
            throw CelestaError(.invalidArgument, "resampling: the \(name) \(rate) must be positive and finite")
        }
        // Named here, as read: interpolation would turn an infinite sample into NaN.
        if let bad = signal.firstIndex(where: { !$0.isFinite }) {
            throw CelestaError(.outOfRange, "audio sample \(bad) = \(signal[bad]) is not finite")
        }
        if sourceRate == targetRate || signal.isEmpty { return signal }
        let step = 1 / targetRate
        let duration = Double(signal.count - 1) / sourceRate
        let ratio = targetRate / sourceRate
        guard ratio <= limits.maxRatio else {
            throw CelestaError(.outOfRange, "resampling: \(sourceRate) Hz to \(targetRate) Hz is an upsampling ratio of \(ratio), above the limit \(limits.maxRatio) (raise it with --max-resample-ratio)")
        }
        let exact = (duration / step).rounded(.up)
        guard exact <= Double(limits.maxSamples) else {
            throw CelestaError(.outOfRange, "resampling: \(signal.count) samples at \(sourceRate) Hz give \(exact) samples at \(targetRate) Hz, above the limit \(limits.maxSamples) (raise it with --max-samples)")
        }
        let count = max(0, Int(exact))
        var out = [Double](repeating: 0, count: count)
        let last = signal.count - 1
        // The arithmetic of numpy's interp over times j / sourceRate, so that the result
        // equals Rockpool's to the last bit.
        func time(_ j: Int) -> Double { Double(j) / sourceRate }
        for k in 0..<count {
            let t = Double(k) * step
            var j = min(Int(t * sourceRate), last)
            while j < last && time(j + 1) <= t { j += 1 }
            while j > 0 && time(j) > t { j -= 1 }
            if j >= last {
                out[k] = signal[last]
            } else {
                let slope = (signal[j + 1] - signal[j]) / (time(j + 1) - time(j))
                out[k] = slope * (t - time(j)) + signal[j]
            }
        }
        return out
    }
}
