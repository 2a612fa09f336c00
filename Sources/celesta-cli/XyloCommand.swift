import ArgumentParser
import CelestaIR
import CelestaXylo
import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// `celesta xylo ...`: the Xylo pipeline on files.
struct XyloCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xylo",
        abstract: "Validate and simulate Xylo configurations.",
        subcommands: [XyloMapCommand.self, XyloQuantizeCommand.self, XyloValidateCommand.self, XyloSimCommand.self, XyloPipelineCommand.self]
    )
}

/// Loads a configuration file and its chip.
func loadConfig(_ path: String) throws -> (XyloConfig, ChipSpec) {
    let config = try XyloConfig.load(from: path)
    return (config, try ChipTable.chip(named: config.chipID))
}

/// `celesta xylo validate CONFIG`: every limit of the chip.
struct XyloValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a configuration JSON file against every limit of its chip.",
        discussion: "Exits with 9 (CELESTA_ERR_INVALID_CONFIG) when a rule is broken, listing each one.")

    @Argument(help: "Configuration JSON file (as written by XyloConfiguration.save or celesta_xylo_config_save).")
    var config: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let (cfg, chip) = try loadConfig(config)
        let issues = cfg.validate(for: chip)
        if json {
            print(JSONText.object([
                ("chip", JSONText.quote(chip.id)), ("valid", issues.isEmpty ? "true" : "false"),
                ("issues", JSONText.array(issues.map { JSONText.quote($0.description) }, indent: "  ")),
            ]))
        } else if issues.isEmpty {
            print("\(config): valid for \(chip.name) (\(chip.id)): \(cfg.nIn) inputs, \(cfg.nHidden) hidden, \(cfg.nOut) outputs")
        }
        if !issues.isEmpty {
            throw CelestaError(.invalidConfig, issues.map(\.description).joined(separator: "; "))
        }
    }
}

/// `celesta xylo sim --config C --input X`: the bit-exact simulator.
struct XyloSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Simulate a configuration bit-exactly on an input raster.",
        discussion: """
            The input is a [T, n_in] integer array of event counts (0..255) in a .npy file or a \
            JSON file holding a list of rows. Prints output spike counts per output neuron and \
            the time steps with output spikes, or with --json every output (and the records \
            with --record). --output writes the [T, n_out] output spikes as .npy (atomically).
            """)

    @Option(help: "Configuration JSON file.")
    var config: String

    @Option(help: "Input raster: .npy or .json, shape [T, n_in].")
    var input: String

    @Option(help: "Write the output spikes [T, n_out] to this .npy file.")
    var output: String?

    @Flag(help: "Include every recorded state in the JSON output.")
    var record = false

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "Never show the progress bar.")
    var quiet = false

    func run() throws {
        let (cfg, chip) = try loadConfig(config)
        let raster = try Self.readRaster(input)
        guard raster.shape.count == 2, raster.shape[1] == cfg.nIn else {
            throw CelestaError(.shapeMismatch, "input '\(input)' has shape \(raster.shape) but the network needs [T, \(cfg.nIn)]")
        }
        let steps = raster.shape[0]
        let sim = try XyloSimulator(config: cfg, chip: chip)
        let bar = ProgressBar(total: steps, label: "simulating", enabled: !quiet && steps >= 2000)
        let result = try sim.evolve(input: raster.values, steps: steps, record: record) { done in
            bar.update(done)
            return true
        }
        bar.finish()
        if let output {
            try AtomicFile.write(NPY.encodeInt32(result.spikesOut, shape: [steps, cfg.nOut]), to: output)
        }
        if json {
            func rows(_ values: [Int32], _ width: Int) -> String {
                "[" + (0..<steps).map { t in
                    "[" + values[(t * width)..<((t + 1) * width)].map(String.init).joined(separator: ",") + "]"
                }.joined(separator: ",") + "]"
            }
            var pairs: [(String, String)] = [
                ("chip", JSONText.quote(chip.id)), ("steps", "\(steps)"), ("spikes_out", rows(result.spikesOut, cfg.nOut)),
            ]
            for (name, values, width) in result.recordDictionary { pairs.append((name, rows(values, width))) }
            print(JSONText.object(pairs))
            return
        }
        var counts = [Int](repeating: 0, count: cfg.nOut)
        var active: [Int] = []
        for t in 0..<steps {
            var any = false
            for k in 0..<cfg.nOut where result.spikesOut[t * cfg.nOut + k] != 0 {
                counts[k] += 1
                any = true
            }
            if any { active.append(t) }
        }
        print("\(chip.name) (\(chip.id)): \(steps) steps, \(cfg.nIn) inputs, \(cfg.nHidden) hidden, \(cfg.nOut) outputs")
        print("output spikes per neuron: " + counts.map(String.init).joined(separator: " "))
        let shown = active.prefix(20).map(String.init).joined(separator: " ")
        print("steps with output spikes: \(active.isEmpty ? "none" : shown + (active.count > 20 ? " ... (\(active.count))" : ""))")
    }

    static func readRaster(_ path: String) throws -> NPY.IntArray {
        if path.hasSuffix(".npy") { return try NPY.readInts(path) }
        let data = try AtomicFile.read(path)
        let rows: [[Int]]
        do { rows = try JSONDecoder().decode([[Int]].self, from: data) } catch {
            throw CelestaError(.parse, "input '\(path)' is not a JSON list of integer rows")
        }
        let width = rows.first?.count ?? 0
        guard rows.allSatisfy({ $0.count == width }) else {
            throw CelestaError(.shapeMismatch, "input '\(path)' has rows of different lengths")
        }
        return NPY.IntArray(shape: [rows.count, width], values: rows.flatMap { $0 })
    }
}

/// A progress bar on standard error, drawn only when it is a terminal.
final class ProgressBar {
    let total: Int
    let label: String
    let enabled: Bool
    private var last = -1

    init(total: Int, label: String, enabled: Bool) {
        self.total = max(total, 1)
        self.label = label
        self.enabled = enabled && isatty(2) != 0
    }

    func update(_ done: Int) {
        guard enabled else { return }
        let percent = done * 100 / total
        guard percent != last else { return }
        last = percent
        let width = 30
        let filled = width * done / total
        writeStandardError("\r\(label) [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] \(percent)%")
    }

    func finish() {
        if enabled && last >= 0 { writeStandardError("\n") }
    }
}
