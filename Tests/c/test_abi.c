/*
 * test_abi.c: tests of the Celesta C ABI through the generated header, run by `make test`.
 * Prints one line per check and closes with "N passed, N failed".
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <celesta.h>

#include "check.h"


static void test_version(void) {
    int major = -1, minor = -1, patch = -1;
    CHECK(celesta_version(&major, &minor, &patch) == CELESTA_OK, "status");
    CHECK(major == CELESTA_VERSION_MAJOR && minor == CELESTA_VERSION_MINOR &&
              patch == CELESTA_VERSION_PATCH,
          "runtime %d.%d.%d vs header %s", major, minor, patch, CELESTA_VERSION_STRING);
    CHECK(strcmp(celesta_version_string(), CELESTA_VERSION_STRING) == 0, "string %s",
          celesta_version_string());
    CHECK(celesta_version(NULL, NULL, NULL) == CELESTA_OK, "all-NULL version query");
    int only_minor = -1;
    CHECK(celesta_version(NULL, &only_minor, NULL) == CELESTA_OK && only_minor == CELESTA_VERSION_MINOR,
          "partial query gave %d", only_minor);
}

static void test_status_names(void) {
    CHECK(strcmp(celesta_status_name(CELESTA_OK), "CELESTA_OK") == 0, "ok");
    CHECK(strcmp(celesta_status_name(CELESTA_ERR_NULL_POINTER), "CELESTA_ERR_NULL_POINTER") == 0, "-1");
    CHECK(strcmp(celesta_status_name(CELESTA_ERR_NOT_FOUND), "CELESTA_ERR_NOT_FOUND") == 0, "-3");
    CHECK(strcmp(celesta_status_name(CELESTA_ERR_INTERNAL_ERROR), "CELESTA_ERR_INTERNAL_ERROR") == 0, "last");
    CHECK(strcmp(celesta_status_name(1), "CELESTA_UNKNOWN_STATUS") == 0, "positive code");
    CHECK(strcmp(celesta_status_name(-9999), "CELESTA_UNKNOWN_STATUS") == 0, "unknown code");
    /* Every code from 0 down to the last one has its own distinct name. */
    for (int code = 0; code >= CELESTA_ERR_INTERNAL_ERROR; --code) {
        const char *name = celesta_status_name(code);
        CHECK(strncmp(name, "CELESTA_", 8) == 0 && strcmp(name, "CELESTA_UNKNOWN_STATUS") != 0,
              "code %d named %s", code, name);
        for (int other = code - 1; other >= CELESTA_ERR_INTERNAL_ERROR; --other)
            CHECK(strcmp(name, celesta_status_name(other)) != 0, "codes %d and %d share %s", code,
                  other, name);
    }
}

static void test_chip_table(void) {
    size_t count = 0;
    CHECK(celesta_xylo_chip_count(&count) == CELESTA_OK && count == 3, "count %zu", count);
    CHECK(celesta_xylo_chip_count(NULL) == CELESTA_ERR_NULL_POINTER, "NULL count");
    const char *ids[] = {"syns61201", "syns65302", "syns61300"};
    const int hidden[] = {1000, 992, 1000};
    const int ien[] = {1000, 128, 1000};
    const int bias[] = {16, 16, 0};
    const int core[] = {2, 2, 1};
    for (size_t i = 0; i < 3; ++i) {
        celesta_xylo_chip_info_t c = CELESTA_INIT(celesta_xylo_chip_info_t);
        memset(&c, 0, sizeof c);
        c.struct_size = sizeof c;
        CHECK(celesta_xylo_chip_info(&c, i) == CELESTA_OK, "chip %zu", i);
        CHECK(strcmp(c.id, ids[i]) == 0, "id %s", c.id);
        CHECK(c.max_hidden_neurons == hidden[i], "hidden %d", (int)c.max_hidden_neurons);
        CHECK(c.max_input_expansion_neurons == ien[i], "ien %d", (int)c.max_input_expansion_neurons);
        CHECK(c.bias_bits == bias[i], "bias bits %d", (int)c.bias_bits);
        CHECK(c.core_version == core[i], "core %d", (int)c.core_version);
        CHECK(c.max_inputs == 16 && c.weight_bits == 8 && c.state_bits == 16 && c.threshold_bits == 16,
              "widths of %s", c.id);
        CHECK(c.dash_min == 0 && c.dash_max == 15 && c.weight_shift_max == 7, "dash/shift of %s", c.id);
        CHECK(c.max_input_events_per_step == 15 && c.max_hidden_spikes_per_step == 31 &&
                  c.max_output_spikes_per_step == 1,
              "caps of %s", c.id);
        CHECK(c.synapses_per_hidden_neuron == 2 && c.synapses_per_output_neuron == 1 && c.max_alias_targets == 1,
              "synapses of %s", c.id);
    }
    celesta_xylo_chip_info_t a3 = CELESTA_INIT(celesta_xylo_chip_info_t);
    CHECK(celesta_xylo_chip_find(&a3, "xa3") == CELESTA_OK && strcmp(a3.id, "syns65302") == 0, "alias xa3");
    CHECK(a3.max_output_neurons == 32 && a3.recommended_max_output_neurons == 16, "a3 outputs");
    CHECK(a3.max_recurrent_fanout_entries == 31744 && contains(a3.aliases, "xa3"), "a3 fan-out/aliases");
    celesta_xylo_chip_info_t by_name = CELESTA_INIT(celesta_xylo_chip_info_t);
    CHECK(celesta_xylo_chip_find(&by_name, "Xylo Audio 2") == CELESTA_OK && strcmp(by_name.id, "syns61201") == 0,
          "product name");
    CHECK(celesta_xylo_chip_find(&by_name, "SYNS61300") == CELESTA_OK && strcmp(by_name.id, "syns61300") == 0,
          "id, other case");
}

static void test_chip_errors(void) {
    celesta_xylo_chip_info_t c = CELESTA_INIT(celesta_xylo_chip_info_t);
    memset(&c, 0xAB, sizeof c);
    c.struct_size = sizeof c;
    unsigned char before[sizeof c];
    memcpy(before, &c, sizeof c);

    CHECK(celesta_xylo_chip_info(NULL, 0) == CELESTA_ERR_NULL_POINTER, "NULL out");
    CHECK(contains(celesta_last_error(), "'out'"), "message names the argument: %s", celesta_last_error());

    CHECK(celesta_xylo_chip_info(&c, 3) == CELESTA_ERR_NOT_FOUND, "index 3");
    CHECK(contains(celesta_last_error(), "'index' is 3"), "message names the value: %s", celesta_last_error());
    CHECK(memcmp(before, &c, sizeof c) == 0, "failed call left *out untouched");

    CHECK(celesta_xylo_chip_info(&c, (size_t)-1) == CELESTA_ERR_NOT_FOUND, "huge index");

    CHECK(celesta_xylo_chip_find(&c, "xa9") == CELESTA_ERR_NOT_FOUND, "unknown name");
    CHECK(contains(celesta_last_error(), "'xa9'"), "message names the value: %s", celesta_last_error());
    CHECK(contains(celesta_last_error(), "syns65302"), "message lists known chips");
    CHECK(memcmp(before, &c, sizeof c) == 0, "failed find left *out untouched");

    CHECK(celesta_xylo_chip_find(&c, NULL) == CELESTA_ERR_NULL_POINTER, "NULL name");
    CHECK(contains(celesta_last_error(), "'name'"), "%s", celesta_last_error());
    CHECK(celesta_xylo_chip_find(NULL, "xa2") == CELESTA_ERR_NULL_POINTER, "NULL out in find");
    CHECK(celesta_xylo_chip_find(&c, "") == CELESTA_ERR_NOT_FOUND, "empty name");
    CHECK(celesta_xylo_chip_find(&c, "\xff\xfe") == CELESTA_ERR_INVALID_ARGUMENT, "invalid UTF-8");
    CHECK(contains(celesta_last_error(), "UTF-8"), "%s", celesta_last_error());

    /* A successful call leaves the last message in place (errno-like). */
    CHECK(celesta_xylo_chip_find(&c, "xa2") == CELESTA_OK, "ok after errors");
    CHECK(contains(celesta_last_error(), "UTF-8"), "message kept: %s", celesta_last_error());
}

static void test_buffers(void) {
    size_t needed = 0;
    CHECK(celesta_xylo_chip_ids(NULL, 0, &needed) == CELESTA_OK, "size query");
    const char *expected = "syns61201,syns65302,syns61300";
    CHECK(needed == strlen(expected) + 1, "needed %zu", needed);

    char small[8];
    memset(small, 'x', sizeof small);
    size_t needed2 = 0;
    CHECK(celesta_xylo_chip_ids(small, sizeof small, &needed2) == CELESTA_ERR_BUFFER_TOO_SMALL, "small buffer");
    CHECK(needed2 == needed, "needed reported on failure: %zu", needed2);
    CHECK(contains(celesta_last_error(), "holds 8") && contains(celesta_last_error(), "30 are needed"), "%s",
          celesta_last_error());
    int untouched = 1;
    for (size_t i = 0; i < sizeof small; ++i) untouched &= small[i] == 'x';
    CHECK(untouched, "too-small buffer untouched");

    char exact[64];
    size_t exact_len = 0;
    CHECK(celesta_xylo_chip_ids(exact, needed, &exact_len) == CELESTA_OK && exact_len == needed, "exact buffer");
    CHECK(strcmp(exact, expected) == 0, "ids %s", exact);
    CHECK(celesta_xylo_chip_ids(exact, sizeof exact, NULL) == CELESTA_ERR_NULL_POINTER &&
              contains(celesta_last_error(), "'len'"),
          "NULL len refused: %s", celesta_last_error());

    CHECK(celesta_xylo_chip_ids(NULL, 10, &needed) == CELESTA_ERR_NULL_POINTER, "NULL buffer with capacity");

    CHECK(celesta_build_info(NULL, 0, &needed) == CELESTA_OK && needed > 1, "build info size");
    char *info = malloc(needed);
    CHECK(info != NULL && celesta_build_info(info, needed, &needed) == CELESTA_OK, "build info");
    CHECK(contains(info, "celesta " CELESTA_VERSION_STRING) && contains(info, "libusb 1.") &&
              contains(info, "hdf5 1."),
          "build info text: %s", info);
    free(info);
}

/* The size-query idiom on every text output of this file: query, too small (untouched), exact. */
static void test_size_query_idiom(void) {
    typedef int (*text_fn)(char *, size_t, size_t *);
    text_fn fns[] = {celesta_xylo_chip_ids, celesta_build_info};
    for (size_t k = 0; k < sizeof fns / sizeof fns[0]; ++k) {
        size_t len = 12345;
        CHECK(fns[k](NULL, 0, &len) == CELESTA_OK && len > 1, "fn %zu: pure query gives %zu", k, len);
        char *buf = malloc(len + 4);
        CHECK(buf != NULL, "malloc");
        if (buf == NULL) return;
        memset(buf, '#', len + 4);
        size_t len2 = 0;
        CHECK(fns[k](buf, len - 1, &len2) == CELESTA_ERR_BUFFER_TOO_SMALL && len2 == len, "fn %zu: one byte short", k);
        int untouched = 1;
        for (size_t i = 0; i < len + 4; ++i) untouched &= buf[i] == '#';
        CHECK(untouched, "fn %zu: too-small buffer untouched", k);
        len2 = 0;
        CHECK(fns[k](buf, len, &len2) == CELESTA_OK && len2 == len, "fn %zu: exact capacity", k);
        CHECK(strlen(buf) + 1 == len && buf[len] == '#', "fn %zu: NUL counted in len, nothing past it", k);
        free(buf);
    }
}

/* struct_size: refused when smaller than this version's struct, kept as given, and a larger
 * (newer caller's) struct gets only this version's fields. */
static void test_struct_size(void) {
    celesta_xylo_chip_info_t c = CELESTA_INIT(celesta_xylo_chip_info_t);
    CHECK(c.struct_size == sizeof c && c.id == NULL && c.max_inputs == 0, "CELESTA_INIT sets the size and zeroes");
    c.struct_size = 0;
    c.max_inputs = 77;
    CHECK(celesta_xylo_chip_info(&c, 0) == CELESTA_ERR_INVALID_ARGUMENT, "struct_size 0 refused");
    CHECK(contains(celesta_last_error(), "'out->struct_size' is 0"), "names the field: %s", celesta_last_error());
    CHECK(c.max_inputs == 77 && c.id == NULL, "refused struct untouched");
    c.struct_size = (uint32_t)sizeof c - 4;
    CHECK(celesta_xylo_chip_find(&c, "xa3") == CELESTA_ERR_INVALID_ARGUMENT, "one field short refused");

    /* A struct from a later version: bigger, with fields this library does not know. */
    struct {
        celesta_xylo_chip_info_t info;
        uint8_t future[32];
    } big;
    memset(&big, 0xCD, sizeof big);
    big.info.struct_size = (uint32_t)sizeof big;
    CHECK(celesta_xylo_chip_find(&big.info, "xa3") == CELESTA_OK, "bigger struct accepted: %s", celesta_last_error());
    CHECK(big.info.struct_size == sizeof big, "struct_size kept (%u)", (unsigned)big.info.struct_size);
    CHECK(strcmp(big.info.id, "syns65302") == 0, "fields written");
    int tail = 1;
    for (size_t i = 0; i < sizeof big.future; ++i) tail &= big.future[i] == 0xCD;
    CHECK(tail, "bytes past this version's struct untouched");
}

static void *fail_in_thread(void *arg) {
    (void)arg;
    celesta_xylo_chip_info_t c = CELESTA_INIT(celesta_xylo_chip_info_t);
    int status = celesta_xylo_chip_find(&c, "thread-only-name");
    char *copy = malloc(512);
    if (copy != NULL) snprintf(copy, 512, "%d|%s", status, celesta_last_error());
    return copy;
}

static void test_thread_local_error(void) {
    celesta_xylo_chip_info_t c = CELESTA_INIT(celesta_xylo_chip_info_t);
    CHECK(celesta_xylo_chip_find(&c, "main-thread-name") == CELESTA_ERR_NOT_FOUND, "main failure");
    pthread_t t;
    void *result = NULL;
    CHECK(pthread_create(&t, NULL, fail_in_thread, NULL) == 0, "thread start");
    pthread_join(t, &result);
    CHECK(result != NULL && contains(result, "-3|") && contains(result, "thread-only-name") &&
              !contains(result, "main-thread-name"),
          "thread saw its own message: %s", result ? (char *)result : "(null)");
    free(result);
    CHECK(contains(celesta_last_error(), "main-thread-name") && !contains(celesta_last_error(), "thread-only"),
          "main thread kept its message: %s", celesta_last_error());
}

int main(void) {
    test_version();
    test_status_names();
    test_chip_table();
    test_chip_errors();
    test_buffers();
    test_size_query_idiom();
    test_struct_size();
    test_thread_local_error();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
