/*
 * _celesta: the CPython extension over the Celesta C ABI (include/celesta.h).
 *
 * Built against the limited API (abi3, Python >= 3.9). It only converts: every rule lives in
 * the library. Failed calls raise the celesta.CelestaError subclass of their status code,
 * built by celesta._errors.error_from_status(code, message).
 */
#define PY_SSIZE_T_CLEAN
#ifndef Py_LIMITED_API
#define Py_LIMITED_API 0x03090000
#endif
#include <Python.h>

#include <stdlib.h>
#include <string.h>

#include "celesta.h"

/* Raises the Python exception for a failed call's status and this thread's message. */
static PyObject *raise_status(int status) {
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

static PyObject *chip_dict(const celesta_chip_info_t *c) {
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
    size_t needed = 0;
    int status = celesta_build_info(NULL, 0, &needed);
    if (status != CELESTA_OK) return raise_status(status);
    char *buffer = malloc(needed);
    if (buffer == NULL) return PyErr_NoMemory();
    status = celesta_build_info(buffer, needed, &needed);
    PyObject *result = status == CELESTA_OK ? PyUnicode_FromString(buffer) : raise_status(status);
    free(buffer);
    return result;
}

static PyObject *py_chip_count(PyObject *self, PyObject *unused) {
    (void)self; (void)unused;
    return PyLong_FromSize_t(celesta_chip_count());
}

static PyObject *py_chip_info(PyObject *self, PyObject *args) {
    (void)self;
    Py_ssize_t index;
    if (!PyArg_ParseTuple(args, "n", &index)) return NULL;
    if (index < 0) {
        PyErr_Format(PyExc_IndexError, "chip index %zd is negative", index);
        return NULL;
    }
    celesta_chip_info_t info;
    int status = celesta_chip_info((size_t)index, &info);
    if (status != CELESTA_OK) return raise_status(status);
    return chip_dict(&info);
}

static PyObject *py_chip_find(PyObject *self, PyObject *args) {
    (void)self;
    const char *name;
    if (!PyArg_ParseTuple(args, "s", &name)) return NULL;
    celesta_chip_info_t info;
    int status = celesta_chip_find(name, &info);
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

/* Capsule plumbing for the handle type celesta_T_t: T_capsule_free (the capsule destructor,
 * calling celesta_T_free), T_of (the handle in a capsule, NULL with TypeError otherwise) and
 * wrap_T (a new capsule owning the handle; the handle is freed if the capsule cannot be made). */
#define CAPSULE_TYPE(T)                                                                       \
    static void T##_capsule_free(PyObject *cap) {                                             \
        celesta_##T##_free((celesta_##T##_t *)PyCapsule_GetPointer(cap, "celesta_" #T "_t")); \
    }                                                                                         \
    static celesta_##T##_t *T##_of(PyObject *cap) {                                           \
        return (celesta_##T##_t *)PyCapsule_GetPointer(cap, "celesta_" #T "_t");              \
    }                                                                                         \
    static PyObject *wrap_##T(celesta_##T##_t *handle) {                                      \
        PyObject *cap = PyCapsule_New(handle, "celesta_" #T "_t", T##_capsule_free);          \
        if (cap == NULL) celesta_##T##_free(handle);                                          \
        return cap;                                                                           \
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
    celesta_config_desc_t d;
    memset(&d, 0, sizeof d);
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
    celesta_config_t *config = NULL;
    int status = celesta_config_create(&config, &d);
    if (status != CELESTA_OK) return raise_status(status);
    return wrap_config(config);
}

static PyObject *py_config_validate(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    if (!PyArg_ParseTuple(args, "O", &cap) || config_of(cap) == NULL) return NULL;
    size_t needed = 0;
    int status = celesta_config_validate(config_of(cap), NULL, 0, &needed);
    if (status != CELESTA_OK && status != CELESTA_ERR_INVALID_CONFIG) return raise_status(status);
    char *buffer = malloc(needed);
    if (buffer == NULL) return PyErr_NoMemory();
    status = celesta_config_validate(config_of(cap), buffer, needed, NULL);
    PyObject *result = (status == CELESTA_OK || status == CELESTA_ERR_INVALID_CONFIG)
                           ? PyUnicode_FromString(buffer) : raise_status(status);
    free(buffer);
    return result;
}

static PyObject *py_config_to_json(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    if (!PyArg_ParseTuple(args, "O", &cap) || config_of(cap) == NULL) return NULL;
    size_t needed = 0;
    int status = celesta_config_to_json(config_of(cap), NULL, 0, &needed);
    if (status != CELESTA_OK) return raise_status(status);
    char *buffer = malloc(needed);
    if (buffer == NULL) return PyErr_NoMemory();
    status = celesta_config_to_json(config_of(cap), buffer, needed, NULL);
    PyObject *result = status == CELESTA_OK ? PyUnicode_FromString(buffer) : raise_status(status);
    free(buffer);
    return result;
}

static PyObject *py_config_from_json(PyObject *self, PyObject *args) {
    (void)self;
    const char *text;
    Py_ssize_t len;
    if (!PyArg_ParseTuple(args, "s#", &text, &len)) return NULL;
    celesta_config_t *config = NULL;
    int status = celesta_config_from_json(text, (size_t)len, &config);
    if (status != CELESTA_OK) return raise_status(status);
    return wrap_config(config);
}

static PyObject *py_config_save(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    const char *path;
    if (!PyArg_ParseTuple(args, "Os", &cap, &path) || config_of(cap) == NULL) return NULL;
    int status = celesta_config_save(config_of(cap), path);
    if (status != CELESTA_OK) return raise_status(status);
    Py_RETURN_NONE;
}

static PyObject *py_config_load(PyObject *self, PyObject *args) {
    (void)self;
    const char *path;
    if (!PyArg_ParseTuple(args, "s", &path)) return NULL;
    celesta_config_t *config = NULL;
    int status = celesta_config_load(path, &config);
    if (status != CELESTA_OK) return raise_status(status);
    return wrap_config(config);
}

static PyObject *py_config_dims(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    if (!PyArg_ParseTuple(args, "O", &cap) || config_of(cap) == NULL) return NULL;
    celesta_config_dims_t d;
    int status = celesta_config_dims(config_of(cap), &d);
    if (status != CELESTA_OK) return raise_status(status);
    return Py_BuildValue("(iiiiii)", d.n_in, d.n_hidden, d.n_out, d.n_syn, d.n_ien, d.n_oen);
}

static PyObject *py_sim_create(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    if (!PyArg_ParseTuple(args, "O", &cap) || config_of(cap) == NULL) return NULL;
    celesta_sim_t *sim = NULL;
    int status = celesta_sim_create(&sim, config_of(cap));
    if (status != CELESTA_OK) return raise_status(status);
    return wrap_sim(sim);
}

static PyObject *py_sim_copy(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    if (!PyArg_ParseTuple(args, "O", &cap) || sim_of(cap) == NULL) return NULL;
    celesta_sim_t *copy = NULL;
    int status = celesta_sim_copy(&copy, sim_of(cap));
    if (status != CELESTA_OK) return raise_status(status);
    return wrap_sim(copy);
}

static PyObject *py_sim_reset(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    if (!PyArg_ParseTuple(args, "O", &cap) || sim_of(cap) == NULL) return NULL;
    int status = celesta_sim_reset(sim_of(cap));
    if (status != CELESTA_OK) return raise_status(status);
    Py_RETURN_NONE;
}

/* sim_evolve(sim, (in_addr, in_len), steps, (out_addr, out_len), records or None): records is
 * a dict of name -> (address, length) of int32 buffers the caller keeps alive. The GIL is
 * released while the simulator runs. */
/* sim_evolve(sim, (input address, length), steps, out, records): `out` is (address, length)
 * of a caller buffer (returns None), or a length: the spikes then go into a new bytearray of
 * that many int32 values, which is returned (no numpy allocation or address lookup needed). */
static PyObject *py_sim_evolve(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap, *records, *out_arg, *result = NULL;
    unsigned long long in_addr, out_addr = 0;
    Py_ssize_t in_len, out_len = 0, steps;
    if (!PyArg_ParseTuple(args, "O(Kn)nOO", &cap, &in_addr, &in_len, &steps, &out_arg, &records)) return NULL;
    celesta_sim_t *sim = sim_of(cap);
    if (sim == NULL) return NULL;
    if (PyLong_Check(out_arg)) {
        out_len = PyLong_AsSsize_t(out_arg);
        if (out_len == -1 && PyErr_Occurred()) return NULL;
    } else if (!PyArg_ParseTuple(out_arg, "Kn", &out_addr, &out_len)) {
        return NULL;
    }
    if (in_len < 0 || out_len < 0 || steps < 0 || out_len > PY_SSIZE_T_MAX / 4) {
        PyErr_SetString(PyExc_ValueError, "negative length");
        return NULL;
    }
    if (PyLong_Check(out_arg)) {
        result = PyByteArray_FromStringAndSize(NULL, out_len * 4);
        if (result == NULL) return NULL;
        out_addr = (unsigned long long)(uintptr_t)PyByteArray_AsString(result);
    }
    celesta_sim_record_t rec;
    memset(&rec, 0, sizeof rec);
    celesta_sim_record_t *recp = NULL;
    if (records != Py_None) {
        if (!PyDict_Check(records)) {
            Py_XDECREF(result);
            PyErr_SetString(PyExc_TypeError, "records must be a dict or None");
            return NULL;
        }
        const int32_t *p;
        size_t n;
#define REC(field, key)                                              \
        if (array_arg(records, key, &p, &n) < 0) {                   \
            Py_XDECREF(result);                                      \
            return NULL;                                             \
        }                                                            \
        rec.field = (int32_t *)(uintptr_t)p;                         \
        rec.field##_len = n;
        REC(vmem, "Vmem") REC(isyn, "Isyn") REC(isyn2, "Isyn2") REC(spikes, "Spikes")
        REC(vmem_out, "Vmem_out") REC(isyn_out, "Isyn_out") REC(hibernation, "hibernation")
#undef REC
        recp = &rec;
    }
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = celesta_sim_evolve(sim, (const int32_t *)(uintptr_t)in_addr, (size_t)in_len, (size_t)steps,
                                (int32_t *)(uintptr_t)out_addr, (size_t)out_len, recp);
    Py_END_ALLOW_THREADS
    if (status != CELESTA_OK) {
        Py_XDECREF(result);
        return raise_status(status);
    }
    if (result != NULL) return result;
    Py_RETURN_NONE;
}

/* ---- Networks, the Xylo mapper and the quantizers ------------------------------------ */

static PyObject *py_network_from_json(PyObject *self, PyObject *args) {
    (void)self;
    const char *text;
    Py_ssize_t len;
    if (!PyArg_ParseTuple(args, "s#", &text, &len)) return NULL;
    celesta_network_t *net = NULL;
    int status = celesta_network_from_json(text, (size_t)len, &net);
    if (status != CELESTA_OK) return raise_status(status);
    return wrap_network(net);
}

static PyObject *py_network_load(PyObject *self, PyObject *args) {
    (void)self;
    const char *path;
    if (!PyArg_ParseTuple(args, "s", &path)) return NULL;
    celesta_network_t *net = NULL;
    int status = celesta_network_load(path, &net);
    if (status != CELESTA_OK) return raise_status(status);
    return wrap_network(net);
}

/* xylo_map(network, chip, max_hidden (0 = chip limit), max_output (0 = chip limit), rockpool_compatible) */
static PyObject *py_xylo_map(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    const char *chip;
    int max_hidden, max_output, compatible;
    if (!PyArg_ParseTuple(args, "Osiip", &cap, &chip, &max_hidden, &max_output, &compatible)) return NULL;
    celesta_network_t *net = network_of(cap);
    if (net == NULL) return NULL;
    celesta_spec_t *spec = NULL;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = celesta_xylo_map_limits(net, chip, max_hidden, max_output, compatible, &spec);
    Py_END_ALLOW_THREADS
    if (status != CELESTA_OK) return raise_status(status);
    return wrap_spec(spec);
}

static PyObject *py_spec_from_json(PyObject *self, PyObject *args) {
    (void)self;
    const char *text;
    Py_ssize_t len;
    if (!PyArg_ParseTuple(args, "s#", &text, &len)) return NULL;
    celesta_spec_t *spec = NULL;
    int status = celesta_spec_from_json(text, (size_t)len, &spec);
    if (status != CELESTA_OK) return raise_status(status);
    return wrap_spec(spec);
}

/* Calls a size-query text function twice and returns the text as str. */
typedef int (*spec_text_fn)(const celesta_spec_t *, char *, size_t, size_t *);

static PyObject *spec_text(PyObject *args, spec_text_fn fn) {
    PyObject *cap;
    if (!PyArg_ParseTuple(args, "O", &cap)) return NULL;
    celesta_spec_t *spec = spec_of(cap);
    if (spec == NULL) return NULL;
    size_t needed = 0;
    int status = fn(spec, NULL, 0, &needed);
    if (status != CELESTA_OK) return raise_status(status);
    char *buffer = malloc(needed);
    if (buffer == NULL) return PyErr_NoMemory();
    status = fn(spec, buffer, needed, NULL);
    PyObject *result = status == CELESTA_OK ? PyUnicode_FromString(buffer) : raise_status(status);
    free(buffer);
    return result;
}

static PyObject *py_spec_to_json(PyObject *self, PyObject *args) {
    (void)self;
    return spec_text(args, celesta_spec_to_json);
}

static PyObject *py_spec_warnings(PyObject *self, PyObject *args) {
    (void)self;
    return spec_text(args, celesta_spec_warnings);
}

static PyObject *py_spec_weights_ndim(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    if (!PyArg_ParseTuple(args, "O", &cap)) return NULL;
    celesta_spec_t *spec = spec_of(cap);
    if (spec == NULL) return NULL;
    int ndim = 0;
    int status = celesta_spec_weights_ndim(spec, &ndim);
    if (status != CELESTA_OK) return raise_status(status);
    return PyLong_FromLong(ndim);
}

/* The same for a float64 buffer. */
static int double_arg(PyObject *arrays, const char *name, double **ptr, size_t *len) {
    void *p;
    int status = buffer_arg(arrays, name, &p, len);
    *ptr = (double *)p;
    return status;
}

/* Fills a celesta_spec_arrays_t from a dict of (address, length): float64 buffers, int32 aliases. */
static int spec_arrays_arg(PyObject *arrays, celesta_spec_arrays_t *a) {
    memset(a, 0, sizeof *a);
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
    celesta_spec_t *spec = spec_of(cap);
    if (spec == NULL) return NULL;
    celesta_spec_dims_t d;
    int status = celesta_spec_dims(spec, &d);
    if (status != CELESTA_OK) return raise_status(status);
    return Py_BuildValue("(ziiiiiiiiiid)", d.chip, d.n_in, d.n_hidden, d.n_out, d.n_syn, d.n_ien, d.n_oen,
                         d.weight_shift_in, d.weight_shift_rec, d.weight_shift_out, d.weights_ndim, d.dt);
}

/* spec_read(spec, arrays): fills the buffers of the dict {key: (address, length)}. */
static PyObject *py_spec_read(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap, *arrays;
    if (!PyArg_ParseTuple(args, "OO!", &cap, &PyDict_Type, &arrays)) return NULL;
    celesta_spec_t *spec = spec_of(cap);
    celesta_spec_arrays_t a;
    if (spec == NULL || spec_arrays_arg(arrays, &a) < 0) return NULL;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = celesta_spec_read(spec, &a);
    Py_END_ALLOW_THREADS
    if (status != CELESTA_OK) return raise_status(status);
    Py_RETURN_NONE;
}

/* spec_create((chip or None, n_in, n_hidden, n_out, n_syn, n_ien, n_oen, shift_in, shift_rec,
 *              shift_out, weights_ndim, dt), arrays) -> specification capsule */
static PyObject *py_spec_create(PyObject *self, PyObject *args) {
    (void)self;
    celesta_spec_dims_t d;
    memset(&d, 0, sizeof d);
    PyObject *arrays;
    if (!PyArg_ParseTuple(args, "(ziiiiiiiiiid)O!", &d.chip, &d.n_in, &d.n_hidden, &d.n_out, &d.n_syn, &d.n_ien,
                          &d.n_oen, &d.weight_shift_in, &d.weight_shift_rec, &d.weight_shift_out, &d.weights_ndim,
                          &d.dt, &PyDict_Type, &arrays))
        return NULL;
    celesta_spec_arrays_t a;
    if (spec_arrays_arg(arrays, &a) < 0) return NULL;
    celesta_spec_t *spec = NULL;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = celesta_spec_create(&spec, &d, &a);
    Py_END_ALLOW_THREADS
    if (status != CELESTA_OK) return raise_status(status);
    return wrap_spec(spec);
}

/* spec_quantize_read(spec, method, weight_bits, threshold_bits, arrays): quantized values into
 * the float64 buffers of the dict. */
static PyObject *py_spec_quantize_read(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap, *arrays;
    int method, weight_bits, threshold_bits;
    if (!PyArg_ParseTuple(args, "OiiiO!", &cap, &method, &weight_bits, &threshold_bits, &PyDict_Type, &arrays))
        return NULL;
    celesta_spec_t *spec = spec_of(cap);
    celesta_spec_arrays_t a;
    if (spec == NULL || spec_arrays_arg(arrays, &a) < 0) return NULL;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = celesta_spec_quantize_read(spec, method, weight_bits, threshold_bits, &a);
    Py_END_ALLOW_THREADS
    if (status != CELESTA_OK) return raise_status(status);
    Py_RETURN_NONE;
}

/* spec_quantize(spec, method, weight_bits, threshold_bits) -> configuration capsule */
static PyObject *py_spec_quantize(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    int method, weight_bits, threshold_bits;
    if (!PyArg_ParseTuple(args, "Oiii", &cap, &method, &weight_bits, &threshold_bits)) return NULL;
    celesta_spec_t *spec = spec_of(cap);
    if (spec == NULL) return NULL;
    celesta_config_t *config = NULL;
    int status = celesta_spec_quantize(spec, method, weight_bits, threshold_bits, &config);
    if (status != CELESTA_OK) return raise_status(status);
    return wrap_config(config);
}

/* spec_quantize_json(spec, method, weight_bits, threshold_bits) -> JSON text of the arrays */
static PyObject *py_spec_quantize_json(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    int method, weight_bits, threshold_bits;
    if (!PyArg_ParseTuple(args, "Oiii", &cap, &method, &weight_bits, &threshold_bits)) return NULL;
    celesta_spec_t *spec = spec_of(cap);
    if (spec == NULL) return NULL;
    size_t needed = 0;
    int status = celesta_spec_quantize_json(spec, method, weight_bits, threshold_bits, NULL, 0, &needed);
    if (status != CELESTA_OK) return raise_status(status);
    char *buffer = malloc(needed);
    if (buffer == NULL) return PyErr_NoMemory();
    status = celesta_spec_quantize_json(spec, method, weight_bits, threshold_bits, buffer, needed, NULL);
    PyObject *result = status == CELESTA_OK ? PyUnicode_FromString(buffer) : raise_status(status);
    free(buffer);
    return result;
}

static PyObject *py_xylo_cycles(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    double p_in, p_hid, p_out, cycles = 0, isyn2 = 0;
    if (!PyArg_ParseTuple(args, "Oddd", &cap, &p_in, &p_hid, &p_out) || config_of(cap) == NULL) return NULL;
    int status = celesta_xylo_cycles(config_of(cap), p_in, p_hid, p_out, &cycles, &isyn2);
    if (status != CELESTA_OK) return raise_status(status);
    return Py_BuildValue("(dd)", cycles, isyn2);
}

static PyObject *py_xylo_clock_frequency(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    double dt, margin, hz = 0;
    if (!PyArg_ParseTuple(args, "Odd", &cap, &dt, &margin) || config_of(cap) == NULL) return NULL;
    int status = celesta_xylo_clock_frequency(config_of(cap), dt, margin, &hz);
    if (status != CELESTA_OK) return raise_status(status);
    return PyFloat_FromDouble(hz);
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
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_celesta", "Low-level bindings to libcelesta (use the celesta package).",
    -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__celesta(void) {
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddIntConstant(m, "HEADER_VERSION_MAJOR", CELESTA_VERSION_MAJOR) < 0 ||
        PyModule_AddIntConstant(m, "HEADER_VERSION_MINOR", CELESTA_VERSION_MINOR) < 0 ||
        PyModule_AddIntConstant(m, "HEADER_VERSION_PATCH", CELESTA_VERSION_PATCH) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
