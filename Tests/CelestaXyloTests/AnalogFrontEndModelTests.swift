import CelestaIR
import CelestaXylo
import Foundation
import XCTest

/// The Xylo Audio 2 analog front-end model against the shared reference
/// (`Tests/Fixtures/xylo/a2_afe_analog_ideal.json`, Rockpool 3.1.0's `AFESim` with noise,
/// offset and mismatch off), within the tolerance the reference states: it is a floating-point
/// model, compared statistically (per-channel counts within about 10-20 %), not bit for bit.
final class AnalogFrontEndModelTests: XCTestCase {
    private struct CaseFile: Decodable {
        struct Params: Decodable {
            let fs: Double
            let raster_period_s: Double
            let max_spike_per_raster_period: Int
        }
        struct Stages: Decodable {
            let spike_events: [[Int]]
            let raster: [[Int]]
        }
        let signal: [Double]
        let params: Params
        let stages: Stages
        let tolerance_note: String
        let bit_exact: Bool
    }

    private static func load() throws -> CaseFile {
        let url = Fixtures.root.appendingPathComponent("xylo/a2_afe_analog_ideal.json")
        return try JSONDecoder().decode(CaseFile.self, from: Data(contentsOf: url))
    }

    private static func ideal(_ fs: Double) -> XyloAudio2AnalogFrontEnd.Settings {
        var s = XyloAudio2AnalogFrontEnd.Settings(fs: fs)
        s.addNoise = false
        s.addOffset = false
        s.addMismatch = false
        return s
    }

    private static func channelTotals(_ flat: [Int32], _ c: Int = 16) -> [Int] {
        var totals = [Int](repeating: 0, count: c)
        for (i, v) in flat.enumerated() { totals[i % c] += Int(v) }
        return totals
    }

    func testIdealModelMatchesReferenceWithinTolerance() throws {
        let file = try Self.load()
        XCTAssertFalse(file.bit_exact)
        XCTAssertTrue(file.tolerance_note.contains("10-20%"))
        var settings = Self.ideal(file.params.fs)
        settings.rasterPeriod = file.params.raster_period_s
        settings.maxSpikesPerRasterPeriod = file.params.max_spike_per_raster_period
        let afe = try XyloAudio2AnalogFrontEnd(settings: settings)
        let out = try afe.process(file.signal)
        XCTAssertEqual(out.spikes.count, file.signal.count * 16)

        // Spike events per channel (before rastering).
        var expectedSpikes = [Int](repeating: 0, count: 16)
        for event in file.stages.spike_events { expectedSpikes[event[1]] += event[2] }
        let spikes = Self.channelTotals(out.spikes)
        // Raster.
        let raster = afe.raster(out.spikes)
        XCTAssertEqual(raster.count, file.stages.raster.count * 16)
        let expectedRaster = file.stages.raster.reduce(into: [Int](repeating: 0, count: 16)) { acc, row in
            for k in 0..<16 { acc[k] += row[k] }
        }
        let got = Self.channelTotals(raster)
        for k in 0..<16 {
            // 20 % of the reference count, or 2 spikes for nearly silent channels.
            let slack = max(2.0, 0.2 * Double(expectedSpikes[k]))
            XCTAssertLessThanOrEqual(abs(Double(spikes[k] - expectedSpikes[k])), slack,
                                     "channel \(k): \(spikes[k]) spikes, reference \(expectedSpikes[k])")
            XCTAssertLessThanOrEqual(abs(Double(got[k] - expectedRaster[k])), max(2.0, 0.2 * Double(expectedRaster[k])),
                                     "channel \(k): raster \(got[k]), reference \(expectedRaster[k])")
        }
        XCTAssertGreaterThan(spikes.reduce(0, +), 1000)
    }

    func testRecordsAndRasterConvention() throws {
        let afe = try XyloAudio2AnalogFrontEnd(settings: Self.ideal(110_000))
        XCTAssertEqual(afe.rasterPeriodSamples, 1100)
        let tone = (0..<5000).map { 0.1 * sin(2 * Double.pi * 1000 * Double($0) / 110_000) }
        let out = try afe.process(tone, record: true)
        XCTAssertEqual(out.lna?.count, 5000)
        XCTAssertEqual(out.bandPass?.count, 5000 * 16)
        XCTAssertEqual(out.rectified?.count, 5000 * 16)
        XCTAssertTrue(out.rectified?.allSatisfy { $0 >= 0 } ?? false)
        // The 1 kHz tone drives the filter at 1177 Hz (channel 8) more than the one at 40 Hz.
        let energy = { (k: Int) in stride(from: k, to: 5000 * 16, by: 16).map { out.bandPass![$0] * out.bandPass![$0] }.reduce(0, +) }
        XCTAssertGreaterThan(energy(8), 100 * energy(0))
        // Raster rows at samples 0, 1100, ..., 4400: five rows; row 0 holds sample 0 only.
        var spikes = [Int32](repeating: 0, count: 5000 * 16)
        spikes[0 * 16 + 3] = 1
        spikes[1 * 16 + 3] = 1
        spikes[1100 * 16 + 3] = 1
        spikes[4999 * 16 + 3] = 1  // after the last multiple of 1100: dropped
        let raster = afe.raster(spikes)
        XCTAssertEqual(raster.count, 5 * 16)
        XCTAssertEqual(stride(from: 3, to: raster.count, by: 16).map { raster[$0] }, [1, 2, 0, 0, 0])
    }

    func testNonIdealitiesAreSeededAndStateCarriesOver() throws {
        var s = XyloAudio2AnalogFrontEnd.Settings(fs: 110_000)
        s.seed = 7
        let tone = (0..<11_000).map { 0.05 * sin(2 * Double.pi * 440 * Double($0) / 110_000) }
        let a = try XyloAudio2AnalogFrontEnd(settings: s), b = try XyloAudio2AnalogFrontEnd(settings: s)
        XCTAssertEqual(a.centres, b.centres)
        XCTAssertNotEqual(a.centres, XyloAudio2AnalogFrontEnd.designCentres, "mismatch moves the centres")
        XCTAssertEqual(try a.process(tone).spikes, try b.process(tone).spikes)
        s.seed = 8
        XCTAssertNotEqual(try XyloAudio2AnalogFrontEnd(settings: s).centres, a.centres)
        // The membranes carry over between calls until reset.
        let ideal = try XyloAudio2AnalogFrontEnd(settings: Self.ideal(110_000))
        _ = try ideal.process(tone)
        XCTAssertTrue(ideal.membrane.contains { $0 > 0 })
        ideal.reset()
        XCTAssertEqual(ideal.membrane, Array(repeating: 0, count: 16))
    }

    func testErrors() throws {
        func expect(_ text: String, _ body: () throws -> Void) {
            XCTAssertThrowsError(try body()) { error in
                let e = error as? CelestaError
                XCTAssertTrue(e?.message.contains(text) ?? false, "\(error)")
            }
        }
        expect("fs = 48000") { _ = try XyloAudio2AnalogFrontEnd(settings: Self.ideal(48_000)) }
        var s = Self.ideal(110_000)
        s.rasterPeriod = 0.00001
        expect("raster_period") { _ = try XyloAudio2AnalogFrontEnd(settings: s) }
        s = Self.ideal(110_000)
        s.lnaGainDB = 3
        expect("lna_gain_db = 3") { _ = try XyloAudio2AnalogFrontEnd(settings: s) }
        s = Self.ideal(110_000)
        s.maxSpikesPerRasterPeriod = -1
        expect("max_spike_per_raster_period") { _ = try XyloAudio2AnalogFrontEnd(settings: s) }
        s = Self.ideal(110_000)
        s.digitalCounter = 0
        expect("digital_counter") { _ = try XyloAudio2AnalogFrontEnd(settings: s) }
        let afe = try XyloAudio2AnalogFrontEnd(settings: Self.ideal(110_000))
        expect("audio sample 2 = nan") { _ = try afe.process([0, 0, .nan]) }
        XCTAssertEqual(try afe.process([]).spikes, [])
    }
}
