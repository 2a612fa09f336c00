/* progress.h: a celesta_progress_fn for the C harnesses that logs its calls and cancels on
 * request, and a check that a cancelled call left a buffer untouched. */
#ifndef CELESTA_TEST_PROGRESS_H
#define CELESTA_TEST_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

/* What on_progress saw: `ordered` stays 1 while every `done` grows and is at most `total`, and
 * `total` never changes; `steady` likewise, but lets `done` repeat (a long stage that reports
 * so that a cancel is seen in time). With `cancel_at` non-zero the call with that number
 * cancels. */
typedef struct {
    size_t calls, last_done, total, cancel_at;
    int ordered, steady;
} progress_log;

/* A fresh log that cancels at call `cancel_at` (0: never). */
static progress_log progress_start(size_t cancel_at) {
    progress_log log = {0, 0, 0, cancel_at, 1, 1};
    return log;
}

static int on_progress(void *user, size_t done, size_t total) {
    progress_log *log = user;
    if (done <= log->last_done || done > total || (log->calls > 0 && total != log->total)) log->ordered = 0;
    if (done < log->last_done || done > total || (log->calls > 0 && total != log->total)) log->steady = 0;
    log->calls++;
    log->last_done = done;
    log->total = total;
    return log->cancel_at != 0 && log->calls >= log->cancel_at;
}

/* True when each of the `n` values of `a` is still `sentinel`. */
static int still_sentinel(const int32_t *a, size_t n, int32_t sentinel) {
    for (size_t i = 0; i < n; ++i)
        if (a[i] != sentinel) return 0;
    return 1;
}

#endif
