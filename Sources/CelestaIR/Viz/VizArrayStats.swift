import FoundationEssentials

/// The summary of an array the visualisation shows instead of its elements: min, max, mean
/// and (population) standard deviation, computed as numpy computes `np.min`, `np.mean` and
/// `np.std` of the whole array, so the numbers equal TALON's:
///
/// * floating arrays are summed in their own precision (float32 in float32) with numpy's
///   pairwise summation (blocks of up to 128 elements summed by 8 interleaved accumulators);
///   the mean is `sum / n` evaluated in float64 and rounded back to the array's precision, the
///   variance `Σ (x − mean)² / n` likewise, and the square root taken in that precision;
/// * integer and boolean arrays are summed in float64;
/// * an empty array gives zeros; a NaN anywhere makes min and max NaN (printed as null).
public struct VizArrayStats: Sendable, Equatable {
    public var min: Double
    public var max: Double
    public var mean: Double
    public var std: Double

    public init(min: Double, max: Double, mean: Double, std: Double) {
        self.min = min
        self.max = max
        self.mean = mean
        self.std = std
    }

    public init(_ t: Tensor) {
        let n = t.count
        guard n > 0 else {
            self.init(min: 0, max: 0, mean: 0, std: 0)
            return
        }
        switch t.dtype {
        case .float32:
            let s = t.bytes.withUnsafeBytes { raw in Self.floatingStats(raw.bindMemory(to: Float.self)) }
            self.init(min: Double(s.min), max: Double(s.max), mean: Double(s.mean), std: Double(s.std))
        case .float64:
            let s = t.bytes.withUnsafeBytes { raw in Self.floatingStats(raw.bindMemory(to: Double.self)) }
            self.init(min: s.min, max: s.max, mean: s.mean, std: s.std)
        case .float16:
            // numpy reduces float16 in float32 and rounds the results back to float16.
            let values = (0..<n).map { Float(t.double(at: $0)) }
            let s = values.withUnsafeBufferPointer { Self.floatingStats($0) }
            func h(_ v: Float) -> Double { Double(Float16(v)) }
            self.init(min: h(s.min), max: h(s.max), mean: h(s.mean), std: h(s.std))
        default:
            let values = t.doubles
            let s = values.withUnsafeBufferPointer { Self.floatingStats($0) }
            self.init(min: s.min, max: s.max, mean: s.mean, std: s.std)
        }
    }

    private static func floatingStats<F: BinaryFloatingPoint>(_ x: UnsafeBufferPointer<F>) -> (min: F, max: F, mean: F, std: F) {
        var lo = x[0]
        var hi = x[0]
        var sawNaN = false
        for v in x {
            if v.isNaN { sawNaN = true } else {
                if v < lo || lo.isNaN { lo = v }
                if v > hi || hi.isNaN { hi = v }
            }
        }
        if sawNaN { lo = .nan; hi = .nan }
        let n = Double(x.count)
        let mean = F(Double(pairwiseSum(x, 0, x.count)) / n)
        var squares = [F](repeating: 0, count: x.count)
        for i in 0..<x.count {
            let d = x[i] - mean
            squares[i] = d * d
        }
        let ss = squares.withUnsafeBufferPointer { pairwiseSum($0, 0, $0.count) }
        let variance = F(Double(ss) / n)
        return (lo, hi, mean, variance.squareRoot())
    }

    /// numpy's pairwise summation of `x[start ..< start + n]` in `F`.
    static func pairwiseSum<F: BinaryFloatingPoint>(_ x: UnsafeBufferPointer<F>, _ start: Int, _ n: Int) -> F {
        if n < 8 {
            var res: F = 0
            for i in 0..<n { res += x[start + i] }
            return res
        }
        if n <= 128 {
            var r0 = x[start], r1 = x[start + 1], r2 = x[start + 2], r3 = x[start + 3]
            var r4 = x[start + 4], r5 = x[start + 5], r6 = x[start + 6], r7 = x[start + 7]
            var i = 8
            let whole = n - n % 8
            while i < whole {
                let p = start + i
                r0 += x[p]; r1 += x[p + 1]; r2 += x[p + 2]; r3 += x[p + 3]
                r4 += x[p + 4]; r5 += x[p + 5]; r6 += x[p + 6]; r7 += x[p + 7]
                i += 8
            }
            var res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
            while i < n {
                res += x[start + i]
                i += 1
            }
            return res
        }
        var half = n / 2
        half -= half % 8
        return pairwiseSum(x, start, half) + pairwiseSum(x, start + half, n - half)
    }

    /// `{"min", "max", "mean", "std"}`.
    public var json: VizJSON {
        .object([("min", .double(min)), ("max", .double(max)), ("mean", .double(mean)), ("std", .double(std))])
    }
}
