import CelestaIR

/// An arbitrary-precision fixed-point or integer type in Xilinx's ap_types spelling
/// (`ap_fixed<W,I,Q,O,N>`, `ap_ufixed<...>`, `ap_int<W>`, `ap_uint<W>`), with the exact
/// store rule of those types: a value is rounded and overflow-handled only when it is stored
/// into a declared type, first quantization to the type's LSB with its Q mode, then overflow
/// handling of the quantized value with its O mode.
///
/// Values of a type are kept as their integer mantissa `m` (value = m * 2^-F, F = W - I).
/// Widths up to 64 bits are supported.
public struct FixedType: Hashable, Sendable, CustomStringConvertible {
    /// The seven quantization modes.
    public enum Quantization: String, CaseIterable, Sendable {
        case trn = "AP_TRN", trnZero = "AP_TRN_ZERO", rnd = "AP_RND", rndZero = "AP_RND_ZERO"
        case rndMinInf = "AP_RND_MIN_INF", rndInf = "AP_RND_INF", rndConv = "AP_RND_CONV"
    }
    /// The overflow modes (AP_WRAP_SM, sign-magnitude wrapping, is not supported).
    public enum Overflow: String, CaseIterable, Sendable {
        case wrap = "AP_WRAP", sat = "AP_SAT", satZero = "AP_SAT_ZERO", satSym = "AP_SAT_SYM"
    }

    public let width: Int
    public let intBits: Int
    public let signed: Bool
    /// `ap_int` / `ap_uint`: a double is converted by C truncation toward zero (with the
    /// ap_types quirk that a double in (-0.5, 0) becomes +1), fixed values toward zero.
    public let isInteger: Bool
    public let quantization: Quantization
    public let overflow: Overflow
    /// The saturation-bits argument N (only 0 is supported).
    public let saturationBits: Int

    /// Fractional bits F = W - I (negative when I > W).
    public var fracBits: Int { width - intBits }

    public init(width: Int, intBits: Int, signed: Bool = true, quantization: Quantization = .trn,
                overflow: Overflow = .wrap) {
        self.width = width
        self.intBits = intBits
        self.signed = signed
        self.isInteger = false
        self.quantization = quantization
        self.overflow = overflow
        self.saturationBits = 0
    }

    /// `ap_int<W>` (signed) or `ap_uint<W>`.
    public static func integer(width: Int, signed: Bool) -> FixedType {
        FixedType(width: width, intBits: width, signed: signed, isInteger: true,
                  quantization: .trnZero, overflow: .wrap, saturationBits: 0)
    }

    private init(width: Int, intBits: Int, signed: Bool, isInteger: Bool, quantization: Quantization,
                 overflow: Overflow, saturationBits: Int) {
        self.width = width
        self.intBits = intBits
        self.signed = signed
        self.isInteger = isInteger
        self.quantization = quantization
        self.overflow = overflow
        self.saturationBits = saturationBits
    }

    /// Parses a type string as hls4ml accepts it: `ap_fixed<16,6>`, `fixed<16,6>`,
    /// `ap_ufixed<8,0>`, `ap_fixed<10,4,AP_RND,AP_SAT>` (with an optional fifth argument 0),
    /// `ap_int<8>`, `ap_uint<1>`, `int<8>`, `uint<1>`. Spaces are ignored. `what` names the
    /// slot in the error message.
    public init(parsing text: String, what: String = "type") throws {
        let s = String(text.filter { !$0.isWhitespace })
        func bad(_ why: String) -> CelestaError {
            CelestaError(.parse, "\(what): type '\(text)' does not parse: \(why) (expected e.g. ap_fixed<16,6>, ap_ufixed<8,0>, ap_fixed<10,4,AP_RND,AP_SAT>, ap_int<8>, ap_uint<1>)")
        }
        guard let open = s.firstIndex(of: "<"), s.hasSuffix(">") else { throw bad("no <...> arguments") }
        var base = String(s[s.startIndex..<open]).lowercased()
        if base.hasPrefix("ap_") { base.removeFirst(3) }
        let args = s[s.index(after: open)..<s.index(before: s.endIndex)].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        func int(_ i: Int, _ name: String) throws -> Int {
            guard let v = Int(args[i]) else { throw bad("\(name) '\(args[i])' is not an integer") }
            return v
        }
        switch base {
        case "int", "uint":
            guard args.count == 1 else { throw bad("\(base) takes one argument, the width") }
            let w = try int(0, "width")
            guard (1...(base == "int" ? 64 : 63)).contains(w) else { throw bad("width \(w) is outside 1...\(base == "int" ? 64 : 63)") }
            self = .integer(width: w, signed: base == "int")
        case "fixed", "ufixed":
            guard (2...5).contains(args.count) else { throw bad("\(base) takes 2 to 5 arguments") }
            let w = try int(0, "width"), i = try int(1, "integer bits")
            guard (1...(base == "fixed" ? 64 : 63)).contains(w) else { throw bad("width \(w) is outside 1...\(base == "fixed" ? 64 : 63)") }
            guard (w - 64)...(w + 64) ~= i else { throw bad("integer bits \(i) too far from the width \(w)") }
            var q = Quantization.trn, o = Overflow.wrap, n = 0
            if args.count >= 3 {
                guard let v = Quantization(rawValue: args[2].uppercased()) else {
                    throw bad("unknown quantization mode '\(args[2])' (one of \(Quantization.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                q = v
            }
            if args.count >= 4 {
                guard let v = Overflow(rawValue: args[3].uppercased()) else {
                    throw bad("unknown or unsupported overflow mode '\(args[3])' (one of \(Overflow.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                o = v
            }
            if args.count == 5 {
                n = try int(4, "saturation bits")
                guard n == 0 else { throw bad("saturation bits \(n) are not supported (only 0)") }
            }
            self.init(width: w, intBits: i, signed: base == "fixed", isInteger: false, quantization: q,
                      overflow: o, saturationBits: n)
        default:
            throw bad("unknown base type '\(base)'")
        }
    }

    /// The C++ spelling as hls4ml writes it: defaults without modes (`ap_fixed<16,6>`),
    /// otherwise all five arguments (`ap_fixed<10,4,AP_RND,AP_SAT,0>`).
    public var description: String {
        if isInteger { return "\(signed ? "ap_int" : "ap_uint")<\(width)>" }
        let base = signed ? "ap_fixed" : "ap_ufixed"
        if quantization == .trn && overflow == .wrap && saturationBits == 0 { return "\(base)<\(width),\(intBits)>" }
        return "\(base)<\(width),\(intBits),\(quantization.rawValue),\(overflow.rawValue),\(saturationBits)>"
    }

    /// Smallest and largest mantissa.
    public var minMantissa: Int64 { signed ? (width == 64 ? Int64.min : -(Int64(1) << (width - 1))) : 0 }
    public var maxMantissa: Int64 {
        if signed { return width == 64 ? Int64.max : (Int64(1) << (width - 1)) - 1 }
        return width >= 63 ? Int64.max : (Int64(1) << width) - 1
    }

    /// The exact value of a mantissa (exact for mantissas below 2^53).
    @inline(__always)
    public func value(_ m: Int64) -> Double { scaled(Double(m), by: -fracBits) }

    /// Stores the exact value m * 2^-frac: quantization, then overflow handling.
    public func store(_ m: Int128, frac: Int) -> Int64 {
        let f = fracBits
        if frac >= f {
            return overflowed(quantize(m, shift: frac - f), exceeded: false)
        }
        let s = f - frac
        if m == 0 { return 0 }
        let magnitude = m.magnitude
        if s >= 127 || magnitude >= (UInt128(1) << (126 - s)) {
            // Far outside any 64-bit range: the wrapped low bits, or a stand-in beyond the range.
            return overflowed(s >= 128 ? 0 : m &<< s, exceeded: true, negative: m < 0)
        }
        return overflowed(m << s, exceeded: false)
    }

    /// Stores a mantissa given at this type's own F with a different sign/width interpretation
    /// (used when the exact value is already on the grid).
    @inline(__always)
    public func storeOnGrid(_ m: Int128) -> Int64 { overflowed(m, exceeded: false) }

    /// Stores the exact binary value of a double (C++ conversion from float/double).
    public func store(_ x: Double) -> Int64 {
        guard x.isFinite else { return 0 }
        if x == 0 { return 0 }
        if isInteger {
            // C truncation toward zero, then wrap; ap_types turns (-0.5, 0) into +1.
            if x < 0 && x > -0.5 { return overflowed(1, exceeded: false) }
            let t = x.rounded(.towardZero)
            if abs(t) >= 0x1p100 { return 0 }
            return overflowed(Int128(t), exceeded: false)
        }
        let sig = Int128(x.significandBitPattern) | (x.isNormal ? (Int128(1) << 52) : 0)
        let e = Int(x.exponent) - 52
        let exp = x.isNormal ? e : -1074
        return store(x.sign == .minus ? -sig : sig, frac: -exp)
    }

    /// Rounds m * 2^-shift to an integer with this type's quantization mode.
    @inline(__always)
    func quantize(_ m0: Int128, shift d0: Int) -> Int128 {
        if d0 == 0 { return m0 }
        var m = m0, d = d0
        if d >= 128 {
            // |m| < 2^127, so the value lies strictly inside (-0.5, 0.5) LSB: a quarter LSB
            // of the same sign rounds the same way in every mode.
            m = m == 0 ? 0 : (m > 0 ? 1 : -1)
            d = 2
        }
        let q = m >> d
        let r = m - (q << d)
        if r == 0 { return q }
        if quantization == .trn { return q }
        if quantization == .trnZero { return m < 0 ? q + 1 : q }
        let half = Int128(1) << (d - 1)
        if r > half { return q + 1 }
        if r < half { return q }
        switch quantization {
        case .rnd: return q + 1
        case .rndZero: return m < 0 ? q + 1 : q
        case .rndMinInf: return q
        case .rndInf: return m < 0 ? q : q + 1
        case .rndConv: return q & 1 == 0 ? q : q + 1
        case .trn, .trnZero: return q
        }
    }

    /// Overflow handling of a quantized mantissa. `exceeded`: the value is known to be far
    /// outside the range (then `q` holds only its wrapped low bits and `negative` its sign).
    @inline(__always)
    func overflowed(_ q: Int128, exceeded: Bool, negative: Bool = false) -> Int64 {
        let lo = Int128(minMantissa), hi = Int128(maxMantissa)
        if !exceeded && q >= lo && q <= hi {
            if overflow == .satSym && signed && q == lo { return minMantissa + 1 }
            return Int64(q)
        }
        let neg = exceeded ? negative : q < 0
        switch overflow {
        case .wrap:
            let bits = UInt128(truncatingIfNeeded: q) & ((UInt128(1) << width) - 1)
            if signed && bits >> (width - 1) & 1 == 1 {
                return Int64(truncatingIfNeeded: Int128(bits) - (Int128(1) << width))
            }
            return Int64(truncatingIfNeeded: bits)
        case .sat: return neg ? minMantissa : maxMantissa
        case .satZero: return 0
        case .satSym: return neg ? (signed ? -maxMantissa : 0) : maxMantissa
        }
    }
}

/// x * 2^k, exact for powers of two in range.
@inline(__always)
func scaled(_ x: Double, by k: Int) -> Double {
    if k == 0 { return x }
    return x * Double(sign: .plus, exponent: k, significand: 1)
}
