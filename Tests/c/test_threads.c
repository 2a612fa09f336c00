/* test_threads.c: every handle type shared by 8 threads (issue 16, defect 1). Each thread runs
 * the calls that change or read one shared handle, in a loop; the library serialises calls on
 * one handle, so every call must succeed and the results of the stateless calls must equal
 * those of a single thread. A second phase shares the other handle types (HLS model, backend
 * result, event writer and reader), sets progress callbacks while other threads run calls that
 * report to them, and frees a handle while other threads are calling it (each call then
 * returns OK or INVALID_ARGUMENT "freed"). Also built with -fsanitize=thread against a
 * ThreadSanitizer build of the library (scripts/sanitizers.sh tsan).
 *
 *   cc -std=c99 -I include Tests/c/test_threads.c -L build/lib -lcelesta -pthread -o test_threads [ROUNDS] */
#define _POSIX_C_SOURCE 200809L
#include <celesta.h>

#include <math.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
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
/* Phase two. */
static celesta_hls_model_t *hls;
static celesta_backend_result_t *result;
static celesta_ir_graph_t *cpu_graph;
static celesta_events_writer_t *writer;
static celesta_events_reader_t *reader;
static celesta_xylo_sim_t *victim;
static long progress_calls;

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

/* 2 inputs -> Dense 2x2 -> LIF -> readout (as in test_hls.c). */
static const char *LAYERS =
    "[{\"name\": \"x\", \"class_name\": \"Input\", \"n\": 2},"
    " {\"name\": \"fc1\", \"class_name\": \"Dense\", \"n_in\": 2, \"n_out\": 2,"
    "  \"weight\": [[0.5, 0.25], [0.75, 0.125]], \"bias\": [0.0, 0.0]},"
    " {\"name\": \"lif1\", \"class_name\": \"LIFNeuron\", \"n\": 2, \"reset_mechanism\": \"subtract\","
    "  \"threshold\": {\"mode\": \"scalar\", \"value\": 1.0}, \"beta\": {\"mode\": \"scalar\", \"value\": 0.9}},"
    " {\"name\": \"readout\", \"class_name\": \"SNNReadout\", \"n_classes\": 2, \"window_size\": 3,"
    "  \"decision_rule\": \"argmax_spike_count\"}]";
static const char *HLS_CONFIG = "{\"IOType\": \"io_stream\", \"HLSConfig\": {\"Model\": {\"Precision\": {\"default\": \"ap_fixed<16,6>\"}}}}";

/* Input 3 -> Linear 2x3 -> IF 2 -> Output (as in test_backend.c). */
static celesta_ir_graph_t *small_graph(void) {
    static float w[6] = {1, 0, 0.5f, 0, 1, -1}, thr[2] = {1, 1};
    static int64_t wshape[2] = {2, 3}, tshape[1] = {2};
    celesta_ir_array_t arrays[2] = {{sizeof(celesta_ir_array_t), "float32", w, 2, wshape},
                                    {sizeof(celesta_ir_array_t), "float32", thr, 1, tshape}};
    const char *doc = "{\"nodes\": [{\"name\": \"in\", \"type\": \"Input\", \"fields\": {}, \"input_type\": {\"input\": [3]}},"
                      "{\"name\": \"fc\", \"type\": \"Linear\", \"fields\": {\"weight\": {\"$array\": 0}}},"
                      "{\"name\": \"lif\", \"type\": \"IF\", \"fields\": {\"v_threshold\": {\"$array\": 1}}},"
                      "{\"name\": \"out\", \"type\": \"Output\", \"fields\": {}, \"output_type\": {\"output\": [2]}}],"
                      "\"edges\": [[\"in\", \"fc\"], [\"fc\", \"lif\"], [\"lif\", \"out\"]]}";
    celesta_ir_graph_t *g = NULL;
    return celesta_ir_graph_from_json(&g, doc, strlen(doc), arrays, 2, 0) == CELESTA_OK ? g : NULL;
}

/* A progress callback that any thread may call: it counts its calls, never cancels. */
static int count_progress(void *user, size_t done, size_t total) {
    (void)done; (void)total;
    __atomic_fetch_add((long *)user, 1, __ATOMIC_RELAXED);
    return 0;
}

#define EVENTS_PER_APPEND 16

static void *work_more(void *arg) {
    long id = (long)arg;
    double x[12], y[12];
    for (int i = 0; i < 12; ++i) x[i] = 0.25 * (i % 5);
    uint64_t t[EVENTS_PER_APPEND];
    uint16_t ex[EVENTS_PER_APPEND], ey[EVENTS_PER_APPEND];
    uint8_t ep[EVENTS_PER_APPEND];
    for (int i = 0; i < EVENTS_PER_APPEND; ++i) { t[i] = 7; ex[i] = (uint16_t)i; ey[i] = (uint16_t)id; ep[i] = (uint8_t)(i & 1); }
    celesta_events_t cols = CELESTA_INIT(celesta_events_t);
    cols.t = t; cols.t_stride = 8; cols.x = ex; cols.x_stride = 2; cols.y = ey; cols.y_stride = 2; cols.p = ep; cols.p_stride = 1;
    uint8_t records[13 * 64];
    int input[100] = {0}, spikes[100];
    for (int r = 0; r < rounds; ++r) {
        size_t len = 0;
        /* the HLS model: its kept state and trace change on every call */
        OK(celesta_hls_simulate(y, 6, hls, x, 6, 1, 3, CELESTA_HLS_SIM_KEEP_STATE | (r % 2 ? CELESTA_HLS_SIM_TRACE : 0)), "hls_simulate");
        OK(celesta_hls_simulate(y, 12, hls, x, 12, 2, 3, 0), "hls_simulate batch");
        OK(celesta_hls_model_info(NULL, 0, &len, hls), "hls_model_info");
        OK(celesta_hls_last_trace(NULL, 0, &len, hls), "hls_last_trace");
        /* the backend: a run on a shared graph, a shared result read */
        celesta_backend_result_t *own = NULL;
        OK(celesta_backend_simulate(&own, "cpu", cpu_graph, "{\"n_steps\": 4}", 14, NULL, 0), "backend_simulate");
        celesta_backend_result_free(own);
        OK(celesta_backend_result_json(NULL, 0, &len, result), "backend_result_json");
        /* the event writer and reader */
        OK(celesta_events_writer_append(writer, &cols, EVENTS_PER_APPEND), "events_writer_append");
        uint64_t count = 0, first = 0, end = 0;
        OK(celesta_events_writer_count(&count, writer), "events_writer_count");
        celesta_events_t out = CELESTA_INIT(celesta_events_t);
        out.t = records; out.t_stride = 13; out.x = records + 8; out.x_stride = 13;
        out.y = records + 10; out.y_stride = 13; out.p = records + 12; out.p_stride = 13;
        OK(celesta_events_reader_read(&out, reader, (uint64_t)(r % 4) * 64, 64), "events_reader_read");
        OK(celesta_events_reader_window(&first, &end, reader, 10, 200), "events_reader_window");
        /* progress callbacks set and cleared while other threads run calls that report */
        if (id % 2 == 0) OK(celesta_xylo_sim_set_progress(sim, r % 2 ? NULL : count_progress, &progress_calls), "sim_set_progress");
        else OK(celesta_xylo_sim_evolve(spikes, 100, &len, NULL, sim, input, 100, 50), "sim_evolve with progress");
        OK(celesta_events_reader_set_progress(reader, r % 2 ? count_progress : NULL, &progress_calls), "reader_set_progress");
    }
    return NULL;
}

/* Calls the victim simulator until it is freed by the main thread: OK, or INVALID_ARGUMENT
 * saying "freed"; never anything else. */
static void *use_until_freed(void *arg) {
    (void)arg;
    int input[100] = {0}, spikes[100];
    for (long n = 0; n < 1000000; ++n) {
        size_t len = 0;
        int s = celesta_xylo_sim_evolve(spikes, 100, &len, NULL, victim, input, 100, 50);
        if (s == CELESTA_OK) continue;
        if (s != CELESTA_ERR_INVALID_ARGUMENT || !contains(celesta_last_error(), "freed")) thread_fail("evolve while freed", s);
        return NULL;
    }
    thread_fail("the victim was never freed", -1);
    return NULL;
}

static void phase_two(void) {
    char dir[] = "/tmp/celesta_threads_XXXXXX", path[256], wpath[256];
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    /* an event file to read: t = 0, 1, 2, ... */
    enum { N = 256 };
    uint64_t t[N];
    uint16_t x[N], y[N];
    uint8_t p[N];
    for (int i = 0; i < N; ++i) { t[i] = (uint64_t)i; x[i] = (uint16_t)i; y[i] = (uint16_t)(2 * i); p[i] = (uint8_t)(i & 1); }
    celesta_events_t cols = CELESTA_INIT(celesta_events_t);
    cols.t = t; cols.t_stride = 8; cols.x = x; cols.x_stride = 2; cols.y = y; cols.y_stride = 2; cols.p = p; cols.p_stride = 1;
    snprintf(path, sizeof path, "%s/read.h5", dir);
    snprintf(wpath, sizeof wpath, "%s/written.h5", dir);
    CHECK(celesta_events_write(path, &cols, N, NULL, NULL, -1) == CELESTA_OK, "events_write: %s", celesta_last_error());
    CHECK(celesta_events_reader_open(&reader, path, NULL) == CELESTA_OK, "reader: %s", celesta_last_error());
    CHECK(celesta_events_writer_create(&writer, wpath, NULL, NULL, 100, -1) == CELESTA_OK, "writer: %s", celesta_last_error());
    CHECK(celesta_hls_model_from_layers(&hls, LAYERS, strlen(LAYERS), HLS_CONFIG, strlen(HLS_CONFIG)) == CELESTA_OK, "hls: %s",
          celesta_last_error());
    cpu_graph = small_graph();
    CHECK(cpu_graph != NULL, "graph: %s", celesta_last_error());
    CHECK(celesta_backend_simulate(&result, "cpu", cpu_graph, "{\"n_steps\": 4}", 14, NULL, 0) == CELESTA_OK, "result: %s",
          celesta_last_error());
    if (failed) return;

    pthread_t th[THREADS];
    for (long i = 0; i < THREADS; ++i) pthread_create(&th[i], NULL, work_more, (void *)i);
    for (int i = 0; i < THREADS; ++i) pthread_join(th[i], NULL);
    CHECK(thread_failures == 0, "%d calls failed in the phase-two threads", thread_failures);
    /* Every append went in whole: the count is exact, and the closed file reads back. */
    uint64_t count = 0;
    CHECK(celesta_events_writer_count(&count, writer) == CELESTA_OK && count == (uint64_t)THREADS * rounds * EVENTS_PER_APPEND,
          "appended %llu", (unsigned long long)count);
    CHECK(celesta_events_writer_close(writer) == CELESTA_OK, "close: %s", celesta_last_error());
    celesta_events_reader_t *back = NULL;
    celesta_events_info_t info = CELESTA_INIT(celesta_events_info_t);
    CHECK(celesta_events_reader_open(&back, wpath, NULL) == CELESTA_OK && celesta_events_reader_info(&info, back) == CELESTA_OK &&
              info.n_events == count,
          "read back: %s", celesta_last_error());
    celesta_events_reader_free(back);

    /* A handle freed while 8 threads call it. */
    CHECK(celesta_xylo_sim_create(&victim, config) == CELESTA_OK, "victim: %s", celesta_last_error());
    CHECK(celesta_xylo_sim_set_progress(victim, count_progress, &progress_calls) == CELESTA_OK, "victim progress");
    for (int i = 0; i < THREADS; ++i) pthread_create(&th[i], NULL, use_until_freed, NULL);
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
    celesta_xylo_sim_free(victim);
    for (int i = 0; i < THREADS; ++i) pthread_join(th[i], NULL);
    CHECK(thread_failures == 0, "%d calls failed around the free", thread_failures);

    celesta_events_writer_free(writer);
    celesta_events_reader_free(reader);
    celesta_hls_model_free(hls);
    celesta_backend_result_free(result);
    celesta_ir_graph_free(cpu_graph);
    remove(path);
    remove(wpath);
    rmdir(dir);
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
    phase_two();

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
