/* test_ir_sdk.c: TALON's SDK analyses through the C ABI (statistics, summary, hardware
 * profile, lint, fingerprints, energy, quantization, conversion, merge, prune), with the
 * reference figures of the shared TALON cases and every error path of these calls.
 * Usage: test_ir_sdk FIXTURES_DIR */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <celesta.h>

#include "check.h"

static const char *fixtures;

static celesta_ir_graph_t *read_graph(const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/talon/graphs/%s.t1c", fixtures, name);
    celesta_ir_graph_t *g = NULL;
    int s = celesta_ir_read(&g, path, CELESTA_IR_FORMAT_T1C, CELESTA_IR_TALON_COMPATIBLE);
    CHECK(s == CELESTA_OK && g != NULL, "read %s: %s", name, celesta_last_error());
    return g;
}

/* A malloc'd copy of a size-query text result, or NULL when the call fails. */
typedef int (*graph_text_fn)(char *, size_t, size_t *, const celesta_ir_graph_t *, int);

static char *graph_text(graph_text_fn fn, const celesta_ir_graph_t *g, int flags) {
    size_t len = 0;
    if (fn(NULL, 0, &len, g, flags) != CELESTA_OK) return NULL;
    char *buf = malloc(len);
    if (fn(buf, len, &len, g, flags) != CELESTA_OK) {
        free(buf);
        return NULL;
    }
    return buf;
}

static void test_analyze(void) {
    celesta_ir_graph_t *g = read_graph("skip_mixed");
    char *talon = graph_text(celesta_ir_analyze_json, g, CELESTA_IR_TALON_COMPATIBLE);
    char *mine = graph_text(celesta_ir_analyze_json, g, 0);
    CHECK(contains(talon, "\"total_params\": 564,"), "%s", talon ? talon : celesta_last_error());
    CHECK(contains(talon, "\"lif_count\": 2, \"affine_count\": 3, \"conv_count\": 0}"), "counts");
    /* Celesta counts the BatchNorm (4 x 16) and IF (16) parameters TALON leaves out. */
    CHECK(contains(mine, "\"total_params\": 644,"), "%.80s", mine ? mine : celesta_last_error());
    CHECK(celesta_ir_analyze_json(NULL, 0, NULL, g, 0) == CELESTA_ERR_NULL_POINTER, "NULL len");
    size_t len = 0;
    CHECK(celesta_ir_analyze_json(NULL, 0, &len, NULL, 0) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "graph"), "%s", celesta_last_error());
    CHECK(celesta_ir_analyze_json(NULL, 0, &len, g, 16) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "flags"), "%s", celesta_last_error());
    /* The totals without the layers: the same text with `layers` left out. */
    char *totals = graph_text(celesta_ir_analyze_json, g, CELESTA_IR_WITHOUT_LAYERS);
    const char *cut = mine ? strstr(mine, ", \"layers\": [") : NULL, *rest = cut ? strstr(cut, "], \"input_shapes\"") : NULL;
    CHECK(totals && rest && !contains(totals, "layers") && strncmp(totals, mine, (size_t)(cut - mine)) == 0
              && strcmp(totals + (cut - mine), rest + 1) == 0, "%s", totals ? totals : celesta_last_error());
    free(totals);
    char small[8];
    CHECK(celesta_ir_analyze_json(small, sizeof small, &len, g, 0) == CELESTA_ERR_BUFFER_TOO_SMALL && len > sizeof small, "%zu", len);

    CHECK(celesta_ir_summarize(NULL, 0, &len, g, 1, CELESTA_IR_TALON_COMPATIBLE) == CELESTA_OK, "%s", celesta_last_error());
    char *text = malloc(len);
    CHECK(celesta_ir_summarize(text, len, &len, g, 1, CELESTA_IR_TALON_COMPATIBLE) == CELESTA_OK && contains(text, "Layer Breakdown:\n  fc1: Affine - 144 params, 576 B"), "%s", text);
    CHECK(celesta_ir_summarize(text, len, &len, g, 2, 0) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "verbose"), "%s", celesta_last_error());
    free(text);
    free(talon);
    free(mine);
    celesta_ir_graph_free(g);
}

static void test_profile(void) {
    celesta_ir_graph_t *g = read_graph("recurrent_lif");
    size_t len = 0;
    CHECK(celesta_ir_profile_json(NULL, 0, &len, g, CELESTA_IR_TALON_COMPATIBLE) == CELESTA_ERR_UNSUPPORTED
              && contains(celesta_last_error(), "'>' not supported between instances of 'NoneType' and 'int'"),
          "%s", celesta_last_error());
    char *p = graph_text(celesta_ir_profile_json, g, 0);
    CHECK(contains(p, "\"lif_layers\": 2,") && contains(p, "\"state_memory\": 144,"), "%s", p ? p : celesta_last_error());
    CHECK(celesta_ir_format_profile(NULL, 0, &len, p, strlen(p)) == CELESTA_OK, "%s", celesta_last_error());
    char *text = malloc(len);
    CHECK(celesta_ir_format_profile(text, len, &len, p, strlen(p)) == CELESTA_OK && contains(text, "TALON Hardware Profile") && contains(text, "LIF layers:     2"), "%s", text);
    free(text);
    CHECK(celesta_ir_format_profile(NULL, 0, &len, "{\"weight_memory\": 1}", 20) == CELESTA_ERR_PARSE && contains(celesta_last_error(), "activation_memory"), "%s", celesta_last_error());
    CHECK(celesta_ir_format_profile(NULL, 0, &len, NULL, 4) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "profile_json"), "%s", celesta_last_error());
    free(p);
    celesta_ir_graph_free(g);
}

static void test_lint(void) {
    celesta_ir_graph_t *g = read_graph("mlp_seed_backend");
    size_t len = 0;
    CHECK(celesta_ir_lint_json(NULL, 0, &len, g, 1, 0) == CELESTA_OK, "%s", celesta_last_error());
    char *buf = malloc(len);
    CHECK(celesta_ir_lint_json(buf, len, &len, g, 1, 0) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(contains(buf, "\"total_issues\": 2, \"errors\": 2,") && contains(buf, "\"is_valid\": false")
              && contains(buf, "{\"severity\": \"error\", \"code\": \"PYTHON_KEYWORD\", \"message\": \"Node name 'input' is a Python keyword\""),
          "%s", buf);
    CHECK(celesta_ir_lint_json(buf, len, &len, g, 3, 0) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "strict"), "%s", celesta_last_error());
    free(buf);
    celesta_ir_graph_free(g);
}

static void test_fingerprint(void) {
    celesta_ir_graph_t *g = read_graph("mlp_seed_backend");
    char hash[65];
    size_t len = 0;
    CHECK(celesta_ir_fingerprint(NULL, 0, &len, g, 1, 0) == CELESTA_OK && len == 65, "%zu", len);
    CHECK(celesta_ir_fingerprint(hash, sizeof hash, &len, g, 1, 0) == CELESTA_OK
              && strcmp(hash, "ac423234bc52b6cf95d1cab2c805d8b9ce3c411bb05046ece86aaa54387eac80") == 0, "%s", hash);
    CHECK(celesta_ir_fingerprint(hash, sizeof hash, &len, g, 0, 0) == CELESTA_OK
              && strcmp(hash, "ad6b50c630f97c3eb3c788ed6f6f4614a38c1eef620704dea02f35df9c8dfd2f") == 0, "%s", hash);
    CHECK(celesta_ir_fingerprint(hash, 64, &len, g, 1, 0) == CELESTA_ERR_BUFFER_TOO_SMALL, "64 bytes are too few");
    CHECK(celesta_ir_fingerprint(hash, sizeof hash, &len, g, 1, -1) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "include_metadata"), "%s", celesta_last_error());
    celesta_ir_graph_free(g);
}

static void test_energy(void) {
    celesta_ir_graph_t *g = read_graph("mlp_seed_backend");
    char buf[2048];
    size_t len = 0;
    const char *table = "{\"mac_pj\": 2.0}";
    CHECK(celesta_ir_energy_json(buf, sizeof buf, &len, g, 0.5, 7, table, strlen(table)) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(contains(buf, "\"total_uj\": 0.7121623,") && contains(buf, "\"mac_count\": 101632,") && contains(buf, "\"spike_count\": 483,"), "%s", buf);
    CHECK(celesta_ir_energy_json(buf, sizeof buf, &len, g, 0.1, 1, NULL, 0) == CELESTA_OK && contains(buf, "\"total_uj\": 0.6003201,"), "%s", buf);
    CHECK(celesta_ir_energy_json(buf, sizeof buf, &len, g, 0.1, -1, NULL, 0) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "timesteps"), "%s", celesta_last_error());
    CHECK(celesta_ir_energy_json(buf, sizeof buf, &len, g, 0.1, 1, "{\"mac\": 1}", 10) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "'mac'"), "%s", celesta_last_error());
    CHECK(celesta_ir_energy_json(buf, sizeof buf, &len, g, 0.1, 1, "{\"mac_pj\": ", 11) == CELESTA_ERR_PARSE, "%s", celesta_last_error());
    CHECK(celesta_ir_energy_table_json(buf, sizeof buf, &len) == CELESTA_OK
              && strcmp(buf, "{\"mac_pj\": 0.9, \"spike_pj\": 0.1, \"sram_read_pj\": 5.0, \"sram_write_pj\": 5.0}") == 0, "%s", buf);
    celesta_ir_graph_free(g);
}

static void test_transforms(void) {
    celesta_ir_graph_t *g = read_graph("recurrent_lif");
    celesta_ir_graph_t *q = NULL, *qt = NULL;
    CHECK(celesta_ir_quantize_weights(&q, g, 8, 1, 0) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(celesta_ir_graph_validate(q) == CELESTA_OK, "Celesta keeps allow_cycles: %s", celesta_last_error());
    CHECK(celesta_ir_quantize_weights(&qt, g, 8, 1, CELESTA_IR_TALON_COMPATIBLE) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(celesta_ir_graph_validate(qt) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "allow_cycles=False"), "%s", celesta_last_error());
    char *a = graph_text(celesta_ir_analyze_json, q, 0), *b = graph_text(celesta_ir_analyze_json, g, 0);
    /* fc_in 32x16: int8 weights and bias, 528 bytes instead of 2112. */
    CHECK(contains(a, "\"name\": \"fc_in\", \"node_type\": \"Affine\", \"params\": 544, \"bytes\": 544,")
              && contains(b, "\"name\": \"fc_in\", \"node_type\": \"Affine\", \"params\": 544, \"bytes\": 2176,"), "%s", a);
    free(a);
    free(b);
    celesta_ir_graph_t *bad = NULL;
    CHECK(celesta_ir_quantize_weights(&bad, g, 1, 1, 0) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "'bits'") && bad == NULL, "%s", celesta_last_error());
    CHECK(celesta_ir_quantize_weights(&bad, g, 8, 2, 0) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "per_channel"), "%s", celesta_last_error());
    CHECK(celesta_ir_quantize_weights(NULL, g, 8, 1, 0) == CELESTA_ERR_NULL_POINTER, "NULL out");

    celesta_ir_graph_t *s = NULL;
    CHECK(celesta_ir_convert_to_spiking(&s, g, 6, 20, "rate", 0) == CELESTA_OK, "%s", celesta_last_error());
    char *sa = graph_text(celesta_ir_analyze_json, s, 0);
    CHECK(contains(sa, "\"affine_count\": 3") && contains(sa, "\"SpikingAffine\": 3"), "%s", sa);
    free(sa);
    CHECK(celesta_ir_convert_to_spiking(&bad, g, 6, 20, "temporal", 0) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "spike_mode"), "%s", celesta_last_error());
    CHECK(celesta_ir_convert_to_spiking(&bad, g, 6, 20, NULL, 0) == CELESTA_ERR_NULL_POINTER, "NULL spike_mode");

    const celesta_ir_graph_t *both[2] = {g, q};
    celesta_ir_graph_t *m = NULL;
    size_t n = 0, n0 = 0;
    CHECK(celesta_ir_merge(&m, both, 2, 1, 0) == CELESTA_OK, "%s", celesta_last_error());
    celesta_ir_graph_node_count(&n, m);
    celesta_ir_graph_node_count(&n0, g);
    CHECK(n == 2 * n0, "%zu nodes", n);
    CHECK(celesta_ir_merge(&bad, both, 2, 0, 0) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "Node name collision"), "%s", celesta_last_error());
    CHECK(celesta_ir_merge(&bad, NULL, 2, 1, 0) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "graphs"), "%s", celesta_last_error());
    const celesta_ir_graph_t *holes[2] = {g, NULL};
    CHECK(celesta_ir_merge(&bad, holes, 2, 1, 0) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "graphs[1]"), "%s", celesta_last_error());

    celesta_ir_graph_t *p = NULL;
    CHECK(celesta_ir_prune_disconnected(&p, m) == CELESTA_OK, "%s", celesta_last_error());
    celesta_ir_graph_node_count(&n, p);
    CHECK(n == 2 * n0, "nothing to prune: %zu", n);

    char text[32];
    size_t len = 0;
    CHECK(celesta_ir_format_quantity(text, sizeof text, &len, 1536, 0) == CELESTA_OK && strcmp(text, "1.5 KB") == 0, "%s", text);
    CHECK(celesta_ir_format_quantity(text, sizeof text, &len, 403538, 1) == CELESTA_OK && strcmp(text, "403.5K") == 0, "%s", text);
    CHECK(celesta_ir_format_quantity(text, sizeof text, &len, 1, 2) == CELESTA_ERR_INVALID_ARGUMENT, "number 2");

    celesta_ir_graph_free(p);
    celesta_ir_graph_free(m);
    celesta_ir_graph_free(s);
    celesta_ir_graph_free(qt);
    celesta_ir_graph_free(q);
    celesta_ir_graph_free(g);
}

/* A malloc'd copy of the lint JSON (not strict, Celesta's mode), or NULL when the call fails. */
static char *lint_text(const celesta_ir_graph_t *g) {
    size_t len = 0;
    if (celesta_ir_lint_json(NULL, 0, &len, g, 0, 0) != CELESTA_OK) return NULL;
    char *buf = malloc(len);
    if (celesta_ir_lint_json(buf, len, &len, g, 0, 0) != CELESTA_OK) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* The value of `"key": N` in a JSON text, or -1. */
static long json_int(const char *text, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\": ", key);
    const char *at = text ? strstr(text, pattern) : NULL;
    return at ? strtol(at + strlen(pattern), NULL, 10) : -1;
}

/* Analyze, profile and lint share one scan of the graph, which the handle keeps until the graph
 * changes: a change through the ABI shows in the next call, and a copy's change never shows in
 * the original. */
static void test_kept_scan(void) {
    celesta_ir_graph_t *g = read_graph("skip_mixed");
    char *stats = graph_text(celesta_ir_analyze_json, g, CELESTA_IR_WITHOUT_LAYERS);
    char *profile = graph_text(celesta_ir_profile_json, g, 0);
    char *lint = lint_text(g);
    char *again = graph_text(celesta_ir_analyze_json, g, CELESTA_IR_WITHOUT_LAYERS);
    CHECK(stats && again && strcmp(stats, again) == 0, "%s", again ? again : celesta_last_error());
    CHECK(lint && !contains(lint, "STRUCTURE"), "%s", lint ? lint : celesta_last_error());
    long edges = json_int(stats, "edge_count"), nodes = json_int(stats, "node_count");
    CHECK(edges > 0 && nodes > 0, "%s", stats);

    celesta_ir_graph_t *copy = NULL;
    CHECK(celesta_ir_graph_copy(&copy, g) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(celesta_ir_graph_connect(copy, "fc1", "nowhere") == CELESTA_OK, "%s", celesta_last_error());
    char *copy_stats = graph_text(celesta_ir_analyze_json, copy, CELESTA_IR_WITHOUT_LAYERS);
    char *copy_lint = lint_text(copy);
    CHECK(json_int(copy_stats, "edge_count") == edges + 1, "%s", copy_stats ? copy_stats : celesta_last_error());
    CHECK(contains(copy_lint, "\"code\": \"STRUCTURE\", \"message\": \"Edge destination 'nowhere' not found in nodes\""),
          "%s", copy_lint ? copy_lint : celesta_last_error());
    char *original = graph_text(celesta_ir_analyze_json, g, CELESTA_IR_WITHOUT_LAYERS);
    char *original_lint = lint_text(g);
    CHECK(original && strcmp(original, stats) == 0 && original_lint && strcmp(original_lint, lint) == 0, "%s", original);

    /* A node added to the original: every analysis sees it. */
#define ARRAY2(a, b) "{\"$tensor\": {\"dtype\": \"float32\", \"shape\": [2], \"data\": [" a ", " b "]}}"
    const char *node = "{\"name\": \"extra\", \"type\": \"LIF\", \"fields\": {\"tau\": " ARRAY2("0.5", "0.5") ", \"r\": " ARRAY2("1.0", "1.0")
                       ", \"v_leak\": " ARRAY2("0.0", "0.0") ", \"v_threshold\": " ARRAY2("1.0", "1.0") "}}";
#undef ARRAY2
    CHECK(celesta_ir_graph_add_node(g, node, strlen(node), NULL, 0, 0) == CELESTA_OK, "%s", celesta_last_error());
    char *added = graph_text(celesta_ir_analyze_json, g, CELESTA_IR_WITHOUT_LAYERS);
    char *added_profile = graph_text(celesta_ir_profile_json, g, 0);
    char *added_lint = lint_text(g);
    CHECK(json_int(added, "node_count") == nodes + 1 && json_int(added, "lif_count") == json_int(stats, "lif_count") + 1, "%s", added);
    CHECK(json_int(added_profile, "lif_layers") == json_int(profile, "lif_layers") + 1, "%s", added_profile);
    CHECK(contains(added_lint, "Node 'extra' is not reachable from any Input") && contains(added_lint, "Node 'extra' has very low tau=0.50"),
          "%s", added_lint);
    char *stale[] = {stats, profile, lint, again, copy_stats, copy_lint, original, original_lint, added, added_profile, added_lint};
    for (size_t i = 0; i < sizeof stale / sizeof stale[0]; ++i) free(stale[i]);
    celesta_ir_graph_free(copy);
    celesta_ir_graph_free(g);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_ir_sdk FIXTURES_DIR\n");
        return 2;
    }
    fixtures = argv[1];
    test_analyze();
    test_profile();
    test_lint();
    test_fingerprint();
    test_energy();
    test_transforms();
    test_kept_scan();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
