import CelestaIR
import Foundation
import XCTest

/// The visualisation: `graph_to_dict` against TALON's output (the shared case and the outputs
/// in Fixtures/talon/viz), the partitioned and schedule data, and the pages' text. (The pages
/// are drawn in a real browser by bindings/python/tests/test_viz_browser.py.)
final class VizTests: XCTestCase {
    private func parsed(_ bytes: [UInt8]) throws -> JSONValue { try JSONParser.parse(bytes, name: "json", integers: true) }

    private func fixture(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: IRFixtures.root.appendingPathComponent(path)))
    }

    /// Compares two JSON values exactly (key order included), naming the first difference.
    private func assertSame(_ got: JSONValue, _ want: JSONValue, _ path: String = "$", file: StaticString = #filePath, line: UInt = #line) {
        switch (got, want) {
        case (.object(let g, let go), .object(let w, let wo)):
            XCTAssertEqual(go, wo, "keys of \(path)", file: file, line: line)
            for k in wo where g[k] != nil { assertSame(g[k]!, w[k]!, "\(path).\(k)", file: file, line: line) }
        case (.array(let g), .array(let w)):
            XCTAssertEqual(g.count, w.count, "length of \(path)", file: file, line: line)
            for (i, (a, b)) in zip(g, w).enumerated() { assertSame(a, b, "\(path)[\(i)]", file: file, line: line) }
        default:
            XCTAssertEqual(got, want, "value of \(path)", file: file, line: line)
        }
    }

    private func graph(_ name: String) throws -> IRGraph {
        if name == "viz_patterns" { return try TalonGraphFile.graph(try IRFixtures.object("talon/viz/viz_patterns.graph.json")) }
        return try TalonGraphFile.load(name)
    }

    // MARK: graph_to_dict

    func testSharedCaseMLP() throws {
        let case_ = try parsed(try fixture("talon/cases/viz.mlp_784_128_10.json"))
        guard case .object(let doc, _) = case_, case .object(let expected, _)? = doc["expected"] else { return XCTFail("case shape") }
        let dict = VizGraphDict.make(try graph("mlp_784_128_10"))
        let keys = expected["graph_to_dict_top_keys"]!.elements!.map { v -> String in
            if case .string(let s) = v { return s }
            return ""
        }
        XCTAssertEqual(dict.keys, keys)
        assertSame(try parsed(dict.bytes()), expected["graph_to_dict"]!)
    }

    func testTalonOutputsOfTheOtherGraphs() throws {
        for name in ["skip_mixed", "kitchen_sink", "conv_snn", "recurrent_lif", "viz_patterns"] {
            let want = try parsed(try fixture("talon/viz/\(name).graph_to_dict.json"))
            let got = try parsed(VizGraphDict.make(try graph(name)).bytes())
            assertSame(got, want, name)
        }
    }

    func testPatternsFound() throws {
        let d = VizGraphDict.make(try graph("viz_patterns"))
        XCTAssertEqual(d["groups"]!.items.compactMap { $0["type"]?.stringValue }, ["RepConv", "SPP", "SPPF", "SkipConnection"])
        XCTAssertEqual(d["groups"]!.items.compactMap { $0["label"]?.stringValue }, ["RepConv (3 branches)", "SPP (4 scales)", "SPPF (depth=3)", "Skip (2 layers)"])
        XCTAssertEqual(d["node_to_group"]?["lif_r"]?.stringValue, "repconv_add")
        // Without detection: no groups, no group keys on nodes.
        let plain = VizGraphDict.make(try graph("viz_patterns"), detectPatterns: false)
        XCTAssertEqual(plain["groups"], .array([]))
        XCTAssertFalse(plain["nodes"]!.items.contains { $0["group"] != nil })
    }

    func testArraysAreSummarisedOrEmbedded() throws {
        let g = try graph("mlp_784_128_10")
        let summary = VizGraphDict.make(g)
        let embedded = VizGraphDict.make(g, embedArrays: true)
        let fc1 = g.node("fc1")!.tensor("weight")!
        XCTAssertEqual(summary["nodes"]!.items[1]["params"]?["weight"]?["data"]?.stringValue, VizGraphDict.omitted)
        let b64 = embedded["nodes"]!.items[1]["params"]?["weight"]?["data"]?.stringValue
        XCTAssertEqual(b64.flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }, fc1.bytes)
        XCTAssertGreaterThan(embedded.bytes().count, 400_000)
        XCTAssertLessThan(summary.bytes().count, 8_000)
    }

    func testStatsOfEdgeArrays() throws {
        XCTAssertEqual(VizArrayStats(try Tensor(float32: [])), VizArrayStats(min: 0, max: 0, mean: 0, std: 0))
        let s = VizArrayStats(try Tensor(float32: [1, .nan, 3]))
        XCTAssertTrue(s.min.isNaN && s.max.isNaN)
        XCTAssertEqual(VizJSON.object([("x", .double(.nan))]).text, "{\"x\": null}")
        // Integers are averaged in float64.
        let i = VizArrayStats(try Tensor(int64: [1, 2, 3, 4]))
        XCTAssertEqual(i, VizArrayStats(min: 1, max: 4, mean: 2.5, std: 1.118033988749895))
        // float32 sums stay in float32 (pairwise): 2^24 + 1 + 1 + ... is not 2^24 + n.
        let big = VizArrayStats(try Tensor(float32: [16_777_216, 1, 1, 1]))
        XCTAssertEqual(big.mean, Double(Float(Double(Float(16_777_216) + 1 + 1 + 1) / 4)))
    }

    func testJSONText() {
        XCTAssertEqual(VizJSON.object([("s", .string("<a & b>\n\u{1}")), ("i", .int(3)), ("d", .double(3)), ("e", .double(1e-5))]).text,
                       "{\"s\": \"<a & b>\\n\\u0001\", \"i\": 3, \"d\": 3.0, \"e\": 1e-05}")
        // Inside a page's <script> element nothing can close it.
        XCTAssertEqual(String(decoding: VizJSON.string("</script>&").bytes(safeForScript: true), as: UTF8.self),
                       "\"\\u003c/script\\u003e\\u0026\"")
    }

    // MARK: Partitioned view

    /// `skip_mixed` with the greedy partition of the shared case partition.skip_mixed.mesh_4x4_cap3.greedy.
    private func partitionedSkipMixed() throws -> IRGraph {
        var g = try graph("skip_mixed")
        let cores: [(String, Int)] = [("input", 0), ("fc1", 0), ("lif1", 0), ("fc2", 0), ("if2", 1), ("skip", 1), ("drop", 1), ("bn", 2), ("fc3", 2), ("relu", 2), ("lif3", 3), ("output", 3)]
        g.settings["partition_metadata"] = .dict([
            "assignments": .dict(IRDict(cores.map { IREntry($0.0, .int($0.1)) })),
            "num_cores_used": .int(4),
            "cross_core_edges": .list([.list([.string("fc2"), .string("if2")]), .list([.string("lif1"), .string("skip")])]),
            "algorithm": .string("greedy"),
        ])
        return g
    }

    func testPartitionedDict() throws {
        let d = try VizPages.partitionedDict(try partitionedSkipMixed())
        let nodes = d["nodes"]!.items
        let ifNode = nodes.first { $0["id"]?.stringValue == "if2" }!
        XCTAssertEqual(ifNode["borderColor"]?.stringValue, "#EA4335")
        XCTAssertEqual(ifNode["hardware"]?["core_id"]?.intValue, 1)
        XCTAssertEqual(ifNode["color"]?.stringValue, VizStyle.kindColor("IF"))
        XCTAssertEqual(nodes.first { $0["id"]?.stringValue == "fc1" }?["color"]?.stringValue, "#FF9800")
        let cross = d["edges"]!.items.filter { $0["cross_core"] == .bool(true) }.map { "\($0["source"]!.stringValue!)->\($0["target"]!.stringValue!)" }
        XCTAssertEqual(cross, ["fc2->if2", "lif1->skip", "drop->bn", "relu->lif3"])
        let legend = d["metadata"]!["core_legend"]!.items.map { [$0["core_id"]!.intValue!, $0["node_count"]!.intValue!] }
        XCTAssertEqual(legend, [[0, 4], [1, 3], [2, 3], [3, 2]])
        XCTAssertEqual(d["metadata"]?["partition"]?["algorithm"]?.stringValue, "greedy")
        XCTAssertEqual(d["metadata"]?["partition"]?["cross_core_edges"]?.intValue, 4)
        XCTAssertEqual(d["metadata"]?["model"]?.stringValue, "skip_mixed")
        XCTAssertEqual(d["metadata"]!["type_legend"]!.items.compactMap { $0["type"]?.stringValue }.first, "Affine")
    }

    func testPartitionedNeedsACoreForEveryNode() throws {
        let g = try graph("skip_mixed")
        XCTAssertThrowsError(try VizPages.partitionedDict(g)) { e in
            XCTAssertEqual((e as? CelestaError)?.code, .invalidArgument)
            XCTAssertTrue((e as? CelestaError)?.message.contains("not partitioned") ?? false)
        }
        XCTAssertThrowsError(try VizPages.partitionedDict(g, assignments: [("fc1", 0)])) { e in
            XCTAssertTrue((e as? CelestaError)?.message.hasPrefix("9 primitive(s) could not be assigned to a core: lif1, fc2, if2, skip, drop ...") ?? false, "\(e)")
        }
        // Given assignments override the graph's; core ids on nodes fill the rest.
        var h = try partitionedSkipMixed()
        h.settings["partition_metadata"] = nil
        var node = h.node("fc1")!
        node.fields["core_id"] = .int(7)
        try h.replace(node)
        let others = h.nodeNames.filter { $0 != "fc1" }.map { ($0, 0) }
        let d = try VizPages.partitionedDict(h, assignments: others)
        XCTAssertEqual(d["metadata"]!["core_legend"]!.items.map { $0["core_id"]!.intValue! }, [0, 7])
        XCTAssertEqual(d["metadata"]?["partition"]?["algorithm"]?.stringValue, "assignments")
    }

    func testAssignmentAndLatencyJSON() throws {
        XCTAssertEqual(try VizPages.assignments(json: Array("{\"a\": 1, \"b\": 0}".utf8), name: "x").map { "\($0.0)=\($0.1)" }, ["a=1", "b=0"])
        for bad in ["[1]", "{\"a\": -1}", "{\"a\": 1.5}", "{\"a\": \"0\"}"] {
            XCTAssertThrowsError(try VizPages.assignments(json: Array(bad.utf8), name: "cores.json"), bad) { e in
                XCTAssertTrue((e as? CelestaError)?.message.contains("cores.json") ?? false)
            }
        }
        XCTAssertThrowsError(try VizPages.assignments(json: Array("{\"a\": ".utf8), name: "cores.json")) { e in
            XCTAssertEqual((e as? CelestaError)?.code, .parse)
        }
        XCTAssertEqual(try VizPages.latencies(json: Array("{\"a\": 1.5, \"b\": 2}".utf8), name: "x"), ["a": 1.5, "b": 2])
        XCTAssertThrowsError(try VizPages.latencies(json: Array("{\"a\": -1}".utf8), name: "lat.json"))
        XCTAssertThrowsError(try VizPages.latencies(json: Array("{\"a\": null}".utf8), name: "lat.json"))
    }

    // MARK: Schedule

    private func lanes(_ s: VizJSON) -> [[String]] {
        s["lanes"]!.items.map { $0["items"]!.items.map { "\($0["id"]!.stringValue!)@\($0["start"]!.intValue!)" } }
    }

    func testScheduleOfAPartition() throws {
        let s = VizPages.schedule(try partitionedSkipMixed())
        XCTAssertEqual(s["source"]?.stringValue, "partition")
        XCTAssertEqual(lanes(s), [
            ["input@0", "fc1@1", "lif1@2", "fc2@3"], ["if2@4", "skip@5", "drop@6"], ["bn@7", "fc3@8", "relu@9"], ["lif3@10", "output@11"],
        ])
        XCTAssertEqual(s["makespan"]?.intValue, 12)
        XCTAssertEqual(s["dependencies"]!.items.count, 4)
        XCTAssertEqual(s["stage"]?.stringValue, "placed")
        // Latencies set the durations.
        let timed = VizPages.schedule(try partitionedSkipMixed(), latencies: ["fc1": 10, "fc2": 5])
        XCTAssertEqual(timed["unit"]?.stringValue, "us")
        XCTAssertEqual(timed["makespan"]?.intValue, 15)
    }

    func testScheduleFallbacks() throws {
        // Unpartitioned: one lane in topological order.
        let s = VizPages.schedule(try graph("conv_snn"))
        XCTAssertEqual(s["source"]?.stringValue, "topological order")
        XCTAssertEqual(s["lanes"]!.items.count, 1)
        XCTAssertEqual(s["makespan"]?.intValue, 10)
        // A cycle does not hang the timeline; every node is placed once.
        let r = VizPages.schedule(try graph("recurrent_lif"))
        XCTAssertEqual(r["lanes"]!.items[0]["items"]!.items.count, try graph("recurrent_lif").nodes.count)
        // An explicit execution_schedule: one list of stages per core.
        var g = try graph("skip_mixed")
        g.settings["execution_schedule"] = .list([
            .list([.list([.string("input"), .string("fc1")]), .list([.string("lif1")])]),
            .list([.string("fc2"), .string("if2")]),
        ])
        let e = VizPages.schedule(g)
        XCTAssertEqual(e["source"]?.stringValue, "execution_schedule")
        XCTAssertEqual(lanes(e), [["input@0", "fc1@1", "lif1@2"], ["fc2@3", "if2@4"]])
        XCTAssertEqual(e["lanes"]!.items[0]["items"]!.items.map { $0["stage"]!.intValue! }, [0, 0, 1])
    }

    // MARK: Pages

    /// The JSON data a page embeds.
    private func embedded(_ page: [UInt8]) throws -> JSONValue {
        let text = String(decoding: page, as: UTF8.self)
        let start = try XCTUnwrap(text.range(of: "<script type=\"application/json\" id=\"celesta-data\">"))
        let end = try XCTUnwrap(text.range(of: "</script>", range: start.upperBound..<text.endIndex))
        return try parsed(Array(text[start.upperBound..<end.lowerBound].utf8))
    }

    func testPagesAreSelfContainedAndSmall() throws {
        let conv = try graph("conv_snn")
        let page = VizPages.graphPage(conv, title: "Conv <SNN> & \"friends\"</script>")
        let text = String(decoding: page, as: UTF8.self)
        XCTAssertFalse(text.contains("http://") || text.contains("https://"), "a page names no URL")
        XCTAssertFalse(text.contains("</script>\"") || text.contains("<SNN>"))
        XCTAssertTrue(text.contains("<title>Conv &lt;SNN&gt; &amp; &quot;friends&quot;&lt;/script&gt;</title>"))
        XCTAssertTrue(text.contains("Content-Security-Policy"))
        guard case .object(let data, _) = try embedded(page) else { return XCTFail("data") }
        assertSame(data["graph"]!, try parsed(VizGraphDict.make(conv).bytes()))
        XCTAssertEqual(data["title"], .string("Conv <SNN> & \"friends\"</script>"))
        XCTAssertLessThan(page.count, 64_000, "403,538 parameters, summarised")
        XCTAssertGreaterThan(VizPages.graphPage(conv, embedArrays: true).count, 1_500_000)
        let schedule = VizPages.schedulePage(conv)
        guard case .object(let s, _) = try embedded(schedule) else { return XCTFail("data") }
        XCTAssertEqual(s["view"], .string("schedule"))
    }

    func testWritingIsAtomic() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("celesta-viz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("p.html").path
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        let g = try graph("skip_mixed")
        XCTAssertThrowsError(try VizPages.write(try VizPages.partitionedPage(g), to: path))
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "old")
        let nested = dir.appendingPathComponent("a/b/graph.html").path
        XCTAssertThrowsError(try VizPages.write(VizPages.graphPage(g), to: nested)) { e in XCTAssertEqual((e as? CelestaError)?.code, .io) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: nested))
        try VizPages.write(VizPages.graphPage(g), to: nested, createFolders: true)
        XCTAssertTrue(FileManager.default.fileExists(atPath: nested))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0 != "p.html" && $0 != "a" }
        XCTAssertEqual(leftovers, [])
    }
}
