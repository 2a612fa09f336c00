import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Gathering, compressing, decompressing and scattering whole chunks of event columns, on all
/// cores: the work is split by chunk, each job with its own buffer and libdeflate state.
enum EventChunkCodec {
    /// One chunk of one column to pack: column `column`, elements `first..<first + count` of
    /// the source (count <= chunk length; the rest of the chunk is zero padding).
    struct PackJob {
        let column: Int
        let first: Int
        let count: Int
    }

    /// The packed bytes of every job, in order (zlib streams when `level` is set, else the
    /// plain chunk). Nil when a chunk could not be compressed.
    static func pack(_ jobs: [PackJob], source: EventColumns, chunkLength: Int, level: Int?) -> [[UInt8]]? {
        final class Slots: @unchecked Sendable {
            let slots: UnsafeMutablePointer<[UInt8]?>
            let count: Int
            init(_ n: Int) { count = n; slots = .allocate(capacity: max(1, n)); slots.initialize(repeating: nil, count: max(1, n)) }
            deinit { slots.deinitialize(count: max(1, count)); slots.deallocate() }
        }
        let out = Slots(jobs.count)
        let work: @Sendable (Int) -> Void = { k in
            let job = jobs[k]
            let size = EventColumn.sizes[job.column]
            let bytes = chunkLength * size
            let (pointer, stride) = source.column(job.column)
            var plain = [UInt8](repeating: 0, count: bytes)
            plain.withUnsafeMutableBytes { buffer in
                gather(from: UnsafeRawPointer(pointer!) + job.first * stride, stride: stride, size: size, count: job.count, into: buffer.baseAddress!)
            }
            if let level {
                out.slots[k] = plain.withUnsafeBytes { HDF5Compressor(level: level).zlib($0.baseAddress!, count: bytes) }
            } else {
                out.slots[k] = plain
            }
        }
        if jobs.count == 1 || cores() == 1 {
            for k in 0..<jobs.count { work(k) }
        } else {
            DispatchQueue.concurrentPerform(iterations: jobs.count, execute: work)
        }
        var result: [[UInt8]] = []
        result.reserveCapacity(jobs.count)
        for k in 0..<jobs.count {
            guard let bytes = out.slots[k] else { return nil }
            result.append(bytes)
        }
        return result
    }

    /// One stored chunk to unpack: its bytes (zlib, or plain when `compressed` is false), the
    /// element `skip` within the chunk to start from, `count` elements to write to the target
    /// column `column` starting at element `target`.
    struct UnpackJob {
        let column: Int
        let bytes: [UInt8]
        let compressed: Bool
        let skip: Int
        let count: Int
        let target: Int
    }

    /// Unpacks every job into `destination`; the index of the first damaged job, or nil.
    static func unpack(_ jobs: [UnpackJob], chunkLength: Int, into destination: EventColumns) -> Int? {
        final class Flags: @unchecked Sendable {
            let bad: UnsafeMutablePointer<Bool>
            let count: Int
            init(_ n: Int) { count = n; bad = .allocate(capacity: max(1, n)); bad.initialize(repeating: false, count: max(1, n)) }
            deinit { bad.deallocate() }
        }
        let flags = Flags(jobs.count)
        let work: @Sendable (Int) -> Void = { k in
            let job = jobs[k]
            let size = EventColumn.sizes[job.column]
            let bytes = chunkLength * size
            let (pointer, stride) = destination.column(job.column)
            let ok: Bool
            if job.compressed {
                var plain = [UInt8](repeating: 0, count: bytes)
                ok = plain.withUnsafeMutableBytes { target in
                    let done = job.bytes.withUnsafeBytes { HDF5Decompressor().zlib($0, into: target.baseAddress!, count: bytes) }
                    if done {
                        scatter(from: UnsafeRawPointer(target.baseAddress!) + job.skip * size, size: size, count: job.count,
                                into: pointer! + job.target * stride, stride: stride)
                    }
                    return done
                }
            } else {
                ok = job.bytes.count >= (job.skip + job.count) * size
                if ok {
                    job.bytes.withUnsafeBytes { plain in
                        scatter(from: plain.baseAddress! + job.skip * size, size: size, count: job.count,
                                into: pointer! + job.target * stride, stride: stride)
                    }
                }
            }
            flags.bad[k] = !ok
        }
        let total = jobs.reduce(0) { $0 + $1.count }
        if jobs.count <= 1 || cores() == 1 || total < 1 << 15 {
            for k in 0..<jobs.count { work(k) }
        } else {
            DispatchQueue.concurrentPerform(iterations: jobs.count, execute: work)
        }
        return (0..<jobs.count).first { flags.bad[$0] }
    }

    static func cores() -> Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Copies `count` elements of `size` bytes, `stride` bytes apart, into a packed buffer.
    static func gather(from source: UnsafeRawPointer, stride: Int, size: Int, count: Int, into target: UnsafeMutableRawPointer) {
        if stride == size {
            target.copyMemory(from: source, byteCount: count * size)
            return
        }
        switch size {
        case 8:
            let out = target.assumingMemoryBound(to: UInt64.self)
            for i in 0..<count { out[i] = source.loadUnaligned(fromByteOffset: i * stride, as: UInt64.self) }
        case 2:
            let out = target.assumingMemoryBound(to: UInt16.self)
            for i in 0..<count { out[i] = source.loadUnaligned(fromByteOffset: i * stride, as: UInt16.self) }
        default:
            let out = target.assumingMemoryBound(to: UInt8.self)
            for i in 0..<count { out[i] = source.load(fromByteOffset: i * stride, as: UInt8.self) }
        }
    }

    /// The inverse of `gather`.
    static func scatter(from source: UnsafeRawPointer, size: Int, count: Int, into target: UnsafeMutableRawPointer, stride: Int) {
        if stride == size {
            target.copyMemory(from: source, byteCount: count * size)
            return
        }
        switch size {
        case 8:
            for i in 0..<count { target.storeBytes(of: source.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self), toByteOffset: i * stride, as: UInt64.self) }
        case 2:
            for i in 0..<count { target.storeBytes(of: source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self), toByteOffset: i * stride, as: UInt16.self) }
        default:
            for i in 0..<count { target.storeBytes(of: source.load(fromByteOffset: i, as: UInt8.self), toByteOffset: i * stride, as: UInt8.self) }
        }
    }
}
