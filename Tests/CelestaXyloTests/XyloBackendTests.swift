import CelestaIR
import CelestaXylo
import XCTest

/// The Xylo chips as backends of the IR registry.
final class XyloBackendTests: XCTestCase {
    func nir(_ name: String) throws -> IRGraph {
        try NIRFile.read(path: Fixtures.root.appendingPathComponent("nir/\(name).nir").path)
    }

    func testEveryChipRegistersAsABackend() throws {
        let registry = BackendRegistry()
        XyloBackend.registerAll(in: registry)
        XCTAssertEqual(registry.names, ChipTable.all.map(\.backendName))
        XCTAssertEqual(registry.names, ["xylo-a2", "xylo-a3", "xylo-v1"])
        XyloBackend.registerAll(in: registry)  // idempotent
        XCTAssertEqual(registry.names.count, 3)
        XCTAssertEqual(registry.backends(taking: "CubaLIF").count, 3)
        XCTAssertTrue(registry.backends(taking: "Conv2d").isEmpty)
        XCTAssertThrowsError(try registry.backend("xylo-a9")) {
            XCTAssertEqual(($0 as? CelestaError)?.code, .notFound)
            XCTAssertTrue(($0 as? CelestaError)?.message.contains("xylo-a2, xylo-a3, xylo-v1") ?? false)
        }
    }

    func testValidateNamesWhatTheChipCannotTake() throws {
        let a3 = XyloBackend(chip: ChipTable.xyloAudio3)
        let conv = a3.validate(try nir("conv2d_pool_flatten"))
        XCTAssertFalse(conv.isValid)
        XCTAssertEqual(conv.unsupportedNodes, ["conv"])
        // A mappable graph: the TALON MLP with its taus in steps.
        let mlp = try T1CFile.read(path: Fixtures.root.appendingPathComponent("talon/graphs/mlp_seed_backend.t1c").path)
        let ok = XyloBackend(chip: ChipTable.xyloAudio3, dt: 1).validate(mlp)
        XCTAssertTrue(ok.isValid, "\(ok.errors)")
        // Xylo Audio 2 has 8 output neurons and the MLP needs 10: an error of the whole graph.
        let a2 = XyloBackend(chip: ChipTable.xyloAudio2, dt: 1).validate(mlp)
        XCTAssertFalse(a2.isValid)
        XCTAssertEqual(a2.unsupportedNodes, [])
        XCTAssertTrue(a2.errors.first?.contains("output") ?? false, "\(a2.errors)")
        // Without a dt of its own the backend takes the graph's metadata dt.
        var withDT = mlp
        withDT.metadata["dt"] = .float(1)
        XCTAssertTrue(XyloBackend(chip: ChipTable.xyloAudio3).validate(withDT).isValid)
    }
}
