import CelestaIR
import FoundationEssentials

/// Input rows ([T][n], one row per time step) from a file: a 1-D or 2-D `.npy` array
/// (little-endian float32/float64/int8-64/uint8-64/bool, C order), or text with one row per
/// line (values separated by spaces or commas; `#` starts a comment).
public enum InputRows {
    public static func read(_ path: String) throws -> [[Double]] {
        let data = try AtomicFile.read(path)
        let bytes = [UInt8](data)
        if bytes.count >= 6, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) {
            return try npy(bytes, path)
        }
        var rows: [[Double]] = []
        for (k, line) in String(decoding: bytes, as: UTF8.self).split(separator: "\n").enumerated() {
            let body = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let tokens = body.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" || $0 == "\r" })
            if tokens.isEmpty { continue }
            rows.append(try tokens.map { t in
                guard let v = Double(t) else { throw CelestaError(.parse, "'\(path)' line \(k + 1): '\(t)' is not a number") }
                return v
            })
        }
        return rows
    }

    static func npy(_ b: [UInt8], _ path: String) throws -> [[Double]] {
        func bad(_ why: String) -> CelestaError { CelestaError(.parse, "'\(path)' is not a readable .npy array: \(why)") }
        guard b.count >= 10 else { throw bad("truncated") }
        let wide = b[6] >= 2
        let start = wide ? 12 : 10
        guard b.count >= start else { throw bad("truncated") }
        let hlen = wide ? Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24 : Int(b[8]) | Int(b[9]) << 8
        guard start + hlen <= b.count else { throw bad("truncated header") }
        let header = String(decoding: b[start..<(start + hlen)], as: UTF8.self)
        func field(_ key: String) -> Substring? {
            guard let r = header.firstRange(of: "'\(key)':") else { return nil }
            return header[r.upperBound...].drop { $0 == " " }
        }
        guard let d = field("descr"), d.first == "'", let end = d.dropFirst().firstIndex(of: "'") else { throw bad("no descr") }
        let descr = String(d[d.index(after: d.startIndex)..<end])
        if field("fortran_order")?.hasPrefix("True") == true { throw bad("Fortran order is not supported") }
        guard let s = field("shape"), let close = s.firstIndex(of: ")") else { throw bad("no shape") }
        let shape = s.dropFirst()[..<close].split(separator: ",").compactMap { Int($0.filter { $0 != " " }) }
        guard shape.count == 1 || shape.count == 2 else { throw bad("shape \(shape): expected [T][n] or [n]") }
        guard descr.first != ">", let size = Int(descr.dropFirst(descr.first == "<" || descr.first == "|" ? 1 : 0).dropFirst()) else {
            throw bad("dtype '\(descr)' (little-endian numbers only)")
        }
        let code = descr.dropFirst(descr.first == "<" || descr.first == "|" ? 1 : 0).first!
        let count = shape.reduce(1, *)
        let body = start + hlen
        guard b.count >= body + count * size else { throw bad("truncated data (\(count) values of \(size) bytes expected)") }
        var values = [Double](repeating: 0, count: count)
        for i in 0..<count {
            var u: UInt64 = 0
            for k in 0..<size { u |= UInt64(b[body + i * size + k]) << (8 * k) }
            switch (code, size) {
            case ("f", 4): values[i] = Double(Float(bitPattern: UInt32(u)))
            case ("f", 8): values[i] = Double(bitPattern: u)
            case ("i", _): values[i] = Double(Int64(bitPattern: u << (64 - 8 * size)) >> (64 - 8 * size))
            case ("u", _), ("b", 1): values[i] = Double(u)
            default: throw bad("dtype '\(descr)' is not supported")
            }
        }
        let n = shape.count == 2 ? shape[1] : shape[0]
        let t = shape.count == 2 ? shape[0] : 1
        return (0..<t).map { Array(values[($0 * n)..<($0 * n + n)]) }
    }
}
