/// numpy's `SeedSequence` (entropy pool of 4 words) and `PCG64` bit generator, ported from
/// their published descriptions (O'Neill's PCG paper and the numpy documentation of
/// `SeedSequence`), so that `default_rng(seed)` streams are reproduced bit for bit without
/// numpy.

/// numpy's `SeedSequence` for an entropy given as 32-bit words (little-endian words of the
/// seed integer; `[0]` for seed 0), without spawn keys.
public struct SeedSequence: Sendable {
    public static let poolSize = 4
    private static let initA: UInt32 = 0x43b0_d7e5
    private static let multA: UInt32 = 0x931e_8875
    private static let initB: UInt32 = 0x8b51_f9dd
    private static let multB: UInt32 = 0x58f3_8ded
    private static let mixMultL: UInt32 = 0xca01_f9dd
    private static let mixMultR: UInt32 = 0x4973_f715

    /// The mixed entropy pool.
    public let pool: [UInt32]

    public init(entropy: [UInt32]) {
        var hashConst = Self.initA
        func hashmix(_ value: UInt32) -> UInt32 {
            var v = value ^ hashConst
            hashConst = hashConst &* Self.multA
            v = v &* hashConst
            return v ^ (v >> 16)
        }
        func mix(_ x: UInt32, _ y: UInt32) -> UInt32 {
            let r = (Self.mixMultL &* x) &- (Self.mixMultR &* y)
            return r ^ (r >> 16)
        }
        var mixer = [UInt32](repeating: 0, count: Self.poolSize)
        for i in 0..<Self.poolSize {
            mixer[i] = hashmix(i < entropy.count ? entropy[i] : 0)
        }
        for src in 0..<Self.poolSize {
            for dst in 0..<Self.poolSize where src != dst {
                mixer[dst] = mix(mixer[dst], hashmix(mixer[src]))
            }
        }
        if entropy.count > Self.poolSize {
            for src in Self.poolSize..<entropy.count {
                for dst in 0..<Self.poolSize {
                    mixer[dst] = mix(mixer[dst], hashmix(entropy[src]))
                }
            }
        }
        pool = mixer
    }

    /// The seed integer `seed` as numpy's entropy words (little-endian 32-bit words).
    public init(seed: UInt64) {
        self.init(entropy: SeedSequence.words(of: seed))
    }

    /// The 32-bit words numpy makes of a non-negative integer (`[0]` for 0).
    public static func words(of value: UInt64) -> [UInt32] {
        value >> 32 == 0 ? [UInt32(truncatingIfNeeded: value)] : [UInt32(truncatingIfNeeded: value), UInt32(value >> 32)]
    }

    /// `generate_state(n, uint32)`.
    public func generateState32(_ count: Int) -> [UInt32] {
        var hashConst = Self.initB
        var out = [UInt32](repeating: 0, count: count)
        for i in 0..<count {
            var v = pool[i % Self.poolSize] ^ hashConst
            hashConst = hashConst &* Self.multB
            v = v &* hashConst
            out[i] = v ^ (v >> 16)
        }
        return out
    }

    /// `generate_state(n, uint64)`: pairs of 32-bit words, the first one low.
    public func generateState64(_ count: Int) -> [UInt64] {
        let words = generateState32(2 * count)
        return (0..<count).map { UInt64(words[2 * $0]) | UInt64(words[2 * $0 + 1]) << 32 }
    }
}

/// A 128-bit unsigned integer as two halves (enough arithmetic for the PCG LCG).
@frozen
public struct PCGState: Sendable, Equatable {
    public var high: UInt64
    public var low: UInt64

    @inline(__always)
    static func multiplyAdd(_ a: PCGState, _ m: PCGState, _ c: PCGState) -> PCGState {
        let (h, l) = a.low.multipliedFullWidth(by: m.low)
        let high = h &+ a.high &* m.low &+ a.low &* m.high
        let (sum, carry) = l.addingReportingOverflow(c.low)
        return PCGState(high: high &+ c.high &+ (carry ? 1 : 0), low: sum)
    }
}

/// numpy's PCG64: the 128-bit LCG with the XSL-RR output function, seeded from a
/// `SeedSequence` as `numpy.random.PCG64(seed)` is.
public struct PCG64: Sendable {
    static let multiplier = PCGState(high: 0x2360_ED05_1FC6_5DA4, low: 0x4385_DF64_9FCC_F645)
    public private(set) var state: PCGState
    public let increment: PCGState

    /// Seeded like `numpy.random.default_rng(seed)` with `seed` as entropy words.
    public init(entropy: [UInt32]) {
        let words = SeedSequence(entropy: entropy).generateState64(4)
        self.init(initialState: PCGState(high: words[0], low: words[1]), sequence: PCGState(high: words[2], low: words[3]))
    }

    /// `pcg64_srandom_r(initstate, initseq)`.
    public init(initialState: PCGState, sequence: PCGState) {
        increment = PCGState(high: sequence.high << 1 | sequence.low >> 63, low: sequence.low << 1 | 1)
        state = PCGState(high: 0, low: 0)
        step()
        let (sum, carry) = state.low.addingReportingOverflow(initialState.low)
        state = PCGState(high: state.high &+ initialState.high &+ (carry ? 1 : 0), low: sum)
        step()
    }

    @inline(__always)
    mutating func step() {
        state = PCGState.multiplyAdd(state, Self.multiplier, increment)
    }

    /// The next 64-bit output (`random_raw`).
    @inline(__always)
    public mutating func next() -> UInt64 {
        step()
        let value = state.high ^ state.low
        let rotation = UInt64(state.high >> 58)
        return value >> rotation | value << ((64 &- rotation) & 63)
    }

    /// The next double in [0, 1) (`random()`): 53 high bits of an output.
    @inline(__always)
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// One LCG step of `state` and its output (XSL-RR): `next()` on a bare state.
    @inline(__always)
    static func output(_ state: inout PCGState, _ increment: PCGState) -> UInt64 {
        state = PCGState.multiplyAdd(state, multiplier, increment)
        let value = state.high ^ state.low
        let rotation = state.high >> 58
        return value >> rotation | value << ((64 &- rotation) & 63)
    }

    /// Advances the generator by `delta` outputs (O(log delta)), as `PCG64.advance`.
    public mutating func advance(by delta: UInt64) {
        apply(jump(by: delta))
    }

    /// The map of the state that advances this generator (or any with its increment) by
    /// `delta` outputs: `delta` LCG steps composed by squaring (O(log delta)).
    public func jump(by delta: UInt64) -> PCGJump {
        var accMult = PCGState(high: 0, low: 1)
        var accPlus = PCGState(high: 0, low: 0)
        var curMult = Self.multiplier
        var curPlus = increment
        var d = delta
        let zero = PCGState(high: 0, low: 0)
        while d > 0 {
            if d & 1 == 1 {
                accMult = PCGState.multiplyAdd(accMult, curMult, zero)
                accPlus = PCGState.multiplyAdd(accPlus, curMult, curPlus)
            }
            let one = PCGState(high: 0, low: 1)
            curPlus = PCGState.multiplyAdd(PCGState.multiplyAdd(curMult, one, one), curPlus, zero)  // (mult + 1) * plus
            curMult = PCGState.multiplyAdd(curMult, curMult, zero)
            d >>= 1
        }
        return PCGJump(multiplier: accMult, addend: accPlus)
    }

    /// Applies a jump made by `jump(by:)` (of a generator with the same increment).
    @inline(__always)
    public mutating func apply(_ jump: PCGJump) {
        state = PCGState.multiplyAdd(jump.multiplier, state, jump.addend)
    }
}

/// A number of PCG64 steps at once, as the affine map state -> multiplier * state + addend.
public struct PCGJump: Sendable, Equatable {
    public let multiplier: PCGState
    public let addend: PCGState
}
