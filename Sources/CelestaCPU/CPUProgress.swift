import CelestaIR
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Progress reports of a CPU simulation, made on the thread that called the simulator: at most
/// one per `interval` (and one at the end), each with strictly more steps done than the last.
/// A report whose callback returns false asks the run to stop. Used by one thread only.
final class ProgressReporter: @unchecked Sendable {
    /// Time between two reports (ns).
    static let interval: UInt64 = 20_000_000

    private let callback: (Int, Int) -> Bool
    private var last: UInt64
    private var reported = 0

    init(_ callback: @escaping (Int, Int) -> Bool) {
        self.callback = callback
        last = CPUSimulator.now()
    }

    /// Reports `done` of `total` when the interval has passed since the last report, or at
    /// once with `final`; nothing when `done` did not grow. False: the callback asked to stop.
    func tick(_ done: Int, _ total: Int, final: Bool = false) -> Bool {
        guard done > reported else { return true }
        let t = CPUSimulator.now()
        guard final || t &- last >= Self.interval else { return true }
        last = t
        reported = done
        return callback(done, total)
    }
}

/// The shared progress of one simulation over its workers: sample-steps done (all workers
/// together) and a stop flag set by the reporting thread. Workers call `check` between blocks
/// of `block` steps (about a millisecond of work each), so a cancel is seen within a few
/// milliseconds (one step of a huge graph at most).
final class RunMonitor: Sendable {
    let total: Int
    let block: Int
    let done = Atomic<Int>(0)
    let stopped = Atomic<Bool>(false)

    /// Work units (multiply-accumulates, or values written) between two checks.
    static let workPerCheck = 1 << 22

    init(total: Int, workPerStep: Int) {
        self.total = total
        block = Swift.max(1, Self.workPerCheck / Swift.max(1, workPerStep))
    }

    /// Adds `steps` finished steps; the reporting thread (`reporter` non-nil) reports them.
    /// False when the run is to stop.
    func check(_ steps: Int, _ reporter: ProgressReporter?) -> Bool {
        let now = done.wrappingAdd(steps, ordering: .relaxed).newValue
        if let reporter, !stopped.load(ordering: .relaxed), !reporter.tick(now, total) {
            stopped.store(true, ordering: .relaxed)
        }
        return !stopped.load(ordering: .relaxed)
    }

    /// While other workers run: reports their progress about every `ProgressReporter.interval`
    /// until `finished()` says they are done.
    func report(_ reporter: ProgressReporter, until finished: () -> Bool) {
        while !finished() {
            if !stopped.load(ordering: .relaxed), !reporter.tick(done.load(ordering: .relaxed), total) {
                stopped.store(true, ordering: .relaxed)
            }
        }
    }

    var isStopped: Bool { stopped.load(ordering: .relaxed) }

    /// The error of a stopped run.
    var cancellation: CelestaError {
        CelestaError(.cancelled, "simulation cancelled after \(done.load(ordering: .relaxed)) of \(total) steps")
    }
}
