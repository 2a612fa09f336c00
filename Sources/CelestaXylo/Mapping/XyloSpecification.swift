import CelestaIR
/// A hardware specification with real-valued parameters: what the mapper returns and the
/// quantizers take (Rockpool's specification dictionary, with `weight_dtype='float'`).
///
/// Shapes are those of `XyloConfig` (flat, row-major): `weightsIn [nIn][nIEN][nSyn]`,
/// `weightsRec [nHidden][nHidden][nSyn]`, `weightsOut [nOEN][nOut]`, hidden vectors
/// `[nHidden]`, output vectors `[nOut]`. Dashes are `log2(tau / dt)` as floats (rounded only
/// by the quantizers).
public struct XyloSpecification: Sendable, Equatable {
    public var chipID: String
    public var nIn: Int
    public var nHidden: Int
    public var nOut: Int
    /// 1 or 2 synapses per hidden neuron.
    public var nSyn: Int
    public var nIEN: Int
    public var nOEN: Int
    public var weightsIn: [Double]
    public var weightsRec: [Double]
    public var weightsOut: [Double]
    public var dashMem: [Double]
    public var dashSyn: [Double]
    public var dashSyn2: [Double]
    public var threshold: [Double]
    public var bias: [Double]
    public var dashMemOut: [Double]
    public var dashSynOut: [Double]
    public var thresholdOut: [Double]
    public var biasOut: [Double]
    public var weightShiftIn: Int
    public var weightShiftRec: Int
    public var weightShiftOut: Int
    public var aliases: [[Int]]
    public var dt: Double
    /// Whether the Rockpool mapper of this chip would return 2-D `weights_in`/`weights_rec`
    /// (Xylo Audio 2 with one synapse per neuron). Only the presentation differs.
    public var presentsTwoDimensionalWeights: Bool

    public init(
        chipID: String, nIn: Int, nHidden: Int, nOut: Int, nSyn: Int, nIEN: Int, nOEN: Int,
        weightsIn: [Double], weightsRec: [Double], weightsOut: [Double],
        dashMem: [Double], dashSyn: [Double], dashSyn2: [Double], threshold: [Double], bias: [Double],
        dashMemOut: [Double], dashSynOut: [Double], thresholdOut: [Double], biasOut: [Double],
        weightShiftIn: Int = 0, weightShiftRec: Int = 0, weightShiftOut: Int = 0,
        aliases: [[Int]], dt: Double, presentsTwoDimensionalWeights: Bool = false
    ) throws {
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
        self.dashMem = dashMem
        self.dashSyn = dashSyn
        self.dashSyn2 = dashSyn2
        self.threshold = threshold
        self.bias = bias
        self.dashMemOut = dashMemOut
        self.dashSynOut = dashSynOut
        self.thresholdOut = thresholdOut
        self.biasOut = biasOut
        self.weightShiftIn = weightShiftIn
        self.weightShiftRec = weightShiftRec
        self.weightShiftOut = weightShiftOut
        self.aliases = aliases
        self.dt = dt
        self.presentsTwoDimensionalWeights = presentsTwoDimensionalWeights
        try check()
    }

    /// Throws `shapeMismatch` for an array whose length disagrees with the dimensions and
    /// `outOfRange` for a non-finite value, naming the field and index.
    public func check() throws {
        guard nSyn == 1 || nSyn == 2 else { throw CelestaError(.outOfRange, "'n_syn' is \(nSyn); it must be 1 or 2") }
        guard nIEN <= nHidden, nOEN <= nHidden, min(nIn, nHidden, nOut, nIEN, nOEN) >= 0 else {
            throw CelestaError(.outOfRange, "dimensions n_in=\(nIn) n_hidden=\(nHidden) n_out=\(nOut) n_ien=\(nIEN) n_oen=\(nOEN) are inconsistent")
        }
        let arrays: [(String, [Double], Int)] = [
            ("weights_in", weightsIn, nIn * nIEN * nSyn), ("weights_rec", weightsRec, nHidden * nHidden * nSyn),
            ("weights_out", weightsOut, nOEN * nOut), ("dash_mem", dashMem, nHidden), ("dash_syn", dashSyn, nHidden),
            ("dash_syn_2", dashSyn2, nHidden), ("threshold", threshold, nHidden), ("bias", bias, nHidden),
            ("dash_mem_out", dashMemOut, nOut), ("dash_syn_out", dashSynOut, nOut),
            ("threshold_out", thresholdOut, nOut), ("bias_out", biasOut, nOut),
        ]
        for (name, values, count) in arrays {
            guard values.count == count else {
                throw CelestaError(.shapeMismatch, "'\(name)' has \(values.count) values but needs \(count)")
            }
            if !Self.allFinite(values), let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw CelestaError(.outOfRange, "'\(name)[\(bad)]' is \(values[bad]); values must be finite")
            }
        }
        guard aliases.count == nHidden else {
            throw CelestaError(.shapeMismatch, "'aliases' has \(aliases.count) entries but needs \(nHidden)")
        }
        guard dt.isFinite, dt > 0 else { throw CelestaError(.outOfRange, "'dt' is \(dt); it must be finite and > 0") }
    }

    /// Whether every value is finite: `0 * x` is 0 for finite `x` and NaN for infinities and
    /// NaN, so one branch-free sum answers it (the index is searched only on failure).
    static func allFinite(_ values: [Double]) -> Bool {
        values.withUnsafeBufferPointer { v in
            var probe = 0.0
            for x in v { probe += 0 * x }
            return probe == 0
        }
    }
}
