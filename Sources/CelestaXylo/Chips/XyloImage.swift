import CelestaIR
/// A chip's register file and memory: 32-bit registers indexed by address and one value per
/// memory word indexed by word address, laid out as the chip's `XyloImageLayout` says.
///
/// `XyloConfig.image()` encodes a configuration into an image and `config(dt:)` decodes one;
/// `writes()` lists the writes that load an image into a chip. Every access is range-checked
/// and errors name the chip and the address.
public struct XyloImage: Sendable, Equatable {
    /// The canonical chip id (`syns61201`, `syns65302`).
    public let chipID: String
    /// The chip's layout (register map, fields, banks).
    public let layout: XyloImageLayout
    /// Register values; index = register address.
    public internal(set) var registers: [UInt32]
    /// Memory words; index = word address, from 0 to the end of the last bank (the words below
    /// the first bank exist in the array but are not addressable).
    public internal(set) var memory: [Int32]

    /// The power-on image of the chip named `chipID` (id, product name or alias): every
    /// register and memory word 0. Throws `unsupported` for a chip without a published map
    /// (Xylo v1) and `notFound` for an unknown chip.
    public init(chipID: String) throws {
        let chip = try ChipTable.chip(named: chipID)
        guard let layout = chip.imageLayout else {
            let known = ChipTable.all.filter { $0.imageLayout != nil }.map { "\($0.name) (\($0.id))" }
            throw CelestaError(
                .unsupported,
                "\(chip.name) (\(chip.id)) has no published register and memory map, so it has no chip image; "
                    + "images exist for \(known.joined(separator: " and "))")
        }
        self.init(layout: layout)
    }

    /// The power-on image of the chip `layout` describes.
    public init(layout: XyloImageLayout) {
        self.chipID = layout.chipID
        self.layout = layout
        self.registers = Array(repeating: 0, count: layout.registerNames.count)
        self.memory = Array(repeating: 0, count: Int(layout.ramEnd))
    }

    public static func == (a: XyloImage, b: XyloImage) -> Bool {
        a.chipID == b.chipID && a.registers == b.registers && a.memory == b.memory
    }

    // MARK: Registers

    /// The value of the register at `address`.
    public func readRegister(_ address: UInt32) throws -> UInt32 {
        registers[try registerIndex(address, "read")]
    }

    /// Sets the register at `address` to `value`.
    public mutating func writeRegister(_ address: UInt32, _ value: UInt32) throws {
        registers[try registerIndex(address, "write")] = value
    }

    /// The address of the register named `name` in the map (compared without regard to case).
    public func registerAddress(_ name: String) throws -> UInt32 {
        if let address = layout.registerAddress(name) { return address }
        throw CelestaError(
            .notFound, "\(chipID) has no register named '\(name)' (its map has \(layout.registerNames.count) registers)")
    }

    /// The value of `field` in its register.
    public func read(_ field: XyloRegisterField) throws -> UInt32 {
        field.value(in: try readRegister(field.address))
    }

    /// Sets `field` in its register to `value`, leaving the other bits as they are.
    public mutating func write(_ field: XyloRegisterField, _ value: UInt32) throws {
        let word = try readRegister(field.address)
        guard let new = field.setting(value, in: word) else {
            throw CelestaError(
                .outOfRange,
                "\(chipID) field \(field.register).\(field.name) is \(field.width) bits wide; "
                    + "\(value) does not fit (at most \(field.maxValue))")
        }
        registers[Int(field.address)] = new
    }

    private func registerIndex(_ address: UInt32, _ operation: String) throws -> Int {
        guard Int(address) < registers.count else {
            throw CelestaError(
                .outOfRange,
                "\(chipID) register \(operation) at address \(hex(address)) (\(address)): the registers are "
                    + "\(hex(0))...\(hex(UInt32(registers.count - 1)))")
        }
        return Int(address)
    }

    // MARK: Memory

    /// `count` words from word address `address` on.
    public func readMemory(_ address: UInt32, count: Int) throws -> [Int32] {
        let range = try memoryRange(address, count, "read")
        return Array(memory[range])
    }

    /// Writes `values` to consecutive words from word address `address` on. Any 32-bit value
    /// is stored; decoding checks that each word fits its bank's format.
    public mutating func writeMemory(_ address: UInt32, _ values: [Int32]) throws {
        let range = try memoryRange(address, values.count, "write")
        memory.replaceSubrange(range, with: values)
    }

    private func memoryRange(_ address: UInt32, _ count: Int, _ operation: String) throws -> Range<Int> {
        let first = Int(address)
        let ram = Int(layout.ramStart)..<Int(layout.ramEnd)
        guard count >= 0, first >= ram.lowerBound, count <= ram.upperBound - first else {
            throw CelestaError(
                .outOfRange,
                "\(chipID) memory \(operation) of \(count) words at \(hex(address)): the RAM is "
                    + "\(hex(layout.ramStart))...\(hex(layout.ramEnd &- 1))")
        }
        return first..<(first + count)
    }

    // MARK: Loading

    /// Lists the writes that load this image into a chip, for a transport that sends them one
    /// by one: first memory, then the configuration registers (those with a field the codec
    /// uses: CTRL1/CTRL2, ctrl1/ctrl2/ctrl3), in address order. A transport enables RAM
    /// access (CTRL1 RAM_ACTIVE, MEM_CLK_ON) around the memory writes itself.
    ///
    /// `.nonZero` (for a chip that was just reset, whose words and registers are all 0):
    /// one write per maximal run of non-zero words inside a bank, and the configuration
    /// registers that are not 0. `.wholeBanks` (for a chip in any state): every bank whole and
    /// every configuration register; the chip then holds exactly this image's memory.
    public func writes(_ scope: XyloImageWriteScope = .nonZero) -> [XyloImageWrite] {
        var out: [XyloImageWrite] = []
        for bank in layout.banks {
            let lo = Int(bank.start), hi = Int(bank.end)
            if scope == .wholeBanks {
                out.append(.memory(start: bank.start, values: Array(memory[lo..<hi])))
                continue
            }
            var i = lo
            while i < hi {
                guard memory[i] != 0 else {
                    i += 1
                    continue
                }
                var j = i + 1
                while j < hi, memory[j] != 0 { j += 1 }
                out.append(.memory(start: UInt32(i), values: Array(memory[i..<j])))
                i = j
            }
        }
        for address in layout.configurationRegisters where scope == .wholeBanks || registers[Int(address)] != 0 {
            out.append(.register(address: address, value: registers[Int(address)]))
        }
        return out
    }
}

/// One write that loads part of an image into a chip.
public enum XyloImageWrite: Sendable, Equatable {
    /// Set the register at `address` to `value`.
    case register(address: UInt32, value: UInt32)
    /// Write `values` to consecutive memory words from `start` on.
    case memory(start: UInt32, values: [Int32])
}

/// Which writes `XyloImage.writes(_:)` lists.
public enum XyloImageWriteScope: Sendable, Equatable {
    /// Only what differs from a freshly reset chip: runs of non-zero words, non-zero registers.
    case nonZero
    /// Every bank in full and every configuration register.
    case wholeBanks
}

/// `0x` and upper-case hex digits.
func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16, uppercase: true) }
