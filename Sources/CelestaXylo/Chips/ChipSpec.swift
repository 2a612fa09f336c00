import CelestaIR
/// The generation of the Xylo SNN core a chip carries. The two cores share phases, caps and
/// delivery order and differ in the membrane update and bias support (see the simulator).
public enum XyloCore: Int, Sendable, Codable, CaseIterable {
    /// The Xylo v1 core (`syns61300`): no bias, one saturation of the full membrane sum.
    case v1 = 1
    /// The v2 core of Xylo Audio 2 and 3: bias, increment saturated before the sum.
    case v2 = 2
}

/// The audio front end a chip carries.
public enum XyloFrontEnd: String, Sendable, Codable, CaseIterable {
    /// None: the chip takes spike input only (the Xylo v1 core).
    case none
    /// An analog front end, available as a floating-point model (`XyloAudio2AnalogFrontEnd`),
    /// not bit-exact (Xylo Audio 2).
    case analogModel = "analog-model"
    /// A digital front end, simulated bit-exactly (`XyloAudio3FrontEnd`); its dev kit takes
    /// audio (Xylo Audio 3).
    case digital
}

/// Which of Rockpool's mappers a chip follows (`XyloMapper`).
public enum XyloMapperDialect: String, Sendable, Codable, CaseIterable {
    /// Rockpool's Xylo Audio 2 / Xylo v1 mapper: time constants are checked, one-synapse
    /// specifications present two-dimensional input and recurrent weights.
    case xyloAudio2 = "xylo-audio-2"
    /// Rockpool's Xylo Audio 3 mapper: no time-constant check, always three-dimensional
    /// weights, its own design-rule wording and its two-synapse dash bug (reproduced on request).
    case xyloAudio3 = "xylo-audio-3"

    /// Neuron time constants must give integer dashes at the chip's `dt` (Audio 2's check).
    public var checksTimeConstants: Bool { self == .xyloAudio2 }
    /// Hidden neurons are allocated input-expansion first, output-expansion last, and the
    /// mapping records where each range starts (Audio 3).
    public var allocatesExpansionNeurons: Bool { self == .xyloAudio3 }
    /// One-synapse specifications present two-dimensional input and recurrent weights.
    public var presentsTwoDimensionalWeights: Bool { self == .xyloAudio2 }
    /// In `rockpool_compatible` mode a two-synapse neuron's dashes stay interleaved, unsplit
    /// (Rockpool's Audio 3 mapper bug).
    public var hasUnsplitDashBug: Bool { self == .xyloAudio3 }
    /// The product the design-rule warnings name, as the dialect's Rockpool mapper words it.
    public var designRuleProduct: String { self == .xyloAudio3 ? "XyloAudio 3" : "Xylo" }
}

/// A USB vendor and product id pair.
public struct XyloUSBID: Sendable, Hashable, Codable {
    public let vendorID: UInt16
    public let productID: UInt16
    public init(vendorID: UInt16, productID: UInt16) {
        self.vendorID = vendorID
        self.productID = productID
    }

    /// Four lowercase hex digits, as `lsusb` prints an id.
    public static func hex4(_ v: UInt16) -> String {
        let digits = String(v, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// How a chip's dev kit turns a requested core clock into the one it runs (`HDKClock`).
public enum XyloDevKitClock: Sendable, Hashable, Codable {
    /// The core clock is an FPGA clock of `baseHertz` divided through a wait count: `wait =
    /// int(round(base_MHz / f_MHz) / 2 - 1)` (at least 0), running at `base / (2 (wait + 1))`
    /// (Xylo Audio 2 boards, 100 MHz).
    case dividedFPGAClock(baseHertz: Double)
    /// The kit runs the clock as asked (Xylo Audio 3 boards).
    case asRequested
}

/// Everything Celesta knows about one chip, as data.
///
/// A chip is a record, never a module: one mapper, one validator, one simulator and one cost
/// model read these fields. Adding a chip means adding a record to `ChipTable`.
///
/// Sources: the hardware-limits table of the Xylo reference facts (Rockpool 3.1.0 and xylosim
/// 0.1.3), copied into `Tests/Fixtures/xylo/README.md`.
public struct ChipSpec: Sendable, Hashable, Codable {
    /// The chip id used by Rockpool, e.g. `syns61201`.
    public let id: String
    /// The product name, e.g. `Xylo Audio 2`.
    public let name: String
    /// Other names accepted wherever a chip is named (matched without regard to case).
    public let aliases: [String]
    /// The chip's name in the IR's backend registry (`xylo-a3`).
    public let backendName: String
    /// The SNN core generation.
    public let core: XyloCore
    /// The audio front end.
    public let frontEnd: XyloFrontEnd
    /// The Rockpool mapper the chip follows.
    public let mapperDialect: XyloMapperDialect

    // MARK: Network size

    /// Input channels (spike inputs of the SNN core).
    public let maxInputs: Int
    /// Hidden neurons.
    public let maxHiddenNeurons: Int
    /// Output (readout) neurons that can be allocated.
    public let maxOutputNeurons: Int
    /// Above this many outputs Rockpool's mapper warns (equal to `maxOutputNeurons` except on
    /// Xylo Audio 3, whose RAM holds 32 outputs but whose mapper check warns above 16).
    public let recommendedMaxOutputNeurons: Int
    /// Hidden neurons that may receive input weights (input expansion neurons, IEN).
    public let maxInputExpansionNeurons: Int
    /// Hidden neurons that may send output weights (output expansion neurons, OEN).
    public let maxOutputExpansionNeurons: Int
    /// Synaptic states per hidden neuron (`Isyn`, `Isyn2`).
    public let synapsesPerHiddenNeuron: Int
    /// Synaptic states per output neuron.
    public let synapsesPerOutputNeuron: Int
    /// Total recurrent fan-out entries the fan-out RAM holds; nil where no figure is published.
    public let maxRecurrentFanoutEntries: Int?
    /// Alias (residual) targets per hidden neuron.
    public let maxAliasTargets: Int

    // MARK: Bit widths (signed two's complement unless said otherwise)

    /// Weight width (int8).
    public let weightBits: Int
    /// Width of the synaptic and membrane states (int16, saturating).
    public let stateBits: Int
    /// Threshold width (int16).
    public let thresholdBits: Int
    /// Bias width as the simulator stores it; nil where the core has no bias.
    public let biasBits: Int?
    /// Width of the decay parameters `dash_mem`, `dash_syn`, `dash_syn_2` (unsigned).
    public let dashBits: Int
    /// Width of the weight-shift fields `weight_shift_in/rec/out` (unsigned).
    public let weightShiftBits: Int

    // MARK: Per-step caps

    /// Input events per channel per time step; larger counts are clipped to this.
    public let maxInputEventsPerStep: Int
    /// Spikes a hidden neuron can emit in one step (including alias copies).
    public let maxHiddenSpikesPerStep: Int
    /// Spikes an output neuron can emit in one step.
    public let maxOutputSpikesPerStep: Int

    // MARK: Dev kit

    /// Whether a dev kit (a board, and so a virtual kit) exists for the chip; a chip with one
    /// has an `imageLayout`, a `powerModel` and a `devKitClock`.
    public let hasDevKit: Bool
    /// How the dev kit derives its core clock; nil for a chip without a dev kit.
    public let devKitClock: XyloDevKitClock?
    /// The USB ids its dev kit enumerates with (Celesta's assumption, not checked against a
    /// board: see `USBDeviceTable`); empty for a chip without a dev kit.
    public let devKitUSBIDs: [XyloUSBID]
    /// Where a configuration lives in the chip's registers and memory (`XyloImage`); nil for a
    /// chip whose register and memory map is not published.
    public let imageLayout: XyloImageLayout?

    // MARK: Cost models

    /// Rockpool's clock-cycle model of the chip (`XyloCycles`); nil where none is published.
    public let cycleModel: XyloCycleModel?
    /// The dev kit's per-rail power model (`XyloPowerModel`, a model, not a measurement); nil
    /// for a chip without a dev kit.
    public let powerModel: XyloPowerModel?
    /// A power model derived from another chip's, for a chip without a dev kit; the profile's
    /// only (a kit never runs on it). Its `derivation` says what it rests on. nil for a chip
    /// with a kit (the profile uses `powerModel`) or with nothing to derive one from.
    public let derivedPowerModel: XyloPowerModel?

    /// The power model the profile uses: the dev kit's, else the derived one, else nil.
    public var profilePowerModel: XyloPowerModel? { powerModel ?? derivedPowerModel }

    /// Whether the clock-cycle model also reports the parallel synapse-2 operations (Rockpool's
    /// Xylo Audio 2 `cycles_model` returns them next to the cycles).
    public var cyclesReportIsyn2Operations: Bool { cycleModel?.reportsIsyn2Operations ?? false }
    /// Whether the core adds a per-neuron bias.
    public var hasBias: Bool { biasBits != nil }
    /// The accepted dash values.
    public var dashRange: ClosedRange<Int> { 0...((1 << dashBits) - 1) }
    /// The accepted weight-shift values.
    public var weightShiftRange: ClosedRange<Int> { 0...((1 << weightShiftBits) - 1) }
    /// The accepted weights.
    public var weightRange: ClosedRange<Int> { ChipSpec.signedRange(bits: weightBits) }
    /// The accepted thresholds.
    public var thresholdRange: ClosedRange<Int> { ChipSpec.signedRange(bits: thresholdBits) }
    /// The representable state values.
    public var stateRange: ClosedRange<Int> { ChipSpec.signedRange(bits: stateBits) }

    static func signedRange(bits: Int) -> ClosedRange<Int> {
        -(1 << (bits - 1))...((1 << (bits - 1)) - 1)
    }

    /// True when `text` names this chip: its id, product name or one of its aliases,
    /// compared without regard to case, spaces, `-` and `_`.
    public func isNamed(_ text: String) -> Bool {
        let key = ChipSpec.normalized(text)
        if key.isEmpty { return false }
        return ([id, name] + aliases).contains { ChipSpec.normalized($0) == key }
    }

    static func normalized(_ text: String) -> String {
        String(text.lowercased().filter { !" -_".contains($0) })
    }
}
