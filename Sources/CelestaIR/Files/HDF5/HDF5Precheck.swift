#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks on a file's bytes before libhdf5 sees them, for damage libhdf5 1.10 does not survive.
///
/// A global heap collection (where variable-length strings live) whose object sizes do not
/// tile it exactly makes libhdf5 1.10's heap loader loop forever (a zero-sized free-space
/// object) or read past the collection. The check walks every collection as the loader will
/// and refuses the file when the walk would not end exactly at the collection's end. It also
/// indexes the heap objects, so that the reader can check a dataset's variable-length
/// references before libhdf5 follows them (1.10 reads out of bounds on a bad object index).
enum HDF5Precheck {
    /// Global heap objects: collection address -> object index -> object size.
    struct HeapIndex {
        var objects: [UInt64: [Int: UInt64]] = [:]
    }

    /// HDF5's format signature, found at offset 0, 512, 1024, 2048, ...
    private static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The offset of the superblock, or nil when the bytes are not an HDF5 file.
    static func superblockOffset(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var offset = 0
        while offset + signature.count <= bytes.count {
            if signature.indices.allSatisfy({ bytes[offset + $0] == signature[$0] }) { return offset }
            offset = offset == 0 ? 512 : offset * 2
        }
        return nil
    }

    /// Throws `.parse` naming `file` when a global heap collection is damaged.
    static func checkGlobalHeaps(_ bytes: UnsafeRawBufferPointer, superblock: Int, file: String) throws(CelestaError) -> HeapIndex {
        var heap = HeapIndex()
        // The collection layout below assumes 8-byte lengths (h5py's default); the superblock
        // says how wide they are (byte 14 in versions 0 and 1, byte 10 in versions 2 and 3).
        guard superblock + 16 <= bytes.count else { return heap }
        let version = bytes[superblock + 8]
        let lengthSize = version < 2 ? bytes[superblock + 14] : bytes[superblock + 10]
        guard lengthSize == 8 else { return heap }

        func damaged(_ at: Int) -> CelestaError {
            CelestaError(.parse, "'\(file)': damaged global heap at byte \(at) (variable-length data)")
        }
        func u64(_ at: Int) -> UInt64 {
            var v: UInt64 = 0
            for k in (0..<8).reversed() { v = v << 8 | UInt64(bytes[at + k]) }
            return v
        }
        let count = bytes.count
        guard let base = bytes.baseAddress else { return heap }
        var i = 0
        while i + 16 <= count {
            // "GCOL", version 1, three reserved bytes, then the collection size. memchr finds
            // the next "G" (a byte-by-byte loop cost most of the time of reading a file of
            // large arrays).
            guard let found = memchr(base + i, 0x47, count - 16 + 1 - i) else { break }
            i = base.distance(to: UnsafeRawPointer(found))
            guard bytes[i + 1] == 0x43, bytes[i + 2] == 0x4F, bytes[i + 3] == 0x4C, bytes[i + 4] == 1 else {
                i += 1
                continue
            }
            let size = u64(i + 8)
            guard size >= 32, size <= UInt64(count - i) else { throw damaged(i) }
            let end = i + Int(size)
            var objects: [Int: UInt64] = [:]
            var p = i + 16
            while p < end {
                if p + 16 > end { break }  // too small for an object header: free space
                let index = Int(bytes[p]) | Int(bytes[p + 1]) << 8
                let objectSize = u64(p + 8)
                let room = UInt64(end - p)
                let need: UInt64
                if index == 0 {
                    need = objectSize
                } else {
                    guard objectSize <= room else { throw damaged(p) }
                    need = 16 + (objectSize + 7) / 8 * 8
                    objects[index] = objectSize
                }
                guard need > 0, need <= room else { throw damaged(p) }
                p += Int(need)
            }
            if i >= superblock { heap.objects[UInt64(i - superblock)] = objects }
            i = end
        }
        return heap
    }

    /// Whether the `count` variable-length string references at `at` (length, heap collection
    /// address, object index: 16 bytes each) are each null (address 0) or name a global heap
    /// object of exactly their length. libhdf5 allocates the length before it reads the
    /// object, then copies the whole object: a longer length allocates for nothing, a shorter
    /// one overruns.
    static func referencesValid(_ bytes: UnsafeRawBufferPointer, at: Int, count: Int, heap: HeapIndex) -> Bool {
        guard count >= 0, at >= 0, at <= bytes.count, count <= (bytes.count - at) / 16 else { return false }
        var p = at
        for _ in 0..<count {
            let length = UInt64(bytes.loadUnaligned(fromByteOffset: p, as: UInt32.self).littleEndian)
            let address = bytes.loadUnaligned(fromByteOffset: p + 4, as: UInt64.self).littleEndian
            let index = Int(bytes.loadUnaligned(fromByteOffset: p + 12, as: UInt32.self).littleEndian)
            if address != 0 {
                guard index > 0, index <= 0xFFFF, let size = heap.objects[address]?[index], length == size else { return false }
            }
            p += 16
        }
        return true
    }
}
