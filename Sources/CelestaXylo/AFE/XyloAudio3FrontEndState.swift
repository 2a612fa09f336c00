import CelestaIR
/// The sample-by-sample state machines of the Xylo Audio 3 front end on flat buffers, shared by
/// the offline functions of `XyloAudio3FrontEnd` and the streaming `XyloAudio3FrontEndStream`.
///
/// All arithmetic is on `Int` (64 bits) with arithmetic right shifts; additions, subtractions,
/// multiplications and left shifts wrap and shift amounts are masked (`&<<`, `&>>`), so that
/// no input can trap (parameters are validated to shifts 0...31; with 14-bit input every value
/// fits in 64 bits, as in the chip model). Rows are `[n][C]`, row-major.

/// Largest magnitude + 1 of a 14-bit audio sample (`2^13`).
let xyloAudio3SampleLimit = 1 << 13

/// The band-pass filters: per channel the constants and the recursive outputs `v[n-1]`,
/// `v[n-2]`, `v[n-3]`. The latch delays the recursive output by one sample and the numerator is
/// `1 - z^-2`, so `out[n] = v[n-1] - v[n-3]`. This is the plain form for any filters; the chip's
/// own filters also run in `XyloAudio3FilterKernel`, which must agree with it.
///
/// Arithmetic right shifts are floor divisions by powers of two and adding a multiple of
/// `2^B_af` before the floor is exact, so the chip's two shifts fuse:
/// `((s << B_wf) + ((-a2*v2 - a1*v1) >> B_af)) >> B_b`
/// `== ((s << (B_wf + B_af)) - a2*v2 - a1*v1) >> (B_af + B_b)` (without overflow).
struct XyloAudio3FilterbankState {
    let channels: Int
    private let a1: [Int], a2: [Int], inputShift: [Int], feedbackShift: [Int], outputShift: [Int]
    private var v1: [Int], v2: [Int], v3: [Int]

    init(filters: [XyloAudio3BandPassFilter]) {
        channels = filters.count
        a1 = filters.map(\.a1)
        a2 = filters.map(\.a2)
        inputShift = filters.map(\.inputShift)
        feedbackShift = filters.map(\.feedbackShift)
        outputShift = filters.map(\.outputShift)
        v1 = Array(repeating: 0, count: channels)
        v2 = v1
        v3 = v1
    }

    /// Checks one input sample against the 14-bit range of the filters.
    static func check(_ sample: Int, index: Int) throws {
        guard sample > -xyloAudio3SampleLimit, sample < xyloAudio3SampleLimit else {
            throw CelestaError(.outOfRange,
                               "audio sample \(index) = \(sample) outside the 14-bit range (-8191...8191)")
        }
    }

    /// Filters `count` (range-checked) samples of `input`, last to first when `reversed`, and
    /// writes one row of `channels` outputs per sample to `output` when it is not nil.
    mutating func run(_ input: UnsafePointer<Int32>, count: Int, reversed: Bool,
                      into output: UnsafeMutablePointer<Int>?) {
        let c = channels
        a1.withUnsafeBufferPointer { a1 in
        a2.withUnsafeBufferPointer { a2 in
        inputShift.withUnsafeBufferPointer { bwf in
        feedbackShift.withUnsafeBufferPointer { baf in
        outputShift.withUnsafeBufferPointer { bb in
        v1.withUnsafeMutableBufferPointer { v1 in
        v2.withUnsafeMutableBufferPointer { v2 in
        v3.withUnsafeMutableBufferPointer { v3 in
            guard let a1 = a1.baseAddress, let a2 = a2.baseAddress, let bwf = bwf.baseAddress,
                  let baf = baf.baseAddress, let bb = bb.baseAddress, let v1 = v1.baseAddress,
                  let v2 = v2.baseAddress, let v3 = v3.baseAddress else { return }
            for n in 0..<count {
                let s = Int(input[reversed ? count - 1 - n : n])
                let row = output.map { $0 + n * c }
                for k in 0..<c {
                    let y1 = v1[k], y2 = v2[k]
                    row?[k] = y1 &- v3[k]
                    let feedback = ((0 &- a2[k] &* y2) &- a1[k] &* y1) &>> baf[k]
                    v3[k] = y2
                    v2[k] = y1
                    v1[k] = ((s &<< bwf[k]) &+ feedback) &>> bb[k]
                }
            }
        }}}}}}}}
    }
}

/// The divisive-normalisation spike generators (one per channel) and the raster that sums
/// their spikes per SNN time step.
struct XyloAudio3SpikeGeneratorState {
    let channels: Int
    private let lowPassShift: [Int], shift1: [Int], shift2: [Int], eps: [Int], fixedThreshold: [Int]
    private let enabled: [Bool]
    private let joint: Bool
    /// Every channel normalises jointly with the same shifts and EPS, and `K1 >= K2`: the joint
    /// threshold is then the threshold of the largest power estimate.
    private let uniform: Bool
    let downSamplingFactor: Int
    let maxSpikes: Int
    /// Low-pass power estimate (`high`) and integrate-and-fire accumulator per channel (also
    /// read and written by `XyloAudio3SpikeKernel` when it takes over).
    var high: [Int], accumulator: [Int]
    /// Raster sums of the current block and the samples in it.
    var sums: [Int]
    var filled = 0
    /// Scratch: magnitudes and per-channel thresholds of the current sample.
    private var magnitudes: [Int], thresholds: [Int]

    init(parameters p: XyloAudio3FrontEndParameters) {
        channels = p.channelCount
        lowPassShift = p.lowPassShift
        shift1 = p.spikeRateScaleShift1
        shift2 = p.spikeRateScaleShift2
        eps = p.eps
        fixedThreshold = p.fixedThreshold
        enabled = p.enableChannel
        joint = p.jointNormalization
        uniform = p.jointNormalization && !p.enableChannel.contains(false)
            && Set(p.lowPassShift).count == 1 && Set(p.spikeRateScaleShift1).count == 1
            && Set(p.spikeRateScaleShift2).count == 1 && Set(p.eps).count == 1
            && p.spikeRateScaleShift1[0] >= p.spikeRateScaleShift2[0]
        downSamplingFactor = p.rasterDownSamplingFactor
        maxSpikes = p.rasterMaxSpikes
        high = Array(repeating: 0, count: channels)
        accumulator = high
        sums = high
        magnitudes = high
        thresholds = high
    }

    /// Where the rows of one `run` go; nil pointers are skipped.
    struct Sink {
        /// One 0/1 spike per channel per sample, `[count][C]`.
        var spikes: UnsafeMutablePointer<Int32>?
        /// Finished raster rows are written here, `[rows][C]`; nil: the raster is not kept
        /// (the state is only advanced, as in the time-reversed prefix).
        var raster: UnsafeMutablePointer<Int32>?
        /// Raster rows written so far.
        var rows = 0
    }

    /// Runs `count` filterbank rows of `input` (`[count][C]`), last to first when `reversed`.
    /// With `sink.raster == nil` the raster is left untouched.
    mutating func run(_ input: UnsafePointer<Int>, count: Int, reversed: Bool, sink: inout Sink) {
        let c = channels
        let factor = downSamplingFactor
        let cap = maxSpikes
        let isUniform = uniform, isJoint = joint
        let lp0 = lowPassShift[0], k10 = shift1[0], k20 = shift2[0], eps0 = eps[0]
        let overflowShift = 62 - k10
        lowPassShift.withUnsafeBufferPointer { lp in
        shift1.withUnsafeBufferPointer { k1 in
        shift2.withUnsafeBufferPointer { k2 in
        eps.withUnsafeBufferPointer { eps in
        fixedThreshold.withUnsafeBufferPointer { fixed in
        enabled.withUnsafeBufferPointer { enabled in
        high.withUnsafeMutableBufferPointer { high in
        accumulator.withUnsafeMutableBufferPointer { acc in
        sums.withUnsafeMutableBufferPointer { sums in
        magnitudes.withUnsafeMutableBufferPointer { mag in
        thresholds.withUnsafeMutableBufferPointer { thr in
            guard let lp = lp.baseAddress, let k1 = k1.baseAddress, let k2 = k2.baseAddress,
                  let eps = eps.baseAddress, let fixed = fixed.baseAddress, let enabled = enabled.baseAddress,
                  let high = high.baseAddress, let acc = acc.baseAddress, let sums = sums.baseAddress,
                  let mag = mag.baseAddress, let thr = thr.baseAddress else { return }
            for n in 0..<count {
                let x = input + (reversed ? count - 1 - n : n) * c
                // Power estimates (`low` uses `high` of the previous sample) and thresholds.
                var jointThreshold = Int.min
                var fast = isUniform
                if isUniform {
                    var largest = Int.min
                    for k in 0..<c {
                        let r = Self.magnitude(x[k])
                        mag[k] = r
                        let h = high[k]
                        let low = h &>> lp0
                        high[k] = (h &- low) &+ r
                        thr[k] = low
                        largest = Swift.max(largest, low)
                    }
                    let t = Swift.max(largest, eps0)
                    if t &>> overflowShift == 0 {
                        jointThreshold = (t &<< k10) &- (t &<< k20)
                    } else {
                        // Large values: take the maximum of the wrapped per-channel thresholds.
                        fast = false
                        for k in 0..<c {
                            let tk = Swift.max(thr[k], eps0)
                            thr[k] = (tk &<< k10) &- (tk &<< k20)
                            jointThreshold = Swift.max(jointThreshold, thr[k])
                        }
                    }
                } else {
                    for k in 0..<c {
                        let r = Self.magnitude(x[k])
                        mag[k] = r
                        let h = high[k]
                        let low = h &>> lp[k]
                        high[k] = (h &- low) &+ r
                        let t = Swift.max(low, eps[k])
                        let threshold = (t &<< k1[k]) &- (t &<< k2[k])
                        thr[k] = threshold
                        jointThreshold = Swift.max(jointThreshold, threshold)
                    }
                }
                // Integrate and fire: at most one spike per channel per sample.
                let spikeRow = sink.spikes.map { $0 + n * c }
                if fast && spikeRow == nil {
                    // The common case without a spike record: one threshold, no stores but sums.
                    let threshold = jointThreshold
                    for k in 0..<c {
                        let a = acc[k] &+ mag[k]
                        let fire = a >= threshold
                        acc[k] = fire ? a &- threshold : a
                        sums[k] = sums[k] &+ (fire ? 1 : 0)
                    }
                } else {
                for k in 0..<c {
                    let threshold = fast ? jointThreshold
                        : (enabled[k] ? (isJoint ? jointThreshold : thr[k]) : fixed[k])
                    var a = acc[k] &+ mag[k]
                    let fire = a >= threshold
                    if fire { a = a &- threshold }
                    acc[k] = a
                    spikeRow?[k] = fire ? 1 : 0
                    sums[k] = sums[k] &+ (fire ? 1 : 0)
                }
                }
                guard let raster = sink.raster else { continue }
                filled += 1
                if filled == factor {
                    Self.emit(sums, c, cap, into: raster + sink.rows * c)
                    sink.rows += 1
                    filled = 0
                }
            }
            if sink.raster == nil {
                // The prefix only advances the generators; its spikes never reach the raster.
                for k in 0..<c { sums[k] = 0 }
            }
        }}}}}}}}}}}
    }

    /// Writes the pending partial raster row (if any sample is pending) and clears it.
    mutating func flush(into raster: UnsafeMutablePointer<Int32>, rows: inout Int) {
        guard filled > 0 else { return }
        let c = channels, cap = maxSpikes
        sums.withUnsafeMutableBufferPointer { sums in
            guard let base = sums.baseAddress else { return }
            Self.emit(base, c, cap, into: raster + rows * c)
        }
        rows += 1
        filled = 0
    }

    /// Raster rows that `count` more samples complete, plus the partial one when `flush`.
    func rowsCompleted(by count: Int, flush: Bool) -> Int {
        let total = filled + count
        return total / downSamplingFactor + (flush && total % downSamplingFactor > 0 ? 1 : 0)
    }

    /// Clips the sums to `0...cap` into `row` and clears them.
    @inline(__always)
    private static func emit(_ sums: UnsafeMutablePointer<Int>, _ c: Int, _ cap: Int, into row: UnsafeMutablePointer<Int32>) {
        for k in 0..<c {
            row[k] = Int32(truncatingIfNeeded: Swift.min(Swift.max(sums[k], 0), cap))
            sums[k] = 0
        }
    }

    /// Magnitude of a filter output without trapping on `Int.min` (which maps to `Int.max`).
    @inline(__always)
    static func magnitude(_ x: Int) -> Int {
        let m = x &>> 63
        let r = (x ^ m) &- m
        return r < 0 ? .max : r
    }
}
