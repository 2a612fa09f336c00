/* test_backend.c: the backend registry and the CPU simulator through the C ABI: the list with
 * capabilities, validation naming nodes, a simulation (constant, per-step and batched input,
 * TALON-compatible mode), and every error path of these calls. Usage: test_backend */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <celesta.h>

#include "check.h"

/* A size-query call's text (malloc'd; NULL on failure). */
static char *result_text(const celesta_backend_result_t *r) {
    size_t len = 0;
    if (celesta_backend_result_json(NULL, 0, &len, r) != CELESTA_OK) return NULL;
    char *buf = malloc(len);
    if (celesta_backend_result_json(buf, len, &len, r) != CELESTA_OK) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Runs `g` with `options` and one float32 input of `shape`; returns the result's JSON (malloc'd) or NULL. */
static char *simulate(const celesta_ir_graph_t *g, const char *options, const float *x, const int64_t *shape, size_t ndim, int *status) {
    celesta_ir_array_t arr = {sizeof(celesta_ir_array_t), "float32", x, ndim, shape};
    celesta_backend_result_t *r = NULL;
    *status = celesta_backend_simulate(&r, "cpu", g, options, strlen(options), &arr, 1);
    if (*status != CELESTA_OK) return NULL;
    char *text = result_text(r);
    celesta_backend_result_free(r);
    return text;
}

int main(void) {
    /* The registry: cpu and the Xylo chips, with capabilities. */
    size_t len = 0;
    CHECK(celesta_backend_list_json(NULL, 0, &len) == CELESTA_OK && len > 100, "%s", celesta_last_error());
    char *list = malloc(len);
    CHECK(celesta_backend_list_json(list, len, &len) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(contains(list, "\"name\": \"cpu\"") && contains(list, "\"name\": \"xylo-a3\""), "%s", list);
    CHECK(contains(list, "\"CubaLIF\"") && contains(list, "\"int4\""), "cpu capabilities");
    char small[8];
    CHECK(celesta_backend_list_json(small, sizeof small, &len) == CELESTA_ERR_BUFFER_TOO_SMALL, "small buffer");
    CHECK(celesta_backend_list_json(NULL, 0, NULL) == CELESTA_ERR_NULL_POINTER, "NULL len");
    free(list);

    /* Input 3 -> Affine 2x3 -> LIF 2 -> Output. */
    float w[6] = {1, 0, 0.5f, 0, 1, -1};
    int64_t wshape[2] = {2, 3};
    celesta_ir_array_t arr = {sizeof(celesta_ir_array_t), "float32", w, 2, wshape};
    const char *doc = "{\"nodes\": [{\"name\": \"in\", \"type\": \"Input\", \"fields\": {}, \"input_type\": {\"input\": [3]}},"
                      "{\"name\": \"fc\", \"type\": \"Linear\", \"fields\": {\"weight\": {\"$array\": 0}}},"
                      "{\"name\": \"lif\", \"type\": \"IF\", \"fields\": {\"v_threshold\": {\"$array\": 1}}},"
                      "{\"name\": \"out\", \"type\": \"Output\", \"fields\": {}, \"output_type\": {\"output\": [2]}}],"
                      "\"edges\": [[\"in\", \"fc\"], [\"fc\", \"lif\"], [\"lif\", \"out\"]]}";
    float thr[2] = {1, 1};
    int64_t tshape[1] = {2};
    celesta_ir_array_t arrays[2] = {arr, {sizeof(celesta_ir_array_t), "float32", thr, 1, tshape}};
    celesta_ir_graph_t *g = NULL;
    CHECK(celesta_ir_graph_from_json(&g, doc, strlen(doc), arrays, 2, 0) == CELESTA_OK, "%s", celesta_last_error());

    char text[1024];
    CHECK(celesta_backend_validate_json(text, sizeof text, &len, "cpu", g) == CELESTA_OK && contains(text, "\"is_valid\": true"), "%s", text);
    CHECK(celesta_backend_validate_json(text, sizeof text, &len, "xylo-a3", g) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(celesta_backend_validate_json(text, sizeof text, &len, "gpu", g) == CELESTA_ERR_NOT_FOUND && contains(celesta_last_error(), "'gpu'"), "%s", celesta_last_error());
    CHECK(celesta_backend_validate_json(text, sizeof text, &len, "cpu", NULL) == CELESTA_ERR_NULL_POINTER, "NULL graph");
    CHECK(celesta_backend_validate_json(text, sizeof text, &len, NULL, g) == CELESTA_ERR_NULL_POINTER, "NULL name");

    /* A constant input: fc = [1.5, -0.5]; the IF integrates 1.5 a step: spikes at steps 1, 2 (v 1.5 -> 0, 1.5...). */
    float x[3] = {1, 1, 1};
    int64_t xshape[1] = {3};
    int status = 0;
    char *r = simulate(g, "{\"inputs\": {\"in\": 0}, \"n_steps\": 4}", x, xshape, 1, &status);
    CHECK(status == CELESTA_OK && r != NULL, "%s", celesta_last_error());
    CHECK(contains(r, "\"spike_counts\": {\"lif\": 4}") && contains(r, "\"timesteps_run\": 4") && contains(r, "\"batch\": null"), "%s", r);
    free(r);
    /* A batch [B, T, 3]: two sequences of two steps. */
    float xb[12] = {1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
    int64_t bshape[3] = {2, 2, 3};
    r = simulate(g, "{\"inputs\": {\"in\": 0}, \"n_steps\": 2, \"threads\": 2}", xb, bshape, 3, &status);
    CHECK(status == CELESTA_OK && contains(r, "\"batch\": 2") && contains(r, "\"lif\": 2") && contains(r, "\"shape\": [2, 2]"), "%s", r ? r : celesta_last_error());
    free(r);
    /* TALON's simulator: IF passes its input through (no spikes counted: only LIF counts). */
    r = simulate(g, "{\"inputs\": {\"in\": 0}, \"n_steps\": 3, \"talon_compatible\": true, \"step_by_step\": true}", x, xshape, 1, &status);
    CHECK(status == CELESTA_OK && contains(r, "\"spike_counts\": {}") && contains(r, "\"outputs_valid\": true"), "%s", r ? r : celesta_last_error());
    free(r);

    /* Bad input: each names the node and the reason. */
    int64_t bad[1] = {4};
    float x4[4] = {0};
    CHECK(simulate(g, "{\"inputs\": {\"in\": 0}}", x4, bad, 1, &status) == NULL && status == CELESTA_ERR_SHAPE_MISMATCH
          && contains(celesta_last_error(), "node 'in' (Input): input shape [4]"), "%s", celesta_last_error());
    int64_t steps[2] = {5, 3};
    float x15[15] = {0};
    CHECK(simulate(g, "{\"inputs\": {\"in\": 0}, \"n_steps\": 3}", x15, steps, 2, &status) == NULL && status == CELESTA_ERR_SHAPE_MISMATCH
          && contains(celesta_last_error(), "5 steps"), "%s", celesta_last_error());
    float xn[3] = {0, 0, 0};
    xn[1] = xn[1] / xn[1];
    CHECK(simulate(g, "{\"inputs\": {\"in\": 0}}", xn, xshape, 1, &status) == NULL && status == CELESTA_ERR_INVALID_ARGUMENT
          && contains(celesta_last_error(), "NaN"), "%s", celesta_last_error());
    CHECK(simulate(g, "{\"inputs\": {\"x\": 0}}", x, xshape, 1, &status) == NULL && status == CELESTA_ERR_NOT_FOUND
          && contains(celesta_last_error(), "'x'"), "%s", celesta_last_error());
    CHECK(simulate(g, "{\"inputs\": {\"in\": 0}, \"precision\": \"int3\"}", x, xshape, 1, &status) == NULL
          && status == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "int3"), "%s", celesta_last_error());
    CHECK(simulate(g, "{\"inputs\": {\"in\": 0}, \"n_step\": 2}", x, xshape, 1, &status) == NULL
          && status == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "n_step"), "%s", celesta_last_error());
    CHECK(simulate(g, "{\"inputs\": {\"in\": 3}}", x, xshape, 1, &status) == NULL && status == CELESTA_ERR_OUT_OF_RANGE, "%s", celesta_last_error());
    CHECK(simulate(g, "[1, 2", x, xshape, 1, &status) == NULL && status == CELESTA_ERR_PARSE, "%s", celesta_last_error());
    celesta_backend_result_t *res = NULL;
    CHECK(celesta_backend_simulate(&res, "xylo-a3", g, "{}", 2, NULL, 0) == CELESTA_ERR_UNSUPPORTED, "%s", celesta_last_error());
    CHECK(celesta_backend_simulate(&res, "gpu", g, "{}", 2, NULL, 0) == CELESTA_ERR_NOT_FOUND, "%s", celesta_last_error());
    CHECK(celesta_backend_simulate(NULL, "cpu", g, "{}", 2, NULL, 0) == CELESTA_ERR_NULL_POINTER, "NULL out");
    CHECK(celesta_backend_simulate(&res, "cpu", NULL, "{}", 2, NULL, 0) == CELESTA_ERR_NULL_POINTER, "NULL graph");
    CHECK(res == NULL, "a failed call writes no result");
    CHECK(celesta_backend_result_json(text, sizeof text, &len, NULL) == CELESTA_ERR_NULL_POINTER, "NULL result");
    celesta_backend_result_free(NULL);
    /* No input data: zeros of the declared shape. */
    CHECK(celesta_backend_simulate(&res, "cpu", g, "{\"n_steps\": 2}", 14, NULL, 0) == CELESTA_OK, "%s", celesta_last_error());
    char *zr = result_text(res);
    CHECK(zr != NULL && contains(zr, "\"lif\": 0"), "%s", zr ? zr : "");
    free(zr);
    celesta_backend_result_free(res);
    celesta_ir_graph_free(g);

    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
