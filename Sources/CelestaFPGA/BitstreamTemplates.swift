/// Celesta's own neuron kernels for the four template headers of TALON's fpga project
/// (`firmware/nnet_utils/*.h`, README §18): written from the specification, with TALON's
/// interface (namespace `nnet`, the functions' names and template parameters, the config
/// fields `n_in`, `n_out`, `threshold`, `leak`) so that code written against TALON's headers
/// compiles against these. Each header stands alone (it needs only ap_types) and defines the
/// `nnet::lif_config` base that TALON's `parameters.h` derives its neuron configs from.
///
/// One call is one time step; the state lives in function-local statics (one set per config
/// struct), every kernel has a `reset` argument that clears it first (the start of a window).
enum BitstreamTemplates {
    /// The four headers, in TALON's order: (path relative to the project, text).
    static var all: [(path: String, text: String)] {
        [("firmware/nnet_utils/if_model.h", ifModel), ("firmware/nnet_utils/lif_model.h", lifModel),
         ("firmware/nnet_utils/lif_subtractive_model.h", lifSubtractive), ("firmware/nnet_utils/complex_lif.h", complexLIF)]
    }

    /// The base config, shared by the four headers (guarded: any of them may come first).
    static let baseConfig = """
    #ifndef CELESTA_NNET_LIF_CONFIG_H_
    #define CELESTA_NNET_LIF_CONFIG_H_
    namespace nnet {
    // Defaults of a neuron layer's configuration; parameters.h derives each layer's config
    // from it and sets n_in, n_out, threshold and leak.
    struct lif_config {
        static const unsigned n_in = 1;
        static const unsigned n_out = 1;
        static constexpr float threshold = 1.0f;
        static constexpr float leak = 0.0f;
    };
    } // namespace nnet
    #endif
    """

    static func header(_ guardName: String, _ comment: String, _ body: String) -> String {
        """
        // \(comment)
        // Celesta's kernel (written for Celesta's fpga build_bitstream; header-only HLS C++, no
        // dynamic memory). One call = one time step. State: function-local statics, one set per
        // CONFIG_T; `reset` clears it before the step. Arithmetic in res_T (ap_fixed rounding and
        // overflow happen when a value is stored into res_T).
        #ifndef \(guardName)
        #define \(guardName)

        #include "ap_fixed.h"

        \(baseConfig)

        namespace nnet {

        \(body)

        } // namespace nnet

        #endif

        """
    }

    /// A layer of neurons with one membrane each: `constants` (lines declaring the config's
    /// values in res_T), `update` (the new membrane `v` from `kept` and the input), then a spike
    /// (1) and v = 0 once v >= theta.
    static func neuronLayer(_ function: String, _ loop: String, constants: [String], update: [String]) -> String {
        let c = constants.map { "    \($0)\n" }.joined(), u = update.map { "        \($0)\n" }.joined()
        return """
        template <class data_T, class res_T, typename CONFIG_T>
        void \(function)(data_T input[CONFIG_T::n_in], res_T output[CONFIG_T::n_out], bool reset = false) {
            static res_T membrane[CONFIG_T::n_out];
            #pragma HLS ARRAY_PARTITION variable=membrane complete
            const res_T theta = (res_T)CONFIG_T::threshold;
        \(c)\(loop):
            for (unsigned i = 0; i < CONFIG_T::n_out; i++) {
                #pragma HLS UNROLL
                const res_T kept = reset ? (res_T)0 : membrane[i];
        \(u)        const bool fire = !(v < theta);
                output[i] = fire ? (res_T)1 : (res_T)0;
                membrane[i] = fire ? (res_T)0 : v;
            }
        }
        """
    }

    static let ifModel = header("CELESTA_NNET_IF_MODEL_H_", "Integrate-and-fire layer: v += x; a spike (1) and v = 0 once v >= threshold.",
                                neuronLayer("if_layer", "IFStep", constants: [], update: ["const res_T v = (res_T)(kept + (res_T)input[i]);"]))

    static let lifModel = header(
        "CELESTA_NNET_LIF_MODEL_H_",
        "Leaky integrate-and-fire layer, multiplicative leak: v = v * beta + x (beta = CONFIG_T::leak); a spike and v = 0 once v >= threshold.",
        neuronLayer("lif_layer", "LIFStep", constants: ["const res_T beta = (res_T)CONFIG_T::leak;"],
                    update: ["const res_T v = (res_T)(kept * beta + (res_T)input[i]);  // one rounding, as hls4ml's LIF"]))

    static let lifSubtractive = header(
        "CELESTA_NNET_LIF_SUBTRACTIVE_MODEL_H_",
        "Leaky integrate-and-fire layer, subtractive leak: v = max(v + x - leak, 0); a spike and v = 0 once v >= threshold.",
        neuronLayer("lif_subtractive_layer", "SubtractiveLIFStep", constants: ["const res_T drop = (res_T)CONFIG_T::leak;"],
                    update: ["res_T v = (res_T)(kept + (res_T)input[i] - drop);", "if (v < (res_T)0) v = (res_T)0;"]))

    static let complexLIF = header("CELESTA_NNET_COMPLEX_LIF_H_",
                                   "Run-time configurable LIF layer: leak_mode_enum 0 = subtractive (v + x - leak), else multiplicative (v * leak + x); v never below 0; each neuron spikes at most once until do_reset (a one-shot latch).", """
    template <class data_T, class res_T, typename CONFIG_T>
    void complex_lif_layer(data_T input[CONFIG_T::n_in], res_T output[CONFIG_T::n_in], float threshold_val, float leak_val,
                           int leak_mode_enum, bool do_reset) {
        static res_T membrane[CONFIG_T::n_in];
        static bool latched[CONFIG_T::n_in];
        #pragma HLS ARRAY_PARTITION variable=membrane complete
        #pragma HLS ARRAY_PARTITION variable=latched complete
        const res_T theta = (res_T)threshold_val;
        const res_T leak = (res_T)leak_val;
        const bool subtractive = leak_mode_enum == 0;
    ComplexLIFStep:
        for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
            #pragma HLS PIPELINE II=1
            const res_T kept = do_reset ? (res_T)0 : membrane[i];
            const bool spent = do_reset ? false : latched[i];
            res_T v = subtractive ? (res_T)(kept + (res_T)input[i] - leak) : (res_T)(kept * leak + (res_T)input[i]);
            if (v < (res_T)0) v = (res_T)0;
            const bool fire = !spent && !(v < theta);
            output[i] = fire ? (res_T)1 : (res_T)0;
            membrane[i] = fire ? (res_T)0 : v;
            latched[i] = spent || fire;
        }
    }
    """)
}
