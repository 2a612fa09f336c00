import CelestaIR
import CelestaXylo

/// The device side of the wire format: answers request frames by calling an `HDKTransport`
/// (in the tests, the virtual kit). It is the executable specification of `HDKWire`; a
/// firmware implementing the same answers works with `USBTransport`.
public final class HDKWireServer {
    public let transport: HDKTransport

    public init(transport: HDKTransport) {
        self.transport = transport
    }

    /// The answer frame for one request frame. Never throws: failures become error frames.
    public func answer(_ request: [UInt8]) -> [UInt8] {
        var sequence: UInt16 = 0
        do {
            let header = try HDKWire.header(request)
            sequence = header.sequence
            guard request.count == HDKWire.headerSize + header.length else {
                throw CelestaError(.parse, "frame length field says \(header.length) payload bytes, frame has \(request.count - HDKWire.headerSize)")
            }
            var r = ByteReader(request, from: HDKWire.headerSize)
            var w = ByteWriter()
            try serve(header.opcode, &r, &w)
            return HDKWire.frame(opcode: header.opcode | 0x80, sequence: sequence, payload: w.bytes)
        } catch let error as CelestaError {
            return HDKWireServer.errorFrame(error, sequence: sequence)
        } catch {
            return HDKWireServer.errorFrame(CelestaError(.internalError, "\(error)"), sequence: sequence)
        }
    }

    static func errorFrame(_ error: CelestaError, sequence: UInt16) -> [UInt8] {
        var w = ByteWriter()
        w.u8(UInt8(truncatingIfNeeded: -error.code.rawValue))
        w.bytes.append(contentsOf: Array(error.message.utf8))
        return HDKWire.frame(opcode: HDKWire.errorOpcode, sequence: sequence, payload: w.bytes)
    }

    private func serve(_ opcode: UInt8, _ r: inout ByteReader, _ w: inout ByteWriter) throws {
        let t = transport
        switch opcode {
        case HDKOperation.readVersion.rawValue:
            w.u16(UInt16(clamping: t.device.version.major))
            w.u16(UInt16(clamping: t.device.version.minor))
            HDKWireMessages.strings([t.device.chipID] + t.powerRails, &w)
        case HDKOperation.readRegister.rawValue:
            w.u32(try t.readRegister(try r.u32()))
        case HDKOperation.writeRegister.rawValue:
            let address = try r.u32()
            try t.writeRegister(address, try r.u32())
        case HDKOperation.readMemory.rawValue:
            let address = try r.u32()
            HDKWireMessages.ints(try t.readMemory(address, count: Int(try r.u32())), &w)
        case HDKOperation.writeMemory.rawValue:
            let address = try r.u32()
            try t.writeMemory(address, try HDKWireMessages.ints(&r))
        case HDKOperation.configure.rawValue:
            let source = try r.u8()
            let monitor = try r.u8()
            guard let src = HDKInputSource.allCases.first(where: { HDKWireServer.code($0) == source }) else {
                throw CelestaError(.invalidArgument, "input source code \(source) is unknown")
            }
            try t.configure(source: src, monitorState: monitor != 0)
        case HDKWire.readTimestep:
            w.u64(UInt64(bitPattern: Int64(try t.currentTimestep())))
        case HDKOperation.sendInput.rawValue:
            let n = try r.count(elementSize: 16)
            var events: [HDKInputEvent] = []
            events.reserveCapacity(n)
            for _ in 0..<n {
                let step = Int(Int64(bitPattern: try r.u64()))
                events.append(HDKInputEvent(timestep: step, channel: Int(try r.u32()), count: Int(try r.u32())))
            }
            try t.sendInput(events)
        case HDKOperation.sendInputRaster.rawValue:
            try t.sendInput(try HDKWireMessages.decodeRaster(&r))
        case HDKOperation.process.rawValue:
            try t.process(until: Int(Int64(bitPattern: try r.u64())))
        case HDKOperation.sendAudio.rawValue:
            try t.sendAudio(try HDKWireMessages.ints(&r).map { Int($0) })
        case HDKOperation.readReadouts.rawValue:
            HDKWireMessages.encode(try t.readReadouts(), into: &w)
        case HDKWire.startPower:
            try t.startPowerMonitor(rate: try r.f64())
        case HDKOperation.readPower.rawValue:
            HDKWireMessages.encode(try t.readPower(), rails: t.powerRails.count, into: &w)
        case HDKOperation.setClock.rawValue:
            w.f64(try t.setClock(hertz: try r.f64()))
        case HDKWire.readClock:
            w.f64(try t.clock())
        case HDKOperation.reset.rawValue:
            try t.reset()
        default:
            throw CelestaError(.unsupported, "opcode \(opcode) is unknown")
        }
        guard r.remaining == 0 else {
            throw CelestaError(.parse, "request for opcode \(opcode) has \(r.remaining) unexpected trailing bytes")
        }
    }

    /// The wire code of an input source.
    static func code(_ source: HDKInputSource) -> UInt8 {
        switch source {
        case .events: 0
        case .audioFrontEnd: 1
        case .audioFrontEndOnly: 2
        }
    }
}
