#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT between `CtrlC.begin()` and `CtrlC.end()`.
nonisolated(unsafe) private var interrupted: sig_atomic_t = 0
/// The SIGINT disposition `begin()` replaced (SIG_IGN in a background job).
nonisolated(unsafe) private var previous: __sighandler_t? = SIG_DFL

/// Ctrl-C for the long commands (`afe`, `hdk run`, `hdk power`, `hdk monitor`): between
/// `begin()` and `end()` SIGINT only sets a flag, which their progress callbacks read to cancel
/// the run at its next report. The command then ends like any cancelled call (exit status 14,
/// CELESTA_ERR_CANCELLED); a dev kit is left as celesta_xylo_hdk_set_progress() describes.
enum CtrlC {
    /// From now on SIGINT sets `requested` instead of ending the process.
    static func begin() {
        interrupted = 0
        previous = signal(SIGINT) { _ in interrupted = 1 }
    }

    /// SIGINT does what it did before `begin()` again.
    static func end() {
        signal(SIGINT, previous)
    }

    /// Whether Ctrl-C was pressed since `begin()`.
    static var requested: Bool { interrupted != 0 }
}
