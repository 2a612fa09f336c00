#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks, from a file's bytes and before libhdf5 sees them, the structures libhdf5 1.10
/// follows without checking them itself; a file that fails is refused with `.parse` naming the
/// object and the damage.
///
/// Version-1 groups (h5py's default layout) keep their members in structures without
/// checksums: a symbol table message points at a version-1 B-tree, whose leaves are symbol
/// table nodes (`SNOD`) naming each member by an offset into the group's local heap (`HEAP`).
/// libhdf5 1.10 reads a local heap at whatever address the message holds (an undefined or
/// out-of-file address segfaults in `H5HL_protect`) and walks a cyclic heap free list forever.
/// So every group reachable from the root is checked here: its symbol table message, each
/// B-tree node (signature, type, level, entry count, keys, child addresses), each symbol table
/// node (entry count, name offsets, object header addresses, cached addresses) and its local
/// heap (signature, data segment inside the allocated part of the file, free list inside the
/// segment and acyclic), recursively, with a bound on depth and on the number of objects.
/// Newer (version-2) object headers, links and attributes are walked for the objects they
/// lead to. Chunk indexes and dense link and attribute storage (fractal heaps, version-2
/// B-trees) are checked too (`HDF5StructureIndexes.swift`).
///
/// Variable-length strings: a dataset's or attribute's stored references (length, heap
/// collection, object index) must name a global heap object of exactly that length, and the
/// string's base type must be one byte wide, so that libhdf5's conversion never allocates more
/// than the file holds (a damaged length or base type made it allocate gigabytes).
///
/// The readers also check each object before they open it (`check(object:)`; once per object).
final class HDF5Structure {
    let bytes: UnsafeRawBufferPointer
    /// The superblock's offset: file addresses count from it.
    let base: Int
    /// The end of the allocated part of the file (the superblock's end-of-file address), as an
    /// offset into `bytes`; no structure may reach past it.
    let limit: Int
    let place: HDF5Place
    private let heap: HDF5Precheck.HeapIndex
    /// Symbol table nodes hold up to 2 * leafK entries; group B-tree nodes 2 * internalK.
    private var leafK = 4
    private var internalK = 16
    /// Chunk index B-tree nodes hold up to 2 * chunkK entries (the superblock's, or its
    /// extension's, "indexed storage internal node K"; 32 unless stated).
    var chunkK = 32
    private var rootAddress: UInt64 = 0
    /// Object headers and B-tree / symbol nodes already checked (file addresses).
    private var checked: Set<UInt64> = []
    var checkedNodes: Set<UInt64> = []
    private var budget: Int
    /// Checksums of fractal heaps and version-2 B-trees to verify (`HDF5Checksum.swift`).
    var pendingChecksums: [PendingChecksum] = []
    /// When set, the stored chunks of filtered datasets get their cheap checks only; their
    /// inflation waits for `verifyDeferredChunks`, so that a reader that decompresses some
    /// datasets' chunks itself (the event reader's fast columns) does not inflate them twice.
    var deferFilteredChunks = false
    /// The deferred chunks, by the file address of their dataset's object header, with the
    /// path it was first reached by.
    var deferredChunks: [UInt64: (path: String, chunks: [DeferredChunk])] = [:]
    /// The object whose storage is being checked (for `deferredChunks`).
    var currentObject: UInt64 = 0
    var currentPath = ""

    struct Damage: Error {
        var what: String
        var code = StatusCode.parse
        /// The object it was found in (set by the innermost `object`).
        var path: String? = nil
    }

    /// Reads the superblock; throws `.parse` when it is damaged, `.unsupported` for address or
    /// length widths other than 8 bytes.
    init(bytes: UnsafeRawBufferPointer, superblock: Int, heap: HDF5Precheck.HeapIndex, file: String) throws(CelestaError) {
        self.bytes = bytes
        self.base = superblock
        self.heap = heap
        self.place = HDF5Place(file: file)
        budget = bytes.count / 8 + 1024
        let s = superblock
        func damaged(_ what: String) -> CelestaError { HDF5Place(file: file).error(.parse, "/", "damaged superblock (\(what))") }
        guard s + 48 <= bytes.count else { throw damaged("truncated") }
        let version = Int(bytes[s + 8])
        let widths: (offsets: Int, lengths: Int)
        var end: UInt64
        switch version {
        case 0, 1:
            widths = (Int(bytes[s + 13]), Int(bytes[s + 14]))
            let p = s + 24 + (version == 1 ? 4 : 0)
            guard p + 72 <= bytes.count else { throw damaged("truncated") }
            leafK = Int(bytes.loadUnaligned(fromByteOffset: s + 16, as: UInt16.self).littleEndian)
            internalK = Int(bytes.loadUnaligned(fromByteOffset: s + 18, as: UInt16.self).littleEndian)
            if version == 1 { chunkK = Int(bytes.loadUnaligned(fromByteOffset: s + 24, as: UInt16.self).littleEndian) }
            end = bytes.loadUnaligned(fromByteOffset: p + 16, as: UInt64.self).littleEndian
            rootAddress = bytes.loadUnaligned(fromByteOffset: p + 32 + 8, as: UInt64.self).littleEndian
        case 2, 3:
            widths = (Int(bytes[s + 9]), Int(bytes[s + 10]))
            end = bytes.loadUnaligned(fromByteOffset: s + 28, as: UInt64.self).littleEndian
            rootAddress = bytes.loadUnaligned(fromByteOffset: s + 36, as: UInt64.self).littleEndian
        default:
            throw damaged("version \(version)")
        }
        guard widths == (8, 8) else {
            throw HDF5Place(file: file).error(.unsupported, "/", "file addresses of \(widths.offsets) bytes and lengths of \(widths.lengths) bytes are not supported (only 8)")
        }
        guard leafK > 0, internalK > 0, chunkK > 0 else { throw damaged("B-tree sizes of zero") }
        // libhdf5 refuses a file shorter than its end-of-file address itself; structures must
        // also lie before that address (past it is "temporary file space").
        end = min(end, UInt64(bytes.count - superblock))
        limit = superblock + Int(end)
    }

    // MARK: entry points

    /// Checks the whole tree from the root group.
    func checkAll() throws(CelestaError) {
        if Int(bytes[base + 8]) >= 2 { try wrap("/") { () throws(Damage) in try self.superblockExtension() } }
        try check(object: rootAddress, path: "/", depth: 0)
        if Int(bytes[base + 8]) <= 1 {
            // The root's cached symbol table (superblock versions 0 and 1).
            let p = base + 24 + (bytes[base + 8] == 1 ? 4 : 0) + 32
            try wrap("/") { () throws(Damage) in try self.cachedScratch(at: p + 16) }
        }
        try wrap("/") { () throws(Damage) in try self.verifyChecksums() }
    }

    /// Checks the object whose header is at file address `address` (a group with all it
    /// holds, `depth` levels below the root), once; `path` names it in messages.
    func check(object address: UInt64, path: String, depth: Int) throws(CelestaError) {
        try wrap(path) { () throws(Damage) in
            try self.object(address, path: path, depth: depth)
            try self.verifyChecksums()
        }
    }

    /// The superblock extension (versions 2 and 3), when there is one: its B-tree sizes.
    private func superblockExtension() throws(Damage) {
        guard try u64(base + 20) != UInt64.max else { return }
        let at = try address(base + 20, "superblock extension", count: 16)
        for m in try hasSignature(at, "OHDR") ? messages2(at) : messages1(at) where m.type == 0x0013 {
            // B-tree 'K' values: version, then the chunk index's, a group node's and a group leaf's.
            guard m.length >= 7, try u8(m.data) == 0 else { throw Damage(what: "damaged superblock extension (B-tree sizes)") }
            chunkK = try u16(m.data + 1)
            internalK = try u16(m.data + 3)
            leafK = try u16(m.data + 5)
            guard chunkK > 0, internalK > 0, leafK > 0 else { throw Damage(what: "damaged superblock extension (B-tree sizes of zero)") }
        }
    }

    private func wrap(_ path: String, _ body: () throws(Damage) -> Void) throws(CelestaError) {
        do {
            try body()
        } catch {
            throw place.error(error.code, error.path ?? path, error.what)
        }
    }

    // MARK: bytes

    func u8(_ at: Int) throws(Damage) -> Int {
        guard at >= 0, at < limit else { throw Damage(what: "structure at byte \(at) lies past the end of the file") }
        return Int(bytes[at])
    }
    func u16(_ at: Int) throws(Damage) -> Int {
        try inFile(at, 2)
        return Int(bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self).littleEndian)
    }
    func u32(_ at: Int) throws(Damage) -> Int {
        try inFile(at, 4)
        return Int(bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian)
    }
    func u64(_ at: Int) throws(Damage) -> UInt64 {
        try inFile(at, 8)
        return bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self).littleEndian
    }
    func inFile(_ at: Int, _ count: Int) throws(Damage) {
        guard at >= 0, count >= 0, count <= limit, at <= limit - count else {
            throw Damage(what: "structure at byte \(at) lies past the end of the file")
        }
    }
    /// The file address at `at` as an offset into `bytes`, with `count` bytes there in the file;
    /// `what` names it in the message when it is undefined or outside the file.
    func address(_ at: Int, _ what: String, count: Int = 1) throws(Damage) -> Int {
        let a = try u64(at)
        guard a != UInt64.max else { throw Damage(what: "damaged \(what): undefined address") }
        guard a < UInt64(limit - base), Int(a) + base <= limit - count else {
            throw Damage(what: "damaged \(what): address \(a) lies past the end of the file")
        }
        return Int(a) + base
    }
    func hasSignature(_ at: Int, _ text: StaticString) -> Bool {
        let n = text.utf8CodeUnitCount
        guard at >= 0, at + n <= limit else { return false }
        for k in 0..<n where bytes[at + k] != text.utf8Start[k] { return false }
        return true
    }
    func spend() throws(Damage) {
        budget -= 1
        guard budget >= 0 else { throw Damage(what: "more objects than a file of this size can hold", code: .limitExceeded) }
    }

    // MARK: object headers

    struct Message {
        var type: Int
        var data: Int
        var length: Int
        var shared: Bool
    }

    /// Checks the object header at `address`: its messages, what they lead to (a group's
    /// members, linked objects) and its variable-length string references.
    func object(_ address: UInt64, path: String, depth: Int) throws(Damage) {
        do {
            try objectBody(address, path: path, depth: depth)
        } catch {
            var e = error
            if e.path == nil { e.path = path }
            throw e
        }
    }

    private func objectBody(_ address: UInt64, path: String, depth: Int) throws(Damage) {
        guard !checked.contains(address) else { return }
        try spend()
        checked.insert(address)
        guard address < UInt64(limit - base) else { throw Damage(what: "damaged link: object header address \(address) lies past the end of the file") }
        let at = Int(address) + base
        let messages = hasSignature(at, "OHDR") ? try messages2(at) : try messages1(at)
        var datatype: Message?, dataspace: Message?, layout: Message?
        var filtered = false
        var filters: [Filter] = []
        // A group (the only objects with members) may be at most `maxDepth` below the root.
        if depth > HDF5File.maxDepth, messages.contains(where: { [0x0002, 0x0006, 0x0011].contains($0.type) }) {
            throw Damage(what: "groups nested deeper than \(HDF5File.maxDepth)", code: .limitExceeded)
        }
        // libhdf5 1.10 reads the first dataspace, datatype, layout or filter pipeline message
        // of a header; the checks below must see the same one, so a second is refused (a
        // second, empty dataspace message hid a compact layout's missing data).
        for (type, name) in [(0x0001, "dataspace"), (0x0003, "datatype"), (0x0008, "storage layout"), (0x000B, "filter pipeline")] {
            let n = messages.lazy.filter { $0.type == type }.count
            guard n <= 1 else { throw Damage(what: "damaged object header: \(n) \(name) messages") }
        }
        for m in messages {
            switch m.type {
            case 0x0011:
                guard !m.shared else { throw Damage(what: "damaged group: shared symbol table message") }
                try symbolTable(m.data, path: path, depth: depth)
            case 0x0006:
                if let target = try hardLink(m.data, m.length) {
                    try object(target.address, path: (path == "/" ? "" : path) + "/" + target.name, depth: depth + 1)
                }
            case 0x0002:
                guard !m.shared else { throw Damage(what: "damaged group: shared link info message") }
                try linkInfo(m, path: path, depth: depth)
            case 0x0015:
                guard !m.shared else { throw Damage(what: "damaged object: shared attribute info message") }
                try attributeInfo(m)
            case 0x000B:
                filtered = true
                guard !m.shared else { throw Damage(what: "shared filter pipeline messages are not supported", code: .unsupported) }
                filters = try filterPipeline(m)
            case 0x0003:
                if m.shared { try sharedType(m.data, m.length, path: path) } else {
                    _ = try self.datatype(m.data, end: m.data + m.length)
                    datatype = m
                }
            case 0x0001:
                if !m.shared {
                    try checkDataspace(m.data, end: m.data + m.length)
                    dataspace = m
                }
            case 0x0008:
                guard !m.shared else { throw Damage(what: "damaged dataset: shared storage layout message") }
                layout = m
            case 0x000C: if !m.shared { try attribute(m) }
            default: break
            }
        }
        if let layout {
            currentObject = address
            currentPath = path
            try storage(layout, type: datatype, space: dataspace, filtered: filtered, filters: filters)
        }
        if let datatype, let dataspace, let layout, try isVariableString(datatype.data, datatype.length) {
            try datasetStrings(space: dataspace, layout: layout)
        }
    }

    /// The messages of a version-1 object header at `at`, continuation blocks included.
    func messages1(_ at: Int) throws(Damage) -> [Message] {
        guard try u8(at) == 1 else { throw Damage(what: "damaged object header at byte \(at)") }
        var blocks = [(start: at + 16, size: try u32(at + 8))]
        var out: [Message] = []
        var b = 0
        while b < blocks.count {
            guard b < 64 else { throw Damage(what: "damaged object header at byte \(at): too many continuation blocks") }
            let (start, size) = blocks[b]
            try inFile(start, size)
            var p = start
            while p + 8 <= start + size {
                let type = try u16(p), length = try u16(p + 2), flags = try u8(p + 4)
                guard p + 8 + length <= start + size else { throw Damage(what: "damaged object header at byte \(at): a message overruns its block") }
                let m = Message(type: type, data: p + 8, length: length, shared: flags & 0x02 != 0)
                if type == 0x0010 {
                    blocks.append(try continuation(m, signature: false))
                } else if type != 0 {
                    out.append(m)
                }
                p += 8 + length
            }
            b += 1
        }
        return out
    }

    /// The messages of a version-2 object header ("OHDR") at `at`, continuation blocks
    /// ("OCHK") included.
    func messages2(_ at: Int) throws(Damage) -> [Message] {
        guard try u8(at + 4) == 2 else { throw Damage(what: "damaged object header at byte \(at)") }
        let flags = try u8(at + 5)
        var p = at + 6 + (flags & 0x20 != 0 ? 16 : 0) + (flags & 0x10 != 0 ? 4 : 0)
        let width = 1 << (flags & 3)
        var size = 0
        for k in (0..<width).reversed() {
            let byte = try u8(p + k)
            size = size << 8 | byte
        }
        guard size <= limit else { throw Damage(what: "damaged object header at byte \(at)") }
        p += width
        let headerSize = flags & 0x04 != 0 ? 6 : 4
        var blocks = [(start: p, size: size)]
        var out: [Message] = []
        var b = 0
        while b < blocks.count {
            guard b < 64 else { throw Damage(what: "damaged object header at byte \(at): too many continuation blocks") }
            let (start, size) = blocks[b]
            try inFile(start, size + 4)  // the messages, then a checksum
            var q = start
            while q + headerSize <= start + size {
                let type = try u8(q), length = try u16(q + 1), mflags = try u8(q + 3)
                guard q + headerSize + length <= start + size else { throw Damage(what: "damaged object header at byte \(at): a message overruns its block") }
                let m = Message(type: type, data: q + headerSize, length: length, shared: mflags & 0x02 != 0)
                if type == 0x0010 {
                    let next = try continuation(m, signature: true)
                    blocks.append((next.start + 4, next.size - 8))
                } else if type != 0 {
                    out.append(m)
                }
                q += headerSize + length
            }
            b += 1
        }
        return out
    }

    private func continuation(_ m: Message, signature: Bool) throws(Damage) -> (start: Int, size: Int) {
        guard m.length >= 16 else { throw Damage(what: "damaged object header continuation") }
        let length = try u64(m.data + 8)
        guard length >= (signature ? 8 : 0), length <= UInt64(limit) else { throw Damage(what: "damaged object header continuation (length \(length))") }
        let start = try address(m.data, "object header continuation", count: Int(length))
        if signature, !hasSignature(start, "OCHK") { throw Damage(what: "damaged object header continuation at byte \(start)") }
        return (start, Int(length))
    }

    /// The name and target of a link message, when it is a hard link.
    func hardLink(_ at: Int, _ length: Int) throws(Damage) -> (name: String, address: UInt64)? {
        let end = at + length
        guard try u8(at) == 1 else { throw Damage(what: "damaged link message at byte \(at)") }
        let flags = try u8(at + 1)
        var p = at + 2
        var type = 0
        if flags & 0x08 != 0 { type = try u8(p); p += 1 }
        if flags & 0x04 != 0 { p += 8 }
        if flags & 0x10 != 0 { p += 1 }
        let width = 1 << (flags & 3)
        var nameLength = 0
        for k in (0..<width).reversed() {
            let byte = try u8(p + k)
            nameLength = nameLength << 8 | byte
        }
        p += width
        guard nameLength > 0, nameLength <= end - p else { throw Damage(what: "damaged link message at byte \(at)") }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[p..<(p + nameLength)]), as: UTF8.self)
        p += nameLength
        guard type == 0 else { return nil }  // soft, external or user-defined: refused by the reader
        guard p + 8 <= end else { throw Damage(what: "damaged link message at byte \(at)") }
        let target = try u64(p)
        guard target < UInt64(limit - base) else { throw Damage(what: "damaged link '\(name)': address \(target) lies past the end of the file") }
        return (name, target)
    }

    // MARK: version-1 groups

    /// A symbol table message: the group's B-tree and local heap, then each member.
    private func symbolTable(_ at: Int, path: String, depth: Int) throws(Damage) {
        let tree = try address(at, "symbol table (B-tree)", count: 24)
        let heapAt = try address(at + 8, "symbol table (local heap)", count: 32)
        let names = try localHeap(heapAt)
        var members: [(name: String, address: UInt64)] = []
        try treeNode(tree, level: nil, names: names, into: &members)
        for m in members {
            try object(m.address, path: (path == "/" ? "" : path) + "/" + m.name, depth: depth + 1)
        }
    }

    /// Checks the local heap at `at`; its data segment as a range of `bytes`.
    private func localHeap(_ at: Int) throws(Damage) -> Range<Int> {
        guard hasSignature(at, "HEAP"), try u8(at + 4) == 0 else { throw Damage(what: "damaged local heap at byte \(at)") }
        let size = try u64(at + 8)
        guard size > 0, size <= UInt64(limit) else { throw Damage(what: "damaged local heap at byte \(at): data size \(size)") }
        let data = try address(at + 24, "local heap data", count: Int(size))
        // The free list: offsets inside the segment, each block inside it, no cycle.
        // libhdf5 writes 1 (and the format specification the undefined address) for none.
        var free = try u64(at + 16)
        var seen: Set<UInt64> = []
        while free != 1, free != UInt64.max {
            guard free < size, size - free >= 16, seen.insert(free).inserted else {
                throw Damage(what: "damaged local heap at byte \(at): free list")
            }
            let next = try u64(data + Int(free))
            let blockSize = try u64(data + Int(free) + 8)
            guard blockSize <= size - free else { throw Damage(what: "damaged local heap at byte \(at): free list") }
            free = next
        }
        return data..<(data + Int(size))
    }

    /// Checks B-tree node `at` of a group (and below it); appends the members in key order.
    private func treeNode(_ at: Int, level: Int?, names: Range<Int>, into members: inout [(name: String, address: UInt64)]) throws(Damage) {
        guard checkedNodes.insert(UInt64(at)).inserted else { throw Damage(what: "damaged group B-tree: node at byte \(at) reached twice") }
        try spend()
        let nodeSize = 24 + 16 * 2 * internalK + 8
        try inFile(at, nodeSize)
        guard hasSignature(at, "TREE"), try u8(at + 4) == 0 else { throw Damage(what: "damaged group B-tree node at byte \(at)") }
        let nodeLevel = try u8(at + 5)
        guard level == nil || nodeLevel == level!, nodeLevel < 32 else { throw Damage(what: "damaged group B-tree node at byte \(at): level \(nodeLevel)") }
        let used = try u16(at + 6)
        guard used <= 2 * internalK else { throw Damage(what: "damaged group B-tree node at byte \(at): \(used) entries") }
        for sibling in [at + 8, at + 16] {
            if try u64(sibling) != UInt64.max { _ = try address(sibling, "group B-tree sibling", count: nodeSize) }
        }
        for i in 0...used {
            guard try u64(at + 24 + 16 * i) < UInt64(names.count) else { throw Damage(what: "damaged group B-tree node at byte \(at): key \(i)") }
        }
        for i in 0..<used {
            let child = try address(at + 32 + 16 * i, "group B-tree child")
            if nodeLevel > 0 {
                try treeNode(child, level: nodeLevel - 1, names: names, into: &members)
            } else {
                try symbolNode(child, names: names, into: &members)
            }
        }
    }

    private func symbolNode(_ at: Int, names: Range<Int>, into members: inout [(name: String, address: UInt64)]) throws(Damage) {
        guard checkedNodes.insert(UInt64(at)).inserted else { throw Damage(what: "damaged group: symbol table node at byte \(at) reached twice") }
        try spend()
        try inFile(at, 8 + 40 * 2 * leafK)
        guard hasSignature(at, "SNOD"), try u8(at + 4) == 1 else { throw Damage(what: "damaged symbol table node at byte \(at)") }
        let count = try u16(at + 6)
        guard count <= 2 * leafK else { throw Damage(what: "damaged symbol table node at byte \(at): \(count) entries") }
        for i in 0..<count {
            let e = at + 8 + 40 * i
            let offset = try u64(e)
            guard offset < UInt64(names.count) else { throw Damage(what: "damaged symbol table node at byte \(at): name offset \(offset)") }
            let start = names.lowerBound + Int(offset)
            guard let nul = memchr(bytes.baseAddress! + start, 0, names.upperBound - start) else {
                throw Damage(what: "damaged symbol table node at byte \(at): unterminated name")
            }
            let length = bytes.baseAddress!.distance(to: UnsafeRawPointer(nul)) - start
            guard length > 0 else { throw Damage(what: "damaged symbol table node at byte \(at): empty name") }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)]), as: UTF8.self)
            if try u32(e + 16) == 2 {
                // A soft link: no object, its value at a local heap offset (the reader refuses it).
                guard try u32(e + 24) < names.count else { throw Damage(what: "damaged soft link '\(name)': value offset") }
                continue
            }
            let header = try u64(e + 8)
            guard header < UInt64(limit - base) else { throw Damage(what: "damaged symbol table entry '\(name)': address \(header) lies past the end of the file") }
            try cachedScratch(at: e + 16)
            members.append((name, header))
        }
    }

    /// A symbol table entry's cache type and scratch pad (at `at`): a cached symbol table
    /// must point inside the file.
    private func cachedScratch(at: Int) throws(Damage) {
        let cache = try u32(at)
        guard cache <= 2 else { throw Damage(what: "damaged symbol table entry: cache type \(cache)") }
        if cache == 1 {
            _ = try address(at + 8, "cached symbol table (B-tree)", count: 24)
            _ = try address(at + 16, "cached symbol table (local heap)", count: 32)
        }
    }

    // MARK: datatypes

    /// A shared datatype (of a dataset or an attribute) at `at`: a committed (named) datatype
    /// is an object header of its own, checked as any object (its datatype message with it).
    /// Types kept in the shared message heap are checksummed, and checked by libhdf5.
    private func sharedType(_ at: Int, _ length: Int, path: String?) throws(Damage) {
        guard length >= 2 else { throw Damage(what: "damaged shared datatype message") }
        let version = try u8(at), type = try u8(at + 1)
        let addressAt: Int
        switch version {
        case 1: addressAt = at + 16
        case 2: addressAt = at + 2
        case 3:
            guard type == 2 else { return }  // 1: in the shared message heap
            addressAt = at + 2
        default: throw Damage(what: "damaged shared datatype message (version \(version))")
        }
        guard addressAt + 8 <= at + length else { throw Damage(what: "damaged shared datatype message") }
        let target = try u64(addressAt)
        guard target < UInt64(limit - base) else { throw Damage(what: "damaged shared datatype: address \(target) lies past the end of the file") }
        // Named datatypes hold no members: any depth below the limit will do.
        try object(target, path: (path.map { $0 + " " } ?? "") + "(named datatype at address \(target))", depth: HDF5File.maxDepth)
    }

    /// Checks the datatype encoded at `at` (a datatype message, or a type nested in one),
    /// which must end by `end`; returns its encoded length and its size in bytes.
    ///
    /// libhdf5 1.10 decodes a compound type without checking that each member lies inside it
    /// (newer versions refuse "member type extends outside its parent compound type"): its
    /// conversion then read freed memory (Tests/fuzz/corpus/events/regression-compound-member-offset.h5).
    /// So a compound's members must lie inside it and not overlap; an array's size is its
    /// element count times its base type's, an enum's its base type's; an integer's or
    /// bitfield's bits lie inside its bytes. Nesting is bounded.
    @discardableResult
    private func datatype(_ at: Int, end: Int, depth: Int = 0) throws(Damage) -> (length: Int, size: Int) {
        func damaged(_ what: String) -> Damage { Damage(what: "damaged datatype at byte \(at): \(what)") }
        guard depth < 16 else { throw damaged("types nested deeper than 16") }
        guard at + 8 <= end else { throw damaged("truncated") }
        let head = try u8(at)
        let cls = head & 0x0F, version = head >> 4
        guard (1...3).contains(version) else { throw damaged("version \(version)") }
        let bits = try u16(at + 1)
        let size = try u32(at + 4)
        var length: Int
        switch cls {
        case 0, 4:  // integer, bitfield: bit offset and precision
            length = 12
            guard at + length <= end else { throw damaged("truncated") }
            let offset = try u16(at + 8), precision = try u16(at + 10)
            guard precision > 0, offset + precision <= size * 8 else { throw damaged("\(precision) bits at bit \(offset) of \(size) bytes") }
        case 1:  // floating point
            length = 20
            guard at + length <= end else { throw damaged("truncated") }
            let offset = try u16(at + 8), precision = try u16(at + 10)
            guard precision > 0, offset + precision <= size * 8 else { throw damaged("\(precision) bits at bit \(offset) of \(size) bytes") }
        case 2: length = 10  // time
        case 3, 7: length = 8  // string, reference
        case 5: length = 8 + (bits & 0xFF)  // opaque: its tag
        case 6: length = try compound(at, end: end, version: version, members: bits, size: size, depth: depth)
        case 8:  // enum: base type, names, values
            let baseType = try datatype(at + 8, end: end, depth: depth + 1)
            guard baseType.size == size else { throw damaged("an enum of \(size) bytes over a base type of \(baseType.size)") }
            var p = at + 8 + baseType.length
            for _ in 0..<bits { p = try name(p, end: end, padded: version < 3).next }
            let (values, overflow) = bits.multipliedReportingOverflow(by: size)
            guard !overflow, values <= end - p else { throw damaged("truncated enum values") }
            length = p + values - at
        case 9:  // variable-length sequence or string: its base type
            // Stored as a length, a global heap address and an object index: libhdf5 1.10
            // copies 16 bytes per element whatever the size says (15 overflowed in H5A__read).
            guard size == 16 else { throw damaged("a variable-length type of \(size) bytes (not 16)") }
            length = 8 + (try datatype(at + 8, end: end, depth: depth + 1)).length
        case 10:  // array: dimensions, then the base type
            let rank = try u8(at + 8)
            guard (1...32).contains(rank) else { throw damaged("an array of rank \(rank)") }
            var p = at + 8 + (version < 3 ? 4 : 1)
            var count = 1
            for k in 0..<rank {
                let (c, overflow) = count.multipliedReportingOverflow(by: try u32(p + 4 * k))
                guard !overflow, c <= HDF5File.maxElements else { throw damaged("an array of too many elements") }
                count = c
            }
            p += 4 * rank * (version < 3 ? 2 : 1)  // dimensions (and version 2's permutation)
            let baseType = try datatype(p, end: end, depth: depth + 1)
            let (total, overflow) = count.multipliedReportingOverflow(by: baseType.size)
            guard !overflow, total == size else { throw damaged("an array of \(size) bytes holding \(count) elements of \(baseType.size)") }
            length = p + baseType.length - at
        default:
            throw damaged("class \(cls)")
        }
        guard length <= end - at else { throw damaged("truncated") }
        return (length, size)
    }

    /// The NUL-terminated name at `at` (padded to 8 bytes when `padded`): its length and where
    /// what follows it starts.
    private func name(_ at: Int, end: Int, padded: Bool) throws(Damage) -> (length: Int, next: Int) {
        guard at >= 0, at < end, end <= limit, let nul = memchr(bytes.baseAddress! + at, 0, end - at) else {
            throw Damage(what: "damaged datatype at byte \(at): an unterminated name")
        }
        let length = bytes.baseAddress!.distance(to: UnsafeRawPointer(nul)) - at
        let next = padded ? at + (length + 8) & ~7 : at + length + 1
        guard next <= end else { throw Damage(what: "damaged datatype at byte \(at): truncated") }
        return (length, next)
    }

    /// The members of the compound type at `at` (of `size` bytes): each inside the type, none
    /// overlapping another. Returns the type's encoded length.
    private func compound(_ at: Int, end: Int, version: Int, members: Int, size: Int, depth: Int) throws(Damage) -> Int {
        var p = at + 8
        var spans: [(offset: Int, size: Int)] = []
        spans.reserveCapacity(members)
        // Version 3 stores each offset in as few bytes as the type's size needs.
        var width = 1
        while width < 4, size >> (8 * width) != 0 { width += 1 }
        for i in 0..<members {
            let label = try name(p, end: end, padded: version < 3)
            let memberName = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[p..<(p + label.length)]), as: UTF8.self)
            p = label.next
            var offset = 0
            var count = 1
            if version < 3 {
                offset = try u32(p)
                p += 4
                if version == 1 {
                    // Dimensionality, reserved, permutation, reserved, four dimension sizes.
                    let rank = try u8(p)
                    guard rank <= 4 else { throw Damage(what: "damaged compound type at byte \(at): member '\(memberName)' of rank \(rank)") }
                    for k in 0..<rank {
                        let (c, overflow) = count.multipliedReportingOverflow(by: try u32(p + 12 + 4 * k))
                        guard !overflow, c <= HDF5File.maxElements else { throw Damage(what: "damaged compound type at byte \(at): member '\(memberName)'") }
                        count = c
                    }
                    p += 28
                }
            } else {
                for b in (0..<width).reversed() {
                    let byte = try u8(p + b)
                    offset = offset << 8 | byte
                }
                p += width
            }
            guard p < end else { throw Damage(what: "damaged compound type at byte \(at): truncated") }
            let member = try datatype(p, end: end, depth: depth + 1)
            p += member.length
            let (span, overflow) = count.multipliedReportingOverflow(by: member.size)
            guard !overflow, offset <= size, span <= size - offset else {
                throw Damage(what: "damaged compound type at byte \(at): member \(i) '\(memberName)' (bytes \(offset)..<\(offset &+ span)) extends past the type's \(size) bytes")
            }
            spans.append((offset, span))
        }
        spans.sort { $0.offset < $1.offset }
        for k in spans.indices.dropFirst() where spans[k - 1].offset + spans[k - 1].size > spans[k].offset {
            throw Damage(what: "damaged compound type at byte \(at): members overlap (bytes \(spans[k - 1].offset)..<\(spans[k - 1].offset + spans[k - 1].size) and from \(spans[k].offset))")
        }
        return p - at
    }

    // MARK: variable-length strings

    /// Whether the datatype message at `at` is a variable-length string; throws when its base
    /// type is not one byte wide (libhdf5 would allocate length x base size).
    private func isVariableString(_ at: Int, _ length: Int) throws(Damage) -> Bool {
        guard length >= 8, try u8(at) & 0x0F == 9 else { return false }
        guard try u8(at + 1) & 0x0F == 1 else { return false }  // a sequence: refused by the reader
        guard length >= 16, try u32(at + 8 + 4) == 1 else { throw Damage(what: "damaged variable-length string type (base type size)") }
        return true
    }

    /// Checks that the dataspace message at `at`, ending at `end`, holds the dimensions (and
    /// maximum dimensions) it declares: `dimensions` and libhdf5 read them from it.
    func checkDataspace(_ at: Int, end: Int) throws(Damage) {
        guard end - at >= 4 else { throw Damage(what: "damaged dataspace message: \(end - at) bytes") }
        let version = try u8(at), rank = try u8(at + 1), flags = try u8(at + 2)
        guard (1...2).contains(version), rank <= 32 else { throw Damage(what: "damaged dataspace message (version \(version), rank \(rank))") }
        let header = version == 1 ? 8 : 4
        let arrays = 1 + (flags & 0x01 != 0 ? 1 : 0) + (version == 1 && flags & 0x02 != 0 ? 1 : 0)
        let need = header + 8 * rank * arrays
        guard end - at >= need else {
            throw Damage(what: "damaged dataspace message: \(end - at) bytes for \(rank) dimensions (\(need) bytes)")
        }
        // A dimension may not exceed its maximum (unlimited: all bits set); libhdf5 1.10 does
        // not check this when it decodes the message.
        if flags & 0x01 != 0 {
            for k in 0..<rank {
                let d = try u64(at + header + 8 * k), m = try u64(at + header + 8 * (rank + k))
                guard m == UInt64.max || d <= m else {
                    throw Damage(what: "damaged dataspace message: dimension \(k) of \(d) is larger than its maximum, \(m)")
                }
            }
        }
    }

    /// The dimensions of the dataspace message at `at` (nil: not a simple or scalar space).
    private func dimensions(_ at: Int) throws(Damage) -> [Int]? {
        let version = try u8(at), rank = try u8(at + 1)
        guard rank <= 32 else { return nil }
        let dims: Int
        switch version {
        case 1: dims = at + 8
        case 2:
            guard try u8(at + 3) <= 1 else { return nil }
            dims = at + 4
        default: return nil
        }
        var shape: [Int] = []
        for k in 0..<rank {
            let d = try u64(dims + 8 * k)
            guard d <= UInt64(Int.max) else { throw Damage(what: "damaged dataspace message: a dimension of \(d)") }
            shape.append(Int(d))
        }
        return shape
    }

    /// The element count of the dataspace message at `at` (nil: not a simple or scalar
    /// space), counted in 64 bits: the readers apply their own limits (`HDF5File.maxElements`
    /// for NIR and .t1c; none for event files), so that the storage checks below see every
    /// dataset, however large it says it is. More than `Int.max` elements is refused.
    private func elementCount(_ at: Int) throws(Damage) -> Int? {
        guard let shape = try dimensions(at) else { return nil }
        var count = 1
        for d in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw Damage(what: "a dataspace of more than \(Int.max) elements", code: .limitExceeded) }
            count = p
        }
        return count
    }

    /// The number of chunks of `chunk` elements along a dimension of `size` (no overflow).
    static func chunksAlong(_ size: Int, _ chunk: Int) -> Int {
        size / chunk + (size % chunk == 0 ? 0 : 1)
    }

    /// A dataset's storage layout: compact data or a contiguous block large enough for its
    /// elements (libhdf5 1.10 copies from a missing buffer when it is not) and inside the
    /// file. Layout versions before 3 (HDF5 1.6 and older) are refused.
    private func storage(_ layout: Message, type: Message?, space: Message?, filtered: Bool, filters: [Filter]) throws(Damage) {
        guard layout.length >= 2 else { throw Damage(what: "damaged storage layout message: \(layout.length) bytes") }
        let version = try u8(layout.data)
        guard version >= 3 else { throw Damage(what: "storage layout version \(version) is not supported", code: .unsupported) }
        // The message must hold the fields read from it (here, by `chunks` and by libhdf5).
        let fields: Int
        switch try u8(layout.data + 1) {
        case 0: fields = 4
        case 1: fields = 18
        case 2: fields = version == 3 ? 3 : 5
        default: fields = 2
        }
        guard layout.length >= fields else { throw Damage(what: "damaged storage layout message: \(layout.length) bytes") }
        // The bytes the elements need, when the datatype and dataspace are in this header
        // (a shared datatype is not): 0 when unknown; `tooMany` when no file could hold them.
        var need = 0, tooMany = false
        var needed = "0"
        if let type, let space, let count = try elementCount(space.data) {
            let elementSize = try u32(type.data + 4)
            let (n, overflow) = count.multipliedReportingOverflow(by: elementSize)
            (need, tooMany) = overflow ? (0, true) : (n, false)
            needed = overflow ? "\(count) elements of \(elementSize) bytes" : "\(n)"
        }
        switch try u8(layout.data + 1) {
        case 0:
            let size = try u16(layout.data + 2)
            guard 4 + size <= layout.length, !tooMany, size >= need else {
                throw Damage(what: "damaged dataset storage: \(size) bytes of compact data for \(needed)")
            }
        case 1:
            guard try u64(layout.data + 2) != UInt64.max else { return }  // no storage yet: fill values
            // The block must lie inside the file, whatever the dataspace says, and hold the
            // elements when their size is known.
            let size = try u64(layout.data + 10)
            guard size <= UInt64(limit), !tooMany, size >= UInt64(need) else {
                throw Damage(what: "damaged dataset storage: \(size) bytes of contiguous data for \(needed)")
            }
            _ = try address(layout.data + 2, "dataset storage", count: Int(size))
        case 2:
            guard let space else { return }
            try chunks(layout, version: version, space: space, filtered: filtered, filters: filters)
        default:
            break  // virtual: refused by the reader
        }
    }

    /// A chunked dataset: no zero-sized chunk, and no more chunks than the file could index
    /// (libhdf5 1.10 does work for every chunk a read covers, stored or not: a 1-element
    /// chunk over 2^20 elements took it minutes).
    private func chunks(_ layout: Message, version: Int, space: Message, filtered: Bool, filters: [Filter]) throws(Damage) {
        guard let shape = try dimensions(space.data) else { return }
        let rank = try u8(layout.data + (version == 3 ? 2 : 3)) - 1
        guard rank == shape.count else { throw Damage(what: "damaged chunked layout: \(rank) chunk dimensions for a rank-\(shape.count) dataset") }
        // Version 3: 4-byte chunk dimensions after the B-tree address; version 4: `width`-byte
        // ones after flags, rank and width, then the index type and its fields.
        let (first, width) = version == 3 ? (layout.data + 11, 4) : (layout.data + 5, try u8(layout.data + 4))
        guard (1...8).contains(width) else { throw Damage(what: "damaged chunked layout") }
        let fields = first - layout.data + (rank + 1) * width + (version == 3 ? 0 : 1)
        guard layout.length >= fields else { throw Damage(what: "damaged storage layout message: \(layout.length) bytes for \(fields)") }
        var count = 1
        var dims: [Int] = []
        var chunkBytes = 1
        for k in 0...rank {  // the chunk's dimensions, then its element size
            var chunk = 0
            for b in (0..<width).reversed() {
                let byte = try u8(first + k * width + b)
                chunk = chunk << 8 | byte
            }
            guard chunk > 0 else { throw Damage(what: "damaged chunked layout: a chunk dimension of 0") }
            let (n, tooLarge) = chunkBytes.multipliedReportingOverflow(by: chunk)
            guard !tooLarge, n <= 1 << 32 else { throw Damage(what: "damaged chunked layout: chunks of more than 4 GiB") }
            chunkBytes = n
            guard k < rank else { break }
            dims.append(chunk)
            let (c, overflow) = count.multipliedReportingOverflow(by: Self.chunksAlong(shape[k], chunk))
            guard !overflow, c <= bytes.count / 16 + 1024 else {
                throw Damage(what: "damaged chunked layout: more chunks than a file of this size can index", code: .limitExceeded)
            }
            count = c
        }
        try chunkIndex(layout, version: version, grid: ChunkGrid(shape: shape, chunk: dims, bytes: chunkBytes, filtered: filtered, filters: filters), space: space)
    }

    private func datasetStrings(space: Message, layout: Message) throws(Damage) {
        guard let count = try elementCount(space.data) else { return }
        guard try u8(layout.data) >= 3 else { return }
        switch try u8(layout.data + 1) {
        case 0:
            let (total, overflow) = count.multipliedReportingOverflow(by: 16)
            guard !overflow, try u16(layout.data + 2) >= total else { throw Damage(what: "damaged variable-length string references") }
            try references(at: layout.data + 4, count: count)
        case 1:
            guard try u64(layout.data + 2) != UInt64.max else { return }  // no storage yet
            let (total, overflow) = count.multipliedReportingOverflow(by: 16)
            guard !overflow else { throw Damage(what: "damaged variable-length string references") }
            try references(at: try address(layout.data + 2, "dataset storage", count: total), count: count)
        default:
            break  // chunked: checked by libhdf5 chunk by chunk
        }
    }

    func attribute(_ m: Message) throws(Damage) {
        let at = m.data
        let version = try u8(at), flags = try u8(at + 1)
        guard (1...3).contains(version) else { return }
        let nameSize = try u16(at + 2), typeSize = try u16(at + 4), spaceSize = try u16(at + 6)
        func padded(_ n: Int) -> Int { version == 1 ? (n + 7) & ~7 : n }
        let typeAt = at + 8 + (version == 3 ? 1 : 0) + padded(nameSize)
        let spaceAt = typeAt + padded(typeSize)
        let dataAt = spaceAt + padded(spaceSize)
        guard dataAt <= m.data + m.length else { throw Damage(what: "damaged attribute message at byte \(at)") }
        if version > 1, flags & 0x01 != 0 {
            try sharedType(typeAt, typeSize, path: nil)
            return
        }
        let type = try datatype(typeAt, end: typeAt + typeSize)
        guard version == 1 || flags & 0x02 == 0 else { return }  // a shared dataspace
        try checkDataspace(spaceAt, end: spaceAt + spaceSize)
        // libhdf5 1.10 copies elements x type size bytes of data from the message.
        let spaceVersion = try u8(spaceAt), spaceType = try u8(spaceAt + 3)
        let isNull = spaceVersion == 2 && spaceType == 2
        if !isNull {
            let count = try elementCount(spaceAt)
            let (need, overflow) = (count ?? Int.max).multipliedReportingOverflow(by: type.size)
            guard count != nil, !overflow, need <= m.data + m.length - dataAt else {
                throw Damage(what: "damaged attribute message at byte \(at): \(m.data + m.length - dataAt) bytes of data for \(count.map(String.init) ?? "too many") elements of \(type.size) bytes")
            }
        }
        guard try isVariableString(typeAt, typeSize), let count = try elementCount(spaceAt) else { return }
        guard count <= (m.data + m.length - dataAt) / 16 else { throw Damage(what: "damaged variable-length string references") }
        try references(at: dataAt, count: count)
    }

    /// `count` stored references at `at`: each null, or a global heap object of its length.
    private func references(at: Int, count: Int) throws(Damage) {
        guard HDF5Precheck.referencesValid(bytes, at: at, count: count, heap: heap) else {
            throw Damage(what: "damaged variable-length string references")
        }
    }
}
