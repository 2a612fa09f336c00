import ArgumentParser
import CelestaIR
import FoundationEssentials

/// `celesta backend list`: the registry (the same record as `celesta_backend_list_json` and
/// Python's `celesta.backend`).
struct BackendList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the backends with their capabilities.",
        discussion: "--json prints the registry's JSON, the same as celesta_backend_list_json() gives.")

    @Flag(help: "Print the registry as JSON.")
    var json = false

    func run() throws {
        let r = BackendCommand.registry()
        if json {
            print(try r.json())
            return
        }
        for name in r.names {
            let b = try r.backend(name)
            let c = b.capabilities
            print("\(name): \(b.summary)")
            print("  precisions \(c.precisions.joined(separator: ", ")); cyclic \(c.supportsCyclic ? "yes" : "no"); max graph size \(c.maxGraphSize)")
            print("  primitives (\(c.primitives.count)): \(c.primitives.joined(separator: ", "))")
            if let t = b.talonCapabilities, t != c { print("  with --talon-compatible (TALON's list, \(t.primitives.count)): \(t.primitives.joined(separator: ", "))") }
            for (key, value) in b.registryFacts { print("  \(key) \(PythonJSON.dumps(value))") }
        }
    }
}

/// `celesta backend info FILE`: what a descriptor file holds.
struct BackendInfo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Summarise a descriptor file written by 'celesta backend compile -o' (JSON or --binary).",
        discussion: """
            Reads TALON's to_json text or the binary ("T1CB"; told apart by its first bytes) and prints the \
            metadata, each core's nodes and weight tables. A binary holds no node configurations, only their \
            number; TALON's binary holds no weights either. A damaged file is an error naming where it breaks.
            """)

    @Argument(help: "The descriptor file.")
    var file: String
    @Flag(help: "Print the descriptor as TALON's to_json text.")
    var json = false

    func run() throws {
        let bytes = [UInt8](try AtomicFile.read(file))
        let d = try BackendDescriptor.read(bytes, name: file)
        if json {
            print(d.talonJSON())
            return
        }
        let binary = d.binaryNeuronConfigCount != nil
        print("\(file): " + (binary ? "descriptor binary (T1CB), \(bytes.count) bytes" : "descriptor JSON, \(bytes.count) bytes"))
        print(BackendCompile.summary(d, target: d.metadata["backend"]?.string ?? "descriptor"))
        if let n = d.binaryNeuronConfigCount {
            print("neuron configurations: \(n) (counted by the file; a binary does not hold them)")
            if d.weightTables.isEmpty { print("weights: none in the file") }
        }
    }
}
