import CelestaIR
/// The chips Celesta supports, one record each.
///
/// Figures from the hardware-limits table of the Xylo reference facts. Where the facts leave a
/// value open, the choice is stated next to it.
public enum ChipTable {
    /// Xylo Audio 2.
    public static let xyloAudio2 = ChipSpec(
        id: "syns61201", name: "Xylo Audio 2",
        aliases: ["xa2"], backendName: "xylo-a2",
        core: .v2, frontEnd: .analogModel, mapperDialect: .xyloAudio2,
        maxInputs: 16, maxHiddenNeurons: 1000, maxOutputNeurons: 8, recommendedMaxOutputNeurons: 8,
        maxInputExpansionNeurons: 1000, maxOutputExpansionNeurons: 1000,
        synapsesPerHiddenNeuron: 2, synapsesPerOutputNeuron: 1,
        maxRecurrentFanoutEntries: 32000,  // RFORAM
        maxAliasTargets: 1,
        weightBits: 8, stateBits: 16, thresholdBits: 16,
        biasBits: 16,  // as xylosim stores it; hardware-bound configs should stay within int8
        dashBits: 4,
        weightShiftBits: 3,  // IWBS/RWBS/OWBS are 3-bit CTRL1 fields
        maxInputEventsPerStep: 15, maxHiddenSpikesPerStep: 31, maxOutputSpikesPerStep: 1,
        hasDevKit: true, devKitClock: .dividedFPGAClock(baseHertz: 100e6),  // a 100 MHz FPGA clock
        devKitUSBIDs: [XyloUSBID(vendorID: 0x337D, productID: 0x0C01)],
        imageLayout: .xyloAudio2,
        cycleModel: .xyloAudio2, powerModel: .xyloAudio2, derivedPowerModel: nil
    )

    /// Xylo Audio 3.
    public static let xyloAudio3 = ChipSpec(
        id: "syns65302", name: "Xylo Audio 3",
        aliases: ["xa3"], backendName: "xylo-a3",
        core: .v2, frontEnd: .digital, mapperDialect: .xyloAudio3,
        maxInputs: 16, maxHiddenNeurons: 992,
        maxOutputNeurons: 32,  // output RAM (OWTRAM 128 x 32) and the mapper's default
        recommendedMaxOutputNeurons: 16,  // the mapper's design-rule check warns above 16
        maxInputExpansionNeurons: 128, maxOutputExpansionNeurons: 128,
        synapsesPerHiddenNeuron: 2, synapsesPerOutputNeuron: 1,
        maxRecurrentFanoutEntries: 31744,  // HFORAM, in 16 slices
        maxAliasTargets: 1,
        weightBits: 8, stateBits: 16, thresholdBits: 16,
        biasBits: 16,
        dashBits: 4,
        // The ctrl1 shift fields start at bits 4, 8 and 12; the facts give no width. We take the
        // Xylo Audio 2 width (3 bits, 0..7), which fits between the start bits.
        weightShiftBits: 3,
        maxInputEventsPerStep: 15, maxHiddenSpikesPerStep: 31, maxOutputSpikesPerStep: 1,
        hasDevKit: true, devKitClock: .asRequested,  // the PDM clock follows at f / 32
        devKitUSBIDs: [XyloUSBID(vendorID: 0x337D, productID: 0x0C02)],
        imageLayout: .xyloAudio3,
        cycleModel: .xyloAudio3, powerModel: .xyloAudio3, derivedPowerModel: nil
    )

    /// The Xylo v1 SNN core.
    public static let xyloV1 = ChipSpec(
        id: "syns61300", name: "Xylo v1",
        aliases: ["xylo_v1"], backendName: "xylo-v1",
        core: .v1, frontEnd: .none,
        mapperDialect: .xyloAudio2,  // the mapper Xylo Audio 2 uses too
        maxInputs: 16, maxHiddenNeurons: 1000, maxOutputNeurons: 8, recommendedMaxOutputNeurons: 8,
        maxInputExpansionNeurons: 1000, maxOutputExpansionNeurons: 1000,
        synapsesPerHiddenNeuron: 2, synapsesPerOutputNeuron: 1,
        maxRecurrentFanoutEntries: nil,  // not published for v1
        maxAliasTargets: 1,
        weightBits: 8, stateBits: 16, thresholdBits: 16,
        biasBits: nil,  // the v1 core has no bias
        dashBits: 4,
        weightShiftBits: 3,
        maxInputEventsPerStep: 15, maxHiddenSpikesPerStep: 31, maxOutputSpikesPerStep: 1,
        hasDevKit: false, devKitClock: nil, devKitUSBIDs: [],
        imageLayout: nil,  // no register or memory map is published for v1
        // No cycle model is published for v1: the Audio 2 model, labelled as derived. No dev
        // kit and no published power figures: no kit power model; the profile takes Audio 2's
        // SNN-core rail, labelled as derived (`XyloPowerModel.xyloV1`).
        cycleModel: .xyloV1, powerModel: nil, derivedPowerModel: .xyloV1
    )

    /// Every supported chip, in a fixed order (the index used by `celesta_xylo_chip_info`).
    public static let all: [ChipSpec] = [xyloAudio2, xyloAudio3, xyloV1]

    /// The chip at `index` in `all`.
    public static func chip(at index: Int) throws -> ChipSpec {
        guard all.indices.contains(index) else {
            throw CelestaError(
                .notFound, "chip index \(index) is out of range: there are \(all.count) chips (0..\(all.count - 1))")
        }
        return all[index]
    }

    /// The chip names of a comma-separated list (e.g. `"xa3, xa2"`), as given: whitespace is
    /// removed and empty entries are dropped; the names are checked only when looked up.
    public static func names(inList text: String) -> [String] {
        text.split(separator: ",").map { String($0.filter { !$0.isWhitespace }) }.filter { !$0.isEmpty }
    }

    /// The chip named `name` (id, product name or alias, case-insensitive).
    public static func chip(named name: String) throws -> ChipSpec {
        if let chip = all.first(where: { $0.isNamed(name) }) { return chip }
        let known = all.map { "\($0.id) (\(([$0.name] + $0.aliases).joined(separator: ", ")))" }
        throw CelestaError(
            .notFound, "chip '\(name)' is unknown; known chips: \(known.joined(separator: "; "))")
    }
}
