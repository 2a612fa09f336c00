import CelestaCPU
import CelestaIR
import XCTest

/// The registry's data as the engine holds it (one source for C, the CLI and Python): the cpu
/// backend's capabilities, the list TALON claims for it, TALON's get_constraints(), and the
/// registry's JSON.
final class BackendRegistryDataTests: XCTestCase {
    func testCPUCarriesTALONsListAndConstraints() throws {
        let cpu = CPUBackend()
        let talon = try XCTUnwrap(cpu.talonCapabilities)
        XCTAssertEqual(talon.primitives.count, 22)
        XCTAssertEqual(talon.primitives.first, "Affine")
        XCTAssertFalse(talon.primitives.contains("IF"))
        XCTAssertTrue(cpu.capabilities.primitives.contains("IF"))
        XCTAssertEqual(talon.precisions, cpu.capabilities.precisions)
        XCTAssertEqual(talon.constraints, cpu.capabilities.constraints)
        let spec = try XCTUnwrap(cpu.hardwareConstraints)
        XCTAssertEqual(spec.json, "{\"max_neurons_per_core\": 10000, \"max_synapses_per_core\": 10000000, \"sram_bytes_per_core\": 1000000000, "
                           + "\"max_fan_in\": 10000, \"max_fan_out\": 10000, \"max_feedback_delay\": 1, \"supported_precisions\": [\"fp32\", \"int16\", "
                           + "\"int8\", \"int4\"], \"core_mesh_topology\": null, \"num_cores\": 1}")
    }

    func testRegistryJSONListsEveryBackendsData() throws {
        struct Plain: Backend {
            var name: String { "plain-test" }
            var summary: String { "validates only" }
            var primitives: Set<String> { ["LIF"] }
            func validate(_ graph: IRGraph) -> BackendValidation { BackendValidation() }
        }
        let r = BackendRegistry()
        CPUBackend.register(in: r)
        r.register(Plain())
        let text = try r.json()
        let doc = try JSONParser.parse(Array(text.utf8), name: "registry", integers: true)
        let records = try XCTUnwrap(doc.elements)
        XCTAssertEqual(records.count, 2)
        guard case .object(let cpu, let order) = records[0], case .object(let plain, _) = records[1] else { return XCTFail(text) }
        XCTAssertEqual(order, ["name", "summary", "supported_primitives", "supported_precisions", "supports_cyclic", "max_graph_size", "constraints",
                               "talon_capabilities", "hardware_constraints"])
        XCTAssertEqual(cpu["name"], .string("cpu"))
        guard case .object(let limits, _)? = cpu["constraints"], case .object(let conv, _)? = limits["Conv2d"] else { return XCTFail(text) }
        XCTAssertEqual(conv["max_kernel_size"], .integer(64))  // integral limits as integers, as TALON gives them
        guard case .object(let t, _)? = cpu["talon_capabilities"] else { return XCTFail(text) }
        XCTAssertEqual(t["supported_primitives"]?.elements?.count, 22)
        guard case .object(let h, _)? = cpu["hardware_constraints"] else { return XCTFail(text) }
        XCTAssertEqual(h["max_neurons_per_core"], .integer(10000))
        XCTAssertEqual(plain["talon_capabilities"], .null)
        XCTAssertEqual(plain["hardware_constraints"], .null)
        XCTAssertEqual(plain["supported_primitives"]?.elements, [.string("LIF")])
    }
}
