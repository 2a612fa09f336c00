import CelestaIR
import Foundation
import XCTest

/// The HDF5 layer's own writer and reader (h5py's default layout, without libhdf5): what they
/// write libhdf5 and h5py read back equal, name lookups included; what they read equals what
/// libhdf5 reads; damage sends the reader back to libhdf5 and never crashes.
final class HDF5FastPathTests: XCTestCase {
    /// A tree with every kind of value the layout holds, a group big enough for a B-tree of
    /// three levels (9,000 entries over symbol nodes of 8) and more strings than one global heap
    /// collection takes (70,000).
    static func bigTree() throws -> HDF5Group {
        var big = HDF5Group(attributes: [(name: "count", value: .numbers(try Tensor(int64: [9000], shape: [])))])
        big.children.reserveCapacity(9000)
        for i in (0..<9000).reversed() {  // written in any order, stored by name
            let name = "n" + String(repeating: "0", count: 5 - String(i).count) + String(i)
            big.children.append((name: name, node: .dataset(HDF5Dataset(.numbers(try Tensor(int64: [i], shape: []))))))
        }
        var root = HDF5Group(attributes: [
            (name: "writer", value: .string("celesta")),
            (name: "flags", value: .bools(shape: [2], values: [true, false])),
            (name: "sizes", value: .numbers(try Tensor(converting: [1, 2, 3], to: .uint16))),
            (name: "empty", value: .string("")),
        ])
        root.set("big", .group(big))
        root.set("many", .dataset(HDF5Dataset(.strings((0..<70_000).map { i in i % 7 == 0 ? "" : "s\(i)" }))))
        root.set("long", .dataset(HDF5Dataset(.string(String(repeating: "x", count: 5_000_000)))))
        root.set("unicode", .dataset(HDF5Dataset(.strings(shape: [2, 2], values: ["grüße", "", "β", "日本"]),
                                                 attributes: [(name: "unit", value: .string("mV")), (name: "b", value: .bool(true))])))
        root.set("empty_group", .group(HDF5Group()))
        root.set("empty_f32", .dataset(HDF5Dataset(.numbers(try Tensor(float32: [])))))
        root.set("empty_strings", .dataset(HDF5Dataset(.strings([]))))
        root.set("compact", .dataset(HDF5Dataset(.numbers(try Tensor(converting: [-1, 2, -3], to: .int16)), storage: .compact)))
        root.set("compact_strings", .dataset(HDF5Dataset(.strings(["a", "b"]), storage: .compact)))
        root.set("bools", .dataset(HDF5Dataset(.bools(shape: [2, 2], values: [true, false, false, true]))))
        var numbers = HDF5Group()
        for dtype in DType.allCases where dtype != .bool {
            numbers.set(dtype.rawValue, .dataset(HDF5Dataset(.numbers(try Tensor(converting: [0, 1, 2.5, -3, 100], to: dtype, shape: [5, 1])))))
        }
        numbers.set("scalar", .dataset(HDF5Dataset(.numbers(try Tensor(float32: [0.25], shape: [])))))
        numbers.set("bool_tensor", .dataset(HDF5Dataset(.numbers(try Tensor(dtype: .bool, shape: [3], bytes: [1, 0, 1])))))
        root.set("numbers", .group(numbers))
        return root
    }

    /// `tree` as it reads back: children in name order, bool tensors as bools.
    static func canonical(_ g: HDF5Group) -> HDF5Group {
        var out = g
        out.attributes.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        out.children = g.children.map { child in
            switch child.node {
            case .group(let sub): return (child.name, .group(canonical(sub)))
            case .dataset(var d):
                d.attributes.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
                if case .numbers(let t) = d.value, t.dtype == .bool { d.value = .bools(shape: t.shape, values: t.bytes.map { $0 != 0 }) }
                return (child.name, .dataset(d))
            }
        }.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        return out
    }

    func testOwnLayoutReadsBackThroughLibhdf5AndH5py() throws {
        let folder = try IRFixtures.temporaryFolder(self)
        let path = folder.appendingPathComponent("big.h5").path
        let tree = try Self.bigTree()
        XCTAssertTrue(HDF5File.writesWithoutLibrary(tree))
        try HDF5File.write(tree, to: path)
        XCTAssertTrue(HDF5File.readsWithoutLibrary(path: path))

        let expected = Self.canonical(tree)
        let own = try HDF5File.read(path: path)
        let library = try HDF5File.read(path: path, throughLibrary: true)
        XCTAssertTrue(own == expected, "the own reader differs from what was written")
        XCTAssertTrue(library == expected, "libhdf5 reads something else than what was written")

        // h5py finds names by the B-tree keys (a wrong key hides objects from lookups, not
        // from iteration), reads every string, and sees the attributes.
        let script = """
        import sys, json, h5py
        f = h5py.File(sys.argv[1], 'r')
        big = f['big']
        names = ['n%05d' % i for i in (0, 1, 7, 8, 255, 256, 257, 4095, 4096, 4567, 8191, 8192, 8998, 8999)]
        found = {n: int(big[n][()]) for n in names}
        missing = [n for n in ('n09000', 'n0', 'm', 'n04567x') if n in big]
        many = f['many'].asstr()[()].tolist()
        print(json.dumps({'found': found, 'missing': missing, 'count': len(big), 'order': list(big)[:3],
                          'many_ok': many == [('' if i % 7 == 0 else 's%d' % i) for i in range(70000)],
                          'long': len(f['long'].asstr()[()]), 'unicode': f['unicode'].asstr()[()].tolist(),
                          'attrs': {k: (v.tolist() if hasattr(v, 'tolist') else v) for k, v in f.attrs.items()},
                          'compact': f['compact'][()].tolist(), 'layout': f['compact'].id.get_create_plist().get_layout(),
                          'f16': f['numbers/float16'][()].ravel().tolist(), 'u64': str(f['numbers/uint64'].dtype),
                          'bools': f['bools'][()].tolist(), 'bool_dtype': str(f['bools'].dtype),
                          'empty_group': len(f['empty_group']), 'empty_f32': list(f['empty_f32'].shape)}))
        """
        let seen = try IRFixtures.python(script: script, [path]) as! [String: Any]
        XCTAssertEqual(seen["found"] as? [String: Int], Dictionary(uniqueKeysWithValues: [0, 1, 7, 8, 255, 256, 257, 4095, 4096, 4567, 8191, 8192, 8998, 8999].map { (String(format: "n%05d", $0), $0) }))
        XCTAssertEqual(seen["missing"] as? [String], [])
        XCTAssertEqual(seen["count"] as? Int, 9000)
        XCTAssertEqual(seen["order"] as? [String], ["n00000", "n00001", "n00002"])
        XCTAssertEqual(seen["many_ok"] as? Bool, true)
        XCTAssertEqual(seen["long"] as? Int, 5_000_000)
        XCTAssertEqual(seen["unicode"] as? [[String]], [["grüße", ""], ["β", "日本"]])
        let attributes = seen["attrs"] as? [String: Any]
        XCTAssertEqual(attributes?["writer"] as? String, "celesta")
        XCTAssertEqual(attributes?["flags"] as? [Bool], [true, false])
        XCTAssertEqual(attributes?["sizes"] as? [Int], [1, 2, 3])
        XCTAssertEqual(attributes?["empty"] as? String, "")
        XCTAssertEqual(seen["compact"] as? [Int], [-1, 2, -3])
        XCTAssertEqual(seen["layout"] as? Int, 0)  // H5D_COMPACT
        XCTAssertEqual(seen["f16"] as? [Double], [0, 1, 2.5, -3, 100])
        XCTAssertEqual(seen["u64"] as? String, "uint64")
        XCTAssertEqual(seen["bools"] as? [[Bool]], [[true, false], [false, true]])
        XCTAssertEqual(seen["bool_dtype"] as? String, "bool")
        XCTAssertEqual(seen["empty_group"] as? Int, 0)
        XCTAssertEqual(seen["empty_f32"] as? [Int], [0])
    }

    /// Every shared HDF5 file reads the same through both readers; TALON's (h5py's default
    /// layout) without libhdf5.
    func testOwnReaderEqualsLibhdf5OnEveryFixture() throws {
        var own = 0
        for (path, _) in try IRFixtures.hdf5Files() {
            let library = try HDF5File.read(path: path, throughLibrary: true)
            XCTAssertTrue(try HDF5File.read(path: path) == library, path)
            if HDF5File.readsWithoutLibrary(path: path) { own += 1 }
            if path.hasSuffix(".t1c") { XCTAssertTrue(HDF5File.readsWithoutLibrary(path: path), "\(path) went through libhdf5") }
        }
        XCTAssertGreaterThanOrEqual(own, IRFixtures.talonGraphs.count)
    }

    /// What the own layout cannot hold goes through libhdf5 and still reads back.
    func testTreesBeyondTheLayoutGoThroughLibhdf5() throws {
        let folder = try IRFixtures.temporaryFolder(self)
        let cases: [(String, HDF5Group)] = [
            ("gzip", HDF5Group(children: [(name: "x", node: .dataset(HDF5Dataset(.numbers(try Tensor([1, 2, 3])), storage: .gzip)))])),
            ("big attribute", HDF5Group(attributes: [(name: "names", value: .strings((0..<5000).map { "n\($0)" }))])),
            ("chunked", HDF5Group(children: [(name: "x", node: .dataset(HDF5Dataset(.numbers(try Tensor.filled(1, dtype: .float64, shape: [10_000])), storage: .chunked(chunk: [100], gzipLevel: nil))))])),
        ]
        for (name, tree) in cases {
            XCTAssertFalse(HDF5File.writesWithoutLibrary(tree), name)
            let path = folder.appendingPathComponent(name + ".h5").path
            try HDF5File.write(tree, to: path)
            XCTAssertFalse(HDF5File.readsWithoutLibrary(path: path), name)  // libhdf5's 1.8 layout
            let back = try HDF5File.read(path: path)
            XCTAssertEqual(back.attributes.map(\.name), tree.attributes.map(\.name), name)
            XCTAssertEqual(back.children.map(\.name), tree.children.map(\.name), name)
        }
    }

    /// Bad names and values get the libhdf5 writer's errors, and nothing is left behind.
    func testOwnWriterRefusesWhatLibhdf5Refuses() throws {
        let folder = try IRFixtures.temporaryFolder(self)
        let path = folder.appendingPathComponent("bad.h5").path
        let one = HDF5Dataset(.numbers(try Tensor([1])))
        let cases: [(HDF5Group, String)] = [
            (HDF5Group(children: [(name: "a/b", node: .dataset(one))]), "'/a/b': 'a/b' cannot name an HDF5 object"),
            (HDF5Group(children: [(name: "", node: .dataset(one))]), "cannot name an HDF5 object"),
            (HDF5Group(children: [(name: "g", node: .group(HDF5Group(children: [(name: "x", node: .dataset(one)), (name: "x", node: .dataset(one))])))]),
             "'/g/x': two children of one group have this name"),
            (HDF5Group(children: [(name: "s", node: .dataset(HDF5Dataset(.strings(["a\u{0}b"]))))]), "'/s': a string holds a NUL character"),
            (HDF5Group(children: [(name: "s", node: .dataset(HDF5Dataset(.strings(shape: [3], values: ["a"]))))]), "'/s': 1 values do not fill shape (3,)"),
            (HDF5Group(attributes: [(name: "a", value: .string("x")), (name: "a", value: .string("y"))]), "'/' attribute 'a': two attributes"),
            (HDF5Group(children: [(name: "d", node: .dataset(HDF5Dataset(.bools(shape: [2], values: [true]), attributes: [])))]), "'/d': 1 values do not fill shape (2,)"),
        ]
        for (tree, message) in cases {
            XCTAssertThrowsError(try HDF5File.write(tree, to: path)) { error in
                XCTAssertTrue((error as? CelestaError)?.message.contains(message) == true, "\(error) lacks \(message)")
            }
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
        }
    }

    /// A file of the own layout cut at every 1/64 of its length and with bytes flipped: the own
    /// reader gives up (libhdf5 then names the damage) or reads a tree; nothing crashes.
    func testDamageToTheOwnLayoutNeverCrashes() throws {
        let folder = try IRFixtures.temporaryFolder(self)
        let path = folder.appendingPathComponent("small.h5").path
        var tree = HDF5Group(attributes: [(name: "celesta_node_order", value: .string("[\"a\",\"b\"]"))])
        for i in 0..<40 {
            tree.set("node\(i)", .group(HDF5Group(children: [
                (name: "type", node: .dataset(HDF5Dataset(.string("LIF")))),
                (name: "tau", node: .dataset(HDF5Dataset(.numbers(try Tensor(float32: [Float(i), 2, 3]))))),
            ], attributes: [(name: "ports", value: .string("{}"))])))
        }
        try HDF5File.write(tree, to: path)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        var variants: [Data] = (1..<64).map { original.prefix(original.count * $0 / 64) }
        var seed: UInt64 = 0xF1A5_7E57
        for _ in 0..<400 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            var bytes = original
            bytes[Int(seed >> 20) % bytes.count] ^= UInt8(truncatingIfNeeded: (seed >> 8) % 255 + 1)
            variants.append(bytes)
        }
        let damaged = folder.appendingPathComponent("damaged.h5").path
        var outcomes = (read: 0, refused: 0)
        for bytes in variants {
            try bytes.write(to: URL(fileURLWithPath: damaged))
            do {
                _ = try HDF5File.read(path: damaged)
                outcomes.read += 1
            } catch {
                XCTAssertTrue(error.message.contains(damaged), "\(error)")
                outcomes.refused += 1
            }
        }
        XCTAssertGreaterThanOrEqual(outcomes.refused, 63)  // every cut at least
    }
}
