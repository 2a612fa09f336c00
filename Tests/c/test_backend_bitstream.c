/* test_backend_bitstream.c: the fpga backend's build_bitstream through the C ABI
 * (celesta_backend_build_bitstream): the result's keys and texts, no files without
 * CELESTA_BACKEND_WRITE_TO_DISK, the written project (paths as TALON lists them, TALON's
 * hls4ml_config.json text), a folder that is not empty refused unless CELESTA_BACKEND_OVERWRITE,
 * TALON's merge with CELESTA_IR_TALON_COMPATIBLE, a failed write that leaves nothing, the
 * descriptor written with celesta_backend_result_write(), and every error path.
 * Usage: test_backend_bitstream SCRATCH_DIR (the project goes to SCRATCH_DIR/prj-<pid>) */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <celesta.h>

#include "check.h"
#include "result_text.h"

static int exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* The text of a file (malloc'd), or NULL. */
static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    size_t got = fread(buf, 1, (size_t)size, f);
    buf[got] = 0;
    fclose(f);
    return buf;
}

/* build_bitstream with `options` and `flags`; the JSON (malloc'd) or NULL, the status in *status. */
static char *build(const celesta_ir_graph_t *g, const char *options, int flags, int *status) {
    celesta_backend_result_t *r = NULL;
    *status = celesta_backend_build_bitstream(&r, g, options, options ? strlen(options) : 0, flags);
    return *status == CELESTA_OK ? take_text(r) : NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_backend_bitstream SCRATCH_DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    char options[4096], path[2048], prj[512];
    if (strlen(dir) > 400) {
        fprintf(stderr, "test_backend_bitstream: SCRATCH_DIR is too long\n");
        return 2;
    }
    snprintf(prj, sizeof prj, "%s/prj-%ld", dir, (long)getpid());

    /* Input 3 -> Affine 2x3 (one zero weight) -> LIF 2 -> Output. */
    float w[6] = {0.9f, 0.0f, 0.5f, 0.3f, 0.8f, 0.6f}, b[2] = {0, 0}, tau[2] = {8, 8}, r[2] = {1, 1}, vl[2] = {0, 0}, th[2] = {0.5f, 1};
    int64_t wshape[2] = {2, 3}, vshape[1] = {2};
    celesta_ir_array_t arrays[6] = {
        {sizeof(celesta_ir_array_t), "float32", w, 2, wshape},   {sizeof(celesta_ir_array_t), "float32", b, 1, vshape},
        {sizeof(celesta_ir_array_t), "float32", tau, 1, vshape}, {sizeof(celesta_ir_array_t), "float32", r, 1, vshape},
        {sizeof(celesta_ir_array_t), "float32", vl, 1, vshape},  {sizeof(celesta_ir_array_t), "float32", th, 1, vshape},
    };
    const char *doc = "{\"nodes\": [{\"name\": \"in\", \"type\": \"Input\", \"fields\": {}, \"input_type\": {\"input\": [3]}},"
                      "{\"name\": \"fc\", \"type\": \"Affine\", \"fields\": {\"weight\": {\"$array\": 0}, \"bias\": {\"$array\": 1},"
                      " \"reuse_factor\": 2}},"
                      "{\"name\": \"lif\", \"type\": \"LIF\", \"fields\": {\"tau\": {\"$array\": 2}, \"r\": {\"$array\": 3},"
                      " \"v_leak\": {\"$array\": 4}, \"v_threshold\": {\"$array\": 5}}},"
                      "{\"name\": \"out\", \"type\": \"Output\", \"fields\": {}, \"output_type\": {\"output\": [2]}}],"
                      "\"edges\": [[\"in\", \"fc\"], [\"fc\", \"lif\"], [\"lif\", \"out\"]]}";
    celesta_ir_graph_t *g = NULL;
    CHECK(celesta_ir_graph_from_json(&g, doc, strlen(doc), arrays, 6, 0) == CELESTA_OK, "%s", celesta_last_error());
    snprintf(options, sizeof options,
             "{\"settings\": {\"output_dir\": \"%s\", \"project_name\": \"snn\", \"clock_period\": 4, \"io_type\": \"io_parallel\","
             " \"bitstream\": {\"csim\": true, \"synth\": true, \"cosim\": false, \"export\": true, \"vsynth\": false, \"bitfile\": false}}}",
             prj);

    /* Without CELESTA_BACKEND_WRITE_TO_DISK: the texts, no written_files, nothing on disk. */
    int status = 0;
    char *t = build(g, options, 0, &status);
    CHECK(status == CELESTA_OK && t != NULL, "%s", celesta_last_error());
    CHECK(t != NULL && strncmp(t, "{\"hls4ml_config\": {", 19) == 0 && contains(t, "\"parameters_h\": \"#ifndef PARAMETERS_H_"), "%s", t);
    CHECK(contains(t, "static const unsigned n_nonzeros = 5;") && contains(t, "static const unsigned io_type = nnet::io_parallel;"), "%s", t);
    CHECK(contains(t, "static const unsigned reuse_factor = 2;") && contains(t, "static constexpr float threshold = 0.5f;"), "%s", t);
    CHECK(contains(t, "static constexpr float leak = 0.875000f;") && contains(t, "\"template_paths\": [\"firmware/nnet_utils/if_model.h\""), "%s", t);
    CHECK(contains(t, "array set opt {csim 1 synth 1 cosim 0 export 1 vsynth 0 bitfile 0}") && contains(t, "set_clock_uncertainty 0.50"), "%s", t);
    CHECK(contains(t, "\"descriptor\": {") && !contains(t, "written_files"), "%s", t);
    CHECK(!exists(prj), "nothing written");
    free(t);

    /* Written: TALON's paths and hls4ml_config.json. */
    t = build(g, options, CELESTA_BACKEND_WRITE_TO_DISK, &status);
    CHECK(status == CELESTA_OK && t != NULL, "%s", celesta_last_error());
    snprintf(path, sizeof path, "\"written_files\": [\"%s/firmware/parameters.h\", \"%s/firmware/nnet_utils/if_model.h\"", prj, prj);
    CHECK(contains(t, path), "%s", t);
    snprintf(path, sizeof path, "\"%s/build_prj.tcl\", \"%s/hls4ml_config.json\"]", prj, prj);
    CHECK(contains(t, path), "%s", t);
    free(t);
    snprintf(path, sizeof path, "%s/hls4ml_config.json", prj);
    char *json = slurp(path);
    CHECK(json != NULL && strncmp(json, "{\n  \"OutputDir\": ", 17) == 0 && contains(json, "\"InputShape\": \"None, 3\"\n  },\n  \"PytorchModel\": \"./model.pt\"\n}"),
          "%s", json ? json : "(missing)");
    free(json);
    const char *files[] = {"firmware/parameters.h", "firmware/nnet_utils/if_model.h", "firmware/nnet_utils/lif_model.h",
                           "firmware/nnet_utils/lif_subtractive_model.h", "firmware/nnet_utils/complex_lif.h", "build.py", "build_prj.tcl"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", prj, files[i]);
        CHECK(exists(path), "%s", path);
    }

    /* A folder that is not empty: refused; overwrite replaces it; TALON's mode writes into it. */
    snprintf(path, sizeof path, "%s/mine.txt", prj);
    FILE *f = fopen(path, "w");
    fputs("keep", f);
    fclose(f);
    t = build(g, options, CELESTA_BACKEND_WRITE_TO_DISK, &status);
    CHECK(status == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "not empty") && exists(path), "%s", celesta_last_error());
    t = build(g, options, CELESTA_BACKEND_WRITE_TO_DISK | CELESTA_IR_TALON_COMPATIBLE, &status);
    CHECK(status == CELESTA_OK && exists(path), "%s", celesta_last_error());
    free(t);
    t = build(g, options, CELESTA_BACKEND_WRITE_TO_DISK | CELESTA_BACKEND_OVERWRITE, &status);
    CHECK(status == CELESTA_OK && !exists(path), "%s", celesta_last_error());
    free(t);

    /* A failed write (the parent is a file) leaves nothing behind. */
    snprintf(path, sizeof path, "%s/blocker", dir);
    f = fopen(path, "w");
    fputs("x", f);
    fclose(f);
    snprintf(options, sizeof options, "{\"settings\": {\"output_dir\": \"%s/blocker/prj\"}}", dir);
    t = build(g, options, CELESTA_BACKEND_WRITE_TO_DISK, &status);
    CHECK(status == CELESTA_ERR_IO && contains(celesta_last_error(), "blocker/prj"), "%d %s", status, celesta_last_error());
    char *blocker = slurp(path);
    CHECK(blocker != NULL && strcmp(blocker, "x") == 0, "the blocking file is untouched");
    free(blocker);

    /* The descriptor of the result, written as TALON's to_json. */
    celesta_backend_result_t *res = NULL;
    CHECK(celesta_backend_build_bitstream(&res, g, NULL, 0, 0) == CELESTA_OK, "%s", celesta_last_error());
    snprintf(path, sizeof path, "%s/descriptor.json", dir);
    CHECK(celesta_backend_result_write(res, path, CELESTA_BACKEND_DESCRIPTOR_JSON, 0) == CELESTA_OK, "%s", celesta_last_error());
    json = slurp(path);
    CHECK(contains(json, "\"backend\": \"fpga\"") && contains(json, "\"bitfile\": true") && contains(json, "\"csim\": false"), "%s", json);
    free(json);
    celesta_backend_result_free(res);

    /* Errors. */
    CHECK(celesta_backend_build_bitstream(NULL, g, NULL, 0, 0) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "'out'"),
          "%s", celesta_last_error());
    res = NULL;
    CHECK(celesta_backend_build_bitstream(&res, NULL, NULL, 0, 0) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "'graph'"),
          "%s", celesta_last_error());
    CHECK(celesta_backend_build_bitstream(&res, g, NULL, 0, 8) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "'flags'"),
          "%s", celesta_last_error());
    t = build(g, "{\"settings\": {\"bitstream\": {\"csim\": 1}}}", 0, &status);
    CHECK(status == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "'bitstream'"), "%s", celesta_last_error());
    t = build(g, "{\"settings\": {\"output_dir\": \"\"}}", CELESTA_BACKEND_WRITE_TO_DISK, &status);
    CHECK(status == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "'output_dir'"), "%s", celesta_last_error());
    t = build(g, "{\"settings\": ", 0, &status);
    CHECK(status == CELESTA_ERR_PARSE, "%d %s", status, celesta_last_error());
    t = build(g, "{\"settings\": {\"project\": \"x\"}}", 0, &status);
    CHECK(status == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "'project'"), "%s", celesta_last_error());

    /* An IF node: TALON's validation message. */
    const char *if_doc = "{\"nodes\": [{\"name\": \"in\", \"type\": \"Input\", \"fields\": {}, \"input_type\": {\"input\": [2]}},"
                         "{\"name\": \"spk\", \"type\": \"IF\", \"fields\": {\"v_threshold\": {\"$array\": 0}}},"
                         "{\"name\": \"out\", \"type\": \"Output\", \"fields\": {}, \"output_type\": {\"output\": [2]}}],"
                         "\"edges\": [[\"in\", \"spk\"], [\"spk\", \"out\"]]}";
    celesta_ir_graph_t *gif = NULL;
    CHECK(celesta_ir_graph_from_json(&gif, if_doc, strlen(if_doc), arrays + 5, 1, 0) == CELESTA_OK, "%s", celesta_last_error());
    t = build(gif, NULL, 0, &status);
    CHECK(status == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "Graph validation failed: ['spk']."), "%s", celesta_last_error());
    celesta_ir_graph_free(gif);
    celesta_ir_graph_free(g);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
