import CelestaIR
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// Writing a model as an HLS project folder.
public enum HLSProject {
    /// What `write` did: the files (relative paths) and the warnings about the weights.
    public struct Result: Sendable {
        public var files: [String]
        public var warnings: [String]
    }

    /// Writes the project of `model` to `dir`. A folder that exists and is not empty is refused
    /// unless `overwrite`; the project is written to a temporary folder next to `dir` and then
    /// renamed, so a failure leaves `dir` as it was. `apTypes`: the ap_types folder written
    /// into build_lib.sh as its default (found as `HLSToolchain.findAPTypes` finds it when nil;
    /// the project is written even when none is found).
    @discardableResult
    public static func write(_ model: HLSModel, to dir: String, overwrite: Bool = false, apTypes: String? = nil) throws -> Result {
        try model.validate()
        try ProjectFolder.check(dir, overwrite: overwrite)
        let ap = (try? HLSToolchain.findAPTypes(apTypes)) ?? apTypes ?? "/path/to/ap_types"
        let files = ProjectFiles(model, apTypes: ap).all()
        try ProjectFolder.write(files, to: dir, overwrite: overwrite, executable: ["build_lib.sh"])
        return Result(files: files.map(\.path).sorted(), warnings: model.weightWarnings())
    }
}

extension HLSModel {
    /// Checks that the model can be generated and simulated: shapes, a non-empty name, a
    /// readout only as the last layer.
    public func validate() throws {
        guard !projectName.isEmpty, projectName.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }),
              !projectName.first!.isNumber else {
            throw CelestaError(.invalidArgument, "project name '\(projectName)' must be a C identifier")
        }
        var width = input.n
        for (k, layer) in layers.enumerated() {
            if case .readout = layer.kind, k != layers.count - 1 {
                throw CelestaError(.invalidArgument, "layer '\(layer.name)': an SNNReadout must be the last layer")
            }
            let nIn: Int
            switch layer.kind {
            case .dense(let d): nIn = d.nIn
            case .ifNeuron(let n), .lifNeuron(let n): nIn = n.n
            case .readout(let r): nIn = r.nClasses
            }
            guard nIn == width else {
                throw CelestaError(.shapeMismatch, "layer '\(layer.name)': takes \(nIn) inputs but the previous layer gives \(width)")
            }
            for slot in layer.slots where layer.types[slot] == nil {
                throw CelestaError(.invalidArgument, "layer '\(layer.name)': no type for \(slot)")
            }
            width = layer.outputWidth
        }
    }

    /// Parameters that do not fit their type: under a saturating type they are clamped, under
    /// AP_WRAP they wrap around. One warning per layer and array, with the count.
    public func weightWarnings() -> [String] {
        var out: [String] = []
        func check(_ layer: String, _ what: String, _ values: [Double], _ t: FixedType) {
            var count = 0
            var worst = 0.0
            for v in values {
                let got = t.value(t.storeArrayElement(v))
                let lsb = scaled(1, by: -t.fracBits)
                // outside the range: stored value far from the nominal one (more than an LSB)
                if abs(got - v) >= lsb {
                    count += 1
                    if abs(v) > abs(worst) { worst = v }
                }
            }
            guard count > 0 else { return }
            let how = t.overflow == .wrap ? "wrap around under AP_WRAP" : "are clamped under \(t.overflow.rawValue)"
            out.append("layer '\(layer)': \(count) of \(values.count) \(what) values do not fit \(t) and \(how) (e.g. \(worst) -> \(t.value(t.storeArrayElement(worst))))")
        }
        for layer in layers {
            switch layer.kind {
            case .dense(let d):
                check(layer.name, "weight", d.weight, layer.type("weight_t"))
                check(layer.name, "bias", d.bias, layer.type("bias_t"))
            case .ifNeuron(let n), .lifNeuron(let n):
                if case .vector(let v) = n.threshold { check(layer.name, "threshold", v, layer.type("threshold_t")) }
                if case .vector(let v)? = n.beta { check(layer.name, "beta", v, layer.type("beta_t")) }
            case .readout: break
            }
        }
        return out
    }
}
