@preconcurrency internal import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads an event file through libhdf5, in any layout TALON's `read_h5` detects: separate t, x,
/// y, p datasets (gzip chunks are read whole with H5Dread_chunk and decompressed by libdeflate
/// on all cores; anything else through H5Dread), a compound dataset named by the config, or a
/// compound dataset "events". The file stays open until the reader is released.
public final class EventFileReader: @unchecked Sendable {
    public let path: String
    public let config: EventFileConfig
    public private(set) var info: EventFileInfo
    private let place: HDF5Place
    private var file: hid_t = -1
    /// The separate layout's datasets (t, x, y, p) or the one compound dataset.
    private var datasets: [hid_t] = []
    private var columnPaths: [String] = []
    private var fastColumns: [FastColumn?] = []
    /// Compound layout: the member names mapped to t, x, y, p, and the stored record's size.
    private var compoundNames: [String] = []
    private var recordSize = 13
    /// The last decompressed chunk of t (binary searches touch few chunks, each many times).
    private var cachedChunk: (index: Int, values: [UInt64])?

    /// A column stored as whole gzip (or plain) chunks of an integer type of the column's size.
    private struct FastColumn {
        let chunkLength: Int
        let gzip: Bool
    }

    public var count: Int { info.count }

    /// The HDF5 file image of a reader made by `init(image:config:)` (nil: a file on disk),
    /// dropped once libhdf5 holds its own copy.
    private var image: [UInt8]?
    /// The structural check of the file's bytes while the file is opened: each object the
    /// reader opens is checked before libhdf5 reads it (objects behind dense link storage are
    /// not reached by `checkAll`). Nil once open.
    private var structure: HDF5Structure?

    /// Reads the event file whose bytes are `image` (a whole HDF5 file), through libhdf5's
    /// in-memory (core) driver: nothing touches the disk. Errors name the file `name`. The
    /// bytes are checked first as `HDF5File` checks a file's (`HDF5Precheck`: damage that
    /// libhdf5 1.10 does not survive, and `HDF5Structure`: groups, B-trees, heaps, object
    /// headers and datatypes).
    public init(image: [UInt8], name: String = "<memory>", config: EventFileConfig = .standard) throws(CelestaError) {
        try config.check()
        path = name
        self.config = config
        place = HDF5Place(file: name)
        info = EventFileInfo(count: 0, layout: .separate)
        let superblock = image.withUnsafeBytes { HDF5Precheck.superblockOffset($0) }
        guard let superblock else { throw CelestaError(.parse, "'\(name)' is not an HDF5 file (or it is truncated)") }
        self.image = image
        defer { self.image = nil }
        try keepingErrorType {
            try image.withUnsafeBytes { raw in try self.checkAndOpen(raw, superblock: superblock) }
        }
    }

    /// Checks the file's bytes `raw` (global heaps, then its structure) and opens the file,
    /// checking each object the reader opens, while `raw` is valid.
    private func checkAndOpen(_ raw: UnsafeRawBufferPointer, superblock: Int) throws(CelestaError) {
        let heap = try HDF5Precheck.checkGlobalHeaps(raw, superblock: superblock, file: path)
        let structure = try HDF5Structure(bytes: raw, superblock: superblock, heap: heap, file: path)
        // Filtered chunks are inflated once `open` knows which datasets libhdf5 will read
        // (`checkLibraryChunks`): the fast columns' chunks are inflated by this reader.
        structure.deferFilteredChunks = true
        try structure.checkAll()
        self.structure = structure
        defer { self.structure = nil }
        do throws(CelestaError) {
            try HDF5Runtime.locked { () throws(CelestaError) in try self.open() }
        } catch {
            release()
            throw error
        }
    }

    public init(path: String, config: EventFileConfig = .standard) throws(CelestaError) {
        try config.check()
        self.path = path
        self.config = config
        place = HDF5Place(file: path)
        info = EventFileInfo(count: 0, layout: .separate)
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw CelestaError(.io, "cannot read '\(path)': \(errno == ENOENT ? "no such file" : String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw CelestaError(.io, "cannot read '\(path)': it is not a regular file") }
        let size = Int(st.st_size)
        // The checks of `init(image:)` on the file mapped read-only (only the pages of its
        // metadata are read): libhdf5 1.10 crashes on a damaged global heap under TALON's
        // `format` attribute, or a damaged compound type (Tests/fuzz/corpus/events).
        let fd = size > 0 ? Glibc.open(path, O_RDONLY) : -1
        guard size == 0 || fd >= 0 else { throw CelestaError(.io, "cannot read '\(path)': \(String(cString: strerror(errno)))") }
        defer { if fd >= 0 { Glibc.close(fd) } }
        let map = fd >= 0 ? mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0) : nil
        guard fd < 0 || (map != nil && map != MAP_FAILED) else {
            throw CelestaError(.io, "cannot read '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { if let map { munmap(map, size) } }
        let raw = UnsafeRawBufferPointer(start: map, count: map == nil ? 0 : size)
        if let superblock = HDF5Precheck.superblockOffset(raw) {
            try checkAndOpen(raw, superblock: superblock)
        } else {
            // Empty or not HDF5: open() names it.
            do throws(CelestaError) {
                try HDF5Runtime.locked { () throws(CelestaError) in try self.open() }
            } catch {
                release()
                throw error
            }
        }
    }

    deinit { release() }

    private func release() {
        guard file >= 0 || !datasets.isEmpty else { return }
        _ = try? HDF5Runtime.locked { () throws(CelestaError) in
            for d in datasets { H5Dclose(d) }
            if file >= 0 { H5Fclose(file) }
        }
        datasets = []
        file = -1
    }

    /// Closes the file now (further reads fail).
    public func close() { release() }

    // MARK: opening

    private func open() throws(CelestaError) {
        guard image != nil || H5Fis_hdf5(path) > 0 else {
            _ = HDF5Place.libraryReason()
            throw CelestaError(.parse, "'\(path)' is not an HDF5 file (or it is truncated)")
        }
        let fapl = H5Pcreate(HDF5Runtime.fileAccessClass)
        defer { H5Pclose(fapl) }
        _ = H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG)
        if let image {
            // The core driver without a backing store, over a copy of the image.
            let ok = H5Pset_fapl_core(fapl, 1 << 16, false) >= 0
                && image.withUnsafeBytes { H5Pset_file_image(fapl, UnsafeMutableRawPointer(mutating: $0.baseAddress), $0.count) } >= 0
            guard ok else { throw place.failure(.internalError, "/", "libhdf5 cannot open a file image") }
        }
        // An image is opened under a name no file has and no other open reader uses: libhdf5
        // 1.10's core driver refuses a file image named like an existing file ("file already
        // exists"), and takes two open core files of the same name for one file.
        let name = image == nil ? path : "/dev/null/celesta-event-image-\(UInt(bitPattern: Unmanaged.passUnretained(self).toOpaque()))"
        file = H5Fopen(name, 0 /* H5F_ACC_RDONLY */, fapl)
        guard file >= 0 else { throw place.failure(.parse, "/", "cannot open the file (truncated or damaged?)") }
        let groupPath = config.groupPath
        guard try exists(groupPath) else {
            throw CelestaError(.notFound, "'\(path)': no group '\(groupPath)' (config events_group '\(config.eventsGroup)')")
        }
        // TALON's detection order.
        if let key = config.compoundKey, try exists(config.datasetPath(key)), isCompound(config.datasetPath(key)) {
            info.layout = .compound
            try openCompound(config.datasetPath(key))
        } else if try exists(config.datasetPath(config.timestampKey)) {
            info.layout = .separate
            try openSeparate()
        } else if try exists(config.datasetPath("events")), isCompound(config.datasetPath("events")) {
            info.layout = .compoundFallback
            try openCompound(config.datasetPath("events"))
        } else {
            throw CelestaError(.parse, "'\(path)': cannot detect the event layout: expected separate datasets (\(config.timestampKey), \(config.xKey), ...) or a compound dataset in group '\(config.eventsGroup)'")
        }
        try checkLibraryChunks()
        readAttributes()
    }

    /// Inflates, before any read, the stored chunks of every filtered dataset but the fast
    /// gzip columns (`HDF5Structure.verifyDeferredChunks`): libhdf5 1.10 reads those datasets
    /// through its filters and copies a whole chunk from whatever they return, so a chunk that
    /// inflates short overflowed in `H5D__select_read`. The fast columns' chunks are read raw
    /// (`H5Dread_chunk`) and inflated by this reader, which refuses one that does not inflate
    /// to exactly a chunk (`chunkDamaged`); inflating them here too doubled `read_all`'s time.
    private func checkLibraryChunks() throws(CelestaError) {
        guard let structure else { return }
        // A dataset is left out only when every column that names it is a fast column.
        var own: [UInt64: Bool] = [:]
        for (k, did) in datasets.enumerated() {
            var object = H5O_info_t()
            guard H5Oget_info2(did, &object, UInt32(H5O_INFO_BASIC)) >= 0 else {
                _ = HDF5Place.libraryReason()
                continue
            }
            let fast = info.layout == .separate && k < fastColumns.count && fastColumns[k]?.gzip == true
            own[UInt64(object.addr), default: true] = own[UInt64(object.addr), default: true] && fast
        }
        try structure.verifyDeferredChunks(except: Set(own.filter { $0.value }.keys))
    }

    /// The error of fast column `k`'s stored chunk `chunk` that does not decode to exactly
    /// one chunk (a damaged deflate stream, one that inflates short or long, a short chunk).
    private func chunkDamaged(_ k: Int, _ chunk: Int) -> CelestaError {
        let c = fastColumns[k]?.chunkLength ?? 0
        return place.error(.parse, columnPaths[k],
                           "chunk \(chunk) (events \(chunk * c)..<\((chunk + 1) * c)) does not decode to exactly its \(c * EventColumn.sizes[k]) bytes (truncated or damaged)")
    }

    /// Whether every component of `path` exists (H5Lexists fails on a missing parent); each
    /// object on the way is checked from the bytes (`structure`) before libhdf5 opens it.
    private func exists(_ path: String) throws(CelestaError) -> Bool {
        if path == "/" { return true }
        var prefix = ""
        for (depth, part) in path.split(separator: "/").enumerated() {
            prefix += "/" + part
            guard H5Lexists(file, prefix, hdf5Default) > 0 else {
                _ = HDF5Place.libraryReason()
                return false
            }
            if let structure {
                var link = H5L_info_t()
                guard H5Lget_info(file, prefix, &link, hdf5Default) >= 0 else { throw place.failure(.parse, prefix, "cannot read the link") }
                if link.type == H5L_TYPE_HARD {
                    try structure.check(object: UInt64(link.u.address), path: prefix, depth: depth + 1)
                }
            }
            guard H5Oexists_by_name(file, prefix, hdf5Default) > 0 else {
                _ = HDF5Place.libraryReason()
                return false
            }
        }
        return true
    }

    private func isCompound(_ path: String) -> Bool {
        let did = H5Dopen2(file, path, hdf5Default)
        guard did >= 0 else { _ = HDF5Place.libraryReason(); return false }
        defer { H5Dclose(did) }
        let type = H5Dget_type(did)
        defer { H5Tclose(type) }
        return H5Tget_class(type) == H5T_COMPOUND
    }

    /// The length of the 1-D dataset `did`.
    private func length(_ did: hid_t, _ path: String) throws(CelestaError) -> Int {
        let space = H5Dget_space(did)
        defer { H5Sclose(space) }
        guard H5Sget_simple_extent_ndims(space) == 1 else {
            throw place.error(.parse, path, "an event dataset must be 1-D, this one has \(H5Sget_simple_extent_ndims(space)) dimensions")
        }
        var dim: hsize_t = 0
        _ = H5Sget_simple_extent_dims(space, &dim, nil)
        guard let n = Int(exactly: dim), n <= Int.max / 16 else {
            throw place.error(.parse, path, "the dataset claims \(dim) events (damaged?)")
        }
        return n
    }

    private func openSeparate() throws(CelestaError) {
        let keys = [config.timestampKey, config.xKey, config.yKey, config.polarityKey]
        var lengths: [Int] = []
        for k in 0..<4 {
            let dpath = config.datasetPath(keys[k])
            guard try exists(dpath) else {
                throw CelestaError(.notFound, "'\(path)': no dataset '\(dpath)': the separate layout needs \(keys.joined(separator: ", "))")
            }
            let did = H5Dopen2(file, dpath, hdf5Default)
            guard did >= 0 else { throw place.failure(.parse, dpath, "cannot open the dataset") }
            datasets.append(did)
            columnPaths.append(dpath)
            let type = H5Dget_type(did)
            defer { H5Tclose(type) }
            let cls = H5Tget_class(type)
            guard cls == H5T_INTEGER || cls == H5T_FLOAT else {
                throw place.error(.parse, dpath, "an event column must hold numbers, this one holds \(HDF5Place.className(cls)) values")
            }
            guard Self.soundNumberType(type) else {
                throw place.error(.parse, dpath, "damaged datatype (\(H5Tget_size(type)) bytes, \(H5Tget_precision(type)) bits)")
            }
            lengths.append(try length(did, dpath))
            fastColumns.append(fastLayout(did, type: type, column: k))
        }
        guard Set(lengths).count == 1 else {
            throw CelestaError(.parse, "'\(path)': the event datasets have different lengths: \(zip(keys, lengths).map { "\($0) \($1)" }.joined(separator: ", "))")
        }
        info.count = lengths[0]
        if let f = fastColumns[0] { info.chunkLength = f.chunkLength }
        if let f = fastColumns[0], f.gzip { info.gzipLevel = gzipLevel(datasets[0]) }
    }

    /// The chunk layout when column `k` can be read chunk by chunk: chunked, at most one filter
    /// (deflate), a little-endian integer of the column's size.
    private func fastLayout(_ did: hid_t, type: hid_t, column k: Int) -> FastColumn? {
        guard H5Tget_class(type) == H5T_INTEGER, H5Tget_size(type) == EventColumn.sizes[k],
              EventColumn.sizes[k] == 1 || H5Tget_order(type) == H5T_ORDER_LE else { return nil }
        let dcpl = H5Dget_create_plist(did)
        defer { H5Pclose(dcpl) }
        guard H5Pget_layout(dcpl) == H5D_CHUNKED else { return nil }
        var chunk: hsize_t = 0
        guard H5Pget_chunk(dcpl, 1, &chunk) == 1, chunk > 0, chunk <= 1 << 28 else { return nil }
        let filters = H5Pget_nfilters(dcpl)
        if filters == 0 { return FastColumn(chunkLength: Int(chunk), gzip: false) }
        guard filters == 1 else { return nil }
        var flags: UInt32 = 0, nValues = 0, config: UInt32 = 0
        var values = [UInt32](repeating: 0, count: 8)
        nValues = 8
        var name = [CChar](repeating: 0, count: 64)
        let id = H5Pget_filter2(dcpl, 0, &flags, &nValues, &values, 64, &name, &config)
        guard id == 1 /* H5Z_FILTER_DEFLATE */ else { return nil }
        return FastColumn(chunkLength: Int(chunk), gzip: true)
    }

    private func gzipLevel(_ did: hid_t) -> Int? {
        let dcpl = H5Dget_create_plist(did)
        defer { H5Pclose(dcpl) }
        var flags: UInt32 = 0, nValues = 8, config: UInt32 = 0
        var values = [UInt32](repeating: 0, count: 8)
        var name = [CChar](repeating: 0, count: 64)
        guard H5Pget_nfilters(dcpl) >= 1, H5Pget_filter2(dcpl, 0, &flags, &nValues, &values, 64, &name, &config) == 1 else { return nil }
        return nValues >= 1 ? Int(values[0]) : nil
    }

    private func openCompound(_ dpath: String) throws(CelestaError) {
        let did = H5Dopen2(file, dpath, hdf5Default)
        guard did >= 0 else { throw place.failure(.parse, dpath, "cannot open the dataset") }
        datasets.append(did)
        columnPaths.append(dpath)
        let type = H5Dget_type(did)
        defer { H5Tclose(type) }
        let n = Int(H5Tget_nmembers(type))
        var names: [String] = []
        for i in 0..<n {
            guard let c = H5Tget_member_name(type, UInt32(i)) else { continue }
            names.append(String(cString: c))
            H5free_memory(c)
        }
        guard names.count >= 4 else {
            throw place.error(.parse, dpath, "a compound event dataset needs 4 fields (t, x, y, p), this one has \(names.count): \(names)")
        }
        for i in 0..<n {
            let cls = H5Tget_member_class(type, UInt32(i))
            guard cls == H5T_INTEGER || cls == H5T_FLOAT || cls == H5T_ENUM else {
                throw place.error(.parse, dpath, "field '\(names[i])' holds \(HDF5Place.className(cls)) values, not numbers")
            }
            let member = H5Tget_member_type(type, UInt32(i))
            defer { if member >= 0 { H5Tclose(member) } }
            guard member >= 0, Self.soundNumberType(member) else {
                throw place.error(.parse, dpath, "field '\(names[i])' has a damaged datatype")
            }
        }
        // TALON's field mapping.
        let t = names.contains("t") ? "t" : names.contains("timestamp") ? "timestamp" : names[0]
        let x = names.contains("x") ? "x" : names[1]
        let y = names.contains("y") ? "y" : names[2]
        let p = names.contains("p") ? "p" : names.contains("polarity") ? "polarity" : names[3]
        compoundNames = [t, x, y, p]
        recordSize = max(13, H5Tget_size(type))
        info.count = try length(did, dpath)
    }

    private func readAttributes() {
        let gid = H5Oopen(file, config.groupPath, hdf5Default)
        guard gid >= 0 else { _ = HDF5Place.libraryReason(); return }
        defer { H5Oclose(gid) }
        info.format = stringAttribute(gid, "format")
        info.sensorWidth = intAttribute(gid, "sensor_width")
        info.sensorHeight = intAttribute(gid, "sensor_height")
        info.tStart = intAttribute(gid, "t_start")
        info.tEnd = intAttribute(gid, "t_end")
    }

    private func intAttribute(_ object: hid_t, _ name: String) -> Int64? {
        guard H5Aexists(object, name) > 0 else { return nil }
        let aid = H5Aopen(object, name, hdf5Default)
        guard aid >= 0 else { _ = HDF5Place.libraryReason(); return nil }
        defer { H5Aclose(aid) }
        let type = H5Aget_type(aid)
        defer { H5Tclose(type) }
        let space = H5Aget_space(aid)
        defer { H5Sclose(space) }
        guard H5Tget_class(type) == H5T_INTEGER, Self.soundNumberType(type), H5Sget_simple_extent_npoints(space) == 1 else { return nil }
        var v: Int64 = 0
        guard H5Aread(aid, HDF5Runtime.littleEndianType(.int64), &v) >= 0 else { _ = HDF5Place.libraryReason(); return nil }
        return v
    }

    private func stringAttribute(_ object: hid_t, _ name: String) -> String? {
        guard H5Aexists(object, name) > 0 else { return nil }
        let aid = H5Aopen(object, name, hdf5Default)
        guard aid >= 0 else { _ = HDF5Place.libraryReason(); return nil }
        defer { H5Aclose(aid) }
        let type = H5Aget_type(aid)
        defer { H5Tclose(type) }
        guard H5Tget_class(type) == H5T_STRING else { return nil }
        if H5Tis_variable_str(type) > 0 {
            // Characters of one byte (a damaged size makes libhdf5 1.10's conversion loop).
            let base = H5Tget_super(type)
            guard base >= 0 else { _ = HDF5Place.libraryReason(); return nil }
            defer { H5Tclose(base) }
            guard H5Tget_size(base) == 1 else { return nil }
            let mem = H5Tcopy(HDF5Runtime.cString)
            defer { H5Tclose(mem) }
            _ = H5Tset_size(mem, hdf5VariableSize)
            _ = H5Tset_cset(mem, H5Tget_cset(type))
            var pointer: UnsafeMutablePointer<CChar>?
            guard H5Aread(aid, mem, &pointer) >= 0, let pointer else { _ = HDF5Place.libraryReason(); return nil }
            defer { H5free_memory(pointer) }
            return String(cString: pointer)
        }
        let size = H5Tget_size(type)
        guard size > 0, size < 1 << 20 else { return nil }
        var buffer = [UInt8](repeating: 0, count: size + 1)
        guard H5Aread(aid, type, &buffer) >= 0 else { _ = HDF5Place.libraryReason(); return nil }
        return String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Whether a number type (integer, float, or enum over an integer) is sound: 1, 2, 4 or 8
    /// bytes, every bit used. libhdf5 1.10 does not check this when it opens an object, and
    /// reads out of bounds or loops on a damaged size (newer versions refuse "unusually large #
    /// of unused bits").
    private static func soundNumberType(_ type: hid_t) -> Bool {
        if H5Tget_class(type) == H5T_ENUM {
            let base = H5Tget_super(type)
            guard base >= 0 else { _ = HDF5Place.libraryReason(); return false }
            defer { H5Tclose(base) }
            return soundNumberType(base)
        }
        let size = H5Tget_size(type)
        guard size == 1 || size == 2 || size == 4 || size == 8 else { return false }
        return H5Tget_precision(type) == size * 8 && H5Tget_offset(type) == 0
    }

    // MARK: reading

    /// Events `start..<start + count` into `destination` (four strided columns).
    public func read(start: Int, count n: Int, into destination: EventColumns, progress: ((Int, Int) -> Bool)? = nil) throws(CelestaError) {
        guard file >= 0 else { throw CelestaError(.invalidState, "the event file '\(path)' is closed") }
        guard start >= 0, n >= 0, start <= info.count, n <= info.count - start else {
            throw CelestaError(.outOfRange, "events \(start)..<\(start + n) asked of '\(path)', which holds \(info.count)")
        }
        guard n > 0 else { return }
        try destination.check(count: n)
        if info.layout == .separate, let (c, gzip) = rowLayout() {
            // Whole chunk rows on all cores, in chunk-aligned slices (256 rows; 32 when
            // reporting progress, between them).
            let rows = progress == nil ? 256 : 32
            var done = 0
            while done < n {
                let at = start + done
                let m = min((at / c + rows) * c - at, n - done)
                var dest = destination
                dest.t = destination.t! + done * destination.tStride
                dest.x = destination.x! + done * destination.xStride
                dest.y = destination.y! + done * destination.yStride
                dest.p = destination.p! + done * destination.pStride
                try EventRowCodec.unpack(
                    start: at, count: m, chunkLength: c, gzip: gzip, into: dest,
                    fetch: { k, chunk throws(CelestaError) in try HDF5Runtime.locked { () throws(CelestaError) in try self.rawChunk(k, chunk: chunk) } },
                    damaged: { k, chunk in self.chunkDamaged(k, chunk) })
                done += m
                if let progress, !progress(done, n) { throw CelestaError(.cancelled, "reading '\(path)' cancelled after \(done) of \(n) events") }
            }
        } else if info.layout == .separate {
            // In slices of 32 chunks of t (bounded memory, progress between slices).
            let slice = max(1, (fastColumns[0]?.chunkLength ?? 100_000) * 32)
            var done = 0
            while done < n {
                let m = min(slice, n - done)
                for k in 0..<4 {
                    try readColumn(k, start: start + done, count: m, into: destination, offset: done)
                }
                done += m
                if let progress, !progress(done, n) { throw CelestaError(.cancelled, "reading '\(path)' cancelled after \(done) of \(n) events") }
            }
        } else {
            try readCompound(start: start, count: n, into: destination)
        }
    }

    /// `read(start:count:into:)` into Swift arrays.
    public func read(start: Int, count n: Int) throws(CelestaError) -> EventArrays {
        guard start >= 0, n >= 0, start <= info.count, n <= info.count - start else {
            throw CelestaError(.outOfRange, "events \(start)..<\(start + n) asked of '\(path)', which holds \(info.count)")
        }
        var out = EventArrays(zeros: n)
        try out.withColumns { c throws(CelestaError) in try read(start: start, count: n, into: c) }
        return out
    }

    /// The chunk length and compression when all four columns are stored as chunks of the
    /// same length, read whole (`FastColumn`).
    private func rowLayout() -> (Int, Bool)? {
        guard fastColumns.count == 4, let f = fastColumns[0],
              fastColumns.allSatisfy({ $0?.chunkLength == f.chunkLength && $0?.gzip == f.gzip }) else { return nil }
        return (f.chunkLength, f.gzip)
    }

    /// Column `k`, elements `start..<start + n`, into destination elements from `offset`.
    private func readColumn(_ k: Int, start: Int, count n: Int, into destination: EventColumns, offset: Int) throws(CelestaError) {
        var dest = destination
        let (pointer, stride) = destination.column(k)
        let shifted = pointer! + offset * stride
        switch k {
        case 0: dest.t = shifted
        case 1: dest.x = shifted
        case 2: dest.y = shifted
        default: dest.p = shifted
        }
        if let fast = fastColumns[k] {
            let c = fast.chunkLength
            let first = start / c, last = (start + n - 1) / c
            var jobs: [EventChunkCodec.UnpackJob] = []
            try HDF5Runtime.locked { () throws(CelestaError) in
                for chunk in first...last {
                    let lo = max(start, chunk * c), hi = min(start + n, (chunk + 1) * c)
                    let (bytes, mask) = try rawChunk(k, chunk: chunk)
                    jobs.append(.init(column: k, bytes: bytes, compressed: fast.gzip && mask & 1 == 0,
                                      skip: lo - chunk * c, count: hi - lo, target: lo - start))
                }
            }
            if let bad = EventChunkCodec.unpack(jobs, chunkLength: c, into: dest) { throw chunkDamaged(k, first + bad) }
            return
        }
        // Any other storage: libhdf5 converts to the column's type.
        let size = EventColumn.sizes[k]
        var buffer = [UInt8](repeating: 0, count: n * size)
        try HDF5Runtime.locked { () throws(CelestaError) in
            let types: [DType] = [.uint64, .uint16, .uint16, .uint8]
            try selectRows(datasets[k], path: columnPaths[k], start: start, count: n) { memory, fileSpace throws(CelestaError) in
                guard H5Dread(datasets[k], HDF5Runtime.littleEndianType(types[k]), memory, fileSpace, hdf5Default, &buffer) >= 0 else {
                    throw place.failure(.parse, columnPaths[k], "cannot read events \(start)..<\(start + n) (truncated or damaged?)")
                }
            }
        }
        buffer.withUnsafeBytes { EventChunkCodec.scatter(from: $0.baseAddress!, size: size, count: n, into: shifted, stride: stride) }
    }

    /// The stored bytes of chunk `chunk` of column `k` and its filter mask (under the lock).
    private func rawChunk(_ k: Int, chunk: Int) throws(CelestaError) -> ([UInt8], UInt32) {
        let c = fastColumns[k]!.chunkLength
        var offset = [hsize_t(chunk * c)]
        var size: hsize_t = 0
        let limit = hsize_t(c * EventColumn.sizes[k]) + 1 << 20
        guard H5Dget_chunk_storage_size(datasets[k], &offset, &size) >= 0, size > 0, size <= limit else {
            throw place.failure(.parse, columnPaths[k], "chunk \(chunk) (events \(chunk * c)...) is missing or damaged")
        }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        var mask: UInt32 = 0
        guard H5Dread_chunk(datasets[k], hdf5Default, &offset, &mask, &bytes) >= 0 else {
            throw place.failure(.parse, columnPaths[k], "chunk \(chunk) (events \(chunk * c)...) is truncated or damaged")
        }
        return (bytes, mask)
    }

    /// Runs `body` with a memory space of `count` rows and the file space of the dataset with
    /// rows `start..<start + count` selected.
    private func selectRows(_ did: hid_t, path: String, start: Int, count: Int, _ body: (hid_t, hid_t) throws(CelestaError) -> Void) throws(CelestaError) {
        let fileSpace = H5Dget_space(did)
        defer { H5Sclose(fileSpace) }
        var s = [hsize_t(start)], c = [hsize_t(count)]
        guard H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &s, nil, &c, nil) >= 0 else {
            throw place.failure(.internalError, path, "cannot select events \(start)..<\(start + count)")
        }
        let memory = H5Screate_simple(1, &c, nil)
        defer { H5Sclose(memory) }
        try body(memory, fileSpace)
    }

    private func readCompound(start: Int, count n: Int, into destination: EventColumns) throws(CelestaError) {
        var records = [UInt8](repeating: 0, count: n * 13)
        try HDF5Runtime.locked { () throws(CelestaError) in
            let mem = H5Tcreate(H5T_COMPOUND, 13)
            defer { H5Tclose(mem) }
            let types: [DType] = [.uint64, .uint16, .uint16, .uint8]
            let offsets = [0, 8, 10, 12]
            for k in 0..<4 where H5Tinsert(mem, compoundNames[k], offsets[k], HDF5Runtime.littleEndianType(types[k])) < 0 {
                throw place.failure(.parse, columnPaths[0], "fields \(compoundNames) cannot be read as t, x, y, p")
            }
            // A conversion buffer of the read's size (at most libhdf5's default of 1 MiB, which
            // it allocates zeroed for every read: the time windows' binary searches read one
            // event at a time).
            let transfer = H5Pcreate(HDF5Runtime.datasetTransferClass)
            defer { if transfer >= 0 { H5Pclose(transfer) } }
            let (wanted, overflow) = n.multipliedReportingOverflow(by: recordSize)
            guard transfer >= 0, H5Pset_buffer(transfer, overflow ? 1 << 20 : max(min(wanted, 1 << 20), recordSize), nil, nil) >= 0 else {
                throw place.failure(.internalError, columnPaths[0], "cannot set the dataset transfer properties")
            }
            try selectRows(datasets[0], path: columnPaths[0], start: start, count: n) { memory, fileSpace throws(CelestaError) in
                guard H5Dread(datasets[0], mem, memory, fileSpace, transfer, &records) >= 0 else {
                    throw place.failure(.parse, columnPaths[0], "cannot read events \(start)..<\(start + n) (truncated or damaged?)")
                }
            }
        }
        records.withUnsafeMutableBytes { raw in
            let src = EventColumns(records: raw.baseAddress!)
            for k in 0..<4 {
                let (s, _) = src.column(k)
                let (d, ds) = destination.column(k)
                let size = EventColumn.sizes[k]
                for i in 0..<n { (d! + i * ds).copyMemory(from: s! + i * 13, byteCount: size) }
            }
        }
    }

    // MARK: time windows

    /// The timestamp of event `i`.
    private func timestamp(_ i: Int) throws(CelestaError) -> UInt64 {
        if let fast = fastColumns.first ?? nil, info.layout == .separate {
            let chunk = i / fast.chunkLength
            if let cached = cachedChunk, cached.index == chunk { return cached.values[i - chunk * fast.chunkLength] }
            let lo = chunk * fast.chunkLength, m = min(fast.chunkLength, info.count - lo)
            var values = [UInt64](repeating: 0, count: m)
            try keepingErrorType {
                try values.withUnsafeMutableBytes { raw in
                    try readColumn(0, start: lo, count: m, into: EventColumns(t: raw.baseAddress, x: nil, y: nil, p: nil), offset: 0)
                }
            }
            cachedChunk = (chunk, values)
            return values[i - lo]
        }
        var v: UInt64 = 0
        try keepingErrorType { try withUnsafeMutableBytes(of: &v) { raw in
            if info.layout == .separate {
                try readColumn(0, start: i, count: 1, into: EventColumns(t: raw.baseAddress, x: nil, y: nil, p: nil), offset: 0)
            } else {
                var e = EventArrays(zeros: 1)
                try e.withColumns { c throws(CelestaError) in try readCompound(start: i, count: 1, into: c) }
                raw.storeBytes(of: e.t[0], as: UInt64.self)
            }
        } }
        return v
    }

    /// The first index whose timestamp is >= `value` (binary search; timestamps ascending).
    private func lowerBound(_ value: UInt64) throws(CelestaError) -> Int {
        var lo = 0, hi = info.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if try timestamp(mid) < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The index range of the events with `from <= t < to`, found by two binary searches
    /// (TALON's `read_time_window`); the timestamps must be ascending. Fails with `.parse`
    /// when the searched range shows they are not (the neighbours of the window and every
    /// timestamp inside it are checked).
    public func timeWindow(from t0: UInt64, to t1: UInt64) throws(CelestaError) -> Range<Int> {
        guard file >= 0 else { throw CelestaError(.invalidState, "the event file '\(path)' is closed") }
        guard info.count > 0 else { return 0..<0 }
        let a = try lowerBound(t0)
        let b = try lowerBound(t1)
        guard a < b else {
            if a > b { throw unsorted(b, "the window [\(t0), \(t1)) ends before it starts in the file") }
            return a..<a
        }
        if a > 0, try timestamp(a - 1) >= t0 { throw unsorted(a - 1, "t[\(a - 1)] = \(try timestamp(a - 1)) is inside the window but before its start") }
        if b < info.count, try timestamp(b) < t1 { throw unsorted(b, "t[\(b)] = \(try timestamp(b)) is before the window's end but after it") }
        var t = [UInt64](repeating: 0, count: b - a)
        try keepingErrorType { try t.withUnsafeMutableBytes { raw in
            if info.layout == .separate {
                try readColumn(0, start: a, count: b - a, into: EventColumns(t: raw.baseAddress, x: nil, y: nil, p: nil), offset: 0)
            } else {
                var e = EventArrays(zeros: b - a)
                try e.withColumns { c throws(CelestaError) in try readCompound(start: a, count: b - a, into: c) }
                e.t.withUnsafeBytes { raw.copyMemory(from: $0) }
            }
        } }
        for i in 0..<t.count {
            if t[i] < t0 || t[i] >= t1 { throw unsorted(a + i, "t[\(a + i)] = \(t[i]) lies outside [\(t0), \(t1)) yet between events inside it") }
            if i > 0, t[i] < t[i - 1] { throw unsorted(a + i, "t[\(a + i)] = \(t[i]) comes after t[\(a + i - 1)] = \(t[i - 1])") }
        }
        return a..<b
    }

    private func unsorted(_ index: Int, _ what: String) -> CelestaError {
        CelestaError(.parse, "'\(path)': the timestamps are not sorted (\(what)); a time window needs ascending timestamps")
    }

    /// Whether every timestamp is >= the one before (reads the whole t column).
    public func timestampsSorted() throws(CelestaError) -> Bool {
        var previous: UInt64 = 0
        var start = 0
        let slice = 1 << 20
        while start < info.count {
            let m = min(slice, info.count - start)
            var e = EventArrays(zeros: m)
            try e.withColumns { c throws(CelestaError) in try read(start: start, count: m, into: c) }
            for v in e.t {
                if v < previous { return false }
                previous = v
            }
            start += m
        }
        return true
    }
}
