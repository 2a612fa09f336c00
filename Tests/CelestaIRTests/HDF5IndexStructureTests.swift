import CelestaIR
import Foundation
import XCTest

/// The structure checks of chunk indexes and dense link and attribute storage
/// (`HDF5StructureIndexes.swift`): the fixtures in Tests/Fixtures/hdf5 (written by h5py, see
/// make_fixtures.py there) read, and damaged copies of them are refused with a message that
/// names the structure, before libhdf5 sees them.
final class HDF5IndexStructureTests: XCTestCase {
    private func fixture(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: IRFixtures.root.appendingPathComponent("hdf5/" + name)))
    }

    private var dense: [UInt8] { get throws { try fixture("dense_links_attributes.h5") } }

    /// Offsets of every occurrence of `signature` in `bytes`.
    private func find(_ signature: String, in bytes: [UInt8]) -> [Int] {
        let s = Array(signature.utf8)
        return (0...(bytes.count - s.count)).filter { bytes[$0] == s[0] && Array(bytes[$0..<($0 + s.count)]) == s }
    }

    private func u64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        (0..<8).reversed().reduce(0) { $0 << 8 | UInt64(bytes[at + $1]) }
    }

    private func put(_ bytes: inout [UInt8], _ at: Int, _ value: UInt64, width: Int = 8) {
        for k in 0..<width { bytes[at + k] = UInt8(truncatingIfNeeded: value >> (8 * k)) }
    }

    private func ints(_ value: HDF5Value?) -> [Int]? {
        guard case .numbers(let t)? = value else { return nil }
        return t.ints
    }

    /// Reads `bytes` (they are not in h5py's default layout: always through libhdf5, after the
    /// checks) and expects `code` with `text` in the message.
    private func assertRefused(
        _ bytes: [UInt8], _ code: StatusCode = .parse, containing text: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        assertHDF5Refused(bytes, code, containing: text, name: "damaged.h5", throughLibrary: [true], file: file, line: line)
    }

    // MARK: the fixtures read

    func testDenseLinksAttributesAndChunkIndexesRead() throws {
        let bytes = try dense
        XCTAssertEqual(find("FHIB", in: bytes).count, 1, "a heap with an indirect block")
        XCTAssertEqual(find("BTIN", in: bytes).count, 1, "a B-tree of depth 1")
        let root = try HDF5File.read(bytes: bytes, name: "dense.h5")
        let path = IRFixtures.root.appendingPathComponent("hdf5/dense_links_attributes.h5").path
        XCTAssertEqual(try HDF5File.read(path: path), root)
        for i in 0..<12 {
            XCTAssertEqual(ints(root.dataset(String(format: "d%02d", i))?.value), Array(0...i))
            XCTAssertEqual(root.attribute(String(format: "a%02d", i)), .numbers(try Tensor([Double(i) / 3], shape: [])))
        }
        XCTAssertEqual(ints(root.attribute("big")), Array(0..<1500), "a huge object in dense attribute storage")
        let g = try XCTUnwrap(root.group("g"))
        XCTAssertEqual(g.children.map(\.name), (0..<10).map { String(format: "sub%02d", $0) })
        XCTAssertEqual(ints(g.group("sub07")?.attribute("k")), [7])
        let many = try XCTUnwrap(root.group("many"))
        XCTAssertEqual(many.children.count, 120)
        XCTAssertEqual(ints(many.dataset("l119")?.value), [0])
        XCTAssertEqual(ints(root.dataset("chunked")?.value), Array(0..<400))
        XCTAssertEqual(ints(root.dataset("plainchunks")?.value), Array(0..<40))
    }

    func testSingleChunkAndImplicitIndexesRead() throws {
        let root = try HDF5File.read(bytes: try fixture("chunk_single_implicit_v110.h5"), name: "v110.h5")
        XCTAssertEqual(ints(root.dataset("single")?.value), Array(0..<10))
        XCTAssertEqual(ints(root.dataset("implicit")?.value), Array(0..<40))
    }

    func testOtherChunkIndexesOfTheHDF5_110FormatAreRefused() throws {
        for (file, name) in [("fixed_array", "fixed array"), ("extensible_array", "extensible array"), ("btree2", "version-2 B-tree")] {
            assertRefused(try fixture("chunk_\(file)_v110.h5"), .unsupported, containing: "'/x': chunked datasets indexed by a \(name) (HDF5 1.10 format) are not supported")
        }
    }

    // MARK: damaged chunk indexes

    /// The first chunk index node of `bytes` (a version-1 B-tree node of type 1) of level
    /// `level` whose keys have `dims` dimensions (the dataset's and the element size), or any.
    private func chunkNode(_ bytes: [UInt8], level: UInt8 = 0, dims: Int? = nil) throws -> (at: Int, dims: Int) {
        for at in find("TREE", in: bytes) where bytes[at + 4] == 1 && bytes[at + 5] == level {
            guard let d = keyDimensions(bytes, at), dims == nil || d == dims else { continue }
            return (at, d)
        }
        throw XCTSkip("no such chunk index node")
    }

    /// The dimensions of the keys of chunk index node `at`: its first key's last offset (the
    /// element size's) is 0 and the first child's address lies inside the file.
    private func keyDimensions(_ bytes: [UInt8], _ at: Int) -> Int? {
        (2...5).first { d in
            let child = u64(bytes, at + 24 + 8 + 8 * d)
            return u64(bytes, at + 24 + 8 + 8 * (d - 1)) == 0 && child > 0 && child < UInt64(bytes.count)
        }
    }

    func testDamagedChunkIndexNodesAreRefused() throws {
        // A NIR fixture (h5py's default format, gzip chunks) and the 1.8-format fixture.
        let nir = [UInt8](try Data(contentsOf: IRFixtures.root.appendingPathComponent("nir/delay.nir")))
        for original in [nir, try dense] {
            let (node, dims) = try chunkNode(original)
            let keySize = 8 + 8 * dims
            var signature = original
            signature[node + 1] ^= 0xFF
            // (h5py's default layout is otherwise read without libhdf5: the reader falls back
            // to libhdf5 on what it does not model, after the checks.)
            assertRefused(signature, containing: "damaged chunk index B-tree node at byte \(node)")
            var entries = original
            entries[node + 6] = 0xFF
            entries[node + 7] = 0x7F
            assertRefused(entries, containing: "damaged chunk index B-tree node at byte \(node): 32767 entries")
            var level = original
            level[node + 5] = 40
            assertRefused(level, containing: "level 40")
            // The first chunk's address past the end of the file, then undefined.
            var child = original
            put(&child, node + 24 + keySize, UInt64(original.count))
            assertRefused(child, containing: "damaged dataset chunk: address \(original.count) lies past the end of the file")
            put(&child, node + 24 + keySize, UInt64.max)
            assertRefused(child, containing: "damaged dataset chunk: undefined address")
            // A chunk offset off the chunk grid, or past the dataset.
            var offset = original
            put(&offset, node + 24 + 8, 1 << 40)
            assertRefused(offset, containing: "chunk 0 at offset 1099511627776 in dimension 0")
            var element = original
            put(&element, node + 24 + 8 * dims, 3)  // the element-size dimension's offset is always 0
            assertRefused(element, containing: "chunk 0 at offset 3 in dimension \(dims - 1)")
        }
    }

    func testUnfilteredChunkOfTheWrongSizeIsRefused() throws {
        let bytes = try dense
        // plainchunks: 2x3 int16 chunks (12 bytes), not filtered: the only 2-D one.
        let node = try chunkNode(bytes, dims: 3).at
        var size = bytes
        put(&size, node + 24, 4096, width: 4)
        assertRefused(size, containing: "chunk 0 of 4096 bytes (a chunk holds 12)")
        let truncated = Array(bytes.prefix(node + 40))
        assertRefused(truncated, containing: "lies past the end of the file")
    }

    func testChunkIndexCycleIsRefused() throws {
        var bytes = try dense
        let (root, dims) = try chunkNode(bytes, level: 1)
        // The root's second child made the root itself.
        let keySize = 8 + 8 * dims
        put(&bytes, root + 24 + (keySize + 8) + keySize, UInt64(root))
        assertRefused(bytes, containing: "reached twice")
    }

    // MARK: damaged dense storage

    func testDamagedFractalHeapsAreRefused() throws {
        let original = try dense
        let heaps = find("FRHP", in: original)
        XCTAssertEqual(heaps.count, 4)
        for heap in heaps {
            var signature = original
            signature[heap + 2] = 0
            assertRefused(signature, containing: "storage")
            var root = original
            put(&root, heap + 132, UInt64(original.count + 10))
            assertRefused(root, containing: "(fractal heap root block): address \(original.count + 10) lies past the end of the file")
            var width = original
            put(&width, heap + 110, 3, width: 2)
            assertRefused(width, containing: "(fractal heap at byte \(heap)): table width 3")
            var rows = original
            put(&rows, heap + 140, 200, width: 2)
            assertRefused(rows, containing: "200 rows in the root block")
            var filtered = original
            put(&filtered, heap + 7, 10, width: 2)
            assertRefused(filtered, .unsupported, containing: "a filtered fractal heap is not supported")
        }
        for block in find("FHDB", in: original) {
            var owner = original
            put(&owner, block + 5, 0)
            assertRefused(owner, containing: "(fractal heap direct block at byte \(block)): it belongs to another heap")
            var offset = original
            offset[block + 13] ^= 0x40
            assertRefused(offset, containing: "(fractal heap direct block at byte \(block)): block offset")
        }
        let indirect = try XCTUnwrap(find("FHIB", in: original).first)
        var cycle = original
        // The indirect block's first entry (a direct block) made the indirect block itself.
        let header = Int(u64(original, indirect + 5))
        let offsetBytes = (Int(original[header + 128]) + 7) / 8  // the heap's maximum size in bits
        put(&cycle, indirect + 13 + offsetBytes, UInt64(indirect))
        assertRefused(cycle, containing: "fractal heap direct block at byte \(indirect)): reached twice")
    }

    func testDamagedNameIndexesAreRefused() throws {
        let original = try dense
        let trees = find("BTHD", in: original)
        XCTAssertEqual(trees.count, 5, "3 link name indexes, the attribute name index, the huge objects' index")
        for tree in trees {
            var records = original
            put(&records, tree + 24, 0xFFFF, width: 2)
            assertRefused(records, containing: "65535 records in the root")
            var total = original
            put(&total, tree + 26, u64(original, tree + 26) + 1)
            assertRefused(total, containing: "records in all")
            var size = original
            put(&size, tree + 10, 3, width: 2)
            assertRefused(size, containing: "records of 3 bytes")
            var root = original
            put(&root, tree + 16, UInt64(original.count - 4))
            assertRefused(root, containing: "(B-tree root): address")
        }
        for leaf in find("BTLF", in: original) {
            var signature = original
            signature[leaf + 3] = 0
            assertRefused(signature, containing: "(B-tree node at byte \(leaf)): signature, version or type")
        }
        let node = try XCTUnwrap(find("BTIN", in: original).first)
        // Its first child pointer (after the records) says the child holds 1000 records.
        let records = Int(original[find("BTHD", in: original).first { u64(original, $0 + 16) == UInt64(node) }! + 24])
        var child = original
        put(&child, node + 6 + records * 11 + 8, 1000, width: 1)
        assertRefused(child, containing: "(B-tree node at byte \(node))")
    }

    func testDamagedLinksAndAttributesInDenseStorageAreRefused() throws {
        let original = try dense
        // A link name record's heap ID whose object lies past its block.
        let leaf = try XCTUnwrap(find("BTLF", in: original).first { original[$0 + 5] == 5 })
        var id = original
        put(&id, leaf + 6 + 4 + 1, 0xFFFF_FFF0, width: 4)  // the first record's heap offset
        assertRefused(id, containing: "damaged link heap ID at byte \(leaf + 10)")
        var version = original
        version[leaf + 6 + 4] = 0x40
        assertRefused(version, containing: "damaged link heap ID at byte \(leaf + 10): version 1")

        // A link to an object past the end of the file: the link message in the heap.
        let name = Array("l000".utf8)
        let link = try XCTUnwrap((0..<(original.count - 4)).first { Array(original[$0..<($0 + 4)]) == name && original[$0 - 1] == 4 })
        var target = original
        put(&target, link + 4, UInt64(original.count + 100))
        assertRefused(target, containing: "damaged link 'l000': address \(original.count + 100) lies past the end of the file")

        // An attribute whose datatype is damaged (an integer of 200 bits in 4 bytes).
        let attributeName = Array("a05\0".utf8)
        let attribute = try XCTUnwrap((0..<(original.count - 4)).first { Array(original[$0..<($0 + 4)]) == attributeName })
        var type = original
        // Version-3 attribute message: version, flags, name size, type size, space size,
        // encoding, name; then the datatype (a float64: precision at +10).
        put(&type, attribute + 4 + 10, 200, width: 2)
        assertRefused(type, containing: "damaged datatype")

        // The huge attribute's record: its length past the file.
        let huge = try XCTUnwrap(find("BTHD", in: original).first { original[$0 + 5] == 1 })
        let hugeLeaf = Int(u64(original, huge + 16))
        var length = original
        put(&length, hugeLeaf + 6 + 8, UInt64(original.count) * 4)
        assertRefused(length, containing: "huge object")
    }

    /// Truncations at every 1/64 of the fixtures and seeded byte flips inside their heaps,
    /// B-trees and chunk index nodes: each read succeeds or throws a CelestaError (a crash
    /// fails the whole test run).
    func testDamagedStructuresFailCleanly() throws {
        var seed: UInt64 = 0x1D5E_0F_CE1E57A
        func next() -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int(seed >> 33)
        }
        var failures = 0
        for name in ["dense_links_attributes.h5", "chunk_single_implicit_v110.h5"] {
            let original = try fixture(name)
            var variants = (1..<64).map { Array(original.prefix(original.count * $0 / 64)) }
            let starts = ["FRHP", "FHDB", "FHIB", "BTHD", "BTLF", "BTIN", "TREE", "OHDR"].flatMap { find($0, in: original) }
            for _ in 0..<300 {
                var damaged = original
                let at = min(original.count - 1, starts[next() % starts.count] + next() % 64)
                damaged[at] ^= UInt8(1 + next() % 255)
                variants.append(damaged)
            }
            for bytes in variants {
                do {
                    _ = try HDF5File.read(bytes: bytes, name: name)
                } catch {
                    XCTAssertFalse(error.message.isEmpty)
                    failures += 1
                }
            }
        }
        XCTAssertGreaterThan(failures, 300)
    }

    /// Found by `testDamagedStructuresFailCleanly`: one byte changed in a fractal heap direct
    /// block's checksum, or in a link name index leaf. libhdf5 1.10 failed its own checksum
    /// check part-way through a dense group's links and freed a wild pointer (SEGV in free
    /// under H5Literate); the checksums are now verified before libhdf5 reads the group.
    func testDenseStructuresWithBadChecksumsAreRefused() throws {
        for (name, text) in [
            ("regression-dense-heap-checksum.h5", "(fractal heap direct block at byte"),
            ("regression-dense-btree-leaf.h5", "(B-tree node at byte"),
        ] {
            let url = IRFixtures.repository.appendingPathComponent("Tests/fuzz/corpus/nir/" + name)
            let bytes = [UInt8](try Data(contentsOf: url))
            assertRefused(bytes, containing: text)
            assertRefused(bytes, containing: "): checksum")
        }
    }
}
