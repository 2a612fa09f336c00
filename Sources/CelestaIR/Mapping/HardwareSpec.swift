/// The cores a graph is mapped onto (TALON's `talon.graph.HardwareSpec`, reference README
/// §12.0): per-core capacities, the feedback-delay limit and an optional 2-D mesh of cores.
///
/// Only `maxNeuronsPerCore`, `numCores`, `sramBytesPerCore`, `maxFeedbackDelay` and `mesh` are
/// used by the mapping; the synapse and fan limits are carried, as in TALON.
public struct HardwareSpec: Sendable, Equatable {
    /// A mesh of `rows` x `cols` cores; core `c` sits at `(c / cols, c % cols)`.
    public struct Mesh: Sendable, Equatable {
        public var rows: Int
        public var cols: Int
        public init(rows: Int, cols: Int) {
            self.rows = rows
            self.cols = cols
        }
    }

    public var maxNeuronsPerCore = 256
    public var maxSynapsesPerCore = 65536
    public var sramBytesPerCore = 65536
    public var maxFanIn = 256
    public var maxFanOut = 256
    public var maxFeedbackDelay = 1
    public var supportedPrecisions = ["fp32", "int16", "int8", "int4"]
    public var mesh: Mesh? = nil
    public var numCores = 64

    /// TALON's defaults.
    public init() {}

    public init(
        maxNeuronsPerCore: Int = 256, maxSynapsesPerCore: Int = 65536, sramBytesPerCore: Int = 65536, maxFanIn: Int = 256,
        maxFanOut: Int = 256, maxFeedbackDelay: Int = 1, supportedPrecisions: [String] = ["fp32", "int16", "int8", "int4"],
        mesh: Mesh? = nil, numCores: Int = 64
    ) {
        self.maxNeuronsPerCore = maxNeuronsPerCore
        self.maxSynapsesPerCore = maxSynapsesPerCore
        self.sramBytesPerCore = sramBytesPerCore
        self.maxFanIn = maxFanIn
        self.maxFanOut = maxFanOut
        self.maxFeedbackDelay = maxFeedbackDelay
        self.supportedPrecisions = supportedPrecisions
        self.mesh = mesh
        self.numCores = numCores
    }

    // MARK: Presets (TALON's class methods), as data

    /// The named presets in TALON's order: `zynq_7020`, `zynq_us_plus`, `zcu102` (the same
    /// board), `t1c_asic_target`.
    public static let presets: [(name: String, spec: HardwareSpec)] = [
        ("zynq_7020", HardwareSpec(
            maxNeuronsPerCore: 128, maxSynapsesPerCore: 16384, sramBytesPerCore: 32768, maxFanIn: 128, maxFanOut: 128,
            maxFeedbackDelay: 2, supportedPrecisions: ["int8", "int4", "ap_fixed<16,6>"], mesh: Mesh(rows: 4, cols: 4), numCores: 16)),
        ("zynq_us_plus", zynqUltraScale),
        ("zcu102", zynqUltraScale),
        ("t1c_asic_target", HardwareSpec(
            maxNeuronsPerCore: 1024, maxSynapsesPerCore: 262144, sramBytesPerCore: 262144, maxFanIn: 1024, maxFanOut: 1024,
            maxFeedbackDelay: 8, supportedPrecisions: ["int8", "int4"], mesh: Mesh(rows: 16, cols: 16), numCores: 256)),
    ]

    private static let zynqUltraScale = HardwareSpec(
        maxNeuronsPerCore: 512, maxSynapsesPerCore: 65536, sramBytesPerCore: 98304, maxFanIn: 512, maxFanOut: 512,
        maxFeedbackDelay: 4, supportedPrecisions: ["int16", "int8", "int4", "ap_fixed<16,6>"], mesh: Mesh(rows: 8, cols: 4), numCores: 32)

    /// The preset called `name` (`"default"` is TALON's `HardwareSpec()`), or a `.notFound`
    /// error listing the names.
    public static func preset(_ name: String) throws -> HardwareSpec {
        if name == "default" { return HardwareSpec() }
        if let p = presets.first(where: { $0.name == name }) { return p.spec }
        throw CelestaError(.notFound, "hardware preset '\(name)' is unknown; the presets are default, " + presets.map(\.name).joined(separator: ", "))
    }

    // MARK: validate()

    /// TALON's `validate()`: the first problem, in TALON's order, with TALON's message
    /// (`.invalidArgument`, ValueError in Python).
    public func validate() throws {
        func fail(_ m: String) -> CelestaError { CelestaError(.invalidArgument, m) }
        if maxNeuronsPerCore <= 0 { throw fail("max_neurons_per_core must be positive") }
        if maxNeuronsPerCore > 1_000_000 { throw fail("max_neurons_per_core=\(maxNeuronsPerCore) exceeds safety limit 1000000") }
        if sramBytesPerCore <= 0 { throw fail("sram_bytes_per_core must be positive") }
        if sramBytesPerCore > 1 << 30 { throw fail("sram_bytes_per_core=\(sramBytesPerCore) exceeds safety limit 1073741824 bytes") }
        if numCores <= 0 { throw fail("num_cores must be positive") }
        if numCores > 65536 { throw fail("num_cores=\(numCores) exceeds safety limit 65536") }
        if maxFeedbackDelay < 0 { throw fail("max_feedback_delay must be non-negative") }
        if maxFeedbackDelay > 128 { throw fail("max_feedback_delay=\(maxFeedbackDelay) exceeds safety limit 128") }
        if maxFanIn <= 0 { throw fail("max_fan_in must be positive") }
        if maxFanOut <= 0 { throw fail("max_fan_out must be positive") }
        if maxSynapsesPerCore <= 0 { throw fail("max_synapses_per_core must be positive") }
        if let m = mesh {
            if m.rows <= 0 || m.cols <= 0 { throw fail("core_mesh_topology dimensions must be positive") }
            let (cells, overflow) = m.rows.multipliedReportingOverflow(by: m.cols)
            if overflow || cells > numCores {
                throw fail("Mesh topology \(m.rows)x\(m.cols) = \(overflow ? "more than \(Int.max)" : String(cells)) exceeds num_cores=\(numCores)")
            }
        }
    }

    // MARK: JSON (TALON's field names)

    /// The spec as JSON with TALON's field names in TALON's order (`core_mesh_topology` is
    /// `null` or `[rows, cols]`).
    public var json: String {
        let mesh = self.mesh.map { "[\($0.rows), \($0.cols)]" } ?? "null"
        return "{\"max_neurons_per_core\": \(maxNeuronsPerCore), \"max_synapses_per_core\": \(maxSynapsesPerCore), "
            + "\"sram_bytes_per_core\": \(sramBytesPerCore), \"max_fan_in\": \(maxFanIn), \"max_fan_out\": \(maxFanOut), "
            + "\"max_feedback_delay\": \(maxFeedbackDelay), \"supported_precisions\": ["
            + supportedPrecisions.map(JSONText.quote).joined(separator: ", ")
            + "], \"core_mesh_topology\": \(mesh), \"num_cores\": \(numCores)}"
    }

    /// The field names `init(json:)` accepts.
    public static let fieldNames = [
        "max_neurons_per_core", "max_synapses_per_core", "sram_bytes_per_core", "max_fan_in", "max_fan_out",
        "max_feedback_delay", "supported_precisions", "core_mesh_topology", "num_cores",
    ]

    /// Reads a spec from JSON: an object of TALON's field names (missing ones keep TALON's
    /// defaults), or a string naming a preset. An unknown field, or a value of the wrong type,
    /// is a `.parse` error naming it. The values are not validated (call `validate()`).
    public init(json bytes: [UInt8]) throws {
        let doc = try JSONParser.parse(bytes, name: "hardware spec", integers: true)
        if case .string(let name) = doc {
            self = try HardwareSpec.preset(name)
            return
        }
        guard case .object(let members, let order) = doc else {
            throw CelestaError(.parse, "a hardware spec is a JSON object of HardwareSpec fields or a preset name")
        }
        self.init()
        func integer(_ key: String) throws -> Int {
            switch members[key]! {
            case .integer(let v): return v
            case .number(let d) where d == d.rounded() && abs(d) < 9e18: return Int(d)
            default: throw CelestaError(.parse, "hardware spec field '\(key)' must be an integer")
            }
        }
        for key in order {
            switch key {
            case "max_neurons_per_core": maxNeuronsPerCore = try integer(key)
            case "max_synapses_per_core": maxSynapsesPerCore = try integer(key)
            case "sram_bytes_per_core": sramBytesPerCore = try integer(key)
            case "max_fan_in": maxFanIn = try integer(key)
            case "max_fan_out": maxFanOut = try integer(key)
            case "max_feedback_delay": maxFeedbackDelay = try integer(key)
            case "num_cores": numCores = try integer(key)
            case "supported_precisions":
                guard let items = members[key]!.elements else {
                    throw CelestaError(.parse, "hardware spec field 'supported_precisions' must be a list of strings")
                }
                supportedPrecisions = try items.map {
                    guard case .string(let s) = $0 else {
                        throw CelestaError(.parse, "hardware spec field 'supported_precisions' must be a list of strings")
                    }
                    return s
                }
            case "core_mesh_topology":
                let v = members[key]!
                if v == .null {
                    mesh = nil
                    break
                }
                guard let items = v.elements, items.count == 2 else {
                    throw CelestaError(.parse, "hardware spec field 'core_mesh_topology' must be null or [rows, cols]")
                }
                var dims: [Int] = []
                for item in items {
                    switch item {
                    case .integer(let d): dims.append(d)
                    case .number(let d) where d == d.rounded() && abs(d) < 9e18: dims.append(Int(d))
                    default: throw CelestaError(.parse, "hardware spec field 'core_mesh_topology' must be null or [rows, cols] of integers")
                    }
                }
                mesh = Mesh(rows: dims[0], cols: dims[1])
            default:
                throw CelestaError(.parse, "hardware spec has no field '\(key)'; the fields are " + HardwareSpec.fieldNames.joined(separator: ", "))
            }
        }
    }
}
