import CelestaIR
/// Parameters of the Xylo Audio 3 (`syns65302`) digital audio front end.
///
/// The front end is a chain of integer stages (see `XyloAudio3FrontEnd`):
/// 14-bit audio -> one band-pass filter per channel -> one divisive-normalisation spike
/// generator per channel -> raster (spike counts per SNN time step).
///
/// Every value is validated by the throwing initialisers, so the stage functions never meet
/// an out-of-range shift or an inconsistent channel count.

/// One band-pass filter of the Xylo Audio 3 filterbank: a two-pole recursive section
/// `v = ((s << bWF) + ((-a2*v[n-2] - a1*v[n-1]) >> bAF)) >> bB` whose output is latched for
/// one sample, followed by the fixed FIR numerator `1 - z^-2`.
public struct XyloAudio3BandPassFilter: Equatable, Sendable {
    /// First feedback coefficient (`a1`).
    public let a1: Int
    /// Second feedback coefficient (`a2`).
    public let a2: Int
    /// Left shift applied to the input sample (`B_wf`).
    public let inputShift: Int
    /// Right shift applied to the feedback sum (`B_af`).
    public let feedbackShift: Int
    /// Right shift applied to the whole recursive sum (`B_b`).
    public let outputShift: Int

    /// Largest accepted magnitude of a feedback coefficient (the chip stores them in 16-bit
    /// signed registers; one extra bit of headroom is accepted here).
    public static let maxCoefficientMagnitude = 1 << 17
    /// Largest accepted value of each shift.
    public static let maxShift = 31

    /// Builds a filter; throws `CelestaError(.invalidArgument)` when a shift lies outside
    /// `0...maxShift` or a coefficient's magnitude exceeds `maxCoefficientMagnitude`.
    public init(a1: Int, a2: Int, inputShift: Int, feedbackShift: Int, outputShift: Int) throws {
        for (name, shift) in [("B_wf", inputShift), ("B_af", feedbackShift), ("B_b", outputShift)] {
            guard (0...Self.maxShift).contains(shift) else {
                throw CelestaError(.invalidArgument,
                                   "band-pass filter shift \(name) = \(shift) outside 0...\(Self.maxShift)")
            }
        }
        for (name, coefficient) in [("a1", a1), ("a2", a2)] {
            guard coefficient >= -Self.maxCoefficientMagnitude,
                  coefficient <= Self.maxCoefficientMagnitude else {
                throw CelestaError(.invalidArgument,
                                   "band-pass filter coefficient \(name) = \(coefficient) exceeds magnitude \(Self.maxCoefficientMagnitude)")
            }
        }
        self.a1 = a1
        self.a2 = a2
        self.inputShift = inputShift
        self.feedbackShift = feedbackShift
        self.outputShift = outputShift
    }
}

/// Parameters of the whole Xylo Audio 3 front end (filterbank, divisive-normalisation spike
/// generator, raster). Per-channel arrays all have one entry per filter.
public struct XyloAudio3FrontEndParameters: Equatable, Sendable {
    /// The band-pass filters, one per channel (16 on the chip).
    public let filters: [XyloAudio3BandPassFilter]
    /// Whether divisive normalisation is enabled per channel (`dn_enable_channel`); a disabled
    /// channel uses `fixedThreshold`.
    public let enableChannel: [Bool]
    /// First spike-rate scale shift `K1` (`dn_spike_rate_scale_bitshift1`).
    public let spikeRateScaleShift1: [Int]
    /// Second spike-rate scale shift `K2` (`dn_spike_rate_scale_bitshift2`); the threshold is
    /// `(t << K1) - (t << K2)`.
    public let spikeRateScaleShift2: [Int]
    /// Low-pass shift `B_lp` of the power estimate (`dn_low_pass_bitshift`).
    public let lowPassShift: [Int]
    /// Lower bound `EPS` of the normalising power estimate (`dn_EPS`).
    public let eps: [Int]
    /// Threshold used by channels whose normalisation is disabled (`dn_fixed_threshold`).
    public let fixedThreshold: [Int]
    /// Whether the threshold is the maximum over channels (`dn_joint_normalization`).
    public let jointNormalization: Bool
    /// Audio samples summed into one raster row (one SNN time step); 50 on the chip.
    public let rasterDownSamplingFactor: Int
    /// Largest spike count of one raster cell; 15 on the chip.
    public let rasterMaxSpikes: Int

    /// Largest accepted shift of the spike generator.
    public static let maxShift = 31
    /// Largest accepted `EPS` / fixed threshold.
    public static let maxThreshold = 1 << 40

    /// Number of channels (filters).
    public var channelCount: Int { filters.count }

    /// Builds and validates the parameters. Throws `CelestaError(.invalidArgument)` when there
    /// is no filter, a per-channel array does not have one entry per filter, a shift lies
    /// outside `0...maxShift`, `EPS` or the fixed threshold is negative or above
    /// `maxThreshold`, the down-sampling factor is not positive or the spike cap is negative.
    public init(
        filters: [XyloAudio3BandPassFilter],
        enableChannel: [Bool],
        spikeRateScaleShift1: [Int],
        spikeRateScaleShift2: [Int],
        lowPassShift: [Int],
        eps: [Int],
        fixedThreshold: [Int],
        jointNormalization: Bool = true,
        rasterDownSamplingFactor: Int = 50,
        rasterMaxSpikes: Int = 15
    ) throws {
        guard !filters.isEmpty else {
            throw CelestaError(.invalidArgument, "the audio front end needs at least one filter")
        }
        let count = filters.count
        let lengths: [(String, Int)] = [
            ("dn_enable_channel", enableChannel.count),
            ("dn_spike_rate_scale_bitshift1", spikeRateScaleShift1.count),
            ("dn_spike_rate_scale_bitshift2", spikeRateScaleShift2.count),
            ("dn_low_pass_bitshift", lowPassShift.count),
            ("dn_EPS", eps.count),
            ("dn_fixed_threshold", fixedThreshold.count),
        ]
        for (name, length) in lengths where length != count {
            throw CelestaError(.invalidArgument,
                               "\(name) has \(length) entries, expected one per filter (\(count))")
        }
        let shifts: [(String, [Int])] = [
            ("dn_spike_rate_scale_bitshift1", spikeRateScaleShift1),
            ("dn_spike_rate_scale_bitshift2", spikeRateScaleShift2),
            ("dn_low_pass_bitshift", lowPassShift),
        ]
        for (name, values) in shifts {
            for (channel, value) in values.enumerated() where !(0...Self.maxShift).contains(value) {
                throw CelestaError(.invalidArgument,
                                   "\(name)[\(channel)] = \(value) outside 0...\(Self.maxShift)")
            }
        }
        for (name, values) in [("dn_EPS", eps), ("dn_fixed_threshold", fixedThreshold)] {
            for (channel, value) in values.enumerated() where !(0...Self.maxThreshold).contains(value) {
                throw CelestaError(.invalidArgument,
                                   "\(name)[\(channel)] = \(value) outside 0...\(Self.maxThreshold)")
            }
        }
        guard rasterDownSamplingFactor > 0 else {
            throw CelestaError(.invalidArgument,
                               "raster down-sampling factor \(rasterDownSamplingFactor) must be positive")
        }
        guard rasterMaxSpikes >= 0 else {
            throw CelestaError(.invalidArgument,
                               "raster spike cap \(rasterMaxSpikes) must not be negative")
        }
        self.filters = filters
        self.enableChannel = enableChannel
        self.spikeRateScaleShift1 = spikeRateScaleShift1
        self.spikeRateScaleShift2 = spikeRateScaleShift2
        self.lowPassShift = lowPassShift
        self.eps = eps
        self.fixedThreshold = fixedThreshold
        self.jointNormalization = jointNormalization
        self.rasterDownSamplingFactor = rasterDownSamplingFactor
        self.rasterMaxSpikes = rasterMaxSpikes
    }
}
