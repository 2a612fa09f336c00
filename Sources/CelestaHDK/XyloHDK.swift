import CelestaIR
import CelestaXylo

/// The dev-kit driver: applies a configuration, runs inference in accelerated time or
/// free-running on the audio front end, sets the clock and reads power, all through an
/// `HDKTransport` (a board or the virtual kit; the code is the same).
///
/// Thread safety: one thread at a time per driver.
public final class XyloHDK {
    public let transport: HDKTransport
    public let chip: ChipSpec
    /// The configuration last applied, and its time step.
    public private(set) var config: XyloConfig?
    public private(set) var dt: Double = 1e-3
    /// The power monitor's sampling rate in Hz for the runs that record power; nil: the chip's
    /// default (`XyloPowerModel.defaultSampleRate`, Rockpool's).
    public private(set) var powerSampleRate: Double?

    /// Steps per `process` call in accelerated time (progress and cancellation granularity).
    public static let stepsPerBlock = 4096

    public init(transport: HDKTransport) throws {
        self.transport = transport
        chip = try ChipTable.chip(named: transport.device.chipID)
    }

    public var device: HDKDeviceInfo { transport.device }

    /// Resets the chip and writes `config` into its registers and memory; sets the time-step
    /// wrap register to `dt x clock`. Throws `.invalidArgument` for a configuration of
    /// another chip, `.invalidConfig` for one that fails validation, and the transport's
    /// errors.
    public func apply(_ config: XyloConfig, dt: Double) throws {
        guard config.chipID == chip.id else {
            throw CelestaError(.invalidArgument, "the configuration is for '\(config.chipID)'; \(device.name) carries \(chip.id)")
        }
        guard dt.isFinite, dt > 0 else { throw CelestaError(.outOfRange, "'dt' is \(dt); it must be finite and > 0 (seconds)") }
        let image = try config.image()
        evolveBlocks = []
        try transport.reset()
        for write in image.writes() {
            switch write {
            case .register(let address, let value): try transport.writeRegister(address, value)
            case .memory(let address, let values): try transport.writeMemory(address, values)
            }
        }
        try writeTimeStep(dt)
        self.config = config
        self.dt = dt
    }

    /// Writes the time-step wrap register (cycles per time step) for `dt` at the current clock.
    private func writeTimeStep(_ dt: Double) throws {
        guard let address = chip.imageLayout?.registerAddress("tr_wrap") else {
            throw CelestaError(.unsupported, "\(chip.name) has no register map")
        }
        let wrap = (dt * (try transport.clock())).rounded()
        guard wrap >= 1, wrap <= Double(UInt32.max) else {
            throw CelestaError(.outOfRange, "'dt' \(dt) s at the current clock gives \(wrap) cycles per step; the wrap register holds 1...\(UInt32.max)")
        }
        try transport.writeRegister(address, UInt32(wrap))
    }

    private func requireConfig(_ what: String) throws -> XyloConfig {
        guard let config else { throw CelestaError(.invalidState, "\(device.name): \(what) needs a configuration; apply one first") }
        return config
    }

    /// Runs `steps` time steps of `input` (`[steps][nIn]` event counts, 0...255) in accelerated
    /// time, from the state the chip is in. With `record` the result carries every state, with
    /// `recordPower` the power monitor's samples over the run. `progress` gets the steps done
    /// after each block; returning false cancels with `.cancelled`.
    ///
    /// The input is checked here, once, before anything is sent (`.shapeMismatch`,
    /// `.outOfRange` naming step and channel): it travels as `HDKInputRaster` blocks, which
    /// the transport takes as valid.
    public func evolve(
        input: [Int], steps: Int, record: Bool = false, recordPower: Bool = false, progress: ((Int) -> Bool)? = nil
    ) throws -> (result: XyloSimulationResult, power: [HDKPowerSample]) {
        let config = try requireConfig("evolve")
        evolveBlocks = []
        let raster = try HDKInputRaster(firstTimestep: 0, steps: steps, channels: config.nIn, counts: input)
        try transport.configure(source: .events, monitorState: record)
        if recordPower { try transport.startPowerMonitor(rate: try effectivePowerSampleRate()) }
        let start = try transport.currentTimestep()
        guard start >= 0, start <= Int.max - steps else {
            throw CelestaError(.device, "\(device.name): the kit reports time step \(start); \(steps) more do not fit its counter")
        }
        // Each block's readouts are read as soon as it has run, so that a run that fails (a
        // kit unplugged, a lost transfer) keeps the output of the blocks before the failure:
        // `partialEvolveOutput`.
        var t = 0
        while t < steps {
            let end = min(steps, t + XyloHDK.stepsPerBlock)
            try transport.sendInput(raster.rows(t..<end, shiftedBy: start))
            try transport.process(until: start + end)
            let block = try transport.readReadouts()
            guard block.steps == end - t else {
                throw CelestaError(.device, "\(device.name): read readouts returned \(block.steps) steps, expected \(end - t)")
            }
            evolveBlocks.append(block)
            t = end
            if let progress, !progress(t), t < steps {
                throw CelestaError(.cancelled, "\(device.name): evolve cancelled after \(t) of \(steps) steps")
            }
        }
        let result = try partialEvolveOutput()
        evolveBlocks = [HDKReadoutBlock(firstTimestep: start, result: result)]  // one copy of the arrays, shared
        let power = recordPower ? try transport.readPower() : []
        return (result, power)
    }

    /// The blocks of the last `evolve` read from the kit so far.
    private var evolveBlocks: [HDKReadoutBlock] = []

    /// The output of the last `evolve` as far as it was read from the kit: the whole result
    /// after a run that succeeded; after one that failed or was cancelled, the time steps
    /// completed before the failure, in whole blocks of `stepsPerBlock` (none when it failed in
    /// its first block). `apply` and the next `evolve` start it again from none.
    public func partialEvolveOutput() throws -> XyloSimulationResult {
        let config = try requireConfig("the partial output")
        return try HDKReadoutBlock.concatenating(evolveBlocks, firstTimestep: 0, nHidden: config.nHidden, nOut: config.nOut).result
    }

    /// What a free-running (real-time) run returns.
    public struct MonitorRun: Sendable, Equatable {
        /// Output spikes (and states, when recorded) of every step the audio completed.
        public var result: XyloSimulationResult
        /// The front end's raster fed to the core, `[steps][channels]`.
        public var inputRaster: [Int32]
        /// Number of front-end channels (columns of `inputRaster`).
        public var channels: Int
        /// Steps that missed their deadline at the set clock (absolute time steps).
        public var overruns: [Int]
        /// Power samples over the run (when asked).
        public var power: [HDKPowerSample]
    }

    /// Feeds 14-bit audio to the front end in chunks of `chunk` samples and collects what the
    /// free-running chip reports; with `networkEnabled` false the SNN core stays idle and only
    /// the front end's raster is recorded (Rockpool's `AFESamna`). `progress` gets the samples
    /// fed so far; returning false cancels with `.cancelled`.
    public func monitor(
        audio: [Int], frontEnd: XyloAudio3FrontEndParameters, networkEnabled: Bool = true, chunk: Int = 4883,
        record: Bool = false, recordPower: Bool = false, progress: ((Int) -> Bool)? = nil
    ) throws -> MonitorRun {
        if networkEnabled { _ = try requireConfig("monitor") }
        guard chunk > 0 else { throw CelestaError(.outOfRange, "'chunk' is \(chunk); it must be > 0 samples") }
        if let virtual = transport as? VirtualDevKit { virtual.frontEndParameters = frontEnd }
        try transport.configure(source: networkEnabled ? .audioFrontEnd : .audioFrontEndOnly, monitorState: record)
        if recordPower { try transport.startPowerMonitor(rate: try effectivePowerSampleRate()) }
        var fed = 0
        while fed < audio.count {
            let end = min(audio.count, fed + chunk)
            try transport.sendAudio(Array(audio[fed..<end]))
            fed = end
            if let progress, !progress(fed), fed < audio.count {
                _ = try? transport.readReadouts()
                throw CelestaError(.cancelled, "\(device.name): monitor cancelled after \(fed) of \(audio.count) samples")
            }
        }
        let block = try transport.readReadouts()
        let power = recordPower ? try transport.readPower() : []
        return MonitorRun(result: block.result, inputRaster: block.inputRaster, channels: frontEnd.channelCount,
                          overruns: block.overruns, power: power)
    }

    /// Sets the power monitor's sampling rate for later runs (Rockpool's `power_frequency`);
    /// nil or 0 restores the chip's default. Returns the rate in force. Throws `.outOfRange`
    /// outside (0, 10000] Hz.
    @discardableResult
    public func setPowerSampleRate(hertz: Double?) throws -> Double {
        if let hertz, hertz != 0 {
            guard hertz.isFinite, hertz > 0, hertz <= 10_000 else {
                throw CelestaError(.outOfRange, "power sampling rate \(hertz) Hz is outside (0, 10000]")
            }
            powerSampleRate = hertz
        } else {
            powerSampleRate = nil
        }
        return try effectivePowerSampleRate()
    }

    private func effectivePowerSampleRate() throws -> Double {
        try powerSampleRate ?? XyloPowerModel.model(for: chip).defaultSampleRate
    }

    /// Sets the core clock; returns the frequency the kit runs (an Xylo Audio 2 board rounds
    /// to what its 100 MHz divider gives). Rewrites the time-step wrap for the applied `dt`.
    @discardableResult
    public func setClock(megahertz: Double) throws -> Double {
        guard megahertz.isFinite, megahertz > 0 else {
            throw CelestaError(.outOfRange, "clock \(megahertz) MHz must be finite and > 0")
        }
        let actual = try transport.setClock(hertz: megahertz * 1e6)
        if config != nil { try writeTimeStep(dt) }
        return actual / 1e6
    }

    /// The lowest core clock (Hz) that runs the applied configuration in real time at its
    /// `dt` with `margin` (Rockpool's `est_clock_freq`).
    public func minimumClock(margin: Double = 0.2) throws -> Double {
        let config = try requireConfig("the clock estimate")
        return try XyloCycles.clockFrequency(config, chip: chip, dt: dt, margin: margin)
    }
}
