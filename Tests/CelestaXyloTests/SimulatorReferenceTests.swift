import CelestaIR
import CelestaXylo
import Foundation
import XCTest

/// Every shared simulation vector, bit-exact on every recorded value.
final class SimulatorReferenceTests: XCTestCase {
    private func runCase(_ name: String) throws {
        let doc = try ReferenceCases.json(name)
        let chip = try ChipTable.chip(named: doc["chip"] as! String)
        let config = try ReferenceCases.config(doc["config"]!, chip: chip.id)
        let steps = doc["T"] as! Int
        let input = ReferenceCases.ints(doc["input"])
        let sim = try XyloSimulator(config: config, chip: chip)
        let result = try sim.evolve(input: input, steps: steps, record: true)
        ReferenceCases.assertEqualRecords(result, doc["expected"] as! [String: Any], name)
    }

    func testEdgeCases() throws {
        let names = try ReferenceCases.names(category: "edge")
        XCTAssertEqual(names.count, 38)
        for name in names { try runCase(name) }
    }

    func testRandomCases() throws {
        let names = try ReferenceCases.names(category: "random")
        XCTAssertEqual(names.count, 10)
        for name in names { try runCase(name) }
    }
}
