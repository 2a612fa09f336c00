/*
 * test_xylo.c: the Xylo configuration and simulator through the C ABI.
 * Usage: test_xylo CASE_DIR... (folders made by scripts/extract_case.py), then error paths.
 * Closes with "N passed, N failed".
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <celesta.h>

#include "check.h"
#include "cases.h"
#include "progress.h"

static void run_case(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", dir);
    celesta_xylo_config_t *config = NULL;
    int status = celesta_xylo_config_load(&config, path);
    CHECK(status == CELESTA_OK, "%s: load: %s", dir, celesta_last_error());
    if (status != CELESTA_OK) return;
    celesta_xylo_config_dims_t dims = CELESTA_INIT(celesta_xylo_config_dims_t);
    CHECK(celesta_xylo_config_dims(&dims, config) == CELESTA_OK, "dims");
    celesta_xylo_sim_t *sim = NULL;
    CHECK(celesta_xylo_sim_create(&sim, config) == CELESTA_OK, "%s: sim: %s", dir, celesta_last_error());
    celesta_xylo_config_free(config); /* the simulator does not need the config handle */

    size_t steps, n_in;
    int32_t *input = read_matrix(dir, "input", &steps, &n_in);
    CHECK(input != NULL && (int)n_in == dims.n_in, "%s: input", dir);
    size_t nh = (size_t)dims.n_hidden, no = (size_t)dims.n_out;
    int32_t *out = calloc(steps * no + 1, sizeof *out);
    celesta_xylo_sim_record_t rec = CELESTA_INIT(celesta_xylo_sim_record_t);
    memset(&rec, 0, sizeof rec);
    rec.struct_size = sizeof rec;
    int32_t *bufs[7];
    size_t widths[7] = {nh, nh, nh, nh, no, no, 1};
    const char *names[7] = {"Vmem", "Isyn", "Isyn2", "Spikes", "Vmem_out", "Isyn_out", "hibernation"};
    for (int i = 0; i < 7; ++i) bufs[i] = calloc(steps * widths[i] + 1, sizeof(int32_t));
    rec.vmem = bufs[0]; rec.vmem_len = steps * nh;
    rec.isyn = bufs[1]; rec.isyn_len = steps * nh;
    rec.isyn2 = bufs[2]; rec.isyn2_len = steps * nh;
    rec.spikes = bufs[3]; rec.spikes_len = steps * nh;
    rec.vmem_out = bufs[4]; rec.vmem_out_len = steps * no;
    rec.isyn_out = bufs[5]; rec.isyn_out_len = steps * no;
    rec.hibernation = bufs[6]; rec.hibernation_len = steps;
    status = celesta_xylo_sim_evolve(out, steps * no, &(size_t){0}, &rec, sim, input, steps * n_in, steps);
    CHECK(status == CELESTA_OK, "%s: evolve: %s", dir, celesta_last_error());
    size_t r, c, at = 0;
    int32_t *want = read_matrix(dir, "spikes_out", &r, &c);
    CHECK(want != NULL && equal(want, out, steps * no, &at), "%s: spikes_out differ at %zu", dir, at);
    free(want);
    for (int i = 0; i < 7; ++i) {
        want = read_matrix(dir, names[i], &r, &c);
        if (want == NULL) continue; /* v1 has no hibernation record */
        CHECK(equal(want, bufs[i], steps * widths[i], &at), "%s: %s differ at %zu", dir, names[i], at);
        free(want);
    }
    /* State persists; reset returns to the start: a second run equals the first. */
    int32_t *again = calloc(steps * no + 1, sizeof *again);
    CHECK(celesta_xylo_sim_reset(sim) == CELESTA_OK, "reset");
    CHECK(celesta_xylo_sim_evolve(again, steps * no, &(size_t){0}, NULL, sim, input, steps * n_in, steps) == CELESTA_OK, "evolve 2");
    CHECK(memcmp(again, out, steps * no * sizeof *out) == 0, "%s: run after reset differs", dir);
    free(again);
    for (int i = 0; i < 7; ++i) free(bufs[i]);
    free(out);
    free(input);
    celesta_xylo_sim_free(sim);
}

static void test_errors(const char *tmpdir) {
    int32_t w_in[2] = {100, 50}, w_rec[4] = {0, 20, 0, 0}, w_out[2] = {60, 60};
    int32_t dash[2] = {2, 2}, thr[2] = {100, 100}, dash_o[1] = {2}, thr_o[1] = {50};
    celesta_xylo_config_desc_t d = tiny(w_in, w_rec, w_out, dash, thr, dash_o, thr_o);
    celesta_xylo_config_t *cfg = NULL;
    CHECK(celesta_xylo_config_create(&cfg, &d) == CELESTA_OK, "create: %s", celesta_last_error());
    char msg[512];
    size_t needed = 0;
    CHECK(celesta_xylo_config_validate(cfg) == CELESTA_OK, "valid: %s", celesta_last_error());
    CHECK(celesta_xylo_config_issues(msg, sizeof msg, &needed, cfg) == CELESTA_OK && msg[0] == 0 && needed == 1,
          "no issues: %s", msg);

    celesta_xylo_config_t *untouched = (celesta_xylo_config_t *)0x1;
    CHECK(celesta_xylo_config_create(NULL, &d) == CELESTA_ERR_NULL_POINTER, "NULL out");
    CHECK(celesta_xylo_config_create(&untouched, NULL) == CELESTA_ERR_NULL_POINTER && untouched == (celesta_xylo_config_t *)0x1,
          "NULL desc leaves *out");
    celesta_xylo_config_desc_t bad = d;
    bad.struct_size = (uint32_t)sizeof bad - 1;
    CHECK(celesta_xylo_config_create(&untouched, &bad) == CELESTA_ERR_INVALID_ARGUMENT && untouched == (celesta_xylo_config_t *)0x1 &&
              contains(celesta_last_error(), "'desc->struct_size'"),
          "input struct_size too small: %s", celesta_last_error());
    bad.struct_size = 0;
    CHECK(celesta_xylo_config_create(&untouched, &bad) == CELESTA_ERR_INVALID_ARGUMENT, "input struct_size 0");
    bad = d;
    int32_t w_in3[3] = {100, 50, 0};  /* a length that disagrees with the shape (the buffer holds it) */
    bad.weights_in = w_in3;
    bad.weights_in_len = 3;
    CHECK(celesta_xylo_config_create(&untouched, &bad) == CELESTA_ERR_SHAPE_MISMATCH, "shape");
    CHECK(contains(celesta_last_error(), "'weights_in' has 3 values"), "%s", celesta_last_error());
    bad = d;
    bad.chip = "xa9";
    CHECK(celesta_xylo_config_create(&untouched, &bad) == CELESTA_ERR_NOT_FOUND, "chip");
    bad = d;
    bad.weights_rec = NULL;
    CHECK(celesta_xylo_config_create(&untouched, &bad) == CELESTA_ERR_NULL_POINTER, "NULL array");
    CHECK(contains(celesta_last_error(), "weights_rec"), "%s", celesta_last_error());
    int32_t big[2] = {100, 300};
    bad = d;
    bad.weights_in = big;
    CHECK(celesta_xylo_config_create(&untouched, &bad) == CELESTA_ERR_OUT_OF_RANGE, "weight outside int8");
    CHECK(contains(celesta_last_error(), "'weights_in[0][1][0]' is 300"), "%s", celesta_last_error());
    bad = d;
    bad.n_syn = 3;
    CHECK(celesta_xylo_config_create(&untouched, &bad) == CELESTA_ERR_OUT_OF_RANGE, "n_syn");
    bad = d;
    bad.dt = 0.0;
    CHECK(celesta_xylo_config_create(&untouched, &bad) == CELESTA_ERR_OUT_OF_RANGE, "dt");
    CHECK(untouched == (celesta_xylo_config_t *)0x1, "failed creates left *out untouched");

    /* Validation against the chip: a dash of 16 is simulatable but not on Xylo. */
    int32_t dash16[2] = {2, 16};
    bad = d;
    bad.dash_mem = dash16;
    celesta_xylo_config_t *invalid = NULL;
    CHECK(celesta_xylo_config_create(&invalid, &bad) == CELESTA_OK, "simulatable");
    CHECK(celesta_xylo_config_validate(invalid) == CELESTA_ERR_INVALID_CONFIG, "invalid");
    CHECK(contains(celesta_last_error(), "'dash_mem[1]' is 16"), "%s", celesta_last_error());
    CHECK(celesta_xylo_config_issues(NULL, 0, &needed, invalid) == CELESTA_OK && needed > 1, "issues query");
    char small[4] = "xyz";
    CHECK(celesta_xylo_config_issues(small, sizeof small, &needed, invalid) == CELESTA_ERR_BUFFER_TOO_SMALL, "small");
    CHECK(strcmp(small, "xyz") == 0, "small buffer untouched");
    char *issues = malloc(needed);
    CHECK(issues != NULL && celesta_xylo_config_issues(issues, needed, &needed, invalid) == CELESTA_OK &&
              contains(issues, "'dash_mem[1]' is 16"), "issues text");
    free(issues);
    celesta_xylo_config_free(invalid);

    /* Save and load round trip; failed save leaves nothing; bad files are errors. */
    char path[4096], json[8192];
    snprintf(path, sizeof path, "%s/tiny.json", tmpdir);
    CHECK(celesta_xylo_config_save(cfg, path) == CELESTA_OK, "save: %s", celesta_last_error());
    celesta_xylo_config_t *back = NULL;
    CHECK(celesta_xylo_config_load(&back, path) == CELESTA_OK, "load");
    char json2[8192];
    CHECK(celesta_xylo_config_to_json(json, sizeof json, &(size_t){0}, cfg) == CELESTA_OK, "json");
    CHECK(celesta_xylo_config_to_json(json2, sizeof json2, &(size_t){0}, back) == CELESTA_OK && strcmp(json, json2) == 0,
          "round trip");
    celesta_xylo_config_t *from_text = NULL;
    CHECK(celesta_xylo_config_from_json(&from_text, json, strlen(json)) == CELESTA_OK, "from json");
    celesta_xylo_config_free(from_text);
    celesta_xylo_config_free(back);
    CHECK(celesta_xylo_config_save(cfg, "/nonexistent-dir/x.json") == CELESTA_ERR_IO, "save to missing dir");
    CHECK(contains(celesta_last_error(), "/nonexistent-dir/x.json"), "%s", celesta_last_error());
    CHECK(celesta_xylo_config_load(&untouched, "/nonexistent-file.json") == CELESTA_ERR_IO, "missing file");
    CHECK(celesta_xylo_config_from_json(&untouched, "{\"weights_in\": 3}", 17) == CELESTA_ERR_PARSE, "malformed");
    CHECK(celesta_xylo_config_from_json(&untouched, "{{{", 3) == CELESTA_ERR_PARSE, "not json");
    CHECK(celesta_xylo_config_load(&untouched, NULL) == CELESTA_ERR_NULL_POINTER, "NULL path");

    /* Cycle model and clock estimate: the clock is cycles(1,1,1) * (1 + margin) / dt. */
    double cycles = -1, isyn2 = -1, hz = -1;
    CHECK(celesta_xylo_cycles(&cycles, &isyn2, cfg, 1, 1, 1) == CELESTA_OK && cycles > 0 && isyn2 >= 0, "cycles");
    CHECK(celesta_xylo_clock_frequency(&hz, cfg, 1e-3, 0.2) == CELESTA_OK && hz > 0, "clock");
    CHECK(hz > cycles * 1.2 / 1e-3 * (1 - 1e-12) && hz < cycles * 1.2 / 1e-3 * (1 + 1e-12), "clock %g vs cycles %g", hz, cycles);
    CHECK(celesta_xylo_cycles(&cycles, NULL, cfg, 0.1, 0.2, 0.05) == CELESTA_OK, "isyn2 may be NULL");
    double keep = 123;
    CHECK(celesta_xylo_cycles(&keep, NULL, cfg, 1.5, 1, 1) == CELESTA_ERR_OUT_OF_RANGE && keep == 123, "probability 1.5");
    CHECK(contains(celesta_last_error(), "1.5"), "%s", celesta_last_error());
    CHECK(celesta_xylo_cycles(&keep, NULL, NULL, 1, 1, 1) == CELESTA_ERR_NULL_POINTER, "NULL config");
    CHECK(celesta_xylo_cycles(NULL, NULL, cfg, 1, 1, 1) == CELESTA_ERR_NULL_POINTER, "NULL cycles");
    CHECK(celesta_xylo_clock_frequency(&keep, cfg, 0, 0.2) == CELESTA_ERR_OUT_OF_RANGE, "dt 0");
    CHECK(celesta_xylo_clock_frequency(&keep, cfg, 1e-3, -0.1) == CELESTA_ERR_OUT_OF_RANGE, "negative margin");
    CHECK(celesta_xylo_clock_frequency(NULL, cfg, 1e-3, 0.2) == CELESTA_ERR_NULL_POINTER, "NULL hz");
    celesta_xylo_config_desc_t v1 = d;
    v1.chip = "xylo_v1";
    celesta_xylo_config_t *v1cfg = NULL;
    CHECK(celesta_xylo_config_create(&v1cfg, &v1) == CELESTA_OK, "v1 config");
    /* Xylo v1: the Audio 2 model (derived; no reference for v1): the same network, the same cycles. */
    double v1_cycles = 0, v1_isyn2 = 0, a2_cycles = 0, a2_isyn2 = 0;
    CHECK(celesta_xylo_cycles(&v1_cycles, &v1_isyn2, v1cfg, 0.5, 0.25, 1) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(celesta_xylo_cycles(&a2_cycles, &a2_isyn2, cfg, 0.5, 0.25, 1) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(v1_cycles > 0 && v1_cycles == a2_cycles && v1_isyn2 == a2_isyn2, "v1 %g/%g vs a2 %g/%g", v1_cycles, v1_isyn2, a2_cycles, a2_isyn2);
    celesta_xylo_config_free(v1cfg);

    /* Simulator errors. */
    celesta_xylo_sim_t *sim = NULL;
    CHECK(celesta_xylo_sim_create(&sim, NULL) == CELESTA_ERR_NULL_POINTER, "NULL config");
    CHECK(celesta_xylo_sim_create(&sim, cfg) == CELESTA_OK, "sim");
    int32_t input[4] = {3, 0, 20, 1}, out[4] = {7, 7, 7, 7};
    CHECK(celesta_xylo_sim_evolve(out, 4, &(size_t){0}, NULL, sim, input, 4, 4) == CELESTA_OK, "evolve");
    int32_t saved[4];
    memcpy(saved, out, sizeof out);
    int32_t bad_input[4] = {3, -1, 0, 0};
    CHECK(celesta_xylo_sim_evolve(out, 4, &(size_t){0}, NULL, sim, bad_input, 4, 4) == CELESTA_ERR_OUT_OF_RANGE, "negative count");
    CHECK(contains(celesta_last_error(), "'input[1][0]' is -1"), "%s", celesta_last_error());
    bad_input[1] = 256;
    CHECK(celesta_xylo_sim_evolve(out, 4, &(size_t){0}, NULL, sim, bad_input, 4, 4) == CELESTA_ERR_OUT_OF_RANGE, "count 256");
    CHECK(celesta_xylo_sim_evolve(out, 4, &(size_t){0}, NULL, sim, input, 3, 4) == CELESTA_ERR_SHAPE_MISMATCH, "input length");
    CHECK(celesta_xylo_sim_evolve(out, 3, &(size_t){0}, NULL, sim, input, 4, 4) == CELESTA_ERR_BUFFER_TOO_SMALL, "out length");
    CHECK(celesta_xylo_sim_evolve(NULL, 4, &(size_t){0}, NULL, sim, input, 4, 4) == CELESTA_ERR_NULL_POINTER, "NULL out");
    CHECK(celesta_xylo_sim_evolve(out, 4, &(size_t){0}, NULL, NULL, input, 4, 4) == CELESTA_ERR_NULL_POINTER, "NULL sim");
    celesta_xylo_sim_record_t rec = CELESTA_INIT(celesta_xylo_sim_record_t);
    memset(&rec, 0, sizeof rec);
    rec.struct_size = sizeof rec;
    int32_t vm[7];
    rec.vmem = vm;
    rec.vmem_len = 7;
    CHECK(celesta_xylo_sim_evolve(out, 4, &(size_t){0}, &rec, sim, input, 4, 4) == CELESTA_ERR_BUFFER_TOO_SMALL, "record length");
    CHECK(contains(celesta_last_error(), "record->vmem"), "%s", celesta_last_error());
    rec.struct_size = 8;
    CHECK(celesta_xylo_sim_evolve(out, 4, &(size_t){0}, &rec, sim, input, 4, 4) == CELESTA_ERR_INVALID_ARGUMENT &&
              contains(celesta_last_error(), "'record->struct_size' is 8"), "record struct_size: %s", celesta_last_error());
    rec.struct_size = sizeof rec;
    /* The size-query idiom on an array output: query (nothing run), too small (untouched), exact. */
    size_t len = 0;
    CHECK(celesta_xylo_sim_evolve(NULL, 0, &len, NULL, sim, input, 4, 4) == CELESTA_OK && len == 4, "query %zu", len);
    CHECK(celesta_xylo_sim_evolve(out, 4, NULL, NULL, sim, input, 4, 4) == CELESTA_ERR_NULL_POINTER &&
              contains(celesta_last_error(), "'spikes_out_len'"), "NULL len: %s", celesta_last_error());
    len = 0;
    CHECK(celesta_xylo_sim_evolve(out, 3, &len, NULL, sim, input, 4, 4) == CELESTA_ERR_BUFFER_TOO_SMALL && len == 4,
          "too small reports the size");
    CHECK(memcmp(saved, out, sizeof out) == 0, "failed evolves left the output untouched");
    CHECK(celesta_xylo_sim_reset(NULL) == CELESTA_ERR_NULL_POINTER, "reset NULL");
    /* A copy continues from the same state, independently. */
    celesta_xylo_sim_t *copy = NULL;
    CHECK(celesta_xylo_sim_copy(&copy, sim) == CELESTA_OK, "copy");
    int32_t a[4], b[4];
    CHECK(celesta_xylo_sim_evolve(a, 4, &(size_t){0}, NULL, sim, input, 4, 4) == CELESTA_OK, "evolve original");
    CHECK(celesta_xylo_sim_evolve(b, 4, &(size_t){0}, NULL, copy, input, 4, 4) == CELESTA_OK, "evolve copy");
    CHECK(memcmp(a, b, sizeof a) == 0, "copy equals original");
    celesta_xylo_sim_free(copy);
    CHECK(celesta_xylo_sim_copy(&copy, NULL) == CELESTA_ERR_NULL_POINTER, "copy NULL");
    CHECK(celesta_xylo_sim_copy(NULL, sim) == CELESTA_ERR_NULL_POINTER, "copy NULL out");
    CHECK(celesta_xylo_sim_evolve(out, 0, &(size_t){0}, NULL, sim, NULL, 0, 0) == CELESTA_OK, "zero steps");
    celesta_xylo_sim_free(sim);
    celesta_xylo_sim_free(NULL);
    celesta_xylo_config_free(cfg);
    celesta_xylo_config_free(NULL);
}

/* Progress callbacks: called with increasing counts ending at the total; a non-zero return
 * cancels with CELESTA_ERR_CANCELLED, leaving the output buffer and the state as they were. */
static void test_progress(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", dir);
    celesta_xylo_config_t *config = NULL;
    celesta_xylo_sim_t *a = NULL, *b = NULL;
    size_t case_steps, n_in;
    int32_t *case_input = read_matrix(dir, "input", &case_steps, &n_in);
    if (celesta_xylo_config_load(&config, path) != CELESTA_OK || celesta_xylo_sim_create(&a, config) != CELESTA_OK ||
        celesta_xylo_sim_create(&b, config) != CELESTA_OK || case_input == NULL || case_steps == 0) {
        CHECK(0, "progress setup: %s", celesta_last_error());
        return;
    }
    celesta_xylo_config_dims_t dims = CELESTA_INIT(celesta_xylo_config_dims_t);
    celesta_xylo_config_dims(&dims, config);
    size_t no = (size_t)dims.n_out;
    /* More steps than one block of the engine (2^20 synaptic updates at most per block). */
    size_t steps = ((size_t)1 << 18) + 1;
    int32_t *input = malloc(steps * n_in * sizeof *input);
    int32_t *out_a = malloc(steps * no * sizeof *out_a), *out_b = malloc(steps * no * sizeof *out_b);
    for (size_t t = 0; t < steps; ++t) memcpy(input + t * n_in, case_input + (t % case_steps) * n_in, n_in * sizeof *input);

    progress_log log = progress_start(0);
    CHECK(celesta_xylo_sim_set_progress(a, on_progress, &log) == CELESTA_OK, "set_progress");
    CHECK(celesta_xylo_sim_evolve(out_a, steps * no, &(size_t){0}, NULL, a, input, steps * n_in, steps) == CELESTA_OK &&
              celesta_xylo_sim_evolve(out_b, steps * no, &(size_t){0}, NULL, b, input, steps * n_in, steps) == CELESTA_OK,
          "evolve with and without progress: %s", celesta_last_error());
    CHECK(memcmp(out_a, out_b, steps * no * sizeof *out_a) == 0, "progress does not change the results");
    CHECK(log.calls >= 2 && log.ordered && log.last_done == steps && log.total == steps,
          "progress: %zu calls, last %zu of %zu", log.calls, log.last_done, log.total);

    /* Cancel at the first report: nothing written, state as before (a later run equals b's). */
    progress_log stop = progress_start(1);
    CHECK(celesta_xylo_sim_set_progress(a, on_progress, &stop) == CELESTA_OK, "set_progress 2");
    for (size_t i = 0; i < steps * no; ++i) out_a[i] = -7;
    CHECK(celesta_xylo_sim_evolve(out_a, steps * no, &(size_t){0}, NULL, a, input, steps * n_in, steps) == CELESTA_ERR_CANCELLED &&
              contains(celesta_last_error(), "cancelled"), "cancelled: %s", celesta_last_error());
    CHECK(stop.calls == 1 && still_sentinel(out_a, steps * no, -7), "a cancelled run writes nothing (%zu calls)", stop.calls);
    /* A copy starts without the callback. */
    celesta_xylo_sim_t *copy = NULL;
    CHECK(celesta_xylo_sim_copy(&copy, a) == CELESTA_OK &&
              celesta_xylo_sim_evolve(out_a, steps * no, &(size_t){0}, NULL, copy, input, steps * n_in, steps) == CELESTA_OK && stop.calls == 1,
          "the copy has no callback");
    celesta_xylo_sim_free(copy);
    CHECK(celesta_xylo_sim_set_progress(a, NULL, NULL) == CELESTA_OK, "remove the callback");
    size_t short_steps = case_steps < 50 ? case_steps : 50;
    CHECK(celesta_xylo_sim_evolve(out_a, short_steps * no, &(size_t){0}, NULL, a, input, short_steps * n_in, short_steps) == CELESTA_OK &&
              celesta_xylo_sim_evolve(out_b, short_steps * no, &(size_t){0}, NULL, b, input, short_steps * n_in, short_steps) == CELESTA_OK &&
              memcmp(out_a, out_b, short_steps * no * sizeof *out_a) == 0,
          "the cancelled run left the state as it was");
    CHECK(celesta_xylo_sim_set_progress(NULL, on_progress, NULL) == CELESTA_ERR_NULL_POINTER, "NULL sim");
    free(input);
    free(out_a);
    free(out_b);
    free(case_input);
    celesta_xylo_sim_free(a);
    celesta_xylo_sim_free(b);
    celesta_xylo_config_free(config);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: test_xylo TMPDIR CASE_DIR...\n");
        return 2;
    }
    for (int i = 2; i < argc; ++i) run_case(argv[i]);
    if (argc > 2) test_progress(argv[argc - 1]);
    test_errors(argv[1]);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
