/*
 * _celesta: the audio front ends.
 */
#include "_celesta_internal.h"

/* The Xylo Audio 3 front end (celesta_xylo_afe_*) and the Xylo Audio 2 model (celesta_xylo_afe2_*). Buffers are (address, length) tuples of arrays
 * the Python caller keeps alive; the GIL is released while the front end runs. */

/* Reads an (address, length) tuple, or None (NULL, 0). */
static int afe_buffer(PyObject *item, const char *name, void **ptr, size_t *len) {
    return address_length_arg(item, "buffer", name, ptr, len);
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

/* The arguments afe_process and afe_stream_push share: (afe, (in_addr, in_len), flag,
 * (raster_addr, len), records or None[, progress]). `rec_ptr` is NULL or &rec. */
typedef struct {
    celesta_xylo_afe_t *afe;
    int flag;
    py_progress progress;
    int with_progress;
    void *in, *out;
    size_t in_len, out_len;
    celesta_xylo_afe_record_t rec, *rec_ptr;
} afe_call;

/* Fills `c` from `args`; -1 with a Python error set. */
static int afe_call_args(PyObject *args, afe_call *c) {
    PyObject *cap, *input, *raster, *records, *progress_obj = NULL;
    if (!PyArg_ParseTuple(args, "OOpOO|O", &cap, &input, &c->flag, &raster, &records, &progress_obj)) return -1;
    c->afe = afe_of(cap);
    if (c->afe == NULL) return -1;
    c->with_progress = progress_arg(progress_obj, &c->progress);
    if (c->with_progress < 0) return -1;
    if (afe_buffer(input, "input", &c->in, &c->in_len) < 0 || afe_buffer(raster, "raster", &c->out, &c->out_len) < 0 ||
        afe_record(records, &c->rec, &c->rec_ptr) < 0)
        return -1;
    return 0;
}

/* afe_process(afe, (in_addr, in_len), prefix, (raster_addr, len), records or None[, progress]) */
static PyObject *py_afe_process(PyObject *self, PyObject *args) {
    (void)self;
    afe_call c;
    if (afe_call_args(args, &c) < 0) return NULL;
    int status;
    size_t needed = 0;
    CALL_WITH_PROGRESS(celesta_xylo_afe_set_progress, c.afe, c.with_progress, c.progress, status,
                       celesta_xylo_afe_process(raster_or_empty(c.out), c.out_len, &needed, c.rec_ptr, c.afe, c.in, c.in_len, c.flag));
    return none_result(status);
}

/* afe_stream_push(afe, (in_addr, in_len), flush, (raster_addr, len), records or None[, progress]) -> rows */
static PyObject *py_afe_stream_push(PyObject *self, PyObject *args) {
    (void)self;
    afe_call c;
    if (afe_call_args(args, &c) < 0) return NULL;
    size_t len = 0;
    int channels = 0;
    int status = celesta_xylo_afe_channels(&channels, c.afe);
    if (status == CELESTA_OK)
        CALL_WITH_PROGRESS(celesta_xylo_afe_set_progress, c.afe, c.with_progress, c.progress, status,
                           celesta_xylo_afe_stream_push(raster_or_empty(c.out), c.out_len, &len, c.rec_ptr, c.afe, c.in, c.in_len, c.flag));
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

CELESTA_PY_INTERNAL PyMethodDef celesta_afe_methods[] = {
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
