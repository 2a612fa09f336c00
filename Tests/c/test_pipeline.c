/*
 * test_pipeline.c: network -> Xylo mapper -> quantizers -> simulator through the C ABI, and
 * every error path of those calls. Closes with "N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <celesta.h>

#include "check.h"

#include "small_network.h"  /* NETWORK: Linear(2->3) -> LIF(3) -> Linear(3->2) -> LIF(2) */

/* A sentinel handle value: a failed call must leave *out as it was. */
#define SENTINEL ((void *)&passed)

/* Returns a malloc'd text from a size-query spec call, or NULL. */
static char *spec_text(int (*fn)(char *, size_t, size_t *, const celesta_xylo_spec_t *), const celesta_xylo_spec_t *spec) {
    size_t needed = 0;
    if (fn(NULL, 0, &needed, spec) != CELESTA_OK || needed == 0) return NULL;
    char *text = malloc(needed);
    if (text != NULL && fn(text, needed, &needed, spec) != CELESTA_OK) {
        free(text);
        return NULL;
    }
    return text;
}

static char *quantized_json(const celesta_xylo_spec_t *spec, int method) {
    size_t needed = 0;
    if (celesta_xylo_spec_quantize_json(NULL, 0, &needed, spec, method, 8, 16) != CELESTA_OK) return NULL;
    char *text = malloc(needed);
    if (text != NULL && celesta_xylo_spec_quantize_json(text, needed, &(size_t){0}, spec, method, 8, 16) != CELESTA_OK) {
        free(text);
        return NULL;
    }
    return text;
}

static void test_pipeline(void) {
    celesta_xylo_network_t *net = NULL;
    int status = celesta_xylo_network_from_json(&net, NETWORK, strlen(NETWORK));
    CHECK(status == CELESTA_OK && net != NULL, "network_from_json: %s", celesta_last_error());
    if (net == NULL) return;

    celesta_xylo_spec_t *spec = NULL;
    status = celesta_xylo_map(&spec, net, "xa2", 0);
    CHECK(status == CELESTA_OK && spec != NULL, "xylo_map: %s", celesta_last_error());
    celesta_xylo_network_free(net); /* the specification does not need the network */
    if (spec == NULL) return;

    char *json = spec_text(celesta_xylo_spec_to_json, spec);
    CHECK(json != NULL && contains(json, "\"chip\":\"syns61201\"") && contains(json, "\"n_hidden\":3"),
          "spec_to_json: %s", json ? json : "(null)");
    char *warnings = spec_text(celesta_xylo_spec_warnings, spec);
    CHECK(warnings != NULL && warnings[0] == '\0', "no warnings: '%s'", warnings ? warnings : "(null)");
    free(warnings);

    int ndim = 0;
    CHECK(celesta_xylo_spec_weights_ndim(&ndim, spec) == CELESTA_OK && ndim == 2, "ndim %d", ndim);
    ndim = 99;
    CHECK(celesta_xylo_spec_weights_ndim(&ndim, NULL) == CELESTA_ERR_NULL_POINTER && ndim == 99, "ndim NULL spec");
    CHECK(celesta_xylo_spec_weights_ndim(NULL, spec) == CELESTA_ERR_NULL_POINTER, "ndim NULL out");

    /* JSON round trip. */
    if (json != NULL) {
        celesta_xylo_spec_t *copy = NULL;
        CHECK(celesta_xylo_spec_from_json(&copy, json, strlen(json)) == CELESTA_OK, "spec_from_json: %s", celesta_last_error());
        char *again = copy ? spec_text(celesta_xylo_spec_to_json, copy) : NULL;
        CHECK(again != NULL && strcmp(again, json) == 0, "round trip");
        free(again);
        celesta_xylo_spec_free(copy);
    }

    /* Quantize three ways: arrays as JSON; global and channel load into the simulator. */
    for (int method = CELESTA_XYLO_QUANTIZE_GLOBAL; method <= CELESTA_XYLO_QUANTIZE_CHANNEL; ++method) {
        char *q = quantized_json(spec, method);
        CHECK(q != NULL && contains(q, "\"weights_in\":[[[") && contains(q, "\"bias_out\""), "quantize_json %d", method);
        if (method == CELESTA_XYLO_QUANTIZE_GLOBAL) CHECK(contains(q, "[[[127],[13],[13]]"), "global weights_in: %s", q);
        if (method == CELESTA_XYLO_QUANTIZE_GLOBAL_FUZZY) CHECK(contains(q, "138"), "fuzzy weight beyond int8: %s", q);
        free(q);
    }
    celesta_xylo_config_t *config = NULL;
    status = celesta_xylo_spec_quantize(&config, spec, CELESTA_XYLO_QUANTIZE_GLOBAL, 8, 16);
    CHECK(status == CELESTA_OK && config != NULL, "quantize: %s", celesta_last_error());
    if (config != NULL) {
        celesta_xylo_config_dims_t dims = CELESTA_INIT(celesta_xylo_config_dims_t);
        CHECK(celesta_xylo_config_dims(&dims, config) == CELESTA_OK && dims.n_in == 2 && dims.n_hidden == 3 && dims.n_out == 2,
              "dims");
        CHECK(celesta_xylo_config_validate(config) == CELESTA_OK, "valid: %s", celesta_last_error());
        celesta_xylo_sim_t *sim = NULL;
        CHECK(celesta_xylo_sim_create(&sim, config) == CELESTA_OK, "sim_create: %s", celesta_last_error());
        enum { T = 20 };
        int32_t input[T * 2], spikes[T * 2];
        for (int i = 0; i < T * 2; ++i) input[i] = (i % 2 == 0) ? 4 : 0;
        status = celesta_xylo_sim_evolve(spikes, T * 2, &(size_t){0}, NULL, sim, input, T * 2, T);
        CHECK(status == CELESTA_OK, "evolve: %s", celesta_last_error());
        int total = 0, binary = 1;
        for (int i = 0; i < T * 2; ++i) {
            total += spikes[i];
            if (spikes[i] != 0 && spikes[i] != 1) binary = 0;
        }
        CHECK(binary && total > 0, "output spikes: %d (binary %d)", total, binary);
        celesta_xylo_sim_free(sim);
        celesta_xylo_config_free(config);
    }
    config = NULL;
    CHECK(celesta_xylo_spec_quantize(&config, spec, CELESTA_XYLO_QUANTIZE_CHANNEL, 8, 16) == CELESTA_OK, "channel: %s",
          celesta_last_error());
    celesta_xylo_config_free(config);

    /* Fuzzy scaling gives 138: a status naming the field, *out untouched. */
    config = SENTINEL;
    status = celesta_xylo_spec_quantize(&config, spec, CELESTA_XYLO_QUANTIZE_GLOBAL_FUZZY, 8, 16);
    CHECK(status == CELESTA_ERR_OUT_OF_RANGE && config == SENTINEL, "fuzzy: %s (%s)", celesta_status_name(status),
          celesta_last_error());
    CHECK(contains(celesta_last_error(), "weights_in"), "fuzzy message: %s", celesta_last_error());

    /* Bad quantizer arguments. */
    config = SENTINEL;
    status = celesta_xylo_spec_quantize(&config, spec, 7, 8, 16);
    CHECK(status == CELESTA_ERR_INVALID_ARGUMENT && config == SENTINEL && contains(celesta_last_error(), "'method' is 7"),
          "method: %s", celesta_last_error());
    status = celesta_xylo_spec_quantize(&config, spec, CELESTA_XYLO_QUANTIZE_GLOBAL, 1, 16);
    CHECK(status == CELESTA_ERR_OUT_OF_RANGE && contains(celesta_last_error(), "weight_bits"), "bits: %s",
          celesta_last_error());
    status = celesta_xylo_spec_quantize(&config, spec, CELESTA_XYLO_QUANTIZE_CHANNEL, 8, 33);
    CHECK(status == CELESTA_ERR_OUT_OF_RANGE && contains(celesta_last_error(), "threshold_bits"), "bits: %s",
          celesta_last_error());
    CHECK(celesta_xylo_spec_quantize(&config, NULL, 0, 8, 16) == CELESTA_ERR_NULL_POINTER && config == SENTINEL, "NULL spec");
    CHECK(celesta_xylo_spec_quantize(NULL, spec, 0, 8, 16) == CELESTA_ERR_NULL_POINTER &&
              contains(celesta_last_error(), "'out'"), "NULL out: %s", celesta_last_error());
    size_t needed = 0;
    CHECK(celesta_xylo_spec_quantize_json(NULL, 0, &needed, spec, -1, 8, 16) == CELESTA_ERR_INVALID_ARGUMENT, "json method");
    CHECK(celesta_xylo_spec_quantize_json(NULL, 0, &needed, NULL, 0, 8, 16) == CELESTA_ERR_NULL_POINTER, "json NULL spec");

    /* Too-small buffers are left untouched; NULL buffer with a capacity is an error. */
    needed = 0;
    CHECK(celesta_xylo_spec_to_json(NULL, 0, &needed, spec) == CELESTA_OK && needed > 1, "size query");
    char small[16];
    memset(small, 'X', sizeof small);
    status = celesta_xylo_spec_to_json(small, sizeof small, &needed, spec);
    int untouched = 1;
    for (size_t i = 0; i < sizeof small; ++i)
        if (small[i] != 'X') untouched = 0;
    CHECK(status == CELESTA_ERR_BUFFER_TOO_SMALL && untouched, "too small: %s", celesta_status_name(status));
    CHECK(contains(celesta_last_error(), "'buf'"), "message: %s", celesta_last_error());
    memset(small, 'X', sizeof small);
    status = celesta_xylo_spec_quantize_json(small, sizeof small, &(size_t){0}, spec, 0, 8, 16);
    untouched = 1;
    for (size_t i = 0; i < sizeof small; ++i)
        if (small[i] != 'X') untouched = 0;
    CHECK(status == CELESTA_ERR_BUFFER_TOO_SMALL && untouched, "quantize_json too small");
    CHECK(celesta_xylo_spec_to_json(NULL, 10, &(size_t){0}, spec) == CELESTA_ERR_NULL_POINTER, "NULL buffer, capacity 10");
    CHECK(celesta_xylo_spec_warnings(NULL, 0, &needed, NULL) == CELESTA_ERR_NULL_POINTER, "warnings NULL");
    CHECK(celesta_xylo_spec_to_json(NULL, 0, &needed, NULL) == CELESTA_ERR_NULL_POINTER, "to_json NULL");

    /* A specification without a chip quantizes to JSON but not to a configuration. */
    if (json != NULL) {
        char *nochip = malloc(strlen(json) + 1);
        if (nochip != NULL) memcpy(nochip, json, strlen(json) + 1);
        char *at = nochip ? strstr(nochip, "\"chip\":\"syns61201\"") : NULL;
        if (at != NULL) memcpy(at, "\"chip\":\"xxxxxxxxx\"", strlen("\"chip\":\"xxxxxxxxx\""));
        celesta_xylo_spec_t *other = NULL;
        CHECK(at != NULL && celesta_xylo_spec_from_json(&other, nochip, strlen(nochip)) == CELESTA_OK, "spec, odd chip");
        config = SENTINEL;
        status = celesta_xylo_spec_quantize(&config, other, 0, 8, 16);
        CHECK(status == CELESTA_ERR_NOT_FOUND && config == SENTINEL && contains(celesta_last_error(), "xxxxxxxxx"),
              "unknown chip in spec: %s", celesta_last_error());
        char *q = other ? quantized_json(other, 0) : NULL;
        CHECK(q != NULL, "quantize_json without a chip");
        free(q);
        celesta_xylo_spec_free(other);
        free(nochip);
    }
    free(json);
    celesta_xylo_spec_free(spec);
}

static void test_network_errors(void) {
    celesta_xylo_network_t *net = SENTINEL;
    CHECK(celesta_xylo_network_from_json(&net, NULL, 3) == CELESTA_ERR_NULL_POINTER && net == SENTINEL &&
              contains(celesta_last_error(), "'json'"), "NULL json: %s", celesta_last_error());
    CHECK(celesta_xylo_network_from_json(NULL, NETWORK, strlen(NETWORK)) == CELESTA_ERR_NULL_POINTER, "NULL out");
    const char *bad = "{\"layers\": [";
    CHECK(celesta_xylo_network_from_json(&net, bad, strlen(bad)) == CELESTA_ERR_PARSE && net == SENTINEL, "bad JSON");
    const char *conv = "{\"layers\": [{\"type\": \"Conv\"}]}";
    CHECK(celesta_xylo_network_from_json(&net, conv, strlen(conv)) == CELESTA_ERR_PARSE &&
              contains(celesta_last_error(), "Conv"), "unknown layer: %s", celesta_last_error());
    const char *shape = "{\"layers\": [{\"type\": \"Linear\", \"n_in\": 2, \"n_out\": 2, \"weight\": [1, 2, 3]}]}";
    CHECK(celesta_xylo_network_from_json(&net, shape, strlen(shape)) == CELESTA_ERR_SHAPE_MISMATCH && net == SENTINEL,
          "weight shape: %s", celesta_last_error());
    const char *word = "{\"layers\": [{\"type\": \"Linear\", \"n_in\": 2, \"n_out\": 2, \"weight\": [[1, 2], [3, \"x\"]]}]}";
    CHECK(celesta_xylo_network_from_json(&net, word, strlen(word)) == CELESTA_ERR_PARSE && net == SENTINEL &&
              contains(celesta_last_error(), "layers[0].weight[1][1]"), "a string among numbers: %s", celesta_last_error());
    const char *empty = "{\"layers\": []}";
    CHECK(celesta_xylo_network_from_json(&net, empty, strlen(empty)) != CELESTA_OK && net == SENTINEL, "no layers");
    /* Only len bytes are read: a truncated length is a parse error, not an overread. */
    CHECK(celesta_xylo_network_from_json(&net, NETWORK, 10) == CELESTA_ERR_PARSE, "truncated");
    CHECK(celesta_xylo_network_load(&net, "/nonexistent/net.json") == CELESTA_ERR_IO && net == SENTINEL &&
              contains(celesta_last_error(), "/nonexistent/net.json"), "load: %s", celesta_last_error());
    CHECK(celesta_xylo_network_load(&net, NULL) == CELESTA_ERR_NULL_POINTER, "load NULL path");
    celesta_xylo_network_free(NULL);
    celesta_xylo_spec_free(NULL);

    celesta_xylo_network_t *good = NULL;
    CHECK(celesta_xylo_network_from_json(&good, NETWORK, strlen(NETWORK)) == CELESTA_OK, "network");
    celesta_xylo_spec_t *spec = SENTINEL;
    CHECK(celesta_xylo_map(&spec, NULL, "xa2", 0) == CELESTA_ERR_NULL_POINTER && spec == SENTINEL &&
              contains(celesta_last_error(), "'net'"), "map NULL net");
    CHECK(celesta_xylo_map(&spec, good, NULL, 0) == CELESTA_ERR_NULL_POINTER &&
              contains(celesta_last_error(), "'chip'"), "map NULL chip");
    CHECK(celesta_xylo_map(NULL, good, "xa2", 0) == CELESTA_ERR_NULL_POINTER, "map NULL out");
    CHECK(celesta_xylo_map(&spec, good, "xa9", 0) == CELESTA_ERR_NOT_FOUND && spec == SENTINEL &&
              contains(celesta_last_error(), "xa9"), "unknown chip: %s", celesta_last_error());
    CHECK(celesta_xylo_map_limits(&spec, good, "xa3", 2, 0, 0) == CELESTA_ERR_LIMIT_EXCEEDED && spec == SENTINEL,
          "too few hidden neurons: %s", celesta_last_error());
    CHECK(celesta_xylo_map_limits(&spec, good, "xa3", -1, 0, 0) == CELESTA_ERR_OUT_OF_RANGE &&
              contains(celesta_last_error(), "max_hidden_neurons"), "limit -1: %s", celesta_last_error());
    CHECK(celesta_xylo_map_limits(&spec, good, "xa3", 0, 5000, 0) == CELESTA_ERR_OUT_OF_RANGE &&
              contains(celesta_last_error(), "max_output_neurons"), "limit 5000: %s", celesta_last_error());
    celesta_xylo_spec_t *ok = NULL;
    CHECK(celesta_xylo_map_limits(&ok, good, "syns61300", 3, 2, 1) == CELESTA_OK, "exact limits: %s",
          celesta_last_error());
    celesta_xylo_spec_free(ok);
    celesta_xylo_network_free(good);

    /* A design rule: a single neuron layer. */
    const char *one = "[{\"type\": \"Linear\", \"n_in\": 2, \"n_out\": 2, \"weight\": [[1, 0], [0, 1]]},"
                      " {\"type\": \"LIF\", \"n_in\": 2, \"n_out\": 2, \"tau_mem\": [0.02, 0.02], \"tau_syn\": [0.02, 0.02],"
                      " \"threshold\": [1, 1], \"dt\": 0.001}]";
    CHECK(celesta_xylo_network_from_json(&good, one, strlen(one)) == CELESTA_OK, "one layer: %s", celesta_last_error());
    int status = celesta_xylo_map(&spec, good, "xa2", 0);
    CHECK(status != CELESTA_OK && spec == SENTINEL && contains(celesta_last_error(), "at_least_two_neuron_layers_needed"),
          "design rule: %s", celesta_last_error());
    celesta_xylo_network_free(good);

    CHECK(celesta_xylo_spec_from_json(&spec, NULL, 0) == CELESTA_ERR_NULL_POINTER, "spec NULL json");
    CHECK(celesta_xylo_spec_from_json(NULL, "{}", 2) == CELESTA_ERR_NULL_POINTER, "spec NULL out");
    CHECK(celesta_xylo_spec_from_json(&spec, "{", 1) == CELESTA_ERR_PARSE && spec == SENTINEL, "spec bad JSON");
    CHECK(celesta_xylo_spec_from_json(&spec, "{}", 2) == CELESTA_ERR_PARSE && spec == SENTINEL &&
              contains(celesta_last_error(), "dash_mem"), "spec missing key: %s", celesta_last_error());
}

/* The NETWORK above built node by node must map to the same specification. */
static void test_graph_builder(void) {
    celesta_xylo_network_t *net = NULL;
    CHECK(celesta_xylo_network_create(&net) == CELESTA_OK, "create");
    const double w1[6] = {1.0, 0.1, 0.1, 0.1, 0.1, 0.1}, w2[6] = {0.5, -0.5, 0.3, 0.2, 0.1, 0.4};
    const double tm3[3] = {0.02, 0.02, 0.02}, ts3[3] = {0.01, 0.01, 0.01}, th3[3] = {0.5, 0.5, 0.5};
    const double tm2[2] = {0.02, 0.02}, ts2[2] = {0.01, 0.01}, th2[2] = {0.5, 0.5};
    int32_t in = -1, l1 = -1, n1 = -1, l2 = -1, n2 = -1, out = -1;
    CHECK(celesta_xylo_network_add_input(&in, net, "input", 2) == CELESTA_OK, "input: %s", celesta_last_error());
    CHECK(celesta_xylo_network_add_linear(&l1, net, "0_Linear", w1, 6, 2, 3) == CELESTA_OK, "linear: %s", celesta_last_error());
    CHECK(celesta_xylo_network_add_lif(&n1, net, "1_LIF", 3, 3, tm3, 3, ts3, 3, th3, 3, NULL, 0, NULL, 0, 0.001) == CELESTA_OK,
          "lif: %s", celesta_last_error());
    CHECK(celesta_xylo_network_add_linear(&l2, net, "2_Linear", w2, 6, 3, 2) == CELESTA_OK, "linear 2");
    CHECK(celesta_xylo_network_add_lif(&n2, net, "3_LIF", 2, 2, tm2, 2, ts2, 2, th2, 2, NULL, 0, NULL, 0, 0.001) == CELESTA_OK,
          "lif 2");
    CHECK(celesta_xylo_network_add_output(&out, net, "output", 2) == CELESTA_OK, "output");
    CHECK(celesta_xylo_network_connect(net, in, l1) == CELESTA_OK && celesta_xylo_network_connect(net, l1, n1) == CELESTA_OK &&
              celesta_xylo_network_connect(net, n1, l2) == CELESTA_OK && celesta_xylo_network_connect(net, l2, n2) == CELESTA_OK &&
              celesta_xylo_network_connect(net, n2, out) == CELESTA_OK,
          "connect: %s", celesta_last_error());
    celesta_xylo_spec_t *built = NULL, *parsed = NULL;
    CHECK(celesta_xylo_map(&built, net, "xa2", 0) == CELESTA_OK, "map built: %s", celesta_last_error());
    celesta_xylo_network_t *from_json = NULL;
    CHECK(celesta_xylo_network_from_json(&from_json, NETWORK, strlen(NETWORK)) == CELESTA_OK, "json");
    CHECK(celesta_xylo_map(&parsed, from_json, "xa2", 0) == CELESTA_OK, "map parsed");
    char *a = built ? spec_text(celesta_xylo_spec_to_json, built) : NULL;
    char *b = parsed ? spec_text(celesta_xylo_spec_to_json, parsed) : NULL;
    CHECK(a != NULL && b != NULL && strcmp(a, b) == 0, "built and parsed networks map equally");
    free(a);
    free(b);

    /* Errors: bad ids, shapes, NULLs; the graph stays usable. */
    int32_t id = 77;
    CHECK(celesta_xylo_network_connect(net, in, 99) == CELESTA_ERR_NOT_FOUND, "unknown target");
    CHECK(contains(celesta_last_error(), "'target' is 99"), "%s", celesta_last_error());
    CHECK(celesta_xylo_network_connect(net, -1, l1) == CELESTA_ERR_NOT_FOUND, "negative source");
    CHECK(celesta_xylo_network_add_linear(&id, net, "bad", w1, 5, 2, 3) == CELESTA_ERR_SHAPE_MISMATCH && id == 77,
          "linear shape leaves *node_id: %s", celesta_last_error());
    CHECK(celesta_xylo_network_add_linear(&id, net, "bad", NULL, 6, 2, 3) == CELESTA_ERR_NULL_POINTER, "NULL weight");
    const double nan_w[6] = {1, 1, 1, 1, 1, 0.0 / 0.0};
    CHECK(celesta_xylo_network_add_linear(&id, net, "nan", nan_w, 6, 2, 3) == CELESTA_ERR_OUT_OF_RANGE, "NaN weight");
    CHECK(celesta_xylo_network_add_lif(&id, net, "bad", 3, 3, NULL, 0, ts3, 3, th3, 3, NULL, 0, NULL, 0, 0.001) ==
              CELESTA_ERR_NULL_POINTER, "NULL tau_mem");
    CHECK(celesta_xylo_network_add_lif(&id, net, "bad", 3, 3, tm3, 2, ts3, 3, th3, 3, NULL, 0, NULL, 0, 0.001) ==
              CELESTA_ERR_SHAPE_MISMATCH, "tau_mem length: %s", celesta_last_error());
    CHECK(celesta_xylo_network_add_lif(&id, net, "bad", 3, 3, tm3, 3, ts3, 3, th3, 3, NULL, 0, NULL, 0, -1.0) ==
              CELESTA_ERR_OUT_OF_RANGE, "negative dt");
    CHECK(celesta_xylo_network_add_input(&id, net, NULL, 2) == CELESTA_ERR_NULL_POINTER, "NULL name");
    CHECK(celesta_xylo_network_add_input(&id, NULL, "x", 2) == CELESTA_ERR_NULL_POINTER, "NULL net");
    CHECK(celesta_xylo_network_add_input(NULL, net, "x", 2) == CELESTA_ERR_NULL_POINTER, "NULL node_id");
    CHECK(celesta_xylo_network_create(NULL) == CELESTA_ERR_NULL_POINTER, "NULL out");
    celesta_xylo_spec_free(built);
    celesta_xylo_spec_free(parsed);
    celesta_xylo_network_free(from_json);
    celesta_xylo_network_free(net);
}

/* The network of NETWORK with its first weight block given as a binary array: it maps to the
 * same specification; bad references and arrays are refused naming what is wrong. */
static void test_binary_arrays(void) {
    const char *text =
        "{\"layers\": ["
        "{\"type\": \"Linear\", \"n_in\": 2, \"n_out\": 3, \"weight\": {\"$array\": 1}},"
        "{\"type\": \"LIF\", \"n_in\": 3, \"n_out\": 3, \"tau_mem\": [0.02, 0.02, 0.02], \"tau_syn\": {\"$array\": 0},"
        " \"threshold\": [0.5, 0.5, 0.5], \"bias\": [0, 0, 0], \"dt\": 0.001},"
        "{\"type\": \"Linear\", \"n_in\": 3, \"n_out\": 2, \"weight\": [[0.5, -0.5], [0.3, 0.2], [0.1, 0.4]]},"
        "{\"type\": \"LIF\", \"n_in\": 2, \"n_out\": 2, \"tau_mem\": [0.02, 0.02], \"tau_syn\": [0.01, 0.01],"
        " \"threshold\": [0.5, 0.5], \"dt\": 0.001}"
        "]}";
    const double tau_syn[3] = {0.01, 0.01, 0.01};
    double weight[6] = {1.0, 0.1, 0.1, 0.1, 0.1, 0.1};
    const double *arrays[2] = {tau_syn, weight};
    size_t lens[2] = {3, 6};
    celesta_xylo_network_t *a = NULL, *b = NULL;
    CHECK(celesta_xylo_network_from_json_arrays(&a, text, strlen(text), arrays, lens, 2) == CELESTA_OK, "arrays: %s",
          celesta_last_error());
    CHECK(celesta_xylo_network_from_json(&b, NETWORK, strlen(NETWORK)) == CELESTA_OK, "text");
    celesta_xylo_spec_t *sa = NULL, *sb = NULL;
    if (a != NULL && b != NULL && celesta_xylo_map(&sa, a, "xa2", 0) == CELESTA_OK &&
        celesta_xylo_map(&sb, b, "xa2", 0) == CELESTA_OK) {
        char *ja = spec_text(celesta_xylo_spec_to_json, sa), *jb = spec_text(celesta_xylo_spec_to_json, sb);
        CHECK(ja != NULL && jb != NULL && strcmp(ja, jb) == 0, "binary arrays map as the text does");
        free(ja);
        free(jb);
    } else {
        CHECK(0, "map: %s", celesta_last_error());
    }
    celesta_xylo_spec_free(sa);
    celesta_xylo_spec_free(sb);
    celesta_xylo_network_free(a);
    celesta_xylo_network_free(b);

    celesta_xylo_network_t *net = SENTINEL;
    CHECK(celesta_xylo_network_from_json_arrays(&net, text, strlen(text), arrays, lens, 1) == CELESTA_ERR_OUT_OF_RANGE &&
              net == SENTINEL && contains(celesta_last_error(), "refers to array 1"), "past count: %s", celesta_last_error());
    CHECK(celesta_xylo_network_from_json_arrays(&net, text, strlen(text), NULL, lens, 2) == CELESTA_ERR_NULL_POINTER &&
              contains(celesta_last_error(), "arrays"), "NULL arrays: %s", celesta_last_error());
    CHECK(celesta_xylo_network_from_json_arrays(&net, text, strlen(text), arrays, NULL, 2) == CELESTA_ERR_NULL_POINTER &&
              contains(celesta_last_error(), "lens"), "NULL lens: %s", celesta_last_error());
    const double *holes[2] = {tau_syn, NULL};
    CHECK(celesta_xylo_network_from_json_arrays(&net, text, strlen(text), holes, lens, 2) == CELESTA_ERR_NULL_POINTER &&
              contains(celesta_last_error(), "arrays[1]"), "NULL arrays[1]: %s", celesta_last_error());
    size_t short_lens[2] = {3, 5};
    CHECK(celesta_xylo_network_from_json_arrays(&net, text, strlen(text), arrays, short_lens, 2) == CELESTA_ERR_SHAPE_MISMATCH &&
              net == SENTINEL, "short array: %s", celesta_last_error());
    weight[4] = 1.0 / 0.0;
    CHECK(celesta_xylo_network_from_json_arrays(&net, text, strlen(text), arrays, lens, 2) == CELESTA_ERR_OUT_OF_RANGE &&
              net == SENTINEL && contains(celesta_last_error(), "weight"), "non-finite: %s", celesta_last_error());
    CHECK(celesta_xylo_network_from_json_arrays(NULL, text, strlen(text), arrays, lens, 2) == CELESTA_ERR_NULL_POINTER, "NULL out");
}

int main(void) {
    test_pipeline();
    test_network_errors();
    test_graph_builder();
    test_binary_arrays();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
