import CelestaIR
import Foundation
import XCTest

/// Event files written and read a row of chunks at a time (`EventRowCodec`): 13-byte records
/// across many chunks, uneven starts, progress slices, the time range, and damage in a column
/// other than t.
final class EventRowTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("celesta-rows-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    static func records(_ e: EventArrays) -> [UInt8] {
        var r = [UInt8](repeating: 0, count: 13 * e.count)
        r.withUnsafeMutableBytes { raw in
            for i in 0..<e.count {
                raw.storeBytes(of: e.t[i], toByteOffset: 13 * i, as: UInt64.self)
                raw.storeBytes(of: e.x[i], toByteOffset: 13 * i + 8, as: UInt16.self)
                raw.storeBytes(of: e.y[i], toByteOffset: 13 * i + 10, as: UInt16.self)
                raw.storeBytes(of: e.p[i], toByteOffset: 13 * i + 12, as: UInt8.self)
            }
        }
        return r
    }

    func testRecordsAcrossManyChunksWithProgress() throws {
        var events = EventArrays.random(count: 75_321, sensorWidth: 640, sensorHeight: 480, durationMicroseconds: 1_000_000, seed: 4)
        // The smallest and largest timestamps inside, not at the ends: t_start/t_end are min/max.
        events.t.swapAt(0, 40_000)
        events.t.swapAt(events.count - 1, 20_000)
        var records = Self.records(events)
        let file = path("rows.h5")
        var calls = 0
        try records.withUnsafeMutableBytes { raw in
            try EventFile.write(path: file, columns: EventColumns(records: raw.baseAddress!), count: events.count, progress: { done, total in
                calls += 1
                XCTAssertLessThanOrEqual(done, total)
                return true
            })
        }
        XCTAssertGreaterThanOrEqual(calls, 1)
        let reader = try EventFileReader(path: file)
        XCTAssertEqual(reader.info.tStart, Int64(events.t.min()!))
        XCTAssertEqual(reader.info.tEnd, Int64(events.t.max()!))
        XCTAssertEqual(try reader.read(start: 0, count: events.count), events)

        // Streaming chunks of 1000 (76 rows): reads in slices of 32 rows with progress, from an
        // uneven start, into records.
        let streamed = path("stream.h5")
        let writer = try EventFileWriter(path: streamed, shape: .resizable(chunkLength: 1000))
        try records.withUnsafeMutableBytes { raw in
            try writer.append(EventColumns(records: raw.baseAddress!), count: 30_001)
            try writer.append(EventColumns(records: raw.baseAddress! + 13 * 30_001), count: events.count - 30_001)
        }
        try writer.close()
        let r2 = try EventFileReader(path: streamed)
        XCTAssertEqual(r2.info.chunkLength, 1000)
        let start = 1_234, count = 70_000
        var back = [UInt8](repeating: 0xEE, count: 13 * count)
        var slices = 0
        try back.withUnsafeMutableBytes { raw in
            try r2.read(start: start, count: count, into: EventColumns(records: raw.baseAddress!), progress: { _, _ in slices += 1; return true })
        }
        XCTAssertEqual(back, Array(records[(13 * start)..<(13 * (start + count))]))
        XCTAssertGreaterThanOrEqual(slices, 3)
        var cancelled = [UInt8](repeating: 0, count: 13 * count)
        XCTAssertThrowsError(try cancelled.withUnsafeMutableBytes { raw in
            try r2.read(start: 0, count: count, into: EventColumns(records: raw.baseAddress!), progress: { _, _ in false })
        }) { XCTAssertEqual(($0 as? CelestaError)?.code, .cancelled) }
    }
}
