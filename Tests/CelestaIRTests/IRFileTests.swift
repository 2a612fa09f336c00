import CelestaIR
import Foundation
import XCTest

/// `.t1c` and NIR files: TALON's and nir's files read as the reference says, round trips both
/// ways, graph orders, and bad files.
final class IRFileTests: XCTestCase {
    var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("celesta-ir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    func t1c(_ g: String) -> String { IRFixtures.root.appendingPathComponent("talon/graphs/\(g).t1c").path }

    /// Every `ir_roundtrip` case: the TALON-written file reads (in TALON mode) as TALON reads it.
    func testTALONFilesReadAsTALONReadsThem() throws {
        for g in IRFixtures.talonGraphs {
            let e = (try IRFixtures.object("talon/cases/ir_roundtrip.\(g).json"))["expected"] as! [String: Any]
            let graph = try T1CFile.read(path: t1c(g), mode: .talon)
            XCTAssertEqual(try T1CFile.readVersion(path: t1c(g)), e["version"] as? String)
            XCTAssertEqual(graph.nodeNames, e["node_order_after_read"] as? [String], g)
            XCTAssertEqual(graph.edges.map { [$0.source, $0.target] }, e["edges_after_read"] as? [[String]], g)
            XCTAssertEqual(graph.isDAG, e["is_dag"] as? Bool, g)
            XCTAssertEqual(graph.allowCycles, e["allow_cycles_after_read"] as? Bool, g)
            XCTAssertEqual(graph.stage, e["stage_after_read"] as? String, g)
            XCTAssertEqual(graph.metadata, try TalonGraphFile.dict(e["metadata_after_read"] as! [String: Any]), g)
            let types = e["node_types_after_read"] as! [String: String]
            XCTAssertEqual(Dictionary(uniqueKeysWithValues: graph.nodes.map { ($0.name, $0.type) }), types, g)
            let io = e["io_types_after_read"] as! [String: [String: Any]]
            for n in graph.nodes {
                XCTAssertEqual(TalonGraphFile.printed(n.inputType), TalonGraphFile.printed(io[n.name]?["input_type"]), "\(g).\(n.name) input")
                XCTAssertEqual(TalonGraphFile.printed(n.outputType), TalonGraphFile.printed(io[n.name]?["output_type"]), "\(g).\(n.name) output")
            }
            XCTAssertEqual(TalonGraphFile.printed(graph.inputType), TalonGraphFile.printed(e["graph_input_type"]), g)
            XCTAssertEqual(TalonGraphFile.printed(graph.outputType), TalonGraphFile.printed(e["graph_output_type"]), g)
        }
    }

    /// The arrays TALON wrote read bit-for-bit equal to the graph file's.
    func testTALONFileValuesEqualTheGraphFiles() throws {
        for g in IRFixtures.talonGraphs {
            let built = try TalonGraphFile.load(g, mode: .talon)
            let read = try T1CFile.read(path: t1c(g), mode: .talon)
            for n in built.nodes {
                let r = try XCTUnwrap(read.node(n.name), "\(g).\(n.name)")
                XCTAssertEqual(r.type, n.type)
                for e in n.fields.entries {
                    guard case .tensor(let t) = e.value else { continue }
                    XCTAssertEqual(r.tensor(e.key), t, "\(g).\(n.name).\(e.key)")
                }
            }
        }
    }

    /// Celesta -> .t1c -> Celesta keeps everything: node order, port shapes (TALON loses
    /// them), tuples, metadata, settings.
    func testCelestaT1CRoundTripIsLossless() throws {
        for g in IRFixtures.talonGraphs {
            let graph = try TalonGraphFile.load(g)
            let path = tmp.appendingPathComponent("\(g).t1c").path
            try T1CFile.write(graph, to: path)
            let back = try T1CFile.read(path: path)
            XCTAssertEqual(back.nodeNames, graph.nodeNames, g)
            XCTAssertEqual(back.edges, graph.edges, g)
            for n in graph.nodes {
                XCTAssertEqual(back.node(n.name), n, "\(g).\(n.name)")
            }
            XCTAssertEqual(back, graph, g)
        }
    }

    /// What Celesta writes has TALON's layout: every path, type and shape of TALON's own file
    /// (the Celesta attributes aside); in TALON mode no attribute at all.
    func testCelestaWritesTALONsLayout() throws {
        for g in IRFixtures.talonGraphs {
            let graph = try TalonGraphFile.load(g, mode: .talon)
            for mode in [IRMode.celesta, .talon] {
                let path = tmp.appendingPathComponent("\(g)-\(mode).t1c").path
                try T1CFile.write(graph, to: path, mode: mode)
                let mine = try HDF5File.read(path: path)
                let theirs = try HDF5File.read(path: t1c(g))
                XCTAssertEqual(paths(mine), paths(theirs), "\(g) \(mode)")
                if mode == .talon { XCTAssertEqual(attributeCount(mine), 0, g) } else { XCTAssertGreaterThan(attributeCount(mine), 0, g) }
                let read = try T1CFile.read(path: path, mode: .talon)
                XCTAssertEqual(read, try T1CFile.read(path: t1c(g), mode: .talon), "\(g) \(mode): TALON's reading of both files")
            }
        }
    }

    func paths(_ g: HDF5Group, _ prefix: String = "") -> [String] {
        g.children.flatMap { c -> [String] in
            let p = prefix + "/" + c.name
            switch c.node {
            case .group(let sub): return [p + "/"] + paths(sub, p)
            case .dataset(let d): return [p + " \(d.value.shape) \(kind(d.value))"]
            }
        }.sorted()
    }

    func kind(_ v: HDF5Value) -> String {
        switch v {
        case .numbers(let t): return t.dtype.rawValue
        case .bools: return "bool"
        case .strings: return "str"
        }
    }

    func attributeCount(_ g: HDF5Group) -> Int {
        g.attributes.count + g.children.reduce(0) { n, c in
            switch c.node {
            case .group(let sub): return n + attributeCount(sub)
            case .dataset(let d): return n + d.attributes.count
            }
        }
    }

    /// rustworkx's topological order and SCC sequence, as the graph files record them.
    func testTraversalOrdersEqualRustworkx() throws {
        for g in IRFixtures.talonGraphs + ["mlp_784_128_10"] {
            let doc = try IRFixtures.object("talon/graphs/\(g).graph.json")
            let graph = try TalonGraphFile.graph(doc)
            XCTAssertEqual(graph.topologicalOrder, doc["rustworkx_topological_order"] as? [String], g)
            let scc = (doc["rustworkx_scc_sequence"] as! [[String]]).map { Set($0) }
            XCTAssertEqual(graph.stronglyConnectedComponents.map { Set($0) }, scc, g)
        }
    }

    func testValidationMessagesAndOrder() throws {
        func graph(_ edges: [(String, String)], cycles: Bool = false) throws -> IRGraph {
            let w = IRValue.tensor(try Tensor(float32: [1, 1, 1, 1], shape: [2, 2]))
            let b = IRValue.tensor(try Tensor(float32: [0, 0]))
            var g = try IRGraph(nodes: [
                try IRNode.make(name: "i", type: "Input", fields: [:], inputType: PortShapes("input", [2])),
                try IRNode.make(name: "a", type: "Affine", fields: ["weight": w, "bias": b]),
                try IRNode.make(name: "b", type: "Affine", fields: ["weight": w, "bias": b]),
                try IRNode.make(name: "o", type: "Output", fields: [:], outputType: PortShapes("output", [2])),
            ])
            for (s, t) in edges { g.connect(s, t) }
            g.allowCycles = cycles
            return g
        }
        let cases: [([(String, String)], String)] = [
            ([("i", "a"), ("a", "ghost"), ("a", "o")], "Edge destination 'ghost' not found in nodes"),
            ([("x", "a")], "Edge source 'x' not found in nodes"),
            ([("i", "a"), ("a", "a")], "Self-loop detected: 'a' -> 'a'"),
            ([("a", "i")], "Input node 'i' has incoming edge from 'a'"),
            ([("o", "b")], "Output node 'o' has outgoing edge to 'b'"),
            ([("i", "a"), ("a", "b"), ("b", "a"), ("b", "o")], "Graph contains cycles but allow_cycles=False. Set allow_cycles=True for recurrent/cyclic architectures."),
        ]
        for (edges, message) in cases {
            XCTAssertThrowsError(try graph(edges).validate(), message) { XCTAssertEqual(($0 as? CelestaError)?.message, message) }
        }
        XCTAssertNoThrow(try graph([("i", "a"), ("a", "b"), ("b", "a"), ("b", "o")], cycles: true).validate())
        XCTAssertEqual(try graph([("i", "a"), ("a", "b"), ("b", "a"), ("b", "o")], cycles: true).cycles.map { Set($0) }, [Set(["a", "b"])])
    }

    // MARK: NIR

    func nirPath(_ n: String) -> String { IRFixtures.root.appendingPathComponent("nir/\(n).nir").path }

    /// Every NIR reference file reads as `nir.read` does: node types, every parameter (dtype,
    /// shape and values), port shapes, edges, metadata, nested graphs.
    func testNIRFilesReadAsNIRReadsThem() throws {
        for name in IRFixtures.nirNames {
            let doc = try IRFixtures.object("nir/\(name).json")
            let graph = try NIRFile.read(path: nirPath(name))
            try compare(graph, doc["graph_as_read"] as! [String: Any], name)
        }
    }

    func compare(_ graph: IRGraph, _ expected: [String: Any], _ where_: String) throws {
        let nodes = expected["nodes"] as! [String: [String: Any]]
        XCTAssertEqual(Set(graph.nodeNames), Set(nodes.keys), where_)
        XCTAssertEqual(graph.edges.map { [$0.source, $0.target] }, expected["edges"] as? [[String]], where_)
        XCTAssertEqual(TalonGraphFile.printed(graph.inputType), TalonGraphFile.printed(expected["input_type"]), "\(where_) graph input")
        XCTAssertEqual(TalonGraphFile.printed(graph.outputType), TalonGraphFile.printed(expected["output_type"]), "\(where_) graph output")
        XCTAssertEqual(graph.metadata, try nirMetadata(expected["metadata"]), "\(where_) metadata")
        for (name, e) in nodes {
            let n = try XCTUnwrap(graph.node(name), "\(where_).\(name)")
            XCTAssertEqual(n.type, e["type"] as? String, "\(where_).\(name)")
            if n.type == "NIRGraph" {
                try compare(try XCTUnwrap(n.subgraph), e, "\(where_).\(name)")
                continue
            }
            XCTAssertEqual(TalonGraphFile.printed(n.inputType).values.first, TalonGraphFile.printed(e["input_type"]).values.first, "\(where_).\(name) input")
            XCTAssertEqual(TalonGraphFile.printed(n.outputType).values.first, TalonGraphFile.printed(e["output_type"]).values.first, "\(where_).\(name) output")
            let meta = try nirMetadata(e["metadata"])
            XCTAssertEqual(n.fields["metadata"].flatMap { if case .dict(let d) = $0 { return d } else { return nil } } ?? IRDict(), meta, "\(where_).\(name) metadata")
            for (field, p) in e["params"] as! [String: [String: Any]] {
                let p = p
                if field == "shape" || (n.type == "Flatten" && field == "input_type") { continue }
                let v = try XCTUnwrap(n.fields[field], "\(where_).\(name).\(field)")
                if let dtype = p["dtype"] as? String {
                    let shape = (p["shape"] as! [Any]).map { ($0 as! NSNumber).intValue }
                    let t: Tensor
                    switch v {
                    case .tensor(let x): t = x
                    case .int(let i): t = try Tensor(int64: [i], shape: [])
                    default: XCTFail("\(where_).\(name).\(field) is \(v)"); continue
                    }
                    XCTAssertEqual(t.dtype.rawValue, dtype, "\(where_).\(name).\(field)")
                    XCTAssertEqual(t.shape, shape, "\(where_).\(name).\(field)")
                    let first = (p["first"] as! [Any]).map { ($0 as! NSNumber).doubleValue }
                    // (Foundation's JSON reader on Linux is not correctly rounded: allow 1e-14.)
                    for (a, b) in zip(t.doubles.prefix(first.count), first) {
                        XCTAssertEqual(a, b, accuracy: 1e-14 * max(1, abs(b)), "\(where_).\(name).\(field)")
                    }
                    XCTAssertEqual(t.doubles.reduce(0, +), (p["sum"] as! NSNumber).doubleValue, accuracy: 1e-9 * max(1, abs((p["sum"] as! NSNumber).doubleValue)), "\(where_).\(name).\(field)")
                } else {
                    XCTAssertEqual(v.double, (p["value"] as? NSNumber)?.doubleValue, "\(where_).\(name).\(field)")
                }
            }
        }
    }

    func nirMetadata(_ v: Any?) throws -> IRDict {
        guard let d = v as? [String: Any] else { return IRDict() }
        var out = IRDict()
        for k in d.keys.sorted() {
            if let o = d[k] as? [String: Any], let value = o["value"] {
                out[k] = try TalonGraphFile.plain(value)
            } else {
                out[k] = try TalonGraphFile.plain(d[k]!)
            }
        }
        return out
    }

    /// NIR -> Celesta -> NIR -> Celesta is lossless, compressed or not, and keeps nir's layout.
    func testNIRRoundTrip() throws {
        for name in IRFixtures.nirNames {
            let graph = try NIRFile.read(path: nirPath(name))
            for compress in [true, false] {
                let path = tmp.appendingPathComponent("\(name)-\(compress).nir").path
                try NIRFile.write(graph, to: path, compress: compress)
                let back = try NIRFile.read(path: path)
                XCTAssertEqual(Set(back.nodeNames), Set(graph.nodeNames), name)
                for n in graph.nodes { XCTAssertEqual(back.node(n.name), n, "\(name).\(n.name)") }
                XCTAssertEqual(back.edges, graph.edges, name)
                XCTAssertEqual(back.metadata, graph.metadata, name)
            }
        }
    }

    /// A TALON graph of NIR-compatible primitives goes to NIR and back.
    func testTALONGraphToNIRAndBack() throws {
        let graph = try TalonGraphFile.load("mlp_seed_backend")
        let path = tmp.appendingPathComponent("mlp.nir").path
        try NIRFile.write(graph, to: path)
        let back = try NIRFile.read(path: path)
        XCTAssertEqual(back.nodeNames, graph.nodeNames)
        for n in graph.nodes {
            let b = try XCTUnwrap(back.node(n.name))
            for e in n.fields.entries { XCTAssertEqual(b.fields[e.key], e.value, "\(n.name).\(e.key)") }
            XCTAssertEqual(b.inputType, n.inputType, n.name)
        }
        // BatchNorm has no NIR type: a clear error naming the node.
        let mixed = try TalonGraphFile.load("skip_mixed")
        XCTAssertThrowsError(try NIRFile.write(mixed, to: tmp.appendingPathComponent("x.nir").path)) {
            XCTAssertEqual(($0 as? CelestaError)?.code, .unsupported)
            XCTAssertTrue(($0 as? CelestaError)?.message.contains("which NIR 1.0.8 has no node type for") ?? false)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp.appendingPathComponent("x.nir").path))
    }

    /// IR JSON keeps every value kind.
    func testJSONRoundTrip() throws {
        for g in IRFixtures.talonGraphs {
            let graph = try TalonGraphFile.load(g)
            XCTAssertEqual(try IRJSON.decode(Array(IRJSON.encode(graph).utf8)), graph, g)
            var arrays: [Tensor] = []
            let text = withUnsafeMutablePointer(to: &arrays) { IRJSON.encode(graph, arrays: $0) }
            XCTAssertEqual(try IRJSON.decode(Array(text.utf8), arrays: arrays), graph, g)
        }
        for name in IRFixtures.nirNames {
            let graph = try NIRFile.read(path: nirPath(name))
            XCTAssertEqual(try IRJSON.decode(Array(IRJSON.encode(graph).utf8)), graph, name)
        }
    }

    /// Truncations at every 1/16 and seeded byte flips of every file: an error or a graph,
    /// never a crash.
    func testDamagedFilesGiveErrors() throws {
        var files = IRFixtures.talonGraphs.filter { $0 != "conv_snn" }.map { (t1c($0), true) }
        files += IRFixtures.nirNames.map { (nirPath($0), false) }
        var rng = SplitMix64(seed: 7)
        var errors = 0
        for (path, isT1C) in files {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            var variants: [[UInt8]] = (1..<16).map { Array(bytes.prefix(bytes.count * $0 / 16)) }
            for _ in 0..<40 {
                var b = bytes
                let i = Int(rng.next() % UInt64(b.count))
                b[i] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
                variants.append(b)
            }
            for (k, v) in variants.enumerated() {
                let p = tmp.appendingPathComponent("bad\(k)\(isT1C ? ".t1c" : ".nir")").path
                try Data(v).write(to: URL(fileURLWithPath: p))
                do {
                    _ = isT1C ? try T1CFile.read(path: p) : try NIRFile.read(path: p)
                } catch let e as CelestaError {
                    errors += 1
                    XCTAssertTrue([.io, .parse, .unsupported, .limitExceeded].contains(e.code), "\(path) variant \(k): \(e)")
                    XCTAssertTrue(e.message.contains(p), "\(e.message)")
                }
            }
        }
        XCTAssertGreaterThan(errors, 100)
    }
}
