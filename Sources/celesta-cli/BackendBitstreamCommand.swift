import ArgumentParser
import CelestaFPGA
import CelestaIR
import FoundationEssentials

/// `celesta backend bitstream FILE -o DIR`: the fpga backend's build_bitstream (TALON's
/// project: parameters.h and hls4ml_config.json as TALON writes them, Celesta's neuron
/// headers, build.py and build_prj.tcl).
struct BackendBitstream: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bitstream",
        abstract: "Write the fpga project of a graph for an HLS bitstream build (TALON's build_bitstream).",
        discussion: """
            Writes firmware/parameters.h and hls4ml_config.json (TALON's files, byte for byte), Celesta's four neuron \
            headers under firmware/nnet_utils/, build.py (writes and checks the Celesta HLS project of the network; \
            --bitstream runs Vitis HLS) and build_prj.tcl (written, not run). Steps: --csim, --synth, --cosim, --export, \
            --vsynth, --bitfile (TALON's BitstreamConfig; none given: its defaults, everything but csim). The folder is \
            written atomically; one that is not empty is refused unless --overwrite (--talon-compatible: written into, \
            other files kept). Without -o nothing is written and --json prints the result.
            """)

    @Argument(help: "The graph file (.t1c, .nir or IR JSON).")
    var file: String
    @Option(name: .shortAndLong, help: "The project folder (TALON's output_dir); omitted: nothing is written.")
    var output: String?
    @Option(help: "The project (top function) name.")
    var projectName = "myproject"
    @Option(help: "The FPGA part.")
    var part = "xczu9eg-ffvb1156-2-i"
    @Option(help: "The clock period in ns.")
    var clockPeriod: Double = 5
    @Option(help: "io_stream or io_parallel.")
    var ioType = "io_stream"
    @Option(help: "The model's default precision.")
    var precision = "ap_fixed<16,6>"
    @Option(help: "The model's default reuse factor.")
    var reuseFactor = 1
    @Option(help: "Latency or Resource.")
    var strategy = "Latency"
    @Flag(help: "Step: C simulation.") var csim = false
    @Flag(help: "Step: HLS synthesis.") var synth = false
    @Flag(help: "Step: RTL co-simulation.") var cosim = false
    @Flag(help: "Step: export as IP.") var export = false
    @Flag(help: "Step: Vivado synthesis of the IP.") var vsynth = false
    @Flag(help: "Step: Vivado place and route of the IP.") var bitfile = false
    @Flag(help: "Replace a project folder that is not empty.")
    var overwrite = false
    @Flag(help: "Read the file as TALON does and write into an existing folder as TALON does.")
    var talonCompatible = false
    @Flag(help: "Print the result as JSON (TALON's keys; the descriptor in the IR JSON form).")
    var json = false

    func run() throws {
        let graph = try IRFiles.read(path: file, format: .auto, mode: talonCompatible ? .talon : .celesta)
        let anyStep = csim || synth || cosim || export || vsynth || bitfile
        let flags = anyStep ? BitstreamConfig(csim: csim, synth: synth, cosim: cosim, export: export, vsynth: vsynth, bitfile: bitfile)
            : BitstreamConfig()
        var options = BackendCompileOptions()
        let clock: IRValue = clockPeriod == clockPeriod.rounded() && abs(clockPeriod) < 1e9 ? .int(Int(clockPeriod)) : .float(clockPeriod)
        options.settings = [
            "output_dir": .string(output ?? "hls4ml_project"), "project_name": .string(projectName), "part": .string(part), "clock_period": clock,
            "io_type": .string(ioType), "default_precision": .string(precision), "default_reuse_factor": .int(reuseFactor),
            "strategy": .string(strategy), "bitstream": flags.value,
        ]
        let r = try FPGABackend().buildBitstream(graph, options: options, writeToDisk: output != nil, overwrite: overwrite,
                                                 talonCompatible: talonCompatible)
        if json {
            print(IRJSON.encode(r.value))
            return
        }
        for f in r.writtenFiles ?? r.files.map(\.path) { print((r.writtenFiles == nil ? "(not written) " : "wrote ") + f) }
    }
}
