/*
 * _celesta: dev kits (celesta_xylo_hdk_*): discovery, opening, configurations, accelerated-time
 * runs, the clock, power and free runs on the audio front end.
 */
#include "_celesta_internal.h"

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

/* hdk_partial_output(hdk) -> bytearray of the int32 output spikes of the last hdk_evolve as
 * far as they were read from the kit (all of them after a run that succeeded; the steps before
 * the failure after one that failed). */
static PyObject *py_hdk_partial_output(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    if (!PyArg_ParseTuple(args, "O", &cap) || hdk_of(cap) == NULL) return NULL;
    size_t needed = 0;
    int status = celesta_xylo_hdk_partial_output(NULL, 0, &needed, hdk_of(cap));
    if (status != CELESTA_OK) return raise_status(status);
    if (needed > (size_t)(PY_SSIZE_T_MAX / 4)) return PyErr_NoMemory();
    PyObject *spikes = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)needed * 4);
    if (spikes == NULL) return NULL;
    status = celesta_xylo_hdk_partial_output((int32_t *)PyByteArray_AsString(spikes), needed, &needed, hdk_of(cap));
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

static PyObject *py_hdk_set_power_rate(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap;
    double hz, actual = 0;
    if (!PyArg_ParseTuple(args, "Od", &cap, &hz) || hdk_of(cap) == NULL) return NULL;
    int status = celesta_xylo_hdk_set_power_rate(&actual, hdk_of(cap), hz);
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

/* hdk_monitor(hdk, afe, (audio_addr, len) float64, network, record_power, (raster_addr, len) or None,
 * (spikes_addr, len) or None[, progress]) -> (steps, overruns); with both buffers None only steps
 * is computed. */
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

CELESTA_PY_INTERNAL PyMethodDef celesta_hdk_methods[] = {
    {"hdk_register_usb_id", py_hdk_register_usb_id, METH_VARARGS, "Register a USB id pair as a dev kit of a chip."},
    {"hdk_list", py_hdk_list, METH_VARARGS, "Dev kits on USB and the virtual kits asked for, as dicts."},
    {"hdk_open", py_hdk_open, METH_VARARGS, "Open a dev kit: 'virtual:<chip>', 'usb:BUS:ADDR' or None."},
    {"hdk_info", py_hdk_info, METH_VARARGS, "What an open kit is, with its power rails."},
    {"hdk_apply", py_hdk_apply, METH_VARARGS, "Write a configuration into the kit."},
    {"hdk_evolve", py_hdk_evolve, METH_VARARGS, "Run an int32 raster on the kit in accelerated time."},
    {"hdk_partial_output", py_hdk_partial_output, METH_VARARGS, "Output spikes of the last evolve read before it failed."},
    {"hdk_power", py_hdk_power, METH_VARARGS, "Power samples of the last run into float64 buffers; their count."},
    {"hdk_set_clock", py_hdk_set_clock, METH_VARARGS, "Set the core clock (MHz); the clock the kit runs."},
    {"hdk_set_power_rate", py_hdk_set_power_rate, METH_VARARGS, "Set the power sampling rate (Hz, 0: default); the rate."},
    {"hdk_monitor", py_hdk_monitor, METH_VARARGS, "Run a kit free on its audio front end: (steps, overruns)."},
    {"hdk_min_clock", py_hdk_min_clock, METH_VARARGS, "Lowest real-time clock (Hz) of the applied configuration."},
    {NULL, NULL, 0, NULL},
};
