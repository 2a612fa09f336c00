import CelestaCPU
import CelestaIR
import Synchronization
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// The (done, total) reports a run made, and the threads it made them on.
final class ProgressLog: Sendable {
    let calls = Mutex<[(done: Int, total: Int)]>([])
    let otherThread = Atomic<Bool>(false)
    let caller = pthread_self()
    /// Reports from `cancelAt` on return false (0: never).
    let cancelAt: Int

    init(cancelAt: Int = 0) { self.cancelAt = cancelAt }

    var callback: @Sendable (Int, Int) -> Bool {
        { done, total in
            if pthread_equal(pthread_self(), self.caller) == 0 { self.otherThread.store(true, ordering: .relaxed) }
            let n = self.calls.withLock { $0.append((done, total)); return $0.count }
            return self.cancelAt == 0 || n < self.cancelAt
        }
    }

    var all: [(done: Int, total: Int)] { calls.withLock { $0 } }

    /// Every report has `total`, `done` grows strictly, and the last is (total, total).
    func assertOrdered(total: Int, file: StaticString = #filePath, line: UInt = #line) {
        let c = all
        XCTAssertFalse(c.isEmpty, "no report", file: file, line: line)
        XCTAssertTrue(c.allSatisfy { $0.total == total }, "totals \(Set(c.map(\.total)))", file: file, line: line)
        XCTAssertTrue(zip(c, c.dropFirst()).allSatisfy { $0.done < $1.done }, "done does not grow: \(c.map(\.done))", file: file, line: line)
        XCTAssertEqual(c.last?.done, total, file: file, line: line)
        XCTAssertFalse(otherThread.load(ordering: .relaxed), "a report on another thread", file: file, line: line)
    }
}

final class CPUProgressTests: XCTestCase {
    static let width = 64, hidden = 1024

    /// in[64] -> Affine 64x1024 -> LIF -> out: about 65k multiply-adds per step, every step
    /// (the input changes each step), so a few thousand steps take long enough for several
    /// reports.
    func heavy() -> IRGraph {
        var noise = Noise(state: 7)
        var m = GraphMaker()
        m.input("in", [Self.width])
        m.node("fc", "Affine", ["weight": GraphMaker.t(noise.values(Self.width * Self.hidden).map { $0 * 0.3 }, [Self.hidden, Self.width]),
                                "bias": GraphMaker.t([Float](repeating: 0, count: Self.hidden))], from: ["in"])
        let h = Self.hidden
        m.node("lif", "LIF", ["tau": GraphMaker.t([Float](repeating: 4, count: h)), "r": GraphMaker.t([Float](repeating: 1, count: h)),
                              "v_leak": GraphMaker.t([Float](repeating: 0, count: h)), "v_threshold": GraphMaker.t([Float](repeating: 0.5, count: h))],
               from: ["fc"])
        m.output("out", [h], from: "lif")
        return m.graph
    }

    /// One input per step [T, 64] (or [B, T, 64]).
    func input(steps: Int, batch: Int? = nil) -> CPUArray {
        var noise = Noise(state: 11)
        let n = (batch ?? 1) * steps * Self.width
        return CPUArray(shape: (batch.map { [$0] } ?? []) + [steps, Self.width], values: noise.values(n))
    }

    func options(_ steps: Int, _ log: ProgressLog?, threads: Int = 0) -> CPUSimulationOptions {
        var o = CPUSimulationOptions()
        o.nSteps = steps
        o.threads = threads
        o.progress = log?.callback
        return o
    }

    /// The `done` of a cancellation message "... cancelled after D of T steps".
    func doneOf(_ error: Error) -> (Int, Int)? {
        guard let e = error as? CelestaError, e.code == .cancelled, let r = e.message.range(of: "cancelled after ") else { return nil }
        let words = e.message[r.upperBound...].split(separator: " ")
        guard words.count >= 3, let d = Int(words[0]), let t = Int(words[2]) else { return nil }
        return (d, t)
    }

    func testReportsGrowReachTheEndAndChangeNothing() throws {
        let g = heavy(), x = input(steps: 3000)
        let log = ProgressLog()
        let with = try CPUSimulator.run(g, inputs: ["in": x], options: options(3000, log))
        let without = try CPUSimulator.run(g, inputs: ["in": x], options: options(3000, nil))
        XCTAssertEqual(with.outputs.map(\.value), without.outputs.map(\.value))
        XCTAssertEqual(with.spikeCounts.map(\.count), without.spikeCounts.map(\.count))
        XCTAssertGreaterThan(with.spikeCounts[0].count, 0)
        log.assertOrdered(total: 3000)
        XCTAssertGreaterThanOrEqual(log.all.count, 2, "a run of this length reports more than once: \(log.all)")
    }

    func testTheCallbackCancelsTheRun() throws {
        let g = heavy(), x = input(steps: 20000)
        let log = ProgressLog(cancelAt: 1)
        XCTAssertThrowsError(try CPUSimulator.run(g, inputs: ["in": x], options: options(20000, log))) { e in
            let (done, total) = self.doneOf(e) ?? (-1, -1)
            XCTAssertEqual(total, 20000, "\(e)")
            XCTAssertTrue(done > 0 && done < 20000, "\(e)")
        }
        XCTAssertEqual(log.all.count, 1, "no report after the one that cancelled")
        // The simulator is usable again, with the same results as before.
        let again = try CPUSimulator.run(g, inputs: ["in": input(steps: 50)], options: options(50, nil))
        XCTAssertEqual(again.timestepsRun, 50)
    }

    func testABatchReportsEverySampleOnTheCallingThreadAndCancelsEveryWorker() throws {
        let g = heavy(), x = input(steps: 800, batch: 6)
        let log = ProgressLog()
        let with = try CPUSimulator.run(g, inputs: ["in": x], options: options(800, log, threads: 2))
        let without = try CPUSimulator.run(g, inputs: ["in": x], options: options(800, nil, threads: 2))
        XCTAssertEqual(with.batch, 6)
        XCTAssertEqual(with.outputs.map(\.value), without.outputs.map(\.value))
        XCTAssertEqual(with.spikeCounts.map(\.count), without.spikeCounts.map(\.count))
        log.assertOrdered(total: 6 * 800)

        let stop = ProgressLog(cancelAt: 1)
        let long = input(steps: 6000, batch: 4)
        XCTAssertThrowsError(try CPUSimulator.run(g, inputs: ["in": long], options: options(6000, stop, threads: 2))) { e in
            let (done, total) = self.doneOf(e) ?? (-1, -1)
            XCTAssertEqual(total, 4 * 6000, "\(e)")
            XCTAssertTrue(done > 0 && done < total / 2, "every worker stopped soon after the cancel: \(e)")
        }
        XCTAssertEqual(stop.all.count, 1)
        XCTAssertFalse(stop.otherThread.load(ordering: .relaxed))
    }

    func testTheBackendAndTALONsSimulatorReportAndCancel() throws {
        let g = heavy()
        for talon in [false, true] {
            var o = BackendRunOptions()
            o.nSteps = 1500
            o.talonCompatible = talon
            let log = ProgressLog()
            o.progress = log.callback
            // TALON's simulator takes the same input at every step.
            let x = talon ? CPUArray(shape: [Self.width], values: Array(input(steps: 1).values)) : input(steps: 1500)
            let r = try CPUBackend().simulate(g, inputs: ["in": x], options: o)
            XCTAssertEqual(r.timestepsRun, 1500)
            log.assertOrdered(total: 1500)
            o.progress = ProgressLog(cancelAt: 1).callback
            o.nSteps = talon ? 200_000 : 20000
            let y = talon ? x : input(steps: 20000)
            XCTAssertThrowsError(try CPUBackend().simulate(g, inputs: ["in": y], options: o)) { e in
                XCTAssertEqual((e as? CelestaError)?.code, .cancelled, "talon \(talon): \(e)")
            }
        }
    }

    /// A run shorter than one report interval reports only at its end; a false there cancels
    /// as one anywhere else does (CI's faster machine once finished `run`'s simulation in one
    /// report and went on to the profile).
    func testAFalseFromTheLastReportCancelsAShortRun() throws {
        let g = heavy()
        for talon in [false, true] {
            var o = BackendRunOptions()
            o.nSteps = 3
            o.talonCompatible = talon
            let log = ProgressLog(cancelAt: 1)
            o.progress = log.callback
            let x = talon ? CPUArray(shape: [Self.width], values: Array(input(steps: 1).values)) : input(steps: 3)
            XCTAssertThrowsError(try CPUBackend().simulate(g, inputs: ["in": x], options: o)) { e in
                XCTAssertEqual((e as? CelestaError)?.code, .cancelled, "talon \(talon): \(e)")
            }
            XCTAssertEqual(log.all.map(\.done), [3], "talon \(talon)")
        }
        let r = BackendRegistry()
        CPUBackend.register(in: r)
        var q = BackendRunRequest()
        q.inputs = ["in": input(steps: 3)]
        q.timesteps = 3
        let log = ProgressLog(cancelAt: 1)
        q.progress = log.callback
        XCTAssertThrowsError(try BackendRunner.run(g, q, registry: r)) { e in XCTAssertEqual((e as? CelestaError)?.code, .cancelled) }
        XCTAssertEqual(log.all.map(\.done), [3], "the profile never started")
    }

    func testRunSplitsOneTotalBetweenTheSimulationAndTheProfile() throws {
        let g = heavy()
        let r = BackendRegistry()
        CPUBackend.register(in: r)
        var q = BackendRunRequest()
        q.inputs = ["in": input(steps: 2000)]
        q.timesteps = 2000
        let log = ProgressLog()
        q.progress = log.callback
        let out = try BackendRunner.run(g, q, registry: r)
        XCTAssertEqual(out.errors, [])
        log.assertOrdered(total: 4000)
        XCTAssertTrue(log.all.contains { $0.done == 2000 }, "the simulation's end is reported: \(log.all.map(\.done))")
        q.progress = ProgressLog(cancelAt: 1).callback
        XCTAssertThrowsError(try BackendRunner.run(g, q, registry: r)) { e in XCTAssertEqual((e as? CelestaError)?.code, .cancelled) }
        q.profile = false
        let alone = ProgressLog()
        q.progress = alone.callback
        _ = try BackendRunner.run(g, q, registry: r)
        alone.assertOrdered(total: 2000)
    }

    func testThePipelineStopsInsideTheSimulation() throws {
        let r = BackendRegistry()
        CPUBackend.register(in: r)
        var c = PipelineConfig()
        c.timesteps = 20000
        c.inputs = ["in": input(steps: 20000)]
        c.lint = false
        c.progress = { stage, done, _ in stage != .simulate || done == 0 }
        XCTAssertThrowsError(try BackendPipeline.run(heavy(), c, registry: r)) { e in
            XCTAssertNotNil(self.doneOf(e), "cancelled by the simulator, at a report: \(e)")
        }
    }
}
