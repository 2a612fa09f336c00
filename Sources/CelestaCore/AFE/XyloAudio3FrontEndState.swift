/// Sample-by-sample state machines of the Xylo Audio 3 front end, shared by the offline
/// functions of `XyloAudio3FrontEnd` and the streaming `XyloAudio3FrontEndStream`.
///
/// All arithmetic is on `Int` (64 bits) with arithmetic right shifts; additions, subtractions,
/// multiplications and left shifts use the wrapping operators so that no input can trap (with
/// validated parameters and 14-bit input every value fits in 64 bits, as on the chip model).

/// Largest magnitude + 1 of a 14-bit audio sample (`2^13`).
let xyloAudio3SampleLimit = 1 << 13

/// State of the 16 (or `channelCount`) band-pass filters.
struct XyloAudio3FilterbankState {
    let filters: [XyloAudio3BandPassFilter]
    /// Recursive-part outputs `v[n-1]` and `v[n-2]`.
    var v1: [Int]
    var v2: [Int]
    /// The one-sample latch: the recursive output of the previous sample.
    var latch: [Int]
    /// Latched values `w[n-1]` and `w[n-2]` for the `1 - z^-2` numerator.
    var w1: [Int]
    var w2: [Int]

    init(filters: [XyloAudio3BandPassFilter]) {
        self.filters = filters
        let zeros = [Int](repeating: 0, count: filters.count)
        v1 = zeros; v2 = zeros; latch = zeros; w1 = zeros; w2 = zeros
    }

    /// Checks one input sample against the 14-bit range of the filters.
    static func check(_ sample: Int, index: Int) throws {
        guard sample > -xyloAudio3SampleLimit, sample < xyloAudio3SampleLimit else {
            throw CelestaError(.outOfRange,
                               "audio sample \(index) = \(sample) outside the 14-bit range (-8191...8191)")
        }
    }

    /// Filters one (already range-checked) sample and appends one output per channel to `row`.
    mutating func step(_ sample: Int, into row: inout [Int]) {
        for c in 0..<filters.count {
            let f = filters[c]
            let w = latch[c]
            let feedback = (0 &- (f.a2 &* v2[c])) &- (f.a1 &* v1[c])
            let v = ((sample &<< f.inputShift) &+ (feedback >> f.feedbackShift)) >> f.outputShift
            v2[c] = v1[c]
            v1[c] = v
            latch[c] = v
            row.append(w &- w2[c])
            w2[c] = w1[c]
            w1[c] = w
        }
    }
}

/// State of the divisive-normalisation spike generators (one per channel).
struct XyloAudio3SpikeGeneratorState {
    let parameters: XyloAudio3FrontEndParameters
    /// Low-pass power estimate (`high`), one per channel.
    var high: [Int]
    /// Integrate-and-fire accumulator, one per channel.
    var accumulator: [Int]
    /// Scratch buffer of the per-channel thresholds.
    private var thresholds: [Int]

    init(parameters: XyloAudio3FrontEndParameters) {
        self.parameters = parameters
        let zeros = [Int](repeating: 0, count: parameters.channelCount)
        high = zeros; accumulator = zeros; thresholds = zeros
    }

    /// Magnitude of a filter output without trapping on `Int.min`.
    @inline(__always)
    static func magnitude(_ x: Int) -> Int { x >= 0 ? x : (x == .min ? .max : -x) }

    /// Processes one filterbank row (one value per channel) and appends one 0/1 spike per
    /// channel to `row`. The caller checks the row length.
    mutating func step(_ input: ArraySlice<Int>, into row: inout [Int]) {
        let p = parameters
        var joint = Int.min
        var c = 0
        for x in input {
            let r = Self.magnitude(x)
            let shift = p.lowPassShift[c]
            let low = high[c] >> shift
            high[c] = (high[c] &- (high[c] >> shift)) &+ r
            let t = max(low, p.eps[c])
            let threshold = (t &<< p.spikeRateScaleShift1[c]) &- (t &<< p.spikeRateScaleShift2[c])
            thresholds[c] = threshold
            joint = max(joint, threshold)
            c += 1
        }
        c = 0
        for x in input {
            var threshold = p.jointNormalization ? joint : thresholds[c]
            if !p.enableChannel[c] { threshold = p.fixedThreshold[c] }
            accumulator[c] = accumulator[c] &+ Self.magnitude(x)
            if accumulator[c] >= threshold {
                accumulator[c] = accumulator[c] &- threshold
                row.append(1)
            } else {
                row.append(0)
            }
            c += 1
        }
    }
}

/// State of the raster: the partial sums of the current block of audio samples.
struct XyloAudio3RasterState {
    let downSamplingFactor: Int
    let maxSpikes: Int
    var sums: [Int]
    var filled = 0

    init(channelCount: Int, downSamplingFactor: Int, maxSpikes: Int) {
        self.downSamplingFactor = downSamplingFactor
        self.maxSpikes = maxSpikes
        sums = [Int](repeating: 0, count: channelCount)
    }

    /// Adds one spike row; returns the finished raster row when the block is complete.
    mutating func add(_ spikes: ArraySlice<Int>) -> [Int]? {
        var c = 0
        for s in spikes {
            sums[c] = sums[c] &+ s
            c += 1
        }
        filled += 1
        return filled == downSamplingFactor ? takeRow() : nil
    }

    /// The clipped row of the current (possibly partial) block, or `nil` if it is empty.
    mutating func flush() -> [Int]? {
        filled > 0 ? takeRow() : nil
    }

    private mutating func takeRow() -> [Int] {
        let row = sums.map { min(max($0, 0), maxSpikes) }
        for c in sums.indices { sums[c] = 0 }
        filled = 0
        return row
    }
}
