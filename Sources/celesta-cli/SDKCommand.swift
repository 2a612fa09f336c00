import ArgumentParser

/// `celesta sdk ...`: the TALON-style SDK commands. (Minimal group holding `viz` only; the
/// analysis commands join it.)
struct SDKCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sdk",
        abstract: "Analyse, map and visualise network graphs (TALON's SDK).",
        subcommands: [SDKViz.self]
    )
}
