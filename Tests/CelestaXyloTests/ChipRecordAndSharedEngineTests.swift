import CelestaHDK
import CelestaIR
import CelestaXylo
import Foundation
import XCTest

/// The chip facts the code reads from the record (never from a chip id), and the engine
/// functions the C shim and the CLI share: the quantize method, the chip list, the dev-kit
/// location.
final class ChipRecordAndSharedEngineTests: XCTestCase {
    private func assertError(
        _ code: StatusCode, _ fragment: String, file: StaticString = #filePath, line: UInt = #line,
        _ body: () throws -> Void
    ) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            let e = error as? CelestaError
            XCTAssertEqual(e?.code, code, "\(error)", file: file, line: line)
            XCTAssertTrue(e?.message.contains(fragment) ?? false, "'\(e?.message ?? "")' lacks '\(fragment)'", file: file, line: line)
        }
    }

    // MARK: Chip records

    func testChipFacts() {
        let (a2, a3, v1) = (ChipTable.xyloAudio2, ChipTable.xyloAudio3, ChipTable.xyloV1)
        XCTAssertEqual([a2.frontEnd, a3.frontEnd, v1.frontEnd], [.analogModel, .digital, .none])
        XCTAssertEqual([a2.mapperDialect, a3.mapperDialect, v1.mapperDialect], [.xyloAudio2, .xyloAudio3, .xyloAudio2])
        XCTAssertEqual([a2.hasDevKit, a3.hasDevKit, v1.hasDevKit], [true, true, false])
        XCTAssertEqual(a2.devKitClock, .dividedFPGAClock(baseHertz: 100e6))
        XCTAssertEqual(a3.devKitClock, .asRequested)
        XCTAssertNil(v1.devKitClock)
        XCTAssertEqual([a2.cyclesReportIsyn2Operations, a3.cyclesReportIsyn2Operations, v1.cyclesReportIsyn2Operations],
                       [true, false, true])
        XCTAssertEqual(a2.imageLayout?.status, .combined(register: "STAT", doneBit: 16))
        XCTAssertEqual(a3.imageLayout?.status, .split(flags: "stat1", done: "stat2"))
    }

    /// A chip with a dev kit has everything a kit needs; a chip without one has none of it.
    func testDevKitFactsAgree() {
        for chip in ChipTable.all {
            XCTAssertEqual(chip.devKitClock != nil, chip.hasDevKit, chip.id)
            XCTAssertEqual(chip.powerModel != nil, chip.hasDevKit, chip.id)
            XCTAssertEqual(chip.imageLayout != nil, chip.hasDevKit, chip.id)
            if let layout = chip.imageLayout {
                switch layout.status {
                case .combined(let register, _): XCTAssertNotNil(layout.registerAddress(register), chip.id)
                case .split(let flags, let done):
                    XCTAssertNotNil(layout.registerAddress(flags), chip.id)
                    XCTAssertNotNil(layout.registerAddress(done), chip.id)
                }
            }
        }
    }

    func testFieldsCarryTheNewFacts() {
        let fields = Dictionary(uniqueKeysWithValues: ChipTable.xyloAudio2.fields.map { ($0.key, $0.value) })
        XCTAssertEqual(fields["front_end"], .text("analog-model"))
        XCTAssertEqual(fields["mapper_dialect"], .text("xylo-audio-2"))
        XCTAssertEqual(fields["has_dev_kit"], .bool(true))
        XCTAssertEqual(fields["cycles_report_isyn2_ops"], .bool(true))
        XCTAssertEqual(ChipFieldValue.bool(false).json, "false")
        let v1 = Dictionary(uniqueKeysWithValues: ChipTable.xyloV1.fields.map { ($0.key, $0.value) })
        XCTAssertEqual(v1["front_end"], .text("none"))
        XCTAssertEqual(v1["has_dev_kit"], .bool(false))
    }

    /// The dev kits' USB ids are chip data: the built-in discovery table is made from the
    /// records, and a chip without a kit has none.
    func testUSBIdsComeFromTheRecords() {
        XCTAssertEqual(USBDeviceTable.builtIn.entries.map { "\(XyloUSBID.hex4($0.vendorID)):\(XyloUSBID.hex4($0.productID))=\($0.chipID)" },
                       ["337d:0c01=syns61201", "337d:0c02=syns65302"])
        for chip in ChipTable.all {
            XCTAssertEqual(chip.devKitUSBIDs.isEmpty, !chip.hasDevKit, chip.id)
        }
        XCTAssertEqual(ChipTable.xyloAudio3.devKitUSBIDs, [XyloUSBID(vendorID: 0x337D, productID: 0x0C02)])
    }

    func testClockFromTheRecord() {
        XCTAssertEqual(HDKClock.achievable(12e6, chip: ChipTable.xyloAudio2), 12.5e6)
        XCTAssertEqual(HDKClock.achievable(12e6, chip: ChipTable.xyloAudio3), 12e6)
        XCTAssertEqual(HDKClock.achievable(12e6, chip: ChipTable.xyloV1), 12e6, "no kit: as asked")
        XCTAssertEqual(HDKClock.achievable(12e6, chipID: "xa2"), 12.5e6, "any name of the chip")
        XCTAssertEqual(HDKClock.waitCount(12e6, baseHertz: 100e6), 3)
    }

    // MARK: Quantize method

    func testQuantizeMethodNamesAndCodes() throws {
        XCTAssertEqual(XyloQuantizeMethod.allCases.map(\.rawValue), ["global", "global-fuzzy", "channel"])
        XCTAssertEqual(XyloQuantizeMethod.allCases.map(\.code), [0, 1, 2])
        for method in XyloQuantizeMethod.allCases { XCTAssertEqual(try XyloQuantizeMethod(code: method.code), method) }
        for bad in [-1, 3, 7] {
            assertError(.invalidArgument, "argument 'method' is \(bad); it must be 0 (global)") {
                _ = try XyloQuantizeMethod(code: bad)
            }
        }
    }

    func testQuantizeMethodRunsItsQuantizer() throws {
        let path = Fixtures.root.appendingPathComponent("../../examples/networks/kws_default.json").path
        let spec = try XyloMapper.map(try NetworkJSON.load(path).asGraph(), chip: ChipTable.xyloAudio3).spec
        XCTAssertEqual(try XyloQuantizeMethod.global.quantize(spec), try XyloQuantizer.global(spec))
        XCTAssertEqual(try XyloQuantizeMethod.globalFuzzy.quantize(spec), try XyloQuantizer.global(spec, fuzzyScaling: true))
        XCTAssertEqual(try XyloQuantizeMethod.channel.quantize(spec, weightBits: 6, thresholdBits: 12),
                       try XyloQuantizer.channel(spec, weightBits: 6, thresholdBits: 12))
        assertError(.outOfRange, "'weight_bits' is 1") { _ = try XyloQuantizeMethod.global.quantize(spec, weightBits: 1) }
    }

    // MARK: Chip lists

    func testChipList() {
        XCTAssertEqual(ChipTable.names(inList: "xa3, xa2"), ["xa3", "xa2"])
        XCTAssertEqual(ChipTable.names(inList: " x a3 ,,\txa2\n,"), ["xa3", "xa2"])
        XCTAssertEqual(ChipTable.names(inList: ""), [])
        XCTAssertEqual(ChipTable.names(inList: " , "), [])
    }

    // MARK: Dev-kit locations

    func testLocationParsing() throws {
        XCTAssertEqual(HDKLocation(parsing: "virtual:xa3"), .virtual(chip: "xa3"))
        XCTAssertEqual(HDKLocation(parsing: "virtual:"), .virtual(chip: ""))
        XCTAssertEqual(HDKLocation(parsing: "usb:1:7"), .usb("usb:1:7"))
        XCTAssertEqual(HDKLocation(parsing: ""), .usb(nil))
        XCTAssertEqual(try HDKLocation(virtual: "xa2", device: nil, both: "both"), .virtual(chip: "xa2"))
        XCTAssertEqual(try HDKLocation(virtual: nil, device: "usb:2:3", both: "both"), .usb("usb:2:3"))
        XCTAssertEqual(try HDKLocation(virtual: nil, device: nil, both: "both"), .usb(nil))
        assertError(.invalidArgument, "not both") { _ = try HDKLocation(virtual: "xa2", device: "usb:1:1", both: "not both") }
    }

    func testLocationOpens() throws {
        let hints = HDKLocation.Hints(noBoard: " [no board]", unknownLocation: " [unknown]")
        var made = 0
        let descriptor = USBDeviceDescriptor(vendorID: 0x337D, productID: 0x0C02, bus: 1, address: 7)
        let bus = FakeUSBBackend(listed: [descriptor])
        bus.boards[descriptor.location] = try VirtualDevKit(chip: "xa3")
        let discovery = { () throws -> HDKDiscovery in
            made += 1
            return HDKDiscovery(backend: bus, table: .builtIn)
        }

        let kit = try HDKLocation.virtual(chip: "xa2").open(timeout: .milliseconds(1234), hints: hints, discovery: discovery)
        XCTAssertEqual((kit as? VirtualDevKit)?.timeout, .milliseconds(1234))
        XCTAssertEqual(kit.device.chipID, "syns61201")
        XCTAssertEqual(made, 0, "a virtual kit needs no discovery")
        assertError(.unsupported, "syns61300") { _ = try HDKLocation.virtual(chip: "xylo_v1").open(timeout: .seconds(1), hints: hints) }

        for location in [HDKLocation.usb(nil), .usb("usb:1:7")] {
            let board = try location.open(timeout: .seconds(1), hints: hints, discovery: discovery)
            XCTAssertEqual(board.device.location, "usb:1:7")
            XCTAssertEqual(board.device.kind, .usb)
        }
        assertError(.notFound, "no dev kit at 'usb:9:9' [unknown]") {
            _ = try HDKLocation.usb("usb:9:9").open(timeout: .seconds(1), hints: hints, discovery: discovery)
        }
        bus.listed = []
        assertError(.notFound, "no dev kit on USB [no board]") {
            _ = try HDKLocation.usb(nil).open(timeout: .seconds(1), hints: hints, discovery: discovery)
        }
    }
}
