/* test_ir_mapping.c: hardware mapping from C (celesta_ir_hardware_spec_*, celesta_ir_graph_partition,
 * _partition_json, _allocate_json, _place_json, _route, _partition_metadata_json), on the reference graphs.
 * Usage: test_ir_mapping FIXTURES_DIR */
#include <stdlib.h>

#include "celesta.h"
#include "check.h"

typedef int (*text_fn)(char *, size_t, size_t *, const celesta_ir_graph_t *);

/* The text of a size-query call on a graph (malloc'd; NULL on failure). */
static char *text_of(text_fn fn, const celesta_ir_graph_t *g) {
    size_t need = 0;
    if (fn(NULL, 0, &need, g) != CELESTA_OK) return NULL;
    char *buf = malloc(need);
    if (buf == NULL || fn(buf, need, &need, g) != CELESTA_OK) {
        free(buf);
        return NULL;
    }
    return buf;
}

static char *allocate_of(const celesta_ir_graph_t *g, const char *spec, int flags) {
    size_t need = 0;
    if (celesta_ir_graph_allocate_json(NULL, 0, &need, g, spec, strlen(spec), flags) != CELESTA_OK) return NULL;
    char *buf = malloc(need);
    if (buf == NULL || celesta_ir_graph_allocate_json(buf, need, &need, g, spec, strlen(spec), flags) != CELESTA_OK) {
        free(buf);
        return NULL;
    }
    return buf;
}

static char *place_of(const celesta_ir_graph_t *g, const char *spec) {
    size_t need = 0;
    if (celesta_ir_graph_place_json(NULL, 0, &need, g, spec, strlen(spec)) != CELESTA_OK) return NULL;
    char *buf = malloc(need);
    if (buf == NULL || celesta_ir_graph_place_json(buf, need, &need, g, spec, strlen(spec)) != CELESTA_OK) {
        free(buf);
        return NULL;
    }
    return buf;
}

static celesta_ir_graph_t *read_graph(const char *fixtures, const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/talon/graphs/%s.t1c", fixtures, name);
    celesta_ir_graph_t *g = NULL;
    CHECK(celesta_ir_read(&g, path, CELESTA_IR_FORMAT_AUTO, 0) == CELESTA_OK, "%s: %s", path, celesta_last_error());
    return g;
}

static void test_specs(void) {
    char buf[1024];
    size_t len = 0;
    CHECK(celesta_ir_hardware_spec_json(buf, sizeof buf, &len, "zcu102") == CELESTA_OK, "%s", celesta_last_error());
    CHECK(contains(buf, "\"max_neurons_per_core\": 512") && contains(buf, "\"core_mesh_topology\": [8, 4]") &&
              contains(buf, "\"num_cores\": 32") && contains(buf, "\"ap_fixed<16,6>\""),
          "%s", buf);
    CHECK(len == strlen(buf) + 1, "len %zu", len);
    CHECK(celesta_ir_hardware_spec_validate(buf, strlen(buf)) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(celesta_ir_hardware_spec_json(buf, sizeof buf, &len, NULL) == CELESTA_OK && contains(buf, "\"core_mesh_topology\": null") &&
              contains(buf, "\"num_cores\": 64"),
          "%s", buf);
    CHECK(celesta_ir_hardware_spec_json(buf, sizeof buf, &len, "zcu104") == CELESTA_ERR_NOT_FOUND &&
              contains(celesta_last_error(), "zcu104") && contains(celesta_last_error(), "t1c_asic_target"),
          "%s", celesta_last_error());
    CHECK(celesta_ir_hardware_spec_json(buf, 8, &len, "zynq_7020") == CELESTA_ERR_BUFFER_TOO_SMALL && len > 8, "len %zu", len);
    CHECK(celesta_ir_hardware_spec_json(buf, sizeof buf, NULL, "zynq_7020") == CELESTA_ERR_NULL_POINTER, "NULL len");

    const char *bad = "{\"num_cores\": 0}";
    CHECK(celesta_ir_hardware_spec_validate(bad, strlen(bad)) == CELESTA_ERR_INVALID_ARGUMENT &&
              contains(celesta_last_error(), "num_cores must be positive"),
          "%s", celesta_last_error());
    const char *mesh = "{\"core_mesh_topology\": [9, 9]}";
    CHECK(celesta_ir_hardware_spec_validate(mesh, strlen(mesh)) == CELESTA_ERR_INVALID_ARGUMENT &&
              contains(celesta_last_error(), "Mesh topology 9x9 = 81 exceeds num_cores=64"),
          "%s", celesta_last_error());
    const char *typo = "{\"num_core\": 4}";
    CHECK(celesta_ir_hardware_spec_validate(typo, strlen(typo)) == CELESTA_ERR_PARSE && contains(celesta_last_error(), "spec_json") &&
              contains(celesta_last_error(), "'num_core'"),
          "%s", celesta_last_error());
    CHECK(celesta_ir_hardware_spec_validate("\"zynq_7020\"", 11) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(celesta_ir_hardware_spec_validate(NULL, 0) == CELESTA_ERR_NULL_POINTER, "NULL spec");
    CHECK(celesta_ir_hardware_spec_validate(NULL, 3) == CELESTA_ERR_NULL_POINTER, "NULL spec with a length");
}

/* The tutorial: conv_snn on zynq_us_plus, greedy (README §22 of the reference). */
static void test_tutorial(const char *fixtures) {
    celesta_ir_graph_t *g = read_graph(fixtures, "conv_snn");
    if (g == NULL) return;
    const char *spec = "\"zynq_us_plus\"";
    char *meta = text_of(celesta_ir_graph_partition_metadata_json, g);
    CHECK(meta != NULL && strcmp(meta, "null") == 0, "%s", meta ? meta : celesta_last_error());
    free(meta);
    for (int flags = 0; flags <= 1; ++flags) {
        CHECK(celesta_ir_graph_partition(g, spec, strlen(spec), "greedy", flags) == CELESTA_OK, "%s", celesta_last_error());
        meta = text_of(celesta_ir_graph_partition_metadata_json, g);
        CHECK(contains(meta, "\"num_cores_used\": 1") && contains(meta, "\"fc1\": 0") && contains(meta, "\"algorithm\": \"greedy\""), "%s",
              meta ? meta : celesta_last_error());
        free(meta);
    }
    /* Celesta counts the neurons of lif1 (128) and lif2 (10); TALON counts the 8 compute nodes. */
    for (int flags = 0; flags <= 1; ++flags) {
        char *alloc = allocate_of(g, spec, flags);
        CHECK(contains(alloc, "\"total_weight_bytes\": 1611944") && contains(alloc, "\"total_state_bytes\": 2208") &&
                  contains(alloc, "\"fits_hardware\": false") && contains(alloc, "\"violations\": [0]") &&
                  contains(alloc, "\"peak_core_utilization\": 16.42000325520833") && contains(alloc, "[\"fc1\", 1606144]") &&
                  contains(alloc, flags ? "\"neuron_count\": 8," : "\"neuron_count\": 138,"),
              "flags %d: %s", flags, alloc ? alloc : celesta_last_error());
        free(alloc);
    }
    char *place = place_of(g, spec);
    CHECK(contains(place, "{\"logical_to_physical\": {\"0\": [4, 0]}, \"total_hop_distance\": 0, \"improvement\": 0.0}"), "%s",
          place ? place : celesta_last_error());
    free(place);
    CHECK(celesta_ir_graph_route(g, spec, strlen(spec), 0) == CELESTA_OK, "%s", celesta_last_error());
    meta = text_of(celesta_ir_graph_partition_metadata_json, g);
    CHECK(contains(meta, "\"routing\": {\"forward_routes\": {}, \"feedback_routes\": {}, \"total_hops\": 0, \"max_hops\": 0}"), "%s",
          meta ? meta : celesta_last_error());
    free(meta);
    /* Spectral on zynq_7020 also keeps the 10 nodes on one core. */
    const char *small = "\"zynq_7020\"";
    CHECK(celesta_ir_graph_partition(g, small, strlen(small), "spectral", 0) == CELESTA_OK, "%s", celesta_last_error());
    meta = text_of(celesta_ir_graph_partition_metadata_json, g);
    CHECK(contains(meta, "\"num_partitions\": 1") && contains(meta, "\"algorithm\": \"spectral\""), "%s", meta ? meta : "");
    free(meta);
    celesta_ir_graph_free(g);
}

/* mlp_784_128_10 on a 2x2 mesh of 2 "neurons" a core in TALON's terms: routes are direct in TALON's
 * mode, mesh routes in Celesta's; Celesta's greedy counts neurons and says what does not fit. */
static void test_modes(const char *fixtures) {
    celesta_ir_graph_t *g = read_graph(fixtures, "mlp_784_128_10");
    if (g == NULL) return;
    const char *spec = "{\"max_neurons_per_core\": 2, \"core_mesh_topology\": [2, 2], \"num_cores\": 4, \"sram_bytes_per_core\": 500000}";
    CHECK(celesta_ir_graph_partition(g, spec, strlen(spec), "greedy", 0) == CELESTA_ERR_LIMIT_EXCEEDED &&
              contains(celesta_last_error(), "has 128 neurons") && contains(celesta_last_error(), "max_neurons_per_core=2"),
          "%s", celesta_last_error());
    char *meta = text_of(celesta_ir_graph_partition_metadata_json, g);
    CHECK(meta != NULL && strcmp(meta, "null") == 0, "a failed partition leaves the graph alone: %s", meta ? meta : "");
    free(meta);
    CHECK(celesta_ir_graph_partition(g, spec, strlen(spec), "edgemap", CELESTA_IR_TALON_COMPATIBLE) == CELESTA_OK, "%s",
          celesta_last_error());
    CHECK(celesta_ir_graph_route(g, spec, strlen(spec), CELESTA_IR_TALON_COMPATIBLE) == CELESTA_OK, "%s", celesta_last_error());
    meta = text_of(celesta_ir_graph_partition_metadata_json, g);
    CHECK(contains(meta, "\"max_hops\": 1"), "%s", meta ? meta : "");
    free(meta);
    const char *wide = "{\"max_neurons_per_core\": 200, \"core_mesh_topology\": [1, 4], \"num_cores\": 4}";
    /* The metadata without changing the graph (it keeps its routed edgemap partition). */
    size_t need = 0;
    CHECK(celesta_ir_graph_partition_json(NULL, 0, &need, g, wide, strlen(wide), "greedy", 0) == CELESTA_OK && need > 1,
          "%s", celesta_last_error());
    char *kept = malloc(need);
    CHECK(kept && celesta_ir_graph_partition_json(kept, need, &need, g, wide, strlen(wide), "greedy", 0) == CELESTA_OK &&
              contains(kept, "\"neurons_per_core\": [138]") && contains(kept, "\"algorithm\": \"greedy\""),
          "%s", kept ? kept : "");
    free(kept);
    /* CELESTA_IR_CORE_LIST: node indices and cores in assignment order instead of the names. */
    CHECK(celesta_ir_graph_partition_json(NULL, 0, &need, g, wide, strlen(wide), "greedy", CELESTA_IR_CORE_LIST) == CELESTA_OK,
          "%s", celesta_last_error());
    kept = malloc(need);
    CHECK(kept && celesta_ir_graph_partition_json(kept, need, &need, g, wide, strlen(wide), "greedy", CELESTA_IR_CORE_LIST) == CELESTA_OK &&
              strncmp(kept, "{\"order\": [", 11) == 0 &&
              contains(kept, "], \"cores\": [0, 0, 0, 0, 0, 0], \"num_cores_used\": 1") &&
              !contains(kept, "assignments") && contains(kept, "\"neurons_per_core\": [138]"),
          "%s", kept ? kept : "");
    free(kept);
    /* ... and with CELESTA_IR_CORE_RUNS, as runs: (first index, count) and (core, count) pairs. */
    const int runs = CELESTA_IR_CORE_LIST | CELESTA_IR_CORE_RUNS;
    CHECK(celesta_ir_graph_partition_json(NULL, 0, &need, g, wide, strlen(wide), "greedy", runs) == CELESTA_OK, "%s",
          celesta_last_error());
    kept = malloc(need);
    CHECK(kept && celesta_ir_graph_partition_json(kept, need, &need, g, wide, strlen(wide), "greedy", runs) == CELESTA_OK &&
              strncmp(kept, "{\"order_runs\": [", 16) == 0 && contains(kept, "], \"core_runs\": [0, 6], \"num_cores_used\": 1") &&
              !contains(kept, "\"order\"") && contains(kept, "\"neurons_per_core\": [138]"),
          "%s", kept ? kept : "");
    free(kept);
    CHECK(celesta_ir_graph_partition_json(NULL, 0, &need, g, wide, strlen(wide), "greedy", CELESTA_IR_CORE_RUNS) ==
                  CELESTA_ERR_INVALID_ARGUMENT &&
              contains(celesta_last_error(), "CELESTA_IR_CORE_RUNS needs CELESTA_IR_CORE_LIST"),
          "runs without lists: %s", celesta_last_error());
    CHECK(celesta_ir_graph_partition(g, wide, strlen(wide), "greedy", CELESTA_IR_CORE_LIST) == CELESTA_ERR_INVALID_ARGUMENT &&
              contains(celesta_last_error(), "flags"),
          "in place the flag means nothing: %s", celesta_last_error());
    CHECK(celesta_ir_graph_partition_json(NULL, 0, &need, g, spec, strlen(spec), "greedy", 0) == CELESTA_ERR_LIMIT_EXCEEDED &&
              contains(celesta_last_error(), "has 128 neurons"), "%s", celesta_last_error());
    CHECK(celesta_ir_graph_partition_json(NULL, 0, &need, NULL, spec, strlen(spec), "greedy", 0) == CELESTA_ERR_NULL_POINTER &&
              contains(celesta_last_error(), "graph"), "%s", celesta_last_error());
    meta = text_of(celesta_ir_graph_partition_metadata_json, g);
    CHECK(contains(meta, "\"max_hops\": 1") && contains(meta, "\"algorithm\": \"edgemap\""), "unchanged: %s", meta ? meta : "");
    free(meta);
    CHECK(celesta_ir_graph_partition(g, wide, strlen(wide), "greedy", 0) == CELESTA_OK, "%s", celesta_last_error());
    meta = text_of(celesta_ir_graph_partition_metadata_json, g);
    /* 138 neurons fit one core; fc1's 401,920 bytes exceed any core's SRAM, so memory cannot be
     * balanced into fitting and does not add cores. */
    CHECK(contains(meta, "\"neurons_per_core\": [138]") && contains(meta, "\"num_cores_used\": 1"), "%s", meta ? meta : "");
    free(meta);

    /* Bad arguments. */
    CHECK(celesta_ir_graph_partition(NULL, spec, strlen(spec), "greedy", 0) == CELESTA_ERR_NULL_POINTER, "NULL graph");
    CHECK(celesta_ir_graph_partition(g, spec, strlen(spec), "metis", 0) == CELESTA_ERR_INVALID_ARGUMENT &&
              contains(celesta_last_error(), "Unknown algorithm: metis. Use 'edgemap', 'spectral', or 'greedy'."),
          "%s", celesta_last_error());
    CHECK(celesta_ir_graph_partition(g, spec, strlen(spec), "greedy", 8) == CELESTA_ERR_INVALID_ARGUMENT &&
              contains(celesta_last_error(), "flags"),
          "%s", celesta_last_error());
    CHECK(celesta_ir_graph_partition(g, "{", 1, "greedy", 0) == CELESTA_ERR_PARSE && contains(celesta_last_error(), "spec_json"), "%s",
          celesta_last_error());
    const char *zero = "{\"max_neurons_per_core\": 0}";
    CHECK(celesta_ir_graph_partition(g, zero, strlen(zero), NULL, 0) == CELESTA_ERR_INVALID_ARGUMENT &&
              contains(celesta_last_error(), "max_neurons_per_core must be positive"),
          "%s", celesta_last_error());
    CHECK(celesta_ir_graph_route(NULL, NULL, 0, 0) == CELESTA_ERR_NULL_POINTER, "NULL graph");
    size_t len = 0;
    CHECK(celesta_ir_graph_allocate_json(NULL, 0, &len, NULL, NULL, 0, 0) == CELESTA_ERR_NULL_POINTER, "NULL graph");
    CHECK(celesta_ir_graph_allocate_json(NULL, 0, &len, g, NULL, 0, 2) == CELESTA_ERR_INVALID_ARGUMENT &&
              contains(celesta_last_error(), "flags"),
          "%s", celesta_last_error());
    CHECK(celesta_ir_graph_place_json(NULL, 0, &len, g, "{\"core_mesh_topology\": 4}", 24) == CELESTA_ERR_PARSE, "%s",
          celesta_last_error());
    char small[4];
    CHECK(celesta_ir_graph_partition_metadata_json(small, sizeof small, &len, g) == CELESTA_ERR_BUFFER_TOO_SMALL && len > 4, "len %zu",
          len);
    celesta_ir_graph_free(g);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FIXTURES_DIR\n", argv[0]);
        return 2;
    }
    test_specs();
    test_tutorial(argv[1]);
    test_modes(argv[1]);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
