// Integrate-and-fire layer: v += x; a spike (1) and v = 0 once v >= threshold.
// Celesta's kernel (written for Celesta's fpga build_bitstream; header-only HLS C++, no
// dynamic memory). One call = one time step. State: function-local statics, one set per
// CONFIG_T; `reset` clears it before the step. Arithmetic in res_T (ap_fixed rounding and
// overflow happen when a value is stored into res_T).
#ifndef CELESTA_NNET_IF_MODEL_H_
#define CELESTA_NNET_IF_MODEL_H_

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
void if_layer(data_T input[CONFIG_T::n_in], res_T output[CONFIG_T::n_out], bool reset = false) {
    static res_T membrane[CONFIG_T::n_out];
    #pragma HLS ARRAY_PARTITION variable=membrane complete
    const res_T theta = (res_T)CONFIG_T::threshold;
IFStep:
    for (unsigned i = 0; i < CONFIG_T::n_out; i++) {
        #pragma HLS UNROLL
        const res_T kept = reset ? (res_T)0 : membrane[i];
        const res_T v = (res_T)(kept + (res_T)input[i]);
        const bool fire = !(v < theta);
        output[i] = fire ? (res_T)1 : (res_T)0;
        membrane[i] = fire ? (res_T)0 : v;
    }
}

} // namespace nnet

#endif
