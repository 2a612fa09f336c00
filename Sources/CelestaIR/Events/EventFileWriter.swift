@preconcurrency internal import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes an event file in TALON's layout through libhdf5: four 1-D datasets t (uint64), x, y
/// (uint16), p (uint8) in the config's group, chunked, gzip-compressed by libdeflate on all
/// cores and stored whole with H5Dwrite_chunk (h5py and TALON read them as any gzip dataset),
/// and the group attributes `format`, `sensor_width`, `sensor_height`, `n_events`, `t_start`,
/// `t_end`.
///
/// The file is built under a temporary name beside the target and renamed over it by `close()`:
/// until then (and after a failure, or `discard()`) the target is untouched.
public final class EventFileWriter: @unchecked Sendable {
    /// How the datasets are laid out.
    public enum Shape: Sendable {
        /// TALON's `write_h5`: exactly `count` events, chunks of min(count, 100000) (contiguous,
        /// uncompressed datasets when count is 0); `t_start`/`t_end` are min and max of t.
        case fixed(count: Int)
        /// TALON's `H5EventWriter`: resizable datasets (maxshape None) with chunks of
        /// `chunkLength`; `t_start`/`t_end` are the first and last t.
        case resizable(chunkLength: Int)
    }

    public let path: String
    public let config: EventFileConfig
    private let place: HDF5Place
    private let temporary: String
    private let target: String
    private let replacing: stat?
    private let gzipLevel: Int?
    private let shape: Shape
    private let chunkLength: Int
    private var file: hid_t = -1
    private var group: hid_t = -1
    private var datasets: [hid_t] = []
    /// Events not yet stored: fewer than a chunk, in packed per-column arrays.
    private var tail = EventArrays()
    /// Events in the file's chunks so far (a multiple of `chunkLength` until close).
    private var stored = 0
    private var first: UInt64?
    private var last: UInt64 = 0
    private var minimum = UInt64.max
    private var maximum: UInt64 = 0
    private var finished = false

    /// Events appended so far.
    public var count: Int { stored + tail.count }

    /// Creates the temporary file with its group, datasets and the attributes known now.
    /// `gzipLevel` nil writes uncompressed chunks. `sensorSize` adds `sensor_width` and
    /// `sensor_height`.
    public init(path: String, config: EventFileConfig = .standard, shape: Shape, gzipLevel: Int? = 4,
                sensorSize: (width: Int64, height: Int64)? = nil) throws(CelestaError) {
        try config.check()
        if let gzipLevel, !(0...9).contains(gzipLevel) {
            throw CelestaError(.outOfRange, "argument 'compression_opts' is \(gzipLevel); a gzip level is 0...9")
        }
        switch shape {
        case .fixed(let n):
            guard n >= 0 else { throw CelestaError(.invalidArgument, "argument 'count' is \(n)") }
            chunkLength = max(1, min(n, 100_000))
        case .resizable(let c):
            guard c >= 1, c <= 1 << 26 else { throw CelestaError(.outOfRange, "argument 'buffer_capacity' is \(c); a chunk holds 1...\(1 << 26) events") }
            chunkLength = min(c, 100_000)
        }
        self.path = path
        self.config = config
        self.shape = shape
        self.gzipLevel = gzipLevel
        place = HDF5Place(file: path)
        let (target, existing) = try EventFileWriter.resolveTarget(path)
        self.target = target
        replacing = existing
        let slash = target.lastIndex(of: "/")
        let folder = slash.map { String(target[..<$0]) } ?? "."
        let base = slash.map { String(target[target.index(after: $0)...]) } ?? target
        temporary = (slash == nil ? "" : folder + "/") + ".\(base).\(getpid())-\(UInt64.random(in: 0...UInt64.max)).tmp"
        do throws(CelestaError) {
            try HDF5Runtime.locked { () throws(CelestaError) in try self.create(sensorSize: sensorSize, folder: folder) }
        } catch {
            discard()
            throw error
        }
    }

    deinit { discard() }

    private static func resolveTarget(_ path: String) throws(CelestaError) -> (String, stat?) {
        guard !path.isEmpty else { throw CelestaError(.invalidArgument, "argument 'path' is empty") }
        var current = path
        for _ in 0..<40 {
            var info = stat()
            guard lstat(current, &info) == 0 else { return (current, nil) }
            switch info.st_mode & S_IFMT {
            case S_IFREG: return (current, info)
            case S_IFLNK:
                var buffer = [CChar](repeating: 0, count: 4097)
                let n = readlink(current, &buffer, 4096)
                guard n > 0 else { throw CelestaError(.io, "cannot write '\(path)': cannot read the symlink") }
                let link = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if link.hasPrefix("/") { current = link } else if let s = current.lastIndex(of: "/") { current = String(current[...s]) + link } else { current = link }
            default: throw CelestaError(.io, "cannot write '\(path)': it exists and is not a regular file")
            }
        }
        throw CelestaError(.io, "cannot write '\(path)': too many levels of symlinks")
    }

    private func create(sensorSize: (width: Int64, height: Int64)?, folder: String) throws(CelestaError) {
        file = H5Fcreate(temporary, 4 /* H5F_ACC_EXCL */, hdf5Default, hdf5Default)
        guard file >= 0 else {
            _ = HDF5Place.libraryReason()
            var info = stat()
            let why = stat(folder, &info) != 0 ? "no such folder" : "cannot create a file in its folder"
            throw CelestaError(.io, "cannot write '\(path)': \(why)")
        }
        if config.eventsGroup.isEmpty {
            group = H5Gopen2(file, "/", hdf5Default)
        } else {
            let lcpl = H5Pcreate(HDF5Runtime.linkCreateClass)
            defer { H5Pclose(lcpl) }
            _ = H5Pset_create_intermediate_group(lcpl, 1)
            _ = H5Pset_char_encoding(lcpl, H5T_CSET_UTF8)
            group = H5Gcreate2(file, config.eventsGroup, lcpl, hdf5Default, hdf5Default)
        }
        guard group >= 0 else { throw place.failure(.io, config.groupPath, "cannot create the group") }
        let keys = [config.timestampKey, config.xKey, config.yKey, config.polarityKey]
        let types: [DType] = [.uint64, .uint16, .uint16, .uint8]
        for k in 0..<4 {
            let dcpl = H5Pcreate(HDF5Runtime.datasetCreateClass)
            defer { H5Pclose(dcpl) }
            _ = H5Pset_obj_track_times(dcpl, false)
            var current: [hsize_t], maximum: [hsize_t]
            var chunked = true
            switch shape {
            case .fixed(let n):
                current = [hsize_t(n)]; maximum = [hsize_t(n)]
                chunked = n > 0
            case .resizable:
                current = [0]; maximum = [hsize_t.max]
            }
            if chunked {
                var chunk = [hsize_t(chunkLength)]
                guard H5Pset_chunk(dcpl, 1, &chunk) >= 0 else { throw place.failure(.io, config.datasetPath(keys[k]), "cannot set the chunk shape") }
                if let gzipLevel, H5Pset_deflate(dcpl, UInt32(gzipLevel)) < 0 {
                    throw place.failure(.io, config.datasetPath(keys[k]), "cannot set gzip compression")
                }
            }
            let space = H5Screate_simple(1, &current, &maximum)
            defer { H5Sclose(space) }
            let lcpl = H5Pcreate(HDF5Runtime.linkCreateClass)
            defer { H5Pclose(lcpl) }
            _ = H5Pset_char_encoding(lcpl, H5T_CSET_UTF8)
            let did = H5Dcreate2(group, keys[k], HDF5Runtime.littleEndianType(types[k]), space, lcpl, dcpl, hdf5Default)
            guard did >= 0 else { throw place.failure(.io, config.datasetPath(keys[k]), "cannot create the dataset") }
            datasets.append(did)
        }
        try writeStringAttribute("format", "t1c_events_v1")
        if let sensorSize {
            try writeIntAttribute("sensor_width", sensorSize.width)
            try writeIntAttribute("sensor_height", sensorSize.height)
        }
    }

    /// Appends `count` events from `columns`. Whole chunks are compressed and stored now; the
    /// rest waits for more events or `close()`.
    public func append(_ columns: EventColumns, count n: Int, progress: ((Int, Int) -> Bool)? = nil) throws(CelestaError) {
        guard !finished else { throw CelestaError(.invalidState, "the event file '\(path)' is already closed") }
        guard n >= 0 else { throw CelestaError(.invalidArgument, "argument 'count' is \(n)") }
        guard n > 0 else { return }
        try columns.check(count: n)
        if case .fixed(let total) = shape, count + n > total {
            throw CelestaError(.outOfRange, "\(count + n) events appended to a file made for \(total)")
        }
        // Timestamps seen: first/last for the streaming writer; min/max (for write_h5) are
        // taken by the tail and by the chunk packing, in their pass over the events.
        let tp = UnsafeRawPointer(columns.t!)
        if first == nil { first = tp.loadUnaligned(as: UInt64.self) }
        last = tp.loadUnaligned(fromByteOffset: (n - 1) * columns.tStride, as: UInt64.self)

        var consumed = 0
        // Fill the tail up to a chunk first.
        if !tail.t.isEmpty {
            let take = min(n, chunkLength - tail.count)
            appendToTail(columns, from: 0, count: take)
            consumed = take
            if tail.count == chunkLength {
                var full = tail
                tail = EventArrays()
                try full.withColumns { c throws(CelestaError) in try storeChunks(c, count: chunkLength, progress: nil) }
            }
        }
        let whole = (n - consumed) / chunkLength * chunkLength
        if whole > 0 {
            var c = columns
            c.t = columns.t! + consumed * columns.tStride
            c.x = columns.x! + consumed * columns.xStride
            c.y = columns.y! + consumed * columns.yStride
            c.p = columns.p! + consumed * columns.pStride
            try storeChunks(c, count: whole, progress: progress)
            consumed += whole
        }
        if consumed < n { appendToTail(columns, from: consumed, count: n - consumed) }
    }

    private func appendToTail(_ c: EventColumns, from start: Int, count n: Int) {
        for i in start..<(start + n) {
            let t = UnsafeRawPointer(c.t!).loadUnaligned(fromByteOffset: i * c.tStride, as: UInt64.self)
            minimum = Swift.min(minimum, t)
            maximum = Swift.max(maximum, t)
            tail.t.append(t)
            tail.x.append(UnsafeRawPointer(c.x!).loadUnaligned(fromByteOffset: i * c.xStride, as: UInt16.self))
            tail.y.append(UnsafeRawPointer(c.y!).loadUnaligned(fromByteOffset: i * c.yStride, as: UInt16.self))
            tail.p.append(UnsafeRawPointer(c.p!).load(fromByteOffset: i * c.pStride, as: UInt8.self))
        }
    }

    /// Stores `n` events (whole chunks, except the final chunk at close) at `stored`, in
    /// batches of chunk rows (bounded memory; 32 rows when reporting progress, between them),
    /// each packed on all cores by `EventRowCodec` and written in order.
    private func storeChunks(_ columns: EventColumns, count n: Int, progress: ((Int, Int) -> Bool)?) throws(CelestaError) {
        let batch = (progress == nil ? 256 : 32) * chunkLength
        var done = 0
        while done < n {
            let m = min(batch, n - done)
            var c = columns
            c.t = columns.t! + done * columns.tStride
            c.x = columns.x! + done * columns.xStride
            c.y = columns.y! + done * columns.yStride
            c.p = columns.p! + done * columns.pStride
            guard let packed = EventRowCodec.pack(c, count: m, chunkLength: chunkLength, level: gzipLevel) else {
                throw CelestaError(.internalError, "cannot compress a chunk of '\(path)'")
            }
            minimum = min(minimum, packed.minimum)
            maximum = max(maximum, packed.maximum)
            let end = stored + m
            try HDF5Runtime.locked { () throws(CelestaError) in
                if case .resizable = shape {
                    var size = [hsize_t(end)]
                    for (k, did) in datasets.enumerated() where H5Dset_extent(did, &size) < 0 {
                        throw place.failure(.io, config.datasetPath(key(k)), "cannot extend the dataset")
                    }
                }
                for (j, bytes) in packed.chunks.enumerated() {
                    let k = j % 4
                    var offset = [hsize_t(stored + j / 4 * chunkLength)]
                    let rc = bytes.withUnsafeBytes { H5Dwrite_chunk(datasets[k], hdf5Default, 0, &offset, bytes.count, $0.baseAddress) }
                    guard rc >= 0 else { throw place.failure(.io, config.datasetPath(key(k)), "cannot write a chunk") }
                }
            }
            stored = end
            done += m
            if let progress, !progress(done, n) {
                throw CelestaError(.cancelled, "writing '\(path)' cancelled after \(done) of \(n) events")
            }
        }
    }

    private func key(_ k: Int) -> String {
        [config.timestampKey, config.xKey, config.yKey, config.polarityKey][k]
    }

    /// Stores the last events, writes `n_events`, `t_start`, `t_end`, closes the file and renames
    /// it over the target. A writer closed once ignores further closes.
    public func close() throws(CelestaError) {
        guard !finished else { return }
        do throws(CelestaError) {
            if case .fixed(let total) = shape, count != total {
                throw CelestaError(.invalidState, "\(count) events written to a file made for \(total)")
            }
            if !tail.t.isEmpty {
                var rest = tail
                let n = rest.count
                tail = EventArrays()
                try rest.withColumns { c throws(CelestaError) in try storeChunks(c, count: n, progress: nil) }
            }
            try HDF5Runtime.locked { () throws(CelestaError) in
                try writeIntAttribute("n_events", Int64(stored))
                if stored > 0 {
                    if case .fixed = shape {
                        try writeIntAttribute("t_start", Int64(bitPattern: minimum))
                        try writeIntAttribute("t_end", Int64(bitPattern: maximum))
                    } else {
                        try writeIntAttribute("t_start", Int64(bitPattern: first ?? 0))
                        try writeIntAttribute("t_end", Int64(bitPattern: last))
                    }
                }
                for did in datasets { H5Dclose(did) }
                datasets = []
                H5Gclose(group)
                group = -1
                let rc = H5Fclose(file)
                file = -1
                guard rc >= 0 else { throw place.failure(.io, "/", "cannot finish the file") }
            }
            if let replacing {
                let fd = open(temporary, O_RDONLY)
                guard fd >= 0, fsync(fd) == 0 else {
                    if fd >= 0 { Glibc.close(fd) }
                    throw CelestaError(.io, "cannot write '\(path)': \(String(cString: strerror(errno)))")
                }
                Glibc.close(fd)
                _ = chmod(temporary, replacing.st_mode & 0o7777)
            }
            guard rename(temporary, target) == 0 else {
                throw CelestaError(.io, "cannot write '\(path)': \(String(cString: strerror(errno)))")
            }
            finished = true
        } catch {
            discard()
            throw error
        }
    }

    /// Abandons the file: the temporary file is removed and the target left as it was.
    public func discard() {
        guard !finished else { return }
        finished = true
        if file >= 0 || group >= 0 || !datasets.isEmpty {
            _ = try? HDF5Runtime.locked { () throws(CelestaError) in
                for did in datasets { H5Dclose(did) }
                if group >= 0 { H5Gclose(group) }
                if file >= 0 { H5Fclose(file) }
            }
            datasets = []
            group = -1
            file = -1
        }
        unlink(temporary)
    }

    // MARK: attributes (h5py's types: int64 for Python ints, variable-length UTF-8 for str)

    private func writeIntAttribute(_ name: String, _ value: Int64) throws(CelestaError) {
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        if H5Aexists(group, name) > 0 { H5Adelete(group, name) }
        let aid = H5Acreate2(group, name, HDF5Runtime.littleEndianType(.int64), space, hdf5Default, hdf5Default)
        guard aid >= 0 else { throw place.failure(.io, "\(config.groupPath)' attribute '\(name)", "cannot create the attribute") }
        defer { H5Aclose(aid) }
        var v = value
        guard H5Awrite(aid, HDF5Runtime.littleEndianType(.int64), &v) >= 0 else {
            throw place.failure(.io, "\(config.groupPath)' attribute '\(name)", "cannot write the attribute")
        }
    }

    private func writeStringAttribute(_ name: String, _ value: String) throws(CelestaError) {
        let type = H5Tcopy(HDF5Runtime.cString)
        defer { H5Tclose(type) }
        _ = H5Tset_size(type, hdf5VariableSize)
        _ = H5Tset_cset(type, H5T_CSET_UTF8)
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let aid = H5Acreate2(group, name, type, space, hdf5Default, hdf5Default)
        guard aid >= 0 else { throw place.failure(.io, "\(config.groupPath)' attribute '\(name)", "cannot create the attribute") }
        defer { H5Aclose(aid) }
        let rc = value.withCString { c -> herr_t in
            var pointer: UnsafePointer<CChar>? = c
            return H5Awrite(aid, type, &pointer)
        }
        guard rc >= 0 else { throw place.failure(.io, "\(config.groupPath)' attribute '\(name)", "cannot write the attribute") }
    }
}

/// One-call event file reading and writing (TALON's `write_h5` / `read_h5`).
public enum EventFile {
    /// Writes `count` events as TALON's `write_h5` lays them out, atomically.
    public static func write(
        path: String, columns: EventColumns, count: Int, config: EventFileConfig = .standard,
        sensorSize: (width: Int64, height: Int64)? = nil, gzipLevel: Int? = 4, progress: ((Int, Int) -> Bool)? = nil
    ) throws(CelestaError) {
        let writer = try EventFileWriter(path: path, config: config, shape: .fixed(count: count),
                                         gzipLevel: count > 0 ? gzipLevel : nil, sensorSize: sensorSize)
        do throws(CelestaError) {
            try writer.append(columns, count: count, progress: progress)
            try writer.close()
        } catch {
            writer.discard()
            throw error
        }
    }

    /// `write` of Swift arrays.
    public static func write(path: String, events: EventArrays, config: EventFileConfig = .standard,
                             sensorSize: (width: Int64, height: Int64)? = nil, gzipLevel: Int? = 4) throws(CelestaError) {
        var e = events
        let n = e.count
        try e.withColumns { c throws(CelestaError) in
            try write(path: path, columns: c, count: n, config: config, sensorSize: sensorSize, gzipLevel: gzipLevel)
        }
    }

    /// Every event of the file (any layout TALON's `read_h5` reads).
    public static func read(path: String, config: EventFileConfig = .standard) throws(CelestaError) -> EventArrays {
        let reader = try EventFileReader(path: path, config: config)
        return try reader.read(start: 0, count: reader.count)
    }
}
