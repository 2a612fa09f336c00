import CelestaIR
import Foundation
import XCTest

/// Every shared TALON case of the analysis kinds (analyze, profile, lint, fingerprint,
/// quantize, convert, energy_sdk), compared as the reference README §23 says: structural values
/// exactly, float64 quantities to 1e-12 relative, quantized arrays by sha256. Each case runs in
/// TALON-compatible mode (must equal TALON) and in Celesta's default mode (equal where TALON is
/// right; the documented difference where the case records a quirk).
final class SDKAnalysisTests: XCTestCase {
    // MARK: Case loading

    static func cases(_ kind: String) throws -> [(id: String, doc: [String: Any])] {
        let folder = IRFixtures.root.appendingPathComponent("talon/cases")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(kind + ".") && $0.hasSuffix(".json") }.sorted()
        return try files.map { f in
            let doc = try IRFixtures.object("talon/cases/" + f)
            return (doc["id"] as! String, doc)
        }
    }

    /// The case's input graph: the inline graph, the `.t1c` read as TALON reads it (cases
    /// called on `talon.ir.read(t1c)`), or the in-memory reference graph.
    static func graph(_ doc: [String: Any], mode: IRMode = .celesta) throws -> IRGraph {
        if let args = doc["args"] as? [String: Any], let inline = args["inline_graph"] as? [String: Any] {
            return try inlineGraph(inline, mode: mode)
        }
        let call = doc["talon_call"] as! String
        let name = ((doc["graph"] as! String) as NSString).lastPathComponent.replacingOccurrences(of: ".graph.json", with: "")
        if call.contains("talon.ir.read(t1c)") {
            return try IRFiles.read(path: IRFixtures.root.appendingPathComponent("talon/graphs/\(name).t1c").path, mode: .talon)
        }
        return try TalonGraphFile.load(name, mode: mode)
    }

    /// An inline case graph; a large array the case only describes (no `b64`; its note says
    /// "all zeros") is made as zeros of its dtype and shape.
    static func inlineGraph(_ doc: [String: Any], mode: IRMode) throws -> IRGraph {
        var g = try IRGraph()
        for n in doc["nodes"] as! [[String: Any]] {
            var fields = IRDict()
            let given = n["fields"] as! [String: Any]
            for key in given.keys.sorted() {
                let o = given[key] as! [String: Any]
                if o["b64"] == nil, o["value"] == nil, let dtype = o["dtype"] as? String {
                    XCTAssertEqual(o["note"] as? String, "all zeros")
                    fields[key] = .tensor(try Tensor.filled(0, dtype: DType(numpy: dtype)!, shape: (o["shape"] as! [Any]).map { ($0 as! NSNumber).intValue }))
                } else {
                    fields[key] = try TalonGraphFile.value(o)
                }
            }
            try g.add(try IRNode.make(
                name: n["name"] as! String, type: n["type"] as! String, fields: fields,
                inputType: TalonGraphFile.ports(n["input_type"]), outputType: TalonGraphFile.ports(n["output_type"]), mode: mode))
        }
        for e in doc["edges"] as! [[String]] { g.connect(e[0], e[1]) }
        g.allowCycles = doc["allow_cycles"] as? Bool ?? false
        if let m = doc["metadata"] as? [String: Any] { g.metadata = try TalonGraphFile.dict(m) }
        return g
    }

    static func json(_ text: String) -> Any { try! JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) }

    /// Deep comparison: the same keys and lengths, strings and integers exactly, other numbers
    /// to 1e-12 relative. Returns the first difference.
    static func difference(_ a: Any?, _ e: Any?, _ path: String = "") -> String? {
        switch (a, e) {
        case (nil, nil): return nil
        case (is NSNull, is NSNull): return nil
        case (let a as [String: Any], let e as [String: Any]):
            if Set(a.keys) != Set(e.keys) { return "\(path): keys \(a.keys.sorted()) != \(e.keys.sorted())" }
            for k in e.keys.sorted() { if let d = difference(a[k], e[k], path + "." + k) { return d } }
            return nil
        case (let a as [Any], let e as [Any]):
            if a.count != e.count { return "\(path): \(a.count) items != \(e.count)" }
            for i in 0..<e.count { if let d = difference(a[i], e[i], "\(path)[\(i)]") { return d } }
            return nil
        case (let a as String, let e as String): return a == e ? nil : "\(path): '\(a)' != '\(e)'"
        case (let a?, let e?) where isBool(a) || isBool(e):
            return isBool(a) && isBool(e) && (a as? Bool) == (e as? Bool) ? nil : "\(path): \(a) != \(e)"
        case (let a as NSNumber, let e as NSNumber):
            let x = a.doubleValue, y = e.doubleValue
            if x == y { return nil }
            return abs(x - y) <= 1e-12 * max(abs(x), abs(y)) ? nil : "\(path): \(x) != \(y)"
        default: return "\(path): \(String(describing: a)) != \(String(describing: e))"
        }
    }

    static func isBool(_ v: Any) -> Bool {
        if v is Bool && !(v is NSNumber) { return true }
        if let n = v as? NSNumber { return String(cString: n.objCType) == "c" || String(describing: type(of: v)).contains("Bool") }
        return false
    }

    func assertSame(_ actual: Any?, _ expected: Any?, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        if let d = Self.difference(actual, expected) { XCTFail("\(what): \(d)", file: file, line: line) }
    }

    /// True when the graph has a node whose parameters TALON's analyze does not count.
    static func hasUncountedParameters(_ g: IRGraph) -> Bool {
        g.nodes.contains { n in
            guard let f = AnalysisFacts.of(n.type), !f.talonCountsParameters else { return false }
            return f.parameters.contains { n.tensor($0) != nil }
        }
    }

    // MARK: analyze

    func testAnalyzeCases() throws {
        let cases = try Self.cases("analyze")
        XCTAssertEqual(cases.count, 7)
        for (id, doc) in cases {
            let expected = doc["expected"] as! [String: Any]
            let g = try Self.graph(doc)
            let talon = GraphAnalysis.analyze(g, mode: .talon)
            assertSame(Self.json(AnalysisJSON.stats(talon)), expected["graph_stats"], id + " (talon)")
            if let s = expected["summarize"] as? String { XCTAssertEqual(GraphAnalysis.summarize(talon), s, id) }
            if let s = expected["summarize_verbose"] as? String { XCTAssertEqual(GraphAnalysis.summarize(talon, verbose: true), s, id) }
            let celesta = GraphAnalysis.analyze(g)
            if Self.hasUncountedParameters(g) {
                // Quirk 12: Celesta counts them.
                XCTAssertGreaterThan(celesta.totalParams, talon.totalParams, id)
                XCTAssertEqual(celesta.totalFlops, talon.totalFlops, id)
            } else {
                assertSame(Self.json(AnalysisJSON.stats(celesta)), expected["graph_stats"], id + " (celesta)")
            }
        }
    }

    func testAnalyzeCountsEveryParameterByDefault() throws {
        let g = try TalonGraphFile.load("skip_mixed")
        let layers = Dictionary(uniqueKeysWithValues: GraphAnalysis.analyze(g).layers.map { ($0.name, $0) })
        XCTAssertEqual(layers["bn"]?.params, 64)  // weight, bias, running mean and variance of 16
        XCTAssertEqual(layers["bn"]?.bytes, 256)
        XCTAssertEqual(layers["if2"]?.params, 16)
        XCTAssertEqual(GraphAnalysis.analyze(g, mode: .talon).layers.first { $0.name == "bn" }?.params, 0)
        let k = try TalonGraphFile.load("kitchen_sink")
        let kl = Dictionary(uniqueKeysWithValues: GraphAnalysis.analyze(k).layers.map { ($0.name, $0) })
        XCTAssertEqual(kl["conv1"]?.params, 2 * 1 * 3 + 2)
        XCTAssertEqual(kl["prelu"]?.params, 32)
        XCTAssertEqual(kl["ln"]?.params, 64)
    }

    func testFormatting() {
        XCTAssertEqual(GraphAnalysis.formatNumber(999), "999")
        XCTAssertEqual(GraphAnalysis.formatNumber(1000), "1,000")
        XCTAssertEqual(GraphAnalysis.formatNumber(99_999), "99,999")
        XCTAssertEqual(GraphAnalysis.formatNumber(403_538), "403.5K")
        XCTAssertEqual(GraphAnalysis.formatNumber(1_031_168), "1.03M")
        XCTAssertEqual(GraphAnalysis.formatBytes(1023), "1023 B")
        XCTAssertEqual(GraphAnalysis.formatBytes(1536), "1.5 KB")
        XCTAssertEqual(GraphAnalysis.formatBytes(1_614_152), "1.5 MB")
        XCTAssertEqual(GraphAnalysis.formatBytes(3 << 30), "3.00 GB")
    }

    // MARK: profile

    func testProfileCases() throws {
        let cases = try Self.cases("profile")
        XCTAssertEqual(cases.count, 7)
        for (id, doc) in cases {
            let expected = doc["expected"] as! [String: Any]
            let g = try Self.graph(doc)
            let p = try HardwareProfiling.profile(g, mode: .talon)
            assertSame(Self.json(AnalysisJSON.profile(p)), expected["hardware_profile"], id + " (talon)")
            if let text = expected["format_profile"] as? String { XCTAssertEqual(HardwareProfiling.format(p), text, id) }
            let round = try AnalysisJSON.profile(from: Array(AnalysisJSON.profile(p).utf8))
            XCTAssertEqual(round, p, id)
            if !Self.hasUncountedParameters(g) {
                assertSame(Self.json(AnalysisJSON.profile(try HardwareProfiling.profile(g))), expected["hardware_profile"], id + " (celesta)")
            }
        }
    }

    func testProfileOfACyclicGraph() throws {
        let g = try TalonGraphFile.load("recurrent_lif")
        XCTAssertThrowsError(try HardwareProfiling.profile(g, mode: .talon)) { e in
            XCTAssertEqual((e as? CelestaError)?.code, .unsupported)
            XCTAssertEqual((e as? CelestaError)?.message, "'>' not supported between instances of 'NoneType' and 'int'")
        }
        let p = try HardwareProfiling.profile(g)
        XCTAssertEqual(p.lifLayers, 2)
        XCTAssertEqual(p.stateMemory, 4 * (32 + 4))
        XCTAssertFalse(p.warnings.contains { $0.hasPrefix("Deep model") })
    }

    func testProfileFromBadJSON() {
        XCTAssertThrowsError(try AnalysisJSON.profile(from: Array("{\"weight_memory\": 1}".utf8))) { e in
            XCTAssertTrue((e as! CelestaError).message.contains("activation_memory"))
        }
        XCTAssertThrowsError(try AnalysisJSON.profile(from: Array("[1".utf8)))
    }

    // MARK: lint

    func testLintCases() throws {
        let cases = try Self.cases("lint")
        XCTAssertEqual(cases.count, 12)
        for (id, doc) in cases {
            let expected = doc["expected"] as! [String: Any]
            for mode in [IRMode.talon, .celesta] {
                let g = try Self.graph(doc, mode: mode)
                assertSame(Self.json(AnalysisJSON.lint(GraphLint.lint(g, mode: mode))), expected["lint"], "\(id) (\(mode))")
                assertSame(Self.json(AnalysisJSON.lint(GraphLint.lint(g, strict: true, mode: mode))), expected["lint_strict"], "\(id) strict (\(mode))")
            }
        }
    }

    /// Graph i -> a -> skip -> o with the given Skip type (one input).
    func skipGraph(_ type: String) throws -> IRGraph {
        var g = try IRGraph()
        try g.add(try IRNode.make(name: "i", type: "Input", fields: [:], inputType: PortShapes("input", [4])))
        try g.add(try IRNode.make(name: "a", type: "ReLU", fields: ["features": .int(4)]))
        try g.add(try IRNode.make(name: "s", type: "Skip", fields: ["skip_type": .string(type)], inputType: PortShapes("input", [4]), outputType: PortShapes("output", [4])))
        try g.add(try IRNode.make(name: "o", type: "Output", fields: [:], outputType: PortShapes("output", [4])))
        g.connect("i", "a")
        g.connect("a", "s")
        g.connect("s", "o")
        return g
    }

    func testLintChecksSkipAliases() throws {
        for (alias, code) in [("add", "SKIP_MERGE_INPUTS"), ("concat", "SKIP_MERGE_INPUTS"), ("residual", "SKIP_MERGE_INPUTS")] {
            let g = try skipGraph(alias)
            let c = GraphLint.lint(g).issues.filter { $0.code == code }
            XCTAssertEqual(c.count, 1, alias)
            XCTAssertEqual(c.first?.message, "Skip node 's' (\(alias)) has only 1 input(s)")
            XCTAssertEqual(GraphLint.lint(g, mode: .talon).issues.filter { $0.code == code }.count, alias == "residual" ? 1 : 0, alias)
        }
        var g = try skipGraph("identity")
        XCTAssertTrue(GraphLint.lint(g).issues.allSatisfy { $0.code != "SKIP_PASSTHROUGH_INPUTS" })
        g.connect("i", "s")
        XCTAssertEqual(GraphLint.lint(g).issues.filter { $0.code == "SKIP_PASSTHROUGH_INPUTS" }.map(\.message), ["Skip node 's' (identity) has 2 inputs (expected 1)"])
        XCTAssertTrue(GraphLint.lint(g, mode: .talon).issues.allSatisfy { $0.code != "SKIP_PASSTHROUGH_INPUTS" })
    }

    func testLintRulesWithoutSharedCases() throws {
        var g = try IRGraph()
        try g.add(try IRNode.make(name: "i", type: "Input", fields: [:], inputType: PortShapes("input", [2])))
        let lif: IRDict = [
            "tau": .tensor(try Tensor([0.5, 200])), "r": .tensor(try Tensor([1, 1])), "v_leak": .tensor(try Tensor([0, 0])),
            "v_threshold": .tensor(try Tensor([-1, 20])),
        ]
        try g.add(try IRNode.make(name: "layer", type: "LIF", fields: lif))
        try g.add(try IRNode.make(name: "dead", type: "ReLU", fields: ["features": .int(2)]))
        try g.add(try IRNode.make(name: "o1", type: "Output", fields: [:], outputType: PortShapes("output", [2])))
        try g.add(try IRNode.make(name: "o2", type: "Output", fields: [:], outputType: PortShapes("output", [2])))
        g.connect("i", "layer")
        g.connect("layer", "o1")
        g.connect("i", "dead")
        let r = GraphLint.lint(g)
        XCTAssertEqual(r.issues.map(\.code), [
            "DEAD_END", "UNREACHABLE", "MULTI_OUTPUT", "LIF_LOW_TAU", "LIF_HIGH_TAU", "LIF_NONPOSITIVE_THRESHOLD", "LIF_HIGH_THRESHOLD",
            "GENERIC_NAME", "SMALL_MODEL",
        ])
        XCTAssertEqual(r.issues[1].message, "Node 'o2' is not reachable from any Input")
        XCTAssertEqual(r.issues[2].message, "Graph has 2 Output nodes: ['o1', 'o2']")
        XCTAssertEqual(r.issues[4].message, "Node 'layer' has very high tau=200.00 (> 100)")
        XCTAssertEqual(r.issues[5].message, "Node 'layer' has non-positive threshold=-1.00")
        XCTAssertEqual(r.issues[5].severity, .error)
        XCTAssertFalse(r.isValid)
        XCTAssertEqual(r.errors, 1)
        XCTAssertEqual(r.infos, 4)
    }

    // MARK: fingerprint

    func testFingerprintCases() throws {
        let cases = try Self.cases("fingerprint")
        XCTAssertEqual(cases.count, 5)
        for (id, doc) in cases {
            let e = doc["expected"] as! [String: Any]
            let g = try Self.graph(doc)
            XCTAssertEqual(Fingerprint.fingerprint(g), e["fingerprint_full"] as? String, id)
            XCTAssertEqual(Fingerprint.fingerprint(g, includeWeights: false), e["fingerprint_structure"] as? String, id)
            XCTAssertEqual(Fingerprint.fingerprint(g, includeMetadata: true), e["fingerprint_with_metadata"] as? String, id)
            let dual = Fingerprint.dual(g)
            XCTAssertEqual([dual.structure, dual.full], e["dual"] as? [String], id)
            XCTAssertEqual(Fingerprint.verify(g, expected: e["fingerprint_full"] as! String), e["verify_full"] as? Bool, id)
            XCTAssertFalse(Fingerprint.verify(g, expected: String(repeating: "0", count: 64)), id)
            let after = e["after_quantize_weights"] as! [String: Any]
            let qt = try GraphTransforms.quantizeWeights(g, mode: .talon)
            XCTAssertEqual(Fingerprint.fingerprint(qt), after["fingerprint_full"] as? String, id)
            XCTAssertEqual(Fingerprint.fingerprint(qt, includeWeights: false), after["fingerprint_structure"] as? String, id)
            // Celesta's int8 weights hash other bytes; the structure is the same.
            let qc = try GraphTransforms.quantizeWeights(g)
            XCTAssertEqual(Fingerprint.fingerprint(qc, includeWeights: false), after["fingerprint_structure"] as? String, id)
            XCTAssertNotEqual(Fingerprint.fingerprint(qc), after["fingerprint_full"] as? String, id)
        }
    }

    func testSHA256KnownVectors() {
        var a = SHA256()
        a.update("abc")
        XCTAssertEqual(a.hexDigest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var b = SHA256()
        XCTAssertEqual(b.hexDigest(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var c = SHA256()
        let long = Array(repeating: UInt8(ascii: "a"), count: 1_000_000)
        c.update(Array(long[0..<100]))
        c.update(Array(long[100...]))
        XCTAssertEqual(c.hexDigest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testStamp() throws {
        let g = try TalonGraphFile.load("recurrent_lif")
        let s = try Fingerprint.stamp(g, entries: ["notes": .string("v1"), "git_commit": .string("")], now: Date(timeIntervalSince1970: 86400 * 365 + 1.5))
        guard case .dict(let p)? = Fingerprint.getStamp(s) else { return XCTFail("no provenance") }
        XCTAssertEqual(p["timestamp"], .string("1971-01-01T00:00:01.500000Z"))
        XCTAssertEqual(p["notes"], .string("v1"))
        XCTAssertNil(p["git_commit"])
        XCTAssertEqual(p["fingerprint_full"], .string(Fingerprint.fingerprint(g)))
        XCTAssertTrue(s.allowCycles)
        XCTAssertFalse(try Fingerprint.stamp(g, mode: .talon).allowCycles)
        XCTAssertNil(Fingerprint.getStamp(g))
    }

    // MARK: quantize and convert

    static func sha(_ t: Tensor) -> String {
        var h = SHA256()
        h.update(t.bytes)
        return h.hexDigest()
    }

    func testQuantizeCases() throws {
        let cases = try Self.cases("quantize")
        XCTAssertEqual(cases.count, 12)
        for (id, doc) in cases {
            let e = doc["expected"] as! [String: Any]
            let args = doc["args"] as! [String: Any]
            let bits = args["bits"] as! Int, perChannel = args["per_channel"] as! Bool
            let g = try Self.graph(doc)
            let qt = try GraphTransforms.quantizeWeights(g, bits: bits, perChannel: perChannel, mode: .talon)
            let qc = try GraphTransforms.quantizeWeights(g, bits: bits, perChannel: perChannel)
            XCTAssertEqual(Dictionary(uniqueKeysWithValues: qt.nodes.map { ($0.name, $0.type) }), e["node_types"] as? [String: String], id)
            XCTAssertEqual(qc.nodes.map(\.type), g.nodes.map(\.type), id)
            assertSame(Self.json(PythonJSON.dumps(.dict(qt.metadata))), e["metadata"], id)
            assertSame(Self.json(PythonJSON.dumps(.dict(qc.metadata))), e["metadata"], id)
            for (node, arrays) in e["quantized_arrays"] as! [String: [String: Any]] {
                let tn = try qt.require(node), cn = try qc.require(node)
                if let wb = arrays["weight_bits"] as? Int {
                    XCTAssertEqual(tn["weight_bits"], .int(wb), id)
                    XCTAssertEqual(cn["weight_bits"], .int(wb), id)
                }
                for (field, value) in arrays {
                    guard let want = (value as? [String: Any])?["sha256"] as? String else { continue }
                    XCTAssertEqual(tn.tensor(field)?.dtype, .float32, "\(id) \(node).\(field)")
                    XCTAssertEqual(Self.sha(tn.tensor(field)!), want, "\(id) \(node).\(field) (talon)")
                    XCTAssertEqual(cn.tensor(field)?.dtype, .int8, "\(id) \(node).\(field)")
                    // The same numbers (TALON's -0.0 are 0 in an integer: compared as numbers).
                    XCTAssertEqual(try GraphTransforms.dequantized(cn, field)?.doubles, tn.tensor(field)?.doubles, "\(id) \(node).\(field) (celesta)")
                    XCTAssertEqual(try GraphTransforms.dequantized(cn, field)?.dtype, .float32)
                }
            }
            let after = e["profile_after"] as! [String: Any]
            if let error = after["error"] as? String {
                XCTAssertEqual(error, "TypeError")
                XCTAssertFalse(qt.allowCycles, id)
                XCTAssertThrowsError(try HardwareProfiling.profile(qt, mode: .talon), id)
                XCTAssertThrowsError(try qt.validate(), id)
                XCTAssertTrue(qc.allowCycles, id)
                XCTAssertNoThrow(try qc.validate(), id)
            } else {
                let p = try HardwareProfiling.profile(qt, mode: .talon)
                XCTAssertEqual(p.weightMemory, after["weight_memory"] as? Int, id)
                XCTAssertEqual(p.totalMemory, after["total_memory"] as? Int, id)
                XCTAssertEqual(p.estimatedQuantizedMemory, after["estimated_quantized_memory"] as? Int, id)
            }
            // Celesta's weights really are int8: the quantized arrays take a quarter of the bytes.
            let before = GraphAnalysis.analyze(g, mode: .talon).totalBytes
            let quantizedBytes = (e["quantized_arrays"] as! [String: [String: Any]]).values.flatMap { $0.values.compactMap { ($0 as? [String: Any])?["size"] as? Int } }.reduce(0, +)
            XCTAssertEqual(GraphAnalysis.analyze(qc, mode: .talon).totalBytes, before - 3 * quantizedBytes, id)
        }
    }

    func testQuantizeKeepsSConvAndRefusesBadBits() throws {
        var g = try IRGraph()
        let w = try Tensor(float32: [0.6, -0.25, 1, 0.1], shape: [1, 1, 2, 2])
        try g.add(try IRNode.make(name: "c", type: "SConv", fields: ["weight": .tensor(w), "bias": .tensor(try Tensor(float32: [0.1]))]))
        XCTAssertEqual(try GraphTransforms.quantizeWeights(g).nodes[0].type, "SConv")
        XCTAssertEqual(try GraphTransforms.quantizeWeights(g, mode: .talon).nodes[0].type, "Conv2d")
        let q = try GraphTransforms.quantizeWeights(g).nodes[0]
        XCTAssertEqual(q.tensor("weight")?.ints, [76, -32, 127, 13])
        XCTAssertThrowsError(try GraphTransforms.quantizeWeights(g, bits: 1)) { e in
            XCTAssertEqual((e as! CelestaError).message, "argument 'bits' is 1; it must be in 2...32")
        }
        XCTAssertEqual(try GraphTransforms.quantizeWeights(g, bits: 12).nodes[0].tensor("weight")?.dtype, .int16)
    }

    func testConvertCase() throws {
        let (id, doc) = try Self.cases("convert")[0]
        let e = doc["expected"] as! [String: Any]
        let g = try Self.graph(doc)
        for mode in [IRMode.talon, .celesta] {
            let c = try GraphTransforms.convertToSpiking(g, weightBits: 6, accumulatorBits: 20, spikeMode: "rate", mode: mode)
            XCTAssertEqual(Dictionary(uniqueKeysWithValues: c.nodes.map { ($0.name, $0.type) }), e["node_types"] as? [String: String], id)
            let meta = Self.json(PythonJSON.dumps(.dict(c.metadata))) as! [String: Any]
            for (k, v) in e["metadata"] as! [String: Any] { assertSame(meta[k], v, "\(id) metadata.\(k)") }
            let fc1 = try c.require("fc1")
            XCTAssertEqual(fc1["spike_mode"], .string("rate"))
            XCTAssertEqual(fc1["weight_bits"], .int(6))
            XCTAssertEqual(fc1["accumulator_bits"], .int(20))
            XCTAssertEqual(fc1.tensor("weight"), try g.require("fc1").tensor("weight"))
            assertSame(Self.json(AnalysisJSON.profile(try HardwareProfiling.profile(c, mode: mode))), e["profile_after"], id)
            assertSame(Self.json(AnalysisJSON.lint(GraphLint.lint(c, mode: mode))), e["lint_after"], id)
            XCTAssertEqual(Fingerprint.fingerprint(c, includeWeights: false), e["fingerprint_structure_after"] as? String, id)
        }
        XCTAssertThrowsError(try GraphTransforms.convertToSpiking(g, spikeMode: "temporal")) { e in
            XCTAssertTrue((e as! CelestaError).message.hasPrefix("node 'fc1': spike_mode must be"))
        }
    }

    func testMergeAndPrune() throws {
        let a = try TalonGraphFile.load("mlp_seed_backend"), b = try TalonGraphFile.load("recurrent_lif")
        let m = try GraphTransforms.merge([a, b])
        XCTAssertEqual(m.nodes.count, a.nodes.count + b.nodes.count)
        XCTAssertEqual(m.nodes.first?.name, "g0_" + a.nodes[0].name)
        XCTAssertEqual(m.metadata, ["merged_from": .int(2)])
        XCTAssertTrue(m.allowCycles)
        XCTAssertFalse(try GraphTransforms.merge([a, b], mode: .talon).allowCycles)
        XCTAssertThrowsError(try GraphTransforms.merge([a, a], prefix: false)) { e in
            XCTAssertEqual((e as! CelestaError).message, "Node name collision: \(a.nodes[0].name)")
        }
        XCTAssertEqual(try GraphTransforms.pruneDisconnected(a), a)
        var g = try skipGraph("residual")
        try g.add(try IRNode.make(name: "lonely", type: "ReLU", fields: ["features": .int(4)]))
        g.connect("i", "lonely")
        let p = try GraphTransforms.pruneDisconnected(g)
        XCTAssertEqual(p.nodeNames, ["i", "a", "s", "o"])
        XCTAssertEqual(p.edges.count, 3)
        XCTAssertEqual(p.metadata["pruned_nodes"], .list([.string("lonely")]))
    }

    // MARK: energy

    func testEnergyCases() throws {
        let cases = try Self.cases("energy_sdk")
        XCTAssertEqual(cases.count, 7)
        for (id, doc) in cases {
            let e = doc["expected"] as! [String: Any]
            let g = try Self.graph(doc)
            if let table = e["ENERGY_TABLE"] { assertSame(Self.json(AnalysisJSON.energyTable(.talonDefault)), table, id) }
            var runs = e["runs"] as? [[String: Any]] ?? []
            if let result = e["result"] { runs = [["spike_rate": 0.1, "timesteps": 10, "energy_table": NSNull(), "result": result]] }
            XCTAssertFalse(runs.isEmpty, id)
            for run in runs {
                var table = EnergyTable.talonDefault
                if let t = run["energy_table"] as? [String: Double] { table = try EnergyTable.overriding(t.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }) }
                let r = try EnergyModel.estimate(g, spikeRate: run["spike_rate"] as! Double, timesteps: run["timesteps"] as! Int, table: table)
                assertSame(Self.json(AnalysisJSON.energy(r)), run["result"], "\(id) \(run["spike_rate"]!) \(run["timesteps"]!)")
            }
        }
        XCTAssertThrowsError(try EnergyTable.overriding([("mac", 1)]))
        XCTAssertThrowsError(try EnergyModel.estimate(try TalonGraphFile.load("skip_mixed"), spikeRate: .nan))
    }

    // MARK: speed (a sanity bound only; the ratio to TALON lives in `make bench`)

    func testChainOf5002NodesIsLinear() throws {
        let g = try Self.chain(2500)
        XCTAssertEqual(g.nodes.count, 5002)
        let stats = GraphAnalysis.analyze(g)
        XCTAssertEqual(stats.depth, 5001)
        XCTAssertEqual(stats.totalParams, 2500 * (16 * 16 + 16 + 4 * 16))
        XCTAssertEqual(try HardwareProfiling.profile(g).warnings, ["Deep model (5001 layers) may have latency issues"])
        XCTAssertEqual(GraphLint.lint(g).issues.count, 0)
    }

    /// Input -> n x (Affine 16x16 -> LIF 16) -> Output (the bench graph).
    static func chain(_ n: Int) throws -> IRGraph {
        var g = try IRGraph()
        try g.add(try IRNode.make(name: "x", type: "Input", fields: [:], inputType: PortShapes("input", [16])))
        let w = IRValue.tensor(try Tensor(float32: (0..<256).map { Float($0 % 7) * 0.01 }, shape: [16, 16]))
        let b = IRValue.tensor(try Tensor(float32: [Float](repeating: 0, count: 16)))
        let lif: IRDict = [
            "tau": .tensor(try Tensor(float32: [Float](repeating: 10, count: 16))), "r": .tensor(try Tensor(float32: [Float](repeating: 1, count: 16))),
            "v_leak": .tensor(try Tensor(float32: [Float](repeating: 0, count: 16))), "v_threshold": .tensor(try Tensor(float32: [Float](repeating: 1, count: 16))),
        ]
        var last = "x"
        for i in 0..<n {
            try g.add(try IRNode.make(name: "fc\(i)", type: "Affine", fields: ["weight": w, "bias": b]))
            try g.add(try IRNode.make(name: "lif\(i)", type: "LIF", fields: lif))
            g.connect(last, "fc\(i)")
            g.connect("fc\(i)", "lif\(i)")
            last = "lif\(i)"
        }
        try g.add(try IRNode.make(name: "y", type: "Output", fields: [:], outputType: PortShapes("output", [16])))
        g.connect(last, "y")
        return g
    }
}
