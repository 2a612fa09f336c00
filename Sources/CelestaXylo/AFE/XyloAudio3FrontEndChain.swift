import CelestaIR
#if canImport(Glibc)
import Glibc
#endif

/// The filterbank and spike generators of one run of the Xylo Audio 3 front end, in two
/// interchangeable forms that the offline run and the stream drive the same way:
///
/// * `XyloAudio3VectorChain` for the chip's filters (every run through the simulator): a
///   vectorised filter kernel (`XyloAudio3WideFilterKernel` with AVX2, else the SSE2
///   `XyloAudio3FilterKernel`) hands the magnitudes `|y|` in lane order to the vectorised
///   `XyloAudio3SpikeKernel` (AVX2 or SSE2 loops to match), which falls back to the 64-bit
///   generators when its settings or value ranges do not allow 32-bit lanes;
/// * `XyloAudio3PlainChain` for any other filters: the 64-bit state machines of
///   `XyloAudio3FrontEndState.swift` on rows of `Int` in channel order.
///
/// Samples enter as `Int32` with `|x| < 2^13` (checked by the caller).
protocol XyloAudio3Chain {
    /// Element of the rows passed from the filterbank to the generators.
    associatedtype Row
    /// The filterbank's state (saved and restored by the bounded-memory offline run).
    associatedtype Filters

    /// Elements per row.
    var rowWidth: Int { get }
    var channels: Int { get }
    var filters: Filters { get set }

    /// Filters `count` samples, last to first when `reversed`, keeping only the state.
    mutating func advance(_ x: UnsafePointer<Int32>, count: Int, reversed: Bool)
    /// Filters `count` samples into `rows` (`[count][rowWidth]`) and, when `bank` is not nil,
    /// writes the filterbank output there (`[count][channels]`, channel order).
    mutating func filter(_ x: UnsafePointer<Int32>, count: Int, into rows: UnsafeMutablePointer<Row>,
                         bank: UnsafeMutablePointer<Int>?)
    /// Runs the generators on `count` rows, last to first when `reversed`.
    mutating func generate(_ rows: UnsafePointer<Row>, count: Int, reversed: Bool,
                           sink: inout XyloAudio3SpikeGeneratorState.Sink)
    /// Writes the pending partial raster row (see `XyloAudio3SpikeGeneratorState.flush`).
    mutating func flush(into raster: UnsafeMutablePointer<Int32>, rows: inout Int)
    /// Raster rows that `count` more samples complete, plus the partial one when `flush`.
    func rowsCompleted(by count: Int, flush: Bool) -> Int
    /// Which loops run.
    var loops: XyloAudio3FrontEnd.Loops { get }
}

/// The chip's filters and (when the settings allow) vectorised generators, with the filter
/// kernel `K` (and the generators' loops of the same instruction set).
struct XyloAudio3VectorChain<K: XyloAudio3LaneFilters>: XyloAudio3Chain {
    typealias Row = XyloAudio3Lanes
    let kernel: K
    var filters: K.State
    let spikeKernel: XyloAudio3SpikeKernel?
    /// The generators' state: in `fast` while the vectorised kernel runs them, else in `plain`
    /// (which always holds the raster's `filled` count).
    private var fast: XyloAudio3SpikeKernel.State?
    private var plain: XyloAudio3SpikeGeneratorState
    /// Rows handed to the 64-bit generators (channel order) when the vectorised kernel cannot
    /// continue.
    private var converted: [Int] = []

    var rowWidth: Int { 4 }
    var channels: Int { kernel.layout.channels }
    var loops: XyloAudio3FrontEnd.Loops { K.wide ? .avx2 : .sse2 }

    func rowsCompleted(by count: Int, flush: Bool) -> Int { plain.rowsCompleted(by: count, flush: flush) }

    /// nil unless every filter is one of the chip's (see `XyloAudio3FilterKernel`) and, for the
    /// AVX2 kernel, the CPU runs it.
    init?(parameters: XyloAudio3FrontEndParameters) {
        guard let kernel = K(filters: parameters.filters) else { return nil }
        self.kernel = kernel
        filters = kernel.zeroState
        spikeKernel = XyloAudio3SpikeKernel(parameters: parameters, layout: kernel.layout, wide: K.wide)
        plain = XyloAudio3SpikeGeneratorState(parameters: parameters)
        fast = spikeKernel?.state(high: plain.high, accumulator: plain.accumulator, sums: plain.sums, filled: plain.filled)
    }

    mutating func advance(_ x: UnsafePointer<Int32>, count: Int, reversed: Bool) {
        kernel.advance(&filters, reversed ? x + count - 1 : x, step: reversed ? -1 : 1, count: count)
    }

    mutating func filter(_ x: UnsafePointer<Int32>, count: Int, into rows: UnsafeMutablePointer<Row>,
                         bank: UnsafeMutablePointer<Int>?) {
        guard let bank else {
            kernel.magnitudes(&filters, x, count: count, into: rows)
            return
        }
        kernel.outputs(&filters, x, count: count, into: rows)
        let c = channels, lanes = kernel.layout.channelOfLane
        for n in 0..<count {
            let row = rows + 4 * n
            for lane in 0..<XyloAudio3LaneLayout.laneCount where lanes[lane] >= 0 {
                bank[n * c + lanes[lane]] = Int(XyloAudio3LaneLayout.value(row, lane))
            }
            for g in 0..<4 { row[g] = XyloAudio3FilterKernel.magnitude(row[g]) }
        }
    }

    mutating func generate(_ rows: UnsafePointer<Row>, count: Int, reversed: Bool,
                           sink: inout XyloAudio3SpikeGeneratorState.Sink) {
        guard let spikeKernel else {
            plainGenerate(rows, first: 0, count: count, reversed: reversed, sink: &sink)
            return
        }
        let c = channels, spikes = sink.spikes
        withUnsafeTemporaryAllocation(of: XyloAudio3Lanes.self, capacity: XyloAudio3SpikeKernel.blockRows) { thresholds in
            guard let thresholds = thresholds.baseAddress else { return }
            // Blocks in the order processed.
            var done = 0
            while done < count {
                let n = min(XyloAudio3SpikeKernel.blockRows, count - done)
                let first = reversed ? count - done - n : done
                sink.spikes = spikes.map { $0 + done * c }
                if fast == nil {
                    fast = spikeKernel.state(high: plain.high, accumulator: plain.accumulator, sums: plain.sums,
                                             filled: plain.filled)
                }
                if var state = fast, spikeKernel.block(&state, rows + 4 * first, count: n, reversed: reversed,
                                                        thresholds: thresholds, filled: &plain.filled, raster: sink.raster,
                                                        rows: &sink.rows, spikes: sink.spikes) {
                    fast = state
                } else {
                    if let state = fast {
                        spikeKernel.store(state, filled: plain.filled, high: &plain.high, accumulator: &plain.accumulator,
                                          sums: &plain.sums)
                        fast = nil
                    }
                    plainGenerate(rows, first: first, count: n, reversed: reversed, sink: &sink)
                }
                done += n
            }
        }
        sink.spikes = spikes
    }

    /// The 64-bit generators on rows `first ..< first + count` (converted to channel order).
    private mutating func plainGenerate(_ rows: UnsafePointer<Row>, first: Int, count: Int, reversed: Bool,
                                        sink: inout XyloAudio3SpikeGeneratorState.Sink) {
        let c = channels, lanes = kernel.layout.channelOfLane
        if converted.count < count * c { converted = [Int](repeating: 0, count: count * c) }
        converted.withUnsafeMutableBufferPointer { out in
            guard let out = out.baseAddress else { return }
            for i in 0..<count {
                let row = rows + 4 * (first + i)
                for lane in 0..<XyloAudio3LaneLayout.laneCount where lanes[lane] >= 0 {
                    out[i * c + lanes[lane]] = Int(XyloAudio3LaneLayout.value(row, lane))
                }
            }
            plain.run(out, count: count, reversed: reversed, sink: &sink)
        }
    }

    mutating func flush(into raster: UnsafeMutablePointer<Int32>, rows: inout Int) {
        if let state = fast, let spikeKernel {
            spikeKernel.store(state, filled: plain.filled, high: &plain.high, accumulator: &plain.accumulator,
                              sums: &plain.sums)
            fast = nil
        }
        plain.flush(into: raster, rows: &rows)
    }
}

/// Any filters, with the 64-bit state machines.
struct XyloAudio3PlainChain: XyloAudio3Chain {
    typealias Row = Int
    var filters: XyloAudio3FilterbankState
    var generator: XyloAudio3SpikeGeneratorState

    var rowWidth: Int { filters.channels }
    var channels: Int { filters.channels }
    var loops: XyloAudio3FrontEnd.Loops { .scalar }

    func rowsCompleted(by count: Int, flush: Bool) -> Int { generator.rowsCompleted(by: count, flush: flush) }

    init(parameters: XyloAudio3FrontEndParameters) {
        filters = XyloAudio3FilterbankState(filters: parameters.filters)
        generator = XyloAudio3SpikeGeneratorState(parameters: parameters)
    }

    mutating func advance(_ x: UnsafePointer<Int32>, count: Int, reversed: Bool) {
        filters.run(x, count: count, reversed: reversed, into: nil)
    }

    mutating func filter(_ x: UnsafePointer<Int32>, count: Int, into rows: UnsafeMutablePointer<Row>,
                         bank: UnsafeMutablePointer<Int>?) {
        filters.run(x, count: count, reversed: false, into: rows)
        bank?.update(from: rows, count: count * channels)
    }

    mutating func generate(_ rows: UnsafePointer<Row>, count: Int, reversed: Bool,
                           sink: inout XyloAudio3SpikeGeneratorState.Sink) {
        generator.run(rows, count: count, reversed: reversed, sink: &sink)
    }

    mutating func flush(into raster: UnsafeMutablePointer<Int32>, rows: inout Int) {
        generator.flush(into: raster, rows: &rows)
    }
}

extension XyloAudio3FrontEnd {
    /// Which loops run the front end. Every choice gives the same results (all bit-exact).
    public enum Kernels: String, Sendable, CaseIterable {
        /// AVX2 loops on CPUs with the x86-64-v3 level, SSE2 loops elsewhere, 64-bit state
        /// machines for filters other than the chip's. The environment variable
        /// `CELESTA_AFE_KERNELS=portable` (or `sse2`, any case) makes this `portable` (to
        /// compare, or to rule the AVX2 loops out).
        case automatic
        /// Never the AVX2 loops.
        case portable
    }

    /// The loops that run a front end (the name is the raw value).
    public enum Loops: String, Sendable, CaseIterable {
        /// The AVX2 loops for the chip's filters (CPUs with the x86-64-v3 level).
        case avx2
        /// The portable vectorised (SSE2) loops for the chip's filters.
        case sse2
        /// 64-bit state machines, for filters other than the chip's.
        case scalar
    }

    /// Whether this CPU runs the AVX2 loops (`Kernels.automatic` uses them).
    public static var wideKernelsAvailable: Bool { XyloAudio3WideFilterKernel.available }

    /// The loops that run `parameters` with `kernels` on this machine. The spike generators fall
    /// back to 64-bit arithmetic for settings or stretches that leave 32-bit lanes, whatever
    /// this says.
    public static func loops(parameters: XyloAudio3FrontEndParameters, kernels: Kernels = .automatic) -> Loops {
        chain(parameters, kernels).loops
    }

    /// `automatic` unless CELESTA_AFE_KERNELS says `portable` (read once).
    private static let environmentKernels: Kernels = {
        guard let value = getenv("CELESTA_AFE_KERNELS") else { return .automatic }
        // "portable" (or "sse2", any case) rules the AVX2 loops out; anything else changes nothing.
        return ["portable", "sse2"].contains(String(cString: value).lowercased()) ? .portable : .automatic
    }()

    /// The filterbank and generators for `parameters` with `kernels`.
    static func chain(_ parameters: XyloAudio3FrontEndParameters, _ kernels: Kernels) -> any XyloAudio3Chain {
        if kernels == .automatic, environmentKernels == .automatic,
           let chain = XyloAudio3VectorChain<XyloAudio3WideFilterKernel>(parameters: parameters) {
            return chain
        }
        if let chain = XyloAudio3VectorChain<XyloAudio3FilterKernel>(parameters: parameters) { return chain }
        return XyloAudio3PlainChain(parameters: parameters)
    }
}
