import CelestaIR
import Foundation
import XCTest

/// Event files: every shared TALON `events_h5` case and the TALON-written files
/// (Tests/Fixtures/talon/events), round trips, layouts, time windows and bad input.
final class EventFileTests: XCTestCase {
    static let fixtures = IRFixtures.root.appendingPathComponent("talon")
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("celesta-events-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    static func caseJSON(_ name: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent("cases/\(name).json"))) as! [String: Any]
    }

    static func bytes(_ array: Any?) -> [UInt8] {
        [UInt8](Data(base64Encoded: (array as! [String: Any])["b64"] as! String)!)
    }

    /// The 1000 events of the writer/reader case.
    static func roundtripEvents() throws -> EventArrays {
        let args = (try caseJSON("events_h5.writer_reader_roundtrip")["args"] as! [String: Any])["events"] as! [String: Any]
        func values<T: FixedWidthInteger>(_ key: String, _: T.Type) -> [T] {
            let b = bytes(args[key])
            return b.withUnsafeBytes { raw in (0..<(b.count / MemoryLayout<T>.size)).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self) } }
        }
        return EventArrays(t: values("t", UInt64.self), x: values("x", UInt16.self), y: values("y", UInt16.self), p: values("p", UInt8.self))
    }

    func testWriterReaderRoundtripCase() throws {
        let json = try Self.caseJSON("events_h5.writer_reader_roundtrip")
        let expected = json["expected"] as! [String: Any]
        let events = try Self.roundtripEvents()
        XCTAssertEqual(events.count, 1000)
        // Celesta's streaming writer, as the case: sensor 128 x 128, default buffer.
        let file = path("w.h5")
        let writer = try EventFileWriter(path: file, shape: .resizable(chunkLength: 100_000), sensorSize: (128, 128))
        var e = events
        try e.withColumns { c throws(CelestaError) in try writer.append(c, count: 1000) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: file), "nothing at the path before close")
        try writer.close()
        for source in [file, Self.fixtures.appendingPathComponent("events/events_writer.h5").path] {
            let reader = try EventFileReader(path: source)
            XCTAssertEqual(reader.count, expected["n_events"] as? Int)
            XCTAssertEqual(try reader.read(start: 0, count: reader.count), events, source)
            XCTAssertEqual(reader.info.layout, .separate)
            XCTAssertEqual(reader.info.format, "t1c_events_v1")
            XCTAssertEqual(reader.info.sensorWidth, 128)
            XCTAssertEqual(reader.info.sensorHeight, 128)
            XCTAssertEqual(reader.info.tStart, 16)
            XCTAssertEqual(reader.info.tEnd, 99934)
            XCTAssertEqual(reader.info.gzipLevel, 4)
            XCTAssertEqual(reader.info.chunkLength, 100_000)
            // Chunks of 300 as the case's reader iterates.
            var lengths: [Int] = []
            var start = 0
            while start < reader.count {
                let n = min(300, reader.count - start)
                XCTAssertEqual(try reader.read(start: start, count: n).t, Array(events.t[start..<(start + n)]))
                lengths.append(n)
                start += n
            }
            XCTAssertEqual(lengths, expected["chunk_lengths"] as! [Int])
            let window = expected["time_window"] as! [String: Any]
            let range = try reader.timeWindow(from: 10_000, to: 50_000)
            XCTAssertEqual(range.lowerBound, window["index_start"] as? Int)
            XCTAssertEqual(range.upperBound, window["index_end"] as? Int)
            XCTAssertEqual(range.count, window["n"] as? Int)
            let w = try reader.read(start: range.lowerBound, count: range.count)
            XCTAssertEqual(w.t.first, (window["first_t"] as! NSNumber).uint64Value)
            XCTAssertEqual(w.t.last, (window["last_t"] as! NSNumber).uint64Value)
        }
    }

    func testWriteH5FileOfTALONReadsTheSameEvents() throws {
        let reader = try EventFileReader(path: Self.fixtures.appendingPathComponent("events/events_write_h5.h5").path)
        XCTAssertEqual(try reader.read(start: 0, count: reader.count), try Self.roundtripEvents())
    }

    func testEmptyCase() throws {
        let json = try Self.caseJSON("events_h5.empty")
        let expected = json["expected"] as! [String: Any]
        let file = path("empty.h5")
        try EventFile.write(path: file, events: EventArrays())
        let reader = try EventFileReader(path: file)
        XCTAssertEqual(reader.count, expected["n_events"] as? Int)
        XCTAssertEqual(try reader.timeWindow(from: 0, to: 100).count, expected["window_len"] as? Int)
        XCTAssertNil(reader.info.chunkLength, "empty datasets are contiguous")
        XCTAssertNil(reader.info.tStart)
        XCTAssertEqual(try EventFile.read(path: file), EventArrays())
    }

    func testCompactAndCompoundLayoutsCase() throws {
        let json = try Self.caseJSON("events_h5.layouts_compact_and_compound")
        let expected = json["expected"] as! [String: Any]
        // COMPACT_H5_CONFIG: separate datasets at the root, uncompressed chunks of n.
        let events = EventArrays.random(count: 50, sensorWidth: 64, sensorHeight: 48, durationMicroseconds: 6000, seed: 5)
        let file = path("compact.h5")
        try EventFile.write(path: file, events: events, config: .compact, gzipLevel: nil)
        let reader = try EventFileReader(path: file, config: .compact)
        XCTAssertEqual(reader.info.layout, .separate)
        XCTAssertEqual(reader.info.chunkLength, 50)
        XCTAssertNil(reader.info.gzipLevel)
        XCTAssertEqual(try reader.read(start: 0, count: 50), events)
        XCTAssertEqual(reader.info.tStart, Int64(events.t.min()!))
        // The compound file written by h5py: fields timestamp/x/y/polarity (signed types).
        let compound = try EventFileReader(path: Self.fixtures.appendingPathComponent("events/events_compound.h5").path)
        XCTAssertEqual(compound.info.layout, .compoundFallback)
        let got = try compound.read(start: 0, count: compound.count)
        let want = expected["compound_fallback_read"] as! [String: Any]
        XCTAssertEqual(got.t, (want["t"] as! [Int]).map(UInt64.init))
        XCTAssertEqual(got.x, (want["x"] as! [Int]).map(UInt16.init))
        XCTAssertEqual(got.y, (want["y"] as! [Int]).map(UInt16.init))
        XCTAssertEqual(got.p, (want["p"] as! [Int]).map(UInt8.init))
        XCTAssertEqual(try compound.timeWindow(from: 25, to: 101), 3..<11)
        // Named by the config's compound_key, the same dataset is the "compound" layout.
        let named = try EventFileReader(path: Self.fixtures.appendingPathComponent("events/events_compound.h5").path,
                                        config: EventFileConfig(compoundKey: "events"))
        XCTAssertEqual(named.info.layout, .compound)
        XCTAssertEqual(try named.read(start: 5, count: 3).t, [50, 60, 70])
    }

    func testLargeRoundTripAcrossChunksAndStreamingAppends() throws {
        let events = EventArrays.random(count: 250_123, sensorWidth: 640, sensorHeight: 480, durationMicroseconds: 1_000_000, seed: 9)
        let a = path("a.h5"), b = path("b.h5")
        try EventFile.write(path: a, events: events, sensorSize: (640, 480))
        XCTAssertEqual(try EventFile.read(path: a), events)
        // Streaming in uneven pieces, chunks of 7000.
        let writer = try EventFileWriter(path: b, shape: .resizable(chunkLength: 7000))
        var start = 0
        for piece in [1, 6998, 3, 50_000, 123_456, 69_665] {
            var part = EventArrays(t: Array(events.t[start..<(start + piece)]), x: Array(events.x[start..<(start + piece)]),
                                   y: Array(events.y[start..<(start + piece)]), p: Array(events.p[start..<(start + piece)]))
            try part.withColumns { c throws(CelestaError) in try writer.append(c, count: piece) }
            start += piece
        }
        XCTAssertEqual(start, events.count)
        try writer.close()
        let reader = try EventFileReader(path: b)
        XCTAssertEqual(reader.info.chunkLength, 7000)
        XCTAssertEqual(try reader.read(start: 0, count: reader.count), events)
        XCTAssertEqual(try reader.read(start: 6999, count: 7002).x, Array(events.x[6999..<14001]))
        let range = try reader.timeWindow(from: 300_000, to: 300_500)
        XCTAssertEqual(range.lowerBound, events.t.firstIndex { $0 >= 300_000 })
        XCTAssertEqual(range.upperBound, events.t.firstIndex { $0 >= 300_500 })
        XCTAssertTrue(try reader.timestampsSorted())
    }

    func testPackedRecordsRoundTrip() throws {
        // TALON's EVENT_DTYPE: 13-byte records.
        var records = [UInt8](repeating: 0, count: 13 * 3)
        let t: [UInt64] = [5, 7, 1 << 40], x: [UInt16] = [1, 2, 65535], y: [UInt16] = [3, 4, 5], p: [UInt8] = [1, 0, 1]
        for i in 0..<3 {
            records.withUnsafeMutableBytes { raw in
                raw.storeBytes(of: t[i], toByteOffset: 13 * i, as: UInt64.self)
                raw.storeBytes(of: x[i], toByteOffset: 13 * i + 8, as: UInt16.self)
                raw.storeBytes(of: y[i], toByteOffset: 13 * i + 10, as: UInt16.self)
                raw.storeBytes(of: p[i], toByteOffset: 13 * i + 12, as: UInt8.self)
            }
        }
        let file = path("records.h5")
        try records.withUnsafeMutableBytes { raw in try EventFile.write(path: file, columns: EventColumns(records: raw.baseAddress!), count: 3) }
        XCTAssertEqual(try EventFile.read(path: file), EventArrays(t: t, x: x, y: y, p: p))
        var back = [UInt8](repeating: 0xFF, count: 13 * 3)
        let reader = try EventFileReader(path: file)
        try back.withUnsafeMutableBytes { raw in try reader.read(start: 0, count: 3, into: EventColumns(records: raw.baseAddress!)) }
        XCTAssertEqual(back, records)
    }

    // MARK: bad input

    func testUnsortedTimestampsGetAClearErrorInWindows() throws {
        var events = EventArrays.random(count: 1000, sensorWidth: 10, sensorHeight: 10, durationMicroseconds: 10_000, seed: 1)
        events.t.swapAt(400, 600)
        let file = path("unsorted.h5")
        try EventFile.write(path: file, events: events)
        let reader = try EventFileReader(path: file)
        XCTAssertFalse(try reader.timestampsSorted())
        XCTAssertThrowsError(try reader.timeWindow(from: events.t[350], to: events.t[650])) { error in
            XCTAssertEqual((error as? CelestaError)?.code, .parse)
            XCTAssertTrue("\(error)".contains("not sorted"), "\(error)")
        }
    }

    func testMissingDatasetAndGroupAreNamed() throws {
        let file = path("ok.h5")
        try EventFile.write(path: file, events: EventArrays(t: [1, 2], x: [0, 0], y: [0, 0], p: [0, 1]))
        XCTAssertThrowsError(try EventFileReader(path: file, config: EventFileConfig(eventsGroup: "nope"))) { error in
            XCTAssertEqual((error as? CelestaError)?.code, .notFound)
            XCTAssertTrue("\(error)".contains("/nope"), "\(error)")
        }
        XCTAssertThrowsError(try EventFileReader(path: file, config: EventFileConfig(yKey: "why"))) { error in
            XCTAssertEqual((error as? CelestaError)?.code, .notFound)
            XCTAssertTrue("\(error)".contains("/events/why"), "\(error)")
        }
        XCTAssertThrowsError(try EventFileReader(path: file, config: EventFileConfig(timestampKey: "time"))) { error in
            XCTAssertEqual((error as? CelestaError)?.code, .parse)
            XCTAssertTrue("\(error)".contains("cannot detect"), "\(error)")
        }
        XCTAssertThrowsError(try EventFileReader(path: path("absent.h5"))) { XCTAssertEqual(($0 as? CelestaError)?.code, .io) }
        XCTAssertThrowsError(try EventFileWriter(path: file, config: EventFileConfig(xKey: "a/b"), shape: .fixed(count: 1))) { error in
            XCTAssertTrue("\(error)".contains("x_key"), "\(error)")
        }
    }

    /// Every truncation of a gzip event file fails cleanly (no crash), and damaged chunk bytes
    /// are reported as a damaged chunk.
    func testTruncatedAndCorruptFilesFailCleanly() throws {
        let events = EventArrays.random(count: 30_000, sensorWidth: 100, sensorHeight: 100, durationMicroseconds: 100_000, seed: 2)
        let file = path("good.h5")
        try EventFile.write(path: file, events: events)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        let cut = path("cut.h5")
        var failures = 0
        for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) {
            try Data(bytes[..<length]).write(to: URL(fileURLWithPath: cut))
            do {
                let got = try EventFile.read(path: cut)
                XCTAssertEqual(got, events, "a truncated file read without error must read right (\(length) bytes)")
            } catch {
                XCTAssertTrue([.parse, .notFound, .io].contains(error.code), "\(length): \(error)")
                failures += 1
            }
        }
        XCTAssertGreaterThan(failures, 90)
        // Flip bytes in the middle of the data (inside compressed chunks).
        var damaged = bytes
        for i in stride(from: bytes.count / 2, to: bytes.count / 2 + 64, by: 1) { damaged[i] ^= 0x5A }
        let bad = path("bad.h5")
        try Data(damaged).write(to: URL(fileURLWithPath: bad))
        XCTAssertThrowsError(try EventFile.read(path: bad)) { error in
            XCTAssertEqual((error as? CelestaError)?.code, .parse)
            XCTAssertTrue("\(error)".contains("damaged"), "\(error)")
        }
        // Not HDF5 at all.
        try Data("hello".utf8).write(to: URL(fileURLWithPath: bad))
        XCTAssertThrowsError(try EventFile.read(path: bad)) { XCTAssertEqual(($0 as? CelestaError)?.code, .parse) }
    }

    func testFailedWritesLeaveTheTargetUntouched() throws {
        let file = path("keep.h5")
        try Data("precious".utf8).write(to: URL(fileURLWithPath: file))
        // A writer discarded (never closed) leaves the old file and no temporary file.
        let writer = try EventFileWriter(path: file, shape: .resizable(chunkLength: 10))
        var e = EventArrays(t: [1], x: [1], y: [1], p: [1])
        try e.withColumns { c throws(CelestaError) in try writer.append(c, count: 1) }
        writer.discard()
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), "precious")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["keep.h5"])
        // A fixed-size file given fewer events than announced fails at close.
        let short = try EventFileWriter(path: file, shape: .fixed(count: 5))
        try e.withColumns { c throws(CelestaError) in try short.append(c, count: 1) }
        XCTAssertThrowsError(try short.close()) { XCTAssertEqual(($0 as? CelestaError)?.code, .invalidState) }
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), "precious")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["keep.h5"])
        // Into a missing folder.
        XCTAssertThrowsError(try EventFile.write(path: path("no/such/dir.h5"), events: e)) { XCTAssertEqual(($0 as? CelestaError)?.code, .io) }
        // Bad arguments.
        XCTAssertThrowsError(try EventFile.write(path: path("x.h5"), events: e, gzipLevel: 11)) { error in
            XCTAssertTrue("\(error)".contains("compression_opts"), "\(error)")
        }
        e.x = []
        XCTAssertThrowsError(try EventFile.write(path: path("x.h5"), events: e)) { XCTAssertEqual(($0 as? CelestaError)?.code, .shapeMismatch) }
    }

    func testReadsPastTheEndAreRefused() throws {
        let file = path("few.h5")
        try EventFile.write(path: file, events: EventArrays(t: [1, 2, 3], x: [0, 0, 0], y: [0, 0, 0], p: [0, 0, 0]))
        let reader = try EventFileReader(path: file)
        XCTAssertThrowsError(try reader.read(start: 2, count: 2)) { XCTAssertEqual(($0 as? CelestaError)?.code, .outOfRange) }
        reader.close()
        XCTAssertThrowsError(try reader.read(start: 0, count: 1)) { XCTAssertEqual(($0 as? CelestaError)?.code, .invalidState) }
    }
}
