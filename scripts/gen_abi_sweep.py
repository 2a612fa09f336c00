#!/usr/bin/env python3
"""Generate the ABI sweep: a C program that calls EVERY function of include/celesta.h with
hostile arguments, each call in a forked child, and requires that the call returns (no signal,
no hang) with a status the library names and, when it failed, a message.

The functions are read from the header, so a function added to the ABI is swept the day it is
added. For each function the sweep makes one baseline call (plausible arguments: live handles,
large zeroed buffers, small lengths, a short string) and then, one parameter at a time, calls
with that parameter replaced by each hostile value of its kind:

  handle (celesta_*_t * of an opaque type)   NULL, a freed handle, a pointer that is no handle,
                                             a live handle of another type (each must be refused)
  pointer (buffers, outputs, structs)        NULL; a struct also with struct_size 0
  const char *                               NULL, "", invalid UTF-8
  size_t                                     0, 1 (too small), 2^63, SIZE_MAX (a negative)
  int / int32                                -1, INT_MIN, INT_MAX
  double                                     0, -1, NaN, +Inf, 1e300
  callback                                   one that cancels

A call "passes" when the child exits normally and, for a function returning int, the status
is CELESTA_OK or a negative code celesta_status_name() knows, with a non-empty
celesta_last_error() for a failure; a const char * result must not be NULL. The children run
in a scratch folder (paths are relative), under a 20 s alarm.

Usage: gen_abi_sweep.py [HEADER] > sweep.c; cc -I include sweep.c -lcelesta -o sweep; ./sweep [FILTER]
Live handles come from FACTORIES below (networks with a hidden and an output layer, so that every
handle type exists: a factory that gives no handle fails the sweep); an opaque type without a
factory is swept with NULL and stray pointers only, and named on stderr so that it gets one.
"""
import re
import sys

# Handle types and how the parent makes a live one (C statements assigning `h`; `net`,
# `spec`, `config` ... are made first, in this order). Every factory must give a live handle:
# the sweep fails when one does not (a function swept with NULL and stray handles only would
# never reach its body). The networks have a hidden and an output layer, the Xylo network a
# recurrent weight matrix too, so that the specification, configuration, simulator and dev kit
# are the real thing (a single neuron layer cannot be mapped onto Xylo).
FACTORIES = {
    "celesta_xylo_network_t": "celesta_xylo_network_from_json(&h, NETWORK, strlen(NETWORK));",
    "celesta_xylo_spec_t": "celesta_xylo_map(&h, live_celesta_xylo_network_t, \"xa2\", 0);",
    "celesta_xylo_config_t": "celesta_xylo_spec_quantize(&h, live_celesta_xylo_spec_t, 0, 8, 16);",
    "celesta_xylo_sim_t": "celesta_xylo_sim_create(&h, live_celesta_xylo_config_t);",
    "celesta_xylo_afe_t": ("celesta_xylo_afe_params_t p = CELESTA_INIT(celesta_xylo_afe_params_t);\n"
                           "celesta_xylo_afe_params_default(&p); celesta_xylo_afe_create(&h, &p);"),
    "celesta_xylo_afe2_t": ("celesta_xylo_afe2_params_t p = CELESTA_INIT(celesta_xylo_afe2_params_t);\n"
                            "celesta_xylo_afe2_params_default(&p); p.fs = 110000; celesta_xylo_afe2_create(&h, &p);"),
    "celesta_xylo_hdk_t": ("if (celesta_xylo_hdk_open(&h, \"virtual:xa2\", 0) == CELESTA_OK &&\n"
                           "    celesta_xylo_hdk_apply(h, live_celesta_xylo_config_t, 1e-3) != CELESTA_OK) {\n"
                           "    celesta_xylo_hdk_free(h); h = NULL;\n}"),
    "celesta_ir_graph_t": "ir_graph(&h);",
    "celesta_backend_result_t": ("celesta_ir_graph_t *g = NULL;\n"
                                 "ir_graph(&g);\n"
                                 "celesta_backend_simulate(&h, \"cpu\", g, \"{\\\"n_steps\\\": 2}\", 14, NULL, 0);\n"
                                 "celesta_ir_graph_free(g);"),
    "celesta_events_writer_t": "celesta_events_writer_create(&h, \"sweep-writer.h5\", NULL, NULL, 16, -1);",
    "celesta_events_reader_t": ("uint64_t t[3] = {1, 2, 3}; uint16_t xy[3] = {0, 1, 2}; uint8_t pol[3] = {0, 1, 0};\n"
                                "celesta_events_t e = CELESTA_INIT(celesta_events_t);\n"
                                "e.t = t; e.t_stride = 8; e.x = xy; e.x_stride = 2; e.y = xy; e.y_stride = 2; e.p = pol; e.p_stride = 1;\n"
                                "celesta_events_write(\"sweep-events.h5\", &e, 3, NULL, NULL, -1);\n"
                                "celesta_events_reader_open(&h, \"sweep-events.h5\", NULL);"),
    "celesta_hls_model_t": "celesta_hls_model_from_layers(&h, HLS_LAYERS, strlen(HLS_LAYERS), NULL, 0);",
}
ORDER = ["celesta_xylo_network_t", "celesta_xylo_spec_t", "celesta_xylo_config_t"]


def prototypes(text):
    """(return type, name, [(type, name)]) of every CELESTA_API function."""
    out = []
    for m in re.finditer(r"CELESTA_API\s+([^;]*?)\b(celesta_[a-z0-9_]+)\s*\(([^)]*)\)\s*;", text, re.S):
        ret, name, params = " ".join(m.group(1).split()), m.group(2), " ".join(m.group(3).split())
        args = []
        if params not in ("", "void"):
            for p in params.split(","):
                p = p.strip()
                pm = re.fullmatch(r"(.*?[\s*])([A-Za-z_][A-Za-z0-9_]*)", p)
                if not pm:
                    raise SystemExit(f"gen_abi_sweep: cannot read parameter '{p}' of {name}")
                args.append((" ".join(pm.group(1).split()).replace(" *", "*").replace("*", " *").strip(), pm.group(2)))
        out.append((ret, name, args))
    return out


def opaque_types(text):
    return set(re.findall(r"typedef struct celesta_[a-z0-9_]+ (celesta_[a-z0-9_]+_t);", text))


def struct_types(text):
    return set(re.findall(r"}\s*(celesta_[a-z0-9_]+_t);", text))


def classify(ctype, name, opaque, structs):
    base = ctype.replace("const ", "").replace(" ", "")
    stars = base.count("*")
    core = base.rstrip("*")
    if core in opaque and stars == 1:
        return "handle", core
    if core in opaque and stars == 2:
        return "handle_out", core
    if core in structs and stars == 1:
        return "struct", core
    if base == "char*" and ctype.startswith("const"):
        return "string", None
    if stars >= 1:
        return "pointer", None
    if core == "size_t":
        return "size", None
    if core in ("int", "int32_t", "int64_t", "uint16_t", "uint32_t", "uint64_t", "int16_t", "uint8_t", "int8_t", "ptrdiff_t"):
        return "int", core
    if core in ("double", "float"):
        return "double", None
    if core.endswith("_fn"):
        return "callback", core
    raise SystemExit(f"gen_abi_sweep: no kind for parameter type '{ctype}' ({name})")


def string_value(name):
    if "json" in name:
        return '"{}"'
    if "path" in name:
        return '"sweep.out"'
    if "location" in name:
        return '"virtual:xa2"'
    return '"xa2"'


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "include/celesta.h"
    text = open(path, encoding="utf-8").read()
    opaque, structs = opaque_types(text), struct_types(text)
    protos = prototypes(text)
    missing = sorted(t for t in opaque if t not in FACTORIES)
    for t in missing:
        print(f"gen_abi_sweep: no factory for {t}: swept with NULL and stray pointers only", file=sys.stderr)
    w = []
    w.append("/* GENERATED by scripts/gen_abi_sweep.py from the header: do not edit. */")
    w.append("#define _POSIX_C_SOURCE 200809L")
    w.append("#include <celesta.h>\n#include <math.h>\n#include <stdint.h>\n#include <stdio.h>\n#include <stdlib.h>\n"
             "#include <string.h>\n#include <signal.h>\n#include <sys/wait.h>\n#include <unistd.h>\n#include <limits.h>")
    w.append(r'''
/* Linear(2->3) -> LIF(3, recurrent) -> Linear(3->2) -> LIF(2): a hidden and an output layer. */
static const char *NETWORK =
    "{\"layers\": [{\"type\": \"Linear\", \"n_in\": 2, \"n_out\": 3, \"weight\": [[1.0, 0.1, 0.4], [0.1, 0.5, 0.3]]},"
    "{\"type\": \"LIF\", \"n_in\": 3, \"n_out\": 3, \"tau_mem\": [0.02, 0.02, 0.04], \"tau_syn\": [0.01, 0.01, 0.02],"
    " \"threshold\": [0.5, 0.5, 0.5], \"bias\": [0.0, 0.1, 0.0], \"dt\": 0.001, \"has_rec\": true,"
    " \"w_rec\": [[0.0, 0.2, -0.1], [0.3, 0.0, 0.1], [-0.2, 0.1, 0.0]]},"
    "{\"type\": \"Linear\", \"n_in\": 3, \"n_out\": 2, \"weight\": [[0.5, -0.5], [0.3, 0.2], [0.1, 0.4]]},"
    "{\"type\": \"LIF\", \"n_in\": 2, \"n_out\": 2, \"tau_mem\": [0.02, 0.02], \"tau_syn\": [0.01, 0.01],"
    " \"threshold\": [0.5, 0.5], \"dt\": 0.001}]}";
/* The IR graph: input 2 -> Affine 3x2 -> LIF 3 (with a recurrent Linear 3x3 back onto it) ->
 * Affine 2x3 -> LIF 2 -> output. */
static const char *IR_GRAPH =
    "{\"nodes\": [{\"name\": \"in\", \"type\": \"Input\", \"fields\": {}, \"input_type\": {\"input\": [2]}},"
    " {\"name\": \"fc\", \"type\": \"Affine\", \"fields\": {\"weight\": {\"$array\": 0}, \"bias\": {\"$array\": 1}}},"
    " {\"name\": \"lif\", \"type\": \"LIF\", \"fields\": {\"tau\": {\"$array\": 2}, \"r\": {\"$array\": 2}, \"v_leak\": {\"$array\": 3},"
    "  \"v_threshold\": {\"$array\": 4}}},"
    " {\"name\": \"rec\", \"type\": \"Linear\", \"fields\": {\"weight\": {\"$array\": 5}}},"
    " {\"name\": \"fc2\", \"type\": \"Affine\", \"fields\": {\"weight\": {\"$array\": 6}, \"bias\": {\"$array\": 7}}},"
    " {\"name\": \"lif2\", \"type\": \"LIF\", \"fields\": {\"tau\": {\"$array\": 8}, \"r\": {\"$array\": 8}, \"v_leak\": {\"$array\": 9},"
    "  \"v_threshold\": {\"$array\": 10}}},"
    " {\"name\": \"out\", \"type\": \"Output\", \"fields\": {}, \"output_type\": {\"output\": [2]}}],"
    " \"edges\": [[\"in\", \"fc\"], [\"fc\", \"lif\"], [\"lif\", \"rec\"], [\"rec\", \"lif\"], [\"lif\", \"fc2\"],"
    " [\"fc2\", \"lif2\"], [\"lif2\", \"out\"]]}";
static float IR_W1[6] = {0.5f, 0.2f, 0.1f, 0.7f, 0.3f, 0.4f}, IR_W2[6] = {0.6f, -0.2f, 0.3f, 0.1f, 0.5f, 0.2f},
             IR_WR[9] = {0, 0.1f, 0, 0.1f, 0, 0.1f, 0, 0.1f, 0}, IR_B3[3], IR_B2[2], IR_T3[3] = {8, 8, 8},
             IR_T2[2] = {8, 8}, IR_Z3[3], IR_Z2[2], IR_O3[3] = {1, 1, 1}, IR_O2[2] = {1, 1};
static int64_t IR_S32[2] = {3, 2}, IR_S23[2] = {2, 3}, IR_S33[2] = {3, 3}, IR_S3[1] = {3}, IR_S2[1] = {2};
static void ir_graph(celesta_ir_graph_t **out) {
#define IR_ARRAY(p, rank, shape) {sizeof(celesta_ir_array_t), "float32", p, rank, shape}
    celesta_ir_array_t arrays[11] = {
        IR_ARRAY(IR_W1, 2, IR_S32), IR_ARRAY(IR_B3, 1, IR_S3), IR_ARRAY(IR_T3, 1, IR_S3), IR_ARRAY(IR_Z3, 1, IR_S3),
        IR_ARRAY(IR_O3, 1, IR_S3), IR_ARRAY(IR_WR, 2, IR_S33), IR_ARRAY(IR_W2, 2, IR_S23), IR_ARRAY(IR_B2, 1, IR_S2),
        IR_ARRAY(IR_T2, 1, IR_S2), IR_ARRAY(IR_Z2, 1, IR_S2), IR_ARRAY(IR_O2, 1, IR_S2)};
#undef IR_ARRAY
    celesta_ir_graph_from_json(out, IR_GRAPH, strlen(IR_GRAPH), arrays, 11, 0);
}
/* Dense(2->3) -> LIF(3) -> Dense(3->2) -> IF(2) -> readout. */
static const char *HLS_LAYERS =
    "[{\"name\": \"x\", \"class_name\": \"Input\", \"n\": 2},"
    " {\"name\": \"fc1\", \"class_name\": \"Dense\", \"n_in\": 2, \"n_out\": 3,"
    "  \"weight\": [[0.5, 0.25, 0.5], [0.75, 0.125, 0.25]], \"bias\": [0.0, 0.0, 0.125]},"
    " {\"name\": \"lif1\", \"class_name\": \"LIFNeuron\", \"n\": 3, \"reset_mechanism\": \"subtract\","
    "  \"threshold\": {\"mode\": \"scalar\", \"value\": 1.0}, \"beta\": {\"mode\": \"scalar\", \"value\": 0.9}},"
    " {\"name\": \"fc2\", \"class_name\": \"Dense\", \"n_in\": 3, \"n_out\": 2,"
    "  \"weight\": [[0.5, -0.25], [0.25, 0.5], [0.125, 0.75]], \"bias\": [0.0, 0.0]},"
    " {\"name\": \"if2\", \"class_name\": \"IFNeuron\", \"n\": 2, \"reset_mechanism\": \"zero\","
    "  \"threshold\": {\"mode\": \"scalar\", \"value\": 1.0}},"
    " {\"name\": \"readout\", \"class_name\": \"SNNReadout\", \"n_classes\": 2, \"window_size\": 3,"
    "  \"decision_rule\": \"argmax_spike_count\"}]";
#define BUF_BYTES (1 << 20)
static _Alignas(64) unsigned char stray[256];
static int cancel_fn(void *u, size_t d, size_t t) { (void)u; (void)d; (void)t; return 1; }
static const char *filter = NULL;
static int calls = 0, failures = 0;

/* A fresh zeroed buffer (each child gets its own copy-on-write pages). */
static void *buffer(void) {
    void *p = calloc(1, BUF_BYTES);
    if (p == NULL) abort();
    return p;
}
static void *with_struct_size(size_t size) {
    unsigned char *p = buffer();
    uint32_t s = (uint32_t)size;
    for (size_t k = 0; k < 64 && (k + 1) * size <= BUF_BYTES; ++k) memcpy(p + k * size, &s, 4); /* an array of them too */
    return p;
}

/* The status check a child makes after an int call. */
static int check_status(int status) {
    if (status == CELESTA_OK) return 0;
    if (status > 0 || strcmp(celesta_status_name(status), "CELESTA_UNKNOWN_STATUS") == 0) {
        printf("  unknown status %d\n", status);
        return 1;
    }
    if (celesta_last_error()[0] == '\0') {
        printf("  status %s without a message\n", celesta_status_name(status));
        return 1;
    }
    return 0;
}

/* The check after an int call given a handle that is not a live one of its type: a failure. */
static int check_refused(int status) {
    if (status == CELESTA_OK) {
        printf("  a handle that is not a live one of its type was accepted\n");
        return 1;
    }
    return check_status(status);
}

/* Runs `body` in a child: a signal, a hang (20 s) or a failed check is a failure. */
static void sweep(const char *fn, const char *what, void (*body)(int variant), int variant) {
    if (filter != NULL && strstr(fn, filter) == NULL) return;
    ++calls;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(20);
        body(variant);
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (WIFSIGNALED(st) || WEXITSTATUS(st) != 0) {
        ++failures;
        if (WIFSIGNALED(st)) printf("FAIL %s(%s): signal %d%s\n", fn, what, WTERMSIG(st), WTERMSIG(st) == SIGALRM ? " (hang)" : "");
        else printf("FAIL %s(%s): the check above failed\n", fn, what);
    }
}
''')
    # Live and freed handles, made by the parent before any child.
    handle_types = sorted(opaque)
    for t in handle_types:
        w.append(f"static {t} *live_{t} = NULL, *freed_{t} = NULL;")
    w.append("\nstatic void make_handles(void) {")
    made = ORDER + [t for t in handle_types if t not in ORDER]
    for t in made:
        if t not in FACTORIES:
            continue
        free_fn = t[:-2] + "_free"
        w.append("    {")
        w.append(f"        {t} *h = NULL;")
        w.append("        " + FACTORIES[t].replace("\n", "\n        "))
        w.append(f"        live_{t} = h;")
        w.append(f"        if (h == NULL) {{ ++failures; printf(\"FAIL sweep: no live {t}: %s\\n\", celesta_last_error()); }}")
        w.append("    }")
        w.append("    {")
        w.append(f"        {t} *h = NULL;")
        w.append("        " + FACTORIES[t].replace("\n", "\n        "))
        w.append(f"        freed_{t} = h;")
        w.append(f"        {free_fn}(h);")
        w.append("    }")
    w.append("}\n")

    def wrong_type(core):
        """A live handle of another type (the next one in name order): the type tag's test."""
        live = [t for t in handle_types if t in FACTORIES]
        if core not in live or len(live) < 2:
            return live[0] if live and live[0] != core else None
        return live[(live.index(core) + 1) % len(live)]

    mains = []
    for ret, fname, args in protos:
        kinds = [classify(t, n, opaque, structs) for t, n in args]
        # Variants: (param index, label, C expression); -1 is the baseline.
        variants = [(-1, "baseline", None)]
        for i, ((ctype, pname), (kind, core)) in enumerate(zip(args, kinds)):
            if kind == "handle":
                variants += [(i, f"{pname}=NULL", "NULL"), (i, f"{pname}=stray", f"({ctype})(void *)stray")]
                if core in FACTORIES:
                    variants.append((i, f"{pname}=freed", f"freed_{core}"))
                other = wrong_type(core)
                if other:
                    variants.append((i, f"{pname}=wrong-type", f"({ctype})(void *)live_{other}"))
            elif kind in ("handle_out", "pointer"):
                variants.append((i, f"{pname}=NULL", "NULL"))
            elif kind == "struct":
                variants += [(i, f"{pname}=NULL", "NULL"), (i, f"{pname}=zeroed", f"({ctype})buffer()")]
            elif kind == "string":
                variants += [(i, f"{pname}=NULL", "NULL"), (i, f'{pname}=""', '""'),
                             (i, f"{pname}=bad-utf8", '"\\xff\\xfe\\xfd"')]
            elif kind == "size":
                variants += [(i, f"{pname}=0", "(size_t)0"), (i, f"{pname}=1", "(size_t)1"),
                             (i, f"{pname}=2^63", "((size_t)1 << 63)"), (i, f"{pname}=SIZE_MAX", "SIZE_MAX")]
            elif kind == "int":
                if core in ("int", "int32_t", "int64_t", "ptrdiff_t", "int16_t", "int8_t"):
                    lim = {"int": ("INT_MIN", "INT_MAX"), "int32_t": ("INT32_MIN", "INT32_MAX"),
                           "int64_t": ("INT64_MIN", "INT64_MAX"), "ptrdiff_t": ("PTRDIFF_MIN", "PTRDIFF_MAX"),
                           "int16_t": ("INT16_MIN", "INT16_MAX"), "int8_t": ("INT8_MIN", "INT8_MAX")}[core]
                    variants += [(i, f"{pname}=-1", f"({core})-1"), (i, f"{pname}=min", lim[0]), (i, f"{pname}=max", lim[1])]
                else:
                    variants += [(i, f"{pname}=max", f"({core})-1")]
            elif kind == "double":
                variants += [(i, f"{pname}={v}", v) for v in ("0.0", "-1.0", "NAN", "INFINITY", "1e300")]
            elif kind == "callback":
                variants.append((i, f"{pname}=cancel", "cancel_fn"))

        def baseline(i):
            (ctype, pname), (kind, core) = args[i], kinds[i]
            if kind == "handle":
                return f"({ctype})live_{core}" if core in FACTORIES else "NULL"
            if kind == "handle_out":
                return f"({ctype})buffer()"
            if kind == "struct":
                return f"({ctype})with_struct_size(sizeof({core}))"
            if kind == "pointer":
                return f"({ctype})buffer()"
            if kind == "string":
                return string_value(pname)
            if kind == "size":
                prev = args[i - 1] if i > 0 else None
                if prev and kinds[i - 1][0] == "string":
                    return f"strlen({string_value(prev[1])})"
                if pname.endswith("cap") or pname == "cap":
                    return "(size_t)4096"
                if "timeout" in pname:
                    return "(size_t)100"
                return "(size_t)2"
            if kind == "int":
                return f"({core})0"
            if kind == "double":
                return "1e-3"
            if kind == "callback":
                return "NULL"
            raise AssertionError(kind)

        body = f"sweep_{fname}"
        w.append(f"static void {body}(int v) {{")
        for vi, (i, label, expr) in enumerate(variants):
            call_args = [expr if j == i else baseline(j) for j in range(len(args))]
            # A string with its length next: the length of the string passed (a longer one
            # would be the caller's overread, not the library's).
            if i >= 0 and kinds[i][0] == "string" and i + 1 < len(args) and kinds[i + 1][0] == "size":
                call_args[i + 1] = "(size_t)0" if expr == "NULL" else f"strlen({expr})"
            call = f"{fname}({', '.join(call_args)})"
            refused = i >= 0 and kinds[i][0] == "handle"
            if ret == "int" and refused:
                # No handle, a stray, a freed or a wrong-type handle: never CELESTA_OK.
                stmt = f"if (check_refused({call})) _exit(1);"
            elif ret == "int":
                stmt = f"if (check_status({call})) _exit(1);"
            elif ret.startswith("const char"):
                stmt = f"if ({call} == NULL) _exit(1);"
            else:
                stmt = f"{call};"
            w.append(f"    if (v == {vi}) {{ {stmt} return; }}")
        w.append("}")
        for vi, (i, label, expr) in enumerate(variants):
            mains.append(f'    sweep("{fname}", "{label}", {body}, {vi});')

    w.append("\nint main(int argc, char **argv) {")
    w.append("    if (argc > 1) filter = argv[1];")
    w.append("    char dir[] = \"/tmp/celesta-sweep-XXXXXX\";")
    w.append("    if (mkdtemp(dir) == NULL || chdir(dir) != 0) { perror(\"sweep\"); return 2; }")
    w.append("    make_handles();")
    w.extend(mains)
    w.append(f'    printf("abi sweep: %d functions, %d calls, %d failed\\n", {len(protos)}, calls, failures);')
    w.append("    return failures == 0 ? 0 : 1;\n}")
    print("\n".join(w))


if __name__ == "__main__":
    main()
