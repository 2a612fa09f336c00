import FoundationEssentials

/// Reading and writing numpy `.npy` files (format versions 1-3, C order) for the front ends.
public enum NPY {
    /// An integer array read from a file: its shape and values (row-major).
    public struct IntArray: Sendable, Equatable {
        public var shape: [Int]
        public var values: [Int]
        public init(shape: [Int], values: [Int]) {
            self.shape = shape
            self.values = values
        }
    }

    /// Reads an integer (or integral float, or bool) array. Errors name the file and the problem.
    public static func readInts(_ path: String) throws -> IntArray {
        let data = try AtomicFile.read(path)
        return try parseInts(data, name: path)
    }

    public static func parseInts(_ data: Data, name: String = "array") throws -> IntArray {
        let bytes = [UInt8](data)
        func fail(_ why: String) -> CelestaError { CelestaError(.parse, "'\(name)' is not a readable .npy file: \(why)") }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else { throw fail("bad magic") }
        let major = bytes[6]
        var headerLength: Int
        var offset: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            offset = 10
        } else if major == 2 || major == 3 {
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            offset = 12
        } else {
            throw fail("format version \(major)")
        }
        guard offset + headerLength <= bytes.count else { throw fail("truncated header") }
        let header = String(decoding: bytes[offset..<(offset + headerLength)], as: UTF8.self)
        // The header is one Python dict literal: "{" ... "}", padded with spaces and a newline.
        let blank: Set<Character> = [" ", "\n", "\t", "\r", "\0"]
        guard header.first(where: { !blank.contains($0) }) == "{", header.last(where: { !blank.contains($0) }) == "}" else { throw fail("the header is not a {...} dictionary") }
        // The text after "'key':" (spaces dropped). A byte search: `String.firstRange(of:)`
        // cost most of the time of parsing a small file.
        let text = Array(header.utf8)
        func value(of key: String) -> String? {
            let pattern = Array("'\(key)':".utf8)
            guard text.count >= pattern.count,
                  let at = (0...(text.count - pattern.count)).first(where: { text[$0] == pattern[0] && text[$0..<($0 + pattern.count)].elementsEqual(pattern) })
            else { return nil }
            let rest = text[(at + pattern.count)...].drop { $0 == UInt8(ascii: " ") }
            return String(decoding: rest, as: UTF8.self)
        }
        guard let descrText = value(of: "descr"), let q1 = descrText.firstIndex(of: "'"),
              let q2 = descrText[descrText.index(after: q1)...].firstIndex(of: "'") else { throw fail("no dtype") }
        let descr = String(descrText[descrText.index(after: q1)..<q2])
        if let order = value(of: "fortran_order"), order.hasPrefix("True") { throw fail("Fortran order") }
        guard let shapeText = value(of: "shape"), let open = shapeText.firstIndex(of: "("),
              let close = shapeText[open...].firstIndex(of: ")") else { throw fail("no shape") }
        let shape = try shapeText[shapeText.index(after: open)..<close].split(separator: ",")
            .map { String($0.filter { $0 != " " }) }.filter { !$0.isEmpty }
            .map { part -> Int in
                guard let n = Int(part), n >= 0 else { throw fail("bad shape entry '\(part)'") }
                return n
            }
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, product < 1 << 40 else { throw fail("shape too large") }
            count = product
        }
        let body = offset + headerLength
        let little = !descr.hasPrefix(">")
        let kind = descr.drop { "<>|=".contains($0) }
        // How each element converts, decided once (not a string comparison per element).
        enum Conversion { case signed, unsigned, unsigned64, float32, float64 }
        let size: Int
        let conversion: Conversion
        switch kind {
        case "i1": (size, conversion) = (1, .signed)
        case "u1", "b1": (size, conversion) = (1, .unsigned)
        case "i2": (size, conversion) = (2, .signed)
        case "u2": (size, conversion) = (2, .unsigned)
        case "i4": (size, conversion) = (4, .signed)
        case "u4": (size, conversion) = (4, .unsigned)
        case "f4": (size, conversion) = (4, .float32)
        case "i8": (size, conversion) = (8, .signed)
        case "u8": (size, conversion) = (8, .unsigned64)
        case "f8": (size, conversion) = (8, .float64)
        default: throw fail("unsupported dtype '\(descr)'")
        }
        guard bytes.count - body >= count * size else { throw fail("data shorter than its shape") }
        var values = [Int](repeating: 0, count: count)
        let unused = UInt64(64 - 8 * size)  // bits above the element, for sign extension
        for i in 0..<count {
            var raw: UInt64 = 0
            for b in 0..<size {
                let byte = UInt64(bytes[body + i * size + (little ? b : size - 1 - b)])
                raw |= byte << (8 * UInt64(b))
            }
            switch conversion {
            case .signed: values[i] = Int(Int64(bitPattern: raw << unused) >> unused)
            case .unsigned: values[i] = Int(raw)
            case .unsigned64:
                guard raw <= UInt64(Int.max) else { throw fail("value \(raw) too large") }
                values[i] = Int(raw)
            case .float32, .float64:
                let x = conversion == .float32 ? Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw))) : Double(bitPattern: raw)
                guard x.isFinite, x == x.rounded(), abs(x) < 9e15 else {
                    throw CelestaError(.outOfRange, "'\(name)' holds \(x) at flat index \(i); integers are needed")
                }
                values[i] = Int(x)
            }
        }
        return IntArray(shape: shape, values: values)
    }

    /// `int32` array data in .npy format (version 1).
    public static func encodeInt32(_ values: [Int32], shape: [Int]) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<i4', 'fortran_order': False, 'shape': \(shapeText), }"
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let n = header.utf8.count
        bytes += [UInt8(n & 0xFF), UInt8(n >> 8)]
        bytes += Array(header.utf8)
        bytes.reserveCapacity(bytes.count + values.count * 4)
        for v in values {
            let u = UInt32(bitPattern: v)
            bytes += [UInt8(u & 0xFF), UInt8((u >> 8) & 0xFF), UInt8((u >> 16) & 0xFF), UInt8(u >> 24)]
        }
        return Data(bytes)
    }
}

