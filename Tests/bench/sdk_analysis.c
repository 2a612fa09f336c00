/* sdk_analysis.c: the engine's SDK analyses (celesta_ir_analyze_json, celesta_ir_profile_json,
 * celesta_ir_lint_json) through the C ABI, for timing and for comparing their outputs.
 *
 *   sdk_analysis time FILE [CALL [REPEAT]]
 *       reads FILE (.t1c, .nir or IR JSON) and prints the best of REPEAT (default 20) runs of
 *       CALL: analyze (totals only, CELESTA_IR_WITHOUT_LAYERS, as celesta.sdk asks),
 *       analyze_layers, profile, lint, or all (default: each of the first four, then the
 *       three calls celesta.sdk makes together), or three: analyze, profile and lint in a
 *       row on a new copy of the graph each time (nothing kept from an earlier call). Under
 *       valgrind use REPEAT 1 and --toggle-collect=celesta_ir_<call>_json to count one call.
 *   sdk_analysis dump FILE...
 *       prints every output of the three calls for each file (both modes, with and without
 *       layers, strict and not; an error as its status and message), to compare two builds
 *       byte for byte.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <celesta.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *buf;
static size_t cap = 16u << 20;

enum { ANALYZE, ANALYZE_LAYERS, PROFILE, LINT, CALLS };
static const char *const names[CALLS] = {"analyze", "analyze_layers", "profile", "lint"};

/* One call into `buf`; returns its status. */
static int call(int which, const celesta_ir_graph_t *g, int flags, int strict) {
    size_t len = 0;
    switch (which) {
    case ANALYZE: return celesta_ir_analyze_json(buf, cap, &len, g, flags | CELESTA_IR_WITHOUT_LAYERS);
    case ANALYZE_LAYERS: return celesta_ir_analyze_json(buf, cap, &len, g, flags);
    case PROFILE: return celesta_ir_profile_json(buf, cap, &len, g, flags);
    default: return celesta_ir_lint_json(buf, cap, &len, g, strict, flags);
    }
}

static celesta_ir_graph_t *load(const char *path) {
    celesta_ir_graph_t *g = NULL;
    int s = celesta_ir_read(&g, path, CELESTA_IR_FORMAT_AUTO, 0);
    if (s != CELESTA_OK) {
        fprintf(stderr, "%s: %s: %s\n", path, celesta_status_name(s), celesta_last_error());
        return NULL;
    }
    return g;
}

static int time_calls(const char *path, const char *which, int repeat) {
    celesta_ir_graph_t *g = load(path);
    if (!g) return 1;
    size_t n = 0;
    celesta_ir_graph_node_count(&n, g);
    printf("%s: %zu nodes, best of %d\n", path, n, repeat);
    double total = 0;
    if (strcmp(which, "three") == 0) {
        double best = 1e30;
        for (int r = 0; r < repeat; ++r) {
            celesta_ir_graph_t *copy = NULL;
            if (celesta_ir_graph_copy(&copy, g) != CELESTA_OK) return 1;
            double t = now();
            int s = call(ANALYZE, copy, 0, 0);
            if (s == CELESTA_OK) s = call(PROFILE, copy, 0, 0);
            if (s == CELESTA_OK) s = call(LINT, copy, 0, 0);
            t = now() - t;
            celesta_ir_graph_free(copy);
            if (s != CELESTA_OK) {
                fprintf(stderr, "three: %s: %s\n", celesta_status_name(s), celesta_last_error());
                return 1;
            }
            if (t < best) best = t;
        }
        printf("%-16s %8.3f ms (analyze + profile + lint on a new copy)\n", "three", best * 1e3);
    }
    for (int c = 0; c < CALLS; ++c) {
        if (strcmp(which, "all") != 0 && strcmp(which, names[c]) != 0) continue;
        double best = 1e30;
        for (int r = 0; r < repeat; ++r) {
            double t = now();
            int s = call(c, g, 0, 0);
            t = now() - t;
            if (s != CELESTA_OK) {
                fprintf(stderr, "%s: %s: %s\n", names[c], celesta_status_name(s), celesta_last_error());
                return 1;
            }
            if (t < best) best = t;
        }
        if (c != ANALYZE_LAYERS) total += best;
        printf("%-16s %8.3f ms\n", names[c], best * 1e3);
    }
    if (strcmp(which, "all") == 0) printf("%-16s %8.3f ms (analyze + profile + lint)\n", "three", total * 1e3);
    celesta_ir_graph_free(g);
    return 0;
}

static void show(const char *label, int status) {
    if (status == CELESTA_OK)
        printf("%s: %s\n", label, buf);
    else
        printf("%s: error %s: %s\n", label, celesta_status_name(status), celesta_last_error());
}

static int dump(const char *path) {
    celesta_ir_graph_t *g = load(path);
    if (!g) return 1;
    printf("== %s\n", path);
    char label[64];
    for (int flags = 0; flags < 2; ++flags) {
        for (int c = 0; c < CALLS; ++c) {
            for (int strict = 0; strict < (c == LINT ? 2 : 1); ++strict) {
                snprintf(label, sizeof label, "%s flags=%d%s", names[c], flags, c == LINT ? (strict ? " strict" : "") : "");
                show(label, call(c, g, flags, strict));
            }
        }
    }
    celesta_ir_graph_free(g);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3 || (strcmp(argv[1], "time") != 0 && strcmp(argv[1], "dump") != 0)) {
        fprintf(stderr, "usage: %s time FILE [CALL [REPEAT]] | dump FILE...\n", argv[0]);
        return 2;
    }
    buf = malloc(cap);
    if (!buf) return 1;
    if (strcmp(argv[1], "time") == 0) return time_calls(argv[2], argc > 3 ? argv[3] : "all", argc > 4 ? atoi(argv[4]) : 20);
    int rc = 0;
    for (int i = 2; i < argc; ++i) rc |= dump(argv[i]);
    return rc;
}
