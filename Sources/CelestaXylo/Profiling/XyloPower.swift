import CelestaIR
/// What a Xylo chip did over a stretch of time, the input of the power model.
public struct XyloActivity: Sendable, Equatable {
    /// Time steps processed.
    public var steps: Int = 0
    /// Input events accepted by the core (after the per-step cap).
    public var inputEvents: Int = 0
    /// Synaptic additions: input events times their fan-in plus hidden spikes times their
    /// recurrent and output fan-out.
    public var synapticEvents: Int = 0
    /// Neuron state updates (hidden + output neurons, every step).
    public var neuronUpdates: Int = 0
    /// Spikes emitted by hidden and output neurons.
    public var spikes: Int = 0
    /// Audio samples processed by the front end.
    public var audioSamples: Int = 0

    public init() {}

    /// Adds another stretch.
    public static func += (lhs: inout XyloActivity, rhs: XyloActivity) {
        lhs.steps += rhs.steps
        lhs.inputEvents += rhs.inputEvents
        lhs.synapticEvents += rhs.synapticEvents
        lhs.neuronUpdates += rhs.neuronUpdates
        lhs.spikes += rhs.spikes
        lhs.audioSamples += rhs.audioSamples
    }

    /// The activity of a simulated run: `input [steps][nIn]` as given to the simulator and
    /// the result, which must carry the recorded hidden spikes.
    public static func measure(config: XyloConfig, chip: ChipSpec, input: [Int], result: XyloSimulationResult) throws -> XyloActivity {
        guard result.recorded else {
            throw CelestaError(.invalidArgument, "activity needs a recorded result (the hidden spike counts)")
        }
        let steps = result.steps, nIn = config.nIn, nH = config.nHidden, nOut = config.nOut
        guard input.count == steps * nIn else {
            throw CelestaError(.shapeMismatch, "'input' has \(input.count) values; [T=\(steps)][n_in=\(nIn)] needs \(steps * nIn)")
        }
        var fanIn = [Int](repeating: 0, count: nIn)
        for c in 0..<nIn {
            for j in 0..<config.nIEN { for s in 0..<config.nSyn where config.weightIn(c, j, s) != 0 { fanIn[c] += 1 } }
        }
        var fanOut = [Int](repeating: 0, count: nH)
        for i in 0..<nH {
            for j in 0..<nH { for s in 0..<config.nSyn where config.weightRec(i, j, s) != 0 { fanOut[i] += 1 } }
            let r = i - config.oenOffset
            if r >= 0 { for k in 0..<nOut where config.weightOut(r, k) != 0 { fanOut[i] += 1 } }
        }
        var a = XyloActivity()
        a.steps = steps
        a.neuronUpdates = steps * (nH + nOut)
        let cap = chip.maxInputEventsPerStep
        for (index, count) in input.enumerated() where count > 0 {
            let n = min(count, cap)
            a.inputEvents += n
            a.synapticEvents += n * fanIn[index % nIn]
        }
        for (index, count) in result.spikes.enumerated() where count > 0 {
            a.spikes += Int(count)
            a.synapticEvents += Int(count) * fanOut[index % nH]
        }
        for s in result.spikesOut where s > 0 { a.spikes += Int(s) }
        return a
    }
}

/// A per-rail power model of a Xylo dev kit: what each supply rail of the board would draw
/// for a given activity and core clock.
///
/// This is a MODEL, not a measurement: the rail names are those of the boards' power monitors
/// (Rockpool's), and the coefficients are Celesta's illustrative estimates of the orders of
/// magnitude (static draw, clock tree, energy per synaptic event, per neuron update, per input
/// event, per audio sample), chosen so that a keyword-spotting network lands in the hundreds
/// of microwatts as SynSense publishes. They are not calibrated against a board.
public struct XyloPowerModel: Sendable, Hashable, Codable {
    /// One supply rail.
    public struct Rail: Sendable, Hashable, Codable {
        public let name: String
        /// Draw with no activity and the clock stopped (W).
        public let staticWatts: Double
        /// Draw per MHz of core clock (W/MHz).
        public let wattsPerMegahertz: Double
        /// Energy per synaptic addition (J).
        public let joulesPerSynapticEvent: Double
        /// Energy per neuron state update (J).
        public let joulesPerNeuronUpdate: Double
        /// Energy per input event (J).
        public let joulesPerInputEvent: Double
        /// Energy per audio sample through the front end (J).
        public let joulesPerAudioSample: Double
    }

    /// The chip the model is for.
    public let chipID: String
    /// The rails, in the power monitor's order, named as Rockpool's power records
    /// (`<name>_power`): Xylo Audio 2 `io`, `afe_core`, `afe_ldo`, `snn_core`; Xylo Audio 3
    /// `io`, `analog`, `digital`.
    public let rails: [Rail]
    /// The power monitor's default sampling rate (Hz), as Rockpool uses it (0 for a derived
    /// model: no monitor).
    public let defaultSampleRate: Double
    /// nil for a dev kit's model. Otherwise the model is Celesta's derivation from another
    /// chip's model, with no kit, reference or measurement behind it, and this names what it
    /// rests on (one sentence per assumption), to be shown beside every figure it gives.
    public var derivation: [String]? = nil

    /// Mean watts per rail over `seconds` of activity at `clockHertz`.
    public func power(_ activity: XyloActivity, seconds: Double, clockHertz: Double) -> [Double] {
        guard seconds > 0, seconds.isFinite else { return rails.map { $0.staticWatts } }
        let mhz = max(0, clockHertz) / 1e6
        return rails.map { rail in
            let energy = rail.joulesPerSynapticEvent * Double(activity.synapticEvents)
                + rail.joulesPerNeuronUpdate * Double(activity.neuronUpdates)
                + rail.joulesPerInputEvent * Double(activity.inputEvents)
                + rail.joulesPerAudioSample * Double(activity.audioSamples)
            return rail.staticWatts + rail.wattsPerMegahertz * mhz + energy / seconds
        }
    }

    /// This model's rails named in `rails` (in this model's order), for another chip, labelled
    /// as derived (`assumptions`: why they apply there). Unknown rail names are left out.
    public func derived(chipID: String, rails names: [String], assumptions: [String]) -> XyloPowerModel {
        XyloPowerModel(chipID: chipID, rails: rails.filter { names.contains($0.name) }, defaultSampleRate: 0, derivation: assumptions)
    }

    /// The model of `chip` (its record's `powerModel`); throws `.unsupported` for a chip
    /// without a dev kit.
    public static func model(for chip: ChipSpec) throws -> XyloPowerModel {
        guard let model = chip.powerModel else {
            throw CelestaError(.unsupported, "no power model for chip '\(chip.id)' (\(chip.name)): there is no dev kit for it")
        }
        return model
    }

    // The data of the model per chip (see the type's note), referenced by `ChipTable`.

    /// Xylo Audio 2 dev kit.
    public static let xyloAudio2 = XyloPowerModel(chipID: "syns61201", rails: [
        Rail(name: "io", staticWatts: 120e-6, wattsPerMegahertz: 0, joulesPerSynapticEvent: 0,
             joulesPerNeuronUpdate: 0, joulesPerInputEvent: 40e-12, joulesPerAudioSample: 0),
        Rail(name: "afe_core", staticWatts: 230e-6, wattsPerMegahertz: 0, joulesPerSynapticEvent: 0,
             joulesPerNeuronUpdate: 0, joulesPerInputEvent: 0, joulesPerAudioSample: 0),
        Rail(name: "afe_ldo", staticWatts: 25e-6, wattsPerMegahertz: 0, joulesPerSynapticEvent: 0,
             joulesPerNeuronUpdate: 0, joulesPerInputEvent: 0, joulesPerAudioSample: 0),
        Rail(name: "snn_core", staticWatts: 30e-6, wattsPerMegahertz: 8e-6, joulesPerSynapticEvent: 6e-12,
             joulesPerNeuronUpdate: 12e-12, joulesPerInputEvent: 2e-12, joulesPerAudioSample: 0),
    ], defaultSampleRate: 5)

    /// Xylo Audio 3 dev kit.
    public static let xyloAudio3 = XyloPowerModel(chipID: "syns65302", rails: [
        Rail(name: "io", staticWatts: 90e-6, wattsPerMegahertz: 0, joulesPerSynapticEvent: 0,
             joulesPerNeuronUpdate: 0, joulesPerInputEvent: 30e-12, joulesPerAudioSample: 0),
        Rail(name: "analog", staticWatts: 60e-6, wattsPerMegahertz: 0, joulesPerSynapticEvent: 0,
             joulesPerNeuronUpdate: 0, joulesPerInputEvent: 0, joulesPerAudioSample: 0.2e-9),
        Rail(name: "digital", staticWatts: 35e-6, wattsPerMegahertz: 6e-6, joulesPerSynapticEvent: 4e-12,
             joulesPerNeuronUpdate: 8e-12, joulesPerInputEvent: 1.5e-12, joulesPerAudioSample: 1.2e-9),
    ], defaultSampleRate: 100)

    /// Xylo v1 (`syns61300`): no dev kit, no power monitor and no published figure, so this is
    /// the Xylo Audio 2 model's SNN-core rail (`snn_core`) alone, labelled as derived and used
    /// by the profile only (never by a kit). It applies as far as the v1 core does the same
    /// work per step as the v2 core (the Xylo reference facts, section 2: the same phases,
    /// caps, delivery order and aliases), which is what the model counts (input events,
    /// synaptic additions, neuron updates, clock); Audio 2's IO and analog front-end rails have
    /// no counterpart on a core without a front end or a board.
    public static let xyloV1 = xyloAudio2.derived(chipID: "syns61300", rails: ["snn_core"], assumptions: [
        "derived power model: no dev kit, power measurement or published figure exists for Xylo v1 (syns61300)",
        "the Xylo Audio 2 model's snn_core rail (static draw, per MHz of clock, per input event, synaptic addition and neuron update), itself Celesta's uncalibrated estimate",
        "no io, afe_core or afe_ldo rails: v1 is an SNN core without an audio front end or a board",
        "assumes v1 silicon draws what the Audio 2 core draws for the same operations (same core phases; v1's process, voltage and leakage are not published)",
    ])
}
