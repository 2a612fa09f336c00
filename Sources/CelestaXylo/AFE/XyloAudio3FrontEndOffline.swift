import CelestaIR
/// The offline Xylo Audio 3 front end on flat (row-major) buffers, the fast path behind every
/// interface (C, Python, CLI).
///
/// With the time-reversed prefix the spike generators must see the filterbank output last to
/// first before they see it first to last. The rows passed from the filterbank to the
/// generators (64 bytes per sample for the chip's filters) are kept in memory when they fit
/// `memoryBudget` (or are recorded anyway); otherwise the filter state is saved at the start of
/// every block of `blockSize` samples and each block is filtered again when the generators need
/// it, so memory stays bounded for long recordings at the cost of filtering twice more.
/// Without the prefix, filterbank and generators run block by block.
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

    /// Default memory for keeping the rows between filterbank and generators of an offline run
    /// with the time-reversed prefix: 32 MiB (about 10.7 s of audio with 16 channels). Larger
    /// runs filter every block again instead.
    public static let defaultMemoryBudget = 32 << 20
    /// Samples per block of the bounded-memory path and of progress reports.
    static let blockSize = 4096
    /// Samples filtered at a time when the generators follow right behind (the rows then stay
    /// in the first-level cache).
    static let fusedBlockSize = 256

    /// Runs filterbank, spike generator and raster on 14-bit audio into flat arrays.
    ///
    /// - Parameters:
    ///   - timeReversedPrefix: Rockpool's offline convention (see `filterbank`), the default.
    ///   - record: also return the audio, filterbank and spike stages.
    ///   - memoryBudget: bytes the rows between filterbank and generators may take before the
    ///     bounded-memory path is used (never when `record`).
    ///   - progress: called with the fraction done (0...1) after every block; returning `false`
    ///     cancels the run with `CelestaError(.cancelled)`.
    ///   - kernels: which loops run (all give the same results).
    /// - Throws: `CelestaError(.outOfRange)` naming the first sample with `|x| >= 2^13`.
    public static func run(
        audio: [Int], parameters: XyloAudio3FrontEndParameters, timeReversedPrefix: Bool = true,
        record: Bool = false, memoryBudget: Int = defaultMemoryBudget,
        progress: ((Double) -> Bool)? = nil, kernels: Kernels = .automatic
    ) throws -> FlatOutput {
        try checkAudio(audio)
        let samples = audio.map { Int32(truncatingIfNeeded: $0) }
        let work = progress.map { fraction in { (done: Int, total: Int) in fraction(Double(done) / Double(total)) } }
        return try samples.withUnsafeBufferPointer {
            try run(samples: $0, parameters: parameters, timeReversedPrefix: timeReversedPrefix, record: record,
                    memoryBudget: memoryBudget, progress: work, kernels: kernels)
        }
    }

    /// `run(audio:...)` on range-checked samples; `progress` gets the units of work done and
    /// their total: the samples times the passes over them (4 with the time-reversed prefix,
    /// else 1).
    static func run(
        samples: UnsafeBufferPointer<Int32>, parameters: XyloAudio3FrontEndParameters, timeReversedPrefix: Bool,
        record: Bool, memoryBudget: Int = defaultMemoryBudget, progress: ((_ done: Int, _ total: Int) -> Bool)?,
        kernels: Kernels = .automatic
    ) throws -> FlatOutput {
        var chain = chain(parameters, kernels)
        return try run(&chain, samples, timeReversedPrefix, record, memoryBudget, progress)
    }

    private static func run<C: XyloAudio3Chain>(
        _ chain: inout C, _ samples: UnsafeBufferPointer<Int32>, _ timeReversedPrefix: Bool, _ record: Bool,
        _ memoryBudget: Int, _ progress: ((Int, Int) -> Bool)?
    ) throws -> FlatOutput {
        let n = samples.count, c = chain.channels, w = chain.rowWidth
        let steps = chain.rowsCompleted(by: n, flush: true)
        var raster = [Int32](repeating: 0, count: steps * c)
        var spikes = [Int32](repeating: 0, count: record ? n * c : 0)
        var bank = [Int](repeating: 0, count: record ? n * c : 0)
        let rowBytes = w * MemoryLayout<C.Row>.stride
        let keepAll = timeReversedPrefix && (record || n.multipliedReportingOverflow(by: rowBytes).partialValue <= memoryBudget)
        var meter = ProgressMeter(total: (timeReversedPrefix ? 4 : 1) * n, callback: progress)
        let b = blockSize
        let rows = UnsafeMutablePointer<C.Row>.allocate(capacity: Swift.max(keepAll ? n : min(n, b), 1) * w)
        defer { rows.deallocate() }
        guard let x = samples.baseAddress else {
            return FlatOutput(channels: c, samples: 0, raster: raster, audio: record ? [] : nil,
                              filterbank: record ? [] : nil, spikes: record ? [] : nil)
        }

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
        try raster.withUnsafeMutableBufferPointer { rasterOut in
        try spikes.withUnsafeMutableBufferPointer { spikesBuffer in
        try bank.withUnsafeMutableBufferPointer { bankBuffer in
            // Empty arrays may still have a base address: only recorded stages are written.
            let bankOut = record ? bankBuffer.baseAddress : nil, spikesOut = record ? spikesBuffer.baseAddress : nil
            var sink = XyloAudio3SpikeGeneratorState.Sink(raster: rasterOut.baseAddress)
            var none = XyloAudio3SpikeGeneratorState.Sink()
            func forward(_ rows: UnsafePointer<C.Row>, _ start: Int, _ count: Int) {
                sink.spikes = spikesOut.map { $0 + start * c }
                chain.generate(rows, count: count, reversed: false, sink: &sink)
            }
            if timeReversedPrefix {
                try blocks(reversed: true) { start, end in chain.advance(x + start, count: end - start, reversed: true) }
            }
            if keepAll {
                try blocks(reversed: false) { start, end in
                    chain.filter(x + start, count: end - start, into: rows + start * w, bank: bankOut.map { $0 + start * c })
                }
                try blocks(reversed: true) { start, end in
                    chain.generate(rows + start * w, count: end - start, reversed: true, sink: &none)
                }
                try blocks(reversed: false) { start, end in forward(rows + start * w, start, end - start) }
            } else if timeReversedPrefix {
                // Save the filter state at every block start, then filter each block again.
                var checkpoints = [C.Filters]()
                try blocks(reversed: false) { start, end in
                    checkpoints.append(chain.filters)
                    chain.advance(x + start, count: end - start, reversed: false)
                }
                try blocks(reversed: true) { start, end in
                    chain.filters = checkpoints[start / b]
                    chain.filter(x + start, count: end - start, into: rows, bank: nil)
                    chain.generate(rows, count: end - start, reversed: true, sink: &none)
                }
                try blocks(reversed: false) { start, end in
                    chain.filters = checkpoints[start / b]
                    chain.filter(x + start, count: end - start, into: rows, bank: nil)
                    forward(rows, start, end - start)
                }
            } else {
                try blocks(reversed: false) { start, end in
                    var first = start
                    while first < end {
                        let count = min(fusedBlockSize, end - first)
                        chain.filter(x + first, count: count, into: rows, bank: bankOut.map { $0 + first * c })
                        forward(rows, first, count)
                        first += count
                    }
                }
            }
            if let base = rasterOut.baseAddress { chain.flush(into: base, rows: &sink.rows) }
        }}}
        return FlatOutput(channels: c, samples: n, raster: raster,
                          audio: record ? samples.map(Int.init) : nil,
                          filterbank: record ? bank : nil, spikes: record ? spikes : nil)
    }
}

/// Counts work done and reports it, with the total, to a callback that may cancel.
struct ProgressMeter {
    let total: Int
    let callback: ((Int, Int) -> Bool)?
    private(set) var done = 0

    init(total: Int, callback: ((Int, Int) -> Bool)?) {
        self.total = max(total, 1)
        self.callback = callback
    }

    mutating func advance(_ units: Int) throws {
        done += units
        guard let callback else { return }
        if !callback(min(done, total), total) {
            throw CelestaError(.cancelled, "the audio front end was cancelled after \(Int(Double(done) * 100 / Double(total)))% of its work")
        }
    }
}
