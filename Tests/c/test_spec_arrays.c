/*
 * test_spec_arrays.c: specifications as binary arrays through the C ABI (celesta_xylo_spec_dims,
 * celesta_xylo_spec_read, celesta_xylo_spec_create, celesta_xylo_spec_quantize_read): they agree with the
 * JSON forms of the same specification, and every error path. Closes with "N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <celesta.h>

#include "check.h"

/* Linear(2->3) -> LIF(3, recurrent) -> Linear(3->2) -> LIF(2) with a residual alias 0 -> 2. */
static const char *NETWORK =
    "{\"layers\": ["
    "{\"type\": \"Linear\", \"n_in\": 2, \"n_out\": 3, \"weight\": [[1.0, 0.1, -0.2], [0.1, 0.3, 0.1]]},"
    "{\"type\": \"LIF\", \"n_in\": 3, \"n_out\": 3, \"tau_mem\": [0.02, 0.04, 0.02], \"tau_syn\": [0.01, 0.01, 0.02],"
    " \"threshold\": [0.5, 0.6, 0.7], \"bias\": [0, 0.1, 0], \"dt\": 0.001, \"has_rec\": true,"
    " \"w_rec\": [[0, 0.2, -0.1], [0.3, 0, 0], [0, 0.1, 0]]},"
    "{\"type\": \"Linear\", \"n_in\": 3, \"n_out\": 2, \"weight\": [[0.5, -0.5], [0.3, 0.2], [0.1, 0.4]]},"
    "{\"type\": \"LIF\", \"n_in\": 2, \"n_out\": 2, \"tau_mem\": [0.02, 0.02], \"tau_syn\": [0.01, 0.01],"
    " \"threshold\": [0.5, 0.5], \"dt\": 0.001}"
    "]}";

/* Buffers for every array of a specification with dimensions d (values set to 777). */
typedef struct {
    double data[12][64];
    int32_t aliases[16];
    celesta_xylo_spec_arrays_t a;
} buffers_t;

static size_t needed(const celesta_xylo_spec_dims_t *d, int k) {
    size_t nh = (size_t)d->n_hidden, no = (size_t)d->n_out;
    switch (k) {
    case 0: return (size_t)d->n_in * (size_t)d->n_ien * (size_t)d->n_syn;
    case 1: return nh * nh * (size_t)d->n_syn;
    case 2: return (size_t)d->n_oen * no;
    default: return k < 8 ? nh : no;
    }
}

static void prepare(buffers_t *b, const celesta_xylo_spec_dims_t *d) {
    for (int k = 0; k < 12; ++k)
        for (int i = 0; i < 64; ++i) b->data[k][i] = 777;
    for (int i = 0; i < 16; ++i) b->aliases[i] = 777;
    b->a = CELESTA_INIT(celesta_xylo_spec_arrays_t);
    double **ptr[12] = {&b->a.weights_in, &b->a.weights_rec, &b->a.weights_out, &b->a.dash_mem, &b->a.dash_syn,
                        &b->a.dash_syn_2, &b->a.threshold, &b->a.bias, &b->a.dash_mem_out, &b->a.dash_syn_out,
                        &b->a.threshold_out, &b->a.bias_out};
    size_t *len[12] = {&b->a.weights_in_len, &b->a.weights_rec_len, &b->a.weights_out_len, &b->a.dash_mem_len,
                       &b->a.dash_syn_len, &b->a.dash_syn_2_len, &b->a.threshold_len, &b->a.bias_len,
                       &b->a.dash_mem_out_len, &b->a.dash_syn_out_len, &b->a.threshold_out_len, &b->a.bias_out_len};
    for (int k = 0; k < 12; ++k) {
        *ptr[k] = b->data[k];
        *len[k] = needed(d, k);
    }
    b->a.aliases = b->aliases;
    b->a.aliases_len = (size_t)d->n_hidden;
}

static char *spec_json(const celesta_xylo_spec_t *spec) {
    size_t n = 0;
    if (celesta_xylo_spec_to_json(NULL, 0, &n, spec) != CELESTA_OK) return NULL;
    char *text = malloc(n);
    if (text != NULL && celesta_xylo_spec_to_json(text, n, &(size_t){0}, spec) != CELESTA_OK) {
        free(text);
        return NULL;
    }
    return text;
}

static void test_round_trip(const celesta_xylo_spec_t *spec) {
    celesta_xylo_spec_dims_t d = CELESTA_INIT(celesta_xylo_spec_dims_t);
    CHECK(celesta_xylo_spec_dims(&d, spec) == CELESTA_OK, "dims: %s", celesta_last_error());
    CHECK(d.chip != NULL && strcmp(d.chip, "syns61201") == 0, "chip %s", d.chip ? d.chip : "(null)");
    CHECK(d.n_in == 2 && d.n_hidden == 3 && d.n_out == 2 && d.n_syn == 1 && d.n_ien == 3 && d.n_oen == 3,
          "shape %d %d %d %d %d %d", d.n_in, d.n_hidden, d.n_out, d.n_syn, d.n_ien, d.n_oen);
    CHECK(d.weights_ndim == 2 && d.dt == 0.001 && d.weight_shift_in == 0, "ndim %d dt %g", d.weights_ndim, d.dt);

    static buffers_t b;
    prepare(&b, &d);
    CHECK(celesta_xylo_spec_read(&b.a, spec) == CELESTA_OK, "read: %s", celesta_last_error());
    CHECK(b.data[0][0] == 1.0 && b.data[0][2] == -0.2 && b.data[1][1] == 0.2 && b.data[6][2] == 0.7,
          "values %g %g %g %g", b.data[0][0], b.data[0][2], b.data[1][1], b.data[6][2]);
    CHECK(b.data[0][6] == 777, "nothing written past the array");
    CHECK(b.aliases[0] == -1 && b.aliases[1] == -1 && b.aliases[2] == -1, "aliases %d %d %d", b.aliases[0],
          b.aliases[1], b.aliases[2]);

    /* Created back from the arrays, it is the same specification. */
    celesta_xylo_spec_t *copy = NULL;
    CHECK(celesta_xylo_spec_create(&copy, &d, &b.a) == CELESTA_OK, "create: %s", celesta_last_error());
    char *j1 = spec_json(spec), *j2 = copy ? spec_json(copy) : NULL;
    CHECK(j1 != NULL && j2 != NULL && strcmp(j1, j2) == 0, "same JSON");
    free(j1);
    free(j2);

    /* Quantized into buffers: the values of the JSON quantizer output. */
    static buffers_t q;
    prepare(&q, &d);
    q.a.aliases = NULL;
    CHECK(celesta_xylo_spec_quantize_read(&q.a, spec, CELESTA_XYLO_QUANTIZE_GLOBAL, 8, 16) == CELESTA_OK, "quantize_read: %s",
          celesta_last_error());
    CHECK(q.data[0][0] == 127 && q.data[0][2] == -25 && q.data[0][1] == 13, "weights_in %g %g %g", q.data[0][0],
          q.data[0][1], q.data[0][2]);
    size_t n = 0;
    CHECK(celesta_xylo_spec_quantize_json(NULL, 0, &n, spec, CELESTA_XYLO_QUANTIZE_GLOBAL, 8, 16) == CELESTA_OK, "json size");
    char *text = malloc(n);
    CHECK(text != NULL && celesta_xylo_spec_quantize_json(text, n, &(size_t){0}, spec, CELESTA_XYLO_QUANTIZE_GLOBAL, 8, 16) == CELESTA_OK &&
              contains(text, "\"weights_in\":[[[127],[13],[-25]]"),
          "json agrees: %s", text ? text : "(null)");
    free(text);

    /* A specification without a chip can be quantized into buffers. */
    celesta_xylo_spec_dims_t anon = d;
    anon.chip = NULL;
    celesta_xylo_spec_t *nochip = NULL;
    CHECK(celesta_xylo_spec_create(&nochip, &anon, &b.a) == CELESTA_OK, "create without chip: %s", celesta_last_error());
    celesta_xylo_spec_dims_t back = CELESTA_INIT(celesta_xylo_spec_dims_t);
    CHECK(nochip != NULL && celesta_xylo_spec_dims(&back, nochip) == CELESTA_OK && back.chip == NULL, "no chip back");
    CHECK(celesta_xylo_spec_quantize_read(&q.a, nochip, CELESTA_XYLO_QUANTIZE_CHANNEL, 8, 16) == CELESTA_OK, "channel: %s",
          celesta_last_error());
    celesta_xylo_spec_free(nochip);
    celesta_xylo_spec_free(copy);
}

static void test_errors(const celesta_xylo_spec_t *spec) {
    celesta_xylo_spec_dims_t d = CELESTA_INIT(celesta_xylo_spec_dims_t);
    celesta_xylo_spec_dims(&d, spec);
    static buffers_t b;
    prepare(&b, &d);

    CHECK(celesta_xylo_spec_dims(&d, NULL) == CELESTA_ERR_NULL_POINTER, "dims NULL spec");
    CHECK(celesta_xylo_spec_dims(NULL, spec) == CELESTA_ERR_NULL_POINTER, "dims NULL out");
    CHECK(celesta_xylo_spec_read(&b.a, NULL) == CELESTA_ERR_NULL_POINTER, "read NULL spec");
    CHECK(celesta_xylo_spec_read(NULL, spec) == CELESTA_ERR_NULL_POINTER, "read NULL arrays");

    /* A buffer that is too short: named, and nothing written. */
    b.a.threshold_len = 2;
    CHECK(celesta_xylo_spec_read(&b.a, spec) == CELESTA_ERR_BUFFER_TOO_SMALL && contains(celesta_last_error(), "threshold"),
          "short buffer: %s", celesta_last_error());
    CHECK(b.data[0][0] == 777, "nothing written on error");
    CHECK(celesta_xylo_spec_quantize_read(&b.a, spec, 0, 8, 16) == CELESTA_ERR_BUFFER_TOO_SMALL, "quantize short buffer");
    b.a.threshold_len = 3;
    b.a.aliases_len = 1;
    CHECK(celesta_xylo_spec_read(&b.a, spec) == CELESTA_ERR_BUFFER_TOO_SMALL && contains(celesta_last_error(), "aliases"),
          "short aliases: %s", celesta_last_error());
    b.a.aliases_len = 3;
    CHECK(celesta_xylo_spec_quantize_read(&b.a, spec, 7, 8, 16) == CELESTA_ERR_INVALID_ARGUMENT, "bad method");
    CHECK(celesta_xylo_spec_quantize_read(&b.a, spec, 0, 1, 16) == CELESTA_ERR_OUT_OF_RANGE, "bad bits");
    CHECK(celesta_xylo_spec_quantize_read(&b.a, NULL, 0, 8, 16) == CELESTA_ERR_NULL_POINTER, "quantize NULL spec");
    CHECK(celesta_xylo_spec_quantize_read(NULL, spec, 0, 8, 16) == CELESTA_ERR_NULL_POINTER, "quantize NULL out");

    /* Two alias targets have no int32 form. */
    const char *two =
        "{\"n_in\":1,\"n_hidden\":3,\"n_out\":1,\"n_ien\":3,\"n_oen\":3,\"weights_in\":[0,0,0],"
        "\"weights_rec\":[0,0,0,0,0,0,0,0,0],\"weights_out\":[0,0,0],\"dash_mem\":[1,1,1],\"dash_syn\":[1,1,1],"
        "\"dash_syn_2\":[1,1,1],\"threshold\":[1,1,1],\"bias\":[0,0,0],\"dash_mem_out\":[1],\"dash_syn_out\":[1],"
        "\"threshold_out\":[1],\"bias_out\":[0],\"aliases\":[[1,2],[],[]]}";
    celesta_xylo_spec_t *multi = NULL;
    CHECK(celesta_xylo_spec_from_json(&multi, two, strlen(two)) == CELESTA_OK, "two aliases: %s", celesta_last_error());
    celesta_xylo_spec_dims_t md = CELESTA_INIT(celesta_xylo_spec_dims_t);
    static buffers_t mb;
    if (multi != NULL && celesta_xylo_spec_dims(&md, multi) == CELESTA_OK) {
        prepare(&mb, &md);
        CHECK(celesta_xylo_spec_read(&mb.a, multi) == CELESTA_ERR_UNSUPPORTED && contains(celesta_last_error(), "aliases[0]"),
              "two targets: %s", celesta_last_error());
        mb.a.aliases = NULL;
        CHECK(celesta_xylo_spec_read(&mb.a, multi) == CELESTA_OK, "without the aliases buffer: %s", celesta_last_error());
    }
    celesta_xylo_spec_free(multi);

    /* Creation errors leave *out untouched. */
    celesta_xylo_spec_t *out = (celesta_xylo_spec_t *)&passed;
    prepare(&b, &d);
    CHECK(celesta_xylo_spec_create(NULL, &d, &b.a) == CELESTA_ERR_NULL_POINTER, "create NULL out");
    celesta_xylo_spec_t *never = NULL;
    celesta_xylo_spec_dims_t small_dims = d;
    small_dims.struct_size = 4;
    CHECK(celesta_xylo_spec_create(&never, &small_dims, &b.a) == CELESTA_ERR_INVALID_ARGUMENT && never == NULL &&
              contains(celesta_last_error(), "'dims->struct_size' is 4"), "dims struct_size: %s", celesta_last_error());
    b.a.struct_size = 0;
    CHECK(celesta_xylo_spec_create(&never, &d, &b.a) == CELESTA_ERR_INVALID_ARGUMENT && never == NULL &&
              contains(celesta_last_error(), "'arrays->struct_size' is 0"), "arrays struct_size: %s", celesta_last_error());
    b.a.struct_size = sizeof b.a;
    CHECK(celesta_xylo_spec_create(&out, NULL, &b.a) == CELESTA_ERR_NULL_POINTER, "create NULL dims");
    CHECK(celesta_xylo_spec_create(&out, &d, NULL) == CELESTA_ERR_NULL_POINTER, "create NULL arrays");
    celesta_xylo_spec_dims_t bad = d;
    bad.chip = "no-such-chip";
    CHECK(celesta_xylo_spec_create(&out, &bad, &b.a) == CELESTA_ERR_NOT_FOUND, "unknown chip");
    bad = d;
    bad.n_hidden = -1;
    CHECK(celesta_xylo_spec_create(&out, &bad, &b.a) == CELESTA_ERR_OUT_OF_RANGE && contains(celesta_last_error(), "n_hidden=-1"),
          "negative dims: %s", celesta_last_error());
    bad = d;
    bad.n_syn = 3;
    CHECK(celesta_xylo_spec_create(&out, &bad, &b.a) == CELESTA_ERR_SHAPE_MISMATCH, "n_syn 3: lengths disagree");
    bad = d;
    bad.dt = 0;
    CHECK(celesta_xylo_spec_create(&out, &bad, &b.a) == CELESTA_ERR_OUT_OF_RANGE && contains(celesta_last_error(), "dt"),
          "dt 0: %s", celesta_last_error());
    b.a.weights_rec = NULL;
    CHECK(celesta_xylo_spec_create(&out, &d, &b.a) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "weights_rec"),
          "weights required: %s", celesta_last_error());
    prepare(&b, &d);
    b.a.dash_mem_len = 2;
    CHECK(celesta_xylo_spec_create(&out, &d, &b.a) == CELESTA_ERR_SHAPE_MISMATCH && contains(celesta_last_error(), "dash_mem"),
          "wrong length: %s", celesta_last_error());
    prepare(&b, &d);
    b.a.aliases_len = 2;
    CHECK(celesta_xylo_spec_create(&out, &d, &b.a) == CELESTA_ERR_SHAPE_MISMATCH && contains(celesta_last_error(), "aliases"),
          "aliases length: %s", celesta_last_error());
    prepare(&b, &d);
    b.data[1][4] = 1.0 / 0.0;
    CHECK(celesta_xylo_spec_create(&out, &d, &b.a) == CELESTA_ERR_OUT_OF_RANGE && contains(celesta_last_error(), "weights_rec[4]"),
          "non-finite: %s", celesta_last_error());
    CHECK(out == (celesta_xylo_spec_t *)&passed, "out untouched");

    /* Optional vectors may be NULL (zeros), aliases too (none). */
    prepare(&b, &d);
    b.a.bias = NULL;
    b.a.bias_len = 0;
    b.a.aliases = NULL;
    b.a.aliases_len = 0;
    celesta_xylo_spec_t *zeros = NULL;
    CHECK(celesta_xylo_spec_create(&zeros, &d, &b.a) == CELESTA_OK, "NULL vectors: %s", celesta_last_error());
    static buffers_t z;
    prepare(&z, &d);
    CHECK(zeros != NULL && celesta_xylo_spec_read(&z.a, zeros) == CELESTA_OK && z.data[7][1] == 0 && z.aliases[0] == -1,
          "zeros and no aliases");
    celesta_xylo_spec_free(zeros);
}

int main(void) {
    celesta_xylo_network_t *net = NULL;
    celesta_xylo_spec_t *spec = NULL;
    CHECK(celesta_xylo_network_from_json(&net, NETWORK, strlen(NETWORK)) == CELESTA_OK, "network: %s", celesta_last_error());
    CHECK(net != NULL && celesta_xylo_map(&spec, net, "xa2", 0) == CELESTA_OK, "map: %s", celesta_last_error());
    if (spec != NULL) {
        test_round_trip(spec);
        test_errors(spec);
    }
    celesta_xylo_spec_free(spec);
    celesta_xylo_network_free(net);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
