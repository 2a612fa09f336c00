/* test_backend_progress.c: progress reports and cancellation of the backends' long calls
 * (celesta_backend_simulate_progress, celesta_backend_profile_progress,
 * celesta_backend_run_progress) on the cpu simulator, unbatched, batched over worker threads
 * and in TALON's mode: the reports grow to their total, a cancel from the callback fails the
 * call with CELESTA_ERR_CANCELLED and writes no result, and reports change no result.
 * Usage: test_backend_progress */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <celesta.h>

#include "check.h"
#include "result_text.h"
#include "progress.h"

enum { WIDTH = 64, HIDDEN = 1024 };

typedef int (*progress_call)(celesta_backend_result_t **, const char *, const celesta_ir_graph_t *, const char *, size_t,
                             const celesta_ir_array_t *, size_t, celesta_progress_fn, void *);

/* Calls `fn` with `options`, the input `x` and the progress log `log` (NULL: no callback).
 * On failure checks that no result was written and returns NULL with *status set. */
static char *call(progress_call fn, const char *name, const celesta_ir_graph_t *g, const char *options,
                  const celesta_ir_array_t *x, progress_log *log, int *status) {
    celesta_backend_result_t *r = (celesta_backend_result_t *)0x1;
    *status = fn(&r, name, g, options, strlen(options), x, 1, log ? on_progress : NULL, log);
    if (*status != CELESTA_OK) {
        CHECK(r == (celesta_backend_result_t *)0x1, "a failed call writes no result");
        return NULL;
    }
    return take_text(r);
}

/* Deterministic values in [-1, 1). */
static float noise(uint32_t *state) {
    *state = *state * 1664525u + 1013904223u;
    return (float)(*state >> 8) / 8388608.0f - 1.0f;
}

int main(void) {
    (void)still_sentinel; /* progress.h's buffer check is for calls that fill buffers: unused here */
    /* in[64] -> Affine 1024x64 -> LIF -> out: about 65k multiply-adds every step (the input
     * changes every step), so a few thousand steps give several reports. */
    uint32_t seed = 7;
    float *w = malloc(sizeof(float) * WIDTH * HIDDEN), b[HIDDEN], tau[HIDDEN], r[HIDDEN], leak[HIDDEN], thr[HIDDEN];
    for (int i = 0; i < WIDTH * HIDDEN; ++i) w[i] = 0.3f * noise(&seed);
    for (int i = 0; i < HIDDEN; ++i) {
        b[i] = 0;
        tau[i] = 4;
        r[i] = 1;
        leak[i] = 0;
        thr[i] = 0.5f;
    }
    int64_t sw[2] = {HIDDEN, WIDTH}, sh[1] = {HIDDEN};
    celesta_ir_array_t arrays[6] = {
        {sizeof(celesta_ir_array_t), "float32", w, 2, sw},    {sizeof(celesta_ir_array_t), "float32", b, 1, sh},
        {sizeof(celesta_ir_array_t), "float32", tau, 1, sh},  {sizeof(celesta_ir_array_t), "float32", r, 1, sh},
        {sizeof(celesta_ir_array_t), "float32", leak, 1, sh}, {sizeof(celesta_ir_array_t), "float32", thr, 1, sh},
    };
    const char *doc =
        "{\"nodes\": [{\"name\": \"in\", \"type\": \"Input\", \"fields\": {}, \"input_type\": {\"input\": [64]}},"
        "{\"name\": \"fc\", \"type\": \"Affine\", \"fields\": {\"weight\": {\"$array\": 0}, \"bias\": {\"$array\": 1}}},"
        "{\"name\": \"lif\", \"type\": \"LIF\", \"fields\": {\"tau\": {\"$array\": 2}, \"r\": {\"$array\": 3}, \"v_leak\": {\"$array\": 4},"
        " \"v_threshold\": {\"$array\": 5}}},"
        "{\"name\": \"out\", \"type\": \"Output\", \"fields\": {}, \"output_type\": {\"output\": [1024]}}],"
        "\"edges\": [[\"in\", \"fc\"], [\"fc\", \"lif\"], [\"lif\", \"out\"]]}";
    celesta_ir_graph_t *g = NULL;
    CHECK(celesta_ir_graph_from_json(&g, doc, strlen(doc), arrays, 6, 0) == CELESTA_OK, "%s", celesta_last_error());

    /* One input per step [T, 64], and a batch [4, T, 64] of them. */
    enum { T = 3000, B = 4, LONG = 20000 };
    float *xs = malloc(sizeof(float) * (size_t)B * LONG * WIDTH);
    for (size_t i = 0; i < (size_t)B * LONG * WIDTH; ++i) xs[i] = noise(&seed);
    int64_t st[2] = {T, WIDTH}, slong[2] = {LONG, WIDTH}, sb[3] = {B, T, WIDTH}, sblong[3] = {B, LONG, WIDTH}, s1[1] = {WIDTH};
    celesta_ir_array_t x = {sizeof(celesta_ir_array_t), "float32", xs, 2, st};
    celesta_ir_array_t xlong = {sizeof(celesta_ir_array_t), "float32", xs, 2, slong};
    celesta_ir_array_t xb = {sizeof(celesta_ir_array_t), "float32", xs, 3, sb};
    celesta_ir_array_t xblong = {sizeof(celesta_ir_array_t), "float32", xs, 3, sblong};
    celesta_ir_array_t xone = {sizeof(celesta_ir_array_t), "float32", xs, 1, s1};
    int status = 0;

    /* simulate: the reports grow to (T, T), and the result is the one without reports. */
    const char *opts = "{\"inputs\": {\"in\": 0}, \"n_steps\": 3000}";
    progress_log log = progress_start(0);
    char *with = call(celesta_backend_simulate_progress, "cpu", g, opts, &x, &log, &status);
    char *without = call(celesta_backend_simulate_progress, "cpu", g, opts, &x, NULL, &status);
    celesta_backend_result_t *plain_r = NULL;
    CHECK(celesta_backend_simulate(&plain_r, "cpu", g, opts, strlen(opts), &x, 1) == CELESTA_OK, "%s", celesta_last_error());
    char *plain = take_text(plain_r);
    CHECK(with != NULL && without != NULL && plain != NULL, "%s", celesta_last_error());
    CHECK(with && plain && strcmp(with, plain) == 0 && without && strcmp(without, plain) == 0, "reports change no result");
    CHECK(contains(plain, "\"spike_counts\": {\"lif\": ") && !contains(plain, "\"lif\": 0}"), "the run spikes: %.200s", plain);
    CHECK(log.ordered && log.calls >= 2 && log.total == T && log.last_done == T, "calls %zu, last %zu of %zu, ordered %d", log.calls,
          log.last_done, log.total, log.ordered);
    free(with);
    free(without);
    free(plain);

    /* A cancel from the callback: CELESTA_ERR_CANCELLED, no result, no report after it. */
    log = progress_start(1);
    CHECK(call(celesta_backend_simulate_progress, "cpu", g, "{\"inputs\": {\"in\": 0}, \"n_steps\": 20000}", &xlong, &log, &status) == NULL
              && status == CELESTA_ERR_CANCELLED, "status %d", status);
    CHECK(contains(celesta_last_error(), "simulation cancelled after ") && contains(celesta_last_error(), "of 20000 steps"), "%s",
          celesta_last_error());
    CHECK(log.calls == 1 && log.last_done > 0 && log.last_done < LONG, "calls %zu, done %zu", log.calls, log.last_done);

    /* A batch over two worker threads: one total (B x T), every report on this thread; a
     * cancel stops every worker. */
    log = progress_start(0);
    const char *bopts = "{\"inputs\": {\"in\": 0}, \"n_steps\": 3000, \"threads\": 2}";
    with = call(celesta_backend_simulate_progress, "cpu", g, bopts, &xb, &log, &status);
    without = call(celesta_backend_simulate_progress, "cpu", g, bopts, &xb, NULL, &status);
    CHECK(with && without && strcmp(with, without) == 0 && contains(with, "\"batch\": 4"), "batched result");
    CHECK(log.ordered && log.total == B * T && log.last_done == B * T, "batch: last %zu of %zu, ordered %d", log.last_done, log.total,
          log.ordered);
    free(with);
    free(without);
    log = progress_start(1);
    CHECK(call(celesta_backend_simulate_progress, "cpu", g, "{\"inputs\": {\"in\": 0}, \"n_steps\": 20000, \"threads\": 2}", &xblong, &log,
               &status) == NULL && status == CELESTA_ERR_CANCELLED, "batch cancel: %d", status);
    CHECK(contains(celesta_last_error(), "of 80000 steps") && log.calls == 1, "%s", celesta_last_error());

    /* TALON's simulator (the same input every step) reports and cancels too. */
    log = progress_start(0);
    char *talon = call(celesta_backend_simulate_progress, "cpu", g, "{\"inputs\": {\"in\": 0}, \"n_steps\": 1500, \"talon_compatible\": true}",
                       &xone, &log, &status);
    CHECK(talon && contains(talon, "\"timesteps_run\": 1500") && log.ordered && log.last_done == 1500 && log.total == 1500, "talon: %zu",
          log.last_done);
    free(talon);
    log = progress_start(1);
    CHECK(call(celesta_backend_simulate_progress, "cpu", g, "{\"inputs\": {\"in\": 0}, \"n_steps\": 200000, \"talon_compatible\": true}",
               &xone, &log, &status) == NULL && status == CELESTA_ERR_CANCELLED && log.calls == 1, "talon cancel: %d", status);

    /* run: the simulation reports the first half of one total, the profile's run the second. */
    log = progress_start(0);
    char *run = call(celesta_backend_run_progress, "cpu", g, "{\"inputs\": {\"in\": 0}, \"timesteps\": 3000}", &x, &log, &status);
    CHECK(run && contains(run, "\"errors\": []"), "%s", celesta_last_error());
    CHECK(log.ordered && log.total == 2 * T && log.last_done == 2 * T, "run: last %zu of %zu, ordered %d", log.last_done, log.total,
          log.ordered);
    free(run);
    log = progress_start(1);
    CHECK(call(celesta_backend_run_progress, "cpu", g, "{\"inputs\": {\"in\": 0}, \"timesteps\": 20000}", &xlong, &log, &status) == NULL
              && status == CELESTA_ERR_CANCELLED, "run cancel: %d (a cancel is no entry of errors)", status);

    /* profile: its measured run reports. */
    log = progress_start(0);
    char *prof = call(celesta_backend_profile_progress, "cpu", g, "{\"inputs\": {\"in\": 0}, \"n_steps\": 3000}", &x, &log, &status);
    CHECK(prof && contains(prof, "\"latency_source\": \"measured\""), "%s", celesta_last_error());
    CHECK(log.ordered && log.total == T && log.last_done == T, "profile: last %zu of %zu", log.last_done, log.total);
    free(prof);
    log = progress_start(1);
    CHECK(call(celesta_backend_profile_progress, "cpu", g, "{\"inputs\": {\"in\": 0}, \"n_steps\": 20000}", &xlong, &log, &status) == NULL
              && status == CELESTA_ERR_CANCELLED, "profile cancel: %d", status);

    /* Errors of the calls themselves come first, as without progress. */
    celesta_backend_result_t *res = NULL;
    CHECK(celesta_backend_simulate_progress(NULL, "cpu", g, opts, strlen(opts), &x, 1, on_progress, &log) == CELESTA_ERR_NULL_POINTER, "NULL out");
    CHECK(celesta_backend_run_progress(&res, "tpu", g, "{}", 2, NULL, 0, on_progress, &log) == CELESTA_OK, "unknown backend: in errors");
    char *unknown = take_text(res);
    CHECK(contains(unknown, "Backend 'tpu' not found"), "%s", unknown ? unknown : "(null)");
    free(unknown);
    CHECK(celesta_backend_profile_progress(&res, "tpu", g, "{}", 2, NULL, 0, on_progress, &log) == CELESTA_ERR_NOT_FOUND, "unknown backend");

    celesta_ir_graph_free(g);
    free(xs);
    free(w);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
