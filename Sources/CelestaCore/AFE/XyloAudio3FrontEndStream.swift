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
    private var filterbank: XyloAudio3FilterbankState
    private var spikeGenerator: XyloAudio3SpikeGeneratorState
    /// Reused buffer for the filterbank rows of a block.
    private var scratch: [Int] = []
    /// Number of audio samples consumed since creation or the last `reset()`.
    public private(set) var samplesProcessed = 0

    /// Creates a stream in zero state.
    public init(parameters: XyloAudio3FrontEndParameters) {
        self.parameters = parameters
        filterbank = XyloAudio3FilterbankState(filters: parameters.filters)
        spikeGenerator = XyloAudio3SpikeGeneratorState(parameters: parameters)
    }

    /// Returns every state to zero.
    public func reset() {
        filterbank = XyloAudio3FilterbankState(filters: parameters.filters)
        spikeGenerator = XyloAudio3SpikeGeneratorState(parameters: parameters)
        samplesProcessed = 0
    }

    /// Raster rows that pushing `count` samples produces (plus the partial row when `flush`).
    public func rasterRows(forSamples count: Int, flush: Bool = false) -> Int {
        spikeGenerator.rowsCompleted(by: count, flush: flush)
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
        let n = audio.count, c = parameters.channelCount
        var raster = [Int32](repeating: 0, count: rasterRows(forSamples: n, flush: flush) * c)
        var bank = [Int](repeating: 0, count: record ? n * c : 0)
        var spikes = [Int32](repeating: 0, count: record ? n * c : 0)
        let block = XyloAudio3FrontEnd.blockSize
        if scratch.count < block * c { scratch = [Int](repeating: 0, count: block * c) }
        audio.withUnsafeBufferPointer { input in
        raster.withUnsafeMutableBufferPointer { rasterOut in
        bank.withUnsafeMutableBufferPointer { bankOut in
        spikes.withUnsafeMutableBufferPointer { spikesOut in
        scratch.withUnsafeMutableBufferPointer { scratchOut in
            var sink = XyloAudio3SpikeGeneratorState.Sink(raster: rasterOut.baseAddress)
            if let x = input.baseAddress, let work = scratchOut.baseAddress {
                var start = 0
                while start < n {
                    let count = min(block, n - start)
                    let rows = record ? (bankOut.baseAddress.map { $0 + start * c } ?? work) : work
                    filterbank.run(x + start, count: count, reversed: false, into: rows)
                    sink.spikes = record ? spikesOut.baseAddress.map { $0 + start * c } : nil
                    spikeGenerator.run(rows, count: count, reversed: false, sink: &sink)
                    start += count
                }
            }
            if flush, let base = rasterOut.baseAddress { spikeGenerator.flush(into: base, rows: &sink.rows) }
        }}}}}
        samplesProcessed += n
        return XyloAudio3FrontEnd.FlatOutput(
            channels: c, samples: n, raster: raster, audio: record ? audio : nil,
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
        // An empty chunk with `flush` cannot fail.
        guard let out = try? push([], flush: true) else { return [] }
        return XyloAudio3FrontEnd.rows(out.raster.map(Int.init), width: parameters.channelCount)
    }
}
