internal import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and writing whole HDF5 files as `HDF5Group` trees. Files in h5py's default layout
/// (TALON's, and what Celesta writes unless a tree needs more) are read and written by this
/// layer itself (`HDF5Parser`, `HDF5Emitter`), anything else through libhdf5.
public enum HDF5File {
    /// Groups may nest this deep below the root.
    public static let maxDepth = 64
    /// A dataset or attribute may hold at most this many elements (2^31).
    public static let maxElements = 1 << 31
    /// A file may decode to at most this many times its size (plus 64 MiB): gzip's best ratio
    /// is about 1032:1.
    public static let maxExpansion = 1100

    /// The root group of the HDF5 file at `path`, read whole into memory. Children come in
    /// HDF5 name order. Fails with `.io` when the file cannot be opened, `.parse` when it is not
    /// HDF5 or is damaged, `.unsupported` for what this layer does not model (soft and external
    /// links, compound and other datatypes) and `.limitExceeded` past the limits above; the
    /// message names the file and the object.
    public static func read(path: String) throws(CelestaError) -> HDF5Group {
        try read(path: path, throughLibrary: false)
    }

    /// `read(path:)`, forced through libhdf5 when `throughLibrary` (tests compare the two
    /// readers on the same files).
    package static func read(path: String, throughLibrary: Bool) throws(CelestaError) -> HDF5Group {
        try read(bytes: try wholeFile(path), name: path, throughLibrary: throughLibrary)
    }

    /// The root group of the HDF5 file whose bytes are `bytes` (a file image, read as
    /// `read(path:)` reads a file; nothing touches the disk). `name` names it in messages.
    public static func read(bytes: [UInt8], name: String) throws(CelestaError) -> HDF5Group {
        try read(bytes: bytes, name: name, throughLibrary: false)
    }

    package static func read(bytes: [UInt8], name: String, throughLibrary: Bool) throws(CelestaError) -> HDF5Group {
        guard !bytes.isEmpty else { throw CelestaError(.parse, "'\(name)' is not an HDF5 file (it is empty)") }
        let place = HDF5Place(file: name)
        return try keepingErrorType {
            try bytes.withUnsafeBytes { raw in
                guard let superblock = HDF5Precheck.superblockOffset(raw) else {
                    throw CelestaError(.parse, "'\(name)' is not an HDF5 file")
                }
                let heap = try HDF5Precheck.checkGlobalHeaps(raw, superblock: superblock, file: name)
                // h5py's default layout (TALON's files, Celesta's own) is read from the bytes;
                // anything else, or anything damaged, through libhdf5, once the structures
                // libhdf5 1.10 trusts blindly are checked.
                if !throughLibrary, let tree = try HDF5Parser.read(raw, superblock: superblock, file: name) { return tree }
                let structure = try HDF5Structure(bytes: raw, superblock: superblock, heap: heap, file: name)
                try structure.checkAll()
                return try HDF5Runtime.locked { () throws(CelestaError) -> HDF5Group in
                    let fapl = try fileAccess(place, backingStore: false)
                    defer { H5Pclose(fapl) }
                    // The bytes as the core driver's file image (copied by libhdf5). The name
                    // libhdf5 is given must not exist: an image is refused over an existing file.
                    guard H5Pset_file_image(fapl, UnsafeMutableRawPointer(mutating: raw.baseAddress), raw.count) >= 0 else {
                        throw place.failure(.internalError, "/", "cannot set the file image")
                    }
                    let fid = H5Fopen("/dev/null/celesta-file-image", 0 /* H5F_ACC_RDONLY */, fapl)
                    guard fid >= 0 else { throw place.failure(.parse, "/", "cannot open the file (truncated or damaged?)") }
                    defer { H5Fclose(fid) }
                    return try HDF5TreeReader(
                        place: place, file: fid, bytes: raw, superblock: superblock, heap: heap, structure: structure
                    ).readRoot()
                }
            }
        }
    }

    /// Writes `root` as the HDF5 file at `path`, atomically: into a new file beside the target,
    /// renamed over it once complete (and flushed to disk first when it replaces a file). On
    /// failure the target is left as it was and the temporary file is removed. A symlink is followed (its target is replaced); a path that exists and
    /// is not a regular file (folder, FIFO, device) is refused with `.io`. The file has h5py's
    /// default layout (`HDF5Emitter`) unless the tree holds chunked or compressed datasets or
    /// an attribute past 64 KiB; then libhdf5 writes it in the HDF5 1.8 format.
    public static func write(_ root: HDF5Group, to path: String) throws(CelestaError) {
        let target = try resolveSymlinks(path)
        var info = stat()
        let exists = lstat(target, &info) == 0
        if exists && (info.st_mode & S_IFMT) != S_IFREG {
            throw CelestaError(.io, "cannot write '\(path)': it exists and is not a regular file")
        }
        let slash = target.lastIndex(of: "/")
        let folder = slash.map { String(target[..<$0]) } ?? "."
        let base = slash.map { String(target[target.index(after: $0)...]) } ?? target
        let temporary = (slash == nil ? "" : folder + "/") + ".\(base).\(getpid())-\(UInt64.random(in: 0...UInt64.max)).tmp"
        let place = HDF5Place(file: path)

        do throws(CelestaError) {
            if let bytes = try HDF5Emitter.encode(root, place: place) {
                try writeBytes(bytes, to: temporary, path: path, folder: folder)
            } else {
                try writeThroughLibrary(root, to: temporary, path: path, folder: folder)
            }
            // Durable before it replaces a file (so that a crash cannot leave the old file
            // replaced by a partial one); a new file needs no flush to be atomic.
            if exists {
                let fd = open(temporary, O_RDONLY)
                guard fd >= 0, fsync(fd) == 0 else {
                    if fd >= 0 { close(fd) }
                    throw CelestaError(.io, "cannot write '\(path)': \(String(cString: strerror(errno)))")
                }
                close(fd)
            }
            if exists { _ = chmod(temporary, info.st_mode & 0o7777) }
            guard rename(temporary, target) == 0 else {
                throw CelestaError(.io, "cannot write '\(path)': \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Whether `read(path:)` reads the file at `path` without libhdf5 (h5py's default layout).
    package static func readsWithoutLibrary(path: String) -> Bool {
        guard let bytes = try? wholeFile(path) else { return false }
        return bytes.withUnsafeBytes { raw in
            guard let superblock = HDF5Precheck.superblockOffset(raw) else { return false }
            return (try? HDF5Parser.read(raw, superblock: superblock, file: path)) != nil
        }
    }

    /// Whether `write(_:to:)` writes `root` without libhdf5 (no chunked or compressed
    /// dataset, no object header message past 64 KiB).
    package static func writesWithoutLibrary(_ root: HDF5Group) -> Bool {
        HDF5Emitter.fits(root)
    }

    /// Writes `root` into the new file `temporary` through libhdf5 (trees that the emitter's
    /// layout cannot hold: chunked or compressed datasets, very large attributes).
    private static func writeThroughLibrary(_ root: HDF5Group, to temporary: String, path: String, folder: String) throws(CelestaError) {
        let place = HDF5Place(file: path)
        try HDF5Runtime.locked { () throws(CelestaError) in
            let fapl = try fileAccess(place, backingStore: true)
            defer { H5Pclose(fapl) }
            let fid = H5Fcreate(temporary, 4 /* H5F_ACC_EXCL */, hdf5Default, fapl)
            guard fid >= 0 else {
                _ = HDF5Place.libraryReason()
                throw cannotCreate(path, folder: folder)
            }
            do throws(CelestaError) {
                let root_ = H5Gopen2(fid, "/", hdf5Default)
                guard root_ >= 0 else { throw place.failure(.io, "/", "cannot open the root group") }
                defer { H5Gclose(root_) }
                try HDF5TreeWriter(place: place).write(root, into: root_, path: "")
            } catch {
                H5Fclose(fid)
                throw error
            }
            guard H5Fclose(fid) >= 0 else { throw place.failure(.io, "/", "cannot finish the file") }
        }
    }

    /// Writes `bytes` as the new file `temporary` (created exclusively).
    private static func writeBytes(_ bytes: [UInt8], to temporary: String, path: String, folder: String) throws(CelestaError) {
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw cannotCreate(path, folder: folder) }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw CelestaError(.io, "cannot write '\(path)': \(String(cString: strerror(errno)))") }
            done += n
        }
    }

    private static func cannotCreate(_ path: String, folder: String) -> CelestaError {
        var folderInfo = stat()
        let why = stat(folder.isEmpty ? "/" : folder, &folderInfo) != 0 ? "no such folder" : "cannot create a file in its folder"
        return CelestaError(.io, "cannot write '\(path)': \(why)")
    }

    // MARK: helpers

    /// File access: the core driver (the whole file in memory: one read on open, one write on
    /// close, no small I/O per object) and strong close (closing the file closes all its objects).
    ///
    /// libhdf5 writes in the HDF5 1.8 format (superblock 2, version-2 object headers, links
    /// and attributes stored compactly in the object header or densely past that): every
    /// reader since HDF5 1.8 (2008; h5py 2.x and 3.x, hence TALON and nir) reads it, and it
    /// has no 64 KiB limit on an attribute.
    private static func fileAccess(_ place: HDF5Place, backingStore: Bool) throws(CelestaError) -> hid_t {
        let fapl = H5Pcreate(HDF5Runtime.fileAccessClass)
        guard fapl >= 0 else { throw place.failure(.internalError, "/", "cannot create the file access properties") }
        guard H5Pset_fapl_core(fapl, 1 << 20, backingStore) >= 0,
              H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) >= 0,
              !backingStore || H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) >= 0
        else {
            H5Pclose(fapl)
            throw place.failure(.internalError, "/", "cannot set the file access properties")
        }
        return fapl
    }

    /// The bytes of the regular file at `path`; `.io` naming the path when it is missing,
    /// unreadable, a folder or not a regular file (opened without blocking: a FIFO would block);
    /// `.parse` when it is empty.
    private static func wholeFile(_ path: String) throws(CelestaError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else {
            let why = errno == ENOENT ? "no such file" : String(cString: strerror(errno))
            throw CelestaError(.io, "cannot read '\(path)': \(why)")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw CelestaError(.io, "cannot read '\(path)': \(String(cString: strerror(errno)))") }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw CelestaError(.io, "cannot read '\(path)': it is a folder")
        default: throw CelestaError(.io, "cannot read '\(path)': it is not a regular file")
        }
        let size = Int(info.st_size)
        guard size > 0 else { throw CelestaError(.parse, "'\(path)' is not an HDF5 file (it is empty)") }
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            while initialized < size {
                let n = Glibc.read(fd, buffer.baseAddress! + initialized, size - initialized)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    failure = n < 0 ? errno : 0
                    break
                }
                initialized += n
            }
        }
        guard bytes.count == size else {
            throw CelestaError(.io, "cannot read '\(path)': \(failure != 0 ? String(cString: strerror(failure)) : "it shrank while being read")")
        }
        return bytes
    }

    /// `path` with symlinks in its last component followed (the file a write must replace).
    private static func resolveSymlinks(_ path: String) throws(CelestaError) -> String {
        var current = path
        for _ in 0..<40 {
            var info = stat()
            guard lstat(current, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: 4097)
            let n = readlink(current, &buffer, 4096)
            guard n > 0 else { throw CelestaError(.io, "cannot write '\(path)': cannot read the symlink") }
            let link = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if link.hasPrefix("/") {
                current = link
            } else if let slash = current.lastIndex(of: "/") {
                current = String(current[...slash]) + link
            } else {
                current = link
            }
        }
        throw CelestaError(.io, "cannot write '\(path)': too many levels of symlinks")
    }
}
