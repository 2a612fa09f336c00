/* sdk_partition.c: the engine's partitioning (celesta_ir_graph_partition_json, as
 * celesta.graph.partition calls it: CELESTA_IR_CORE_LIST) through the C ABI, for timing and for
 * comparing outputs between builds (the timing calls ask for the assignments as runs,
 * CELESTA_IR_CORE_RUNS, as celesta.graph.partition does).
 *
 *   sdk_partition time FILE [ALGORITHM [SPEC [MODE [REPEAT]]]]
 *       reads FILE (.t1c, .nir or IR JSON) and prints the best of REPEAT (default 20) calls of
 *       ALGORITHM (greedy, edgemap, spectral; default greedy) on the preset SPEC (default
 *       zcu102) in MODE (talon or celesta; default talon). Under valgrind use REPEAT 1 and
 *       --toggle-collect=celesta_ir_graph_partition_json to count one call.
 *   sdk_partition dump FILE...
 *       prints the output of every algorithm in both modes on zcu102 and t1c_asic_target for
 *       each file (an error as its status and message), to compare two builds byte for byte.
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

/* One call into `buf`; returns its status. */
static int call(const celesta_ir_graph_t *g, const char *algorithm, const char *spec, int flags) {
    char quoted[64];
    snprintf(quoted, sizeof quoted, "\"%s\"", spec);
    size_t len = 0;
    return celesta_ir_graph_partition_json(buf, cap, &len, g, quoted, strlen(quoted), algorithm, flags);
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

static int time_calls(const char *path, const char *algorithm, const char *spec, const char *mode, int repeat) {
    celesta_ir_graph_t *g = load(path);
    if (!g) return 1;
    int flags = CELESTA_IR_CORE_LIST | CELESTA_IR_CORE_RUNS | (strcmp(mode, "talon") == 0 ? CELESTA_IR_TALON_COMPATIBLE : 0);
    double best = 1e30;
    for (int r = 0; r < repeat; ++r) {
        double t = now();
        int s = call(g, algorithm, spec, flags);
        t = now() - t;
        if (s != CELESTA_OK) {
            fprintf(stderr, "%s: %s: %s\n", algorithm, celesta_status_name(s), celesta_last_error());
            return 1;
        }
        if (t < best) best = t;
    }
    printf("%s %s on %s (%s): best of %d %.3f ms\n", path, algorithm, spec, mode, repeat, best * 1e3);
    celesta_ir_graph_free(g);
    return 0;
}

static int dump(const char *path) {
    celesta_ir_graph_t *g = load(path);
    if (!g) return 1;
    printf("== %s\n", path);
    static const char *const algorithms[] = {"greedy", "edgemap", "spectral"};
    static const char *const specs[] = {"zcu102", "t1c_asic_target"};
    for (int a = 0; a < 3; ++a) {
        for (int sp = 0; sp < 2; ++sp) {
            for (int flags = 0; flags < 2; ++flags) {
                for (int list = 0; list < 3; ++list) { /* names; lists; runs */
                    int s = call(g, algorithms[a], specs[sp], flags | (list ? CELESTA_IR_CORE_LIST : 0) | (list == 2 ? CELESTA_IR_CORE_RUNS : 0));
                    printf("%s %s flags=%d list=%d: ", algorithms[a], specs[sp], flags, list);
                    if (s == CELESTA_OK)
                        printf("%s\n", buf);
                    else
                        printf("error %s: %s\n", celesta_status_name(s), celesta_last_error());
                }
            }
        }
    }
    celesta_ir_graph_free(g);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3 || (strcmp(argv[1], "time") != 0 && strcmp(argv[1], "dump") != 0)) {
        fprintf(stderr, "usage: %s time FILE [ALGORITHM [SPEC [MODE [REPEAT]]]] | dump FILE...\n", argv[0]);
        return 2;
    }
    buf = malloc(cap);
    if (!buf) return 1;
    if (strcmp(argv[1], "time") == 0)
        return time_calls(argv[2], argc > 3 ? argv[3] : "greedy", argc > 4 ? argv[4] : "zcu102", argc > 5 ? argv[5] : "talon",
                          argc > 6 ? atoi(argv[6]) : 20);
    int rc = 0;
    for (int i = 2; i < argc; ++i) rc |= dump(argv[i]);
    return rc;
}
