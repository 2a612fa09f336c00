import CelestaIR

/// The channel-first spatial shape a convolution or pooling node reads: the value's own shape
/// when it has `rank` + 1 dimensions, else the node's declared input shape when the counts agree
/// (a flat value feeding a conv whose `input_type` says [C, H, W]).
func spatialShape(_ c: CPUKernelContext, rank: Int) throws -> [Int] {
    let s = c.inputShape
    if s.count == rank + 1 { return s }
    if let declared = c.node.inputType?.first, declared.count == rank + 1, declared.reduce(1, *) == c.inputCount { return declared }
    throw c.fail("needs a [C, \(rank == 1 ? "L" : "H, W")] input, got shape \(s) (give the node an input_type)")
}

/// The output length of a window sweep (PyTorch's rule, ceil mode included: a last window that
/// starts in the right padding is dropped).
func sweepLength(_ n: Int, kernel k: Int, stride s: Int, padding p: Int, dilation d: Int, ceil: Bool) -> Int {
    let span = n + 2 * p - d * (k - 1) - 1
    guard span >= 0 else { return 0 }
    var out = (ceil ? (span + s - 1) / s : span / s) + 1
    if ceil, (out - 1) * s >= n + p { out -= 1 }
    return out
}

/// 2-D convolution with stride, padding, dilation and groups (Conv2d, SConv, SDConv; Conv1d
/// as a height-1 Conv2d; each half of SepConv2d).
final class ConvKernel: CPUKernel {
    let cin: Int, h: Int, w: Int
    let cout: Int, kh: Int, kw: Int, groups: Int
    let sh: Int, sw: Int, ph: Int, pw: Int, dh: Int, dw: Int
    let ho: Int, wo: Int
    let weight: [Float]
    let bias: [Float]
    /// [C, H', W'] (Conv1d: [C, L'], set by `make`).
    fileprivate(set) var outputShape: [Int]
    var macs: Int { cout * (cin / groups) * kh * kw * ho * wo }

    init(_ c: CPUKernelContext, input: [Int], weight: [Float], weightShape ws: [Int], bias: [Float]?, stride: [Int], padding: [Int], dilation: [Int], groups: Int) throws {
        (cin, h, w) = (input[0], input[1], input[2])
        (cout, kh, kw) = (ws[0], ws[2], ws[3])
        self.groups = groups
        (sh, sw, ph, pw, dh, dw) = (stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1])
        guard groups >= 1, cin % groups == 0, cout % groups == 0, ws[1] * groups == cin else {
            throw c.fail("the weight \(ws) with groups=\(groups) does not take \(cin) input channels")
        }
        guard sh > 0, sw > 0, dh > 0, dw > 0, ph >= 0, pw >= 0 else { throw c.fail("stride, dilation must be positive and padding non-negative", .invalidArgument) }
        ho = sweepLength(h, kernel: kh, stride: sh, padding: ph, dilation: dh, ceil: false)
        wo = sweepLength(w, kernel: kw, stride: sw, padding: pw, dilation: dw, ceil: false)
        guard ho > 0, wo > 0 else { throw c.fail("the kernel does not fit the input \(input)") }
        self.weight = weight
        self.bias = bias ?? [Float](repeating: 0, count: ws[0])
        guard self.bias.count == cout else { throw c.fail("bias has \(self.bias.count) values, expected \(cout)", .invalidArgument) }
        outputShape = [cout, ho, wo]
    }

    func step(_ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, _ out: UnsafeMutablePointer<Float>, _ state: UnsafeMutablePointer<Float>) {
        run(inputs[0], out)
    }

    func run(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
        let cinG = cin / groups, coutG = cout / groups, plane = ho * wo
        weight.withUnsafeBufferPointer { wp in
            for o in 0..<cout {
                let y = out + o * plane
                y.update(repeating: bias[o], count: plane)
                let g = o / coutG
                for ci in 0..<cinG {
                    let xc = x + (g * cinG + ci) * h * w
                    for a in 0..<kh {
                        for b in 0..<kw {
                            let k = wp[((o * cinG + ci) * kh + a) * kw + b]
                            if k == 0 { continue }
                            let offW = b * dw - pw
                            // Output columns whose input column lies inside [0, w).
                            var lo = 0
                            while lo < wo, lo * sw + offW < 0 { lo += 1 }
                            var hi = wo
                            while hi > lo, (hi - 1) * sw + offW >= w { hi -= 1 }
                            for r in 0..<ho {
                                let row = r * sh + a * dh - ph
                                if row < 0 || row >= h { continue }
                                let src = xc + row * w + offW, dst = y + r * wo
                                if sw == 1 {
                                    CPUMath.axpy(hi - lo, k, src + lo, dst + lo)
                                } else {
                                    var col = lo
                                    while col < hi {
                                        dst[col] += k * src[col * sw]
                                        col += 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Conv2d (and its kinds) or Conv1d from a node's fields.
    static func make(_ c: CPUKernelContext, rank: Int) throws -> ConvKernel {
        let input = try spatialShape(c, rank: rank)
        guard let ws = c.shape("weight"), ws.count == rank + 2 else { throw c.fail("weight must be \(rank + 2)-D", .invalidArgument) }
        let groups = c.node["groups"]?.int ?? 1
        let bias = try c.optionalFloats("bias", weights: true)
        let weight = try c.floats("weight", weights: true)
        if rank == 1 {
            let s = c.ints("stride", 1, default: 1)[0], p = c.ints("padding", 1, default: 0)[0], d = c.ints("dilation", 1, default: 1)[0]
            let k = try ConvKernel(c, input: [input[0], 1, input[1]], weight: weight, weightShape: [ws[0], ws[1], 1, ws[2]], bias: bias,
                                   stride: [1, s], padding: [0, p], dilation: [1, d], groups: groups)
            k.outputShape = [k.cout, k.wo]
            return k
        }
        return try ConvKernel(c, input: input, weight: weight, weightShape: ws, bias: bias,
                              stride: c.ints("stride", 2, default: 1), padding: c.ints("padding", 2, default: 0),
                              dilation: c.ints("dilation", 2, default: 1), groups: groups)
    }
}

/// Depthwise-separable convolution: a depthwise ConvKernel (groups = channels), then a 1x1
/// pointwise one; the intermediate plane lives in the state buffer.
final class SepConvKernel: CPUKernel {
    let depthwise: ConvKernel
    let pointwise: ConvKernel
    var outputShape: [Int] { pointwise.outputShape }
    var stateSize: Int { depthwise.outputCount }
    var macs: Int { depthwise.macs + pointwise.macs }

    init(_ c: CPUKernelContext) throws {
        let input = try spatialShape(c, rank: 2)
        guard let dws = c.shape("depthwise_weight"), let pws = c.shape("pointwise_weight") else { throw c.fail("weights missing", .invalidArgument) }
        depthwise = try ConvKernel(c, input: input, weight: try c.floats("depthwise_weight", weights: true), weightShape: dws,
                                   bias: try c.optionalFloats("depthwise_bias", weights: true), stride: c.ints("stride", 2, default: 1),
                                   padding: c.ints("padding", 2, default: 0), dilation: c.ints("dilation", 2, default: 1), groups: input[0])
        pointwise = try ConvKernel(c, input: depthwise.outputShape, weight: try c.floats("pointwise_weight", weights: true), weightShape: pws,
                                   bias: try c.optionalFloats("pointwise_bias", weights: true), stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1)
    }

    func step(_ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, _ out: UnsafeMutablePointer<Float>, _ state: UnsafeMutablePointer<Float>) {
        depthwise.run(inputs[0], state)
        pointwise.run(UnsafePointer(state), out)
    }
}

/// Max, average and sum pooling (MaxPool2d with dilation, AvgPool2d with count_include_pad,
/// NIR SumPool2d), ceil mode included.
final class PoolKernel: CPUKernel {
    enum Kind { case max, average, sum }
    let kind: Kind
    let c: Int, h: Int, w: Int, kh: Int, kw: Int, sh: Int, sw: Int, ph: Int, pw: Int, dh: Int, dw: Int
    let ho: Int, wo: Int
    let includePad: Bool
    let outputShape: [Int]

    init(_ ctx: CPUKernelContext, kind: Kind) throws {
        self.kind = kind
        let s = try spatialShape(ctx, rank: 2)
        (c, h, w) = (s[0], s[1], s[2])
        let k = ctx.ints("kernel_size", 2, default: 2)
        (kh, kw) = (k[0], k[1])
        let st = ctx.node["stride"].flatMap { $0.isNone ? nil : $0 } == nil ? k : ctx.ints("stride", 2, default: 1)
        (sh, sw) = (st[0], st[1])
        let p = ctx.ints("padding", 2, default: 0)
        (ph, pw) = (p[0], p[1])
        let d = kind == .max ? ctx.ints("dilation", 2, default: 1) : [1, 1]
        (dh, dw) = (d[0], d[1])
        guard kh > 0, kw > 0, sh > 0, sw > 0, dh > 0, dw > 0, ph >= 0, pw >= 0 else { throw ctx.fail("kernel, stride and dilation must be positive", .invalidArgument) }
        let ceil = ctx.node["ceil_mode"]?.bool ?? false
        includePad = ctx.node["count_include_pad"]?.bool ?? true
        ho = sweepLength(h, kernel: kh, stride: sh, padding: ph, dilation: dh, ceil: ceil)
        wo = sweepLength(w, kernel: kw, stride: sw, padding: pw, dilation: dw, ceil: ceil)
        guard ho > 0, wo > 0 else { throw ctx.fail("the window does not fit the input \(s)") }
        outputShape = [c, ho, wo]
    }

    func step(_ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, _ out: UnsafeMutablePointer<Float>, _ state: UnsafeMutablePointer<Float>) {
        let x = inputs[0]
        for ch in 0..<c {
            let xc = x + ch * h * w
            for r in 0..<ho {
                for q in 0..<wo {
                    let r0 = r * sh - ph, q0 = q * sw - pw
                    var acc: Float = kind == .max ? -.infinity : 0
                    var n = 0
                    for a in 0..<kh {
                        let row = r0 + a * dh
                        if row < 0 || row >= h { continue }
                        for b in 0..<kw {
                            let col = q0 + b * dw
                            if col < 0 || col >= w { continue }
                            let v = xc[row * w + col]
                            if kind == .max { acc = Swift.max(acc, v) } else { acc += v }
                            n += 1
                        }
                    }
                    if kind == .average {
                        // PyTorch's divisor: the window clipped to the padded input, or to the input.
                        let rEnd = Swift.min(r0 + kh, h + ph), qEnd = Swift.min(q0 + kw, w + pw)
                        let padded = (rEnd - r0) * (qEnd - q0)
                        acc /= Float(includePad ? padded : Swift.max(n, 1))
                    }
                    out[(ch * ho + r) * wo + q] = acc
                }
            }
        }
    }
}

/// Nearest and bilinear upsampling (PyTorch's coordinate rules, align_corners included).
final class UpsampleKernel: CPUKernel {
    let c: Int, h: Int, w: Int, ho: Int, wo: Int
    let bilinear: Bool, alignCorners: Bool
    let outputShape: [Int]

    init(_ ctx: CPUKernelContext) throws {
        let s = try spatialShape(ctx, rank: 2)
        (c, h, w) = (s[0], s[1], s[2])
        if let size = ctx.node["size"], !size.isNone {
            let v = ctx.ints("size", 2, default: 1)
            (ho, wo) = (v[0], v[1])
        } else {
            let f = ctx.node["scale_factor"]?.double ?? 2
            (ho, wo) = (Int(Double(h) * f), Int(Double(w) * f))
        }
        guard ho > 0, wo > 0 else { throw ctx.fail("upsampled size is empty", .invalidArgument) }
        bilinear = ctx.node["mode"]?.string == "bilinear"
        alignCorners = ctx.node["align_corners"]?.bool ?? false
        outputShape = [c, ho, wo]
    }

    /// The source coordinate of output index `i` along an axis of `n` -> `m` values.
    private func source(_ i: Int, _ n: Int, _ m: Int) -> Float {
        if alignCorners { return m > 1 ? Float(i) * Float(n - 1) / Float(m - 1) : 0 }
        return Swift.max((Float(i) + 0.5) * Float(n) / Float(m) - 0.5, 0)
    }

    func step(_ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, _ out: UnsafeMutablePointer<Float>, _ state: UnsafeMutablePointer<Float>) {
        let x = inputs[0]
        for ch in 0..<c {
            let xc = x + ch * h * w, y = out + ch * ho * wo
            for r in 0..<ho {
                for q in 0..<wo {
                    if !bilinear {
                        let sr = Swift.min(Int(Float(r) * Float(h) / Float(ho)), h - 1)
                        let sq = Swift.min(Int(Float(q) * Float(w) / Float(wo)), w - 1)
                        y[r * wo + q] = xc[sr * w + sq]
                        continue
                    }
                    let fr = source(r, h, ho), fq = source(q, w, wo)
                    let r0 = Swift.min(Int(fr), h - 1), q0 = Swift.min(Int(fq), w - 1)
                    let r1 = Swift.min(r0 + 1, h - 1), q1 = Swift.min(q0 + 1, w - 1)
                    let lr = fr - Float(r0), lq = fq - Float(q0)
                    let top = xc[r0 * w + q0] * (1 - lq) + xc[r0 * w + q1] * lq
                    let bottom = xc[r1 * w + q0] * (1 - lq) + xc[r1 * w + q1] * lq
                    y[r * wo + q] = top * (1 - lr) + bottom * lr
                }
            }
        }
    }
}
