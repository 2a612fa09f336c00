/// Shape arithmetic shared by the primitives' inference rules.
public enum ShapeRules {
    /// PyTorch's output length of a convolution or pooling window:
    /// floor_or_ceil((n + 2p - d(k-1) - 1) / s + 1).
    public static func windowed(_ n: Int, kernel k: Int, stride s: Int, padding p: Int, dilation d: Int = 1, ceil: Bool = false) -> Int {
        guard s > 0 else { return 0 }
        let span = n + 2 * p - d * (k - 1) - 1
        if span < 0 { return 0 }
        var out = ceil ? (span + s - 1) / s + 1 : span / s + 1
        // PyTorch: with ceil mode the last window must start inside the (left-padded) input.
        if ceil, (out - 1) * s >= n + p { out -= 1 }
        return out
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
