import CelestaCPU
import CelestaIR
import XCTest

/// The cpu backend through the target-neutral `Backend` protocol and registry.
final class CPUBackendTests: XCTestCase {
    struct Mute: Backend {
        var name: String { "mute-test" }
        var summary: String { "validates only" }
        var primitives: Set<String> { ["Input", "Output"] }
        func validate(_ graph: IRGraph) -> BackendValidation { BackendValidation() }
    }

    func testRegistryDispatchesSimulateByName() throws {
        let registry = BackendRegistry()
        CPUBackend.register(in: registry)
        registry.register(Mute())
        var m = GraphMaker()
        m.input("in", [2])
        m.node("s", "Scale", ["scale": GraphMaker.t([2, 3])], from: ["in"])
        m.output("out", [2], from: "s")
        var options = BackendRunOptions()
        options.nSteps = 2
        let r = try registry.backend("cpu").simulate(m.graph, inputs: ["in": BackendArray(shape: [2], values: [1, 1])], options: options)
        XCTAssertEqual(r.outputs.first?.value.values, [2, 3])
        XCTAssertEqual(r.timestepsRun, 2)
        XCTAssertThrowsError(try registry.backend("mute-test").simulate(m.graph, inputs: [:], options: options)) { e in
            XCTAssertEqual((e as? CelestaError)?.code, .unsupported)
        }
        options.precision = "int3"
        XCTAssertThrowsError(try registry.backend("cpu").simulate(m.graph, inputs: ["in": BackendArray(shape: [2], values: [1, 1])], options: options))
        XCTAssertThrowsError(try registry.backend("gpu")) { e in XCTAssertTrue("\(e)".contains("cpu, mute-test")) }
    }

    func testCapabilitiesListWhatTheKernelsCompute() {
        let caps = CPUBackend().capabilities
        XCTAssertEqual(caps.primitives, CPUKernelTable.shared.primitives)
        for p in ["Conv2d", "SConv", "CubaLIF", "Delay", "ChannelSplit"] { XCTAssertTrue(caps.primitives.contains(p), p) }
        XCTAssertFalse(caps.primitives.contains("NIRGraph"))
        XCTAssertEqual(caps.precisions, ["fp32", "fp16", "int16", "int8", "int4"])
        XCTAssertTrue(caps.supportsCyclic)
        XCTAssertEqual(Mute().capabilities.precisions, ["fp32"])
    }

    func testValidateRefusesAnUndeclaredCycleAndAMissingNode() throws {
        var m = GraphMaker()
        m.input("in", [1])
        m.node("a", "Scale", ["scale": GraphMaker.t([1])], from: ["in"])
        m.node("b", "Scale", ["scale": GraphMaker.t([1])], from: ["a"])
        m.graph.connect("b", "a")
        m.output("out", [1], from: "b")
        XCTAssertTrue(CPUBackend().validate(m.graph).errors.contains { $0.contains("cycle") })
        m.graph.connect("b", "ghost")
        XCTAssertEqual(CPUBackend().validate(m.graph).unsupportedNodes, ["ghost"])
    }
}
