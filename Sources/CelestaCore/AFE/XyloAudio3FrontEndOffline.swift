/// The offline Xylo Audio 3 front end on flat (row-major) buffers, the fast path behind every
/// interface (C, Python, CLI).
///
/// With the time-reversed prefix the spike generator must see the filterbank output last to
/// first before it sees it first to last. The output is kept in memory when it fits
/// `memoryBudget` (or is recorded anyway); otherwise the filter state is saved at the start of
/// every block of `blockSize` samples and each block is filtered again when the generator needs
/// it, so memory stays bounded for long recordings at the cost of filtering twice more (which is
/// also faster than keeping long outputs, see `defaultMemoryBudget`).
extension XyloAudio3FrontEnd {
    /// The stages of a run as flat row-major arrays.
    public struct FlatOutput: Equatable, Sendable {
        /// Channels (selected filters).
        public let channels: Int
        /// Audio samples that entered the filterbank.
        public let samples: Int
        /// Spike counts per SNN step, `[steps][channels]`.
        public var raster: [Int32]
        /// The 14-bit audio, `[samples]` (when recorded).
        public var audio: [Int]?
        /// The filterbank output, `[samples][channels]` (when recorded).
        public var filterbank: [Int]?
        /// The 0/1 spikes, `[samples][channels]` (when recorded).
        public var spikes: [Int32]?
        /// Raster rows.
        public var steps: Int { channels > 0 ? raster.count / channels : 0 }

        public init(channels: Int, samples: Int, raster: [Int32], audio: [Int]? = nil,
                    filterbank: [Int]? = nil, spikes: [Int32]? = nil) {
            self.channels = channels
            self.samples = samples
            self.raster = raster
            self.audio = audio
            self.filterbank = filterbank
            self.spikes = spikes
        }
    }

    /// Default memory for keeping the filterbank output of an offline run: 4 MiB (about 0.7 s of
    /// audio with 16 channels). Past that, filtering blocks again is faster than streaming the
    /// output through main memory (measured: 10 s of audio in 118 ms instead of 192 ms).
    public static let defaultMemoryBudget = 4 << 20
    /// Samples per block of the bounded-memory path.
    static let blockSize = 4096

    /// Runs filterbank, spike generator and raster on 14-bit audio into flat arrays.
    ///
    /// - Parameters:
    ///   - timeReversedPrefix: Rockpool's offline convention (see `filterbank`), the default.
    ///   - record: also return the audio, filterbank and spike stages.
    ///   - memoryBudget: bytes the filterbank output may take before the bounded-memory path is
    ///     used (never when `record`).
    ///   - progress: called with the fraction done (0...1) after every block; returning `false`
    ///     cancels the run with `CelestaError(.cancelled)`.
    /// - Throws: `CelestaError(.outOfRange)` naming the first sample with `|x| >= 2^13`.
    public static func run(
        audio: [Int], parameters: XyloAudio3FrontEndParameters, timeReversedPrefix: Bool = true,
        record: Bool = false, memoryBudget: Int = defaultMemoryBudget,
        progress: ((Double) -> Bool)? = nil
    ) throws -> FlatOutput {
        try checkAudio(audio)
        let n = audio.count, c = parameters.channelCount
        var filters = XyloAudio3FilterbankState(filters: parameters.filters)
        var generator = XyloAudio3SpikeGeneratorState(parameters: parameters)
        let steps = generator.rowsCompleted(by: n, flush: true)
        var raster = [Int32](repeating: 0, count: steps * c)
        var spikes = [Int32](repeating: 0, count: record ? n * c : 0)
        // Without the prefix one fused pass over blocks needs no stored filterbank output.
        let keepAll = record || (timeReversedPrefix
            && n.multipliedReportingOverflow(by: c * MemoryLayout<Int>.size).partialValue <= memoryBudget)
        let passes = timeReversedPrefix ? 4 : (keepAll ? 2 : 1)
        var meter = ProgressMeter(total: passes * n, callback: progress)
        var bank: [Int]? = nil
        let b = blockSize

        try audio.withUnsafeBufferPointer { input in
            guard let x = input.baseAddress else { return }
            // Blocks of [start, end) first to last, or last to first.
            func blocks(reversed: Bool, _ body: (Int, Int) throws -> Void) throws {
                let count = (n + b - 1) / b
                for i in 0..<count {
                    let start = (reversed ? count - 1 - i : i) * b
                    let end = min(start + b, n)
                    try body(start, end)
                    try meter.advance(end - start)
                }
            }
            if timeReversedPrefix {
                try blocks(reversed: true) { start, end in
                    filters.run(x + start, count: end - start, reversed: true, into: nil)
                }
            }
            try raster.withUnsafeMutableBufferPointer { rasterOut in
                var sink = XyloAudio3SpikeGeneratorState.Sink(raster: rasterOut.baseAddress)
                func forward(_ rows: UnsafePointer<Int>, _ start: Int, _ count: Int) {
                    if record {
                        spikes.withUnsafeMutableBufferPointer { out in
                            sink.spikes = out.baseAddress.map { $0 + start * c }
                            generator.run(rows, count: count, reversed: false, sink: &sink)
                        }
                    } else {
                        generator.run(rows, count: count, reversed: false, sink: &sink)
                    }
                }
                if keepAll {
                    var all = [Int](repeating: 0, count: n * c)
                    try all.withUnsafeMutableBufferPointer { out in
                        guard let fb = out.baseAddress else { return }
                        try blocks(reversed: false) { start, end in
                            filters.run(x + start, count: end - start, reversed: false, into: fb + start * c)
                        }
                        if timeReversedPrefix {
                            var none = XyloAudio3SpikeGeneratorState.Sink()
                            try blocks(reversed: true) { start, end in
                                generator.run(fb + start * c, count: end - start, reversed: true, sink: &none)
                            }
                        }
                        try blocks(reversed: false) { start, end in forward(fb + start * c, start, end - start) }
                    }
                    if record { bank = all }
                } else {
                    var scratch = [Int](repeating: 0, count: b * c)
                    try scratch.withUnsafeMutableBufferPointer { buffer in
                        guard let fb = buffer.baseAddress else { return }
                        if timeReversedPrefix {
                            // Save the filter state at every block start, then replay blocks.
                            var checkpoints = [XyloAudio3FilterbankState]()
                            try blocks(reversed: false) { start, end in
                                checkpoints.append(filters)
                                filters.run(x + start, count: end - start, reversed: false, into: nil)
                            }
                            var none = XyloAudio3SpikeGeneratorState.Sink()
                            try blocks(reversed: true) { start, end in
                                var replay = checkpoints[start / b]
                                replay.run(x + start, count: end - start, reversed: false, into: fb)
                                generator.run(fb, count: end - start, reversed: true, sink: &none)
                            }
                            try blocks(reversed: false) { start, end in
                                var replay = checkpoints[start / b]
                                replay.run(x + start, count: end - start, reversed: false, into: fb)
                                forward(fb, start, end - start)
                            }
                        } else {
                            try blocks(reversed: false) { start, end in
                                filters.run(x + start, count: end - start, reversed: false, into: fb)
                                forward(fb, start, end - start)
                            }
                        }
                    }
                }
                if let base = rasterOut.baseAddress { generator.flush(into: base, rows: &sink.rows) }
            }
        }
        return FlatOutput(channels: c, samples: n, raster: raster, audio: record ? audio : nil,
                          filterbank: bank, spikes: record ? spikes : nil)
    }
}

/// Counts work done and reports the fraction to a callback that may cancel.
struct ProgressMeter {
    let total: Int
    let callback: ((Double) -> Bool)?
    private(set) var done = 0

    init(total: Int, callback: ((Double) -> Bool)?) {
        self.total = max(total, 1)
        self.callback = callback
    }

    mutating func advance(_ units: Int) throws {
        done += units
        guard let callback else { return }
        if !callback(min(Double(done) / Double(total), 1)) {
            throw CelestaError(.cancelled, "the audio front end was cancelled after \(Int(Double(done) * 100 / Double(total)))% of its work")
        }
    }
}
