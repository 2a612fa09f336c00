/// libhdf5's metadata checksum (`H5_checksum_metadata`): Bob Jenkins' lookup3 `hashlittle`
/// with an initial value of 0, over bytes read one at a time (any alignment, any host).
///
/// libhdf5 1.10 verifies the checksums of fractal heaps and version-2 B-trees itself, but
/// when one fails while it iterates a dense group's links, it frees link table entries it
/// never filled (a wild `free` under `H5Literate`: Tests/fuzz/corpus/nir/regression-dense-*).
/// So `HDF5Structure` verifies them before libhdf5 reads those structures.
enum HDF5Checksum {
    @inline(__always) private static func rot(_ x: UInt32, _ k: UInt32) -> UInt32 { (x << k) | (x >> (32 - k)) }

    /// The lookup3 hash of `bytes`.
    static func lookup3(_ bytes: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
        var a = 0xdead_beef &+ UInt32(truncatingIfNeeded: bytes.count) &+ initial
        var b = a, c = a
        var k = 0
        var length = bytes.count
        @inline(__always) func word(_ at: Int, _ n: Int) -> UInt32 {
            var v: UInt32 = 0
            for i in 0..<n { v |= UInt32(bytes[at + i]) << (8 * UInt32(i)) }
            return v
        }
        while length > 12 {
            a &+= word(k, 4)
            b &+= word(k + 4, 4)
            c &+= word(k + 8, 4)
            a &-= c; a ^= rot(c, 4); c &+= b
            b &-= a; b ^= rot(a, 6); a &+= c
            c &-= b; c ^= rot(b, 8); b &+= a
            a &-= c; a ^= rot(c, 16); c &+= b
            b &-= a; b ^= rot(a, 19); a &+= c
            c &-= b; c ^= rot(b, 4); b &+= a
            length -= 12
            k += 12
        }
        guard length > 0 else { return c }
        // The last 1 to 12 bytes (the `switch` with fall-through of lookup3.c).
        a &+= word(k, min(length, 4))
        if length > 4 { b &+= word(k + 4, min(length - 4, 4)) }
        if length > 8 { c &+= word(k + 8, length - 8) }
        c ^= b; c &-= rot(b, 14)
        a ^= c; a &-= rot(c, 11)
        b ^= a; b &-= rot(a, 25)
        c ^= b; c &-= rot(b, 16)
        a ^= c; a &-= rot(c, 4)
        b ^= a; b &-= rot(a, 14)
        c ^= b; c &-= rot(b, 24)
        return c
    }
}

extension HDF5Structure {
    /// A checksum to verify once the structures have been walked (`verifyChecksums`): damage
    /// to a structure's fields is reported as such, a checksum only when the fields look sound.
    struct PendingChecksum {
        var start: Int
        var count: Int
        var at: Int
        var zeroed: Int?
        var damage: Damage
    }

    /// Verifies, later, that the little-endian checksum at `at` is the lookup3 hash of the
    /// `count` bytes from `start` (the 4 bytes at `zeroed` taken as zeros, for a direct block).
    func laterChecksum(_ start: Int, count: Int, at: Int, zeroed: Int? = nil, _ damage: Damage) {
        pendingChecksums.append(PendingChecksum(start: start, count: count, at: at, zeroed: zeroed, damage: damage))
    }

    /// Verifies the checksums gathered since the last call; throws the first mismatch.
    func verifyChecksums() throws(Damage) {
        defer { pendingChecksums.removeAll() }
        for p in pendingChecksums {
            try inFile(p.start, p.count)
            try inFile(p.at, 4)
            let stored = UInt32(try u32(p.at))
            let region = UnsafeRawBufferPointer(rebasing: bytes[p.start..<(p.start + p.count)])
            let computed: UInt32
            if let zeroed = p.zeroed {
                var copy = [UInt8](region)
                for k in 0..<4 where zeroed - p.start + k >= 0 && zeroed - p.start + k < copy.count { copy[zeroed - p.start + k] = 0 }
                computed = copy.withUnsafeBytes { HDF5Checksum.lookup3($0) }
            } else {
                computed = HDF5Checksum.lookup3(region)
            }
            guard computed == stored else { throw p.damage }
        }
    }
}
