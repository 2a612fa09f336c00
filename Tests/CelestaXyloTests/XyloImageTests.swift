import CelestaIR
import CelestaXylo
import Foundation
import XCTest

/// Encoding configurations into chip images and decoding them back.
final class XyloImageTests: XCTestCase {
    // MARK: Helpers

    private func expectError(
        _ code: StatusCode, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line,
        _ body: () throws -> Void
    ) {
        do {
            try body()
            XCTFail("no error; expected \(code.name) with \(fragments)", file: file, line: line)
        } catch let error as CelestaError {
            XCTAssertEqual(error.code, code, error.message, file: file, line: line)
            for f in fragments {
                XCTAssertTrue(error.message.contains(f), "'\(f)' not in: \(error.message)", file: file, line: line)
            }
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
    }

    /// Every A2/A3 simulation and pipeline configuration of the shared reference vectors,
    /// read once (the large files take seconds to parse).
    private static let cachedConfigs: Result<[(String, XyloConfig)], CelestaError> = Result {
        try readReferenceConfigs()
    }.mapError { CelestaError(.io, "reading the reference configurations failed: \($0)") }

    private func referenceConfigs() throws -> [(String, XyloConfig)] { try Self.cachedConfigs.get() }

    private func referenceConfig(_ name: String) throws -> XyloConfig {
        try XCTUnwrap(try referenceConfigs().first { $0.0 == name }?.1, name)
    }

    private static func readReferenceConfigs() throws -> [(String, XyloConfig)] {
        var out: [(String, XyloConfig)] = []
        for category in ["edge", "random", "pipeline"] {
            for name in try ReferenceCases.names(category: category) where name.hasPrefix("a2_") || name.hasPrefix("a3_") {
                let doc = try ReferenceCases.json(name)
                let chip = doc["chip"] as! String
                if let config = doc["config"] {
                    out.append((name, try ReferenceCases.config(config, chip: chip)))
                }
                for (variant, entry) in (doc["quantized"] as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
                    let config = (entry as! [String: Any])["config"]!
                    out.append(("\(name).\(variant)", try ReferenceCases.config(config, chip: chip)))
                }
            }
        }
        return out
    }

    /// Three hidden neurons, two synapses, Xylo Audio 2, with a recurrent pattern small enough
    /// to check by hand:
    /// neuron 0 -> 2 (5, 0) and -> 1 (-3, 7); neuron 1 -> none; neuron 2 -> 0 (4, 0).
    private func handConfig() throws -> XyloConfig {
        let nH = 3, nSyn = 2
        var rec = [Int](repeating: 0, count: nH * nH * nSyn)
        func setRec(_ i: Int, _ j: Int, _ s: Int, _ w: Int) { rec[(i * nH + j) * nSyn + s] = w }
        setRec(0, 2, 0, 5)
        setRec(0, 1, 0, -3)
        setRec(0, 1, 1, 7)
        setRec(2, 0, 0, 4)
        var win = [Int](repeating: 0, count: 2 * nH * nSyn)
        win[(1 * nH + 2) * nSyn] = -9  // channel 1 -> neuron 2, synapse 1
        win[(0 * nH + 0) * nSyn + 1] = 11  // channel 0 -> neuron 0, synapse 2
        var wout = [Int](repeating: 0, count: nH * 2)
        wout[2 * 2 + 1] = 6  // hidden 2 -> output 1
        return try XyloConfig(
            chipID: "syns61201", nIn: 2, nHidden: nH, nOut: 2, nSyn: nSyn,
            weightsIn: win, weightsRec: rec, weightsOut: wout,
            dashMem: [1, 2, 3], dashSyn: [4, 5, 6], dashSyn2: [7, 8, 9], threshold: [100, 200, 300], bias: [1, 0, -2],
            dashMemOut: [10, 11], dashSynOut: [12, 13], thresholdOut: [400, 500], biasOut: [3, -4],
            weightShiftIn: 3, weightShiftRec: 5, weightShiftOut: 6, aliases: [[], [2], []], dt: 0.002)
    }

    private func word(_ image: XyloImage, _ bank: String, _ index: Int) throws -> Int32 {
        let b = try XCTUnwrap(image.layout.bank(named: bank), bank)
        return try image.readMemory(b.start + UInt32(index), count: 1)[0]
    }

    private func setWord(_ image: inout XyloImage, _ bank: String, _ index: Int, _ value: Int32) throws {
        let b = try XCTUnwrap(image.layout.bank(named: bank), bank)
        try image.writeMemory(b.start + UInt32(index), [value])
    }

    // MARK: Round trips

    func testEveryReferenceConfigRoundTrips() throws {
        var roundTripped: [String] = [], rejected: [String] = []
        for (name, config) in try referenceConfigs() {
            let chip = try ChipTable.chip(named: config.chipID)
            let issues = config.validate(for: chip)
            guard issues.isEmpty else {
                // Configurations the chip cannot hold fail encoding, naming the broken rule.
                expectError(.invalidConfig, [chip.id, "'\(issues[0].field)"]) { _ = try config.image() }
                rejected.append(name)
                continue
            }
            let image = try config.image()
            XCTAssertEqual(image.chipID, chip.id, name)
            let back = try image.config(dt: config.dt)
            XCTAssertEqual(back, config, name)
            XCTAssertEqual(try back.image(), image, "\(name): image -> config -> image")
            var loaded = try XyloImage(chipID: chip.id)
            for write in image.writes() {
                switch write {
                case let .register(address, value): try loaded.writeRegister(address, value)
                case let .memory(start, values): try loaded.writeMemory(start, values)
                }
            }
            XCTAssertEqual(loaded, image, "\(name): the writes load the image")
            roundTripped.append(name)
        }
        // 27 edge, 6 random, 12 pipeline (the `global` and `channel` quantizations).
        XCTAssertEqual(roundTripped.count, 45, "\(roundTripped)")
        // The dense 1000 x 1000 network exceeds the fan-out RAM; `global_fuzzy` quantizations
        // hold weights outside int8.
        XCTAssertEqual(rejected.sorted(), [
            "a2_pipeline_lin_lif_lin_lif.global_fuzzy", "a2_pipeline_recurrent_lif.global_fuzzy",
            "a2_pipeline_residual.global_fuzzy", "a2_random_large_dense",
            "a3_pipeline_lin_lif_lin_lif.global_fuzzy", "a3_pipeline_multisyn.global_fuzzy",
            "a3_pipeline_residual.global_fuzzy",
        ])
    }

    func testLargestNetworksFitTheFanoutRAM() throws {
        for (name, bank) in [("a2_random_large_fanout32", "RFORAM"), ("a3_random_large_fanout32", "HFORAM")] {
            let config = try referenceConfig(name)
            let image = try config.image()
            let b = try XCTUnwrap(image.layout.bank(named: bank))
            let counts = try image.readMemory(image.layout.bank(.fanoutCount)!.start, count: config.nHidden)
            XCTAssertEqual(counts.reduce(0) { $0 + Int($1) }, config.recurrentFanoutEntries, name)
            XCTAssertGreaterThan(config.recurrentFanoutEntries, b.words * 98 / 100, "\(name) fills \(bank) almost to the end")
            XCTAssertLessThanOrEqual(config.recurrentFanoutEntries, b.words)
        }
    }

    // MARK: Registers

    func testControlFieldsLandInTheirBits() throws {
        let image = try handConfig().image()
        // CTRL1: ISYN2_EN bit 1, ALIAS_EN bit 2, BIAS_EN bit 3, IWBS 4-6, RWBS 8-10, OWBS 12-14.
        let ctrl1: UInt32 = (1 << 1) | (1 << 2) | (1 << 3) | (3 << 4) | (5 << 8) | (6 << 12)
        XCTAssertEqual(try image.readRegister(1), ctrl1)
        XCTAssertEqual(ctrl1, 0x653E)
        // CTRL2 (chosen): inputs bits 0-7, outputs 8-15, hidden 16-25.
        XCTAssertEqual(try image.readRegister(2), 2 | (2 << 8) | (3 << 16))
        XCTAssertEqual(image.writes().compactMap { w -> UInt32? in if case let .register(a, _) = w { return a } else { return nil } }, [1, 2])
        // Nothing else is set.
        XCTAssertEqual(image.registers.enumerated().filter { $0.element != 0 }.map(\.offset), [1, 2])

        let config = try referenceConfig("a3_edge_ien_oen")
        XCTAssertEqual([config.nIn, config.nIEN, config.nHidden, config.nOut, config.nOEN], [4, 3, 10, 3, 4])
        let a3 = try config.image()
        XCTAssertEqual(try a3.readRegister(try a3.registerAddress("ctrl2")), 4 | (3 << 8) | (10 << 16))
        XCTAssertEqual(try a3.readRegister(try a3.registerAddress("ctrl3")), 3 | (4 << 8))
        let a3ctrl1 = try a3.readRegister(1)
        XCTAssertEqual(a3ctrl1 & 0b1110, (1 << 1) | (1 << 2), "two synapses, aliases, no bias")
        let field = try XCTUnwrap(a3.layout.field(.hiddenCount))
        XCTAssertEqual(try a3.read(field), 10)
    }

    func testFieldAccessors() throws {
        var image = try XyloImage(chipID: "syns65302")
        let hnc = try XCTUnwrap(image.layout.field(register: "CTRL2", name: "HNC"))
        try image.write(hnc, 992)
        XCTAssertEqual(try image.readRegister(2), 992 << 16)
        try image.write(image.layout.field(.inputCount)!, 16)
        XCTAssertEqual(try image.readRegister(2), (992 << 16) | 16)
        expectError(.outOfRange, ["syns65302", "ctrl2.hnc", "1024", "1023"]) { try image.write(hnc, 1024) }
    }

    // MARK: Memory layout

    func testNeuronAndWeightWordsLandWhereTheLayoutSays() throws {
        let image = try handConfig().image()
        XCTAssertEqual(try word(image, "IWTRAM", 1 * 1000 + 2), -9)
        XCTAssertEqual(try word(image, "IWT2RAM", 0), 11)
        XCTAssertEqual(try word(image, "NDMRAM", 2), 3)
        XCTAssertEqual(try word(image, "NDSRAM", 1), 5)
        XCTAssertEqual(try word(image, "RDS2RAM", 0), 7)
        XCTAssertEqual(try word(image, "NTHRAM", 1000 + 1), 500, "output 1 after the 1000 hidden neurons")
        XCTAssertEqual(try word(image, "NDSRAM", 1000), 12)
        XCTAssertEqual(try word(image, "NBRAM", 2), -2)
        XCTAssertEqual(try word(image, "NBRAM", 1000 + 1), -4)
        XCTAssertEqual(try word(image, "OWTRAM", 2 * 8 + 1), 6, "row 2 of 8 outputs")
        XCTAssertEqual(try image.readMemory(0x23F60 + 1001, count: 1), [-4], "NBRAM at 0x23F60")
        // Alias: neuron 1 -> 2. Role bit 0 = source, bit 1 = target.
        XCTAssertEqual(try (0..<3).map { try word(image, "RCRAM", $0) }, [0, 1, 2])
        XCTAssertEqual(try word(image, "RARAM", 1), 2)
        // States are zero.
        for bank in ["NSCRAM", "RSC2RAM", "NMPRAM", "RSPKRAM"] {
            let b = image.layout.bank(named: bank)!
            XCTAssertTrue(try image.readMemory(b.start, count: b.words).allSatisfy { $0 == 0 }, bank)
        }
    }

    func testFanoutListsByHand() throws {
        let image = try handConfig().image()
        XCTAssertEqual(try (0..<3).map { try word(image, "REFOCRAM", $0) }, [2, 0, 1])
        XCTAssertEqual(try (0..<4).map { try word(image, "RFORAM", $0) }, [1, 2, 0, 0], "increasing target ids")
        XCTAssertEqual(try (0..<3).map { try word(image, "RWTRAM", $0) }, [-3, 5, 4])
        XCTAssertEqual(try (0..<3).map { try word(image, "RWT2RAM", $0) }, [7, 0, 0])
    }

    func testFanoutOrderRoundRobinAndDummies() {
        typealias E = XyloFanout.Entry
        // Targets 5, 2, 5, 2, 5: round robin gives 2 5 2 5 5, and the last two need a dummy
        // to the last hidden neuron (7) between them.
        let list = XyloFanout.list(
            [E(target: 5, weight1: 1, weight2: 0), E(target: 2, weight1: 2, weight2: 0),
             E(target: 5, weight1: 3, weight2: 0), E(target: 2, weight1: 4, weight2: 0),
             E(target: 5, weight1: 5, weight2: 0)], nHidden: 8)
        XCTAssertEqual(list.map(\.target), [2, 5, 2, 5, 7, 5])
        XCTAssertEqual(list.map(\.weight1), [2, 1, 4, 3, 0, 5])
        XCTAssertEqual(list.map(\.isDummy), [false, false, false, false, true, false])
        // A target repeated that is itself the last neuron gets its dummy at neuron 0.
        let last = XyloFanout.list([E(target: 7, weight1: 1, weight2: 0), E(target: 7, weight1: 0, weight2: 2)], nHidden: 8)
        XCTAssertEqual(last.map(\.target), [7, 0, 7])
        // Distinct targets: just sorted.
        let plain = XyloFanout.list([E(target: 3, weight1: 1, weight2: 1), E(target: 1, weight1: 2, weight2: 0)], nHidden: 4)
        XCTAssertEqual(plain.map(\.target), [1, 3])
        XCTAssertEqual(XyloFanout.list([], nHidden: 4), [])
    }

    func testDecodeSkipsDummyEntries() throws {
        var image = try handConfig().image()
        // Neuron 0's list: (1, -3, 7), (2, 0, 0) <- now a dummy.
        try setWord(&image, "RWTRAM", 1, 0)
        let config = try image.config(dt: 0.002)
        XCTAssertEqual(config.weightRec(0, 2, 0), 0)
        XCTAssertEqual(config.weightRec(0, 1, 0), -3)
        XCTAssertEqual(config.weightRec(0, 1, 1), 7)
        XCTAssertEqual(config.weightRec(2, 0, 0), 4)
    }

    // MARK: Encoding errors

    func testFanoutCapacityError() throws {
        let config = try referenceConfig("a2_random_large_dense")
        let entries = config.recurrentFanoutEntries
        XCTAssertGreaterThan(entries, 32000)
        expectError(.invalidConfig, ["syns61201", "'weights_rec'", "\(entries)", "32000", "RFORAM"]) { _ = try config.image() }
    }

    func testEncodingErrors() throws {
        var bad = try handConfig()
        bad.weightsIn[0] = 200
        expectError(.invalidConfig, ["syns61201", "'weights_in[0][0][0]' is 200"]) { _ = try bad.image() }

        let base = try handConfig()
        let fewerIEN = try XyloConfig(
            chipID: "syns61201", nIn: 2, nHidden: 3, nOut: 2, nSyn: 2, nIEN: 2,
            weightsIn: Array(base.weightsIn[0..<8]), weightsRec: base.weightsRec, weightsOut: base.weightsOut,
            dashMem: base.dashMem, dashSyn: base.dashSyn, threshold: base.threshold,
            dashMemOut: base.dashMemOut, dashSynOut: base.dashSynOut, thresholdOut: base.thresholdOut)
        XCTAssertEqual(fewerIEN.validate(for: ChipTable.xyloAudio2), [])
        expectError(.unsupported, ["'n_ien' is 2", "syns61201", "'n_hidden' (3)"]) { _ = try fewerIEN.image() }

        var v1 = try handConfig()
        v1.chipID = "syns61300"
        v1.bias = nil
        v1.biasOut = nil
        v1.biasEnabled = false
        expectError(.unsupported, ["Xylo v1 (syns61300)", "no published register and memory map"]) { _ = try v1.image() }
        var unknown = try handConfig()
        unknown.chipID = "syns00000"
        expectError(.notFound, ["syns00000"]) { _ = try unknown.image() }
    }

    // MARK: Images

    func testPowerOnImagesAndChipNames() throws {
        let a3 = try XyloImage(chipID: "Xylo Audio 3")
        XCTAssertEqual(a3.chipID, "syns65302")
        XCTAssertEqual(a3.registers.count, 371)
        XCTAssertEqual(a3.memory.count, 0x1C540)
        XCTAssertTrue(a3.registers.allSatisfy { $0 == 0 } && a3.memory.allSatisfy { $0 == 0 })
        XCTAssertEqual(try XyloImage(chipID: "xa2").memory.count, 0x23F60 + 1008)
        expectError(.unsupported, ["syns61300", "Xylo Audio 2 (syns61201)"]) { _ = try XyloImage(chipID: "syns61300") }
        expectError(.notFound, ["nope"]) { _ = try XyloImage(chipID: "nope") }
        // An empty image decodes to an empty network.
        let empty = try a3.config(dt: 1e-3)
        XCTAssertEqual([empty.nIn, empty.nHidden, empty.nOut], [0, 0, 0])
    }

    func testRegisterAndMemoryAccessIsRangeChecked() throws {
        var a2 = try XyloImage(chipID: "syns61201")
        try a2.writeRegister(0x21, 7)
        XCTAssertEqual(try a2.readRegister(0x21), 7)
        expectError(.outOfRange, ["syns61201", "0x22", "0x0...0x21"]) { _ = try a2.readRegister(0x22) }
        expectError(.outOfRange, ["syns61201", "0xFFFFFFFF"]) { try a2.writeRegister(.max, 1) }
        expectError(.notFound, ["syns61201", "'NOPE'"]) { _ = try a2.registerAddress("NOPE") }

        try a2.writeMemory(0x100, [1, -2, 3])
        XCTAssertEqual(try a2.readMemory(0x100, count: 3), [1, -2, 3])
        XCTAssertEqual(try a2.readMemory(0x23F60 + 1007, count: 1), [0], "last word")
        XCTAssertEqual(try a2.readMemory(0x100, count: 0), [])
        expectError(.outOfRange, ["syns61201", "0xFF", "0x100...0x2434F"]) { _ = try a2.readMemory(0xFF, count: 1) }
        expectError(.outOfRange, ["syns61201", "2 words at 0x2434F"]) { _ = try a2.readMemory(0x2434F, count: 2) }
        expectError(.outOfRange, ["syns61201", "0x24350"]) { try a2.writeMemory(0x24350, [1]) }
        expectError(.outOfRange, ["-1 words"]) { _ = try a2.readMemory(0x100, count: -1) }
        expectError(.outOfRange, ["syns61201"]) { _ = try a2.readMemory(.max, count: Int.max) }

        let a3 = try XyloImage(chipID: "syns65302")
        expectError(.outOfRange, ["syns65302", "0x173"]) { _ = try a3.readRegister(0x173) }
        expectError(.outOfRange, ["syns65302", "0x1C540", "0x200...0x1C53F"]) { _ = try a3.readMemory(0x1C540, count: 1) }
    }

    func testWholeBankWritesOverwriteAnyState() throws {
        let image = try handConfig().image()
        var dirty = try XyloImage(chipID: "syns61201")
        for bank in dirty.layout.banks { try dirty.writeMemory(bank.start, Array(repeating: 1, count: bank.words)) }
        try dirty.writeRegister(2, 0xFFFF)
        let writes = image.writes(.wholeBanks)
        XCTAssertEqual(writes.count, image.layout.banks.count + 2)
        for write in writes {
            switch write {
            case let .register(address, value): try dirty.writeRegister(address, value)
            case let .memory(start, values): try dirty.writeMemory(start, values)
            }
        }
        XCTAssertEqual(dirty, image)
        // Runs of the default scope stay inside one bank and hold no zero.
        for case let .memory(start, values) in image.writes() {
            let bank = try XCTUnwrap(image.layout.bank(containing: start))
            XCTAssertLessThanOrEqual(Int(start) + values.count, Int(bank.end))
            XCTAssertFalse(values.contains(0))
        }
    }

    // MARK: Decoding errors

    func testCorruptedImagesFailDecoding() throws {
        let good = try handConfig().image()
        func corrupt(_ fragments: [String], code: StatusCode = .invalidConfig, line: UInt = #line,
                     _ change: (inout XyloImage) throws -> Void) throws {
            var image = good
            try change(&image)
            expectError(code, fragments, line: line) { _ = try image.config(dt: 1e-3) }
        }
        try corrupt(["syns61201 image", "REFOCRAM[0]", "40000", "past the end of RFORAM (32000 entries)"]) {
            try setWord(&$0, "REFOCRAM", 0, 40000)
        }
        try corrupt(["REFOCRAM[2]", "is -1", "0...65535"]) { try setWord(&$0, "REFOCRAM", 2, -1) }
        try corrupt(["RFORAM[0]", "names neuron 3", "outside the 3 hidden neurons"]) { try setWord(&$0, "RFORAM", 0, 3) }
        try corrupt(["RFORAM[1]", "repeats target 1", "dummy"]) { try setWord(&$0, "RFORAM", 1, 1) }
        try corrupt(["RFORAM[2]", "lists target 1 a second time"]) {
            try setWord(&$0, "REFOCRAM", 0, 3)  // neuron 0's list now also holds entry 2 ...
            try setWord(&$0, "REFOCRAM", 2, 0)
            try setWord(&$0, "RFORAM", 2, 1)  // ... which targets 1 again
        }
        try corrupt(["NTHRAM[0]", "address 0x9590", "is 40000", "-32768...32767"]) { try setWord(&$0, "NTHRAM", 0, 40000) }
        try corrupt(["IWTRAM[1002]", "is 200", "-128...127"]) { try setWord(&$0, "IWTRAM", 1002, 200) }
        try corrupt(["RWT2RAM[0]", "is -129"]) { try setWord(&$0, "RWT2RAM", 0, -129) }
        try corrupt(["NDMRAM[1001]", "is 16", "0...15"]) { try setWord(&$0, "NDMRAM", 1001, 16) }
        try corrupt(["RARAM[1]", "names neuron 5"]) { try setWord(&$0, "RARAM", 1, 5) }
        try corrupt(["RCRAM[2]", "bit 1", "disagrees"]) { try setWord(&$0, "RCRAM", 2, 0) }
        try corrupt(["RCRAM[0]", "bit 1", "do not name"]) { try setWord(&$0, "RCRAM", 0, 2) }
        try corrupt(["RCRAM[0]", "is 4", "0...3"]) { try setWord(&$0, "RCRAM", 0, 4) }
        try corrupt(["CTRL2.HN is 1001", "1000 hidden neurons"], code: .limitExceeded) { try $0.writeRegister(2, (1001 << 16) | 0x0202) }
        try corrupt(["CTRL2.IN is 17", "16 input channels"], code: .limitExceeded) { try $0.writeRegister(2, (3 << 16) | 0x0211) }
        try corrupt(["CTRL2.ON is 9", "8 output neurons"], code: .limitExceeded) { try $0.writeRegister(2, (3 << 16) | 0x0902) }
        expectError(.outOfRange, ["'dt'"]) { _ = try good.config(dt: 0) }

        var a3 = try referenceConfig("a3_edge_ien_oen").image()
        let ctrl2 = try a3.readRegister(2)
        try a3.writeRegister(2, (ctrl2 & 0xFFFF) | (993 << 16))
        expectError(.limitExceeded, ["syns65302 image: ctrl2.hnc is 993", "992 hidden neurons"]) { _ = try a3.config(dt: 1e-3) }
        try a3.writeRegister(2, (ctrl2 & 0xFFFF_00FF) | (11 << 8))
        expectError(.limitExceeded, ["ctrl2.ienc is 11", "at most 10 input expansion neurons with 10 hidden neurons"]) {
            _ = try a3.config(dt: 1e-3)
        }
        try a3.writeRegister(2, ctrl2)
        try a3.writeRegister(3, (129 << 8) | 3)
        expectError(.limitExceeded, ["ctrl3.oenc is 129", "at most 10 output expansion neurons with 10 hidden"]) {
            _ = try a3.config(dt: 1e-3)
        }
        try a3.writeRegister(2, (ctrl2 & 0xFFFF) | (992 << 16))
        expectError(.limitExceeded, ["ctrl3.oenc is 129", "at most 128 output expansion neurons"]) { _ = try a3.config(dt: 1e-3) }
    }

    /// Random damage to valid images: decoding either succeeds or throws a `CelestaError`;
    /// it never traps.
    func testRandomlyDamagedImagesNeverTrap() throws {
        let a3Config = try referenceConfig("a3_edge_alias_residual")
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        let values: [Int32] = [-1, 0, 1, 2, 3, 7, 15, 16, 31, 127, 128, 999, 1000, 32767, 40000, -32769, .min, .max]
        var decoded = 0, failed = 0
        for base in [try handConfig().image(), try a3Config.image()] {
            for _ in 0..<1500 {
                var image = base
                for _ in 0..<(1 + next(3)) {
                    if next(4) == 0 {
                        let registers = image.layout.configurationRegisters
                        let address = registers[next(registers.count)]
                        let value = next(2) == 0 ? UInt32(truncatingIfNeeded: next(Int(Int32.max))) : UInt32(next(1 << 12)) << (8 * UInt32(next(3)))
                        try image.writeRegister(address, value)
                    } else {
                        let bank = image.layout.banks[next(image.layout.banks.count)]
                        let value = next(3) == 0 ? Int32(truncatingIfNeeded: next(Int(UInt32.max)) - Int(Int32.max)) : values[next(values.count)]
                        try image.writeMemory(bank.start + UInt32(next(min(bank.words, 40))), [value])
                    }
                }
                do {
                    _ = try image.config(dt: 1e-3)
                    decoded += 1
                } catch is CelestaError {
                    failed += 1
                }
            }
        }
        XCTAssertGreaterThan(decoded, 100)
        XCTAssertGreaterThan(failed, 100)
    }
}
