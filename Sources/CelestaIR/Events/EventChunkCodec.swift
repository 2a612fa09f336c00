import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Decompressing and scattering whole chunks of one event column, on all cores (the reads of
/// single columns: time windows and their binary searches); whole rows of the four columns go
/// through `EventRowCodec`.
enum EventChunkCodec {
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

    /// Copies `count` packed elements of `size` bytes to `target`, `stride` bytes apart.
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
