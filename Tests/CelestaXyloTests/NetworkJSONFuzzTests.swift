import CelestaIR
import CelestaXylo
import Foundation
import XCTest

/// Network JSON inputs the fuzzer found (Tests/fuzz/corpus/network/regression-*).
final class NetworkJSONFuzzTests: XCTestCase {
    /// A LIF with `"n_out": -2` and no `bias` trapped while sizing the default bias; a width
    /// below 1 is now a parse error naming the field, before any array is sized by it.
    func testNegativeLayerWidthIsAParseError() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("fuzz/corpus/network/regression-negative-n-out-fc6e5d889b26.json")
        let cases: [(Data, String)] = [
            (try Data(contentsOf: url), "'layers[3].n_out' is -2; it must be a positive integer"),
            (Data(#"[{"type": "LIF", "n_in": 1, "n_out": 0, "tau_mem": [], "tau_syn": [0.01], "threshold": []}]"#.utf8),
             "'layers[0].n_out' is 0"),
            (Data(#"[{"type": "Linear", "n_in": -3, "n_out": 1, "weight": []}]"#.utf8), "'layers[0].n_in' is -3"),
            (Data(#"[{"type": "Residual", "layers": [{"type": "LIF", "n_in": -1, "n_out": -1, "tau_mem": [], "tau_syn": [], "threshold": []}]}]"#.utf8),
             "'layers[0].layers[0].n_in' is -1"),
        ]
        for (text, fragment) in cases {
            XCTAssertThrowsError(try NetworkJSON.parse(text)) { error in
                XCTAssertEqual((error as? CelestaError)?.code, .parse, "\(error)")
                XCTAssertTrue((error as? CelestaError)?.message.contains(fragment) ?? false, "\(error)")
            }
        }
    }
}
