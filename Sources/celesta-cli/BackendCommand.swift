import ArgumentParser
import CelestaCPU
import CelestaFPGA
import CelestaIR
import CelestaXylo
import FoundationEssentials

/// `celesta backend ...`: a backend's validate and compile (TALON's `get_backend(...)`
/// calls) on a graph file.
struct BackendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backend",
        abstract: "The backends (cpu, fpga, xylo-a2, xylo-a3, xylo-v1): list them, validate or compile a graph, write a TALON bitstream project, read a descriptor file.",
        subcommands: [BackendValidate.self, BackendCompile.self, BackendBitstream.self, BackendList.self, BackendInfo.self])

    /// The built-in backends.
    static func registry() -> BackendRegistry {
        let r = BackendRegistry()
        CPUBackend.register(in: r)
        FPGABackend.register(in: r)
        XyloBackend.registerAll(in: r)
        return r
    }
}

struct BackendValidate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a graph for a backend: valid or not, the nodes it cannot take, errors and warnings.",
        discussion: "Exits with status 1 when the graph is not valid.")

    @Argument(help: "The graph file (.t1c, .nir or IR JSON).")
    var file: String
    @Option(help: "The backend: cpu, fpga, xylo-a2, xylo-a3, xylo-v1.")
    var target = "cpu"
    @Flag(help: "Check as TALON 0.0.x does (cpu: edges only) and read the file as TALON does.")
    var talonCompatible = false
    @Flag(help: "Print JSON {is_valid, unsupported_nodes, errors, warnings}.")
    var json = false

    func run() throws {
        let backend = try BackendCommand.registry().backend(target)
        let graph = try IRFiles.read(path: file, format: .auto, mode: talonCompatible ? .talon : .celesta)
        let v = backend.validate(graph, talonCompatible: talonCompatible)
        if json {
            let names = { (l: [String]) in IRValue.list(l.map(IRValue.string)) }
            print(PythonJSON.dumps(.dict(["is_valid": .bool(v.isValid), "unsupported_nodes": names(v.unsupportedNodes), "errors": names(v.errors),
                                          "warnings": names(v.warnings)])))
        } else {
            print("\(target): " + (v.isValid ? "valid" : "not valid"))
            if !v.unsupportedNodes.isEmpty { print("unsupported nodes: " + v.unsupportedNodes.joined(separator: ", ")) }
            for e in v.errors { print("error: \(e)") }
            for w in v.warnings { print("warning: \(w)") }
        }
        if !v.isValid { throw ExitCode(1) }
    }
}

struct BackendCompile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Compile a graph for a backend (TALON's HardwareDescriptor) and print or write it.",
        discussion: """
            cpu: each node's configuration and weight tables per core, and the schedule (TALON's descriptor). \
            fpga: the hls4ml configuration (celesta hls writes the project). A Xylo chip: map + quantize + \
            configuration, the quantized specification as the weight table. -o writes TALON's to_json, or with \
            --binary to_binary, which unlike TALON's carries the weights (--talon-compatible: TALON's bytes, without \
            them). The file is written atomically.
            """)

    @Argument(help: "The graph file (.t1c, .nir or IR JSON).")
    var file: String
    @Option(help: "The backend: cpu, fpga, xylo-a2, xylo-a3, xylo-v1.")
    var target = "cpu"
    @Option(help: "The precision of a node that names none (TALON's CompileConfig.target_precision).")
    var precision = "int8"
    @Option(help: "TALON's CompileConfig.optimize_for.")
    var optimizeFor = "latency"
    @Option(help: "A Xylo chip's time step in the unit of the graph's time constants.")
    var dt: Double?
    @Option(name: .shortAndLong, help: "Write the descriptor to this file (to_json; with --binary to_binary).")
    var output: String?
    @Flag(help: "With -o: the binary file.")
    var binary = false
    @Flag(help: "Print TALON's to_json text instead of the summary (also with -o).")
    var json = false
    @Flag(help: "Read the file as TALON does; with --binary, TALON's file (no weights).")
    var talonCompatible = false

    func run() throws {
        let backend = try BackendCommand.registry().backend(target)
        if let dt { guard dt.isFinite, dt > 0 else { throw CelestaError(.outOfRange, "'--dt' is \(dt); it must be finite and > 0") } }
        if binary, output == nil { throw CelestaError(.invalidArgument, "'--binary' needs '-o FILE'") }
        let graph = try IRFiles.read(path: file, format: .auto, mode: talonCompatible ? .talon : .celesta)
        var options = BackendCompileOptions()
        options.targetPrecision = precision
        options.optimizeFor = optimizeFor
        if let dt { options.settings["dt"] = .float(dt) }
        let d = try backend.compile(graph, options: options)
        if let output {
            let bytes = binary ? try d.binary(talonCompatible: talonCompatible) : Array(d.talonJSON().utf8)
            try AtomicFile.write(Data(bytes), to: output)
        }
        print(json ? d.talonJSON() : Self.summary(d, target: target))
        if let output, !json { print("wrote \(output)") }
    }

    static func summary(_ d: BackendDescriptor, target: String) -> String {
        var lines = ["\(target): " + d.metadata.entries.filter { $0.key != "hls4ml_config" && $0.key != "warnings" }
            .map { "\($0.key) \(PythonJSON.dumps($0.value))" }.joined(separator: ", ")]
        for c in d.neuronConfigs {
            lines.append("core \(c.core): " + c.configs.map { "\($0.nodeName) (\($0.nodeType), \($0.precision))" }.joined(separator: ", "))
        }
        for t in d.weightTables {
            lines.append("weights on core \(t.core): " + t.table.entries.map { e in
                "\(e.key) " + (e.value.tensor.map { "\($0.dtype.rawValue)\($0.shape)" } ?? e.value.kindName)
            }.joined(separator: ", "))
        }
        if case .dict(let config)? = d.metadata["hls4ml_config"], case .list(let layers)? = config["Layers"] {
            lines.append("hls4ml layers: " + layers.compactMap { l -> String? in
                guard case .dict(let x) = l else { return nil }
                return "\(x["name"]?.string ?? "?") (\(x["class_name"]?.string ?? "?"))"
            }.joined(separator: ", "))
        }
        if case .list(let warnings)? = d.metadata["warnings"] { for w in warnings { lines.append("warning: \(w.string ?? "")") } }
        return lines.joined(separator: "\n")
    }
}
