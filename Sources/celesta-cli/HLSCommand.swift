import ArgumentParser
import CelestaFPGA
import CelestaIR

/// `celesta hls ...`: HLS C++ projects for FPGAs, their g++ C simulation, and Celesta's
/// bit-exact fixed-point simulator.
struct HLSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hls",
        abstract: "Generate HLS C++ projects (hls4ml SNN semantics), run their C simulation or the fixed-point simulator.",
        subcommands: [Generate.self, CSim.self, Sim.self]
    )

    /// How a model is made from a file: a graph (.t1c, .nir, IR JSON) converted with options,
    /// or an hls4ml-style layers file (JSON: {"layers": [...], "hls_config": {...}}).
    struct ModelOptions: ParsableArguments {
        @Argument(help: "The network: a graph file (.t1c, .nir, IR JSON) or a layers file (.json with \"layers\" and \"hls_config\").")
        var file: String

        @Option(help: "Default precision of every type slot (e.g. ap_fixed<16,6>).")
        var precision: String = "ap_fixed<16,6>"

        @Option(help: "io_stream or io_parallel.")
        var ioType: String = "io_stream"

        @Option(help: "Dense reuse factor.")
        var reuseFactor: Int = 1

        @Option(help: "Dense strategy: Latency or Resource.")
        var strategy: String = "Latency"

        @Option(help: "Add a readout with this decision rule (argmax_spike_count, first_to_threshold, threshold_then_argmax, binary_logit, argmax_membrane).")
        var readout: String?

        @Option(help: "The readout's window (time steps per decision).")
        var window: Int = 10

        @Option(help: "The readout's output mode: spike or membrane.")
        var readoutMode: String = "spike"

        @Option(help: "Neuron reset: subtract or zero.")
        var reset: String = "subtract"

        @Option(help: "The FPGA part.")
        var part: String = "xcvu13p-flga2577-2-e"

        @Option(help: "The clock period in ns.")
        var clockPeriod: Double = 5

        func model() throws -> HLSModel {
            let config = """
            {"IOType": \(JSONText.quote(ioType)), "Part": \(JSONText.quote(part)), "ClockPeriod": \(JSONText.number(clockPeriod)), \
            "HLSConfig": {"Model": {"Precision": {"default": \(JSONText.quote(precision))}, "ReuseFactor": \(reuseFactor), "Strategy": \(JSONText.quote(strategy))}}}
            """
            if file.lowercased().hasSuffix(".json") {
                let bytes = [UInt8](try AtomicFile.read(file))
                if let m = try HLSModel.fromLayersDocument(bytes, defaultConfig: Array(config.utf8)) { return m }
            }
            let graph = try IRFiles.read(path: file, format: .auto, mode: .celesta)
            var options = HLSConvertOptions()
            options.configJSON = config
            options.resetMechanism = reset
            if let readout {
                options.readoutJSON = "{\"decision_rule\": \(JSONText.quote(readout)), \"window_size\": \(window), \"output_mode\": \(JSONText.quote(readoutMode))}"
            }
            return try HLSModel.fromIR(graph, options: options)
        }
    }

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the HLS project of a network (firmware, weights, testbench, build_lib.sh, Vitis HLS Tcl).",
            discussion: "The folder is written atomically; one that is not empty is refused unless --overwrite.")

        @OptionGroup var model: ModelOptions

        @Option(name: .shortAndLong, help: "The project folder.")
        var output: String

        @Flag(help: "Replace an output folder that is not empty.")
        var overwrite = false

        @Option(help: "The ap_types headers folder (else $CELESTA_AP_TYPES, the virtualenv, .venv).")
        var apTypes: String?

        @Flag(help: "Also compile the C simulation (g++).")
        var compile = false

        func run() throws {
            let m = try model.model()
            let r = try HLSProject.write(m, to: output, overwrite: overwrite, apTypes: apTypes)
            for w in r.warnings { writeStandardError("celesta: warning: \(w)\n") }
            print("\(output): \(r.files.count) files, \(m.layers.map { "\($0.name) (\($0.className))" }.joined(separator: " -> "))")
            if compile {
                try HLSToolchain.compile(project: output, apTypes: apTypes)
                print("\(output)/csim: compiled")
            }
        }
    }

    struct CSim: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "csim",
            abstract: "Compile (if needed) and run a generated project's C simulation on input rows.")

        @Argument(help: "The project folder.")
        var dir: String

        @Option(help: "Input rows [T][n_in]: .npy or text (one row per line).")
        var input: String

        @Option(help: "The ap_types headers folder.")
        var apTypes: String?

        func run() throws {
            try HLSToolchain.compile(project: dir, apTypes: apTypes)
            let (out, _) = try HLSToolchain.runCSim(project: dir, inputs: try InputRows.read(input))
            for row in out { print(row.map { JSONText.number($0) }.joined(separator: " ")) }
        }
    }

    struct Sim: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run Celesta's bit-exact fixed-point simulator (no compiler needed) on input rows.")

        @OptionGroup var model: ModelOptions

        @Option(help: "Input rows [T][n_in]: .npy or text (one row per line).")
        var input: String

        @Flag(help: "Also print the float64 reference model's output (the quantization loss).")
        var float = false

        @Flag(help: "Print every layer's values of every step as JSON.")
        var trace = false

        func run() throws {
            let m = try model.model()
            let x = try InputRows.read(input)
            let r = FixedSimulator(m).run(x, trace: trace)
            if let t = r.trace {
                print(t.json())
                return
            }
            let f = float ? FloatSimulator(m).run(x).output : nil
            for (k, row) in r.output.enumerated() {
                var line = row.map { JSONText.number($0) }.joined(separator: " ")
                if let f { line += "  | float " + f[k].map { JSONText.number($0) }.joined(separator: " ") }
                print(line)
            }
        }
    }
}
