import CelestaIR
/// The typed content of a graph node (see `NetworkGraph` for the design).
public enum NodeKind: Sendable, Equatable {
    /// A network input port of `size` channels.
    case input(size: Int)
    /// A network output port of `size` channels.
    case output(size: Int)
    /// A dense weight block without bias.
    case linear(LinearWeights)
    /// A dense weight block with a bias.
    case affine(AffineWeights)
    /// A population of leaky integrate-and-fire neurons.
    case lif(LIFNeurons)

    /// Width of the input vector.
    public var nIn: Int {
        switch self {
        case .input(let size), .output(let size): return size
        case .linear(let w): return w.nIn
        case .affine(let w): return w.nIn
        case .lif(let n): return n.nIn
        }
    }

    /// Width of the output vector.
    public var nOut: Int {
        switch self {
        case .input(let size), .output(let size): return size
        case .linear(let w): return w.nOut
        case .affine(let w): return w.nOut
        case .lif(let n): return n.nOut
        }
    }

    /// A short name of the kind (`input`, `output`, `linear`, `affine`, `lif`).
    public var kindName: String {
        switch self {
        case .input: return "input"
        case .output: return "output"
        case .linear: return "linear"
        case .affine: return "affine"
        case .lif: return "lif"
        }
    }

    /// True for weight blocks (`linear`, `affine`).
    public var isWeights: Bool {
        switch self {
        case .linear, .affine: return true
        default: return false
        }
    }

    /// True for neuron populations.
    public var isNeurons: Bool {
        if case .lif = self { return true }
        return false
    }

    var producesOutput: Bool {
        if case .output = self { return false }
        return true
    }

    var acceptsInput: Bool {
        if case .input = self { return false }
        return true
    }

    /// Checks every shape and value; errors name `node` and the field.
    public func validate(node: String) throws {
        switch self {
        case .input(let size), .output(let size):
            guard size > 0 else {
                throw CelestaError(.shapeMismatch, "node '\(node)': 'size' is \(size); it must be > 0")
            }
        case .linear(let w): try w.validate(node: node)
        case .affine(let w): try w.validate(node: node)
        case .lif(let n): try n.validate(node: node)
        }
    }
}

/// A dense weight matrix `weight [nIn][nOut]` (row-major, flat).
public struct LinearWeights: Sendable, Equatable {
    public var nIn: Int
    public var nOut: Int
    /// `[nIn][nOut]`, row-major: `weight[i * nOut + j]` connects input `i` to output `j`.
    public var weight: [Double]

    /// Builds and validates the block (the node is called `Linear` in errors).
    public init(weight: [Double], nIn: Int, nOut: Int) throws {
        self.nIn = nIn
        self.nOut = nOut
        self.weight = weight
        try validate(node: "Linear")
    }

    /// The weight from input `i` to output `j`.
    public func value(_ i: Int, _ j: Int) -> Double { weight[i * nOut + j] }

    public func validate(node: String) throws {
        try GraphChecks.dimension(nIn, "n_in", node: node)
        try GraphChecks.dimension(nOut, "n_out", node: node)
        try GraphChecks.values(weight, "weight", count: nIn * nOut, shape: "[\(nIn)][\(nOut)]", node: node)
    }
}

/// A dense weight matrix with a bias `[nOut]`.
public struct AffineWeights: Sendable, Equatable {
    public var linear: LinearWeights
    /// `[nOut]`.
    public var bias: [Double]

    public var nIn: Int { linear.nIn }
    public var nOut: Int { linear.nOut }

    /// Builds and validates the block (the node is called `Affine` in errors).
    public init(weight: [Double], bias: [Double], nIn: Int, nOut: Int) throws {
        try GraphChecks.dimension(nIn, "n_in", node: "Affine")
        try GraphChecks.dimension(nOut, "n_out", node: "Affine")
        linear = try LinearWeights(weight: weight, nIn: nIn, nOut: nOut)
        self.bias = bias
        try validate(node: "Affine")
    }

    public func validate(node: String) throws {
        try linear.validate(node: node)
        try GraphChecks.values(bias, "bias", count: nOut, shape: "[\(nOut)]", node: node)
    }
}

/// A population of `nOut` LIF neurons with `nIn / nOut` synapses each.
public struct LIFNeurons: Sendable, Equatable {
    public var nIn: Int
    public var nOut: Int
    /// Membrane time constants in seconds, `[nOut]`, each > 0.
    public var tauMem: [Double]
    /// Synaptic time constants in seconds, `[nIn]`, each > 0; with `k` synapses per neuron,
    /// entry `k*i + s` belongs to synapse `s` of neuron `i`.
    public var tauSyn: [Double]
    /// Firing thresholds, `[nOut]`.
    public var threshold: [Double]
    /// Membrane biases, `[nOut]`.
    public var bias: [Double]
    /// Recurrent weights `[nOut][nIn]` (row-major: from neuron `i` to input column `c`), or nil.
    public var wRec: [Double]?
    /// Time step in seconds, or nil when the block does not define one.
    public var dt: Double?

    /// Synapses per neuron (`nIn / nOut`).
    public var synapsesPerNeuron: Int { nOut > 0 ? nIn / nOut : 0 }

    /// Builds and validates the population (the node is called `LIF` in errors).
    public init(
        nIn: Int, nOut: Int, tauMem: [Double], tauSyn: [Double], threshold: [Double], bias: [Double],
        wRec: [Double]? = nil, dt: Double?
    ) throws {
        self.nIn = nIn
        self.nOut = nOut
        self.tauMem = tauMem
        self.tauSyn = tauSyn
        self.threshold = threshold
        self.bias = bias
        self.wRec = wRec
        self.dt = dt
        try validate(node: "LIF")
    }

    public func validate(node: String) throws {
        try GraphChecks.dimension(nIn, "n_in", node: node)
        try GraphChecks.dimension(nOut, "n_out", node: node)
        guard nIn % nOut == 0 else {
            throw CelestaError(
                .shapeMismatch,
                "node '\(node)': 'n_in' is \(nIn); it must be a multiple of 'n_out' (\(nOut)), one input per synapse")
        }
        try GraphChecks.values(tauMem, "tau_mem", count: nOut, shape: "[\(nOut)]", node: node, positive: true)
        try GraphChecks.values(tauSyn, "tau_syn", count: nIn, shape: "[\(nIn)]", node: node, positive: true)
        try GraphChecks.values(threshold, "threshold", count: nOut, shape: "[\(nOut)]", node: node)
        try GraphChecks.values(bias, "bias", count: nOut, shape: "[\(nOut)]", node: node)
        if let wRec {
            try GraphChecks.values(wRec, "w_rec", count: nOut * nIn, shape: "[\(nOut)][\(nIn)]", node: node)
        }
        if let dt {
            guard dt.isFinite, dt > 0 else {
                throw CelestaError(.outOfRange, "node '\(node)': 'dt' is \(dt); it must be finite and > 0")
            }
        }
    }
}

enum GraphChecks {
    static func dimension(_ value: Int, _ field: String, node: String) throws {
        guard value > 0 else {
            throw CelestaError(.shapeMismatch, "node '\(node)': '\(field)' is \(value); it must be > 0")
        }
    }

    static func values(
        _ values: [Double], _ field: String, count: Int, shape: String, node: String, positive: Bool = false
    ) throws {
        guard values.count == count else {
            throw CelestaError(
                .shapeMismatch, "node '\(node)': '\(field)' has \(values.count) values but its shape \(shape) needs \(count)")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw CelestaError(.outOfRange, "node '\(node)': '\(field)[\(bad)]' is \(values[bad]); values must be finite")
        }
        if positive, let bad = values.firstIndex(where: { $0 <= 0 }) {
            throw CelestaError(.outOfRange, "node '\(node)': '\(field)[\(bad)]' is \(values[bad]); it must be > 0")
        }
    }
}
