/* test_ir.c: the network IR through the C ABI: .t1c and NIR files, IR JSON with arrays,
 * node checks with TALON's messages, validation, and every error path of these calls.
 * Usage: test_ir FIXTURES_DIR TMP_DIR */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <celesta.h>

#include "check.h"

/* Bytes per element of a numpy type name the library hands out. */
static size_t dtype_size(const char *name) {
    if (strcmp(name, "bool") == 0 || strcmp(name, "int8") == 0 || strcmp(name, "uint8") == 0) return 1;
    if (strstr(name, "16")) return 2;
    if (strstr(name, "32")) return 4;
    return 8;
}

/* The bytes of an array described by the library. */
static size_t array_bytes(const celesta_ir_array_t *a) {
    size_t n = dtype_size(a->dtype);
    for (size_t i = 0; i < a->ndim; ++i) n *= (size_t)a->shape[i];
    return n;
}

/* celesta_ir_graph_arrays() and celesta_ir_graph_arrays_copy() after an export by reference of
 * `g` (the arrays that celesta_ir_graph_array() gives one by one), with their error paths. */
static void check_bulk_arrays(const celesta_ir_graph_t *g) {
    size_t count = 0, len = 0;
    celesta_ir_array_t one;
    memset(&one, 0, sizeof one);
    one.struct_size = sizeof one;
    while (celesta_ir_graph_array(&one, g, count) == CELESTA_OK) ++count;
    CHECK(count > 1, "arrays %zu", count);
    CHECK(celesta_ir_graph_arrays(NULL, 0, &len, g) == CELESTA_OK && len == count, "query %zu of %zu", len, count);

    celesta_ir_array_t *table = calloc(count, sizeof *table);
    table[0].struct_size = sizeof *table;
    CHECK(celesta_ir_graph_arrays(table, count - 1, &len, g) == CELESTA_ERR_BUFFER_TOO_SMALL && len == count, "%s", celesta_last_error());
    CHECK(table[0].dtype == NULL, "a failed call writes nothing");
    CHECK(celesta_ir_graph_arrays(table, count, NULL, g) == CELESTA_ERR_NULL_POINTER, "NULL len");
    CHECK(celesta_ir_graph_arrays(NULL, count, &len, g) == CELESTA_ERR_NULL_POINTER, "NULL buf with a capacity");
    CHECK(celesta_ir_graph_arrays(table, count, &len, NULL) == CELESTA_ERR_NULL_POINTER, "NULL graph");
    table[0].struct_size = 4;
    CHECK(celesta_ir_graph_arrays(table, count, &len, g) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "struct_size"), "%s", celesta_last_error());
    table[0].struct_size = sizeof *table;
    CHECK(celesta_ir_graph_arrays(table, count, &len, g) == CELESTA_OK && len == count, "%s", celesta_last_error());

    /* The same entries as one by one; the shapes one after another in one block. */
    const int64_t *shapes = NULL;
    size_t dims = 0, total = 0, same = 0;
    for (size_t k = 0; k < count; ++k) {
        celesta_ir_graph_array(&one, g, k);
        int equal = table[k].struct_size == sizeof *table && strcmp(table[k].dtype, one.dtype) == 0 && table[k].ndim == one.ndim
                    && table[k].data == one.data;
        for (size_t i = 0; equal && i < one.ndim; ++i) equal = table[k].shape[i] == one.shape[i];
        if (table[k].ndim > 0) {
            if (shapes == NULL) shapes = table[k].shape;
            equal = equal && table[k].shape == shapes + dims;
            dims += table[k].ndim;
        } else {
            equal = equal && table[k].shape == NULL;
        }
        same += (size_t)equal;
        total += array_bytes(&table[k]);
    }
    CHECK(same == count, "%zu of %zu entries as celesta_ir_graph_array() gives them", same, count);

    /* Copy every array, last first, each after the one before it in the buffer. */
    size_t *offsets = calloc(count, sizeof *offsets);
    size_t at = 0;
    for (size_t k = count; k-- > 0;) {
        offsets[k] = at;
        at += array_bytes(&table[k]);
    }
    unsigned char *buf = malloc(total);
    memset(buf, 0xAB, total);
    CHECK(celesta_ir_graph_arrays_copy(buf, total - 1, g, offsets, count) == CELESTA_ERR_BUFFER_TOO_SMALL
          && contains(celesta_last_error(), "cap"), "%s", celesta_last_error());
    CHECK(buf[0] == 0xAB && buf[total - 1] == 0xAB, "a failed copy writes nothing");
    CHECK(celesta_ir_graph_arrays_copy(buf, total, g, offsets, count - 1) == CELESTA_ERR_INVALID_ARGUMENT
          && contains(celesta_last_error(), "n_offsets"), "%s", celesta_last_error());
    CHECK(celesta_ir_graph_arrays_copy(NULL, total, g, offsets, count) == CELESTA_ERR_NULL_POINTER, "NULL buf");
    CHECK(celesta_ir_graph_arrays_copy(buf, total, g, NULL, count) == CELESTA_ERR_NULL_POINTER, "NULL offsets");
    CHECK(celesta_ir_graph_arrays_copy(buf, total, NULL, offsets, count) == CELESTA_ERR_NULL_POINTER, "NULL graph");
    size_t keep = offsets[0];
    offsets[0] = (size_t)-1;  /* past any buffer, without overflowing */
    CHECK(celesta_ir_graph_arrays_copy(buf, total, g, offsets, count) == CELESTA_ERR_BUFFER_TOO_SMALL, "%s", celesta_last_error());
    offsets[0] = keep;
    CHECK(celesta_ir_graph_arrays_copy(buf, total, g, offsets, count) == CELESTA_OK, "%s", celesta_last_error());
    same = 0;
    for (size_t k = 0; k < count; ++k) same += (size_t)(memcmp(buf + offsets[k], table[k].data, array_bytes(&table[k])) == 0);
    CHECK(same == count, "%zu of %zu arrays copied", same, count);
    free(buf);
    free(offsets);
    free(table);
}

static char *json_of(const celesta_ir_graph_t *g, int flags) {
    size_t len = 0;
    if (celesta_ir_graph_to_json(NULL, 0, &len, g, flags) != CELESTA_OK) return NULL;
    char *buf = malloc(len);
    if (buf && celesta_ir_graph_to_json(buf, len, &len, g, flags) != CELESTA_OK) { free(buf); return NULL; }
    return buf;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: test_ir FIXTURES TMP\n"); return 2; }
    char path[4096], out[4096];

    /* A TALON-written .t1c: read as TALON reads it, and in Celesta's mode. */
    snprintf(path, sizeof path, "%s/talon/graphs/mlp_seed_backend.t1c", argv[1]);
    celesta_ir_graph_t *g = NULL;
    CHECK(celesta_ir_read(&g, path, CELESTA_IR_FORMAT_AUTO, CELESTA_IR_TALON_COMPATIBLE) == CELESTA_OK, "%s", celesta_last_error());
    size_t n = 0;
    CHECK(celesta_ir_graph_node_count(&n, g) == CELESTA_OK && n == 6, "nodes %zu", n);
    CHECK(celesta_ir_graph_edge_count(&n, g) == CELESTA_OK && n == 5, "edges %zu", n);
    CHECK(celesta_ir_graph_validate(g) == CELESTA_OK, "%s", celesta_last_error());

    /* Size-query idiom: query, too small (buffer untouched), exact. */
    size_t len = 0;
    CHECK(celesta_ir_graph_node_json(NULL, 0, &len, g, 0) == CELESTA_OK && len > 10, "len %zu", len);
    char small[4] = "xyz";
    CHECK(celesta_ir_graph_node_json(small, 3, &len, g, 0) == CELESTA_ERR_BUFFER_TOO_SMALL, "too small");
    CHECK(strcmp(small, "xyz") == 0, "buffer touched");
    char *node = malloc(len);
    CHECK(celesta_ir_graph_node_json(node, len, &len, g, 0) == CELESTA_OK && contains(node, "\"type\": \"Affine\""), "%s", node);
    free(node);
    CHECK(celesta_ir_graph_node_json(NULL, 0, &len, g, 99) == CELESTA_ERR_NOT_FOUND, "index 99");
    size_t index = 0;
    CHECK(celesta_ir_graph_node_index(&index, g, "lif1") == CELESTA_OK && index < 6, "%s", celesta_last_error());
    CHECK(celesta_ir_graph_node_index(&index, g, "nope") == CELESTA_ERR_NOT_FOUND && contains(celesta_last_error(), "'nope'"), "%s", celesta_last_error());
    char edges[512];
    CHECK(celesta_ir_graph_edges_json(edges, sizeof edges, &len, g) == CELESTA_OK && contains(edges, "[\"fc1\", \"lif1\"]"), "%s", edges);

    /* Arrays by reference: fc1's weight is a float32 128 x 784 array. */
    char *text = json_of(g, CELESTA_IR_ARRAY_REFS);
    CHECK(text && contains(text, "{\"$array\": 0}"), "refs");
    free(text);
    celesta_ir_array_t a;
    memset(&a, 0, sizeof a);
    a.struct_size = sizeof a;
    int found = 0;
    for (size_t k = 0; celesta_ir_graph_array(&a, g, k) == CELESTA_OK; ++k) {
        if (a.ndim == 2 && a.shape[0] == 128 && a.shape[1] == 784 && strcmp(a.dtype, "float32") == 0) found = 1;
    }
    CHECK(found, "fc1 weight among the arrays");
    check_bulk_arrays(g);
    a.struct_size = 4;
    CHECK(celesta_ir_graph_array(&a, g, 0) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "struct_size"), "%s", celesta_last_error());

    /* Write NIR and .t1c, read back. */
    snprintf(out, sizeof out, "%s/mlp.nir", argv[2]);
    CHECK(celesta_ir_write(out, g, CELESTA_IR_FORMAT_AUTO, 0) == CELESTA_OK, "%s", celesta_last_error());
    celesta_ir_graph_t *back = NULL;
    CHECK(celesta_ir_read(&back, out, CELESTA_IR_FORMAT_NIR, 0) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(celesta_ir_graph_node_count(&n, back) == CELESTA_OK && n == 6, "nir nodes %zu", n);
    celesta_ir_graph_free(back);
    snprintf(out, sizeof out, "%s/mlp.t1c", argv[2]);
    CHECK(celesta_ir_write(out, g, CELESTA_IR_FORMAT_T1C, 0) == CELESTA_OK, "%s", celesta_last_error());
    char version[16];
    CHECK(celesta_ir_read_version(version, sizeof version, &len, out) == CELESTA_OK && strcmp(version, "0.0.1") == 0, "%s", version);
    /* The same graph lowered to a Xylo network (dt = 1: TALON's taus count steps) and mapped. */
    celesta_xylo_network_t *net = NULL;
    CHECK(celesta_xylo_network_from_ir(&net, g, 1.0) == CELESTA_OK, "%s", celesta_last_error());
    celesta_xylo_spec_t *spec = NULL;
    CHECK(celesta_xylo_map(&spec, net, "xa3", 0) == CELESTA_OK, "%s", celesta_last_error());
    celesta_xylo_spec_free(spec);
    celesta_xylo_network_free(net);
    CHECK(celesta_xylo_network_from_ir(&net, g, -1.0) == CELESTA_ERR_OUT_OF_RANGE && contains(celesta_last_error(), "dt"), "%s", celesta_last_error());
    CHECK(celesta_xylo_network_from_ir(NULL, g, 1.0) == CELESTA_ERR_NULL_POINTER, "NULL out");
    CHECK(celesta_xylo_network_from_ir(&net, NULL, 1.0) == CELESTA_ERR_NULL_POINTER, "NULL graph");
    celesta_ir_graph_free(g);
    celesta_ir_graph_free(NULL);
    snprintf(out, sizeof out, "%s/talon/graphs/conv_snn.t1c", argv[1]);
    CHECK(celesta_ir_read(&g, out, 0, 0) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(celesta_xylo_network_from_ir(&net, g, 1.0) == CELESTA_ERR_UNSUPPORTED
          && contains(celesta_last_error(), "node 'conv1' (Conv2d): Xylo has no convolutions"), "%s", celesta_last_error());
    celesta_ir_graph_free(g);

    /* A graph from JSON with one array passed beside the text, then a node check. */
    float w[6] = {1, 2, 3, 4, 5, 6};
    int64_t shape[2] = {2, 3};
    celesta_ir_array_t arr = {sizeof(celesta_ir_array_t), "float32", w, 2, shape};
    const char *doc = "{\"nodes\": [{\"name\": \"i\", \"type\": \"Input\", \"fields\": {}, \"input_type\": {\"input\": [3]}},"
                      "{\"name\": \"fc\", \"type\": \"Linear\", \"fields\": {\"weight\": {\"$array\": 0}}},"
                      "{\"name\": \"o\", \"type\": \"Output\", \"fields\": {}, \"output_type\": {\"output\": [2]}}],"
                      "\"edges\": [[\"i\", \"fc\"], [\"fc\", \"o\"]]}";
    CHECK(celesta_ir_graph_from_json(&g, doc, strlen(doc), &arr, 1, 0) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(celesta_ir_graph_validate(g) == CELESTA_OK, "%s", celesta_last_error());
    CHECK(celesta_ir_graph_connect(g, "o", "fc") == CELESTA_OK, "connect");
    CHECK(celesta_ir_graph_validate(g) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "Output node 'o' has outgoing edge to 'fc'"), "%s", celesta_last_error());
    CHECK(celesta_ir_graph_from_json(&back, doc, strlen(doc), NULL, 0, 0) == CELESTA_ERR_PARSE && contains(celesta_last_error(), "$array"), "%s", celesta_last_error());
    CHECK(celesta_ir_graph_from_json(&back, "{\"nodes\": [", 11, NULL, 0, 0) == CELESTA_ERR_PARSE, "truncated JSON");
    celesta_ir_graph_free(g);

    const char *bad = "{\"type\": \"Affine\", \"fields\": {\"weight\": {\"$array\": 0}, \"bias\": {\"$tensor\": {\"dtype\": \"float32\", \"shape\": [3], \"data\": [0, 0, 0]}}}}";
    CHECK(celesta_ir_node_check(NULL, 0, &len, bad, strlen(bad), &arr, 1, 0) == CELESTA_ERR_INVALID_ARGUMENT
          && contains(celesta_last_error(), "bias must be 1D with 2 elements, got shape (3,)"), "%s", celesta_last_error());
    const char *primitives_probe = "x";
    (void)primitives_probe;
    CHECK(celesta_ir_primitives_json(NULL, 0, &len) == CELESTA_OK && len > 1000, "primitives %zu", len);

    /* Error paths: NULLs, bad sizes and flags, missing and damaged files. */
    CHECK(celesta_ir_read(NULL, path, 0, 0) == CELESTA_ERR_NULL_POINTER, "NULL out");
    CHECK(celesta_ir_read(&g, NULL, 0, 0) == CELESTA_ERR_NULL_POINTER, "NULL path");
    CHECK(celesta_ir_read(&g, path, 9, 0) == CELESTA_ERR_INVALID_ARGUMENT, "format 9");
    CHECK(celesta_ir_read(&g, path, 0, 64) == CELESTA_ERR_INVALID_ARGUMENT, "flags 64");
    CHECK(celesta_ir_read(&g, "/nonexistent/x.t1c", 0, 0) == CELESTA_ERR_IO, "%s", celesta_last_error());
    CHECK(celesta_ir_read(&g, "x.weird", 0, 0) == CELESTA_ERR_INVALID_ARGUMENT, "extension");
    CHECK(celesta_ir_graph_from_json(&g, NULL, 5, NULL, 0, 0) == CELESTA_ERR_NULL_POINTER, "NULL json");
    CHECK(celesta_ir_graph_from_json(&g, doc, (size_t)-1, NULL, 0, 0) == CELESTA_ERR_OUT_OF_RANGE, "huge len");
    CHECK(celesta_ir_graph_from_json(&g, doc, strlen(doc), NULL, 3, 0) == CELESTA_ERR_NULL_POINTER, "NULL arrays");
    arr.struct_size = 0;
    CHECK(celesta_ir_graph_from_json(&g, doc, strlen(doc), &arr, 1, 0) == CELESTA_ERR_INVALID_ARGUMENT, "struct_size 0");
    arr.struct_size = sizeof arr;
    arr.dtype = "complex64";
    CHECK(celesta_ir_graph_from_json(&g, doc, strlen(doc), &arr, 1, 0) == CELESTA_ERR_INVALID_ARGUMENT && contains(celesta_last_error(), "complex64"), "%s", celesta_last_error());
    CHECK(celesta_ir_graph_validate(NULL) == CELESTA_ERR_NULL_POINTER, "NULL graph");
    snprintf(out, sizeof out, "%s/cut.t1c", argv[2]);
    FILE *src = fopen(path, "rb"), *dst = fopen(out, "wb");
    char chunk[1000];
    size_t got = src ? fread(chunk, 1, sizeof chunk, src) : 0;
    if (dst) { fwrite(chunk, 1, got, dst); fclose(dst); }
    if (src) fclose(src);
    int status = celesta_ir_read(&g, out, 0, 0);
    CHECK(status == CELESTA_ERR_PARSE || status == CELESTA_ERR_IO, "truncated file: %d %s", status, celesta_last_error());
    CHECK(contains(celesta_last_error(), "cut.t1c"), "%s", celesta_last_error());

    /* From bytes in memory (celesta_ir_read_bytes): the graph a file of those bytes gives. */
    {
        static unsigned char image[1 << 20];
        snprintf(path, sizeof path, "%s/nir/delay.nir", argv[1]);
        FILE *f = fopen(path, "rb");
        size_t size = f ? fread(image, 1, sizeof image, f) : 0;
        if (f) fclose(f);
        celesta_ir_graph_t *from_file = NULL, *from_bytes = NULL;
        CHECK(celesta_ir_read(&from_file, path, CELESTA_IR_FORMAT_NIR, 0) == CELESTA_OK, "%s", celesta_last_error());
        CHECK(celesta_ir_read_bytes(&from_bytes, image, size, CELESTA_IR_FORMAT_NIR, 0) == CELESTA_OK, "%s", celesta_last_error());
        char *a = from_file ? json_of(from_file, 0) : NULL, *b = from_bytes ? json_of(from_bytes, 0) : NULL;
        CHECK(a != NULL && b != NULL && strcmp(a, b) == 0, "bytes and file give different graphs");
        free(a);
        free(b);
        celesta_ir_graph_free(from_file);
        celesta_ir_graph_free(from_bytes);
        from_bytes = NULL;
        CHECK(celesta_ir_read_bytes(&from_bytes, image, size / 2, CELESTA_IR_FORMAT_NIR, 0) == CELESTA_ERR_PARSE
              && contains(celesta_last_error(), "<nir bytes>") && from_bytes == NULL, "%s", celesta_last_error());
        CHECK(celesta_ir_read_bytes(&from_bytes, image, size, CELESTA_IR_FORMAT_T1C, 0) == CELESTA_ERR_PARSE, "%s", celesta_last_error());
        CHECK(celesta_ir_read_bytes(&from_bytes, image, 0, CELESTA_IR_FORMAT_NIR, 0) == CELESTA_ERR_PARSE, "empty");
        CHECK(celesta_ir_read_bytes(&from_bytes, image, size, CELESTA_IR_FORMAT_AUTO, 0) == CELESTA_ERR_INVALID_ARGUMENT
              && contains(celesta_last_error(), "'format'"), "%s", celesta_last_error());
        CHECK(celesta_ir_read_bytes(&from_bytes, image, size, CELESTA_IR_FORMAT_NIR, 64) == CELESTA_ERR_INVALID_ARGUMENT, "flags 64");
        CHECK(celesta_ir_read_bytes(&from_bytes, NULL, 5, CELESTA_IR_FORMAT_NIR, 0) == CELESTA_ERR_NULL_POINTER, "NULL data");
        CHECK(celesta_ir_read_bytes(NULL, image, size, CELESTA_IR_FORMAT_NIR, 0) == CELESTA_ERR_NULL_POINTER, "NULL out");
        CHECK(celesta_ir_read_bytes(&from_bytes, image, (size_t)-1, CELESTA_IR_FORMAT_NIR, 0) == CELESTA_ERR_OUT_OF_RANGE, "huge len");
    }

    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
