/*
 * The shared helpers of the _celesta extension, included by each of its C files (one per area:
 * _celesta.c core and chips, _celesta_xylo.c configurations, simulator, networks, mapper and
 * quantizers, _celesta_afe.c audio front ends, _celesta_hdk.c dev kits). Internal: not installed.
 *
 * Every helper here is static inline, so a file gets the ones it uses; the method tables of the
 * areas are the only symbols the files share (hidden: the extension exports only its init).
 */
#ifndef CELESTA_PY_INTERNAL_H
#define CELESTA_PY_INTERNAL_H

#define PY_SSIZE_T_CLEAN
#ifndef Py_LIMITED_API /* setup.py sets it: 3.11's when built by Python >= 3.11, else 3.9's */
#define Py_LIMITED_API 0x03090000
#endif
#include <Python.h>
#include <pythread.h>

#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#include "celesta.h"

/* A symbol one file of the extension defines for another; never exported. */
#define CELESTA_PY_INTERNAL __attribute__((visibility("hidden")))

/* The method tables of the areas, added to the module by PyInit__celesta. */
CELESTA_PY_INTERNAL extern PyMethodDef celesta_xylo_methods[];
CELESTA_PY_INTERNAL extern PyMethodDef celesta_afe_methods[];
CELESTA_PY_INTERNAL extern PyMethodDef celesta_hdk_methods[];
CELESTA_PY_INTERNAL extern PyMethodDef celesta_snapshot_methods[];

/* Raises the Python exception for a failed call's status and this thread's message. An
 * exception already set (by a progress callback, or a KeyboardInterrupt caught while the call
 * ran) is raised as it is instead. */
static inline PyObject *raise_status(int status) {
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
static inline int put(PyObject *dict, const char *key, PyObject *value) {
    if (value == NULL) return -1;
    int rc = PyDict_SetItemString(dict, key, value);
    Py_DECREF(value);
    return rc;
}

/* ---- Shared call helpers: every method is parse, call, convert; these do the convert. ---- */

/* None on success, else the exception of `status`. */
static inline PyObject *none_result(int status) {
    if (status != CELESTA_OK) return raise_status(status);
    Py_RETURN_NONE;
}

/* A text output under the header's size-query idiom, read through `fn(buf, cap, len, ctx)`
 * (one of the *_text adapters below): a query, then the call into a buffer of that size. */
typedef int (*text_fn)(char *buf, size_t cap, size_t *len, const void *ctx);

static inline PyObject *text_result(text_fn fn, const void *ctx) {
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

/* ---- One call at a time on one handle, the GIL released while waiting. ----
 *
 * The library serialises calls on one handle with a lock of its own. A thread that blocked on
 * that lock while holding the GIL would deadlock with a thread that holds it and needs the GIL
 * (a progress callback), and a method that makes several calls on one handle (a size query,
 * then the call) must not interleave with another thread's. So every handle capsule carries a
 * recursive lock (its capsule context), which T_of() takes for the rest of the method: the
 * wrapper every module function runs in (celesta_py_call, installed by PyInit__celesta) lets
 * go of the locks its method took when the method returns. Waiting for one releases the GIL.
 * A method that needs a second handle held by another thread lets go of its locks and takes
 * them all in address order, so two methods taking the same two handles cannot deadlock. */
typedef struct {
    PyThread_type_lock lock;
    unsigned long owner; /* thread ident of the holder, 0 when free */
    int depth;
} handle_lock;

#define CELESTA_PY_MAX_HELD 16
typedef struct {
    int depth;   /* nesting of module functions on this thread (a progress callback nests) */
    int n;       /* locks held, one entry per acquisition */
    handle_lock *held[CELESTA_PY_MAX_HELD];
} call_state;

CELESTA_PY_INTERNAL extern __thread call_state celesta_py_state;

static inline void handle_lock_wait(handle_lock *h) {
    if (!PyThread_acquire_lock(h->lock, NOWAIT_LOCK)) {
        Py_BEGIN_ALLOW_THREADS
        PyThread_acquire_lock(h->lock, WAIT_LOCK);
        Py_END_ALLOW_THREADS
    }
    h->owner = PyThread_get_thread_ident();
    h->depth = 1;
}

static inline void handle_lock_drop(handle_lock *h) {
    if (--h->depth == 0) {
        h->owner = 0;
        PyThread_release_lock(h->lock);
    }
}

/* Takes `h` for the rest of the method; 0, or -1 with an exception. */
static inline int handle_lock_take(handle_lock *h) {
    call_state *st = &celesta_py_state;
    if (h == NULL || st->depth == 0) return 0; /* not inside a module function: nothing to hold */
    if (st->n == CELESTA_PY_MAX_HELD) {
        PyErr_SetString(PyExc_RuntimeError, "celesta: too many handles in one call");
        return -1;
    }
    unsigned long me = PyThread_get_thread_ident();
    if (h->owner == me) {
        h->depth++;
    } else if (st->n == 0 || st->depth > 1 || PyThread_acquire_lock(h->lock, NOWAIT_LOCK)) {
        if (st->n == 0 || st->depth > 1) handle_lock_wait(h);
        else { h->owner = me; h->depth = 1; }
    } else {
        /* Busy while this method holds others: let go of all, take all in address order. */
        handle_lock *all[CELESTA_PY_MAX_HELD + 1];
        int n = 0;
        for (int i = 0; i < st->n; ++i) {
            int seen = 0;
            for (int j = 0; j < n; ++j) seen |= all[j] == st->held[i];
            if (!seen) all[n++] = st->held[i];
        }
        for (int i = 0; i < n; ++i) { all[i]->depth = 0; all[i]->owner = 0; PyThread_release_lock(all[i]->lock); }
        all[n++] = h;
        for (int i = 1; i < n; ++i)
            for (int j = i; j > 0 && (uintptr_t)all[j] < (uintptr_t)all[j - 1]; --j) {
                handle_lock *t = all[j]; all[j] = all[j - 1]; all[j - 1] = t;
            }
        for (int i = 0; i < n; ++i) handle_lock_wait(all[i]);
        for (int i = 0; i < n; ++i) { /* restore the depths: one per entry held */
            int count = all[i] == h;
            for (int k = 0; k < st->n; ++k) count += st->held[k] == all[i];
            all[i]->depth = count;
        }
    }
    st->held[st->n++] = h;
    return 0;
}

static inline handle_lock *handle_lock_new(void) {
    handle_lock *h = calloc(1, sizeof *h);
    if (h != NULL && (h->lock = PyThread_allocate_lock()) == NULL) {
        free(h);
        h = NULL;
    }
    return h;
}

static inline void handle_lock_free(handle_lock *h) {
    if (h == NULL) return;
    PyThread_free_lock(h->lock);
    free(h);
}

/* Capsule plumbing for the handle type celesta_xylo_T_t: T_capsule_free (the capsule
 * destructor, calling celesta_xylo_T_free), T_of (the handle in a capsule, NULL with TypeError
 * otherwise; its lock is taken for the rest of the method), T_arg (the handle of an argument
 * tuple holding just that capsule), wrap_T (a new capsule owning the handle, with its lock; the
 * handle is freed if the capsule cannot be made) and T_result (wrap_T of a handle just
 * created, or the exception of a failed creation's status). */
#define CAPSULE_TYPE(T)                                                                            \
    static inline void T##_capsule_free(PyObject *cap) {                                                  \
        celesta_xylo_##T##_free((celesta_xylo_##T##_t *)PyCapsule_GetPointer(cap, "celesta_xylo_" #T "_t")); \
        handle_lock_free((handle_lock *)PyCapsule_GetContext(cap));                                \
    }                                                                                              \
    static inline celesta_xylo_##T##_t *T##_of(PyObject *cap) {                                           \
        celesta_xylo_##T##_t *h = (celesta_xylo_##T##_t *)PyCapsule_GetPointer(cap, "celesta_xylo_" #T "_t"); \
        if (h == NULL || handle_lock_take((handle_lock *)PyCapsule_GetContext(cap)) < 0) return NULL; \
        return h;                                                                                  \
    }                                                                                              \
    static inline celesta_xylo_##T##_t *T##_arg(PyObject *args) {                                  \
        PyObject *cap;                                                                             \
        return PyArg_ParseTuple(args, "O", &cap) ? T##_of(cap) : NULL;                             \
    }                                                                                              \
    static inline PyObject *wrap_##T(celesta_xylo_##T##_t *handle) {                                      \
        handle_lock *lock = handle_lock_new();                                                     \
        PyObject *cap = lock == NULL ? NULL : PyCapsule_New(handle, "celesta_xylo_" #T "_t", T##_capsule_free); \
        if (cap == NULL) {                                                                         \
            celesta_xylo_##T##_free(handle);                                                       \
            handle_lock_free(lock);                                                                \
            return lock == NULL ? PyErr_NoMemory() : NULL;                                         \
        }                                                                                          \
        PyCapsule_SetContext(cap, lock);                                                           \
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
CAPSULE_TYPE(hdk)
CAPSULE_TYPE(afe)
CAPSULE_TYPE(afe2)

/* Reads `item`, an (address, length) tuple of a buffer the caller keeps alive, or None or NULL
 * (NULL, 0). A negative length is a ValueError naming the `kind` ("array", "buffer") `name`. */
static inline int address_length_arg(PyObject *item, const char *kind, const char *name, void **ptr, size_t *len) {
    *ptr = NULL;
    *len = 0;
    if (item == NULL || item == Py_None) return 0;
    unsigned long long address;
    Py_ssize_t count;
    if (!PyArg_ParseTuple(item, "Kn", &address, &count)) return -1;
    if (count < 0) {
        PyErr_Format(PyExc_ValueError, "%s '%s' has a negative length", kind, name);
        return -1;
    }
    *ptr = (void *)(uintptr_t)address;
    *len = (size_t)count;
    return 0;
}

/* Reads arrays[name] = (address, length) of a buffer the caller keeps alive, or None. */
static inline int buffer_arg(PyObject *arrays, const char *name, void **ptr, size_t *len) {
    return address_length_arg(PyDict_GetItemString(arrays, name) /* borrowed */, "array", name, ptr, len);
}

/* The same for an int32 buffer that the library only reads. */
static inline int array_arg(PyObject *arrays, const char *name, const int32_t **ptr, size_t *len) {
    void *p;
    int status = buffer_arg(arrays, name, &p, len);
    *ptr = (const int32_t *)p;
    return status;
}

/* Fills *rec from records, a dict of name -> (address, length) of int32 buffers the caller keeps
 * alive, and points *recp at it; with records None *recp is NULL. -1 with an exception set. */
static inline int record_args(PyObject *records, celesta_xylo_sim_record_t *rec, celesta_xylo_sim_record_t **recp) {
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
static inline int native_format(const char *f, char code) {
    int little = 1;
    return f != NULL && ((f[0] == code && f[1] == 0) ||
                         ((f[0] == '@' || f[0] == '=' || (f[0] == '<' && *(char *)&little)) && f[1] == code && f[2] == 0));
}
#endif

static inline int input_arg(PyObject *obj, int32_input *in) {
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

static inline void input_release(int32_input *in) {
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

static inline int progress_trampoline(void *user, size_t done, size_t total) {
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
static inline int progress_arg(PyObject *arg, py_progress *p) {
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

#endif /* CELESTA_PY_INTERNAL_H */
