import CelestaIR
import Foundation
import XCTest

/// The structural checks (`HDF5Structure`) in the event reader, from a path and from memory:
/// damage that libhdf5 1.10 does not survive is refused before libhdf5 reads it.
final class EventFileStructureTests: XCTestCase {
    private func corpus(_ name: String) throws -> URL {
        IRFixtures.repository.appendingPathComponent("Tests/fuzz/corpus/events/" + name)
    }

    private func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: try corpus(name)))
    }

    /// Opens `bytes` from memory and from a file and expects `.parse` with `text`.
    private func assertRefused(_ bytes: [UInt8], containing text: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("celesta-structure-\(UUID().uuidString).h5")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        for fromPath in [false, true] {
            do {
                let reader = try fromPath ? EventFileReader(path: url.path) : EventFileReader(image: bytes, name: url.path)
                XCTFail("opened (\(fromPath ? "path" : "memory")): \(reader.count) events", file: file, line: line)
            } catch {
                XCTAssertEqual(error.code, .parse, "\(error)", file: file, line: line)
                XCTAssertTrue(error.message.hasPrefix("'\(url.path)': "), "\(error)", file: file, line: line)
                XCTAssertTrue(error.message.contains(text), "\(error)", file: file, line: line)
            }
        }
    }

    /// The offset of the compound member named `name` (version-1 compound: the name padded to
    /// 8 bytes, then its 4-byte offset).
    private func memberOffsetField(_ name: String, in bytes: [UInt8]) -> Int {
        let s = Array((name + "\0").utf8)
        let at = (0...(bytes.count - s.count)).first { Array(bytes[$0..<($0 + s.count)]) == s }!
        return at + (s.count + 7) & ~7
    }

    func testTheCompoundSeedReads() throws {
        let image = try bytes("seed-compound.h5")
        for reader in [try EventFileReader(image: image), try EventFileReader(path: try corpus("seed-compound.h5").path)] {
            XCTAssertEqual(reader.info.layout, .compoundFallback)
            let events = try reader.read(start: 0, count: reader.count)
            XCTAssertEqual(events.t.count, 20)
            XCTAssertEqual(Array(events.y.prefix(3)), [19, 18, 17])
        }
    }

    /// Found by the `events` fuzz target: the compound's member 'y' said it lay at byte
    /// 2,097,162 of a 13-byte record; libhdf5 1.10 decoded it and its compound conversion read
    /// freed memory (AddressSanitizer heap-use-after-free in H5T__conv_struct_opt).
    func testCompoundMemberPastTheRecordIsRefused() throws {
        try assertRefused(try bytes("regression-compound-member-offset.h5"),
                          containing: "member 2 'y' (bytes 2097162..<2097164) extends past the type's 13 bytes")
    }

    func testOverlappingCompoundMembersAreRefused() throws {
        var image = try bytes("seed-compound.h5")
        let y = memberOffsetField("y", in: image)
        XCTAssertEqual(Array(image[y..<(y + 4)]), [10, 0, 0, 0])
        image[y] = 9  // y over x's second byte
        try assertRefused(image, containing: "members overlap (bytes 8..<10 and from 9)")
    }

    func testIntegerBitsPastItsBytesAreRefused() throws {
        var image = try bytes("seed-compound.h5")
        // The member type after 'polarity' (1 byte, 8 bits): say 9 bits.
        let at = memberOffsetField("polarity", in: image) + 32
        XCTAssertEqual(image[at] & 0x0F, 0)  // an integer
        XCTAssertEqual(image[at + 10], 8)
        image[at + 10] = 9
        try assertRefused(image, containing: "9 bits at bit 0 of 1 bytes")
    }

    /// The chunk index of a TALON event file (gzip chunks under a version-1 B-tree, which has
    /// no checksum): a chunk's address past the end of the file, or a node's entry count past
    /// what a node holds, is refused before libhdf5 follows it.
    func testDamagedChunkIndexIsRefused() throws {
        let original = try bytes("seed-writer-chunks4.h5")
        let tree = Array("TREE".utf8)
        let node = (0...(original.count - 4)).first { Array(original[$0..<($0 + 4)]) == tree && original[$0 + 4] == 1 }!
        var chunk = original
        // The first child (after the node header and a 1-D chunk's 24-byte key).
        for k in 0..<8 { chunk[node + 24 + 24 + k] = UInt8(truncatingIfNeeded: (original.count + 64) >> (8 * k)) }
        try assertRefused(chunk, containing: "damaged dataset chunk: address \(original.count + 64) lies past the end of the file")
        var entries = original
        entries[node + 6] = 200
        try assertRefused(entries, containing: "damaged chunk index B-tree node at byte \(node): 200 entries")
    }

    /// A damaged group (the local heap's signature) is now refused by the event reader too,
    /// from a path as from memory.
    func testDamagedLocalHeapIsRefused() throws {
        var image = try bytes("seed-compound.h5")
        let heap = (0...(image.count - 4)).first { Array(image[$0..<($0 + 4)]) == Array("HEAP".utf8) }!
        image[heap] = UInt8(ascii: "X")
        try assertRefused(image, containing: "damaged local heap")
    }

    /// Found by the `events` campaign: the `format` attribute's variable-length string type
    /// said 15 bytes instead of 16; libhdf5 1.10 overflowed the heap in H5A__read.
    func testVariableLengthTypeOf15BytesIsRefused() throws {
        try assertRefused(try bytes("regression-vlen-type-size-15.h5"), containing: "a variable-length type of 15 bytes (not 16)")
    }

    /// An attribute message must hold its dataspace's elements times its type's size (libhdf5
    /// 1.10 copies that many bytes from it): the `format` attribute made a 17-byte string.
    func testAttributeWithTooLittleDataIsRefused() throws {
        var image = try bytes("seed-empty.h5")
        let at = 2912  // the `format` attribute's datatype (a 16-byte variable-length string)
        XCTAssertEqual(Array(image[at..<(at + 8)]), [0x19, 1, 1, 0, 16, 0, 0, 0])
        image[at] = 0x13  // a fixed-length string
        image[at + 1] = 0
        image[at + 2] = 0
        image[at + 4] = 17
        try assertRefused(image, containing: "16 bytes of data for 1 elements of 17 bytes")
    }
}

/// Filtered chunks that inflate short, and dataspaces larger than their storage: the inflation
/// of a filtered dataset's chunks is deferred at open to the datasets that libhdf5 reads
/// through its filters; the fast gzip columns' chunks are refused by the reader's own decoder.
final class EventFileChunkAndSpaceTests: XCTestCase {
    private func file(_ path: String) -> URL { IRFixtures.repository.appendingPathComponent(path) }

    private func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: file(path))) }

    private func temporary(_ bytes: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("celesta-chunks-\(UUID().uuidString).h5")
        try Data(bytes).write(to: url)
        return url
    }

    /// A zlib stream holding `data` in one stored (uncompressed) deflate block.
    static func storedZlib(_ data: [UInt8]) -> [UInt8] {
        var a: UInt32 = 1, b: UInt32 = 0
        for x in data { a = (a + UInt32(x)) % 65521; b = (b + a) % 65521 }
        let n = UInt16(data.count), adler = b << 16 | a
        return [0x78, 0x01, 0x01, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8(~n >> 8)] + data
            + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: adler >> $0) }
    }

    /// Replaces the stored chunk at byte `chunk` (of `size` bytes, in a 1-D dataset's version-1
    /// B-tree) by a valid zlib stream that inflates to 8 bytes; returns its stored size.
    static func shortChunk(_ image: inout [UInt8], at chunk: Int, size: Int) -> Int {
        let address = (0..<8).map { UInt8(truncatingIfNeeded: chunk >> (8 * $0)) }
        // The B-tree entry: a 24-byte key (size, filter mask, 2 offsets), then the address.
        let child = (24...(image.count - 8)).first { Array(image[$0..<($0 + 8)]) == address }!
        XCTAssertEqual(Int(image[child - 24]) | Int(image[child - 23]) << 8, size)
        let stream = storedZlib([1, 2, 3, 4, 5, 6, 7, 8])
        image.replaceSubrange(chunk..<(chunk + stream.count), with: stream)
        image[child - 24] = UInt8(stream.count)
        image[child - 23] = 0
        return stream.count
    }

    /// The separate layout's gzip columns are read raw and inflated by the reader: a chunk of
    /// `t` that inflates to 8 bytes of its 32 opens (its inflation is not run at open), the
    /// chunks before it read, and a read that reaches it is refused with an error naming the
    /// file, the dataset and the chunk, from memory and from a path, with no crash.
    func testFastColumnChunkThatInflatesShortIsRefusedAtRead() throws {
        let original = try bytes("Tests/fuzz/corpus/events/seed-writer-chunks4.h5")
        var image = original
        _ = Self.shortChunk(&image, at: 9400, size: 43)  // t's chunk 1 (events 4..<8)
        let url = try temporary(image)
        defer { try? FileManager.default.removeItem(at: url) }
        let intact = try EventFileReader(image: original).read(start: 0, count: 10)
        for fromPath in [false, true] {
            let reader = try fromPath ? EventFileReader(path: url.path) : EventFileReader(image: image, name: url.path)
            XCTAssertEqual(reader.count, 10)
            XCTAssertEqual(try reader.read(start: 0, count: 4).t, Array(intact.t.prefix(4)))
            XCTAssertEqual(try reader.read(start: 8, count: 2).t, Array(intact.t.suffix(2)))
            let expected = "'\(url.path)': '/events/t': chunk 1 (events 4..<8) does not decode to exactly its 32 bytes (truncated or damaged)"
            // Whole rows of the four columns, and the t column alone (a time window's search).
            XCTAssertThrowsError(try reader.read(start: 0, count: 10)) { error in
                XCTAssertEqual((error as? CelestaError)?.code, .parse)
                XCTAssertEqual((error as? CelestaError)?.message, expected)
            }
            XCTAssertThrowsError(try reader.timeWindow(from: 0, to: .max)) { error in
                XCTAssertEqual((error as? CelestaError)?.message, expected)
            }
        }
    }

    /// A gzip-chunked compound dataset is read through libhdf5's filters (H5Dread): it reads,
    /// and the same damage there is refused when the file is opened.
    func testLibraryReadChunkThatInflatesShortIsRefusedAtOpen() throws {
        let original = try bytes("Tests/Fixtures/hdf5/events_compound_gzip.h5")
        let reader = try EventFileReader(image: original)
        XCTAssertEqual(reader.info.layout, .compoundFallback)
        let events = try reader.read(start: 0, count: reader.count)
        XCTAssertEqual(events.t, (0..<20).map { UInt64($0 * 10) })
        XCTAssertEqual(Array(events.y.prefix(3)), [19, 18, 17])

        var image = original
        let stored = Self.shortChunk(&image, at: 4669, size: 39)  // chunk 1 (events 4..<8)
        let url = try temporary(image)
        defer { try? FileManager.default.removeItem(at: url) }
        for fromPath in [false, true] {
            XCTAssertThrowsError(try fromPath ? EventFileReader(path: url.path) : EventFileReader(image: image, name: url.path)) { error in
                let e = error as? CelestaError
                XCTAssertEqual(e?.code, .parse, "\(error)")
                XCTAssertTrue(e?.message.hasPrefix("'\(url.path)': '/events/events': damaged chunk index B-tree node at byte ") == true, "\(error)")
                XCTAssertTrue(e?.message.hasSuffix(": chunk 1: a chunk of \(stored) stored bytes does not decode to a chunk of 52 bytes") == true, "\(error)")
            }
        }
    }

    /// Found by the `events` campaign of 7 December (Tests/fuzz/corpus/events): the event
    /// dataset's dimension said 562,949,953,421,332 (its maximum still 20) over a contiguous
    /// block of 1,099,511,625,476 bytes; the structural check skipped a dataspace of more than
    /// 2^31 elements and libhdf5 allocated 4 GB in 30 s. A dimension past its maximum is refused.
    func testDimensionLargerThanItsMaximumIsRefused() throws {
        let image = try bytes("Tests/fuzz/corpus/events/regression-huge-dataspace-contiguous.h5")
        try assertRefused(image, containing: "'/events/events': damaged dataspace message: dimension 0 of 562949953421332 is larger than its maximum, 20")
    }

    /// The same input with an unlimited maximum: the contiguous block's size is checked against
    /// the file whatever the element count; and a block inside the file must hold the elements,
    /// counted in 64 bits (2^32 events of 13 bytes in 260 bytes).
    func testContiguousStorageIsCheckedForAnyElementCount() throws {
        var unlimited = try bytes("Tests/fuzz/corpus/events/regression-huge-dataspace-contiguous.h5")
        for k in 0..<8 { unlimited[1872 + k] = 0xFF }  // the maximum dimension
        try assertRefused(unlimited, containing: "damaged dataset storage: 1099511625476 bytes of contiguous data for 562949953421332 elements of")

        var seed = try bytes("Tests/fuzz/corpus/events/seed-compound.h5")
        XCTAssertEqual(Array(seed[1864..<1880]), [20, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0])
        seed[1864 + 4] = 1  // 2^32 + 20 events
        seed[1872 + 4] = 1
        try assertRefused(seed, containing: "damaged dataset storage: 260 bytes of contiguous data for \((1 << 32 + 20) * 13)")
    }

    /// Two readers of different images, open at once: each reads its own image, also when
    /// both are given the same name, or the name of an existing file (libhdf5's core driver
    /// took two open files of one name for one, and refused the name of an existing file).
    func testMemoryReadersOpenAtOnceReadTheirOwnImages() throws {
        let compound = try bytes("Tests/fuzz/corpus/events/seed-compound.h5")
        let chunks = try bytes("Tests/fuzz/corpus/events/seed-writer-chunks4.h5")
        let url = try temporary(chunks)
        defer { try? FileManager.default.removeItem(at: url) }
        for name in ["<memory>", url.path] {
            let a = try EventFileReader(image: compound, name: name)
            let b = try EventFileReader(image: chunks, name: name)
            let c = try EventFileReader(path: url.path)
            XCTAssertEqual([a.count, b.count, c.count], [20, 10, 10])
            XCTAssertEqual(a.info.layout, .compoundFallback)
            XCTAssertEqual(b.info.layout, .separate)
            XCTAssertEqual(try b.read(start: 0, count: 10).t, try c.read(start: 0, count: 10).t)
        }
    }

    private func assertRefused(_ bytes: [UInt8], containing text: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = try temporary(bytes)
        defer { try? FileManager.default.removeItem(at: url) }
        for fromPath in [false, true] {
            XCTAssertThrowsError(try fromPath ? EventFileReader(path: url.path) : EventFileReader(image: bytes, name: url.path), file: file, line: line) { error in
                let e = error as? CelestaError
                XCTAssertEqual(e?.code, .parse, "\(error)", file: file, line: line)
                XCTAssertTrue(e?.message.hasPrefix("'\(url.path)': ") == true, "\(error)", file: file, line: line)
                XCTAssertTrue(e?.message.contains(text) == true, "\(error)", file: file, line: line)
            }
        }
    }
}
