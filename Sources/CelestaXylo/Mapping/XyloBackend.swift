import CelestaIR

/// A Xylo chip as a backend of the IR: it takes the primitives `XyloIRLowering` maps, and its
/// validation is the lowering plus the mapper's design rules for the chip. One per chip of the
/// chip table, named by the chip's short alias (`xylo-a2`, `xylo-a3`, `xylo-v1`).
public struct XyloBackend: Backend {
    public let chip: ChipSpec
    /// The step the graphs' time constants are taken with (nil: the graph's own, else 1 ms).
    public let dt: Double?

    public init(chip: ChipSpec, dt: Double? = nil) {
        self.chip = chip
        self.dt = dt
    }

    public var name: String { chip.backendName }
    public var summary: String { "\(chip.name) (\(chip.id)): Xylo SNN core, bit-exact simulator and dev kit" }
    public var primitives: Set<String> { XyloIRLowering.mapped.union(["Dropout", "Flatten", "Skip", "NIRGraph"]) }
    /// The registry lists the chip's id (its record in `ChipTable`).
    public var registryFacts: [(String, IRValue)] { [("chip", .string(chip.id))] }

    public func validate(_ graph: IRGraph) -> BackendValidation {
        var result = BackendValidation()
        do {
            let lowered = try XyloIRLowering.lower(graph, dt: dt)
            result.warnings = lowered.warnings
            let mapping = try XyloMapper.map(lowered.network, chip: chip)
            result.warnings += mapping.warnings
        } catch let e as CelestaError {
            if e.code == .unsupported, let node = Self.node(named: e.message, in: graph) {
                result.unsupportedNodes = [node]
            }
            result.errors = [e.message]
        } catch {
            result.errors = ["\(error)"]
        }
        return result
    }

    /// The node an error message names (`node 'x' ...`), if it is one of the graph's.
    static func node(named message: String, in graph: IRGraph) -> String? {
        guard let start = message.firstRange(of: "node '")?.upperBound, let end = message[start...].firstIndex(of: "'") else { return nil }
        let name = String(message[start..<end])
        return graph.contains(name) ? name : nil
    }

    /// Registers one backend per chip of the table with `registry` (idempotent).
    public static func registerAll(in registry: BackendRegistry = .shared) {
        for chip in ChipTable.all { registry.register(XyloBackend(chip: chip)) }
    }
}
