import CelestaIR
import Foundation
import XCTest

/// Every shared TALON `encoding` case (Tests/Fixtures/talon/cases/encoding.*.json) through the
/// Swift encoders, compared value by value, plus the PCG64/SeedSequence test vectors.
final class EncodingReferenceTests: XCTestCase {
    static let cases = IRFixtures.root.appendingPathComponent("talon/cases")

    static func caseFiles(_ prefix: String) -> [URL] {
        ((try? FileManager.default.contentsOfDirectory(atPath: cases.path)) ?? [])
            .filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }.sorted()
            .map { cases.appendingPathComponent($0) }
    }

    static func load(_ url: URL) throws -> (json: [String: Any], text: String) {
        let data = try Data(contentsOf: url)
        return (try JSONSerialization.jsonObject(with: data) as! [String: Any], String(decoding: data, as: UTF8.self))
    }

    /// A case array (`values` nested lists or `b64`) as float32 values with its shape.
    static func floats(_ array: Any?) -> (values: [Float], shape: [Int]) {
        let a = array as! [String: Any]
        let shape = (a["shape"] as! [Any]).map { ($0 as! NSNumber).intValue }
        if let b64 = a["b64"] as? String {
            let bytes = [UInt8](Data(base64Encoded: b64)!)
            XCTAssertEqual(a["dtype"] as? String, "float32")
            let values = bytes.withUnsafeBytes { raw in (0..<(bytes.count / 4)).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
            return (values, shape)
        }
        var out: [Float] = []
        func walk(_ v: Any) {
            if let list = v as? [Any] { list.forEach(walk) } else { out.append(Float((v as! NSNumber).doubleValue)) }
        }
        walk(a["values"]!)
        return (out, shape)
    }

    /// The unsigned integers of the list `"key": [...]` in the raw JSON text (exact, past 2^53).
    static func rawIntegers(_ text: String, key: String) -> [UInt64] {
        rawList(text, key: key).map { UInt64($0)! }
    }

    /// The items of the list `"key": [...]` in the raw JSON text, as written.
    static func rawList(_ text: String, key: String) -> [String] {
        guard let start = text.range(of: "\"\(key)\": [") else { return [] }
        let rest = text[start.upperBound...]
        let body = rest[..<rest.firstIndex(of: "]")!]
        return body.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    static func seedWords(_ seed: Int) -> [UInt32] { SeedSequence.words(of: UInt64(seed)) }

    func testEveryEncodingCaseIsPresent() {
        XCTAssertEqual(Self.caseFiles("encoding.").count, 14)
    }

    func testPCG64AndSeedSequenceMatchTheTestVectors() throws {
        var checked = 0
        for url in Self.caseFiles("encoding.rate.") {
            let (json, text) = try Self.load(url)
            let seed = ((json["args"] as! [String: Any])["seed"] as! NSNumber).intValue
            let raw = Self.rawIntegers(text, key: "pcg64_random_raw_first16")
            XCTAssertEqual(raw.count, 16, url.lastPathComponent)
            var rng = PCG64(entropy: Self.seedWords(seed))
            XCTAssertEqual((0..<16).map { _ in rng.next() }, raw, url.lastPathComponent)
            // Python's repr of each double, parsed with correct rounding: exact equality.
            let doubles = Self.rawList(text, key: "random_doubles_first16").map { Double($0)! }
            XCTAssertEqual(doubles.count, 16)
            var rng2 = PCG64(entropy: Self.seedWords(seed))
            for d in doubles { XCTAssertEqual(rng2.nextDouble(), d) }
            checked += 1
        }
        XCTAssertEqual(checked, 4)
    }

    func testAdvanceSkipsOutputs() {
        var a = PCG64(entropy: [42]), b = a
        for _ in 0..<1000 { _ = a.next() }
        b.advance(by: 1000)
        XCTAssertEqual(a.next(), b.next())
    }

    func rate(_ data: [Float], steps: Int, scale: Double, seed: Int) throws -> [Float] {
        var p = [Double](repeating: 0, count: data.count)
        data.withUnsafeBufferPointer { d in p.withUnsafeMutableBufferPointer { SpikeEncoders.rateProbabilities(d, rateScale: scale, into: $0) } }
        var out = [Float](repeating: -1, count: data.count * steps)
        var rng = PCG64(entropy: Self.seedWords(seed))
        try p.withUnsafeBufferPointer { p in
            try out.withUnsafeMutableBufferPointer { try SpikeEncoders.rate(probabilities: p, steps: steps, generator: &rng, into: $0) }
        }
        return out
    }

    func testRateCasesAreBitExact() throws {
        for url in Self.caseFiles("encoding.rate.") {
            let (json, _) = try Self.load(url)
            let args = json["args"] as! [String: Any]
            let data = Self.floats(args["data"])
            let steps = (args["n_steps"] as! NSNumber).intValue
            let got = try rate(data.values, steps: steps, scale: (args["rate_scale"] as! NSNumber).doubleValue, seed: (args["seed"] as! NSNumber).intValue)
            let expected = Self.floats((json["expected"] as! [String: Any])["spikes"])
            XCTAssertEqual(expected.shape, [steps] + data.shape, url.lastPathComponent)
            XCTAssertEqual(got, expected.values, url.lastPathComponent)
        }
    }

    func testRateOnTwoThreadsEqualsOneThread() throws {
        // Large enough for the two-thread split; equal to drawing the same steps in one go.
        let data = (0..<4096).map { Float($0 % 97) / 96 }
        let both = try rate(data, steps: 300, scale: 1, seed: 3)
        var p = data.map(Double.init)
        var rng = PCG64(entropy: [3])
        var single = [Float](repeating: 0, count: data.count * 300)
        try p.withUnsafeMutableBufferPointer { p in
            try single.withUnsafeMutableBufferPointer {
                try SpikeEncoders.rate(probabilities: UnsafeBufferPointer(p), steps: 300, generator: &rng, into: $0, progress: { _, _ in true })
            }
        }
        XCTAssertEqual(both, single)
    }

    func testRateRefusesNaNAndZeroSteps() {
        XCTAssertThrowsError(try rate([0.5, .nan], steps: 2, scale: 1, seed: 0)) { error in
            XCTAssertEqual((error as? CelestaError)?.code, .invalidArgument)
            XCTAssertTrue("\(error)".contains("index 1"), "\(error)")
        }
        XCTAssertThrowsError(try rate([0.5], steps: 0, scale: 1, seed: 0)) { error in
            XCTAssertTrue("\(error)".contains("n_steps"), "\(error)")
        }
    }

    func testRateCancelsThroughProgress() {
        var p = [Double](repeating: 0.5, count: 10)
        var out = [Float](repeating: 0, count: 10 * 100_000)
        var rng = PCG64(entropy: [1])
        XCTAssertThrowsError(try p.withUnsafeMutableBufferPointer { p in
            try out.withUnsafeMutableBufferPointer {
                try SpikeEncoders.rate(probabilities: UnsafeBufferPointer(p), steps: 100_000, generator: &rng, into: $0, progress: { _, _ in false })
            }
        }) { XCTAssertEqual(($0 as? CelestaError)?.code, .cancelled) }
    }

    func testLatencyAndTemporalCasesAreExact() throws {
        var checked = 0
        for url in Self.caseFiles("encoding.latency.") + Self.caseFiles("encoding.temporal.") {
            let (json, _) = try Self.load(url)
            let args = json["args"] as! [String: Any]
            let data = Self.floats(args["data"])
            let steps = (args["n_steps"] as! NSNumber).intValue
            let threshold = (args["threshold"] as! NSNumber).doubleValue
            var out = [Float](repeating: -1, count: data.values.count * steps)
            try data.values.withUnsafeBufferPointer { d in
                try out.withUnsafeMutableBufferPointer { o in
                    if url.lastPathComponent.hasPrefix("encoding.latency.") {
                        try SpikeEncoders.latency(d, steps: steps, tau: (args["tau"] as! NSNumber).doubleValue, threshold: threshold, into: o)
                    } else {
                        try SpikeEncoders.temporal(d, steps: steps, threshold: threshold, into: o)
                    }
                }
            }
            let expected = json["expected"] as! [String: Any]
            XCTAssertEqual(out, Self.floats(expected["spikes"]).values, url.lastPathComponent)
            XCTAssertEqual(Int(out.reduce(0, +)), (expected["spike_count"] as! NSNumber).intValue)
            checked += 1
        }
        XCTAssertEqual(checked, 6)
    }

    func testDeltaCasesAreExact() throws {
        var checked = 0
        for url in Self.caseFiles("encoding.delta.") {
            let (json, _) = try Self.load(url)
            let args = json["args"] as! [String: Any]
            let data = Self.floats(args["data_sequence"])
            let off = args["off_spikes"] as! Bool
            let frames = data.shape[0], frame = data.values.count / frames
            var out = [Float](repeating: -1, count: (frames - 1) * frame * (off ? 2 : 1))
            try data.values.withUnsafeBufferPointer { d in
                try out.withUnsafeMutableBufferPointer { o in
                    try SpikeEncoders.delta(d, frames: frames, threshold: (args["threshold"] as! NSNumber).doubleValue, offSpikes: off, into: o)
                }
            }
            let expected = json["expected"] as! [String: Any]
            let spikes = Self.floats(expected["spikes"])
            XCTAssertEqual(spikes.shape, off ? [frames - 1, 2, frame] : [frames - 1, frame])
            XCTAssertEqual(out, spikes.values, url.lastPathComponent)
            XCTAssertEqual(Int(out.reduce(0, +)), (expected["abs_sum"] as! NSNumber).intValue)
            checked += 1
        }
        XCTAssertEqual(checked, 2)
    }

    func testTutorialShapesCase() throws {
        let (json, _) = try Self.load(Self.cases.appendingPathComponent("encoding.tutorial_shapes.json"))
        let args = json["args"] as! [String: Any], expected = json["expected"] as! [String: Any]
        let signal = Self.floats(args["signal"]).values
        let sequence = Self.floats(args["sequence"])
        let rateOut = try rate(signal, steps: 100, scale: 1, seed: 0)
        XCTAssertEqual(Int(rateOut.reduce(0, +)), ((expected["rate"] as! [String: Any])["count"] as! NSNumber).intValue)
        var latency = [Float](repeating: 0, count: 100 * signal.count)
        try signal.withUnsafeBufferPointer { d in
            try latency.withUnsafeMutableBufferPointer { try SpikeEncoders.latency(d, steps: 100, tau: 5, threshold: 0.01, into: $0) }
        }
        XCTAssertEqual(Int(latency.reduce(0, +)), ((expected["latency"] as! [String: Any])["count"] as! NSNumber).intValue)
        let frames = sequence.shape[0], frame = sequence.values.count / frames
        var delta = [Float](repeating: 0, count: (frames - 1) * 2 * frame)
        try sequence.values.withUnsafeBufferPointer { d in
            try delta.withUnsafeMutableBufferPointer { try SpikeEncoders.delta(d, frames: frames, threshold: 0.1, offSpikes: true, into: $0) }
        }
        let d = expected["delta"] as! [String: Any]
        XCTAssertEqual([frames - 1, 2, frame], (d["shape"] as! [Any]).map { ($0 as! NSNumber).intValue })
        XCTAssertEqual(Int(delta.reduce(0, +)), (d["abs_count"] as! NSNumber).intValue)
    }

    func testFloat64DataComputesInDouble() throws {
        // 0.3 in double: temporal time (1 - 0.3) * 10 = 7 in double, 6.9999995 -> 6 in float.
        let d: [Double] = [0.3], f: [Float] = [0.3]
        var outD = [Float](repeating: 0, count: 10), outF = [Float](repeating: 0, count: 10)
        try d.withUnsafeBufferPointer { x in try outD.withUnsafeMutableBufferPointer { try SpikeEncoders.temporal(x, steps: 10, threshold: 0.01, into: $0) } }
        try f.withUnsafeBufferPointer { x in try outF.withUnsafeMutableBufferPointer { try SpikeEncoders.temporal(x, steps: 10, threshold: 0.01, into: $0) } }
        XCTAssertEqual(outD.firstIndex(of: 1), Int(((1 - 0.3) * 10.0).rounded(.towardZero)))
        XCTAssertEqual(outF.firstIndex(of: 1), Int(((Float(1) - Float(0.3)) * Float(10)).rounded(.towardZero)))
    }
}
