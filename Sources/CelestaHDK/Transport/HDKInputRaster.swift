import CelestaIR
import CelestaXylo

/// Input for the SNN core over consecutive time steps, sent in one piece: event counts
/// `[steps][channels]` row-major, each in 0...255, for the time steps `firstTimestep ..<
/// firstTimestep + steps` (absolute, on the kit's time-step counter).
///
/// This is how the driver sends input in accelerated time: one message per block of steps
/// rather than one record per event (on the wire it is one byte per count, see `HDKWire`).
///
/// Who checks what: the initializer checks the shape and every count, and a raster cannot
/// change afterwards, so whoever receives one relies on both without checking again. The
/// driver (`XyloHDK.evolve`) builds one from the caller's input (its one check of the
/// values); transports check only what depends on the kit (the time step, the chip's input
/// channels, the input source).
public struct HDKInputRaster: Sendable, Equatable {
    /// The absolute time step of the first row.
    public let firstTimestep: Int
    /// Number of rows (time steps).
    public let steps: Int
    /// Number of columns (input channels 0..<channels).
    public let channels: Int
    /// The counts, `[steps][channels]` row-major, each in 0...255.
    public let counts: [Int]

    /// A raster of `counts` (`[steps][channels]`). Throws `.outOfRange` for a negative
    /// `steps` or `channels` or a count outside 0...255 (naming its row and column, counted
    /// from 0), `.shapeMismatch` when `counts` does not hold `steps x channels` values.
    public init(firstTimestep: Int, steps: Int, channels: Int, counts: [Int]) throws {
        try XyloSimulator.checkRaster(counts, steps: steps, channels: channels)
        self.init(checked: counts, firstTimestep: firstTimestep, steps: steps, channels: channels)
    }

    /// A raster of counts already known to be valid (rows of a checked raster, or bytes).
    private init(checked counts: [Int], firstTimestep: Int, steps: Int, channels: Int) {
        self.firstTimestep = firstTimestep
        self.steps = steps
        self.channels = channels
        self.counts = counts
    }

    /// A raster of one byte per count (the wire format's encoding; every byte is a valid
    /// count). Throws `.shapeMismatch` when `bytes` does not hold `steps x channels` values.
    public init<Bytes: Collection>(firstTimestep: Int, steps: Int, channels: Int, bytes: Bytes) throws where Bytes.Element == UInt8 {
        let (needed, overflow) = steps.multipliedReportingOverflow(by: channels)
        guard steps >= 0, channels >= 0, !overflow, bytes.count == needed else {
            throw CelestaError(.shapeMismatch, "an input raster of [\(steps)][\(channels)] has \(bytes.count) counts")
        }
        self.init(checked: bytes.map { Int($0) }, firstTimestep: firstTimestep, steps: steps, channels: channels)
    }

    /// Rows `range` (clamped to 0..<steps) as a raster of their own, its first row at time
    /// step `firstTimestep + lower bound + shift` (saturating). All rows come back without a
    /// copy.
    public func rows(_ range: Range<Int>, shiftedBy shift: Int = 0) -> HDKInputRaster {
        let lo = min(max(range.lowerBound, 0), steps), hi = min(max(range.upperBound, lo), steps)
        func add(_ a: Int, _ b: Int) -> Int {
            let (sum, overflow) = a.addingReportingOverflow(b)
            return overflow ? (b < 0 ? .min : .max) : sum
        }
        let start = add(add(firstTimestep, lo), shift)
        if hi - lo == steps { return HDKInputRaster(checked: counts, firstTimestep: start, steps: steps, channels: channels) }
        return HDKInputRaster(checked: Array(counts[lo * channels..<hi * channels]), firstTimestep: start, steps: hi - lo, channels: channels)
    }
}
