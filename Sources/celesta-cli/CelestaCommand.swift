import ArgumentParser
import CelestaIR
import CelestaXylo
import CelestaHDK

#if canImport(Glibc)
import Glibc
#endif

/// The `celesta` command.
///
/// Errors from the engine end the command with the magnitude of their C status code as exit
/// status (`CELESTA_ERR_NOT_FOUND` = -3 exits with 3) and print
/// `celesta: error: CELESTA_ERR_...: message` on standard error. Usage errors exit with 64.
@main
struct CelestaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "celesta",
        abstract: "Deploy spiking neural networks to Xylo neuromorphic chips and FPGAs.",
        version: BuildInfo.summary,
        subcommands: [ChipsCommand.self, IRCommand.self, SDKCommand.self, XyloCommand.self, HDKCommand.self, AFECommand.self, HLSCommand.self, EventsCommand.self, BackendCommand.self]
    )

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as CelestaError {
            writeStandardError("celesta: error: \(error.code.name): \(error.message)\n")
            Glibc.exit(error.code.exitStatus)
        } catch {
            exit(withError: error)
        }
    }
}

/// Writes `text` to standard error, unbuffered.
func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
        if n <= 0 { return }
        offset += n
    }
}
