/*
 * _celesta: the CPython extension over the Celesta C ABI (include/celesta.h).
 *
 * Built against the limited API (abi3: Python >= 3.9, or >= 3.11 when built by 3.11+). It only converts: every rule lives in
 * the library. Failed calls raise the celesta.CelestaError subclass of their status code,
 * built by celesta._errors.error_from_status(code, message).
 */
#define PY_SSIZE_T_CLEAN
#ifndef Py_LIMITED_API /* setup.py sets it: 3.11's when built by Python >= 3.11, else 3.9's */
#define Py_LIMITED_API 0x03090000
#endif
#include <Python.h>

#include <stdlib.h>
#include <string.h>

#include "celesta.h"

/* Raises the Python exception for a failed call's status and this thread's message. An
 * exception already set (by a progress callback, or a KeyboardInterrupt caught while the call
 * ran) is raised as it is instead. */
static PyObject *raise_status(int status) {
    if (PyErr_Occurred()) return NULL;
    PyObject *errors = PyImport_ImportModule("celesta._errors");
    if (errors == NULL) return NULL;
    PyObject *exc = PyObject_CallMethod(errors, "error_from_status", "is", status, celesta_last_error());
    Py_DECREF(errors);
    if (exc == NULL) return NULL;
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
    return NULL;
}

/* Sets dict[key] = value and drops the reference to value; returns -1 on failure. */
static int put(PyObject *dict, const char *key, PyObject *value) {
    if (value == NULL) return -1;
    int rc = PyDict_SetItemString(dict, key, value);
    Py_DECREF(value);
    return rc;
}

/* ---- Shared call helpers: every method is parse, call, convert; these do the convert. ---- */

/* None on success, else the exception of `status`. */
static PyObject *none_result(int status) {
    if (status != CELESTA_OK) return raise_status(status);
    Py_RETURN_NONE;
}

/* A text output under the header's size-query idiom, read through `fn(buf, cap, len, ctx)`
 * (one of the *_text adapters below): a query, then the call into a buffer of that size. */
typedef int (*text_fn)(char *buf, size_t cap, size_t *len, const void *ctx);

static PyObject *text_result(text_fn fn, const void *ctx) {
    size_t len = 0;
    int status = fn(NULL, 0, &len, ctx);
    if (status != CELESTA_OK) return raise_status(status);
    char *buffer = malloc(len);
    if (buffer == NULL) return PyErr_NoMemory();
    status = fn(buffer, len, &len, ctx);
    PyObject *result = status == CELESTA_OK ? PyUnicode_FromString(buffer) : raise_status(status);
    free(buffer);
    return result;
}

/* An adapter `fn`_text of the text function `fn(buf, cap, len, const celesta_xylo_T_t *)`. */
#define TEXT_ADAPTER(fn, T)                                                  \
    static int fn##_text(char *buf, size_t cap, size_t *len, const void *ctx) { \
        return fn(buf, cap, len, (const celesta_xylo_##T##_t *)ctx);          \
    }

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


/* ---- Xylo configurations and simulators ---------------------------------------------- */

/* Capsule plumbing for the handle type celesta_xylo_T_t: T_capsule_free (the capsule
 * destructor, calling celesta_xylo_T_free), T_of (the handle in a capsule, NULL with TypeError
 * otherwise), T_arg (the handle of an argument tuple holding just that capsule), wrap_T (a new
 * capsule owning the handle; the handle is freed if the capsule cannot be made) and T_result
 * (wrap_T of a handle just created, or the exception of a failed creation's status). */
#define CAPSULE_TYPE(T)                                                                            \
    static void T##_capsule_free(PyObject *cap) {                                                  \
        celesta_xylo_##T##_free((celesta_xylo_##T##_t *)PyCapsule_GetPointer(cap, "celesta_xylo_" #T "_t")); \
    }                                                                                              \
    static celesta_xylo_##T##_t *T##_of(PyObject *cap) {                                           \
        return (celesta_xylo_##T##_t *)PyCapsule_GetPointer(cap, "celesta_xylo_" #T "_t");        \
    }                                                                                              \
    static inline celesta_xylo_##T##_t *T##_arg(PyObject *args) {                                  \
        PyObject *cap;                                                                             \
        return PyArg_ParseTuple(args, "O", &cap) ? T##_of(cap) : NULL;                             \
    }                                                                                              \
    static PyObject *wrap_##T(celesta_xylo_##T##_t *handle) {                                      \
        PyObject *cap = PyCapsule_New(handle, "celesta_xylo_" #T "_t", T##_capsule_free);          \
        if (cap == NULL) celesta_xylo_##T##_free(handle);                                          \
        return cap;                                                                                \
    }                                                                                              \
    static inline PyObject *T##_result(int status, celesta_xylo_##T##_t *handle) {                 \
        return status == CELESTA_OK ? wrap_##T(handle) : raise_status(status);                     \
    }

/* Methods of the common shapes, for the handle type T and the C function fn:
 * HANDLE_STATUS_METHOD  name(capsule) -> None               fn(handle)
 * HANDLE_TEXT_METHOD    name(capsule) -> str                fn(buf, cap, len, handle), size query
 * PATH_CREATE_METHOD    name(path) -> capsule               fn(&out, path)
 * JSON_CREATE_METHOD    name(text) -> capsule               fn(&out, text, len) */
#define HANDLE_STATUS_METHOD(name, T, fn)                          \
    static PyObject *name(PyObject *self, PyObject *args) {        \
        (void)self;                                                \
        celesta_xylo_##T##_t *handle = T##_arg(args);              \
        return handle == NULL ? NULL : none_result(fn(handle));    \
    }
#define HANDLE_TEXT_METHOD(name, T, fn)                            \
    TEXT_ADAPTER(fn, T)                                            \
    static PyObject *name(PyObject *self, PyObject *args) {        \
        (void)self;                                                \
        celesta_xylo_##T##_t *handle = T##_arg(args);              \
        return handle == NULL ? NULL : text_result(fn##_text, handle); \
    }
#define PATH_CREATE_METHOD(name, T, fn)                            \
    static PyObject *name(PyObject *self, PyObject *args) {        \
        (void)self;                                                \
        const char *path;                                          \
        if (!PyArg_ParseTuple(args, "s", &path)) return NULL;      \
        celesta_xylo_##T##_t *out = NULL;                          \
        int status = fn(&out, path);                               \
        return T##_result(status, out);                            \
    }
#define JSON_CREATE_METHOD(name, T, fn)                            \
    static PyObject *name(PyObject *self, PyObject *args) {        \
        (void)self;                                                \
        const char *text;                                          \
        Py_ssize_t len;                                            \
        if (!PyArg_ParseTuple(args, "s#", &text, &len)) return NULL; \
        celesta_xylo_##T##_t *out = NULL;                          \
        int status = fn(&out, text, (size_t)len);                  \
        return T##_result(status, out);                            \
    }

CAPSULE_TYPE(config)
CAPSULE_TYPE(sim)
CAPSULE_TYPE(network)
CAPSULE_TYPE(spec)

/* Reads arrays[name] = (address, length) of a buffer the caller keeps alive, or None. */
static int buffer_arg(PyObject *arrays, const char *name, void **ptr, size_t *len) {
    *ptr = NULL;
    *len = 0;
    PyObject *item = PyDict_GetItemString(arrays, name); /* borrowed */
    if (item == NULL || item == Py_None) return 0;
    unsigned long long address;
    Py_ssize_t count;
    if (!PyArg_ParseTuple(item, "Kn", &address, &count)) return -1;
    if (count < 0) {
        PyErr_Format(PyExc_ValueError, "array '%s' has a negative length", name);
        return -1;
    }
    *ptr = (void *)(uintptr_t)address;
    *len = (size_t)count;
    return 0;
}

/* The same for an int32 buffer that the library only reads. */
static int array_arg(PyObject *arrays, const char *name, const int32_t **ptr, size_t *len) {
    void *p;
    int status = buffer_arg(arrays, name, &p, len);
    *ptr = (const int32_t *)p;
    return status;
}

static PyObject *py_config_create(PyObject *self, PyObject *args) {
    (void)self;
    celesta_xylo_config_desc_t d = CELESTA_INIT(celesta_xylo_config_desc_t);
    PyObject *arrays;
    if (!PyArg_ParseTuple(args, "s(iiiiii)O!(iii)di", &d.chip, &d.n_in, &d.n_hidden, &d.n_out, &d.n_syn, &d.n_ien,
                          &d.n_oen, &PyDict_Type, &arrays, &d.weight_shift_in, &d.weight_shift_rec,
                          &d.weight_shift_out, &d.dt, &d.bias_enabled))
        return NULL;
    if (array_arg(arrays, "weights_in", &d.weights_in, &d.weights_in_len) < 0 ||
        array_arg(arrays, "weights_rec", &d.weights_rec, &d.weights_rec_len) < 0 ||
        array_arg(arrays, "weights_out", &d.weights_out, &d.weights_out_len) < 0 ||
        array_arg(arrays, "dash_mem", &d.dash_mem, &d.dash_mem_len) < 0 ||
        array_arg(arrays, "dash_syn", &d.dash_syn, &d.dash_syn_len) < 0 ||
        array_arg(arrays, "dash_syn_2", &d.dash_syn_2, &d.dash_syn_2_len) < 0 ||
        array_arg(arrays, "threshold", &d.threshold, &d.threshold_len) < 0 ||
        array_arg(arrays, "bias", &d.bias, &d.bias_len) < 0 ||
        array_arg(arrays, "dash_mem_out", &d.dash_mem_out, &d.dash_mem_out_len) < 0 ||
        array_arg(arrays, "dash_syn_out", &d.dash_syn_out, &d.dash_syn_out_len) < 0 ||
        array_arg(arrays, "threshold_out", &d.threshold_out, &d.threshold_out_len) < 0 ||
        array_arg(arrays, "bias_out", &d.bias_out, &d.bias_out_len) < 0 ||
        array_arg(arrays, "aliases", &d.aliases, &d.aliases_len) < 0)
        return NULL;
    celesta_xylo_config_t *config = NULL;
    int status = celesta_xylo_config_create(&config, &d);
    return config_result(status, config);
}

/* config_validate(config) -> the broken rules, "; "-separated ('' when valid). */
HANDLE_TEXT_METHOD(py_config_validate, config, celesta_xylo_config_issues)

HANDLE_TEXT_METHOD(py_config_to_json, config, celesta_xylo_config_to_json)

JSON_CREATE_METHOD(py_config_from_json, config, celesta_xylo_config_from_json)

static PyObject *py_config_save(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    const char *path;
    if (!PyArg_ParseTuple(args, "Os", &cap, &path) || config_of(cap) == NULL) return NULL;
    return none_result(celesta_xylo_config_save(config_of(cap), path));
}

PATH_CREATE_METHOD(py_config_load, config, celesta_xylo_config_load)

static PyObject *py_config_dims(PyObject *self, PyObject *args) {
    (void)self;
    celesta_xylo_config_t *config = config_arg(args);
    if (config == NULL) return NULL;
    celesta_xylo_config_dims_t d = CELESTA_INIT(celesta_xylo_config_dims_t);
    int status = celesta_xylo_config_dims(&d, config);
    if (status != CELESTA_OK) return raise_status(status);
    return Py_BuildValue("(iiiiii)", d.n_in, d.n_hidden, d.n_out, d.n_syn, d.n_ien, d.n_oen);
}

static PyObject *py_sim_create(PyObject *self, PyObject *args) {
    (void)self;
    celesta_xylo_config_t *config = config_arg(args);
    if (config == NULL) return NULL;
    celesta_xylo_sim_t *sim = NULL;
    int status = celesta_xylo_sim_create(&sim, config);
    return sim_result(status, sim);
}

static PyObject *py_sim_copy(PyObject *self, PyObject *args) {
    (void)self;
    celesta_xylo_sim_t *sim = sim_arg(args);
    if (sim == NULL) return NULL;
    celesta_xylo_sim_t *copy = NULL;
    int status = celesta_xylo_sim_copy(&copy, sim);
    return sim_result(status, copy);
}

HANDLE_STATUS_METHOD(py_sim_reset, sim, celesta_xylo_sim_reset)

/* Fills *rec from records, a dict of name -> (address, length) of int32 buffers the caller keeps
 * alive, and points *recp at it; with records None *recp is NULL. -1 with an exception set. */
static int record_args(PyObject *records, celesta_xylo_sim_record_t *rec, celesta_xylo_sim_record_t **recp) {
    *rec = CELESTA_INIT(celesta_xylo_sim_record_t);
    *recp = NULL;
    if (records == Py_None) return 0;
    if (!PyDict_Check(records)) {
        PyErr_SetString(PyExc_TypeError, "records must be a dict or None");
        return -1;
    }
    const int32_t *p;
    size_t n;
#define REC(field, key)                                              \
    if (array_arg(records, key, &p, &n) < 0) return -1;              \
    rec->field = (int32_t *)(uintptr_t)p;                            \
    rec->field##_len = n;
    REC(vmem, "Vmem") REC(isyn, "Isyn") REC(isyn2, "Isyn2") REC(spikes, "Spikes")
    REC(vmem_out, "Vmem_out") REC(isyn_out, "Isyn_out") REC(hibernation, "hibernation")
#undef REC
    *recp = rec;
    return 0;
}

/* An int32 input the library only reads during one call: either (address, length) of a buffer
 * the caller keeps alive, or an object exporting a C-contiguous buffer of 4-byte integers (a
 * numpy int32 array). Built for Python >= 3.11 the extension reads such an object's buffer
 * directly (PyObject_GetBuffer joined the limited API in 3.11), saving numpy's `.ctypes`
 * lookup, about 1.5 us per call; built for 3.9/3.10 it asks numpy for `.ctypes.data` and
 * `.size`. A negative length is refused. Release with input_release() once the call is done. */
typedef struct {
    const int32_t *ptr;
    Py_ssize_t len;
#if Py_LIMITED_API + 0 >= 0x030B0000
    Py_buffer view;
    int has_view;
#endif
} int32_input;

#if Py_LIMITED_API + 0 >= 0x030B0000
/* Whether a buffer's struct-module format is the native type `code` ('i' int32, 'd' float64):
 * "c", "@c", "=c", or "<c" on a little-endian machine. */
static int native_format(const char *f, char code) {
    int little = 1;
    return f != NULL && ((f[0] == code && f[1] == 0) ||
                         ((f[0] == '@' || f[0] == '=' || (f[0] == '<' && *(char *)&little)) && f[1] == code && f[2] == 0));
}
#endif

static int input_arg(PyObject *obj, int32_input *in) {
    memset(in, 0, sizeof *in);
    if (PyTuple_Check(obj)) {
        unsigned long long addr;
        if (!PyArg_ParseTuple(obj, "Kn", &addr, &in->len)) return -1;
        if (in->len < 0) {
            PyErr_SetString(PyExc_ValueError, "negative length");
            return -1;
        }
        in->ptr = (const int32_t *)(uintptr_t)addr;
        return 0;
    }
#if Py_LIMITED_API + 0 >= 0x030B0000
    if (PyObject_GetBuffer(obj, &in->view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    in->has_view = 1;
    if (in->view.itemsize != 4 || !native_format(in->view.format, 'i')) {
        PyErr_SetString(PyExc_TypeError, "input must be a C-contiguous int32 array");
        PyBuffer_Release(&in->view);
        in->has_view = 0;
        return -1;
    }
    in->ptr = (const int32_t *)in->view.buf;
    in->len = in->view.len / 4;
    return 0;
#else
    PyObject *ct = PyObject_GetAttrString(obj, "ctypes");
    PyObject *data = ct == NULL ? NULL : PyObject_GetAttrString(ct, "data");
    PyObject *size = data == NULL ? NULL : PyObject_GetAttrString(obj, "size");
    Py_XDECREF(ct);
    if (size == NULL) {
        Py_XDECREF(data);
        return -1;
    }
    in->ptr = (const int32_t *)PyLong_AsVoidPtr(data);
    in->len = PyLong_AsSsize_t(size);
    Py_DECREF(data);
    Py_DECREF(size);
    return PyErr_Occurred() ? -1 : 0;
#endif
}

static void input_release(int32_input *in) {
#if Py_LIMITED_API + 0 >= 0x030B0000
    if (in->has_view) PyBuffer_Release(&in->view);
    in->has_view = 0;
#else
    (void)in;
#endif
}

/* Progress of a long call while the GIL is released: the trampoline takes the GIL, calls the
 * Python callable (if any) with (done, total), and checks for signals (Ctrl-C) on the main
 * thread. A False return, an exception in the callable or a pending KeyboardInterrupt cancels
 * the call; the exception stays set for the caller to raise once the call has returned. */
typedef struct {
    PyObject *callable; /* borrowed; NULL for signal checks only */
} py_progress;

static int progress_trampoline(void *user, size_t done, size_t total) {
    py_progress *p = user;
    PyGILState_STATE gil = PyGILState_Ensure();
    int cancel = 0;
    if (PyErr_CheckSignals() < 0) {
        cancel = 1;
    } else if (p->callable != NULL) {
        PyObject *r = PyObject_CallFunction(p->callable, "nn", (Py_ssize_t)done, (Py_ssize_t)total);
        if (r == NULL) {
            cancel = 1;
        } else {
            cancel = r == Py_False;
            Py_DECREF(r);
        }
    }
    PyGILState_Release(gil);
    return cancel;
}

/* The progress argument of a call: None (no callback), True (signal checks only) or a callable;
 * fills *p and returns 1 when a callback is to be set, 0 when not, -1 with an exception. */
static int progress_arg(PyObject *arg, py_progress *p) {
    p->callable = NULL;
    if (arg == NULL || arg == Py_None || arg == Py_False) return 0;
    if (arg == Py_True) return 1;
    if (!PyCallable_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "progress must be a callable progress(done, total), True or None");
        return -1;
    }
    p->callable = arg;
    return 1;
}

/* Runs `call` (assigning its status to `status`) with the GIL released; with `on` non-zero the
 * trampoline over `progress` is the handle's progress callback during the call (`set` is the
 * handle's celesta_*_set_progress). An exception raised at a report the library does not stop
 * at (the last one of a simulation or a kit run) fails the call too. */
#define CALL_WITH_PROGRESS(set, handle, on, progress, status, call)                  \
    do {                                                                             \
        if (on) set(handle, progress_trampoline, &(progress));                       \
        Py_BEGIN_ALLOW_THREADS                                                       \
        status = call;                                                               \
        Py_END_ALLOW_THREADS                                                         \
        if (on) set(handle, NULL, NULL);                                             \
        if ((on) && status == CELESTA_OK && PyErr_Occurred()) status = CELESTA_ERR_CANCELLED; \
    } while (0)

/* sim_evolve(sim, input, steps, out, records[, progress]): `input` as input_arg() reads it; `out` is
 * (address, length) of a caller buffer (returns None), or a length: the spikes then go into a
 * new bytearray of that many int32 values, which is returned (no numpy allocation or address
 * lookup needed); `records` None or a dict of name -> (address, length) of int32 buffers the
 * caller keeps alive; `progress` as progress_arg() reads it. The GIL is released while the
 * simulator runs. */
static PyObject *py_sim_evolve(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap, *in_arg, *records, *out_arg, *progress_obj = NULL, *result = NULL;
    unsigned long long out_addr = 0;
    Py_ssize_t out_len = 0, steps;
    if (!PyArg_ParseTuple(args, "OOnOO|O", &cap, &in_arg, &steps, &out_arg, &records, &progress_obj)) return NULL;
    celesta_xylo_sim_t *sim = sim_of(cap);
    if (sim == NULL) return NULL;
    py_progress progress;
    int with_progress = progress_arg(progress_obj, &progress);
    if (with_progress < 0) return NULL;
    if (PyLong_Check(out_arg)) {
        out_len = PyLong_AsSsize_t(out_arg);
        if (out_len == -1 && PyErr_Occurred()) return NULL;
    } else if (!PyArg_ParseTuple(out_arg, "Kn", &out_addr, &out_len)) {
        return NULL;
    }
    if (out_len < 0 || steps < 0 || out_len > PY_SSIZE_T_MAX / 4) {
        PyErr_SetString(PyExc_ValueError, "negative length");
        return NULL;
    }
    int32_input in;
    if (input_arg(in_arg, &in) < 0) return NULL;
    celesta_xylo_sim_record_t rec;
    celesta_xylo_sim_record_t *recp = NULL;
    size_t out_needed = 0;
    if (PyLong_Check(out_arg)) {
        result = PyByteArray_FromStringAndSize(NULL, out_len * 4);
        if (result == NULL) goto fail;
        out_addr = (unsigned long long)(uintptr_t)PyByteArray_AsString(result);
    }
    if (record_args(records, &rec, &recp) < 0) goto fail;
    int status;
    CALL_WITH_PROGRESS(celesta_xylo_sim_set_progress, sim, with_progress, progress, status,
                       celesta_xylo_sim_evolve((int32_t *)(uintptr_t)out_addr, (size_t)out_len, &out_needed, recp, sim,
                                               in.ptr, (size_t)in.len, (size_t)steps));
    input_release(&in);
    if (status != CELESTA_OK) {
        Py_XDECREF(result);
        return raise_status(status);
    }
    if (result != NULL) return result;
    Py_RETURN_NONE;
fail:
    input_release(&in);
    Py_XDECREF(result);
    return NULL;
}

/* ---- Networks, the Xylo mapper and the quantizers ------------------------------------ */

JSON_CREATE_METHOD(py_network_from_json, network, celesta_xylo_network_from_json)

/* network_from_json_arrays(text, arrays): `arrays` a list of (address, length) of float64
 * buffers the caller keeps alive, referred to as {"$array": k} in the text. */
static PyObject *py_network_from_json_arrays(PyObject *self, PyObject *args) {
    (void)self;
    const char *text;
    Py_ssize_t len;
    PyObject *list;
    if (!PyArg_ParseTuple(args, "s#O!", &text, &len, &PyList_Type, &list)) return NULL;
    Py_ssize_t count = PyList_Size(list);
    const double **arrays = PyMem_Calloc((size_t)count + 1, sizeof *arrays);
    size_t *lens = PyMem_Calloc((size_t)count + 1, sizeof *lens);
    PyObject *result = NULL;
    if (arrays == NULL || lens == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < count; k++) {
        unsigned long long addr;
        Py_ssize_t n;
        if (!PyArg_ParseTuple(PyList_GetItem(list, k), "Kn", &addr, &n)) goto done;
        if (n < 0) {
            PyErr_SetString(PyExc_ValueError, "negative length");
            goto done;
        }
        arrays[k] = (const double *)(uintptr_t)addr;
        lens[k] = (size_t)n;
    }
    celesta_xylo_network_t *net = NULL;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = celesta_xylo_network_from_json_arrays(&net, text, (size_t)len, arrays, lens, (size_t)count);
    Py_END_ALLOW_THREADS
    result = network_result(status, net);
done:
    PyMem_Free(arrays);
    PyMem_Free(lens);
    return result;
}

PATH_CREATE_METHOD(py_network_load, network, celesta_xylo_network_load)

/* xylo_map(network, chip, max_hidden (0 = chip limit), max_output (0 = chip limit), rockpool_compatible) */
static PyObject *py_xylo_map(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    const char *chip;
    int max_hidden, max_output, compatible;
    if (!PyArg_ParseTuple(args, "Osiip", &cap, &chip, &max_hidden, &max_output, &compatible)) return NULL;
    celesta_xylo_network_t *net = network_of(cap);
    if (net == NULL) return NULL;
    celesta_xylo_spec_t *spec = NULL;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = celesta_xylo_map_limits(&spec, net, chip, max_hidden, max_output, compatible);
    Py_END_ALLOW_THREADS
    return spec_result(status, spec);
}

JSON_CREATE_METHOD(py_spec_from_json, spec, celesta_xylo_spec_from_json)

HANDLE_TEXT_METHOD(py_spec_to_json, spec, celesta_xylo_spec_to_json)

HANDLE_TEXT_METHOD(py_spec_warnings, spec, celesta_xylo_spec_warnings)

static PyObject *py_spec_weights_ndim(PyObject *self, PyObject *args) {
    (void)self;
    celesta_xylo_spec_t *spec = spec_arg(args);
    if (spec == NULL) return NULL;
    int ndim = 0;
    int status = celesta_xylo_spec_weights_ndim(&ndim, spec);
    return status == CELESTA_OK ? PyLong_FromLong(ndim) : raise_status(status);
}

/* The same for a float64 buffer. */
static int double_arg(PyObject *arrays, const char *name, double **ptr, size_t *len) {
    void *p;
    int status = buffer_arg(arrays, name, &p, len);
    *ptr = (double *)p;
    return status;
}

/* Fills a celesta_xylo_spec_arrays_t from a dict of (address, length): float64 buffers, int32 aliases. */
static int spec_arrays_arg(PyObject *arrays, celesta_xylo_spec_arrays_t *a) {
    *a = CELESTA_INIT(celesta_xylo_spec_arrays_t);
    void *aliases = NULL;
    int failed =
        double_arg(arrays, "weights_in", &a->weights_in, &a->weights_in_len) < 0 ||
        double_arg(arrays, "weights_rec", &a->weights_rec, &a->weights_rec_len) < 0 ||
        double_arg(arrays, "weights_out", &a->weights_out, &a->weights_out_len) < 0 ||
        double_arg(arrays, "dash_mem", &a->dash_mem, &a->dash_mem_len) < 0 ||
        double_arg(arrays, "dash_syn", &a->dash_syn, &a->dash_syn_len) < 0 ||
        double_arg(arrays, "dash_syn_2", &a->dash_syn_2, &a->dash_syn_2_len) < 0 ||
        double_arg(arrays, "threshold", &a->threshold, &a->threshold_len) < 0 ||
        double_arg(arrays, "bias", &a->bias, &a->bias_len) < 0 ||
        double_arg(arrays, "dash_mem_out", &a->dash_mem_out, &a->dash_mem_out_len) < 0 ||
        double_arg(arrays, "dash_syn_out", &a->dash_syn_out, &a->dash_syn_out_len) < 0 ||
        double_arg(arrays, "threshold_out", &a->threshold_out, &a->threshold_out_len) < 0 ||
        double_arg(arrays, "bias_out", &a->bias_out, &a->bias_out_len) < 0 ||
        buffer_arg(arrays, "aliases", &aliases, &a->aliases_len) < 0;
    a->aliases = (int32_t *)aliases;
    return failed ? -1 : 0;
}

/* spec_dims(spec) -> (chip or None, n_in, n_hidden, n_out, n_syn, n_ien, n_oen,
 *                     weight_shift_in, weight_shift_rec, weight_shift_out, weights_ndim, dt) */
static PyObject *py_spec_dims(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    if (!PyArg_ParseTuple(args, "O", &cap)) return NULL;
    celesta_xylo_spec_t *spec = spec_of(cap);
    if (spec == NULL) return NULL;
    celesta_xylo_spec_dims_t d = CELESTA_INIT(celesta_xylo_spec_dims_t);
    int status = celesta_xylo_spec_dims(&d, spec);
    if (status != CELESTA_OK) return raise_status(status);
    return Py_BuildValue("(ziiiiiiiiiid)", d.chip, d.n_in, d.n_hidden, d.n_out, d.n_syn, d.n_ien, d.n_oen,
                         d.weight_shift_in, d.weight_shift_rec, d.weight_shift_out, d.weights_ndim, d.dt);
}

/* spec_read(spec, arrays): fills the buffers of the dict {key: (address, length)}. */
static PyObject *py_spec_read(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap, *arrays;
    if (!PyArg_ParseTuple(args, "OO!", &cap, &PyDict_Type, &arrays)) return NULL;
    celesta_xylo_spec_t *spec = spec_of(cap);
    celesta_xylo_spec_arrays_t a;
    if (spec == NULL || spec_arrays_arg(arrays, &a) < 0) return NULL;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = celesta_xylo_spec_read(&a, spec);
    Py_END_ALLOW_THREADS
    return none_result(status);
}

/* spec_create((chip or None, n_in, n_hidden, n_out, n_syn, n_ien, n_oen, shift_in, shift_rec,
 *              shift_out, weights_ndim, dt), arrays) -> specification capsule */
static PyObject *py_spec_create(PyObject *self, PyObject *args) {
    (void)self;
    celesta_xylo_spec_dims_t d = CELESTA_INIT(celesta_xylo_spec_dims_t);
    PyObject *arrays;
    if (!PyArg_ParseTuple(args, "(ziiiiiiiiiid)O!", &d.chip, &d.n_in, &d.n_hidden, &d.n_out, &d.n_syn, &d.n_ien,
                          &d.n_oen, &d.weight_shift_in, &d.weight_shift_rec, &d.weight_shift_out, &d.weights_ndim,
                          &d.dt, &PyDict_Type, &arrays))
        return NULL;
    celesta_xylo_spec_arrays_t a;
    if (spec_arrays_arg(arrays, &a) < 0) return NULL;
    celesta_xylo_spec_t *spec = NULL;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = celesta_xylo_spec_create(&spec, &d, &a);
    Py_END_ALLOW_THREADS
    return spec_result(status, spec);
}

/* spec_quantize_read(spec, method, weight_bits, threshold_bits, arrays): quantized values into
 * the float64 buffers of the dict. */
static PyObject *py_spec_quantize_read(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap, *arrays;
    int method, weight_bits, threshold_bits;
    if (!PyArg_ParseTuple(args, "OiiiO!", &cap, &method, &weight_bits, &threshold_bits, &PyDict_Type, &arrays))
        return NULL;
    celesta_xylo_spec_t *spec = spec_of(cap);
    celesta_xylo_spec_arrays_t a;
    if (spec == NULL || spec_arrays_arg(arrays, &a) < 0) return NULL;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = celesta_xylo_spec_quantize_read(&a, spec, method, weight_bits, threshold_bits);
    Py_END_ALLOW_THREADS
    return none_result(status);
}

/* spec_quantize(spec, method, weight_bits, threshold_bits) -> configuration capsule */
static PyObject *py_spec_quantize(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    int method, weight_bits, threshold_bits;
    if (!PyArg_ParseTuple(args, "Oiii", &cap, &method, &weight_bits, &threshold_bits)) return NULL;
    celesta_xylo_spec_t *spec = spec_of(cap);
    if (spec == NULL) return NULL;
    celesta_xylo_config_t *config = NULL;
    int status = celesta_xylo_spec_quantize(&config, spec, method, weight_bits, threshold_bits);
    return config_result(status, config);
}

/* The arguments of celesta_xylo_spec_quantize_json() but its buffer, as a text_fn context. */
typedef struct {
    const celesta_xylo_spec_t *spec;
    int method, weight_bits, threshold_bits;
} quantize_args;

static int quantize_json_text(char *buf, size_t cap, size_t *len, const void *ctx) {
    const quantize_args *q = ctx;
    return celesta_xylo_spec_quantize_json(buf, cap, len, q->spec, q->method, q->weight_bits, q->threshold_bits);
}

/* spec_quantize_json(spec, method, weight_bits, threshold_bits) -> JSON text of the arrays */
static PyObject *py_spec_quantize_json(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    quantize_args q;
    if (!PyArg_ParseTuple(args, "Oiii", &cap, &q.method, &q.weight_bits, &q.threshold_bits)) return NULL;
    q.spec = spec_of(cap);
    return q.spec == NULL ? NULL : text_result(quantize_json_text, &q);
}

static PyObject *py_xylo_cycles(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    double p_in, p_hid, p_out, cycles = 0, isyn2 = 0;
    if (!PyArg_ParseTuple(args, "Oddd", &cap, &p_in, &p_hid, &p_out) || config_of(cap) == NULL) return NULL;
    int status = celesta_xylo_cycles(&cycles, &isyn2, config_of(cap), p_in, p_hid, p_out);
    if (status != CELESTA_OK) return raise_status(status);
    return Py_BuildValue("(dd)", cycles, isyn2);
}

static PyObject *py_xylo_clock_frequency(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    double dt, margin, hz = 0;
    if (!PyArg_ParseTuple(args, "Odd", &cap, &dt, &margin) || config_of(cap) == NULL) return NULL;
    int status = celesta_xylo_clock_frequency(&hz, config_of(cap), dt, margin);
    return status == CELESTA_OK ? PyFloat_FromDouble(hz) : raise_status(status);
}

/* ---- Dev kits (HDK) ------------------------------------------------------------------- */

CAPSULE_TYPE(hdk)

static PyObject *hdk_info_dict(const celesta_xylo_hdk_info_t *i) {
    return Py_BuildValue("{s:s,s:s,s:s,s:s,s:(ii),s:i}", "kind", i->kind == 0 ? "usb" : "virtual", "chip", i->chip_id,
                         "name", i->name, "location", i->location, "version", i->version_major, i->version_minor,
                         "power_rails", i->power_rails);
}

/* hdk_register_usb_id(vendor_id, product_id, chip): ids 0..0xFFFF (checked here: the C type
 * is uint16_t). */
static PyObject *py_hdk_register_usb_id(PyObject *self, PyObject *args) {
    (void)self;
    long vid, pid;
    const char *chip;
    if (!PyArg_ParseTuple(args, "lls", &vid, &pid, &chip)) return NULL;
    if (vid < 0 || vid > 0xFFFF || pid < 0 || pid > 0xFFFF) {
        PyErr_Format(PyExc_ValueError, "USB ids are 16-bit: vendor_id %ld, product_id %ld", vid, pid);
        return NULL;
    }
    return none_result(celesta_xylo_hdk_register_usb_id((uint16_t)vid, (uint16_t)pid, chip));
}

/* hdk_list(virtual_chips or None) -> [info dict] */
static PyObject *py_hdk_list(PyObject *self, PyObject *args) {
    (void)self;
    const char *chips = NULL;
    if (!PyArg_ParseTuple(args, "z", &chips)) return NULL;
    size_t count = 0;
    int status = celesta_xylo_hdk_list(NULL, 0, &count, chips);
    if (status != CELESTA_OK) return raise_status(status);
    celesta_xylo_hdk_info_t *infos = PyMem_Calloc(count ? count : 1, sizeof *infos);
    if (infos == NULL) return PyErr_NoMemory();
    for (size_t k = 0; k < (count ? count : 1); k++) infos[k] = CELESTA_INIT(celesta_xylo_hdk_info_t);
    status = celesta_xylo_hdk_list(infos, count, &count, chips);
    if (status != CELESTA_OK) {
        PyMem_Free(infos);
        return raise_status(status);
    }
    PyObject *list = PyList_New(0);
    for (size_t k = 0; list != NULL && k < count; k++) {
        PyObject *d = hdk_info_dict(&infos[k]);
        if (d == NULL || PyList_Append(list, d) < 0) Py_CLEAR(list);
        Py_XDECREF(d);
    }
    PyMem_Free(infos);
    return list;
}

/* hdk_open(location or None, timeout_ms) -> capsule */
static PyObject *py_hdk_open(PyObject *self, PyObject *args) {
    (void)self;
    const char *location = NULL;
    unsigned long long timeout_ms;
    if (!PyArg_ParseTuple(args, "zK", &location, &timeout_ms)) return NULL;
    celesta_xylo_hdk_t *hdk = NULL;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = celesta_xylo_hdk_open(&hdk, location, (size_t)timeout_ms);
    Py_END_ALLOW_THREADS
    return hdk_result(status, hdk);
}

/* hdk_info(hdk) -> info dict with "rails": [names] */
static PyObject *py_hdk_info(PyObject *self, PyObject *args) {
    (void)self;
    celesta_xylo_hdk_t *hdk = hdk_arg(args);
    if (hdk == NULL) return NULL;
    celesta_xylo_hdk_info_t info = CELESTA_INIT(celesta_xylo_hdk_info_t);
    int status = celesta_xylo_hdk_get_info(&info, hdk);
    if (status != CELESTA_OK) return raise_status(status);
    PyObject *d = hdk_info_dict(&info);
    PyObject *rails = PyList_New(0);
    for (int32_t k = 0; d != NULL && rails != NULL && k < info.power_rails; k++) {
        char name[64];
        size_t len = 0;
        status = celesta_xylo_hdk_power_rail(name, sizeof name, &len, hdk, (size_t)k);
        PyObject *s = status == CELESTA_OK ? PyUnicode_FromString(name) : raise_status(status);
        if (s == NULL || PyList_Append(rails, s) < 0) Py_CLEAR(rails);
        Py_XDECREF(s);
    }
    if (d == NULL || rails == NULL || put(d, "rails", rails) < 0) {
        Py_XDECREF(d);
        return NULL;
    }
    return d;
}

static PyObject *py_hdk_apply(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap, *config;
    double dt;
    if (!PyArg_ParseTuple(args, "OOd", &cap, &config, &dt) || hdk_of(cap) == NULL || config_of(config) == NULL) return NULL;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = celesta_xylo_hdk_apply(hdk_of(cap), config_of(config), dt);
    Py_END_ALLOW_THREADS
    return none_result(status);
}

/* hdk_evolve(hdk, input, steps, n_spikes, records or None, record_power[, progress]) -> bytearray
 * of the n_spikes int32 output spikes. `input` as input_arg() reads it; `records` as for
 * sim_evolve; `progress` as progress_arg() reads it. The GIL is released while the kit runs. */
static PyObject *py_hdk_evolve(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap, *in_arg, *records, *progress_obj = NULL;
    Py_ssize_t n_spikes, steps;
    int power;
    if (!PyArg_ParseTuple(args, "OOnnOp|O", &cap, &in_arg, &steps, &n_spikes, &records, &power, &progress_obj)) return NULL;
    celesta_xylo_hdk_t *hdk = hdk_of(cap);
    if (hdk == NULL) return NULL;
    py_progress progress;
    int with_progress = progress_arg(progress_obj, &progress);
    if (with_progress < 0) return NULL;
    if (n_spikes < 0 || steps < 0 || n_spikes > PY_SSIZE_T_MAX / 4) {
        PyErr_SetString(PyExc_ValueError, "negative length");
        return NULL;
    }
    celesta_xylo_sim_record_t rec;
    celesta_xylo_sim_record_t *recp = NULL;
    if (record_args(records, &rec, &recp) < 0) return NULL;
    PyObject *spikes = PyByteArray_FromStringAndSize(NULL, n_spikes * 4);
    if (spikes == NULL) return NULL;
    int32_input in;
    if (input_arg(in_arg, &in) < 0) {
        Py_DECREF(spikes);
        return NULL;
    }
    int status;
    size_t needed = 0;
    CALL_WITH_PROGRESS(celesta_xylo_hdk_set_progress, hdk, with_progress, progress, status,
                       celesta_xylo_hdk_evolve((int32_t *)PyByteArray_AsString(spikes), (size_t)n_spikes, &needed, recp, hdk,
                                               in.ptr, (size_t)in.len, (size_t)steps, power));
    input_release(&in);
    if (status != CELESTA_OK) {
        Py_DECREF(spikes);
        return raise_status(status);
    }
    return spikes;
}

/* hdk_power(hdk, (t_addr, t_len) or None, (w_addr, w_len) or None) -> sample count */
static PyObject *py_hdk_power(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    unsigned long long t_addr = 0, w_addr = 0;
    Py_ssize_t t_len = 0, w_len = 0;
    if (!PyArg_ParseTuple(args, "O|(Kn)(Kn)", &cap, &t_addr, &t_len, &w_addr, &w_len) || hdk_of(cap) == NULL) return NULL;
    if (t_len < 0 || w_len < 0) {
        PyErr_SetString(PyExc_ValueError, "negative length");
        return NULL;
    }
    size_t count = 0, watts = 0;
    int status = celesta_xylo_hdk_power_times((double *)(uintptr_t)t_addr, (size_t)t_len, &count, hdk_of(cap));
    if (status == CELESTA_OK && (t_addr != 0 || w_addr != 0))
        status = celesta_xylo_hdk_power_watts((double *)(uintptr_t)w_addr, (size_t)w_len, &watts, hdk_of(cap));
    return status == CELESTA_OK ? PyLong_FromSize_t(count) : raise_status(status);
}

static PyObject *py_hdk_set_clock(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    double mhz, actual = 0;
    if (!PyArg_ParseTuple(args, "Od", &cap, &mhz) || hdk_of(cap) == NULL) return NULL;
    int status = celesta_xylo_hdk_set_clock(&actual, hdk_of(cap), mhz);
    return status == CELESTA_OK ? PyFloat_FromDouble(actual) : raise_status(status);
}

static PyObject *py_hdk_min_clock(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    double margin, hz = 0;
    if (!PyArg_ParseTuple(args, "Od", &cap, &margin) || hdk_of(cap) == NULL) return NULL;
    int status = celesta_xylo_hdk_min_clock(&hz, hdk_of(cap), margin);
    return status == CELESTA_OK ? PyFloat_FromDouble(hz) : raise_status(status);
}


/* ---- AFE ---- */
/* The Xylo Audio 3 front end (celesta_xylo_afe_*) and the Xylo Audio 2 model (celesta_xylo_afe2_*). Buffers are (address, length) tuples of arrays
 * the Python caller keeps alive; the GIL is released while the front end runs. Registered by
 * PyInit__celesta through afe_methods. */

CAPSULE_TYPE(afe)

/* Reads an (address, length) tuple, or None (NULL, 0). */
static int afe_buffer(PyObject *item, const char *name, void **ptr, size_t *len) {
    *ptr = NULL;
    *len = 0;
    if (item == NULL || item == Py_None) return 0;
    unsigned long long address;
    Py_ssize_t count;
    if (!PyArg_ParseTuple(item, "Kn", &address, &count)) return -1;
    if (count < 0) {
        PyErr_Format(PyExc_ValueError, "buffer '%s' has a negative length", name);
        return -1;
    }
    *ptr = (void *)(uintptr_t)address;
    *len = (size_t)count;
    return 0;
}

/* An output buffer of a run that is to run: a buffer given as None (no value is expected in it)
 * becomes an empty non-NULL one, since a NULL buffer would only query the size. */
static int32_t *raster_or_empty(void *buffer) {
    static int32_t empty;
    return buffer != NULL ? buffer : &empty;
}

/* Fills a record from a dict of stage name -> (address, length), or returns NULL for None. */
static int afe_record(PyObject *records, celesta_xylo_afe_record_t *rec, celesta_xylo_afe_record_t **recp) {
    *rec = CELESTA_INIT(celesta_xylo_afe_record_t);
    *recp = NULL;
    if (records == Py_None) return 0;
    if (!PyDict_Check(records)) {
        PyErr_SetString(PyExc_TypeError, "records must be a dict or None");
        return -1;
    }
    void *p;
    if (afe_buffer(PyDict_GetItemString(records, "audio_14bit"), "audio_14bit", &p, &rec->audio_14bit_len) < 0) return -1;
    rec->audio_14bit = p;
    if (afe_buffer(PyDict_GetItemString(records, "filterbank"), "filterbank", &p, &rec->filterbank_len) < 0) return -1;
    rec->filterbank = p;
    if (afe_buffer(PyDict_GetItemString(records, "dn_spikes"), "dn_spikes", &p, &rec->dn_spikes_len) < 0) return -1;
    rec->dn_spikes = p;
    *recp = rec;
    return 0;
}

/* afe_params_default() -> (input_mode, select_filters[16], spike_gen_mode, b1, b2, low_pass,
 * eps[16], fixed[16], down_sampling_factor) */
static PyObject *py_afe_params_default(PyObject *self, PyObject *unused) {
    (void)self; (void)unused;
    celesta_xylo_afe_params_t p = CELESTA_INIT(celesta_xylo_afe_params_t);
    int status = celesta_xylo_afe_params_default(&p);
    if (status != CELESTA_OK) return raise_status(status);
    PyObject *filters = PyTuple_New(16), *eps = PyTuple_New(16), *fixed = PyTuple_New(16);
    if (filters == NULL || eps == NULL || fixed == NULL) {
        Py_XDECREF(filters); Py_XDECREF(eps); Py_XDECREF(fixed);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < 16; ++i) {
        PyTuple_SetItem(filters, i, PyLong_FromLong(p.select_filters[i]));
        PyTuple_SetItem(eps, i, PyLong_FromLongLong(p.dn_EPS[i]));
        PyTuple_SetItem(fixed, i, PyLong_FromLongLong(p.fixed_threshold_vec[i]));
    }
    return Py_BuildValue("(iNiiiiNNi)", p.input_mode, filters, p.spike_gen_mode, p.dn_rate_scale_bitshift[0],
                         p.dn_rate_scale_bitshift[1], p.dn_low_pass_bitshift, eps, fixed, p.down_sampling_factor);
}

#define AFE_I16 "(iiiiiiiiiiiiiiii)"
#define AFE_L16 "(LLLLLLLLLLLLLLLL)"

/* afe_create(input_mode, n_select, select[16], spike_gen_mode, b1, b2, low_pass, eps[16], fixed[16], factor) */
static PyObject *py_afe_create(PyObject *self, PyObject *args) {
    (void)self;
    celesta_xylo_afe_params_t p = CELESTA_INIT(celesta_xylo_afe_params_t);
    int32_t *f = p.select_filters;
    long long *e = (long long *)p.dn_EPS, *t = (long long *)p.fixed_threshold_vec;
    if (!PyArg_ParseTuple(args, "ii" AFE_I16 "iiii" AFE_L16 AFE_L16 "i", &p.input_mode, &p.n_select_filters,
                          &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9], &f[10], &f[11],
                          &f[12], &f[13], &f[14], &f[15], &p.spike_gen_mode, &p.dn_rate_scale_bitshift[0],
                          &p.dn_rate_scale_bitshift[1], &p.dn_low_pass_bitshift, &e[0], &e[1], &e[2], &e[3], &e[4],
                          &e[5], &e[6], &e[7], &e[8], &e[9], &e[10], &e[11], &e[12], &e[13], &e[14], &e[15], &t[0],
                          &t[1], &t[2], &t[3], &t[4], &t[5], &t[6], &t[7], &t[8], &t[9], &t[10], &t[11], &t[12],
                          &t[13], &t[14], &t[15], &p.down_sampling_factor))
        return NULL;
    celesta_xylo_afe_t *afe = NULL;
    int status = celesta_xylo_afe_create(&afe, &p);
    return afe_result(status, afe);
}

/* afe_loops(afe) -> "avx2", "sse2" or "scalar" */
static PyObject *py_afe_loops(PyObject *self, PyObject *args) {
    (void)self;
    celesta_xylo_afe_t *afe = afe_arg(args);
    if (afe == NULL) return NULL;
    const char *name = NULL;
    int status = celesta_xylo_afe_loops(&name, afe);
    return status == CELESTA_OK ? PyUnicode_FromString(name) : raise_status(status);
}

static PyObject *py_afe_channels(PyObject *self, PyObject *args) {
    (void)self;
    celesta_xylo_afe_t *afe = afe_arg(args);
    if (afe == NULL) return NULL;
    int channels = 0;
    int status = celesta_xylo_afe_channels(&channels, afe);
    return status == CELESTA_OK ? PyLong_FromLong(channels) : raise_status(status);
}

/* afe_size(afe, input_len, stream, flush) -> (samples, steps) */
static PyObject *py_afe_size(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    Py_ssize_t n;
    int stream, flush;
    if (!PyArg_ParseTuple(args, "Onpp", &cap, &n, &stream, &flush) || afe_of(cap) == NULL) return NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "negative input length");
        return NULL;
    }
    size_t samples = 0, steps = 0;
    int status = stream ? celesta_xylo_afe_stream_size(&samples, &steps, afe_of(cap), (size_t)n, flush)
                        : celesta_xylo_afe_output_size(&samples, &steps, afe_of(cap), (size_t)n);
    if (status != CELESTA_OK) return raise_status(status);
    return Py_BuildValue("(nn)", (Py_ssize_t)samples, (Py_ssize_t)steps);
}

/* afe_process(afe, (in_addr, in_len), prefix, (raster_addr, len), records or None[, progress]) */
static PyObject *py_afe_process(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap, *input, *raster, *records, *progress_obj = NULL;
    int prefix;
    if (!PyArg_ParseTuple(args, "OOpOO|O", &cap, &input, &prefix, &raster, &records, &progress_obj)) return NULL;
    celesta_xylo_afe_t *afe = afe_of(cap);
    if (afe == NULL) return NULL;
    py_progress progress;
    int with_progress = progress_arg(progress_obj, &progress);
    if (with_progress < 0) return NULL;
    void *in, *out;
    size_t in_len, out_len;
    celesta_xylo_afe_record_t rec, *recp;
    if (afe_buffer(input, "input", &in, &in_len) < 0 || afe_buffer(raster, "raster", &out, &out_len) < 0 ||
        afe_record(records, &rec, &recp) < 0)
        return NULL;
    int status;
    size_t needed = 0;
    CALL_WITH_PROGRESS(celesta_xylo_afe_set_progress, afe, with_progress, progress, status,
                       celesta_xylo_afe_process(raster_or_empty(out), out_len, &needed, recp, afe, in, in_len, prefix));
    return none_result(status);
}

/* afe_stream_push(afe, (in_addr, in_len), flush, (raster_addr, len), records or None[, progress]) -> rows */
static PyObject *py_afe_stream_push(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap, *input, *raster, *records, *progress_obj = NULL;
    int flush;
    if (!PyArg_ParseTuple(args, "OOpOO|O", &cap, &input, &flush, &raster, &records, &progress_obj)) return NULL;
    celesta_xylo_afe_t *afe = afe_of(cap);
    if (afe == NULL) return NULL;
    py_progress progress;
    int with_progress = progress_arg(progress_obj, &progress);
    if (with_progress < 0) return NULL;
    void *in, *out;
    size_t in_len, out_len, len = 0;
    int channels = 0;
    celesta_xylo_afe_record_t rec, *recp;
    if (afe_buffer(input, "input", &in, &in_len) < 0 || afe_buffer(raster, "raster", &out, &out_len) < 0 ||
        afe_record(records, &rec, &recp) < 0)
        return NULL;
    int status = celesta_xylo_afe_channels(&channels, afe);
    if (status == CELESTA_OK)
        CALL_WITH_PROGRESS(celesta_xylo_afe_set_progress, afe, with_progress, progress, status,
                           celesta_xylo_afe_stream_push(raster_or_empty(out), out_len, &len, recp, afe, in, in_len, flush));
    if (status != CELESTA_OK) return raise_status(status);
    return PyLong_FromSize_t(len / (size_t)channels);
}

/* afe_stream_push_new(afe, chunk, flush, progress, interruptible) -> int32 array [rows, C], or None
 * when `chunk` is not a one-dimensional C-contiguous float64 buffer, or when the extension is
 * built for Python < 3.11 (whose limited API has no buffer protocol): the caller then converts
 * the chunk and uses afe_size and afe_stream_push. One call does their work for the common
 * case: the chunk is read in place, the raster is allocated here (numpy.empty) with the size
 * celesta_xylo_afe_stream_size() gives, and no stage is recorded. `progress` as progress_arg() reads
 * it; None with a chunk of `interruptible` values or more checks for Ctrl-C. A fast call
 * (METH_FASTCALL: no argument tuple), as it is made for every short chunk of a stream. */
#if Py_LIMITED_API + 0 >= 0x030B0000
static PyObject *py_afe_stream_push_new(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "afe_stream_push_new takes 5 arguments");
        return NULL;
    }
    PyObject *chunk = args[1], *progress_obj = args[3];
    celesta_xylo_afe_t *afe = afe_of(args[0]);
    int flush = afe == NULL ? -1 : PyObject_IsTrue(args[2]);
    Py_ssize_t interruptible = flush < 0 ? -1 : PyLong_AsSsize_t(args[4]);
    if (afe == NULL || flush < 0 || (interruptible == -1 && PyErr_Occurred())) return NULL;
    static PyObject *numpy_empty = NULL, *numpy_int32 = NULL; /* looked up once */
    Py_buffer in, out;
    if (PyObject_GetBuffer(chunk, &in, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    if (in.ndim != 1 || in.itemsize != 8 || !native_format(in.format, 'd')) {
        PyBuffer_Release(&in);
        Py_RETURN_NONE;
    }
    size_t n = (size_t)in.len / 8, steps = 0, len = 0;
    int channels = 0;
    py_progress progress;
    int with_progress = progress_arg(progress_obj == Py_None && (Py_ssize_t)n >= interruptible ? Py_True : progress_obj,
                                     &progress);
    int status = with_progress < 0 ? CELESTA_OK : celesta_xylo_afe_stream_size(NULL, &steps, afe, n, flush);
    if (status == CELESTA_OK && with_progress >= 0) status = celesta_xylo_afe_channels(&channels, afe);
    if (with_progress < 0 || status != CELESTA_OK) {
        PyBuffer_Release(&in);
        return with_progress < 0 ? NULL : raise_status(status);
    }
    if (numpy_empty == NULL) {
        PyObject *numpy = PyImport_ImportModule("numpy");
        numpy_empty = numpy == NULL ? NULL : PyObject_GetAttrString(numpy, "empty");
        numpy_int32 = numpy == NULL ? NULL : PyObject_CallMethod(numpy, "dtype", "s", "int32"); /* faster than the type */
        Py_XDECREF(numpy);
        if (numpy_empty == NULL || numpy_int32 == NULL) {
            Py_CLEAR(numpy_empty);
            Py_CLEAR(numpy_int32);
            PyBuffer_Release(&in);
            return NULL;
        }
    }
    PyObject *raster = PyObject_CallFunction(numpy_empty, "(nn)O", (Py_ssize_t)steps, (Py_ssize_t)channels, numpy_int32);
    if (raster == NULL || PyObject_GetBuffer(raster, &out, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) < 0) {
        Py_XDECREF(raster);
        PyBuffer_Release(&in);
        return NULL;
    }
    if (with_progress || n >= 4096) {
        CALL_WITH_PROGRESS(celesta_xylo_afe_set_progress, afe, with_progress, progress, status,
                           celesta_xylo_afe_stream_push(raster_or_empty(out.buf), steps * (size_t)channels, &len, NULL, afe,
                                                        (const double *)in.buf, n, flush));
    } else {
        /* A short chunk takes microseconds: releasing the GIL would cost more than it frees. */
        status = celesta_xylo_afe_stream_push(raster_or_empty(out.buf), steps * (size_t)channels, &len, NULL, afe,
                                              (const double *)in.buf, n, flush);
    }
    PyBuffer_Release(&out);
    PyBuffer_Release(&in);
    if (status != CELESTA_OK) {
        Py_DECREF(raster);
        return raise_status(status);
    }
    size_t rows = len / (size_t)channels;
    if (rows == steps) return raster;
    /* Fewer rows than the size query said (not expected): the rows written. */
    PyObject *end = PyLong_FromSize_t(rows);
    PyObject *slice = end == NULL ? NULL : PySlice_New(NULL, end, NULL);
    PyObject *head = slice == NULL ? NULL : PyObject_GetItem(raster, slice);
    Py_XDECREF(slice);
    Py_XDECREF(end);
    Py_DECREF(raster);
    return head;
}
#define AFE_STREAM_PUSH_NEW_FLAGS METH_FASTCALL
#else
static PyObject *py_afe_stream_push_new(PyObject *self, PyObject *args) {
    (void)self; (void)args;
    Py_RETURN_NONE;
}
#define AFE_STREAM_PUSH_NEW_FLAGS METH_VARARGS
#endif

HANDLE_STATUS_METHOD(py_afe_stream_reset, afe, celesta_xylo_afe_stream_reset)

/* The Xylo Audio 2 analog model (celesta_xylo_afe2_*). */
CAPSULE_TYPE(afe2)

/* afe2_create(fs, raster_period, max_spikes, add_noise, add_offset, add_mismatch, seed, lna_gain_db, counter) */
static PyObject *py_afe2_create(PyObject *self, PyObject *args) {
    (void)self;
    celesta_xylo_afe2_params_t p = CELESTA_INIT(celesta_xylo_afe2_params_t);
    unsigned long long seed;
    if (!PyArg_ParseTuple(args, "ddiiiiKdi", &p.fs, &p.raster_period, &p.max_spike_per_raster_period, &p.add_noise,
                          &p.add_offset, &p.add_mismatch, &seed, &p.lna_gain_db, &p.digital_counter))
        return NULL;
    p.seed = (uint64_t)seed;
    celesta_xylo_afe2_t *afe = NULL;
    int status = celesta_xylo_afe2_create(&afe, &p);
    return afe2_result(status, afe);
}

/* afe2_process(afe2, (in_addr, n), (spikes_addr, len), records or None[, progress]) with records a
 * dict of LNA_out / BPF / rect -> (address, length) of float64 buffers */
static PyObject *py_afe2_process(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap, *input, *spikes, *records, *progress_obj = NULL;
    if (!PyArg_ParseTuple(args, "OOOO|O", &cap, &input, &spikes, &records, &progress_obj)) return NULL;
    celesta_xylo_afe2_t *afe = afe2_of(cap);
    if (afe == NULL) return NULL;
    py_progress progress;
    int with_progress = progress_arg(progress_obj, &progress);
    if (with_progress < 0) return NULL;
    void *in, *out, *p;
    size_t in_len, out_len;
    celesta_xylo_afe2_record_t rec = CELESTA_INIT(celesta_xylo_afe2_record_t), *recp = NULL;
    if (afe_buffer(input, "input", &in, &in_len) < 0 || afe_buffer(spikes, "spikes", &out, &out_len) < 0) return NULL;
    if (records != Py_None) {
        if (!PyDict_Check(records)) {
            PyErr_SetString(PyExc_TypeError, "records must be a dict or None");
            return NULL;
        }
        if (afe_buffer(PyDict_GetItemString(records, "LNA_out"), "LNA_out", &p, &rec.lna_out_len) < 0) return NULL;
        rec.lna_out = p;
        if (afe_buffer(PyDict_GetItemString(records, "BPF"), "BPF", &p, &rec.bpf_len) < 0) return NULL;
        rec.bpf = p;
        if (afe_buffer(PyDict_GetItemString(records, "rect"), "rect", &p, &rec.rect_len) < 0) return NULL;
        rec.rect = p;
        recp = &rec;
    }
    int status;
    size_t needed = 0;
    CALL_WITH_PROGRESS(celesta_xylo_afe2_set_progress, afe, with_progress, progress, status,
                       celesta_xylo_afe2_process(raster_or_empty(out), out_len, &needed, recp, afe, in, in_len));
    return none_result(status);
}

/* afe2_raster(afe2, (spikes_addr, len), (raster_addr, len) or None) -> rows */
static PyObject *py_afe2_raster(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap, *spikes, *raster;
    if (!PyArg_ParseTuple(args, "OOO", &cap, &spikes, &raster)) return NULL;
    celesta_xylo_afe2_t *afe = afe2_of(cap);
    if (afe == NULL) return NULL;
    void *in, *out;
    size_t in_len, out_len, len = 0;
    if (afe_buffer(spikes, "spikes", &in, &in_len) < 0 || afe_buffer(raster, "raster", &out, &out_len) < 0) return NULL;
    int status = celesta_xylo_afe2_raster(out, out_len, &len, afe, in, in_len);
    return status == CELESTA_OK ? PyLong_FromSize_t(len / 16) : raise_status(status);
}

HANDLE_STATUS_METHOD(py_afe2_reset, afe2, celesta_xylo_afe2_reset)

static PyMethodDef afe_methods[] = {
    {"afe_params_default", py_afe_params_default, METH_NOARGS, "Rockpool's defaults of the Xylo Audio 3 front end."},
    {"afe_create", py_afe_create, METH_VARARGS, "Xylo Audio 3 front-end handle from its settings."},
    {"afe_channels", py_afe_channels, METH_VARARGS, "Output channels of a front end."},
    {"afe_loops", py_afe_loops, METH_VARARGS, "Which loops run a front end: avx2, sse2 or scalar."},
    {"afe_size", py_afe_size, METH_VARARGS, "(samples, steps) of an offline run or the next stream push."},
    {"afe_process", py_afe_process, METH_VARARGS, "Offline run into caller buffers."},
    {"afe_stream_push", py_afe_stream_push, METH_VARARGS, "Feed the stream; returns the raster rows written."},
    {"afe_stream_push_new", (PyCFunction)(void (*)(void))py_afe_stream_push_new, AFE_STREAM_PUSH_NEW_FLAGS,
     "Feed the stream a flat float64 array; the raster as a new int32 array (None: use afe_stream_push)."},
    {"afe_stream_reset", py_afe_stream_reset, METH_VARARGS, "Zero the stream state."},
    {"afe2_create", py_afe2_create, METH_VARARGS, "Xylo Audio 2 analog front-end model handle."},
    {"afe2_process", py_afe2_process, METH_VARARGS, "Run the Xylo Audio 2 model into caller buffers."},
    {"afe2_raster", py_afe2_raster, METH_VARARGS, "Raster of the model's spikes (rows; None raster: size query)."},
    {"afe2_reset", py_afe2_reset, METH_VARARGS, "Zero the model's membranes."},
    {NULL, NULL, 0, NULL},
};
/* ---- end of AFE ---- */

/* hdk_monitor(hdk, afe, (audio_addr, len) float64, network, record_power, (raster_addr, len) or None,
 * (spikes_addr, len) or None[, progress]) -> (steps, overruns); with both buffers None only steps
 * is computed. Sits after the AFE section, whose capsule it reads. */
static PyObject *py_hdk_monitor(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap, *afe_cap, *raster_arg, *spikes_arg, *progress_obj = NULL;
    unsigned long long audio_addr, raster_addr = 0, spikes_addr = 0;
    Py_ssize_t audio_len, raster_len = 0, spikes_len = 0;
    int network, power;
    if (!PyArg_ParseTuple(args, "OO(Kn)ppOO|O", &cap, &afe_cap, &audio_addr, &audio_len, &network, &power, &raster_arg,
                          &spikes_arg, &progress_obj) || hdk_of(cap) == NULL || afe_of(afe_cap) == NULL)
        return NULL;
    py_progress progress;
    int with_progress = progress_arg(progress_obj, &progress);
    if (with_progress < 0) return NULL;
    if (raster_arg != Py_None && !PyArg_ParseTuple(raster_arg, "Kn", &raster_addr, &raster_len)) return NULL;
    if (spikes_arg != Py_None && !PyArg_ParseTuple(spikes_arg, "Kn", &spikes_addr, &spikes_len)) return NULL;
    if (audio_len < 0 || raster_len < 0 || spikes_len < 0) {
        PyErr_SetString(PyExc_ValueError, "negative length");
        return NULL;
    }
    size_t raster_needed = 0, spikes_needed = 0, overruns = 0;
    int channels = 0;
    celesta_xylo_hdk_t *hdk = hdk_of(cap);
    int status = celesta_xylo_afe_channels(&channels, afe_of(afe_cap));
    if (status == CELESTA_OK)
        CALL_WITH_PROGRESS(celesta_xylo_hdk_set_progress, hdk, with_progress, progress, status,
                           celesta_xylo_hdk_monitor((int32_t *)(uintptr_t)raster_addr, (size_t)raster_len, &raster_needed,
                                                    (int32_t *)(uintptr_t)spikes_addr, (size_t)spikes_len, &spikes_needed,
                                                    &overruns, hdk, afe_of(afe_cap), (const double *)(uintptr_t)audio_addr,
                                                    (size_t)audio_len, network, power));
    if (status != CELESTA_OK) return raise_status(status);
    return Py_BuildValue("(nn)", (Py_ssize_t)(raster_needed / (size_t)channels), (Py_ssize_t)overruns);
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
    {"config_create", py_config_create, METH_VARARGS, "Create a configuration handle from int32 buffers."},
    {"config_validate", py_config_validate, METH_VARARGS, "Validation message of a configuration ('' if valid)."},
    {"config_to_json", py_config_to_json, METH_VARARGS, "Configuration as JSON text."},
    {"config_from_json", py_config_from_json, METH_VARARGS, "Configuration handle from JSON text."},
    {"config_save", py_config_save, METH_VARARGS, "Save a configuration to a JSON file (atomically)."},
    {"config_load", py_config_load, METH_VARARGS, "Load a configuration JSON file."},
    {"config_dims", py_config_dims, METH_VARARGS, "(n_in, n_hidden, n_out, n_syn, n_ien, n_oen)."},
    {"sim_create", py_sim_create, METH_VARARGS, "Simulator handle for a configuration."},
    {"sim_copy", py_sim_copy, METH_VARARGS, "Independent simulator with a copy of the state."},
    {"sim_reset", py_sim_reset, METH_VARARGS, "Zero the simulator state."},
    {"sim_evolve", py_sim_evolve, METH_VARARGS, "Run the simulator on int32 buffers."},
    {"network_from_json", py_network_from_json, METH_VARARGS, "Network handle from float-network JSON text."},
    {"network_from_json_arrays", py_network_from_json_arrays, METH_VARARGS,
     "Network handle from float-network JSON text whose {\"$array\": k} values are float64 buffers."},
    {"network_load", py_network_load, METH_VARARGS, "Network handle from a float-network JSON file."},
    {"xylo_map", py_xylo_map, METH_VARARGS, "Map a network onto a Xylo chip: a specification handle."},
    {"spec_from_json", py_spec_from_json, METH_VARARGS, "Specification handle from JSON text."},
    {"spec_to_json", py_spec_to_json, METH_VARARGS, "Specification as JSON text."},
    {"spec_warnings", py_spec_warnings, METH_VARARGS, "The mapper's warnings, newline-separated."},
    {"spec_weights_ndim", py_spec_weights_ndim, METH_VARARGS, "2 or 3: the ndim of Rockpool's weights_in/weights_rec."},
    {"spec_dims", py_spec_dims, METH_VARARGS, "Dimensions and scalars of a specification handle."},
    {"spec_read", py_spec_read, METH_VARARGS, "Copy a specification's arrays into float64 buffers."},
    {"spec_create", py_spec_create, METH_VARARGS, "Specification handle from dimensions and float64 buffers."},
    {"spec_quantize_read", py_spec_quantize_read, METH_VARARGS, "Quantize into float64 buffers."},
    {"spec_quantize", py_spec_quantize, METH_VARARGS, "Quantize a specification into a configuration handle."},
    {"spec_quantize_json", py_spec_quantize_json, METH_VARARGS, "Quantized integer arrays as JSON text."},
    {"xylo_cycles", py_xylo_cycles, METH_VARARGS, "(cycles, isyn2_ops) per time step."},
    {"xylo_clock_frequency", py_xylo_clock_frequency, METH_VARARGS, "Real-time clock estimate in Hz."},
    {"hdk_register_usb_id", py_hdk_register_usb_id, METH_VARARGS, "Register a USB id pair as a dev kit of a chip."},
    {"hdk_list", py_hdk_list, METH_VARARGS, "Dev kits on USB and the virtual kits asked for, as dicts."},
    {"hdk_open", py_hdk_open, METH_VARARGS, "Open a dev kit: 'virtual:<chip>', 'usb:BUS:ADDR' or None."},
    {"hdk_info", py_hdk_info, METH_VARARGS, "What an open kit is, with its power rails."},
    {"hdk_apply", py_hdk_apply, METH_VARARGS, "Write a configuration into the kit."},
    {"hdk_evolve", py_hdk_evolve, METH_VARARGS, "Run an int32 raster on the kit in accelerated time."},
    {"hdk_power", py_hdk_power, METH_VARARGS, "Power samples of the last run into float64 buffers; their count."},
    {"hdk_set_clock", py_hdk_set_clock, METH_VARARGS, "Set the core clock (MHz); the clock the kit runs."},
    {"hdk_monitor", py_hdk_monitor, METH_VARARGS, "Run a kit free on its audio front end: (steps, overruns)."},
    {"hdk_min_clock", py_hdk_min_clock, METH_VARARGS, "Lowest real-time clock (Hz) of the applied configuration."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_celesta", "Low-level bindings to libcelesta (use the celesta package).",
    -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__celesta(void) {
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddFunctions(m, afe_methods) < 0) { /* the AFE section's functions */
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
