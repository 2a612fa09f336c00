import CCPUFeatures
import CelestaIR
import CelestaWideKernels
#if canImport(Glibc)
import Glibc
#endif

/// Whether the dense layers run CelestaWideKernels' AVX2 loop (bit-identical to the portable
/// SIMD8 loops): on x86-64-v3 CPUs, unless CELESTA_PORTABLE_KERNELS is set (checked once).
enum CPUWideKernels {
    static let available = ccpu_x86_64_v3() != 0 && getenv("CELESTA_PORTABLE_KERNELS") == nil
}

/// y = W x + b (Affine, SpikingAffine, NIR Linear). The weights are kept transposed, one row
/// per input: each non-zero input adds its row scaled (a spike adds it as is), so a sparse
/// binary input costs only its events and a dense one streams the rows with vector adds.
final class DenseKernel: CPUKernel {
    let inputs: Int
    let outputs: Int
    /// W transposed: `inputs` rows of `outputs` values. (Summation order: bias, then the active
    /// inputs four at a time.)
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
        let x = inputs[0], n = outputs, count = self.inputs
        bias.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: n) }
        rows.withUnsafeBufferPointer { w in
            let base = w.baseAddress!
            // The events: the inputs that are not zero (all of a dense input), four rows a pass.
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: count) { active in
                var m = 0
                for j in 0..<count where x[j] != 0 {
                    active[m] = Int32(j)
                    m += 1
                }
                if CPUWideKernels.available {
                    wideDenseAccumulate(n, base, x, UnsafePointer(active.baseAddress!), m, out)
                    return
                }
                var k = 0
                while k + 4 <= m {
                    let j0 = Int(active[k]), j1 = Int(active[k + 1]), j2 = Int(active[k + 2]), j3 = Int(active[k + 3])
                    CPUMath.axpy4(n, SIMD4(x[j0], x[j1], x[j2], x[j3]), base + j0 * n, base + j1 * n, base + j2 * n, base + j3 * n, out)
                    k += 4
                }
                while k < m {
                    let j = Int(active[k])
                    if x[j] == 1 { CPUMath.add(n, base + j * n, out) } else { CPUMath.axpy(n, x[j], base + j * n, out) }
                    k += 1
                }
            }
        }
    }
}
