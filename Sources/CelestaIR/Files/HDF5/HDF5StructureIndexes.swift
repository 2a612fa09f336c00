/// The structures behind chunked datasets and dense (HDF5 1.8 format) link and attribute
/// storage, checked from the bytes before libhdf5 follows them (part of `HDF5Structure`).
///
/// Chunk indexes. A layout-3 chunked dataset (h5py's default format, and HDF5 1.8's)
/// indexes its chunks with a version-1 B-tree (type 1) that carries no checksum: every node
/// (signature, type, level, entry count, siblings), every chunk key (offsets on the chunk grid
/// and inside the dataset) and every chunk (inside the file; an unfiltered one exactly a
/// chunk's bytes) is checked, and no node may be reached twice. Layout 4 (HDF5 1.10 format):
/// a single chunk and an implicit index (all chunks in one block) are checked; the fixed
/// array, extensible array and version-2 B-tree indexes are refused as unsupported (neither
/// Celesta, h5py's default format nor TALON writes them).
///
/// Dense storage. Past 8 links or attributes (or for a large attribute), libhdf5 1.8 and later
/// keep them in a fractal heap indexed by version-2 B-trees. Each heap (its header, every
/// direct and indirect block reachable from its root: signature, heap back-pointer, block
/// offset, inside the file, no block twice), each B-tree (its header, every node: signature,
/// type, no more records than a node holds, child addresses, record totals), each record's
/// heap object (inside its block, or a huge object inside the file) and the link or attribute
/// message the object holds are checked, as those in an object header are. libhdf5 verifies
/// these structures' checksums, but a checksum does not make a crafted structure safe.
extension HDF5Structure {
    // MARK: helpers

    /// The `count`-byte little-endian unsigned number at `at` (count <= 8).
    func unsigned(_ at: Int, _ count: Int) throws(Damage) -> UInt64 {
        try inFile(at, count)
        var v: UInt64 = 0
        for k in (0..<count).reversed() { v = v << 8 | UInt64(bytes[at + k]) }
        return v
    }

    /// libhdf5's `H5VM_limit_enc_size`: the bytes needed to encode numbers up to `n`.
    static func encodedSize(_ n: UInt64) -> Int {
        (n == 0 ? 0 : (63 - n.leadingZeroBitCount)) / 8 + 1
    }

    // MARK: chunk indexes

    struct ChunkGrid {
        /// The dataset's dimensions and its chunk's (without the element size).
        var shape: [Int]
        var chunk: [Int]
        /// Bytes of a whole chunk.
        var bytes: Int
        var filtered: Bool
        /// The dataset's filters, in the order they were applied when writing.
        var filters: [Filter] = []
    }

    struct Filter {
        var id: Int
    }

    /// The filters of a filter pipeline message. Deflate, shuffle and Fletcher-32 are checked
    /// chunk by chunk (`filteredChunk`); any other filter is refused: libhdf5 1.10 trusts the
    /// size a filter's output says and copies a whole chunk from it (a deflate stream of 8
    /// bytes for a chunk of 452,616 overflowed in `H5D__select_read`).
    func filterPipeline(_ m: Message) throws(Damage) -> [Filter] {
        let end = m.data + m.length
        func damaged(_ what: String) -> Damage { Damage(what: "damaged filter pipeline message: \(what)") }
        guard m.length >= 2 else { throw damaged("\(m.length) bytes") }
        let version = try u8(m.data), count = try u8(m.data + 1)
        guard (1...2).contains(version), (1...32).contains(count) else { throw damaged("version \(version), \(count) filters") }
        var p = m.data + (version == 1 ? 8 : 2)
        var out: [Filter] = []
        for _ in 0..<count {
            guard end - p >= 2 else { throw damaged("truncated") }
            let id = try u16(p)
            var nameLength = 0
            p += 2
            if version == 1 || id >= 256 {
                guard end - p >= 2 else { throw damaged("truncated") }
                nameLength = try u16(p)
                p += 2
            }
            guard end - p >= 4 else { throw damaged("truncated") }
            let values = try u16(p + 2)
            p += 4
            let name = version == 1 ? (nameLength + 7) & ~7 : nameLength
            let valueBytes = 4 * values + (version == 1 && values % 2 == 1 ? 4 : 0)
            guard name <= end - p, valueBytes <= end - p - name else { throw damaged("truncated") }
            p += name + valueBytes
            guard [1, 2, 3].contains(id) else {
                throw Damage(what: "datasets with filter \(id) are not supported (only deflate, shuffle and Fletcher-32)", code: .unsupported)
            }
            out.append(Filter(id: id))
        }
        guard out.filter({ $0.id == 1 }).count <= 1 else {
            throw Damage(what: "datasets with more than one deflate filter are not supported", code: .unsupported)
        }
        return out
    }

    /// Where a stored chunk is indexed, for messages: entry `index` of the chunk index B-tree
    /// node at byte `node`, or (`node` nil) a single-chunk index.
    struct ChunkSite {
        var node: Int?
        var index: Int

        var what: String {
            guard let node else { return "damaged single-chunk index" }
            return "damaged chunk index B-tree node at byte \(node): chunk \(index)"
        }
    }

    /// A stored chunk whose inflation `filteredChunk` deferred (`deferFilteredChunks`): its
    /// deflate stream (`stream` bytes at `at`) must inflate to exactly `count` bytes.
    struct DeferredChunk {
        var at: Int
        var stream: Int
        var count: Int
        /// The stored size and whole chunk size, for the message.
        var size: Int
        var chunkBytes: Int
        var site: ChunkSite
    }

    /// The stored chunk of `size` bytes at `at`, whose filters flagged in `mask` were skipped,
    /// must decode to exactly one chunk: its deflate stream inflates to a chunk's bytes (plus
    /// the checksums applied before it), or without deflate it is that size. The cheap checks
    /// (inside the file, the sizes, at most 1,032 times expansion) always run; the inflation is
    /// deferred when `deferFilteredChunks` is set (`verifyDeferredChunks`).
    func filteredChunk(_ at: Int, size: Int, mask: Int, grid: ChunkGrid, site: ChunkSite) throws(Damage) {
        var before = 0, after = 0, deflate = false
        for (k, f) in grid.filters.enumerated() where k >= 32 || mask & (1 << k) == 0 {
            switch f.id {
            case 1: deflate = true
            case 3: if deflate { after += 4 } else { before += 4 }
            default: break
            }
        }
        func damaged() -> Damage { Damage(what: Self.shortChunk(site: site, size: size, chunkBytes: grid.bytes)) }
        guard deflate else {
            guard size == grid.bytes + before else { throw damaged() }
            return
        }
        let stream = size - after, count = grid.bytes + before
        // A deflate stream expands at most 1,032 times.
        guard stream > 0, count / 1032 <= stream else { throw damaged() }
        try inFile(at, size)
        let chunk = DeferredChunk(at: at, stream: stream, count: count, size: size, chunkBytes: grid.bytes, site: site)
        if deferFilteredChunks {
            deferredChunks[currentObject, default: (path: currentPath, chunks: [])].chunks.append(chunk)
            return
        }
        guard inflates(chunk) else { throw damaged() }
    }

    static func shortChunk(site: ChunkSite, size: Int, chunkBytes: Int) -> String {
        "\(site.what): a chunk of \(size) stored bytes does not decode to a chunk of \(chunkBytes) bytes"
    }

    /// Whether the deferred chunk's deflate stream inflates to exactly its bytes.
    private func inflates(_ chunk: DeferredChunk) -> Bool {
        let source = UnsafeRawBufferPointer(rebasing: bytes[chunk.at..<(chunk.at + chunk.stream)])
        return withUnsafeTemporaryAllocation(byteCount: chunk.count, alignment: 16) { target in
            HDF5Decompressor().zlib(source, into: target.baseAddress!, count: chunk.count)
        }
    }

    /// Inflates the chunks whose inflation was deferred (`deferFilteredChunks`), of every
    /// object checked so far except those at the file addresses in `except` (datasets whose
    /// chunks their reader decompresses itself, refusing one that does not inflate to a
    /// chunk): a chunk that does not decode to exactly one chunk is refused with `.parse`
    /// naming its dataset. Run before libhdf5 reads any of these datasets (libhdf5 1.10
    /// copies a whole chunk from whatever its filters return: `H5D__select_read` overflowed).
    /// Call while `bytes` is valid.
    func verifyDeferredChunks(except: Set<UInt64>) throws(CelestaError) {
        // In file order, so that the first damaged chunk named is the same every time.
        for address in deferredChunks.keys.sorted() where !except.contains(address) {
            let entry = deferredChunks[address]!
            for chunk in entry.chunks where !inflates(chunk) {
                throw place.error(.parse, entry.path, Self.shortChunk(site: chunk.site, size: chunk.size, chunkBytes: chunk.chunkBytes))
            }
        }
        deferredChunks = [:]
    }

    /// The chunk index of a chunked dataset (layout message at `layout`, `version` 3 or 4)
    /// whose dataspace message is `space`.
    func chunkIndex(_ layout: Message, version: Int, grid: ChunkGrid, space: Message) throws(Damage) {
        if version == 3 {
            guard try u64(layout.data + 3) != UInt64.max else { return }  // no chunk written yet
            let root = try address(layout.data + 3, "chunk index (B-tree)", count: 24)
            try chunkNode(root, level: nil, grid: grid)
            return
        }
        let flags = try u8(layout.data + 2), width = try u8(layout.data + 4)
        var p = layout.data + 5 + (grid.chunk.count + 1) * width
        let type = try u8(p)
        p += 1
        switch type {
        case 1:  // a single chunk
            var size = grid.bytes
            var mask = 0
            guard layout.data + layout.length - p >= (flags & 0x02 != 0 ? 20 : 8) else {
                throw Damage(what: "damaged storage layout message: \(layout.length) bytes")
            }
            if flags & 0x02 != 0 {  // filtered: its stored size and filter mask
                let stored = try u64(p)
                guard stored > 0, stored <= UInt64(limit) else { throw Damage(what: "damaged single-chunk index: a chunk of \(stored) bytes") }
                size = Int(stored)
                mask = try u32(p + 8)
                p += 12
            } else if grid.filtered {
                throw Damage(what: "damaged single-chunk index: a filtered dataset without its chunk's stored size")
            }
            guard zip(grid.shape, grid.chunk).allSatisfy({ $0 <= $1 }) else {
                throw Damage(what: "damaged single-chunk index: the dataset is larger than its one chunk")
            }
            if try u64(p) != UInt64.max {
                let chunk = try address(p, "dataset chunk", count: size)
                if grid.filtered { try filteredChunk(chunk, size: size, mask: mask, grid: grid, site: ChunkSite(node: nil, index: 0)) }
            }
        case 2:  // implicit: every chunk, unfiltered, in one block
            guard !grid.filtered else { throw Damage(what: "damaged chunked layout: an implicit chunk index over filtered chunks") }
            guard layout.data + layout.length - p >= 8 else { throw Damage(what: "damaged storage layout message: \(layout.length) bytes") }
            let shape = try maxDimensions(space.data) ?? grid.shape
            var total = grid.bytes
            for (s, c) in zip(shape, grid.chunk) {
                let (t, overflow) = total.multipliedReportingOverflow(by: HDF5Structure.chunksAlong(s, c))
                guard !overflow, t <= limit else { throw Damage(what: "damaged implicit chunk index: more chunk bytes than the file holds") }
                total = t
            }
            if try u64(p) != UInt64.max { _ = try address(p, "dataset chunks", count: total) }
        case 3, 4, 5:
            let name = ["fixed array", "extensible array", "version-2 B-tree"][type - 3]
            throw Damage(
                what: "chunked datasets indexed by a \(name) (HDF5 1.10 format) are not supported; write the file in an earlier format (h5py's default, libver='earliest' or 'v108')",
                code: .unsupported)
        default:
            throw Damage(what: "damaged chunked layout: chunk index type \(type)")
        }
    }

    /// The maximum dimensions of the dataspace message at `at`, nil when it stores none; an
    /// unlimited one is refused (only a fixed-size dataset has an implicit chunk index).
    private func maxDimensions(_ at: Int) throws(Damage) -> [Int]? {
        let version = try u8(at), rank = try u8(at + 1), flags = try u8(at + 2)
        guard flags & 0x01 != 0, rank <= 32 else { return nil }
        let first = (version == 1 ? at + 8 : at + 4) + 8 * rank
        var shape: [Int] = []
        for k in 0..<rank {
            let d = try u64(first + 8 * k)
            guard d != UInt64.max else { throw Damage(what: "damaged chunked layout: an implicit chunk index over an unlimited dimension") }
            guard d <= UInt64(Int.max) else { throw Damage(what: "damaged dataspace message: a maximum dimension of \(d)") }
            shape.append(Int(d))
        }
        return shape
    }

    /// Version-1 B-tree node `at` of a chunk index (type 1), and below it.
    private func chunkNode(_ at: Int, level: Int?, grid: ChunkGrid) throws(Damage) {
        guard checkedNodes.insert(UInt64(at)).inserted else { throw Damage(what: "damaged chunk index: B-tree node at byte \(at) reached twice") }
        try spend()
        let dims = grid.chunk.count + 1  // the chunk's dimensions and its element size
        let keySize = 8 + 8 * dims
        let nodeSize = 24 + 2 * chunkK * 8 + (2 * chunkK + 1) * keySize
        try inFile(at, nodeSize)
        guard hasSignature(at, "TREE"), try u8(at + 4) == 1 else { throw Damage(what: "damaged chunk index B-tree node at byte \(at)") }
        let nodeLevel = try u8(at + 5)
        guard level == nil || nodeLevel == level!, nodeLevel < 32 else { throw Damage(what: "damaged chunk index B-tree node at byte \(at): level \(nodeLevel)") }
        let used = try u16(at + 6)
        guard used <= 2 * chunkK else { throw Damage(what: "damaged chunk index B-tree node at byte \(at): \(used) entries") }
        for sibling in [at + 8, at + 16] {
            if try u64(sibling) != UInt64.max { _ = try address(sibling, "chunk index B-tree sibling", count: nodeSize) }
        }
        for i in 0..<used {
            let key = at + 24 + i * (keySize + 8)
            let child = key + keySize
            if nodeLevel > 0 {
                try chunkNode(try address(child, "chunk index B-tree child", count: nodeSize), level: nodeLevel - 1, grid: grid)
                continue
            }
            let size = try u32(key)
            for k in 0..<dims {
                let offset = try u64(key + 8 + 8 * k)
                let inside = k == dims - 1 ? offset == 0 : offset < UInt64(grid.shape[k]) && Int(offset) % grid.chunk[k] == 0
                guard inside else { throw Damage(what: "damaged chunk index B-tree node at byte \(at): chunk \(i) at offset \(offset) in dimension \(k)") }
            }
            guard grid.filtered ? size > 0 : size == grid.bytes else {
                throw Damage(what: "damaged chunk index B-tree node at byte \(at): chunk \(i) of \(size) bytes (a chunk holds \(grid.bytes))")
            }
            let chunk = try address(child, "dataset chunk", count: grid.filtered ? size : grid.bytes)
            if grid.filtered {
                try filteredChunk(chunk, size: size, mask: try u32(key + 4), grid: grid, site: ChunkSite(node: at, index: i))
            }
        }
    }

    // MARK: fractal heaps

    /// A fractal heap whose structure has been checked: where its objects lie.
    struct FractalHeap {
        /// The header's position in `bytes`.
        var at: Int
        var idLength: Int
        var width: Int
        var startBlock: Int
        /// Rows of direct blocks in an indirect block.
        var directRows: Int
        /// Bytes of a heap offset (in IDs and block headers) and of a managed object's length.
        var offsetBytes: Int
        var lengthBytes: Int
        var checksummedDirect: Bool
        /// Direct blocks by heap offset: their size, position in `bytes` and header size.
        var blocks: [(offset: Int, size: Int, at: Int, header: Int)] = []
        /// Huge objects: IDs stored directly (address and length), or keys into `huge`.
        var hugeDirect: Bool
        var hugeKeyBytes: Int
        var huge: [UInt64: Range<Int>] = [:]

        func rowSize(_ row: Int) -> Int { row == 0 ? startBlock : startBlock << (row - 1) }
        func rowOffset(_ row: Int) -> Int { row == 0 ? 0 : width * (startBlock << (row - 1)) }
    }

    /// Checks the fractal heap whose header is at `at` (`what` names its use) and every block
    /// and huge object it holds.
    func fractalHeap(_ at: Int, what: String) throws(Damage) -> FractalHeap {
        func damaged(_ why: String) -> Damage { Damage(what: "damaged \(what) (fractal heap at byte \(at)): \(why)") }
        try inFile(at, 146)
        guard hasSignature(at, "FRHP"), try u8(at + 4) == 0 else { throw damaged("signature or version") }
        laterChecksum(at, count: 142, at: at + 142, damaged("checksum"))
        guard try u16(at + 7) == 0 else { throw Damage(what: "\(what): a filtered fractal heap is not supported", code: .unsupported) }
        let idLength = try u16(at + 5), flags = try u8(at + 9), maxManaged = try u32(at + 10)
        let width = try u16(at + 110), startBlock = try u64(at + 112), maxDirect = try u64(at + 120)
        let maxBits = try u16(at + 128), rows = try u16(at + 140)
        guard width > 0, width.nonzeroBitCount == 1 else { throw damaged("table width \(width)") }
        guard startBlock >= 32, startBlock.nonzeroBitCount == 1, maxDirect.nonzeroBitCount == 1, startBlock <= maxDirect,
              maxDirect <= 1 << 32
        else { throw damaged("block sizes \(startBlock) to \(maxDirect)") }
        let log2Start = startBlock.trailingZeroBitCount, log2Width = width.trailingZeroBitCount
        let log2Direct = maxDirect.trailingZeroBitCount
        guard maxBits <= 60, maxBits >= log2Start + log2Width, maxBits >= log2Direct else { throw damaged("heap size of \(maxBits) bits") }
        guard rows <= maxBits - log2Start - log2Width + 1 else { throw damaged("\(rows) rows in the root block") }
        guard maxManaged > 0, UInt64(maxManaged) <= maxDirect else { throw damaged("managed objects of up to \(maxManaged) bytes") }
        let offsetBytes = (maxBits + 7) / 8
        let lengthBytes = min((log2Direct + 7) / 8, HDF5Structure.encodedSize(UInt64(maxManaged)))
        guard idLength >= 1 + offsetBytes + lengthBytes, idLength <= 64 else { throw damaged("heap IDs of \(idLength) bytes") }
        var heap = FractalHeap(
            at: at, idLength: idLength, width: width, startBlock: Int(startBlock), directRows: log2Direct - log2Start + 2,
            offsetBytes: offsetBytes, lengthBytes: lengthBytes, checksummedDirect: flags & 0x02 != 0,
            hugeDirect: idLength - 1 >= 16, hugeKeyBytes: min(idLength - 1, 8))
        if try u64(at + 132) != UInt64.max {
            let root = try address(at + 132, "\(what) (fractal heap root block)", count: 16)
            if rows == 0 {
                try directBlock(root, offset: 0, size: heap.startBlock, heap: &heap, what: what)
            } else {
                try indirectBlock(root, offset: 0, rows: rows, heap: &heap, what: what, depth: 0)
            }
        }
        heap.blocks.sort { $0.offset < $1.offset }
        if try u64(at + 22) != UInt64.max {
            // The huge objects' B-tree: type 3 (address, length) when IDs hold both, else
            // type 1 (address, length, key).
            let tree = try address(at + 22, "\(what) (huge objects' B-tree)", count: 38)
            let direct = heap.hugeDirect
            var huge: [UInt64: Range<Int>] = [:]
            try v2Tree(tree, type: direct ? 3 : 1, recordSize: direct ? 16 : 24, what: "\(what) (huge objects)") { (r: Int) throws(Damage) in
                let length = try self.u64(r + 8)
                guard length > 0, length <= UInt64(self.limit) else { throw damaged("a huge object of \(length) bytes") }
                let start = try self.address(r, "\(what) (huge object)", count: Int(length))
                if !direct { huge[try self.u64(r + 16)] = start..<(start + Int(length)) }
            }
            heap.huge = huge
        }
        return heap
    }

    private func directBlock(_ at: Int, offset: Int, size: Int, heap: inout FractalHeap, what: String) throws(Damage) {
        func damaged(_ why: String) -> Damage { Damage(what: "damaged \(what) (fractal heap direct block at byte \(at)): \(why)") }
        guard checkedNodes.insert(UInt64(at)).inserted else { throw damaged("reached twice") }
        try spend()
        try inFile(at, size)
        guard hasSignature(at, "FHDB"), try u8(at + 4) == 0 else { throw damaged("signature or version") }
        guard try u64(at + 5) == UInt64(heap.at - base) else { throw damaged("it belongs to another heap") }
        guard try unsigned(at + 13, heap.offsetBytes) == UInt64(offset) else { throw damaged("block offset") }
        let header = 13 + heap.offsetBytes + (heap.checksummedDirect ? 4 : 0)
        guard header < size else { throw damaged("\(size) bytes") }
        if heap.checksummedDirect {
            let sum = at + 13 + heap.offsetBytes
            laterChecksum(at, count: size, at: sum, zeroed: sum, damaged("checksum"))
        }
        heap.blocks.append((offset, size, at, header))
    }

    private func indirectBlock(_ at: Int, offset: Int, rows: Int, heap: inout FractalHeap, what: String, depth: Int) throws(Damage) {
        func damaged(_ why: String) -> Damage { Damage(what: "damaged \(what) (fractal heap indirect block at byte \(at)): \(why)") }
        guard depth < 16 else { throw damaged("nested too deep") }
        guard checkedNodes.insert(UInt64(at)).inserted else { throw damaged("reached twice") }
        try spend()
        let entries = at + 13 + heap.offsetBytes
        try inFile(entries, rows * heap.width * 8 + 4)
        guard hasSignature(at, "FHIB"), try u8(at + 4) == 0 else { throw damaged("signature or version") }
        guard try u64(at + 5) == UInt64(heap.at - base) else { throw damaged("it belongs to another heap") }
        guard try unsigned(at + 13, heap.offsetBytes) == UInt64(offset) else { throw damaged("block offset") }
        let sum = entries + rows * heap.width * 8
        laterChecksum(at, count: sum - at, at: sum, damaged("checksum"))
        let log2Width = heap.width.trailingZeroBitCount
        for row in 0..<rows {
            for column in 0..<heap.width {
                let entry = entries + (row * heap.width + column) * 8
                guard try u64(entry) != UInt64.max else { continue }
                let child = offset + heap.rowOffset(row) + column * heap.rowSize(row)
                if row < heap.directRows {
                    let size = heap.rowSize(row)
                    try directBlock(try address(entry, "\(what) (fractal heap block)", count: size), offset: child, size: size, heap: &heap, what: what)
                } else {
                    let childRows = row - log2Width
                    guard childRows >= 1, childRows < rows else { throw damaged("row \(row)") }
                    try indirectBlock(
                        try address(entry, "\(what) (fractal heap block)", count: 16), offset: child, rows: childRows, heap: &heap,
                        what: what, depth: depth + 1)
                }
            }
        }
    }

    /// The bytes of the heap object whose ID is at `id`.
    func heapObject(_ id: Int, heap: FractalHeap, what: String) throws(Damage) -> Range<Int> {
        func damaged(_ why: String) -> Damage { Damage(what: "damaged \(what) heap ID at byte \(id): \(why)") }
        try inFile(id, heap.idLength)
        let flags = try u8(id)
        guard flags >> 6 == 0 else { throw damaged("version \(flags >> 6)") }
        switch (flags >> 4) & 3 {
        case 0:  // managed: an offset into the heap and a length
            let offset = try unsigned(id + 1, heap.offsetBytes), length = try unsigned(id + 1 + heap.offsetBytes, heap.lengthBytes)
            guard length > 0 else { throw damaged("an empty object") }
            // The last block starting at or before the offset.
            var low = 0, high = heap.blocks.count
            while low < high {
                let mid = (low + high) / 2
                if UInt64(heap.blocks[mid].offset) <= offset { low = mid + 1 } else { high = mid }
            }
            guard low > 0 else { throw damaged("no block holds offset \(offset)") }
            let block = heap.blocks[low - 1]
            let delta = offset - UInt64(block.offset)
            guard delta >= UInt64(block.header), delta < UInt64(block.size), length <= UInt64(block.size) - delta else {
                throw damaged("\(length) bytes at offset \(offset) are not inside a block")
            }
            let within = Int(delta)
            return (block.at + within)..<(block.at + within + Int(length))
        case 1:  // huge
            if heap.hugeDirect {
                let length = try u64(id + 9)
                guard length > 0, length <= UInt64(limit) else { throw damaged("a huge object of \(length) bytes") }
                let start = try address(id + 1, "\(what) (huge object)", count: Int(length))
                return start..<(start + Int(length))
            }
            let key = try unsigned(id + 1, heap.hugeKeyBytes)
            guard let range = heap.huge[key] else { throw damaged("no such huge object") }
            return range
        case 2:  // tiny: inside the ID
            let extended = heap.idLength > 18
            let second = try u8(id + 1)
            let length = extended ? (flags & 0x0F) << 8 | second : flags & 0x0F
            let start = id + (extended ? 2 : 1)
            guard start + length + 1 <= id + heap.idLength else { throw damaged("a tiny object longer than its ID") }
            return start..<(start + length + 1)
        default:
            throw damaged("type \((flags >> 4) & 3)")
        }
    }

    // MARK: version-2 B-trees

    /// Checks the version-2 B-tree whose header is at `at` (records of `type`, each
    /// `recordSize` bytes) and every node; calls `record` with each record's position.
    func v2Tree(_ at: Int, type: Int, recordSize: Int, what: String, record: (Int) throws(Damage) -> Void) throws(Damage) {
        func damaged(_ why: String) -> Damage { Damage(what: "damaged \(what) (B-tree at byte \(at)): \(why)") }
        try inFile(at, 38)
        guard hasSignature(at, "BTHD"), try u8(at + 4) == 0 else { throw damaged("signature or version") }
        laterChecksum(at, count: 34, at: at + 34, damaged("checksum"))
        let stored = try u8(at + 5), storedSize = try u16(at + 10)
        guard stored == type else { throw damaged("type \(stored), not \(type)") }
        let nodeSize = try u32(at + 6), depth = try u16(at + 12), rootCount = try u16(at + 24), total = try u64(at + 26)
        guard storedSize == recordSize else { throw damaged("records of \(storedSize) bytes") }
        guard nodeSize >= 10 + recordSize, nodeSize <= 1 << 20, nodeSize <= limit else { throw damaged("nodes of \(nodeSize) bytes") }
        guard depth < 16 else { throw damaged("depth \(depth)") }
        // Records per node at each depth, and the widths of the child pointers' counts
        // (libhdf5's H5B2__hdr_init).
        var most = [(nodeSize - 10) / recordSize]
        var cumulative = [UInt64(most[0])]
        var cumulativeBytes = [0]
        let countBytes = HDF5Structure.encodedSize(UInt64(most[0]))
        if depth > 0 {
            for d in 1...depth {
                let pointer = 8 + countBytes + (d > 1 ? cumulativeBytes[d - 1] : 0)
                let m = (nodeSize - 10) / (recordSize + pointer)
                guard m > 0 else { throw damaged("depth \(depth) for nodes of \(nodeSize) bytes") }
                let (a, o1) = UInt64(m + 1).multipliedReportingOverflow(by: cumulative[d - 1])
                let (c, o2) = a.addingReportingOverflow(UInt64(m))
                guard !o1, !o2 else { throw damaged("depth \(depth)") }
                most.append(m)
                cumulative.append(c)
                cumulativeBytes.append(HDF5Structure.encodedSize(c))
            }
        }
        guard rootCount <= most[depth] else { throw damaged("\(rootCount) records in the root") }
        guard try u64(at + 16) != UInt64.max else {
            guard rootCount == 0, total == 0 else { throw damaged("records without a root") }
            return
        }
        let root = try address(at + 16, "\(what) (B-tree root)", count: nodeSize)
        let shape = V2Shape(
            type: type, nodeSize: nodeSize, recordSize: recordSize, most: most, countBytes: countBytes,
            cumulativeBytes: cumulativeBytes, what: what)
        guard try v2Node(root, level: depth, count: rootCount, shape: shape, record: record) == total else {
            throw damaged("\(total) records in all")
        }
    }

    /// A version-2 B-tree's node sizes (`v2Tree`).
    private struct V2Shape {
        var type: Int
        var nodeSize: Int
        var recordSize: Int
        /// Records per node at each depth (0: leaves).
        var most: [Int]
        /// Bytes of a child pointer's record count, and of its total below (by depth).
        var countBytes: Int
        var cumulativeBytes: [Int]
        var what: String
    }

    /// Node `at` at `level` holding `count` records, and below it: returns the records there.
    private func v2Node(_ at: Int, level: Int, count: Int, shape: V2Shape, record: (Int) throws(Damage) -> Void) throws(Damage) -> UInt64 {
        func damaged(_ why: String) -> Damage { Damage(what: "damaged \(shape.what) (B-tree node at byte \(at)): \(why)") }
        guard checkedNodes.insert(UInt64(at)).inserted else { throw damaged("reached twice") }
        try spend()
        try inFile(at, shape.nodeSize)
        guard hasSignature(at, level == 0 ? "BTLF" : "BTIN"), try u8(at + 4) == 0, try u8(at + 5) == shape.type else {
            throw damaged("signature, version or type")
        }
        guard count <= shape.most[level] else { throw damaged("\(count) records") }
        // The records, then (inside a tree) the child pointers, then the checksum.
        let totalBytes = level > 1 ? shape.cumulativeBytes[level - 1] : 0
        let pointer = 8 + shape.countBytes + totalBytes
        let checksumAt = at + 6 + count * shape.recordSize + (level > 0 ? (count + 1) * pointer : 0)
        guard checksumAt + 4 <= at + shape.nodeSize else { throw damaged("\(count) records") }
        laterChecksum(at, count: checksumAt - at, at: checksumAt, damaged("checksum"))
        for i in 0..<count { try record(at + 6 + i * shape.recordSize) }
        guard level > 0 else { return UInt64(count) }
        var p = at + 6 + count * shape.recordSize
        var sum = UInt64(count)
        for _ in 0...count {
            let child = try address(p, "\(shape.what) (B-tree node)", count: shape.nodeSize)
            let childCount = try unsigned(p + 8, shape.countBytes)
            guard childCount <= UInt64(shape.most[level - 1]) else { throw damaged("a child of \(childCount) records") }
            let below = try v2Node(child, level: level - 1, count: Int(childCount), shape: shape, record: record)
            if level > 1 {
                guard try unsigned(p + 8 + shape.countBytes, totalBytes) == below else { throw damaged("record totals") }
            }
            sum += below
            p += pointer
        }
        return sum
    }

    // MARK: dense links and attributes

    /// The dense storage that a link or attribute info message (`m`) leads to: its fractal heap
    /// (whose IDs must be `idLength` bytes), where the name index's address is, and where the
    /// creation-order index's is when there is one; nil when the storage is compact (the
    /// messages are in the object header). `creationIndexBytes`: the width of the maximum
    /// creation index field that a flag adds before the heap's address.
    private func denseStorage(_ m: Message, of what: String, creationIndexBytes: Int, idLength: Int) throws(Damage) -> (heap: FractalHeap, namesAt: Int, orderAt: Int?)? {
        guard m.length >= 18, try u8(m.data) == 0 else { throw Damage(what: "damaged \(what) info message at byte \(m.data)") }
        let flags = try u8(m.data + 1)
        let heapAt = m.data + 2 + (flags & 0x01 != 0 ? creationIndexBytes : 0)
        let orderAt = flags & 0x02 != 0 ? heapAt + 16 : nil
        guard (orderAt ?? heapAt + 8) + 8 <= m.data + m.length else { throw Damage(what: "damaged \(what) info message at byte \(m.data)") }
        guard try u64(heapAt) != UInt64.max else { return nil }
        let heap = try fractalHeap(try address(heapAt, "\(what) storage", count: 146), what: "\(what) storage")
        guard heap.idLength == idLength else { throw Damage(what: "damaged \(what) storage: heap IDs of \(heap.idLength) bytes") }
        var order: Int? = nil
        if let orderAt, try u64(orderAt) != UInt64.max { order = orderAt }
        return (heap, heapAt + 8, order)
    }

    /// A link info message (`m`): when the links are dense, their heap, their name index (and
    /// creation-order index), each link and the object it leads to.
    func linkInfo(_ m: Message, path: String, depth: Int) throws(Damage) {
        // compact: link messages in the header
        guard let (heap, namesAt, orderAt) = try denseStorage(m, of: "link", creationIndexBytes: 8, idLength: 7) else { return }
        var links: [(name: String, address: UInt64)] = []
        try v2Tree(try address(namesAt, "link name index", count: 38), type: 5, recordSize: 11, what: "link name index") { (r: Int) throws(Damage) in
            let object = try self.heapObject(r + 4, heap: heap, what: "link")
            if let link = try self.hardLink(object.lowerBound, object.count) { links.append(link) }
        }
        if let orderAt {
            try v2Tree(try address(orderAt, "link creation-order index", count: 38), type: 6, recordSize: 15, what: "link creation-order index") {
                (r: Int) throws(Damage) in
                let object = try self.heapObject(r + 8, heap: heap, what: "link")
                _ = try self.hardLink(object.lowerBound, object.count)
            }
        }
        for link in links {
            try object(link.address, path: (path == "/" ? "" : path) + "/" + link.name, depth: depth + 1)
        }
    }

    /// An attribute info message (`m`): when the attributes are dense, their heap, their
    /// name index (and creation-order index) and each attribute message.
    func attributeInfo(_ m: Message) throws(Damage) {
        // compact: attribute messages in the header
        guard let (heap, namesAt, orderAt) = try denseStorage(m, of: "attribute", creationIndexBytes: 2, idLength: 8) else { return }
        func denseAttribute(_ r: Int) throws(Damage) {
            guard try u8(r + 8) & 0x02 == 0 else {
                throw Damage(what: "attributes kept in the shared message heap are not supported", code: .unsupported)
            }
            let object = try heapObject(r, heap: heap, what: "attribute")
            try attribute(Message(type: 0x000C, data: object.lowerBound, length: object.count, shared: false))
        }
        try v2Tree(try address(namesAt, "attribute name index", count: 38), type: 8, recordSize: 17, what: "attribute name index") {
            (r: Int) throws(Damage) in try denseAttribute(r)
        }
        if let orderAt {
            try v2Tree(try address(orderAt, "attribute creation-order index", count: 38), type: 9, recordSize: 13, what: "attribute creation-order index") {
                (r: Int) throws(Damage) in try denseAttribute(r)
            }
        }
    }
}
