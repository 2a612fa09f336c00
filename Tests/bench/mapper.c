/* mapper.c: Xylo mapper plus channel quantization of a 16-1000-8 float network, in memory
 * through the C ABI (the Swift engine without Python): the graph is built node by node, mapped
 * with celesta_xylo_map() and quantized into caller buffers with celesta_xylo_spec_quantize_read().
 * Prints the best of several runs and the ratio against Rockpool's 1.6 s (figure from issue 4). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <celesta.h>

enum { N_IN = 16, N_HIDDEN = 1000, N_OUT = 8, RUNS = 5 };

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A fixed-seed pseudo-normal value (sum of uniforms), scaled. */
static double draw(unsigned long long *state, double scale) {
    double sum = 0;
    for (int k = 0; k < 4; ++k) {
        *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
        sum += (double)(*state >> 11) / 9007199254740992.0 - 0.5;
    }
    return sum * scale;
}

#define TRY(call)                                                                        \
    do {                                                                                 \
        if ((call) != CELESTA_OK) {                                                      \
            fprintf(stderr, "%s failed: %s\n", #call, celesta_last_error());             \
            return 1;                                                                    \
        }                                                                                \
    } while (0)

static double *filled(size_t n, double value) {
    double *p = malloc(n * sizeof *p);
    for (size_t i = 0; p != NULL && i < n; ++i) p[i] = value;
    return p;
}

int main(void) {
    unsigned long long seed = 21;
    double *w_in = filled((size_t)N_IN * N_HIDDEN, 0), *w_rec = filled((size_t)N_HIDDEN * N_HIDDEN, 0);
    double *w_out = filled((size_t)N_HIDDEN * N_OUT, 0);
    double *tau_mem = filled(N_HIDDEN, 0.02), *tau_syn = filled(N_HIDDEN, 0.01), *thr = filled(N_HIDDEN, 1.0);
    if (!w_in || !w_rec || !w_out || !tau_mem || !tau_syn || !thr) return 1;
    for (size_t i = 0; i < (size_t)N_IN * N_HIDDEN; ++i) w_in[i] = draw(&seed, 1.0);
    for (size_t i = 0; i < (size_t)N_HIDDEN * N_HIDDEN; ++i) w_rec[i] = draw(&seed, 0.2);
    for (size_t i = 0; i < (size_t)N_HIDDEN * N_OUT; ++i) w_out[i] = draw(&seed, 1.0);

    celesta_xylo_network_t *net = NULL;
    int in, l1, n1, l2, n2, out;
    TRY(celesta_xylo_network_create(&net));
    TRY(celesta_xylo_network_add_input(&in, net, "input", N_IN));
    TRY(celesta_xylo_network_add_linear(&l1, net, "0_Linear", w_in, (size_t)N_IN * N_HIDDEN, N_IN, N_HIDDEN));
    TRY(celesta_xylo_network_add_lif(&n1, net, "1_LIF", N_HIDDEN, N_HIDDEN, tau_mem, N_HIDDEN, tau_syn, N_HIDDEN, thr, N_HIDDEN, NULL, 0, w_rec, (size_t)N_HIDDEN * N_HIDDEN, 0.001));
    TRY(celesta_xylo_network_add_linear(&l2, net, "2_Linear", w_out, (size_t)N_HIDDEN * N_OUT, N_HIDDEN, N_OUT));
    TRY(celesta_xylo_network_add_lif(&n2, net, "3_LIF", N_OUT, N_OUT, tau_mem, N_OUT, tau_syn, N_OUT, thr, N_OUT, NULL, 0, NULL, 0, 0.001));
    TRY(celesta_xylo_network_add_output(&out, net, "output", N_OUT));
    TRY(celesta_xylo_network_connect(net, in, l1));
    TRY(celesta_xylo_network_connect(net, l1, n1));
    TRY(celesta_xylo_network_connect(net, n1, l2));
    TRY(celesta_xylo_network_connect(net, l2, n2));
    TRY(celesta_xylo_network_connect(net, n2, out));

    /* Output buffers for the quantized arrays, sized from the first mapping's dimensions. */
    celesta_xylo_spec_t *spec = NULL;
    celesta_xylo_spec_dims_t d = CELESTA_INIT(celesta_xylo_spec_dims_t);
    TRY(celesta_xylo_map(&spec, net, "xa2", 0));
    TRY(celesta_xylo_spec_dims(&d, spec));
    celesta_xylo_spec_free(spec);
    size_t n_w_in = (size_t)d.n_in * d.n_ien * d.n_syn, n_w_rec = (size_t)d.n_hidden * d.n_hidden * d.n_syn;
    size_t n_w_out = (size_t)d.n_oen * d.n_out, nh = (size_t)d.n_hidden, no = (size_t)d.n_out;
    celesta_xylo_spec_arrays_t q = {sizeof(celesta_xylo_spec_arrays_t), 
        filled(n_w_in, 0), n_w_in, filled(n_w_rec, 0), n_w_rec, filled(n_w_out, 0), n_w_out,
        filled(nh, 0), nh, filled(nh, 0), nh, filled(nh, 0), nh, filled(nh, 0), nh, filled(nh, 0), nh,
        filled(no, 0), no, filled(no, 0), no, filled(no, 0), no, filled(no, 0), no, NULL, 0};

    double best = INFINITY, best_map = INFINITY;
    for (int run = 0; run < RUNS; ++run) {
        double t0 = now();
        TRY(celesta_xylo_map(&spec, net, "xa2", 0));
        double t1 = now();
        TRY(celesta_xylo_spec_quantize_read(&q, spec, CELESTA_XYLO_QUANTIZE_CHANNEL, 8, 16));
        double t2 = now();
        celesta_xylo_spec_free(spec);
        if (t2 - t0 < best) best = t2 - t0;
        if (t1 - t0 < best_map) best_map = t1 - t0;
    }
    printf("C   map + channel quantize 16-1000-8 (dense recurrent, in memory): %.1f ms (map %.1f ms); "
           "%.0fx Rockpool's 1.6 s (figure from the issue)\n",
           best * 1e3, best_map * 1e3, 1.6 / best);
    celesta_xylo_network_free(net);
    return 0;
}
