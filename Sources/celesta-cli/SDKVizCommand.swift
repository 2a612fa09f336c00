import ArgumentParser
import CelestaIR

/// `celesta sdk viz FILE -o graph.html`: the HTML views of a graph file (graph, partitioned,
/// execution schedule), self-contained pages that work offline.
struct SDKViz: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "viz",
        abstract: "Write an HTML view of a graph file (.t1c, .nir, IR JSON).",
        discussion: """
            The page is self-contained and makes no network request. --view graph (the default) \
            draws the nodes coloured by type, with their shapes and array summaries on hover; \
            --view partitioned draws each core's nodes in a region of its colour (cores from \
            --cores, else the file's partition or core ids); --view schedule draws one timeline \
            per core. The page is written atomically.
            """)

    @Argument(help: "The graph file.")
    var file: String

    @Option(name: [.short, .customLong("output")], help: "The HTML file to write (default: FILE with the extension .html).")
    var output: String?

    @Option(help: "What to draw: graph, partitioned or schedule.")
    var view: String = "graph"

    @Option(help: "The page title (default: the view's own).")
    var title: String?

    @Option(help: "Partitioned view: a JSON file mapping node names to core ids.")
    var cores: String?

    @Option(help: "Schedule view: a JSON file mapping node names to latencies in microseconds.")
    var latencies: String?

    @Option(help: "The input format (t1c, nir, json); by default from the extension.")
    var from: String?

    @Flag(help: "Follow TALON 0.0.x exactly: read the file as TALON does and embed the arrays in full.")
    var talonCompatible = false

    func run() throws {
        var format = IRFileFormat.auto
        if let from {
            guard let f = IRFileFormat(name: from) else { throw CelestaError(.invalidArgument, "format '\(from)' is not one of t1c, nir, json") }
            format = f
        }
        if cores != nil && view != "partitioned" { throw CelestaError(.invalidArgument, "--cores is for --view partitioned") }
        if latencies != nil && view != "schedule" { throw CelestaError(.invalidArgument, "--latencies is for --view schedule") }
        let graph = try IRFiles.read(path: file, format: format, mode: talonCompatible ? .talon : .celesta)
        let page: [UInt8]
        switch view {
        case "graph":
            page = VizPages.graphPage(graph, title: title ?? VizPages.defaultTitle, embedArrays: talonCompatible)
        case "partitioned":
            let given = try cores.map { try VizPages.assignments(json: Array(try AtomicFile.read($0)), name: $0) }
            page = try VizPages.partitionedPage(graph, title: title ?? VizPages.defaultPartitionedTitle, assignments: given, embedArrays: talonCompatible)
        case "schedule":
            let given = try latencies.map { try VizPages.latencies(json: Array(try AtomicFile.read($0)), name: $0) }
            page = VizPages.schedulePage(graph, title: title ?? VizPages.defaultScheduleTitle, latencies: given)
        default:
            throw CelestaError(.invalidArgument, "--view '\(view)' is not one of graph, partitioned, schedule")
        }
        let path = output ?? Self.defaultOutput(file)
        try VizPages.write(page, to: path, createFolders: view == "graph")
        print("\(path): \(view) view of \(graph.nodes.count) nodes, \(graph.edges.count) edges, \(page.count) bytes")
    }

    /// `FILE` with its extension replaced by `.html`.
    static func defaultOutput(_ file: String) -> String {
        let slash = file.lastIndex(of: "/").map { file.index(after: $0) } ?? file.startIndex
        if let dot = file[slash...].lastIndex(of: "."), dot > slash { return String(file[..<dot]) + ".html" }
        return file + ".html"
    }
}
