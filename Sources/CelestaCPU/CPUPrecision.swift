import CelestaIR

/// The number format the CPU simulator computes in (TALON's `supported_precisions`).
///
/// - `fp32`: plain float32 arithmetic.
/// - `fp16`: every node output and neuron state is rounded to float16 after each step (weights
///   too, once, when the plan is built).
/// - `int16`, `int8`, `int4`: weights are fake-quantised once, symmetrically per array, to the
///   integer grid of that width (scale = max|w| / (2^(b-1) - 1), round half to even); node
///   outputs and neuron states saturate at ±(2^(b-1) - 1), the range of the accumulator.
public enum CPUPrecision: String, CaseIterable, Sendable {
    case fp32, fp16, int16, int8, int4

    /// The saturation bound of values (nil: none). fp16's is its largest finite value.
    public var limit: Float? {
        switch self {
        case .fp32: return nil
        case .fp16: return 65504
        case .int16: return 32767
        case .int8: return 127
        case .int4: return 7
        }
    }

    /// The integer width of weights, or nil for the float formats.
    public var weightBits: Int? {
        switch self {
        case .int16: return 16
        case .int8: return 8
        case .int4: return 4
        default: return nil
        }
    }

    /// Parses a name; the error lists the known ones.
    public init(named name: String) throws {
        guard let p = CPUPrecision(rawValue: name) else {
            throw CelestaError(.invalidArgument, "unknown precision '\(name)'; known: \(CPUPrecision.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = p
    }

    /// Applies the format to values a node has just produced: rounds (fp16) or saturates.
    @inline(__always)
    func apply(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
        switch self {
        case .fp32: return
        case .fp16:
            for i in 0..<n { p[i] = Float(Float16(p[i])) }
        default:
            let hi = limit!, lo = -hi
            for i in 0..<n { p[i] = Swift.min(Swift.max(p[i], lo), hi) }
        }
    }

    /// Weights as this format holds them.
    func weights(_ values: [Float]) -> [Float] {
        switch self {
        case .fp32: return values
        case .fp16: return values.map { Float(Float16($0)) }
        default:
            let q = Float((1 << (weightBits! - 1)) - 1)
            let m = values.reduce(Float(0)) { Swift.max($0, abs($1)) }
            guard m > 0 else { return values }
            let scale = m / q
            return values.map { ($0 / scale).rounded(.toNearestOrEven) * scale }
        }
    }
}
