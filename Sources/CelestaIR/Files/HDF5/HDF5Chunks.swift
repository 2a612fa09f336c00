internal import CDeflate
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// A chunked dataset's chunk grid, for moving whole gzip chunks between an array (C order)
/// and the file with libdeflate instead of libhdf5's zlib filter (H5Dwrite_chunk /
/// H5Dread_chunk): libdeflate compresses about three times and decompresses about twice as
/// fast, and both write the same zlib streams the deflate filter reads. Edge chunks are whole
/// chunks, padded with zeros, as libhdf5 stores them.
struct HDF5ChunkGrid {
    let shape: [Int]
    let chunk: [Int]
    let itemSize: Int
    /// Bytes of one (whole) chunk.
    let chunkBytes: Int
    /// The number of chunks, nil when it would overflow.
    let count: Int?

    init(shape: [Int], chunk: [Int], itemSize: Int) {
        self.shape = shape
        self.chunk = chunk
        self.itemSize = itemSize
        var bytes: Int? = itemSize
        var count: Int? = 1
        for (s, c) in zip(shape, chunk) {
            guard c > 0, let b = bytes, let n = count else { bytes = nil; count = nil; break }
            let (nb, o1) = b.multipliedReportingOverflow(by: c)
            let (nn, o2) = n.multipliedReportingOverflow(by: (s + c - 1) / c)
            bytes = o1 ? nil : nb
            count = o2 ? nil : nn
        }
        chunkBytes = bytes ?? Int.max
        self.count = bytes == nil ? nil : count
    }

    /// Calls `body` with the first element of every chunk, in C order, while it returns true.
    /// Returns false when `body` stopped the walk.
    func forEachChunk(_ body: ([Int]) -> Bool) -> Bool {
        guard !shape.isEmpty, !shape.contains(0) else { return true }
        var origin = [Int](repeating: 0, count: shape.count)
        while true {
            guard body(origin) else { return false }
            var axis = shape.count - 1
            while axis >= 0 {
                origin[axis] += chunk[axis]
                if origin[axis] < shape[axis] { break }
                origin[axis] = 0
                axis -= 1
            }
            if axis < 0 { return true }
        }
    }

    /// Copies the part of the array inside the chunk at `origin` into the chunk buffer
    /// (`toChunk`) or back.
    func copy(array: UnsafeMutableRawPointer, chunkBuffer: UnsafeMutableRawPointer, origin: [Int], toChunk: Bool) {
        let rank = shape.count
        var arrayStride = [Int](repeating: itemSize, count: rank)
        var chunkStride = [Int](repeating: itemSize, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) {
            arrayStride[i] = arrayStride[i + 1] * shape[i + 1]
            chunkStride[i] = chunkStride[i + 1] * chunk[i + 1]
        }
        let extent = (0..<rank).map { min(chunk[$0], shape[$0] - origin[$0]) }
        let run = extent[rank - 1] * itemSize
        var index = [Int](repeating: 0, count: rank)  // within the chunk; the last axis is the run
        while true {
            var a = 0, c = 0
            for i in 0..<rank {
                a += (origin[i] + index[i]) * arrayStride[i]
                c += index[i] * chunkStride[i]
            }
            if toChunk {
                (chunkBuffer + c).copyMemory(from: array + a, byteCount: run)
            } else {
                (array + a).copyMemory(from: chunkBuffer + c, byteCount: run)
            }
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < extent[axis] { break }
                index[axis] = 0
                axis -= 1
            }
            if axis < 0 { return }
        }
    }
}

/// Every chunk of an array packed for the file: zero-padded at the edges, zlib-compressed.
/// Arrays past 256 KiB are split among up to 4 threads by chunk (libdeflate's compression is
/// most of the cost of a gzip write); the result is the same on any number of threads.
final class HDF5ChunkPacker: @unchecked Sendable {
    private let data: UnsafeRawPointer
    private let grid: HDF5ChunkGrid
    private let shape: [Int]
    private let chunk: [Int]
    private let level: Int
    private let origins: [[Int]]
    /// One slot per chunk, each written by one thread only.
    private let slots: UnsafeMutablePointer<[UInt8]?>

    /// The packed chunks in `grid`'s order with their origins, or nil when a chunk could not be
    /// compressed.
    static func pack(_ data: UnsafeRawPointer, grid: HDF5ChunkGrid, shape: [Int], chunk: [Int], level: Int) -> [(origin: [Int], bytes: [UInt8])]? {
        var origins: [[Int]] = []
        _ = grid.forEachChunk { origins.append($0); return true }
        let packer = HDF5ChunkPacker(data: data, grid: grid, shape: shape, chunk: chunk, level: level, origins: origins)
        return packer.run()
    }

    private init(data: UnsafeRawPointer, grid: HDF5ChunkGrid, shape: [Int], chunk: [Int], level: Int, origins: [[Int]]) {
        self.data = data
        self.grid = grid
        self.shape = shape
        self.chunk = chunk
        self.level = level
        self.origins = origins
        slots = .allocate(capacity: max(1, origins.count))
        slots.initialize(repeating: nil, count: max(1, origins.count))
    }

    deinit {
        slots.deinitialize(count: max(1, origins.count))
        slots.deallocate()
    }

    private func run() -> [(origin: [Int], bytes: [UInt8])]? {
        let n = origins.count
        let bytes = n * grid.chunkBytes
        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        let threads = bytes < (256 << 10) ? 1 : max(1, min(4, cores, n))
        if threads == 1 {
            work(0, of: 1)
        } else {
            DispatchQueue.concurrentPerform(iterations: threads) { work($0, of: threads) }
        }
        var out: [(origin: [Int], bytes: [UInt8])] = []
        out.reserveCapacity(n)
        for k in 0..<n {
            guard let packed = slots[k] else { return nil }
            out.append((origins[k], packed))
        }
        return out
    }

    /// Packs chunks `part`, `part + of`, `part + 2 of`, ...
    private func work(_ part: Int, of parts: Int) {
        let compressor = HDF5Compressor(level: level)
        var plain = [UInt8](repeating: 0, count: grid.chunkBytes)
        for k in stride(from: part, to: origins.count, by: parts) {
            let origin = origins[k]
            slots[k] = plain.withUnsafeMutableBytes { buffer in
                if origin.indices.contains(where: { origin[$0] + chunk[$0] > shape[$0] }) {
                    buffer.initializeMemory(as: UInt8.self, repeating: 0)  // an edge chunk: zero padding
                }
                grid.copy(array: UnsafeMutableRawPointer(mutating: data), chunkBuffer: buffer.baseAddress!, origin: origin, toChunk: true)
                return compressor.zlib(buffer.baseAddress!, count: grid.chunkBytes)
            }
        }
    }
}

/// Stored gzip chunks decompressed into an array (C order): like `HDF5ChunkPacker`, split among
/// up to 4 threads past 256 KiB, each chunk's elements written by one thread only.
final class HDF5ChunkUnpacker: @unchecked Sendable {
    private let chunks: [(origin: [Int], packed: [UInt8])]
    private let grid: HDF5ChunkGrid
    private let array: UnsafeMutableRawPointer
    /// One flag per part: whether all its chunks decompressed to exactly a chunk's bytes.
    private let ok: UnsafeMutablePointer<Bool>
    private let parts: Int

    /// False when a chunk is damaged (not a zlib stream of exactly one chunk).
    static func unpack(_ chunks: [(origin: [Int], packed: [UInt8])], grid: HDF5ChunkGrid, into array: UnsafeMutableRawPointer) -> Bool {
        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        let parts = chunks.count * grid.chunkBytes < (256 << 10) ? 1 : max(1, min(4, cores, chunks.count))
        return HDF5ChunkUnpacker(chunks, grid: grid, array: array, parts: parts).run()
    }

    private init(_ chunks: [(origin: [Int], packed: [UInt8])], grid: HDF5ChunkGrid, array: UnsafeMutableRawPointer, parts: Int) {
        self.chunks = chunks
        self.grid = grid
        self.array = array
        self.parts = parts
        ok = .allocate(capacity: parts)
        ok.initialize(repeating: false, count: parts)
    }

    deinit { ok.deallocate() }

    private func run() -> Bool {
        if parts == 1 {
            work(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: parts) { work($0) }
        }
        return (0..<parts).allSatisfy { ok[$0] }
    }

    private func work(_ part: Int) {
        let decompressor = HDF5Decompressor()
        var plain = [UInt8](repeating: 0, count: grid.chunkBytes)
        var good = true
        for k in stride(from: part, to: chunks.count, by: parts) where good {
            good = plain.withUnsafeMutableBytes { target in
                let done = chunks[k].packed.withUnsafeBytes { decompressor.zlib($0, into: target.baseAddress!, count: grid.chunkBytes) }
                if done { grid.copy(array: array, chunkBuffer: target.baseAddress!, origin: chunks[k].origin, toChunk: false) }
                return done
            }
        }
        ok[part] = good
    }
}

/// A libdeflate compressor of one level (freed with the value).
final class HDF5Compressor {
    let level: Int
    private let handle: OpaquePointer?
    init(level: Int) {
        self.level = level
        handle = libdeflate_alloc_compressor(Int32(level))
    }
    deinit { if let handle { libdeflate_free_compressor(handle) } }

    /// The most bytes a zlib stream of `count` bytes can take (0 without a compressor).
    func bound(_ count: Int) -> Int {
        guard let handle else { return 0 }
        return libdeflate_zlib_compress_bound(handle, count)
    }

    /// `count` bytes at `source` as a zlib stream into `target` (room for `capacity` bytes,
    /// `bound(count)` always suffices): its length, or 0 when it does not fit or the
    /// compressor is missing.
    func zlib(_ source: UnsafeRawPointer, count: Int, into target: UnsafeMutableRawPointer, capacity: Int) -> Int {
        guard let handle else { return 0 }
        return libdeflate_zlib_compress(handle, source, count, target, capacity)
    }

    /// `count` bytes at `source` as a zlib stream, or nil when the compressor is missing.
    func zlib(_ source: UnsafeRawPointer, count: Int) -> [UInt8]? {
        guard let handle else { return nil }
        let bound = libdeflate_zlib_compress_bound(handle, count)
        var out = [UInt8](repeating: 0, count: bound)
        let n = out.withUnsafeMutableBytes { libdeflate_zlib_compress(handle, source, count, $0.baseAddress, bound) }
        guard n > 0 else { return nil }
        out.removeLast(bound - n)
        return out
    }
}

/// A libdeflate decompressor (freed with the value).
final class HDF5Decompressor {
    private let handle: OpaquePointer?
    init() { handle = libdeflate_alloc_decompressor() }
    deinit { if let handle { libdeflate_free_decompressor(handle) } }

    /// Decompresses the zlib stream `source` into exactly `count` bytes at `target`; false when
    /// the stream is damaged or does not hold exactly that many bytes.
    func zlib(_ source: UnsafeRawBufferPointer, into target: UnsafeMutableRawPointer, count: Int) -> Bool {
        guard let handle, let base = source.baseAddress else { return false }
        var actual = 0
        return libdeflate_zlib_decompress(handle, base, source.count, target, count, &actual) == LIBDEFLATE_SUCCESS && actual == count
    }
}
