import CelestaIR
/// The Xylo Audio 3 (`syns65302`) digital audio front end, bit-exact and integer-only.
///
/// Chain (audio rate `fs = 50 MHz / 1024 = 48828.125 Hz`, SNN step `50 / fs = 1.024 ms`):
/// 1. audio source: external audio quantized to 14 bits (`quantize14`) or the on-chip PDM
///    decimation filter fed by a microphone bitstream (`pdmDecimate`);
/// 2. `filterbank`: one two-pole band-pass filter per channel;
/// 3. `spikes`: one divisive-normalisation spike generator per channel;
/// 4. `raster`: spike counts per SNN time step.
///
/// Offline, the filterbank and the spike generator follow Rockpool's simulation convention by
/// default: each processes `reverse(x) ++ x` and keeps the second half, so that the start-up
/// transient is replaced by the response to the mirrored signal. `XyloAudio3FrontEndStream`
/// starts from zero state instead (like the chip), which equals the offline functions with
/// `timeReversedPrefix: false`.
public enum XyloAudio3FrontEnd {
    /// Audio sampling rate of the front end in Hz (`50 MHz / 1024`).
    public static let audioSampleRate = 48_828.125
    /// Number of bits of an audio sample.
    public static let audioBits = 14

    /// All stages of one offline run.
    public struct Output: Equatable, Sendable {
        /// Filterbank output, `[N][C]`.
        public let filterbank: [[Int]]
        /// Spikes (0/1), `[N][C]`.
        public let spikes: [[Int]]
        /// Spike counts per SNN step, `[ceil(N / factor)][C]`.
        public let raster: [[Int]]
    }

    // MARK: - Audio sources

    /// Quantizes real-valued external audio to 14 bits: `x = trunc(x_float * 2^13)`
    /// (truncation toward zero, no scaling, no clipping).
    ///
    /// Throws `CelestaError(.outOfRange)` naming the first sample (its index plus `offset`)
    /// that is not finite or whose quantized magnitude reaches `2^13` (the filters require
    /// `|x| < 2^13`).
    public static func quantize14(_ signal: [Double], offset: Int = 0) throws -> [Int] {
        try signal.withUnsafeBufferPointer { try quantize14(borrowing: $0, offset: offset) }
    }

    /// `quantize14` of input the caller keeps alive during the call (the C ABI's buffers, read
    /// in place). Package-internal: unsafe pointers stay out of the public API.
    package static func quantize14(borrowing signal: UnsafeBufferPointer<Double>, offset: Int = 0) throws -> [Int] {
        var out = [Int](repeating: 0, count: signal.count)
        try out.withUnsafeMutableBufferPointer { try quantize14(signal, offset: offset, into: $0) }
        return out
    }

    /// `quantize14` of a buffer into `output` (at least as long as `signal`).
    static func quantize14<T: FixedWidthInteger>(_ signal: UnsafeBufferPointer<Double>, offset: Int,
                                                 into output: UnsafeMutableBufferPointer<T>) throws {
        let scale = Double(xyloAudio3SampleLimit)
        var bad = -1
        for i in 0..<signal.count {
            // |x * 2^13| < 2^13 exactly when its truncation fits 14 bits; NaN fails both.
            let scaled = signal[i] * scale
            guard scaled > -scale, scaled < scale else { bad = i; break }
            output[i] = T(truncatingIfNeeded: Int32(scaled))
        }
        if bad >= 0 {
            throw CelestaError(.outOfRange,
                               "audio sample \(offset + bad) = \(signal[bad]) does not fit 14 bits (|x * 2^13| must stay below 2^13)")
        }
    }

    /// Largest accepted magnitude of a PDM decimation-filter tap.
    public static let maxPDMTapMagnitude = 1 << 24

    /// The on-chip PDM decimation filter: the bitstream of the microphone (`+1`/`-1`, 32 bits
    /// per audio sample) becomes `b` in `{0, 1}`, the integer FIR `taps` is evaluated once
    /// every `decimationFactor` bits,
    /// `y[m] = sum_j taps[j] * b[decimationFactor*m - j]` (`b = 0` outside the stream) for
    /// `m = 0 ..< ceil(N / decimationFactor) + ceil(taps.count / decimationFactor)`, and the
    /// audio is `(2*y[m] - sum(taps)) >> outputShift` (arithmetic shift; on the chip
    /// `outputShift = num_bits_output_pre_Q - 14 = 7`).
    ///
    /// Throws `CelestaError(.invalidArgument)` for a bit other than `+/-1`, empty or too large
    /// taps (each magnitude at most `maxPDMTapMagnitude`, their magnitudes summing below 2^31),
    /// a non-positive decimation factor or a shift outside `0...62`.
    public static func pdmDecimate(
        bits: [Int], taps: [Int], decimationFactor: Int = 32, outputShift: Int
    ) throws -> [Int] {
        var decimator = try pdmDecimator(taps: taps, decimationFactor: decimationFactor, outputShift: outputShift)
        let binary = try pdmBits(bits.count) { Double(bits[$0]) }
        var audio = [Int]()
        audio.reserveCapacity(decimator.outputs(forBits: bits.count) + decimator.flushOutputs)
        binary.withUnsafeBufferPointer { decimator.push($0, into: &audio) }
        decimator.flush(into: &audio)
        return audio
    }

    /// A validated streaming decimator (see `pdmDecimate` for the rules).
    static func pdmDecimator(taps: [Int], decimationFactor: Int, outputShift: Int) throws -> XyloAudio3PDMDecimator {
        guard !taps.isEmpty else {
            throw CelestaError(.invalidArgument, "the PDM decimation filter needs at least one tap")
        }
        guard decimationFactor > 0 else {
            throw CelestaError(.invalidArgument,
                               "PDM decimation factor \(decimationFactor) must be positive")
        }
        guard (0...62).contains(outputShift) else {
            throw CelestaError(.invalidArgument, "PDM output shift \(outputShift) outside 0...62")
        }
        var total = 0
        for (j, tap) in taps.enumerated() {
            guard tap >= -maxPDMTapMagnitude, tap <= maxPDMTapMagnitude else {
                throw CelestaError(.invalidArgument,
                                   "PDM tap \(j) = \(tap) exceeds magnitude \(maxPDMTapMagnitude)")
            }
            total += abs(tap)
            guard total <= Int(Int32.max) else {
                throw CelestaError(.invalidArgument,
                                   "PDM taps 0...\(j) have magnitudes summing to \(total), above 2^31 - 1")
            }
        }
        return XyloAudio3PDMDecimator(taps: taps, decimationFactor: decimationFactor, outputShift: outputShift)
    }

    /// Converts `count` microphone values (`value(i)`, each exactly +1 or -1) to bits 1/0.
    /// Throws `CelestaError(.invalidArgument)` naming the first other value.
    static func pdmBits(_ count: Int, offset: Int = 0, _ value: (Int) -> Double) throws -> [Int8] {
        var binary = [Int8](repeating: 0, count: count)
        for i in 0..<count {
            let v = value(i)
            if v == 1 { binary[i] = 1 } else if v != -1 {
                throw CelestaError(.invalidArgument, "PDM bit \(offset + i) = \(v) is not +1 or -1")
            }
        }
        return binary
    }

    // MARK: - Stages on rows

    /// Runs the band-pass filterbank on 14-bit audio and returns `[N][C]` (one row per sample,
    /// one column per filter of `parameters`). Per filter, with zero initial state:
    /// ```
    /// w[n] = latch                      // recursive output of the previous sample
    /// v    = ((s << B_wf) + ((-a2*v[n-2] - a1*v[n-1]) >> B_af)) >> B_b
    /// latch = v
    /// out[n] = w[n] - w[n-2]            // w[-1] = w[-2] = 0; scale_out is not applied
    /// ```
    /// With `timeReversedPrefix` (Rockpool's offline convention, the default) the filters run
    /// on `reverse(audio) ++ audio` and only the second half is returned.
    ///
    /// Throws `CelestaError(.outOfRange)` naming the first sample with `|x| >= 2^13`.
    public static func filterbank(
        _ audio: [Int], parameters: XyloAudio3FrontEndParameters, timeReversedPrefix: Bool = true
    ) throws -> [[Int]] {
        let out = try run(audio: audio, parameters: parameters, timeReversedPrefix: timeReversedPrefix, record: true)
        return rows(out.filterbank ?? [], width: parameters.channelCount)
    }

    /// Runs the divisive-normalisation spike generators on filterbank output `[N][C]` and
    /// returns spikes `[N][C]` (0 or 1: at most one spike per channel per sample). Per
    /// channel, with `r = |filter output|` and zero initial state:
    /// ```
    /// low  = high >> B_lp                        // high of the previous sample
    /// high = high - (high >> B_lp) + r
    /// thr  = max(low, EPS); thr = (thr << K1) - (thr << K2)
    /// thr  = max of thr over channels            // if joint normalisation
    /// thr  = enabled ? thr : fixed_threshold
    /// acc += r; if acc >= thr { spike; acc -= thr }
    /// ```
    /// With `timeReversedPrefix` (the default) the generators run on
    /// `reverse(filterbank) ++ filterbank` and only the second half is returned.
    ///
    /// Throws `CelestaError(.shapeMismatch)` if a row does not have one value per channel.
    public static func spikes(
        _ filterbank: [[Int]], parameters: XyloAudio3FrontEndParameters, timeReversedPrefix: Bool = true
    ) throws -> [[Int]] {
        for (index, row) in filterbank.enumerated() where row.count != parameters.channelCount {
            throw CelestaError(.shapeMismatch,
                               "filterbank row \(index) has \(row.count) channels, expected \(parameters.channelCount)")
        }
        var state = XyloAudio3SpikeGeneratorState(parameters: parameters)
        let flat = filterbank.flatMap { $0 }
        var spikes = [Int32](repeating: 0, count: flat.count)
        flat.withUnsafeBufferPointer { input in
            guard let base = input.baseAddress else { return }
            var none = XyloAudio3SpikeGeneratorState.Sink()
            if timeReversedPrefix { state.run(base, count: filterbank.count, reversed: true, sink: &none) }
            spikes.withUnsafeMutableBufferPointer { out in
                var sink = XyloAudio3SpikeGeneratorState.Sink(spikes: out.baseAddress)
                state.run(base, count: filterbank.count, reversed: false, sink: &sink)
            }
        }
        return rows(spikes.map(Int.init), width: parameters.channelCount)
    }

    /// Sums spikes `[N][C]` over consecutive blocks of `downSamplingFactor` samples (the last,
    /// partial block is kept) and clips each count to `0...maxSpikes`; row `t` is the SNN input
    /// of step `t`, so the result has `ceil(N / downSamplingFactor)` rows.
    ///
    /// Throws `CelestaError(.invalidArgument)` for a non-positive factor or a negative cap and
    /// `CelestaError(.shapeMismatch)` if the rows differ in length.
    public static func raster(
        _ spikes: [[Int]], downSamplingFactor: Int = 50, maxSpikes: Int = 15
    ) throws -> [[Int]] {
        guard downSamplingFactor > 0 else {
            throw CelestaError(.invalidArgument,
                               "raster down-sampling factor \(downSamplingFactor) must be positive")
        }
        guard maxSpikes >= 0 else {
            throw CelestaError(.invalidArgument, "raster spike cap \(maxSpikes) must not be negative")
        }
        guard let channels = spikes.first?.count else { return [] }
        for (index, row) in spikes.enumerated() where row.count != channels {
            throw CelestaError(.shapeMismatch,
                               "spike row \(index) has \(row.count) channels, expected \(channels)")
        }
        var out = [[Int]]()
        out.reserveCapacity((spikes.count + downSamplingFactor - 1) / downSamplingFactor)
        var start = 0
        while start < spikes.count {
            let end = min(start + downSamplingFactor, spikes.count)
            var sums = [Int](repeating: 0, count: channels)
            for row in spikes[start..<end] {
                for c in 0..<channels { sums[c] = sums[c] &+ row[c] }
            }
            out.append(sums.map { min(max($0, 0), maxSpikes) })
            start = end
        }
        return out
    }

    // MARK: - Whole chain

    /// Runs filterbank, spike generator and raster on 14-bit audio (from `quantize14` or
    /// `pdmDecimate`), with the raster settings of `parameters`.
    public static func process(
        audio: [Int], parameters: XyloAudio3FrontEndParameters, timeReversedPrefix: Bool = true
    ) throws -> Output {
        let run = try run(audio: audio, parameters: parameters, timeReversedPrefix: timeReversedPrefix, record: true)
        let c = parameters.channelCount
        return Output(filterbank: rows(run.filterbank ?? [], width: c),
                      spikes: rows((run.spikes ?? []).map(Int.init), width: c),
                      raster: rows(run.raster.map(Int.init), width: c))
    }

    /// Checks every sample against the 14-bit range of the filters.
    static func checkAudio(_ audio: [Int]) throws {
        for (index, sample) in audio.enumerated() {
            try XyloAudio3FilterbankState.check(sample, index: index)
        }
    }

    /// Splits a row-major flat array into rows of `width`.
    static func rows<T>(_ flat: [T], width: Int) -> [[T]] {
        guard width > 0 else { return [] }
        return stride(from: 0, to: flat.count, by: width).map { Array(flat[$0..<min($0 + width, flat.count)]) }
    }
}
