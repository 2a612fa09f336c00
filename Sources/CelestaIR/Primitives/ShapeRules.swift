/// Shape arithmetic shared by the primitives' inference rules.
public enum ShapeRules {
    /// PyTorch's output length of a convolution or pooling window:
    /// floor_or_ceil((n + 2p - d(k-1) - 1) / s + 1). Sizes read from a file can be hostile:
    /// when the arithmetic overflows, no window fits (0), as when the span is negative.
    public static func windowed(_ n: Int, kernel k: Int, stride s: Int, padding p: Int, dilation d: Int = 1, ceil: Bool = false) -> Int {
        guard s > 0 else { return 0 }
        var overflow = false
        func add(_ a: Int, _ b: Int) -> Int { let (r, o) = a.addingReportingOverflow(b); overflow = overflow || o; return r }
        func sub(_ a: Int, _ b: Int) -> Int { let (r, o) = a.subtractingReportingOverflow(b); overflow = overflow || o; return r }
        func mul(_ a: Int, _ b: Int) -> Int { let (r, o) = a.multipliedReportingOverflow(by: b); overflow = overflow || o; return r }
        let span = sub(sub(add(n, mul(2, p)), mul(d, sub(k, 1))), 1)
        guard !overflow, span >= 0 else { return 0 }
        var out = add(span / s + (ceil && span % s != 0 ? 1 : 0), 1)
        // PyTorch: with ceil mode the last window must start inside the (left-padded) input.
        if ceil, mul(out - 1, s) >= add(n, p) { out -= 1 }
        return overflow ? 0 : out
    }

    /// `a * b` and `a + b`, or nil when they overflow (dimensions of hostile files: the port
    /// shapes are then not inferred).
    public static func times(_ a: Int, _ b: Int) -> Int? {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        return o ? nil : r
    }

    public static func plus(_ a: Int, _ b: Int) -> Int? {
        let (r, o) = a.addingReportingOverflow(b)
        return o ? nil : r
    }

    /// `n` scaled by `factor`, rounded toward zero (Upsample), or nil when the factor is not a
    /// finite non-negative number or the result does not fit.
    public static func scaled(_ n: Int, by factor: Double) -> Int? {
        let x = (Double(n) * factor).rounded(.towardZero)
        guard x.isFinite, x >= 0, x < 9.0e18 else { return nil }
        return Int(x)
    }

    /// An int or a sequence of ints widened to `count` entries (`2` -> `[2, 2]`), or nil.
    public static func widened(_ v: IRValue?, _ count: Int) -> [Int]? {
        guard let v, let ints = v.ints else { return nil }
        if ints.count == count { return ints }
        if ints.count == 1 { return [Int](repeating: ints[0], count: count) }
        return nil
    }

    /// The product of the dimensions (1 for a scalar shape).
    public static func product(_ shape: [Int]) -> Int { shape.reduce(1) { $0 &* $1 } }

    /// Flatten's output: the dimensions before `start`, the product of `start...end`, those after.
    public static func flattened(_ shape: [Int], start: Int, end: Int) -> [Int]? {
        let n = shape.count
        let s = start < 0 ? start + n : start
        let e = end < 0 ? end + n : end
        guard s >= 0, e < n, s <= e else { return n == 0 ? [] : nil }
        return Array(shape[..<s]) + [product(Array(shape[s...e]))] + Array(shape[(e + 1)...])
    }
}
