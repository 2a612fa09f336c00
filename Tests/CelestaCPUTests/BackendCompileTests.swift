import CelestaCPU
import CelestaIR
import XCTest

/// The cpu backend's compile (TALON's descriptor), the descriptor's files and TALON's
/// validation.
final class BackendCompileTests: XCTestCase {
    /// in 3 -> fc (Affine 2x3, on core 1, int16) -> lif (LIF 2) -> out.
    func mlp() -> IRGraph {
        var m = GraphMaker()
        m.input("in", [3])
        m.node("fc", "Affine", ["weight": GraphMaker.t([0.5, 0.25, 1, 2, -1, 0], [2, 3]), "bias": GraphMaker.t([0, 1]), "core_id": .int(1),
                                "precision": .string("int16")], from: ["in"])
        m.node("lif", "LIF", ["tau": GraphMaker.t([8, 8]), "r": GraphMaker.t([1, 1]), "v_leak": GraphMaker.t([0, 0]), "v_threshold": GraphMaker.t([1, 1])],
               from: ["fc"])
        m.output("out", [2], from: "lif")
        return m.graph
    }

    func testCompileGivesTalonsDescriptor() throws {
        var o = BackendCompileOptions()
        o.optimizeFor = "energy"
        let d = try CPUBackend().compile(mlp(), options: o)
        XCTAssertEqual(d.neuronConfigs.map { $0.core }, [1, 0])
        XCTAssertEqual(d.neuronConfigs[0].configs.map(\.precision), ["int16"])
        XCTAssertEqual(d.neuronConfigs[1].configs.map(\.precision), ["int8"])
        XCTAssertEqual(d.neuronConfigs[0].configs[0].parameters.keys, ["weight", "bias", "precision", "core_id"])
        XCTAssertEqual(d.weightTables.map { $0.core }, [1, 0])
        XCTAssertEqual(d.weightTables[0].table.keys, ["fc.weight", "fc.bias"])
        XCTAssertEqual(d.weightTables[1].table.keys, ["lif.tau", "lif.r", "lif.v_leak", "lif.v_threshold"])
        XCTAssertEqual(d.executionSchedule.map { $0.core }, [1, 0])
        XCTAssertEqual(d.executionSchedule[0].stages, [["fc"]])
        XCTAssertEqual(d.metadata["execution_mode"], .string("dag"))
        XCTAssertEqual(d.metadata["optimize_for"], .string("energy"))
        XCTAssertEqual(d.metadata["num_nodes"], .int(4))
        XCTAssertEqual(d.metadata.keys, ["backend", "execution_mode", "optimize_for", "num_nodes", "num_edges"])
        o.settings["dt"] = .float(1)
        XCTAssertThrowsError(try CPUBackend().compile(mlp(), options: o)) { e in
            XCTAssertEqual((e as? CelestaError)?.code, .invalidArgument)
            XCTAssertTrue((e as? CelestaError)?.message.contains("'dt'") ?? false)
        }
    }

    func testParametersLeaveOutDefaultsTalonOmits() throws {
        var m = GraphMaker()
        m.input("in", [4])
        m.node("relu", "ReLU", ["features": .int(4)], from: ["in"])
        m.node("leaky", "ReLU", ["features": .int(4), "negative_slope": .float(0.1)], from: ["relu"])
        m.output("out", [4], from: "leaky")
        let d = try CPUBackend().compile(m.graph, options: BackendCompileOptions())
        XCTAssertEqual(d.neuronConfigs[0].configs[0].parameters.keys, ["features"])
        XCTAssertEqual(d.neuronConfigs[0].configs[1].parameters["negative_slope"], .float(0.1))
        XCTAssertTrue(d.weightTables.isEmpty)
    }

    func testTalonJSONIsPythonsIndentedDump() throws {
        var g = try IRGraph()
        try g.add(try IRNode.make(name: "in", type: "Input", fields: IRDict(), inputType: PortShapes("input", [2])))
        try g.add(try IRNode.make(name: "lif", type: "LIF", fields: [
            "tau": .tensor(try Tensor(float32: [2, 0.1])), "r": .tensor(try Tensor(float32: [1, 1])), "v_leak": .tensor(try Tensor(float32: [0, 0])),
            "v_threshold": .tensor(try Tensor(float32: [1e-5, 1])),
        ], inputType: nil))
        g.connect("in", "lif")
        let text = try CPUBackend().compile(g, options: BackendCompileOptions()).talonJSON()
        XCTAssertTrue(text.hasPrefix("{\n  \"version\": \"1.0\",\n  \"metadata\": {\n    \"backend\": \"cpu\",\n"), text)
        // float32 values as Python writes their float64 repr; exponents as Python spells them.
        XCTAssertTrue(text.contains("\"data\": [\n              2.0,\n              0.10000000149011612\n            ]"), text)
        XCTAssertTrue(text.contains("9.999999747378752e-06"), text)
        XCTAssertTrue(text.contains("\"routing_tables\": {},\n  \"execution_schedule\": {\n    \"0\": [\n      [\n        \"lif\"\n      ]\n    ]\n  }\n}"), text)
    }

    func testBinaryCarriesTheWeightsUnlessTalonCompatible() throws {
        let d = try CPUBackend().compile(mlp(), options: BackendCompileOptions())
        let talon = try d.binary(talonCompatible: true)
        let full = try d.binary(talonCompatible: false)
        XCTAssertEqual(Array(talon.prefix(6)), Array("T1CB".utf8) + [1, 0])
        let metaLength = Int(talon[6]) | Int(talon[7]) << 8
        let meta = String(decoding: talon[10..<(10 + metaLength)], as: UTF8.self)
        XCTAssertEqual(meta, "{\"backend\": \"cpu\", \"execution_mode\": \"dag\", \"optimize_for\": \"latency\", \"num_nodes\": 4, \"num_edges\": 3}")
        XCTAssertEqual(talon.count, 10 + metaLength + 4)
        XCTAssertEqual(talon.last, 0)
        XCTAssertEqual(talon[talon.count - 4], 2)
        XCTAssertEqual(Array(full.prefix(talon.count)), talon)
        XCTAssertEqual(full[talon.count], 6)  // records: fc.weight, fc.bias, lif.tau, .r, .v_leak, .v_threshold
        let key = Array("1/fc.weight".utf8)
        XCTAssertEqual(Array(full[(talon.count + 8)..<(talon.count + 8 + key.count)]), key)
        // dtype "float32", 2 dimensions [2, 3], 24 bytes: the weights.
        var p = talon.count + 8 + key.count
        XCTAssertEqual(Int(full[p]), 7)
        XCTAssertEqual(String(decoding: full[(p + 1)..<(p + 8)], as: UTF8.self), "float32")
        p += 8
        XCTAssertEqual(Array(full[p..<(p + 9)]), [2, 2, 0, 0, 0, 3, 0, 0, 0])
        p += 9
        XCTAssertEqual(Array(full[p..<(p + 8)]), [24, 0, 0, 0, 0, 0, 0, 0])
        let first = full[(p + 8)..<(p + 12)].withUnsafeBytes { $0.loadUnaligned(as: Float.self) }
        XCTAssertEqual(first, 0.5)
    }

    func testTalonValidationLooksAtEdgesOnly() throws {
        var g = try IRGraph()
        try g.add(try IRNode.make(name: "in", type: "Input", fields: IRDict(), inputType: PortShapes("input", [2])))
        g.connect("in", "ghost")
        let t = CPUBackend().validate(g, talonCompatible: true)
        XCTAssertFalse(t.isValid)
        XCTAssertEqual(t.unsupportedNodes, ["ghost"])
        XCTAssertEqual(t.warnings, ["Edge references missing node: ghost"])
        XCTAssertEqual(t.errors, [])
        let empty = CPUBackend().validate(try IRGraph(), talonCompatible: true)
        XCTAssertFalse(empty.isValid)
        XCTAssertEqual(empty.warnings, ["Graph has no nodes", "Graph has no edges"])
        XCTAssertEqual(CPUBackend().validate(try IRGraph(), talonCompatible: false).errors, ["Graph has no nodes"])
    }

    func testABackendWithoutCompileRefuses() throws {
        struct Plain: Backend {
            var name: String { "plain" }
            var summary: String { "" }
            var primitives: Set<String> { [] }
            func validate(_ graph: IRGraph) -> BackendValidation { BackendValidation() }
        }
        XCTAssertThrowsError(try Plain().compile(try IRGraph(), options: BackendCompileOptions())) { e in
            XCTAssertEqual((e as? CelestaError)?.code, .unsupported)
        }
    }
}
