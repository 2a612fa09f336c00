import CelestaIR
import XCTest

/// The edges' ends are found by comparing names with the nodes a graph built in order puts
/// there, and the neighbour lists are compressed rows: the orders, levels, depth/width,
/// validation and partitions must be those of the name index on any edge order (reversed,
/// shuffled, parallel edges, self-loops, edges to unknown nodes).
final class GraphOrderFastPathTests: XCTestCase {
    static func chain(_ layers: Int, edges order: ([(String, String)]) -> [(String, String)] = { $0 }) throws -> IRGraph {
        let w = IRValue.tensor(try Tensor(float32: [1, 0, 0, 1], shape: [2, 2]))
        let b = IRValue.tensor(try Tensor(float32: [0, 0]))
        let ones = IRValue.tensor(try Tensor(float32: [1, 1]))
        var nodes = [try IRNode.make(name: "in", type: "Input", fields: [:], inputType: PortShapes("input", [2]))]
        var names = ["in"]
        for i in 0..<layers {
            nodes.append(try IRNode.make(name: "fc\(i)", type: "Affine", fields: ["weight": w, "bias": b]))
            nodes.append(try IRNode.make(name: "lif\(i)", type: "LIF", fields: ["tau": ones, "r": ones, "v_leak": ones, "v_threshold": ones]))
            names += ["fc\(i)", "lif\(i)"]
        }
        nodes.append(try IRNode.make(name: "out", type: "Output", fields: [:], outputType: PortShapes("output", [2])))
        names.append("out")
        var g = try IRGraph(nodes: nodes)
        for (s, t) in order(Array(zip(names, names.dropFirst()))) { g.connect(s, t) }
        return g
    }

    /// (depth, width) by the definition: longest path from a source, nodes per level.
    static func reference(_ g: IRGraph) -> (Int, Int) {
        var level = [String: Int]()
        var changed = true
        for n in g.nodes { level[n.name] = 0 }
        while changed {
            changed = false
            for e in g.edges where g.contains(e.source) && g.contains(e.target) {
                if level[e.target]! < level[e.source]! + 1 {
                    level[e.target] = level[e.source]! + 1
                    changed = true
                }
            }
        }
        var counts = [Int: Int]()
        for (_, l) in level { counts[l, default: 0] += 1 }
        return (level.values.max() ?? 0, counts.values.max() ?? 0)
    }

    func testAnyEdgeOrderGivesTheSameOrdersAndStatistics() throws {
        let straight = try Self.chain(6)
        let orders: [([(String, String)]) -> [(String, String)]] = [
            { $0 }, { $0.reversed() }, { $0.sorted { $0.1 < $1.1 } },
            { $0 + [("fc1", "lif1"), ("fc3", "ghost"), ("ghost", "lif4"), ("fc0", "lif2")] },
        ]
        for order in orders {
            var g = try Self.chain(6, edges: order)
            let stats = GraphAnalysis.analyze(g)
            let (depth, width) = Self.reference(g)
            XCTAssertEqual(stats.depth, depth)
            XCTAssertEqual(stats.width, width)
            XCTAssertEqual(Set(g.levels?.keys.map { $0 } ?? []), Set(g.nodeNames))
            XCTAssertTrue(g.isDAG)
            if !g.edges.contains(where: { $0.source == "ghost" || $0.target == "ghost" }) {
                XCTAssertEqual(g.topologicalOrder, straight.topologicalOrder)
                XCTAssertNoThrow(try g.validate())
                for algorithm in ["greedy", "edgemap", "spectral"] {
                    for mode in [IRMode.celesta, .talon] {
                        let spec = try HardwareSpec.preset("zynq_7020")
                        let kept = try g.partitionResult(on: spec, algorithm: algorithm, mode: mode)
                        var copy = g
                        XCTAssertEqual(try copy.partition(on: spec, algorithm: algorithm, mode: mode), kept)
                    }
                }
            } else {
                XCTAssertThrowsError(try g.validate()) { e in
                    XCTAssertEqual((e as? CelestaError)?.message, "Edge destination 'ghost' not found in nodes")
                }
            }
            g.connect("lif5", "fc0")
            XCTAssertFalse(g.isDAG)
            XCTAssertNil(GraphAnalysis.analyze(g).depth)
        }
    }

    func testEdgesThatLookLikeTheLastOneStillResolveByName() throws {
        // Each edge starts where the last one ended only in part; a self-loop and a parallel edge.
        var g = try Self.chain(2, edges: { _ in [("in", "fc0"), ("fc0", "fc0"), ("fc0", "lif0"), ("fc0", "lif0"), ("lif0", "out"), ("fc1", "lif1")] })
        XCTAssertThrowsError(try g.validate()) { e in
            XCTAssertEqual((e as? CelestaError)?.message, "Self-loop detected: 'fc0' -> 'fc0'")
        }
        XCTAssertFalse(g.isDAG)
        g = try Self.chain(2, edges: { _ in [("in", "fc0"), ("fc0", "lif0"), ("fc0", "lif0"), ("lif0", "out"), ("fc1", "lif1")] })
        let stats = GraphAnalysis.analyze(g)
        XCTAssertEqual(stats.depth, 3)
        XCTAssertEqual(stats.width, 2)
        XCTAssertEqual(GraphLint.lint(g).issues.filter { $0.code == "UNREACHABLE" }.map(\.node), ["fc1", "lif1"])
    }
}
