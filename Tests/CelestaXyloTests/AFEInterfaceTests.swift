import CelestaIR
import CelestaXylo
import Foundation
import XCTest

/// The layers above the Xylo Audio 3 kernel: Rockpool-named settings, the simulator for both
/// inputs (offline paths with and without stored filterbank output, streaming), the WAV
/// reader and the resampler.
final class AFEInterfaceTests: XCTestCase {
    private struct Case: Decodable {
        struct Stages: Decodable {
            let raster: [[Int]]
            let pdm_bits: [Int]?
        }
        let signal: [Double]
        let stages: Stages
    }

    private static func load(_ name: String) throws -> Case {
        let url = Fixtures.root.appendingPathComponent("xylo/\(name).json")
        return try JSONDecoder().decode(Case.self, from: Data(contentsOf: url))
    }

    func testDefaultSettingsReproduceBothReferenceRasters() throws {
        let external = try Self.load("a3_afe_external_dn")
        let sim = try XyloAudio3FrontEndSimulator(settings: XyloAudio3FrontEndSettings())
        XCTAssertEqual(sim.channelCount, 16)
        XCTAssertEqual(sim.offlineSize(inputCount: external.signal.count).steps, 245)
        let out = try sim.offline(external.signal)
        XCTAssertEqual(out.raster.map(Int.init), external.stages.raster.flatMap { $0 })

        let pdm = try Self.load("a3_afe_pdm_dn")
        let bits = try XCTUnwrap(pdm.stages.pdm_bits).map(Double.init)
        let pdmSim = try XyloAudio3FrontEndSimulator(settings: XyloAudio3FrontEndSettings(inputMode: .pdm))
        XCTAssertEqual(pdmSim.offlineSize(inputCount: bits.count).samples, 12214)
        XCTAssertEqual(try pdmSim.offline(bits).raster.map(Int.init), pdm.stages.raster.flatMap { $0 })
        XCTAssertEqual(XyloAudio3ChipTables.pdmTaps.reduce(0, +), 782020)
    }

    func testOfflinePathsAgree() throws {
        let signal = try Self.load("a3_afe_external_dn").signal
        let params = try XyloAudio3FrontEndSettings().parameters()
        let audio = try XyloAudio3FrontEnd.quantize14(signal)
        for prefix in [true, false] {
            let kept = try XyloAudio3FrontEnd.run(audio: audio, parameters: params, timeReversedPrefix: prefix,
                                                  memoryBudget: Int.max)
            let replayed = try XyloAudio3FrontEnd.run(audio: audio, parameters: params, timeReversedPrefix: prefix,
                                                      memoryBudget: 0)
            let recorded = try XyloAudio3FrontEnd.run(audio: audio, parameters: params, timeReversedPrefix: prefix,
                                                      record: true)
            XCTAssertEqual(kept.raster, replayed.raster, "prefix \(prefix)")
            XCTAssertEqual(kept.raster, recorded.raster, "prefix \(prefix)")
            XCTAssertEqual(recorded.filterbank?.count, audio.count * 16)
            XCTAssertNil(kept.filterbank)
        }
        // Progress reaches 1 and returning false cancels.
        var seen: [Double] = []
        _ = try XyloAudio3FrontEnd.run(audio: audio, parameters: params, memoryBudget: 0) { seen.append($0); return true }
        XCTAssertEqual(seen.last, 1)
        XCTAssertEqual(seen, seen.sorted())
        XCTAssertThrowsError(try XyloAudio3FrontEnd.run(audio: audio, parameters: params) { $0 < 0.5 }) { error in
            XCTAssertEqual((error as? CelestaError)?.code, .cancelled)
        }
    }

    func testStreamMatchesOfflineForPDM() throws {
        let bits = try XCTUnwrap(try Self.load("a3_afe_pdm_dn").stages.pdm_bits).map(Double.init)
        let sim = try XyloAudio3FrontEndSimulator(settings: XyloAudio3FrontEndSettings(inputMode: .pdm))
        let offline = try sim.offline(bits, timeReversedPrefix: false, record: true)
        var raster: [Int32] = [], audio: [Int] = []
        var start = 0
        for size in [31, 1, 33, 5000, 64, 100_000] + Array(repeating: 77_777, count: 6) where start < bits.count {
            let end = min(start + size, bits.count)
            let expected = sim.streamSize(inputCount: end - start, flush: end == bits.count)
            let out = try sim.push(Array(bits[start..<end]), flush: end == bits.count, record: true)
            XCTAssertEqual(out.samples, expected.samples)
            XCTAssertEqual(out.steps, expected.steps)
            raster += out.raster
            audio += out.audio ?? []
            start = end
        }
        XCTAssertEqual(start, bits.count)
        XCTAssertEqual(audio, offline.audio)
        XCTAssertEqual(raster, offline.raster)
        XCTAssertThrowsError(try sim.push([1, -1, 0.25])) { error in
            XCTAssertTrue((error as? CelestaError)?.message.contains("PDM bit \(bits.count + 2) = 0.25") ?? false, "\(error)")
        }
        sim.resetStream()
        XCTAssertEqual(sim.streamInputCount, 0)
    }

    func testSettingsRules() throws {
        var s = XyloAudio3FrontEndSettings()
        s.spikeGenerationMode = .threshold
        s.selectFilters = [5, 1]
        s.fixedThreshold = [7, 9]
        let p = try s.parameters()
        XCTAssertEqual(p.filters, [XyloAudio3ChipTables.filters[5], XyloAudio3ChipTables.filters[1]])
        XCTAssertEqual(p.enableChannel, [false, false])
        XCTAssertEqual(p.fixedThreshold, [7, 9])
        XCTAssertEqual(p.spikeRateScaleShift1, [1, 1])
        s.spikeGenerationMode = .divisiveNormalization
        XCTAssertEqual(try s.parameters().fixedThreshold, [0, 0], "divisive_norm ignores the fixed thresholds")
        for (change, text): ((inout XyloAudio3FrontEndSettings) -> Void, String) in [
            ({ $0.selectFilters = [] }, "select_filters is empty"),
            ({ $0.selectFilters = [3, 3] }, "select_filters[1] = 3 is repeated"),
            ({ $0.selectFilters = [-1] }, "select_filters[0] = -1"),
            ({ $0.eps = [1, 2, 3] }, "dn_EPS has 3 values"),
            ({ $0.eps = [65536] }, "dn_EPS[0] = 65536"),
            ({ $0.fixedThreshold = [1 << 32] }, "fixed_threshold_vec[0]"),
            ({ $0.rateScaleBitshift2 = 40 }, "dn_rate_scale_bitshift[1] = 40"),
            ({ $0.downSamplingFactor = -3 }, "down_sampling_factor = -3"),
        ] {
            var bad = XyloAudio3FrontEndSettings()
            change(&bad)
            XCTAssertThrowsError(try bad.parameters()) { error in
                XCTAssertTrue((error as? CelestaError)?.message.contains(text) ?? false, "\(error) lacks \(text)")
            }
        }
    }

    func testWAVParsingAndResampling() throws {
        func wav(format: UInt16, bits: UInt16, channels: UInt16, rate: UInt32, payload: [UInt8], extra: [UInt8] = []) -> Data {
            func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
            let align = channels * bits / 8
            var fmt = le(format) + le(channels) + le(rate) + le(rate * UInt32(align)) + le(align) + le(bits)
            fmt += extra
            var body = Array("WAVE".utf8) + Array("LIST".utf8) + le(UInt32(3)) + [1, 2, 3, 0]
            body += Array("fmt ".utf8) + le(UInt32(fmt.count)) + fmt
            body += Array("data".utf8) + le(UInt32(payload.count)) + payload
            return Data(Array("RIFF".utf8) + le(UInt32(body.count)) + body)
        }
        // 24-bit stereo: frames (0.5, -0.25) and (-1, 0).
        let pcm24: [UInt8] = [0, 0, 0x40, 0, 0, 0xE0, 0, 0, 0x80, 0, 0, 0]
        let file = try WAVFile.parse(wav(format: 1, bits: 24, channels: 2, rate: 8000, payload: pcm24))
        XCTAssertEqual(file.interleaved, [0.5, -0.25, -1, 0])
        XCTAssertEqual(file.frames, 2)
        XCTAssertEqual(try file.mono(), [0.125, -0.5])
        XCTAssertEqual(try file.mono(channel: 1), [-0.25, 0])
        XCTAssertThrowsError(try file.mono(channel: 2))
        let float = try WAVFile.parse(wav(format: 3, bits: 32, channels: 1, rate: 100, payload: [0, 0, 0xC0, 0x3F]))
        XCTAssertEqual(float.interleaved, [1.5])
        XCTAssertTrue(float.isFloat)
        for (data, text) in [
            (Data([1, 2, 3]), "no RIFF/WAVE header"),
            (wav(format: 1, bits: 8, channels: 1, rate: 8000, payload: [1]), "8 bits"),
            (wav(format: 2, bits: 16, channels: 1, rate: 8000, payload: [1, 2]), "format tag 2"),
            (wav(format: 1, bits: 16, channels: 0, rate: 8000, payload: []), "0 channels"),
        ] {
            XCTAssertThrowsError(try WAVFile.parse(data, name: "x.wav")) { error in
                let e = error as? CelestaError
                XCTAssertEqual(e?.code, .parse)
                XCTAssertTrue(e?.message.contains(text) ?? false, "\(error)")
            }
        }
        // Linear resampling: times k / 4 below the last input time 3 / 2.
        XCTAssertEqual(try AudioResampling.linear([0, 1, 0, -1], from: 2, to: 4), [0, 0.5, 1, 0.5, 0, -0.5])
        XCTAssertEqual(try AudioResampling.linear([3, 4], from: 5, to: 5), [3, 4])
        XCTAssertThrowsError(try AudioResampling.linear([1], from: 0, to: 5))
    }
}
