import CelestaIR

/// y = W x + b (Affine, SpikingAffine, NIR Linear). The weights are kept transposed, one row
/// per input: each non-zero input adds its row scaled (a spike adds it as is), so a sparse
/// binary input costs only its events and a dense one streams the rows with vector adds.
final class DenseKernel: CPUKernel {
    let inputs: Int
    let outputs: Int
    /// W transposed: `inputs` rows of `outputs` values.
    let rows: [Float]
    let bias: [Float]
    let outputShape: [Int]
    var macs: Int { inputs * outputs }

    init(_ c: CPUKernelContext, biasField: String?) throws {
        guard let w = c.shape("weight"), w.count == 2 else { throw c.fail("weight must be 2-D", .invalidArgument) }
        outputs = w[0]
        inputs = w[1]
        guard c.inputCount == inputs else {
            throw c.fail("the input has \(c.inputCount) values (shape \(c.inputShape)) but the weight takes \(inputs)")
        }
        let weight = try c.floats("weight", weights: true)
        var t = [Float](repeating: 0, count: weight.count)
        for o in 0..<outputs { for i in 0..<inputs { t[i * outputs + o] = weight[o * inputs + i] } }
        rows = t
        bias = try biasField.flatMap { try c.optionalFloats($0, weights: true) } ?? [Float](repeating: 0, count: outputs)
        guard bias.count == outputs else { throw c.fail("bias has \(bias.count) values, expected \(outputs)", .invalidArgument) }
        outputShape = [outputs]
    }

    func step(_ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, _ out: UnsafeMutablePointer<Float>, _ state: UnsafeMutablePointer<Float>) {
        let x = inputs[0], n = outputs
        bias.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: n) }
        rows.withUnsafeBufferPointer { w in
            let base = w.baseAddress!
            for j in 0..<self.inputs {
                let a = x[j]
                if a == 0 { continue }
                if a == 1 { CPUMath.add(n, base + j * n, out) } else { CPUMath.axpy(n, a, base + j * n, out) }
            }
        }
    }
}
