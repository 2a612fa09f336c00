/* test_hls.c: the FPGA backend through the C ABI: a model from hls4ml-style layer dicts, its
 * JSON info, the fixed-point simulator (batched, stateful, float reference, trace), project
 * generation (refusing a folder that is not empty), and the error paths.
 * Usage: test_hls TMP_DIR */
#include <stdlib.h>
#include <string.h>

#include <celesta.h>

#include "check.h"

/* 2 inputs -> Dense 2x2 -> LIF -> spike readout (argmax, window 3). */
static const char *LAYERS =
    "[{\"name\": \"x\", \"class_name\": \"Input\", \"n\": 2},"
    " {\"name\": \"fc1\", \"class_name\": \"Dense\", \"n_in\": 2, \"n_out\": 2,"
    "  \"weight\": [[0.5, 0.25], [0.75, 0.125]], \"bias\": [0.0, 0.0]},"
    " {\"name\": \"lif1\", \"class_name\": \"LIFNeuron\", \"n\": 2, \"reset_mechanism\": \"subtract\","
    "  \"threshold\": {\"mode\": \"scalar\", \"value\": 1.0}, \"beta\": {\"mode\": \"scalar\", \"value\": 0.9}},"
    " {\"name\": \"readout\", \"class_name\": \"SNNReadout\", \"n_classes\": 2, \"window_size\": 3,"
    "  \"decision_rule\": \"argmax_spike_count\"}]";
static const char *CONFIG = "{\"IOType\": \"io_stream\", \"HLSConfig\": {\"Model\": {\"Precision\": {\"default\": \"ap_fixed<16,6>\"}}}}";

static celesta_hls_model_t *make(const char *layers, const char *config) {
    celesta_hls_model_t *m = NULL;
    int rc = celesta_hls_model_from_layers(&m, layers, strlen(layers), config, strlen(config));
    return rc == CELESTA_OK ? m : NULL;
}

/* A layers text with `from` replaced by `to` (caller frees). */
static char *patched(const char *from, const char *to) {
    const char *at = strstr(LAYERS, from);
    size_t n = strlen(LAYERS) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);
    size_t head = (size_t)(at - LAYERS);
    memcpy(out, LAYERS, head);
    strcpy(out + head, to);
    strcat(out, at + strlen(from));
    return out;
}

int main(int argc, char **argv) {
    const char *tmp = argc > 1 ? argv[1] : "/tmp";
    celesta_hls_model_t *m = make(LAYERS, CONFIG);
    CHECK(m != NULL, "%s", celesta_last_error());
    if (!m) return 1;

    /* info */
    size_t len = 0;
    CHECK(celesta_hls_model_info(NULL, 0, &len, m) == CELESTA_OK && len > 10, "query");
    char *info = malloc(len);
    CHECK(celesta_hls_model_info(info, len, &len, m) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(contains(info, "\"LIFNeuron\"") && contains(info, "ap_fixed<16,6>") && contains(info, "\"output_width\": 1"), "%s", info);
    free(info);

    /* simulate: 6 steps of all-ones input; two identical sequences in a batch */
    double x[2 * 6 * 2], y[2 * 6], y1[6], y2[6], yf[6];
    for (size_t i = 0; i < 24; ++i) x[i] = 1.0;
    CHECK(celesta_hls_simulate(y, 12, m, x, 24, 2, 6, 0) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(memcmp(y, y + 6, 6 * sizeof(double)) == 0, "independent sequences agree");
    /* stateful: 3 + 3 steps equal 6 steps */
    CHECK(celesta_hls_simulate(y1, 6, m, x, 6, 1, 3, CELESTA_HLS_SIM_KEEP_STATE | CELESTA_HLS_SIM_RESET) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(celesta_hls_simulate(y1 + 3, 3, m, x, 6, 1, 3, 1) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(memcmp(y1, y, 6 * sizeof(double)) == 0, "keep-state split run equals one run");
    /* trace */
    CHECK(celesta_hls_simulate(y2, 6, m, x, 12, 1, 6, 4) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(memcmp(y2, y, 6 * sizeof(double)) == 0, "traced run equals");
    CHECK(celesta_hls_last_trace(NULL, 0, &len, m) == CELESTA_OK && len > 2, "trace query");
    char *tr = malloc(len);
    CHECK(celesta_hls_last_trace(tr, len, &len, m) == CELESTA_OK && contains(tr, "\"v_pre\"") && contains(tr, "\"counts\""), "%s", tr);
    free(tr);
    /* float32 inputs: the same results as the same values as doubles (batch, trace) */
    {
        float xf[2 * 6 * 2];
        double yb[2 * 6], yt[6];
        for (size_t i = 0; i < 24; ++i) xf[i] = 1.0f;
        CHECK(celesta_hls_simulate_f32(yb, 12, m, xf, 24, 2, 6, 0) == CELESTA_OK, "%s", celesta_last_error());
        CHECK(memcmp(yb, y, 12 * sizeof(double)) == 0, "float32 batch equals float64 batch");
        CHECK(celesta_hls_simulate_f32(yt, 6, m, xf, 12, 1, 6, 4) == CELESTA_OK, "%s", celesta_last_error());
        CHECK(memcmp(yt, y, 6 * sizeof(double)) == 0, "float32 traced run equals");
        CHECK(celesta_hls_simulate_f32(yb, 12, m, xf, 23, 2, 6, 0) == CELESTA_ERR_SHAPE_MISMATCH && contains(celesta_last_error(), "x_len"), "%s", celesta_last_error());
        CHECK(celesta_hls_simulate_f32(yb, 12, m, NULL, 24, 2, 6, 0) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "'x'"), "%s", celesta_last_error());
    }
    /* float reference */
    CHECK(celesta_hls_simulate(yf, 6, m, x, 12, 1, 6, 2) == CELESTA_OK, "%s", celesta_last_error());
    /* shape errors */
    CHECK(celesta_hls_simulate(y, 12, m, x, 23, 2, 6, 0) == CELESTA_ERR_SHAPE_MISMATCH && contains(celesta_last_error(), "x_len"), "%s", celesta_last_error());
    CHECK(celesta_hls_simulate(y, 11, m, x, 24, 2, 6, 0) == CELESTA_ERR_SHAPE_MISMATCH && contains(celesta_last_error(), "out_len"), "%s", celesta_last_error());
    CHECK(celesta_hls_simulate(y, 12, m, x, 24, 2, 6, 1) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "batch"), "%s", celesta_last_error());
    CHECK(celesta_hls_simulate(y, 12, m, x, 24, 2, 6, 64) == CELESTA_ERR_INVALID_ARGUMENT, "bad flags");
    CHECK(celesta_hls_simulate(y, 12, NULL, x, 24, 2, 6, 0) == CELESTA_ERR_NULL_POINTER, "NULL model");

    /* project: written, then refused (not empty), then replaced */
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/hls_c_project", tmp);
    CHECK(celesta_hls_write(m, dir, NULL, 1) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(celesta_hls_write(m, dir, NULL, 0) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "not empty"), "%s", celesta_last_error());
    CHECK(celesta_hls_write(m, dir, NULL, 1) == CELESTA_OK, "%s", celesta_last_error());
    char path[1100];
    snprintf(path, sizeof path, "%s/firmware/parameters.h", dir);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "%s", path);
    if (f) fclose(f);
    CHECK(celesta_hls_compile(dir, "/nonexistent/ap_types", 0) == CELESTA_ERR_NOT_FOUND && contains(celesta_last_error(), "hls4ml==1.3.0"), "%s", celesta_last_error());
    CHECK(celesta_hls_compile(dir, "/nonexistent/ap_types", CELESTA_HLS_SHARED_LIBRARY | CELESTA_HLS_OPTIMIZE) == CELESTA_ERR_NOT_FOUND, "%s", celesta_last_error());
    CHECK(celesta_hls_compile(dir, NULL, 8) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "flags"), "%s", celesta_last_error());

    /* bad input, each naming the layer and the value */
    celesta_hls_model_t *none = NULL;
    char *bad;
    const char *badcfg = "{\"HLSConfig\": {\"LayerName\": {\"fc1\": {\"Precision\": {\"weight\": \"ap_fixd<8,3>\"}}}}}";
    CHECK(celesta_hls_model_from_layers(&none, LAYERS, strlen(LAYERS), badcfg, strlen(badcfg)) == CELESTA_ERR_PARSE
          && contains(celesta_last_error(), "fc1") && contains(celesta_last_error(), "ap_fixd<8,3>"), "%s", celesta_last_error());
    bad = patched("\"window_size\": 3", "\"window_size\": 0");
    CHECK(celesta_hls_model_from_layers(&none, bad, strlen(bad), CONFIG, strlen(CONFIG)) == CELESTA_ERR_OUT_OF_RANGE
          && contains(celesta_last_error(), "readout") && contains(celesta_last_error(), "window_size 0"), "%s", celesta_last_error());
    free(bad);
    bad = patched("\"SNNReadout\"", "\"Softmax\"");
    CHECK(celesta_hls_model_from_layers(&none, bad, strlen(bad), CONFIG, strlen(CONFIG)) == CELESTA_ERR_UNSUPPORTED
          && contains(celesta_last_error(), "Softmax"), "%s", celesta_last_error());
    free(bad);
    CHECK(celesta_hls_model_from_layers(&none, "[", 1, NULL, 0) == CELESTA_ERR_PARSE, "%s", celesta_last_error());
    CHECK(celesta_hls_model_from_layers(NULL, LAYERS, strlen(LAYERS), NULL, 0) == CELESTA_ERR_NULL_POINTER, "NULL out");
    CHECK(none == NULL, "failed calls write nothing");

    celesta_hls_model_free(m);
    celesta_hls_model_free(NULL);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
