/// The Xylo Audio 3 filterbank's sample loop for AVX2: 16 lanes in two 256-bit groups, one
/// chip filter per lane, in channel order. CelestaXylo's `XyloAudio3WideFilterKernel` builds the
/// constants and proves the ranges; the arithmetic is that of `XyloAudio3FilterKernel` (see its
/// documentation), rearranged to shorten the chain of dependent instructions per sample, which
/// is what limits this loop:
///
/// * Each past value is kept as `v ^ 0x8000`, whose 16-bit halves are `hi = v >> 16` and
///   `lo = (v mod 2^16) - 2^15`. The products are taken separately for `v[n-1]` and `v[n-2]`:
///   `Lo = -a1*lo1 - a2*lo2` and `H = -a1*hi1 - a2*hi2` are two sums of two 16-bit
///   multiply-adds each; the `v[n-2]` products do not wait for the previous sample, so only the
///   `v[n-1]` multiply-adds, one add, one shift and one add stand between two samples.
/// * `floor(S / 2^T)` is `in + (H << (16 - T)) + (Lo >> T)` with the per-lane (variable) shifts
///   of AVX2, for `T = 14` and `T = 15` lanes alike, where `in = (s << (L - T)) + constant` is
///   known from the input alone.

typealias WideLanes = SIMD8<Int32>
typealias WideWords = SIMD16<Int16>

// The interface is raw memory and integers only: no public types, whose value witnesses (and
// the helpers they share with every other module, such as `__swift_memcpy*`) would be compiled
// for AVX2 here and could be picked by the linker for code that runs on any CPU.
// `scripts/check-abi.sh` (its third argument, run by `make test`) checks the object files for
// such symbols.

/// Bytes of the filter constants: per group of eight lanes (group 0 at byte 0, group 1 at byte
/// 256), eight 32-byte vectors in this order: the multiply-add factors `[-a1, 0]`, `[0, -a1]`,
/// `[-a2, 0]`, `[0, -a2]` per lane (16-bit words, the low half's first), so that a multiply-add
/// of a stored `v ^ 0x8000` yields `-a1*lo`, `-a1*hi`, `-a2*lo` or `-a2*hi`; then as `Int32`
/// per lane `L - T` (the input's shift), `16 - T` (the high products'), `T` (the low sums') and
/// `-(a1 + a2) * 2^(15 - T)`.
public let wideFilterConstantBytes = 512

/// Bytes of the filter state: `v[n-1]`, `v[n-2]`, `v[n-3]` of lanes 0-7 and 8-15 (in the order
/// `v[n-1]` 0-7, `v[n-1]` 8-15, `v[n-2]` 0-7, ...) as `Int32` `v ^ 0x8000`; zero state is
/// 0x8000 in every lane.
public let wideFilterStateBytes = 192

/// One group's constants, loaded from `constants` at group `g`.
private struct Group {
    let a1Low: WideWords, a1High: WideWords, a2Low: WideWords, a2High: WideWords
    let inputShift: WideLanes, highShift: WideLanes, lowShift: WideLanes, constant: WideLanes

    @inline(__always)
    init(_ constants: UnsafeRawPointer, _ g: Int) {
        let base = constants + 256 * g
        a1Low = base.loadUnaligned(as: WideWords.self)
        a1High = base.loadUnaligned(fromByteOffset: 32, as: WideWords.self)
        a2Low = base.loadUnaligned(fromByteOffset: 64, as: WideWords.self)
        a2High = base.loadUnaligned(fromByteOffset: 96, as: WideWords.self)
        inputShift = base.loadUnaligned(fromByteOffset: 128, as: WideLanes.self)
        highShift = base.loadUnaligned(fromByteOffset: 160, as: WideLanes.self)
        lowShift = base.loadUnaligned(fromByteOffset: 192, as: WideLanes.self)
        constant = base.loadUnaligned(fromByteOffset: 224, as: WideLanes.self)
    }
}

/// The stored form of `v` is `v ^ bias`.
@inline(__always)
private var bias: WideLanes { WideLanes(repeating: 0x8000) }

/// Filters `count` samples `x[0], x[step], ...` (`|x| < 2^13`), keeping only the state.
@inline(never)
public func wideFilterAdvance(_ constants: UnsafeRawPointer, _ state: UnsafeMutableRawPointer,
                              _ x: UnsafePointer<Int32>, step: Int, count: Int) {
    wideFilterRun(constants, state, x, step: step, count: count) { _, _, _ in }
}

/// Filters `count` samples of `x` and writes `|y|` of sample `n` as 16 `Int32` (lanes 0-15) at
/// byte `64n` of `out`.
@inline(never)
public func wideFilterMagnitudes(_ constants: UnsafeRawPointer, _ state: UnsafeMutableRawPointer,
                                 _ x: UnsafePointer<Int32>, count: Int, into out: UnsafeMutableRawPointer) {
    wideFilterRun(constants, state, x, step: 1, count: count) { n, y0, y1 in
        out.storeBytes(of: magnitude(y0), toByteOffset: 64 * n, as: WideLanes.self)
        out.storeBytes(of: magnitude(y1), toByteOffset: 64 * n + 32, as: WideLanes.self)
    }
}

/// Filters `count` samples of `x` and writes `y` of sample `n` (signed) as 16 `Int32` at byte
/// `64n` of `out`.
@inline(never)
public func wideFilterOutputs(_ constants: UnsafeRawPointer, _ state: UnsafeMutableRawPointer,
                              _ x: UnsafePointer<Int32>, count: Int, into out: UnsafeMutableRawPointer) {
    wideFilterRun(constants, state, x, step: 1, count: count) { n, y0, y1 in
        out.storeBytes(of: y0, toByteOffset: 64 * n, as: WideLanes.self)
        out.storeBytes(of: y1, toByteOffset: 64 * n + 32, as: WideLanes.self)
    }
}

/// `|y|` (the outputs stay below 2^29 in magnitude).
@inline(__always)
private func magnitude(_ y: WideLanes) -> WideLanes {
    let sign = y &>> 31
    return (y ^ sign) &- sign
}

/// The sample loop with its `store` of row `n`'s output (`y = v[n-1] - v[n-3]`), formed as soon
/// as `v[n-1]` is known; the last sample is peeled off to keep `v[n-3]` in the state.
@inline(__always)
private func wideFilterRun(_ constants: UnsafeRawPointer, _ state: UnsafeMutableRawPointer,
                           _ x: UnsafePointer<Int32>, step: Int, count: Int,
                           store: (Int, WideLanes, WideLanes) -> Void) {
    guard count > 0 else { return }
    let b = bias
    let c0 = Group(constants, 0), c1 = Group(constants, 1)
    var a0 = state.loadUnaligned(as: WideLanes.self), a1 = state.loadUnaligned(fromByteOffset: 32, as: WideLanes.self)
    var b0 = state.loadUnaligned(fromByteOffset: 64, as: WideLanes.self)
    var b1 = state.loadUnaligned(fromByteOffset: 96, as: WideLanes.self)
    let d0 = state.loadUnaligned(fromByteOffset: 128, as: WideLanes.self)
    let d1 = state.loadUnaligned(fromByteOffset: 160, as: WideLanes.self)
    store(0, (a0 ^ b) &- (d0 ^ b), (a1 ^ b) &- (d1 ^ b))
    var p = x
    var n = 1
    while true {
        let s = WideLanes(repeating: p.pointee)
        let v0 = step1(a0, b0, c0, s)
        let v1 = step1(a1, b1, c1, s)
        if n == count {
            state.storeBytes(of: v0 ^ b, as: WideLanes.self)
            state.storeBytes(of: v1 ^ b, toByteOffset: 32, as: WideLanes.self)
            state.storeBytes(of: a0, toByteOffset: 64, as: WideLanes.self)
            state.storeBytes(of: a1, toByteOffset: 96, as: WideLanes.self)
            state.storeBytes(of: b0, toByteOffset: 128, as: WideLanes.self)
            state.storeBytes(of: b1, toByteOffset: 160, as: WideLanes.self)
            return
        }
        store(n, v0 &- (b0 ^ b), v1 &- (b1 ^ b))
        (b0, b1) = (a0, a1)
        (a0, a1) = (v0 ^ b, v1 ^ b)
        p += step
        n &+= 1
    }
}

/// `floor(S / 2^T)` of one group from `v[n-1] ^ 0x8000`, `v[n-2] ^ 0x8000` and the input. The
/// `v[n-2]` products do not depend on the previous sample, so they are ready early; only those
/// of `v[n-1]` are on the chain.
@inline(__always)
private func step1(_ p1: WideLanes, _ p2: WideLanes, _ c: Group, _ s: WideLanes) -> WideLanes {
    let w1 = words(p1), w2 = words(p2)
    let input = (s &<< c.inputShift) &+ c.constant
    let high = madd(w1, c.a1High) &+ madd(w2, c.a2High)
    let low = madd(w1, c.a1Low) &+ madd(w2, c.a2Low)
    return (input &+ (high &<< c.highShift)) &+ (low &>> c.lowShift)
}

@inline(__always)
private func words(_ v: WideLanes) -> WideWords { unsafeBitCast(v, to: WideWords.self) }

/// Products of the 16-bit halves summed in pairs into 32 bits (`vpmaddwd`; written lane by
/// lane because the generic SIMD conversions are not always inlined).
@inline(__always)
private func madd(_ a: WideWords, _ b: WideWords) -> WideLanes {
    let p = widen(a) &* widen(b)
    return WideLanes(p[0], p[2], p[4], p[6], p[8], p[10], p[12], p[14])
        &+ WideLanes(p[1], p[3], p[5], p[7], p[9], p[11], p[13], p[15])
}

@inline(__always)
private func widen(_ w: WideWords) -> SIMD16<Int32> {
    SIMD16<Int32>(Int32(w[0]), Int32(w[1]), Int32(w[2]), Int32(w[3]), Int32(w[4]), Int32(w[5]), Int32(w[6]), Int32(w[7]),
                  Int32(w[8]), Int32(w[9]), Int32(w[10]), Int32(w[11]), Int32(w[12]), Int32(w[13]), Int32(w[14]), Int32(w[15]))
}
