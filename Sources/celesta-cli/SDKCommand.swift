import ArgumentParser
import CelestaIR

/// `celesta sdk analyze|profile|lint|fingerprint FILE`: TALON's SDK analyses of a graph file
/// (.t1c, .nir, IR JSON), as text or `--json` (TALON's field names).
struct SDKCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sdk",
        abstract: "Analyse, map and visualise network graphs as TALON's SDK does.",
        subcommands: [Analyze.self, Profile.self, Lint.self, FingerprintCommand.self, SDKMap.self, SDKViz.self, SDKPipeline.self]
    )

    struct Options: ParsableArguments {
        @Argument(help: "The graph file (.t1c, .nir or IR JSON).")
        var file: String

        @Flag(help: "Print JSON with TALON's field names instead of text.")
        var json = false

        @Flag(help: "Follow TALON 0.0.x exactly where Celesta corrects it (reading the file too).")
        var talonCompatible = false

        var mode: IRMode { talonCompatible ? .talon : .celesta }

        func graph() throws -> IRGraph { try IRFiles.read(path: file, mode: mode) }
    }

    struct Analyze: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Parameters, memory, FLOPs, depth and width, layer types (TALON's analyze_graph/summarize).")

        @OptionGroup var options: Options

        @Flag(help: "Add the per-layer breakdown to the text.")
        var verbose = false

        func run() throws {
            let stats = GraphAnalysis.analyze(try options.graph(), mode: options.mode)
            print(options.json ? AnalysisJSON.stats(stats) : GraphAnalysis.summarize(stats, verbose: verbose))
        }
    }

    struct Profile: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Memory and compute estimates with warnings and recommendations (TALON's profile_graph).")

        @OptionGroup var options: Options

        func run() throws {
            let p = try HardwareProfiling.profile(try options.graph(), mode: options.mode)
            print(options.json ? AnalysisJSON.profile(p) : HardwareProfiling.format(p))
        }
    }

    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a graph's structure, parameters and names (TALON's lint_graph).",
            discussion: "Exits with status 1 when an error is found (every warning is one with --strict).")

        @OptionGroup var options: Options

        @Flag(help: "Treat warnings as errors.")
        var strict = false

        func run() throws {
            let r = GraphLint.lint(try options.graph(), strict: strict, mode: options.mode)
            if options.json {
                print(AnalysisJSON.lint(r))
            } else {
                for i in r.issues {
                    print("\(i.severity.rawValue) [\(i.code)] \(i.message)")
                    if let s = i.suggestion { print("  -> \(s)") }
                }
                print("\(r.issues.count) issue(s): \(r.errors) error(s), \(r.warnings) warning(s), \(r.infos) info; " + (r.isValid ? "valid" : "not valid"))
            }
            if !r.isValid { throw ExitCode(1) }
        }
    }

    struct FingerprintCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fingerprint", abstract: "SHA-256 fingerprints of structure and weights (TALON's fingerprint_graph_dual).")

        @OptionGroup var options: Options

        @Flag(help: "Hash the graph metadata into the full fingerprint too.")
        var metadata = false

        @Option(help: "Check the full fingerprint against this hash (exit status 1 when it differs).")
        var verify: String?

        func run() throws {
            let g = try options.graph()
            let (structure, full) = Fingerprint.dual(g, includeMetadata: metadata)
            print(options.json ? AnalysisJSON.fingerprints(structure, full) : "structure: \(structure)\nfull:      \(full)")
            if let verify, verify.lowercased() != full {
                if !options.json { print("does not match \(verify)") }
                throw ExitCode(1)
            }
        }
    }
}
