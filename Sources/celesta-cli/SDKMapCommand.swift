import ArgumentParser
import CelestaIR
import FoundationEssentials

/// `celesta sdk map FILE --hw zcu102 [--algorithm spectral]`: partition, allocate, place and
/// route a graph on a hardware spec (TALON's `talon.graph`), as a summary or JSON.
struct SDKMap: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Map a graph onto the cores of a hardware spec: partition, allocate, place, route.",
        discussion: """
            --hw takes a preset (default, zynq_7020, zynq_us_plus, zcu102, t1c_asic_target) or a JSON file of \
            HardwareSpec fields. A graph that cannot be partitioned onto the hardware ends with an error that \
            says what overflows where (exit status 7); one that is partitioned but exceeds a core's SRAM is \
            reported in the summary.
            """)

    @Argument(help: "The graph file (.t1c, .nir or IR JSON).")
    var file: String

    @Option(help: "The hardware: a preset name or a JSON file of HardwareSpec fields.")
    var hw = "default"

    @Option(help: "The partitioning algorithm: greedy, edgemap or spectral.")
    var algorithm = "greedy"

    @Flag(help: "Follow TALON 0.0.x exactly where Celesta corrects it (nodes counted as neurons, direct routes).")
    var talonCompatible = false

    @Flag(help: "Print the results as JSON (TALON's field names) instead of a summary.")
    var json = false

    func spec() throws -> HardwareSpec {
        if hw.hasSuffix(".json") {
            do {
                return try HardwareSpec(json: [UInt8](try AtomicFile.read(hw)))
            } catch let e as CelestaError {
                throw CelestaError(e.code, "\(hw): \(e.message)")
            }
        }
        return try HardwareSpec.preset(hw)
    }

    func run() throws {
        let mode: IRMode = talonCompatible ? .talon : .celesta
        let spec = try spec()
        var graph = try IRFiles.read(path: file, format: .auto, mode: mode)
        let partition = try graph.partition(on: spec, algorithm: algorithm, mode: mode)
        let resources = graph.allocate(on: spec, mode: mode)
        let placement = try graph.place(on: spec)
        let routing = try graph.route(on: spec, mode: mode)
        if json {
            print("{\"hardware_spec\": \(spec.json), \"partition\": \(MappingJSON.partition(partition)), "
                + "\"allocation\": \(MappingJSON.resources(resources)), \"placement\": \(MappingJSON.placement(placement)), "
                + "\"routing\": \(MappingJSON.routing(routing))}")
            return
        }
        print(SDKMap.summary(file: file, hwName: hw, spec: spec, graph: graph, partition: partition, resources: resources,
                             placement: placement, routing: routing))
    }

    static func grouped(_ n: Int) -> String {
        let s = String(n.magnitude)
        var out = ""
        for (i, ch) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func fixed(_ v: Double, _ digits: Int) -> String {
        let scale = Double(Int(pow10(digits)))
        let r = (v * scale).rounded() / scale
        var s = "\(r)"
        if let dot = s.firstIndex(of: ".") {
            let decimals = s.distance(from: dot, to: s.endIndex) - 1
            if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
        }
        return s
    }

    private static func pow10(_ d: Int) -> Int { (0..<d).reduce(1) { a, _ in a * 10 } }

    static func summary(
        file: String, hwName: String, spec: HardwareSpec, graph: IRGraph, partition: PartitionResult, resources: ResourceMap,
        placement: PlacementResult, routing: RoutingTable
    ) -> String {
        var lines: [String] = []
        let mesh = spec.mesh.map { "\($0.rows)x\($0.cols) mesh" } ?? "no mesh"
        lines.append("\(file) on \(hwName): \(spec.numCores) cores (\(mesh)), \(spec.maxNeuronsPerCore) neurons and \(grouped(spec.sramBytesPerCore)) bytes a core")
        lines.append("partition (\(partition.algorithm)): \(graph.nodes.count) nodes on \(partition.numCoresUsed) core\(partition.numCoresUsed == 1 ? "" : "s"), "
            + "\(partition.crossCoreEdges.count) of \(graph.edges.count) edges cross cores, \(partition.feedbackEdges.count) feedback")
        var cells: [Int: PlacementResult.Cell] = [:]
        for c in placement.logicalToPhysical { cells[c.core] = c }
        lines.append("  core  nodes  weight B     state B  routing B  total B      SRAM use  cell")
        for b in resources.budgets.sorted(by: { $0.coreId < $1.coreId }) {
            let cell = cells[b.coreId].map { "(\($0.row), \($0.col))" } ?? "-"
            func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
            lines.append("  " + pad(String(b.coreId), 4) + pad(String(b.neuronCount), 7) + pad(grouped(b.weightBytes), 10)
                + pad(grouped(b.stateBytes), 12) + pad(grouped(b.routingBytes), 11) + pad(grouped(b.totalBytes), 11)
                + pad(fixed(b.utilization * 100, 1) + " %", 12) + "  " + cell)
        }
        lines.append("allocation: \(grouped(resources.totalWeightBytes)) weight + \(grouped(resources.totalStateBytes)) state bytes, "
            + "peak utilisation \(fixed(resources.peakCoreUtilization, 2)); " + (resources.fitsHardware ? "fits" : "does NOT fit:"))
        if !resources.fitsHardware {
            for line in resources.overflowReport(sram: spec.sramBytesPerCore).split(separator: "\n") { lines.append("  " + line) }
        }
        lines.append("placement: total hop distance \(placement.totalHopDistance), improvement \(fixed(placement.improvement, 1)) % over row-major")
        let routes = routing.forwardRoutes.count + routing.feedbackRoutes.count
        lines.append("routing: \(routes) core-to-core route\(routes == 1 ? "" : "s"), \(routing.totalHops) hops in all, at most \(routing.maxHops) per edge")
        return lines.joined(separator: "\n")
    }
}
