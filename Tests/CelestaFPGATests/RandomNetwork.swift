import CelestaFPGA
import CelestaIR

/// Random small models for the differential test (a seeded SplitMix64 stream, so a failure
/// names its seed).
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

    static func type(_ r: inout Rng, _ q: FixedType.Quantization, _ o: FixedType.Overflow) -> FixedType {
        let w = r.int(6...20), i = r.int(2...min(8, w))
        return FixedType(width: w, intBits: i, signed: true, quantization: q, overflow: o)
    }

    /// Types per network. Each distinct type costs g++ a few tenths of a second (ap_types'
    /// conversions and operators are instantiated per type and pair of types), so a network
    /// draws its slots' types from a pool of this many.
    static let poolSize = 4

    /// A random network and its input. The pool's type j has the quantization and overflow
    /// modes number `modes + j` (cycling through each list): networks made with modes 0, 4, 8
    /// together use every quantization mode (7) and every overflow mode (4), each in at least
    /// one slot.
    static func make(seed: UInt64, modes: Int = 0) -> (HLSModel, [[Double]]) {
        var r = Rng(state: seed)
        let qs = FixedType.Quantization.allCases, os = FixedType.Overflow.allCases
        let pool = (0..<poolSize).map { j in Self.type(&r, qs[(modes + j) % qs.count], os[(modes + j) % os.count]) }
        // the first picks take each pool type once (from a random start), the rest at random:
        // every pool type (hence every mode of the 3 networks) is some slot's type
        let start = r.int(0...(poolSize - 1))
        var picks = 0
        func type(_ r: inout Rng) -> FixedType {
            picks += 1
            return picks <= poolSize ? pool[(start + picks - 1) % poolSize] : r.pick(pool)
        }
        let nIn = r.int(2...8)
        let spikes = r.int(0...2) != 0
        var model = HLSModel(input: HLSInput(n: nIn, type: spikes ? FixedType(width: 16, intBits: 6) : type(&r)), layers: [])
        model.ioType = r.int(0...1) == 0 ? .stream : .parallel
        var width = nIn
        let hidden = r.int(1...2)
        let window = r.int(0...6)
        for h in 0..<hidden + 1 {
            let nOut = h == hidden ? r.int(2...4) : r.int(2...10)
            var d = HLSDense(nIn: width, nOut: nOut, weight: (0..<width * nOut).map { _ in r.double(-1.5, 2) },
                             bias: (0..<nOut).map { _ in r.double(-0.5, 0.5) })
            d.reuseFactor = r.pick([1, 2, 4])
            d.strategy = r.int(0...3) == 0 ? .resource : .latency
            model.layers.append(HLSLayer(name: "fc\(h + 1)", kind: .dense(d),
                                         types: ["weight_t": type(&r), "bias_t": type(&r), "accum_t": type(&r), "result_t": type(&r)]))
            width = nOut
            let membraneReadout = h == hidden && r.int(0...2) == 0
            if membraneReadout { break }
            let thr: HLSParam = r.int(0...1) == 0 ? .scalar(r.double(0.3, 2)) : .vector((0..<width).map { _ in r.double(0.3, 2) })
            let lif = r.int(0...2) != 0
            let beta: HLSParam? = lif ? (r.int(0...1) == 0 ? .scalar(r.double(0.5, 1)) : .vector((0..<width).map { _ in r.double(0.5, 1) })) : nil
            let n = HLSNeuron(n: width, reset: r.pick([.subtract, .zero]), windowSize: window, threshold: thr, beta: beta)
            var types = ["threshold_t": type(&r), "membrane_t": type(&r), "result_t": r.int(0...3) == 0 ? FixedType.integer(width: 1, signed: false) : FixedType(width: 16, intBits: 6)]
            if lif { types["beta_t"] = FixedType(width: r.int(8...16), intBits: r.int(0...2), signed: r.int(0...1) == 0) }
            model.layers.append(HLSLayer(name: "\(lif ? "lif" : "if")\(h + 1)", kind: lif ? .lifNeuron(n) : .ifNeuron(n), types: types))
        }
        if r.int(0...3) != 0 || model.layers.last?.className == "Dense" {
            var ro = HLSReadout(nClasses: width, windowSize: max(window, 1))
            if model.layers.last?.className == "Dense" {
                ro.mode = .membrane
                ro.rule = width == 2 && r.int(0...1) == 0 ? .binaryLogit : .argmaxMembrane
                ro.beta = r.double(0.7, 1)
            } else {
                ro.rule = r.pick(width == 2 ? [.argmaxSpikeCount, .firstToThreshold, .thresholdThenArgmax, .binaryLogit]
                                            : [.argmaxSpikeCount, .firstToThreshold, .thresholdThenArgmax])
                ro.classThreshold = r.int(1...3)
            }
            ro.policy = r.int(0...3) == 0 ? .never : .fixedWindow
            model.layers.append(HLSLayer(name: "readout", kind: .readout(ro),
                                         types: ["membrane_t": type(&r), "result_t": r.pick([FixedType(width: 16, intBits: 6), FixedType(width: 8, intBits: 3)])]))
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
