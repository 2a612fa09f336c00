import CelestaIR
import CelestaXylo
import Foundation
import XCTest

/// The engine's own JSON reading and writing (networks, specifications, configurations).
final class JSONFormatTests: XCTestCase {
    private func spec() throws -> XyloSpecification {
        try XyloSpecification(
            chipID: "syns65302", nIn: 2, nHidden: 3, nOut: 1, nSyn: 2, nIEN: 2, nOEN: 3,
            weightsIn: [0.1, -0.25, 1e-7, 3, 0.3333333333333333, -2, 0.5, 1.5],
            weightsRec: (0..<18).map { Double($0) / 7 }, weightsOut: [0.2, -0.4, 1],
            dashMem: [4.321928094887363, 3, 0], dashSyn: [1, 2, 3], dashSyn2: [0, 0, 1], threshold: [1, 2.5, 1e10],
            bias: [0, -0.5, 0.25], dashMemOut: [4], dashSynOut: [3], thresholdOut: [1], biasOut: [0.125],
            aliases: [[2], [], []], dt: 0.001)
    }

    func testSpecificationRoundTripsExactly() throws {
        let s = try spec()
        let back = try XyloSpecification.fromJSON(try s.jsonData())
        XCTAssertEqual(back, s)
        XCTAssertEqual(try back.jsonData(), try s.jsonData(), "keys are sorted: equal values, equal text")
    }

    func testConfigurationRoundTripsExactly() throws {
        let c = try XyloQuantizer.channel(try spec()).config()
        let back = try XyloConfig.fromJSON(try c.jsonData())
        XCTAssertEqual(back, c)
        XCTAssertTrue(String(decoding: try c.jsonData(), as: UTF8.self).hasPrefix("{\"aliases\":[[2],[],[]],\"bias\":"))
    }

    func testParserErrorsNameTheOffset() {
        for (text, fragment) in [("[1, 2", "unterminated array"), ("{\"a\" 1}", "expected ':'"), ("[1] 2", "after the value"),
                                 ("[01x]", "expected ','"), ("", "unexpected end"), ("{\"a\": tru}", "expected 'true'"),
                                 (String(repeating: "[", count: 300), "nesting too deep")] {
            XCTAssertThrowsError(try NetworkJSON.parse(Data(text.utf8), name: "t")) { error in
                let e = error as? CelestaError
                XCTAssertEqual(e?.code, .parse, text)
                XCTAssertTrue(e?.message.contains(fragment) ?? false, "\(text): \(e?.message ?? "")")
                XCTAssertTrue(e?.message.contains("'t' is not valid JSON") ?? false)
                XCTAssertTrue(e?.message.contains("at byte") ?? false)
            }
        }
    }

    func testParserReadsEscapesAndNumbers() throws {
        // A network whose layer fields exercise exponents, negative numbers and escapes.
        let text = #"{"description": "tab\t\"q\" \u00e9", "layers": [{"type": "Linear", "n_in": 1, "n_out": 2, "weight": [[-2.5e-3, 1E2]]}, {"type": "LIF", "n_in": 2, "n_out": 2, "tau_mem": [0.02, 0.02], "tau_syn": [0.01, 0.01], "threshold": [1, 1], "dt": 1e-3}, {"type": "Linear", "n_in": 2, "n_out": 1, "weight": [[1], [1]]}, {"type": "LIF", "n_in": 1, "n_out": 1, "tau_mem": [0.02], "tau_syn": [0.01], "threshold": [1], "dt": 0.001}]}"#
        let mapping = try XyloMapper.map(try NetworkJSON.parse(Data(text.utf8)).asGraph(), chip: ChipTable.xyloAudio2)
        XCTAssertEqual(mapping.spec.weightsIn, [-2.5e-3, 100])
    }

    func testNetworkJSONErrorsNameTheField() {
        let cases: [(String, String)] = [
            (#"{"layers": [{"type": "Conv"}]}"#, "'layers[0].type' is 'Conv'"),
            (#"{"layers": [{"type": "Linear", "n_in": 2, "n_out": 1}]}"#, "'layers[0].weight' is missing"),
            (#"{"layers": [{"type": "Linear", "n_in": 2.5, "n_out": 1, "weight": [1, 2]}]}"#, "'layers[0].n_in' must be an integer"),
            (#"{"layers": [{"type": "Residual", "layers": [{"type": "LIF", "n_in": 1, "n_out": 1}]}]}"#, "'layers[0].layers[0].tau_mem' is missing"),
            (#"{"nodes": []}"#, "expected {\"layers\": [...]}"),
        ]
        for (text, fragment) in cases {
            XCTAssertThrowsError(try NetworkJSON.parse(Data(text.utf8))) { error in
                XCTAssertEqual((error as? CelestaError)?.code, .parse, text)
                XCTAssertTrue((error as? CelestaError)?.message.contains(fragment) ?? false, (error as? CelestaError)?.message ?? "")
            }
        }
    }
}
