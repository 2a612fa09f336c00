import ArgumentParser
import CelestaIR
import CelestaXylo
import FoundationEssentials

/// `--method`: the engine's quantizers by name.
extension XyloQuantizeMethod: ExpressibleByArgument {}

/// `celesta xylo map NETWORK --chip C`: the mapper.
struct XyloMapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map", abstract: "Map a network (a float network's JSON layer list, or an IR graph: .nir, .t1c) onto a chip.",
        discussion: "Writes the real-valued specification (Rockpool's keys) with --output; prints hardware use and warnings.")

    @Argument(help: "Network file: JSON layer list ({\"layers\": [...]}), or an IR graph (.nir, .t1c, IR JSON).")
    var network: String
    @Option(help: "IR graphs: the time step in the unit of their time constants (default: the graph's metadata dt, else 0.001).")
    var dt: Double?
    @Option(help: "Chip id or alias (syns61201/xa2, syns65302/xa3, syns61300/xylo_v1).")
    var chip: String
    @Option(help: "Write the specification JSON here (atomically).")
    var output: String?
    @Flag(help: "Reproduce Rockpool's mapper exactly, including its Xylo Audio 3 two-synapse dash bug.")
    var rockpoolCompatible = false
    @Flag(help: "Print JSON: dimensions, hardware ids per module and warnings.")
    var json = false

    func run() throws {
        let chipSpec = try ChipTable.chip(named: chip)
        let source = try XyloIRLowering.network(fromFile: network, dt: dt)
        var mapping = try XyloMapper.map(source.network, chip: chipSpec, rockpoolCompatible: rockpoolCompatible)
        mapping.warnings = source.warnings + mapping.warnings
        if let output { try AtomicFile.write(try mapping.spec.jsonData(), to: output) }
        if json {
            let s = mapping.spec
            print(JSONText.object([
                ("chip", JSONText.quote(chipSpec.id)), ("n_in", "\(s.nIn)"), ("n_hidden", "\(s.nHidden)"),
                ("n_out", "\(s.nOut)"), ("n_syn", "\(s.nSyn)"), ("n_ien", "\(s.nIEN)"), ("n_oen", "\(s.nOEN)"),
                ("hardware_ids", JSONText.object(mapping.hardwareIDs.map {
                    ($0.module, "[" + $0.ids.map(String.init).joined(separator: ", ") + "]")
                }, indent: "  ")),
                ("warnings", JSONText.array(mapping.warnings.map(JSONText.quote), indent: "  ")),
            ]))
        } else {
            printUsage(mapping, chipSpec)
        }
    }
}

func printUsage(_ mapping: XyloMapping, _ chip: ChipSpec) {
    let s = mapping.spec
    print("\(chip.name) (\(chip.id)): \(s.nIn)/\(chip.maxInputs) inputs, \(s.nHidden)/\(chip.maxHiddenNeurons) hidden, \(s.nOut)/\(chip.maxOutputNeurons) outputs, \(s.nSyn) synapse(s) per neuron")
    for a in mapping.hardwareIDs {
        let range = a.ids.isEmpty ? "-" : "\(a.ids.first!)...\(a.ids.last!)"
        print("  \(a.module): \(a.ids.count) neurons at hardware ids \(range)")
    }
    for w in mapping.warnings { print("  warning: \(w)") }
}

/// `celesta xylo quantize SPEC --method M --output CONFIG`.
struct XyloQuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize", abstract: "Quantize a specification into a chip configuration.",
        discussion: "Writes the configuration JSON with --output after validating it; exits 9 if it breaks a chip limit.")

    @Argument(help: "Specification JSON (from `celesta xylo map --output`).")
    var spec: String
    @Option(help: "global, global-fuzzy or channel.")
    var method: XyloQuantizeMethod = .global
    @Option(help: "Write the configuration JSON here (atomically).")
    var output: String?
    @Flag(help: "Print the configuration JSON on standard output.")
    var json = false

    func run() throws {
        let s = try XyloSpecification.fromJSON(try AtomicFile.read(spec), name: spec)
        let chip = try ChipTable.chip(named: s.chipID)
        let config = try method.quantize(s).config()
        let issues = config.validate(for: chip)
        guard issues.isEmpty else {
            throw CelestaError(.invalidConfig, "quantized configuration is invalid: " + issues.map(\.description).joined(separator: "; "))
        }
        if let output { try config.save(to: output) }
        if json {
            print(String(decoding: try config.jsonData(), as: UTF8.self))
        } else {
            print("\(chip.name): quantized with \(method.rawValue); valid; \(config.recurrentFanoutEntries) recurrent fan-out entries")
        }
    }
}

/// `celesta xylo pipeline NETWORK --chip C --input X`: map, quantize, validate, simulate.
struct XyloPipelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline", abstract: "Map, quantize, validate and simulate a network in one go.")

    @Argument(help: "Network file: JSON layer list, or an IR graph (.nir, .t1c, IR JSON).")
    var network: String
    @Option(help: "IR graphs: the time step in the unit of their time constants (default: the graph's metadata dt, else 0.001).")
    var dt: Double?
    @Option(help: "Chip id or alias.")
    var chip: String
    @Option(help: "global, global-fuzzy or channel.")
    var method: XyloQuantizeMethod = .channel
    @Option(help: "Input raster (.npy or JSON) [T, n_in].")
    var input: String
    @Option(help: "Steps per classification window.")
    var window: Int = 50
    @Option(help: "Write the validated configuration JSON here.")
    var output: String?

    func run() throws {
        guard window > 0 else { throw CelestaError(.outOfRange, "'--window' is \(window); it must be > 0") }
        let chipSpec = try ChipTable.chip(named: chip)
        let source = try XyloIRLowering.network(fromFile: network, dt: dt)
        var mapping = try XyloMapper.map(source.network, chip: chipSpec)
        mapping.warnings = source.warnings + mapping.warnings
        printUsage(mapping, chipSpec)
        let config = try method.quantize(mapping.spec).config()
        let issues = config.validate(for: chipSpec)
        guard issues.isEmpty else {
            throw CelestaError(.invalidConfig, issues.map(\.description).joined(separator: "; "))
        }
        let synapses = config.weightsIn.filter { $0 != 0 }.count + config.weightsRec.filter { $0 != 0 }.count
            + config.weightsOut.filter { $0 != 0 }.count
        print("  quantized (\(method.rawValue)) and valid: \(synapses) non-zero synapses, \(config.recurrentFanoutEntries)/\(chipSpec.maxRecurrentFanoutEntries.map(String.init) ?? "n/a") fan-out entries")
        if let output { try config.save(to: output) }
        if chipSpec.core == .v2 {
            let hz = try XyloCycles.clockFrequency(config, chip: chipSpec, dt: config.dt)
            let worst = try XyloCycles.cycles(config, chip: chipSpec).cycles
            print("  cycle model: \(Int(worst)) cycles per step worst case; real time at dt = \(config.dt * 1000) ms needs a clock of at least \(String(Int((hz / 1e3).rounded()))) kHz (20 % margin)")
        }
        let raster = try XyloSimCommand.readRaster(input)
        guard raster.shape.count == 2, raster.shape[1] == config.nIn else {
            throw CelestaError(.shapeMismatch, "input '\(input)' has shape \(raster.shape) but the network needs [T, \(config.nIn)]")
        }
        let steps = raster.shape[0]
        let result = try XyloSimulator(config: config, chip: chipSpec).evolve(input: raster.values, steps: steps, record: true)
        for a in mapping.hardwareIDs {
            let isOutput = a.ids.first.map { $0 >= config.nHidden } ?? false
            var total = 0
            for t in 0..<steps {
                for id in a.ids {
                    total += Int(isOutput ? result.spikesOut[t * config.nOut + id - chipSpec.maxHiddenNeurons]
                                 : result.spikes[t * config.nHidden + id])
                }
            }
            print("  spikes in \(a.module): \(total) over \(steps) steps")
        }
        var classes: [String] = []
        for start in stride(from: 0, to: steps, by: window) {
            var counts = [Int](repeating: 0, count: config.nOut)
            for t in start..<min(steps, start + window) {
                for k in 0..<config.nOut { counts[k] += Int(result.spikesOut[t * config.nOut + k]) }
            }
            let best = counts.max() ?? 0
            classes.append(best == 0 ? "-" : String(counts.firstIndex(of: best)!))
        }
        print("  output class per \(window)-step window: " + classes.joined(separator: " "))
    }
}
