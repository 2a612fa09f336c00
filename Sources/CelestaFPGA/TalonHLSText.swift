import CelestaIR

/// The two files of TALON's fpga `build_bitstream` that are data formats, written byte for
/// byte as TALON writes them (reference README §18): `firmware/parameters.h` (one config
/// struct per node) and `hls4ml_config.json`. Celesta's own files of that project are in
/// `BitstreamTemplates` and `BitstreamScripts`.
enum TalonHLSText {
    /// The header: include guard, the nnet_utils includes, `model_default_t`, then `configN`
    /// for the N-th non-I/O node in execution order (`order`): Affine -> dense_config, Conv2d ->
    /// conv2d_config, LIF -> lif_config, Max/AvgPool2d -> pooling2d_config, BatchNorm2d ->
    /// batchnorm_config, ReLU/Sigmoid -> activ_config; any other node a "skipped" comment. A
    /// node's own type (`weight_t` ...) or reuse factor wins over the defaults (an empty type
    /// or a reuse factor of 0 counts as none, as in TALON).
    static func parameters(_ graph: IRGraph, order: [String], defaultPrecision: String, defaultReuse: Int, ioType: String) -> String {
        var out = """
        #ifndef PARAMETERS_H_
        #define PARAMETERS_H_

        #include "ap_fixed.h"
        #include "ap_int.h"
        #include "nnet_utils/nnet_common.h"
        #include "nnet_utils/nnet_helpers.h"
        #include "nnet_utils/nnet_activation.h"
        #include "nnet_utils/nnet_dense.h"
        #include "nnet_utils/nnet_conv2d.h"
        #include "nnet_utils/nnet_pooling.h"
        #include "nnet_utils/nnet_batchnorm.h"
        #include "nnet_utils/complex_lif.h"

        typedef \(defaultPrecision) model_default_t;


        """
        let io = ioType == "io_parallel" ? "nnet::io_parallel" : "nnet::io_stream"
        var index = 0
        for name in order {
            guard let node = graph.node(name), !BackendDescriptor.isPort(node) else { continue }
            index += 1
            func type(_ key: String, _ fallback: String) -> String {
                if case .string(let s)? = node[key], !s.isEmpty { return s }
                return fallback
            }
            var reuse = defaultReuse
            if case .int(let r)? = node["reuse_factor"], r != 0 { reuse = r }
            var body: [String]
            var base: String
            let w = node.tensor("weight")?.shape ?? []
            switch node.type {
            case "Affine":
                base = "dense_config"
                let nonzero = node.tensor("weight").map { t in (0..<t.count).reduce(0) { $0 + (t.double(at: $1) != 0 ? 1 : 0) } } ?? 0
                body = [unsigned("n_in", w.count > 1 ? w[1] : 0), unsigned("n_out", w.first ?? 0), unsigned("io_type", io),
                        unsigned("reuse_factor", reuse), unsigned("n_zeros", 0), unsigned("n_nonzeros", nonzero),
                        "static const bool store_weights_in_bram = false;", typedef(type("accum_t", defaultPrecision), "accum_t"),
                        typedef(type("bias_t", "model_default_t"), "bias_t"), typedef(type("weight_t", defaultPrecision), "weight_t"),
                        typedef("ap_uint<1>", "index_t")]
            case "Conv2d":
                base = "conv2d_config"
                let s = FPGABackend.pair(node["stride"], (1, 1)), p = FPGABackend.pair(node["padding"], (0, 0))
                func dim(_ k: Int) -> Int { k < w.count ? w[k] : 0 }
                body = [unsigned("n_filt", dim(0)), unsigned("n_chan", dim(1)), unsigned("filt_height", dim(2)), unsigned("filt_width", dim(3)),
                        unsigned("stride_height", s.0), unsigned("stride_width", s.1), unsigned("pad_top", p.0), unsigned("pad_bottom", p.0),
                        unsigned("pad_left", p.1), unsigned("pad_right", p.1), unsigned("reuse_factor", reuse),
                        typedef(type("accum_t", defaultPrecision), "accum_t"), typedef(type("bias_t", "model_default_t"), "bias_t"),
                        typedef(type("weight_t", defaultPrecision), "weight_t")]
            case "LIF":
                base = "lif_config"
                let tau = node.tensor("tau"), thr = node.tensor("v_threshold")
                let n = tau?.shape.first ?? tau?.count ?? 0
                let threshold = thr.map { $0.count > 0 ? $0.double(at: 0) : 0 } ?? 0
                let leak = tau.map { $0.count > 0 ? 1 - 1 / $0.double(at: 0) : 0 } ?? 0
                body = [unsigned("n_in", n), unsigned("n_out", n), "static constexpr float threshold = \(PythonFormat.repr(threshold))f;",
                        "static constexpr float leak = \(PythonFormat.fixed(leak, digits: 6))f;"]
            case "MaxPool2d", "AvgPool2d":
                base = "pooling2d_config"
                let k = FPGABackend.pair(node["kernel_size"], (2, 2)), s = FPGABackend.pair(node["stride"], k), p = FPGABackend.pair(node["padding"], (0, 0))
                body = [unsigned("pool_height", k.0), unsigned("pool_width", k.1), unsigned("stride_height", s.0), unsigned("stride_width", s.1),
                        unsigned("pad_top", p.0), unsigned("pad_bottom", p.0), unsigned("pad_left", p.1), unsigned("pad_right", p.1),
                        "static const nnet::Pool_Op pool_op = nnet::Pool_Op::\(node.type == "MaxPool2d" ? "Max" : "Average");"]
            case "BatchNorm2d":
                base = "batchnorm_config"
                let features = node["num_features"]?.int ?? 0
                body = [unsigned("n_in", features), unsigned("n_filt", features), unsigned("io_type", io), unsigned("reuse_factor", reuse),
                        typedef(type("bias_t", "model_default_t"), "bias_t"), typedef(type("weight_t", defaultPrecision), "scale_t")]
            case "ReLU", "Sigmoid":
                base = "activ_config"
                body = [unsigned("n_in", node["features"]?.int ?? 0), unsigned("table_size", 1024), typedef(defaultPrecision, "table_t")]
            default:
                out += "// config\(index): \(name) (\(node.type)) -- skipped\n\n"
                continue
            }
            out += "struct config\(index) : nnet::\(base) {\n" + body.map { "    \($0)\n" }.joined() + "};  // \(name)\n\n"
        }
        return out + "#endif"
    }

    private static func unsigned(_ name: String, _ value: Int) -> String { "static const unsigned \(name) = \(value);" }
    private static func unsigned(_ name: String, _ value: String) -> String { "static const unsigned \(name) = \(value);" }
    private static func typedef(_ type: String, _ name: String) -> String { "typedef \(type) \(name);" }

    /// `hls4ml_config.json`: the compile's configuration without `PytorchModel`, `InputShape`
    /// and `Layers`, `HLSConfig.InputShape` = "None, d1, d2, ..." ("None" without an input
    /// shape), then `PytorchModel` "./model.pt"; Python's `json.dumps(indent=2)`.
    static func configJSON(_ config: IRDict) -> String {
        var doc = IRDict()
        for e in config.entries where !["PytorchModel", "InputShape", "Layers"].contains(e.key) {
            var value = e.value
            if e.key == "HLSConfig", case .dict(var hls) = value {
                let dims = (config["InputShape"]?.ints ?? []).map(String.init)
                hls["InputShape"] = .string((["None"] + dims).joined(separator: ", "))
                value = .dict(hls)
            }
            doc.appendNew(e.key, value)
        }
        doc.appendNew("PytorchModel", .string("./model.pt"))
        return PythonJSON.dumpsIndented(.dict(doc))
    }
}
