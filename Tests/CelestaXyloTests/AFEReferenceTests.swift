import CelestaIR
import CelestaXylo
import Foundation
import XCTest

/// The Xylo Audio 3 digital audio front end against the shared bit-exact vectors
/// (`Tests/Fixtures/xylo/a3_afe_*.json`, Rockpool 3.1.0 integer stage functions), plus the
/// streaming processor, the offline/streaming conventions and the error paths.
final class AFEReferenceTests: XCTestCase {
    // Decoded with JSONDecoder: JSONSerialization misreads some 17-digit doubles on Linux, and
    // the float `signal` must be exact for the 14-bit quantization.
    private struct CaseFile: Decodable, Sendable {
        let signal: [Double]
        let params: Params
        let stages: Stages
    }

    private struct Params: Decodable, Sendable {
        let input_mode: String
        let filters: [Filter]
        let dn_enable_channel: [Int]
        let dn_spike_rate_scale_bitshift1: [Int]
        let dn_spike_rate_scale_bitshift2: [Int]
        let dn_low_pass_bitshift: [Int]
        let dn_EPS: [Int]
        let dn_fixed_threshold: [Int]
        let dn_joint_normalization: Bool
        let raster_down_sampling_factor: Int
        let raster_max_spikes: Int
    }

    private struct Filter: Decodable, Sendable {
        let a1: Int
        let a2: Int
        let B_wf: Int
        let B_af: Int
        let B_b: Int
        let b: [Int]
    }

    private struct Stages: Decodable, Sendable {
        let audio_14bit: [Int]
        let filterbank: [[Int]]
        let dn_spikes: [[Int]]
        let raster: [[Int]]
        let pdm_bits: [Int]?
        let pdm_fir: PDMFIR?
    }

    private struct PDMFIR: Decodable, Sendable {
        let taps: [Int]
        let n_taps: Int
        let decimation_factor: Int
        let num_bits_output_pre_Q: Int
        let num_bits_output: Int
        let dc_offset_sum_taps: Int
    }

    private static func load(_ name: String) -> Result<CaseFile, Error> {
        Result {
            let url = Fixtures.root.appendingPathComponent("xylo/\(name).json")
            return try JSONDecoder().decode(CaseFile.self, from: Data(contentsOf: url))
        }
    }

    private static let external = load("a3_afe_external_dn")
    private static let pdm = load("a3_afe_pdm_dn")

    /// Builds the engine's parameters from the file's `params` (the parsing lives in the test).
    private static func parameters(_ p: Params) throws -> XyloAudio3FrontEndParameters {
        let filters = try p.filters.map { f -> XyloAudio3BandPassFilter in
            XCTAssertEqual(f.b, [1, 0, -1], "the chip's numerator is fixed to 1 - z^-2")
            return try XyloAudio3BandPassFilter(
                a1: f.a1, a2: f.a2, inputShift: f.B_wf, feedbackShift: f.B_af, outputShift: f.B_b)
        }
        return try XyloAudio3FrontEndParameters(
            filters: filters,
            enableChannel: p.dn_enable_channel.map { $0 != 0 },
            spikeRateScaleShift1: p.dn_spike_rate_scale_bitshift1,
            spikeRateScaleShift2: p.dn_spike_rate_scale_bitshift2,
            lowPassShift: p.dn_low_pass_bitshift,
            eps: p.dn_EPS,
            fixedThreshold: p.dn_fixed_threshold,
            jointNormalization: p.dn_joint_normalization,
            rasterDownSamplingFactor: p.raster_down_sampling_factor,
            rasterMaxSpikes: p.raster_max_spikes)
    }

    private static func total(_ rows: [[Int]]) -> Int { rows.reduce(0) { $0 + $1.reduce(0, +) } }

    /// Compares filterbank, spikes and raster of `audio` with the recorded stages.
    private func checkChain(_ file: CaseFile, audio: [Int], params: XyloAudio3FrontEndParameters) throws {
        let n = file.stages.audio_14bit.count
        XCTAssertEqual(params.channelCount, 16)
        XCTAssertEqual(file.stages.filterbank.count, n)
        XCTAssertEqual(file.stages.dn_spikes.count, n)
        XCTAssertEqual(file.stages.raster.count, (n + 49) / 50)

        let bank = try XyloAudio3FrontEnd.filterbank(audio, parameters: params)
        XCTAssertEqual(bank.count, n)
        XCTAssertTrue(bank == file.stages.filterbank, "filterbank differs")
        if let i = bank.indices.first(where: { $0 < file.stages.filterbank.count && bank[$0] != file.stages.filterbank[$0] }) {
            XCTFail("first filterbank difference at sample \(i): \(bank[i]) vs \(file.stages.filterbank[i])")
        }

        let spikes = try XyloAudio3FrontEnd.spikes(file.stages.filterbank, parameters: params)
        XCTAssertEqual(spikes.count, n)
        XCTAssertTrue(spikes == file.stages.dn_spikes, "spikes differ")
        if let i = spikes.indices.first(where: { $0 < file.stages.dn_spikes.count && spikes[$0] != file.stages.dn_spikes[$0] }) {
            XCTFail("first spike difference at sample \(i): \(spikes[i]) vs \(file.stages.dn_spikes[i])")
        }
        XCTAssertGreaterThan(Self.total(spikes), 100)

        let raster = try XyloAudio3FrontEnd.raster(
            file.stages.dn_spikes, downSamplingFactor: params.rasterDownSamplingFactor,
            maxSpikes: params.rasterMaxSpikes)
        XCTAssertEqual(raster, file.stages.raster)
        XCTAssertGreaterThan(Self.total(raster), 100)

        let chain = try XyloAudio3FrontEnd.process(audio: audio, parameters: params)
        XCTAssertTrue(chain.filterbank == file.stages.filterbank)
        XCTAssertTrue(chain.spikes == file.stages.dn_spikes)
        XCTAssertEqual(chain.raster, file.stages.raster)
    }

    func testExternalInputEveryStage() throws {
        let file = try Self.external.get()
        XCTAssertEqual(file.params.input_mode, "external")
        XCTAssertEqual(file.signal.count, 12207)
        let audio = try XyloAudio3FrontEnd.quantize14(file.signal)
        XCTAssertEqual(audio.count, 12207)
        XCTAssertEqual(audio, file.stages.audio_14bit)
        XCTAssertGreaterThan(audio.map { abs($0) }.max() ?? 0, 1000)
        try checkChain(file, audio: audio, params: Self.parameters(file.params))
    }

    func testPDMInputEveryStage() throws {
        let file = try Self.pdm.get()
        XCTAssertEqual(file.params.input_mode, "pdm")
        let bits = try XCTUnwrap(file.stages.pdm_bits)
        let fir = try XCTUnwrap(file.stages.pdm_fir)
        XCTAssertEqual(bits.count, 390_592)
        XCTAssertEqual(fir.taps.count, fir.n_taps)
        XCTAssertEqual(fir.taps.count, 256)
        XCTAssertEqual(fir.taps.reduce(0, +), fir.dc_offset_sum_taps)
        XCTAssertEqual(fir.num_bits_output, 14)
        let audio = try XyloAudio3FrontEnd.pdmDecimate(
            bits: bits, taps: fir.taps, decimationFactor: fir.decimation_factor,
            outputShift: fir.num_bits_output_pre_Q - fir.num_bits_output)
        XCTAssertEqual(audio.count, (bits.count + 31) / 32 + 8)
        XCTAssertEqual(audio.count, 12214)
        XCTAssertEqual(audio, file.stages.audio_14bit)
        try checkChain(file, audio: audio, params: Self.parameters(file.params))
    }

    // MARK: - Streaming

    private func checkStream(_ file: CaseFile) throws {
        let params = try Self.parameters(file.params)
        let audio = file.stages.audio_14bit
        let offline = try XyloAudio3FrontEnd.process(audio: audio, parameters: params, timeReversedPrefix: false)
        XCTAssertEqual(offline.filterbank.count, audio.count)
        XCTAssertGreaterThan(Self.total(offline.spikes), 100)
        // Without the prefix the start-up transient differs from Rockpool's offline output.
        XCTAssertFalse(offline.filterbank == file.stages.filterbank)
        XCTAssertFalse(offline.spikes == file.stages.dn_spikes)

        var checked = 0
        for chunkSize in [1, 7, 50, 97, 1000, audio.count] {
            let stream = XyloAudio3FrontEndStream(parameters: params)
            var bank = [[Int]](), spikes = [[Int]](), raster = [[Int]]()
            var start = 0
            while start < audio.count {
                let end = min(start + chunkSize, audio.count)
                let chunk = try stream.process(Array(audio[start..<end]))
                XCTAssertEqual(chunk.filterbank.count, end - start)
                bank += chunk.filterbank
                spikes += chunk.spikes
                raster += chunk.raster
                start = end
            }
            raster += stream.finish()
            XCTAssertEqual(stream.samplesProcessed, audio.count)
            XCTAssertTrue(bank == offline.filterbank, "filterbank, chunk size \(chunkSize)")
            XCTAssertTrue(spikes == offline.spikes, "spikes, chunk size \(chunkSize)")
            XCTAssertEqual(raster, offline.raster, "raster, chunk size \(chunkSize)")
            XCTAssertEqual(stream.finish(), [])
            checked += 1

            // After reset the stream starts again from zero state.
            stream.reset()
            let again = try stream.process(Array(audio.prefix(120)))
            XCTAssertTrue(again.filterbank == Array(offline.filterbank.prefix(120)))
            XCTAssertEqual(again.raster, Array(offline.raster.prefix(2)))
        }
        XCTAssertEqual(checked, 6)
    }

    func testStreamChunkInvarianceExternal() throws { try checkStream(Self.external.get()) }
    func testStreamChunkInvariancePDM() throws { try checkStream(Self.pdm.get()) }

    // MARK: - Small hand-checked cases

    private static func smallParameters(
        channels: Int = 2, enabled: Bool = true, fixedThreshold: Int = 0, joint: Bool = true,
        factor: Int = 50, maxSpikes: Int = 15
    ) throws -> XyloAudio3FrontEndParameters {
        let filter = try XyloAudio3BandPassFilter(a1: -32694, a2: 16313, inputShift: 8, feedbackShift: 6, outputShift: 8)
        return try XyloAudio3FrontEndParameters(
            filters: Array(repeating: filter, count: channels),
            enableChannel: Array(repeating: enabled, count: channels),
            spikeRateScaleShift1: Array(repeating: 6, count: channels),
            spikeRateScaleShift2: Array(repeating: 0, count: channels),
            lowPassShift: Array(repeating: 12, count: channels),
            eps: Array(repeating: 1, count: channels),
            fixedThreshold: Array(repeating: fixedThreshold, count: channels),
            jointNormalization: joint,
            rasterDownSamplingFactor: factor,
            rasterMaxSpikes: maxSpikes)
    }

    func testFilterLatchAndNumerator() throws {
        let params = try Self.smallParameters(channels: 1)
        // Impulse: v[0] = (1 << 8) >> 8 = 1, seen one sample later through the latch.
        let out = try XyloAudio3FrontEnd.filterbank([1, 0, 0, 0], parameters: params, timeReversedPrefix: false)
        XCTAssertEqual(out.count, 4)
        XCTAssertEqual(out[0], [0])
        XCTAssertEqual(out[1], [1])
        // v[1] = ((0) + ((-a2*0 - a1*1) >> 6)) >> 8 = (32694 >> 6) >> 8 = 510 >> 8 = 1
        XCTAssertEqual(out[2], [1])
        XCTAssertEqual(try XyloAudio3FrontEnd.filterbank([], parameters: params), [])
    }

    /// The filterbank (fast kernel for the chip's filters, in any selection and order, and the
    /// generic loop for other filters) against the two-shift recursion written out per sample,
    /// on full-scale audio that drives the low filters near their largest values.
    func testFilterbankMatchesRecursionForAnySelection() throws {
        let chip = XyloAudio3ChipTables.filters
        let other = try XyloAudio3BandPassFilter(a1: -30000, a2: 15000, inputShift: 3, feedbackShift: 5, outputShift: 9)
        let selections: [[XyloAudio3BandPassFilter]] = [
            chip, [15, 3, 0, 12, 13].map { chip[$0] }, [chip[10], chip[11], other], [other],
        ]
        let n = 3000
        let audio = (0..<n).map { i -> Int in
            let tone = 8191 * sin(2 * Double.pi * 40 * Double(i) / 48_828.125)
            return max(-8191, min(8191, Int(tone.rounded()) + (i % 7 == 0 ? 500 : 0)))
        }
        for filters in selections {
            let c = filters.count
            let params = try XyloAudio3FrontEndParameters(
                filters: filters, enableChannel: Array(repeating: true, count: c),
                spikeRateScaleShift1: Array(repeating: 6, count: c), spikeRateScaleShift2: Array(repeating: 0, count: c),
                lowPassShift: Array(repeating: 12, count: c), eps: Array(repeating: 1, count: c),
                fixedThreshold: Array(repeating: 0, count: c))
            for prefix in [false, true] {
                var expected = Array(repeating: [Int](repeating: 0, count: c), count: n)
                for (k, f) in filters.enumerated() {
                    var v1 = 0, v2 = 0, v3 = 0
                    for (i, s) in ((prefix ? audio.reversed() : []) + audio).enumerated() {
                        if i >= (prefix ? n : 0) { expected[i - (prefix ? n : 0)][k] = v1 - v3 }
                        let feedback = (-f.a2 * v2 - f.a1 * v1) >> f.feedbackShift
                        (v3, v2, v1) = (v2, v1, ((s << f.inputShift) + feedback) >> f.outputShift)
                    }
                }
                let got = try XyloAudio3FrontEnd.filterbank(audio, parameters: params, timeReversedPrefix: prefix)
                XCTAssertEqual(got, expected, "\(c) channels, prefix \(prefix)")
            }
        }
    }

    func testDisabledChannelUsesFixedThreshold() throws {
        // Threshold 0: every sample spikes (at most once).
        let zero = try Self.smallParameters(channels: 2, enabled: false, fixedThreshold: 0)
        let bank = [[5, 0], [1000, 7], [0, 0]]
        XCTAssertEqual(try XyloAudio3FrontEnd.spikes(bank, parameters: zero, timeReversedPrefix: false),
                       [[1, 1], [1, 1], [1, 1]])
        // Threshold 10: accumulate |x| and fire when it reaches 10, subtracting 10.
        let ten = try Self.smallParameters(channels: 1, enabled: false, fixedThreshold: 10, joint: false)
        let spikes = try XyloAudio3FrontEnd.spikes([[-4], [4], [4], [-100], [0], [0]], parameters: ten,
                                                   timeReversedPrefix: false)
        XCTAssertEqual(spikes, [[0], [0], [1], [1], [1], [1]])
    }

    func testRasterBlocksPartialAndClip() throws {
        let ones = Array(repeating: [1, 0, 1], count: 25)
        XCTAssertEqual(try XyloAudio3FrontEnd.raster(ones, downSamplingFactor: 10, maxSpikes: 15),
                       [[10, 0, 10], [10, 0, 10], [5, 0, 5]])
        XCTAssertEqual(try XyloAudio3FrontEnd.raster(ones, downSamplingFactor: 10, maxSpikes: 7),
                       [[7, 0, 7], [7, 0, 7], [5, 0, 5]])
        XCTAssertEqual(try XyloAudio3FrontEnd.raster([]), [])
    }

    // MARK: - Errors

    private func assertError(
        _ code: StatusCode, containing text: String, file: StaticString = #filePath, line: UInt = #line,
        _ body: () throws -> Void
    ) {
        do {
            try body()
            XCTFail("expected \(code)", file: file, line: line)
        } catch let error as CelestaError {
            XCTAssertEqual(error.code, code, error.message, file: file, line: line)
            XCTAssertTrue(error.message.contains(text), error.message, file: file, line: line)
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
    }

    func testSampleOutOfRange() throws {
        XCTAssertEqual(try XyloAudio3FrontEnd.quantize14([0.5, -0.5, 0.99987, -0.0001]), [4096, -4096, 8190, 0])
        assertError(.outOfRange, containing: "sample 2 = 1.0") { _ = try XyloAudio3FrontEnd.quantize14([0, 0.1, 1.0]) }
        assertError(.outOfRange, containing: "sample 0") { _ = try XyloAudio3FrontEnd.quantize14([-1.5]) }
        assertError(.outOfRange, containing: "sample 1") { _ = try XyloAudio3FrontEnd.quantize14([0, .nan]) }
        assertError(.outOfRange, containing: "sample 1") { _ = try XyloAudio3FrontEnd.quantize14([0, .infinity]) }

        let params = try Self.smallParameters()
        assertError(.outOfRange, containing: "sample 3 = 8192") {
            _ = try XyloAudio3FrontEnd.filterbank([0, 1, -8191, 8192], parameters: params)
        }
        assertError(.outOfRange, containing: "sample 0 = -9000") {
            _ = try XyloAudio3FrontEnd.process(audio: [-9000], parameters: params)
        }
        let stream = XyloAudio3FrontEndStream(parameters: params)
        _ = try stream.process([1, 2, 3])
        assertError(.outOfRange, containing: "sample 4 = \(Int.min)") { _ = try stream.process([0, Int.min]) }
        XCTAssertEqual(stream.samplesProcessed, 3)
    }

    func testBadParameters() throws {
        assertError(.invalidArgument, containing: "B_af") {
            _ = try XyloAudio3BandPassFilter(a1: 0, a2: 0, inputShift: 8, feedbackShift: -1, outputShift: 8)
        }
        assertError(.invalidArgument, containing: "B_b") {
            _ = try XyloAudio3BandPassFilter(a1: 0, a2: 0, inputShift: 8, feedbackShift: 1, outputShift: 64)
        }
        assertError(.invalidArgument, containing: "a2") {
            _ = try XyloAudio3BandPassFilter(a1: 0, a2: Int.max, inputShift: 8, feedbackShift: 1, outputShift: 8)
        }
        let filter = try XyloAudio3BandPassFilter(a1: 0, a2: 0, inputShift: 8, feedbackShift: 1, outputShift: 8)
        func make(
            filters: Int = 2, enable: Int = 2, shift1: [Int] = [6, 6], lowPass: [Int] = [12, 12],
            eps: [Int] = [1, 1], factor: Int = 50, maxSpikes: Int = 15
        ) throws -> XyloAudio3FrontEndParameters {
            try XyloAudio3FrontEndParameters(
                filters: Array(repeating: filter, count: filters),
                enableChannel: Array(repeating: true, count: enable),
                spikeRateScaleShift1: shift1, spikeRateScaleShift2: [0, 0], lowPassShift: lowPass,
                eps: eps, fixedThreshold: [0, 0],
                rasterDownSamplingFactor: factor, rasterMaxSpikes: maxSpikes)
        }
        XCTAssertEqual(try make().channelCount, 2)
        assertError(.invalidArgument, containing: "at least one filter") { _ = try make(filters: 0) }
        assertError(.invalidArgument, containing: "dn_enable_channel has 3 entries") { _ = try make(enable: 3) }
        assertError(.invalidArgument, containing: "dn_spike_rate_scale_bitshift1[1] = 40") { _ = try make(shift1: [6, 40]) }
        assertError(.invalidArgument, containing: "dn_low_pass_bitshift[0] = -1") { _ = try make(lowPass: [-1, 12]) }
        assertError(.invalidArgument, containing: "dn_EPS[1] = -3") { _ = try make(eps: [1, -3]) }
        assertError(.invalidArgument, containing: "down-sampling factor 0") { _ = try make(factor: 0) }
        assertError(.invalidArgument, containing: "spike cap -1") { _ = try make(maxSpikes: -1) }

        let params = try make()
        assertError(.shapeMismatch, containing: "row 1 has 3 channels") {
            _ = try XyloAudio3FrontEnd.spikes([[0, 0], [0, 0, 0]], parameters: params)
        }
        assertError(.shapeMismatch, containing: "row 2 has 1 channels") {
            _ = try XyloAudio3FrontEnd.raster([[0, 0], [1, 1], [1]])
        }
        assertError(.invalidArgument, containing: "factor -5") {
            _ = try XyloAudio3FrontEnd.raster([[0]], downSamplingFactor: -5)
        }
        assertError(.invalidArgument, containing: "PDM bit 2 = 0") {
            _ = try XyloAudio3FrontEnd.pdmDecimate(bits: [1, -1, 0], taps: [1, 2], outputShift: 7)
        }
        assertError(.invalidArgument, containing: "at least one tap") {
            _ = try XyloAudio3FrontEnd.pdmDecimate(bits: [1], taps: [], outputShift: 7)
        }
        assertError(.invalidArgument, containing: "decimation factor 0") {
            _ = try XyloAudio3FrontEnd.pdmDecimate(bits: [1], taps: [1], decimationFactor: 0, outputShift: 7)
        }
        assertError(.invalidArgument, containing: "output shift 63") {
            _ = try XyloAudio3FrontEnd.pdmDecimate(bits: [1], taps: [1], outputShift: 63)
        }
        assertError(.invalidArgument, containing: "PDM tap 0") {
            _ = try XyloAudio3FrontEnd.pdmDecimate(bits: [1], taps: [Int.min], outputShift: 7)
        }
        // A tiny PDM case by hand: taps [1, 2], factor 2, bits b = [1, 0, 1].
        // y[0] = 1*b0 = 1; y[1] = 1*b2 + 2*b1 = 1; y[2] = 2*b3 (0) = 0 -> (2y - 3) >> 0.
        XCTAssertEqual(try XyloAudio3FrontEnd.pdmDecimate(bits: [1, -1, 1], taps: [1, 2], decimationFactor: 2,
                                                          outputShift: 0), [-1, -1, -3])
    }
}
