/*
 * test_afe.c: the Xylo Audio 3 audio front end through the C ABI.
 * Usage: test_afe EXTERNAL_DIR PDM_DIR (folders made by scripts/extract_afe_case.py from
 * a3_afe_external_dn.json and a3_afe_pdm_dn.json), then streaming and error paths.
 * Closes with "N passed, N failed".
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <celesta.h>

#include "check.h"
#include "progress.h"

typedef struct {
    size_t rows, cols;
    double *v;
} matrix;

/* Reads "rows cols" then rows*cols numbers; v is NULL if the file is absent or short. */
/* celesta_xylo_afe_stream_push() that also reports the rows it completed (*rows, on success). */
static int push_rows(celesta_xylo_afe_t *afe, const double *x, size_t n, int flush, int32_t *raster, size_t cap,
                     const celesta_xylo_afe_record_t *rec, size_t *rows) {
    int channels = 0;
    size_t len = 0;
    int status = celesta_xylo_afe_channels(&channels, afe);
    if (status != CELESTA_OK) return status;
    status = celesta_xylo_afe_stream_push(raster, cap, &len, rec, afe, x, n, flush);
    if (status == CELESTA_OK && rows != NULL) *rows = len / (size_t)channels;
    return status;
}

static matrix read_matrix(const char *dir, const char *name) {
    matrix m = {0, 0, NULL};
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.txt", dir, name);
    FILE *f = fopen(path, "r");
    if (f == NULL) return m;
    if (fscanf(f, "%zu %zu", &m.rows, &m.cols) == 2) {
        size_t n = m.rows * m.cols;
        m.v = malloc((n ? n : 1) * sizeof *m.v);
        for (size_t i = 0; m.v != NULL && i < n; ++i)
            if (fscanf(f, "%lf", &m.v[i]) != 1) {
                free(m.v);
                m.v = NULL;
            }
    }
    fclose(f);
    return m;
}

/* Index of the first difference between an int buffer and a matrix, or -1. */
static long first_difference_i32(const int32_t *a, const matrix *m) {
    for (size_t i = 0; i < m->rows * m->cols; ++i)
        if ((double)a[i] != m->v[i]) return (long)i;
    return -1;
}

static long first_difference_i64(const int64_t *a, const matrix *m) {
    for (size_t i = 0; i < m->rows * m->cols; ++i)
        if ((double)a[i] != m->v[i]) return (long)i;
    return -1;
}

static long total(const int32_t *a, size_t n) {
    long s = 0;
    for (size_t i = 0; i < n; ++i) s += a[i];
    return s;
}

static void test_defaults(void) {
    celesta_xylo_afe_params_t p = CELESTA_INIT(celesta_xylo_afe_params_t);
    memset(&p, 0xAB, sizeof p);
    p.struct_size = sizeof p;
    CHECK(celesta_xylo_afe_params_default(&p) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(p.input_mode == CELESTA_XYLO_AFE_INPUT_EXTERNAL && p.n_select_filters == 0, "mode %d", p.input_mode);
    CHECK(p.select_filters[0] == 0 && p.select_filters[15] == 15, "filters %d %d", p.select_filters[0], p.select_filters[15]);
    CHECK(p.spike_gen_mode == CELESTA_XYLO_AFE_DIVISIVE_NORM, "spike mode %d", p.spike_gen_mode);
    CHECK(p.dn_rate_scale_bitshift[0] == 6 && p.dn_rate_scale_bitshift[1] == 0, "bitshift");
    CHECK(p.dn_low_pass_bitshift == 12 && p.down_sampling_factor == 50, "low pass %d", p.dn_low_pass_bitshift);
    CHECK(p.dn_EPS[0] == 1 && p.dn_EPS[15] == 1, "eps");
    CHECK(p.fixed_threshold_vec[7] == (int64_t)1 << 27, "fixed threshold");
    CHECK(celesta_xylo_afe_params_default(NULL) == CELESTA_ERR_NULL_POINTER, "NULL params");
}

/* Runs one reference case offline with Rockpool's prefix and compares every stage. */
static void run_case(const char *dir, int pdm) {
    matrix input = read_matrix(dir, pdm ? "pdm_bits" : "signal");
    matrix audio = read_matrix(dir, "audio_14bit"), bank = read_matrix(dir, "filterbank");
    matrix spikes = read_matrix(dir, "dn_spikes"), raster = read_matrix(dir, "raster");
    CHECK(input.v && audio.v && bank.v && spikes.v && raster.v, "%s: case files", dir);
    if (!(input.v && audio.v && bank.v && spikes.v && raster.v)) return;
    celesta_xylo_afe_params_t p = CELESTA_INIT(celesta_xylo_afe_params_t);
    celesta_xylo_afe_params_default(&p);
    p.input_mode = pdm ? CELESTA_XYLO_AFE_INPUT_PDM : CELESTA_XYLO_AFE_INPUT_EXTERNAL;
    celesta_xylo_afe_t *afe = NULL;
    CHECK(celesta_xylo_afe_create(&afe, &p) == CELESTA_OK, "%s: create: %s", dir, celesta_last_error());
    int channels = 0;
    CHECK(celesta_xylo_afe_channels(&channels, afe) == CELESTA_OK && channels == 16, "channels %d", channels);
    size_t samples = 0, steps = 0;
    CHECK(celesta_xylo_afe_output_size(&samples, &steps, afe, input.rows) == CELESTA_OK, "size");
    CHECK(samples == audio.rows && steps == raster.rows, "%s: size %zu %zu, expected %zu %zu", dir, samples, steps,
          audio.rows, raster.rows);
    size_t c = (size_t)channels;
    int32_t *r = calloc(steps * c, sizeof *r), *a = calloc(samples, sizeof *a), *s = calloc(samples * c, sizeof *s);
    int64_t *b = calloc(samples * c, sizeof *b);
    celesta_xylo_afe_record_t rec = {sizeof(celesta_xylo_afe_record_t), a, samples, b, samples * c, s, samples * c};
    int status = celesta_xylo_afe_process(r, steps * c, &(size_t){0}, &rec, afe, input.v, input.rows, 1);
    CHECK(status == CELESTA_OK, "%s: process: %s", dir, celesta_last_error());
    long at;
    CHECK((at = first_difference_i32(a, &audio)) < 0, "%s: audio_14bit differs at %ld", dir, at);
    CHECK((at = first_difference_i64(b, &bank)) < 0, "%s: filterbank differs at %ld", dir, at);
    CHECK((at = first_difference_i32(s, &spikes)) < 0, "%s: dn_spikes differs at %ld", dir, at);
    CHECK((at = first_difference_i32(r, &raster)) < 0, "%s: raster differs at %ld", dir, at);
    CHECK(total(r, steps * c) > 100, "%s: the raster has spikes", dir);

    /* The raster alone (record NULL) is the same. */
    int32_t *r2 = calloc(steps * c, sizeof *r2);
    CHECK(celesta_xylo_afe_process(r2, steps * c, &(size_t){0}, NULL, afe, input.v, input.rows, 1) == CELESTA_OK, "raster only");
    CHECK(memcmp(r, r2, steps * c * sizeof *r) == 0, "%s: raster without record differs", dir);

    /* Streaming in uneven chunks, the last one flushed, equals offline without the prefix. */
    int32_t *offline = calloc(steps * c, sizeof *offline);
    CHECK(celesta_xylo_afe_process(offline, steps * c, &(size_t){0}, NULL, afe, input.v, input.rows, 0) == CELESTA_OK, "no prefix");
    CHECK(memcmp(offline, r, steps * c * sizeof *r) != 0, "%s: the prefix changes the raster", dir);
    int32_t *streamed = calloc(steps * c + c, sizeof *streamed);
    size_t rows = 0, chunk = pdm ? 3333 : 97;
    int ok = 1;
    for (size_t start = 0; start < input.rows && ok; start += chunk) {
        size_t n = input.rows - start < chunk ? input.rows - start : chunk;
        int flush = start + n == input.rows;
        size_t want_samples = 0, want_steps = 0, got = 0;
        celesta_xylo_afe_stream_size(&want_samples, &want_steps, afe, n, flush);
        status = push_rows(afe, input.v + start, n, flush, streamed + rows * c, (steps - rows) * c + c, NULL, &got);
        ok = status == CELESTA_OK && got == want_steps;
        rows += got;
    }
    CHECK(ok, "%s: stream push: %s", dir, celesta_last_error());
    CHECK(rows == steps && memcmp(streamed, offline, steps * c * sizeof *r) == 0, "%s: stream (%zu rows) != offline", dir, rows);

    /* After a reset the stream starts again from zero state. */
    CHECK(celesta_xylo_afe_stream_reset(afe) == CELESTA_OK, "reset");
    size_t got = 0;
    size_t first = pdm ? 32 * 100 : 100;
    status = push_rows(afe, input.v, first, 0, streamed, 2 * c, NULL, &got);
    CHECK(status == CELESTA_OK && got == 2 && memcmp(streamed, offline, 2 * c * sizeof *r) == 0, "%s: after reset", dir);
    celesta_xylo_afe_free(afe);
    free(r); free(r2); free(a); free(s); free(b); free(offline); free(streamed);
    free(input.v); free(audio.v); free(bank.v); free(spikes.v); free(raster.v);
}

static void test_settings(void) {
    celesta_xylo_afe_params_t p = CELESTA_INIT(celesta_xylo_afe_params_t);
    celesta_xylo_afe_params_default(&p);
    p.n_select_filters = 3;
    p.select_filters[0] = 2; p.select_filters[1] = 9; p.select_filters[2] = 15;
    p.spike_gen_mode = CELESTA_XYLO_AFE_THRESHOLD;
    p.fixed_threshold_vec[0] = 1000; p.fixed_threshold_vec[1] = 1 << 20; p.fixed_threshold_vec[2] = 0xFFFFFFFFLL;
    p.down_sampling_factor = 10;
    celesta_xylo_afe_t *afe = NULL;
    CHECK(celesta_xylo_afe_create(&afe, &p) == CELESTA_OK, "threshold mode: %s", celesta_last_error());
    int channels = 0;
    celesta_xylo_afe_channels(&channels, afe);
    CHECK(channels == 3, "3 channels, got %d", channels);
    enum { N = 2000 };
    double *x = malloc(N * sizeof *x);
    for (int i = 0; i < N; ++i) x[i] = 0.5 * sin(2 * 3.14159265358979 * 2000.0 * i / 48828.125);
    size_t samples = 0, steps = 0;
    celesta_xylo_afe_output_size(&samples, &steps, afe, N);
    CHECK(samples == N && steps == N / 10, "size %zu %zu", samples, steps);
    int32_t r[3 * (N / 10)];
    CHECK(celesta_xylo_afe_process(r, sizeof r / sizeof r[0], &(size_t){0}, NULL, afe, x, N, 1) == CELESTA_OK, "%s", celesta_last_error());
    long counts[3] = {0, 0, 0};
    for (size_t t = 0; t < steps; ++t)
        for (int k = 0; k < 3; ++k) counts[k] += r[t * 3 + k];
    /* A low threshold fires on almost every sample (at most 10 per row), the largest never. */
    CHECK(counts[0] > counts[1] && counts[2] == 0 && counts[0] > 1000, "counts %ld %ld %ld", counts[0], counts[1], counts[2]);
    celesta_xylo_afe_free(afe);
    free(x);
}

static void expect_create_error(celesta_xylo_afe_params_t p, int status, const char *text) {
    celesta_xylo_afe_t *afe = (celesta_xylo_afe_t *)&p; /* must stay untouched */
    int got = celesta_xylo_afe_create(&afe, &p);
    CHECK(got == status && contains(celesta_last_error(), text) && afe == (celesta_xylo_afe_t *)&p,
          "expected %s with '%s', got %s: %s", celesta_status_name(status), text, celesta_status_name(got),
          celesta_last_error());
}

static void test_errors(void) {
    celesta_xylo_afe_params_t d = CELESTA_INIT(celesta_xylo_afe_params_t), p;
    celesta_xylo_afe_params_default(&d);
    celesta_xylo_afe_t *afe = NULL;
    CHECK(celesta_xylo_afe_create(NULL, &d) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "'out'"), "NULL out");
    CHECK(celesta_xylo_afe_create(&afe, NULL) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "'params'"), "NULL params");
    p = d; p.struct_size = 12;
    expect_create_error(p, CELESTA_ERR_INVALID_ARGUMENT, "'params->struct_size' is 12");
    p = CELESTA_INIT(celesta_xylo_afe_params_t); p.struct_size = 3;
    CHECK(celesta_xylo_afe_params_default(&p) == CELESTA_ERR_INVALID_ARGUMENT && p.input_mode == 0 && p.down_sampling_factor == 0,
          "params_default refuses a small struct and leaves it");
    p = d; p.input_mode = 7;
    expect_create_error(p, CELESTA_ERR_INVALID_ARGUMENT, "'input_mode' is 7");
    p = d; p.spike_gen_mode = -1;
    expect_create_error(p, CELESTA_ERR_INVALID_ARGUMENT, "'spike_gen_mode' is -1");
    p = d; p.n_select_filters = 17;
    expect_create_error(p, CELESTA_ERR_INVALID_ARGUMENT, "'n_select_filters' is 17");
    p = d; p.n_select_filters = 2; p.select_filters[1] = 16;
    expect_create_error(p, CELESTA_ERR_INVALID_ARGUMENT, "select_filters[1] = 16");
    p = d; p.n_select_filters = 2; p.select_filters[1] = 0;
    expect_create_error(p, CELESTA_ERR_INVALID_ARGUMENT, "select_filters[1] = 0 is repeated");
    p = d; p.dn_EPS[4] = 70000;
    expect_create_error(p, CELESTA_ERR_INVALID_ARGUMENT, "dn_EPS[4] = 70000");
    p = d; p.fixed_threshold_vec[2] = -1;
    expect_create_error(p, CELESTA_ERR_INVALID_ARGUMENT, "fixed_threshold_vec[2] = -1");
    p = d; p.dn_rate_scale_bitshift[1] = 32;
    expect_create_error(p, CELESTA_ERR_INVALID_ARGUMENT, "dn_rate_scale_bitshift[1] = 32");
    p = d; p.dn_low_pass_bitshift = -2;
    expect_create_error(p, CELESTA_ERR_INVALID_ARGUMENT, "dn_low_pass_bitshift = -2");
    p = d; p.down_sampling_factor = 0;
    expect_create_error(p, CELESTA_ERR_INVALID_ARGUMENT, "down_sampling_factor = 0");
    /* Entries past the selected channels are ignored. */
    p = d; p.n_select_filters = 1; p.dn_EPS[1] = -5;
    CHECK(celesta_xylo_afe_create(&afe, &p) == CELESTA_OK, "ignored entries: %s", celesta_last_error());
    celesta_xylo_afe_free(afe);

    CHECK(celesta_xylo_afe_create(&afe, &d) == CELESTA_OK, "create");
    double x[100];
    for (int i = 0; i < 100; ++i) x[i] = 0.01 * (i % 7);
    int32_t r[32 * 3];
    size_t samples = 0;
    CHECK(celesta_xylo_afe_output_size(&samples, NULL, NULL, 5) == CELESTA_ERR_NULL_POINTER, "NULL afe");
    CHECK(celesta_xylo_afe_output_size(&samples, NULL, afe, 100) == CELESTA_OK && samples == 100, "size without steps");
    CHECK(celesta_xylo_afe_channels(NULL, afe) == CELESTA_ERR_NULL_POINTER, "NULL channels");
    {
        const char *loops = NULL;
        CHECK(celesta_xylo_afe_loops(&loops, afe) == CELESTA_OK && loops != NULL &&
                  (strcmp(loops, "avx2") == 0 || strcmp(loops, "sse2") == 0),
              "loops of the chip's filters: %s", loops ? loops : "(null)");
        CHECK(celesta_xylo_afe_loops(NULL, afe) == CELESTA_ERR_NULL_POINTER, "NULL loops name");
        CHECK(celesta_xylo_afe_loops(&loops, NULL) == CELESTA_ERR_NULL_POINTER, "NULL afe for loops");
    }
    CHECK(celesta_xylo_afe_process(r, 32, &(size_t){0}, NULL, NULL, x, 100, 1) == CELESTA_ERR_NULL_POINTER, "NULL afe");
    CHECK(celesta_xylo_afe_process(r, 32, &(size_t){0}, NULL, afe, NULL, 100, 1) == CELESTA_ERR_NULL_POINTER &&
              contains(celesta_last_error(), "'input' is NULL"), "NULL input: %s", celesta_last_error());
    CHECK(celesta_xylo_afe_process(NULL, 0, &(size_t){0}, NULL, afe, NULL, 0, 1) == CELESTA_OK, "empty input, no raster");
    CHECK(celesta_xylo_afe_process(NULL, 32, &(size_t){0}, NULL, afe, x, 100, 1) == CELESTA_ERR_NULL_POINTER &&
              contains(celesta_last_error(), "'raster'"), "NULL raster");
    r[0] = -7;
    CHECK(celesta_xylo_afe_process(r, 31, &(size_t){0}, NULL, afe, x, 100, 1) == CELESTA_ERR_BUFFER_TOO_SMALL &&
              contains(celesta_last_error(), "'raster' holds 31 values but 32"), "%s", celesta_last_error());
    CHECK(r[0] == -7, "a failed call writes nothing");
    int64_t bank[100 * 16];
    celesta_xylo_afe_record_t rec = {sizeof(celesta_xylo_afe_record_t), NULL, 0, bank, 99 * 16, NULL, 0};
    CHECK(celesta_xylo_afe_process(r, 32, &(size_t){0}, &rec, afe, x, 100, 1) == CELESTA_ERR_BUFFER_TOO_SMALL &&
              contains(celesta_last_error(), "'record->filterbank'"), "%s", celesta_last_error());
    int32_t a[100];
    celesta_xylo_afe_record_t rec2 = {sizeof(celesta_xylo_afe_record_t), a, 50, NULL, 0, NULL, 0};
    CHECK(celesta_xylo_afe_process(r, 32, &(size_t){0}, &rec2, afe, x, 100, 1) == CELESTA_ERR_BUFFER_TOO_SMALL &&
              contains(celesta_last_error(), "'record->audio_14bit'"), "%s", celesta_last_error());
    x[42] = 1.0;
    CHECK(celesta_xylo_afe_process(r, 32, &(size_t){0}, NULL, afe, x, 100, 1) == CELESTA_ERR_OUT_OF_RANGE &&
              contains(celesta_last_error(), "audio sample 42 = 1.0"), "%s", celesta_last_error());
    x[42] = NAN;
    CHECK(celesta_xylo_afe_process(r, 32, &(size_t){0}, NULL, afe, x, 100, 1) == CELESTA_ERR_OUT_OF_RANGE &&
              contains(celesta_last_error(), "audio sample 42 = nan"), "%s", celesta_last_error());
    x[42] = 0;

    /* Streaming: errors leave the stream unchanged and name stream-wide indices. */
    size_t got = 99;
    size_t len = 99;
    CHECK(celesta_xylo_afe_stream_push(NULL, 0, &len, NULL, afe, x, 30, 0) == CELESTA_OK && len == 0, "query: no row");
    CHECK(push_rows(afe, x, 30, 0, r, 16, NULL, &got) == CELESTA_OK && got == 0, "no row yet");
    CHECK(celesta_xylo_afe_stream_push(NULL, 0, &len, NULL, afe, x, 30, 0) == CELESTA_OK && len == 16,
          "query: a row would complete (%zu), and nothing is pushed", len);
    CHECK(celesta_xylo_afe_stream_push(r, 15, &len, NULL, afe, x, 30, 0) == CELESTA_ERR_BUFFER_TOO_SMALL && len == 16 &&
              contains(celesta_last_error(), "'raster'"), "a row needs room: %s", celesta_last_error());
    x[5] = -1.5;
    CHECK(push_rows(afe, x, 10, 0, r, 16, NULL, &got) == CELESTA_ERR_OUT_OF_RANGE &&
              contains(celesta_last_error(), "audio sample 35 = -1.5"), "%s", celesta_last_error());
    x[5] = 0;
    size_t steps = 0;
    CHECK(celesta_xylo_afe_stream_size(&samples, &steps, afe, 20, 0) == CELESTA_OK && steps == 1, "30 + 20 samples: one row");
    CHECK(celesta_xylo_afe_stream_size(NULL, &steps, afe, 25, 1) == CELESTA_OK && steps == 2, "flush adds the partial row");
    CHECK(celesta_xylo_afe_stream_size(NULL, &steps, NULL, 25, 1) == CELESTA_ERR_NULL_POINTER, "NULL afe");
    CHECK(push_rows(NULL, x, 1, 0, r, 16, NULL, NULL) == CELESTA_ERR_NULL_POINTER, "NULL afe");
    CHECK(celesta_xylo_afe_stream_reset(NULL) == CELESTA_ERR_NULL_POINTER, "NULL reset");
    celesta_xylo_afe_free(afe);

    /* PDM input accepts only +1 and -1. */
    p = d; p.input_mode = CELESTA_XYLO_AFE_INPUT_PDM;
    CHECK(celesta_xylo_afe_create(&afe, &p) == CELESTA_OK, "pdm");
    double bits[64];
    for (int i = 0; i < 64; ++i) bits[i] = i % 3 ? 1.0 : -1.0;
    bits[40] = 0.5;
    CHECK(celesta_xylo_afe_output_size(&samples, &steps, afe, 64) == CELESTA_OK && samples == 2 + 8 && steps == 1, "pdm size %zu", samples);
    CHECK(celesta_xylo_afe_process(r, 16, &(size_t){0}, NULL, afe, bits, 64, 1) == CELESTA_ERR_INVALID_ARGUMENT &&
              contains(celesta_last_error(), "PDM bit 40 = 0.5"), "%s", celesta_last_error());
    celesta_xylo_afe_free(afe);
    celesta_xylo_afe_free(NULL);
}

/* The Xylo Audio 2 analog model: a float model, checked for shape, determinism and errors. */
static void test_audio2_model(void) {
    celesta_xylo_afe2_params_t p = CELESTA_INIT(celesta_xylo_afe2_params_t);
    CHECK(celesta_xylo_afe2_params_default(&p) == CELESTA_OK && p.fs == 0 && p.raster_period == 0.01 &&
              p.max_spike_per_raster_period == 15 && p.add_noise == 1 && p.digital_counter == 4, "afe2 defaults");
    celesta_xylo_afe2_t *afe = NULL;
    CHECK(celesta_xylo_afe2_create(&afe, &p) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "fs = 0.0"),
          "fs unset: %s", celesta_last_error());
    p.fs = 110000;
    p.add_noise = 2;
    CHECK(celesta_xylo_afe2_create(&afe, &p) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "'add_noise' is 2"),
          "flag: %s", celesta_last_error());
    p.add_noise = p.add_offset = p.add_mismatch = 0;
    CHECK(celesta_xylo_afe2_create(&afe, &p) == CELESTA_OK, "afe2 create: %s", celesta_last_error());
    enum { N = 11000 };
    double *x = malloc(N * sizeof *x);
    int32_t *spikes = calloc(N * 16, sizeof *spikes);
    double *rect = calloc(N * 16, sizeof *rect);
    for (int i = 0; i < N; ++i) x[i] = 0.1 * sin(2 * 3.14159265358979 * 1200.0 * i / 110000.0);
    celesta_xylo_afe2_record_t rec = {sizeof(celesta_xylo_afe2_record_t), NULL, 0, NULL, 0, rect, N * 16};
    CHECK(celesta_xylo_afe2_process(spikes, N * 16, &(size_t){0}, &rec, afe, x, N) == CELESTA_OK, "afe2 process: %s", celesta_last_error());
    size_t rows = 0;
    size_t len = 0;
    CHECK(celesta_xylo_afe2_raster(NULL, 0, &len, afe, spikes, N * 16) == CELESTA_OK && len == 10 * 16, "len %zu", len);
    int32_t raster[10 * 16];
    CHECK(celesta_xylo_afe2_raster(raster, 10 * 16, &len, afe, spikes, N * 16) == CELESTA_OK, "raster");
    rows = len / 16;
    long tone = 0, low = 0;
    for (size_t t = 0; t < rows; ++t) {
        tone += raster[t * 16 + 8];
        low += raster[t * 16 + 0];
    }
    CHECK(tone > 10 && tone > 5 * low && rect[100 * 16 + 8] >= 0, "the 1177 Hz channel fires: %ld vs %ld", tone, low);
    CHECK(celesta_xylo_afe2_raster(raster, 10 * 16 - 1, &len, afe, spikes, N * 16) == CELESTA_ERR_BUFFER_TOO_SMALL, "small raster");
    CHECK(celesta_xylo_afe2_raster(NULL, 0, &len, afe, spikes, 17) == CELESTA_ERR_SHAPE_MISMATCH, "ragged spikes");
    CHECK(celesta_xylo_afe2_process(spikes, N * 16 - 1, &(size_t){0}, NULL, afe, x, N) == CELESTA_ERR_BUFFER_TOO_SMALL, "small spikes");
    celesta_xylo_afe2_record_t small = {sizeof(celesta_xylo_afe2_record_t), rect, 5, NULL, 0, NULL, 0};
    CHECK(celesta_xylo_afe2_process(spikes, N * 16, &(size_t){0}, &small, afe, x, N) == CELESTA_ERR_BUFFER_TOO_SMALL &&
              contains(celesta_last_error(), "'record->lna_out'"), "%s", celesta_last_error());
    x[9] = INFINITY;
    CHECK(celesta_xylo_afe2_process(spikes, N * 16, &(size_t){0}, NULL, afe, x, N) == CELESTA_ERR_OUT_OF_RANGE &&
              contains(celesta_last_error(), "audio sample 9 = inf"), "%s", celesta_last_error());
    CHECK(celesta_xylo_afe2_process(spikes, 48, &(size_t){0}, NULL, afe, NULL, 3) == CELESTA_ERR_NULL_POINTER, "NULL input");
    CHECK(celesta_xylo_afe2_reset(afe) == CELESTA_OK && celesta_xylo_afe2_reset(NULL) == CELESTA_ERR_NULL_POINTER, "reset");
    CHECK(celesta_xylo_afe2_process(spikes, 16, &(size_t){0}, NULL, NULL, x, 1) == CELESTA_ERR_NULL_POINTER, "NULL afe2");
    celesta_xylo_afe2_free(afe);
    celesta_xylo_afe2_free(NULL);
    free(x); free(spikes); free(rect);
}

/* Progress of the Xylo Audio 3 front end: offline and streaming calls report increasing counts
 * up to their total; a cancelled call fails with CELESTA_ERR_CANCELLED, writes nothing and
 * leaves the stream as it was; a NULL fn removes the callback. */
static void test_afe_progress(void) {
    enum { N = 3 * 4096 + 1000 };
    double *x = malloc(N * sizeof *x);
    for (int i = 0; i < N; ++i) x[i] = 0.3 * sin(i * 0.07) + 0.1 * sin(i * 0.9);
    celesta_xylo_afe_params_t p = CELESTA_INIT(celesta_xylo_afe_params_t);
    celesta_xylo_afe_params_default(&p);
    celesta_xylo_afe_t *afe = NULL, *plain = NULL;
    CHECK(celesta_xylo_afe_create(&afe, &p) == CELESTA_OK && celesta_xylo_afe_create(&plain, &p) == CELESTA_OK, "create");
    size_t steps = 0;
    celesta_xylo_afe_output_size(NULL, &steps, afe, N);
    size_t len = steps * 16;
    int32_t *got = malloc(len * sizeof *got), *want = malloc(len * sizeof *want);

    for (int prefix = 0; prefix <= 1; ++prefix) {
        progress_log seen = progress_start(0);
        CHECK(celesta_xylo_afe_set_progress(afe, on_progress, &seen) == CELESTA_OK, "set_progress");
        CHECK(celesta_xylo_afe_process(got, len, &(size_t){0}, NULL, afe, x, N, prefix) == CELESTA_OK &&
                  celesta_xylo_afe_process(want, len, &(size_t){0}, NULL, plain, x, N, prefix) == CELESTA_OK,
              "process: %s", celesta_last_error());
        CHECK(memcmp(got, want, len * sizeof *got) == 0, "progress does not change the raster (prefix %d)", prefix);
        size_t total = (size_t)(prefix ? 4 : 1) * N;
        CHECK(seen.calls >= 4 && seen.ordered && seen.last_done == total && seen.total == total,
              "offline progress (prefix %d): %zu calls, last %zu of %zu", prefix, seen.calls, seen.last_done, seen.total);
        progress_log stop = progress_start(2);
        celesta_xylo_afe_set_progress(afe, on_progress, &stop);
        for (size_t i = 0; i < len; ++i) got[i] = -7;
        CHECK(celesta_xylo_afe_process(got, len, &(size_t){0}, NULL, afe, x, N, prefix) == CELESTA_ERR_CANCELLED &&
                  contains(celesta_last_error(), "cancelled"), "cancelled offline: %s", celesta_last_error());
        CHECK(stop.calls == 2 && still_sentinel(got, len, -7), "a cancelled offline run writes nothing");
    }

    /* The stream: a push reports its chunk's samples; a cancelled push is as if not made. */
    progress_log seen = progress_start(0);
    celesta_xylo_afe_set_progress(afe, on_progress, &seen);
    size_t first = 0, rows = 0, want_rows = 0;
    CHECK(push_rows(afe, x, 5000, 0, got, len, NULL, &first) == CELESTA_OK && first == 100,
          "first push: %s (%zu rows)", celesta_last_error(), first);
    CHECK(seen.calls == 2 && seen.ordered && seen.last_done == 5000 && seen.total == 5000,
          "stream progress: %zu calls, last %zu of %zu", seen.calls, seen.last_done, seen.total);
    progress_log stop = progress_start(1);
    celesta_xylo_afe_set_progress(afe, on_progress, &stop);
    int32_t *rest = got + first * 16;
    for (size_t i = 0; i < len - first * 16; ++i) rest[i] = -7;
    rows = 12345;
    CHECK(push_rows(afe, x + 5000, N - 5000, 1, rest, len - first * 16, NULL, &rows) == CELESTA_ERR_CANCELLED,
          "cancelled push: %s", celesta_last_error());
    CHECK(stop.calls == 1 && rows == 12345 && still_sentinel(rest, len - first * 16, -7), "a cancelled push writes nothing");
    CHECK(celesta_xylo_afe_set_progress(afe, NULL, NULL) == CELESTA_OK, "remove the callback");
    CHECK(push_rows(afe, x + 5000, N - 5000, 1, rest, len - first * 16, NULL, &rows) == CELESTA_OK &&
              stop.calls == 1, "push after the cancelled one: %s", celesta_last_error());
    CHECK(push_rows(plain, x, N, 1, want, len, NULL, &want_rows) == CELESTA_OK, "plain stream");
    CHECK(first + rows == want_rows && memcmp(got, want, want_rows * 16 * sizeof *got) == 0,
          "the stream goes on as if the cancelled push had not been made");
    CHECK(celesta_xylo_afe_set_progress(NULL, on_progress, NULL) == CELESTA_ERR_NULL_POINTER &&
              contains(celesta_last_error(), "'afe'"), "NULL afe: %s", celesta_last_error());
    celesta_xylo_afe_free(afe);
    celesta_xylo_afe_free(plain);
    free(x); free(got); free(want);
}

/* Progress of the Xylo Audio 2 model: 17 reports of input_len; a cancelled call, even at the
 * last report, writes nothing and leaves the membranes and the noise generator as they were. */
static void test_afe2_progress(void) {
    celesta_xylo_afe2_params_t p = CELESTA_INIT(celesta_xylo_afe2_params_t);
    celesta_xylo_afe2_params_default(&p);
    p.fs = 110000;
    p.seed = 7; /* noise, offsets and mismatch on: the noise generator's state matters */
    celesta_xylo_afe2_t *a = NULL, *b = NULL;
    CHECK(celesta_xylo_afe2_create(&a, &p) == CELESTA_OK && celesta_xylo_afe2_create(&b, &p) == CELESTA_OK, "afe2 create");
    enum { N = 3000 };
    double *x = malloc(N * sizeof *x);
    int32_t *sa = malloc(N * 16 * sizeof *sa), *sb = malloc(N * 16 * sizeof *sb);
    for (int i = 0; i < N; ++i) x[i] = 0.2 * sin(2 * 3.14159265358979 * 1200.0 * i / 110000.0);
    for (size_t cancel_at = 3; cancel_at <= 17; cancel_at += 14) {
        progress_log stop = progress_start(cancel_at);
        CHECK(celesta_xylo_afe2_set_progress(a, on_progress, &stop) == CELESTA_OK, "set_progress");
        for (size_t i = 0; i < N * 16; ++i) sa[i] = -7;
        CHECK(celesta_xylo_afe2_process(sa, N * 16, &(size_t){0}, NULL, a, x, N) == CELESTA_ERR_CANCELLED &&
                  contains(celesta_last_error(), "cancelled"), "cancelled at %zu: %s", cancel_at, celesta_last_error());
        CHECK(stop.calls == cancel_at && still_sentinel(sa, N * 16, -7), "a cancelled call writes nothing");
    }
    progress_log seen = progress_start(0);
    for (int run = 0; run < 2; ++run) {  /* twice: the membranes carry over */
        seen = progress_start(0);
        celesta_xylo_afe2_set_progress(a, on_progress, &seen);
        CHECK(celesta_xylo_afe2_process(sa, N * 16, &(size_t){0}, NULL, a, x, N) == CELESTA_OK &&
                  celesta_xylo_afe2_process(sb, N * 16, &(size_t){0}, NULL, b, x, N) == CELESTA_OK, "afe2 process: %s", celesta_last_error());
        CHECK(memcmp(sa, sb, N * 16 * sizeof *sa) == 0, "run %d: the cancelled calls left the state as it was", run);
        /* A report after each of the 17 stages and (issue 16) reports inside the stages (the
         * stages done so far, repeated), so that a cancel is seen within a block of samples:
         * at least 17, never going back, to the end. */
        CHECK(seen.calls >= 17 && seen.steady && seen.last_done == 17 * N && seen.total == 17 * N,
              "afe2 progress: %zu calls, last %zu of %zu", seen.calls, seen.last_done, seen.total);
    }
    size_t calls = seen.calls;
    CHECK(celesta_xylo_afe2_set_progress(a, NULL, NULL) == CELESTA_OK && celesta_xylo_afe2_process(sa, N * 16, &(size_t){0}, NULL, a, x, N) == CELESTA_OK &&
              seen.calls == calls, "removed callback");
    CHECK(celesta_xylo_afe2_set_progress(NULL, on_progress, NULL) == CELESTA_ERR_NULL_POINTER, "NULL afe2");
    celesta_xylo_afe2_free(a);
    celesta_xylo_afe2_free(b);
    free(x); free(sa); free(sb);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: test_afe EXTERNAL_DIR PDM_DIR\n");
        return 2;
    }
    test_defaults();
    run_case(argv[1], 0);
    run_case(argv[2], 1);
    test_settings();
    test_errors();
    test_audio2_model();
    test_afe_progress();
    test_afe2_progress();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
