import CelestaIR
/// The user-facing settings of the Xylo Audio 3 front end, with the names and defaults of
/// Rockpool's `AFESimExternal` / `AFESimPDM` (`select_filters=None`,
/// `spike_gen_mode="divisive_norm"`, `dn_rate_scale_bitshift=(6, 0)`, `dn_low_pass_bitshift=12`,
/// `dn_EPS=1`, `fixed_threshold_vec=2**27`, `down_sampling_factor=50`).
///
/// `parameters()` turns them into the engine's `XyloAudio3FrontEndParameters` over the chip's
/// filter table, following Rockpool's rules: with `divisive_norm` every channel normalises
/// (the fixed thresholds are ignored and set to 0); with `threshold` no channel does, the fixed
/// thresholds apply and the normalisation settings are replaced by `(1, 0)`, 0 and 1.
public struct XyloAudio3FrontEndSettings: Equatable, Sendable {
    /// Where the audio comes from.
    public enum InputMode: String, Sendable, CaseIterable {
        /// Real-valued audio at 48828.125 Hz, quantized to 14 bits (`AFESimExternal`).
        case external
        /// A PDM microphone bitstream (+1/-1) at 1.5625 MHz, decimated on chip (`AFESimPDM`).
        case pdm
    }

    /// How spikes are generated (`spike_gen_mode`).
    public enum SpikeGenerationMode: String, Sendable, CaseIterable {
        /// Adaptive thresholds from divisive normalisation (`"divisive_norm"`).
        case divisiveNormalization = "divisive_norm"
        /// Fixed per-channel thresholds (`"threshold"`).
        case threshold
    }

    public var inputMode: InputMode
    /// Indices (0...15) of the chip filters to use, in output-channel order; `nil`: all 16.
    public var selectFilters: [Int]?
    public var spikeGenerationMode: SpikeGenerationMode
    /// `dn_rate_scale_bitshift[0]` (`b1`).
    public var rateScaleBitshift1: Int
    /// `dn_rate_scale_bitshift[1]` (`b2`); the spike rate is scaled by `1 / (2^b1 - 2^b2)`.
    public var rateScaleBitshift2: Int
    /// `dn_low_pass_bitshift`: the power estimate averages over `2^b` samples.
    public var lowPassBitshift: Int
    /// `dn_EPS`: one value for every channel, or one per output channel.
    public var eps: [Int]
    /// `fixed_threshold_vec`: one value for every channel, or one per output channel.
    public var fixedThreshold: [Int]
    /// `down_sampling_factor`: audio samples per raster row (SNN time step).
    public var downSamplingFactor: Int

    /// Rockpool's defaults.
    public init(inputMode: InputMode = .external) {
        self.inputMode = inputMode
        selectFilters = nil
        spikeGenerationMode = .divisiveNormalization
        rateScaleBitshift1 = 6
        rateScaleBitshift2 = 0
        lowPassBitshift = 12
        eps = [1]
        fixedThreshold = [1 << 27]
        downSamplingFactor = XyloAudio3ChipTables.defaultDownSamplingFactor
    }

    /// The selected filter indices (all 16 when `selectFilters` is nil).
    public var filterIndices: [Int] { selectFilters ?? Array(0..<XyloAudio3ChipTables.filterCount) }

    /// Validates the settings and builds the engine parameters.
    ///
    /// Throws `CelestaError(.invalidArgument)` naming the field when a filter index is outside
    /// 0...15 or repeated, no filter is selected, `dn_EPS` / `fixed_threshold_vec` has neither one
    /// nor one value per channel, a value lies outside its register (`dn_EPS` 0...65535, fixed
    /// threshold 0...2^32-1, shifts 0...31) or the down-sampling factor is not positive.
    public func parameters() throws -> XyloAudio3FrontEndParameters {
        let indices = filterIndices
        guard !indices.isEmpty else {
            throw CelestaError(.invalidArgument, "select_filters is empty: select at least one filter")
        }
        var seen = Set<Int>()
        for (position, index) in indices.enumerated() {
            guard (0..<XyloAudio3ChipTables.filterCount).contains(index) else {
                throw CelestaError(.invalidArgument,
                                   "select_filters[\(position)] = \(index) outside 0...\(XyloAudio3ChipTables.filterCount - 1)")
            }
            guard seen.insert(index).inserted else {
                throw CelestaError(.invalidArgument, "select_filters[\(position)] = \(index) is repeated")
            }
        }
        let channels = indices.count
        let eps = try Self.perChannel(self.eps, channels, "dn_EPS", limit: XyloAudio3ChipTables.maxEPS)
        let fixed = try Self.perChannel(fixedThreshold, channels, "fixed_threshold_vec",
                                        limit: XyloAudio3ChipTables.maxFixedThreshold)
        for (name, value) in [("dn_rate_scale_bitshift[0]", rateScaleBitshift1),
                              ("dn_rate_scale_bitshift[1]", rateScaleBitshift2),
                              ("dn_low_pass_bitshift", lowPassBitshift)]
        where !(0...XyloAudio3FrontEndParameters.maxShift).contains(value) {
            throw CelestaError(.invalidArgument,
                               "\(name) = \(value) outside 0...\(XyloAudio3FrontEndParameters.maxShift)")
        }
        guard downSamplingFactor > 0 else {
            throw CelestaError(.invalidArgument, "down_sampling_factor = \(downSamplingFactor) must be positive")
        }
        let normalise = spikeGenerationMode == .divisiveNormalization
        // The rate is scaled by 1 / (2^b1 - 2^b2): only b1 > b2 gives a positive scale.
        if normalise && rateScaleBitshift1 <= rateScaleBitshift2 {
            throw CelestaError(.invalidArgument,
                               "dn_rate_scale_bitshift = (\(rateScaleBitshift1), \(rateScaleBitshift2)): the first must be larger than the second (the rate is scaled by 1 / (2^b1 - 2^b2))")
        }
        func repeated(_ value: Int) -> [Int] { Array(repeating: value, count: channels) }
        return try XyloAudio3FrontEndParameters(
            filters: indices.map { XyloAudio3ChipTables.filters[$0] },
            enableChannel: Array(repeating: normalise, count: channels),
            spikeRateScaleShift1: repeated(normalise ? rateScaleBitshift1 : 1),
            spikeRateScaleShift2: repeated(normalise ? rateScaleBitshift2 : 0),
            lowPassShift: repeated(normalise ? lowPassBitshift : 0),
            eps: normalise ? eps : repeated(1),
            fixedThreshold: normalise ? repeated(0) : fixed,
            jointNormalization: true,
            rasterDownSamplingFactor: downSamplingFactor,
            rasterMaxSpikes: XyloAudio3ChipTables.maxSpikesPerStep)
    }

    private static func perChannel(_ values: [Int], _ channels: Int, _ name: String, limit: Int) throws -> [Int] {
        guard values.count == 1 || values.count == channels else {
            throw CelestaError(.invalidArgument,
                               "\(name) has \(values.count) values; give one, or one per channel (\(channels))")
        }
        for (channel, value) in values.enumerated() where !(0...limit).contains(value) {
            throw CelestaError(.invalidArgument, "\(name)[\(channel)] = \(value) outside 0...\(limit)")
        }
        return values.count == 1 ? Array(repeating: values[0], count: channels) : values
    }
}
