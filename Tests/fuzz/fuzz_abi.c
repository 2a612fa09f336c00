/* fuzz_abi.c: libFuzzer targets on the C ABI, one binary for all; the target is chosen by the
 * environment variable CELESTA_FUZZ_TARGET:
 *
 *   network  celesta_xylo_network_from_json      spec  celesta_xylo_spec_from_json
 *   config   celesta_xylo_config_from_json       ir    celesta_ir_graph_from_json (+ to_json)
 *   node     celesta_ir_node_check               nir   celesta_ir_read_bytes of a .nir file
 *   t1c      celesta_ir_read_bytes of a .t1c file
 *   npy      celesta_npy_parse_shape / _ints     wav   celesta_wav_parse_info / _samples
 *   events   celesta_events_reader_open_memory (an HDF5 file image through libhdf5's core
 *            driver), then info, reads and a time window
 *   descriptor  celesta_backend_result_read of a compile's descriptor file (the binary when the
 *            input starts with "T", else TALON's to_json text), then its JSON
 *
 * Every input must give CELESTA_OK or a named status with a message; anything else (a signal,
 * an AddressSanitizer report, a status without message) is a crash that libFuzzer saves.
 * Built by scripts/fuzz.sh with clang -fsanitize=fuzzer,address against the library (the ASan
 * build of the library carries coverage counters, so libFuzzer sees the parsers' branches).
 * Without -fsanitize=fuzzer (-DCELESTA_FUZZ_REPLAY) it is a replayer: each argument is a file
 * run once (the corpus and the crash reproducers in Tests/fuzz/corpus as regression tests).
 *
 * Outcome feedback: the release library carries no coverage counters, so libFuzzer would see
 * only this harness's few branches and keep one or two inputs. Each call's status and message
 * (digits and quoted text dropped: "'F': damaged chunk index B-tree node at byte N: M entries"
 * is one outcome, whatever F, N and M; see count_outcome) are hashed into an extra counter (libFuzzer's __libfuzzer_extra_counters),
 * so an input that reaches a new error (a new check in the parsers) is kept and mutated. */
#define _GNU_SOURCE
#include <celesta.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int target = -1;
static const char *NAMES[] = {"network", "spec", "config", "ir", "node", "nir", "t1c", "npy", "wav", "events", "descriptor"};
#define N_TARGETS (int)(sizeof NAMES / sizeof NAMES[0])

#ifndef CELESTA_FUZZ_REPLAY
#define N_OUTCOMES 8192
__attribute__((section("__libfuzzer_extra_counters"), used)) static uint8_t outcomes[N_OUTCOMES];

/* Counts the outcome of one call: what was called, its status and its message without digits. */
static void count_outcome(int status, const char *what) {
    uint32_t h = 2166136261u;
    for (const char *c = what; *c != '\0'; ++c) h = (h ^ (uint8_t)*c) * 16777619u;
    h = (h ^ (uint8_t)status) * 16777619u;
    if (status != CELESTA_OK) {
        /* The leading quoted names (the file, the object: "'F': '/g': ") are skipped; the text
         * hashed ends at the next quote (a value quoted from the input) or the 96th character. */
        const char *c = celesta_last_error();
        while (*c == '\'') {
            const char *close = strchr(c + 1, '\'');
            if (close == NULL) break;
            c = close + 1;
            if (*c == ':') ++c;
            if (*c == ' ') ++c;
        }
        for (int n = 0; *c != '\0' && *c != '\'' && n < 96; ++n, ++c)
            if (*c < '0' || *c > '9') h = (h ^ (uint8_t)*c) * 16777619u;
    }
    uint8_t *counter = &outcomes[h % N_OUTCOMES];
    if (*counter < 255) ++*counter;
}
#else
static void count_outcome(int status, const char *what) {
    (void)status;
    (void)what;
}
#endif

static void check(int status, const char *what) {
    count_outcome(status, what);
    if (status == CELESTA_OK) return;
    if (status > 0 || strcmp(celesta_status_name(status), "CELESTA_UNKNOWN_STATUS") == 0 || celesta_last_error()[0] == '\0') {
        fprintf(stderr, "%s: status %d without a name or message\n", what, status);
        abort();
    }
}

static int choose(void) {
    const char *name = getenv("CELESTA_FUZZ_TARGET");
    for (int i = 0; name != NULL && i < N_TARGETS; ++i)
        if (strcmp(name, NAMES[i]) == 0) return i;
    fprintf(stderr, "set CELESTA_FUZZ_TARGET to one of: network spec config ir node nir t1c npy wav events descriptor\n");
    exit(2);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    target = choose();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    switch (target) {
    case 0: {
        celesta_xylo_network_t *net = NULL;
        check(celesta_xylo_network_from_json(&net, text, size), "network");
        if (net != NULL) {
            celesta_xylo_spec_t *spec = NULL;
            check(celesta_xylo_map(&spec, net, "xa2", 0), "map");
            celesta_xylo_spec_free(spec);
        }
        celesta_xylo_network_free(net);
        break;
    }
    case 1: {
        celesta_xylo_spec_t *spec = NULL;
        check(celesta_xylo_spec_from_json(&spec, text, size), "spec");
        if (spec != NULL) {
            celesta_xylo_config_t *config = NULL;
            check(celesta_xylo_spec_quantize(&config, spec, 0, 8, 16), "quantize");
            celesta_xylo_config_free(config);
        }
        celesta_xylo_spec_free(spec);
        break;
    }
    case 2: {
        celesta_xylo_config_t *config = NULL;
        check(celesta_xylo_config_from_json(&config, text, size), "config");
        if (config != NULL) {
            size_t len = 0;
            check(celesta_xylo_config_to_json(NULL, 0, &len, config), "config_to_json");
        }
        celesta_xylo_config_free(config);
        break;
    }
    case 3: {
        celesta_ir_graph_t *graph = NULL;
        check(celesta_ir_graph_from_json(&graph, text, size, NULL, 0, 0), "ir");
        if (graph != NULL) {
            size_t len = 0;
            check(celesta_ir_graph_to_json(NULL, 0, &len, graph, 0), "ir_to_json");
            check(celesta_ir_graph_validate(graph), "validate");
        }
        celesta_ir_graph_free(graph);
        break;
    }
    case 4: {
        size_t len = 0;
        check(celesta_ir_node_check(NULL, 0, &len, text, size, NULL, 0, 0), "node_check");
        break;
    }
    case 7: {
        size_t ndim = 0, count = 0;
        check(celesta_npy_parse_shape(NULL, 0, &ndim, data, size), "npy_shape");
        if (celesta_npy_parse_ints(NULL, 0, &count, data, size) == CELESTA_OK && count <= (1u << 20)) {
            int64_t *values = malloc((count + 1) * sizeof *values);
            check(celesta_npy_parse_ints(values, count, &count, data, size), "npy_ints");
            free(values);
        }
        break;
    }
    case 8: {
        celesta_wav_info_t info = CELESTA_INIT(celesta_wav_info_t);
        check(celesta_wav_parse_info(&info, data, size), "wav_info");
        size_t count = 0;
        if (celesta_wav_parse_samples(NULL, 0, &count, data, size) == CELESTA_OK && count <= (1u << 20)) {
            double *samples = malloc((count + 1) * sizeof *samples);
            check(celesta_wav_parse_samples(samples, count, &count, data, size), "wav_samples");
            free(samples);
        }
        break;
    }
    case 9: {
        celesta_events_reader_t *reader = NULL;
        check(celesta_events_reader_open_memory(&reader, data, size, NULL), "events_open");
        if (reader != NULL) {
            celesta_events_info_t info = CELESTA_INIT(celesta_events_info_t);
            check(celesta_events_reader_info(&info, reader), "events_info");
            enum { MAX = 4096 };
            static uint64_t t[MAX];
            static uint16_t x[MAX], y[MAX];
            static uint8_t p[MAX];
            celesta_events_t cols = CELESTA_INIT(celesta_events_t);
            cols.t = t; cols.t_stride = 8; cols.x = x; cols.x_stride = 2;
            cols.y = y; cols.y_stride = 2; cols.p = p; cols.p_stride = 1;
            uint64_t n = info.n_events < MAX ? info.n_events : MAX;
            check(celesta_events_reader_read(&cols, reader, 0, n), "events_read");
            if (info.n_events > 2) check(celesta_events_reader_read(&cols, reader, info.n_events - 2, 2), "events_read_tail");
            uint64_t first = 0, end = 0;
            check(celesta_events_reader_window(&first, &end, reader, 10, 1000), "events_window");
            celesta_events_reader_free(reader);
        }
        break;
    }
    case 10: {
        celesta_backend_result_t *result = NULL;
        check(celesta_backend_result_read(&result, text, size, size > 0 && data[0] == 'T' ? CELESTA_BACKEND_DESCRIPTOR_BINARY
                                                                                         : CELESTA_BACKEND_DESCRIPTOR_JSON), "descriptor");
        if (result != NULL) {
            size_t len = 0;
            check(celesta_backend_result_json(NULL, 0, &len, result), "descriptor_json");
        }
        celesta_backend_result_free(result);
        break;
    }
    default: {
        /* From memory: the same reader as celesta_ir_read() on a file of these bytes. */
        celesta_ir_graph_t *graph = NULL;
        check(celesta_ir_read_bytes(&graph, data, size, target == 5 ? CELESTA_IR_FORMAT_NIR : CELESTA_IR_FORMAT_T1C, 0), "read");
        celesta_ir_graph_free(graph);
        break;
    }
    }
    return 0;
}

#ifdef CELESTA_FUZZ_REPLAY
/* The replayer: runs each file given once. */
int main(int argc, char **argv) {
    LLVMFuzzerInitialize(&argc, &argv);
    int n = 0;
    for (int i = 1; i < argc; ++i) {
        FILE *f = fopen(argv[i], "rb");
        if (f == NULL) continue;
        static uint8_t buf[1 << 22];
        size_t size = fread(buf, 1, sizeof buf, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, size);
        ++n;
    }
    printf("fuzz replay %s: %d inputs, no crash\n", NAMES[target], n);
    return 0;
}
#endif
