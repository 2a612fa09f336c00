import CelestaIR
import CelestaXylo
import Foundation
import XCTest

/// The per-chip image layouts against the dev-kit map of the reference
/// (`Tests/Fixtures/xylo/hdk_register_memory_maps.json`) and against the chip records.
final class XyloImageLayoutTests: XCTestCase {
    private func map(_ chip: String) throws -> [String: Any] {
        let doc = try ReferenceCases.json("hdk_register_memory_maps")
        return (doc["maps"] as! [String: Any])[chip] as! [String: Any]
    }

    private func layout(_ id: String) throws -> XyloImageLayout {
        try XCTUnwrap(try ChipTable.chip(named: id).imageLayout, id)
    }

    func testRegisterAddressesMatchTheMap() throws {
        for id in ["syns61201", "syns65302"] {
            let registers = try map(id)["registers"] as! [String: Int]
            let layout = try layout(id)
            let image = try XyloImage(chipID: id)
            XCTAssertEqual(layout.registerNames.count, registers.count, id)
            XCTAssertEqual(image.registers.count, registers.count, id)
            for (name, address) in registers {
                XCTAssertEqual(try image.registerAddress(name), UInt32(address), "\(id) \(name)")
                XCTAssertEqual(try image.registerAddress(name.uppercased()), UInt32(address), "\(id) \(name) upper case")
            }
            for field in layout.fields {
                XCTAssertEqual(layout.registerAddress(field.register), field.address, "\(id) \(field.register).\(field.name)")
            }
        }
        // Facts, section 10: the input event registers of Xylo Audio 2 are 0x11-0x14.
        let a2 = try XyloImage(chipID: "xa2")
        XCTAssertEqual(try ["ISPKREG0L", "ISPKREG0H", "ISPKREG1L", "ISPKREG1H"].map { try a2.registerAddress($0) },
                       [0x11, 0x12, 0x13, 0x14])
        XCTAssertEqual(try a2.registerAddress("STAT"), 0x15)
    }

    func testXyloAudio2ControlFieldsMatchTheMap() throws {
        let layout = try layout("syns61201")
        let fields = try map("syns61201")["ctrl1_fields"] as! [[String: Any]]
        XCTAssertEqual(fields.count, 16)
        for f in fields {
            let name = f["field"] as! String, lsb = f["lsb"] as! Int, msb = f["msb"] as! Int
            let mine = try XCTUnwrap(layout.field(register: "CTRL1", name: name), name)
            XCTAssertEqual(mine.address, 1)
            XCTAssertEqual(mine.lsb, lsb, name)
            XCTAssertEqual(mine.width, msb - lsb + 1, name)
        }
        let stat = try map("syns61201")["status_register_bits"] as! [String: [String: String]]
        XCTAssertEqual(stat["STAT_0x15"]?["ready"], "bit 16 (processing done)")
        XCTAssertEqual(layout.field(register: "STAT", name: "ready").map { [$0.lsb, $0.width] }, [16, 1])
        XCTAssertEqual(layout.field(register: "STAT", name: "output_spike_flags").map { [$0.lsb, $0.width] }, [0, 8])
    }

    func testXyloAudio3ControlFieldsMatchTheMap() throws {
        let layout = try layout("syns65302")
        let fields = try map("syns65302")["register_fields"] as! [String: [String: [String: Any]]]
        var compared = 0
        for register in ["ctrl1", "ctrl2", "ctrl3", "stat2"] {
            for (name, bits) in try XCTUnwrap(fields[register], register) {
                let mine = try XCTUnwrap(layout.field(register: register, name: name), "\(register).\(name)")
                XCTAssertEqual(mine.lsb, bits["lsb"] as? Int, "\(register).\(name)")
                if let msb = bits["msb"] as? Int { XCTAssertEqual(mine.width, msb - mine.lsb + 1) }
                compared += 1
            }
        }
        XCTAssertEqual(compared, 12 + 3 + 2 + 1)
        // Fields of one register never overlap.
        for l in [layout, try self.layout("syns61201")] {
            for a in l.fields {
                for b in l.fields where a != b && a.address == b.address {
                    XCTAssertEqual(a.mask & b.mask, 0, "\(a.register).\(a.name) overlaps \(b.name)")
                }
            }
        }
    }

    func testBanksMatchTheMap() throws {
        let a2 = try layout("syns61201")
        let a2Banks = try map("syns61201")["memory"] as! [String: [String: Any]]
        for (name, info) in a2Banks {
            let bank = try XCTUnwrap(a2.bank(named: name), name)
            XCTAssertEqual(Int(bank.start), info["start"] as? Int, name)
            if let words = info["words_until_next_bank"] as? Int { XCTAssertEqual(bank.words, words, name) }
        }
        // The facts: OWTRAM holds 1000 x 8 output weights. NBRAM is the chosen extra bank.
        XCTAssertEqual(a2.bank(named: "OWTRAM")?.words, 8000)
        XCTAssertEqual(Set(a2.banks.map(\.name)), Set(a2Banks.keys).union(["NBRAM"]))
        XCTAssertEqual(a2.ramStart, 0x100)

        let a3 = try layout("syns65302")
        let memory = try map("syns65302")["memory"] as! [String: Any]
        let a3Banks = memory["banks"] as! [String: [String: Int]]
        XCTAssertEqual(Set(a3.banks.map(\.name)), Set(a3Banks.keys))
        for (name, info) in a3Banks {
            let bank = try XCTUnwrap(a3.bank(named: name), name)
            XCTAssertEqual(Int(bank.start), info["start"], name)
            XCTAssertEqual(bank.words, info["words"], name)
        }
        XCTAssertEqual(Int(a3.ramStart), memory["RAM_START"] as? Int)
        XCTAssertEqual(Int(a3.ramEnd) - 1, memory["RAM_END"] as? Int)
        var slices: [String: Int] = [:]
        for bank in a3.banks { for s in bank.slices { slices[s.name] = Int(s.start) } }
        XCTAssertEqual(slices, memory["slices"] as? [String: Int])

        for l in [a2, a3] {
            for (a, b) in zip(l.banks, l.banks.dropFirst()) {
                XCTAssertLessThanOrEqual(a.end, b.start, "\(l.chipID): \(a.name) overlaps \(b.name)")
            }
            XCTAssertEqual(try XyloImage(chipID: l.chipID).memory.count, Int(l.ramEnd))
            XCTAssertEqual(Set(l.banks.map(\.role)), Set(XyloMemoryRole.allCases), l.chipID)
        }
    }

    /// The geometry and word formats agree with the chip records.
    func testLayoutsAgreeWithTheChipRecords() throws {
        for chip in ChipTable.all {
            guard let l = chip.imageLayout else {
                XCTAssertEqual(chip.id, "syns61300")
                continue
            }
            XCTAssertEqual(l.chipID, chip.id)
            XCTAssertEqual(l.hiddenNeurons, chip.maxHiddenNeurons, chip.id)
            XCTAssertEqual(l.inputWeightRow, chip.maxInputExpansionNeurons, chip.id)
            XCTAssertEqual(l.outputWeightRow, chip.maxOutputNeurons, chip.id)
            XCTAssertEqual(l.bank(.inputWeight1)!.words / l.inputWeightRow, chip.maxInputs, chip.id)
            XCTAssertEqual(l.bank(.outputWeight)!.words / l.outputWeightRow, chip.maxOutputExpansionNeurons, chip.id)
            XCTAssertEqual(l.bank(.fanoutTarget)!.words, chip.maxRecurrentFanoutEntries, chip.id)
            for role in [XyloMemoryRole.inputWeight1, .inputWeight2, .fanoutWeight1, .fanoutWeight2, .outputWeight] {
                XCTAssertEqual(l.bank(role)!.bits, chip.weightBits, "\(chip.id) \(role)")
                XCTAssertTrue(l.bank(role)!.signed)
            }
            for role in [XyloMemoryRole.dashSyn1, .dashSyn2, .dashMem] {
                XCTAssertEqual(l.bank(role)!.bits, chip.dashBits, "\(chip.id) \(role)")
            }
            XCTAssertEqual(l.bank(.threshold)!.bits, chip.thresholdBits)
            XCTAssertEqual(l.bank(.bias)!.bits, chip.biasBits)
            XCTAssertEqual(l.bank(.fanoutTarget)!.valueRange.upperBound + 1, 1024)  // 10-bit hidden id
            XCTAssertEqual(l.bank(.spikeCount)!.valueRange.upperBound, chip.maxHiddenSpikesPerStep)
            for role in [XyloRegisterRole.weightShiftIn, .weightShiftRec, .weightShiftOut] {
                XCTAssertEqual(l.field(role)?.width, chip.weightShiftBits, "\(chip.id) \(role)")
            }
            for role in [XyloRegisterRole.inputCount, .hiddenCount, .outputCount] {
                XCTAssertNotNil(l.field(role), "\(chip.id) \(role)")
            }
            XCTAssertEqual(l.bank(containing: l.bank(.threshold)!.start + 5)?.role, .threshold)
            XCTAssertNil(l.bank(containing: 0))
        }
        // Hashing and equality of the records that now carry a layout.
        XCTAssertEqual(Set(ChipTable.all).count, 3)
        XCTAssertNotEqual(XyloImageLayout.xyloAudio2, XyloImageLayout.xyloAudio3)
        let json = try JSONEncoder().encode(ChipTable.xyloAudio3)
        XCTAssertEqual(try JSONDecoder().decode(ChipSpec.self, from: json), ChipTable.xyloAudio3)
    }
}
