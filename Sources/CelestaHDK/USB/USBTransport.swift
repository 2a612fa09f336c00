import CelestaIR
import CelestaXylo

/// The transport protocol over USB bulk transfers in Celesta's wire format (`HDKWire`).
///
/// Every call is one request frame on the OUT endpoint and one answer frame on the IN
/// endpoint, within `timeout` in total. A device that disappears fails the call with `.device`
/// ("unplugged") and the transport closes; a transfer that does not finish in time fails with
/// `.timeout`; an answer that does not parse fails with `.device`, naming the operation.
public final class USBTransport: HDKTransport {
    public private(set) var device: HDKDeviceInfo
    public var timeout: Duration = .seconds(5)
    public private(set) var powerRails: [String] = []

    private var connection: USBConnection?
    private let outEndpoint: UInt8
    private let inEndpoint: UInt8
    private var sequence: UInt16 = 0
    /// Largest single bulk read.
    static let readChunk = 1 << 16

    /// Opens a transport over an open connection and asks the kit for its version, chip and
    /// power rails (the answer replaces `device.version`).
    public init(connection: USBConnection, device: HDKDeviceInfo, outEndpoint: UInt8 = 0x02, inEndpoint: UInt8 = 0x81,
                timeout: Duration = .seconds(5)) throws {
        self.connection = connection
        self.device = device
        self.outEndpoint = outEndpoint
        self.inEndpoint = inEndpoint
        self.timeout = timeout
        var r = try call(.readVersion, opcode: HDKOperation.readVersion.rawValue, [])
        let major = Int(try r.u16()), minor = Int(try r.u16())
        let names = try HDKWireMessages.strings(&r)
        guard let chip = names.first else {
            throw CelestaError.hdk(.device, device, .readVersion, "the answer names no chip")
        }
        guard chip == device.chipID else {
            throw CelestaError.hdk(.device, device, .readVersion, "the kit reports chip '\(chip)', its USB ids say '\(device.chipID)'")
        }
        powerRails = Array(names.dropFirst())
        self.device = HDKDeviceInfo(kind: .usb, chipID: device.chipID, name: device.name, location: device.location,
                                    version: HDKVersion(major: major, minor: minor))
    }

    deinit { close() }

    public func close() {
        connection?.close()
        connection = nil
    }

    // MARK: Operations

    public func readRegister(_ address: UInt32) throws -> UInt32 {
        var w = ByteWriter(); w.u32(address)
        var r = try call(.readRegister, w.bytes)
        return try finish(&r, .readRegister) { try $0.u32() }
    }

    public func writeRegister(_ address: UInt32, _ value: UInt32) throws {
        var w = ByteWriter(); w.u32(address); w.u32(value)
        var r = try call(.writeRegister, w.bytes)
        try finish(&r, .writeRegister) { _ in }
    }

    public func readMemory(_ address: UInt32, count: Int) throws -> [Int32] {
        guard count >= 0, count <= HDKWire.maxPayload / 4 else {
            throw CelestaError.hdk(.outOfRange, device, .readMemory, "count \(count) is out of range 0...\(HDKWire.maxPayload / 4)")
        }
        var w = ByteWriter(); w.u32(address); w.count(count)
        var r = try call(.readMemory, w.bytes)
        let values = try finish(&r, .readMemory) { try HDKWireMessages.ints(&$0) }
        guard values.count == count else {
            throw CelestaError.hdk(.device, device, .readMemory, "asked for \(count) words, got \(values.count)")
        }
        return values
    }

    public func writeMemory(_ address: UInt32, _ values: [Int32]) throws {
        guard values.count <= HDKWire.maxPayload / 4 - 4 else {
            throw CelestaError.hdk(.outOfRange, device, .writeMemory, "\(values.count) words exceed one message")
        }
        var w = ByteWriter(); w.u32(address); HDKWireMessages.ints(values, &w)
        var r = try call(.writeMemory, w.bytes)
        try finish(&r, .writeMemory) { _ in }
    }

    public func configure(source: HDKInputSource, monitorState: Bool) throws {
        var w = ByteWriter(); w.u8(HDKWireServer.code(source)); w.u8(monitorState ? 1 : 0)
        var r = try call(.configure, w.bytes)
        try finish(&r, .configure) { _ in }
    }

    public func currentTimestep() throws -> Int {
        var r = try call(.readReadouts, opcode: HDKWire.readTimestep, [])
        return try finish(&r, .readReadouts) { Int(Int64(bitPattern: try $0.u64())) }
    }

    public func sendInput(_ events: [HDKInputEvent]) throws {
        var w = ByteWriter()
        w.count(events.count)
        for e in events {
            w.u64(UInt64(bitPattern: Int64(e.timestep)))
            w.u32(UInt32(truncatingIfNeeded: e.channel))
            w.u32(UInt32(truncatingIfNeeded: e.count))
        }
        var r = try call(.sendInput, w.bytes)
        try finish(&r, .sendInput) { _ in }
    }

    public func sendInput(_ raster: HDKInputRaster) throws {
        guard raster.counts.count <= HDKWire.maxPayload - 16 else {
            throw CelestaError.hdk(.outOfRange, device, .sendInputRaster, "\(raster.counts.count) counts exceed one message")
        }
        var w = ByteWriter()
        HDKWireMessages.encode(raster, into: &w)
        var r = try call(.sendInputRaster, w.bytes)
        try finish(&r, .sendInputRaster) { _ in }
    }

    public func process(until timestep: Int) throws {
        var w = ByteWriter(); w.u64(UInt64(bitPattern: Int64(timestep)))
        var r = try call(.process, w.bytes)
        try finish(&r, .process) { _ in }
    }

    public func sendAudio(_ samples: [Int]) throws {
        var w = ByteWriter(); HDKWireMessages.ints(samples.map { Int32(clamping: $0) }, &w)
        var r = try call(.sendAudio, w.bytes)
        try finish(&r, .sendAudio) { _ in }
    }

    public func readReadouts() throws -> HDKReadoutBlock {
        var r = try call(.readReadouts, [])
        return try finish(&r, .readReadouts) { try HDKWireMessages.decodeReadouts(&$0) }
    }

    public func startPowerMonitor(rate: Double) throws {
        var w = ByteWriter(); w.f64(rate)
        var r = try call(.readPower, opcode: HDKWire.startPower, w.bytes)
        try finish(&r, .readPower) { _ in }
    }

    public func readPower() throws -> [HDKPowerSample] {
        var r = try call(.readPower, [])
        return try finish(&r, .readPower) { try HDKWireMessages.decodePower(&$0) }
    }

    public func setClock(hertz: Double) throws -> Double {
        var w = ByteWriter(); w.f64(hertz)
        var r = try call(.setClock, w.bytes)
        return try finish(&r, .setClock) { try $0.f64() }
    }

    public func clock() throws -> Double {
        var r = try call(.setClock, opcode: HDKWire.readClock, [])
        return try finish(&r, .setClock) { try $0.f64() }
    }

    public func reset() throws {
        var r = try call(.reset, [])
        try finish(&r, .reset) { _ in }
    }

    // MARK: Framing

    private func call(_ operation: HDKOperation, _ payload: [UInt8]) throws -> ByteReader {
        try call(operation, opcode: operation.rawValue, payload)
    }

    /// Sends one request and returns a reader over the answer's payload.
    private func call(_ operation: HDKOperation, opcode: UInt8, _ payload: [UInt8]) throws -> ByteReader {
        guard let connection else {
            throw CelestaError.hdk(.invalidState, device, operation, "the transport is closed")
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        func remainingMilliseconds() throws -> Int {
            let left = clock.now.duration(to: deadline)
            guard left > .zero else { throw CelestaError.hdk(.timeout, device, operation, "no answer within \(timeout)") }
            let (s, atto) = left.components
            return max(1, Int(clamping: s) &* 1000 &+ Int(atto / 1_000_000_000_000_000))
        }
        sequence &+= 1
        let frame = HDKWire.frame(opcode: opcode, sequence: sequence, payload: payload)
        do {
            var sent = 0
            while sent < frame.count {
                let n = try connection.bulkWrite(endpoint: outEndpoint, Array(frame[sent...]), timeoutMilliseconds: try remainingMilliseconds())
                guard n > 0 else { throw CelestaError.hdk(.device, device, operation, "the kit accepted no bytes") }
                sent += n
            }
            var answer: [UInt8] = []
            var expected = HDKWire.headerSize
            while answer.count < expected {
                let chunk = try connection.bulkRead(
                    endpoint: inEndpoint, maxLength: min(USBTransport.readChunk, max(expected - answer.count, HDKWire.headerSize)),
                    timeoutMilliseconds: try remainingMilliseconds())
                answer.append(contentsOf: chunk)
                if answer.count >= HDKWire.headerSize, expected == HDKWire.headerSize {
                    let header = try parsed { try HDKWire.header(answer) }
                    expected = HDKWire.headerSize + header.length
                }
            }
            let header = try parsed { try HDKWire.header(answer) }
            guard header.sequence == sequence else {
                throw CelestaError.hdk(.device, device, operation, "answer has sequence \(header.sequence), expected \(sequence)")
            }
            guard answer.count == expected else {
                throw CelestaError.hdk(.device, device, operation, "answer has \(answer.count - expected) bytes past its frame")
            }
            var reader = ByteReader(answer, from: HDKWire.headerSize)
            if header.opcode == HDKWire.errorOpcode {
                let code = StatusCode(code: -Int32(try parsed { try reader.u8() })) ?? .device
                let message = String(decoding: reader.rest(), as: UTF8.self)
                throw CelestaError.hdk(code, device, operation, message)
            }
            guard header.opcode == opcode | 0x80 else {
                throw CelestaError.hdk(.device, device, operation, "answer opcode \(header.opcode) does not match request \(opcode)")
            }
            return reader
        } catch let failure as USBFailure {
            throw translate(failure, operation)
        }

        func parsed<T>(_ body: () throws -> T) throws -> T {
            do { return try body() } catch let error as CelestaError {
                throw CelestaError.hdk(.device, device, operation, "malformed answer: \(error.message)")
            }
        }
    }

    /// Parses an answer's payload and checks nothing is left over.
    private func finish<T>(_ r: inout ByteReader, _ operation: HDKOperation, _ body: (inout ByteReader) throws -> T) throws -> T {
        do {
            let value = try body(&r)
            guard r.remaining == 0 else {
                throw CelestaError(.parse, "\(r.remaining) unexpected trailing bytes")
            }
            return value
        } catch let error as CelestaError where error.code == .parse {
            throw CelestaError.hdk(.device, device, operation, "malformed answer: \(error.message)")
        }
    }

    private func translate(_ failure: USBFailure, _ operation: HDKOperation) -> CelestaError {
        switch failure {
        case .noDevice:
            close()
            return CelestaError.hdk(.device, device, operation, "the device is gone (unplugged?)")
        case .timeout:
            return CelestaError.hdk(.timeout, device, operation, "USB transfer timed out (timeout \(timeout))")
        case .access:
            return CelestaError.hdk(.device, device, operation, "permission denied opening the device (udev rules?)")
        case .busy:
            return CelestaError.hdk(.device, device, operation, "the interface is claimed by another program")
        case .other(let name):
            return CelestaError.hdk(.device, device, operation, "USB error \(name)")
        }
    }
}
