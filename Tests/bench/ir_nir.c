/* ir_nir.c: NIR file write and read of a 1M-parameter graph through the C ABI
 * (celesta_ir_write / celesta_ir_read), driven by scripts/bench_nir.py, which compares the
 * figures with nir 1.0.8 (h5py) on the same graph.
 *
 *   ir_nir write DIR   builds the graph (celesta_ir_graph_from_json with celesta_ir_array_t
 *                      arrays), writes DIR/celesta.nir (gzip, nir's default) and
 *                      DIR/celesta-plain.nir (CELESTA_IR_UNCOMPRESSED) and reads both back
 *   ir_nir read FILE   reads FILE (a file nir wrote)
 *
 * Prints "key seconds" lines (best of REPEAT runs) for the driver. */
#define _XOPEN_SOURCE 700 /* clock_gettime, sync */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistd.h>
#include <celesta.h>

#define REPEAT 5
#define LAYERS 4
#define WIDTH 500

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int fail(const char *what, int status) {
    fprintf(stderr, "%s: %s: %s\n", what, celesta_status_name(status), celesta_last_error());
    return 1;
}

static int read_best(const char *path, double *best, size_t *nodes) {
    *best = 1e30;
    for (int r = 0; r < REPEAT; ++r) {
        celesta_ir_graph_t *g = NULL;
        double t = now();
        int s = celesta_ir_read(&g, path, CELESTA_IR_FORMAT_NIR, 0);
        t = now() - t;
        if (s != CELESTA_OK) return fail(path, s);
        celesta_ir_graph_node_count(nodes, g);
        celesta_ir_graph_free(g);
        if (t < *best) *best = t;
    }
    return 0;
}

/* Best of REPEAT writes of a new file (as nir's rows: h5py writes in place, never flushing);
   `replace` keeps the previous file, which Celesta flushes the new one before replacing. */
static int write_best(const char *path, const celesta_ir_graph_t *g, int flags, int replace, double *best) {
    *best = 1e30;
    for (int r = 0; r < REPEAT; ++r) {
        if (!replace) remove(path);
        double t = now();
        int s = celesta_ir_write(path, g, CELESTA_IR_FORMAT_NIR, flags);
        t = now() - t;
        if (s != CELESTA_OK) return fail(path, s);
        if (t < *best) *best = t;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: ir_nir write DIR | ir_nir read FILE\n");
        return 2;
    }
    double t;
    size_t nodes = 0;
    if (strcmp(argv[1], "read") == 0) {
        if (read_best(argv[2], &t, &nodes)) return 1;
        printf("read_other %.6f\nnodes_other %zu\n", t, nodes);
        return 0;
    }

    /* Input WIDTH -> LAYERS x (Affine WIDTHxWIDTH -> LIF WIDTH) -> Output WIDTH. */
    enum { PER_LAYER = 6 };
    static float weight[LAYERS][WIDTH * WIDTH], vec[LAYERS][5][WIDTH];
    static int64_t wshape[2] = {WIDTH, WIDTH}, vshape[1] = {WIDTH};
    celesta_ir_array_t arrays[LAYERS * PER_LAYER];
    unsigned long long x = 0x9E3779B97F4A7C15ull;
    long params = 0;
    char json[16384];
    int n = snprintf(json, sizeof json,
                     "{\"format\": \"celesta.ir/1\", \"nodes\": [{\"name\": \"input\", \"type\": \"Input\", "
                     "\"fields\": {}, \"input_type\": {\"input\": [%d]}}", WIDTH);
    for (int l = 0; l < LAYERS; ++l) {
        for (int i = 0; i < WIDTH * WIDTH; ++i) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            weight[l][i] = (float)((double)(x >> 11) / 9007199254740992.0 - 0.5) * 0.1f;
        }
        for (int i = 0; i < WIDTH; ++i) {
            vec[l][0][i] = 0.01f * (float)(i % 7); /* bias */
            vec[l][1][i] = 10.0f;                  /* tau */
            vec[l][2][i] = 1.0f;                   /* r */
            vec[l][3][i] = 0.0f;                   /* v_leak */
            vec[l][4][i] = 1.0f;                   /* v_threshold */
        }
        for (int k = 0; k < PER_LAYER; ++k) {
            celesta_ir_array_t *a = &arrays[l * PER_LAYER + k];
            memset(a, 0, sizeof *a);
            a->struct_size = sizeof *a;
            a->dtype = "float32";
            a->data = k == 0 ? (const void *)weight[l] : (const void *)vec[l][k - 1];
            a->ndim = k == 0 ? 2 : 1;
            a->shape = k == 0 ? wshape : vshape;
            params += k == 0 ? WIDTH * WIDTH : WIDTH;
        }
        int b = l * PER_LAYER;
        n += snprintf(json + n, sizeof json - (size_t)n,
                      ", {\"name\": \"fc%d\", \"type\": \"Affine\", \"fields\": {\"weight\": {\"$array\": %d}, "
                      "\"bias\": {\"$array\": %d}}}, {\"name\": \"lif%d\", \"type\": \"LIF\", \"fields\": "
                      "{\"tau\": {\"$array\": %d}, \"r\": {\"$array\": %d}, \"v_leak\": {\"$array\": %d}, "
                      "\"v_threshold\": {\"$array\": %d}}}",
                      l, b, b + 1, l, b + 2, b + 3, b + 4, b + 5);
    }
    n += snprintf(json + n, sizeof json - (size_t)n,
                  ", {\"name\": \"output\", \"type\": \"Output\", \"fields\": {}, \"output_type\": {\"output\": [%d]}}], "
                  "\"edges\": [[\"input\", \"fc0\"]", WIDTH);
    for (int l = 0; l < LAYERS; ++l) {
        char next[16];
        if (l + 1 < LAYERS) snprintf(next, sizeof next, "fc%d", l + 1);
        else strcpy(next, "output");
        n += snprintf(json + n, sizeof json - (size_t)n, ", [\"fc%d\", \"lif%d\"], [\"lif%d\", \"%s\"]", l, l, l, next);
    }
    n += snprintf(json + n, sizeof json - (size_t)n, "]}");
    if (n >= (int)sizeof json) return 2;

    celesta_ir_graph_t *g = NULL;
    t = now();
    int s = celesta_ir_graph_from_json(&g, json, strlen(json), arrays, LAYERS * PER_LAYER, 0);
    double build = now() - t;
    if (s != CELESTA_OK) return fail("celesta_ir_graph_from_json", s);
    if ((s = celesta_ir_graph_validate(g)) != CELESTA_OK) return fail("celesta_ir_graph_validate", s);

    char gz[4096], plain[4096];
    snprintf(gz, sizeof gz, "%s/celesta.nir", argv[2]);
    snprintf(plain, sizeof plain, "%s/celesta-plain.nir", argv[2]);
    double wg, wp, wr, rg, rp;
    if (write_best(gz, g, 0, 0, &wg) || write_best(plain, g, CELESTA_IR_UNCOMPRESSED, 1, &wr) ||
        write_best(plain, g, CELESTA_IR_UNCOMPRESSED, 0, &wp)) return 1;
    sync(); /* the reads do not compete with the writeback of the writes above (nor do nir's) */
    if (read_best(gz, &rg, &nodes) || read_best(plain, &rp, &nodes)) return 1;
    celesta_ir_graph_free(g);
    printf("params %ld\nnodes %zu\nbuild %.6f\nwrite_gzip %.6f\nwrite_plain %.6f\nwrite_plain_replace %.6f\n"
           "read_gzip %.6f\nread_plain %.6f\n", params, nodes, build, wg, wp, wr, rg, rp);
    return 0;
}
