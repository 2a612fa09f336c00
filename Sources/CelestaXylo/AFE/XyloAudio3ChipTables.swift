import CelestaIR
/// The fixed tables of the Xylo Audio 3 (`syns65302`) audio front end: the 16 band-pass filters
/// of the chip's filterbank and the taps of the PDM decimation filter, as Rockpool 3.1.0 sets
/// them (the values recorded in the shared AFE reference vectors, `params.filters` and
/// `stages.pdm_fir`).
public enum XyloAudio3ChipTables {
    /// Number of band-pass filters on the chip.
    public static let filterCount = 16

    /// `(a1, a2, B_wf, B_af, B_b)` of each filter, lowest centre frequency first.
    private static let filterTable: [(Int, Int, Int, Int, Int)] = [
        (-32694, 16313, 8, 6, 8),
        (-32663, 16284, 8, 6, 8),
        (-32617, 16244, 8, 7, 7),
        (-32551, 16188, 8, 7, 7),
        (-32453, 16110, 8, 8, 6),
        (-32305, 16000, 8, 8, 6),
        (-32077, 15848, 8, 9, 5),
        (-31718, 15638, 8, 9, 5),
        (-31139, 15347, 8, 10, 4),
        (-30185, 14947, 8, 10, 4),
        (-28582, 14402, 8, 10, 4),
        (-25862, 13666, 8, 11, 3),
        (-21262, 12687, 8, 11, 3),
        (-27375, 22803, 8, 13, 2),
        (-4180, 19488, 8, 13, 2),
        (25566, 15280, 8, 14, 1),
    ]

    /// The chip's filters, index 0 (lowest band) to 15.
    public static let filters: [XyloAudio3BandPassFilter] = filterTable.map {
        XyloAudio3BandPassFilter(unchecked: $0.0, a2: $0.1, inputShift: $0.2, feedbackShift: $0.3, outputShift: $0.4)
    }

    /// First half of the 256 symmetric (linear-phase) taps of the PDM decimation filter; tap
    /// `255 - j` equals tap `j`.
    private static let pdmHalfTaps: [Int] = [
        -115, -107, -98, -90, -80, -70, -59, -47, -34, -20, -4, 11, 29, 48, 68, 90,
        113, 138, 163, 190, 218, 248, 277, 308, 338, 369, 399, 429, 457, 484, 510, 533,
        553, 570, 583, 592, 596, 595, 588, 575, 556, 529, 495, 454, 405, 347, 282, 208,
        126, 35, -62, -168, -282, -402, -529, -662, -799, -941, -1086, -1233, -1382, -1530, -1677, -1822,
        -1962, -2096, -2224, -2342, -2451, -2547, -2630, -2697, -2748, -2780, -2792, -2782, -2750, -2693, -2610, -2500,
        -2363, -2197, -2001, -1775, -1517, -1229, -910, -559, -176, 236, 679, 1151, 1652, 2181, 2735, 3314,
        3916, 4538, 5180, 5838, 6511, 7195, 7889, 8589, 9293, 9998, 10700, 11398, 12087, 12765, 13429, 14076,
        14702, 15305, 15883, 16432, 16949, 17433, 17881, 18290, 18659, 18987, 19270, 19509, 19701, 19846, 19943, 19991,
    ]

    /// The 256 integer taps of the PDM decimation filter (their sum is 782020).
    public static let pdmTaps: [Int] = pdmHalfTaps + pdmHalfTaps.reversed()
    /// Microphone bits per audio sample (1.5625 MHz / 48828.125 Hz).
    public static let pdmDecimationFactor = 32
    /// Right shift from the FIR's 21-bit output to 14-bit audio (`num_bits_output_pre_Q - 14`).
    public static let pdmOutputShift = 7
    /// Largest spike count of one raster cell (`MAX_SPIKES_INPUT`).
    public static let maxSpikesPerStep = 15
    /// Audio samples per SNN time step by default (`dt = 50 / fs = 1.024 ms`).
    public static let defaultDownSamplingFactor = 50
    /// Largest `dn_EPS` the chip's 16-bit EPS registers hold.
    public static let maxEPS = 0xFFFF
    /// Largest fixed threshold the chip's two 16-bit threshold registers hold.
    public static let maxFixedThreshold = 0xFFFF_FFFF
}

extension XyloAudio3BandPassFilter {
    /// A filter from the chip table (values known to be in range).
    init(unchecked a1: Int, a2: Int, inputShift: Int, feedbackShift: Int, outputShift: Int) {
        self.a1 = a1
        self.a2 = a2
        self.inputShift = inputShift
        self.feedbackShift = feedbackShift
        self.outputShift = outputShift
    }
}
