import CelestaIR
/// Where a configuration lives in one chip's registers and memory: the register map, the
/// fields of the control registers, and the memory banks with the role and word format of
/// each. It is data: one table per chip (`XyloImageLayout+Audio2.swift`,
/// `XyloImageLayout+Audio3.swift`), reached from the chip record (`ChipSpec.imageLayout`).
/// The image codec (`XyloImage`, `XyloConfig.image()`, `XyloImage.config(dt:)`) reads only
/// this table and has nothing per chip.
///
/// Facts come from the Xylo reference (`hdk_register_memory_maps.json` and section 10 of its
/// README). The layout of each bank's words and a few fields are not revealed there; the
/// choices below hold for both chips, the per-chip ones are stated next to each table.
///
/// Choices common to both chips:
/// * **Words.** One value per word. A signed field stores its value sign-extended (a weight of
///   -1 is the word -1, not 0xFF); an unsigned field stores its value. Decoding rejects a word
///   outside the bank's `bits`/`signed` range, naming the bank, index, address and value.
/// * **Neuron banks.** Word `i` of a per-neuron bank belongs to hidden neuron `i`; in banks
///   that also hold output neurons (`words > hiddenNeurons`), output neuron `k` is word
///   `hiddenNeurons + k` (the numbering Rockpool's mapper uses for output neurons).
/// * **Input weights.** Two banks, one per synapse (no packing of two weights in a word): the
///   weight from input channel `c` to input expansion neuron `j` is word
///   `c * inputWeightRow + j`.
/// * **Output weights.** The weight from output-expansion row `r` (hidden neuron
///   `n_hidden - n_oen + r`) to output `k` is word `r * outputWeightRow + k`.
/// * **Recurrent fan-out.** The count bank holds one list length per hidden neuron; the lists
///   follow each other without gaps in neuron order from entry 0 (neuron `i`'s list starts at
///   the sum of the counts of neurons `0..<i`). Entry `e` is word `e` of the target bank and of
///   the two weight banks (synapse 1 and synapse 2: again one weight per word). A list holds
///   one entry per target with any non-zero weight, in increasing target id (see `XyloFanout`
///   for repeated targets and dummy entries). A bank cut into slices (Xylo Audio 3) is
///   addressed linearly: entry `e` lies in slice `e / sliceWords`.
/// * **Aliases.** The alias-role bank holds two bits per hidden neuron: bit 0 "forwards its
///   spike count to the neuron in the alias-target bank", bit 1 "receives an alias copy".
///   The alias-target word matters only when bit 0 is set. Aliases are active only when the
///   alias-enable field is set, which encoding does iff some neuron has an alias.
/// * **Enables.** The synapse-2 enable is set iff `n_syn == 2`; the bias enable is the
///   configuration's `biasEnabled`. Decoding always returns bias arrays (zeros when a
///   configuration had none).
/// * **Time step.** `dt` is not stored: the time-step registers (`TR_WRAP`, `tr_wrap`) count
///   clock cycles per step, which depends on the clock the dev kit runs; they are written when
///   the kit enters real-time mode, not by the image. `config(dt:)` takes it as an argument.
/// * **Counts.** Count fields hold the count itself (not count - 1).
/// * **Reset.** Every register resets to 0 and every memory word to 0.
public struct XyloImageLayout: Sendable, Hashable, Codable {
    /// The chip id (`syns61201`, `syns65302`).
    public let chipID: String
    /// The register names of the map in address order: register `a` is `registerNames[a]`.
    public let registerNames: [String]
    /// The register fields the image uses or the facts name (not every field of every register).
    public let fields: [XyloRegisterField]
    /// The memory banks in address order.
    public let banks: [XyloMemoryBank]
    /// Hidden neurons the per-neuron banks hold; output neuron `k` follows at this word.
    public let hiddenNeurons: Int
    /// Words per input-channel row of the input-weight banks (the input expansion neurons).
    public let inputWeightRow: Int
    /// Words per output-expansion row of the output-weight bank (the output neurons).
    public let outputWeightRow: Int
    /// Where the chip reports a processed time step.
    public let status: XyloStatusRegisters
    /// Lower-cased register name -> address.
    private let addressByName: [String: UInt32]

    init(
        chipID: String, registerNames: [String], fields: [(String, String, Int, Int, XyloRegisterRole?)],
        hiddenNeurons: Int, inputWeightRow: Int, outputWeightRow: Int, status: XyloStatusRegisters,
        banks: [XyloMemoryBank]
    ) {
        var index: [String: UInt32] = [:]
        for (a, name) in registerNames.enumerated() { index[name.lowercased()] = UInt32(a) }
        self.chipID = chipID
        self.registerNames = registerNames
        self.addressByName = index
        // An unknown register name resolves to an address past the map, which every access
        // rejects; the layout tests check that none is unknown.
        self.fields = fields.map { register, name, lsb, width, role in
            XyloRegisterField(
                register: register, name: name, address: index[register.lowercased()] ?? UInt32.max,
                lsb: lsb, width: width, role: role)
        }
        self.hiddenNeurons = hiddenNeurons
        self.inputWeightRow = inputWeightRow
        self.outputWeightRow = outputWeightRow
        self.status = status
        self.banks = banks.sorted { $0.start < $1.start }
    }

    public static func == (a: XyloImageLayout, b: XyloImageLayout) -> Bool {
        a.chipID == b.chipID && a.registerNames == b.registerNames && a.fields == b.fields && a.banks == b.banks
            && a.hiddenNeurons == b.hiddenNeurons && a.inputWeightRow == b.inputWeightRow
            && a.outputWeightRow == b.outputWeightRow && a.status == b.status
    }

    /// Hashes the chip id only (equal layouts have equal ids), so hashing a chip record is cheap.
    public func hash(into hasher: inout Hasher) { hasher.combine(chipID) }

    /// The first word of RAM (the lowest bank start).
    public var ramStart: UInt32 { banks.first?.start ?? 0 }
    /// One past the last word of RAM; the image's memory array has this many words.
    public var ramEnd: UInt32 { banks.map(\.end).max() ?? 0 }

    /// The address of the register named `name` (as in the map, compared without regard to case).
    public func registerAddress(_ name: String) -> UInt32? { addressByName[name.lowercased()] }

    /// The bank with `role`, if the chip has one.
    public func bank(_ role: XyloMemoryRole) -> XyloMemoryBank? { banks.first { $0.role == role } }

    /// The bank named `name` (compared without regard to case).
    public func bank(named name: String) -> XyloMemoryBank? {
        let key = name.lowercased()
        return banks.first { $0.name.lowercased() == key }
    }

    /// The bank that holds word `address`, if any.
    public func bank(containing address: UInt32) -> XyloMemoryBank? { banks.first { $0.contains(address) } }

    /// The field with `role`, if the chip has one.
    public func field(_ role: XyloRegisterRole) -> XyloRegisterField? { fields.first { $0.role == role } }

    /// The field `name` of register `register` (both compared without regard to case).
    public func field(register: String, name: String) -> XyloRegisterField? {
        let r = register.lowercased(), n = name.lowercased()
        return fields.first { $0.register.lowercased() == r && $0.name.lowercased() == n }
    }

    /// The registers that hold configuration fields (those with a role), in address order.
    public var configurationRegisters: [UInt32] {
        Array(Set(fields.filter { $0.role != nil }.map(\.address))).sorted()
    }
}

/// What a register field means to the image codec.
public enum XyloRegisterRole: String, Sendable, Hashable, Codable, CaseIterable {
    /// Synapse 2 (`Isyn2`) receives weights: set iff `n_syn == 2`.
    case isyn2Enable
    /// Alias (residual) copies are made.
    case aliasEnable
    /// The per-neuron bias is added.
    case biasEnable
    /// `weight_shift_in`, `weight_shift_rec`, `weight_shift_out`.
    case weightShiftIn, weightShiftRec, weightShiftOut
    /// `n_in`, `n_ien`, `n_hidden`, `n_out`, `n_oen`. A chip without an expansion-count field
    /// has `n_ien = n_oen = n_hidden`.
    case inputCount, inputExpansionCount, hiddenCount, outputCount, outputExpansionCount
}

/// Where a chip reports a processed time step: the output spike flags of the step (one bit
/// per output neuron from bit 0), the "processing done" bit and the overrun flag (bit 31, a
/// missed real-time deadline), in the register map.
public enum XyloStatusRegisters: Sendable, Hashable, Codable {
    /// All in one register: the flags, "done" at bit `doneBit`, the overrun at bit 31 (Xylo
    /// Audio 2 `STAT`, done bit 16).
    case combined(register: String, doneBit: Int)
    /// The flags in one register; "done" (bit 0) and the overrun (bit 31) in another (Xylo
    /// Audio 3 `stat1` and `stat2`).
    case split(flags: String, done: String)
}

/// A bit field of a 32-bit register.
public struct XyloRegisterField: Sendable, Hashable, Codable {
    /// The register's name in the map.
    public let register: String
    /// The field's name (the map's where it names one).
    public let name: String
    /// The register's address.
    public let address: UInt32
    /// The least significant bit.
    public let lsb: Int
    /// The width in bits.
    public let width: Int
    /// What the codec keeps in it, or nil for fields it does not use.
    public let role: XyloRegisterRole?

    /// The largest value the field holds.
    public var maxValue: UInt32 { width >= 32 ? UInt32.max : (UInt32(1) << UInt32(width)) &- 1 }
    /// The field's bits in the register.
    public var mask: UInt32 { maxValue << UInt32(lsb) }

    /// The field's value in the register word `word`.
    public func value(in word: UInt32) -> UInt32 { (word >> UInt32(lsb)) & maxValue }

    /// `word` with the field set to `value`; nil when `value` does not fit.
    public func setting(_ value: UInt32, in word: UInt32) -> UInt32? {
        guard value <= maxValue else { return nil }
        return (word & ~mask) | (value << UInt32(lsb))
    }
}

/// What a memory bank holds, one word per neuron, per weight or per fan-out entry.
public enum XyloMemoryRole: String, Sendable, Hashable, Codable, CaseIterable {
    /// Input weights of synapse 1 / 2: `[input channel][inputWeightRow]`.
    case inputWeight1, inputWeight2
    /// State: `Isyn` (hidden + output), `Isyn2` (hidden), `Vmem` (hidden + output), spike counts
    /// (hidden). The image codec writes them 0 and never reads them.
    case synapticCurrent1, synapticCurrent2, membrane, spikeCount
    /// `dash_syn` (hidden + output), `dash_syn_2` (hidden), `dash_mem` (hidden + output).
    case dashSyn1, dashSyn2, dashMem
    /// `threshold`, `bias` (hidden + output).
    case threshold, bias
    /// Alias role bits and alias target id per hidden neuron.
    case aliasRole, aliasTarget
    /// Fan-out list length per hidden neuron; per entry: target id, synapse-1 and synapse-2 weight.
    case fanoutCount, fanoutTarget, fanoutWeight1, fanoutWeight2
    /// Output weights: `[output expansion row][outputWeightRow]`.
    case outputWeight
}

/// One memory bank: a run of words holding one kind of value.
public struct XyloMemoryBank: Sendable, Hashable, Codable {
    /// The bank's name in the map (`RFORAM`, `HFORAM`, ...).
    public let name: String
    /// The address of word 0.
    public let start: UInt32
    /// The number of words.
    public let words: Int
    /// What the words hold.
    public let role: XyloMemoryRole
    /// The width of one value and whether it is two's complement (see the layout's notes).
    public let bits: Int
    public let signed: Bool
    /// Words per slice where the map cuts the bank into slices (`HFORAM0`, `HFORAM1`, ...).
    public let sliceWords: Int?

    init(_ name: String, _ start: UInt32, _ words: Int, _ role: XyloMemoryRole, bits: Int, signed: Bool,
         sliceWords: Int? = nil) {
        self.name = name
        self.start = start
        self.words = words
        self.role = role
        self.bits = bits
        self.signed = signed
        self.sliceWords = sliceWords
    }

    /// One past the last word.
    public var end: UInt32 { start &+ UInt32(words) }
    /// The values a word may hold.
    public var valueRange: ClosedRange<Int> {
        signed ? -(1 << (bits - 1))...((1 << (bits - 1)) - 1) : 0...((1 << bits) - 1)
    }
    /// Whether word `address` belongs to this bank.
    public func contains(_ address: UInt32) -> Bool { address >= start && address < end }
    /// The slices as (name, start address): `HFORAM0`, `HFORAM1`, ... (empty for an uncut bank).
    public var slices: [(name: String, start: UInt32)] {
        guard let size = sliceWords, size > 0 else { return [] }
        return stride(from: 0, to: words, by: size).enumerated().map { n, offset in
            ("\(name)\(n)", start &+ UInt32(offset))
        }
    }
}
