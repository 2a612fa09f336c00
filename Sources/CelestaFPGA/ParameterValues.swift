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
        store(decimalTextValue(v))
    }

    /// The double the C++ reads back from the element's text.
    public func decimalTextValue(_ v: Double) -> Double {
        let f32 = Double(Float(v))
        let digits = max(fracBits, 0)
        if f32 == 0 || !f32.isFinite { return f32 }
        // On the type's grid (or at most `digits` binary fraction digits), the F-digit decimal
        // text is exact.
        if scaled(f32, by: digits).rounded(.towardZero) == scaled(f32, by: digits) { return f32 }
        // A float32 has a 24-bit significand, so significand * 10^digits fits 128 bits up to 30.
        guard digits <= 30 else { return f32 }
        let x = Float(v)
        let sig = Int128(x.significandBitPattern) | (x.isNormal ? (Int128(1) << 23) : 0)
        let exp = (x.isNormal ? Int(x.exponent) : -126) - 23
        var p10 = Int128(1)
        for _ in 0..<digits { p10 *= 10 }
        let scaledUp = sig * p10          // value * 10^digits = scaledUp * 2^exp
        // exp < 0 here, otherwise the value would be an integer and on the grid.
        let n = FixedType.roundHalfEven(scaledUp, shift: -exp)
        let signedN = x.sign == .minus ? -n : n
        guard signedN.magnitude < (UInt128(1) << 53), digits <= 22 else {
            return Double(signedN) / Double(p10)
        }
        return Double(Int64(signedN)) / Double(Int64(p10))
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
