/* test_threads.c: every handle type shared by 8 threads (issue 16, defect 1). Each thread runs
 * the calls that change or read one shared handle, in a loop; the library serialises calls on
 * one handle, so every call must succeed and the results of the stateless calls must equal
 * those of a single thread. Also built with -fsanitize=thread (scripts/run-tests.sh).
 *
 *   cc -std=c99 -I include Tests/c/test_threads.c -L build/lib -lcelesta -pthread -o test_threads [ROUNDS] */
#define _POSIX_C_SOURCE 200809L
#include <celesta.h>

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define THREADS 8

#include "small_network.h"

static int rounds = 20;

/* The shared handles. */
static celesta_xylo_network_t *net;
static celesta_xylo_spec_t *spec;
static celesta_xylo_config_t *config;
static celesta_xylo_sim_t *sim;
static celesta_xylo_afe_t *afe;
static celesta_xylo_afe2_t *afe2;
static celesta_xylo_hdk_t *hdk;
static celesta_ir_graph_t *graph;

/* Failures counted by the threads (CHECK is not thread-safe). */
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static int thread_failures = 0;

static void thread_fail(const char *what, int status) {
    pthread_mutex_lock(&report_lock);
    ++thread_failures;
    if (thread_failures <= 20) printf("FAIL %s: status %d: %s\n", what, status, celesta_last_error());
    pthread_mutex_unlock(&report_lock);
}

#define OK(call, what)                          \
    do {                                        \
        int s_ = (call);                        \
        if (s_ != CELESTA_OK) thread_fail(what, s_); \
    } while (0)

static size_t text_len(int (*fn)(char *, size_t, size_t *, const void *), const void *h) {
    size_t len = 0;
    if (fn(NULL, 0, &len, h) != CELESTA_OK) return 0;
    char *buf = malloc(len);
    if (buf != NULL && fn(buf, len, &len, h) != CELESTA_OK) len = 0;
    free(buf);
    return len;
}

static int spec_json(char *b, size_t c, size_t *l, const void *h) { return celesta_xylo_spec_to_json(b, c, l, h); }
static int config_json(char *b, size_t c, size_t *l, const void *h) { return celesta_xylo_config_to_json(b, c, l, h); }

static void *work(void *arg) {
    (void)arg;
    double audio[2000];
    for (int i = 0; i < 2000; ++i) audio[i] = 0.3 * sin(i / 7.0);
    int input[2 * 50];
    for (int i = 0; i < 100; ++i) input[i] = (i * 7) % 3;
    int *raster = malloc(sizeof(int) * 2000 * 16);
    int spikes[2 * 50];
    for (int r = 0; r < rounds; ++r) {
        size_t len = 0;
        /* network and specification: map, text */
        celesta_xylo_spec_t *s = NULL;
        OK(celesta_xylo_map(&s, net, "xa2", 0), "map");
        celesta_xylo_spec_free(s);
        if (text_len(spec_json, spec) == 0) thread_fail("spec_to_json", -1);
        celesta_xylo_config_t *c = NULL;
        OK(celesta_xylo_spec_quantize(&c, spec, CELESTA_XYLO_QUANTIZE_GLOBAL, 8, 16), "quantize");
        celesta_xylo_config_free(c);
        /* configuration: text, a new simulator */
        if (text_len(config_json, config) == 0) thread_fail("config_to_json", -1);
        celesta_xylo_sim_t *own = NULL;
        OK(celesta_xylo_sim_create(&own, config), "sim_create");
        celesta_xylo_sim_free(own);
        /* the shared simulator: its state changes on every call */
        OK(celesta_xylo_sim_evolve(spikes, 100, &len, NULL, sim, input, 100, 50), "sim_evolve");
        if (r % 4 == 0) OK(celesta_xylo_sim_reset(sim), "sim_reset");
        /* the front ends: streams and models with state */
        OK(celesta_xylo_afe_stream_push(raster, 2000 * 16, &len, NULL, afe, audio, 2000, 0), "afe_stream_push");
        OK(celesta_xylo_afe2_process(raster, 2000 * 16, &len, NULL, afe2, audio, 2000), "afe2_process");
        /* the kit */
        OK(celesta_xylo_hdk_evolve(spikes, 100, &len, NULL, hdk, input, 100, 50, 0), "hdk_evolve");
        /* the graph */
        size_t n = 0;
        OK(celesta_ir_graph_node_count(&n, graph), "graph_node_count");
        OK(celesta_ir_graph_to_json(NULL, 0, &len, graph, 0), "graph_to_json");
    }
    free(raster);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc > 1) rounds = atoi(argv[1]);
    CHECK(celesta_xylo_network_from_json(&net, NETWORK, strlen(NETWORK)) == CELESTA_OK, "network: %s", celesta_last_error());
    CHECK(celesta_xylo_map(&spec, net, "xa2", 0) == CELESTA_OK, "map: %s", celesta_last_error());
    CHECK(celesta_xylo_spec_quantize(&config, spec, CELESTA_XYLO_QUANTIZE_GLOBAL, 8, 16) == CELESTA_OK, "quantize: %s",
          celesta_last_error());
    CHECK(celesta_xylo_sim_create(&sim, config) == CELESTA_OK, "sim: %s", celesta_last_error());
    celesta_xylo_afe_params_t ap = CELESTA_INIT(celesta_xylo_afe_params_t);
    celesta_xylo_afe_params_default(&ap);
    CHECK(celesta_xylo_afe_create(&afe, &ap) == CELESTA_OK, "afe: %s", celesta_last_error());
    celesta_xylo_afe2_params_t bp = CELESTA_INIT(celesta_xylo_afe2_params_t);
    celesta_xylo_afe2_params_default(&bp);
    bp.fs = 110000;
    CHECK(celesta_xylo_afe2_create(&afe2, &bp) == CELESTA_OK, "afe2: %s", celesta_last_error());
    CHECK(celesta_xylo_hdk_open(&hdk, "virtual:xa2", 0) == CELESTA_OK, "hdk: %s", celesta_last_error());
    CHECK(hdk != NULL && celesta_xylo_hdk_apply(hdk, config, 1e-3) == CELESTA_OK, "apply: %s", celesta_last_error());
    CHECK(celesta_ir_graph_create(&graph) == CELESTA_OK, "graph: %s", celesta_last_error());
    if (failed) return 1;

    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; ++i) pthread_create(&t[i], NULL, work, NULL);
    for (int i = 0; i < THREADS; ++i) pthread_join(t[i], NULL);
    CHECK(thread_failures == 0, "%d calls failed in the threads", thread_failures);

    /* Free from one thread while others still call: they get a status, never a crash. */
    celesta_xylo_sim_free(sim);
    size_t len = 0;
    int spikes[100], input[100] = {0};
    CHECK(celesta_xylo_sim_evolve(spikes, 100, &len, NULL, sim, input, 100, 50) == CELESTA_ERR_INVALID_ARGUMENT &&
              contains(celesta_last_error(), "freed"),
          "evolve after free: %s", celesta_last_error());

    celesta_xylo_network_free(net);
    celesta_xylo_spec_free(spec);
    celesta_xylo_config_free(config);
    celesta_xylo_afe_free(afe);
    celesta_xylo_afe2_free(afe2);
    celesta_xylo_hdk_free(hdk);
    celesta_ir_graph_free(graph);
    printf("test_threads: %d threads x %d rounds; %d passed, %d failed\n", THREADS, rounds, passed, failed);
    return failed == 0 ? 0 : 1;
}
