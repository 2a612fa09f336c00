/// The AVX2 build of CelestaCPU's dense layer (`DenseKernel`): y = bias + the sum of the
/// active inputs' weight rows, each scaled by its input. The same operations in the same order
/// as the portable SIMD8 loops (`CPUMath.axpy4`, then `axpy`/`add` for the last active inputs,
/// and their scalar tails), so the results are bit-identical on every CPU: separate multiplies
/// and adds (no fused multiply-add), eight lanes per 256-bit register instead of two SSE halves,
/// and 64 outputs kept in eight registers over all the active rows (the portable loops load
/// and store the outputs once per four rows).

// Raw memory and integers only (see WideFilterLoops.swift): no public types.

private typealias Lanes = SIMD8<Float>

@inline(__always)
private func load(_ p: UnsafePointer<Float>) -> Lanes {
    UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
}

@inline(__always)
private func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self)
}

/// `out[0..<n]` (holding the bias) += the rows `rows + j * n` of the `m` active inputs
/// `j = active[k]`, each scaled by `x[j]`: four at a time (((y + a0 r0) + a1 r1) + a2 r2) + a3 r3,
/// then one at a time y + a r; scalar outputs past the last multiple of 8 as the portable
/// tails do, y + (((a0 r0 + a1 r1) + a2 r2) + a3 r3).
public func wideDenseAccumulate(_ n: Int, _ rows: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                                _ active: UnsafePointer<Int32>, _ m: Int, _ out: UnsafeMutablePointer<Float>) {
    let full = n / 8 * 8
    var o = 0
    while o + 64 <= full {
        tile64(n, rows + o, x, active, m, out + o)
        o += 64
    }
    while o + 8 <= full {
        tile8(n, rows + o, x, active, m, out + o)
        o += 8
    }
    var k = 0
    while k + 4 <= m {
        let j0 = Int(active[k]), j1 = Int(active[k + 1]), j2 = Int(active[k + 2]), j3 = Int(active[k + 3])
        let a0 = x[j0], a1 = x[j1], a2 = x[j2], a3 = x[j3]
        for i in full..<n {
            out[i] += a0 * rows[j0 * n + i] + a1 * rows[j1 * n + i] + a2 * rows[j2 * n + i] + a3 * rows[j3 * n + i]
        }
        k += 4
    }
    while k < m {
        let j = Int(active[k])
        let a = x[j]
        for i in full..<n { out[i] += a * rows[j * n + i] }
        k += 1
    }
}

/// Eight outputs in one register over every active row.
@inline(__always)
private func tile8(_ n: Int, _ rows: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ active: UnsafePointer<Int32>,
                   _ m: Int, _ out: UnsafeMutablePointer<Float>) {
    var y = load(out)
    for k in 0..<m {
        let j = Int(active[k])
        y = y + Lanes(repeating: x[j]) * load(rows + j &* n)
    }
    store(y, out)
}

/// 64 outputs in eight registers over every active row.
@inline(__always)
private func tile64(_ n: Int, _ rows: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ active: UnsafePointer<Int32>,
                    _ m: Int, _ out: UnsafeMutablePointer<Float>) {
    var y0 = load(out), y1 = load(out + 8), y2 = load(out + 16), y3 = load(out + 24)
    var y4 = load(out + 32), y5 = load(out + 40), y6 = load(out + 48), y7 = load(out + 56)
    @inline(__always) func add(_ v: Lanes, _ r: UnsafePointer<Float>) {
        y0 = y0 + v * load(r); y1 = y1 + v * load(r + 8); y2 = y2 + v * load(r + 16); y3 = y3 + v * load(r + 24)
        y4 = y4 + v * load(r + 32); y5 = y5 + v * load(r + 40); y6 = y6 + v * load(r + 48); y7 = y7 + v * load(r + 56)
    }
    // Row by row: for each output lane the sequence of additions of the portable loops,
    // whether they take the rows four at a time or one.
    for k in 0..<m {
        let j = Int(active[k])
        add(Lanes(repeating: x[j]), rows + j &* n)
    }
    store(y0, out); store(y1, out + 8); store(y2, out + 16); store(y3, out + 24)
    store(y4, out + 32); store(y5, out + 40); store(y6, out + 48); store(y7, out + 56)
}
