/*
 * test_hdk.c: dev kits through the C ABI: every given reference case on a virtual kit equals
 * the simulator, then discovery, clock, power and the error paths.
 * Usage: test_hdk CASE_DIR... (folders made by scripts/extract_case.py). Closes with
 * "N passed, N failed".
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <celesta.h>

#include "cases.h"
#include "check.h"
#include "progress.h"

/* The virtual-kit location for a case folder named a2_* / a3_* / v1_*. */
/* celesta_xylo_hdk_monitor() with the completed steps in *steps (on success). */
static int monitor(celesta_xylo_hdk_t *hdk, const celesta_xylo_afe_t *afe, const double *audio, size_t n, int network,
                   int record_power, int32_t *raster, size_t raster_cap, int32_t *spikes, size_t spikes_cap,
                   size_t *steps, size_t *overruns) {
    int channels = 0;
    size_t raster_len = 0, spikes_len = 0;
    if (afe != NULL) celesta_xylo_afe_channels(&channels, afe);
    int status = celesta_xylo_hdk_monitor(raster, raster_cap, &raster_len, spikes, spikes_cap, &spikes_len, overruns, hdk,
                                          afe, audio, n, network, record_power);
    if (status == CELESTA_OK && steps != NULL && channels > 0) *steps = raster_len / (size_t)channels;
    return status;
}

static const char *kit_for(const char *dir) {
    const char *base = strrchr(dir, '/');
    base = base ? base + 1 : dir;
    if (strncmp(base, "a2_", 3) == 0) return "virtual:xa2";
    if (strncmp(base, "a3_", 3) == 0) return "virtual:xa3";
    return "virtual:xylo_v1";
}

static void run_case(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", dir);
    celesta_xylo_config_t *config = NULL;
    CHECK(celesta_xylo_config_load(&config, path) == CELESTA_OK, "%s: load: %s", dir, celesta_last_error());
    if (config == NULL) return;
    celesta_xylo_hdk_t *hdk = NULL;
    int status = celesta_xylo_hdk_open(&hdk, kit_for(dir), 0);
    if (strcmp(kit_for(dir), "virtual:xylo_v1") == 0) {
        CHECK(status == CELESTA_ERR_UNSUPPORTED && hdk == NULL, "%s: v1 has no kit: %d", dir, status);
        CHECK(contains(celesta_last_error(), "syns61300"), "%s", celesta_last_error());
        celesta_xylo_config_free(config);
        return;
    }
    CHECK(status == CELESTA_OK, "%s: open: %s", dir, celesta_last_error());
    CHECK(celesta_xylo_hdk_apply(hdk, config, 1e-3) == CELESTA_OK, "%s: apply: %s", dir, celesta_last_error());
    celesta_xylo_config_dims_t dims = CELESTA_INIT(celesta_xylo_config_dims_t);
    celesta_xylo_config_dims(&dims, config);
    celesta_xylo_sim_t *sim = NULL;
    celesta_xylo_sim_create(&sim, config);
    size_t steps, n_in;
    int32_t *input = read_matrix(dir, "input", &steps, &n_in);
    size_t nh = (size_t)dims.n_hidden, no = (size_t)dims.n_out;
    int32_t *bufs[2][7];
    int32_t *outs[2];
    celesta_xylo_sim_record_t rec[2];
    size_t widths[7] = {nh, nh, nh, nh, no, no, 1};
    for (int k = 0; k < 2; ++k) {
        outs[k] = calloc(steps * no + 1, sizeof(int32_t));
        for (int i = 0; i < 7; ++i) bufs[k][i] = calloc(steps * widths[i] + 1, sizeof(int32_t));
        memset(&rec[k], 0, sizeof rec[k]);
        rec[k].struct_size = sizeof rec[k];
        rec[k].vmem = bufs[k][0]; rec[k].vmem_len = steps * nh;
        rec[k].isyn = bufs[k][1]; rec[k].isyn_len = steps * nh;
        rec[k].isyn2 = bufs[k][2]; rec[k].isyn2_len = steps * nh;
        rec[k].spikes = bufs[k][3]; rec[k].spikes_len = steps * nh;
        rec[k].vmem_out = bufs[k][4]; rec[k].vmem_out_len = steps * no;
        rec[k].isyn_out = bufs[k][5]; rec[k].isyn_out_len = steps * no;
        rec[k].hibernation = bufs[k][6]; rec[k].hibernation_len = steps;
    }
    CHECK(celesta_xylo_sim_evolve(outs[0], steps * no, &(size_t){0}, &rec[0], sim, input, steps * n_in, steps) == CELESTA_OK, "sim");
    status = celesta_xylo_hdk_evolve(outs[1], steps * no, &(size_t){0}, &rec[1], hdk, input, steps * n_in, steps, 0);
    CHECK(status == CELESTA_OK, "%s: hdk evolve: %s", dir, celesta_last_error());
    size_t at = 0;
    CHECK(equal(outs[0], outs[1], steps * no, &at), "%s: spikes_out differ at %zu", dir, at);
    for (int i = 0; i < 7; ++i) CHECK(equal(bufs[0][i], bufs[1][i], steps * widths[i], &at), "%s: record %d differs at %zu", dir, i, at);
    size_t r, c;
    int32_t *want = read_matrix(dir, "spikes_out", &r, &c);
    CHECK(want != NULL && equal(want, outs[1], steps * no, &at), "%s: kit differs from the reference at %zu", dir, at);
    free(want);
    for (int k = 0; k < 2; ++k) {
        free(outs[k]);
        for (int i = 0; i < 7; ++i) free(bufs[k][i]);
    }
    free(input);
    celesta_xylo_sim_free(sim);
    celesta_xylo_hdk_free(hdk);
    celesta_xylo_config_free(config);
}

/* The tiny configuration of cases.h for `chip`. */
static celesta_xylo_config_t *tiny_for(const char *chip) {
    static int32_t w_in[2] = {100, 50}, w_rec[4] = {0, 20, 0, 0}, w_out[2] = {60, 60};
    static int32_t dash[2] = {2, 2}, thr[2] = {100, 100}, dash_o[1] = {2}, thr_o[1] = {50};
    celesta_xylo_config_desc_t d = tiny(w_in, w_rec, w_out, dash, thr, dash_o, thr_o);
    d.chip = chip;
    celesta_xylo_config_t *cfg = NULL;
    CHECK(celesta_xylo_config_create(&cfg, &d) == CELESTA_OK, "create: %s", celesta_last_error());
    return cfg;
}

static void test_discovery(void) {
    size_t physical = 99, count = 0;
    CHECK(celesta_xylo_hdk_list(NULL, 0, &physical, NULL) == CELESTA_OK, "list: %s", celesta_last_error());
    CHECK(celesta_xylo_hdk_list(NULL, 0, &count, "xa3, xa2") == CELESTA_OK && count == physical + 2, "count %zu", count);
    celesta_xylo_hdk_info_t infos[8];
    for (int i = 0; i < 8; ++i) infos[i] = CELESTA_INIT(celesta_xylo_hdk_info_t);
    infos[0].struct_size = 4;
    CHECK(celesta_xylo_hdk_list(infos, 8, &count, "xa3,xa2") == CELESTA_ERR_INVALID_ARGUMENT &&
              contains(celesta_last_error(), "'buf[0]->struct_size' is 4"), "struct_size: %s", celesta_last_error());
    infos[0].struct_size = sizeof infos[0];
    CHECK(celesta_xylo_hdk_list(infos, 8, &count, "xa3,xa2") == CELESTA_OK, "list: %s", celesta_last_error());
    if (count == physical + 2) {
        CHECK(infos[physical].kind == 1 && strcmp(infos[physical].chip_id, "syns65302") == 0, "%s", infos[physical].chip_id);
        CHECK(strcmp(infos[physical + 1].location, "virtual:1") == 0, "%s", infos[physical + 1].location);
        CHECK(infos[physical].power_rails == 3 && infos[physical + 1].power_rails == 4, "rails");
        CHECK(contains(infos[physical].name, "Xylo Audio 3 virtual dev kit"), "%s", infos[physical].name);
    }
    CHECK(celesta_xylo_hdk_list(infos, physical, &count, "xa3") == CELESTA_ERR_BUFFER_TOO_SMALL && count == physical + 1, "small");
    CHECK(celesta_xylo_hdk_list(NULL, 0, &count, "nope") == CELESTA_ERR_NOT_FOUND, "unknown chip");
    CHECK(contains(celesta_last_error(), "chip 'nope' is unknown"), "%s", celesta_last_error());
    CHECK(celesta_xylo_hdk_list(NULL, 0, &count, "xylo_v1") == CELESTA_ERR_UNSUPPORTED, "v1");
    CHECK(celesta_xylo_hdk_list(NULL, 0, NULL, NULL) == CELESTA_ERR_NULL_POINTER, "NULL len");
    CHECK(celesta_xylo_hdk_list(NULL, 3, &count, NULL) == CELESTA_ERR_NULL_POINTER, "NULL buf with cap");

    celesta_xylo_hdk_t *hdk = (celesta_xylo_hdk_t *)0x1;
    CHECK(celesta_xylo_hdk_open(NULL, "virtual:xa3", 0) == CELESTA_ERR_NULL_POINTER, "NULL out");
    CHECK(celesta_xylo_hdk_open(&hdk, "usb:99:99", 0) == CELESTA_ERR_NOT_FOUND && hdk == (celesta_xylo_hdk_t *)0x1, "usb");
    CHECK(contains(celesta_last_error(), "no dev kit at 'usb:99:99'"), "%s", celesta_last_error());
    CHECK(celesta_xylo_hdk_open(&hdk, "virtual:zz", 0) == CELESTA_ERR_NOT_FOUND, "virtual unknown");
    CHECK(celesta_xylo_hdk_open(&hdk, "virtual:xa3", 4000000) == CELESTA_ERR_OUT_OF_RANGE, "timeout");
    celesta_xylo_hdk_free(NULL);
}

static void test_kit(void) {
    celesta_xylo_hdk_t *hdk = NULL;
    CHECK(celesta_xylo_hdk_open(&hdk, "virtual:xa2", 1000) == CELESTA_OK, "open: %s", celesta_last_error());
    celesta_xylo_hdk_info_t info = CELESTA_INIT(celesta_xylo_hdk_info_t);
    CHECK(celesta_xylo_hdk_get_info(&info, hdk) == CELESTA_OK && info.kind == 1 && info.power_rails == 4, "info");
    CHECK(strcmp(info.chip_id, "syns61201") == 0 && info.version_major == 1, "%s", info.chip_id);
    char name[32];
    size_t needed = 0;
    CHECK(celesta_xylo_hdk_power_rail(name, sizeof name, &needed, hdk, 3) == CELESTA_OK && strcmp(name, "snn_core") == 0, "%s", name);
    CHECK(celesta_xylo_hdk_power_rail(name, sizeof name, &needed, hdk, 4) == CELESTA_ERR_OUT_OF_RANGE, "rail index");
    CHECK(celesta_xylo_hdk_power_rail(name, 3, &needed, hdk, 3) == CELESTA_ERR_BUFFER_TOO_SMALL && needed == 9, "rail size");

    int32_t input[1000], out[1000];
    for (int t = 0; t < 1000; ++t) input[t] = (t % 7) == 0 ? 3 : 0;
    CHECK(celesta_xylo_hdk_evolve(out, 1000, &(size_t){0}, NULL, hdk, input, 1000, 1000, 0) == CELESTA_ERR_INVALID_STATE, "before apply");
    CHECK(contains(celesta_last_error(), "celesta_xylo_hdk_apply"), "%s", celesta_last_error());
    double hz = 0;
    CHECK(celesta_xylo_hdk_min_clock(&hz, hdk, 0.2) == CELESTA_ERR_INVALID_STATE, "min clock before apply");

    celesta_xylo_config_t *a3 = tiny_for("xa3"), *a2 = tiny_for("xa2");
    CHECK(celesta_xylo_hdk_apply(hdk, a3, 1e-3) == CELESTA_ERR_INVALID_ARGUMENT, "other chip");
    CHECK(contains(celesta_last_error(), "carries syns61201"), "%s", celesta_last_error());
    CHECK(celesta_xylo_hdk_apply(hdk, a2, 0) == CELESTA_ERR_OUT_OF_RANGE, "dt 0");
    CHECK(celesta_xylo_hdk_apply(hdk, a2, 1e-3) == CELESTA_OK, "apply: %s", celesta_last_error());
    CHECK(celesta_xylo_hdk_evolve(out, 1000, &(size_t){0}, NULL, hdk, input, 999, 1000, 0) == CELESTA_ERR_SHAPE_MISMATCH, "shape");
    CHECK(celesta_xylo_hdk_evolve(out, 999, &(size_t){0}, NULL, hdk, input, 1000, 1000, 0) == CELESTA_ERR_BUFFER_TOO_SMALL, "small out");
    int saved = input[500];
    input[500] = 300;
    out[0] = -7;
    CHECK(celesta_xylo_hdk_evolve(out, 1000, &(size_t){0}, NULL, hdk, input, 1000, 1000, 0) == CELESTA_ERR_OUT_OF_RANGE, "count 300");
    CHECK(contains(celesta_last_error(), "'input[500][0]' is 300"), "%s", celesta_last_error());
    CHECK(out[0] == -7, "no output written on error");
    input[500] = saved;
    CHECK(celesta_xylo_hdk_evolve(out, 1000, &(size_t){0}, NULL, hdk, input, 1000, 1000, 1) == CELESTA_OK, "evolve: %s", celesta_last_error());
    int spikes = 0;
    for (int t = 0; t < 1000; ++t) spikes += out[t];
    CHECK(spikes > 0, "the tiny network spikes");

    /* 1000 steps of 1 ms at the A2 monitor's 5 Hz: 5 samples of 4 rails. */
    size_t count = 0;
    CHECK(celesta_xylo_hdk_power_times(NULL, 0, &count, hdk) == CELESTA_OK && count == 5, "count %zu", count);
    double times[5], watts[20];
    CHECK(celesta_xylo_hdk_power_watts(NULL, 0, &count, hdk) == CELESTA_OK && count == 20, "watts count %zu", count);
    CHECK(celesta_xylo_hdk_power_watts(watts, 19, &count, hdk) == CELESTA_ERR_BUFFER_TOO_SMALL && count == 20, "small watts");
    CHECK(contains(celesta_last_error(), "'buf'"), "%s", celesta_last_error());
    CHECK(celesta_xylo_hdk_power_times(times, 5, &count, hdk) == CELESTA_OK && count == 5 &&
              celesta_xylo_hdk_power_watts(watts, 20, &count, hdk) == CELESTA_OK && count == 20,
          "power: %s", celesta_last_error());
    CHECK(fabs(times[4] - 1.0) < 1e-9, "last sample at 1 s: %g", times[4]);
    for (int i = 0; i < 20; ++i) CHECK(watts[i] > 0 && watts[i] < 1e-2, "watts[%d] = %g", i, watts[i]);

    double actual = 0;
    CHECK(celesta_xylo_hdk_set_clock(&actual, hdk, 12) == CELESTA_OK && actual == 12.5, "A2 clock %g", actual);
    CHECK(celesta_xylo_hdk_set_clock(&actual, hdk, NAN) == CELESTA_ERR_OUT_OF_RANGE, "NaN clock");
    CHECK(celesta_xylo_hdk_set_clock(NULL, hdk, 500) == CELESTA_ERR_OUT_OF_RANGE, "500 MHz");
    double rate = 0;
    CHECK(celesta_xylo_hdk_set_power_rate(&rate, hdk, 0) == CELESTA_OK && rate == 5, "A2 default power rate %g", rate);
    CHECK(celesta_xylo_hdk_set_power_rate(&rate, hdk, 20) == CELESTA_OK && rate == 20, "power rate %g", rate);
    CHECK(celesta_xylo_hdk_set_power_rate(&rate, hdk, 20000) == CELESTA_ERR_OUT_OF_RANGE && rate == 20, "20 kHz");
    CHECK(celesta_xylo_hdk_set_power_rate(NULL, hdk, NAN) == CELESTA_ERR_OUT_OF_RANGE, "NaN power rate");
    CHECK(celesta_xylo_hdk_set_power_rate(&rate, NULL, 5) == CELESTA_ERR_NULL_POINTER, "NULL hdk power rate");
    CHECK(celesta_xylo_hdk_set_power_rate(NULL, hdk, 0) == CELESTA_OK, "default again");
    CHECK(celesta_xylo_hdk_min_clock(&hz, hdk, 0.2) == CELESTA_OK && hz > 0, "min clock %g", hz);
    CHECK(celesta_xylo_hdk_min_clock(&hz, hdk, -1) == CELESTA_ERR_OUT_OF_RANGE, "margin");
    CHECK(celesta_xylo_hdk_min_clock(NULL, hdk, 0.2) == CELESTA_ERR_NULL_POINTER, "NULL hertz");
    CHECK(celesta_xylo_hdk_apply(NULL, a2, 1e-3) == CELESTA_ERR_NULL_POINTER, "NULL hdk");
    celesta_xylo_config_free(a3);
    celesta_xylo_config_free(a2);
    celesta_xylo_hdk_free(hdk);
}

/* The kit's audio path: celesta_xylo_hdk_monitor equals the front end's stream, then the simulator. */
static void test_monitor(void) {
    enum { N = 50 * 60 + 13 };
    static double audio[N];
    for (int i = 0; i < N; ++i) audio[i] = 0.3 * sin(i * 0.11) + 0.2 * sin(i * 0.53);
    celesta_xylo_afe_params_t p = CELESTA_INIT(celesta_xylo_afe_params_t);
    CHECK(celesta_xylo_afe_params_default(&p) == CELESTA_OK, "params");
    celesta_xylo_afe_t *afe = NULL;
    CHECK(celesta_xylo_afe_create(&afe, &p) == CELESTA_OK, "afe: %s", celesta_last_error());
    celesta_xylo_hdk_t *hdk = NULL;
    CHECK(celesta_xylo_hdk_open(&hdk, "virtual:xa3", 0) == CELESTA_OK, "open: %s", celesta_last_error());
    size_t steps = 0, overruns = 99;
    CHECK(monitor(hdk, afe, audio, N, 0, 0, NULL, 0, NULL, 0, &steps, NULL) == CELESTA_OK && steps == 60,
          "size query: %zu", steps);
    static int32_t raster[60 * 16], out[60];
    static int want_raster[61 * 16];
    CHECK(monitor(hdk, afe, audio, N, 0, 0, raster, 60 * 16, NULL, 0, &steps, &overruns) == CELESTA_OK,
          "front end alone: %s", celesta_last_error());
    size_t rows = 0;
    CHECK(celesta_xylo_afe_stream_push(want_raster, 61 * 16, &rows, NULL, afe, audio, N, 0) == CELESTA_OK &&
              (rows /= 16) == 60,
          "stream: %s (%zu rows)", celesta_last_error(), rows);
    int same = 1;
    for (int i = 0; i < 60 * 16; ++i) same &= raster[i] == want_raster[i];
    CHECK(same && overruns == 0, "the kit's raster equals the stream's");

    celesta_xylo_config_t *cfg = tiny_for("xa3");
    CHECK(monitor(hdk, afe, audio, N, 1, 0, raster, 60 * 16, out, 60, &steps, NULL) == CELESTA_ERR_INVALID_STATE,
          "network before apply");
    CHECK(celesta_xylo_hdk_apply(hdk, cfg, 50 / 48828.125) == CELESTA_OK, "apply: %s", celesta_last_error());
    CHECK(monitor(hdk, afe, audio, N, 1, 1, raster, 60 * 16, out, 60, &steps, &overruns) == CELESTA_OK,
          "monitor: %s", celesta_last_error());
    /* The same raster's first channel through the simulator. */
    static int32_t column[60], expected[60];
    for (int t = 0; t < 60; ++t) column[t] = raster[t * 16];
    celesta_xylo_sim_t *sim = NULL;
    celesta_xylo_sim_create(&sim, cfg);
    CHECK(celesta_xylo_sim_evolve(expected, 60, &(size_t){0}, NULL, sim, column, 60, 60) == CELESTA_OK, "sim");
    CHECK(memcmp(out, expected, sizeof out) == 0, "monitor output equals the simulator's");
    size_t count = 0;
    CHECK(celesta_xylo_hdk_power_times(NULL, 0, &count, hdk) == CELESTA_OK && count == 6, "power samples %zu", count);

    CHECK(monitor(hdk, afe, audio, N, 1, 0, raster, 60 * 16 - 1, out, 60, &steps, NULL) == CELESTA_ERR_BUFFER_TOO_SMALL,
          "small raster");
    CHECK(contains(celesta_last_error(), "'raster'"), "%s", celesta_last_error());
    CHECK(monitor(hdk, afe, audio, N, 1, 0, raster, 60 * 16, out, 59, &steps, NULL) == CELESTA_ERR_BUFFER_TOO_SMALL,
          "small spikes_out");
    audio[77] = 1.5;
    CHECK(monitor(hdk, afe, audio, N, 1, 0, raster, 60 * 16, out, 60, &steps, NULL) == CELESTA_ERR_OUT_OF_RANGE,
          "sample out of range");
    CHECK(contains(celesta_last_error(), "audio sample 77"), "%s", celesta_last_error());
    CHECK(monitor(hdk, afe, NULL, N, 1, 0, raster, 60 * 16, out, 60, &steps, NULL) == CELESTA_ERR_NULL_POINTER,
          "NULL audio");
    CHECK(monitor(hdk, NULL, audio, N, 1, 0, NULL, 0, NULL, 0, &steps, NULL) == CELESTA_ERR_NULL_POINTER, "NULL afe");
    CHECK(monitor(hdk, afe, audio, (size_t)-1, 0, 0, NULL, 0, NULL, 0, &steps, NULL) == CELESTA_ERR_OUT_OF_RANGE,
          "audio_len too large: %s", celesta_last_error());
    p.input_mode = CELESTA_XYLO_AFE_INPUT_PDM;
    celesta_xylo_afe_t *pdm = NULL;
    celesta_xylo_afe_create(&pdm, &p);
    CHECK(monitor(hdk, pdm, audio, N, 0, 0, NULL, 0, NULL, 0, &steps, NULL) == CELESTA_ERR_UNSUPPORTED, "PDM afe");
    audio[77] = 0;
    celesta_xylo_hdk_t *a2 = NULL;
    celesta_xylo_hdk_open(&a2, "virtual:xa2", 0);
    CHECK(monitor(a2, afe, audio, 100, 0, 0, raster, 60 * 16, NULL, 0, &steps, NULL) == CELESTA_ERR_UNSUPPORTED,
          "Xylo Audio 2 kits take no audio");
    CHECK(contains(celesta_last_error(), "analog"), "%s", celesta_last_error());
    celesta_xylo_hdk_free(a2);
    celesta_xylo_afe_free(pdm);
    celesta_xylo_sim_free(sim);
    celesta_xylo_config_free(cfg);
    celesta_xylo_afe_free(afe);
    celesta_xylo_hdk_free(hdk);
}

/* Progress on a kit: evolve reports the steps run per block of 4096 and monitor the samples
 * fed per chunk of 4883. A kit cannot take steps back: a cancelled call writes nothing and
 * leaves the kit after the steps of its last report, so the next call continues from there. */
static void test_progress(void) {
    enum { STEPS = 3 * 4096 + 5, CUT = 2 * 4096 };
    static int32_t input[STEPS], out[STEPS], want[STEPS];
    for (int t = 0; t < STEPS; ++t) input[t] = (t % 7) == 0 ? 3 : (t % 11) == 0;
    celesta_xylo_config_t *cfg = tiny_for("xa2");
    celesta_xylo_hdk_t *hdk = NULL;
    celesta_xylo_sim_t *sim = NULL;
    CHECK(celesta_xylo_hdk_open(&hdk, "virtual:xa2", 0) == CELESTA_OK && celesta_xylo_hdk_apply(hdk, cfg, 1e-3) == CELESTA_OK &&
              celesta_xylo_sim_create(&sim, cfg) == CELESTA_OK, "setup: %s", celesta_last_error());
    progress_log seen = progress_start(0);
    CHECK(celesta_xylo_hdk_set_progress(hdk, on_progress, &seen) == CELESTA_OK, "set_progress");
    CHECK(celesta_xylo_hdk_evolve(out, STEPS, &(size_t){0}, NULL, hdk, input, STEPS, STEPS, 0) == CELESTA_OK &&
              celesta_xylo_sim_evolve(want, STEPS, &(size_t){0}, NULL, sim, input, STEPS, STEPS) == CELESTA_OK, "evolve: %s", celesta_last_error());
    CHECK(memcmp(out, want, sizeof out) == 0, "progress does not change the results");
    CHECK(seen.calls == 4 && seen.ordered && seen.last_done == STEPS && seen.total == STEPS,
          "evolve progress: %zu calls, last %zu of %zu", seen.calls, seen.last_done, seen.total);

    /* Cancelled at the second report (8192 steps run): nothing written, no power samples; the
     * kit then continues from step 8192, as the simulator does after running those steps. */
    CHECK(celesta_xylo_hdk_apply(hdk, cfg, 1e-3) == CELESTA_OK && celesta_xylo_sim_reset(sim) == CELESTA_OK, "restart");
    progress_log stop = progress_start(2);
    celesta_xylo_hdk_set_progress(hdk, on_progress, &stop);
    for (int t = 0; t < STEPS; ++t) out[t] = -7;
    CHECK(celesta_xylo_hdk_evolve(out, STEPS, &(size_t){0}, NULL, hdk, input, STEPS, STEPS, 1) == CELESTA_ERR_CANCELLED &&
              contains(celesta_last_error(), "cancelled after 8192"), "cancelled evolve: %s", celesta_last_error());
    CHECK(stop.calls == 2 && still_sentinel(out, STEPS, -7), "a cancelled evolve writes nothing");
    size_t count = 99;
    CHECK(celesta_xylo_hdk_power_times(NULL, 0, &count, hdk) == CELESTA_OK && count == 0, "no power samples: %zu", count);
    CHECK(celesta_xylo_hdk_set_progress(hdk, NULL, NULL) == CELESTA_OK, "remove the callback");
    CHECK(celesta_xylo_hdk_evolve(out, STEPS, &(size_t){0}, NULL, hdk, input + CUT, STEPS - CUT, STEPS - CUT, 0) == CELESTA_OK && stop.calls == 2,
          "evolve after the cancelled one: %s", celesta_last_error());
    CHECK(celesta_xylo_sim_evolve(want, STEPS, &(size_t){0}, NULL, sim, input, CUT, CUT) == CELESTA_OK &&
              celesta_xylo_sim_evolve(want, STEPS, &(size_t){0}, NULL, sim, input + CUT, STEPS - CUT, STEPS - CUT) == CELESTA_OK, "sim");
    CHECK(memcmp(out, want, (STEPS - CUT) * sizeof *out) == 0, "the kit continues after the steps it ran");
    CHECK(celesta_xylo_hdk_set_progress(NULL, on_progress, NULL) == CELESTA_ERR_NULL_POINTER &&
              contains(celesta_last_error(), "'hdk'"), "NULL hdk: %s", celesta_last_error());
    celesta_xylo_sim_free(sim);
    celesta_xylo_config_free(cfg);
    celesta_xylo_hdk_free(hdk);

    /* The monitor: samples fed, in chunks of 4883. */
    enum { N = 3 * 4883 + 100 };
    static double audio[N];
    static int32_t raster[N / 50 * 16];
    for (int i = 0; i < N; ++i) audio[i] = 0.3 * sin(i * 0.11);
    celesta_xylo_afe_params_t p = CELESTA_INIT(celesta_xylo_afe_params_t);
    celesta_xylo_afe_params_default(&p);
    celesta_xylo_afe_t *afe = NULL;
    CHECK(celesta_xylo_afe_create(&afe, &p) == CELESTA_OK && celesta_xylo_hdk_open(&hdk, "virtual:xa3", 0) == CELESTA_OK, "monitor setup");
    seen = progress_start(0);
    celesta_xylo_hdk_set_progress(hdk, on_progress, &seen);
    size_t steps = 0;
    CHECK(monitor(hdk, afe, audio, N, 0, 0, raster, N / 50 * 16, NULL, 0, &steps, NULL) == CELESTA_OK &&
              steps == N / 50, "monitor: %s", celesta_last_error());
    CHECK(seen.calls == 4 && seen.ordered && seen.last_done == N && seen.total == N,
          "monitor progress: %zu calls, last %zu of %zu", seen.calls, seen.last_done, seen.total);
    stop = progress_start(1);
    celesta_xylo_hdk_set_progress(hdk, on_progress, &stop);
    for (size_t i = 0; i < N / 50 * 16; ++i) raster[i] = -7;
    CHECK(monitor(hdk, afe, audio, N, 0, 0, raster, N / 50 * 16, NULL, 0, &steps, NULL) == CELESTA_ERR_CANCELLED,
          "cancelled monitor: %s", celesta_last_error());
    CHECK(stop.calls == 1 && still_sentinel(raster, N / 50 * 16, -7), "a cancelled monitor writes nothing");
    celesta_xylo_afe_free(afe);
    celesta_xylo_hdk_free(hdk);
}

/* USB ids registered at run time: checked; discovery keeps working. */
static void test_usb_ids(void) {
    CHECK(celesta_xylo_hdk_register_usb_id(0x1234, 0xabcd, "xa3") == CELESTA_OK, "register: %s", celesta_last_error());
    CHECK(celesta_xylo_hdk_register_usb_id(0x1234, 0xabcd, "xa9") == CELESTA_ERR_NOT_FOUND &&
              strstr(celesta_last_error(), "xa9") != NULL, "unknown chip: %s", celesta_last_error());
    CHECK(celesta_xylo_hdk_register_usb_id(1, 2, NULL) == CELESTA_ERR_NULL_POINTER &&
              strstr(celesta_last_error(), "chip") != NULL, "NULL chip: %s", celesta_last_error());
    size_t count = 99;
    CHECK(celesta_xylo_hdk_list(NULL, 0, &count, "xa2") == CELESTA_OK && count >= 1, "list after registering");
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; ++i) run_case(argv[i]);
    test_discovery();
    test_kit();
    test_monitor();
    test_progress();
    test_usb_ids();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
