// Exported C functions: spike encoders (TALON's talon.io.encoding) and the PCG64 generator
// behind rate coding.

import CelestaABI
import CelestaIR

/// The float32 or float64 data of a caller's array, with its element count and shape.
private enum EncoderData {
    case float32(UnsafeBufferPointer<Float>, [Int])
    case float64(UnsafeBufferPointer<Double>, [Int])

    var shape: [Int] {
        switch self {
        case .float32(_, let s), .float64(_, let s): return s
        }
    }

    var count: Int { shape.reduce(1, *) }
}

private func encoderData(_ array: UnsafePointer<celesta_ir_array_t>?, _ name: String) throws -> EncoderData {
    let a = try required(array, name)
    try checkStructSize(UnsafeRawPointer(a), celesta_ir_array_t.self, name)
    let v = a.pointee
    let dtype = try requiredString(v.dtype, "\(name)->dtype")
    guard v.ndim <= 32 else { throw CelestaError(.invalidArgument, "field '\(name)->ndim' is \(v.ndim), more than 32") }
    var shape: [Int] = []
    if v.ndim > 0 {
        let s = try required(v.shape, "\(name)->shape")
        for k in 0..<Int(v.ndim) {
            guard s[k] >= 0 else { throw CelestaError(.invalidArgument, "field '\(name)->shape[\(k)]' is \(s[k])") }
            shape.append(Int(s[k]))
        }
    }
    var count = 1
    for d in shape {
        let (c, o) = count.multipliedReportingOverflow(by: d)
        guard !o, c <= Int.max / 64 else { throw CelestaError(.outOfRange, "argument '\(name)' has too many elements") }
        count = c
    }
    guard count == 0 || v.data != nil else { throw CelestaError(.nullPointer, "field '\(name)->data' is NULL but the array has \(count) elements") }
    switch dtype {
    case "float32":
        return .float32(UnsafeBufferPointer(start: v.data?.assumingMemoryBound(to: Float.self), count: count), shape)
    case "float64":
        return .float64(UnsafeBufferPointer(start: v.data?.assumingMemoryBound(to: Double.self), count: count), shape)
    default:
        throw CelestaError(.invalidArgument, "field '\(name)->dtype' is '\(dtype)'; the encoders take float32 or float64 data")
    }
}

private func steps(_ n: UInt) throws -> Int {
    guard n >= 1, n <= UInt(Int32.max) else { throw CelestaError(.invalidArgument, "argument 'n_steps' must be a positive int, got \(n)") }
    return Int(n)
}

private func outputCount(_ a: Int, _ b: Int) throws -> Int {
    let (n, o) = a.multipliedReportingOverflow(by: b)
    guard !o, n <= Int.max / 64 else { throw CelestaError(.outOfRange, "the output would hold more than \(Int.max / 64) values") }
    return n
}

/// A PCG64 seeded like numpy's default_rng(seed): `entropy` holds the seed integer as
/// little-endian 32-bit words (seed 0 is {0}); NULL with length 0 draws fresh entropy.
private func generator(_ entropy: UnsafePointer<UInt32>?, _ len: UInt) throws -> PCG64 {
    guard len <= 1 << 16 else { throw CelestaError(.outOfRange, "argument 'entropy_len' is \(len), too large") }
    if let entropy {
        guard len > 0 else { throw CelestaError(.invalidArgument, "argument 'entropy_len' is 0; pass NULL for fresh entropy") }
        return PCG64(entropy: Array(UnsafeBufferPointer(start: entropy, count: Int(len))))
    }
    guard len == 0 else { throw CelestaError(.nullPointer, "argument 'entropy' is NULL but entropy_len is \(len)") }
    var system = SystemRandomNumberGenerator()
    return PCG64(entropy: (0..<4).map { _ in UInt32.random(in: 0...UInt32.max, using: &system) })
}

/// TALON's rate_encode: spikes of shape (n_steps, *data.shape), float32 0/1, each a Bernoulli
/// draw with p = clip(data * rate_scale, 0, 1) (computed in the data's type), bit-exact with
/// numpy's default_rng(seed).binomial(1, p) (PCG64 seeded through SeedSequence). `entropy`:
/// the seed as 32-bit words, low first (NULL, 0: unseeded). Size query idiom on `buf`
/// (n_steps x data size floats).
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT (dtype other than float32 or
/// float64, n_steps 0, a NaN probability: naming the index), CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_ir_rate_encode")
public func celesta_ir_rate_encode(
    _ buf: UnsafeMutablePointer<Float>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?,
    _ data: UnsafePointer<celesta_ir_array_t>?, _ n_steps: UInt, _ rate_scale: Double,
    _ entropy: UnsafePointer<UInt32>?, _ entropy_len: UInt
) -> Int32 {
    guarded {
        let d = try encoderData(data, "data")
        let s = try steps(n_steps)
        let needed = try outputCount(d.count, s)
        var rng = try generator(entropy, entropy_len)
        guard let out = try sizedOutput(buf, cap, len, needed: needed) else { return }
        var p = [Double](repeating: 0, count: d.count)
        p.withUnsafeMutableBufferPointer { p in
            switch d {
            case .float32(let x, _): SpikeEncoders.rateProbabilities(x, rateScale: rate_scale, into: p)
            case .float64(let x, _): SpikeEncoders.rateProbabilities(x, rateScale: rate_scale, into: p)
            }
        }
        try p.withUnsafeBufferPointer { p in
            try SpikeEncoders.rate(probabilities: p, steps: s, generator: &rng, into: UnsafeMutableBufferPointer(start: out, count: needed))
        }
    }
}

/// TALON's latency_encode: one spike per element x >= threshold at step
/// trunc(tau * log(1 / clip(x, threshold, 1))) clipped to [0, n_steps - 1], in the data's type;
/// output (n_steps, *data.shape) float32 (size query idiom on `buf`).
/// Errors: as celesta_ir_rate_encode().
@_cdecl("celesta_ir_latency_encode")
public func celesta_ir_latency_encode(
    _ buf: UnsafeMutablePointer<Float>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?,
    _ data: UnsafePointer<celesta_ir_array_t>?, _ n_steps: UInt, _ tau: Double, _ threshold: Double
) -> Int32 {
    guarded {
        let d = try encoderData(data, "data")
        let s = try steps(n_steps)
        let needed = try outputCount(d.count, s)
        guard let out = try sizedOutput(buf, cap, len, needed: needed) else { return }
        let o = UnsafeMutableBufferPointer(start: out, count: needed)
        switch d {
        case .float32(let x, _): try SpikeEncoders.latency(x, steps: s, tau: tau, threshold: threshold, into: o)
        case .float64(let x, _): try SpikeEncoders.latency(x, steps: s, tau: tau, threshold: threshold, into: o)
        }
    }
}

/// TALON's temporal_encode: one spike per element x >= threshold at step trunc((1 - x) *
/// n_steps) clipped to [0, n_steps - 1]; output (n_steps, *data.shape) float32.
/// Errors: as celesta_ir_rate_encode().
@_cdecl("celesta_ir_temporal_encode")
public func celesta_ir_temporal_encode(
    _ buf: UnsafeMutablePointer<Float>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?,
    _ data: UnsafePointer<celesta_ir_array_t>?, _ n_steps: UInt, _ threshold: Double
) -> Int32 {
    guarded {
        let d = try encoderData(data, "data")
        let s = try steps(n_steps)
        let needed = try outputCount(d.count, s)
        guard let out = try sizedOutput(buf, cap, len, needed: needed) else { return }
        let o = UnsafeMutableBufferPointer(start: out, count: needed)
        switch d {
        case .float32(let x, _): try SpikeEncoders.temporal(x, steps: s, threshold: threshold, into: o)
        case .float64(let x, _): try SpikeEncoders.temporal(x, steps: s, threshold: threshold, into: o)
        }
    }
}

/// TALON's delta_encode of a sequence (axis 0 is time, at least 1 frame): d = x[t+1] - x[t]
/// in the data's type; `off_spikes` non-zero gives (T - 1, 2, *frame) of (d > threshold,
/// d < -threshold), zero gives (T - 1, *frame) of |d| > threshold; float32 0/1.
/// Errors: as celesta_ir_rate_encode(); a 0-d array is CELESTA_ERR_INVALID_ARGUMENT.
@_cdecl("celesta_ir_delta_encode")
public func celesta_ir_delta_encode(
    _ buf: UnsafeMutablePointer<Float>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?,
    _ data: UnsafePointer<celesta_ir_array_t>?, _ threshold: Double, _ off_spikes: Int32
) -> Int32 {
    guarded {
        let d = try encoderData(data, "data_sequence")
        guard let frames = d.shape.first, frames >= 1 else {
            throw CelestaError(.invalidArgument, "argument 'data_sequence' needs at least one frame along axis 0, its shape is \(d.shape)")
        }
        let frame = d.count / frames
        let needed = try outputCount((frames - 1) * frame, off_spikes != 0 ? 2 : 1)
        guard let out = try sizedOutput(buf, cap, len, needed: needed) else { return }
        let o = UnsafeMutableBufferPointer(start: out, count: needed)
        switch d {
        case .float32(let x, _): try SpikeEncoders.delta(x, frames: frames, threshold: threshold, offSpikes: off_spikes != 0, into: o)
        case .float64(let x, _): try SpikeEncoders.delta(x, frames: frames, threshold: threshold, offSpikes: off_spikes != 0, into: o)
        }
    }
}

/// `count` raw 64-bit outputs of numpy's PCG64 seeded as default_rng(seed) (`entropy`: the
/// seed's 32-bit words, low first), for checking the generator. Errors:
/// CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT.
@_cdecl("celesta_ir_pcg64_random_raw")
public func celesta_ir_pcg64_random_raw(_ out: UnsafeMutablePointer<UInt64>?, _ count: UInt, _ entropy: UnsafePointer<UInt32>?, _ entropy_len: UInt) -> Int32 {
    guarded {
        guard entropy != nil else { throw CelestaError(.nullPointer, "argument 'entropy' is NULL") }
        var rng = try generator(entropy, entropy_len)
        guard count > 0 else { return }
        guard count <= UInt(Int.max / 8) else { throw CelestaError(.outOfRange, "argument 'count' is \(count), too large") }
        let out = try required(out, "out")
        for i in 0..<Int(count) { out[i] = rng.next() }
    }
}
