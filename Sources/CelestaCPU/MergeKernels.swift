import CelestaIR

/// Joins several inputs: sum (Skip residual/add), concatenation along an axis (Concat, Skip
/// concatenate/concat) or the first input alone (Skip passthrough/identity).
final class MergeKernel: CPUKernel {
    enum Rule { case sum, concat, first }
    let rule: Rule
    let outputShape: [Int]
    let counts: [Int]
    /// Concatenation: the blocks before the axis and each input's block after it.
    let outer: Int
    let chunks: [Int]
    var mergesInputs: Bool { false }

    init(_ c: CPUKernelContext, rule: Rule, dim: Int = 0) throws {
        self.rule = rule
        let shapes = c.inputShapes.isEmpty ? [[Int]()] : c.inputShapes
        counts = shapes.map { $0.reduce(1, *) }
        switch rule {
        case .first:
            outputShape = shapes[0]; outer = 1; chunks = []
        case .sum:
            guard Set(counts).count == 1 else { throw c.fail("cannot add inputs of shapes \(shapes)") }
            outputShape = shapes[0]; outer = 1; chunks = []
        case .concat:
            let rank = shapes[0].count
            let d = dim < 0 ? dim + rank : dim
            guard rank > 0, d >= 0, d < rank, shapes.allSatisfy({ $0.count == rank }) else { throw c.fail("cannot concatenate shapes \(shapes) along dim \(dim)") }
            for s in shapes where Array(s[..<d]) != Array(shapes[0][..<d]) || Array(s[(d + 1)...]) != Array(shapes[0][(d + 1)...]) {
                throw c.fail("cannot concatenate shapes \(shapes) along dim \(dim)")
            }
            var out = shapes[0]
            out[d] = shapes.map { $0[d] }.reduce(0, +)
            outputShape = out
            outer = shapes[0][..<d].reduce(1, *)
            let inner = shapes[0][(d + 1)...].reduce(1, *)
            chunks = shapes.map { $0[d] * inner }
        }
    }

    func step(_ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, _ out: UnsafeMutablePointer<Float>, _ state: UnsafeMutablePointer<Float>) {
        switch rule {
        case .first:
            out.update(from: inputs[0], count: counts[0])
        case .sum:
            out.update(from: inputs[0], count: counts[0])
            for k in 1..<inputs.count { CPUMath.add(counts[0], inputs[k], out) }
        case .concat:
            var o = out
            for b in 0..<outer {
                for (k, x) in inputs.enumerated() {
                    (o).update(from: x + b * chunks[k], count: chunks[k])
                    o += chunks[k]
                }
            }
        }
    }
}

/// ChannelSplit: the output is the input; each outgoing edge (in edge order) carries one section
/// of `split_sections` along `dim` (sections are contiguous when the axes before `dim` are 1).
final class SplitKernel: CPUKernel {
    let outputShape: [Int]
    let portSlices: [(offset: Int, shape: [Int])]?

    init(_ c: CPUKernelContext) throws {
        outputShape = c.inputShape
        let sections = c.node["split_sections"]?.ints ?? []
        var d = c.node["dim"]?.int ?? 0
        let s = c.inputShape
        if d < 0 { d += s.count }
        guard d >= 0, d < s.count, s[..<d].allSatisfy({ $0 == 1 }) else { throw c.fail("can split only along the first non-unit axis of \(s)", .unsupported) }
        guard sections.reduce(0, +) == s[d], sections.allSatisfy({ $0 > 0 }) else { throw c.fail("split_sections \(sections) do not sum to \(s[d])") }
        let inner = s[(d + 1)...].reduce(1, *)
        var offset = 0
        var slices: [(offset: Int, shape: [Int])] = []
        for n in sections {
            var shape = s
            shape[d] = n
            slices.append((offset, shape))
            offset += n * inner
        }
        portSlices = slices
    }

    func step(_ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, _ out: UnsafeMutablePointer<Float>, _ state: UnsafeMutablePointer<Float>) {
        out.update(from: inputs[0], count: outputShape.reduce(1, *))
    }
}
