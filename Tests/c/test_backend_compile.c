/* test_backend_compile.c: a backend's compile through the C ABI (celesta_backend_compile):
 * TALON's cpu descriptor, the fpga hls4ml descriptor, a Xylo chip's map + quantize +
 * configuration, the descriptor's files (celesta_backend_result_write: to_json, to_binary with
 * the weights, TALON's binary without), validation with TALON's checks
 * (celesta_backend_validate_flags_json), and every error path of these calls.
 * Usage: test_backend_compile SCRATCH_DIR */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <celesta.h>

#include "check.h"

/* The result's JSON (malloc'd), or NULL. */
static char *result_text(const celesta_backend_result_t *r) {
    size_t len = 0;
    if (celesta_backend_result_json(NULL, 0, &len, r) != CELESTA_OK) return NULL;
    char *buf = malloc(len);
    if (celesta_backend_result_json(buf, len, &len, r) != CELESTA_OK) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Compiles on `name`; returns the JSON (malloc'd) or NULL, the status in *status. */
static char *compile(const celesta_ir_graph_t *g, const char *name, const char *options, int *status) {
    celesta_backend_result_t *r = NULL;
    *status = celesta_backend_compile(&r, name, g, options, options ? strlen(options) : 0);
    if (*status != CELESTA_OK) return NULL;
    char *text = result_text(r);
    celesta_backend_result_free(r);
    return text;
}

/* The bytes of a file (malloc'd) and its size. */
static unsigned char *slurp(const char *path, long *size) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    *size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)*size + 1);
    if (fread(buf, 1, (size_t)*size, f) != (size_t)*size) *size = -1;
    buf[*size < 0 ? 0 : *size] = 0;
    fclose(f);
    return buf;
}

static uint32_t le32(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_backend_compile SCRATCH_DIR\n");
        return 2;
    }
    char path[1024], bin[1024], talon[1024];
    snprintf(path, sizeof path, "%s/descriptor.json", argv[1]);
    snprintf(bin, sizeof bin, "%s/descriptor.bin", argv[1]);
    snprintf(talon, sizeof talon, "%s/talon.bin", argv[1]);

    /* Input 3 -> Affine 2x3 -> LIF 2 -> Output (TALON's primitives). */
    float w[6] = {0.9f, 0.2f, 0.5f, 0.3f, 0.8f, 0.6f}, b[2] = {0, 0}, tau[2] = {8, 8}, r[2] = {8, 8}, vl[2] = {0, 0}, th[2] = {1, 1};
    int64_t wshape[2] = {2, 3}, vshape[1] = {2};
    celesta_ir_array_t arrays[6] = {
        {sizeof(celesta_ir_array_t), "float32", w, 2, wshape},   {sizeof(celesta_ir_array_t), "float32", b, 1, vshape},
        {sizeof(celesta_ir_array_t), "float32", tau, 1, vshape}, {sizeof(celesta_ir_array_t), "float32", r, 1, vshape},
        {sizeof(celesta_ir_array_t), "float32", vl, 1, vshape},  {sizeof(celesta_ir_array_t), "float32", th, 1, vshape},
    };
    const char *doc = "{\"nodes\": [{\"name\": \"in\", \"type\": \"Input\", \"fields\": {}, \"input_type\": {\"input\": [3]}},"
                      "{\"name\": \"fc\", \"type\": \"Affine\", \"fields\": {\"weight\": {\"$array\": 0}, \"bias\": {\"$array\": 1}}},"
                      "{\"name\": \"lif\", \"type\": \"LIF\", \"fields\": {\"tau\": {\"$array\": 2}, \"r\": {\"$array\": 3},"
                      " \"v_leak\": {\"$array\": 4}, \"v_threshold\": {\"$array\": 5}, \"precision\": \"int16\"}},"
                      "{\"name\": \"out\", \"type\": \"Output\", \"fields\": {}, \"output_type\": {\"output\": [2]}}],"
                      "\"edges\": [[\"in\", \"fc\"], [\"fc\", \"lif\"], [\"lif\", \"out\"]]}";
    celesta_ir_graph_t *g = NULL;
    CHECK(celesta_ir_graph_from_json(&g, doc, strlen(doc), arrays, 6, 0) == CELESTA_OK, "%s", celesta_last_error());

    /* cpu: TALON's descriptor, the node's own precision first, the schedule in topological order. */
    int status = 0;
    char *t = compile(g, "cpu", NULL, &status);
    CHECK(status == CELESTA_OK && t != NULL, "%s", celesta_last_error());
    CHECK(contains(t, "\"backend\": \"cpu\"") && contains(t, "\"execution_mode\": \"dag\"") && contains(t, "\"optimize_for\": \"latency\""), "%s", t);
    CHECK(contains(t, "\"num_nodes\": 4") && contains(t, "\"num_edges\": 3"), "%s", t);
    CHECK(contains(t, "\"execution_schedule\": {\"0\": [[\"fc\", \"lif\"]]}"), "%s", t);
    CHECK(contains(t, "\"node_name\": \"fc\", \"node_type\": \"Affine\", \"core_id\": 0, \"precision\": \"int8\""), "%s", t);
    CHECK(contains(t, "\"node_name\": \"lif\", \"node_type\": \"LIF\", \"core_id\": 0, \"precision\": \"int16\""), "%s", t);
    CHECK(contains(t, "\"fc.weight\": {\"$tensor\"") && contains(t, "\"lif.v_threshold\"") && !contains(t, "\"in.") && !contains(t, "\"out."), "%s", t);
    free(t);
    t = compile(g, "cpu", "{\"execution_mode\": \"cyclic\", \"target_precision\": \"int4\", \"optimize_for\": \"energy\"}", &status);
    CHECK(status == CELESTA_OK && contains(t, "\"execution_mode\": \"cyclic\"") && contains(t, "\"precision\": \"int4\"")
          && contains(t, "\"optimize_for\": \"energy\""), "%s", t ? t : celesta_last_error());
    free(t);

    /* The files: to_json, to_binary with the weights, and TALON's binary. */
    celesta_backend_result_t *res = NULL;
    CHECK(celesta_backend_compile(&res, "cpu", g, "{}", 2) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(celesta_backend_result_write(res, path, CELESTA_BACKEND_DESCRIPTOR_JSON, 0) == CELESTA_OK, "%s", celesta_last_error());
    long size = 0;
    unsigned char *file = slurp(path, &size);
    CHECK(file != NULL && strncmp((char *)file, "{\n  \"version\": \"1.0\",\n  \"metadata\": {\n    \"backend\": \"cpu\",", 56) == 0, "%s", file);
    CHECK(contains((char *)file, "\"shape\": [\n") && contains((char *)file, "\"dtype\": \"float32\"") && contains((char *)file, "8.0,"), "%s", file);
    free(file);
    CHECK(celesta_backend_result_write(res, talon, CELESTA_BACKEND_DESCRIPTOR_BINARY, CELESTA_IR_TALON_COMPATIBLE) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(celesta_backend_result_write(res, bin, CELESTA_BACKEND_DESCRIPTOR_BINARY, 0) == CELESTA_OK, "%s", celesta_last_error());
    long tsize = 0;
    unsigned char *tb = slurp(talon, &tsize);
    file = slurp(bin, &size);
    CHECK(tb != NULL && tsize > 14 && memcmp(tb, "T1CB\1\0", 6) == 0, "TALON's binary");
    /* TALON's file: magic, version, metadata length and JSON, number of configs (2): nothing after. */
    CHECK(tb != NULL && tsize == 4 + 2 + 4 + (long)le32(tb + 6) + 4 && le32(tb + tsize - 4) == 2, "TALON's binary is %ld bytes", tsize);
    /* Celesta's goes on with the weights: 6 records (fc.weight, fc.bias, lif.tau, .r, .v_leak, .v_threshold). */
    CHECK(file != NULL && size > tsize && memcmp(file, tb, (size_t)tsize) == 0 && le32(file + tsize) == 6, "binary %ld bytes", size);
    CHECK(file != NULL && size > tsize + 4 + 11 && memcmp(file + tsize + 8, "0/fc.weight", 11) == 0, "first record");
    free(file);
    free(tb);
    /* A failed write leaves the file as it was. */
    CHECK(celesta_backend_result_write(res, path, 7, 0) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "'format'"), "%s", celesta_last_error());
    CHECK(celesta_backend_result_write(res, path, 0, 4) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "'flags'"), "%s", celesta_last_error());
    CHECK(celesta_backend_result_write(res, "/nonexistent-dir/x.json", 0, 0) == CELESTA_ERR_IO && contains(celesta_last_error(), "/nonexistent-dir/x.json"), "%s", celesta_last_error());
    CHECK(celesta_backend_result_write(res, NULL, 0, 0) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "'path'"), "%s", celesta_last_error());
    CHECK(celesta_backend_result_write(NULL, path, 0, 0) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "'result'"), "%s", celesta_last_error());
    file = slurp(path, &size);
    CHECK(file != NULL && strncmp((char *)file, "{\n  \"version\"", 13) == 0, "the JSON file is intact");
    free(file);
    celesta_backend_result_free(res);

    /* A simulate result holds no descriptor. */
    res = NULL;
    CHECK(celesta_backend_simulate(&res, "cpu", g, "{\"n_steps\": 2}", 14, NULL, 0) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(celesta_backend_result_write(res, path, 0, 0) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "celesta_backend_compile"), "%s", celesta_last_error());
    celesta_backend_result_free(res);

    /* fpga: the hls4ml configuration; settings are checked. */
    t = compile(g, "fpga", "{\"settings\": {\"project_name\": \"snn\", \"clock_period\": 4, \"bitstream\": {\"csim\": true, \"synth\": true,"
                " \"cosim\": false, \"export\": true, \"vsynth\": false, \"bitfile\": false}}}", &status);
    CHECK(status == CELESTA_OK && t != NULL, "%s", celesta_last_error());
    CHECK(contains(t, "\"ProjectName\": \"snn\"") && contains(t, "\"ClockPeriod\": 4") && contains(t, "\"InputShape\": [3]"), "%s", t);
    CHECK(contains(t, "{\"class_name\": \"Dense\", \"name\": \"fc\", \"n_in\": 3, \"n_out\": 2}") && contains(t, "\"class_name\": \"H_LIF\""), "%s", t);
    CHECK(contains(t, "\"leak\": 0.875") && contains(t, "\"zcu102\": \"xczu9eg-ffvb1156-2-i\"") && contains(t, "\"build_script\": \"#!/usr/bin/env python3"), "%s", t);
    free(t);
    t = compile(g, "fpga", "{\"settings\": {\"project\": \"x\"}}", &status);
    CHECK(status == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "'project'") && contains(celesta_last_error(), "project_name"), "%s", celesta_last_error());
    t = compile(g, "fpga", "{\"settings\": {\"bitstream\": {\"csim\": 1}}}", &status);
    CHECK(status == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "'bitstream'"), "%s", celesta_last_error());
    t = compile(g, "cpu", "{\"settings\": {\"dt\": 1}}", &status);
    CHECK(status == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "'dt'"), "%s", celesta_last_error());

    /* An IF node: the fpga refuses the graph with TALON's message. */
    const char *if_doc = "{\"nodes\": [{\"name\": \"in\", \"type\": \"Input\", \"fields\": {}, \"input_type\": {\"input\": [2]}},"
                         "{\"name\": \"spk\", \"type\": \"IF\", \"fields\": {\"v_threshold\": {\"$array\": 0}}},"
                         "{\"name\": \"out\", \"type\": \"Output\", \"fields\": {}, \"output_type\": {\"output\": [2]}}],"
                         "\"edges\": [[\"in\", \"spk\"], [\"spk\", \"out\"]]}";
    celesta_ir_graph_t *gif = NULL;
    CHECK(celesta_ir_graph_from_json(&gif, if_doc, strlen(if_doc), arrays + 5, 1, 0) == CELESTA_OK, "%s", celesta_last_error());
    t = compile(gif, "fpga", NULL, &status);
    CHECK(status == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "Graph validation failed: ['spk']. Supported: ['Affine', 'AvgPool2d',"),
          "%s", celesta_last_error());

    /* A Xylo chip (two neuron layers: hidden and output): map + quantize + configuration. */
    float w2[4] = {0.9f, 0.1f, 0.2f, 0.8f};
    int64_t w2shape[2] = {2, 2};
    celesta_ir_array_t arrays2[7] = {arrays[0], arrays[1], arrays[2], arrays[3], arrays[4], arrays[5], {sizeof(celesta_ir_array_t), "float32", w2, 2, w2shape}};
    const char *doc2 = "{\"nodes\": [{\"name\": \"in\", \"type\": \"Input\", \"fields\": {}, \"input_type\": {\"input\": [3]}},"
                       "{\"name\": \"fc\", \"type\": \"Affine\", \"fields\": {\"weight\": {\"$array\": 0}, \"bias\": {\"$array\": 1}}},"
                       "{\"name\": \"lif\", \"type\": \"LIF\", \"fields\": {\"tau\": {\"$array\": 2}, \"r\": {\"$array\": 3},"
                       " \"v_leak\": {\"$array\": 4}, \"v_threshold\": {\"$array\": 5}}},"
                       "{\"name\": \"fc2\", \"type\": \"Affine\", \"fields\": {\"weight\": {\"$array\": 6}, \"bias\": {\"$array\": 1}}},"
                       "{\"name\": \"lif2\", \"type\": \"LIF\", \"fields\": {\"tau\": {\"$array\": 2}, \"r\": {\"$array\": 3},"
                       " \"v_leak\": {\"$array\": 4}, \"v_threshold\": {\"$array\": 5}}},"
                       "{\"name\": \"out\", \"type\": \"Output\", \"fields\": {}, \"output_type\": {\"output\": [2]}}],"
                       "\"edges\": [[\"in\", \"fc\"], [\"fc\", \"lif\"], [\"lif\", \"fc2\"], [\"fc2\", \"lif2\"], [\"lif2\", \"out\"]]}";
    celesta_ir_graph_t *g2 = NULL;
    CHECK(celesta_ir_graph_from_json(&g2, doc2, strlen(doc2), arrays2, 7, 0) == CELESTA_OK, "%s", celesta_last_error());
    t = compile(g2, "xylo-a3", "{\"settings\": {\"dt\": 1.0}}", &status);
    CHECK(status == CELESTA_OK && t != NULL, "%s", celesta_last_error());
    CHECK(contains(t, "\"chip\": \"syns65302\"") && contains(t, "\"weights_in\": {\"$tensor\": {\"dtype\": \"int64\", \"shape\": [3, ")
          && contains(t, "\"weight_shift_in\"") && contains(t, "\"aliases\""), "%s", t);
    free(t);
    t = compile(g2, "xylo-a3", "{\"settings\": {\"dt\": -1}}", &status);
    CHECK(status == CELESTA_ERR_OUT_OF_RANGE && contains(celesta_last_error(), "'dt'"), "%s", celesta_last_error());

    /* Validation with TALON's checks: an empty graph is invalid with warnings only. */
    celesta_ir_graph_t *empty = NULL;
    CHECK(celesta_ir_graph_create(&empty) == CELESTA_OK, "%s", celesta_last_error());
    char text[1024];
    size_t len = 0;
    CHECK(celesta_backend_validate_flags_json(text, sizeof text, &len, "cpu", empty, CELESTA_IR_TALON_COMPATIBLE) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(strcmp(text, "{\"is_valid\": false, \"unsupported_nodes\": [], \"errors\": [], \"warnings\": [\"Graph has no nodes\", \"Graph has no edges\"]}") == 0, "%s", text);
    CHECK(celesta_backend_validate_flags_json(text, sizeof text, &len, "cpu", empty, 0) == CELESTA_OK && contains(text, "\"errors\": [\"Graph has no nodes\"]"), "%s", text);
    CHECK(celesta_backend_validate_flags_json(text, sizeof text, &len, "fpga", gif, 0) == CELESTA_OK
          && contains(text, "\"unsupported_nodes\": [\"spk\"]") && contains(text, "IF not supported by FPGA backend"), "%s", text);
    CHECK(celesta_backend_validate_flags_json(text, sizeof text, &len, "cpu", g, 2) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "'flags'"), "%s", celesta_last_error());
    CHECK(celesta_backend_validate_flags_json(text, sizeof text, &len, "gpu", g, 0) == CELESTA_ERR_NOT_FOUND && contains(celesta_last_error(), "'gpu'"), "%s", celesta_last_error());
    CHECK(celesta_backend_validate_flags_json(text, 4, &len, "cpu", g, 0) == CELESTA_ERR_BUFFER_TOO_SMALL && len > 4, "small buffer");

    /* Errors of compile. */
    res = NULL;
    CHECK(celesta_backend_compile(NULL, "cpu", g, NULL, 0) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "'out'"), "%s", celesta_last_error());
    CHECK(celesta_backend_compile(&res, NULL, g, NULL, 0) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "'name'"), "%s", celesta_last_error());
    CHECK(celesta_backend_compile(&res, "cpu", NULL, NULL, 0) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "'graph'"), "%s", celesta_last_error());
    CHECK(celesta_backend_compile(&res, "gpu", g, NULL, 0) == CELESTA_ERR_NOT_FOUND && contains(celesta_last_error(), "cpu, fpga"), "%s", celesta_last_error());
    CHECK(celesta_backend_compile(&res, "cpu", g, NULL, 5) == CELESTA_ERR_NULL_POINTER && contains(celesta_last_error(), "'options_json'"), "%s", celesta_last_error());
    CHECK(celesta_backend_compile(&res, "cpu", g, "{oops", 5) == CELESTA_ERR_PARSE, "%s", celesta_last_error());
    CHECK(celesta_backend_compile(&res, "cpu", g, "[1]", 3) == CELESTA_ERR_PARSE && contains(celesta_last_error(), "options_json"), "%s", celesta_last_error());
    CHECK(celesta_backend_compile(&res, "cpu", g, "{\"target\": 1}", 13) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "'target'"), "%s", celesta_last_error());
    CHECK(celesta_backend_compile(&res, "cpu", g, "{\"optimize_for\": 3}", 19) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "'optimize_for'"), "%s", celesta_last_error());
    CHECK(celesta_backend_compile(&res, "cpu", g, "{\"settings\": 3}", 15) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "'settings'"), "%s", celesta_last_error());
    CHECK(res == NULL, "no result after failures");

    /* A single neuron layer: the chip's design rule, named. */
    t = compile(g, "xylo-a3", NULL, &status);
    CHECK(status == CELESTA_ERR_UNSUPPORTED && contains(celesta_last_error(), "two layers"), "%s", celesta_last_error());

    celesta_ir_graph_free(g2);
    celesta_ir_graph_free(empty);
    celesta_ir_graph_free(gif);
    celesta_ir_graph_free(g);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
