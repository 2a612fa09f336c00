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

typedef ap_fixed<16,6> model_default_t;

struct config1 : nnet::dense_config {
    static const unsigned n_in = 784;
    static const unsigned n_out = 128;
    static const unsigned io_type = nnet::io_stream;
    static const unsigned reuse_factor = 1;
    static const unsigned n_zeros = 0;
    static const unsigned n_nonzeros = 100352;
    static const bool store_weights_in_bram = false;
    typedef ap_fixed<16,6> accum_t;
    typedef model_default_t bias_t;
    typedef ap_fixed<16,6> weight_t;
    typedef ap_uint<1> index_t;
};  // fc1

struct config2 : nnet::lif_config {
    static const unsigned n_in = 128;
    static const unsigned n_out = 128;
    static constexpr float threshold = 1.0f;
    static constexpr float leak = 0.900000f;
};  // lif1

struct config3 : nnet::dense_config {
    static const unsigned n_in = 128;
    static const unsigned n_out = 10;
    static const unsigned io_type = nnet::io_stream;
    static const unsigned reuse_factor = 1;
    static const unsigned n_zeros = 0;
    static const unsigned n_nonzeros = 1280;
    static const bool store_weights_in_bram = false;
    typedef ap_fixed<16,6> accum_t;
    typedef model_default_t bias_t;
    typedef ap_fixed<16,6> weight_t;
    typedef ap_uint<1> index_t;
};  // fc2

struct config4 : nnet::lif_config {
    static const unsigned n_in = 10;
    static const unsigned n_out = 10;
    static constexpr float threshold = 1.0f;
    static constexpr float leak = 0.900000f;
};  // lif2

#endif