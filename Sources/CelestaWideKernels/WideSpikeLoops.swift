/// The Xylo Audio 3 divisive-normalisation spike generators' sample loop for AVX2: sixteen
/// jointly normalised lanes in two 256-bit groups. CelestaXylo's `XyloAudio3SpikeKernel` keeps
/// the state, the raster and the 32-bit range rules (see its documentation); these loops do its
/// two passes: the power estimates with each sample's threshold (one number per sample, as the
/// normalisation is joint), then the accumulators. Kept apart, the long path from the estimates
/// through the maximum to the threshold never holds up the accumulators' short loop.

/// `Int32`s of the generator constants: `2^B - 1` (8 lanes), EPS (8 lanes), the largest
/// maximum of the estimates the 32-bit lanes take (8 lanes; at most 2^29, and with `(t << K1) -
/// (t << K2)` at most 2^30), then `B` (the low-pass shift), `K1`, `K2`.
public let wideSpikeConstantCount = 27

/// Bytes of the generator state, in lanes 0-7 then 8-15 each: `high >> B`, `high mod 2^B`, the
/// accumulators, and minus the samples without a spike in the pending raster row (`Int32`).
public let wideSpikeStateBytes = 256

/// The generator constants, loaded from memory.
private struct Constants {
    let restMask: WideLanes, eps: Int32, largest: Int32, lowPassShift: Int32, shift1: Int32, shift2: Int32

    @inline(__always)
    init(_ c: UnsafePointer<Int32>) {
        restMask = UnsafeRawPointer(c).loadUnaligned(as: WideLanes.self)
        (eps, largest) = (c[8], c[16])
        (lowPassShift, shift1, shift2) = (c[24], c[25], c[26])
    }
}

/// Runs `count` rows of magnitudes (row `j`: 16 `Int32` at byte `stride * j` of `rows`, every
/// value below 2^29). Counts the samples without a spike in `misses` when `counting`; with
/// `spikes`, writes each row's 16 no-spike masks (all ones: no spike) at byte `64j` of `spikes`.
/// Returns true when a maximum exceeded `largest` or an accumulator reached 2^30 (the caller
/// then discards the state).
@inline(never)
public func wideSpikeRun(_ constants: UnsafePointer<Int32>, _ state: UnsafeMutableRawPointer, _ rows: UnsafeRawPointer,
                         stride: Int, count: Int, counting: Bool, spikes: UnsafeMutableRawPointer?) -> Bool {
    guard count > 0 else { return false }
    let c = Constants(constants)
    // Per sample a 4-lane partial maximum (16 bytes, an even number of them: the reduction takes
    // two samples at a time), then one threshold (4 bytes).
    let pairs = (count + 1) / 2
    return withUnsafeTemporaryAllocation(of: SIMD4<Int32>.self, capacity: 2 * pairs + (2 * pairs + 3) / 4) { buffer in
        guard let columns = buffer.baseAddress else { return false }
        if count < 2 * pairs { columns[count] = SIMD4() }
        let thresholds = UnsafeMutableRawPointer(columns + 2 * pairs).bindMemory(to: Int32.self, capacity: 2 * pairs)
        // Rockpool's default low-pass shift (B = 12) as a constant: an immediate shift count.
        if c.lowPassShift == 12 {
            wideEstimatesDefault(c, state, rows, stride, count, columns)
        } else {
            wideEstimatesAny(c, state, rows, stride, count, columns)
        }
        var flags = wideThresholds(c, columns, pairs, thresholds) ? WideLanes(repeating: -1) : WideLanes()
        if let spikes {
            flags |= wideAccumulateRecorded(state, rows, stride, count, thresholds, counting, spikes)
        } else if counting {
            flags |= wideAccumulateCounted(state, rows, stride, count, thresholds)
        } else {
            flags |= wideAccumulateAdvanced(state, rows, stride, count, thresholds)
        }
        return flags & WideLanes(repeating: 1 << 30) != WideLanes()
    }
}

/// Lane-wise maximum (`vpmaxsd`).
@inline(__always)
private func larger(_ x: WideLanes, _ y: WideLanes) -> WideLanes { x.replacing(with: y, where: x .< y) }

@inline(__always)
private func larger(_ x: SIMD4<Int32>, _ y: SIMD4<Int32>) -> SIMD4<Int32> { x.replacing(with: y, where: x .< y) }

@inline(never)
private func wideEstimatesDefault(_ c: Constants, _ state: UnsafeMutableRawPointer, _ rows: UnsafeRawPointer,
                                  _ stride: Int, _ count: Int, _ columns: UnsafeMutablePointer<SIMD4<Int32>>) {
    wideEstimates(c, state, rows, stride, count, columns, shift: 12)
}

@inline(never)
private func wideEstimatesAny(_ c: Constants, _ state: UnsafeMutableRawPointer, _ rows: UnsafeRawPointer,
                              _ stride: Int, _ count: Int, _ columns: UnsafeMutablePointer<SIMD4<Int32>>) {
    wideEstimates(c, state, rows, stride, count, columns, shift: c.lowPassShift)
}

/// First pass: the power estimates; for every sample the maximum of the estimates before it
/// over lanes k, k + 4, k + 8 and k + 12 (k = 0...3) into `columns`. Kept to this short loop, whose only carried values are
/// the estimates themselves.
@inline(__always)
private func wideEstimates(_ c: Constants, _ state: UnsafeMutableRawPointer, _ rows: UnsafeRawPointer,
                           _ stride: Int, _ count: Int, _ columns: UnsafeMutablePointer<SIMD4<Int32>>, shift: Int32) {
    let mask = c.restMask
    var h0 = state.loadUnaligned(as: WideLanes.self), h1 = state.loadUnaligned(fromByteOffset: 32, as: WideLanes.self)
    var l0 = state.loadUnaligned(fromByteOffset: 64, as: WideLanes.self)
    var l1 = state.loadUnaligned(fromByteOffset: 96, as: WideLanes.self)
    var row = rows
    for j in 0..<count {
        let m = larger(h0, h1)
        columns[j] = larger(m.lowHalf, m.highHalf)
        l0 = l0 &+ row.loadUnaligned(as: WideLanes.self) &- h0
        l1 = l1 &+ row.loadUnaligned(fromByteOffset: 32, as: WideLanes.self) &- h1
        h0 &+= l0 &>> shift; h1 &+= l1 &>> shift
        l0 &= mask; l1 &= mask
        row += stride
    }
    state.storeBytes(of: h0, as: WideLanes.self)
    state.storeBytes(of: h1, toByteOffset: 32, as: WideLanes.self)
    state.storeBytes(of: l0, toByteOffset: 64, as: WideLanes.self)
    state.storeBytes(of: l1, toByteOffset: 96, as: WideLanes.self)
}

/// Each sample's threshold: the maximum `t` over its column and EPS, then `(t << K1) - (t <<
/// K2)`, for `pairs` pairs of samples (each pair's two columns reduced side by side in the two
/// halves of one register). The samples are independent of each other, so the reductions
/// overlap. Returns whether a maximum exceeded `largest`.
@inline(never)
private func wideThresholds(_ c: Constants, _ columns: UnsafePointer<SIMD4<Int32>>, _ pairs: Int,
                            _ thresholds: UnsafeMutablePointer<Int32>) -> Bool {
    let e = c.eps, top = c.largest, k1 = c.shift1, k2 = c.shift2
    let raw = UnsafeRawPointer(columns)
    var outside = false
    for i in 0..<pairs {
        let v = raw.loadUnaligned(fromByteOffset: 32 * i, as: WideLanes.self)
        let a = larger(v, WideLanes(v[2], v[3], v[0], v[1], v[6], v[7], v[4], v[5]))
        let b = larger(a, WideLanes(a[1], a[0], a[3], a[2], a[5], a[4], a[7], a[6]))
        let t0 = Swift.max(b[0], e), t1 = Swift.max(b[4], e)
        outside = outside || t0 > top || t1 > top
        thresholds[2 * i] = (t0 &<< k1) &- (t0 &<< k2)
        thresholds[2 * i + 1] = (t1 &<< k1) &- (t1 &<< k2)
    }
    return outside
}

// Second pass, one specialisation per use so that the loop carries no unused values.

@inline(never)
private func wideAccumulateAdvanced(_ state: UnsafeMutableRawPointer, _ rows: UnsafeRawPointer, _ stride: Int, _ count: Int,
                                    _ thresholds: UnsafePointer<Int32>) -> WideLanes {
    wideAccumulate(state, rows, stride, count, thresholds, counting: false, spikes: nil)
}

@inline(never)
private func wideAccumulateCounted(_ state: UnsafeMutableRawPointer, _ rows: UnsafeRawPointer, _ stride: Int, _ count: Int,
                                   _ thresholds: UnsafePointer<Int32>) -> WideLanes {
    wideAccumulate(state, rows, stride, count, thresholds, counting: true, spikes: nil)
}

@inline(never)
private func wideAccumulateRecorded(_ state: UnsafeMutableRawPointer, _ rows: UnsafeRawPointer, _ stride: Int, _ count: Int,
                                    _ thresholds: UnsafePointer<Int32>, _ counting: Bool,
                                    _ spikes: UnsafeMutableRawPointer) -> WideLanes {
    wideAccumulate(state, rows, stride, count, thresholds, counting: counting, spikes: spikes)
}

/// The accumulators against the thresholds: where `acc + r >= threshold`, a spike and
/// `acc -= threshold`. Returns the OR of every accumulator (bit 30: one reached 2^30).
@inline(__always)
private func wideAccumulate(_ state: UnsafeMutableRawPointer, _ rows: UnsafeRawPointer, _ stride: Int, _ count: Int,
                            _ thresholds: UnsafePointer<Int32>, counting: Bool, spikes: UnsafeMutableRawPointer?) -> WideLanes {
    var a0 = state.loadUnaligned(fromByteOffset: 128, as: WideLanes.self)
    var a1 = state.loadUnaligned(fromByteOffset: 160, as: WideLanes.self)
    var m0 = state.loadUnaligned(fromByteOffset: 192, as: WideLanes.self)
    var m1 = state.loadUnaligned(fromByteOffset: 224, as: WideLanes.self)
    var reached = WideLanes()
    var row = rows
    for j in 0..<count {
        a0 &+= row.loadUnaligned(as: WideLanes.self)
        a1 &+= row.loadUnaligned(fromByteOffset: 32, as: WideLanes.self)
        reached |= a0 | a1
        let t = WideLanes(repeating: thresholds[j])
        // All ones where no spike (acc + r < threshold).
        let n0 = (t .> a0)._storage, n1 = (t .> a1)._storage
        a0 &-= t & ~n0; a1 &-= t & ~n1
        if counting { m0 &+= n0; m1 &+= n1 }
        if let spikes {
            spikes.storeBytes(of: n0, toByteOffset: 64 * j, as: WideLanes.self)
            spikes.storeBytes(of: n1, toByteOffset: 64 * j + 32, as: WideLanes.self)
        }
        row += stride
    }
    state.storeBytes(of: a0, toByteOffset: 128, as: WideLanes.self)
    state.storeBytes(of: a1, toByteOffset: 160, as: WideLanes.self)
    state.storeBytes(of: m0, toByteOffset: 192, as: WideLanes.self)
    state.storeBytes(of: m1, toByteOffset: 224, as: WideLanes.self)
    return reached
}
