import ArgumentParser
import CelestaIR

/// `celesta ir info FILE` and `celesta ir convert IN OUT`: IR files (.t1c, .nir, IR JSON).
struct IRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ir",
        abstract: "Inspect and convert network IR files (.t1c, .nir, IR JSON).",
        subcommands: [Info.self, Convert.self]
    )

    struct Options: ParsableArguments {
        @Option(help: "The input format (t1c, nir, json); by default from the extension.")
        var from: String?

        @Flag(help: "Follow TALON 0.0.x exactly where Celesta corrects it (node order, port shapes, file bytes).")
        var talonCompatible = false

        var mode: IRMode { talonCompatible ? .talon : .celesta }

        func format(_ name: String?) throws -> IRFileFormat {
            guard let name else { return .auto }
            guard let f = IRFileFormat(name: name) else {
                throw CelestaError(.invalidArgument, "format '\(name)' is not one of t1c, nir, json")
            }
            return f
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a graph's nodes, shapes, parameters and edges.")

        @Argument(help: "The graph file.")
        var file: String

        @OptionGroup var options: Options

        @Flag(help: "Print the graph as IR JSON (celesta.ir/1, arrays inline) instead of a table.")
        var json = false

        func run() throws {
            let graph = try IRFiles.read(path: file, format: try options.format(options.from), mode: options.mode)
            if json {
                print(IRJSON.encode(graph))
                return
            }
            print(IRSummary.text(graph, title: file))
        }
    }

    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert a graph between .t1c, .nir and IR JSON (formats from the extensions).",
            discussion: "The output is written atomically: a failed conversion leaves an existing file as it was.")

        @Argument(help: "The input file.")
        var input: String

        @Argument(help: "The output file.")
        var output: String

        @OptionGroup var options: Options

        @Option(help: "The output format (t1c, nir, json); by default from the extension.")
        var to: String?

        @Flag(help: "NIR output: store arrays without gzip compression.")
        var uncompressed = false

        func run() throws {
            let graph = try IRFiles.read(path: input, format: try options.format(options.from), mode: options.mode)
            try IRFiles.write(graph, to: output, format: try options.format(to), mode: options.mode, compress: !uncompressed)
            print("\(output): \(graph.nodes.count) nodes, \(graph.edges.count) edges")
        }
    }
}
