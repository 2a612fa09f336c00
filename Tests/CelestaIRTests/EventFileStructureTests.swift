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
