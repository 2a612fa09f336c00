internal import CHDF5

/// Reads a whole HDF5 file into an `HDF5Group` tree. Used only under `HDF5Runtime.locked`.
///
/// Speed: each group's links are listed once with H5Literate (name order, with the target
/// address), every child is opened by address (no second name lookup), each dataset is read
/// straight into the buffer that becomes its value (gzip chunks decompressed by libdeflate),
/// and a contiguous dataset's storage is known from its offset. What remains is libhdf5's own
/// cost of opening an object (most of ~40 µs per small dataset on a 2-core host).
///
/// Robustness: soft and external links, named datatypes and unsupported element types are
/// errors; so are groups nested deeper than `HDF5File.maxDepth`, a group reached again on its
/// own path (a hard-link cycle), a value of more than `HDF5File.maxElements` elements, and more
/// decoded bytes (over the whole file) than `HDF5File.maxExpansion` times the file size plus
/// 64 MiB, which bounds the work a hostile file (e.g. a deep diamond of hard links) can cause.
final class HDF5TreeReader {
    private let place: HDF5Place
    private let file: hid_t
    private let types: HDF5TypeSet
    /// Addresses of the groups on the path being read (cycle detection).
    private var openGroups: [haddr_t] = []
    /// Decoded bytes and objects still allowed.
    private var byteBudget: Int
    private var objectBudget: Int

    /// The file's bytes (as libhdf5 reads them), where its superblock starts, and its global
    /// heap objects, for checking variable-length references before libhdf5 follows them.
    private let bytes: UnsafeRawBufferPointer
    private let superblock: Int
    private let heap: HDF5Precheck.HeapIndex
    /// The structure checks (every object is checked before libhdf5 opens it).
    private let structure: HDF5Structure

    init(
        place: HDF5Place, file: hid_t, bytes: UnsafeRawBufferPointer, superblock: Int, heap: HDF5Precheck.HeapIndex,
        structure: HDF5Structure
    ) throws(CelestaError) {
        self.structure = structure
        self.place = place
        self.file = file
        self.bytes = bytes
        self.superblock = superblock
        self.heap = heap
        let fileSize = bytes.count
        self.types = try HDF5TypeSet()
        let (scaled, overflow) = fileSize.multipliedReportingOverflow(by: HDF5File.maxExpansion)
        byteBudget = overflow ? Int.max : scaled &+ (64 << 20)
        objectBudget = fileSize / 8 + 1024
    }

    /// The root group.
    func readRoot() throws(CelestaError) -> HDF5Group {
        let root = H5Gopen2(file, "/", hdf5Default)
        guard root >= 0 else { throw place.failure(.parse, "/", "cannot open the root group") }
        defer { H5Gclose(root) }
        return try readGroup(root, address: try address(of: root, "/"), path: "", depth: 0)
    }

    // MARK: groups

    private struct Link {
        var name: String
        var type: H5L_type_t
        var address: haddr_t
    }

    private final class LinkList {
        var links: [Link] = []
        var limit: Int
        init(limit: Int) { self.limit = limit }
    }

    private func readGroup(_ gid: hid_t, address: haddr_t, path: String, depth: Int) throws(CelestaError) -> HDF5Group {
        let shown = path.isEmpty ? "/" : path
        guard depth <= HDF5File.maxDepth else {
            throw place.error(.limitExceeded, shown, "groups nested deeper than \(HDF5File.maxDepth)")
        }
        guard !openGroups.contains(address) else {
            throw place.error(.parse, shown, "hard-link cycle: this group contains itself")
        }
        openGroups.append(address)
        defer { openGroups.removeLast() }

        var group = HDF5Group()
        group.attributes = try readAttributes(gid, path: shown)

        let list = LinkList(limit: objectBudget)
        var index: hsize_t = 0
        let status = withExtendedLifetime(list) {
            H5Literate(gid, H5_INDEX_NAME, H5_ITER_INC, &index, { _, name, info, data in
                guard let name, let info, let data else { return -1 }
                let list = Unmanaged<LinkList>.fromOpaque(data).takeUnretainedValue()
                guard list.links.count < list.limit else { return -1 }
                list.links.append(Link(name: String(cString: name), type: info.pointee.type, address: info.pointee.u.address))
                return 0
            }, Unmanaged.passUnretained(list).toOpaque())
        }
        guard status >= 0 else {
            if list.links.count >= list.limit {
                throw place.error(.limitExceeded, shown, "more objects than a file of this size can hold")
            }
            throw place.failure(.parse, shown, "cannot list the group's members")
        }

        group.children.reserveCapacity(list.links.count)
        for link in list.links {
            let childPath = path + "/" + link.name
            objectBudget -= 1
            guard objectBudget >= 0 else {
                throw place.error(.limitExceeded, childPath, "more objects than a file of this size can hold")
            }
            switch link.type {
            case H5L_TYPE_HARD: break
            case H5L_TYPE_SOFT: throw place.error(.unsupported, childPath, "soft links are not supported")
            case H5L_TYPE_EXTERNAL: throw place.error(.unsupported, childPath, "external links are not supported")
            default: throw place.error(.unsupported, childPath, "user-defined links are not supported")
            }
            try structure.check(object: UInt64(link.address), path: childPath, depth: depth + 1)
            let oid = H5Oopen_by_addr(file, link.address)
            guard oid >= 0 else { throw place.failure(.parse, childPath, "cannot open the object") }
            defer { H5Oclose(oid) }
            switch H5Iget_type(oid) {
            case H5I_GROUP:
                let child = try readGroup(oid, address: link.address, path: childPath, depth: depth + 1)
                group.children.append((name: link.name, node: .group(child)))
            case H5I_DATASET:
                group.children.append((name: link.name, node: .dataset(try readDataset(oid, path: childPath))))
            case H5I_DATATYPE:
                throw place.error(.unsupported, childPath, "named datatypes are not supported")
            default:
                throw place.error(.parse, childPath, "unknown kind of object")
            }
        }
        return group
    }

    private func address(of object: hid_t, _ path: String) throws(CelestaError) -> haddr_t {
        var info = H5O_info_t()
        guard H5Oget_info2(object, &info, UInt32(H5O_INFO_BASIC)) >= 0 else {
            throw place.failure(.parse, path, "cannot read the object header")
        }
        return info.addr
    }

    // MARK: datasets

    private func readDataset(_ did: hid_t, path: String) throws(CelestaError) -> HDF5Dataset {
        // Only a contiguous dataset with its storage allocated has an offset: then the storage
        // is known without copying the creation properties (a sixth of a small dataset's cost).
        let offset = H5Dget_offset(did)
        let storage = offset != haddr_t.max ? .contiguous : try readStorage(did, path: path)
        let type = H5Dget_type(did)
        guard type >= 0 else { throw place.failure(.parse, path, "cannot read the datatype") }
        defer { H5Tclose(type) }
        let space = H5Dget_space(did)
        guard space >= 0 else { throw place.failure(.parse, path, "cannot read the dataspace") }
        defer { H5Sclose(space) }
        if storage == .contiguous, H5Tget_class(type) == H5T_STRING, H5Tis_variable_str(type) > 0 {
            try checkReferences(offset: offset, space: space, path: path)
        }
        let value = try readValue(type: type, space: space, path: path) { memType, buffer in
            if case .chunked(let chunk, _?) = storage, readGzipChunks(did, fileType: type, memType: memType, space: space, chunk: chunk, into: buffer) {
                return 0
            }
            return H5Dread(did, memType, hdf5All, hdf5All, types.transfer, buffer)
        }
        return HDF5Dataset(value, attributes: try readAttributes(did, path: path), storage: storage)
    }

    /// Reads a gzip-compressed chunked dataset chunk by chunk, decompressed by libdeflate,
    /// when it is the simple case: deflate its only filter, no type conversion, every chunk
    /// stored, each decompressing to exactly a chunk. False otherwise (a damaged chunk too):
    /// the caller then reads through libhdf5, which decides.
    private func readGzipChunks(_ did: hid_t, fileType: hid_t, memType: hid_t, space: hid_t, chunk: [Int], into buffer: UnsafeMutableRawPointer) -> Bool {
        guard H5Tequal(fileType, memType) > 0 else { return false }
        let dcpl = H5Dget_create_plist(did)
        guard dcpl >= 0 else { return false }
        defer { H5Pclose(dcpl) }
        var flags: UInt32 = 0, count = 1, config: UInt32 = 0
        var values: [UInt32] = [0]
        var name = [CChar](repeating: 0, count: 2)
        guard H5Pget_nfilters(dcpl) == 1, H5Pget_filter2(dcpl, 0, &flags, &count, &values, 1, &name, &config) == H5Z_FILTER_DEFLATE else {
            return false
        }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank == chunk.count, rank > 0 else { return false }
        var dims = [hsize_t](repeating: 0, count: rank)
        guard H5Sget_simple_extent_dims(space, &dims, nil) == rank else { return false }
        let grid = HDF5ChunkGrid(shape: dims.map { Int(clamping: $0) }, chunk: chunk, itemSize: H5Tget_size(memType))
        guard let chunks = grid.count, chunks <= 1 << 20, grid.chunkBytes <= 1 << 30 else { return false }
        // The stored chunks read in turn (libhdf5 is not thread-safe), then decompressed on
        // threads.
        var stored: [(origin: [Int], packed: [UInt8])] = []
        stored.reserveCapacity(chunks)
        var total = 0
        let read = grid.forEachChunk { origin in
            var offset = origin.map { hsize_t($0) }
            var size: hsize_t = 0
            guard H5Dget_chunk_storage_size(did, &offset, &size) >= 0, size > 0, size <= UInt64(bytes.count) else { return false }
            total += Int(size)
            guard total <= bytes.count else { return false }
            var packed = [UInt8](repeating: 0, count: Int(size))
            var mask: UInt32 = 0
            guard H5Dread_chunk(did, types.transfer, &offset, &mask, &packed) >= 0, mask == 0 else { return false }
            stored.append((origin, packed))
            return true
        }
        return read && HDF5ChunkUnpacker.unpack(stored, grid: grid, into: buffer)
    }

    /// Checks the stored references of a contiguous variable-length string dataset (length,
    /// heap collection address, object index: 16 bytes each) against the global heap index.
    private func checkReferences(offset: haddr_t, space: hid_t, path: String) throws(CelestaError) {
        guard offset != haddr_t.max else { return }  // no storage yet: all null
        let count = H5Sget_simple_extent_npoints(space)
        let start = UInt64(superblock).addingReportingOverflow(UInt64(offset))
        guard count >= 0, !start.overflow, start.partialValue <= UInt64(bytes.count),
              HDF5Precheck.referencesValid(bytes, at: Int(start.partialValue), count: Int(count), heap: heap)
        else { throw place.error(.parse, path, "damaged variable-length string references") }
    }

    private func readStorage(_ did: hid_t, path: String) throws(CelestaError) -> HDF5Storage {
        let dcpl = H5Dget_create_plist(did)
        guard dcpl >= 0 else { throw place.failure(.parse, path, "cannot read the dataset's creation properties") }
        defer { H5Pclose(dcpl) }
        switch H5Pget_layout(dcpl) {
        case H5D_CONTIGUOUS: return .contiguous
        case H5D_COMPACT: return .compact
        case H5D_CHUNKED:
            var dims = [hsize_t](repeating: 0, count: Int(H5S_MAX_RANK))
            let rank = H5Pget_chunk(dcpl, Int32(H5S_MAX_RANK), &dims)
            guard rank >= 0 else { throw place.failure(.parse, path, "cannot read the chunk shape") }
            var level: Int?
            let filters = H5Pget_nfilters(dcpl)
            for i in 0..<max(0, filters) {
                var flags: UInt32 = 0, count = 1, config: UInt32 = 0
                var values: [UInt32] = [0]
                var name = [CChar](repeating: 0, count: 2)
                let id = H5Pget_filter2(dcpl, UInt32(i), &flags, &count, &values, 1, &name, &config)
                if id == H5Z_FILTER_DEFLATE { level = count >= 1 ? Int(values[0]) : 4 }
            }
            return .chunked(chunk: dims.prefix(Int(rank)).map { Int(clamping: $0) }, gzipLevel: level)
        case H5D_VIRTUAL:
            throw place.error(.unsupported, path, "virtual datasets are not supported")
        default:
            throw place.failure(.parse, path, "unknown storage layout")
        }
    }

    // MARK: attributes

    private final class NameList {
        var names: [String] = []
    }

    private func readAttributes(_ object: hid_t, path: String) throws(CelestaError) -> HDF5Attributes {
        var info = H5O_info_t()
        guard H5Oget_info2(object, &info, UInt32(H5O_INFO_NUM_ATTRS)) >= 0 else {
            throw place.failure(.parse, path, "cannot read the object header")
        }
        guard info.num_attrs > 0 else { return [] }
        let list = NameList()
        var index: hsize_t = 0
        let status = withExtendedLifetime(list) {
            H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, { _, name, _, data in
                guard let name, let data else { return -1 }
                Unmanaged<NameList>.fromOpaque(data).takeUnretainedValue().names.append(String(cString: name))
                return 0
            }, Unmanaged.passUnretained(list).toOpaque())
        }
        guard status >= 0 else { throw place.failure(.parse, path, "cannot list the attributes") }
        var attributes = HDF5Attributes()
        for name in list.names {
            let where_ = "\(path)' attribute '\(name)"
            let aid = H5Aopen(object, name, hdf5Default)
            guard aid >= 0 else { throw place.failure(.parse, where_, "cannot open the attribute") }
            defer { H5Aclose(aid) }
            let type = H5Aget_type(aid)
            guard type >= 0 else { throw place.failure(.parse, where_, "cannot read the datatype") }
            defer { H5Tclose(type) }
            let space = H5Aget_space(aid)
            guard space >= 0 else { throw place.failure(.parse, where_, "cannot read the dataspace") }
            defer { H5Sclose(space) }
            let value = try readValue(type: type, space: space, path: where_) { memType, buffer in
                H5Aread(aid, memType, buffer)
            }
            attributes.append((name: name, value: value))
        }
        return attributes
    }

    // MARK: values

    /// Reads the value of a dataset or an attribute of datatype `type` and dataspace `space`;
    /// `read(memoryType, buffer)` transfers the whole selection.
    private func readValue(
        type: hid_t, space: hid_t, path: String,
        read: (hid_t, UnsafeMutableRawPointer) -> herr_t
    ) throws(CelestaError) -> HDF5Value {
        let shape = try readShape(space, path: path)
        var count = 1
        for d in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, p <= HDF5File.maxElements else {
                throw place.error(.limitExceeded, path, "shape \(Tensor.describe(shape)) has more than \(HDF5File.maxElements) elements")
            }
            count = p
        }
        let cls = H5Tget_class(type)
        let size = H5Tget_size(type)
        guard size > 0 else { throw place.failure(.parse, path, "cannot read the datatype") }
        switch cls {
        case H5T_INTEGER, H5T_FLOAT:
            let dtype = try numberType(type, cls, size: size, path: path)
            let bytes = try readBytes(count * dtype.size, path: path) { read(types.numberType(dtype), $0) }
            do {
                return .numbers(try Tensor(dtype: dtype, shape: shape, bytes: bytes))
            } catch {
                throw place.error(.parse, path, "\(error)")
            }
        case H5T_ENUM:
            try checkBoolEnum(type, size: size, path: path)
            let bytes = try readBytes(count, path: path) { read(type, $0) }
            return .bools(shape: shape, values: bytes.map { $0 != 0 })
        case H5T_STRING:
            return .strings(shape: shape, values: try readStrings(type, space: space, count: count, size: size, path: path, read: read))
        default:
            throw place.error(.unsupported, path, "unsupported datatype (\(HDF5Place.className(cls)))")
        }
    }

    private func readShape(_ space: hid_t, path: String) throws(CelestaError) -> [Int] {
        switch H5Sget_simple_extent_type(space) {
        case H5S_SCALAR: return []
        case H5S_SIMPLE:
            let rank = H5Sget_simple_extent_ndims(space)
            guard rank >= 0, rank <= H5S_MAX_RANK else { throw place.failure(.parse, path, "cannot read the dataspace") }
            var dims = [hsize_t](repeating: 0, count: Int(rank))
            guard H5Sget_simple_extent_dims(space, &dims, nil) == rank else {
                throw place.failure(.parse, path, "cannot read the dataspace")
            }
            var shape = [Int]()
            shape.reserveCapacity(dims.count)
            for d in dims {
                guard d <= UInt64(HDF5File.maxElements) else {
                    throw place.error(.limitExceeded, path, "a dimension of \(d) is more than \(HDF5File.maxElements) elements")
                }
                shape.append(Int(d))
            }
            return shape
        case H5S_NULL: throw place.error(.unsupported, path, "empty (null) dataspaces are not supported")
        default: throw place.failure(.parse, path, "cannot read the dataspace")
        }
    }

    private func numberType(_ type: hid_t, _ cls: H5T_class_t, size: Int, path: String) throws(CelestaError) -> DType {
        if cls == H5T_FLOAT {
            switch size {
            case 2: return .float16
            case 4: return .float32
            case 8: return .float64
            default: throw place.error(.unsupported, path, "unsupported datatype (\(size * 8)-bit float)")
            }
        }
        let signed = H5Tget_sign(type) == H5T_SGN_2
        switch size {
        case 1: return signed ? .int8 : .uint8
        case 2: return signed ? .int16 : .uint16
        case 4: return signed ? .int32 : .uint32
        case 8: return signed ? .int64 : .uint64
        default: throw place.error(.unsupported, path, "unsupported datatype (\(size * 8)-bit integer)")
        }
    }

    /// Accepts only h5py's bool: an enum over a 1-byte integer with members FALSE = 0, TRUE = 1.
    private func checkBoolEnum(_ type: hid_t, size: Int, path: String) throws(CelestaError) {
        let refused = place.error(.unsupported, path, "unsupported datatype (an enum other than h5py's bool)")
        guard size == 1, H5Tget_nmembers(type) == 2 else { throw refused }
        // The base type must be one whole byte too: libhdf5 1.10 compares enum values by the
        // base's size without checking it against the values it holds (a damaged base made
        // H5T_cmp read past them, found by the t1c fuzz target).
        let base = H5Tget_super(type)
        guard base >= 0 else { _ = HDF5Place.libraryReason(); throw refused }
        defer { H5Tclose(base) }
        guard H5Tget_class(base) == H5T_INTEGER, H5Tget_size(base) == 1, H5Tget_precision(base) == 8, H5Tget_offset(base) == 0 else {
            throw place.error(.parse, path, "damaged datatype (an enum whose base is not one byte)")
        }
        for (i, (wantName, wantValue)) in [("FALSE", Int8(0)), ("TRUE", Int8(1))].enumerated() {
            guard let name = H5Tget_member_name(type, UInt32(i)) else { throw refused }
            let text = String(cString: name)
            H5free_memory(name)
            var value: Int8 = -1
            guard H5Tget_member_value(type, UInt32(i), &value) >= 0, text == wantName, value == wantValue else { throw refused }
        }
    }

    /// `byteCount` bytes filled by `fill`, charged against the byte budget.
    private func readBytes(
        _ byteCount: Int, path: String, _ fill: (UnsafeMutableRawPointer) -> herr_t
    ) throws(CelestaError) -> [UInt8] {
        try charge(byteCount, path: path)
        if byteCount == 0 { return [] }
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, initialized in
            failed = fill(buffer.baseAddress!) < 0
            if failed { buffer.initialize(repeating: 0) }
            initialized = byteCount
        }
        guard !failed else { throw place.failure(.parse, path, "cannot read the data") }
        return bytes
    }

    private func charge(_ byteCount: Int, path: String) throws(CelestaError) {
        byteBudget -= byteCount
        guard byteBudget >= 0 else {
            throw place.error(.limitExceeded, path, "more data than a file of this size can hold (\(HDF5File.maxExpansion)x its size)")
        }
    }

    private func readStrings(
        _ type: hid_t, space: hid_t, count: Int, size: Int, path: String,
        read: (hid_t, UnsafeMutableRawPointer) -> herr_t
    ) throws(CelestaError) -> [String] {
        let variable = H5Tis_variable_str(type)
        guard variable >= 0 else { throw place.failure(.parse, path, "cannot read the string type") }
        if variable > 0 {
            // libhdf5 allocates length x base size per string: the base must be a 1-byte char.
            let baseType = H5Tget_super(type)
            if baseType >= 0 {
                let baseSize = H5Tget_size(baseType)
                H5Tclose(baseType)
                guard baseSize == 1 else { throw place.error(.parse, path, "damaged variable-length string type (base type size \(baseSize))") }
            } else {
                _ = HDF5Place.libraryReason()
            }
        }
        if variable == 0 {
            let pad = H5Tget_strpad(type)
            let bytes = try readBytes(count * size, path: path) { read(type, $0) }
            return (0..<count).map { i in
                var piece = bytes[(i * size)..<((i + 1) * size)]
                if pad == H5T_STR_SPACEPAD {
                    while piece.last == 0x20 { piece.removeLast() }
                } else if let nul = piece.firstIndex(of: 0) {
                    piece = piece[..<nul]
                }
                return String(decoding: piece, as: UTF8.self)
            }
        }
        try charge(count * MemoryLayout<UnsafeMutablePointer<CChar>?>.size, path: path)
        guard count > 0 else { return [] }
        // Read in the file's character set: libhdf5 does not convert between ASCII and UTF-8.
        var memType = types.vlenUTF8
        var ownType = false
        if H5Tget_cset(type) != H5T_CSET_UTF8 {
            memType = H5Tcopy(types.vlenUTF8)
            guard memType >= 0, H5Tset_cset(memType, H5Tget_cset(type)) >= 0 else {
                if memType >= 0 { H5Tclose(memType) }
                throw place.failure(.parse, path, "cannot read the string type")
            }
            ownType = true
        }
        defer { if ownType { H5Tclose(memType) } }
        var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        let status = pointers.withUnsafeMutableBytes { read(memType, $0.baseAddress!) }
        guard status >= 0 else { throw place.failure(.parse, path, "cannot read the strings") }
        var strings = [String]()
        strings.reserveCapacity(count)
        var total = 0
        for p in pointers {
            if let p {
                let s = String(cString: p)
                total += s.utf8.count
                strings.append(s)
            } else {
                strings.append("")
            }
        }
        _ = pointers.withUnsafeMutableBytes { H5Dvlen_reclaim(memType, space, types.transfer, $0.baseAddress!) }
        try charge(total, path: path)
        return strings
    }
}
