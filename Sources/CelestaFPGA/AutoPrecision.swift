import CelestaIR

/// `auto` precisions, inferred as hls4ml 1.3.0's InferPrecisionTypes pass does for these
/// layers (its documented intent: accumulators that never truncate, from the widths of the
/// inputs, not their values):
///
/// * Dense `weight_t` / `bias_t`: the model default precision.
/// * Dense `accum_t` and `result_t`: with the input type <Wx,Ix> (the previous layer's result),
///   the weight type <Ww,Iw> and the bias type <Wb,Ib>, n = n_in, L = ceil(log2 n):
///   the products' sum needs W = Ww + Wx + L, I = Iw + Ix + L bits (signed if the weight or
///   input is), F = W - I; the bias adds one more integer bit:
///   I' = max(I + [bias signed, sum unsigned], Ib + [sum signed, bias unsigned]) + 1,
///   W' = I' + max(F, Wb - Ib), signed if either is. Then, when `HLSConfig.Model.Precision`
///   has a `maximum` type, W' <= its width and I' <= its integer bits. The type is
///   ap_fixed<W',I'> (ap_ufixed if unsigned) with AP_TRN / AP_WRAP.
/// * Every other slot (IF / LIF `beta`, `threshold`, `membrane`, `result`; the readout's
///   `membrane` and `result`; the input): the model default precision.
///
/// The model default itself cannot be `auto` (hls4ml: only layer-level precisions).
extension ConfigReader {
    func inferAuto(_ layer: inout HLSLayer, slots: [String], inputType x: FixedType) throws {
        let fallback = try modelDefault()
        for slot in slots where !(slot == "accum_t" || slot == "result_t") || layer.className != "Dense" {
            layer.types[slot] = fallback
        }
        guard case .dense(let d) = layer.kind, slots.contains("accum_t") || slots.contains("result_t") else { return }
        let sum = try Self.denseSum(input: x, weight: layer.type("weight_t"), bias: layer.type("bias_t"), nIn: d.nIn,
                                    maximum: try maximumPrecision())
        let limit = sum.signed ? 64 : 63
        guard sum.width <= limit else {
            throw CelestaError(.outOfRange, "layer '\(layer.name)': the 'auto' accumulator needs \(sum) (\(sum.width) bits, more than \(limit)); give accum/result an explicit type or set HLSConfig.Model.Precision.maximum")
        }
        for slot in ["accum_t", "result_t"] where slots.contains(slot) { layer.types[slot] = sum }
    }

    /// The lossless type of a Dense sum (see above).
    static func denseSum(input x: FixedType, weight w: FixedType, bias b: FixedType, nIn: Int, maximum: FixedType?) -> FixedType {
        let lg = nIn > 1 ? Int.bitWidth - (nIn - 1).leadingZeroBitCount : 0
        var width = w.width + x.width + lg
        var ints = w.intBits + x.intBits + lg
        var signed = w.signed || x.signed
        let frac = width - ints
        ints = max(ints + (b.signed && !signed ? 1 : 0), b.intBits + (signed && !b.signed ? 1 : 0)) + 1
        width = ints + max(frac, b.width - b.intBits)
        signed = signed || b.signed
        if let m = maximum {
            width = min(width, m.width)
            ints = min(ints, m.intBits)
        }
        return FixedType(width: width, intBits: ints, signed: signed)
    }
}
