/*
 * _celesta: Xylo configurations and the simulator, networks, the mapper, specifications, the
 * quantizers and the clock-cycle model (celesta_xylo_config_*, _sim_*, _network_*, _map*,
 * _spec_*, _cycles, _clock_frequency).
 */
#include "_celesta_internal.h"

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

/* network_adopt(address): takes ownership of a celesta_xylo_network_t * made through the
 * library by another route (celesta_xylo_network_from_ir() called from celesta.ir via ctypes). */
static PyObject *py_network_adopt(PyObject *self, PyObject *args) {
    (void)self;
    unsigned long long addr;
    if (!PyArg_ParseTuple(args, "K", &addr)) return NULL;
    if (addr == 0) {
        PyErr_SetString(PyExc_ValueError, "network address is NULL");
        return NULL;
    }
    return wrap_network((celesta_xylo_network_t *)(uintptr_t)addr);
}

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

CELESTA_PY_INTERNAL PyMethodDef celesta_xylo_methods[] = {
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
    {"network_adopt", py_network_adopt, METH_VARARGS, "Network handle owning a celesta_xylo_network_t * address."},
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
