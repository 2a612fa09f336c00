/*
 * _celesta: the CPython extension over the Celesta C ABI (include/celesta.h).
 *
 * Built against the limited API (abi3: Python >= 3.9, or >= 3.11 when built by 3.11+). It only converts: every rule lives in
 * the library. Failed calls raise the celesta.CelestaError subclass of their status code,
 * built by celesta._errors.error_from_status(code, message).
 *
 * This file: the version, status names and codes, build information, the chip table, and the
 * module. The other areas: _celesta_xylo.c, _celesta_afe.c, _celesta_hdk.c; their shared
 * helpers: _celesta_internal.h.
 */
#include "_celesta_internal.h"

/* celesta_build_info has no context. */
static int build_info_text(char *buf, size_t cap, size_t *len, const void *ctx) {
    (void)ctx;
    return celesta_build_info(buf, cap, len);
}

static PyObject *chip_dict(const celesta_xylo_chip_info_t *c) {
    PyObject *d = PyDict_New();
    if (d == NULL) return NULL;
    if (put(d, "id", PyUnicode_FromString(c->id)) < 0 ||
        put(d, "name", PyUnicode_FromString(c->name)) < 0 ||
        put(d, "aliases", PyUnicode_FromString(c->aliases)) < 0 ||
#define INT_FIELD(f) put(d, #f, PyLong_FromLong((long)c->f)) < 0 ||
        INT_FIELD(core_version)
        INT_FIELD(max_inputs)
        INT_FIELD(max_hidden_neurons)
        INT_FIELD(max_output_neurons)
        INT_FIELD(recommended_max_output_neurons)
        INT_FIELD(max_input_expansion_neurons)
        INT_FIELD(max_output_expansion_neurons)
        INT_FIELD(synapses_per_hidden_neuron)
        INT_FIELD(synapses_per_output_neuron)
        INT_FIELD(max_recurrent_fanout_entries)
        INT_FIELD(max_alias_targets)
        INT_FIELD(weight_bits)
        INT_FIELD(state_bits)
        INT_FIELD(threshold_bits)
        INT_FIELD(bias_bits)
        INT_FIELD(dash_min)
        INT_FIELD(dash_max)
        INT_FIELD(weight_shift_max)
        INT_FIELD(max_input_events_per_step)
        INT_FIELD(max_hidden_spikes_per_step)
        INT_FIELD(max_output_spikes_per_step)
#undef INT_FIELD
        put(d, "front_end", PyUnicode_FromString(c->front_end)) < 0 ||
        put(d, "mapper_dialect", PyUnicode_FromString(c->mapper_dialect)) < 0 ||
        put(d, "has_dev_kit", PyBool_FromLong(c->has_dev_kit)) < 0 ||
        put(d, "cycles_report_isyn2_ops", PyBool_FromLong(c->cycles_report_isyn2_ops)) < 0 ||
        0) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}

static PyObject *py_version(PyObject *self, PyObject *unused) {
    (void)self; (void)unused;
    int major = 0, minor = 0, patch = 0;
    int status = celesta_version(&major, &minor, &patch);
    if (status != CELESTA_OK) return raise_status(status);
    return Py_BuildValue("(iii)", major, minor, patch);
}

static PyObject *py_version_string(PyObject *self, PyObject *unused) {
    (void)self; (void)unused;
    return PyUnicode_FromString(celesta_version_string());
}

static PyObject *py_status_name(PyObject *self, PyObject *args) {
    (void)self;
    int status;
    if (!PyArg_ParseTuple(args, "i", &status)) return NULL;
    return PyUnicode_FromString(celesta_status_name(status));
}

static PyObject *py_build_info(PyObject *self, PyObject *unused) {
    (void)self; (void)unused;
    return text_result(build_info_text, NULL);
}

static PyObject *py_chip_count(PyObject *self, PyObject *unused) {
    (void)self; (void)unused;
    size_t count = 0;
    int status = celesta_xylo_chip_count(&count);
    return status == CELESTA_OK ? PyLong_FromSize_t(count) : raise_status(status);
}

static PyObject *py_chip_info(PyObject *self, PyObject *args) {
    (void)self;
    Py_ssize_t index;
    if (!PyArg_ParseTuple(args, "n", &index)) return NULL;
    if (index < 0) {
        PyErr_Format(PyExc_IndexError, "chip index %zd is negative", index);
        return NULL;
    }
    celesta_xylo_chip_info_t info = CELESTA_INIT(celesta_xylo_chip_info_t);
    int status = celesta_xylo_chip_info(&info, (size_t)index);
    if (status != CELESTA_OK) return raise_status(status);
    return chip_dict(&info);
}

static PyObject *py_chip_find(PyObject *self, PyObject *args) {
    (void)self;
    const char *name;
    if (!PyArg_ParseTuple(args, "s", &name)) return NULL;
    celesta_xylo_chip_info_t info = CELESTA_INIT(celesta_xylo_chip_info_t);
    int status = celesta_xylo_chip_find(&info, name);
    if (status != CELESTA_OK) return raise_status(status);
    return chip_dict(&info);
}

static PyObject *py_status_codes(PyObject *self, PyObject *unused) {
    (void)self; (void)unused;
    /* Every code the library names, probing a range wider than the enum. */
    PyObject *d = PyDict_New();
    if (d == NULL) return NULL;
    for (int code = 0; code >= -255; --code) {
        const char *name = celesta_status_name(code);
        if (strcmp(name, "CELESTA_UNKNOWN_STATUS") == 0) continue;
        if (put(d, name, PyLong_FromLong(code)) < 0) {
            Py_DECREF(d);
            return NULL;
        }
    }
    return d;
}

static PyMethodDef methods[] = {
    {"version", py_version, METH_NOARGS, "Runtime library version as (major, minor, patch)."},
    {"version_string", py_version_string, METH_NOARGS, "Runtime library version as 'MAJOR.MINOR.PATCH'."},
    {"status_name", py_status_name, METH_VARARGS, "C name of a status code."},
    {"status_codes", py_status_codes, METH_NOARGS, "Dict of every status name to its code."},
    {"build_info", py_build_info, METH_NOARGS, "One-line description of the library build."},
    {"chip_count", py_chip_count, METH_NOARGS, "Number of chips in the table."},
    {"chip_info", py_chip_info, METH_VARARGS, "Chip record by index, as a dict."},
    {"chip_find", py_chip_find, METH_VARARGS, "Chip record by id, name or alias, as a dict."},
    {NULL, NULL, 0, NULL},
};

/* ---- Every module function of the areas runs in a wrapper that drops, when it returns, the
 * handle locks it took (see handle_lock in _celesta_internal.h). The wrapper's self is a capsule
 * of the original method definition. ---- */
__thread call_state celesta_py_state;

typedef PyObject *(*fast_fn)(PyObject *, PyObject *const *, Py_ssize_t);

static void call_leave(void) {
    call_state *st = &celesta_py_state;
    if (--st->depth > 0) return;
    while (st->n > 0) handle_lock_drop(st->held[--st->n]);
}

static PyObject *call_varargs(PyObject *self, PyObject *args) {
    PyMethodDef *def = PyCapsule_GetPointer(self, "celesta.method");
    if (def == NULL) return NULL;
    celesta_py_state.depth++;
    PyObject *r = def->ml_meth(NULL, args);
    call_leave();
    return r;
}

static PyObject *call_fast(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    PyMethodDef *def = PyCapsule_GetPointer(self, "celesta.method");
    if (def == NULL) return NULL;
    celesta_py_state.depth++;
    PyObject *r = ((fast_fn)(void (*)(void))def->ml_meth)(NULL, args, nargs);
    call_leave();
    return r;
}

/* Adds the functions of `defs` to the module, each in its wrapper. */
static int add_functions(PyObject *m, PyMethodDef *defs) {
    PyObject *name = PyModule_GetNameObject(m);
    if (name == NULL) return -1;
    for (PyMethodDef *d = defs; d->ml_name != NULL; ++d) {
        PyMethodDef *w = PyMem_Malloc(sizeof *w); /* kept for the life of the process */
        if (w == NULL) {
            Py_DECREF(name);
            return -1;
        }
        *w = *d;
        w->ml_meth = (d->ml_flags & METH_FASTCALL) ? (PyCFunction)(void (*)(void))call_fast : call_varargs;
        PyObject *orig = PyCapsule_New(d, "celesta.method", NULL);
        PyObject *f = orig == NULL ? NULL : PyCFunction_NewEx(w, orig, name);
        Py_XDECREF(orig);
        if (f == NULL || PyModule_AddObject(m, d->ml_name, f) < 0) {
            Py_XDECREF(f);
            Py_DECREF(name);
            return -1;
        }
    }
    Py_DECREF(name);
    return 0;
}

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_celesta", "Low-level bindings to libcelesta (use the celesta package).",
    -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__celesta(void) {
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (add_functions(m, celesta_xylo_methods) < 0 || add_functions(m, celesta_afe_methods) < 0 ||
        add_functions(m, celesta_hdk_methods) < 0 || add_functions(m, celesta_snapshot_methods) < 0) { /* the other areas' functions */
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddIntConstant(m, "HEADER_VERSION_MAJOR", CELESTA_VERSION_MAJOR) < 0 ||
        PyModule_AddIntConstant(m, "HEADER_VERSION_MINOR", CELESTA_VERSION_MINOR) < 0 ||
        PyModule_AddIntConstant(m, "HEADER_VERSION_PATCH", CELESTA_VERSION_PATCH) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
