/// Writes an `HDF5Group` tree as the bytes of an HDF5 file without libhdf5, in the layout that
/// h5py writes by default, which every HDF5 reader since 1.0 reads (TALON's and nir's h5py
/// among them):
/// - superblock version 0, 8-byte addresses and lengths;
/// - version-1 object headers, exactly as long as their messages;
/// - groups as symbol tables: names in a local heap, entries in symbol nodes (at most 2 x 4
///   each, sorted by the bytes of the name), over a version-1 B-tree (at most 2 x 16 children
///   a node);
/// - datasets contiguous (or compact), numbers little-endian in their dtype, bools as h5py's
///   enum {FALSE = 0, TRUE = 1} over int8, strings variable-length UTF-8 in global heap
///   collections.
///
/// libhdf5 spends some 40 µs on each object it creates; this writer lays the same bytes out in
/// memory at a fraction of that, which is what makes a `.t1c` of 20,000 datasets fast to write.
/// `encode` returns nil when the tree needs what this layout cannot hold (chunked or compressed
/// datasets, or an object header message past 64 KiB: a large attribute or compact dataset);
/// the caller then writes through libhdf5.
struct HDF5Emitter {
    static let leafK = 4
    static let internalK = 16
    static let undefined = UInt64.max
    /// A global heap collection closes past this many objects or bytes.
    static let collectionObjects = 65_000
    static let collectionBytes = 4 << 20

    private var out: [UInt8] = []
    /// The global heap ID of every string, in the order both passes meet them.
    private var heapIDs: [(collection: UInt64, index: UInt32)] = []
    private var nextString = 0
    /// The names from the root to the object being written.
    private var trail: [String] = []
    private let place: HDF5Place

    private init(place: HDF5Place) { self.place = place }

    /// The file's bytes, or nil when the tree does not fit this layout. Names and values are
    /// checked as `HDF5TreeWriter` checks them (same errors).
    static func encode(_ root: HDF5Group, place: HDF5Place) throws(CelestaError) -> [UInt8]? {
        guard fits(root) else { return nil }
        var e = HDF5Emitter(place: place)
        e.out.reserveCapacity(estimate(root))
        e.out += repeatElement(0, count: 96)  // the superblock, filled in last
        var heap = CollectionWriter()
        try e.gatherStrings(root, heap: &heap)
        e.close(&heap)
        let rootObject = try e.group(root)
        e.superblock(root: rootObject)
        return e.out
    }

    // MARK: what fits

    /// Whether every object header message of the tree stays under 64 KiB and every dataset is
    /// contiguous or compact.
    static func fits(_ g: HDF5Group) -> Bool {
        guard g.attributes.count < 60_000, g.attributes.allSatisfy({ attributeFits($0.name, $0.value) }) else { return false }
        for child in g.children {
            switch child.node {
            case .group(let sub): if !fits(sub) { return false }
            case .dataset(let d):
                switch d.storage {
                case .chunked: return false
                case .compact: if storedBytes(d.value) > 60_000 { return false }
                case .contiguous: break
                }
                guard d.value.shape.count <= 32, d.attributes.count < 60_000,
                      d.attributes.allSatisfy({ attributeFits($0.name, $0.value) }) else { return false }
            }
        }
        return true
    }

    private static func attributeFits(_ name: String, _ value: HDF5Value) -> Bool {
        value.shape.count <= 32 && name.utf8.count + storedBytes(value) + 16 * value.shape.count < 60_000
    }

    /// The bytes a value takes in a dataset or attribute (16 per string: its heap ID).
    private static func storedBytes(_ v: HDF5Value) -> Int {
        switch v {
        case .numbers(let t): return t.bytes.count
        case .bools(_, let values): return values.count
        case .strings(_, let values): return 16 * values.count
        }
    }

    private static func estimate(_ g: HDF5Group) -> Int {
        var n = 1024 + 600 * g.children.count
        for c in g.children {
            switch c.node {
            case .group(let sub): n += estimate(sub)
            case .dataset(let d): n += 200 + storedBytes(d.value)
            }
        }
        return n
    }

    // MARK: pass 1: every string into global heap collections, at the start of the file

    private struct CollectionWriter {
        var start = -1
        var objects = 0
    }

    /// Visits the strings of the tree in the order pass 2 writes them: a group's children by
    /// name, then its attributes; a dataset's value, then its attributes.
    private mutating func gatherStrings(_ g: HDF5Group, heap: inout CollectionWriter) throws(CelestaError) {
        for i in HDF5Emitter.sortedChildren(g) {
            let (name, node) = g.children[i]
            trail.append(name)
            defer { trail.removeLast() }
            switch node {
            case .group(let sub): try gatherStrings(sub, heap: &heap)
            case .dataset(let d):
                try addStrings(d.value, heap: &heap)
                for a in d.attributes { try addStrings(a.value, heap: &heap) }
            }
        }
        for a in g.attributes { try addStrings(a.value, heap: &heap) }
    }

    private mutating func addStrings(_ v: HDF5Value, heap: inout CollectionWriter) throws(CelestaError) {
        guard case .strings(_, let values) = v else { return }
        for var s in values {
            let size = s.utf8.count
            if heap.start >= 0, heap.objects >= HDF5Emitter.collectionObjects || out.count - heap.start + size > HDF5Emitter.collectionBytes {
                close(&heap)
            }
            if heap.start < 0 {
                heap.start = out.count
                out += HDF5Emitter.globalHeap
                out += [1, 0, 0, 0]
                put64(0)  // the collection size, set on close
            }
            heap.objects += 1
            let clean = s.withUTF8 { buffer -> Bool in
                if buffer.contains(0) { return false }
                put16(UInt16(heap.objects))
                put16(0)
                put32(0)
                put64(UInt64(size))
                out.append(contentsOf: buffer)
                pad8()
                return true
            }
            guard clean else {
                throw place.error(.invalidArgument, path, "a string holds a NUL character, which HDF5 strings cannot")
            }
            heapIDs.append((UInt64(heap.start), UInt32(heap.objects)))
        }
    }

    /// Ends the open collection: at least 4 KiB (the rest one free-space object), size set.
    private mutating func close(_ heap: inout CollectionWriter) {
        guard heap.start >= 0 else { return }
        let used = out.count - heap.start
        if used < 4096 {
            let free = 4096 - used
            put16(0)
            put16(0)
            put32(0)
            put64(UInt64(free))
            out += repeatElement(0, count: free - 16)
        }
        patch64(at: heap.start + 8, UInt64(out.count - heap.start))
        heap = CollectionWriter()
    }

    // MARK: pass 2: objects, children before their parents

    private struct Object {
        var header: UInt64
        var symbolTable: (btree: UInt64, heap: UInt64)?
    }

    private static func sortedChildren(_ g: HDF5Group) -> [Int] {
        g.children.indices.sorted { g.children[$0].name.utf8.lexicographicallyPrecedes(g.children[$1].name.utf8) }
    }

    private mutating func group(_ g: HDF5Group) throws(CelestaError) -> Object {
        let order = HDF5Emitter.sortedChildren(g)
        var names: [ArraySlice<UInt8>] = []
        var objects: [Object] = []
        names.reserveCapacity(order.count)
        objects.reserveCapacity(order.count)
        var previous: [UInt8]?
        for i in order {
            let (name, node) = g.children[i]
            trail.append(name)
            defer { trail.removeLast() }
            let bytes = Array(name.utf8)
            guard !bytes.isEmpty, name != ".", !bytes.contains(0x2F), !bytes.contains(0) else {
                throw place.error(.invalidArgument, path, "'\(name)' cannot name an HDF5 object")
            }
            guard previous != bytes else {
                throw place.error(.invalidArgument, path, "two children of one group have this name")
            }
            previous = bytes
            names.append(bytes[...])
            switch node {
            case .group(let sub): objects.append(try group(sub))
            case .dataset(let d): objects.append(try dataset(d))
            }
        }
        let table = symbolTable(names: names, objects: objects)
        var header = beginHeader()
        message(&header, type: 0x0011, flags: 0) { e in
            e.put64(table.btree)
            e.put64(table.heap)
        }
        try attributes(g.attributes, into: &header)
        endHeader(header)
        return Object(header: header.address, symbolTable: table)
    }

    /// The local heap, symbol nodes and B-tree of a group's entries (sorted); returns the
    /// addresses of the B-tree root and the heap.
    private mutating func symbolTable(names: [ArraySlice<UInt8>], objects: [Object]) -> (btree: UInt64, heap: UInt64) {
        // The local heap: "" at offset 0, then every name NUL-terminated, 8-byte aligned.
        var offsets: [UInt64] = []
        offsets.reserveCapacity(names.count)
        var dataSize = 8
        for n in names {
            offsets.append(UInt64(dataSize))
            dataSize += (n.count + 1 + 7) & ~7
        }
        pad8()
        let heap = UInt64(out.count)
        out += HDF5Emitter.localHeap
        out += [0, 0, 0, 0]
        put64(UInt64(dataSize))
        put64(1)  // no free block (libhdf5's end-of-free-list value)
        put64(heap + 32)
        out += repeatElement(0, count: 8)
        for n in names {
            out.append(contentsOf: n)
            out.append(0)
            pad8()
        }

        // Symbol nodes of at most 2K entries each.
        let perNode = 2 * HDF5Emitter.leafK
        var children: [(address: UInt64, lastKey: UInt64)] = []
        var i = 0
        while i < names.count {
            let end = min(i + perNode, names.count)
            let address = UInt64(out.count)
            out += HDF5Emitter.symbolNode
            out += [1, 0]
            put16(UInt16(end - i))
            for k in i..<end {
                put64(offsets[k])
                put64(objects[k].header)
                if let t = objects[k].symbolTable {
                    put32(1)
                    put32(0)
                    put64(t.btree)
                    put64(t.heap)
                } else {
                    out += repeatElement(0, count: 24)
                }
            }
            out += repeatElement(0, count: 40 * (perNode - (end - i)))
            children.append((address, offsets[end - 1]))
            i = end
        }

        // B-tree levels up to one root.
        var level: UInt8 = 0
        repeat {
            children = treeLevel(children, level: level)
            level += 1
        } while children.count > 1
        return (children[0].address, heap)
    }

    /// One level of version-1 B-tree group nodes over `children` (the level below), laid out
    /// side by side; returns the nodes as children of the next level.
    private mutating func treeLevel(_ children: [(address: UInt64, lastKey: UInt64)], level: UInt8) -> [(address: UInt64, lastKey: UInt64)] {
        let twoK = 2 * HDF5Emitter.internalK
        let nodeSize = 24 + twoK * 8 + (twoK + 1) * 8
        let count = max(1, (children.count + twoK - 1) / twoK)
        let base = UInt64(out.count)
        var parents: [(address: UInt64, lastKey: UInt64)] = []
        var leftKey: UInt64 = 0
        for n in 0..<count {
            let slice = children[min(children.count, n * twoK)..<min(children.count, (n + 1) * twoK)]
            let start = out.count
            out += HDF5Emitter.tree
            out += [0, level]
            put16(UInt16(slice.count))
            put64(n == 0 ? HDF5Emitter.undefined : base + UInt64((n - 1) * nodeSize))
            put64(n == count - 1 ? HDF5Emitter.undefined : base + UInt64((n + 1) * nodeSize))
            put64(leftKey)
            for c in slice {
                put64(c.address)
                put64(c.lastKey)
            }
            out += repeatElement(0, count: nodeSize - (out.count - start))
            let last = slice.last?.lastKey ?? leftKey
            parents.append((base + UInt64(n * nodeSize), last))
            leftKey = last
        }
        return parents
    }

    private mutating func dataset(_ d: HDF5Dataset) throws(CelestaError) -> Object {
        let value = d.value
        let total = try checkedSize(value, at: nil)
        let isString: Bool
        if case .strings = value { isString = true } else { isString = false }
        var contiguous: UInt64 = HDF5Emitter.undefined
        if d.storage != .compact, total > 0 {
            pad8()
            contiguous = UInt64(out.count)
            writeValues(value)
        }
        var header = beginHeader()
        message(&header, type: 0x0001, flags: 0) { $0.dataspace(value.shape) }
        message(&header, type: 0x0003, flags: 1) { $0.datatype(value) }
        message(&header, type: 0x0005, flags: 1) { e in
            e.out += [2, d.storage == .compact ? 1 : 2, isString ? 0 : 2, 1, 0, 0, 0, 0]
        }
        message(&header, type: 0x0008, flags: 0) { e in
            if d.storage == .compact {
                e.out += [3, 0]
                e.put16(UInt16(total))
                e.writeValues(value)
            } else {
                e.out += [3, 1]
                e.put64(contiguous)
                e.put64(UInt64(total))
            }
        }
        try attributes(d.attributes, into: &header)
        endHeader(header)
        return Object(header: header.address, symbolTable: nil)
    }

    private mutating func attributes(_ attributes: HDF5Attributes, into header: inout Header) throws(CelestaError) {
        var seen = Set<String>()
        for (name, value) in attributes {
            guard !name.isEmpty, !name.utf8.contains(0) else {
                throw place.error(.invalidArgument, attributePath(name), "'\(name)' cannot name an attribute")
            }
            guard seen.insert(name).inserted else {
                throw place.error(.invalidArgument, attributePath(name), "two attributes of one object have this name")
            }
            _ = try checkedSize(value, at: name)
            message(&header, type: 0x000C, flags: 0) { e in
                let start = e.out.count
                e.out += [1, 0]
                e.put16(UInt16(name.utf8.count + 1))
                e.out += [0, 0, 0, 0]  // datatype and dataspace sizes, set below
                e.out += name.utf8
                e.out.append(0)
                e.pad8()
                let typeStart = e.out.count
                e.datatype(value)
                let typeSize = e.out.count - typeStart
                e.pad8()
                let spaceStart = e.out.count
                e.dataspace(value.shape)
                let spaceSize = e.out.count - spaceStart
                e.pad8()
                e.out[start + 4] = UInt8(typeSize & 0xFF)
                e.out[start + 5] = UInt8(typeSize >> 8)
                e.out[start + 6] = UInt8(spaceSize & 0xFF)
                e.out[start + 7] = UInt8(spaceSize >> 8)
                e.writeValues(value)
            }
        }
    }

    /// The byte count of a value's stored data, after checking that its values fill its shape.
    /// (`attribute`: the attribute's name, nil for the dataset's own value.)
    private func checkedSize(_ v: HDF5Value, at attribute: String?) throws(CelestaError) -> Int {
        let count: Int
        do { count = try Tensor.elementCount(v.shape) } catch {
            throw place.error(.invalidArgument, attribute.map(attributePath) ?? path, "\(error)")
        }
        switch v {
        case .numbers(let t): return t.bytes.count
        case .bools(let shape, let values):
            guard values.count == count else { throw mismatch(values.count, shape, attribute.map(attributePath) ?? path) }
            return count
        case .strings(let shape, let values):
            guard values.count == count else { throw mismatch(values.count, shape, attribute.map(attributePath) ?? path) }
            return 16 * count
        }
    }

    /// The path of the object being written (for messages only).
    private var path: String { trail.isEmpty ? "/" : "/" + trail.joined(separator: "/") }
    private func attributePath(_ name: String) -> String { "\(path)' attribute '\(name)" }

    /// Appends the stored bytes of a value: numbers as they are, bools one byte each, strings
    /// as their global heap IDs (length, collection, index).
    private mutating func writeValues(_ v: HDF5Value) {
        switch v {
        case .numbers(let t): out += t.bytes
        case .bools(_, let values): for b in values { out.append(b ? 1 : 0) }
        case .strings(_, let values):
            for s in values {
                let id = heapIDs[nextString]
                nextString += 1
                put32(UInt32(s.utf8.count))
                put64(id.collection)
                put32(id.index)
            }
        }
    }

    private func mismatch(_ n: Int, _ shape: [Int], _ path: String) -> CelestaError {
        place.error(.shapeMismatch, path, "\(n) values do not fill shape \(Tensor.describe(shape))")
    }

    // MARK: object headers, written in place

    private struct Header {
        var address: UInt64
        var start: Int
        var messages = 0
    }

    private mutating func beginHeader() -> Header {
        pad8()
        let start = out.count
        out += [1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]  // version 1, refcount 1; count and size set at the end
        return Header(address: UInt64(start), start: start)
    }

    /// One message: its 8-byte header, the data `body` appends, padding to 8 bytes.
    private mutating func message(_ h: inout Header, type: UInt16, flags: UInt8, _ body: (inout HDF5Emitter) -> Void) {
        let start = out.count
        put16(type)
        put16(0)
        out += [flags, 0, 0, 0]
        body(&self)
        pad8()
        let size = out.count - start - 8
        out[start + 2] = UInt8(size & 0xFF)
        out[start + 3] = UInt8(size >> 8)
        h.messages += 1
    }

    private mutating func endHeader(_ h: Header) {
        let size = out.count - h.start - 16
        out[h.start + 2] = UInt8(h.messages & 0xFF)
        out[h.start + 3] = UInt8(h.messages >> 8)
        for k in 0..<4 { out[h.start + 8 + k] = UInt8((size >> (8 * k)) & 0xFF) }
    }

    private mutating func superblock(root: Object) {
        var s: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0, 0, 8, 8, 0]
        append16(&s, UInt16(HDF5Emitter.leafK))
        append16(&s, UInt16(HDF5Emitter.internalK))
        append32(&s, 0)
        append64(&s, 0)
        append64(&s, HDF5Emitter.undefined)
        append64(&s, UInt64(out.count))
        append64(&s, HDF5Emitter.undefined)
        append64(&s, 0)
        append64(&s, root.header)
        append32(&s, 1)
        append32(&s, 0)
        append64(&s, root.symbolTable!.btree)
        append64(&s, root.symbolTable!.heap)
        out.replaceSubrange(0..<96, with: s)
    }

    // MARK: messages

    private mutating func dataspace(_ shape: [Int]) {
        out += [1, UInt8(shape.count), shape.isEmpty ? 0 : 1, 0, 0, 0, 0, 0]
        for _ in 0..<2 where !shape.isEmpty {
            for d in shape { put64(UInt64(d)) }
        }
    }

    private mutating func datatype(_ v: HDF5Value) {
        switch v {
        case .strings: out += HDF5Emitter.vlenString
        case .bools: out += HDF5Emitter.boolEnum
        case .numbers(let t):
            switch t.dtype {
            case .bool: out += HDF5Emitter.boolEnum
            case .float16: float(size: 2, signBit: 15, exponent: (10, 5), mantissa: 10, bias: 15)
            case .float32: float(size: 4, signBit: 31, exponent: (23, 8), mantissa: 23, bias: 127)
            case .float64: float(size: 8, signBit: 63, exponent: (52, 11), mantissa: 52, bias: 1023)
            default:
                let size = t.dtype.size
                out += [0x10, t.dtype.isSignedInteger ? 0x08 : 0x00, 0, 0]
                put32(UInt32(size))
                put16(0)
                put16(UInt16(8 * size))
            }
        }
    }

    /// Variable-length string, NUL-terminated, UTF-8, over unsigned 8-bit characters.
    static let vlenString: [UInt8] = [0x19, 0x01, 0x01, 0x00, 16, 0, 0, 0, 0x10, 0, 0, 0, 1, 0, 0, 0, 0, 0, 8, 0]

    /// h5py's bool: enum {FALSE = 0, TRUE = 1} over a signed 8-bit integer.
    static let boolEnum: [UInt8] = [0x18, 2, 0, 0, 1, 0, 0, 0, 0x10, 0x08, 0, 0, 1, 0, 0, 0, 0, 0, 8, 0]
        + Array("FALSE".utf8) + [0, 0, 0] + Array("TRUE".utf8) + [0, 0, 0, 0] + [0, 1]

    private mutating func float(size: Int, signBit: UInt8, exponent: (UInt8, UInt8), mantissa: UInt8, bias: UInt32) {
        out += [0x11, 0x20, signBit, 0]
        put32(UInt32(size))
        put16(0)
        put16(UInt16(8 * size))
        out += [exponent.0, exponent.1, 0, mantissa]
        put32(bias)
    }

    // MARK: bytes

    private mutating func pad8() {
        let r = out.count % 8
        if r != 0 { out += repeatElement(0, count: 8 - r) }
    }
    private mutating func put16(_ v: UInt16) { HDF5Emitter.append16(&out, v) }
    private mutating func put32(_ v: UInt32) { HDF5Emitter.append32(&out, v) }
    private mutating func put64(_ v: UInt64) { HDF5Emitter.append64(&out, v) }
    private mutating func patch64(at offset: Int, _ v: UInt64) {
        for k in 0..<8 { out[offset + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
    }

    private func append16(_ a: inout [UInt8], _ v: UInt16) { HDF5Emitter.append16(&a, v) }
    private func append32(_ a: inout [UInt8], _ v: UInt32) { HDF5Emitter.append32(&a, v) }
    private func append64(_ a: inout [UInt8], _ v: UInt64) { HDF5Emitter.append64(&a, v) }
    static func append16(_ a: inout [UInt8], _ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { a.append(contentsOf: $0) } }
    static func append32(_ a: inout [UInt8], _ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { a.append(contentsOf: $0) } }
    static func append64(_ a: inout [UInt8], _ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { a.append(contentsOf: $0) } }

    private static let tree: [UInt8] = Array("TREE".utf8)
    private static let symbolNode: [UInt8] = Array("SNOD".utf8)
    private static let localHeap: [UInt8] = Array("HEAP".utf8)
    private static let globalHeap: [UInt8] = Array("GCOL".utf8)
}
