import CelestaIR
import CelestaXylo

/// Celesta's wire format for the transport protocol over USB bulk endpoints.
///
/// SynSense's own boards speak samna's protocol, which is not public (the reference facts say
/// so); this framing is Celesta's, for firmware that implements it, and `HDKWireServer` is its
/// executable specification (the tests run the USB transport against it).
///
/// Every message is an 8-byte header and a payload, little-endian:
/// `magic 0xC7 | opcode | sequence (u16) | payload length (u32)`. A request carries the
/// operation's opcode (`HDKOperation` raw values, plus `readTimestep` 14, `readClock` 15 and
/// `startPower` 16); its answer carries `opcode | 0x80` and the same sequence number, or
/// opcode `0xFF` with a payload of one status byte (the negated `StatusCode`) and a UTF-8
/// message. Input goes as a raster, one byte per count (`HDKWireMessages`), or as events.
public enum HDKWire {
    public static let magic: UInt8 = 0xC7
    public static let headerSize = 8
    public static let errorOpcode: UInt8 = 0xFF
    public static let readTimestep: UInt8 = 14
    public static let readClock: UInt8 = 15
    public static let startPower: UInt8 = 16
    /// Largest payload accepted (64 MiB): a longer length field is a corrupt frame.
    public static let maxPayload = 64 << 20

    /// A decoded header.
    public struct Header: Equatable, Sendable {
        public var opcode: UInt8
        public var sequence: UInt16
        public var length: Int
    }

    public static func frame(opcode: UInt8, sequence: UInt16, payload: [UInt8]) -> [UInt8] {
        var w = ByteWriter()
        w.u8(magic)
        w.u8(opcode)
        w.u16(sequence)
        w.u32(UInt32(truncatingIfNeeded: payload.count))
        w.bytes.append(contentsOf: payload)
        return w.bytes
    }

    public static func header(_ bytes: [UInt8]) throws -> Header {
        guard bytes.count >= headerSize else {
            throw CelestaError(.parse, "frame of \(bytes.count) bytes is shorter than the \(headerSize)-byte header")
        }
        guard bytes[0] == magic else {
            throw CelestaError(.parse, "frame starts with 0x\(String(bytes[0], radix: 16)), not the magic 0xc7")
        }
        var r = ByteReader(bytes, from: 2)
        let seq = try r.u16()
        let len = Int(try r.u32())
        guard len <= maxPayload else { throw CelestaError(.parse, "frame payload length \(len) exceeds \(maxPayload)") }
        return Header(opcode: bytes[1], sequence: seq, length: len)
    }
}

/// Little-endian serialisation.
public struct ByteWriter: Sendable {
    public var bytes: [UInt8] = []
    public init() {}
    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u16(_ v: UInt16) { bytes.append(UInt8(v & 0xFF)); bytes.append(UInt8(v >> 8)) }
    public mutating func u32(_ v: UInt32) {
        for s in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(s))) }
    }
    public mutating func u64(_ v: UInt64) {
        for s in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(s))) }
    }
    public mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }
    public mutating func f64(_ v: Double) { u64(v.bitPattern) }
    /// A count that must fit 32 bits (clamped; callers check ranges before).
    public mutating func count(_ n: Int) { u32(UInt32(clamping: n)) }
}

/// Little-endian deserialisation with bounds checks: reading past the end throws `.parse`.
public struct ByteReader: Sendable {
    private let bytes: [UInt8]
    public private(set) var offset: Int
    public init(_ bytes: [UInt8], from offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }
    public var remaining: Int { bytes.count - offset }
    private mutating func take(_ n: Int) throws -> Int {
        guard n >= 0, remaining >= n else {
            throw CelestaError(.parse, "message truncated: needed \(n) more bytes at offset \(offset), have \(max(0, remaining))")
        }
        defer { offset += n }
        return offset
    }
    public mutating func u8() throws -> UInt8 { bytes[try take(1)] }
    public mutating func u16() throws -> UInt16 {
        let i = try take(2)
        return UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8
    }
    public mutating func u32() throws -> UInt32 {
        let i = try take(4)
        var v: UInt32 = 0
        for k in 0..<4 { v |= UInt32(bytes[i + k]) << UInt32(8 * k) }
        return v
    }
    public mutating func u64() throws -> UInt64 {
        let i = try take(8)
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(bytes[i + k]) << UInt64(8 * k) }
        return v
    }
    public mutating func i32() throws -> Int32 { Int32(bitPattern: try u32()) }
    public mutating func f64() throws -> Double { Double(bitPattern: try u64()) }
    /// A 32-bit count, checked against `limit` (elements the rest of the message can hold).
    public mutating func count(elementSize: Int) throws -> Int {
        let n = Int(try u32())
        guard n.multipliedReportingOverflow(by: max(1, elementSize)).partialValue <= remaining, n <= remaining else {
            throw CelestaError(.parse, "message count \(n) x \(elementSize) bytes exceeds the \(remaining) bytes left")
        }
        return n
    }
    /// The next `n` bytes as they are.
    public mutating func raw(_ n: Int) throws -> ArraySlice<UInt8> {
        let i = try take(n)
        return bytes[i..<i + n]
    }
    public mutating func rest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }
}
