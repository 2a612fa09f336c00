/// Celesta's own HLS C++ kernels (written from the hls4ml SNN specification, not copied):
/// Dense (latency / resource), IF and LIF neurons, the SNN readout, io_stream wrappers, the
/// C-simulation trace hook and weight loader. The generator writes this text to
/// `firmware/celesta/celesta_snn.h` of every project.
enum HLSKernels {
    static let fileName = "celesta_snn.h"
    static let snnHeader = #"""
// Celesta HLS kernels for spiking networks: Dense, IF and LIF neurons, SNN readout.
// Header-only C++ (C++11 for Vitis HLS, C++17 for the C simulation), no dynamic memory.
// One call of a kernel is one time step; neuron and readout state live in function-local
// statics, so every layer (its own config struct, hence its own template instance) keeps its
// own state across calls. Arithmetic: ap_fixed semantics (exact +,-,*; rounding and overflow
// only when a value is stored into a declared type).
#ifndef CELESTA_SNN_H_
#define CELESTA_SNN_H_

#include "ap_fixed.h"
#include "ap_int.h"
#include "hls_stream.h"

#ifndef __SYNTHESIS__
#include <cmath>
#include <cstdio>
#endif

#if !defined(__SYNTHESIS__) && defined(CELESTA_WEIGHTS_DIR_VARIABLE)
// C simulation compiled once for any folder (Celesta's cached build): WEIGHTS_DIR names this
// variable, defined by a unit linked with the object.
extern "C" const char *const celesta_weights_dir;
#endif

namespace celesta {

// ---------------------------------------------------------------------------------------
// Types shared by the kernels

// One step's vector, as one stream element (io_stream).
template <typename T, unsigned N> struct array {
    typedef T value_type;
    static const unsigned size = N;
    T data[N];
    T &operator[](unsigned i) { return data[i]; }
    const T &operator[](unsigned i) const { return data[i]; }
};

enum io_kind { io_parallel = 0, io_stream = 1 };
enum strategy_kind { latency = 0, resource = 1 };
enum reset_kind { reset_subtract = 0, reset_zero = 1 };
enum readout_mode { readout_spike = 0, readout_membrane = 1 };
enum decision_kind {
    rule_argmax_spike_count = 0,
    rule_first_to_threshold = 1,
    rule_threshold_then_argmax = 2,
    rule_binary_logit = 3,
    rule_argmax_membrane = 4
};

// Element type of a tensor: the type itself (io_parallel) or an array's value_type (io_stream).
template <typename T, typename = void> struct element { typedef T type; };
template <typename T, unsigned N> struct element<array<T, N>, void> { typedef T type; };

// ---------------------------------------------------------------------------------------
// Conversion of a double into a fixed-point type, as ap_types' constructor does it (the exact
// binary value, quantized to the type's LSB with its Q mode, then overflow-handled with its O
// mode). In C simulation, for ap_fixed / ap_ufixed up to 62 bits with N = 0, this computes the
// bits with plain integer arithmetic (one function for every type) instead of instantiating
// ap_types' double constructor per type, which costs the compiler most of a small project's
// compile time. Same numbers; -DCELESTA_AP_CONVERSIONS (or synthesis) uses the constructor.
#if !defined(__SYNTHESIS__) && !defined(CELESTA_AP_CONVERSIONS)
// value * 2^(W-I) of a finite double, quantized and overflow-handled: the type's bits.
inline long long fixed_bits_from_double(double d, int W, int I, bool S, ap_q_mode q, ap_o_mode o) {
    if (d != d || d - d != 0 || d == 0) return 0;   // NaN, infinities, zero
    int e2 = 0;
    const double mant = std::frexp(d, &e2);            // d = mant * 2^e2, 0.5 <= |mant| < 1
    long long m = (long long)std::ldexp(mant, 53);     // exact: |m| < 2^53
    const bool neg = m < 0;
    int s = e2 - 53 + (W - I);                         // the value in LSBs: m * 2^s
    long long v = 0;
    bool far = false;                                  // far outside any range of <= 62 bits
    unsigned long long low = 0;                        // then: the low 64 bits of m * 2^s
    if (s >= 0) {
        if (s <= 9) {
            v = m * (1LL << s);
        } else {
            far = true;
            low = s < 64 ? (unsigned long long)m << s : 0;
        }
    } else {
        int sh = -s;
        if (sh >= 62) { m = neg ? -1 : 1; sh = 2; }      // |value| < 2^-9 LSB: rounds as a quarter LSB
        const long long one = 1LL << sh;
        const long long fl = neg ? -((-m - 1) / one) - 1 : m / one;   // floor(m / 2^sh)
        const long long r = m - fl * one;              // 0 <= r < 2^sh
        v = fl;
        if (r != 0) {
            const long long half = one / 2;
            bool up = false;
            switch (q) {
            case AP_TRN: up = false; break;
            case AP_TRN_ZERO: up = neg; break;
            case AP_RND: up = r >= half; break;
            case AP_RND_ZERO: up = r > half || (r == half && neg); break;
            case AP_RND_MIN_INF: up = r > half; break;
            case AP_RND_INF: up = r > half || (r == half && !neg); break;
            case AP_RND_CONV: up = r > half || (r == half && (fl & 1)); break;
            default: up = false; break;
            }
            if (up) v = fl + 1;
        }
    }
    const long long lo = S ? -(1LL << (W - 1)) : 0;
    const long long hi = S ? (1LL << (W - 1)) - 1 : (1LL << W) - 1;
    if (!far && v >= lo && v <= hi) return o == AP_SAT_SYM && S && v == lo ? lo + 1 : v;
    const bool below = far ? neg : v < 0;
    switch (o) {
    case AP_SAT: return below ? lo : hi;
    case AP_SAT_ZERO: return 0;
    case AP_SAT_SYM: return below ? (S ? -hi : 0) : hi;
    default: {   // AP_WRAP: the low W bits
        const unsigned long long bits = (far ? low : (unsigned long long)v) & ((1ULL << W) - 1);
        return S && (bits >> (W - 1)) & 1 ? (long long)bits - (1LL << W) : (long long)bits;
    }
    }
}

template <class T> struct fixed_spec { enum { direct = 0 }; };
template <int W, int I, ap_q_mode Q, ap_o_mode O, int N> struct fixed_spec<ap_fixed<W, I, Q, O, N> > {
    enum { direct = W <= 62 && N == 0 && O != AP_WRAP_SM, w = W, i = I, s = 1 };
    static const ap_q_mode q = Q;
    static const ap_o_mode o = O;
};
template <int W, int I, ap_q_mode Q, ap_o_mode O, int N> struct fixed_spec<ap_ufixed<W, I, Q, O, N> > {
    enum { direct = W <= 62 && N == 0 && O != AP_WRAP_SM, w = W, i = I, s = 0 };
    static const ap_q_mode q = Q;
    static const ap_o_mode o = O;
};
template <bool> struct direct_tag {};

template <class T> T from_double(double d, direct_tag<true>) {
    typedef fixed_spec<T> spec;
    T t;
    t.setBits((ap_ulong)fixed_bits_from_double(d, spec::w, spec::i, spec::s != 0, spec::q, spec::o));
    return t;
}
template <class T> T from_double(double d, direct_tag<false>) { return T(d); }
template <class T> T from_double(double d) { return from_double<T>(d, direct_tag<fixed_spec<T>::direct != 0>()); }
#else
template <class T> T from_double(double d) { return T(d); }
#endif

// ---------------------------------------------------------------------------------------
// C-simulation trace (never synthesised): each kernel reports its step's values.
#if !defined(__SYNTHESIS__) && defined(CELESTA_TRACE)
inline FILE *&trace_file() {
    static FILE *f = 0;
    return f;
}
template <typename T> void trace_row(const char *layer, const char *key, const T *v, unsigned n) {
    FILE *f = trace_file();
    if (!f) return;
    std::fprintf(f, "%s %s", layer, key);
    for (unsigned i = 0; i < n; i++) std::fprintf(f, " %.17g", (double)v[i]);
    std::fprintf(f, "\n");
}
#define CELESTA_TRACE_ROW(layer, key, v, n) ::celesta::trace_row(layer, key, v, n)
#else
#define CELESTA_TRACE_ROW(layer, key, v, n) ((void)0)
#endif

// ---------------------------------------------------------------------------------------
// Dense: y[j] = C_result( sum_i C_accum(x[i] * w[i][j]) ), accumulated from C_accum(b[j]) in
// input order, each partial sum stored into accum_t.
//
// Weights are [n_in][n_out] row-major for the latency strategy and [n_out][n_in] for the
// resource strategy (the transposed layout keeps one output's weights together in a BRAM
// word sequence). The reuse factor sets the initiation interval; the numbers do not depend
// on it.
// The latency strategy: every product in parallel (the reuse factor shares multipliers).
template <class X, class CONFIG>
void dense_latency_sum(const X x[CONFIG::n_in], const typename CONFIG::weight_t w[CONFIG::n_in * CONFIG::n_out],
                       typename CONFIG::accum_t acc[CONFIG::n_out]) {
#pragma HLS INLINE
#pragma HLS PIPELINE II = CONFIG::reuse_factor
#pragma HLS ARRAY_PARTITION variable = w complete
    for (unsigned i = 0; i < CONFIG::n_in; i++) {
        for (unsigned j = 0; j < CONFIG::n_out; j++) {
#pragma HLS ALLOCATION operation instances = mul limit = CONFIG::multiplier_limit
            typename CONFIG::accum_t p = x[i] * w[i * CONFIG::n_out + j];
            acc[j] = acc[j] + p;
        }
    }
}

// The resource strategy: weights in BRAM, one output's products after another. Each output's
// products are still visited in input order, so a saturating accumulator gives the same value
// as with the latency strategy.
template <class X, class CONFIG>
void dense_resource_sum(const X x[CONFIG::n_in], const typename CONFIG::weight_t w[CONFIG::n_in * CONFIG::n_out],
                        typename CONFIG::accum_t acc[CONFIG::n_out]) {
#pragma HLS INLINE
#pragma HLS ARRAY_RESHAPE variable = w block factor = CONFIG::block_factor
    for (unsigned j = 0; j < CONFIG::n_out; j++) {
        for (unsigned i = 0; i < CONFIG::n_in; i++) {
#pragma HLS PIPELINE II = 1
            typename CONFIG::accum_t p = x[i] * w[j * CONFIG::n_in + i];
            acc[j] = acc[j] + p;
        }
    }
}

template <class X, class Y, class CONFIG>
void dense(const X x[CONFIG::n_in], Y y[CONFIG::n_out],
           const typename CONFIG::weight_t w[CONFIG::n_in * CONFIG::n_out],
           const typename CONFIG::bias_t b[CONFIG::n_out]) {
#pragma HLS INLINE
#pragma HLS ARRAY_PARTITION variable = b complete
    typename CONFIG::accum_t acc[CONFIG::n_out];
#pragma HLS ARRAY_PARTITION variable = acc complete
    for (unsigned j = 0; j < CONFIG::n_out; j++) {
#pragma HLS UNROLL
        acc[j] = b[j];
    }
    if (CONFIG::strategy == resource) {
        dense_resource_sum<X, CONFIG>(x, w, acc);
    } else {
        dense_latency_sum<X, CONFIG>(x, w, acc);
    }
    for (unsigned j = 0; j < CONFIG::n_out; j++) {
#pragma HLS UNROLL
        y[j] = acc[j];
    }
    CELESTA_TRACE_ROW(CONFIG::layer_name, "out", y, CONFIG::n_out);
}

// ---------------------------------------------------------------------------------------
// IF / LIF neurons, per neuron i and call:
//   v = C_mem( C_mem(beta[i] * mem[i]) + C_mem(x[i]) )     (LIF; IF: v = C_mem(mem[i] + C_mem(x[i])))
//   if (v >= thr[i]) { v = C_mem(v - thr[i]) or 0; out = 1 } else out = 0
//   mem[i] = v; after the window_size-th call of a window (window_size > 0) all mem = 0.
// Scalar threshold / beta come from the config's float constants; vectors from arrays.
template <class X, class Y, class CONFIG, bool LEAKY>
void neuron_step(const X x[CONFIG::n], Y y[CONFIG::n], const typename CONFIG::beta_t *beta_vec,
                 const typename CONFIG::threshold_t *thr_vec) {
#pragma HLS INLINE
    typedef typename CONFIG::membrane_t mem_t;
    static mem_t mem[CONFIG::n];
#pragma HLS ARRAY_PARTITION variable = mem complete
    static unsigned calls = 0;
    const typename CONFIG::beta_t beta_scalar = from_double<typename CONFIG::beta_t>(CONFIG::beta);
    const typename CONFIG::threshold_t thr_scalar = from_double<typename CONFIG::threshold_t>(CONFIG::threshold);
#if !defined(__SYNTHESIS__) && defined(CELESTA_TRACE)
    mem_t pre[CONFIG::n], post[CONFIG::n];
#endif
    for (unsigned i = 0; i < CONFIG::n; i++) {
#pragma HLS UNROLL
        const mem_t input = x[i];
        mem_t v;
        if (LEAKY) {
            const mem_t leaked = (CONFIG::beta_is_vector ? beta_vec[i] : beta_scalar) * mem[i];
            v = leaked + input;
        } else {
            v = mem[i] + input;
        }
#if !defined(__SYNTHESIS__) && defined(CELESTA_TRACE)
        pre[i] = v;
#endif
        const typename CONFIG::threshold_t thr = CONFIG::threshold_is_vector ? thr_vec[i] : thr_scalar;
        if (v >= thr) {
            if (CONFIG::reset == reset_zero) {
                v = 0;
            } else {
                v = v - thr;
            }
            y[i] = 1;
        } else {
            y[i] = 0;
        }
#if !defined(__SYNTHESIS__) && defined(CELESTA_TRACE)
        post[i] = v;
#endif
        mem[i] = v;
    }
    CELESTA_TRACE_ROW(CONFIG::layer_name, "out", y, CONFIG::n);
    CELESTA_TRACE_ROW(CONFIG::layer_name, "v_pre", pre, CONFIG::n);
    CELESTA_TRACE_ROW(CONFIG::layer_name, "v_post", post, CONFIG::n);
    if (CONFIG::window_size > 0) {
        calls++;
        if (calls == CONFIG::window_size) {
            calls = 0;
            for (unsigned i = 0; i < CONFIG::n; i++) {
#pragma HLS UNROLL
                mem[i] = 0;
            }
        }
    }
}

template <class X, class Y, class CONFIG>
void if_neuron(const X x[CONFIG::n], Y y[CONFIG::n], const typename CONFIG::threshold_t *thr_vec) {
#pragma HLS INLINE
    neuron_step<X, Y, CONFIG, false>(x, y, 0, thr_vec);
}

template <class X, class Y, class CONFIG>
void lif_neuron(const X x[CONFIG::n], Y y[CONFIG::n], const typename CONFIG::beta_t *beta_vec,
                const typename CONFIG::threshold_t *thr_vec) {
#pragma HLS INLINE
    neuron_step<X, Y, CONFIG, true>(x, y, beta_vec, thr_vec);
}

// ---------------------------------------------------------------------------------------
// SNN readout: one value per call (a running decision; the value at a window's last step is
// the window's classification), stored into the output element type.
//   spike mode: counts[c] += (x[c] != 0); argmax (ties: lowest index), first_to_threshold /
//     threshold_then_argmax (lowest index with counts >= class_threshold, else argmax),
//     binary_logit (counts[1] - counts[0]).
//   membrane mode: mem[c] = C_mem( C_mem(beta * mem[c]) + C_mem(x[c]) ); argmax_membrane or
//     binary_logit C_out(mem[1] - mem[0]).
//   After every window_size-th call (0 counts as 1) the counts and membranes are cleared.
template <class T, unsigned N> unsigned first_max(const T v[N]) {
#pragma HLS INLINE
    unsigned best = 0;
    for (unsigned c = 1; c < N; c++) {
#pragma HLS UNROLL
        if (v[c] > v[best]) best = c;
    }
    return best;
}

template <class X, class Y, class CONFIG> void snn_readout(const X x[CONFIG::n_classes], Y &y) {
#pragma HLS INLINE
    typedef typename CONFIG::membrane_t mem_t;
    static unsigned counts[CONFIG::n_classes];
#pragma HLS ARRAY_PARTITION variable = counts complete
    static mem_t mem[CONFIG::n_classes];
#pragma HLS ARRAY_PARTITION variable = mem complete
    static unsigned calls = 0;
    if (CONFIG::mode == readout_spike) {
        for (unsigned c = 0; c < CONFIG::n_classes; c++) {
#pragma HLS UNROLL
            if (!!x[c]) counts[c]++;   // x != 0 (operator! reads the bits: no int conversion to compile)
        }
        CELESTA_TRACE_ROW(CONFIG::layer_name, "counts", counts, CONFIG::n_classes);
        if (CONFIG::rule == rule_binary_logit) {
            y = (int)counts[1] - (int)counts[0];
        } else {
            unsigned pick = first_max<unsigned, CONFIG::n_classes>(counts);
            if (CONFIG::rule == rule_first_to_threshold || CONFIG::rule == rule_threshold_then_argmax) {
                for (int c = CONFIG::n_classes - 1; c >= 0; c--) {
#pragma HLS UNROLL
                    if (counts[c] >= CONFIG::class_threshold) pick = c;
                }
            }
            y = pick;
        }
    } else {
        const mem_t beta = from_double<mem_t>(CONFIG::beta);
        for (unsigned c = 0; c < CONFIG::n_classes; c++) {
#pragma HLS UNROLL
            const mem_t leaked = beta * mem[c];
            const mem_t input = x[c];
            mem[c] = leaked + input;
        }
        CELESTA_TRACE_ROW(CONFIG::layer_name, "membrane", mem, CONFIG::n_classes);
        if (CONFIG::rule == rule_binary_logit) {
            y = mem[1] - mem[0];
        } else {
            y = first_max<mem_t, CONFIG::n_classes>(mem);
        }
    }
    CELESTA_TRACE_ROW(CONFIG::layer_name, "out", &y, 1);
    calls++;
    if (calls >= (CONFIG::window_size > 0 ? CONFIG::window_size : 1)) {
        calls = 0;
        for (unsigned c = 0; c < CONFIG::n_classes; c++) {
#pragma HLS UNROLL
            counts[c] = 0;
            mem[c] = 0;
        }
    }
}

// ---------------------------------------------------------------------------------------
// io_stream wrappers: one stream element (the whole vector of a step) in, one out.
template <class XS, class YS, class CONFIG>
void dense(hls::stream<XS> &xs, hls::stream<YS> &ys, const typename CONFIG::weight_t w[CONFIG::n_in * CONFIG::n_out],
           const typename CONFIG::bias_t b[CONFIG::n_out]) {
    const XS x = xs.read();
    YS y;
#pragma HLS ARRAY_PARTITION variable = y.data complete
    dense<typename XS::value_type, typename YS::value_type, CONFIG>(x.data, y.data, w, b);
    ys.write(y);
}

template <class XS, class YS, class CONFIG>
void if_neuron(hls::stream<XS> &xs, hls::stream<YS> &ys, const typename CONFIG::threshold_t *thr_vec) {
    const XS x = xs.read();
    YS y;
#pragma HLS ARRAY_PARTITION variable = y.data complete
    if_neuron<typename XS::value_type, typename YS::value_type, CONFIG>(x.data, y.data, thr_vec);
    ys.write(y);
}

template <class XS, class YS, class CONFIG>
void lif_neuron(hls::stream<XS> &xs, hls::stream<YS> &ys, const typename CONFIG::beta_t *beta_vec,
                const typename CONFIG::threshold_t *thr_vec) {
    const XS x = xs.read();
    YS y;
#pragma HLS ARRAY_PARTITION variable = y.data complete
    lif_neuron<typename XS::value_type, typename YS::value_type, CONFIG>(x.data, y.data, beta_vec, thr_vec);
    ys.write(y);
}

template <class XS, class YS, class CONFIG> void snn_readout(hls::stream<XS> &xs, hls::stream<YS> &ys) {
    const XS x = xs.read();
    YS y;
    snn_readout<typename XS::value_type, typename YS::value_type, CONFIG>(x.data, y.data[0]);
    ys.write(y);
}

// io_parallel readout: the output is a one-element array of the result type.
template <class X, class Y, class CONFIG> void snn_readout(const X x[CONFIG::n_classes], Y y[1]) {
#pragma HLS INLINE
    snn_readout<X, Y, CONFIG>(x, y[0]);
}

// ---------------------------------------------------------------------------------------
// C simulation: weight arrays are read once from <dir>/<name>.txt (comma-separated decimals,
// each read as a double and stored with the array type's rounding and overflow: from_double). The top
// function passes its project's weights folder, so this header does not depend on it (one
// precompiled copy serves every project, and projects can share a translation unit).
#ifndef __SYNTHESIS__
template <class T, unsigned N> void load_weights(T w[N], const char *dir, const char *name) {
    char path[4096];
    std::snprintf(path, sizeof path, "%s/%s.txt", dir, name);
    FILE *f = std::fopen(path, "r");
    if (!f) {
        std::fprintf(stderr, "celesta: cannot open weights file %s\n", path);
        return;
    }
    for (unsigned i = 0; i < N; i++) {
        double v = 0;
        if (std::fscanf(f, " %lf ,", &v) != 1) {
            std::fprintf(stderr, "celesta: %s holds fewer than %u values\n", path, N);
            break;
        }
        w[i] = from_double<T>(v);
    }
    std::fclose(f);
}
#endif

} // namespace celesta

#endif
"""#
}
