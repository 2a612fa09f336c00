import CelestaIR
internal import CCPUFeatures
internal import CelestaWideKernels

/// The filterbank kernels `XyloAudio3VectorChain` runs: the chip's filters in 16 32-bit lanes,
/// rows of 16 lanes (four `XyloAudio3Lanes`) in the order of `layout`.
protocol XyloAudio3LaneFilters {
    associatedtype State
    /// Whether the spike generators should run their AVX2 loop (the CPU has been checked).
    static var wide: Bool { get }
    /// nil unless every filter is one the kernel's ranges hold for.
    init?(filters: [XyloAudio3BandPassFilter])
    var layout: XyloAudio3LaneLayout { get }
    /// Zero state.
    var zeroState: State { get }
    /// Filters `count` samples `x[0], x[step], ...`, keeping only the state.
    func advance(_ state: inout State, _ x: UnsafePointer<Int32>, step: Int, count: Int)
    /// Filters `count` samples into rows of `|y|`.
    func magnitudes(_ state: inout State, _ x: UnsafePointer<Int32>, count: Int, into out: UnsafeMutablePointer<XyloAudio3Lanes>)
    /// Filters `count` samples into rows of `y`.
    func outputs(_ state: inout State, _ x: UnsafePointer<Int32>, count: Int, into out: UnsafeMutablePointer<XyloAudio3Lanes>)
}

extension XyloAudio3FilterKernel: XyloAudio3LaneFilters {
    static var wide: Bool { false }
    var zeroState: State { State() }
}

/// The AVX2 filterbank (`CelestaWideKernels.wideFilterAdvance` and its siblings): the chip's
/// filters with lanes in channel order (lane `k` is channel `k`). Lanes past the last channel
/// run channel 0's filter again: the generators' joint maximum spans all 16 lanes, and a copy
/// of a channel never exceeds it (zero coefficients would not do: the input term alone would
/// pass the audio through). Its ranges are those of `XyloAudio3FilterKernel`, whose
/// documentation proves them for the chip's filters; in addition the sum of the input term,
/// `4H` and `Lo / 2^14` stays below 2^31, and `2^(L - T)` is at most 2^8.
///
/// Built only when `available`: the loops are compiled for x86-64-v3 CPUs.
struct XyloAudio3WideFilterKernel: XyloAudio3LaneFilters {
    /// `v[n-1]`, `v[n-2]`, `v[n-3]` of lanes 0-7 and 8-15 as `v ^ 0x8000` (the layout of
    /// `CelestaWideKernels.wideFilterStateBytes`).
    typealias State = (SIMD8<Int32>, SIMD8<Int32>, SIMD8<Int32>, SIMD8<Int32>, SIMD8<Int32>, SIMD8<Int32>)
    static var wide: Bool { true }

    /// Whether this CPU runs the AVX2 loops (checked once).
    static let available = ccpu_x86_64_v3() != 0

    let layout: XyloAudio3LaneLayout
    /// The constants in the layout of `CelestaWideKernels.wideFilterConstantBytes`.
    private let constants: [Int32]

    var zeroState: State {
        let b = SIMD8<Int32>(repeating: 0x8000)
        return (b, b, b, b, b, b)
    }

    init?(filters: [XyloAudio3BandPassFilter]) {
        guard Self.available, filters.count <= XyloAudio3LaneLayout.laneCount,
              filters.allSatisfy({ XyloAudio3ChipTables.filters.contains($0) }),
              MemoryLayout<State>.size == wideFilterStateBytes, MemoryLayout<SIMD8<Int32>>.stride == 32 else { return nil }
        var c = [Int32](repeating: 0, count: wideFilterConstantBytes / 4)
        /// Sets 16-bit word `w` of vector `v` of lane `lane`'s group.
        func word(_ lane: Int, _ v: Int, _ w: Int, _ value: Int) {
            let i = (lane / 8) * 64 + v * 8 + lane % 8
            c[i] = w == 0 ? (c[i] & ~0xFFFF) | Int32(UInt16(truncatingIfNeeded: value)) : (c[i] & 0xFFFF) | Int32(truncatingIfNeeded: value) << 16
        }
        guard let first = filters.first else { return nil }
        for lane in 0..<XyloAudio3LaneLayout.laneCount {
            let f = lane < filters.count ? filters[lane] : first
            let t = f.feedbackShift + f.outputShift, l = f.inputShift + f.feedbackShift
            guard t == 14 || t == 15, (t...(t + 8)).contains(l) else { return nil }
            word(lane, 0, 0, -f.a1)
            word(lane, 1, 1, -f.a1)
            word(lane, 2, 0, -f.a2)
            word(lane, 3, 1, -f.a2)
            let base = (lane / 8) * 64 + lane % 8
            c[base + 4 * 8] = Int32(l - t)
            c[base + 5 * 8] = Int32(16 - t)
            c[base + 6 * 8] = Int32(t)
            c[base + 7 * 8] = Int32(-(f.a1 + f.a2) << (15 - t))
        }
        let lanes = (0..<XyloAudio3LaneLayout.laneCount).map { $0 < filters.count ? $0 : -1 }
        layout = XyloAudio3LaneLayout(channelOfLane: lanes, channels: filters.count)
        constants = c
    }

    func advance(_ state: inout State, _ x: UnsafePointer<Int32>, step: Int, count: Int) {
        constants.withUnsafeBytes { c in
            withUnsafeMutableBytes(of: &state) { wideFilterAdvance(c.baseAddress!, $0.baseAddress!, x, step: step, count: count) }
        }
    }

    func magnitudes(_ state: inout State, _ x: UnsafePointer<Int32>, count: Int, into out: UnsafeMutablePointer<XyloAudio3Lanes>) {
        constants.withUnsafeBytes { c in
            withUnsafeMutableBytes(of: &state) {
                wideFilterMagnitudes(c.baseAddress!, $0.baseAddress!, x, count: count, into: UnsafeMutableRawPointer(out))
            }
        }
    }

    func outputs(_ state: inout State, _ x: UnsafePointer<Int32>, count: Int, into out: UnsafeMutablePointer<XyloAudio3Lanes>) {
        constants.withUnsafeBytes { c in
            withUnsafeMutableBytes(of: &state) {
                wideFilterOutputs(c.baseAddress!, $0.baseAddress!, x, count: count, into: UnsafeMutableRawPointer(out))
            }
        }
    }
}
