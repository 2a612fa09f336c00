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
    private var rasterState: XyloAudio3RasterState
    /// Number of audio samples consumed since creation or the last `reset()`.
    public private(set) var samplesProcessed = 0

    /// Creates a stream in zero state.
    public init(parameters: XyloAudio3FrontEndParameters) {
        self.parameters = parameters
        filterbank = XyloAudio3FilterbankState(filters: parameters.filters)
        spikeGenerator = XyloAudio3SpikeGeneratorState(parameters: parameters)
        rasterState = XyloAudio3RasterState(
            channelCount: parameters.channelCount,
            downSamplingFactor: parameters.rasterDownSamplingFactor,
            maxSpikes: parameters.rasterMaxSpikes)
    }

    /// Returns every state to zero.
    public func reset() {
        filterbank = XyloAudio3FilterbankState(filters: parameters.filters)
        spikeGenerator = XyloAudio3SpikeGeneratorState(parameters: parameters)
        rasterState = XyloAudio3RasterState(
            channelCount: parameters.channelCount,
            downSamplingFactor: parameters.rasterDownSamplingFactor,
            maxSpikes: parameters.rasterMaxSpikes)
        samplesProcessed = 0
    }

    /// Processes one chunk of 14-bit audio.
    ///
    /// Throws `CelestaError(.outOfRange)` naming the stream-wide index of the first sample with
    /// `|x| >= 2^13`; the chunk is then rejected as a whole and the state is left unchanged.
    public func process(_ audio: [Int]) throws -> Chunk {
        for (offset, sample) in audio.enumerated() {
            try XyloAudio3FilterbankState.check(sample, index: samplesProcessed + offset)
        }
        var chunk = Chunk(filterbank: [], spikes: [], raster: [])
        chunk.filterbank.reserveCapacity(audio.count)
        chunk.spikes.reserveCapacity(audio.count)
        for sample in audio {
            var bank = [Int]()
            bank.reserveCapacity(parameters.channelCount)
            filterbank.step(sample, into: &bank)
            var spikes = [Int]()
            spikes.reserveCapacity(parameters.channelCount)
            spikeGenerator.step(bank[...], into: &spikes)
            if let row = rasterState.add(spikes[...]) { chunk.raster.append(row) }
            chunk.filterbank.append(bank)
            chunk.spikes.append(spikes)
        }
        samplesProcessed += audio.count
        return chunk
    }

    /// Returns the raster row of the pending partial block (if any samples are pending) and
    /// clears it; filter and spike-generator state are kept.
    public func finish() -> [[Int]] {
        if let row = rasterState.flush() { return [row] }
        return []
    }
}
