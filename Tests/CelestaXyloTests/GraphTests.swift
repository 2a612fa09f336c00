import CelestaIR
import CelestaXylo
import XCTest

/// The network graph IR and its Rockpool-style builders.
final class GraphTests: XCTestCase {
    private func lif(_ n: Int, nIn: Int? = nil) throws -> Module {
        let inputs = nIn ?? n
        return try .lif(
            nIn: inputs, nOut: n, tauMem: Array(repeating: 0.02, count: n), tauSyn: Array(repeating: 0.01, count: inputs),
            threshold: Array(repeating: 1, count: n), bias: Array(repeating: 0, count: n), dt: 1e-3)
    }

    private func assertError(
        _ code: StatusCode, _ phrases: [String], file: StaticString = #filePath, line: UInt = #line,
        _ body: () throws -> Void
    ) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let e = error as? CelestaError else {
                XCTFail("not a CelestaError: \(error)", file: file, line: line)
                return
            }
            XCTAssertEqual(e.code, code, e.message, file: file, line: line)
            for phrase in phrases {
                XCTAssertTrue(e.message.contains(phrase), "'\(e.message)' lacks '\(phrase)'", file: file, line: line)
            }
        }
    }

    func testSequentialLowersWithRockpoolNames() throws {
        let net = try Module.sequential([
            .linear(weight: [[1, 2, 3], [4, 5, 6]]), lif(3),
            .residual([.linear(weight: Array(repeating: 0.5, count: 9), nIn: 3, nOut: 3), lif(3)]),
            .linear(weight: Array(repeating: 1, count: 6), nIn: 3, nOut: 2), lif(2),
        ])
        XCTAssertEqual(net.nIn, 2)
        XCTAssertEqual(net.nOut, 2)
        let graph = try net.asGraph()
        XCTAssertEqual(
            graph.nodes.map(\.name),
            ["input", "0_Linear", "1_LIF", "2_ModResidual.0_Linear", "2_ModResidual.1_LIF", "3_Linear", "4_LIF", "output"])
        XCTAssertEqual(graph.inputNodes.map(\.nOut), [2])
        XCTAssertEqual(graph.outputNodes.map(\.nIn), [2])
        let alias = try XCTUnwrap(graph.edges.first { $0.kind == .alias })
        XCTAssertEqual(try graph.node(alias.source).name, "1_LIF")
        XCTAssertEqual(try graph.node(alias.target).name, "2_ModResidual.1_LIF")
        XCTAssertEqual(graph.edges.filter { $0.kind == .data }.count, 7)
        let residualLIF = try XCTUnwrap(graph.node(named: "2_ModResidual.1_LIF"))
        XCTAssertEqual(graph.sinks(of: residualLIF.id).map(\.name), ["3_Linear"])
        XCTAssertEqual(graph.sources(of: residualLIF.id, kind: .alias).map(\.name), ["1_LIF"])
        XCTAssertEqual(graph.searchOrder().map(\.name).first, "input")
        if case .linear(let w) = try XCTUnwrap(graph.node(named: "0_Linear")).kind {
            XCTAssertEqual(w.value(1, 2), 6)
        } else {
            XCTFail("0_Linear is not linear")
        }
    }

    func testTwoSynapseLIF() throws {
        let m = try lif(3, nIn: 6)
        XCTAssertEqual(m.nIn, 6)
        let graph = try Module.sequential([.linear(weight: Array(repeating: 0, count: 6), nIn: 1, nOut: 6), m]).asGraph()
        guard case .lif(let n) = try XCTUnwrap(graph.node(named: "1_LIF")).kind else { return XCTFail("not a LIF") }
        XCTAssertEqual(n.synapsesPerNeuron, 2)
    }

    func testShapesAreCheckedOnConstruction() {
        assertError(.shapeMismatch, ["'Linear'", "'weight'", "5", "6"]) {
            _ = try Module.linear(weight: [1, 2, 3, 4, 5], nIn: 2, nOut: 3)
        }
        assertError(.shapeMismatch, ["'Linear'", "row 1"]) { _ = try Module.linear(weight: [[1, 2], [3]]) }
        assertError(.shapeMismatch, ["'Affine'", "'bias'"]) {
            _ = try Module.affine(weight: [1, 2], bias: [1], nIn: 1, nOut: 2)
        }
        assertError(.shapeMismatch, ["'LIF'", "'tau_mem'"]) {
            _ = try Module.lif(nOut: 2, tauMem: [0.1], tauSyn: [0.1, 0.1], threshold: [1, 1], bias: [0, 0], dt: 1e-3)
        }
        assertError(.shapeMismatch, ["'LIF'", "'tau_syn'"]) {
            _ = try Module.lif(nIn: 4, nOut: 2, tauMem: [0.1, 0.1], tauSyn: [0.1, 0.1], threshold: [1, 1], bias: [0, 0], dt: 1e-3)
        }
        assertError(.shapeMismatch, ["'LIF'", "'n_in'", "multiple"]) {
            _ = try Module.lif(nIn: 3, nOut: 2, tauMem: [0.1, 0.1], tauSyn: [0.1, 0.1, 0.1], threshold: [1, 1], bias: [0, 0], dt: 1e-3)
        }
        assertError(.shapeMismatch, ["'LIF'", "'threshold'"]) {
            _ = try Module.lif(nOut: 2, tauMem: [0.1, 0.1], tauSyn: [0.1, 0.1], threshold: [1], bias: [0, 0], dt: 1e-3)
        }
        assertError(.shapeMismatch, ["'LIF'", "'bias'"]) {
            _ = try Module.lif(nOut: 2, tauMem: [0.1, 0.1], tauSyn: [0.1, 0.1], threshold: [1, 1], bias: [0], dt: 1e-3)
        }
        assertError(.shapeMismatch, ["'LIF'", "'w_rec'", "[2][2]"]) {
            _ = try Module.lif(nOut: 2, tauMem: [0.1, 0.1], tauSyn: [0.1, 0.1], threshold: [1, 1], bias: [0, 0], wRec: [1, 2, 3], dt: 1e-3)
        }
        assertError(.shapeMismatch, ["'n_out'"]) { _ = try Module.linear(weight: [], nIn: 2, nOut: 0) }
        assertError(.shapeMismatch, ["sequential", "module 0", "module 1"]) {
            _ = try Module.sequential([.linear(weight: [1, 2], nIn: 1, nOut: 2), self.lif(3)])
        }
        assertError(.shapeMismatch, ["residual"]) {
            _ = try Module.residual([.linear(weight: [1, 2], nIn: 1, nOut: 2), self.lif(2)])
        }
        assertError(.invalidArgument, ["at least one module"]) { _ = try Module.sequential([]) }
    }

    func testNonFiniteAndNonPositiveValuesAreRejected() {
        assertError(.outOfRange, ["'Linear'", "'weight[1]'", "nan"]) {
            _ = try Module.linear(weight: [1, .nan], nIn: 1, nOut: 2)
        }
        assertError(.outOfRange, ["'threshold[0]'", "inf"]) {
            _ = try Module.lif(nOut: 1, tauMem: [0.1], tauSyn: [0.1], threshold: [.infinity], bias: [0], dt: 1e-3)
        }
        assertError(.outOfRange, ["'tau_mem[0]'"]) {
            _ = try Module.lif(nOut: 1, tauMem: [0], tauSyn: [0.1], threshold: [1], bias: [0], dt: 1e-3)
        }
        assertError(.outOfRange, ["'tau_syn[0]'"]) {
            _ = try Module.lif(nOut: 1, tauMem: [0.1], tauSyn: [-.infinity], threshold: [1], bias: [0], dt: 1e-3)
        }
        assertError(.outOfRange, ["'dt'"]) {
            _ = try Module.lif(nOut: 1, tauMem: [0.1], tauSyn: [0.1], threshold: [1], bias: [0], dt: 0)
        }
        assertError(.outOfRange, ["'w_rec[0]'"]) {
            _ = try Module.lif(nOut: 1, tauMem: [0.1], tauSyn: [0.1], threshold: [1], bias: [0], wRec: [.nan], dt: nil)
        }
        assertError(.outOfRange, ["'Affine'", "'bias[0]'"]) {
            _ = try Module.affine(weight: [1], bias: [.nan], nIn: 1, nOut: 1)
        }
    }

    func testGraphEdgesAreChecked() throws {
        var graph = NetworkGraph()
        let input = try graph.add(.input(size: 2), name: "in")
        let w = try graph.add(.linear(LinearWeights(weight: [1, 2, 3, 4, 5, 6], nIn: 2, nOut: 3)), name: "w")
        let n = try graph.add(
            .lif(LIFNeurons(nIn: 3, nOut: 3, tauMem: [1, 1, 1], tauSyn: [1, 1, 1], threshold: [1, 1, 1], bias: [0, 0, 0], dt: 1)),
            name: "n")
        let out = try graph.add(.output(size: 2), name: "out")
        try graph.connect(input, to: w)
        try graph.connect(w, to: n)
        assertError(.shapeMismatch, ["'n'", "'out'", "3", "2"]) { try graph.connect(n, to: out) }
        assertError(.shapeMismatch, ["alias", "'in'", "'n'"]) { try graph.alias(input, to: n) }
        assertError(.invalidArgument, ["'out'"]) { try graph.connect(out, to: w) }
        assertError(.invalidArgument, ["'in'"]) { try graph.connect(w, to: input) }
        assertError(.invalidArgument, ["'w'", "already"]) { try graph.add(.input(size: 1), name: "w") }
        assertError(.shapeMismatch, ["'bad'", "'size'"]) { try graph.add(.output(size: 0), name: "bad") }
        assertError(.notFound, ["42"]) { _ = try graph.node(NodeID(index: 42)) }
        // Parameters are re-validated under the node's own name.
        var broken = try LinearWeights(weight: [1], nIn: 1, nOut: 1)
        broken.weight = [1, 2]
        assertError(.shapeMismatch, ["'w2'", "'weight'"]) { try graph.add(.linear(broken), name: "w2") }
        XCTAssertEqual(graph.nodes.count, 4)
        XCTAssertEqual(graph.edges.count, 2)
    }
}
