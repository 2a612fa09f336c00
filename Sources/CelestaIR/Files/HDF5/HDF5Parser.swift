#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads an HDF5 file's tree straight from its bytes, without libhdf5, when the file is laid
/// out as h5py writes it by default and as `HDF5Emitter` writes it: superblock version 0 or 1,
/// version-1 object headers, symbol-table groups, contiguous or compact datasets of
/// little-endian numbers, h5py bools and strings (fixed or variable-length), attributes in the
/// object header. That covers TALON's files and Celesta's own; libhdf5 costs some 40 µs an
/// object, which this reader does not.
///
/// Anything else, and anything damaged or inconsistent in the structure, makes `read` return
/// nil: the caller then reads the file through libhdf5, which either reads it or names what is
/// wrong (every offset and size is checked against the file first). The one damage this
/// reader names itself is a variable-length string that refers to no global heap object:
/// libhdf5 1.10 follows such a reference out of bounds when it is in an attribute.
struct HDF5Parser {
    private let bytes: UnsafeRawBufferPointer
    /// The superblock's offset: file addresses count from it.
    private let base: Int
    private var leafK = 0
    private var internalK = 0
    private var byteBudget: Int
    private var objectBudget: Int
    private var openGroups: [Int] = []
    /// Global heap collections read so far: address -> object index -> (offset, size).
    private var collections: [Int: [Int: (offset: Int, size: Int)]] = [:]

    /// Stops the reader: the file is not in its layout (libhdf5 takes over), or `damage` says
    /// what is wrong (reported, naming the object).
    private struct Unfit: Error {
        var damage: (path: String, what: String)?
    }

    /// The object being read, as messages name it.
    private var path: String {
        var path = ""
        for part in trail { path += part.hasPrefix("'") ? part : "/" + part }
        return path.isEmpty || path.hasPrefix("'") ? "/" + path : path
    }
    /// The names from the root to the object being read (for messages).
    private var trail: [String] = []

    private init(bytes: UnsafeRawBufferPointer, base: Int) {
        self.bytes = bytes
        self.base = base
        let (scaled, overflow) = bytes.count.multipliedReportingOverflow(by: HDF5File.maxExpansion)
        byteBudget = overflow ? Int.max : scaled &+ (64 << 20)
        objectBudget = bytes.count / 8 + 1024
    }

    /// The root group, or nil when the file is not in this reader's layout (or its structure
    /// is damaged); throws `.parse` naming `file` and the object for a dangling string.
    static func read(_ bytes: UnsafeRawBufferPointer, superblock: Int, file: String) throws(CelestaError) -> HDF5Group? {
        var p = HDF5Parser(bytes: bytes, base: superblock)
        do {
            return try p.readRoot()
        } catch {
            guard let damage = error.damage else { return nil }
            throw HDF5Place(file: file).error(.parse, damage.path, damage.what)
        }
    }

    // MARK: bytes

    private func u8(_ at: Int) throws(Unfit) -> Int {
        guard at >= 0, at < bytes.count else { throw Unfit() }
        return Int(bytes[at])
    }
    private func u16(_ at: Int) throws(Unfit) -> Int {
        guard at >= 0, at + 2 <= bytes.count else { throw Unfit() }
        return Int(bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self).littleEndian)
    }
    private func u32(_ at: Int) throws(Unfit) -> Int {
        guard at >= 0, at + 4 <= bytes.count else { throw Unfit() }
        return Int(bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian)
    }
    private func u64(_ at: Int) throws(Unfit) -> UInt64 {
        guard at >= 0, at + 8 <= bytes.count else { throw Unfit() }
        return bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self).littleEndian
    }
    /// A file address as an offset into `bytes` (nil for the undefined address).
    private func address(_ at: Int) throws(Unfit) -> Int? {
        let a = try u64(at)
        if a == UInt64.max { return nil }
        guard a < UInt64(bytes.count), Int(a) + base < bytes.count else { throw Unfit() }
        return Int(a) + base
    }
    private func signature(_ at: Int, _ text: StaticString) throws(Unfit) {
        let n = text.utf8CodeUnitCount
        guard at >= 0, at + n <= bytes.count else { throw Unfit() }
        for k in 0..<n where bytes[at + k] != text.utf8Start[k] { throw Unfit() }
    }
    private func inFile(_ at: Int, _ count: Int) throws(Unfit) {
        guard at >= 0, count >= 0, count <= bytes.count, at <= bytes.count - count else { throw Unfit() }
    }

    // MARK: superblock and groups

    private mutating func readRoot() throws(Unfit) -> HDF5Group {
        let s = base
        let version = try u8(s + 8)
        guard version <= 1, try u8(s + 13) == 8, try u8(s + 14) == 8 else { throw Unfit() }
        leafK = try u16(s + 16)
        internalK = try u16(s + 18)
        guard leafK > 0, internalK > 0 else { throw Unfit() }
        var p = s + 24 + (version == 1 ? 4 : 0)
        let storedBase = try u64(p)
        guard storedBase == 0 || storedBase == UInt64(base) else { throw Unfit() }
        // The free-space and driver-information blocks: none (a driver block means a family
        // or split file).
        guard try u64(p + 24) == UInt64.max else { throw Unfit() }
        let end = try u64(p + 16)
        guard end <= UInt64(bytes.count - base) else { throw Unfit() }  // a truncated file
        p += 32
        guard let header = try address(p + 8) else { throw Unfit() }
        return try readGroup(try readHeader(at: header), at: header, depth: 0)
    }

    private mutating func readGroup(_ object: Object, at header: Int, depth: Int) throws(Unfit) -> HDF5Group {
        guard depth <= HDF5File.maxDepth, !openGroups.contains(header) else { throw Unfit() }
        openGroups.append(header)
        defer { openGroups.removeLast() }
        guard let table = object.symbolTable, object.layout == nil, object.dataspace == nil else { throw Unfit() }
        var group = HDF5Group()
        group.attributes = try readAttributes(object.attributes)

        // The local heap that holds the names.
        guard let heap = table.heap else { throw Unfit() }
        try signature(heap, "HEAP")
        guard try u8(heap + 4) == 0 else { throw Unfit() }
        let heapSize = try u64(heap + 8)
        guard let heapData = try address(heap + 24), heapSize <= UInt64(bytes.count) else { throw Unfit() }
        try inFile(heapData, Int(heapSize))
        let names = (start: heapData, end: heapData + Int(heapSize))

        var entries: [(name: String, header: Int)] = []
        guard let root = table.btree else { throw Unfit() }
        try walkTree(root, level: nil, names: names, into: &entries)
        group.children.reserveCapacity(entries.count)
        for e in entries {
            trail.append(e.name)
            defer { trail.removeLast() }
            objectBudget -= 1
            guard objectBudget >= 0 else { throw Unfit() }
            let child = try readHeader(at: e.header)
            if child.symbolTable != nil {
                group.children.append((name: e.name, node: .group(try readGroup(child, at: e.header, depth: depth + 1))))
            } else {
                group.children.append((name: e.name, node: .dataset(try readDataset(child))))
            }
        }
        return group
    }

    /// The entries under B-tree node `at`, in key order (symbol nodes below level 0).
    private mutating func walkTree(_ at: Int, level: Int?, names: (start: Int, end: Int), into entries: inout [(name: String, header: Int)]) throws(Unfit) {
        objectBudget -= 1
        guard objectBudget >= 0 else { throw Unfit() }
        try signature(at, "TREE")
        let nodeLevel = try u8(at + 5)
        guard try u8(at + 4) == 0, level == nil || nodeLevel == level!, nodeLevel < 64 else { throw Unfit() }
        let used = try u16(at + 6)
        guard used <= 2 * internalK else { throw Unfit() }
        for i in 0..<used {
            guard let child = try address(at + 24 + 8 + 16 * i) else { throw Unfit() }
            if nodeLevel > 0 {
                try walkTree(child, level: nodeLevel - 1, names: names, into: &entries)
            } else {
                try readSymbolNode(child, names: names, into: &entries)
            }
        }
    }

    private mutating func readSymbolNode(_ at: Int, names: (start: Int, end: Int), into entries: inout [(name: String, header: Int)]) throws(Unfit) {
        try signature(at, "SNOD")
        guard try u8(at + 4) == 1 else { throw Unfit() }
        let count = try u16(at + 6)
        guard count <= 2 * leafK else { throw Unfit() }
        try inFile(at + 8, 40 * count)
        for i in 0..<count {
            let e = at + 8 + 40 * i
            let offset = try u64(e)
            guard offset < UInt64(names.end - names.start), let header = try address(e + 8) else { throw Unfit() }
            let start = names.start + Int(offset)
            guard let nul = memchr(bytes.baseAddress! + start, 0, names.end - start) else { throw Unfit() }
            let length = bytes.baseAddress!.distance(to: UnsafeRawPointer(nul)) - start
            guard length > 0 else { throw Unfit() }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)]), as: UTF8.self)
            entries.append((name, header))
        }
    }

    // MARK: object headers

    private struct Object {
        var symbolTable: (btree: Int?, heap: Int?)?
        var dataspace: Int?
        var datatype: Int?
        var layout: Int?
        var attributes: [Int] = []
    }

    /// The messages of the version-1 object header at `at`, continuation blocks included.
    private mutating func readHeader(at: Int) throws(Unfit) -> Object {
        guard try u8(at) == 1 else { throw Unfit() }
        var remaining = try u16(at + 2)
        var blocks = [(start: at + 16, size: try u32(at + 8))]
        var object = Object()
        var b = 0
        while b < blocks.count {
            guard b < 64 else { throw Unfit() }
            let (start, size) = blocks[b]
            try inFile(start, size)
            var p = start
            while p + 8 <= start + size, remaining > 0 {
                let type = try u16(p)
                let length = try u16(p + 2)
                let flags = try u8(p + 4)
                let data = p + 8
                guard data + length <= start + size, flags & 0x02 == 0 else { throw Unfit() }  // no shared messages
                switch type {
                case 0x0000, 0x000D, 0x000E, 0x0012: break  // null, comment, modification times
                case 0x0001: object.dataspace = data
                case 0x0003: object.datatype = data
                case 0x0004, 0x0005: break  // fill values: data is never left unwritten here
                case 0x0008: object.layout = data
                case 0x000C: object.attributes.append(data)
                case 0x0010:
                    guard let next = try address(data) else { throw Unfit() }
                    let nextSize = try u64(data + 8)
                    guard nextSize <= UInt64(bytes.count) else { throw Unfit() }
                    blocks.append((next, Int(nextSize)))
                case 0x0011: object.symbolTable = (try address(data), try address(data + 8))
                case 0x0015:
                    // Attribute info: only when the attributes are all in the header.
                    let flags = try u8(data + 1)
                    let at = data + 2 + (flags & 1 != 0 ? 2 : 0)
                    guard try u64(at) == UInt64.max else { throw Unfit() }
                default: throw Unfit()  // links, filters, shared or unknown messages: libhdf5's job
                }
                remaining -= 1
                p = data + length
            }
            b += 1
        }
        guard remaining == 0 else { throw Unfit() }
        return object
    }

    // MARK: datasets and attributes

    private mutating func readDataset(_ o: Object) throws(Unfit) -> HDF5Dataset {
        guard let spaceAt = o.dataspace, let typeAt = o.datatype, let layoutAt = o.layout else { throw Unfit() }
        let shape = try readShape(spaceAt)
        let type = try readType(typeAt)
        let count = try elementCount(shape)
        let (total, overflow) = count.multipliedReportingOverflow(by: type.size)
        guard !overflow else { throw Unfit() }
        guard try u8(layoutAt) == 3 else { throw Unfit() }
        let storage: HDF5Storage
        let data: Int?
        switch try u8(layoutAt + 1) {
        case 0:
            storage = .compact
            guard try u16(layoutAt + 2) == total else { throw Unfit() }
            data = layoutAt + 4
        case 1:
            storage = .contiguous
            data = try address(layoutAt + 2)
            let size = try u64(layoutAt + 10)
            if data != nil { guard size == UInt64(total) else { throw Unfit() } }
        default: throw Unfit()
        }
        guard data != nil || total == 0 else { throw Unfit() }
        if let data { try inFile(data, total) }
        let value = try readValue(type, shape: shape, count: count, at: data ?? 0)
        return HDF5Dataset(value, attributes: try readAttributes(o.attributes), storage: storage)
    }

    /// Attribute messages (versions 1 to 3, not shared), in name order as libhdf5 lists them.
    private mutating func readAttributes(_ messages: [Int]) throws(Unfit) -> HDF5Attributes {
        guard !messages.isEmpty else { return [] }
        var attributes = HDF5Attributes()
        for m in messages {
            let version = try u8(m)
            let flags = try u8(m + 1)
            guard (1...3).contains(version), version == 1 || flags & 0x03 == 0 else { throw Unfit() }
            let nameSize = try u16(m + 2), typeSize = try u16(m + 4), spaceSize = try u16(m + 6)
            func padded(_ n: Int) -> Int { version == 1 ? (n + 7) & ~7 : n }
            let nameAt = m + 8 + (version == 3 ? 1 : 0)
            let typeAt = nameAt + padded(nameSize)
            let spaceAt = typeAt + padded(typeSize)
            let dataAt = spaceAt + padded(spaceSize)
            guard nameSize >= 2 else { throw Unfit() }
            try inFile(nameAt, nameSize)
            guard try u8(nameAt + nameSize - 1) == 0 else { throw Unfit() }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[nameAt..<(nameAt + nameSize - 1)]), as: UTF8.self)
            guard !name.utf8.contains(0) else { throw Unfit() }
            trail.append("' attribute '" + name)
            defer { trail.removeLast() }
            let shape = try readShape(spaceAt)
            let type = try readType(typeAt)
            let count = try elementCount(shape)
            let (total, overflow) = count.multipliedReportingOverflow(by: type.size)
            guard !overflow else { throw Unfit() }
            try inFile(dataAt, total)
            attributes.append((name: name, value: try readValue(type, shape: shape, count: count, at: dataAt)))
        }
        attributes.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        return attributes
    }

    private func readShape(_ at: Int) throws(Unfit) -> [Int] {
        let version = try u8(at)
        let rank = try u8(at + 1)
        let flags = try u8(at + 2)
        guard rank <= 32, flags & 0x02 == 0 else { throw Unfit() }
        let dims: Int
        switch version {
        case 1: dims = at + 8
        case 2:
            guard try u8(at + 3) == (rank == 0 ? 0 : 1) else { throw Unfit() }  // scalar or simple, never null
            dims = at + 4
        default: throw Unfit()
        }
        var shape: [Int] = []
        shape.reserveCapacity(rank)
        for k in 0..<rank {
            let d = try u64(dims + 8 * k)
            guard d <= UInt64(HDF5File.maxElements) else { throw Unfit() }
            shape.append(Int(d))
        }
        return shape
    }

    private func elementCount(_ shape: [Int]) throws(Unfit) -> Int {
        var count = 1
        for d in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, p <= HDF5File.maxElements else { throw Unfit() }
            count = p
        }
        return count
    }

    private enum Kind {
        case number(DType)
        case bool
        case fixedString(spacePadded: Bool)
        case vlenString
    }

    private struct ValueType {
        var kind: Kind
        var size: Int
    }

    private static let floats: [(size: Int, dtype: DType, props: [UInt8])] = [
        (2, .float16, [0, 0, 16, 0, 10, 5, 0, 10, 15, 0, 0, 0]),
        (4, .float32, [0, 0, 32, 0, 23, 8, 0, 23, 127, 0, 0, 0]),
        (8, .float64, [0, 0, 64, 0, 52, 11, 0, 52, 0xFF, 0x03, 0, 0]),
    ]

    private func readType(_ at: Int) throws(Unfit) -> ValueType {
        let head = try u8(at)
        let bits0 = try u8(at + 1), bits1 = try u8(at + 2)
        let size = try u32(at + 4)
        switch head & 0x0F {
        case 0:  // fixed-point: little-endian, whole bytes, no offset
            guard bits0 & 0x01 == 0, try u16(at + 8) == 0, try u16(at + 10) == 8 * size else { throw Unfit() }
            let signed = bits0 & 0x08 != 0
            let dtype: DType
            switch size {
            case 1: dtype = signed ? .int8 : .uint8
            case 2: dtype = signed ? .int16 : .uint16
            case 4: dtype = signed ? .int32 : .uint32
            case 8: dtype = signed ? .int64 : .uint64
            default: throw Unfit()
            }
            return ValueType(kind: .number(dtype), size: size)
        case 1:  // IEEE little-endian floats only
            guard bits0 == 0x20, bits1 == 8 * size - 1,
                  let f = HDF5Parser.floats.first(where: { $0.size == size }) else { throw Unfit() }
            try inFile(at + 8, 12)
            for k in 0..<12 where bytes[at + 8 + k] != f.props[k] { throw Unfit() }
            return ValueType(kind: .number(f.dtype), size: size)
        case 3:
            guard size > 0 else { throw Unfit() }
            return ValueType(kind: .fixedString(spacePadded: bits0 & 0x0F == 2), size: size)
        case 8:  // only h5py's bool: {FALSE = 0, TRUE = 1} over a 1-byte integer
            let version = head >> 4
            guard size == 1, bits0 == 2, bits1 == 0, version <= 3 else { throw Unfit() }
            let baseType = at + 8
            guard try u8(baseType) & 0x0F == 0, try u32(baseType + 4) == 1 else { throw Unfit() }
            var p = baseType + 12
            var names: [String] = []
            for _ in 0..<2 {
                try inFile(p, 1)
                guard let nul = memchr(bytes.baseAddress! + p, 0, bytes.count - p) else { throw Unfit() }
                let n = bytes.baseAddress!.distance(to: UnsafeRawPointer(nul)) - p
                names.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[p..<(p + n)]), as: UTF8.self))
                p += version == 3 ? n + 1 : (n + 8) & ~7
            }
            guard names == ["FALSE", "TRUE"], try u8(p) == 0, try u8(p + 1) == 1 else { throw Unfit() }
            return ValueType(kind: .bool, size: 1)
        case 9:  // variable-length strings only (not sequences)
            guard bits0 & 0x0F == 1, size == 16 else { throw Unfit() }
            return ValueType(kind: .vlenString, size: 16)
        default:
            throw Unfit()
        }
    }

    private mutating func readValue(_ type: ValueType, shape: [Int], count: Int, at: Int) throws(Unfit) -> HDF5Value {
        let total = count * type.size
        byteBudget -= total
        guard byteBudget >= 0 else { throw Unfit() }
        switch type.kind {
        case .number(let dtype):
            let data = total == 0 ? [] : [UInt8](UnsafeRawBufferPointer(rebasing: bytes[at..<(at + total)]))
            guard let t = try? Tensor(dtype: dtype, shape: shape, bytes: data) else { throw Unfit() }
            return .numbers(t)
        case .bool:
            return .bools(shape: shape, values: (0..<count).map { bytes[at + $0] != 0 })
        case .fixedString(let spacePadded):
            var values: [String] = []
            values.reserveCapacity(count)
            for i in 0..<count {
                var piece = bytes[(at + i * type.size)..<(at + (i + 1) * type.size)]
                if spacePadded {
                    while piece.last == 0x20 { piece.removeLast() }
                } else if let nul = piece.firstIndex(of: 0) {
                    piece = piece[..<nul]
                }
                values.append(String(decoding: UnsafeRawBufferPointer(rebasing: piece), as: UTF8.self))
            }
            return .strings(shape: shape, values: values)
        case .vlenString:
            var values: [String] = []
            values.reserveCapacity(count)
            for i in 0..<count {
                let e = at + 16 * i
                let length = try u32(e)
                let collection = try u64(e + 4)
                let index = try u32(e + 12)
                if collection == 0 || collection == UInt64.max {
                    guard length == 0 else { throw Unfit() }
                    values.append("")
                    continue
                }
                var object: (offset: Int, size: Int)?
                if collection < UInt64(bytes.count - base) { object = try? heapObject(Int(collection) + base, index: index) }
                guard let object, length <= object.size else {
                    throw Unfit(damage: (path, "damaged variable-length string (element \(i) refers to no global heap object)"))
                }
                byteBudget -= length
                guard byteBudget >= 0 else { throw Unfit() }
                var piece = bytes[object.offset..<(object.offset + length)]
                if let nul = piece.firstIndex(of: 0) { piece = piece[..<nul] }
                values.append(String(decoding: UnsafeRawBufferPointer(rebasing: piece), as: UTF8.self))
            }
            return .strings(shape: shape, values: values)
        }
    }

    /// Object `index` of the global heap collection at `at` (each collection indexed once).
    private mutating func heapObject(_ at: Int, index: Int) throws(Unfit) -> (offset: Int, size: Int)? {
        if let c = collections[at] { return c[index] }
        try signature(at, "GCOL")
        guard try u8(at + 4) == 1 else { throw Unfit() }
        let size = try u64(at + 8)
        guard size >= 16, size <= UInt64(bytes.count - at) else { throw Unfit() }
        let end = at + Int(size)
        var objects: [Int: (offset: Int, size: Int)] = [:]
        var p = at + 16
        while p + 16 <= end {
            let i = try u16(p)
            let objectSize = try u64(p + 8)
            if i == 0 { break }  // free space: the rest of the collection
            guard objectSize <= UInt64(end - p - 16) else { throw Unfit() }
            objects[i] = (p + 16, Int(objectSize))
            p += 16 + (Int(objectSize) + 7) & ~7
        }
        collections[at] = objects
        return objects[index]
    }
}
