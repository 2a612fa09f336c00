import CelestaIR
import CelestaXylo

/// A dev kit in software: the chip's register file and memory (`XyloImage`), the bit-exact
/// simulator run from that memory, the audio front end, the clock and a power model, behind
/// the same `HDKTransport` protocol as a board.
///
/// Behaviour, and where it follows the board:
/// - Registers and memory hold what was written; the network the kit runs is decoded from
///   them (`XyloImage.config`) at the first step after any write, never taken from a side
///   channel. A write to the configuration restarts the network from zero state.
/// - With input events as source (accelerated time) the kit processes steps only when told
///   (`process(until:)`), as fast as it can, so the clock does not limit it. Input arrives as
///   events or as rasters (`HDKInputRaster`, the driver's way); a raster's counts are valid by
///   construction and are not checked again, only its time step and channels.
/// - With the audio front end as source (real time) each completed raster row of the front
///   end is one time step of `dt`; a step whose cycles (the cycle model at that step's
///   activity) exceed `clock x dt` is reported in the readout's `overruns` and sets the
///   overrun flag (bit 31 of the status register), as the board flags a missed deadline.
/// - After each processed block the status register holds the last step's output spike flags
///   (one bit per output) and the "processing done" bit.
/// - Power: `XyloPowerModel` per rail (a model, see there), sampled at the monitor's rate in
///   kit time (steps x dt).
/// - State RAMs (Isyn, Vmem, spike counts) are not mirrored into memory: state is read through
///   readouts with state monitoring on.
///
/// Thread safety: one thread at a time per kit (as every transport).
public final class VirtualDevKit: HDKTransport {
    public let device: HDKDeviceInfo
    public var timeout: Duration = .seconds(30)
    public let chip: ChipSpec
    public var powerRails: [String] { powerModel.rails.map(\.name) }

    private var image: XyloImage
    private var network: XyloSimulator?
    private var predictor: XyloCyclePredictor?
    private var networkDirty = true
    private var source: HDKInputSource = .events
    private var monitorState = false
    private var timestep = 0
    /// Queued input events, in arrival order (most arrive for the next block, in step order).
    private var pending: [HDKInputEvent] = []
    /// Queued input rasters, in arrival order.
    private var pendingRasters: [HDKInputRaster] = []
    private var readouts: [HDKReadoutBlock] = []
    private var clockHertz: Double
    private let powerModel: XyloPowerModel
    private var powerRate: Double?
    private var powerActivity = XyloActivity()
    private var powerStart = 0.0
    private var powerPeriods = 0
    private var lastSampleEnd = 0.0
    private var powerSamples: [HDKPowerSample] = []
    private var frontEnd: XyloAudio3FrontEndStream?
    /// The front end's parameters (filters, spike generator). On the board they are the AFE
    /// registers; the virtual kit takes them as values (decoding the AFE registers is not
    /// modelled).
    public var frontEndParameters: XyloAudio3FrontEndParameters?
    private var pendingAudio = 0
    private var closed = false

    /// Most time steps one `process(until:)` call may run (the driver sends blocks of 4096).
    public static let maxStepsPerProcess = 1 << 20

    /// The default core clock of the kits (Hz).
    public static let defaultClock = 50e6

    /// A kit for `chip` (any name `ChipTable` knows), numbered `index` in its name.
    /// Throws `.unsupported` for a chip without a dev kit (Xylo v1).
    public init(chip name: String, index: Int = 0) throws {
        let chip = try ChipTable.chip(named: name)
        self.chip = chip
        image = try XyloImage(chipID: chip.id)
        powerModel = try XyloPowerModel.model(for: chip)
        clockHertz = VirtualDevKit.defaultClock
        device = HDKTransportOpener.virtual(chip.id, index).info
    }

    // MARK: Registers and memory

    public func readRegister(_ address: UInt32) throws -> UInt32 {
        try open(.readRegister)
        return try wrap(.readRegister) { try image.readRegister(address) }
    }

    public func writeRegister(_ address: UInt32, _ value: UInt32) throws {
        try open(.writeRegister)
        try wrap(.writeRegister) { try image.writeRegister(address, value) }
        networkDirty = true
    }

    public func readMemory(_ address: UInt32, count: Int) throws -> [Int32] {
        try open(.readMemory)
        return try wrap(.readMemory) { try image.readMemory(address, count: count) }
    }

    public func writeMemory(_ address: UInt32, _ values: [Int32]) throws {
        try open(.writeMemory)
        try wrap(.writeMemory) { try image.writeMemory(address, values) }
        networkDirty = true
    }

    // MARK: Processing

    public func configure(source: HDKInputSource, monitorState: Bool) throws {
        try open(.configure)
        if source.takesAudio, chip.frontEnd != .digital {
            let takers = ChipTable.all.filter { $0.hasDevKit && $0.frontEnd == .digital }.map(\.name)
            throw CelestaError.hdk(.unsupported, device, .configure,
                                   "the audio front end of \(chip.name) is analog and not modelled bit-exactly; only \(takers.joined(separator: ", ")) kits take audio")
        }
        self.source = source
        self.monitorState = monitorState
        if source.takesAudio {
            guard let frontEndParameters else {
                throw CelestaError.hdk(.invalidState, device, .configure, "no front-end parameters are set (frontEndParameters)")
            }
            if frontEnd?.parameters != frontEndParameters {
                frontEnd = XyloAudio3FrontEndStream(parameters: frontEndParameters)
            }
        }
    }

    public func currentTimestep() throws -> Int {
        try open(.readReadouts)
        return timestep
    }

    public func sendInput(_ events: [HDKInputEvent]) throws {
        try open(.sendInput)
        guard source == .events else {
            throw CelestaError.hdk(.invalidState, device, .sendInput, "the input source is the audio front end; configure events first")
        }
        let nIn = chip.maxInputs
        for (k, e) in events.enumerated() {
            guard e.timestep >= timestep else {
                throw CelestaError.hdk(.outOfRange, device, .sendInput, "event \(k) is for time step \(e.timestep), before the current step \(timestep)")
            }
            guard (0..<nIn).contains(e.channel) else {
                throw CelestaError.hdk(.outOfRange, device, .sendInput, "event \(k) has channel \(e.channel); the chip has channels 0..\(nIn - 1)")
            }
            guard (0...255).contains(e.count) else {
                throw CelestaError.hdk(.outOfRange, device, .sendInput, "event \(k) has count \(e.count); counts are 0...255")
            }
        }
        for e in events where e.count > 0 { pending.append(e) }
    }

    public func sendInput(_ raster: HDKInputRaster) throws {
        try open(.sendInputRaster)
        guard source == .events else {
            throw CelestaError.hdk(.invalidState, device, .sendInputRaster, "the input source is the audio front end; configure events first")
        }
        // The counts and the shape hold by construction (HDKInputRaster): only what depends on
        // the kit is checked here.
        guard raster.firstTimestep >= timestep, raster.firstTimestep <= Int.max - raster.steps else {
            throw CelestaError.hdk(.outOfRange, device, .sendInputRaster,
                                   "the raster starts at time step \(raster.firstTimestep), before the current step \(timestep) or past the counter")
        }
        guard raster.channels <= chip.maxInputs else {
            throw CelestaError.hdk(.outOfRange, device, .sendInputRaster,
                                   "the raster has \(raster.channels) channels; the chip has channels 0..\(chip.maxInputs - 1)")
        }
        if raster.steps > 0, raster.channels > 0 { pendingRasters.append(raster) }
    }

    public func process(until target: Int) throws {
        try open(.process)
        guard source == .events else {
            throw CelestaError.hdk(.invalidState, device, .process, "the kit is free-running on the audio front end; configure events first")
        }
        guard target >= timestep else {
            throw CelestaError.hdk(.outOfRange, device, .process, "target time step \(target) is before the current step \(timestep)")
        }
        guard target - timestep <= VirtualDevKit.maxStepsPerProcess else {
            throw CelestaError.hdk(.outOfRange, device, .process,
                                   "target time step \(target) is \(target - timestep) steps ahead; at most \(VirtualDevKit.maxStepsPerProcess) per call")
        }
        let sim = try currentNetwork(.process)
        let steps = target - timestep
        if steps == 0 { return }
        let raster = takeInput(until: target, nIn: sim.config.nIn)
        try run(sim, raster: raster, steps: steps, inputRaster: [], realTime: false, operation: .process)
    }

    /// The input `[steps][nIn]` of the steps from the current one up to `target`, taken from
    /// the queued rasters and events (those of later steps stay queued; any of earlier steps,
    /// queued before the kit ran on audio, are dropped). Counts add up to at most 255; channels
    /// the network does not use are ignored, as on the chip.
    private func takeInput(until target: Int, nIn: Int) -> [Int] {
        let steps = target - timestep
        // What the driver sends: one raster of exactly these steps and channels and no events.
        // Its counts are the input as they stand (no copy).
        if pending.isEmpty, pendingRasters.count == 1, let r = pendingRasters.first,
           r.firstTimestep == timestep, r.steps == steps, r.channels == nIn {
            pendingRasters.removeAll(keepingCapacity: true)
            return r.counts
        }
        var raster = [Int](repeating: 0, count: steps * nIn)
        var laterRasters: [HDKInputRaster] = []
        for r in pendingRasters {
            let end = r.firstTimestep + r.steps  // (checked not to overflow when queued)
            let width = min(r.channels, nIn)
            let first = max(r.firstTimestep, timestep)
            for t in first..<max(min(end, target), first) {
                let from = (t - r.firstTimestep) * r.channels, to = (t - timestep) * nIn
                for c in 0..<width { raster[to + c] = min(255, raster[to + c] + r.counts[from + c]) }
            }
            if end > target { laterRasters.append(r.rows(max(0, target - r.firstTimestep)..<r.steps)) }
        }
        pendingRasters = laterRasters
        var later: [HDKInputEvent] = []
        for e in pending {
            if e.timestep >= target {
                later.append(e)
            } else if e.timestep >= timestep, e.channel < nIn {
                let i = (e.timestep - timestep) * nIn + e.channel
                raster[i] = min(255, raster[i] + e.count)
            }
        }
        pending = later
        return raster
    }

    public func sendAudio(_ samples: [Int]) throws {
        try open(.sendAudio)
        guard source.takesAudio, let frontEnd else {
            throw CelestaError.hdk(.invalidState, device, .sendAudio, "the input source is events; configure the audio front end first")
        }
        let sim = source == .audioFrontEnd ? try currentNetwork(.sendAudio) : nil
        let chunk = try wrap(.sendAudio) { try frontEnd.process(samples) }
        pendingAudio += samples.count
        guard !chunk.raster.isEmpty else { return }
        let channels = chunk.raster[0].count
        let steps = chunk.raster.count
        guard let sim else {
            // Front end alone: the raster is the readout.
            var fed = [Int32]()
            fed.reserveCapacity(steps * channels)
            for row in chunk.raster { for v in row { fed.append(Int32(clamping: v)) } }
            readouts.append(HDKReadoutBlock(
                firstTimestep: timestep,
                result: XyloSimulationResult(steps: steps, nHidden: 0, nOut: 0, record: false, hibernation: false),
                inputRaster: fed))
            if let powerRate {
                var activity = XyloActivity()
                activity.steps = steps
                activity.audioSamples = pendingAudio
                pendingAudio = 0
                accumulatePower(activity, rate: powerRate)
            }
            timestep += steps
            return
        }
        let nIn = sim.config.nIn
        guard channels >= nIn else {
            throw CelestaError.hdk(.invalidConfig, device, .sendAudio,
                                   "the network has \(nIn) inputs but the front end gives \(channels) channels")
        }
        var input = [Int](repeating: 0, count: steps * nIn)
        var fed = [Int32](repeating: 0, count: steps * channels)
        for (t, row) in chunk.raster.enumerated() {
            for c in 0..<channels { fed[t * channels + c] = Int32(clamping: row[c]) }
            for c in 0..<nIn { input[t * nIn + c] = min(255, max(0, row[c])) }
        }
        try run(sim, raster: input, steps: steps, inputRaster: fed, realTime: true, operation: .sendAudio)
    }

    public func readReadouts() throws -> HDKReadoutBlock {
        try open(.readReadouts)
        defer { readouts.removeAll() }
        return try HDKReadoutBlock.concatenating(readouts, firstTimestep: timestep, nHidden: network?.config.nHidden ?? 0,
                                                 nOut: network?.config.nOut ?? 0)
    }

    // MARK: Power, clock, reset

    public func startPowerMonitor(rate: Double) throws {
        try open(.readPower)
        guard rate.isFinite, rate > 0, rate <= 10_000 else {
            throw CelestaError.hdk(.outOfRange, device, .readPower, "sampling rate \(rate) Hz is outside (0, 10000]")
        }
        powerRate = rate
        powerActivity = XyloActivity()
        powerStart = kitTime
        lastSampleEnd = kitTime
        powerPeriods = 0
        powerSamples.removeAll()
    }

    public func readPower() throws -> [HDKPowerSample] {
        try open(.readPower)
        guard powerRate != nil else {
            throw CelestaError.hdk(.invalidState, device, .readPower, "the power monitor is not started")
        }
        defer { powerSamples.removeAll() }
        return powerSamples
    }

    public func setClock(hertz: Double) throws -> Double {
        try open(.setClock)
        guard hertz.isFinite, hertz >= 1e6, hertz <= 200e6 else {
            throw CelestaError.hdk(.outOfRange, device, .setClock, "clock \(hertz) Hz is outside 1 MHz ... 200 MHz")
        }
        clockHertz = HDKClock.achievable(hertz, chip: chip)
        return clockHertz
    }

    public func clock() throws -> Double {
        try open(.setClock)
        return clockHertz
    }

    public func reset() throws {
        try open(.reset)
        image = try XyloImage(chipID: chip.id)
        network = nil
        predictor = nil
        networkDirty = true
        source = .events
        monitorState = false
        timestep = 0
        pending.removeAll()
        pendingRasters.removeAll()
        readouts.removeAll()
        powerRate = nil
        powerSamples.removeAll()
        powerActivity = XyloActivity()
        frontEnd = nil
        pendingAudio = 0
    }

    public func close() { closed = true }

    // MARK: Internals

    /// Seconds of kit time: processed steps times dt.
    private var kitTime: Double { Double(timestep) * dt }

    /// The time step: `TR_WRAP / clock` when the wrap register is set, the front end's
    /// raster period on the audio path, else 1 ms.
    private var dt: Double {
        if let address = chip.imageLayout?.registerAddress("tr_wrap"),
           let wrap = try? image.readRegister(address), wrap > 0 {
            return Double(wrap) / clockHertz
        }
        if source.takesAudio, let frontEnd {
            return Double(frontEnd.parameters.rasterDownSamplingFactor) / XyloAudio3FrontEnd.audioSampleRate
        }
        return 1e-3
    }

    private func open(_ operation: HDKOperation) throws {
        if closed { throw CelestaError.hdk(.invalidState, device, operation, "the kit is closed") }
    }

    private func wrap<T>(_ operation: HDKOperation, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as CelestaError {
            throw CelestaError.hdk(error.code, device, operation, error.message)
        }
    }

    /// The network decoded from the memory, rebuilt after writes.
    private func currentNetwork(_ operation: HDKOperation) throws -> XyloSimulator {
        if networkDirty || network == nil {
            let config = try wrap(operation) { try image.config(dt: dt) }
            network = try wrap(operation) { try XyloSimulator(config: config, chip: chip) }
            predictor = try? XyloCyclePredictor(config: config, chip: chip)
            networkDirty = false
        }
        guard let network else {
            throw CelestaError.hdk(.internalError, device, operation, "no network")
        }
        return network
    }

    private func run(_ sim: XyloSimulator, raster: [Int], steps: Int, inputRaster: [Int32], realTime: Bool,
                     operation: HDKOperation) throws {
        // Real time: a step overruns when its cycles at its activity exceed the budget. When
        // the worst case fits, no step can, and the steps' activity is not needed for that.
        let budget = clockHertz * dt
        let overrunPredictor = realTime ? predictor.flatMap { $0.worstCase > budget ? $0 : nil } : nil
        let needActivity = powerRate != nil || overrunPredictor != nil
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        let result = try wrap(operation) {
            try sim.evolve(input: raster, steps: steps, record: monitorState || needActivity) { _ in clock.now < deadline }
        }
        var overruns: [Int] = []
        if let overrunPredictor {
            overruns = stepOverruns(result, raster: raster, predictor: overrunPredictor, budget: budget)
        }
        if let powerRate {
            var activity = try wrap(operation) { try XyloActivity.measure(config: sim.config, chip: chip, input: raster, result: result) }
            activity.audioSamples = pendingAudio
            pendingAudio = 0
            accumulatePower(activity, rate: powerRate)
        }
        var block = HDKReadoutBlock(firstTimestep: timestep, result: monitorState || !result.recorded ? result : result.outputOnly,
                                    inputRaster: inputRaster, overruns: overruns)
        if !monitorState { block.result.hibernation = result.hibernation }
        readouts.append(block)
        timestep += steps
        try updateStatus(result, overrun: !overruns.isEmpty)
    }

    /// The steps of `result` whose cycles exceed `budget` (the result must carry the hidden
    /// spikes: recorded).
    private func stepOverruns(_ result: XyloSimulationResult, raster: [Int], predictor: XyloCyclePredictor, budget: Double) -> [Int] {
        var late: [Int] = []
        let nIn = predictor.nIn, nH = predictor.nHidden, nOut = predictor.nOut
        for t in 0..<result.steps {
            var active = 0
            for c in 0..<nIn where raster[t * nIn + c] > 0 { active += 1 }
            var hidden = 0
            for i in 0..<nH where result.spikes[t * nH + i] > 0 { hidden += 1 }
            var out = 0
            for k in 0..<nOut where result.spikesOut[t * nOut + k] > 0 { out += 1 }
            let cycles = predictor.cycles(
                inputRate: Double(active) / Double(max(nIn, 1)), hiddenRate: Double(hidden) / Double(max(nH, 1)),
                outputRate: Double(out) / Double(max(nOut, 1)))
            if cycles > budget { late.append(timestep + t) }
        }
        return late
    }

    private func accumulatePower(_ activity: XyloActivity, rate: Double) {
        powerActivity += activity
        let now = Double(timestep + activity.steps) * dt
        // Period k of the monitor ends at start + (k + 1) / rate; emit every completed period,
        // spreading the activity accumulated since the last sample evenly over the time it
        // covers. (Boundaries are recomputed from the index, with a tolerance of 1e-9 of a
        // period, so rounding of dt never drops a sample.)
        while true {
            let end = powerStart + Double(powerPeriods + 1) / rate
            guard now >= end - 1e-9 / rate else { break }
            let covered = max(now - lastSampleEnd, 1e-12)
            let f = min(1, (end - lastSampleEnd) / covered)
            var share = XyloActivity()
            share.synapticEvents = Int((Double(powerActivity.synapticEvents) * f).rounded())
            share.neuronUpdates = Int((Double(powerActivity.neuronUpdates) * f).rounded())
            share.inputEvents = Int((Double(powerActivity.inputEvents) * f).rounded())
            share.audioSamples = Int((Double(powerActivity.audioSamples) * f).rounded())
            share.spikes = Int((Double(powerActivity.spikes) * f).rounded())
            powerSamples.append(HDKPowerSample(
                time: end, watts: powerModel.power(share, seconds: 1 / rate, clockHertz: clockHertz)))
            powerActivity.synapticEvents -= share.synapticEvents
            powerActivity.neuronUpdates -= share.neuronUpdates
            powerActivity.inputEvents -= share.inputEvents
            powerActivity.audioSamples -= share.audioSamples
            powerActivity.spikes -= share.spikes
            powerPeriods += 1
            lastSampleEnd = end
        }
    }

    /// Output spike flags of the last step, "processing done", and the overrun flag.
    private func updateStatus(_ result: XyloSimulationResult, overrun: Bool) throws {
        guard result.steps > 0 else { return }
        var flags: UInt32 = 0
        let nOut = result.nOut
        for k in 0..<min(nOut, 32) where result.spikesOut[(result.steps - 1) * nOut + k] != 0 { flags |= 1 << UInt32(k) }
        let overrunBit: UInt32 = overrun ? 1 << 31 : 0
        switch image.layout.status {
        case .combined(let register, let doneBit):
            try image.writeRegister(try image.registerAddress(register), flags | 1 << UInt32(doneBit) | overrunBit)
        case .split(let flagsRegister, let doneRegister):
            try image.writeRegister(try image.registerAddress(flagsRegister), flags)
            try image.writeRegister(try image.registerAddress(doneRegister), 1 | overrunBit)
        }
    }
}

extension XyloSimulationResult {
    /// The same steps with only the output spikes.
    var outputOnly: XyloSimulationResult {
        var r = XyloSimulationResult(steps: steps, nHidden: nHidden, nOut: nOut, record: false, hibernation: false)
        r.spikesOut = spikesOut
        return r
    }
}

extension HDKReadoutBlock {
    /// One block from consecutive blocks (the oldest first); each joined array is allocated
    /// at its final size.
    static func concatenating(_ blocks: [HDKReadoutBlock], firstTimestep: Int, nHidden: Int, nOut: Int) throws -> HDKReadoutBlock {
        guard let first = blocks.first else {
            return HDKReadoutBlock(firstTimestep: firstTimestep,
                                   result: XyloSimulationResult(steps: 0, nHidden: nHidden, nOut: nOut, record: false, hibernation: false))
        }
        if blocks.count == 1 { return first }
        func joined<T>(_ part: (HDKReadoutBlock) -> [T]) -> [T] {
            var out: [T] = []
            out.reserveCapacity(blocks.reduce(0) { $0 + part($1).count })
            for block in blocks { out.append(contentsOf: part(block)) }
            return out
        }
        let recorded = blocks.allSatisfy { $0.result.recorded }
        let hib = blocks.allSatisfy { !$0.result.hibernation.isEmpty }
        let steps = blocks.reduce(0) { $0 + $1.steps }
        var r = XyloSimulationResult(steps: steps, nHidden: first.result.nHidden, nOut: first.result.nOut, record: recorded, hibernation: false)
        r.spikesOut = joined { $0.result.spikesOut }
        if recorded {
            r.vmem = joined { $0.result.vmem }
            r.isyn = joined { $0.result.isyn }
            r.isyn2 = joined { $0.result.isyn2 }
            r.spikes = joined { $0.result.spikes }
            r.vmemOut = joined { $0.result.vmemOut }
            r.isynOut = joined { $0.result.isynOut }
        }
        if hib { r.hibernation = joined { $0.result.hibernation } }
        return HDKReadoutBlock(firstTimestep: first.firstTimestep, result: r,
                               inputRaster: joined { $0.inputRaster }, overruns: joined { $0.overruns })
    }
}
