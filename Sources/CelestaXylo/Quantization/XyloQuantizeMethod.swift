import CelestaIR

/// Rockpool's quantizers by name and by number: the one switch from a method to a quantizer,
/// used by the C shim (`celesta_xylo_quantize_method`, the numbers) and the CLI (`--method`,
/// the names).
public enum XyloQuantizeMethod: String, Sendable, CaseIterable {
    /// `global_quantize()`: one scale for the hidden and one for the output layer.
    case global
    /// `global_quantize(fuzzy_scaling=True)`: scales from |mean| + 2 std of the non-zero weights.
    case globalFuzzy = "global-fuzzy"
    /// `channel_quantize()`: one scale per target neuron.
    case channel

    /// The method's number in the C ABI (`CELESTA_XYLO_QUANTIZE_*`): its index in `allCases`.
    public var code: Int { Self.allCases.firstIndex(of: self)! }

    /// The method numbered `code` in the C ABI; `.invalidArgument` for any other number.
    public init(code: Int) throws {
        guard Self.allCases.indices.contains(code) else {
            throw CelestaError(
                .invalidArgument,
                "argument 'method' is \(code); it must be 0 (global), 1 (global, fuzzy scaling) or 2 (channel)")
        }
        self = Self.allCases[code]
    }

    /// Quantizes `spec` with this method (bit widths as `XyloQuantizer`'s).
    public func quantize(_ spec: XyloSpecification, weightBits: Int = 8, thresholdBits: Int = 16) throws
        -> QuantizedSpecification
    {
        switch self {
        case .global:
            return try XyloQuantizer.global(spec, fuzzyScaling: false, weightBits: weightBits, thresholdBits: thresholdBits)
        case .globalFuzzy:
            return try XyloQuantizer.global(spec, fuzzyScaling: true, weightBits: weightBits, thresholdBits: thresholdBits)
        case .channel:
            return try XyloQuantizer.channel(spec, weightBits: weightBits, thresholdBits: thresholdBits)
        }
    }
}
