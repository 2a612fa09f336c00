/* test_backend_descriptor_read.c: a compile's descriptor read back through the C ABI
 * (celesta_backend_result_read): TALON's to_json text and the binary (Celesta's, with the
 * weights, and TALON's, without), written, read and written again to the same bytes; every
 * truncated prefix and every flipped byte of each file gives a named status and a message,
 * never a crash; the errors of the call itself.
 * Usage: test_backend_descriptor_read SCRATCH_DIR */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <celesta.h>

#include "check.h"

/* The bytes of a file (malloc'd) and its size. */
static unsigned char *slurp(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    *size = fread(buf, 1, (size_t)n, f);
    buf[*size] = 0;
    fclose(f);
    return buf;
}

/* The result's JSON (malloc'd), or NULL. */
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

/* A status is acceptable for damaged data when it is OK or a named error with a message. */
static int named(int status) {
    return status == CELESTA_OK || (status < 0 && strcmp(celesta_status_name(status), "CELESTA_UNKNOWN_STATUS") != 0 && celesta_last_error()[0] != '\0');
}

/* Writes `res` as `format`/`flags` to `path`, reads the file back, writes that to `again`
 * and checks the two files are the same bytes. Returns the read result (or NULL). */
static celesta_backend_result_t *round_trip(const celesta_backend_result_t *res, int format, int flags, const char *path, const char *again,
                                            const char *what) {
    CHECK(celesta_backend_result_write(res, path, format, flags) == CELESTA_OK, "%s: %s", what, celesta_last_error());
    size_t n = 0, m = 0;
    unsigned char *bytes = slurp(path, &n);
    celesta_backend_result_t *back = NULL;
    CHECK(bytes != NULL && celesta_backend_result_read(&back, (const char *)bytes, n, format) == CELESTA_OK, "%s: %s", what, celesta_last_error());
    if (back != NULL) CHECK(celesta_backend_result_write(back, again, format, flags) == CELESTA_OK, "%s: %s", what, celesta_last_error());
    unsigned char *second = slurp(again, &m);
    CHECK(second != NULL && m == n && memcmp(bytes, second, n) == 0, "%s: %zu bytes written, %zu after the round trip", what, n, m);
    free(second);
    free(bytes);
    return back;
}

/* Every prefix shorter than the file, and every byte flipped (xor 0xFF, and xor 0x01): a
 * named status each time; what still reads must write again. `readable` prefixes read (a
 * Celesta binary's prefix up to its count is TALON's file); the others are refused. */
static void damage(const char *path, int format, int readable, const char *again, const char *what) {
    size_t n = 0;
    unsigned char *bytes = slurp(path, &n);
    CHECK(bytes != NULL && n > 0, "%s: file", what);
    if (bytes == NULL) return;
    unsigned char *copy = malloc(n + 1);
    int bad = 0, refused = 0;
    int written = 0;
    for (size_t len = 0; len < n; ++len) {
        celesta_backend_result_t *r = NULL;
        memcpy(copy, bytes, len);
        int s = celesta_backend_result_read(&r, (const char *)copy, len, format);
        if (!named(s)) ++bad;
        if (s != CELESTA_OK) ++refused;
        celesta_backend_result_free(r);
    }
    CHECK(bad == 0 && refused == (int)n - readable, "%s: %d of %zu prefixes refused, %d without a name or message", what, refused, n, bad);
    bad = 0;
    int read_ok = 0;
    for (size_t i = 0; i < n; ++i) {
        for (int k = 0; k < 2; ++k) {
            memcpy(copy, bytes, n);
            copy[i] ^= k == 0 ? 0xFF : 0x01;
            celesta_backend_result_t *r = NULL;
            int s = celesta_backend_result_read(&r, (const char *)copy, n, format);
            if (!named(s)) ++bad;
            if (s == CELESTA_OK) {
                ++read_ok;
                if (celesta_backend_result_write(r, again, format, 0) != CELESTA_OK) ++bad;
                ++written;
                char *j = result_text(r);
                if (j == NULL) ++bad;
                free(j);
            }
            celesta_backend_result_free(r);
        }
    }
    CHECK(bad == 0 && written == read_ok, "%s: %d flipped inputs without a named status or not written again", what, bad);
    printf("# %s: %zu bytes, %d prefixes refused, %d of %zu flipped inputs still read\n", what, n, refused, read_ok, 2 * n);
    free(copy);
    free(bytes);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_backend_descriptor_read SCRATCH_DIR\n");
        return 2;
    }
    char json[1024], bin[1024], talon[1024], again[1024];
    snprintf(json, sizeof json, "%s/descriptor.json", argv[1]);
    snprintf(bin, sizeof bin, "%s/descriptor.bin", argv[1]);
    snprintf(talon, sizeof talon, "%s/talon.bin", argv[1]);
    snprintf(again, sizeof again, "%s/again", argv[1]);

    /* Input 3 -> Affine 2x3 (a NaN and an infinite bias: Python's JSON spells them) -> LIF 2 -> Output. */
    float w[6] = {0.9f, 0.2f, 0.5f, 0.3f, 0.8f, 0.6f}, b[2] = {NAN, -INFINITY}, tau[2] = {8, 8}, r[2] = {8, 8}, vl[2] = {0, 0}, th[2] = {1, 1.5f};
    int64_t wshape[2] = {2, 3}, vshape[1] = {2};
    celesta_ir_array_t arrays[6] = {
        {sizeof(celesta_ir_array_t), "float32", w, 2, wshape},   {sizeof(celesta_ir_array_t), "float32", b, 1, vshape},
        {sizeof(celesta_ir_array_t), "float32", tau, 1, vshape}, {sizeof(celesta_ir_array_t), "float32", r, 1, vshape},
        {sizeof(celesta_ir_array_t), "float32", vl, 1, vshape},  {sizeof(celesta_ir_array_t), "float32", th, 1, vshape},
    };
    const char *doc = "{\"nodes\": [{\"name\": \"in\", \"type\": \"Input\", \"fields\": {}, \"input_type\": {\"input\": [3]}},"
                      "{\"name\": \"fc\", \"type\": \"Affine\", \"fields\": {\"weight\": {\"$array\": 0}, \"bias\": {\"$array\": 1}}},"
                      "{\"name\": \"lif\", \"type\": \"LIF\", \"fields\": {\"tau\": {\"$array\": 2}, \"r\": {\"$array\": 3},"
                      " \"v_leak\": {\"$array\": 4}, \"v_threshold\": {\"$array\": 5}, \"precision\": \"int16\", \"core_id\": 1}},"
                      "{\"name\": \"out\", \"type\": \"Output\", \"fields\": {}, \"output_type\": {\"output\": [2]}}],"
                      "\"edges\": [[\"in\", \"fc\"], [\"fc\", \"lif\"], [\"lif\", \"out\"]]}";
    celesta_ir_graph_t *g = NULL;
    CHECK(celesta_ir_graph_from_json(&g, doc, strlen(doc), arrays, 6, 0) == CELESTA_OK, "%s", celesta_last_error());
    celesta_backend_result_t *res = NULL;
    CHECK(celesta_backend_compile(&res, "cpu", g, NULL, 0) == CELESTA_OK, "%s", celesta_last_error());
    char *compiled = result_text(res);

    /* JSON: everything comes back (the result's JSON is the compile's). */
    celesta_backend_result_t *back = round_trip(res, CELESTA_BACKEND_DESCRIPTOR_JSON, 0, json, again, "cpu JSON");
    char *text = back ? result_text(back) : NULL;
    CHECK(text != NULL && compiled != NULL && strcmp(text, compiled) == 0, "the JSON read back gives the compile's result:\n%s\n%s", text, compiled);
    free(text);
    celesta_backend_result_free(back);
    size_t n = 0;
    unsigned char *file = slurp(json, &n);
    CHECK(file != NULL && contains((char *)file, "NaN,") && contains((char *)file, "-Infinity"), "%s", file);
    free(file);

    /* Celesta's binary: metadata, the count of configurations (2), the weights of both cores. */
    back = round_trip(res, CELESTA_BACKEND_DESCRIPTOR_BINARY, 0, bin, again, "cpu binary");
    text = back ? result_text(back) : NULL;
    CHECK(text != NULL && strstr(text, "\"neuron_configs\": {}") != NULL && strstr(text, "\"binary_neuron_config_count\": 2") != NULL, "%s", text);
    CHECK(text != NULL && strstr(text, "\"weight_tables\": {\"0\": {\"fc.weight\": {\"$tensor\"") != NULL && strstr(text, "\"1\": {\"lif.tau\"") != NULL, "%s", text);
    CHECK(text != NULL && strstr(text, "\"metadata\": {\"backend\": \"cpu\", \"execution_mode\": \"dag\"") != NULL, "%s", text);
    free(text);
    /* Its JSON has no configurations; written as TALON's binary it still counts 2. */
    CHECK(back != NULL && celesta_backend_result_write(back, again, CELESTA_BACKEND_DESCRIPTOR_BINARY, CELESTA_IR_TALON_COMPATIBLE) == CELESTA_OK, "%s", celesta_last_error());
    celesta_backend_result_free(back);

    /* TALON's binary (no weights). */
    back = round_trip(res, CELESTA_BACKEND_DESCRIPTOR_BINARY, CELESTA_IR_TALON_COMPATIBLE, talon, again, "TALON binary");
    text = back ? result_text(back) : NULL;
    CHECK(text != NULL && strstr(text, "\"weight_tables\": {}") != NULL && strstr(text, "\"binary_neuron_config_count\": 2") != NULL, "%s", text);
    free(text);
    celesta_backend_result_free(back);

    /* A Xylo chip's descriptor: int64 weight tables. */
    float w2[4] = {0.9f, 0.1f, 0.2f, 0.8f}, b0[2] = {0, 0};
    int64_t w2shape[2] = {2, 2};
    celesta_ir_array_t arrays2[7] = {arrays[0], {sizeof(celesta_ir_array_t), "float32", b0, 1, vshape}, arrays[2], arrays[3], arrays[4], arrays[5],
                                     {sizeof(celesta_ir_array_t), "float32", w2, 2, w2shape}};
    const char *doc2 = "{\"nodes\": [{\"name\": \"in\", \"type\": \"Input\", \"fields\": {}, \"input_type\": {\"input\": [3]}},"
                       "{\"name\": \"fc\", \"type\": \"Affine\", \"fields\": {\"weight\": {\"$array\": 0}, \"bias\": {\"$array\": 1}}},"
                       "{\"name\": \"lif\", \"type\": \"LIF\", \"fields\": {\"tau\": {\"$array\": 2}, \"r\": {\"$array\": 3},"
                       " \"v_leak\": {\"$array\": 4}, \"v_threshold\": {\"$array\": 5}}},"
                       "{\"name\": \"fc2\", \"type\": \"Affine\", \"fields\": {\"weight\": {\"$array\": 6}, \"bias\": {\"$array\": 1}}},"
                       "{\"name\": \"lif2\", \"type\": \"LIF\", \"fields\": {\"tau\": {\"$array\": 2}, \"r\": {\"$array\": 3},"
                       " \"v_leak\": {\"$array\": 4}, \"v_threshold\": {\"$array\": 5}}},"
                       "{\"name\": \"out\", \"type\": \"Output\", \"fields\": {}, \"output_type\": {\"output\": [2]}}],"
                       "\"edges\": [[\"in\", \"fc\"], [\"fc\", \"lif\"], [\"lif\", \"fc2\"], [\"fc2\", \"lif2\"], [\"lif2\", \"out\"]]}";
    celesta_ir_graph_t *g2 = NULL;
    CHECK(celesta_ir_graph_from_json(&g2, doc2, strlen(doc2), arrays2, 7, 0) == CELESTA_OK, "%s", celesta_last_error());
    celesta_backend_result_t *xres = NULL;
    CHECK(celesta_backend_compile(&xres, "xylo-a2", g2, "{\"settings\": {\"dt\": 1.0}}", 25) == CELESTA_OK, "%s", celesta_last_error());
    if (xres != NULL) {
        char xjson[1100], xbin[1100];
        snprintf(xjson, sizeof xjson, "%s/xylo.json", argv[1]);
        snprintf(xbin, sizeof xbin, "%s/xylo.bin", argv[1]);
        celesta_backend_result_free(round_trip(xres, CELESTA_BACKEND_DESCRIPTOR_JSON, 0, xjson, again, "xylo-a2 JSON"));
        back = round_trip(xres, CELESTA_BACKEND_DESCRIPTOR_BINARY, 0, xbin, again, "xylo-a2 binary");
        text = back ? result_text(back) : NULL;
        CHECK(text != NULL && strstr(text, "\"weights_in\": {\"$tensor\": {\"dtype\": \"int64\"") != NULL, "%s", text);
        free(text);
        celesta_backend_result_free(back);
        damage(xbin, CELESTA_BACKEND_DESCRIPTOR_BINARY, 1, again, "xylo-a2 binary");
    }

    /* Damaged files: every prefix, every flipped byte. */
    damage(json, CELESTA_BACKEND_DESCRIPTOR_JSON, 0, again, "cpu JSON");
    damage(bin, CELESTA_BACKEND_DESCRIPTOR_BINARY, 1, again, "cpu binary");
    damage(talon, CELESTA_BACKEND_DESCRIPTOR_BINARY, 0, again, "TALON binary");

    /* Errors that name what broke. */
    back = NULL;
    const char *tail = "T1CB\1\0\2\0\0\0{}\0\0\0\0\1\0\0\0";
    CHECK(celesta_backend_result_read(&back, tail, 20, 1) == CELESTA_ERR_PARSE && contains(celesta_last_error(), "weight record 0"), "%s", celesta_last_error());
    CHECK(celesta_backend_result_read(&back, "T1CB\2\0", 6, 1) == CELESTA_ERR_PARSE && contains(celesta_last_error(), "version 2"), "%s", celesta_last_error());
    CHECK(celesta_backend_result_read(&back, "{}", 2, 1) == CELESTA_ERR_PARSE && contains(celesta_last_error(), "T1CB"), "%s", celesta_last_error());
    CHECK(celesta_backend_result_read(&back, "{}", 2, 0) == CELESTA_ERR_PARSE && contains(celesta_last_error(), "no 'metadata'"), "%s", celesta_last_error());
    const char *extra = "{\"metadata\": {}, \"neuron_configs\": {}, \"weight_tables\": {}, \"routing_tables\": {}, \"execution_schedule\": {}, \"x\": 1}";
    CHECK(celesta_backend_result_read(&back, extra, strlen(extra), 0) == CELESTA_ERR_PARSE && contains(celesta_last_error(), "unknown key 'x'"), "%s", celesta_last_error());
    const char *shape = "{\"metadata\": {}, \"neuron_configs\": {}, \"weight_tables\": {\"0\": {\"w\": {\"shape\": [2], \"dtype\": \"int8\", \"data\": [1, 300]}}},"
                        " \"routing_tables\": {}, \"execution_schedule\": {}}";
    CHECK(celesta_backend_result_read(&back, shape, strlen(shape), 0) == CELESTA_ERR_PARSE && contains(celesta_last_error(), "300 is out of range")
          && contains(celesta_last_error(), "$.weight_tables.0.w.data"), "%s", celesta_last_error());
    const char *core = "{\"metadata\": {}, \"neuron_configs\": {\"a\": []}, \"weight_tables\": {}, \"routing_tables\": {}, \"execution_schedule\": {}}";
    CHECK(celesta_backend_result_read(&back, core, strlen(core), 0) == CELESTA_ERR_PARSE && contains(celesta_last_error(), "'a' is not a core id"), "%s", celesta_last_error());
    CHECK(celesta_backend_result_read(NULL, "{}", 2, 0) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "'out'"), "%s", celesta_last_error());
    CHECK(celesta_backend_result_read(&back, NULL, 3, 0) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "'data'"), "%s", celesta_last_error());
    CHECK(celesta_backend_result_read(&back, "{}", 2, 2) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "'format'"), "%s", celesta_last_error());
    CHECK(celesta_backend_result_read(&back, NULL, 0, 1) == CELESTA_ERR_PARSE, "%s", celesta_last_error());
    CHECK(back == NULL, "no result after failures");

    free(compiled);
    celesta_backend_result_free(res);
    celesta_backend_result_free(xres);
    celesta_ir_graph_free(g);
    celesta_ir_graph_free(g2);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
