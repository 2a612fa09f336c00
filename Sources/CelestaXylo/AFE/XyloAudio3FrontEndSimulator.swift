import CelestaIR
/// A configured Xylo Audio 3 front end, from its input (real-valued audio or a PDM bitstream)
/// to the spike raster, offline and streaming: what the C ABI, Python's `AFESimExternal` /
/// `AFESimPDM` and the CLI run.
///
/// * External input: samples at 48828.125 Hz, quantized with `XyloAudio3FrontEnd.quantize14`.
/// * PDM input: the microphone's bitstream (each value +1 or -1) at 1.5625 MHz, 32 bits per
///   audio sample, through the chip's decimation filter. The microphone's delta-sigma modulator
///   is outside the chip and not modelled: the bitstream is the input.
///
/// Offline calls are independent of each other and of the stream; the stream starts from zero
/// state like the chip after reset and, fed all its input then flushed, equals the offline
/// call without the time-reversed prefix.
public final class XyloAudio3FrontEndSimulator {
    public let settings: XyloAudio3FrontEndSettings
    public let parameters: XyloAudio3FrontEndParameters
    /// Which loops run this front end on this machine (see `XyloAudio3FrontEnd.loops`).
    public var loops: XyloAudio3FrontEnd.Loops { XyloAudio3FrontEnd.loops(parameters: parameters) }
    private let decimatorTemplate: XyloAudio3PDMDecimator?
    private var decimator: XyloAudio3PDMDecimator?
    private let stream: XyloAudio3FrontEndStream
    /// Input values (audio samples or bits) pushed into the stream since creation or reset.
    public private(set) var streamInputCount = 0

    /// Validates `settings` (see `XyloAudio3FrontEndSettings.parameters()`).
    public init(settings: XyloAudio3FrontEndSettings) throws {
        self.settings = settings
        parameters = try settings.parameters()
        if settings.inputMode == .pdm {
            decimatorTemplate = try XyloAudio3FrontEnd.pdmDecimator(
                taps: XyloAudio3ChipTables.pdmTaps, decimationFactor: XyloAudio3ChipTables.pdmDecimationFactor,
                outputShift: XyloAudio3ChipTables.pdmOutputShift)
        } else {
            decimatorTemplate = nil
        }
        decimator = decimatorTemplate
        stream = XyloAudio3FrontEndStream(parameters: parameters)
    }

    /// Output channels.
    public var channelCount: Int { parameters.channelCount }

    /// Audio samples (filterbank rows) and raster rows of an offline call on `inputCount` values.
    public func offlineSize(inputCount: Int) -> (samples: Int, steps: Int) {
        let samples: Int
        if let d = decimatorTemplate {
            samples = d.outputs(forBits: inputCount) + d.flushOutputs
        } else {
            samples = inputCount
        }
        let factor = parameters.rasterDownSamplingFactor
        return (samples, (samples + factor - 1) / factor)
    }

    /// Audio samples and raster rows that the next `push` of `inputCount` values produces
    /// (with `flush`: including the end of the stream).
    public func streamSize(inputCount: Int, flush: Bool) -> (samples: Int, steps: Int) {
        var samples = inputCount
        if let d = decimator {
            samples = d.outputs(forBits: inputCount) + (flush ? d.flushOutputs : 0)
        }
        return (samples, stream.rasterRows(forSamples: samples, flush: flush))
    }

    /// The 14-bit audio of `input` (quantized, or decimated from bits with `decimator`).
    /// `sampleOffset` is the index of the first audio sample (for errors).
    private func audio(_ input: UnsafeBufferPointer<Double>, offset: Int, sampleOffset: Int,
                       decimator: inout XyloAudio3PDMDecimator?, flush: Bool) throws -> [Int32] {
        guard var d = decimator else {
            var samples = [Int32](repeating: 0, count: input.count)
            try samples.withUnsafeMutableBufferPointer { try XyloAudio3FrontEnd.quantize14(input, offset: offset, into: $0) }
            return samples
        }
        let bits = try XyloAudio3FrontEnd.pdmBits(input.count, offset: offset) { input[$0] }
        var audio = [Int]()
        audio.reserveCapacity(d.outputs(forBits: bits.count) + (flush ? d.flushOutputs : 0))
        bits.withUnsafeBufferPointer { d.push($0, into: &audio) }
        if flush { d.flush(into: &audio) }
        decimator = d
        for (index, sample) in audio.enumerated() {
            try XyloAudio3FilterbankState.check(sample, index: sampleOffset + index)
        }
        return audio.map { Int32(truncatingIfNeeded: $0) }
    }

    /// Runs the whole chain offline on `input` (see `XyloAudio3FrontEnd.run` for the other
    /// arguments). Throws `CelestaError(.outOfRange)` for external audio that is not finite or
    /// does not fit 14 bits, `CelestaError(.invalidArgument)` for a PDM value other than +/-1,
    /// each naming the index. `progress` is called after every block of samples with the units
    /// of work done and their total (the audio samples times the passes over them: 4 with the
    /// time-reversed prefix, else 1); returning false cancels with `CelestaError(.cancelled)`.
    public func offline(
        _ input: [Double], timeReversedPrefix: Bool = true, record: Bool = false,
        progress: ((_ done: Int, _ total: Int) -> Bool)? = nil
    ) throws -> XyloAudio3FrontEnd.FlatOutput {
        try input.withUnsafeBufferPointer {
            try offline(borrowing: $0, timeReversedPrefix: timeReversedPrefix, record: record, progress: progress)
        }
    }

    /// `offline` on input the caller keeps alive during the call (the C ABI's buffers, read in
    /// place). Package-internal: unsafe pointers stay out of the public API.
    package func offline(
        borrowing input: UnsafeBufferPointer<Double>, timeReversedPrefix: Bool, record: Bool,
        progress: ((_ done: Int, _ total: Int) -> Bool)?
    ) throws -> XyloAudio3FrontEnd.FlatOutput {
        var d = decimatorTemplate
        let samples = try audio(input, offset: 0, sampleOffset: 0, decimator: &d, flush: true)
        return try samples.withUnsafeBufferPointer {
            try XyloAudio3FrontEnd.run(samples: $0, parameters: parameters, timeReversedPrefix: timeReversedPrefix,
                                       record: record, progress: progress)
        }
    }

    /// Pushes one chunk into the stream; with `flush` the stream's end is processed too (the
    /// decimator's tail, the partial raster row). `progress` gets the chunk's audio samples done
    /// and their number after every block of them; returning false cancels with
    /// `CelestaError(.cancelled)`. On error (and when cancelled) the stream is left unchanged.
    public func push(
        _ input: [Double], flush: Bool = false, record: Bool = false,
        progress: ((_ done: Int, _ total: Int) -> Bool)? = nil
    ) throws -> XyloAudio3FrontEnd.FlatOutput {
        try input.withUnsafeBufferPointer { try push(borrowing: $0, flush: flush, record: record, progress: progress) }
    }

    /// `push` on input the caller keeps alive during the call (package-internal, as `offline`).
    package func push(
        borrowing input: UnsafeBufferPointer<Double>, flush: Bool, record: Bool,
        progress: ((_ done: Int, _ total: Int) -> Bool)?
    ) throws -> XyloAudio3FrontEnd.FlatOutput {
        var d = decimator
        let samples = try audio(input, offset: streamInputCount, sampleOffset: stream.samplesProcessed, decimator: &d,
                                flush: flush)
        let out = try samples.withUnsafeBufferPointer {
            try stream.push(samples: $0, record: record, flush: flush, progress: progress)
        }
        decimator = d
        streamInputCount += input.count
        return out
    }

    /// Returns the stream to zero state.
    public func resetStream() {
        decimator = decimatorTemplate
        stream.reset()
        streamInputCount = 0
    }
}
