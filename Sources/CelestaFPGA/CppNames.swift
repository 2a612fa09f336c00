/// C++ names of a generated project, hls4ml's scheme: the input is layer 1, the following
/// layers 2, 3, ...; tensors `layerN_out` of type `layerN_t` (input `x` of `input_t`, the
/// model output of `result_t`), config structs `configN`, arrays `wN` `bN` `thN` `beN`,
/// parameter types `<layer>_<slot>` (e.g. `fc1_weight_t`).
struct CppNames {
    let model: HLSModel

    func index(_ k: Int) -> Int { k + 2 }
    var inputVar: String { identifier(model.input.name) }
    func outVar(_ k: Int) -> String { "layer\(index(k))_out" }
    func tensorType(_ k: Int) -> String { k == model.layers.count - 1 ? "result_t" : "layer\(index(k))_t" }
    func inVar(_ k: Int) -> String { k == 0 ? inputVar : outVar(k - 1) }
    func inType(_ k: Int) -> String { k == 0 ? "input_t" : tensorType(k - 1) }
    func config(_ k: Int) -> String { "config\(index(k))" }
    func paramType(_ k: Int, _ slot: String) -> String { "\(identifier(model.layers[k].name))_\(slot)" }
    var outputVar: String { model.layers.isEmpty ? inputVar : outVar(model.layers.count - 1) }

    /// A C identifier from a layer name.
    func identifier(_ s: String) -> String {
        var out = String(s.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        if out.isEmpty || out.first!.isNumber { out = "l_" + out }
        return out
    }
}
