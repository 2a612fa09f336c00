/*
 * _celesta snapshots: the exact contents of a celesta.ir.Graph's values as one bytes object, so
 * that the package can tell, in one C pass, whether a graph it handed to the library before is
 * still the same (celesta.ir keeps the library's copy of a graph while its snapshot is unchanged).
 *
 * snapshot(root, classes, ndarray, itemsizes) -> bytes | None
 *   root       the values to describe (a tuple, dict, list, str, int, float, bool, None, numpy
 *              array, or an object of one of `classes`, nested);
 *   classes    {type: tuple of attribute names}: the objects described by their type and their
 *              whole __dict__, which must hold every one of those names;
 *   ndarray    numpy.ndarray: its exact instances are described by dtype object, shape and
 *              every byte of their elements (C-contiguous arrays only);
 *   itemsizes  {dtype object: itemsize}: filled here from dtype.itemsize on first sight (the
 *              dict keeps the dtype objects alive, so that a dtype's address names it).
 * None when a value is of any other kind (the caller then does not cache). Two equal snapshots
 * of values of these kinds mean equal values: every item is tagged and every length given.
 *
 * snapshot_equal(root, classes, ndarray, itemsizes, snapshot) -> bool | None
 *   `snapshot(root, ...) == snapshot`, found in place: the same pass compares each item with
 *   the stored bytes as it goes and stops at the first difference (no new bytes are made, and
 *   the arrays' elements are read once). None where snapshot() gives None. `snapshot` must
 *   have been made with the same `classes` (their names are not checked again).
 *
 * The array fields are read from numpy's public array struct (data, nd, dimensions, strides,
 * base, descr, flags), the layout numpy keeps for compiled extensions in 1.x and 2.x.
 */
#include "_celesta_internal.h"

#include <stdint.h>

typedef struct {
    PyObject ob_base;
    char *data;
    int nd;
    Py_ssize_t *dimensions;
    Py_ssize_t *strides;
    PyObject *base;
    PyObject *descr;
    int flags;
} np_array_fields;

#define NP_C_CONTIGUOUS 0x0001
#define MAX_DEPTH 64
#define MAX_DTYPES 4096

typedef struct {
    char *data;
    size_t len, cap;
    /* Compare mode (snapshot_equal): the stored snapshot that the items are compared with
     * instead of written; `differs` is set (and -1 returned, with no Python error) at the first
     * difference. */
    const char *ref;
    size_t ref_len;
    int differs;
    PyObject *classes, *ndarray, *itemsizes;
    /* The last dtypes seen and their itemsizes (a graph's arrays share a few dtype objects;
     * hashing a numpy dtype for the dict costs more than the rest of an array). */
    PyObject *seen[4];
    Py_ssize_t seen_size[4];
    int next_seen;
} snap_t;

static int grow(snap_t *s, size_t more) {
    if (s->len + more <= s->cap) return 0;
    size_t cap = s->cap ? s->cap : 1 << 16;
    while (cap < s->len + more) cap *= 2;
    char *p = realloc(s->data, cap);
    if (p == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    s->data = p;
    s->cap = cap;
    return 0;
}

static int differ(snap_t *s) {
    s->differs = 1;
    return -1;
}

static int put_bytes(snap_t *s, const void *p, size_t n) {
    if (s->ref != NULL) {
        if (n > s->ref_len - s->len || (n && memcmp(s->ref + s->len, p, n) != 0)) return differ(s);
        s->len += n;
        return 0;
    }
    if (grow(s, n) < 0) return -1;
    if (n) memcpy(s->data + s->len, p, n);
    s->len += n;
    return 0;
}

static int put_tag(snap_t *s, char tag, uint64_t value) {
    if (s->ref != NULL) {
        uint64_t stored;
        if (9 > s->ref_len - s->len || s->ref[s->len] != tag) return differ(s);
        memcpy(&stored, s->ref + s->len + 1, 8);
        if (stored != value) return differ(s);
        s->len += 9;
        return 0;
    }
    if (grow(s, 9) < 0) return -1;
    s->data[s->len] = tag;
    memcpy(s->data + s->len + 1, &value, 8);
    s->len += 9;
    return 0;
}

/* 1: described; 0: a value of another kind (no snapshot); -1: a Python error. */
static int describe(snap_t *s, PyObject *v, int depth);

static int describe_dict(snap_t *s, PyObject *d, int depth) {
    if (put_tag(s, 'd', (uint64_t)PyDict_Size(d)) < 0) return -1;
    Py_ssize_t pos = 0;
    PyObject *k, *x;
    while (PyDict_Next(d, &pos, &k, &x)) {
        int r = describe(s, k, depth + 1);
        if (r <= 0) return r;
        r = describe(s, x, depth + 1);
        if (r <= 0) return r;
    }
    return 1;
}

/* The itemsize of a dtype object (recorded in s->itemsizes), or -1: an error or none. */
static Py_ssize_t dtype_itemsize(snap_t *s, PyObject *descr) {
    PyObject *size = PyDict_GetItem(s->itemsizes, descr); /* borrowed */
    if (size == NULL) {
        if (PyDict_Size(s->itemsizes) >= MAX_DTYPES) return -1;
        size = PyObject_GetAttrString(descr, "itemsize");
        if (size == NULL) return -1;
        int r = PyDict_SetItem(s->itemsizes, descr, size);
        Py_DECREF(size); /* the dict holds it */
        if (r < 0) return -1;
    }
    return PyLong_AsSsize_t(size);
}

static int describe_array(snap_t *s, PyObject *v) {
    np_array_fields *a = (np_array_fields *)v;
    if (!(a->flags & NP_C_CONTIGUOUS) || a->nd < 0 || a->nd > 64 || a->descr == NULL) return 0;
    Py_ssize_t itemsize = -1;
    for (int i = 0; i < 4; i++) {
        if (s->seen[i] == a->descr) itemsize = s->seen_size[i];
    }
    if (itemsize < 0) {
        itemsize = dtype_itemsize(s, a->descr);
        if (itemsize < 0) return PyErr_Occurred() ? -1 : 0;
        s->seen[s->next_seen] = a->descr; /* (kept alive by s->itemsizes) */
        s->seen_size[s->next_seen] = itemsize;
        s->next_seen = (s->next_seen + 1) % 4;
    }
    size_t n = (size_t)itemsize;
    for (int i = 0; i < a->nd; i++) {
        if (a->dimensions[i] < 0) return 0;
        n *= (size_t)a->dimensions[i];
    }
    uintptr_t dtype = (uintptr_t)a->descr;
    if (put_tag(s, 'a', (uint64_t)dtype) < 0 || put_tag(s, 'n', (uint64_t)a->nd) < 0) return -1;
    for (int i = 0; i < a->nd; i++)
        if (put_bytes(s, &a->dimensions[i], sizeof(Py_ssize_t)) < 0) return -1;
    if (put_tag(s, 'b', (uint64_t)n) < 0) return -1;
    if (n && a->data == NULL) return 0;
    return put_bytes(s, a->data, n) < 0 ? -1 : 1;
}

static int describe(snap_t *s, PyObject *v, int depth) {
    if (depth > MAX_DEPTH) return 0;
    if (v == Py_None) return put_tag(s, 'N', 0) < 0 ? -1 : 1;
    if (v == Py_True || v == Py_False) return put_tag(s, 'B', v == Py_True) < 0 ? -1 : 1;
    PyTypeObject *t = Py_TYPE(v);
    if (t == &PyUnicode_Type) {
        Py_ssize_t n;
        const char *u = PyUnicode_AsUTF8AndSize(v, &n);
        if (u == NULL) { /* lone surrogates: not text the library can take anyway */
            PyErr_Clear();
            return 0;
        }
        return put_tag(s, 's', (uint64_t)n) < 0 || put_bytes(s, u, (size_t)n) < 0 ? -1 : 1;
    }
    if (t == &PyLong_Type) {
        int overflow = 0;
        long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
        if (overflow) return 0;
        if (x == -1 && PyErr_Occurred()) return -1;
        return put_tag(s, 'i', (uint64_t)x) < 0 ? -1 : 1;
    }
    if (t == &PyFloat_Type) {
        double x = PyFloat_AsDouble(v);
        uint64_t bits;
        memcpy(&bits, &x, 8);
        return put_tag(s, 'f', bits) < 0 ? -1 : 1;
    }
    if ((PyObject *)t == s->ndarray) return describe_array(s, v);
    if (t == &PyDict_Type) return describe_dict(s, v, depth);
    if (t == &PyList_Type || PyTuple_Check(v)) {
        int list = t == &PyList_Type;
        Py_ssize_t n = list ? PyList_Size(v) : PyTuple_Size(v);
        if (put_tag(s, list ? 'l' : 't', (uint64_t)n) < 0) return -1;
        for (Py_ssize_t i = 0; i < n; i++) {
            /* (A list cannot change here: nothing below runs Python code that could.) */
            int r = describe(s, list ? PyList_GetItem(v, i) : PyTuple_GetItem(v, i), depth + 1);
            if (r <= 0) return r;
        }
        return 1;
    }
    PyObject *names = PyDict_GetItem(s->classes, (PyObject *)t); /* borrowed */
    if (names == NULL || !PyTuple_Check(names)) return 0;
#if Py_LIMITED_API + 0 >= 0x030A0000
    PyObject *d = PyObject_GenericGetDict(v, NULL); /* (the classes use object's attribute lookup) */
#else
    static PyObject *dict_name = NULL;
    if (dict_name == NULL && (dict_name = PyUnicode_InternFromString("__dict__")) == NULL) return -1;
    PyObject *d = PyObject_GetAttr(v, dict_name);
#endif
    if (d == NULL) {
        PyErr_Clear();
        return 0;
    }
    int r = 0;
    if (PyDict_CheckExact(d)) {
        r = 1;
        /* (Compared with a snapshot, the names need no check: a __dict__ equal to the one
         * described when every name was there holds them too. The caller compares only with
         * a snapshot made with the same `classes`.) */
        for (Py_ssize_t i = 0; s->ref == NULL && i < PyTuple_Size(names) && r == 1; i++) {
            r = PyDict_Contains(d, PyTuple_GetItem(names, i));
        }
        if (r == 1) r = put_tag(s, 'o', (uint64_t)(uintptr_t)t) < 0 ? -1 : describe_dict(s, d, depth);
    }
    Py_DECREF(d);
    return r;
}

static PyObject *py_snapshot(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *root, *classes, *ndarray, *itemsizes;
    if (!PyArg_ParseTuple(args, "OO!OO!:snapshot", &root, &PyDict_Type, &classes, &ndarray, &PyDict_Type, &itemsizes))
        return NULL;
    snap_t s = {.classes = classes, .ndarray = ndarray, .itemsizes = itemsizes};
    int r = describe(&s, root, 0);
    PyObject *out = NULL;
    if (r == 1) {
        out = PyBytes_FromStringAndSize(s.data ? s.data : "", (Py_ssize_t)s.len);
    } else if (r == 0) {
        out = Py_None;
        Py_INCREF(out);
    }
    free(s.data);
    return out;
}

static PyObject *py_snapshot_equal(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *root, *classes, *ndarray, *itemsizes;
    const char *ref;
    Py_ssize_t ref_len;
    if (!PyArg_ParseTuple(args, "OO!OO!y#:snapshot_equal", &root, &PyDict_Type, &classes, &ndarray, &PyDict_Type, &itemsizes,
                          &ref, &ref_len))
        return NULL;
    snap_t s = {.ref = ref, .ref_len = (size_t)ref_len, .classes = classes, .ndarray = ndarray, .itemsizes = itemsizes};
    int r = describe(&s, root, 0);
    if (s.differs) return PyBool_FromLong(0); /* (no Python error is set on a difference) */
    if (r < 0) return NULL;
    if (r == 0) Py_RETURN_NONE;
    return PyBool_FromLong(s.len == s.ref_len);
}

CELESTA_PY_INTERNAL PyMethodDef celesta_snapshot_methods[] = {
    {"snapshot", py_snapshot, METH_VARARGS,
     "snapshot(root, classes, ndarray, itemsizes): the exact contents of root as bytes, or None."},
    {"snapshot_equal", py_snapshot_equal, METH_VARARGS,
     "snapshot_equal(root, classes, ndarray, itemsizes, snapshot): snapshot(root, ...) == snapshot, compared in place."},
    {NULL, NULL, 0, NULL},
};
