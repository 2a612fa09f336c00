import CelestaIR
import CelestaXylo
import CelestaHDK
import Foundation
import XCTest

/// The dev-kit driver on the virtual kit and on the USB transport over a fake bus.
final class HDKTests: XCTestCase {
    private func assertError(
        _ code: StatusCode, _ fragment: String, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void
    ) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let e = error as? CelestaError else { return XCTFail("not a CelestaError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.code, code, e.message, file: file, line: line)
            XCTAssertTrue(e.message.contains(fragment), "'\(e.message)' lacks '\(fragment)'", file: file, line: line)
        }
    }

    /// Every A2/A3 simulation vector that fits the chip's memory.
    private func deployableCases() throws -> [(String, [String: Any])] {
        var cases: [(String, [String: Any])] = []
        for category in ["edge", "random"] {
            for name in try ReferenceCases.names(category: category) where !name.hasPrefix("v1_") && name != "a2_random_large_dense" {
                cases.append((name, try ReferenceCases.json(name)))
            }
        }
        return cases
    }

    private func runOnKit(_ hdk: XyloHDK, _ doc: [String: Any], _ name: String) throws {
        let config = try ReferenceCases.config(doc["config"]!, chip: hdk.chip.id)
        try hdk.apply(config, dt: 1e-3)
        let steps = doc["T"] as! Int
        let input = ReferenceCases.ints(doc["input"])
        // Twice half the run: state must carry over between evolve calls, as on the chip.
        let half = steps / 2, nIn = config.nIn
        let a = try hdk.evolve(input: Array(input[0..<half * nIn]), steps: half, record: true).result
        let b = try hdk.evolve(input: Array(input[(half * nIn)...]), steps: steps - half, record: true).result
        var whole = XyloSimulationResult(steps: steps, nHidden: a.nHidden, nOut: a.nOut, record: true, hibernation: true)
        whole.spikesOut = a.spikesOut + b.spikesOut
        whole.vmem = a.vmem + b.vmem
        whole.isyn = a.isyn + b.isyn
        whole.isyn2 = a.isyn2 + b.isyn2
        whole.spikes = a.spikes + b.spikes
        whole.vmemOut = a.vmemOut + b.vmemOut
        whole.isynOut = a.isynOut + b.isynOut
        whole.hibernation = a.hibernation + b.hibernation
        ReferenceCases.assertEqualRecords(whole, doc["expected"] as! [String: Any], name)
    }

    func testVirtualKitEqualsEveryReferenceVector() throws {
        let cases = try deployableCases()
        XCTAssertGreaterThanOrEqual(cases.count, 30)
        var kits: [String: XyloHDK] = [:]
        for (name, doc) in cases {
            let chip = try ChipTable.chip(named: doc["chip"] as! String)
            if kits[chip.id] == nil { kits[chip.id] = try XyloHDK(transport: VirtualDevKit(chip: chip.id)) }
            try runOnKit(kits[chip.id]!, doc, name)
        }
    }

    func testUSBTransportOverFakeBusEqualsReference() throws {
        let descriptor = USBDeviceDescriptor(vendorID: 0x337D, productID: 0x0C02, bus: 1, address: 7)
        let bus = FakeUSBBackend(listed: [descriptor, USBDeviceDescriptor(vendorID: 0x1234, productID: 1, bus: 1, address: 2)])
        bus.boards[descriptor.location] = try VirtualDevKit(chip: "xa3")
        let discovery = HDKDiscovery(backend: bus, table: .builtIn)
        let found = try discovery.find()
        XCTAssertEqual(found.count, 1, "the unknown 1234:0001 is not a kit")
        XCTAssertEqual(found[0].info.location, "usb:1:7")
        XCTAssertEqual(found[0].info.kind, .usb)
        let hdk = try XyloHDK(transport: discovery.open(found[0]))
        XCTAssertEqual(hdk.device.version, HDKVersion(major: 1, minor: 1))
        XCTAssertEqual(hdk.transport.powerRails, ["io", "analog", "digital"])
        for name in ["a3_edge_recurrent_delay", "a3_random_medium_dense"] {
            try runOnKit(hdk, try ReferenceCases.json(name), name)
        }
        XCTAssertEqual(try hdk.setClock(megahertz: 25), 25)
    }

    func testUSBFailuresNameDeviceAndOperation() throws {
        let descriptor = USBDeviceDescriptor(vendorID: 0x337D, productID: 0x0C01, bus: 3, address: 9)
        let bus = FakeUSBBackend(listed: [descriptor])
        bus.boards[descriptor.location] = try VirtualDevKit(chip: "xa2")
        let discovery = HDKDiscovery(backend: bus, table: .builtIn)
        let opener = try discovery.find()[0]

        bus.openFailure = .access
        assertError(.device, "permission denied") { _ = try discovery.open(opener) }
        bus.openFailure = .busy
        assertError(.device, "claimed by another program") { _ = try discovery.open(opener) }
        bus.openFailure = nil

        let transport = try discovery.open(opener)
        let connection = try XCTUnwrap(bus.lastConnection)
        connection.failRead = .timeout
        assertError(.timeout, "usb:3:9") { _ = try transport.readRegister(0) }
        connection.failWrite = .other("LIBUSB_ERROR_PIPE")
        assertError(.device, "LIBUSB_ERROR_PIPE") { try transport.writeRegister(1, 0) }
        connection.corruptAnswer = [0xC7, 0x82, 0, 0, 0, 0, 0, 0]
        assertError(.device, "sequence") { _ = try transport.readRegister(0) }
        connection.corruptAnswer = [0x00, 0, 0, 0, 0, 0, 0, 0]
        assertError(.device, "malformed answer") { _ = try transport.readRegister(0) }
        // The kit's own error comes back with its status code and message.
        assertError(.outOfRange, "read register") { _ = try transport.readRegister(0xFFFF_FFF0) }
        // Unplugged: the call fails as a device error and the transport closes.
        connection.failWrite = .noDevice
        assertError(.device, "unplugged") { _ = try transport.readRegister(0) }
        assertError(.invalidState, "closed") { _ = try transport.readRegister(0) }
    }

    func testCorruptAnswersNeverTrap() throws {
        let descriptor = USBDeviceDescriptor(vendorID: 0x337D, productID: 0x0C01, bus: 2, address: 2)
        let bus = FakeUSBBackend(listed: [descriptor])
        bus.boards[descriptor.location] = try VirtualDevKit(chip: "xa2")
        let discovery = HDKDiscovery(backend: bus, table: .builtIn)
        let hdk = try XyloHDK(transport: discovery.open(discovery.find()[0]))
        let doc = try ReferenceCases.json("a2_random_small")
        let config = try ReferenceCases.config(doc["config"]!, chip: "syns61201")
        try hdk.apply(config, dt: 1e-3)
        let connection = try XCTUnwrap(bus.lastConnection)
        // A readout header claiming 2^32 - 1 steps of 2^32 - 1 outputs must not allocate them.
        connection.mutateAnswer = { answer in
            guard answer.count > 28 else { return answer }
            var a = answer
            for i in 16..<28 { a[i] = 0xFF }
            return a
        }
        try hdk.transport.configure(source: .events, monitorState: true)
        try hdk.transport.process(until: 5)
        assertError(.device, "malformed answer") { _ = try hdk.transport.readReadouts() }
        // Random damage to the payload of every kind of answer: an error or a value, never a trap.
        var rng = SystemRandomNumberGenerator()
        var failures = 0
        for round in 0..<1500 {
            connection.mutateAnswer = { answer in
                var a = answer
                guard a.count > 8 else { return a }
                for _ in 0..<(1 + round % 4) { a[Int.random(in: 8..<a.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
                return a
            }
            do {
                switch round % 5 {
                case 0: _ = try hdk.transport.readReadouts()
                case 1: _ = try hdk.transport.readMemory(0x100, count: 8)
                case 2: _ = try hdk.transport.currentTimestep()
                case 3: try hdk.transport.process(until: try hdk.transport.currentTimestep() + 3)
                default: _ = try hdk.transport.readPower()
                }
            } catch is CelestaError {
                failures += 1
            }
        }
        XCTAssertGreaterThan(failures, 0)
    }

    func testUSBTransportRejectsAKitReportingAnotherChip() throws {
        let descriptor = USBDeviceDescriptor(vendorID: 0x337D, productID: 0x0C01, bus: 1, address: 1)
        let bus = FakeUSBBackend(listed: [descriptor])
        bus.boards[descriptor.location] = try VirtualDevKit(chip: "xa3")  // ids say xa2
        let discovery = HDKDiscovery(backend: bus, table: .builtIn)
        assertError(.device, "reports chip 'syns65302'") { _ = try discovery.open(discovery.find()[0]) }
    }

    func testWireServerRejectsMalformedRequests() throws {
        let server = HDKWireServer(transport: try VirtualDevKit(chip: "xa2"))
        func status(_ frame: [UInt8]) -> UInt8? {
            let answer = server.answer(frame)
            return answer.count > 8 && answer[1] == HDKWire.errorOpcode ? answer[8] : nil
        }
        XCTAssertEqual(status([1, 2, 3]), UInt8(-StatusCode.parse.rawValue))
        XCTAssertEqual(status(HDKWire.frame(opcode: 99, sequence: 1, payload: [])), UInt8(-StatusCode.unsupported.rawValue))
        XCTAssertEqual(status(HDKWire.frame(opcode: HDKOperation.readRegister.rawValue, sequence: 1, payload: [1])),
                       UInt8(-StatusCode.parse.rawValue), "truncated payload")
        XCTAssertEqual(status(HDKWire.frame(opcode: HDKOperation.reset.rawValue, sequence: 1, payload: [1])),
                       UInt8(-StatusCode.parse.rawValue), "trailing bytes")
        // A raster whose count bytes do not match its shape.
        var raster = ByteWriter()
        raster.u64(0); raster.u32(2); raster.u32(2); raster.bytes += [1, 2, 3]
        XCTAssertEqual(status(HDKWire.frame(opcode: HDKOperation.sendInputRaster.rawValue, sequence: 1, payload: raster.bytes)),
                       UInt8(-StatusCode.parse.rawValue), "raster bytes short of its shape")
        var huge = HDKWire.frame(opcode: HDKOperation.sendInput.rawValue, sequence: 1, payload: [0xFF, 0xFF, 0xFF, 0x7F])
        XCTAssertEqual(status(huge), UInt8(-StatusCode.parse.rawValue), "a count larger than the message")
        huge[4] = 0xFF; huge[5] = 0xFF; huge[6] = 0xFF; huge[7] = 0xFF
        XCTAssertEqual(status(huge), UInt8(-StatusCode.parse.rawValue), "a length field past the limit")
    }

    func testDiscoveryWithoutDevicesAndVirtualKits() throws {
        let discovery = HDKDiscovery(backend: FakeUSBBackend(listed: []), table: .builtIn)
        XCTAssertTrue(discovery.physical().isEmpty)
        let found = try discovery.find(virtual: ["xa3", "Xylo Audio 2"])
        XCTAssertEqual(found.map(\.info.chipID), ["syns65302", "syns61201"])
        XCTAssertEqual(found.map(\.info.location), ["virtual:0", "virtual:1"])
        assertError(.unsupported, "no power model for chip 'syns61300'") { _ = try discovery.find(virtual: ["xylo_v1"]) }
        assertError(.notFound, "chip 'nope' is unknown") { _ = try discovery.find(virtual: ["nope"]) }
        // The real libusb backend on this machine: never fails, whatever the bus holds.
        _ = try HDKDiscovery().physical()
    }

    func testDeviceTableParsesUserIds() throws {
        var table = USBDeviceTable.builtIn
        try table.add(specification: " 1234:abcd = xa2 , 0001:0002=syns65302")
        XCTAssertEqual(table.chipID(for: USBDeviceDescriptor(vendorID: 0x1234, productID: 0xABCD, bus: 0, address: 0)), "syns61201")
        XCTAssertEqual(table.chipID(for: USBDeviceDescriptor(vendorID: 1, productID: 2, bus: 0, address: 0)), "syns65302")
        XCTAssertNil(table.chipID(for: USBDeviceDescriptor(vendorID: 9, productID: 9, bus: 0, address: 0)))
        assertError(.parse, "'12345:1=xa2'") { try table.add(specification: "12345:1=xa2", source: "CELESTA_HDK_USB_IDS") }
        assertError(.parse, "'1234=xa2'") { try table.add(specification: "1234=xa2") }
        assertError(.notFound, "chip 'xa9' is unknown") { try table.add(specification: "1:2=xa9") }
    }

    func testVirtualKitErrorsAndStatusRegister() throws {
        let kit = try VirtualDevKit(chip: "xa2")
        let hdk = try XyloHDK(transport: kit)
        assertError(.invalidState, "apply one first") { _ = try hdk.evolve(input: [], steps: 0) }
        assertError(.unsupported, "Xylo v1") { _ = try VirtualDevKit(chip: "syns61300") }
        assertError(.outOfRange, "register") { _ = try kit.readRegister(0x10000) }
        assertError(.outOfRange, "outside 1 MHz") { _ = try kit.setClock(hertz: 0) }
        assertError(.unsupported, "analog") { try kit.configure(source: .audioFrontEnd, monitorState: false) }
        assertError(.invalidState, "not started") { _ = try kit.readPower() }

        let doc = try ReferenceCases.json("a2_edge_output_neurons")
        let config = try ReferenceCases.config(doc["config"]!, chip: "syns61201")
        assertError(.invalidArgument, "carries syns65302") {
            try XyloHDK(transport: VirtualDevKit(chip: "xa3")).apply(config, dt: 1e-3)
        }
        try hdk.apply(config, dt: 1e-3)
        let steps = doc["T"] as! Int
        let input = ReferenceCases.ints(doc["input"])
        assertError(.shapeMismatch, "'input'") { _ = try hdk.evolve(input: [1], steps: steps) }
        assertError(.outOfRange, "is 256") { _ = try hdk.evolve(input: [256] + Array(input.dropFirst()), steps: steps) }
        let run = try hdk.evolve(input: input, steps: steps)
        let nOut = config.nOut
        let stat = try kit.readRegister(0x15)
        XCTAssertEqual(stat & (1 << 16), 1 << 16, "processing done")
        for k in 0..<nOut {
            XCTAssertEqual(stat >> UInt32(k) & 1, UInt32(run.result.spikesOut[(steps - 1) * nOut + k]), "output flag \(k)")
        }
        XCTAssertEqual(try kit.currentTimestep(), steps)
        assertError(.outOfRange, "before the current step") { try kit.sendInput([HDKInputEvent(timestep: 0, channel: 0, count: 1)]) }
        assertError(.outOfRange, "channel 99") { try kit.sendInput([HDKInputEvent(timestep: steps, channel: 99, count: 1)]) }
        assertError(.outOfRange, "before the current step") { try kit.process(until: 1) }
        assertError(.outOfRange, "at most 1048576 per call") { try kit.process(until: steps + (1 << 20) + 1) }
        // Cancelling stops between blocks.
        let long = [Int](repeating: 0, count: 3 * XyloHDK.stepsPerBlock * config.nIn)
        var calls = 0
        assertError(.cancelled, "cancelled after 4096") {
            _ = try hdk.evolve(input: long, steps: 3 * XyloHDK.stepsPerBlock) { _ in calls += 1; return false }
        }
        XCTAssertEqual(calls, 1)
        kit.close()
        assertError(.invalidState, "closed") { _ = try kit.readRegister(0) }
    }

    func testInputRasterIsCheckedWhenBuilt() throws {
        assertError(.shapeMismatch, "'input' has 3 values but [T=2][n_in=2] needs 4") {
            _ = try HDKInputRaster(firstTimestep: 0, steps: 2, channels: 2, counts: [1, 2, 3])
        }
        assertError(.outOfRange, "'input[1][0]' is 256") { _ = try HDKInputRaster(firstTimestep: 0, steps: 2, channels: 2, counts: [1, 2, 256, 0]) }
        assertError(.outOfRange, "'input[0][1]' is -1") { _ = try HDKInputRaster(firstTimestep: 0, steps: 2, channels: 2, counts: [0, -1, 0, 0]) }
        assertError(.outOfRange, "'steps' is -1") { _ = try HDKInputRaster(firstTimestep: 0, steps: -1, channels: 2, counts: []) }
        assertError(.shapeMismatch, "has 3 counts") { _ = try HDKInputRaster(firstTimestep: 0, steps: 2, channels: 2, bytes: [UInt8](repeating: 9, count: 3)) }
        let r = try HDKInputRaster(firstTimestep: 5, steps: 3, channels: 2, counts: [1, 2, 3, 4, 255, 0])
        XCTAssertEqual(r.rows(1..<3), try HDKInputRaster(firstTimestep: 6, steps: 2, channels: 2, counts: [3, 4, 255, 0]))
        XCTAssertEqual(r.rows(0..<3, shiftedBy: 10), try HDKInputRaster(firstTimestep: 15, steps: 3, channels: 2, counts: r.counts))
        XCTAssertEqual(r.rows(2..<9).counts, [255, 0], "rows are clamped to the raster")
        XCTAssertEqual(r.rows(0..<1, shiftedBy: .max).firstTimestep, .max, "the time step saturates")
        XCTAssertEqual(try HDKInputRaster(firstTimestep: 5, steps: 3, channels: 2, bytes: [1, 2, 3, 4, 255, 0] as [UInt8]), r)
    }

    func testVirtualKitAddsUpRastersAndEvents() throws {
        let doc = try ReferenceCases.json("a2_random_small")
        let config = try ReferenceCases.config(doc["config"]!, chip: "syns61201")
        let kit = try VirtualDevKit(chip: "xa2")
        try XyloHDK(transport: kit).apply(config, dt: 1e-3)
        let steps = doc["T"] as! Int, nIn = config.nIn
        XCTAssertGreaterThan(steps, 8)
        XCTAssertGreaterThan(nIn, 1)
        let input = ReferenceCases.ints(doc["input"])
        // The whole input as one raster; a second raster of the first channel over steps 2..<6
        // (counts that saturate), one event on the last channel at step 3, one for a later step,
        // and a raster of a channel the network does not use: processed in two calls that
        // split the rasters.
        var expected = input
        try kit.configure(source: .events, monitorState: true)
        try kit.sendInput(HDKInputRaster(firstTimestep: 0, steps: steps, channels: nIn, counts: input))
        try kit.sendInput(HDKInputRaster(firstTimestep: 2, steps: 4, channels: 1, counts: [250, 250, 250, 250]))
        for t in 2..<6 { expected[t * nIn] = min(255, expected[t * nIn] + 250) }
        try kit.sendInput([HDKInputEvent(timestep: 3, channel: nIn - 1, count: 7), HDKInputEvent(timestep: 7, channel: 0, count: 3)])
        expected[3 * nIn + nIn - 1] = min(255, expected[3 * nIn + nIn - 1] + 7)
        expected[7 * nIn] = min(255, expected[7 * nIn] + 3)
        // A raster wholly after the first process call.
        try kit.sendInput(HDKInputRaster(firstTimestep: 6, steps: 1, channels: nIn, counts: [Int](repeating: 5, count: nIn)))
        for c in 0..<nIn { expected[6 * nIn + c] = min(255, expected[6 * nIn + c] + 5) }
        if nIn < 16 {
            var unused = [Int](repeating: 0, count: 2 * 16)
            unused[15] = 200
            try kit.sendInput(HDKInputRaster(firstTimestep: 1, steps: 2, channels: 16, counts: unused))
        }
        try kit.process(until: 4)
        try kit.process(until: steps)
        let got = try kit.readReadouts().result
        let sim = try XyloSimulator(config: config, chip: ChipTable.xyloAudio2)
        let want = try sim.evolve(input: expected, steps: steps, record: true)
        XCTAssertEqual(got.spikesOut, want.spikesOut)
        XCTAssertEqual(got.vmem, want.vmem)
        XCTAssertEqual(got.isyn, want.isyn)
        XCTAssertNotEqual(expected, input, "the added counts change the input")

        let ok = try HDKInputRaster(firstTimestep: steps, steps: 1, channels: nIn, counts: [Int](repeating: 0, count: nIn))
        assertError(.outOfRange, "before the current step") { try kit.sendInput(ok.rows(0..<1, shiftedBy: -1)) }
        assertError(.outOfRange, "17 channels; the chip has channels 0..15") {
            try kit.sendInput(HDKInputRaster(firstTimestep: steps, steps: 1, channels: 17, counts: [Int](repeating: 0, count: 17)))
        }
        assertError(.outOfRange, "past the counter") {
            try kit.sendInput(HDKInputRaster(firstTimestep: .max, steps: 1, channels: 1, counts: [0]))
        }
        let a3 = try VirtualDevKit(chip: "xa3")
        a3.frontEndParameters = try Self.frontEnd()
        try a3.configure(source: .audioFrontEnd, monitorState: false)
        assertError(.invalidState, "send input raster failed: the input source is the audio front end") { try a3.sendInput(ok) }
        kit.close()
        assertError(.invalidState, "closed") { try kit.sendInput(ok) }
    }

    func testClockRules() throws {
        // Xylo Audio 2: 100 MHz / (2 (wait + 1)), wait = int(round(100 / f) / 2 - 1).
        let cases: [(Double, Double)] = [(50, 50), (30, 50), (25, 25), (12, 12.5), (10, 10), (6.25, 6.25), (40, 50)]
        for (asked, runs) in cases {
            XCTAssertEqual(HDKClock.achievable(asked * 1e6, chipID: "syns61201") / 1e6, runs, accuracy: 1e-9, "asked \(asked)")
        }
        XCTAssertEqual(HDKClock.achievable(33.3e6, chipID: "syns65302"), 33.3e6)
        let hdk = try XyloHDK(transport: VirtualDevKit(chip: "xa2"))
        XCTAssertEqual(try hdk.setClock(megahertz: 12), 12.5)
        assertError(.outOfRange, "must be finite") { try hdk.setClock(megahertz: .nan) }
    }

    private static func frontEnd(channels: Int = 16) throws -> XyloAudio3FrontEndParameters {
        let filter = try XyloAudio3BandPassFilter(a1: -32694, a2: 16313, inputShift: 8, feedbackShift: 6, outputShift: 8)
        return try XyloAudio3FrontEndParameters(
            filters: Array(repeating: filter, count: channels), enableChannel: Array(repeating: true, count: channels),
            spikeRateScaleShift1: Array(repeating: 6, count: channels), spikeRateScaleShift2: Array(repeating: 0, count: channels),
            lowPassShift: Array(repeating: 12, count: channels), eps: Array(repeating: 1, count: channels),
            fixedThreshold: Array(repeating: 0, count: channels))
    }

    private static func tone(_ n: Int) -> [Int] {
        (0..<n).map { Int(3000 * sin(Double($0) * 0.05) + 1500 * sin(Double($0) * 0.31)) }
    }

    func testMonitorEqualsFrontEndThenSimulator() throws {
        let doc = try ReferenceCases.json("a3_random_medium_dense")
        let config = try ReferenceCases.config(doc["config"]!, chip: "syns65302")
        let params = try Self.frontEnd()
        let audio = Self.tone(50 * 40 + 17)
        let hdk = try XyloHDK(transport: VirtualDevKit(chip: "xa3"))
        try hdk.apply(config, dt: 50 / XyloAudio3FrontEnd.audioSampleRate)
        let run = try hdk.monitor(audio: audio, frontEnd: params, chunk: 333, record: true, recordPower: true)

        // The same audio through the stream front end and the bare simulator.
        let stream = XyloAudio3FrontEndStream(parameters: params)
        let raster = try stream.process(audio).raster
        XCTAssertEqual(raster.count, 40)
        XCTAssertEqual(run.inputRaster, raster.flatMap { $0.map(Int32.init) })
        let input = raster.flatMap { Array($0.prefix(config.nIn)).map { min(255, $0) } }
        let sim = try XyloSimulator(config: config, chip: ChipTable.xyloAudio3)
        let expected = try sim.evolve(input: input, steps: 40, record: true)
        XCTAssertEqual(run.result.spikesOut, expected.spikesOut)
        XCTAssertEqual(run.result.vmem, expected.vmem)
        XCTAssertTrue(run.overruns.isEmpty, "50 MHz is plenty")
        // 40 steps of 1.024 ms at 100 Hz: 4 full power periods.
        XCTAssertEqual(run.power.count, 4)
        for sample in run.power {
            XCTAssertEqual(sample.watts.count, 3)
            XCTAssertGreaterThan(sample.watts[2], 35e-6, "digital rail above its static draw")
        }

        // Without states or power, at a clock that fits the worst case, the kit skips the
        // steps' activity (no step can overrun): same outputs, nothing recorded.
        let plain = try XyloHDK(transport: VirtualDevKit(chip: "xa3"))
        try plain.apply(config, dt: 50 / XyloAudio3FrontEnd.audioSampleRate)
        XCTAssertLessThan(try plain.minimumClock(margin: 0), VirtualDevKit.defaultClock)
        let quick = try plain.monitor(audio: audio, frontEnd: params, chunk: 333)
        XCTAssertEqual(quick.result.spikesOut, expected.spikesOut)
        XCTAssertFalse(quick.result.recorded)
        XCTAssertTrue(quick.overruns.isEmpty)

        // Front end alone (AFESamna): same raster, no network needed.
        let alone = try XyloHDK(transport: VirtualDevKit(chip: "xa3"))
        let afe = try alone.monitor(audio: audio, frontEnd: params, networkEnabled: false)
        XCTAssertEqual(afe.inputRaster, run.inputRaster)
        XCTAssertEqual(afe.result.nOut, 0)
    }

    func testSlowClockReportsOverruns() throws {
        let doc = try ReferenceCases.json("a3_random_medium_dense")
        let config = try ReferenceCases.config(doc["config"]!, chip: "syns65302")
        let hdk = try XyloHDK(transport: VirtualDevKit(chip: "xa3"))
        try hdk.setClock(megahertz: 1)
        let dt = 50 / XyloAudio3FrontEnd.audioSampleRate
        try hdk.apply(config, dt: dt)
        XCTAssertGreaterThan(try hdk.minimumClock(), 1e6, "the worst case needs more than 1 MHz")
        let run = try hdk.monitor(audio: Self.tone(50 * 20), frontEnd: try Self.frontEnd())
        XCTAssertFalse(run.overruns.isEmpty, "some step must miss its deadline at 1 MHz")
        XCTAssertEqual(try hdk.transport.readRegister(XCTUnwrap(ChipTable.xyloAudio3.imageLayout?.registerAddress("stat2"))) >> 31, 1)
    }
}
