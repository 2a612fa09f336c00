import CelestaIR

/// A spiking network as an HLS project sees it, in hls4ml's vocabulary: an input, then
/// Dense, IF / LIF neuron and SNN readout layers in graph order, each with its resolved
/// ap_fixed types. Built by `HLSModel.fromLayers` (hls4ml layer dicts + config) or from the
/// IR (`HLSModel.fromIR`). One time step per call of the generated top function.
public struct HLSModel: Sendable {
    public enum IOType: String, Sendable { case stream = "io_stream", parallel = "io_parallel" }

    public var projectName: String = "myproject"
    public var ioType: IOType = .stream
    public var part: String = "xcvu13p-flga2577-2-e"
    public var clockPeriod: Double = 5
    public var input: HLSInput
    public var layers: [HLSLayer]

    public init(input: HLSInput, layers: [HLSLayer]) {
        self.input = input
        self.layers = layers
    }

    /// Width of the model output (the readout's single value, else the last layer's width).
    public var outputWidth: Int { layers.last?.outputWidth ?? input.n }
    /// The readout, if the last layer is one.
    public var readout: HLSReadout? {
        if case .readout(let r)? = layers.last?.kind { return r }
        return nil
    }
}

public struct HLSInput: Sendable {
    public var name: String
    public var n: Int
    public var type: FixedType
    public init(name: String = "x", n: Int, type: FixedType) {
        self.name = name
        self.n = n
        self.type = type
    }
}

/// A scalar or per-neuron parameter, with its nominal (unquantized) value(s).
public enum HLSParam: Sendable, Equatable {
    case scalar(Double)
    case vector([Double])
    public var isVector: Bool { if case .vector = self { return true }; return false }
    public func value(_ i: Int) -> Double {
        switch self {
        case .scalar(let v): return v
        case .vector(let v): return v[i]
        }
    }
}

public struct HLSDense: Sendable {
    public enum Strategy: String, Sendable { case latency, resource }
    public var nIn: Int
    public var nOut: Int
    /// Row-major [n_in][n_out]: weight from input i to output j at i*nOut + j.
    public var weight: [Double]
    public var bias: [Double]
    public var reuseFactor: Int = 1
    public var strategy: Strategy = .latency
    public init(nIn: Int, nOut: Int, weight: [Double], bias: [Double]) {
        self.nIn = nIn
        self.nOut = nOut
        self.weight = weight
        self.bias = bias
    }
}

public struct HLSNeuron: Sendable {
    public enum Reset: String, Sendable { case subtract, zero }
    public var n: Int
    public var reset: Reset
    /// Calls per window after which the membranes are cleared; 0 = never.
    public var windowSize: Int
    public var threshold: HLSParam
    /// nil for IF neurons.
    public var beta: HLSParam?
    public init(n: Int, reset: Reset, windowSize: Int, threshold: HLSParam, beta: HLSParam?) {
        self.n = n
        self.reset = reset
        self.windowSize = windowSize
        self.threshold = threshold
        self.beta = beta
    }
}

public struct HLSReadout: Sendable {
    public enum Mode: String, Sendable { case spike, membrane }
    public enum Rule: String, Sendable, CaseIterable {
        case argmaxSpikeCount = "argmax_spike_count", firstToThreshold = "first_to_threshold"
        case thresholdThenArgmax = "threshold_then_argmax", binaryLogit = "binary_logit"
        case argmaxMembrane = "argmax_membrane"
    }
    public enum Policy: String, Sendable, CaseIterable {
        case fixedWindow = "fixed_window", tlast, hostPulse = "host_pulse", never
    }
    public var nClasses: Int
    /// The readout clears after every `windowSize` calls (0 behaves like 1).
    public var windowSize: Int
    public var classThreshold: Int = 1
    public var mode: Mode = .spike
    public var rule: Rule = .argmaxSpikeCount
    public var policy: Policy = .fixedWindow
    public var beta: Double = 1
    public init(nClasses: Int, windowSize: Int) {
        self.nClasses = nClasses
        self.windowSize = windowSize
    }
}

public struct HLSLayer: Sendable {
    public enum Kind: Sendable {
        case dense(HLSDense)
        case ifNeuron(HLSNeuron)
        case lifNeuron(HLSNeuron)
        case readout(HLSReadout)
    }
    public var name: String
    public var kind: Kind
    /// Resolved types by slot: `accum_t`, `bias_t`, `weight_t`, `result_t` (Dense);
    /// `threshold_t`, `beta_t`, `membrane_t`, `result_t` (neurons); `membrane_t`, `result_t`
    /// (readout).
    public var types: [String: FixedType]

    public init(name: String, kind: Kind, types: [String: FixedType]) {
        self.name = name
        self.kind = kind
        self.types = types
    }

    public var className: String {
        switch kind {
        case .dense: return "Dense"
        case .ifNeuron: return "IFNeuron"
        case .lifNeuron: return "LIFNeuron"
        case .readout: return "SNNReadout"
        }
    }

    /// The type slots a layer of this class has (besides `result_t`).
    public var slots: [String] {
        switch kind {
        case .dense: return ["weight_t", "bias_t", "accum_t", "result_t"]
        case .ifNeuron: return ["threshold_t", "membrane_t", "result_t"]
        case .lifNeuron: return ["beta_t", "threshold_t", "membrane_t", "result_t"]
        case .readout: return ["membrane_t", "result_t"]
        }
    }

    public var outputWidth: Int {
        switch kind {
        case .dense(let d): return d.nOut
        case .ifNeuron(let n), .lifNeuron(let n): return n.n
        case .readout: return 1
        }
    }

    /// Number of state values (membranes or class counts) the layer keeps.
    public var stateWidth: Int {
        switch kind {
        case .dense: return 0
        case .ifNeuron(let n), .lifNeuron(let n): return n.n
        case .readout(let r): return r.nClasses
        }
    }

    public func type(_ slot: String) -> FixedType {
        guard let t = types[slot] else { preconditionFailure("layer \(name) has no type \(slot)") }
        return t
    }
}
