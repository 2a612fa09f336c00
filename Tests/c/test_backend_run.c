/* test_backend_run.c: a backend's profile (celesta_backend_profile), TALON's run
 * (celesta_backend_run) and the energy presets through the C ABI: the cpu's per-operation
 * estimate with measured latency, the TALON-compatible profile, a Xylo chip's cycle and power
 * models, run()'s errors reported in the result, and every error path of these calls.
 * Usage: test_backend_run */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <celesta.h>

#include "check.h"
#include "result_text.h"

typedef int (*call_fn)(celesta_backend_result_t **, const char *, const celesta_ir_graph_t *, const char *, size_t,
                       const celesta_ir_array_t *, size_t);

/* Calls `fn` on backend `name` with `options` and one int64 or float32 input array (NULL: none). */
static char *call(call_fn fn, const char *name, const celesta_ir_graph_t *g, const char *options, const celesta_ir_array_t *x,
                  int *status) {
    celesta_backend_result_t *r = NULL;
    *status = fn(&r, name, g, options, strlen(options), x, x ? 1 : 0);
    if (*status != CELESTA_OK) {
        CHECK(r == NULL, "a failed call writes no result");
        return NULL;
    }
    return take_text(r);
}

/* The number after `"key": ` in `text` (0 when absent). */
static double number_at(const char *text, const char *key) {
    char pattern[128];
    snprintf(pattern, sizeof pattern, "\"%s\": ", key);
    const char *p = strstr(text, pattern);
    return p ? strtod(p + strlen(pattern), NULL) : 0;
}

int main(void) {
    /* Input 3 -> Affine 6x3 -> LIF 6 -> Affine 2x6 -> LIF 2 -> Output (taus in steps). */
    float w1[18], w2[12], b1[6] = {0}, b2[2] = {0}, tau6[6], r6[6], leak6[6] = {0}, thr6[6], tau2[2] = {8, 8}, r2[2] = {8, 8},
                                   leak2[2] = {0}, thr2[2] = {1, 1};
    for (int i = 0; i < 18; ++i) w1[i] = 0.2f + 0.04f * (float)i;
    for (int i = 0; i < 12; ++i) w2[i] = 0.3f + 0.05f * (float)i;
    for (int i = 0; i < 6; ++i) {
        tau6[i] = 8;
        r6[i] = 8;
        thr6[i] = 1;
    }
    int64_t s63[2] = {6, 3}, s26[2] = {2, 6}, s6[1] = {6}, s2[1] = {2};
    celesta_ir_array_t arrays[12] = {
        {sizeof(celesta_ir_array_t), "float32", w1, 2, s63},  {sizeof(celesta_ir_array_t), "float32", b1, 1, s6},
        {sizeof(celesta_ir_array_t), "float32", tau6, 1, s6}, {sizeof(celesta_ir_array_t), "float32", r6, 1, s6},
        {sizeof(celesta_ir_array_t), "float32", leak6, 1, s6}, {sizeof(celesta_ir_array_t), "float32", thr6, 1, s6},
        {sizeof(celesta_ir_array_t), "float32", w2, 2, s26},  {sizeof(celesta_ir_array_t), "float32", b2, 1, s2},
        {sizeof(celesta_ir_array_t), "float32", tau2, 1, s2}, {sizeof(celesta_ir_array_t), "float32", r2, 1, s2},
        {sizeof(celesta_ir_array_t), "float32", leak2, 1, s2}, {sizeof(celesta_ir_array_t), "float32", thr2, 1, s2},
    };
    const char *doc =
        "{\"nodes\": [{\"name\": \"input\", \"type\": \"Input\", \"fields\": {}, \"input_type\": {\"input\": [3]}},"
        "{\"name\": \"fc\", \"type\": \"Affine\", \"fields\": {\"weight\": {\"$array\": 0}, \"bias\": {\"$array\": 1}}},"
        "{\"name\": \"lif\", \"type\": \"LIF\", \"fields\": {\"tau\": {\"$array\": 2}, \"r\": {\"$array\": 3}, \"v_leak\": {\"$array\": 4},"
        " \"v_threshold\": {\"$array\": 5}}},"
        "{\"name\": \"fc2\", \"type\": \"Affine\", \"fields\": {\"weight\": {\"$array\": 6}, \"bias\": {\"$array\": 7}}},"
        "{\"name\": \"lif2\", \"type\": \"LIF\", \"fields\": {\"tau\": {\"$array\": 8}, \"r\": {\"$array\": 9}, \"v_leak\": {\"$array\": 10},"
        " \"v_threshold\": {\"$array\": 11}}},"
        "{\"name\": \"output\", \"type\": \"Output\", \"fields\": {}, \"output_type\": {\"output\": [2]}}],"
        "\"edges\": [[\"input\", \"fc\"], [\"fc\", \"lif\"], [\"lif\", \"fc2\"], [\"fc2\", \"lif2\"], [\"lif2\", \"output\"]]}";
    celesta_ir_graph_t *g = NULL;
    CHECK(celesta_ir_graph_from_json(&g, doc, strlen(doc), arrays, 12, 0) == CELESTA_OK, "%s", celesta_last_error());

    /* The presets. */
    size_t len = 0;
    char presets[2048];
    CHECK(celesta_backend_energy_presets_json(presets, sizeof presets, &len) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(contains(presets, "\"neuromorphic_int8\": {\"mac_pj\": 4.6, \"spike_pj\": 0.9") && contains(presets, "\"zcu102\""), "%s", presets);
    CHECK(celesta_backend_energy_presets_json(presets, 4, &len) == CELESTA_ERR_BUFFER_TOO_SMALL, "small buffer");
    CHECK(celesta_backend_energy_presets_json(presets, sizeof presets, NULL) == CELESTA_ERR_NULL_POINTER, "NULL len");

    /* The chip's backend names its chip (from the chip table). */
    char list[16384];
    CHECK(celesta_backend_list_json(list, sizeof list, &len) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(contains(list, "\"chip\": \"syns65302\"") && contains(list, "\"chip\": \"syns61201\""), "chip ids in the list");

    /* cpu profile: an input of ones drives spikes; measured latency, every energy an estimate. */
    float ones[3] = {1, 1, 1};
    int64_t s3[1] = {3};
    celesta_ir_array_t x = {sizeof(celesta_ir_array_t), "float32", ones, 1, s3};
    int status = 0;
    char *p = call(celesta_backend_profile, "cpu", g, "{\"inputs\": {\"input\": 0}, \"n_steps\": 5}", &x, &status);
    CHECK(p != NULL, "%s", celesta_last_error());
    if (p) {
        CHECK(contains(p, "\"latency_source\": \"measured\"") && contains(p, "\"energy_is_estimate\": true"), "%s", p);
        CHECK(contains(p, "\"energy_preset\": \"neuromorphic_int8\"") && contains(p, "\"energy_source\": \"per-operation costs\""), "%s", p);
        /* 5 steps of 18 + 12 MACs; weight bytes 4 x (18 + 6 + 12 + 2). */
        CHECK(number_at(p, "mac_ops") == 150 && number_at(p, "weight_memory_bytes") == 152, "%s", p);
        CHECK(number_at(p, "energy_estimate_uj") > 0 && number_at(p, "total_latency_us") > 0, "%s", p);
        free(p);
    }
    /* An override and a per-primitive MAC energy of 0 lower the MAC energy to 0. */
    p = call(celesta_backend_profile, "cpu", g, "{\"inputs\": {\"input\": 0}, \"energy_preset\": \"zcu102\", \"energy_per_op_pj\": {\"Affine\": 0}}",
             &x, &status);
    CHECK(p != NULL && number_at(p, "mac_energy_uj") == 0 && contains(p, "\"energy_preset\": \"zcu102\""), "%s", p ? p : celesta_last_error());
    free(p);
    /* TALON's profiler. */
    p = call(celesta_backend_profile, "cpu", g, "{\"inputs\": {\"input\": 0}, \"n_steps\": 2, \"talon_compatible\": true}", &x, &status);
    CHECK(p != NULL && number_at(p, "mac_ops") == 60, "%s", p ? p : celesta_last_error());
    free(p);

    /* Profile errors. */
    CHECK(call(celesta_backend_profile, "cpu", g, "{\"energy_preset\": \"7nm\"}", NULL, &status) == NULL && status == CELESTA_ERR_NOT_FOUND
          && contains(celesta_last_error(), "Unknown energy preset '7nm'"), "%s", celesta_last_error());
    CHECK(call(celesta_backend_profile, "cpu", g, "{\"talon_compatible\": true, \"energy_per_op_pj\": {\"Affine\": 1}}", NULL, &status) == NULL
          && status == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "energy_per_op_pj"), "%s", celesta_last_error());
    CHECK(call(celesta_backend_profile, "cpu", g, "{\"energy_per_op_pj\": {\"Affine\": -1}}", NULL, &status) == NULL
          && status == CELESTA_ERR_INVALID_ARGUMENT, "%s", celesta_last_error());
    CHECK(call(celesta_backend_profile, "cpu", g, "{\"nsteps\": 2}", NULL, &status) == NULL && status == CELESTA_ERR_INVALID_ARGUMENT
          && contains(celesta_last_error(), "nsteps"), "%s", celesta_last_error());
    CHECK(call(celesta_backend_profile, "cpu", g, "{\"n_steps\": 0}", NULL, &status) == NULL && status == CELESTA_ERR_INVALID_ARGUMENT,
          "%s", celesta_last_error());
    CHECK(call(celesta_backend_profile, "cpu", g, "{\"dt\": -1}", NULL, &status) == NULL && status == CELESTA_ERR_OUT_OF_RANGE,
          "%s", celesta_last_error());
    CHECK(call(celesta_backend_profile, "gpu", g, "{}", NULL, &status) == NULL && status == CELESTA_ERR_NOT_FOUND, "%s", celesta_last_error());
    CHECK(call(celesta_backend_profile, "cpu", g, "{\"inputs\": {\"input\": 1}}", &x, &status) == NULL && status == CELESTA_ERR_OUT_OF_RANGE,
          "%s", celesta_last_error());
    CHECK(call(celesta_backend_profile, "cpu", g, "{", NULL, &status) == NULL && status == CELESTA_ERR_PARSE, "%s", celesta_last_error());
    celesta_backend_result_t *res = NULL;
    CHECK(celesta_backend_profile(NULL, "cpu", g, "{}", 2, NULL, 0) == CELESTA_ERR_NULL_POINTER, "NULL out");
    CHECK(celesta_backend_profile(&res, "cpu", NULL, "{}", 2, NULL, 0) == CELESTA_ERR_NULL_POINTER, "NULL graph");
    CHECK(celesta_backend_profile(&res, NULL, g, "{}", 2, NULL, 0) == CELESTA_ERR_NULL_POINTER, "NULL name");
    CHECK(celesta_backend_profile(&res, "cpu", g, NULL, 2, NULL, 0) == CELESTA_ERR_NULL_POINTER, "NULL options");

    /* Xylo Audio 3: event counts [T, 3]; the cycle model and the power model, labelled as models. */
    int64_t events[40 * 3];
    for (int i = 0; i < 120; ++i) events[i] = (i * 7) % 4;
    int64_t st[2] = {40, 3};
    celesta_ir_array_t ev = {sizeof(celesta_ir_array_t), "int64", events, 2, st};
    p = call(celesta_backend_profile, "xylo-a3", g, "{\"inputs\": {\"input\": 0}, \"dt\": 1}", &ev, &status);
    CHECK(p != NULL, "%s", celesta_last_error());
    if (p) {
        CHECK(contains(p, "\"latency_source\": \"cycle model\"") && contains(p, "\"energy_source\": \"power model\""), "%s", p);
        CHECK(number_at(p, "cycles_per_step") > 0 && number_at(p, "clock_hz") > 0 && number_at(p, "run_seconds") == 40, "%s", p);
        CHECK(contains(p, "\"power_watts\": {\"io\": ") && contains(p, "\"digital\": ") && number_at(p, "power_total_watts") > 0, "%s", p);
        CHECK(contains(p, "\"spike_counts\": {\"hidden\": ") && number_at(p, "energy_estimate_uj") > 0, "%s", p);
        free(p);
    }
    /* Xylo v1: the Audio 2 cycle model and Audio 2's SNN-core power rail, each labelled as
     * derived (the assumptions in model_notes); the core rail equals Audio 2's on this network;
     * a float input is no event count. */
    p = call(celesta_backend_profile, "xylo-v1", g, "{\"inputs\": {\"input\": 0}, \"dt\": 1}", &ev, &status);
    char *a2 = call(celesta_backend_profile, "xylo-a2", g, "{\"inputs\": {\"input\": 0}, \"dt\": 1}", &ev, &status);
    CHECK(p != NULL && a2 != NULL, "%s", celesta_last_error());
    if (p && a2) {
        CHECK(contains(p, "\"latency_source\": \"derived cycle model\"") && contains(p, "\"energy_source\": \"derived power model\""), "%s", p);
        CHECK(contains(p, "\"model_notes\": [\"derived cycle model: no reference model or measurement exists for Xylo v1"), "%s", p);
        CHECK(contains(p, "\"derived power model: no dev kit, power measurement or published figure exists for Xylo v1 (syns61300)\""), "%s", p);
        CHECK(contains(p, "\"power_watts\": {\"snn_core\": ") && !contains(p, "\"io\": ") && !contains(p, "power unavailable"), "%s", p);
        CHECK(number_at(p, "cycles_per_step") > 0 && number_at(p, "clock_hz") > 0 && number_at(p, "energy_estimate_uj") > 0, "%s", p);
        CHECK(number_at(p, "snn_core") == number_at(a2, "snn_core") && number_at(p, "snn_core") > 0, "%s\n%s", p, a2);
        CHECK(number_at(p, "power_total_watts") == number_at(p, "snn_core") && number_at(a2, "power_total_watts") > number_at(p, "snn_core"), "%s", p);
    }
    free(p);
    free(a2);
    float half[3] = {0.5f, 0, 0};
    int64_t s13[2] = {1, 3};
    celesta_ir_array_t fx = {sizeof(celesta_ir_array_t), "float32", half, 2, s13};
    CHECK(call(celesta_backend_profile, "xylo-a3", g, "{\"inputs\": {\"input\": 0}, \"dt\": 1}", &fx, &status) == NULL
          && status == CELESTA_ERR_OUT_OF_RANGE && contains(celesta_last_error(), "event count"), "%s", celesta_last_error());

    /* run: a bare array bound to the single Input, profiled with run()'s own formula. */
    char *r = call(celesta_backend_run, "cpu", g, "{\"input\": 0, \"timesteps\": 4}", &x, &status);
    CHECK(r != NULL && contains(r, "\"errors\": []") && number_at(r, "timesteps_run") == 4 && number_at(r, "mac_ops") == 120, "%s",
          r ? r : celesta_last_error());
    CHECK(r != NULL && contains(r, "\"profile\": {") && number_at(r, "energy_estimate_uj") > 0, "%s", r ? r : "");
    free(r);
    /* run's problems are in the result: an unknown backend, a bad input shape. */
    r = call(celesta_backend_run, "gpu", g, "{}", NULL, &status);
    CHECK(r != NULL && contains(r, "\"errors\": [\"Backend 'gpu' not found\"]"), "%s", r ? r : celesta_last_error());
    free(r);
    float five[5] = {0};
    int64_t s5[1] = {5};
    celesta_ir_array_t x5 = {sizeof(celesta_ir_array_t), "float32", five, 1, s5};
    r = call(celesta_backend_run, "cpu", g, "{\"input\": 0, \"profile\": false}", &x5, &status);
    CHECK(r != NULL && contains(r, "node 'input'") && contains(r, "\"profile\": null"), "%s", r ? r : celesta_last_error());
    free(r);
    /* On the chip model. */
    r = call(celesta_backend_run, "xylo-a3", g, "{\"inputs\": {\"input\": 0}, \"timesteps\": 40, \"dt\": 1}", &ev, &status);
    CHECK(r != NULL && contains(r, "\"errors\": []") && contains(r, "\"shape\": [40, 2]") && contains(r, "cycle model"), "%s",
          r ? r : celesta_last_error());
    free(r);
    CHECK(call(celesta_backend_run, "cpu", g, "{\"inputs\": {\"input\": 0}, \"input\": 0}", &x, &status) == NULL
          && status == CELESTA_ERR_INVALID_ARGUMENT, "%s", celesta_last_error());
    CHECK(call(celesta_backend_run, "cpu", g, "{\"timestep\": 3}", NULL, &status) == NULL && status == CELESTA_ERR_INVALID_ARGUMENT,
          "%s", celesta_last_error());
    CHECK(celesta_backend_run(NULL, "cpu", g, "{}", 2, NULL, 0) == CELESTA_ERR_NULL_POINTER, "NULL out");
    CHECK(celesta_backend_run(&res, "cpu", NULL, "{}", 2, NULL, 0) == CELESTA_ERR_NULL_POINTER, "NULL graph");
    celesta_ir_graph_free(g);

    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
