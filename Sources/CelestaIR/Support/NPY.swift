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
        func value(of key: String) -> String? {
            guard let r = header.firstRange(of: "'\(key)':") else { return nil }
            return String(header[r.upperBound...].drop { $0 == " " })
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
        let size: Int
        switch kind {
        case "i1", "u1", "b1": size = 1
        case "i2", "u2": size = 2
        case "i4", "u4", "f4": size = 4
        case "i8", "u8", "f8": size = 8
        default: throw fail("unsupported dtype '\(descr)'")
        }
        guard bytes.count - body >= count * size else { throw fail("data shorter than its shape") }
        var values = [Int](repeating: 0, count: count)
        for i in 0..<count {
            var raw: UInt64 = 0
            for b in 0..<size {
                let byte = UInt64(bytes[body + i * size + (little ? b : size - 1 - b)])
                raw |= byte << (8 * UInt64(b))
            }
            switch kind {
            case "i1": values[i] = Int(Int8(truncatingIfNeeded: raw))
            case "i2": values[i] = Int(Int16(truncatingIfNeeded: raw))
            case "i4": values[i] = Int(Int32(truncatingIfNeeded: raw))
            case "i8": values[i] = Int(Int64(bitPattern: raw))
            case "u8":
                guard raw <= UInt64(Int.max) else { throw fail("value \(raw) too large") }
                values[i] = Int(raw)
            case "f4", "f8":
                let x = kind == "f4" ? Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw))) : Double(bitPattern: raw)
                guard x.isFinite, x == x.rounded(), abs(x) < 9e15 else {
                    throw CelestaError(.outOfRange, "'\(name)' holds \(x) at flat index \(i); integers are needed")
                }
                values[i] = Int(x)
            default: values[i] = Int(raw)
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

