import CelestaIR
/// Eight 16-bit states processed together: the simulator's vector unit. One SSE2 register on
/// x86-64, so the engine needs no instruction-set flags.
///
/// Every function here is the exact lane-wise counterpart of a scalar rule of the cores
/// (`HardwareArithmetic`): lanes never interact, so delivering or updating eight neurons at
/// once gives the same values as doing them one after the other.
typealias Lanes = SIMD8<Int16>

enum LaneMath {
    /// `sat16(a + b)` per lane, in 16-bit operations: the wrapped sum overflowed where it
    /// differs in sign from both operands, and there the result is the bound on the side of `a`.
    /// (The widened form `saturate(a + b)` becomes one saturating add only on operands the
    /// compiler sees loaded from memory; this one is the same few instructions everywhere.)
    @inline(__always)
    static func addSaturating(_ a: Lanes, _ b: Lanes) -> Lanes {
        let sum = a &+ b
        let overflow = ((a ^ sum) & (b ^ sum)) &>> 15
        let bound = (a &>> 15) ^ Lanes(repeating: 0x7FFF)
        return sum ^ ((sum ^ bound) & overflow)
    }

    /// `sat16(a + b + c)` per lane: the exact sum, saturated once.
    @inline(__always)
    static func addSaturating(_ a: Lanes, _ b: Lanes, _ c: Lanes) -> Lanes {
        saturate(SIMD8<Int32>(truncatingIfNeeded: a) &+ SIMD8<Int32>(truncatingIfNeeded: b) &+ SIMD8<Int32>(truncatingIfNeeded: c))
    }

    /// All-ones in the lanes where `a >= b`, zero elsewhere.
    @inline(__always)
    static func atLeast(_ a: Lanes, _ b: Lanes) -> Lanes {
        Lanes.zero.replacing(with: -1, where: a .>= b)
    }

    /// Calls `body` with each lane (0..<8, increasing) whose mask lane is non-zero.
    @inline(__always)
    static func forEachLane(in mask: Lanes, _ body: (Int) -> Void) {
        let halves = unsafeBitCast(mask, to: SIMD2<UInt64>.self)
        for h in 0..<2 {
            var bits = halves[h]
            while bits != 0 {
                let first = bits.trailingZeroBitCount & ~15
                body(4 &* h &+ first / 16)
                bits &= ~(0xFFFF << UInt64(first))
            }
        }
    }

    /// Clamps 32-bit lanes to the int16 range.
    @inline(__always)
    static func saturate(_ x: SIMD8<Int32>) -> Lanes {
        Lanes(truncatingIfNeeded: pointwiseMin(pointwiseMax(x, SIMD8(repeating: -32768)), SIMD8(repeating: 32767)))
    }

    /// `x >> dash` (arithmetic) per lane, for a per-lane `dash` given as its `ShiftLanes` form:
    /// there is no per-lane shift in SSE2, so the shift is a high multiply by `2^(16 - dash)`.
    /// For `x < 0` the unsigned product is `2^16 * m` too large in its high half, which the
    /// `m & signmask` term removes; `dash = 0` (multiplier 0) passes `x` through its mask.
    @inline(__always)
    static func shiftRight(_ x: Lanes, _ m: SIMD8<UInt16>, _ passMask: Lanes) -> Lanes {
        let product = SIMD8<UInt32>(truncatingIfNeeded: SIMD8<UInt16>(truncatingIfNeeded: x))
            &* SIMD8<UInt32>(truncatingIfNeeded: m)
        let high = Lanes(truncatingIfNeeded: product &>> 16)
        return (high &- (Lanes(truncatingIfNeeded: m) & (x &>> 15))) | (x & passMask)
    }

    /// The decay `d(x, dash)` of the cores per lane: `x >> dash`, or +1 when that is 0 for a
    /// positive `x`. Written as `max(x >> dash, min(x, 1))`: for `x > 0` the shift is >= 0 and
    /// the max lifts a 0 to 1; for `x = 0` both are 0; for `x < 0` the shift is >= `x`.
    @inline(__always)
    static func decay(_ x: Lanes, _ m: SIMD8<UInt16>, _ passMask: Lanes) -> Lanes {
        pointwiseMax(shiftRight(x, m, passMask), pointwiseMin(x, Lanes(repeating: 1)))
    }

    /// Whether every lane is 0 (two 64-bit tests instead of a lane-by-lane compare).
    @inline(__always)
    static func isZero(_ x: Lanes) -> Bool {
        let halves = unsafeBitCast(x, to: SIMD2<UInt64>.self)
        return halves[0] | halves[1] == 0
    }

    /// The multiplier and pass mask that make `shiftRight` shift by `dash`. Dashes above 15
    /// shift a 16-bit value as far as 15 does (to 0 or -1), so they are clamped to 15.
    static func shiftLanes(dash: Int) -> (multiplier: UInt16, passMask: Int16) {
        let d = min(max(dash, 0), 15)
        return d == 0 ? (0, -1) : (UInt16(1 << (16 - d)), 0)
    }
}

/// A zeroed, 16-byte aligned array of 16-bit lanes, padded to whole `Lanes` blocks. Read and
/// written through its pointer in the simulation loop (scalar lanes as `Int16`, blocks with
/// `block(_:)` / `setBlock(_:_:)`).
final class LaneBuffer: @unchecked Sendable {
    let lanes: Int
    let base: UnsafeMutablePointer<Int16>

    init(blocks: Int) {
        lanes = 8 * max(blocks, 1)
        base = UnsafeMutableRawPointer.allocate(byteCount: 2 * lanes, alignment: 16).bindMemory(to: Int16.self, capacity: lanes)
        base.initialize(repeating: 0, count: lanes)
    }

    deinit { base.deallocate() }

    func zero() { base.update(repeating: 0, count: lanes) }
}

extension UnsafeMutablePointer where Pointee == Int16 {
    /// The `b`-th block of eight lanes (the pointer is 16-byte aligned).
    @inline(__always)
    func block(_ b: Int) -> Lanes { UnsafeRawPointer(self + 8 &* b).load(as: Lanes.self) }

    @inline(__always)
    func setBlock(_ b: Int, _ value: Lanes) { UnsafeMutableRawPointer(self + 8 &* b).storeBytes(of: value, as: Lanes.self) }
}
