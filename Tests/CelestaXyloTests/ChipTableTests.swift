import CelestaIR
import CelestaXylo
import Foundation
import XCTest

final class ChipTableTests: XCTestCase {
    /// The hardware-limits table of the reference facts (Tests/Fixtures/xylo/README.md,
    /// section 3): row label -> one cell per chip, in the table's column order.
    private func referenceLimits() throws -> (chips: [String], rows: [String: [String]]) {
        let text = try Fixtures.text("xylo/README.md")
        guard let start = text.range(of: "### 3. Hardware limits") else {
            XCTFail("no limits section in the fixture"); return ([], [:])
        }
        let lines = text[start.upperBound...].split(separator: "\n").map(String.init)
            .drop { !$0.hasPrefix("|") }.prefix { $0.hasPrefix("|") }
        func cells(_ line: String) -> [String] {
            line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let header = cells(lines.first!)
        let chips = header.dropFirst().map { cell -> String in
            String(cell[cell.range(of: "(")!.upperBound..<cell.range(of: ")")!.lowerBound])
        }
        var rows: [String: [String]] = [:]
        for line in lines.dropFirst(2) {
            let c = cells(line)
            rows[c[0]] = Array(c.dropFirst())
        }
        return (chips, rows)
    }

    private func leadingInt(_ cell: String) -> Int? {
        Int(cell.prefix { $0.isNumber })
    }

    /// The number following `marker` in `cell`, e.g. "warns above 16".
    private func number(after marker: String, in cell: String) -> Int? {
        guard let r = cell.range(of: marker) else { return nil }
        return Int(cell[r.upperBound...].drop { $0 == " " }.prefix { $0.isNumber })
    }

    func testEveryChipMatchesTheReferenceLimitsTable() throws {
        let (chipIDs, rows) = try referenceLimits()
        XCTAssertEqual(Set(chipIDs), Set(ChipTable.all.map(\.id)), "one record per reference chip")
        XCTAssertGreaterThanOrEqual(rows.count, 18)
        for (column, id) in chipIDs.enumerated() {
            let chip = try ChipTable.chip(named: id)
            func cell(_ label: String) -> String {
                guard let row = rows[label] else { XCTFail("row '\(label)' missing"); return "" }
                return row[column]
            }
            XCTAssertEqual(chip.maxInputs, leadingInt(cell("input channels")), id)
            XCTAssertEqual(chip.maxHiddenNeurons, leadingInt(cell("hidden neurons")), id)
            let outputs = cell("output neurons")
            XCTAssertEqual(chip.maxOutputNeurons, number(after: "RAM sized for", in: outputs) ?? leadingInt(outputs), id)
            XCTAssertEqual(
                chip.recommendedMaxOutputNeurons,
                number(after: "warns above", in: outputs) ?? leadingInt(outputs), id)
            for (label, value) in [
                ("input expansion neurons (IEN)", chip.maxInputExpansionNeurons),
                ("output expansion neurons (OEN)", chip.maxOutputExpansionNeurons),
            ] {
                let text = cell(label)
                XCTAssertEqual(value, text == "= hidden" ? chip.maxHiddenNeurons : leadingInt(text), "\(id) \(label)")
            }
            XCTAssertEqual(chip.synapsesPerHiddenNeuron, leadingInt(cell("synapses per hidden neuron")), id)
            XCTAssertEqual(chip.synapsesPerOutputNeuron, leadingInt(cell("synapses per output neuron")), id)
            XCTAssertEqual(chip.maxRecurrentFanoutEntries, leadingInt(cell("recurrent fan-out entries (total)")), id)
            XCTAssertEqual(chip.maxAliasTargets, leadingInt(cell("alias targets per hidden neuron")), id)
            XCTAssertEqual("int\(chip.weightBits)", cell("weight"), id)
            XCTAssertTrue(cell("Isyn, Vmem state").hasPrefix("int\(chip.stateBits), saturating"), id)
            XCTAssertEqual("int\(chip.thresholdBits)", cell("threshold"), id)
            XCTAssertEqual(chip.hasBias, cell("bias") != "absent", id)
            XCTAssertTrue(cell("dash (mem, syn, syn2)").hasSuffix("\(chip.dashRange.lowerBound)..\(chip.dashRange.upperBound)"), id)
            let shifts = cell("weight shifts")
            if shifts.hasPrefix("0..") {  // open for Xylo Audio 3: see ChipTable
                XCTAssertTrue(shifts.hasPrefix("0..\(chip.weightShiftRange.upperBound)"), id)
            }
            XCTAssertEqual(chip.maxInputEventsPerStep, leadingInt(cell("input events / channel / step")), id)
            XCTAssertEqual(chip.maxHiddenSpikesPerStep, leadingInt(cell("hidden spikes / neuron / step")), id)
            XCTAssertEqual(chip.maxOutputSpikesPerStep, leadingInt(cell("output spikes / neuron / step")), id)
        }
    }

    func testCoreGenerations() {
        XCTAssertEqual(ChipTable.xyloAudio2.core, .v2)
        XCTAssertEqual(ChipTable.xyloAudio3.core, .v2)
        XCTAssertEqual(ChipTable.xyloV1.core, .v1)
        XCTAssertFalse(ChipTable.xyloV1.hasBias)
    }

    /// The two v2 chips differ in their cycle model, which their records carry; v1's is Audio
    /// 2's, labelled as derived.
    func testCycleModelsAreRecordData() throws {
        XCTAssertEqual(ChipTable.xyloAudio2.cycleModel, .xyloAudio2)
        XCTAssertEqual(ChipTable.xyloAudio3.cycleModel, .xyloAudio3)
        XCTAssertEqual(ChipTable.xyloV1.cycleModel, .xyloV1)
        XCTAssertNotEqual(XyloCycleModel.xyloAudio2, XyloCycleModel.xyloAudio3)
        XCTAssertNotEqual(XyloCycleModel.xyloAudio2, XyloCycleModel.xyloV1, "the derived model is labelled")
        for chip in ChipTable.all {
            XCTAssertEqual(try XyloCycleModel.model(for: chip), chip.cycleModel)
        }
    }

    /// Xylo v1's cycle model is the Audio 2 model, whose choices (N_ien = N_oen = N_h, one
    /// alias target, the synapse-2 operations) hold for v1's record too; it is the only model
    /// without a reference, and says so. v1 has no power model (no kit, no published figures).
    func testXyloV1TakesTheAudio2ModelItsRecordFits() throws {
        let (a2, a3, v1) = (ChipTable.xyloAudio2, ChipTable.xyloAudio3, ChipTable.xyloV1)
        let model = try XCTUnwrap(v1.cycleModel)
        XCTAssertEqual(model.expansionCount, XyloCycleModel.xyloAudio2.expansionCount)
        XCTAssertEqual(model.aliasCount, XyloCycleModel.xyloAudio2.aliasCount)
        XCTAssertEqual(model.reportsIsyn2Operations, XyloCycleModel.xyloAudio2.reportsIsyn2Operations)
        for chip in [a2, v1] {
            XCTAssertEqual(chip.maxInputExpansionNeurons, chip.maxHiddenNeurons, chip.id)  // .allHidden
            XCTAssertEqual(chip.maxOutputExpansionNeurons, chip.maxHiddenNeurons, chip.id)
            XCTAssertEqual(chip.maxAliasTargets, 1, chip.id)  // .single
        }
        XCTAssertEqual(v1.synapsesPerHiddenNeuron, a2.synapsesPerHiddenNeuron)
        XCTAssertEqual(v1.maxHiddenNeurons, a2.maxHiddenNeurons)
        XCTAssertEqual(v1.maxOutputNeurons, a2.maxOutputNeurons)
        XCTAssertNil(a2.cycleModel?.derivation)
        XCTAssertNil(a3.cycleModel?.derivation)
        let notes = try XCTUnwrap(model.derivation)
        XCTAssertTrue(notes.contains { $0.contains("no reference model or measurement") && $0.contains("syns61300") }, "\(notes)")
        XCTAssertTrue(notes.contains { $0.contains("Xylo Audio 2") }, "\(notes)")
        XCTAssertNil(v1.powerModel)
    }

    func testDerivedRanges() {
        let chip = ChipTable.xyloAudio2
        XCTAssertEqual(chip.weightRange, -128...127)
        XCTAssertEqual(chip.thresholdRange, -32768...32767)
        XCTAssertEqual(chip.stateRange, -32768...32767)
        XCTAssertEqual(chip.dashRange, 0...15)
        XCTAssertEqual(chip.weightShiftRange, 0...7)
    }

    func testLookupByIdNameAndAliasIgnoresCaseAndSeparators() throws {
        XCTAssertEqual(try ChipTable.chip(named: "syns61201").id, "syns61201")
        XCTAssertEqual(try ChipTable.chip(named: "XA3").id, "syns65302")
        XCTAssertEqual(try ChipTable.chip(named: "Xylo Audio 3").id, "syns65302")
        XCTAssertEqual(try ChipTable.chip(named: "xylo_audio_2").id, "syns61201")
        XCTAssertEqual(try ChipTable.chip(named: "xylo_v1").id, "syns61300")
        XCTAssertEqual(try ChipTable.chip(at: 1).id, "syns65302")
    }

    func testAliasesAreUnambiguous() {
        var seen: [String: String] = [:]
        for chip in ChipTable.all {
            for name in [chip.id, chip.name] + chip.aliases {
                let key = name.lowercased().filter { !" -_".contains($0) }
                if let other = seen[key], other != chip.id {
                    XCTFail("'\(name)' names both \(other) and \(chip.id)")
                }
                seen[key] = chip.id
            }
        }
    }

    func testUnknownNameIsNotFoundAndNamesTheValue() {
        for bad in ["xa9", "", "   ", "syns6120"] {
            XCTAssertThrowsError(try ChipTable.chip(named: bad)) { error in
                let e = error as? CelestaError
                XCTAssertEqual(e?.code, .notFound)
                XCTAssertTrue(e?.message.contains("'\(bad)'") ?? false, e?.message ?? "")
                XCTAssertTrue(e?.message.contains("syns61201") ?? false, "lists known chips")
            }
        }
    }

    func testIndexOutOfRange() {
        for bad in [-1, 3, Int.max] {
            XCTAssertThrowsError(try ChipTable.chip(at: bad)) { error in
                XCTAssertEqual((error as? CelestaError)?.code, .notFound)
                XCTAssertTrue((error as? CelestaError)?.message.contains("\(bad)") ?? false)
            }
        }
    }

    func testFieldsCoverEveryLimitInOrder() {
        let keys = ChipTable.xyloAudio3.fields.map(\.key)
        XCTAssertEqual(keys.first, "id")
        XCTAssertEqual(Set(keys).count, keys.count, "keys are unique")
        let values = Dictionary(uniqueKeysWithValues: ChipTable.xyloAudio3.fields.map { ($0.key, $0.value) })
        XCTAssertEqual(values["max_hidden_neurons"], .int(992))
        XCTAssertEqual(values["aliases"], .list(["xa3"]))
        let v1 = Dictionary(uniqueKeysWithValues: ChipTable.xyloV1.fields.map { ($0.key, $0.value) })
        XCTAssertEqual(v1["bias_bits"], .int(0), "absent bias is 0, as in the C struct")
        XCTAssertEqual(v1["max_recurrent_fanout_entries"], .int(0))
    }
}
