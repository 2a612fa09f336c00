import CelestaIR
/// Streaming Xylo Audio 3 front end: filter, spike-generator and raster state persist across
/// chunks of 14-bit audio, starting from zero state with no time-reversed prefix (as the chip
/// does after reset).
///
/// Feeding a signal in any chunking gives the same concatenated output as feeding it at once,
/// which equals `XyloAudio3FrontEnd.process(audio:parameters:timeReversedPrefix: false)`:
/// filterbank and spike rows come out one per input sample; a raster row comes out each time
/// a block of `rasterDownSamplingFactor` samples completes, and `finish()` returns the last,
/// partial block.
public final class XyloAudio3FrontEndStream {
    /// Output of one chunk.
    public struct Chunk: Equatable, Sendable {
        /// Filterbank output for the chunk's samples, `[n][C]`.
        public var filterbank: [[Int]]
        /// Spikes for the chunk's samples, `[n][C]`.
        public var spikes: [[Int]]
        /// Raster rows completed during this chunk.
        public var raster: [[Int]]
    }

    /// The parameters the stream was built with.
    public let parameters: XyloAudio3FrontEndParameters
    /// The loops the stream runs.
    public let kernels: XyloAudio3FrontEnd.Kernels
    /// The filterbank and generators (see `XyloAudio3Chain`).
    private var chain: any XyloAudio3Chain
    /// Which loops run the stream (see `XyloAudio3FrontEnd.loops`).
    public var loops: XyloAudio3FrontEnd.Loops { chain.loops }
    /// Rows between filterbank and generators for one block (allocated once, 64 bytes per
    /// sample and channel at most).
    private let scratch: UnsafeMutableRawPointer
    /// Number of audio samples consumed since creation or the last `reset()`.
    public private(set) var samplesProcessed = 0

    /// Creates a stream in zero state, run by `kernels` (all give the same results).
    public init(parameters: XyloAudio3FrontEndParameters, kernels: XyloAudio3FrontEnd.Kernels = .automatic) {
        self.parameters = parameters
        self.kernels = kernels
        chain = XyloAudio3FrontEnd.chain(parameters, kernels)
        let bytes = XyloAudio3FrontEnd.fusedBlockSize * max(64, parameters.channelCount * MemoryLayout<Int>.stride)
        scratch = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)
    }

    deinit { scratch.deallocate() }

    /// Returns every state to zero.
    public func reset() {
        chain = XyloAudio3FrontEnd.chain(parameters, kernels)
        samplesProcessed = 0
    }

    /// Raster rows that pushing `count` samples produces (plus the partial row when `flush`).
    public func rasterRows(forSamples count: Int, flush: Bool = false) -> Int {
        chain.rowsCompleted(by: count, flush: flush)
    }

    /// Processes one chunk of 14-bit audio into flat arrays (`FlatOutput.samples` is the chunk's
    /// length; the raster holds the rows completed by it). With `flush` the pending partial
    /// raster row is emitted too (filter and generator state are kept). With `record` the
    /// chunk's audio, filterbank and spikes are returned as well.
    ///
    /// Throws `CelestaError(.outOfRange)` naming the stream-wide index of the first sample with
    /// `|x| >= 2^13`; the chunk is then rejected as a whole and the state is left unchanged.
    public func push(_ audio: [Int], record: Bool = false, flush: Bool = false) throws -> XyloAudio3FrontEnd.FlatOutput {
        for (offset, sample) in audio.enumerated() {
            try XyloAudio3FilterbankState.check(sample, index: samplesProcessed + offset)
        }
        let samples = audio.map { Int32(truncatingIfNeeded: $0) }
        return try samples.withUnsafeBufferPointer { try push(samples: $0, record: record, flush: flush) }
    }

    /// `push` on range-checked samples. `progress` (if any) gets the chunk's samples done and
    /// its length after every `XyloAudio3FrontEnd.blockSize` samples and at its end; when it
    /// returns false the push throws `CelestaError(.cancelled)` and the state is left as it was.
    func push(samples: UnsafeBufferPointer<Int32>, record: Bool, flush: Bool,
              progress: ((_ done: Int, _ total: Int) -> Bool)? = nil) throws -> XyloAudio3FrontEnd.FlatOutput {
        // The chain runs in place in its stored property (not copied on write: a fixed cost of
        // every push); with progress a copy is kept to put back if the push is cancelled.
        let before = progress == nil ? nil : chain
        guard let out = push(&chain, samples, record, flush, progress) else {
            if let before { chain = before }
            throw CelestaError(.cancelled, "the audio front end's stream push was cancelled; the stream is unchanged")
        }
        samplesProcessed += samples.count
        return out
    }

    /// The chunk's stages, or nil when `progress` cancelled it (`chain` is then part-way).
    private func push<C: XyloAudio3Chain>(_ chain: inout C, _ samples: UnsafeBufferPointer<Int32>, _ record: Bool,
                                          _ flush: Bool, _ progress: ((Int, Int) -> Bool)?) -> XyloAudio3FrontEnd.FlatOutput? {
        let n = samples.count, c = parameters.channelCount
        var raster = [Int32](repeating: 0, count: chain.rowsCompleted(by: n, flush: flush) * c)
        var bank = [Int](repeating: 0, count: record ? n * c : 0)
        var spikes = [Int32](repeating: 0, count: record ? n * c : 0)
        let rows = scratch.assumingMemoryBound(to: C.Row.self)
        var cancelled = false
        raster.withUnsafeMutableBufferPointer { rasterOut in
        bank.withUnsafeMutableBufferPointer { bankBuffer in
        spikes.withUnsafeMutableBufferPointer { spikesBuffer in
            // Empty arrays may still have a base address: only recorded stages are written.
            let bankOut = record ? bankBuffer.baseAddress : nil, spikesOut = record ? spikesBuffer.baseAddress : nil
            var sink = XyloAudio3SpikeGeneratorState.Sink(raster: rasterOut.baseAddress)
            if let x = samples.baseAddress {
                var start = 0, reported = 0
                while start < n {
                    let count = min(XyloAudio3FrontEnd.fusedBlockSize, n - start)
                    chain.filter(x + start, count: count, into: rows, bank: bankOut.map { $0 + start * c })
                    sink.spikes = spikesOut.map { $0 + start * c }
                    chain.generate(rows, count: count, reversed: false, sink: &sink)
                    start += count
                    if let progress, start == n || start - reported >= XyloAudio3FrontEnd.blockSize {
                        reported = start
                        if !progress(start, n) {
                            cancelled = true
                            return
                        }
                    }
                }
            }
            if flush, let base = rasterOut.baseAddress { chain.flush(into: base, rows: &sink.rows) }
        }}}
        if cancelled { return nil }
        return XyloAudio3FrontEnd.FlatOutput(
            channels: c, samples: n, raster: raster, audio: record ? samples.map(Int.init) : nil,
            filterbank: record ? bank : nil, spikes: record ? spikes : nil)
    }

    /// Processes one chunk of 14-bit audio (see `push`) and returns its stages as rows.
    public func process(_ audio: [Int]) throws -> Chunk {
        let out = try push(audio, record: true)
        let c = parameters.channelCount
        return Chunk(filterbank: XyloAudio3FrontEnd.rows(out.filterbank ?? [], width: c),
                     spikes: XyloAudio3FrontEnd.rows((out.spikes ?? []).map(Int.init), width: c),
                     raster: XyloAudio3FrontEnd.rows(out.raster.map(Int.init), width: c))
    }

    /// Returns the raster row of the pending partial block (if any samples are pending) and
    /// clears it; filter and spike-generator state are kept.
    public func finish() -> [[Int]] {
        // Without a progress callback nothing cancels: the push cannot fail.
        let out = try? push(samples: UnsafeBufferPointer(start: nil, count: 0), record: false, flush: true)
        return XyloAudio3FrontEnd.rows((out?.raster ?? []).map(Int.init), width: parameters.channelCount)
    }
}
