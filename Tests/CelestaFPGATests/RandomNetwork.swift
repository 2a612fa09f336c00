import CelestaFPGA
import CelestaIR

/// Random small models for the differential test (a seeded SplitMix64 stream, so a failure
/// names its seed).
///
/// g++ instantiates ap_types' conversions and operators once per type (and pair of types) per
/// translation unit, and that is nearly all of the C-simulation compile time: a network with
/// types of its own costs seconds, one more network with the same types a few tenths. So the
/// networks' sizes, weights, thresholds, windows, neurons, resets and readouts are random, and
/// their types are fixed per rounding slot, rotation and shape (`slotType`): every network holds
/// every quantization and overflow mode, and networks of the same rotation share all their
/// type tuples.
enum RandomNetwork {
    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return z ^ (z >> 31)
        }
        mutating func int(_ r: ClosedRange<Int>) -> Int { r.lowerBound + Int(next() % UInt64(r.count)) }
        mutating func double(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * Double(next() >> 11) / Double(1 << 53) }
        mutating func pick<T>(_ xs: [T]) -> T { xs[int(0...(xs.count - 1))] }
    }

    /// The slots that round (a value is stored into them), and their shapes <W,I>: the shape
    /// is the slot's (so the products' and sums' intermediate types are the same in every
    /// network), the modes rotate. Narrow enough that the random weights (|w| < 2.5), biases,
    /// sums, membranes and thresholds are rounded at every store and overflow now and then.
    static let slots: [(name: String, width: Int, intBits: Int)] = [
        ("dense weight_t", 8, 2), ("dense bias_t", 8, 2), ("dense accum_t", 12, 4), ("dense result_t", 9, 3),
        ("neuron threshold_t", 8, 2), ("neuron membrane_t", 10, 3), ("readout membrane_t", 10, 3),
    ]

    /// With rotation r (0..<7), slot s has quantization mode (s + r) % 7 and overflow mode
    /// (s + r) % 4: every network holds all 7 quantization and all 4 overflow modes. `shape`
    /// widens every slot by `bits` and moves its binary point by `intBits` (one draw per
    /// program and run, so the widths vary from run to run at no extra compile cost).
    static func slotType(_ slot: Int, _ rotation: Int, shape: Shape = Shape()) -> FixedType {
        let qs = FixedType.Quantization.allCases, os = FixedType.Overflow.allCases
        let j = (slot + rotation) % qs.count
        return FixedType(width: slots[slot].width + shape.bits, intBits: slots[slot].intBits + shape.intBits, signed: true,
                         quantization: qs[j], overflow: os[j % os.count])
    }

    /// A change of every slot's <W,I>: W + bits (-2...6), I + intBits (-1...1).
    struct Shape: CustomStringConvertible {
        var bits = 0, intBits = 0
        static func random(using rng: inout some RandomNumberGenerator) -> Shape {
            Shape(bits: Int.random(in: -2...6, using: &rng), intBits: Int.random(in: -1...1, using: &rng))
        }
        var description: String { "w\(bits >= 0 ? "+" : "")\(bits)i\(intBits >= 0 ? "+" : "")\(intBits)" }
    }

    /// What a program's networks share besides their types: spike (0/1) or real inputs, and
    /// the neurons' result type (ap_fixed<16,6> or ap_uint<1>). Each distinct input and result
    /// type of a program adds conversions that g++ instantiates once per program, about half a
    /// second for the two choices mixed in one program; so each program makes one choice of
    /// each, and the differential test gives its two programs opposite choices (every run has
    /// both input kinds and both result types).
    struct Inputs: CustomStringConvertible {
        var spikes = true, bitResult = false
        var spikeResult: FixedType { bitResult ? FixedType.integer(width: 1, signed: false) : FixedType(width: 16, intBits: 6) }
        var description: String { "\(spikes ? "spike" : "real")-in-\(bitResult ? "uint1" : "fixed16")-out" }
    }

    /// The readout of network `variant % 7`: the five decision rules (binary_logit in spike and
    /// membrane mode), and none.
    enum ReadoutChoice: Int, CaseIterable {
        case argmaxSpikeCount, firstToThreshold, thresholdThenArgmax, binaryLogitSpikes, argmaxMembrane, binaryLogitMembrane, none
    }

    /// A random network and its input. `rotation` (0..<7) places the mode types on the slots;
    /// `variant` fixes what a set of networks must cover: the readout (`ReadoutChoice`,
    /// variant % 7), the io type (io_stream for even variants), the first neuron's kind (LIF
    /// when variant / 2 is even) and reset (zero when variant / 3 is odd); `inputs` the input
    /// kind and the neurons' result type; the rest is drawn.
    static func make(seed: UInt64, rotation: Int, variant: Int, shape: Shape = Shape(), inputs: Inputs = Inputs()) -> (HLSModel, [[Double]]) {
        var r = Rng(state: seed)
        let choice = ReadoutChoice(rawValue: variant % ReadoutChoice.allCases.count)!
        let membraneReadout = choice == .argmaxMembrane || choice == .binaryLogitMembrane
        let binary = choice == .binaryLogitSpikes || choice == .binaryLogitMembrane
        let t = { (slot: Int) in slotType(slot, rotation, shape: shape) }
        let nIn = r.int(2...8)
        let spikes = inputs.spikes
        var model = HLSModel(input: HLSInput(n: nIn, type: spikes ? FixedType(width: 16, intBits: 6) : t(3)), layers: [])
        model.ioType = variant % 2 == 0 ? .stream : .parallel
        var width = nIn
        let hidden = r.int(1...2)
        let window = r.int(0...6)
        let spikeResult = inputs.spikeResult
        let betaType = [FixedType(width: 10, intBits: 0, signed: false), FixedType(width: 12, intBits: 1)][rotation % 2]
        for h in 0..<hidden + 1 {
            let last = h == hidden
            let nOut = last ? (binary ? 2 : r.int(2...4)) : r.int(2...10)
            var d = HLSDense(nIn: width, nOut: nOut, weight: (0..<width * nOut).map { _ in r.double(-2.5, 2.5) },
                             bias: (0..<nOut).map { _ in r.double(-0.75, 0.75) })
            d.reuseFactor = r.pick([1, 2, 4])
            d.strategy = r.int(0...2) == 0 ? .resource : .latency
            model.layers.append(HLSLayer(name: "fc\(h + 1)", kind: .dense(d),
                                         types: ["weight_t": t(0), "bias_t": t(1), "accum_t": t(2), "result_t": t(3)]))
            width = nOut
            if last && membraneReadout { break }
            let thr: HLSParam = r.int(0...1) == 0 ? .scalar(r.double(0.3, 2)) : .vector((0..<width).map { _ in r.double(0.3, 2) })
            let lif = h == 0 ? (variant / 2) % 2 == 0 : r.int(0...2) != 0
            let beta: HLSParam? = lif ? (r.int(0...1) == 0 ? .scalar(r.double(0.5, 1)) : .vector((0..<width).map { _ in r.double(0.5, 1) })) : nil
            let reset: HLSNeuron.Reset = h == 0 ? ((variant / 3) % 2 == 1 ? .zero : .subtract) : r.pick([.subtract, .zero])
            let n = HLSNeuron(n: width, reset: reset, windowSize: window, threshold: thr, beta: beta)
            var types = ["threshold_t": t(4), "membrane_t": t(5), "result_t": spikeResult]
            if lif { types["beta_t"] = betaType }
            model.layers.append(HLSLayer(name: "\(lif ? "lif" : "if")\(h + 1)", kind: lif ? .lifNeuron(n) : .ifNeuron(n), types: types))
        }
        if choice != .none {
            var ro = HLSReadout(nClasses: width, windowSize: max(window, 1))
            switch choice {
            case .argmaxMembrane, .binaryLogitMembrane:
                ro.mode = .membrane
                ro.rule = choice == .binaryLogitMembrane ? .binaryLogit : .argmaxMembrane
                ro.beta = r.double(0.7, 1)
            default:
                ro.rule = [.argmaxSpikeCount, .firstToThreshold, .thresholdThenArgmax, .binaryLogit][choice.rawValue]
                ro.classThreshold = r.int(1...3)
            }
            ro.policy = r.int(0...3) == 0 ? .never : .fixedWindow
            model.layers.append(HLSLayer(name: "readout", kind: .readout(ro),
                                         types: ["membrane_t": t(6), "result_t": [FixedType(width: 16, intBits: 6), FixedType(width: 8, intBits: 3)][rotation % 2]]))
            try? model.resolveWindows()
        }
        let steps = r.int(5...25)
        let x = (0..<steps).map { _ in (0..<nIn).map { _ in spikes ? Double(r.int(0...1)) : r.double(-2, 3) } }
        return (model, x)
    }

    static func describe(_ m: HLSModel) -> String {
        "\(m.ioType.rawValue) in \(m.input.type): " + m.layers.map { l in
            "\(l.name)(\(l.types.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")))"
        }.joined(separator: " ")
    }
}
