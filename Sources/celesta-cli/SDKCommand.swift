import ArgumentParser

/// `celesta sdk ...`: the TALON-style SDK (hardware mapping, and more to come).
struct SDKCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sdk",
        abstract: "TALON-style SDK tools for network graphs.",
        subcommands: [SDKMap.self]
    )
}
