import CelestaIR
import CelestaXylo
import Foundation
import XCTest

/// The vectorised Xylo Audio 3 front end (the chip's filters in 32-bit lanes with 16-bit
/// products, the spike generators in 32-bit lanes with a 64-bit fallback) against a plain
/// scalar model written here from the rules (`FACTS` section 8 of the shared reference), on
/// random audio, every offline path, several chunkings of the stream and settings that take
/// the generators out of the 32-bit range.
final class AFEFastPathTests: XCTestCase {
    // MARK: - Scalar model

    private struct Model {
        let p: XyloAudio3FrontEndParameters

        /// `[N][C]` filter outputs, two shifts per step as on the chip.
        func filterbank(_ audio: [Int], prefix: Bool) -> [[Int]] {
            let input = (prefix ? audio.reversed() : []) + audio
            var out = Array(repeating: [Int](repeating: 0, count: p.channelCount), count: audio.count)
            for (k, f) in p.filters.enumerated() {
                var v1 = 0, v2 = 0, v3 = 0
                for (i, s) in input.enumerated() {
                    let n = i - (prefix ? audio.count : 0)
                    if n >= 0 { out[n][k] = v1 - v3 }
                    let feedback = (-f.a2 * v2 - f.a1 * v1) >> f.feedbackShift
                    (v3, v2, v1) = (v2, v1, ((s << f.inputShift) + feedback) >> f.outputShift)
                }
            }
            return out
        }

        /// `[N][C]` spikes of the divisive-normalisation generators.
        func spikes(_ bank: [[Int]], prefix: Bool) -> [[Int]] {
            let c = p.channelCount
            var high = [Int](repeating: 0, count: c), acc = high
            var out = [[Int]]()
            for (i, row) in ((prefix ? bank.reversed() : []) + bank).enumerated() {
                var thresholds = [Int](repeating: 0, count: c)
                for k in 0..<c {
                    let low = high[k] >> p.lowPassShift[k]
                    high[k] = high[k] - low + abs(row[k])
                    let t = max(low, p.eps[k])
                    thresholds[k] = (t << p.spikeRateScaleShift1[k]) - (t << p.spikeRateScaleShift2[k])
                }
                let joint = thresholds.max() ?? 0
                var spikes = [Int](repeating: 0, count: c)
                for k in 0..<c {
                    let threshold = p.enableChannel[k] ? (p.jointNormalization ? joint : thresholds[k]) : p.fixedThreshold[k]
                    acc[k] += abs(row[k])
                    if acc[k] >= threshold {
                        acc[k] -= threshold
                        spikes[k] = 1
                    }
                }
                if i >= (prefix ? bank.count : 0) { out.append(spikes) }
            }
            return out
        }

        func raster(_ spikes: [[Int]]) -> [[Int]] {
            stride(from: 0, to: spikes.count, by: p.rasterDownSamplingFactor).map { start in
                let rows = spikes[start..<min(start + p.rasterDownSamplingFactor, spikes.count)]
                return (0..<p.channelCount).map { k in min(rows.reduce(0) { $0 + $1[k] }, p.rasterMaxSpikes) }
            }
        }
    }

    // MARK: - Signals and settings

    /// 14-bit audio: noise, tones and chirps at several levels, silent stretches and onsets at
    /// full scale (which drive the low filters near their largest values).
    private static func audio(_ n: Int, seed: UInt64) -> [Int] {
        var random = SimulatorDifferentialTests.Generator(state: seed)
        var out = [Int](repeating: 0, count: n)
        var phase = 0.0
        for i in 0..<n {
            let section = (i / 997) % 6
            let f = [40.0, 440, 3000, 12000, 90, 800][section] * (1 + Double(i % 997) / 2000)
            phase += 2 * .pi * f / XyloAudio3FrontEnd.audioSampleRate
            let level = [1.0, 0.3, 0.01, 0.999, 0, 0.6][section]
            let noise = [0.0, 0.2, 0.5, 0.0, 0.0, 1.0][section]
            let uniform = Double(random.next() >> 11) / Double(1 << 53) * 2 - 1
            let x = level * ((1 - noise) * sin(phase) + noise * uniform)
            out[i] = max(-8191, min(8191, Int((x * 8191).rounded(.towardZero))))
        }
        return out
    }

    private static func parameters(
        _ indices: [Int] = Array(0..<16), enabled: Bool = true, shift1: Int = 6, shift2: Int = 0,
        lowPass: Int = 12, eps: Int = 1, fixed: Int = 1 << 27, factor: Int = 50
    ) throws -> XyloAudio3FrontEndParameters {
        let c = indices.count
        return try XyloAudio3FrontEndParameters(
            filters: indices.map { XyloAudio3ChipTables.filters[$0] },
            enableChannel: Array(repeating: enabled, count: c),
            spikeRateScaleShift1: Array(repeating: shift1, count: c),
            spikeRateScaleShift2: Array(repeating: shift2, count: c),
            lowPassShift: Array(repeating: lowPass, count: c),
            eps: Array(repeating: eps, count: c),
            fixedThreshold: Array(repeating: fixed, count: c),
            rasterDownSamplingFactor: factor)
    }

    // MARK: - Checks

    /// Every offline path and the stream in several chunkings against the model.
    private func check(_ params: XyloAudio3FrontEndParameters, _ audio: [Int], _ label: String,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let model = Model(p: params)
        let c = params.channelCount
        for prefix in [true, false] {
            let bank = model.filterbank(audio, prefix: prefix)
            let spikes = model.spikes(bank, prefix: prefix)
            let raster = model.raster(spikes).flatMap { $0 }.map(Int32.init)
            // Every set of loops this machine has (AVX2 where the CPU allows, and SSE2).
            for kernels in XyloAudio3FrontEnd.Kernels.allCases {
                let recorded = try XyloAudio3FrontEnd.run(audio: audio, parameters: params, timeReversedPrefix: prefix, record: true,
                                                          kernels: kernels)
                let what = "\(label), \(XyloAudio3FrontEnd.loops(parameters: params, kernels: kernels).rawValue) loops"
                XCTAssertEqual(recorded.filterbank, bank.flatMap { $0 }, "\(what): filterbank, prefix \(prefix)", file: file, line: line)
                XCTAssertEqual(recorded.spikes, spikes.flatMap { $0 }.map(Int32.init), "\(what): spikes, prefix \(prefix)", file: file, line: line)
                XCTAssertEqual(recorded.raster, raster, "\(what): raster (recorded), prefix \(prefix)", file: file, line: line)
                for budget in [Int.max, 0] {
                    let out = try XyloAudio3FrontEnd.run(audio: audio, parameters: params, timeReversedPrefix: prefix,
                                                         memoryBudget: budget, kernels: kernels)
                    XCTAssertEqual(out.raster, raster, "\(what): raster, prefix \(prefix), budget \(budget)", file: file, line: line)
                }
                guard !prefix else { continue }
                for sizes in [[1], [7, 50, 3], [256], [1000, 1, 4097], [audio.count]] {
                    let stream = XyloAudio3FrontEndStream(parameters: params, kernels: kernels)
                    var streamBank = [Int](), streamSpikes = [Int32](), streamRaster = [Int32]()
                    var start = 0, i = 0
                    while start < audio.count {
                        let end = min(start + sizes[i % sizes.count], audio.count)
                        let out = try stream.push(Array(audio[start..<end]), record: true, flush: end == audio.count)
                        streamBank += out.filterbank ?? []
                        streamSpikes += out.spikes ?? []
                        streamRaster += out.raster
                        start = end
                        i += 1
                    }
                    XCTAssertEqual(streamBank, recorded.filterbank, "\(what): stream filterbank, chunks \(sizes)", file: file, line: line)
                    XCTAssertEqual(streamSpikes, recorded.spikes, "\(what): stream spikes, chunks \(sizes)", file: file, line: line)
                    XCTAssertEqual(streamRaster, raster, "\(what): stream raster, chunks \(sizes)", file: file, line: line)
                }
            }
            XCTAssertEqual(raster.count, (audio.count + params.rasterDownSamplingFactor - 1) / params.rasterDownSamplingFactor * c)
        }
    }

    func testRandomAudioMatchesScalarModel() throws {
        let params = try Self.parameters()
        for (seed, n) in [(1, 6000), (2, 7333), (3, 257)] as [(UInt64, Int)] {
            try check(params, Self.audio(n, seed: seed), "seed \(seed)")
        }
        XCTAssertGreaterThan(Model(p: params).spikes(Model(p: params).filterbank(Self.audio(6000, seed: 1), prefix: true),
                                                     prefix: true).joined().reduce(0, +), 300)
    }

    /// Subsets and orders of the chip's filters put the `T = 15` filters (13-15) and padding in
    /// other lanes; other generator settings take other shifts.
    func testSelectionsAndSettings() throws {
        let audio = Self.audio(4000, seed: 9)
        for indices in [[15, 3, 0, 12, 13], [14], [13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [5, 1], Array(0..<13)] {
            try check(Self.parameters(indices), audio, "filters \(indices)")
        }
        // A tone at a quarter of the sample rate, far above the selected low bands: the
        // channels' estimates stay small, so lanes past the last channel must add nothing.
        let quarter = (0..<3000).map { [0, 4000, 0, -4000][$0 % 4] }
        for indices in [[0], [0, 1], Array(0..<9)] {
            try check(Self.parameters(indices), quarter, "quarter-rate tone, filters \(indices)")
        }
        try check(Self.parameters(lowPass: 8, eps: 300), audio, "B = 8, EPS 300")
        try check(Self.parameters(shift1: 4, shift2: 1, lowPass: 15, factor: 7), audio, "K = (4, 1), B = 15, factor 7")
        try check(Self.parameters(lowPass: 0), audio, "B = 0 (64-bit generators)")
        try check(Self.parameters(enabled: false, fixed: 40000), audio, "fixed thresholds (64-bit generators)")
    }

    /// Settings whose thresholds or accumulators leave the 32-bit lanes: the blocks concerned
    /// run on the 64-bit generators and the results stay exact.
    func testOutOfRangeFallsBackExactly() throws {
        let audio = Self.audio(5000, seed: 4)
        // Threshold 0: every lane spikes every sample and the accumulators grow past 2^30.
        try check(Self.parameters(shift1: 3, shift2: 3, eps: 0), audio, "threshold 0")
        // Thresholds above 2^30 from the first non-zero estimate on.
        try check(Self.parameters(shift1: 31, shift2: 0), audio, "thresholds above 2^30")
        // Estimates between 2^23 and 2^29 (a loud tone at filter 0's centre, K = (1, 0)): the
        // SSE2 loops fall back to 64 bits there, the AVX2 loops take them in 32-bit lanes.
        let loud = (0..<20000).map { Int(8191 * sin(2 * Double.pi * 40 * Double($0) / XyloAudio3FrontEnd.audioSampleRate)) }
        try check(Self.parameters([0, 1], shift1: 1, shift2: 0), loud, "K = (1, 0), loud low tone")
        // EPS large enough for the 64-bit generators only.
        try check(Self.parameters(eps: 1 << 23), audio, "EPS 2^23")
    }

    /// Which loops run: AVX2 for the chip's filters where the CPU has it (unless `portable` is
    /// asked for), SSE2 otherwise, the 64-bit state machines for other filters.
    func testLoopsChosen() throws {
        let chip = try Self.parameters()
        XCTAssertEqual(XyloAudio3FrontEnd.loops(parameters: chip, kernels: .portable), .sse2)
        let automatic = XyloAudio3FrontEnd.loops(parameters: chip)
        let viaEnvironment = ProcessInfo.processInfo.environment["CELESTA_AFE_KERNELS"] == "portable"
        XCTAssertEqual(automatic, XyloAudio3FrontEnd.wideKernelsAvailable && !viaEnvironment ? .avx2 : .sse2)
        XCTAssertEqual(XyloAudio3FrontEndStream(parameters: chip).loops, automatic)
        XCTAssertEqual(XyloAudio3FrontEndStream(parameters: chip, kernels: .portable).loops, .sse2)
        let other = try XyloAudio3FrontEndParameters(
            filters: [try XyloAudio3BandPassFilter(a1: -30000, a2: 15000, inputShift: 8, feedbackShift: 9, outputShift: 5)],
            enableChannel: [true], spikeRateScaleShift1: [6], spikeRateScaleShift2: [0], lowPassShift: [12], eps: [1],
            fixedThreshold: [1 << 27], rasterDownSamplingFactor: 50)
        XCTAssertEqual(XyloAudio3FrontEnd.loops(parameters: other), .scalar)
        print("AFE loops on this machine: \(automatic.rawValue)")
    }

    /// The ranges that make the 16-bit products and 32-bit sums of `XyloAudio3FilterKernel`
    /// exact, recomputed from the chip's filter table.
    func testChipFilterBounds() {
        for (index, f) in XyloAudio3ChipTables.filters.enumerated() {
            let t = f.feedbackShift + f.outputShift
            XCTAssertTrue(t == 14 || t == 15, "filter \(index): B_af + B_b = \(t)")
            XCTAssertGreaterThanOrEqual(f.inputShift + f.feedbackShift, 14, "filter \(index): L >= 14")
            XCTAssertLessThanOrEqual(f.inputShift + f.feedbackShift - 14, 8, "filter \(index): 2^(L-14) fits 16 bits")
            // L1 norm of the impulse response of 1 / (1 + a1/2^T z^-1 + a2/2^T z^-2).
            let a1 = Double(f.a1) / Double(1 << t), a2 = Double(f.a2) / Double(1 << t)
            XCTAssertLessThan(a2, 1, "filter \(index) is stable")
            var (y1, y2, l1) = (0.0, 0.0, 0.0)
            for n in 0..<200_000 {
                let y = (n == 0 ? 1 : 0) - a1 * y1 - a2 * y2
                l1 += abs(y)
                (y2, y1) = (y1, y)
            }
            // The tail after 200000 samples is below a2^(100000) of the start: negligible.
            let bound = l1 * (8191 * pow(2, Double(f.inputShift - f.outputShift)) + 2)
            XCTAssertLessThan(bound, pow(2, 27.5), "filter \(index): |v| bound \(bound)")
            XCTAssertLessThan((abs(f.a1) + abs(f.a2)) << 15, 1 << 31, "filter \(index): |Lo| < 2^31")
            XCTAssertLessThan(Double(abs(f.a1) + abs(f.a2)) * 4 * pow(2, 11.5), pow(2, 30), "filter \(index): |4H| < 2^30")
            if t == 14 && index != 15 {
                XCTAssertNotNil(Int16(exactly: -2 * (f.a1 + f.a2)), "filter \(index): folded constant fits 16 bits")
            }
        }
    }
}
