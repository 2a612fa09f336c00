import CelestaIR
import Foundation
import XCTest

/// The structure checks run before libhdf5 sees a file (`HDF5Structure`), and reading from
/// bytes in memory. Damaged files are made by patching a fixture written by h5py
/// (symbol-table groups, local heaps, version-1 B-trees) and read through libhdf5.
final class HDF5StructureTests: XCTestCase {
    private var fixture: [UInt8] {
        get throws { [UInt8](try Data(contentsOf: IRFixtures.root.appendingPathComponent("nir/delay.nir"))) }
    }

    private func reproducer(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: IRFixtures.repository.appendingPathComponent("Tests/fuzz/corpus/nir/" + name)))
    }

    /// Offsets of every occurrence of `signature` in `bytes`.
    private func find(_ signature: String, in bytes: [UInt8]) -> [Int] {
        let s = Array(signature.utf8)
        return (0...(bytes.count - s.count)).filter { Array(bytes[$0..<($0 + s.count)]) == s }
    }

    private func u64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        (0..<8).reversed().reduce(0) { $0 << 8 | UInt64(bytes[at + $1]) }
    }

    private func put64(_ bytes: inout [UInt8], _ at: Int, _ value: UInt64) {
        for k in 0..<8 { bytes[at + k] = UInt8(truncatingIfNeeded: value >> (8 * k)) }
    }

    /// Reads `bytes` through libhdf5 (after the checks) and expects `code` with `text`.
    private func assertRefused(
        _ bytes: [UInt8], _ code: StatusCode, containing text: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        assertHDF5Refused(bytes, code, containing: text, name: "damaged.nir", throughLibrary: [false, true], file: file, line: line)
    }

    // MARK: the fuzz reproducers (libhdf5 1.10 segfaulted / allocated 8 GB on them)

    func testGroupWithUndefinedLocalHeapIsRefused() throws {
        let bytes = try reproducer("regression-group-heap-fc97dfe72e3c.nir")
        assertRefused(bytes, .parse, containing: "'/node': damaged symbol table (B-tree)")
        XCTAssertThrowsError(try NIRFile.read(bytes: bytes, name: "x.nir")) { error in
            XCTAssertEqual((error as? CelestaError)?.code, .parse)
        }
    }

    func testVariableLengthStringWithHugeBaseTypeIsRefused() throws {
        let bytes = try reproducer("regression-vlen-base-0f89cb66ea5d.nir")
        assertRefused(bytes, .parse, containing: "'/node/nodes/delay/type': damaged variable-length string type (base type size)")
    }

    /// A campaign on `.t1c` found it: a 32x32 float32 dataset whose layout became compact
    /// with 0 bytes of data; libhdf5 1.10 copied from a missing buffer (SEGV in H5Dread).
    func testCompactDatasetWithTooLittleDataIsRefused() throws {
        let url = IRFixtures.repository.appendingPathComponent("Tests/fuzz/corpus/t1c/regression-compact-size-e16c056bb8b4.t1c")
        let bytes = [UInt8](try Data(contentsOf: url))
        assertRefused(bytes, .parse, containing: "damaged dataset storage: 0 bytes of compact data for 4096")
        XCTAssertThrowsError(try T1CFile.read(bytes: bytes, name: "x.t1c")) { error in
            XCTAssertEqual((error as? CelestaError)?.code, .parse)
        }
    }

    /// A campaign on NIR found it: a 2^20-element dataset in 1-element chunks; libhdf5 1.10
    /// worked on it for minutes (a libFuzzer timeout).
    func testChunkedDatasetWithMillionsOfChunksIsRefused() throws {
        let bytes = try reproducer("regression-chunk-count-3c4c53a80250.nir")
        assertRefused(bytes, .parse, containing: "'/node/nodes/input/shape': damaged dataspace message: dimension 0 of 1048577 is larger than its maximum, 1")
        assertRefused(unlimitedMaximum(bytes), .limitExceeded,
                      containing: "'/node/nodes/input/shape': damaged chunked layout: more chunks than a file of this size can index")
    }

    /// The fuzzer changed the dimension (1,048,577) of the NIR reproducers' dataspace at byte
    /// 10,984 but not its maximum (1): such a dataspace is refused first now. With an unlimited
    /// maximum, the checks they were found for are reached.
    private func unlimitedMaximum(_ reproducer: [UInt8]) -> [UInt8] {
        var bytes = reproducer
        XCTAssertEqual(u64(bytes, 10984), 1_048_577)
        XCTAssertEqual(u64(bytes, 10992), 1)
        put64(&bytes, 10992, .max)
        return bytes
    }

    // MARK: duplicate and short messages, filtered chunks (fuzz findings of 7 December)

    private func t1cReproducer(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: IRFixtures.repository.appendingPathComponent("Tests/fuzz/corpus/t1c/" + name)))
    }

    /// Found by the `t1c` campaign: the compact-size reproducer with a second, empty
    /// dataspace message in the same header. libhdf5 1.10 read the first (4,096 elements)
    /// and copied from a missing buffer (SEGV in H5Dread); the check saw the last.
    func testSecondDataspaceMessageIsRefused() throws {
        let bytes = try t1cReproducer("regression-second-dataspace-message.t1c")
        assertRefused(bytes, .parse, containing: "damaged object header: 2 dataspace messages")
        XCTAssertThrowsError(try T1CFile.read(bytes: bytes, name: "x.t1c")) { error in
            XCTAssertEqual((error as? CelestaError)?.code, .parse)
        }
    }

    /// A dataspace message shorter than the dimensions it declares is refused.
    func testDataspaceMessageShorterThanItsDimensionsIsRefused() throws {
        var bytes = try fixture
        // delay.nir's 1-element dataspace (version 1, rank 1, maximum dimensions) in a 24-byte message.
        XCTAssertEqual(Array(bytes[0x2AD8..<0x2AE4]), [1, 0, 0x18, 0, 0, 0, 0, 0, 1, 1, 1, 0])
        bytes[0x2AE1] = 2  // rank 2: 40 bytes
        assertRefused(bytes, .parse, containing: "damaged dataspace message: 24 bytes for 2 dimensions (40 bytes)")
    }

    /// Found by the `nir` campaigns (two inputs): a gzip-filtered dataset whose chunk, once
    /// its dimensions were changed, inflates to 8 bytes for a chunk of 452,616; libhdf5 1.10
    /// copied the whole chunk from the 8 bytes (heap-buffer-overflow in H5D__select_read).
    func testFilteredChunkThatInflatesShortIsRefused() throws {
        let bytes = try reproducer("regression-filtered-chunk-short-2.nir")
        assertRefused(bytes, .parse, containing: "dimension 0 of 1048577 is larger than its maximum, 1")
        assertRefused(unlimitedMaximum(bytes), .parse, containing: "a chunk of 11 stored bytes does not decode to a chunk of 452616 bytes")
        XCTAssertThrowsError(try NIRFile.read(bytes: bytes, name: "x.nir")) { error in
            XCTAssertEqual((error as? CelestaError)?.code, .parse)
        }
        let first = try reproducer("regression-filtered-chunk-short.nir")
        XCTAssertThrowsError(try NIRFile.read(bytes: first, name: "x.nir")) { error in
            XCTAssertEqual((error as? CelestaError)?.code, .parse, "\(error)")
        }
    }

    // MARK: patched fixtures

    func testLocalHeapPastTheEndOfTheFileIsRefused() throws {
        var bytes = try fixture
        let heaps = find("HEAP", in: bytes)
        XCTAssertGreaterThan(heaps.count, 2)
        put64(&bytes, heaps[1] + 24, UInt64(bytes.count - 8))  // the data segment's address
        assertRefused(bytes, .parse, containing: "damaged local heap data: address")
        var undefined = try fixture
        put64(&undefined, heaps[1] + 24, UInt64.max)
        assertRefused(undefined, .parse, containing: "damaged local heap data: undefined address")
    }

    func testLocalHeapSignatureAndFreeListAreChecked() throws {
        var bytes = try fixture
        let heap = find("HEAP", in: bytes)[1]
        bytes[heap] = UInt8(ascii: "X")
        assertRefused(bytes, .parse, containing: "damaged local heap at byte \(heap)")

        // A free list that points to itself: libhdf5 1.10 would walk it forever.
        var cyclic = try fixture
        let free = u64(cyclic, heap + 16)
        let data = Int(u64(cyclic, heap + 24))
        XCTAssertLessThan(free, u64(cyclic, heap + 8), "the fixture's heap has a free block")
        put64(&cyclic, data + Int(free), free)
        XCTAssertThrowsError(try HDF5File.read(bytes: cyclic, name: "damaged.nir", throughLibrary: true)) { error in
            XCTAssertTrue((error as? CelestaError)?.message.contains("free list") == true, "\(error)")
        }
    }

    func testBTreeAndSymbolNodesAreChecked() throws {
        var bytes = try fixture
        let tree = find("TREE", in: bytes)[0]
        put64(&bytes, tree + 32, UInt64(bytes.count + 4096))  // the first child
        assertRefused(bytes, .parse, containing: "damaged group B-tree child")

        var entries = try fixture
        entries[tree + 6] = 0xFF  // more entries than a node holds
        assertRefused(entries, .parse, containing: "damaged group B-tree node at byte \(tree)")

        var node = try fixture
        let snod = find("SNOD", in: node)[0]
        node[snod + 6] = 0x40
        assertRefused(node, .parse, containing: "damaged symbol table node at byte \(snod)")

        var name = try fixture
        put64(&name, snod + 8, 1 << 40)  // the first entry's name offset
        assertRefused(name, .parse, containing: "name offset")
    }

    func testVariableLengthReferenceOfTheWrongLengthIsRefused() throws {
        // `/version` is a scalar variable-length string: its reference's length must be the
        // global heap object's.
        var bytes = try fixture
        let collection = find("GCOL", in: bytes)[0]
        let address = UInt64(collection)
        let reference = (0..<(bytes.count - 16)).first { u64(bytes, $0 + 4) == address && bytes[$0 + 12] == 1 && bytes[$0 + 2] == 0 }
        let at = try XCTUnwrap(reference)
        bytes[at] &+= 100
        XCTAssertThrowsError(try HDF5File.read(bytes: bytes, name: "damaged.nir", throughLibrary: true)) { error in
            XCTAssertTrue((error as? CelestaError)?.message.contains("damaged variable-length string references") == true, "\(error)")
        }
    }

    func testSuperblockWithOtherAddressWidthsIsUnsupported() throws {
        var bytes = try fixture
        bytes[13] = 4
        assertRefused(bytes, .unsupported, containing: "file addresses of 4 bytes")
    }

    // MARK: bytes in memory

    func testReadingBytesGivesWhatReadingTheFileGives() throws {
        for (path, _) in try IRFixtures.hdf5Files() {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let fromFile = try HDF5File.read(path: path)
            XCTAssertEqual(try HDF5File.read(bytes: bytes, name: path), fromFile, path)
            XCTAssertEqual(try HDF5File.read(bytes: bytes, name: path, throughLibrary: true), fromFile, path)
            if path.hasSuffix(".nir") {
                XCTAssertEqual(try NIRFile.read(bytes: bytes, name: path), try NIRFile.read(path: path), path)
                XCTAssertEqual(try IRFiles.read(bytes: bytes, name: path, format: .nir), try NIRFile.read(path: path), path)
            } else {
                XCTAssertEqual(try T1CFile.read(bytes: bytes, name: path), try T1CFile.read(path: path), path)
            }
        }
        XCTAssertThrowsError(try HDF5File.read(bytes: [], name: "empty.nir")) { error in
            XCTAssertEqual((error as? CelestaError)?.code, .parse)
            XCTAssertTrue("\(error)".contains("'empty.nir'"), "\(error)")
        }
        XCTAssertThrowsError(try IRFiles.read(bytes: try fixture, name: "x", format: .auto)) { error in
            XCTAssertEqual((error as? CelestaError)?.code, .invalidArgument)
        }
    }
}
