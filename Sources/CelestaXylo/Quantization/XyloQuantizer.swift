import CelestaIR
/// An integer Xylo specification: what Rockpool's quantizers (`global_quantize`,
/// `channel_quantize` of `rockpool.transform.quantize_methods`, 3.1.0) return, merged with the
/// fields of the real-valued specification they leave alone (dimensions, weight shifts,
/// aliases, `dt`, chip).
///
/// Arrays are flat and row-major with the names and shapes of `XyloSpecification`:
/// `weightsIn [nIn][nIEN][nSyn]` (always three-dimensional, as Rockpool returns it even for a
/// two-dimensional input), `weightsRec [nHidden][nHidden][nSyn]`, `weightsOut [nOEN][nOut]`,
/// hidden vectors `[nHidden]`, output vectors `[nOut]`.
///
/// Values are **not** clipped to the chip's ranges (Rockpool does not clip either): fuzzy
/// scaling gives weights outside int8, and dashes are rounded but may lie outside 0...15.
/// Checking against a chip is the job of `XyloConfig.validate(for:)` and the simulator.
public struct QuantizedSpecification: Sendable, Equatable {
    public var chipID: String
    public var nIn: Int
    public var nHidden: Int
    public var nOut: Int
    /// 1 or 2 synapses per hidden neuron.
    public var nSyn: Int
    public var nIEN: Int
    public var nOEN: Int
    public var weightsIn: [Int]
    public var weightsRec: [Int]
    public var weightsOut: [Int]
    public var threshold: [Int]
    public var thresholdOut: [Int]
    public var dashMem: [Int]
    public var dashMemOut: [Int]
    public var dashSyn: [Int]
    public var dashSyn2: [Int]
    public var dashSynOut: [Int]
    public var bias: [Int]
    public var biasOut: [Int]
    public var weightShiftIn: Int
    public var weightShiftRec: Int
    public var weightShiftOut: Int
    public var aliases: [[Int]]
    public var dt: Double

    public init(
        chipID: String, nIn: Int, nHidden: Int, nOut: Int, nSyn: Int, nIEN: Int, nOEN: Int,
        weightsIn: [Int], weightsRec: [Int], weightsOut: [Int], threshold: [Int], thresholdOut: [Int],
        dashMem: [Int], dashMemOut: [Int], dashSyn: [Int], dashSyn2: [Int], dashSynOut: [Int],
        bias: [Int], biasOut: [Int], weightShiftIn: Int = 0, weightShiftRec: Int = 0, weightShiftOut: Int = 0,
        aliases: [[Int]], dt: Double
    ) {
        self.chipID = chipID
        self.nIn = nIn
        self.nHidden = nHidden
        self.nOut = nOut
        self.nSyn = nSyn
        self.nIEN = nIEN
        self.nOEN = nOEN
        self.weightsIn = weightsIn
        self.weightsRec = weightsRec
        self.weightsOut = weightsOut
        self.threshold = threshold
        self.thresholdOut = thresholdOut
        self.dashMem = dashMem
        self.dashMemOut = dashMemOut
        self.dashSyn = dashSyn
        self.dashSyn2 = dashSyn2
        self.dashSynOut = dashSynOut
        self.bias = bias
        self.biasOut = biasOut
        self.weightShiftIn = weightShiftIn
        self.weightShiftRec = weightShiftRec
        self.weightShiftOut = weightShiftOut
        self.aliases = aliases
        self.dt = dt
    }

    /// The simulated configuration, as Rockpool's `XyloSim.from_specification` builds it from
    /// the quantized specification: every array is taken as is, `bias`/`biasOut` are always
    /// present, and the bias-enable bit is on iff some `bias` or `biasOut` value is non-zero.
    ///
    /// No value range is checked here (shapes and aliases are, by `XyloConfig.init`); weights
    /// outside int8 make `XyloSimulator(config:chip:)` throw `outOfRange`, as they make
    /// xylosim's binding raise.
    public func config() throws -> XyloConfig {
        try XyloConfig(
            chipID: chipID, nIn: nIn, nHidden: nHidden, nOut: nOut, nSyn: nSyn, nIEN: nIEN, nOEN: nOEN,
            weightsIn: weightsIn, weightsRec: weightsRec, weightsOut: weightsOut,
            dashMem: dashMem, dashSyn: dashSyn, dashSyn2: dashSyn2, threshold: threshold, bias: bias,
            dashMemOut: dashMemOut, dashSynOut: dashSynOut, thresholdOut: thresholdOut, biasOut: biasOut,
            weightShiftIn: weightShiftIn, weightShiftRec: weightShiftRec, weightShiftOut: weightShiftOut,
            aliases: aliases, dt: dt,
            biasEnabled: bias.contains { $0 != 0 } || biasOut.contains { $0 != 0 })
    }
}

/// Rockpool 3.1.0's Xylo quantizers (`rockpool.transform.quantize_methods`), bit-exact.
///
/// Both turn a real-valued `XyloSpecification` (the mapper's output) into integers. All
/// rounding is numpy's `np.round`: round half to even, applied to the IEEE double product, as
/// `x.rounded(.toNearestOrEven)`. Dashes are rounded and never clipped; weights, thresholds
/// and biases are never clipped either.
///
/// Errors (`CelestaError`): `outOfRange` for `weightBits`/`thresholdBits` outside 2...32, for
/// a non-finite input value (via `XyloSpecification.check()`, which also reports
/// `shapeMismatch`), and for any result that is not finite or does not fit in a 64-bit
/// integer (where numpy's `astype(int)` would silently produce garbage); `invalidArgument`
/// for fuzzy scaling without any non-zero weight (numpy would scale by NaN).
public enum XyloQuantizer {
    /// `global_quantize(**spec, fuzzy_scaling=, bits_per_weight=, bits_per_threshold=)`.
    ///
    /// * `m = max(|weights_in|, |weights_rec|, |bias|)`, `m_out = max(|weights_out|, |bias_out|)`
    ///   (with `fuzzyScaling`: `|mean| + 2 * std` (population) of the non-zero input and
    ///   recurrent weights, resp. of the non-zero output weights, summed in numpy's pairwise
    ///   order); `s = maxW / m`, `s_out = maxW / m_out`, 1 when the range is 0.
    /// * Input, recurrent weights, `threshold` and `bias` are `round(x * s)`; output weights and
    ///   `threshold_out` are `round(x * s_out)`. **Rockpool quirk kept:** `bias_out` is scaled
    ///   with `s`, not `s_out`.
    /// * Threshold guard, as Rockpool does it: if `|max(threshold)|` (the largest *signed*
    ///   rounded threshold) exceeds `maxTh`, the already-rounded threshold, input and recurrent
    ///   weights are multiplied by `maxTh / max(threshold)` and rounded again (bias untouched);
    ///   the same test on `threshold_out` rescales the output **and the recurrent** weights.
    /// * Dashes are `round(dash)`.
    ///
    /// `maxW = 2^(weightBits-1) - 1`, `maxTh = 2^(thresholdBits-1) - 1`. An empty array counts
    /// as maximum 0 (numpy would raise on `np.max` of an empty array). Rockpool casts to int64
    /// after every rounding (before and after the guards); a value that does not fit there
    /// throws `outOfRange` here, where numpy would silently continue with garbage.
    public static func global(
        _ spec: XyloSpecification, fuzzyScaling: Bool = false, weightBits: Int = 8, thresholdBits: Int = 16
    ) throws -> QuantizedSpecification {
        let (maxW, maxTh) = try limits(weightBits: weightBits, thresholdBits: thresholdBits)
        try spec.check()
        let method = fuzzyScaling ? "global (fuzzy scaling)" : "global"

        let m: Double
        let mOut: Double
        if fuzzyScaling {
            let hidden = (spec.weightsIn + spec.weightsRec).filter { $0 != 0 }
            guard !hidden.isEmpty else {
                throw CelestaError(.invalidArgument, "'fuzzy_scaling' is true but 'weights_in' and 'weights_rec' have no non-zero value to take the spread of")
            }
            let output = spec.weightsOut.filter { $0 != 0 }
            guard !output.isEmpty else {
                throw CelestaError(.invalidArgument, "'fuzzy_scaling' is true but 'weights_out' has no non-zero value to take the spread of")
            }
            m = NumpyStatistics.fuzzyRange(hidden)
            mOut = NumpyStatistics.fuzzyRange(output)
        } else {
            m = max(maxAbs(spec.weightsIn), maxAbs(spec.weightsRec), maxAbs(spec.bias))
            mOut = max(maxAbs(spec.weightsOut), maxAbs(spec.biasOut))
        }
        let s = m != 0 ? maxW / m : 1
        let sOut = mOut != 0 ? maxW / mOut : 1

        var wIn = try scaled("weights_in", spec.weightsIn, by: s, method)
        var wRec = try scaled("weights_rec", spec.weightsRec, by: s, method)
        var wOut = try scaled("weights_out", spec.weightsOut, by: sOut, method)
        var thr = try scaled("threshold", spec.threshold, by: s, method)
        var thrOut = try scaled("threshold_out", spec.thresholdOut, by: sOut, method)
        let bias = try scaled("bias", spec.bias, by: s, method)
        // Rockpool 3.1.0 scales bias_out with the hidden scale `s` (not `s_out`).
        let biasOut = try scaled("bias_out", spec.biasOut, by: s, method)

        if let top = thr.max(), abs(top) > maxTh {
            let k = maxTh / top
            thr = try scaled("threshold", thr, by: k, method)
            wIn = try scaled("weights_in", wIn, by: k, method)
            wRec = try scaled("weights_rec", wRec, by: k, method)
        }
        if let top = thrOut.max(), abs(top) > maxTh {
            let k = maxTh / top
            thrOut = try scaled("threshold_out", thrOut, by: k, method)
            wOut = try scaled("weights_out", wOut, by: k, method)
            // Rockpool rescales the recurrent (not the input) weights with the output guard.
            wRec = try scaled("weights_rec", wRec, by: k, method)
        }

        return try assemble(
            spec, method: method, weightsIn: wIn, weightsRec: wRec, weightsOut: wOut,
            threshold: thr, thresholdOut: thrOut, bias: bias, biasOut: biasOut)
    }

    /// `channel_quantize(**spec, bits_per_weight=, bits_per_threshold=)`: one scale per target
    /// neuron.
    ///
    /// * Hidden neuron `j`: `m_j` = max |incoming weight| over its input column (only when
    ///   `j < nIEN`) and its recurrent column, both synapses. If `m_j != 0`, `s_j = maxW / m_j`;
    ///   its incoming weights and threshold become `round(x * s_j)`, and **only with two
    ///   synapses** its bias is scaled too (with one synapse the bias is only rounded, as in
    ///   Rockpool). Guard: if `|threshold_j| > maxTh` after scaling, the threshold and incoming
    ///   weights are recomputed from the real values with `maxTh / threshold[j]` (the bias
    ///   keeps its first scaling). If `m_j == 0` the threshold and bias are only rounded and the
    ///   incoming weights stay 0.
    /// * Output neuron `k`: the same with its `weightsOut` column, `thresholdOut[k]` and
    ///   `biasOut[k]` (always scaled when `m_k != 0`).
    /// * Dashes, `bias` and `biasOut` are finally `round(x)`.
    ///
    /// As in Rockpool, intermediate values stay doubles (its `*_quan` arrays are float) and are
    /// converted to integers only at the end, so a huge threshold that the guard brings back
    /// into range is fine; a final value that does not fit in 64 bits throws `outOfRange`.
    ///
    /// Two deliberate differences from Rockpool 3.1.0, neither visible in its results on valid
    /// input:
    /// * Rockpool's overflow guard tests `j <= n_ien` before rescaling the input column, an
    ///   off-by-one that would index past `weights_in` (numpy `IndexError`) for neuron
    ///   `j == n_ien` when `n_ien < n_hidden`. Here the input column is used exactly when
    ///   `j < nIEN`, in the scale and in the guard. This only changes inputs on which Rockpool
    ///   crashes; every reference vector is reproduced.
    /// * Rockpool writes the scaled `bias`/`bias_out` back into the arrays the caller passed
    ///   (`quantizer_mutated_its_inputs` in the reference vectors). `XyloSpecification` is a
    ///   value type, so the caller's `spec` is never modified; the scaled biases are only
    ///   returned. Re-quantizing the same `spec` therefore gives the same result every time,
    ///   where a second Rockpool call on the mutated dictionary would scale the biases twice.
    public static func channel(
        _ spec: XyloSpecification, weightBits: Int = 8, thresholdBits: Int = 16
    ) throws -> QuantizedSpecification {
        let (maxW, maxTh) = try limits(weightBits: weightBits, thresholdBits: thresholdBits)
        try spec.check()
        let method = "channel"
        let nIn = spec.nIn, nH = spec.nHidden, nS = spec.nSyn, nIEN = spec.nIEN
        let nOEN = spec.nOEN, nOut = spec.nOut

        // Per target neuron j (a column of weights_in and weights_rec): the largest |weight|,
        // then the factor its weights end up scaled by (`maxW / max`, replaced by
        // `maxTh / threshold` when the scaled threshold overflows). Both passes run over the
        // matrices row by row; every value gets exactly the product Rockpool computes.
        var columnMax = [Double](repeating: 0, count: nH)
        for c in 0..<nIn {
            for j in 0..<nIEN {
                for t in 0..<nS { columnMax[j] = max(columnMax[j], abs(spec.weightsIn[(c * nIEN + j) * nS + t])) }
            }
        }
        // weights_rec row by row; `laneMax[e]` is the largest |weight| at flat position `e`
        // (neuron e / nS, synapse e % nS) of a row.
        let rowLength = nH * nS
        var laneMax = [Double](repeating: 0, count: rowLength)
        spec.weightsRec.withUnsafeBufferPointer { w in
            laneMax.withUnsafeMutableBufferPointer { m in
                for i in 0..<nH {
                    let row = i * rowLength
                    for e in 0..<rowLength {
                        let a = abs(w[row + e])  // finite (checked): a plain compare
                        m[e] = a > m[e] ? a : m[e]
                    }
                }
            }
        }
        for e in 0..<rowLength { columnMax[e / nS] = max(columnMax[e / nS], laneMax[e]) }
        var factor = [Double](repeating: 0, count: nH)
        var thr = [Double](repeating: 0, count: nH)
        var bias = spec.bias
        for j in 0..<nH {
            let m = columnMax[j]
            guard m != 0 else {
                // No weight: the weights stay 0 and the threshold is only rounded.
                thr[j] = spec.threshold[j].rounded(.toNearestOrEven)
                continue
            }
            let s = maxW / m
            factor[j] = s
            thr[j] = (spec.threshold[j] * s).rounded(.toNearestOrEven)
            if nS == 2 { bias[j] = (spec.bias[j] * s).rounded(.toNearestOrEven) }
            if abs(thr[j]) > maxTh {
                factor[j] = maxTh / spec.threshold[j]
                thr[j] = (spec.threshold[j] * factor[j]).rounded(.toNearestOrEven)
            }
        }
        var wIn = [Double](repeating: 0, count: spec.weightsIn.count)
        var wRec = [Double](repeating: 0, count: spec.weightsRec.count)
        for c in 0..<nIn {
            for j in 0..<nIEN where columnMax[j] != 0 {
                for t in 0..<nS {
                    let idx = (c * nIEN + j) * nS + t
                    wIn[idx] = (spec.weightsIn[idx] * factor[j]).rounded(.toNearestOrEven)
                }
            }
        }
        // A column without weights has factor 0: its weights stay 0.
        let laneFactor = (0..<rowLength).map { factor[$0 / nS] }
        spec.weightsRec.withUnsafeBufferPointer { w in
            wRec.withUnsafeMutableBufferPointer { out in
                laneFactor.withUnsafeBufferPointer { f in
                    for i in 0..<nH {
                        let row = i * rowLength
                        for e in 0..<rowLength { out[row + e] = roundedHalfEven(w[row + e] * f[e]) }
                    }
                }
            }
        }

        var wOut = [Double](repeating: 0, count: spec.weightsOut.count)
        var thrOut = [Double](repeating: 0, count: nOut)
        var biasOut = spec.biasOut
        for k in 0..<nOut {
            let indices = (0..<nOEN).map { r in r * nOut + k }
            var m = 0.0
            for idx in indices { m = max(m, abs(spec.weightsOut[idx])) }
            guard m != 0 else {
                thrOut[k] = spec.thresholdOut[k].rounded(.toNearestOrEven)
                continue
            }
            let s = maxW / m
            func applyScale(_ factor: Double) {
                for idx in indices { wOut[idx] = (spec.weightsOut[idx] * factor).rounded(.toNearestOrEven) }
                thrOut[k] = (spec.thresholdOut[k] * factor).rounded(.toNearestOrEven)
            }
            applyScale(s)
            biasOut[k] = (spec.biasOut[k] * s).rounded(.toNearestOrEven)
            if abs(thrOut[k]) > maxTh { applyScale(maxTh / spec.thresholdOut[k]) }
        }

        return try assemble(
            spec, method: method, weightsIn: wIn, weightsRec: wRec, weightsOut: wOut,
            threshold: thr, thresholdOut: thrOut,
            bias: bias.map { $0.rounded(.toNearestOrEven) }, biasOut: biasOut.map { $0.rounded(.toNearestOrEven) })
    }

    // MARK: - Helpers

    /// `(2^(weightBits-1) - 1, 2^(thresholdBits-1) - 1)` as doubles, after checking the widths.
    static func limits(weightBits: Int, thresholdBits: Int) throws -> (Double, Double) {
        for (name, bits) in [("weight_bits", weightBits), ("threshold_bits", thresholdBits)] {
            guard (2...32).contains(bits) else {
                throw CelestaError(.outOfRange, "'\(name)' is \(bits); it must be in 2...32")
            }
        }
        return (Double((1 << (weightBits - 1)) - 1), Double((1 << (thresholdBits - 1)) - 1))
    }

    /// `np.max(np.abs(a))`, taken as 0 for an empty array (`np.max([0, ...])` in Rockpool).
    static func maxAbs(_ a: [Double]) -> Double {
        a.reduce(0) { max($0, abs($1)) }
    }

    /// Smallest double that is too large for `Int` (2^63); every double below it and at or
    /// above -2^63 converts without trapping.
    static let intLimit = 9_223_372_036_854_775_808.0

    /// `np.round(value)` that must be representable by numpy's `astype(int)` (int64):
    /// throws `outOfRange` naming the field, index and value otherwise.
    static func rounded(_ field: String, _ index: Int, _ value: Double, _ method: String) throws -> Double {
        let r = value.rounded(.toNearestOrEven)
        guard r.isFinite, r >= -intLimit, r < intLimit else {
            throw CelestaError(.outOfRange, "'\(field)[\(index)]' is \(value) in \(method) quantization; rounded, it does not fit in a 64-bit integer")
        }
        return r
    }

    /// `np.round(values * factor)`, checked like `rounded`.
    static func scaled(_ field: String, _ values: [Double], by factor: Double, _ method: String) throws -> [Double] {
        var out = [Double]()
        out.reserveCapacity(values.count)
        for (i, v) in values.enumerated() { out.append(try rounded(field, i, v * factor, method)) }
        return out
    }

    /// `x.rounded(.toNearestOrEven)` up to the sign of a zero result, without a library call:
    /// below 2^52 in magnitude, adding and removing 2^52 rounds to an integer in the default
    /// (nearest, ties to even) mode; from 2^52 on every double is an integer. NaN stays NaN.
    @inline(__always)
    static func roundedHalfEven(_ x: Double) -> Double {
        let twoTo52 = 4_503_599_627_370_496.0
        let big = Double(bitPattern: twoTo52.bitPattern | (x.bitPattern & (1 << 63)))  // ±2^52, the sign of x
        let r = (x + big) - big
        return abs(x) < twoTo52 ? r : x
    }

    /// Rounds (ties to even) and converts to `Int`, throwing `outOfRange` (naming the field,
    /// index and value) for a value that does not fit in 64 bits; never traps.
    static func ints(_ field: String, _ values: [Double], _ method: String) throws -> [Int] {
        try values.withUnsafeBufferPointer { v in
            try [Int](unsafeUninitializedCapacity: v.count) { out, initialized in
                for i in 0..<v.count {
                    let r = roundedHalfEven(v[i])
                    // NaN fails both comparisons.
                    guard r >= -intLimit, r < intLimit else {
                        throw CelestaError(.outOfRange, "'\(field)[\(i)]' is \(v[i]) in \(method) quantization; rounded, it does not fit in a 64-bit integer")
                    }
                    out[i] = Int(r)
                }
                initialized = v.count
            }
        }
    }

    static func assemble(
        _ spec: XyloSpecification, method: String, weightsIn: [Double], weightsRec: [Double], weightsOut: [Double],
        threshold: [Double], thresholdOut: [Double], bias: [Double], biasOut: [Double]
    ) throws -> QuantizedSpecification {
        QuantizedSpecification(
            chipID: spec.chipID, nIn: spec.nIn, nHidden: spec.nHidden, nOut: spec.nOut, nSyn: spec.nSyn,
            nIEN: spec.nIEN, nOEN: spec.nOEN,
            weightsIn: try ints("weights_in", weightsIn, method),
            weightsRec: try ints("weights_rec", weightsRec, method),
            weightsOut: try ints("weights_out", weightsOut, method),
            threshold: try ints("threshold", threshold, method),
            thresholdOut: try ints("threshold_out", thresholdOut, method),
            dashMem: try ints("dash_mem", spec.dashMem, method),
            dashMemOut: try ints("dash_mem_out", spec.dashMemOut, method),
            dashSyn: try ints("dash_syn", spec.dashSyn, method),
            dashSyn2: try ints("dash_syn_2", spec.dashSyn2, method),
            dashSynOut: try ints("dash_syn_out", spec.dashSynOut, method),
            bias: try ints("bias", bias, method),
            biasOut: try ints("bias_out", biasOut, method),
            weightShiftIn: spec.weightShiftIn, weightShiftRec: spec.weightShiftRec, weightShiftOut: spec.weightShiftOut,
            aliases: spec.aliases, dt: spec.dt)
    }
}

/// numpy 1.26's float64 reductions, reproduced bit for bit.
enum NumpyStatistics {
    /// `np.add.reduce` of a contiguous float64 array: the identity 0.0 plus numpy's pairwise
    /// sum (8 accumulators for blocks up to 128 values, halves split at multiples of 8).
    static func sum(_ a: [Double]) -> Double {
        a.withUnsafeBufferPointer { 0.0 + pairwise($0, 0, $0.count) }
    }

    private static func pairwise(_ a: UnsafeBufferPointer<Double>, _ start: Int, _ n: Int) -> Double {
        if n < 8 {
            var res = 0.0
            for i in 0..<n { res += a[start + i] }
            return res
        } else if n <= 128 {
            var r = (a[start], a[start + 1], a[start + 2], a[start + 3],
                     a[start + 4], a[start + 5], a[start + 6], a[start + 7])
            var i = 8
            while i < n - n % 8 {
                r.0 += a[start + i]
                r.1 += a[start + i + 1]
                r.2 += a[start + i + 2]
                r.3 += a[start + i + 3]
                r.4 += a[start + i + 4]
                r.5 += a[start + i + 5]
                r.6 += a[start + i + 6]
                r.7 += a[start + i + 7]
                i += 8
            }
            var res = ((r.0 + r.1) + (r.2 + r.3)) + ((r.4 + r.5) + (r.6 + r.7))
            while i < n {
                res += a[start + i]
                i += 1
            }
            return res
        } else {
            var n2 = n / 2
            n2 -= n2 % 8
            return pairwise(a, start, n2) + pairwise(a, start + n2, n - n2)
        }
    }

    /// `np.mean(a)` (non-empty `a`).
    static func mean(_ a: [Double]) -> Double { sum(a) / Double(a.count) }

    /// `np.std(a)` with `ddof = 0` (non-empty `a`): `sqrt(mean((a - mean(a))^2))`.
    static func std(_ a: [Double]) -> Double {
        let mu = mean(a)
        let squares = a.map { ($0 - mu) * ($0 - mu) }
        return (sum(squares) / Double(a.count)).squareRoot()
    }

    /// Rockpool's fuzzy range `|mean| + 2 * std` of the (non-zero) weights.
    static func fuzzyRange(_ a: [Double]) -> Double { abs(mean(a)) + 2 * std(a) }
}
