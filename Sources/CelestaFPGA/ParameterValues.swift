/// How a parameter reaches the C++ of a generated project, and so which value the hardware
/// uses.
///
/// * Arrays (weights, biases, vector thresholds / betas) are written as decimal text with
///   exactly F digits after the point (F = the array type's fractional bits), formatted from
///   the float32 value, rounded to nearest (ties to even on the exact binary value, as printf
///   does); the C++ reads each token as a double and stores it with the type's Q and O.
/// * Scalar constants (threshold, beta, the readout's beta) are float literals: the value is
///   rounded to float32, then stored with the type's Q and O.
extension FixedType {
    /// The mantissa the C++ holds for an array element of nominal value `v`.
    public func storeArrayElement(_ v: Double) -> Int64 {
        // On the type's grid the F-digit decimal text is exact: no text needed.
        let f32 = Double(Float(v))
        let scaledUp = scaled(f32, by: fracBits)
        if f32.isFinite && scaledUp == scaledUp.rounded(.towardZero) { return store(f32) }
        return store(decimalTextValue(v))
    }

    /// The double the C++ reads back from the element's text.
    public func decimalTextValue(_ v: Double) -> Double {
        Double(decimalText(v)) ?? Double(Float(v))
    }

    /// The element's text: the float32 value with exactly max(F, 0) digits after the point,
    /// rounded to nearest with ties to even on the exact binary value (as printf does).
    public func decimalText(_ v: Double) -> String {
        let x = Float(v)
        let digits = max(fracBits, 0)
        guard x.isFinite else { return "0" }
        // A float32 has a 24-bit significand, so significand * 10^digits fits 128 bits up to 30.
        guard digits <= 30 else { return "\(x)" }
        let sig = Int128(x.significandBitPattern) | (x.isNormal ? (Int128(1) << 23) : 0)
        let exp = (x.isNormal ? Int(x.exponent) : -126) - 23
        var p10 = Int128(1)
        for _ in 0..<digits { p10 *= 10 }
        let n: Int128
        if exp >= 0 {
            guard exp < 40 else { return "\(x)" }
            n = (sig << exp) * p10
        } else {
            n = FixedType.roundHalfEven(sig * p10, shift: -exp)
        }
        var text = String(n)
        if digits > 0 {
            if text.count <= digits { text = String(repeating: "0", count: digits - text.count + 1) + text }
            text.insert(".", at: text.index(text.endIndex, offsetBy: -digits))
        }
        return (x.sign == .minus && n != 0 ? "-" : "") + text
    }

    /// m * 2^-shift rounded to the nearest integer, ties to even (m >= 0).
    static func roundHalfEven(_ m: Int128, shift: Int) -> Int128 {
        if shift >= 127 { return 0 }
        let q = m >> shift
        let r = m - (q << shift)
        let half = Int128(1) << (shift - 1)
        if r > half || (r == half && q & 1 == 1) { return q + 1 }
        return q
    }

    /// The mantissa the C++ holds for a scalar constant written as a float literal.
    public func storeFloatConstant(_ v: Double) -> Int64 {
        store(Double(Float(v)))
    }
}
