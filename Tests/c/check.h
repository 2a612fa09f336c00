/* check.h: the counting CHECK macro of the C test harnesses; each test program closes with
 * printf("%d passed, %d failed\n", passed, failed). */
#ifndef CELESTA_TEST_CHECK_H
#define CELESTA_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int passed = 0, failed = 0;

#define CHECK(cond, ...)                                           \
    do {                                                           \
        if (cond) {                                                \
            ++passed;                                              \
        } else {                                                   \
            ++failed;                                              \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            printf(__VA_ARGS__);                                   \
            printf("\n");                                          \
        }                                                          \
    } while (0)

/* True when needle occurs in haystack (a NULL haystack contains nothing). */
static int contains(const char *haystack, const char *needle) {
    return haystack != NULL && strstr(haystack, needle) != NULL;
}

#endif
