import Dispatch
import Synchronization

/// Whole chunk rows of event files (the four columns' chunks of the same events) packed and
/// unpacked on all cores: each worker goes through the caller's events once per row (13-byte
/// records split into the four columns, or joined back, in one pass), with its own buffers and
/// libdeflate state reused for every row, rows handed out in order to whichever worker is free.
enum EventRowCodec {
    /// One worker's buffers: a chunk per column, and room for one compressed chunk.
    final class Scratch {
        let plain: [UnsafeMutableRawPointer]
        let packed: UnsafeMutableRawPointer
        let capacity: Int
        let compressor: HDF5Compressor?
        let decompressor = HDF5Decompressor()

        init(chunkLength: Int, level: Int?) {
            plain = EventColumn.sizes.map { UnsafeMutableRawPointer.allocate(byteCount: Swift.max(1, chunkLength * $0), alignment: 64) }
            compressor = level.map { HDF5Compressor(level: $0) }
            capacity = compressor?.bound(chunkLength * 8) ?? 1
            packed = .allocate(byteCount: Swift.max(1, capacity), alignment: 64)
        }

        deinit {
            plain.forEach { $0.deallocate() }
            packed.deallocate()
        }
    }

    /// Per-row results, written by the one worker that has the row.
    final class Slots<T>: @unchecked Sendable {
        let values: UnsafeMutablePointer<T>
        let count: Int
        init(_ n: Int, _ initial: T) {
            count = Swift.max(1, n)
            values = .allocate(capacity: count)
            values.initialize(repeating: initial, count: count)
        }
        deinit {
            values.deinitialize(count: count)
            values.deallocate()
        }
    }

    /// Runs `body(row, scratch)` for rows 0..<rows on up to all cores (each worker with its
    /// own scratch), rows handed out in order.
    static func forEachRow(_ rows: Int, chunkLength: Int, level: Int?, _ body: @escaping @Sendable (Int, Scratch) -> Void) {
        final class Counter: Sendable { let next = Atomic<Int>(0) }
        let counter = Counter()
        let workers = Swift.min(EventChunkCodec.cores(), rows)
        let work: @Sendable (Int) -> Void = { _ in
            let scratch = Scratch(chunkLength: chunkLength, level: level)
            while true {
                let r = counter.next.add(1, ordering: .relaxed).oldValue
                if r >= rows { return }
                body(r, scratch)
            }
        }
        if workers <= 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: work) }
    }

    /// The stored chunks of `count` events of `source` in rows of `chunkLength` (the last one
    /// zero-padded): per row its four chunks in column order (zlib streams when `level` is
    /// set), and the smallest and largest timestamp. Nil when a chunk could not be compressed.
    static func pack(_ source: EventColumns, count: Int, chunkLength: Int, level: Int?) -> (chunks: [[UInt8]], minimum: UInt64, maximum: UInt64)? {
        let rows = (count + chunkLength - 1) / chunkLength
        let chunks = Slots<[UInt8]?>(4 * rows, nil)
        let lows = Slots<UInt64>(rows, .max), highs = Slots<UInt64>(rows, 0)
        forEachRow(rows, chunkLength: chunkLength, level: level) { r, s in
            let first = r * chunkLength, m = Swift.min(chunkLength, count - first)
            let (lo, hi) = split(source, first: first, count: m, into: s.plain)
            lows.values[r] = lo
            highs.values[r] = hi
            for k in 0..<4 {
                let size = EventColumn.sizes[k]
                if m < chunkLength { (s.plain[k] + m * size).initializeMemory(as: UInt8.self, repeating: 0, count: (chunkLength - m) * size) }
                let bytes = chunkLength * size
                if let c = s.compressor {
                    let n = c.zlib(s.plain[k], count: bytes, into: s.packed, capacity: s.capacity)
                    guard n > 0 else { return }
                    chunks.values[4 * r + k] = copy(s.packed, n)
                } else {
                    chunks.values[4 * r + k] = copy(s.plain[k], bytes)
                }
            }
        }
        var out: [[UInt8]] = []
        out.reserveCapacity(4 * rows)
        var lo = UInt64.max, hi: UInt64 = 0
        for r in 0..<rows {
            lo = Swift.min(lo, lows.values[r])
            hi = Swift.max(hi, highs.values[r])
            for k in 0..<4 {
                guard let c = chunks.values[4 * r + k] else { return nil }
                out.append(c)
            }
        }
        return (out, lo, hi)
    }

    static func copy(_ source: UnsafeRawPointer, _ n: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: n) { buffer, initialized in
            buffer.baseAddress!.initialize(from: source.assumingMemoryBound(to: UInt8.self), count: n)
            initialized = n
        }
    }

    /// Events `first..<first + count` of `source` into the four packed column buffers, in one
    /// pass over the caller's memory; the smallest and largest timestamp.
    static func split(_ c: EventColumns, first: Int, count m: Int, into plain: [UnsafeMutableRawPointer]) -> (UInt64, UInt64) {
        let ts = UnsafeRawPointer(c.t!) + first * c.tStride, xs = UnsafeRawPointer(c.x!) + first * c.xStride
        let ys = UnsafeRawPointer(c.y!) + first * c.yStride, ps = UnsafeRawPointer(c.p!) + first * c.pStride
        let t = plain[0].assumingMemoryBound(to: UInt64.self), x = plain[1].assumingMemoryBound(to: UInt16.self)
        let y = plain[2].assumingMemoryBound(to: UInt16.self), p = plain[3].assumingMemoryBound(to: UInt8.self)
        var lo = UInt64.max, hi: UInt64 = 0
        if c.tStride == 8, c.xStride == 2, c.yStride == 2, c.pStride == 1 {
            t.update(from: ts.assumingMemoryBound(to: UInt64.self), count: m)
            x.update(from: xs.assumingMemoryBound(to: UInt16.self), count: m)
            y.update(from: ys.assumingMemoryBound(to: UInt16.self), count: m)
            p.update(from: ps.assumingMemoryBound(to: UInt8.self), count: m)
            for i in 0..<m { lo = Swift.min(lo, t[i]); hi = Swift.max(hi, t[i]) }
            return (lo, hi)
        }
        let tsd = c.tStride, xsd = c.xStride, ysd = c.yStride, psd = c.pStride
        for i in 0..<m {
            let v = ts.loadUnaligned(fromByteOffset: i * tsd, as: UInt64.self)
            t[i] = v
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
            x[i] = xs.loadUnaligned(fromByteOffset: i * xsd, as: UInt16.self)
            y[i] = ys.loadUnaligned(fromByteOffset: i * ysd, as: UInt16.self)
            p[i] = ps.load(fromByteOffset: i * psd, as: UInt8.self)
        }
        return (lo, hi)
    }

    /// Elements `skip..<skip + count` of the four packed columns at `source` into `c` from
    /// event `target`, in one pass over the caller's memory.
    static func join(_ source: [UnsafeRawPointer], skip: Int, count m: Int, into c: EventColumns, target: Int) {
        let t = source[0] + skip * 8, x = source[1] + skip * 2, y = source[2] + skip * 2, p = source[3] + skip
        let td = c.t! + target * c.tStride, xd = c.x! + target * c.xStride
        let yd = c.y! + target * c.yStride, pd = c.p! + target * c.pStride
        if c.tStride == 8, c.xStride == 2, c.yStride == 2, c.pStride == 1 {
            td.copyMemory(from: t, byteCount: m * 8)
            xd.copyMemory(from: x, byteCount: m * 2)
            yd.copyMemory(from: y, byteCount: m * 2)
            pd.copyMemory(from: p, byteCount: m)
            return
        }
        let tsd = c.tStride, xsd = c.xStride, ysd = c.yStride, psd = c.pStride
        for i in 0..<m {
            td.storeBytes(of: t.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self), toByteOffset: i * tsd, as: UInt64.self)
            xd.storeBytes(of: x.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self), toByteOffset: i * xsd, as: UInt16.self)
            yd.storeBytes(of: y.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self), toByteOffset: i * ysd, as: UInt16.self)
            pd.storeBytes(of: p.load(fromByteOffset: i, as: UInt8.self), toByteOffset: i * psd, as: UInt8.self)
        }
    }

    /// Reads chunk rows `firstChunk...lastChunk` of events `start..<start + count` into
    /// `destination`: `fetch(column, chunk)` gives a stored chunk and its filter mask (called
    /// under the caller's lock by the workers, so that reading overlaps decompressing);
    /// `damaged(column, chunk)` the error of a chunk that does not decompress to a chunk.
    /// The first failing row's error is thrown.
    static func unpack(start: Int, count n: Int, chunkLength c: Int, gzip: Bool, into destination: EventColumns,
                       fetch: @escaping @Sendable (Int, Int) throws(CelestaError) -> ([UInt8], UInt32),
                       damaged: @escaping @Sendable (Int, Int) -> CelestaError) throws(CelestaError) {
        let firstChunk = start / c, lastChunk = (start + n - 1) / c
        let rows = lastChunk - firstChunk + 1
        let errors = Slots<CelestaError?>(rows, nil)
        forEachRow(rows, chunkLength: c, level: nil) { r, s in
            let chunk = firstChunk + r
            let lo = Swift.max(start, chunk * c), hi = Swift.min(start + n, (chunk + 1) * c)
            var sources: [UnsafeRawPointer] = []
            for k in 0..<4 {
                let bytes = c * EventColumn.sizes[k]
                let raw: [UInt8], mask: UInt32
                do throws(CelestaError) { (raw, mask) = try fetch(k, chunk) } catch { errors.values[r] = error; return }
                if gzip && mask & 1 == 0 {
                    let ok = raw.withUnsafeBytes { s.decompressor.zlib($0, into: s.plain[k], count: bytes) }
                    guard ok else { errors.values[r] = damaged(k, chunk); return }
                    sources.append(UnsafeRawPointer(s.plain[k]))
                } else {
                    guard raw.count >= bytes else { errors.values[r] = damaged(k, chunk); return }
                    raw.withUnsafeBytes { UnsafeMutableRawPointer(s.plain[k]).copyMemory(from: $0.baseAddress!, byteCount: bytes) }
                    sources.append(UnsafeRawPointer(s.plain[k]))
                }
            }
            join(sources, skip: lo - chunk * c, count: hi - lo, into: destination, target: lo - start)
        }
        for r in 0..<rows { if let e = errors.values[r] { throw e } }
    }
}
