/* test_hardening.c: issue 16's defects, each as a call that once trapped, aborted or corrupted
 * memory. Every case runs in a forked child so that a trap is a failed check (naming the case),
 * not the end of the run: a child must exit 0 (all its checks passed), never by a signal.
 *
 *   cc -std=c99 -I include Tests/c/test_hardening.c -L build/lib -lcelesta -o test_hardening */
#define _POSIX_C_SOURCE 200809L
#include <celesta.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

/* The network of test_pipeline.c: Linear(2->3) -> LIF(3) -> Linear(3->2) -> LIF(2). */
#include "small_network.h"

/* A failed status whose message is not empty. */
#define REFUSED(status, code) ((status) == (code) && celesta_last_error()[0] != '\0')

/* ---- defect 2: trapping integer conversions ---- */

static void spec_json_status(const char *json, int expected, const char *what) {
    celesta_xylo_spec_t *spec = NULL;
    int status = celesta_xylo_spec_from_json(&spec, json, strlen(json));
    CHECK(REFUSED(status, expected) && spec == NULL, "%s: status %d (%s)", what, status, celesta_last_error());
    celesta_xylo_spec_free(spec);
}

static void case_spec_alias_huge(void) {
    spec_json_status("{\"chip\":\"xa2\",\"aliases\":[[1e19]]}", CELESTA_ERR_PARSE, "alias 1e19");
    spec_json_status("{\"chip\":\"xa2\",\"aliases\":[[1e400]]}", CELESTA_ERR_PARSE, "alias 1e400");
    spec_json_status("{\"chip\":\"xa2\",\"aliases\":[[-1e300]]}", CELESTA_ERR_PARSE, "alias -1e300");
    spec_json_status("{\"chip\":\"xa2\",\"aliases\":[[2.5]]}", CELESTA_ERR_PARSE, "alias 2.5");
    CHECK(contains(celesta_last_error(), "aliases"), "the message names the field: %s", celesta_last_error());
}

static void case_config_json_huge_len(void) {
    celesta_xylo_config_t *config = NULL;
    int status = celesta_xylo_config_from_json(&config, "{}", (size_t)1 << 63);
    CHECK(REFUSED(status, CELESTA_ERR_OUT_OF_RANGE), "len 2^63: %d %s", status, celesta_last_error());
    status = celesta_xylo_config_from_json(&config, "{}", SIZE_MAX);
    CHECK(REFUSED(status, CELESTA_ERR_OUT_OF_RANGE), "len SIZE_MAX: %d %s", status, celesta_last_error());
}

static void case_afe2_raster_period_huge(void) {
    celesta_xylo_afe2_params_t p = CELESTA_INIT(celesta_xylo_afe2_params_t);
    CHECK(celesta_xylo_afe2_params_default(&p) == CELESTA_OK, "defaults");
    p.fs = 110000;
    p.raster_period = 1e300;
    celesta_xylo_afe2_t *afe2 = NULL;
    int status = celesta_xylo_afe2_create(&afe2, &p);
    CHECK(REFUSED(status, CELESTA_ERR_INVALID_ARGUMENT) && afe2 == NULL, "raster_period 1e300: %d %s", status,
          celesta_last_error());
    celesta_xylo_afe2_free(afe2);
}

/* ---- defect 3: a size check before any allocation ---- */

static void case_afe2_process_huge_input(void) {
    celesta_xylo_afe2_params_t p = CELESTA_INIT(celesta_xylo_afe2_params_t);
    celesta_xylo_afe2_params_default(&p);
    p.fs = 110000;
    p.add_noise = p.add_mismatch = p.add_offset = 0;
    celesta_xylo_afe2_t *afe2 = NULL;
    CHECK(celesta_xylo_afe2_create(&afe2, &p) == CELESTA_OK, "create: %s", celesta_last_error());
    static double buf[16];
    static int spikes[4096];
    size_t len = 0;
    int status = celesta_xylo_afe2_process(spikes, 4096, &len, NULL, afe2, buf, (size_t)1 << 40);
    CHECK(REFUSED(status, CELESTA_ERR_BUFFER_TOO_SMALL) || REFUSED(status, CELESTA_ERR_OUT_OF_RANGE),
          "input 2^40, spikes 4096: %d %s", status, celesta_last_error());
    celesta_xylo_afe2_free(afe2);
}

/* ---- defect 6: a field of the wrong type is an error naming it ---- */

static void network_status(const char *json, const char *field) {
    celesta_xylo_network_t *net = NULL;
    int status = celesta_xylo_network_from_json(&net, json, strlen(json));
    CHECK(REFUSED(status, CELESTA_ERR_PARSE) && net == NULL && contains(celesta_last_error(), field),
          "%s: status %d (%s)", json, status, celesta_last_error());
    celesta_xylo_network_free(net);
}

static void case_network_wrong_types(void) {
    const char *lif = "{\"layers\": [{\"type\": \"LIF\", \"n_in\": 2, \"n_out\": 2, \"tau_mem\": [0.02, 0.02], "
                      "\"tau_syn\": [0.01, 0.01], \"threshold\": [0.5, 0.5], %s}]}";
    char json[512];
    const char *bad[][2] = {{"\"has_rec\": 1, \"w_rec\": [[0, 1], [1, 0]]", "has_rec"},
                            {"\"has_rec\": \"true\", \"w_rec\": [[0, 1], [1, 0]]", "has_rec"},
                            {"\"dt\": \"0.002\"", "dt"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        snprintf(json, sizeof json, lif, bad[i][0]);
        network_status(json, bad[i][1]);
    }
    /* The right types still work. */
    snprintf(json, sizeof json, lif, "\"has_rec\": true, \"w_rec\": [[0, 1], [1, 0]], \"dt\": 0.002");
    celesta_xylo_network_t *net = NULL;
    CHECK(celesta_xylo_network_from_json(&net, json, strlen(json)) == CELESTA_OK, "valid: %s", celesta_last_error());
    celesta_xylo_network_free(net);
}

/* ---- defect 9: the Audio 3 rate scale 1 / (2^b1 - 2^b2) must be positive ---- */

static void case_afe_rate_scale(void) {
    celesta_xylo_afe_params_t p = CELESTA_INIT(celesta_xylo_afe_params_t);
    CHECK(celesta_xylo_afe_params_default(&p) == CELESTA_OK, "defaults");
    const int shifts[][2] = {{0, 31}, {5, 5}};
    for (int i = 0; i < 2; ++i) {
        p.dn_rate_scale_bitshift[0] = shifts[i][0];
        p.dn_rate_scale_bitshift[1] = shifts[i][1];
        celesta_xylo_afe_t *afe = NULL;
        int status = celesta_xylo_afe_create(&afe, &p);
        CHECK(REFUSED(status, CELESTA_ERR_INVALID_ARGUMENT) && contains(celesta_last_error(), "dn_rate_scale_bitshift"),
              "(%d, %d): %d %s", shifts[i][0], shifts[i][1], status, celesta_last_error());
        celesta_xylo_afe_free(afe);
    }
}

/* ---- defect 8: freed, double-freed and wrong-type handles ---- */

static celesta_xylo_network_t *network(void) {
    celesta_xylo_network_t *net = NULL;
    celesta_xylo_network_from_json(&net, NETWORK, strlen(NETWORK));
    return net;
}

static void case_handle_freed(void) {
    celesta_xylo_network_t *net = network();
    CHECK(net != NULL, "network: %s", celesta_last_error());
    celesta_xylo_network_free(net);
    celesta_xylo_spec_t *spec = NULL;
    int status = celesta_xylo_map(&spec, net, "xa2", 0);
    CHECK(REFUSED(status, CELESTA_ERR_INVALID_ARGUMENT) && contains(celesta_last_error(), "freed") && spec == NULL,
          "use after free: %d %s", status, celesta_last_error());
    /* Many handles made and freed since: the old value is still refused. */
    for (int i = 0; i < 10000; ++i) celesta_xylo_network_free(network());
    status = celesta_xylo_map(&spec, net, "xa2", 0);
    CHECK(REFUSED(status, CELESTA_ERR_INVALID_ARGUMENT), "use after 10000 frees: %d %s", status, celesta_last_error());
}

static void case_handle_double_free(void) {
    celesta_ir_graph_t *graph = NULL;
    CHECK(celesta_ir_graph_create(&graph) == CELESTA_OK, "graph: %s", celesta_last_error());
    celesta_ir_graph_free(graph);
    celesta_ir_graph_free(graph); /* ignored: nothing is freed twice */
    CHECK(contains(celesta_last_error(), "freed"), "the double free is named: %s", celesta_last_error());
    size_t n = 0;
    int status = celesta_ir_graph_node_count(&n, graph);
    CHECK(REFUSED(status, CELESTA_ERR_INVALID_ARGUMENT), "after a double free: %d %s", status, celesta_last_error());
    /* The library still works. */
    celesta_xylo_network_t *net = network();
    CHECK(net != NULL, "a new handle after a double free: %s", celesta_last_error());
    celesta_xylo_network_free(net);
}

static void case_handle_wrong_type(void) {
    celesta_ir_graph_t *graph = NULL;
    celesta_ir_graph_create(&graph);
    celesta_xylo_spec_t *spec = NULL;
    int status = celesta_xylo_map(&spec, (const celesta_xylo_network_t *)graph, "xa2", 0);
    CHECK(REFUSED(status, CELESTA_ERR_INVALID_ARGUMENT) && contains(celesta_last_error(), "celesta_ir_graph_t"),
          "a graph as a network: %d %s", status, celesta_last_error());
    celesta_xylo_sim_free((celesta_xylo_sim_t *)graph); /* a free of the wrong type frees nothing */
    size_t n = 1;
    CHECK(celesta_ir_graph_node_count(&n, graph) == CELESTA_OK && n == 0, "the graph survives: %s", celesta_last_error());
    celesta_ir_graph_free(graph);
    /* A value that never was a handle. */
    static char not_a_handle[64];
    status = celesta_ir_graph_node_count(&n, (const celesta_ir_graph_t *)not_a_handle);
    CHECK(REFUSED(status, CELESTA_ERR_INVALID_ARGUMENT), "a stray pointer: %d %s", status, celesta_last_error());
}

/* ---- the runner ---- */

typedef struct {
    const char *name;
    void (*run)(void);
} test_case;

static const test_case CASES[] = {
    {"spec_alias_huge", case_spec_alias_huge},
    {"config_json_huge_len", case_config_json_huge_len},
    {"afe2_raster_period_huge", case_afe2_raster_period_huge},
    {"afe2_process_huge_input", case_afe2_process_huge_input},
    {"network_wrong_types", case_network_wrong_types},
    {"afe_rate_scale", case_afe_rate_scale},
    {"handle_freed", case_handle_freed},
    {"handle_double_free", case_handle_double_free},
    {"handle_wrong_type", case_handle_wrong_type},
};

int main(int argc, char **argv) {
    int bad = 0;
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; ++i) {
        if (argc > 1 && strcmp(argv[1], CASES[i].name) != 0) continue;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            CASES[i].run();
            printf("%s: %d passed, %d failed\n", CASES[i].name, passed, failed);
            fflush(stdout);
            _exit(failed == 0 ? 0 : 1);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        if (WIFSIGNALED(st)) {
            printf("FAIL %s: killed by signal %d\n", CASES[i].name, WTERMSIG(st));
            ++bad;
        } else if (WEXITSTATUS(st) != 0) {
            printf("FAIL %s: exit %d\n", CASES[i].name, WEXITSTATUS(st));
            ++bad;
        }
    }
    printf("test_hardening: %d case(s) failed\n", bad);
    return bad == 0 ? 0 : 1;
}
