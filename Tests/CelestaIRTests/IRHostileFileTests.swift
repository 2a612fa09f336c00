import CelestaIR
import Foundation
import XCTest

/// Files built to be wrong in one way each: the codecs name the object and what is wrong, and
/// never crash.
final class IRHostileFileTests: XCTestCase {
    var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("celesta-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    func ds(_ v: HDF5Value) -> HDF5Node { .dataset(HDF5Dataset(v)) }
    func group(_ children: [(String, HDF5Node)]) -> HDF5Node { .group(HDF5Group(children: children.map { (name: $0.0, node: $0.1) })) }
    func f32(_ shape: [Int]) throws -> HDF5Value { .numbers(try Tensor(float32: [Float](repeating: 1, count: shape.reduce(1, *)), shape: shape)) }

    /// A `.t1c` tree of one Input, one Affine `fc` (with `fc` replaced by `node`) and one Output.
    func t1c(fc node: HDF5Node? = nil, edges: HDF5Node? = nil, graphExtra: [(String, HDF5Node)] = [], version: Bool = true) throws -> HDF5Group {
        let fc = try node ?? group([("type", ds(.string("Affine"))), ("weight", ds(try f32([2, 2]))), ("bias", ds(try f32([2])))])
        let nodes = group([
            ("fc", fc),
            ("i", group([("type", ds(.string("Input"))), ("shape", ds(.numbers(try Tensor(int64: [2]))))])),
            ("o", group([("type", ds(.string("Output"))), ("shape", ds(.numbers(try Tensor(int64: [2]))))])),
        ])
        let e = edges ?? group([("dst", ds(.strings(["fc", "o"]))), ("src", ds(.strings(["i", "fc"])))])
        var root = HDF5Group()
        if version { root.children.append((name: "version", node: ds(.string("0.0.1")))) }
        root.children.append((name: "graph", node: group([("edges", e), ("nodes", nodes), ("type", ds(.string("Graph")))] + graphExtra)))
        return root
    }

    func expectT1CError(_ tree: HDF5Group, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let path = tmp.appendingPathComponent("x.t1c").path
        try HDF5File.write(tree, to: path)
        XCTAssertThrowsError(try T1CFile.read(path: path), file: file, line: line) { error in
            let e = error as? CelestaError
            XCTAssertEqual(e?.code, .parse, "\(error)", file: file, line: line)
            XCTAssertTrue(e?.message.contains(fragment) ?? false, "\(error) lacks \(fragment)", file: file, line: line)
            XCTAssertTrue(e?.message.contains(path) ?? false, "\(error) lacks the path", file: file, line: line)
        }
    }

    func testT1CFilesWrongInOneWayEach() throws {
        let path = tmp.appendingPathComponent("ok.t1c").path
        try HDF5File.write(try t1c(), to: path)
        XCTAssertEqual(try T1CFile.read(path: path).nodes.count, 3)   // the baseline reads

        try expectT1CError(try t1c(version: false), "no 'version'")
        try expectT1CError(try t1c(fc: group([("weight", ds(try f32([2, 2])))])), "'/graph/nodes/fc/type' is missing")
        try expectT1CError(try t1c(fc: group([("type", ds(.string("Bogus")))])), "'/graph/nodes/fc': unknown primitive 'Bogus'")
        try expectT1CError(
            try t1c(fc: group([("type", ds(.string("Affine"))), ("weight", ds(.strings(["a", "b"]))), ("bias", ds(try f32([2])))])),
            "'/graph/nodes/fc': Affine: 'weight' must be of type array")
        try expectT1CError(
            try t1c(fc: group([("type", ds(.string("Affine"))), ("weight", ds(try f32([2, 2]))), ("bias", ds(try f32([3])))])),
            "'/graph/nodes/fc': bias must be 1D with 2 elements, got shape (3,)")
        try expectT1CError(
            try t1c(fc: group([("type", ds(.string("Affine"))), ("weight", ds(try f32([2, 2]))), ("bias", ds(try f32([2]))), ("wieght", ds(try f32([1])))])),
            "'/graph/nodes/fc/wieght': Affine has no field 'wieght'")
        try expectT1CError(try t1c(edges: group([("dst", ds(.strings(["fc"]))), ("src", ds(.strings(["i", "fc"])))])), "src has 2 names but dst has 1")
        try expectT1CError(try t1c(edges: group([("src", ds(.strings(["i"])))])), "'/graph/edges/dst' is missing")
        try expectT1CError(try t1c(graphExtra: [("allow_cycles", ds(.string("yes")))]), "'/graph/allow_cycles' is not a bool")
        try expectT1CError(
            try t1c(fc: group([("type", ds(.string("Input"))), ("shape", ds(.numbers(try Tensor(int64: [-3]))))])), "'/graph/nodes/fc/shape' is not a 1-D array of dimensions")
    }

    func testNIRFilesWrongInOneWayEach() throws {
        func nir(_ top: HDF5Node) -> HDF5Group {
            HDF5Group(children: [(name: "node", node: top), (name: "version", node: ds(.string("1.0.8")))])
        }
        func graph(_ nodes: [(String, HDF5Node)], edges: HDF5Value) -> HDF5Node {
            group([("edges", ds(edges)), ("nodes", group(nodes)), ("type", ds(.string("NIRGraph")))])
        }
        let input = group([("shape", ds(.numbers(try Tensor(int64: [2])))), ("type", ds(.string("Input")))])
        let output = group([("shape", ds(.numbers(try Tensor(int64: [2])))), ("type", ds(.string("Output")))])
        func expect(_ tree: HDF5Group, _ fragment: String, line: UInt = #line) throws {
            let path = tmp.appendingPathComponent("x.nir").path
            try HDF5File.write(tree, to: path)
            XCTAssertThrowsError(try NIRFile.read(path: path), line: line) { error in
                let e = error as? CelestaError
                XCTAssertEqual(e?.code, .parse, "\(error)", line: line)
                XCTAssertTrue(e?.message.contains(fragment) ?? false, "\(error) lacks \(fragment)", line: line)
            }
        }
        let edges = HDF5Value.strings(shape: [1, 2], values: ["i", "o"])
        try expect(nir(graph([("i", input), ("o", output)], edges: .strings(["i", "o"]))), "is not an (E, 2) array of names")
        try expect(nir(graph([("i", input), ("o", output)], edges: .strings(shape: [1, 2], values: ["i", "ghost"]))), "names a missing node")
        try expect(nir(graph([("i", input), ("x", group([("type", ds(.string("BatchNorm1d")))]))], edges: edges)), "'BatchNorm1d' is not a NIR 1.0.8 node type")
        try expect(nir(graph([("i", input), ("o", output), ("lif", group([("type", ds(.string("LIF"))), ("tau", ds(try f32([2])))]))], edges: edges)),
                   "missing required argument: 'r'")
        // Nesting deeper than the reader's limit (each level a NIRGraph holding the next).
        var inner = graph([("i", input), ("o", output)], edges: edges)
        for _ in 0..<(NIRFile.maxNesting + 1) { inner = graph([("i", input), ("o", output), ("sub", inner)], edges: edges) }
        try expect(nir(inner), "nested deeper than \(NIRFile.maxNesting)")
        try expect(HDF5Group(children: [(name: "version", node: ds(.string("1.0.8")))]), "no group 'node'")
    }
}
