import CelestaIR
/// The on-chip PDM decimation filter of Xylo Audio 3 as a stream: microphone bits (0/1) go in,
/// one audio sample comes out every `decimationFactor` bits.
///
/// Output `m` is `y[m] = sum_j taps[j] * b[decimationFactor*m - j]` (bits before the first are
/// 0), turned into audio as `(2*y[m] - sum(taps)) >> outputShift`; it is produced as soon as bit
/// `decimationFactor*m` has arrived. `flush()` feeds 0 bits until the outputs that a full
/// convolution has past the end of the stream (`ceil(taps.count / decimationFactor)`) are out,
/// so that push-everything-then-flush equals `XyloAudio3FrontEnd.pdmDecimate`.
struct XyloAudio3PDMDecimator {
    let decimationFactor: Int
    let outputShift: Int
    private let tapCount: Int
    private let tapSum: Int
    /// Taps last to first, as `Int32` (the sum of their magnitudes fits 32 bits), so that the
    /// dot product runs forward over both arrays.
    private let reversedTaps: [Int32]
    /// The last `tapCount - 1` bits as masks (0 or -1 for a 1 bit), oldest first.
    private var history: [Int32]
    /// Bits received since creation or `reset()` (including flushed zeros).
    private(set) var bitsSeen = 0

    /// `taps` must be validated by the caller (non-empty, each magnitude at most 2^24, at most
    /// 64 taps of that size), `decimationFactor > 0` and `outputShift` in 0...62.
    init(taps: [Int], decimationFactor: Int, outputShift: Int) {
        self.decimationFactor = decimationFactor
        self.outputShift = outputShift
        tapCount = taps.count
        tapSum = taps.reduce(0, &+)
        reversedTaps = taps.reversed().map { Int32(truncatingIfNeeded: $0) }
        history = Array(repeating: 0, count: taps.count - 1)
    }

    /// Returns to the state before the first bit.
    mutating func reset() {
        for i in history.indices { history[i] = 0 }
        bitsSeen = 0
    }

    /// Audio samples that `count` more bits produce.
    func outputs(forBits count: Int) -> Int {
        Self.multiples(of: decimationFactor, below: bitsSeen + count) - Self.multiples(of: decimationFactor, below: bitsSeen)
    }

    /// Audio samples that `flush()` produces.
    var flushOutputs: Int { (tapCount + decimationFactor - 1) / decimationFactor }

    /// Zero bits that `flush()` feeds.
    private var flushBits: Int {
        let next = Self.multiples(of: decimationFactor, below: bitsSeen)
        return decimationFactor * (next + flushOutputs - 1) + 1 - bitsSeen
    }

    /// Feeds bits (each 0 or 1) and appends the audio samples they complete to `audio`.
    mutating func push(_ bits: UnsafeBufferPointer<Int8>, into audio: inout [Int]) {
        let keep = tapCount - 1
        var window = history
        window.reserveCapacity(keep + bits.count)
        for bit in bits { window.append(bit != 0 ? -1 : 0) }
        let start = bitsSeen
        let first = Self.multiples(of: decimationFactor, below: start) * decimationFactor
        let factor = decimationFactor, shift = outputShift, sum = tapSum, taps = tapCount
        window.withUnsafeBufferPointer { w in
            reversedTaps.withUnsafeBufferPointer { h in
                guard let w = w.baseAddress, let h = h.baseAddress else { return }
                var position = first
                while position < start + bits.count {
                    // Bits position - taps + 1 ... position sit at window[position - start ...].
                    let base = w + (position - start)
                    var y: Int32 = 0
                    for j in 0..<taps { y &+= h[j] & base[j] }
                    audio.append(((2 &* Int(y)) &- sum) &>> shift)
                    position += factor
                }
            }
        }
        bitsSeen += bits.count
        history = Array(window.suffix(keep))
    }

    /// Feeds the zero bits that end the stream like the offline convolution (see above).
    mutating func flush(into audio: inout [Int]) {
        let zeros = [Int8](repeating: 0, count: flushBits)
        zeros.withUnsafeBufferPointer { push($0, into: &audio) }
    }

    /// Number of multiples of `factor` in `0..<bound`.
    private static func multiples(of factor: Int, below bound: Int) -> Int {
        bound <= 0 ? 0 : (bound - 1) / factor + 1
    }
}
