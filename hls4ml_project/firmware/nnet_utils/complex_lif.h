// Run-time configurable LIF layer: leak_mode_enum 0 = subtractive (v + x - leak), else multiplicative (v * leak + x); v never below 0; each neuron spikes at most once until do_reset (a one-shot latch).
// Celesta's kernel (written for Celesta's fpga build_bitstream; header-only HLS C++, no
// dynamic memory). One call = one time step. State: function-local statics, one set per
// CONFIG_T; `reset` clears it before the step. Arithmetic in res_T (ap_fixed rounding and
// overflow happen when a value is stored into res_T).
#ifndef CELESTA_NNET_COMPLEX_LIF_H_
#define CELESTA_NNET_COMPLEX_LIF_H_

#include "ap_fixed.h"

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

namespace nnet {

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

} // namespace nnet

#endif
