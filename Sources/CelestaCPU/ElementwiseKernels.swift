import CelestaIR
#if canImport(Glibc)
import Glibc
#endif

/// A kernel that maps each value on its own, by a function the table gives (activations,
/// Scale, Threshold, the identities: Dropout, HybridRegion, Output, a flatten's reshape).
final class MapKernel: CPUKernel {
    let outputShape: [Int]
    let count: Int
    let spiking: Bool
    /// Per value: (value, index) -> result. nil = copy.
    let f: ((Float, Int) -> Float)?

    init(_ c: CPUKernelContext, shape: [Int]? = nil, spiking: Bool = false, _ f: ((Float, Int) -> Float)?) {
        outputShape = shape ?? c.inputShape
        count = c.inputCount
        self.spiking = spiking
        self.f = f
    }

    func step(_ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, _ out: UnsafeMutablePointer<Float>, _ state: UnsafeMutablePointer<Float>) {
        let x = inputs[0]
        guard let f else {
            out.update(from: x, count: count)
            return
        }
        for i in 0..<count { out[i] = f(x[i], i) }
    }
}

/// Per-channel scale and shift: BatchNorm (inference: running statistics), PReLU's slopes and
/// NIR Scale are made of it or of MapKernel.
final class ChannelAffineKernel: CPUKernel {
    let outputShape: [Int]
    let channels: Int, plane: Int
    let scale: [Float], shift: [Float]

    init(_ c: CPUKernelContext, scale: [Float], shift: [Float]) throws {
        outputShape = c.inputShape
        channels = scale.count
        guard channels > 0, c.inputCount % channels == 0, c.inputShape.first == channels || c.inputShape.count == 1 && channels == c.inputCount else {
            throw c.fail("\(channels) channels do not match the input shape \(c.inputShape)")
        }
        plane = c.inputCount / channels
        self.scale = scale
        self.shift = shift
    }

    func step(_ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, _ out: UnsafeMutablePointer<Float>, _ state: UnsafeMutablePointer<Float>) {
        let x = inputs[0]
        for ch in 0..<channels {
            let a = scale[ch], b = shift[ch]
            for i in ch * plane..<(ch + 1) * plane { out[i] = x[i] * a + b }
        }
    }

    static func batchNorm(_ c: CPUKernelContext) throws -> ChannelAffineKernel {
        let mean = try c.floats("running_mean"), variance = try c.floats("running_var")
        let n = mean.count
        let gamma = try c.optionalFloats("weight") ?? [Float](repeating: 1, count: n)
        let beta = try c.optionalFloats("bias") ?? [Float](repeating: 0, count: n)
        let eps = Float(c.node["eps"]?.double ?? 1e-5)
        guard variance.count == n, gamma.count == n, beta.count == n else { throw c.fail("statistics and affine parameters differ in length", .invalidArgument) }
        var scale = [Float](repeating: 0, count: n), shift = scale
        for i in 0..<n {
            scale[i] = gamma[i] / (variance[i] + eps).squareRoot()
            shift[i] = beta[i] - mean[i] * scale[i]
        }
        return try ChannelAffineKernel(c, scale: scale, shift: shift)
    }
}

/// Softmax along one axis of the value.
final class SoftmaxKernel: CPUKernel {
    let outputShape: [Int]
    let outer: Int, axis: Int, inner: Int

    init(_ c: CPUKernelContext) throws {
        outputShape = c.inputShape
        let s = c.inputShape.isEmpty ? [c.inputCount] : c.inputShape
        var d = c.node["dim"]?.int ?? -1
        if d < 0 { d += s.count }
        guard d >= 0, d < s.count else { throw c.fail("dim out of range for shape \(s)", .invalidArgument) }
        outer = s[..<d].reduce(1, *)
        axis = s[d]
        inner = s[(d + 1)...].reduce(1, *)
    }

    func step(_ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, _ out: UnsafeMutablePointer<Float>, _ state: UnsafeMutablePointer<Float>) {
        let x = inputs[0]
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * axis * inner + i
                var m = -Float.infinity
                for k in 0..<axis { m = Swift.max(m, x[base + k * inner]) }
                var sum: Float = 0
                for k in 0..<axis {
                    let e = expf(x[base + k * inner] - m)
                    out[base + k * inner] = e
                    sum += e
                }
                for k in 0..<axis { out[base + k * inner] /= sum }
            }
        }
    }
}

/// Layer normalisation over the trailing `normalized_shape` values, with its affine part.
final class LayerNormKernel: CPUKernel {
    let outputShape: [Int]
    let groups: Int, size: Int
    let gamma: [Float], beta: [Float], eps: Float

    init(_ c: CPUKernelContext) throws {
        outputShape = c.inputShape
        let norm = c.node["normalized_shape"]?.ints ?? [c.inputCount]
        size = norm.reduce(1, *)
        guard size > 0, c.inputCount % size == 0 else { throw c.fail("normalized_shape \(norm) does not divide the input shape \(c.inputShape)") }
        groups = c.inputCount / size
        gamma = try c.optionalFloats("weight") ?? [Float](repeating: 1, count: size)
        beta = try c.optionalFloats("bias") ?? [Float](repeating: 0, count: size)
        guard gamma.count == size, beta.count == size else { throw c.fail("weight and bias must have \(size) values", .invalidArgument) }
        eps = Float(c.node["eps"]?.double ?? 1e-5)
    }

    func step(_ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, _ out: UnsafeMutablePointer<Float>, _ state: UnsafeMutablePointer<Float>) {
        let x = inputs[0]
        for g in 0..<groups {
            let p = x + g * size, y = out + g * size
            var mean: Float = 0
            for i in 0..<size { mean += p[i] }
            mean /= Float(size)
            var v: Float = 0
            for i in 0..<size { v += (p[i] - mean) * (p[i] - mean) }
            let inv = 1 / (v / Float(size) + eps).squareRoot()
            for i in 0..<size { y[i] = (p[i] - mean) * inv * gamma[i] + beta[i] }
        }
    }
}

/// The activation functions, by primitive: each makes its per-value function from the node.
enum Activations {
    static func gelu(_ x: Float, tanhForm: Bool) -> Float {
        if tanhForm { return 0.5 * x * (1 + tanhf(0.7978845608028654 * (x + 0.044715 * x * x * x))) }
        return 0.5 * x * (1 + erff(x / 1.4142135623730951))
    }

    static let table: [String: @Sendable (CPUKernelContext) throws -> (Float, Int) -> Float] = [
        "ReLU": { c in
            let slope = Float(c.node["negative_slope"]?.double ?? 0)
            return { x, _ in x >= 0 ? x : x * slope }
        },
        "Sigmoid": { _ in { x, _ in 1 / (1 + expf(-x)) } },
        "Tanh": { _ in { x, _ in tanhf(x) } },
        "GELU": { c in
            let t = c.node["approximate"]?.bool ?? true
            return { x, _ in gelu(x, tanhForm: t) }
        },
        "ELU": { c in
            let a = Float(c.node["alpha"]?.double ?? 1)
            return { x, _ in x > 0 ? x : a * (expf(x) - 1) }
        },
        "PReLU": { c in
            let w = try c.floats("weight")
            let s = c.inputShape
            let channels = s.count > 1 ? s[0] : c.inputCount
            guard w.count == 1 || w.count == channels else { throw c.fail("PReLU has \(w.count) slopes for \(channels) channels") }
            let plane = Swift.max(c.inputCount / Swift.max(channels, 1), 1)
            return { x, i in x >= 0 ? x : x * (w.count == 1 ? w[0] : w[i / plane]) }
        },
        "Scale": { c in
            let s = try c.perNeuron("scale", c.inputCount)
            return { x, i in x * s[i] }
        },
    ]
}
