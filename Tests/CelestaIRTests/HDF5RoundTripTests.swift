import CelestaIR
import Foundation
import XCTest

/// Writes trees back and reads them again, with this layer and with h5py.
final class HDF5RoundTripTests: XCTestCase {
    /// Compares two files with h5py: every object, dtype, shape, value, compression and chunks.
    /// Prints a JSON list of differences.
    static let compareScript = """
    import sys, json, h5py, numpy as np
    def walk(f):
        out = {}
        f.visititems(lambda n, o: out.__setitem__(n, o))
        return out
    a, b = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')
    wa, wb = walk(a), walk(b)
    diffs = []
    if list(wa) != list(wb): diffs.append(['names', list(wa), list(wb)])
    for n, x in wa.items():
        y = wb.get(n)
        if y is None or type(x) != type(y): diffs.append([n, 'kind']); continue
        if isinstance(x, h5py.Group): continue
        if x.dtype != y.dtype or x.shape != y.shape: diffs.append([n, str(x.dtype), str(y.dtype), x.shape, y.shape])
        if x.compression != y.compression or x.compression_opts != y.compression_opts or x.chunks != y.chunks:
            diffs.append([n, 'storage', x.compression, y.compression, x.chunks, y.chunks])
        if h5py.check_string_dtype(x.dtype):
            tl = lambda v: v.tolist() if hasattr(v, 'tolist') else v
            if h5py.check_string_dtype(y.dtype) is None or tl(y.asstr()[()]) != tl(x.asstr()[()]): diffs.append([n, 'strings'])
        elif not np.array_equal(x[()], y[()]): diffs.append([n, 'values'])
        if dict(y.attrs): diffs.append([n, 'attrs'])
    print(json.dumps(diffs, default=str))
    """

    func testFixturesRoundTrip() throws {
        let folder = try IRFixtures.temporaryFolder(self)
        var written: [(String, String)] = []
        for (path, _) in try IRFixtures.hdf5Files() {
            let tree = try HDF5File.read(path: path)
            let copy = folder.appendingPathComponent(URL(fileURLWithPath: path).lastPathComponent).path
            try HDF5File.write(tree, to: copy)
            let back = try HDF5File.read(path: copy)
            XCTAssertEqual(back, tree, path)
            written.append((path, copy))
        }
        // h5py sees the same objects in the written files as in the originals.
        for (original, copy) in written {
            let diffs = try IRFixtures.python(script: Self.compareScript, [original, copy]) as! [Any]
            XCTAssertTrue(diffs.isEmpty, "\(copy): \(diffs)")
        }
    }

    /// A tree with every kind of value, storage and attribute.
    static func sampleTree() throws -> HDF5Group {
        // (The inner group is built in name order, as it reads back.)
        var inner = HDF5Group(attributes: [(name: "flag", value: .bool(true)), (name: "note", value: .string("grüße"))])
        inner.set("f16", .dataset(HDF5Dataset(.numbers(try Tensor(converting: [0.5, -2, 65504], to: .float16)))))
        inner.set("i8", .dataset(HDF5Dataset(.numbers(try Tensor(converting: [-128, 127, 0, 5, 6, 7], to: .int8, shape: [2, 3])))))
        inner.set("u16", .dataset(HDF5Dataset(.numbers(try Tensor(converting: [1, 65535], to: .uint16)), storage: .compact)))
        var root = HDF5Group(attributes: [(name: "celesta_version", value: .string("0.1")),
                                          (name: "sizes", value: .numbers(try Tensor(int64: [1, 2, 3])))])
        root.set("version", .dataset(HDF5Dataset(.string("0.0.1"))))
        root.set("inner", .group(inner))
        root.set("empty_strings", .dataset(HDF5Dataset(.strings([]))))
        root.set("empty_f64", .dataset(HDF5Dataset(.numbers(try Tensor([Double]())))))
        root.set("edges", .dataset(HDF5Dataset(.strings(shape: [2, 2], values: ["a", "b", "b", "ü"]))))
        root.set("bools", .dataset(HDF5Dataset(.bools(shape: [3], values: [true, false, true]))))
        root.set("scalar_bool", .dataset(HDF5Dataset(.bool(false))))
        root.set("gz", .dataset(HDF5Dataset(.numbers(try Tensor(float32: (0..<1000).map { Float($0) }, shape: [10, 100])),
                                            attributes: [(name: "unit", value: .string("mV"))], storage: .gzip)))
        root.set("gz_chunk", .dataset(HDF5Dataset(.numbers(try Tensor((0..<64).map { Double($0) })),
                                                  storage: .chunked(chunk: [16], gzipLevel: 9))))
        root.set("chunked_plain", .dataset(HDF5Dataset(.numbers(try Tensor(int64: [1, 2, 3])), storage: .chunked(chunk: [2], gzipLevel: nil))))
        root.set("scalar_i64", .dataset(HDF5Dataset(.numbers(try Tensor(int64: [42], shape: [])))))
        return root
    }

    func testSampleTreeRoundTripsAndH5pyReadsIt() throws {
        let folder = try IRFixtures.temporaryFolder(self)
        let path = folder.appendingPathComponent("sample.h5").path
        let tree = try Self.sampleTree()
        try HDF5File.write(tree, to: path)
        var back = try HDF5File.read(path: path)
        // Read back in name order; the gzip chunk shape was chosen by the writer (whole array).
        guard case .dataset(let gz)? = back["gz"] else { return XCTFail("gz missing") }
        XCTAssertEqual(gz.storage, .chunked(chunk: [10, 100], gzipLevel: 4))
        back.set("gz", .dataset(HDF5Dataset(gz.value, attributes: gz.attributes, storage: .gzip)))
        var sorted = tree
        sorted.children.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        var backSorted = back
        backSorted.children.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        for (a, b) in zip(backSorted.children, sorted.children) { XCTAssertTrue(a.name == b.name && a.node == b.node, "\(a) != \(b)") }
        XCTAssertEqual(back.children.map(\.name), sorted.children.map(\.name))

        let script = """
        import sys, json, h5py, numpy as np
        f = h5py.File(sys.argv[1], 'r')
        out = {}
        def see(n, o):
            if isinstance(o, h5py.Dataset):
                s = h5py.check_string_dtype(o.dtype)
                v = o.asstr()[()] if s else o[()]
                v = v.tolist() if hasattr(v, 'tolist') else v
                out[n] = {'dtype': str(o.dtype), 'string': s is not None and s.encoding, 'shape': list(o.shape),
                          'value': v, 'compression': o.compression, 'opts': o.compression_opts, 'chunks': o.chunks,
                          'attrs': {k: (a.tolist() if hasattr(a, 'tolist') else a) for k, a in o.attrs.items()}}
            else:
                out[n] = {'attrs': {k: (a.tolist() if hasattr(a, 'tolist') else a) for k, a in o.attrs.items()}}
        f.visititems(see)
        out['/'] = {'attrs': {k: (a.tolist() if hasattr(a, 'tolist') else a) for k, a in f.attrs.items()}}
        print(json.dumps(out, default=str))
        """
        let seen = try IRFixtures.python(script: script, [path]) as! [String: [String: Any]]
        XCTAssertEqual(seen["version"]?["value"] as? String, "0.0.1")
        XCTAssertEqual(seen["version"]?["string"] as? String, "utf-8")
        XCTAssertEqual(seen["bools"]?["dtype"] as? String, "bool")
        XCTAssertEqual(seen["bools"]?["value"] as? [Bool], [true, false, true])
        XCTAssertEqual(seen["scalar_bool"]?["dtype"] as? String, "bool")
        XCTAssertEqual(seen["edges"]?["value"] as? [[String]], [["a", "b"], ["b", "ü"]])
        XCTAssertEqual(seen["empty_strings"]?["shape"] as? [Int], [0])
        XCTAssertEqual(seen["empty_strings"]?["string"] as? String, "utf-8")
        XCTAssertEqual(seen["empty_f64"]?["dtype"] as? String, "float64")
        XCTAssertEqual(seen["inner/f16"]?["dtype"] as? String, "float16")
        XCTAssertEqual(seen["inner/f16"]?["value"] as? [Double], [0.5, -2, 65504])
        XCTAssertEqual(seen["inner/u16"]?["value"] as? [Int], [1, 65535])
        XCTAssertEqual(seen["inner/i8"]?["shape"] as? [Int], [2, 3])
        XCTAssertEqual(seen["gz"]?["compression"] as? String, "gzip")
        XCTAssertEqual(seen["gz"]?["opts"] as? Int, 4)
        XCTAssertEqual(seen["gz"]?["chunks"] as? [Int], [10, 100])
        XCTAssertEqual(seen["gz"]?["attrs"] as? [String: String], ["unit": "mV"])
        XCTAssertEqual(seen["gz_chunk"]?["chunks"] as? [Int], [16])
        XCTAssertEqual(seen["gz_chunk"]?["opts"] as? Int, 9)
        XCTAssertEqual(seen["scalar_i64"]?["value"] as? Int, 42)
        XCTAssertEqual(seen["scalar_i64"]?["dtype"] as? String, "int64")
        XCTAssertEqual(seen["version"]?["attrs"] as? [String: String], [:])
        let rootAttributes = seen["/"]?["attrs"] as? [String: Any]
        XCTAssertEqual(rootAttributes?["celesta_version"] as? String, "0.1")
        XCTAssertEqual(rootAttributes?["sizes"] as? [Int], [1, 2, 3])
        XCTAssertEqual(seen["inner"]?["attrs"] as? NSDictionary, ["note": "grüße", "flag": true] as NSDictionary)
    }

    /// Arrays past 256 KiB are compressed on several threads: the file is the same as h5py
    /// reads it, chunk by chunk, edge chunks included.
    func testLargeGzipArraysReadBackInH5py() throws {
        let folder = try IRFixtures.temporaryFolder(self)
        let path = folder.appendingPathComponent("large.h5").path
        let values = (0..<(301 * 299)).map { Double(($0 * 7919) % 10007) / 7.0 }
        let tree = HDF5Group(children: [
            (name: "a", node: .dataset(HDF5Dataset(.numbers(try Tensor(values, shape: [301, 299])), storage: .gzip))),
            (name: "b", node: .dataset(HDF5Dataset(.numbers(try Tensor(converting: values, to: .float32, shape: [301, 299])),
                                                   storage: .chunked(chunk: [7, 298], gzipLevel: 1)))),
        ])
        try HDF5File.write(tree, to: path)
        let back = try HDF5File.read(path: path)
        XCTAssertEqual(back.dataset("a")?.value, tree.dataset("a")?.value)
        XCTAssertEqual(back.dataset("b")?.value, tree.dataset("b")?.value)
        let script = """
        import sys, json, h5py, numpy as np
        f = h5py.File(sys.argv[1], 'r')
        v = (np.arange(301 * 299) * 7919 % 10007) / 7.0
        print(json.dumps([bool(np.array_equal(f['a'][()].ravel(), v)), bool(np.array_equal(f['b'][()].ravel(), v.astype(np.float32))),
                          f['b'].chunks, f['b'].compression_opts]))
        """
        let seen = try IRFixtures.python(script: script, [path]) as! [Any]
        XCTAssertEqual(seen[0] as? Bool, true)
        XCTAssertEqual(seen[1] as? Bool, true)
        XCTAssertEqual(seen[2] as? [Int], [7, 298])
        XCTAssertEqual(seen[3] as? Int, 1)
    }

    /// h5py's chunk guess for a few shapes (values computed with h5py 3).
    func testChunkGuessFollowsH5py() throws {
        let folder = try IRFixtures.temporaryFolder(self)
        let shapes: [[Int]] = [[3], [4, 4], [1000, 1000], [100000], [128, 784], [7, 300, 300]]
        var root = HDF5Group()
        for (i, shape) in shapes.enumerated() {
            let t = try Tensor.filled(0, dtype: .float32, shape: shape)
            root.set("d\(i)", .dataset(HDF5Dataset(.numbers(t), storage: .gzip)))
        }
        let path = folder.appendingPathComponent("chunks.h5").path
        try HDF5File.write(root, to: path)
        let script = """
        import sys, json, h5py
        from h5py._hl.filters import guess_chunk
        shapes = json.loads(sys.argv[2])
        f = h5py.File(sys.argv[1], 'r')
        print(json.dumps([[list(f['d%d' % i].chunks), list(guess_chunk(tuple(s), None, 4))] for i, s in enumerate(shapes)]))
        """
        let shapeText = String(decoding: try JSONSerialization.data(withJSONObject: shapes), as: UTF8.self)
        let pairs = try IRFixtures.python(script: script, [path, shapeText]) as! [[[Int]]]
        for pair in pairs { XCTAssertEqual(pair[0], pair[1]) }
    }
}
