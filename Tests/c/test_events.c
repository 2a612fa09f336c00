/* test_events.c: event files and spike encoders through the C ABI: TALON's event file read
 * (info, chunks, time window), write + read back in packed 13-byte records and plain arrays,
 * the streaming writer, PCG64 and rate_encode against a shared TALON case, and the error paths.
 * Usage: test_events FIXTURES_DIR TMP_DIR */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <celesta.h>

#include "check.h"

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)n + 1);
    size_t got = fread(text, 1, (size_t)n, f);
    text[got] = 0;
    fclose(f);
    return text;
}

/* The numbers of the JSON list that follows `key` (nested lists flattened), up to `cap`. */
static size_t numbers_after(const char *text, const char *key, double *out, unsigned long long *raw, size_t cap) {
    const char *p = strstr(text, key);
    if (!p) return 0;
    p = strchr(p, '[');
    int depth = 0;
    size_t n = 0;
    while (*p) {
        if (*p == '[') { ++depth; ++p; continue; }
        if (*p == ']') { if (--depth == 0) break; ++p; continue; }
        if ((*p >= '0' && *p <= '9') || *p == '-') {
            char *end;
            if (raw && n < cap) raw[n] = strtoull(p, &end, 10);
            double v = strtod(p, &end);
            if (out && n < cap) out[n] = v;
            ++n;
            p = end;
            continue;
        }
        ++p;
    }
    return n;
}

static celesta_events_t packed(uint8_t *records) {
    celesta_events_t e = CELESTA_INIT(celesta_events_t);
    e.t = records; e.t_stride = 13;
    e.x = records + 8; e.x_stride = 13;
    e.y = records + 10; e.y_stride = 13;
    e.p = records + 12; e.p_stride = 13;
    return e;
}

static void test_talon_file(const char *fixtures) {
    char path[1024];
    snprintf(path, sizeof path, "%s/talon/events/events_writer.h5", fixtures);
    celesta_events_reader_t *r = NULL;
    CHECK(celesta_events_reader_open(&r, path, NULL) == CELESTA_OK, "%s", celesta_last_error());
    celesta_events_info_t info = CELESTA_INIT(celesta_events_info_t);
    CHECK(celesta_events_reader_info(&info, r) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(info.n_events == 1000 && info.layout == CELESTA_EVENTS_SEPARATE, "%llu", (unsigned long long)info.n_events);
    CHECK(strcmp(info.format, "t1c_events_v1") == 0, "%s", info.format);
    CHECK(info.has_sensor_size && info.sensor_width == 128 && info.sensor_height == 128, "sensor");
    CHECK(info.has_time_range && info.t_start == 16 && info.t_end == 99934, "time range");
    CHECK(info.gzip_level == 4 && info.chunk_length == 100000, "%d %llu", info.gzip_level, (unsigned long long)info.chunk_length);
    uint64_t first = 0, end = 0;
    CHECK(celesta_events_reader_window(&first, &end, r, 10000, 50000) == CELESTA_OK && first == 103 && end == 476,
          "%llu %llu", (unsigned long long)first, (unsigned long long)end);
    uint8_t *records = calloc(1000, 13);
    celesta_events_t e = packed(records);
    CHECK(celesta_events_reader_read(&e, r, 0, 1000) == CELESTA_OK, "%s", celesta_last_error());
    uint64_t t103, t475;
    memcpy(&t103, records + 13 * 103, 8);
    memcpy(&t475, records + 13 * 475, 8);
    CHECK(t103 == 10118 && t475 == 49411, "%llu %llu", (unsigned long long)t103, (unsigned long long)t475);
    /* Errors: past the end, NULL handles, a struct_size too small. */
    CHECK(celesta_events_reader_read(&e, r, 999, 2) == CELESTA_ERR_OUT_OF_RANGE, "%s", celesta_last_error());
    CHECK(celesta_events_reader_read(&e, NULL, 0, 1) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "reader"), "%s", celesta_last_error());
    CHECK(celesta_events_reader_window(NULL, &end, r, 0, 1) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "first"), "%s", celesta_last_error());
    info.struct_size = 8;
    CHECK(celesta_events_reader_info(&info, r) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "struct_size"), "%s", celesta_last_error());
    e.struct_size = 4;
    CHECK(celesta_events_reader_read(&e, r, 0, 1) == CELESTA_ERR_INVALID_ARGUMENT, "%s", celesta_last_error());
    celesta_events_reader_free(r);
    celesta_events_reader_free(NULL);
    free(records);

    /* A missing group is named; a missing file is an I/O error. */
    celesta_events_config_t cfg = CELESTA_INIT(celesta_events_config_t);
    cfg.events_group = "elsewhere";
    CHECK(celesta_events_reader_open(&r, path, &cfg) == CELESTA_ERR_NOT_FOUND && contains(celesta_last_error(), "elsewhere"), "%s", celesta_last_error());
    CHECK(celesta_events_reader_open(&r, "/nonexistent/x.h5", NULL) == CELESTA_ERR_IO, "%s", celesta_last_error());
    CHECK(celesta_events_reader_open(&r, NULL, NULL) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "path"), "%s", celesta_last_error());
}

static void test_write_read(const char *tmp) {
    enum { N = 250001 };
    uint64_t *t = malloc(N * sizeof *t);
    uint16_t *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    uint8_t *p = malloc(N);
    for (size_t i = 0; i < N; ++i) {
        t[i] = i * 3 + (i % 3); /* ascending */
        x[i] = (uint16_t)(i * 31 % 640);
        y[i] = (uint16_t)(i * 17 % 480);
        p[i] = (uint8_t)(i & 1);
    }
    celesta_events_t cols = CELESTA_INIT(celesta_events_t);
    cols.t = t; cols.t_stride = 8; cols.x = x; cols.x_stride = 2; cols.y = y; cols.y_stride = 2; cols.p = p; cols.p_stride = 1;
    char path[1024];
    snprintf(path, sizeof path, "%s/events_c.h5", tmp);
    int64_t sensor[2] = {640, 480};
    CHECK(celesta_events_write(path, &cols, N, NULL, sensor, 4) == CELESTA_OK, "%s", celesta_last_error());
    celesta_events_reader_t *r = NULL;
    CHECK(celesta_events_reader_open(&r, path, NULL) == CELESTA_OK, "%s", celesta_last_error());
    uint8_t *records = calloc(N, 13);
    celesta_events_t e = packed(records);
    CHECK(celesta_events_reader_read(&e, r, 0, N) == CELESTA_OK, "%s", celesta_last_error());
    int same = 1;
    for (size_t i = 0; i < N && same; ++i) {
        uint64_t tv; uint16_t xv, yv;
        memcpy(&tv, records + 13 * i, 8); memcpy(&xv, records + 13 * i + 8, 2); memcpy(&yv, records + 13 * i + 10, 2);
        same = tv == t[i] && xv == x[i] && yv == y[i] && records[13 * i + 12] == p[i];
    }
    CHECK(same, "read back equals written");
    uint64_t a = 0, b = 0;
    CHECK(celesta_events_reader_window(&a, &b, r, 3000, 6000) == CELESTA_OK && a == 1000 && b == 2000, "%llu %llu", (unsigned long long)a, (unsigned long long)b);
    celesta_events_reader_free(r);

    /* The streaming writer: nothing at the path until closed; appends in pieces. */
    snprintf(path, sizeof path, "%s/events_stream.h5", tmp);
    remove(path);
    celesta_events_writer_t *w = NULL;
    CHECK(celesta_events_writer_create(&w, path, NULL, NULL, 5000, -1) == CELESTA_OK, "%s", celesta_last_error());
    celesta_events_t part = cols;
    size_t done = 0, pieces[] = {1, 4999, 12345, N - 17345};
    for (size_t k = 0; k < 4; ++k) {
        part.t = t + done; part.x = x + done; part.y = y + done; part.p = p + done;
        CHECK(celesta_events_writer_append(w, &part, pieces[k]) == CELESTA_OK, "%s", celesta_last_error());
        done += pieces[k];
    }
    uint64_t count = 0;
    CHECK(celesta_events_writer_count(&count, w) == CELESTA_OK && count == N, "%llu", (unsigned long long)count);
    FILE *f = fopen(path, "rb");
    CHECK(f == NULL, "no file before close");
    if (f) fclose(f);
    CHECK(celesta_events_writer_close(w) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(celesta_events_writer_close(w) == CELESTA_OK, "a second close does nothing");
    CHECK(celesta_events_writer_append(w, &part, 1) == CELESTA_ERR_INVALID_STATE, "%s", celesta_last_error());
    celesta_events_writer_free(w);
    celesta_events_writer_free(NULL);
    CHECK(celesta_events_reader_open(&r, path, NULL) == CELESTA_OK, "%s", celesta_last_error());
    celesta_events_info_t info = CELESTA_INIT(celesta_events_info_t);
    celesta_events_reader_info(&info, r);
    CHECK(info.n_events == N && info.gzip_level == -1 && info.chunk_length == 5000 && !info.has_sensor_size, "%llu", (unsigned long long)info.n_events);
    memset(records, 0, (size_t)N * 13);
    CHECK(celesta_events_reader_read(&e, r, 0, N) == CELESTA_OK, "%s", celesta_last_error());
    uint64_t last;
    memcpy(&last, records + 13 * (N - 1), 8);
    CHECK(last == t[N - 1], "last t");
    celesta_events_reader_free(r);

    /* Errors: bad gzip level, NULL columns, stride below the element size. */
    CHECK(celesta_events_write(path, &cols, N, NULL, NULL, 10) == CELESTA_ERR_OUT_OF_RANGE && contains(celesta_last_error(), "gzip_level"), "%s", celesta_last_error());
    CHECK(celesta_events_write(path, NULL, 3, NULL, NULL, 4) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "events"), "%s", celesta_last_error());
    cols.x_stride = 1;
    CHECK(celesta_events_write(path, &cols, N, NULL, NULL, 4) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "x_stride"), "%s", celesta_last_error());
    snprintf(path, sizeof path, "%s/no/such/folder.h5", tmp);
    cols.x_stride = 2;
    CHECK(celesta_events_write(path, &cols, N, NULL, NULL, 4) == CELESTA_ERR_IO, "%s", celesta_last_error());
    free(t); free(x); free(y); free(p); free(records);
}

static void test_encoders(const char *fixtures) {
    char path[1024];
    snprintf(path, sizeof path, "%s/talon/cases/encoding.rate.img4x5.seed7.json", fixtures);
    char *text = slurp(path);
    CHECK(text != NULL, "%s", path);
    if (!text) return;
    unsigned long long raw[16];
    CHECK(numbers_after(text, "\"pcg64_random_raw_first16\"", NULL, raw, 16) == 16, "raw vectors");
    uint32_t seed = 7;
    uint64_t got[16];
    CHECK(celesta_ir_pcg64_random_raw(got, 16, &seed, 1) == CELESTA_OK, "%s", celesta_last_error());
    int same = 1;
    for (int i = 0; i < 16; ++i) same = same && got[i] == raw[i];
    CHECK(same, "PCG64 outputs equal numpy's");

    double values[20];
    CHECK(numbers_after(strstr(text, "\"args\""), "\"values\"", values, NULL, 20) == 20, "data");
    float data[20];
    for (int i = 0; i < 20; ++i) data[i] = (float)values[i];
    int64_t shape[2] = {4, 5};
    celesta_ir_array_t arr = CELESTA_INIT(celesta_ir_array_t);
    arr.dtype = "float32"; arr.data = data; arr.ndim = 2; arr.shape = shape;
    size_t len = 0;
    CHECK(celesta_ir_rate_encode(NULL, 0, &len, &arr, 50, 0.5, &seed, 1) == CELESTA_OK && len == 1000, "%zu", len);
    float *spikes = malloc(len * sizeof *spikes);
    CHECK(celesta_ir_rate_encode(spikes, len, &len, &arr, 50, 0.5, &seed, 1) == CELESTA_OK, "%s", celesta_last_error());
    double per_step[50];
    CHECK(numbers_after(text, "\"spikes_per_step\"", per_step, NULL, 50) == 50, "spikes_per_step");
    same = 1;
    for (int s = 0; s < 50; ++s) {
        int n = 0;
        for (int i = 0; i < 20; ++i) n += spikes[s * 20 + i] == 1.0f;
        same = same && n == (int)per_step[s];
    }
    CHECK(same, "spikes per step equal TALON's");
    CHECK(celesta_ir_rate_encode(spikes, 999, &len, &arr, 50, 0.5, &seed, 1) == CELESTA_ERR_BUFFER_TOO_SMALL, "%s", celesta_last_error());
    CHECK(celesta_ir_rate_encode(spikes, len, &len, &arr, 0, 0.5, &seed, 1) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "n_steps"), "%s", celesta_last_error());
    arr.dtype = "int32";
    CHECK(celesta_ir_rate_encode(spikes, len, &len, &arr, 50, 0.5, &seed, 1) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "dtype"), "%s", celesta_last_error());
    arr.dtype = "float32";
    data[3] = 0.0f / 0.0f;
    CHECK(celesta_ir_rate_encode(spikes, len, &len, &arr, 50, 1.0, &seed, 1) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "index 3"), "%s", celesta_last_error());
    data[3] = 0.5f;
    /* Unseeded: valid spikes. */
    CHECK(celesta_ir_rate_encode(spikes, len, &len, &arr, 50, 1.0, NULL, 0) == CELESTA_OK, "%s", celesta_last_error());
    /* Latency: value 1 spikes at step 0, values below the threshold never. */
    float lat_in[3] = {1.0f, 0.5f, 0.001f};
    int64_t three = 3;
    celesta_ir_array_t l = CELESTA_INIT(celesta_ir_array_t);
    l.dtype = "float32"; l.data = lat_in; l.ndim = 1; l.shape = &three;
    float lat[30];
    CHECK(celesta_ir_latency_encode(lat, 30, &len, &l, 10, 5.0, 0.01) == CELESTA_OK && len == 30, "%s", celesta_last_error());
    CHECK(lat[0] == 1.0f && lat[3 * 3 + 1] == 1.0f && lat[2] == 0.0f, "latency steps"); /* 5 ln 2 = 3.47 -> step 3 */
    CHECK(celesta_ir_temporal_encode(lat, 30, &len, &l, 10, 0.01) == CELESTA_OK && lat[0] == 1.0f && lat[5 * 3 + 1] == 1.0f, "temporal");
    /* Delta: (2, 3) frames -> (1, 2, 3). */
    float seq[6] = {0, 0, 0, 1, -1, 0.05f};
    int64_t seq_shape[2] = {2, 3};
    celesta_ir_array_t d = CELESTA_INIT(celesta_ir_array_t);
    d.dtype = "float32"; d.data = seq; d.ndim = 2; d.shape = seq_shape;
    float delta[6];
    CHECK(celesta_ir_delta_encode(delta, 6, &len, &d, 0.1, 1) == CELESTA_OK && len == 6, "%s", celesta_last_error());
    CHECK(delta[0] == 1 && delta[1] == 0 && delta[2] == 0 && delta[3] == 0 && delta[4] == 1 && delta[5] == 0, "delta");
    d.ndim = 0;
    CHECK(celesta_ir_delta_encode(delta, 6, &len, &d, 0.1, 1) == CELESTA_ERR_INVALID_ARGUMENT, "%s", celesta_last_error());
    free(spikes);
    free(text);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: test_events FIXTURES_DIR TMP_DIR\n");
        return 2;
    }
    test_talon_file(argv[1]);
    test_write_read(argv[2]);
    test_encoders(argv[1]);
    printf("test_events: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
