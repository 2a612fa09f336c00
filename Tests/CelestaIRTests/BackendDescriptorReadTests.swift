import CelestaIR
import XCTest

/// `BackendDescriptor.read`: TALON's to_json text and the T1CB binary read back, written again
/// to the same bytes; damaged and truncated input refused with a parse error, never a crash.
final class BackendDescriptorReadTests: XCTestCase {
    func descriptor() throws -> BackendDescriptor {
        var d = BackendDescriptor()
        let w = IRValue.tensor(try Tensor(float32: [0.1, .nan, -.infinity, 2.5, 1e-7, 3], shape: [2, 3]))
        let ids = IRValue.tensor(try Tensor(int64: [Int.min, Int.max, 0, -1], shape: [4]))
        let mask = IRValue.tensor(try Tensor(converting: [1, 0, 1], to: .bool, shape: [3]))
        let half = IRValue.tensor(try Tensor(converting: [0.5, -1.25], to: .float16, shape: [2]))
        let scalar = IRValue.tensor(try Tensor(converting: [7], to: .uint8, shape: []))
        let empty = IRValue.tensor(try Tensor(converting: [], to: .int32, shape: [2, 0]))
        d.neuronConfigs = [(0, [.init(nodeName: "fc", nodeType: "Affine", coreID: 0, precision: "int8",
                                      parameters: ["weight": w, "bias": .float(.nan), "k": .tuple([.int(1), .int(2)]), "s": .string("é\n\"")])]),
                           (3, [.init(nodeName: "lif", nodeType: "LIF", coreID: 3, precision: "int16", parameters: ["tau": half, "n": scalar])])]
        d.weightTables = [(0, ["fc.weight": w, "fc.ids": ids]), (3, ["lif.mask": mask, "lif.tau": half, "lif.empty": empty])]
        d.routingTables = ["hops": .list([.int(1), .float(2)])]
        d.executionSchedule = [(0, [["fc"]]), (3, [["lif"], []])]
        d.metadata = ["backend": .string("cpu"), "num_nodes": .int(4), "inf": .float(.infinity), "nested": .dict(["a": .none, "b": .bool(true)])]
        return d
    }

    func testJSONRoundTripGivesTheSameBytesAndEveryField() throws {
        let d = try descriptor()
        let text = Array(d.talonJSON().utf8)
        let back = try BackendDescriptor.read(text, format: .json)
        XCTAssertEqual(Array(back.talonJSON().utf8), text)
        XCTAssertEqual(try BackendDescriptor.read(text).talonJSON(), d.talonJSON())  // detected as JSON
        XCTAssertEqual(back.neuronConfigs.map { $0.core }, [0, 3])
        XCTAssertEqual(back.neuronConfigs[1].configs[0].parameters["tau"], d.neuronConfigs[1].configs[0].parameters["tau"])
        XCTAssertEqual(back.weightTables[0].table["fc.ids"], d.weightTables[0].table["fc.ids"])  // int64 exactly
        XCTAssertEqual(back.weightTables[1].table["lif.mask"]?.tensor?.dtype, .bool)
        XCTAssertEqual(back.weightTables[1].table["lif.empty"]?.tensor?.shape, [2, 0])
        XCTAssertEqual(back.executionSchedule.map { $0.stages }, [[["fc"]], [["lif"], []]])
        XCTAssertEqual(back.metadata["nested"], d.metadata["nested"])
        XCTAssertNil(back.binaryNeuronConfigCount)
        // The tuple comes back as the list the file holds.
        XCTAssertEqual(back.neuronConfigs[0].configs[0].parameters["k"], .list([.int(1), .int(2)]))
    }

    func testBinaryRoundTripKeepsTheCountAndTheWeights() throws {
        let d = try descriptor()
        for talon in [false, true] {
            let bytes = try d.binary(talonCompatible: talon)
            let back = try BackendDescriptor.read(bytes)  // detected by "T1CB"
            XCTAssertEqual(try back.binary(talonCompatible: talon), bytes, "talon \(talon)")
            XCTAssertEqual(back.binaryNeuronConfigCount, 2)
            XCTAssertTrue(back.neuronConfigs.isEmpty)
            XCTAssertEqual(back.weightTables.map { $0.core }, talon ? [] : [0, 3])
            XCTAssertEqual(back.metadata.keys, d.metadata.keys)
            if !talon { XCTAssertEqual(back.weightTables[1].table["lif.tau"], d.weightTables[1].table["lif.tau"]) }
            guard case .dict(let v) = back.value else { return XCTFail("value") }
            XCTAssertEqual(v["binary_neuron_config_count"], .int(2))
        }
    }

    func testEveryPrefixAndFlippedByteIsRefusedOrRead() throws {
        let d = try descriptor()
        for (bytes, format) in [(Array(d.talonJSON().utf8), BackendDescriptor.FileFormat.json), (try d.binary(talonCompatible: false), .binary)] {
            var accepted = 0
            for n in 0..<bytes.count {
                do {
                    _ = try BackendDescriptor.read(Array(bytes[0..<n]), format: format)
                    accepted += 1
                } catch let e as CelestaError {
                    XCTAssertEqual(e.code, .parse, e.message)
                    XCTAssertTrue(e.message.contains("'descriptor'"), e.message)
                }
            }
            // Only the JSON's full text reads; the binary's prefix up to the count is TALON's file.
            XCTAssertEqual(accepted, format == .json ? 0 : 1)
            for i in 0..<bytes.count {
                var copy = bytes
                copy[i] ^= 0xFF
                do {
                    let back = try BackendDescriptor.read(copy, format: format)
                    _ = back.talonJSON()
                    _ = try back.binary(talonCompatible: false)
                } catch let e as CelestaError {
                    XCTAssertEqual(e.code, .parse, e.message)
                }
            }
        }
    }

    func testErrorsNameWhereTheFileBreaks() {
        func fails(_ text: String, _ format: BackendDescriptor.FileFormat = .json, _ part: String) {
            XCTAssertThrowsError(try BackendDescriptor.read(Array(text.utf8), format: format)) { e in
                XCTAssertTrue(((e as? CelestaError)?.message ?? "").contains(part), "\(e)")
            }
        }
        let empty = "\"metadata\": {}, \"neuron_configs\": {}, \"weight_tables\": {}, \"routing_tables\": {}, \"execution_schedule\": {}"
        fails("{\(empty), \"extra\": 1}", .json, "unknown key 'extra'")
        fails("{\"version\": \"2.0\", \(empty)}", .json, "$.version")
        fails("{\"metadata\": {}}", .json, "no 'neuron_configs'")
        fails("{\(empty.replacingOccurrences(of: "\"weight_tables\": {}", with: "\"weight_tables\": {\"0\": {\"w\": {\"shape\": [2], \"dtype\": \"int8\", \"data\": [1]}}}"))}",
              .json, "$.weight_tables.0.w.data")
        fails("{\(empty.replacingOccurrences(of: "\"execution_schedule\": {}", with: "\"execution_schedule\": {\"0\": [[1]]}"))}", .json,
              "$.execution_schedule.0[0][0]")
        fails("{\(empty.replacingOccurrences(of: "\"neuron_configs\": {}", with: "\"neuron_configs\": {\"0\": [{\"node_name\": \"a\"}]}"))}", .json,
              "$.neuron_configs.0[0]")
        fails("XXXX", .binary, "T1CB")
        fails("T1CB\u{1}\u{0}\u{ff}\u{0}\u{0}\u{0}", .binary, "the file ends in the metadata")
        // An empty array of shape [2^32 - 1, 0]: no bytes, but billions of lists in to_json.
        var huge = try! BackendDescriptor().binary(talonCompatible: false).dropLast(4) + [1, 0, 0, 0]
        huge += [3, 0, 0, 0] + Array("0/e".utf8) + [5] + Array("int32".utf8) + [2, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0] + [UInt8](repeating: 0, count: 8)
        XCTAssertThrowsError(try BackendDescriptor.read(Array(huge))) { e in
            XCTAssertTrue(((e as? CelestaError)?.message ?? "").contains("more than 1048576 nested lists"), "\(e)")
        }
    }

    func testTheParserReadsPythonsNonFiniteNumbersOnlyWhenAsked() throws {
        XCTAssertEqual(try JSONParser.parse(Array("[NaN, Infinity, -Infinity, -1]".utf8), name: "x", integers: true, nonFinite: true).elements?.count, 4)
        XCTAssertThrowsError(try JSONParser.parse(Array("[NaN]".utf8), name: "x", integers: true))
        XCTAssertThrowsError(try JSONParser.parse(Array("[-Inf]".utf8), name: "x", integers: true, nonFinite: true))
    }
}
