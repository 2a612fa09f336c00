import CelestaIR
import Foundation
import XCTest

/// IR JSON's one-pass reader (`IRJSON.FastReader`) against the general reader: where it takes
/// a text, it makes the graph the general reader makes; what it does not take, the general
/// reader reads (errors included). Graphs are compared by their JSON (NaN != NaN).
final class IRJSONReaderTests: XCTestCase {
    let arrays = [
        try! Tensor(float32: [1, 2, 3, 4, 5, 6], shape: [2, 3]),
        try! Tensor(float32: [0.5, -1], shape: [2]),
        try! Tensor(int64: [7], shape: []),
    ]

    func text(_ g: IRGraph) -> String { IRJSON.encode(g) }

    /// The fast reader's graph (which must exist when `taken`) equals the general reader's, or
    /// the fast reader left the text (and its error, if any) to the general reader.
    @discardableResult
    func assertAgrees(_ json: String, arrays: [Tensor]? = nil, mode: IRMode = .celesta, taken: Bool = false,
                      file: StaticString = #filePath, line: UInt = #line) -> Bool {
        let bytes = Array(json.utf8)
        let given = arrays ?? self.arrays
        let fast = IRJSON.FastReader.graph(bytes, arrays: given, mode: mode)
        let general = Result(catching: { try IRJSON.decodeGenerally(bytes, arrays: given, mode: mode) })
        if taken { XCTAssertNotNil(fast, "not taken: \(json.prefix(300))", file: file, line: line) }
        guard let fast else { return false }
        switch general {
        case .success(let g): XCTAssertEqual(text(fast), text(g), json, file: file, line: line)
        case .failure(let e): XCTFail("taken but the general reader says \(e): \(json.prefix(300))", file: file, line: line)
        }
        // And through the public entry: the same graph.
        XCTAssertEqual(try text(IRJSON.decode(bytes, arrays: given, mode: mode)), text(fast), file: file, line: line)
        return true
    }

    /// Every fixture graph, arrays inline and by reference, in both modes: taken, and equal.
    func testFixtureGraphsAreTakenAndEqual() throws {
        var graphs = try IRFixtures.talonGraphs.map { try TalonGraphFile.load($0) }
        graphs += try IRFixtures.nirNames.map { try NIRFile.read(path: IRFixtures.root.appendingPathComponent("nir/\($0).nir").path) }
        XCTAssertGreaterThan(graphs.count, 5)
        for g in graphs {
            for mode in [IRMode.celesta, .talon] {
                assertAgrees(IRJSON.encode(g), arrays: [], mode: mode, taken: true)
                var refs: [Tensor] = []
                let json = withUnsafeMutablePointer(to: &refs) { IRJSON.encode(g, arrays: $0) }
                assertAgrees(json, arrays: refs, mode: mode, taken: true)
            }
        }
    }

    /// What Python writes, and the forms around it that either reader must treat alike.
    func testHandwrittenTexts() {
        let node = #"{"name": "fc", "type": "Linear", "fields": {"weight": {"$array": 0}}, "input_type": {"input": [3]}, "output_type": {"output": [2]}}"#
        let io = #"{"name": "i", "type": "Input", "fields": {}, "input_type": {"input": [3]}, "output_type": null}"#
        func graph(_ nodes: String, _ rest: String = #", "edges": [["i", "fc"]], "metadata": {}, "allow_cycles": false, "settings": {}"#) -> String {
            #"{"format": "celesta.ir/1", "nodes": ["# + nodes + "]" + rest + "}"
        }
        // Taken.
        for json in [
            graph(io + ", " + node),
            "  \n\t" + graph(io + ", " + node) + " \r\n",
            #"{"edges": [], "nodes": [], "settings": null, "metadata": null}"#,
            #"{"nodes":[{"fields":{"weight":{"$array":0}},"type":"Linear","name":"fc"}]}"#,
            graph(io, #", "metadata": {"a": 1, "b": -0, "c": 1e5, "d": -2.5E-3, "e": [1, [2, "x"]], "f": {"$tuple": [1, 2]}, "g": {"$float": "nan"}, "h": {"$float": "-inf"}, "i": true, "j": null}"#),
            graph(io, #", "metadata": {"$array": 0, "k": {"$array": 2}}"#),
            graph(io, #", "metadata": {"a": 1, "a": 2, "b": 3}"#),
            graph(io, #", "metadata": {"t": {"$tensor": {"dtype": "int16", "shape": [2], "b64": "AQACAA=="}}}"#),
            graph(io, #", "metadata": {"g": {"$graph": {"nodes": []}}}"#),
            graph(#"{"name": "i\n\u00e9\"", "type": "Input", "fields": {"metadata": {"k": "v\\\u0001\t"}}, "input_type": {"input": [3]}}"#),
            graph(#"{"name": "i", "type": "Input", "fields": {}, "input_type": {"input": [3]}, "output_type": {"a": [], "b": [0, 1]}}"#),
            graph(#"{"name": "i", "type": "Input", "fields": {}, "input_type": {"input": [007]}}"#),
        ] {
            assertAgrees(json, taken: true)
            assertAgrees(json, mode: .talon, taken: true)
        }
        // Left to the general reader (an error, or a form the fast reader does not take).
        for json in [
            "", "{", "[]", "null", graph(io) + "x", graph(io) + "}", #"{"nodes": {}}"#, #"{"format": "x", "nodes": []}"#,
            #"{"format": "celesta.ir/2", "nodes": []}"#, #"{"edges": []}"#, #"{"nodes": [], "nodes": []}"#, #"{"nodes": [], "extra": 1}"#,
            #"{"nod\u0065s": []}"#, graph(#"{"name": "i", "type": "Input", "fields": {"metadata": {"k\u0001": 1}}, "input_type": {"input": [3]}}"#),
            graph(#"{"name": "i", "type": "Input", "fields": {}, "input_type": {}}"#), #"{"nodes": [], "allow_cycles": 1}"#, #"{"nodes": [], "metadata": []}"#,
            graph(io + ", " + io), graph(io.replacingOccurrences(of: "Input", with: "Nope")),
            graph(node.replacingOccurrences(of: "$array\": 0", with: "$array\": 3")),
            graph(node.replacingOccurrences(of: "$array\": 0", with: "$array\": -1")),
            graph(node.replacingOccurrences(of: "$array\": 0", with: "$array\": 0, \"x\": 1")),
            graph(node.replacingOccurrences(of: "{\"$array\": 0}", with: "{\"$tensor\": {\"dtype\": \"float32\", \"shape\": [2, 3], \"data\": [1, 2, 3, 4, 5, 6]}}")),
            graph(node.replacingOccurrences(of: "{\"$array\": 0}", with: "{\"$tensor\": {\"dtype\": \"float32\", \"shape\": [2], \"b64\": \"AAAA\"}}")),
            graph(node.replacingOccurrences(of: "{\"$array\": 0}", with: "{\"$weird\": 0}")),
            graph(node.replacingOccurrences(of: "\"fields\"", with: "\"fields\": null, \"f2\"")),
            graph(node.replacingOccurrences(of: "[3]", with: "[-3]")), graph(node.replacingOccurrences(of: "[3]", with: "[3.0]")),
            graph(node.replacingOccurrences(of: "[3]", with: "[+3]")), graph(node.replacingOccurrences(of: "[3]", with: "[12345678901234567890]")),
            graph(node.replacingOccurrences(of: "\"input\": [3]", with: "\"input\": [3], \"input\": [4]")),
            graph(node.replacingOccurrences(of: "\"name\": \"fc\"", with: "\"name\": \"fc\", \"name\": \"fd\"")),
            graph(node.replacingOccurrences(of: "\"name\": \"fc\", ", with: "")),
            graph(node, #", "edges": [["i", "fc", "x"]]"#), graph(node, #", "edges": [["i", 1]]"#),
            graph(io, #", "metadata": {"big": 12345678901234567890, "plus": +1}"#),
            graph(io, #", "metadata": {"x": 1.}"#), graph(io, #", "metadata": {"x": -}"#), graph(io, #", "metadata": {"x": [1,]}"#),
            graph(io, #", "metadata": {"x": tru}"#), graph(io, #", "metadata": {"x": "a"#),
            graph(io, ", \"metadata\": {\"deep\": " + String(repeating: "[", count: 180) + String(repeating: "]", count: 180) + "}"),
            graph(io, ", \"metadata\": {\"deep\": " + String(repeating: "[", count: 250) + String(repeating: "]", count: 250) + "}"),
        ] {
            assertAgrees(json)
        }
    }

    /// Truncations and seeded byte changes of real texts: the fast reader never takes a text the
    /// general reader reads differently or refuses.
    func testDamagedTexts() throws {
        let g = try TalonGraphFile.load("kitchen_sink")
        var refs: [Tensor] = []
        let texts = [Array(IRJSON.encode(g).utf8), Array(withUnsafeMutablePointer(to: &refs) { IRJSON.encode(g, arrays: $0) }.utf8)]
        var rng = SplitMix64(seed: 11)
        let alphabet = Array("{}[]\":, 0123456789-+.eE$\\tfnaurl".utf8)
        var checked = 0, taken = 0
        for bytes in texts {
            for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 60)) {
                assertAgrees(String(decoding: bytes[..<cut], as: UTF8.self), arrays: refs)
                checked += 1
            }
            for _ in 0..<300 {
                var b = bytes
                let i = Int(rng.next() % UInt64(b.count))
                switch rng.next() % 3 {
                case 0: b[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                case 1: b.remove(at: i)
                default: b.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: i)
                }
                if assertAgrees(String(decoding: b, as: UTF8.self), arrays: refs) { taken += 1 }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 600)
        XCTAssertGreaterThan(taken, 20)  // changes that keep the text valid (a digit, a space...) are taken
    }

    /// A node alone (`decodeNode`, the primitives' constructors): the same rules.
    func testNodes() {
        for (json, taken) in [
            (#"{"type": "Linear", "fields": {"weight": {"$array": 0}}}"#, true),
            (#"{"name": "x", "type": "LIF", "fields": {"tau": {"$array": 1}, "r": {"$array": 1}, "v_leak": {"$array": 1}, "v_threshold": {"$array": 1}}, "input_type": null}"#, true),
            (#"{"type": "Linear"}"#, false), (#"{"type": "Linear", "fields": {"weight": {"$array": 0}}, "x": 1}"#, false),
            (#"{"name": 1, "type": "Linear", "fields": {"weight": {"$array": 0}}}"#, false), (#"{"fields": {}}"#, false),
        ] {
            let bytes = Array(json.utf8)
            let fast = IRJSON.FastReader.node(bytes, arrays: arrays, mode: .celesta)
            let general = try? IRJSON.decodeNodeGenerally(bytes, arrays: arrays)
            XCTAssertEqual(fast != nil, taken, json)
            if let fast { XCTAssertEqual(fast, general, json) }
        }
    }
}
