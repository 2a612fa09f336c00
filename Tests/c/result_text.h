/* result_text.h: a backend result's JSON text for the C harnesses of the backend calls. */
#ifndef CELESTA_TEST_RESULT_TEXT_H
#define CELESTA_TEST_RESULT_TEXT_H

#include <stdlib.h>

#include <celesta.h>

/* The result's JSON (malloc'd), or NULL; frees the result. */
static char *take_text(celesta_backend_result_t *r) {
    size_t len = 0;
    char *buf = NULL;
    if (celesta_backend_result_json(NULL, 0, &len, r) == CELESTA_OK) {
        buf = malloc(len);
        if (celesta_backend_result_json(buf, len, &len, r) != CELESTA_OK) {
            free(buf);
            buf = NULL;
        }
    }
    celesta_backend_result_free(r);
    return buf;
}

#endif
