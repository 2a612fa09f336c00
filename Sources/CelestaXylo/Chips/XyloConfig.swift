import CelestaIR
/// A quantized Xylo SNN-core configuration: what the chip's memories hold, independent of how
/// a particular chip lays it out in RAM.
///
/// Arrays are flat, row-major, with the shapes below (the same as the Xylo reference vectors
/// and Rockpool's specification dictionaries):
///
/// | field | shape |
/// | --- | --- |
/// | `weightsIn` | `[nIn][nIEN][nSyn]`: input channel -> input expansion neuron (hidden `0..<nIEN`), synapse |
/// | `weightsRec` | `[nHidden][nHidden][nSyn]`: source, target, synapse |
/// | `weightsOut` | `[nOEN][nOut]`: row `r` belongs to hidden neuron `nHidden - nOEN + r` |
/// | `dashMem`, `dashSyn`, `dashSyn2`, `threshold`, `bias` | `[nHidden]` |
/// | `dashMemOut`, `dashSynOut`, `thresholdOut`, `biasOut` | `[nOut]` |
/// | `aliases` | `[nHidden]` lists of alias target ids (0 or 1 entry on the chip) |
///
/// `bias`/`biasOut` are nil when the configuration carries no bias (always on Xylo v1);
/// `biasEnabled` is the chip's bias-enable bit. Shapes are checked by `init`; value ranges are
/// checked against a chip by `validate(for:)`.
public struct XyloConfig: Sendable, Equatable {
    /// The chip this configuration is for (its id, e.g. `syns61201`).
    public var chipID: String
    public let nIn: Int
    public let nHidden: Int
    public let nOut: Int
    /// Synapses per hidden neuron that weights address (1 or 2).
    public let nSyn: Int
    /// Input expansion neurons: hidden neurons `0..<nIEN` receive input weights.
    public let nIEN: Int
    /// Output expansion neurons: hidden neurons `nHidden-nOEN..<nHidden` send output weights.
    public let nOEN: Int

    public var weightsIn: [Int]
    public var weightsRec: [Int]
    public var weightsOut: [Int]
    public var dashMem: [Int]
    public var dashSyn: [Int]
    public var dashSyn2: [Int]
    public var threshold: [Int]
    public var bias: [Int]?
    public var dashMemOut: [Int]
    public var dashSynOut: [Int]
    public var thresholdOut: [Int]
    public var biasOut: [Int]?
    public var weightShiftIn: Int
    public var weightShiftRec: Int
    public var weightShiftOut: Int
    public var aliases: [[Int]]
    /// The time step in seconds; it does not influence the integer simulation.
    public var dt: Double
    /// The bias-enable bit (on when a bias array is given, as Rockpool sets it).
    public var biasEnabled: Bool

    /// The first hidden neuron that is an output expansion neuron.
    public var oenOffset: Int { nHidden - nOEN }

    public init(
        chipID: String, nIn: Int, nHidden: Int, nOut: Int, nSyn: Int, nIEN: Int? = nil, nOEN: Int? = nil,
        weightsIn: [Int], weightsRec: [Int], weightsOut: [Int],
        dashMem: [Int], dashSyn: [Int], dashSyn2: [Int]? = nil, threshold: [Int], bias: [Int]? = nil,
        dashMemOut: [Int], dashSynOut: [Int], thresholdOut: [Int], biasOut: [Int]? = nil,
        weightShiftIn: Int = 0, weightShiftRec: Int = 0, weightShiftOut: Int = 0,
        aliases: [[Int]]? = nil, dt: Double = 1e-3, biasEnabled: Bool? = nil
    ) throws {
        func dimension(_ name: String, _ value: Int, max: Int = 1 << 20) throws -> Int {
            guard value >= 0, value <= max else {
                throw CelestaError(.outOfRange, "'\(name)' is \(value); it must be in 0...\(max)")
            }
            return value
        }
        self.chipID = chipID
        self.nIn = try dimension("n_in", nIn)
        self.nHidden = try dimension("n_hidden", nHidden)
        self.nOut = try dimension("n_out", nOut)
        guard nSyn == 1 || nSyn == 2 else {
            throw CelestaError(.outOfRange, "'n_syn' is \(nSyn); it must be 1 or 2")
        }
        self.nSyn = nSyn
        self.nIEN = try dimension("n_ien", nIEN ?? nHidden, max: nHidden)
        self.nOEN = try dimension("n_oen", nOEN ?? nHidden, max: nHidden)
        self.weightsIn = weightsIn
        self.weightsRec = weightsRec
        self.weightsOut = weightsOut
        self.dashMem = dashMem
        self.dashSyn = dashSyn
        self.dashSyn2 = dashSyn2 ?? Array(repeating: 0, count: nHidden)
        self.threshold = threshold
        self.bias = bias
        self.dashMemOut = dashMemOut
        self.dashSynOut = dashSynOut
        self.thresholdOut = thresholdOut
        self.biasOut = biasOut
        self.weightShiftIn = weightShiftIn
        self.weightShiftRec = weightShiftRec
        self.weightShiftOut = weightShiftOut
        self.aliases = aliases ?? Array(repeating: [], count: nHidden)
        self.dt = dt
        self.biasEnabled = biasEnabled ?? (bias != nil || biasOut != nil)
        try checkShapes()
    }

    /// Throws `shapeMismatch` naming the first array whose length disagrees with the dimensions.
    public func checkShapes() throws {
        let expected: [(String, Int?, Int, String)] = [
            ("weights_in", weightsIn.count, nIn * nIEN * nSyn, "[n_in=\(nIn)][n_ien=\(nIEN)][n_syn=\(nSyn)]"),
            ("weights_rec", weightsRec.count, nHidden * nHidden * nSyn, "[n_hidden=\(nHidden)][n_hidden=\(nHidden)][n_syn=\(nSyn)]"),
            ("weights_out", weightsOut.count, nOEN * nOut, "[n_oen=\(nOEN)][n_out=\(nOut)]"),
            ("dash_mem", dashMem.count, nHidden, "[n_hidden=\(nHidden)]"),
            ("dash_syn", dashSyn.count, nHidden, "[n_hidden=\(nHidden)]"),
            ("dash_syn_2", dashSyn2.count, nHidden, "[n_hidden=\(nHidden)]"),
            ("threshold", threshold.count, nHidden, "[n_hidden=\(nHidden)]"),
            ("bias", bias?.count, nHidden, "[n_hidden=\(nHidden)]"),
            ("aliases", aliases.count, nHidden, "[n_hidden=\(nHidden)]"),
            ("dash_mem_out", dashMemOut.count, nOut, "[n_out=\(nOut)]"),
            ("dash_syn_out", dashSynOut.count, nOut, "[n_out=\(nOut)]"),
            ("threshold_out", thresholdOut.count, nOut, "[n_out=\(nOut)]"),
            ("bias_out", biasOut?.count, nOut, "[n_out=\(nOut)]"),
        ]
        for (name, actual, want, shape) in expected {
            if let actual, actual != want {
                throw CelestaError(
                    .shapeMismatch, "'\(name)' has \(actual) values but its shape \(shape) needs \(want)")
            }
        }
        for (i, targets) in aliases.enumerated() {
            for t in targets where !(0..<nHidden).contains(t) {
                throw CelestaError(
                    .outOfRange, "'aliases[\(i)]' names neuron \(t), outside the \(nHidden) hidden neurons")
            }
        }
        guard dt.isFinite, dt > 0 else { throw CelestaError(.outOfRange, "'dt' is \(dt); it must be finite and > 0") }
    }

    /// Weight from input channel `c` to IEN `j`, synapse `s`.
    @inlinable public func weightIn(_ c: Int, _ j: Int, _ s: Int) -> Int { weightsIn[(c * nIEN + j) * nSyn + s] }
    /// Recurrent weight from hidden `i` to hidden `j`, synapse `s`.
    @inlinable public func weightRec(_ i: Int, _ j: Int, _ s: Int) -> Int { weightsRec[(i * nHidden + j) * nSyn + s] }
    /// Output weight from OEN row `r` to output `k`.
    @inlinable public func weightOut(_ r: Int, _ k: Int) -> Int { weightsOut[r * nOut + k] }
}
