/* test_ir_viz.c: the visualisation through the C ABI: celesta_ir_viz_graph_json() (TALON's
 * graph_to_dict, by the size-query idiom), the three HTML views written to files, and every
 * error path of these calls.
 * Usage: test_ir_viz FIXTURES_DIR TMP_DIR */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <celesta.h>

#include "check.h"

/* The whole file at `path` as a NUL-terminated string (NULL when it cannot be read). */
static char *slurp(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)n + 1);
    size_t got = fread(text, 1, (size_t)n, f);
    fclose(f);
    text[got] = '\0';
    if (size) *size = got;
    return text;
}

/* The number of times `needle` occurs in `text`. */
static int count(const char *text, const char *needle) {
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle)) ++n;
    return n;
}

static char *graph_json(const celesta_ir_graph_t *g, int flags) {
    size_t len = 0;
    if (celesta_ir_viz_graph_json(NULL, 0, &len, g, flags) != CELESTA_OK) return NULL;
    char *buf = malloc(len);
    if (celesta_ir_viz_graph_json(buf, len, &len, g, flags) != CELESTA_OK) {
        free(buf);
        return NULL;
    }
    return buf;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: test_ir_viz FIXTURES_DIR TMP_DIR\n");
        return 2;
    }
    char path[1024], out[1024];
    celesta_ir_graph_t *conv = NULL, *mlp = NULL;
    snprintf(path, sizeof path, "%s/talon/graphs/conv_snn.t1c", argv[1]);
    CHECK(celesta_ir_read(&conv, path, CELESTA_IR_FORMAT_AUTO, 0) == CELESTA_OK, "%s", celesta_last_error());
    snprintf(path, sizeof path, "%s/talon/graphs/mlp_784_128_10.t1c", argv[1]);
    CHECK(celesta_ir_read(&mlp, path, CELESTA_IR_FORMAT_AUTO, 0) == CELESTA_OK, "%s", celesta_last_error());
    if (conv == NULL || mlp == NULL) return 1;

    /* graph_to_dict: keys, counts, colours; arrays summarised unless TALON-compatible. */
    char *dict = graph_json(conv, 0);
    CHECK(dict != NULL, "%s", celesta_last_error());
    CHECK(dict && strncmp(dict, "{\"version\": \"0.0.1\", \"nodes\": [", 31) == 0, "%.40s", dict);
    /* (A .t1c written by TALON stores stride, padding... as int64 arrays; they read back as
     * tuples, as TALON's reader gives them, so they are no parameters.) */
    CHECK(contains(dict, "\"summary\": {\"node_count\": 10, \"edge_count\": 9, \"total_params\": 403538"), "summary");
    CHECK(contains(dict, "\"groups\": [], \"node_to_group\": {}}"), "no pattern in a chain");
    CHECK(count(dict, "\"data\": \"<omitted>\"") == 14 && strlen(dict) < 20000, "14 arrays summarised, %zu bytes", strlen(dict));
    CHECK(contains(dict, "\"color\": \"#ffcc80\", \"shape\": \"rectangle\", \"display_params\": [\"kernel_size\", \"stride\"]"), "Conv2d style");
    char *full = graph_json(conv, CELESTA_IR_TALON_COMPATIBLE);
    CHECK(full && strlen(full) > 2000000 && count(full, "<omitted>") == 0, "arrays embedded: %zu bytes", full ? strlen(full) : 0);
    char *bare = graph_json(mlp, CELESTA_IR_VIZ_NO_PATTERNS);
    CHECK(bare && contains(bare, "\"groups\": []"), "no patterns");
    free(dict);
    free(full);
    free(bare);

    /* The size-query idiom and its errors. */
    size_t len = 0, need = 0;
    CHECK(celesta_ir_viz_graph_json(NULL, 0, &need, mlp, 0) == CELESTA_OK && need > 100, "query %zu", need);
    char small[16] = "untouched";
    CHECK(celesta_ir_viz_graph_json(small, sizeof small, &len, mlp, 0) == CELESTA_ERR_BUFFER_TOO_SMALL && len == need, "%s", celesta_last_error());
    CHECK(celesta_ir_viz_graph_json(NULL, 0, NULL, mlp, 0) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "len"), "%s", celesta_last_error());
    CHECK(celesta_ir_viz_graph_json(NULL, 0, &len, NULL, 0) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "graph"), "%s", celesta_last_error());
    CHECK(celesta_ir_viz_graph_json(NULL, 0, &len, mlp, 2) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "flags"), "%s", celesta_last_error());

    /* The graph view: self-contained, small, title escaped. */
    snprintf(out, sizeof out, "%s/viz/new/graph.html", argv[2]);
    CHECK(celesta_ir_viz_export_html(out, conv, "Conv <SNN>", 0) == CELESTA_OK, "%s", celesta_last_error());
    size_t size = 0;
    char *page = slurp(out, &size);
    CHECK(page && size < 64000 && size > 10000, "page of %zu bytes", size);
    CHECK(contains(page, "<title>Conv &lt;SNN&gt;</title>") && !contains(page, "http://") && !contains(page, "https://") && contains(page, "Content-Security-Policy"), "page text");
    free(page);
    CHECK(celesta_ir_viz_export_html(out, conv, NULL, 0) == CELESTA_OK && (page = slurp(out, NULL)) && contains(page, "<title>celesta.viz</title>"), "default title");
    free(page);
    CHECK(celesta_ir_viz_export_html(NULL, conv, NULL, 0) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "path"), "%s", celesta_last_error());
    CHECK(celesta_ir_viz_export_html(out, NULL, NULL, 0) == CELESTA_ERR_NULL_POINTER, "NULL graph");
    CHECK(celesta_ir_viz_export_html(out, conv, NULL, 4) == CELESTA_ERR_INVALID_ARGUMENT, "flags");
    CHECK(celesta_ir_viz_export_html("/proc/celesta/graph.html", conv, NULL, 0) == CELESTA_ERR_IO, "%s", celesta_last_error());

    /* The partitioned view: cores from JSON; errors leave an existing file as it was. */
    const char *cores = "{\"input\": 0, \"conv1\": 0, \"relu\": 0, \"pool\": 1, \"flatten\": 1, \"fc1\": 1, \"lif1\": 2, \"fc2\": 2, \"lif2\": 3, \"output\": 3}";
    snprintf(out, sizeof out, "%s/viz/partitions.html", argv[2]);
    CHECK(celesta_ir_viz_export_partitioned(out, conv, NULL, cores, strlen(cores), 0) == CELESTA_OK, "%s", celesta_last_error());
    page = slurp(out, NULL);
    CHECK(page && contains(page, "\"core_legend\": [{\"core_id\": 0, \"color\": \"#4285F4\", \"node_count\": 3") && count(page, "\"cross_core\": true") == 3,
          "partitioned data");
    free(page);
    CHECK(celesta_ir_viz_export_partitioned(out, conv, NULL, NULL, 0, 0) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "not partitioned"),
          "%s", celesta_last_error());
    CHECK(celesta_ir_viz_export_partitioned(out, conv, NULL, "{\"fc1\": 0}", 10, 0) == CELESTA_ERR_INVALID_ARGUMENT
              && contains(celesta_last_error(), "could not be assigned to a core: conv1"), "%s", celesta_last_error());
    CHECK(celesta_ir_viz_export_partitioned(out, conv, NULL, "{\"fc1\": ", 8, 0) == CELESTA_ERR_PARSE && contains(celesta_last_error(), "assignments_json"),
          "%s", celesta_last_error());
    CHECK(celesta_ir_viz_export_partitioned(out, conv, NULL, "{\"fc1\": -1}", 11, 0) == CELESTA_ERR_INVALID_ARGUMENT, "%s", celesta_last_error());
    CHECK(celesta_ir_viz_export_partitioned(out, conv, NULL, NULL, 5, 0) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "assignments_json"),
          "%s", celesta_last_error());
    page = slurp(out, NULL);
    CHECK(page && contains(page, "\"view\": \"partitioned\""), "the failed calls left the page as it was");
    free(page);

    /* The schedule: one lane per core; latencies in microseconds. */
    snprintf(out, sizeof out, "%s/viz/schedule.html", argv[2]);
    const char *lat = "{\"conv1\": 12.5, \"fc1\": 40}";
    CHECK(celesta_ir_viz_export_schedule(out, conv, "Timeline", lat, strlen(lat), 0) == CELESTA_OK, "%s", celesta_last_error());
    page = slurp(out, &size);
    CHECK(page && contains(page, "\"unit\": \"us\", \"makespan\": 52.5") && contains(page, "\"source\": \"topological order\""), "schedule data");
    free(page);
    CHECK(celesta_ir_viz_export_schedule(out, conv, NULL, "{\"fc1\": \"x\"}", 12, 0) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "latency"),
          "%s", celesta_last_error());
    CHECK(celesta_ir_viz_export_schedule(out, conv, NULL, NULL, 0, 1) == CELESTA_ERR_INVALID_ARGUMENT, "flags");

    celesta_ir_graph_free(conv);
    celesta_ir_graph_free(mlp);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
