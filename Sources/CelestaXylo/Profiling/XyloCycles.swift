import CelestaIR
/// Rockpool's clock-cycle model of the Xylo SNN core and its real-time clock estimate.
///
/// The model estimates how many master-clock cycles the SNN core needs to compute one time
/// step of a configuration, given the firing probabilities of the input channels, the hidden
/// neurons and the output neurons (Xylo reference facts, section 7; Rockpool 3.1.0
/// `power_cycles_model.cycles_model` / `est_clock_freq` of `syns61201` and `syns63300`, the
/// latter re-exported by `syns65302`).
///
/// With `N_in` inputs, `N_h` hidden and `N_out` output neurons, `F` the mean number of
/// non-zero synapse-0 recurrent weights in a hidden neuron's row (its fan-out) and `a` the
/// fraction of hidden neurons that have an alias target:
///
/// ```
/// cycles = N_in  * (3.5 * p_in * N_ien + 1)
///        + N_h   * (7 * F * p_hid + 3)
///        + N_oen * p_hid * (1 + 8 * N_out)
///        + N_h   * (19 + 2*max(p_hid, a*a) + 3*max(p_hid*a, a*a) + p_hid + max(p_hid, a)*a)
///        + 12 * N_out
/// ```
///
/// Every expression below is evaluated in the same order as Rockpool's Python, so that the
/// results equal Rockpool's bit for bit (IEEE-754 double, no fused multiply-add).
public struct XyloCycleEstimate: Sendable, Equatable {
    /// Master-clock cycles the SNN core needs per time step (a mean over the probabilities).
    public let cycles: Double
    /// The operations on the second synapse that run in parallel with the first and cost no
    /// extra cycles (Xylo Audio 2 only; 0 when synapse 2 is disabled). nil on chips whose
    /// model does not report them (Xylo Audio 3).
    public let isyn2Operations: Double?

    public init(cycles: Double, isyn2Operations: Double?) {
        self.cycles = cycles
        self.isyn2Operations = isyn2Operations
    }
}

/// The per-chip choices of the cycle model: the only places where Rockpool's Xylo Audio 2 and
/// Xylo Audio 3 models differ.
///
/// This is data about a chip, carried by its `ChipSpec` record (`cycleModel`; both v2 chips
/// carry the same `XyloCore.v2`, so the core alone cannot tell them apart). A chip whose
/// record has no model is `unsupported`. A model that is not Rockpool's published one for its
/// chip says so in `derivation` (Xylo v1: see `xyloV1`).
public struct XyloCycleModel: Sendable, Hashable, Codable {
    /// How `N_ien` (hidden neurons that receive input weights) and `N_oen` (hidden neurons
    /// that send output weights) are counted.
    public enum ExpansionCount: Sendable, Hashable, Codable {
        /// `N_ien = N_oen = N_h` (Xylo Audio 2).
        case allHidden
        /// `N_ien` = input-weight columns (synapse 0) with any non-zero weight, `N_oen` =
        /// output-weight rows with any non-zero weight (Xylo Audio 3).
        case nonZeroWeights
    }

    /// How alias targets are read from a neuron's alias field.
    public enum AliasCount: Sendable, Hashable, Codable {
        /// The field holds at most one target: a neuron is a source when the field is set,
        /// and its one target is counted once (Xylo Audio 2's `alias_target` is one id).
        case single
        /// The field is a list: every entry counts once as a source and once as a target
        /// (Xylo Audio 3 iterates over `alias_target`).
        case list
    }

    public let expansionCount: ExpansionCount
    public let aliasCount: AliasCount
    /// Whether the model also returns the parallel synapse-2 operations.
    public let reportsIsyn2Operations: Bool
    /// nil for a model Rockpool publishes for the chip. Otherwise the model is Celesta's
    /// derivation with no reference model or measurement behind it, and this names what it
    /// rests on (one sentence per assumption), to be shown beside every figure it gives.
    public let derivation: [String]?

    public init(expansionCount: ExpansionCount, aliasCount: AliasCount, reportsIsyn2Operations: Bool, derivation: [String]? = nil) {
        self.expansionCount = expansionCount
        self.aliasCount = aliasCount
        self.reportsIsyn2Operations = reportsIsyn2Operations
        self.derivation = derivation
    }

    /// This model's algorithm and choices, labelled as derived for a chip that has no
    /// published model (`assumptions`: why it applies there).
    public func derived(_ assumptions: [String]) -> XyloCycleModel {
        XyloCycleModel(expansionCount: expansionCount, aliasCount: aliasCount, reportsIsyn2Operations: reportsIsyn2Operations,
                       derivation: assumptions)
    }

    /// Xylo Audio 2 (`syns61201`): Rockpool `syns61201.power_cycles_model`.
    public static let xyloAudio2 = XyloCycleModel(
        expansionCount: .allHidden, aliasCount: .single, reportsIsyn2Operations: true)
    /// Xylo Audio 3 (`syns65302`): Rockpool `syns63300.power_cycles_model`, which `syns65302`
    /// re-exports.
    public static let xyloAudio3 = XyloCycleModel(
        expansionCount: .nonZeroWeights, aliasCount: .list, reportsIsyn2Operations: false)

    /// Xylo v1 (`syns61300`): Rockpool 3.1.0 publishes no model for it and there is no v1 dev
    /// kit to measure, so this is the Xylo Audio 2 model, labelled as derived. It applies as
    /// far as the v1 core works as the v2 core does (the Xylo reference facts, section 2: the
    /// same phases, caps, delivery order and aliases; no bias, which the v2 model has no term
    /// for either) and v1's record has the structure the Audio 2 choices assume (checked by the
    /// chip-table tests): every hidden neuron an input and output expansion neuron, at most
    /// one alias target, two synapses per hidden neuron.
    public static let xyloV1 = xyloAudio2.derived([
        "derived cycle model: no reference model or measurement exists for Xylo v1 (syns61300)",
        "assumes the Xylo Audio 2 model's cycles per operation (same core phases; v1 has no bias, which that model does not count)",
        "N_ien = N_oen = N_hidden, one alias target and a second synapse per hidden neuron, as the v1 chip record gives",
    ])

    /// The cycle model of `chip` (its record's `cycleModel`); `unsupported` when its record
    /// has none.
    public static func model(for chip: ChipSpec) throws -> XyloCycleModel {
        if let model = chip.cycleModel { return model }
        throw CelestaError(
            .unsupported,
            "no clock-cycle model for \(chip.name) (\(chip.id)); cycle models exist for "
                + ChipTable.all.filter { $0.cycleModel != nil }.map(\.id).joined(separator: ", "))
    }
}

/// Rockpool's Xylo clock-cycle model and real-time clock estimate.
public enum XyloCycles {
    /// Cycles per time step for `config` on `chip` at the given firing probabilities (each in
    /// `0...1`; the defaults give Rockpool's worst case, every channel and neuron firing every
    /// step).
    ///
    /// Throws `outOfRange` for a probability that is not finite or outside `0...1`,
    /// `unsupported` for a chip whose record has no cycle model, and
    /// `invalidArgument` when `config` is for another chip.
    public static func cycles(
        _ config: XyloConfig, chip: ChipSpec,
        inputRate: Double = 1, hiddenRate: Double = 1, outputRate: Double = 1
    ) throws -> XyloCycleEstimate {
        let model = try XyloCycleModel.model(for: chip)
        try checkChip(config, chip)
        try checkProbability("inputRate", inputRate)
        try checkProbability("hiddenRate", hiddenRate)
        try checkProbability("outputRate", outputRate)
        return evaluate(
            ConfigStatistics(config, model), model: model,
            pIn: inputRate, pHidden: hiddenRate, pOut: outputRate)
    }

    /// Cycles per time step with the probabilities taken from rasters: the fraction of
    /// non-zero entries of each (several events in one bin cost the same as one).
    ///
    /// The rasters are flat, row-major: `inputRaster [steps][nIn]`, `hiddenRaster
    /// [steps][nHidden]`, `outputRaster [steps][nOut]`. An empty raster (a dimension of 0)
    /// counts as probability 0; its term of the model is 0 anyway. (Rockpool reads a raster
    /// with a single entry as a probability; here every raster is a raster.)
    ///
    /// Throws `outOfRange` when `steps < 1`, `shapeMismatch` when a raster's length is not
    /// `steps` times its width, and as `cycles(_:chip:inputRate:hiddenRate:outputRate:)`.
    public static func cycles(
        _ config: XyloConfig, chip: ChipSpec,
        inputRaster: [Int], hiddenRaster: [Int], outputRaster: [Int], steps: Int
    ) throws -> XyloCycleEstimate {
        let model = try XyloCycleModel.model(for: chip)
        try checkChip(config, chip)
        guard steps >= 1 else {
            throw CelestaError(.outOfRange, "'steps' is \(steps); it must be >= 1")
        }
        let pIn = try fractionNonZero(
            "inputRaster", inputRaster, steps: steps, width: config.nIn, widthName: "n_in")
        let pHidden = try fractionNonZero(
            "hiddenRaster", hiddenRaster, steps: steps, width: config.nHidden, widthName: "n_hidden")
        let pOut = try fractionNonZero(
            "outputRaster", outputRaster, steps: steps, width: config.nOut, widthName: "n_out")
        return evaluate(
            ConfigStatistics(config, model), model: model, pIn: pIn, pHidden: pHidden, pOut: pOut)
    }

    /// The master-clock frequency in Hz that runs `config` in real time at time step `dt`
    /// seconds: the worst-case cycles (every probability 1) times `1 + margin`, divided by
    /// `dt` (Rockpool's `est_clock_freq`, default margin 20 %).
    ///
    /// Throws `outOfRange` when `dt` is not finite and > 0 or `margin` is not finite and >= 0,
    /// and as `cycles(_:chip:inputRate:hiddenRate:outputRate:)`.
    public static func clockFrequency(
        _ config: XyloConfig, chip: ChipSpec, dt: Double, margin: Double = 0.2
    ) throws -> Double {
        guard dt.isFinite, dt > 0 else {
            throw CelestaError(.outOfRange, "'dt' is \(dt); it must be finite and > 0 (seconds)")
        }
        guard margin.isFinite, margin >= 0 else {
            throw CelestaError(.outOfRange, "'margin' is \(margin); it must be finite and >= 0")
        }
        let worstCase = try cycles(config, chip: chip)
        // Rockpool: cycles * (1 + margin) / dt, left to right.
        return worstCase.cycles * (1 + margin) / dt
    }

    // MARK: - Model

    /// The configuration-dependent quantities of the model.
    struct ConfigStatistics {
        var nIn: Double
        var nHidden: Double
        var nOut: Double
        var nIEN: Double
        var nOEN: Double
        /// Mean synapse-0 recurrent fan-out.
        var fanout: Double
        /// Mean alias-target count per hidden neuron.
        var aliasTarget: Double
        /// Mean alias-source count per hidden neuron.
        var aliasSource: Double
        var synapse2Enabled: Bool

        init(_ config: XyloConfig, _ model: XyloCycleModel) {
            let h = config.nHidden
            nIn = Double(config.nIn)
            nHidden = Double(h)
            nOut = Double(config.nOut)
            switch model.expansionCount {
            case .allHidden:
                nIEN = Double(h)
                nOEN = Double(h)
            case .nonZeroWeights:
                var columns = 0
                for j in 0..<config.nIEN where (0..<config.nIn).contains(where: { config.weightIn($0, j, 0) != 0 }) {
                    columns += 1
                }
                var rows = 0
                for r in 0..<config.nOEN where (0..<config.nOut).contains(where: { config.weightOut(r, $0) != 0 }) {
                    rows += 1
                }
                nIEN = Double(columns)
                nOEN = Double(rows)
            }
            // numpy's mean of the per-row counts: the integer total is exact in a double, then
            // one division. With no hidden neurons numpy gives NaN; the hidden terms are then 0,
            // so 0 is used.
            var entries = 0
            for i in 0..<h {
                for j in 0..<h where config.weightRec(i, j, 0) != 0 { entries += 1 }
            }
            var sources = 0
            var targets = 0
            for list in config.aliases {
                switch model.aliasCount {
                case .single:
                    if !list.isEmpty {
                        sources += 1
                        targets += 1
                    }
                case .list:
                    sources += list.count
                    targets += list.count
                }
            }
            fanout = h > 0 ? Double(entries) / Double(h) : 0
            aliasTarget = h > 0 ? Double(targets) / Double(h) : 0
            aliasSource = h > 0 ? Double(sources) / Double(h) : 0
            synapse2Enabled = config.nSyn == 2
        }
    }

    /// Python's `max(a, b)`: `a` unless `b` is strictly greater.
    @inline(__always) static func pyMax(_ a: Double, _ b: Double) -> Double { b > a ? b : a }

    /// The model, term by term in Rockpool's evaluation order.
    static func evaluate(
        _ s: ConfigStatistics, model: XyloCycleModel, pIn: Double, pHidden: Double, pOut: Double
    ) -> XyloCycleEstimate {
        let enabled: Double = s.synapse2Enabled ? 1 : 0
        var isyn2: Double = 0

        // Input spike processing.
        let singleInput = pIn * s.nIEN * 3.5
        let inputCycles = s.nIn * (singleInput + 1)
        isyn2 += enabled * 1.5 * pIn * s.nIn * s.nIEN

        // Hidden neuron Isyn.
        let singleHiddenIsyn = s.fanout * 7 * pHidden + 3
        let hiddenIsynCycles = singleHiddenIsyn * s.nHidden
        isyn2 += enabled * 5 * s.fanout * pHidden * s.nHidden

        // Output neuron Isyn (1 + N_out * 8 is an integer in Rockpool).
        let singleOutputIsyn = pHidden * (1 + s.nOut * 8)
        let outputIsynCycles = singleOutputIsyn * s.nOEN

        // Hidden neuron spiking.
        let at = s.aliasTarget
        let asrc = s.aliasSource
        let m1 = pyMax(pHidden, at * asrc) * 2
        let m2 = pyMax(pHidden * at, at * asrc) * 3
        let m3 = pyMax(pHidden, at) * asrc * 1
        let variableHidden = m1 + m2 + pHidden * 1 + m3
        let hiddenSpikeCycles = (19 + variableHidden) * s.nHidden
        isyn2 += enabled * 1 * s.nHidden

        // Output neuron spiking (the variable part is 0 * p_out in Rockpool).
        let outputSpikeCycles = (12 + 0 * pOut) * s.nOut

        let total = inputCycles + hiddenIsynCycles + outputIsynCycles + hiddenSpikeCycles + outputSpikeCycles
        return XyloCycleEstimate(cycles: total, isyn2Operations: model.reportsIsyn2Operations ? isyn2 : nil)
    }

    // MARK: - Checks

    static func checkChip(_ config: XyloConfig, _ chip: ChipSpec) throws {
        guard chip.isNamed(config.chipID) else {
            throw CelestaError(
                .invalidArgument,
                "the configuration is for chip '\(config.chipID)', not \(chip.name) (\(chip.id))")
        }
    }

    static func checkProbability(_ name: String, _ value: Double) throws {
        guard value.isFinite, value >= 0, value <= 1 else {
            throw CelestaError(.outOfRange, "'\(name)' is \(value); it must be a probability in 0...1")
        }
    }

    static func fractionNonZero(
        _ name: String, _ raster: [Int], steps: Int, width: Int, widthName: String
    ) throws -> Double {
        let (size, overflow) = steps.multipliedReportingOverflow(by: width)
        guard !overflow, raster.count == size else {
            throw CelestaError(
                .shapeMismatch,
                "'\(name)' has \(raster.count) values but its shape [steps=\(steps)][\(widthName)=\(width)] needs "
                    + (overflow ? "more than Int.max" : "\(size)"))
        }
        if size == 0 { return 0 }
        var nonZero = 0
        for v in raster where v != 0 { nonZero += 1 }
        return Double(nonZero) / Double(size)
    }
}
