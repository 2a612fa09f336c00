/* cases.h: reading the reference cases that scripts/extract_case.py writes (one folder per
 * case: config.json and NAME.txt matrices "rows cols v v v ..."). */
#ifndef CELESTA_TEST_CASES_H
#define CELESTA_TEST_CASES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <celesta.h>

/* Reads "rows cols" then rows*cols ints; returns a malloc'd array or NULL if absent. */
static int32_t *read_matrix(const char *dir, const char *name, size_t *rows, size_t *cols) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.txt", dir, name);
    FILE *f = fopen(path, "r");
    if (f == NULL) return NULL;
    if (fscanf(f, "%zu %zu", rows, cols) != 2) {
        fclose(f);
        return NULL;
    }
    size_t n = *rows * *cols;
    int32_t *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; v != NULL && i < n; ++i)
        if (fscanf(f, "%d", &v[i]) != 1) v[i] = -999999;
    fclose(f);
    return v;
}

static int equal(const int32_t *a, const int32_t *b, size_t n, size_t *at) {
    for (size_t i = 0; i < n; ++i)
        if (a[i] != b[i]) {
            *at = i;
            return 0;
        }
    return 1;
}

/* A tiny valid Xylo Audio 2 configuration over the caller's arrays: 1 input, 2 hidden, 1 output. */
static celesta_xylo_config_desc_t tiny(int32_t *w_in, int32_t *w_rec, int32_t *w_out, int32_t *dash, int32_t *thr,
                                  int32_t *dash_o, int32_t *thr_o) {
    celesta_xylo_config_desc_t d = CELESTA_INIT(celesta_xylo_config_desc_t);
    memset(&d, 0, sizeof d);
    d.struct_size = sizeof d;
    d.chip = "xa2";
    d.n_in = 1; d.n_hidden = 2; d.n_out = 1; d.n_syn = 1; d.n_ien = 2; d.n_oen = 2;
    d.weights_in = w_in; d.weights_in_len = 2;
    d.weights_rec = w_rec; d.weights_rec_len = 4;
    d.weights_out = w_out; d.weights_out_len = 2;
    d.dash_mem = dash; d.dash_mem_len = 2;
    d.dash_syn = dash; d.dash_syn_len = 2;
    d.threshold = thr; d.threshold_len = 2;
    d.dash_mem_out = dash_o; d.dash_mem_out_len = 1;
    d.dash_syn_out = dash_o; d.dash_syn_out_len = 1;
    d.threshold_out = thr_o; d.threshold_out_len = 1;
    d.dt = 1e-3;
    d.bias_enabled = -1;
    return d;
}

#endif
