/* call_overhead.c: cost of a C ABI round trip (celesta_xylo_chip_find, celesta_xylo_chip_info). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <time.h>

#include <celesta.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(void) {
    const int n = 1000000;
    celesta_xylo_chip_info_t info = CELESTA_INIT(celesta_xylo_chip_info_t);
    double t0 = now();
    for (int i = 0; i < n; ++i)
        if (celesta_xylo_chip_info(&info, (size_t)(i % 3)) != CELESTA_OK) return 1;
    double t1 = now();
    for (int i = 0; i < n; ++i)
        if (celesta_xylo_chip_find(&info, "xa3") != CELESTA_OK) return 1;
    double t2 = now();
    printf("C   celesta_xylo_chip_info   %8.1f ns/call\n", (t1 - t0) / n * 1e9);
    printf("C   celesta_xylo_chip_find   %8.1f ns/call\n", (t2 - t1) / n * 1e9);
    return 0;
}
