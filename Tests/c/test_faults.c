/* test_faults.c: fault injection in the virtual dev kit through the public API (issue 16).
 * A location "virtual:CHIP?faults=KIND@N" opens a virtual kit driven through the real USB
 * transport over an in-memory bus whose N-th transfer fails: every call must return a clear
 * status (never a signal, never a hang past its timeout), a handle to a gone kit keeps giving a
 * status, and a lost transfer can be retried. Each case runs in a forked child.
 *
 *   cc -std=c99 -I include Tests/c/test_faults.c -L build/lib -lcelesta -o test_faults */
#define _POSIX_C_SOURCE 200809L
#include <celesta.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#include "small_network.h"

static celesta_xylo_config_t *config;

/* The message of the first failure of drive() (later calls replace celesta_last_error()). */
static char first_message[1024];

static void make_config(void) {
    celesta_xylo_network_t *net = NULL;
    celesta_xylo_spec_t *spec = NULL;
    celesta_xylo_network_from_json(&net, NETWORK, strlen(NETWORK));
    celesta_xylo_map(&spec, net, "xa2", 0);
    celesta_xylo_spec_quantize(&config, spec, CELESTA_XYLO_QUANTIZE_GLOBAL, 8, 16);
    celesta_xylo_network_free(net);
    celesta_xylo_spec_free(spec);
}

/* Opens a faulty kit, applies the config and runs `runs` evolves of 200 steps; returns the
 * first failing status (0 if none) and counts the calls made. */
static int drive(const char *location, size_t timeout_ms, int runs, int *first_fail_run) {
    celesta_xylo_hdk_t *hdk = NULL;
    int status = celesta_xylo_hdk_open(&hdk, location, timeout_ms);
    *first_fail_run = -1;
    if (status != CELESTA_OK) {
        snprintf(first_message, sizeof first_message, "%s", celesta_last_error());
        return status;
    }
    status = celesta_xylo_hdk_apply(hdk, config, 1e-3);
    static int input[200 * 2], spikes[200 * 2];
    for (int i = 0; i < 400; ++i) input[i] = i % 3;
    for (int r = 0; status == CELESTA_OK && r < runs; ++r) {
        size_t len = 0;
        status = celesta_xylo_hdk_evolve(spikes, 400, &len, NULL, hdk, input, 400, 200, 0);
        if (status != CELESTA_OK) *first_fail_run = r;
    }
    first_message[0] = 0;
    if (status != CELESTA_OK) snprintf(first_message, sizeof first_message, "%s", celesta_last_error());
    if (status != CELESTA_OK) {
        /* The handle stays usable for statuses: more calls give a status, never a crash. */
        celesta_xylo_hdk_info_t info = CELESTA_INIT(celesta_xylo_hdk_info_t);
        int again = celesta_xylo_hdk_get_info(&info, hdk);
        size_t len = 0;
        int again2 = celesta_xylo_hdk_evolve(spikes, 400, &len, NULL, hdk, input, 400, 200, 0);
        CHECK((again == CELESTA_OK || celesta_last_error()[0] != '\0') && again2 <= 0, "calls after the fault");
    }
    celesta_xylo_hdk_free(hdk);
    return status;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void case_no_fault_works(void) {
    int run = 0;
    int status = drive("virtual:xa2?faults=unplug@100000", 1000, 3, &run);
    CHECK(status == CELESTA_OK, "a plan whose fault never comes: %s", celesta_last_error());
}

static void case_unplug_mid_run(void) {
    for (int n = 1; n <= 40; n += 3) {
        char where[64];
        snprintf(where, sizeof where, "virtual:xa2?faults=unplug@%d", n);
        int run = 0;
        int status = drive(where, 1000, 5, &run);
        CHECK(status == CELESTA_ERR_DEVICE && contains(first_message, "gone"),
              "unplug at transfer %d: %s (%s)", n, celesta_status_name(status), first_message);
    }
}

static void case_timeout_then_retry(void) {
    for (int n = 2; n <= 30; n += 4) {
        char where[64];
        snprintf(where, sizeof where, "virtual:xa2?faults=timeout@%d", n);
        celesta_xylo_hdk_t *hdk = NULL;
        int status = celesta_xylo_hdk_open(&hdk, where, 500);
        if (status == CELESTA_OK) status = celesta_xylo_hdk_apply(hdk, config, 1e-3);
        int first = status;
        /* A lost transfer is one failed call; the same call again works. */
        if (hdk != NULL && status != CELESTA_OK) status = celesta_xylo_hdk_apply(hdk, config, 1e-3);
        static int input[400], spikes[400];
        size_t len = 0;
        if (hdk != NULL && status == CELESTA_OK) status = celesta_xylo_hdk_evolve(spikes, 400, &len, NULL, hdk, input, 400, 200, 0);
        if (hdk != NULL && status != CELESTA_OK) {
            first = status;
            status = celesta_xylo_hdk_evolve(spikes, 400, &len, NULL, hdk, input, 400, 200, 0);
        }
        CHECK(first == CELESTA_OK || first == CELESTA_ERR_TIMEOUT || first == CELESTA_ERR_DEVICE,
              "timeout at %d: first failure %s (%s)", n, celesta_status_name(first), celesta_last_error());
        if (hdk != NULL) CHECK(status == CELESTA_OK, "timeout at %d: the retry: %s", n, celesta_last_error());
        celesta_xylo_hdk_free(hdk);
    }
}

static void case_corrupt_and_short_replies(void) {
    const char *kinds[] = {"corrupt", "short"};
    for (int k = 0; k < 2; ++k)
        for (int n = 1; n <= 30; n += 3) {
            char where[64];
            snprintf(where, sizeof where, "virtual:xa2?faults=%s@%d", kinds[k], n);
            int run = 0;
            double t0 = now();
            int status = drive(where, 300, 3, &run);
            CHECK((status == CELESTA_ERR_DEVICE || status == CELESTA_ERR_TIMEOUT) && first_message[0] != '\0',
                  "%s at %d: %s (%s)", kinds[k], n, celesta_status_name(status), first_message);
            if (n == 7) printf("  %s at %d: %s\n", kinds[k], n, first_message);
            CHECK(now() - t0 < 5.0, "%s at %d took %.1f s", kinds[k], n, now() - t0);
        }
}

static void case_stalled_device_times_out(void) {
    int run = 0;
    double t0 = now();
    int status = drive("virtual:xa2?faults=stall@8", 300, 3, &run);
    double took = now() - t0;
    CHECK(status == CELESTA_ERR_TIMEOUT && contains(first_message, "time"), "stall: %s (%s)",
          celesta_status_name(status), first_message);
    CHECK(took < 5.0, "the stall was given up after %.2f s", took);
}

static void case_bad_plan_is_refused(void) {
    celesta_xylo_hdk_t *hdk = NULL;
    int status = celesta_xylo_hdk_open(&hdk, "virtual:xa2?faults=melt@3", 100);
    CHECK(status == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "melt") && hdk == NULL,
          "bad plan: %s (%s)", celesta_status_name(status), celesta_last_error());
}

static void case_environment_variable(void) {
    setenv("CELESTA_HDK_FAULTS", "unplug@6", 1);
    int run = 0;
    int status = drive("virtual:xa2", 1000, 3, &run);
    CHECK(status == CELESTA_ERR_DEVICE, "CELESTA_HDK_FAULTS=unplug@6: %s", celesta_status_name(status));
    unsetenv("CELESTA_HDK_FAULTS");
    status = drive("virtual:xa2", 1000, 1, &run);
    CHECK(status == CELESTA_OK, "without it: %s", celesta_last_error());
}

/* A run of 10,000 steps is read from the kit in blocks of 4096 steps: a failure after the first
 * block keeps its output (celesta_xylo_hdk_partial_output), equal to the simulator's first
 * steps. The transfers of open + apply are found by bisection (apply succeeds iff the fault
 * comes after them); the run's transfers follow: configure, time step, then per block send,
 * process, read. */
enum { LONG_STEPS = 10000 };
static int long_input[LONG_STEPS * 2], long_spikes[LONG_STEPS * 2], sim_spikes[LONG_STEPS * 2];

static int applies_with_unplug_at(long n) {
    char where[64];
    snprintf(where, sizeof where, "virtual:xa2?faults=unplug@%ld", n);
    celesta_xylo_hdk_t *hdk = NULL;
    int status = celesta_xylo_hdk_open(&hdk, where, 1000);
    if (status == CELESTA_OK) status = celesta_xylo_hdk_apply(hdk, config, 1e-3);
    celesta_xylo_hdk_free(hdk);
    return status == CELESTA_OK;
}

/* The partial output after a run with the fault `kind` at transfer n: its steps, or -1 when the
 * run succeeded; checks it against the simulator. */
static long partial_steps(const char *kind, long n) {
    char where[64];
    snprintf(where, sizeof where, "virtual:xa2?faults=%s@%ld", kind, n);
    celesta_xylo_hdk_t *hdk = NULL;
    int status = celesta_xylo_hdk_open(&hdk, where, 300);
    if (status == CELESTA_OK) status = celesta_xylo_hdk_apply(hdk, config, 1e-3);
    CHECK(status == CELESTA_OK, "%s at %ld: apply: %s", kind, n, celesta_last_error());
    size_t len = 0;
    int run = celesta_xylo_hdk_evolve(long_spikes, sizeof long_spikes / sizeof *long_spikes, &len, NULL, hdk,
                                      long_input, LONG_STEPS * 2, LONG_STEPS, 0);
    size_t needed = 0;
    CHECK(celesta_xylo_hdk_partial_output(NULL, 0, &needed, hdk) == CELESTA_OK, "%s", celesta_last_error());
    static int partial[LONG_STEPS * 2];
    memset(partial, 0xFF, sizeof partial);
    CHECK(celesta_xylo_hdk_partial_output(partial, sizeof partial / sizeof *partial, &needed, hdk) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(needed % 2 == 0 && memcmp(partial, sim_spikes, needed * sizeof(int)) == 0, "%s at %ld: the partial output is the simulator's", kind, n);
    if (needed > 0) {
        int small[4];
        CHECK(celesta_xylo_hdk_partial_output(small, 4, &needed, hdk) == CELESTA_ERR_BUFFER_TOO_SMALL, "too small");
    }
    celesta_xylo_hdk_free(hdk);
    if (run == CELESTA_OK) {
        CHECK(needed == LONG_STEPS * 2, "after a run that succeeded: all of it (%zu)", needed);
        return -1;
    }
    return (long)needed / 2;
}

static int cancel_after_first(void *user, size_t done, size_t total) {
    (void)user;
    (void)total;
    return done >= 4096;
}

static void case_partial_output_after_a_failure(void) {
    for (int i = 0; i < LONG_STEPS * 2; ++i) long_input[i] = (i * 7 / 3) % 4;
    celesta_xylo_sim_t *sim = NULL;
    size_t len = 0;
    CHECK(celesta_xylo_sim_create(&sim, config) == CELESTA_OK
          && celesta_xylo_sim_evolve(sim_spikes, LONG_STEPS * 2, &len, NULL, sim, long_input, LONG_STEPS * 2, LONG_STEPS) == CELESTA_OK,
          "%s", celesta_last_error());
    celesta_xylo_sim_free(sim);
    long lo = 1, hi = 1 << 16; /* applies_with_unplug_at(hi) */
    while (lo < hi) {
        long mid = (lo + hi) / 2;
        if (applies_with_unplug_at(mid)) hi = mid; else lo = mid + 1;
    }
    printf("  open + apply take %ld transfers\n", lo - 1);
    const char *kinds[] = {"unplug", "timeout", "corrupt"};
    for (int k = 0; k < 3; ++k) {
        int seen[3] = {0, 0, 0}, other = 0;
        for (long n = lo; n < lo + 14; ++n) {
            long steps = partial_steps(kinds[k], n);
            if (steps == 0) seen[0] = 1;
            else if (steps == 4096) seen[1] = 1;
            else if (steps == 8192) seen[2] = 1;
            else if (steps != -1) other = 1;
        }
        CHECK(seen[0] && seen[1] && seen[2] && !other, "%s: partial outputs of 0, 4096 and 8192 steps (%d %d %d %d)", kinds[k],
              seen[0], seen[1], seen[2], other);
    }
    /* A cancelled run keeps its first block too; the next apply clears it. */
    celesta_xylo_hdk_t *hdk = NULL;
    CHECK(celesta_xylo_hdk_open(&hdk, "virtual:xa2", 1000) == CELESTA_OK && celesta_xylo_hdk_apply(hdk, config, 1e-3) == CELESTA_OK,
          "%s", celesta_last_error());
    size_t needed = 0;
    CHECK(celesta_xylo_hdk_partial_output(NULL, 0, &needed, hdk) == CELESTA_OK && needed == 0, "nothing before a run");
    celesta_xylo_hdk_set_progress(hdk, cancel_after_first, NULL);
    CHECK(celesta_xylo_hdk_evolve(long_spikes, LONG_STEPS * 2, &len, NULL, hdk, long_input, LONG_STEPS * 2, LONG_STEPS, 0)
          == CELESTA_ERR_CANCELLED, "cancelled");
    CHECK(celesta_xylo_hdk_partial_output(NULL, 0, &needed, hdk) == CELESTA_OK && needed == 4096 * 2, "cancelled: %zu", needed);
    CHECK(celesta_xylo_hdk_apply(hdk, config, 1e-3) == CELESTA_OK && celesta_xylo_hdk_partial_output(NULL, 0, &needed, hdk) == CELESTA_OK
          && needed == 0, "apply clears it");
    CHECK(celesta_xylo_hdk_partial_output(NULL, 0, NULL, hdk) == CELESTA_ERR_NULL_POINTER, "NULL len");
    CHECK(celesta_xylo_hdk_partial_output(NULL, 0, &needed, NULL) == CELESTA_ERR_NULL_POINTER, "NULL hdk");
    celesta_xylo_hdk_free(hdk);
}

typedef struct {
    const char *name;
    void (*run)(void);
} test_case;

static const test_case CASES[] = {
    {"no_fault_works", case_no_fault_works},
    {"unplug_mid_run", case_unplug_mid_run},
    {"timeout_then_retry", case_timeout_then_retry},
    {"corrupt_and_short_replies", case_corrupt_and_short_replies},
    {"stalled_device_times_out", case_stalled_device_times_out},
    {"bad_plan_is_refused", case_bad_plan_is_refused},
    {"environment_variable", case_environment_variable},
    {"partial_output_after_a_failure", case_partial_output_after_a_failure},
};

int main(int argc, char **argv) {
    int bad = 0;
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; ++i) {
        if (argc > 1 && strcmp(argv[1], CASES[i].name) != 0) continue;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            alarm(60);
            make_config();
            CASES[i].run();
            printf("%s: %d passed, %d failed\n", CASES[i].name, passed, failed);
            fflush(stdout);
            _exit(failed == 0 ? 0 : 1);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        if (WIFSIGNALED(st) || WEXITSTATUS(st) != 0) {
            printf("FAIL %s: %s %d\n", CASES[i].name, WIFSIGNALED(st) ? "signal" : "exit",
                   WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
            ++bad;
        }
    }
    printf("test_faults: %d case(s) failed\n", bad);
    return bad == 0 ? 0 : 1;
}
