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
 * snapshot_watch(root, classes, ndarray, itemsizes, first[, structure, value_keys])
 *   -> (snapshot, watch) | None: the snapshot and a watch of the mutable objects its values were
 *   found in (first, a dict, is watched too). The first `structure` items of a tuple root are
 *   the graph's structure (its nodes dict and edges list): the dicts and lists met there and the
 *   objects in them (not what those hold). The arrays under an object attribute named in the
 *   tuple `value_keys` are marked.
 * watch_check(watch, scope) -> bool: whether the watched objects are unchanged, in `scope`:
 *   0 shapes (every dict, list, object and array header; the elements of port shapes), 1 values
 *   (every array element too), 2 structure (only what `structure` marked: names, order and
 *   classes of the nodes, the edges), 3 some values (as 0, plus the marked arrays' elements).
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
    /* Take mode with a watch (snapshot_watch): what the pass records besides the bytes, and
     * whether it is inside a node's port shapes (input_type, output_type), whose array
     * elements are shapes: always compared. */
    struct watch *w;
    int in_ports;
    /* (snapshot_watch) Whether the items described now are the graph's structure (its nodes
     * dict, the node objects in it, its edges list), and whether they sit under an attribute
     * named in `value_keys` (their array elements are compared in scope WATCH_SOME_VALUES). */
    int structure;
    int in_values;
    PyObject *value_keys;
} snap_t;

/* ---- Watches: the mutable objects a snapshot's values were found in, to tell cheaply that
 * they are all unchanged (see snapshot_watch below). ---- */

enum { W_DICT, W_LIST, W_OBJECT, W_ARRAY, W_SHAPE_ARRAY };

/* watch_entry.flags */
#define WF_STRUCTURE 1 /* part of the graph's structure (checked in every scope) */
#define WF_VALUES 2    /* an array under one of the `value_keys` attributes */

/* What watch_check() compares (its `scope`). */
enum {
    WATCH_SHAPES = 0,      /* every object; array elements of port shapes only */
    WATCH_VALUES = 1,      /* every object and every array element */
    WATCH_STRUCTURE = 2,   /* the nodes dict, each node's type, the edges list (names, order, kinds, edges) */
    WATCH_SOME_VALUES = 3, /* as WATCH_SHAPES, plus the elements of the arrays under `value_keys` */
};

typedef struct {
    int kind;
    int flags;         /* WF_* */
    int nd;            /* W_ARRAY: dimensions */
    PyObject *obj;     /* (strong) the dict, list, object or array */
    PyObject *aux;     /* (strong) W_OBJECT: its __dict__; W_ARRAY: its dtype object */
    uint64_t a;        /* W_DICT: version tag; W_LIST: first item in `items`; W_ARRAY: offset of its bytes in the snapshot */
    uint64_t b;        /* W_DICT: size; W_LIST: length; W_ARRAY: bytes */
    char *data;        /* W_ARRAY: its data pointer */
    size_t dims;       /* W_ARRAY: first dimension in `dims` */
} watch_entry;

typedef struct watch {
    int structure; /* (while made) the entries added now get WF_STRUCTURE */
    watch_entry *e;
    size_t n, cap;
    size_t *marked; /* the positions of the WF_STRUCTURE entries */
    size_t n_marked, cap_marked;
    PyObject **items; /* (strong) the items of the watched lists */
    size_t n_items, cap_items;
    Py_ssize_t *dims;
    size_t n_dims, cap_dims;
    PyObject *snapshot; /* (strong) the bytes the array offsets point into */
} watch_t;

static int grow_array(void **p, size_t *cap, size_t need, size_t size) {
    if (need <= *cap) return 0;
    size_t cap2 = *cap ? *cap : 256;
    while (cap2 < need) cap2 *= 2;
    void *q = realloc(*p, cap2 * size);
    if (q == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *p = q;
    *cap = cap2;
    return 0;
}

/* The dict's version tag and size, read from CPython's dict struct (3.11 and 3.12: ma_used and
 * ma_version_tag after the object header; PEP 509: every change of a dict gives it a new tag
 * from a global counter). Used only where watch_usable() found them behaving so. */
static inline uint64_t dict_tag(PyObject *d) {
    uint64_t v;
    memcpy(&v, (const char *)d + 2 * sizeof(void *) + sizeof(Py_ssize_t), sizeof v);
    return v;
}

static inline Py_ssize_t dict_used(PyObject *d) {
    Py_ssize_t v;
    memcpy(&v, (const char *)d + 2 * sizeof(void *), sizeof v);
    return v;
}

static watch_entry *watch_add(watch_t *w, int kind, PyObject *obj, PyObject *aux) {
    if (grow_array((void **)&w->e, &w->cap, w->n + 1, sizeof(watch_entry)) < 0) return NULL;
    if (w->structure && grow_array((void **)&w->marked, &w->cap_marked, w->n_marked + 1, sizeof(size_t)) < 0) return NULL;
    if (w->structure) w->marked[w->n_marked++] = w->n;
    watch_entry *e = &w->e[w->n++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->flags = w->structure ? WF_STRUCTURE : 0;
    Py_INCREF(obj);
    e->obj = obj;
    Py_XINCREF(aux);
    e->aux = aux;
    return e;
}

static int watch_dict(watch_t *w, PyObject *d) {
    watch_entry *e = watch_add(w, W_DICT, d, NULL);
    if (e == NULL) return -1;
    e->a = dict_tag(d);
    e->b = (uint64_t)PyDict_Size(d);
    return 0;
}

static int watch_list(watch_t *w, PyObject *list) {
    Py_ssize_t n = PyList_Size(list);
    if (grow_array((void **)&w->items, &w->cap_items, w->n_items + (size_t)n, sizeof(PyObject *)) < 0) return -1;
    watch_entry *e = watch_add(w, W_LIST, list, NULL);
    if (e == NULL) return -1;
    e->a = w->n_items;
    e->b = (uint64_t)n;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *x = PyList_GetItem(list, i);
        Py_INCREF(x);
        w->items[w->n_items++] = x;
    }
    return 0;
}

static void watch_free(watch_t *w) {
    if (w == NULL) return;
    for (size_t i = 0; i < w->n; i++) {
        Py_DECREF(w->e[i].obj);
        Py_XDECREF(w->e[i].aux);
    }
    for (size_t i = 0; i < w->n_items; i++) Py_DECREF(w->items[i]);
    Py_XDECREF(w->snapshot);
    free(w->e);
    free(w->marked);
    free(w->items);
    free(w->dims);
    free(w);
}

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

/* `attributes`: d is an object's __dict__ (its port shapes are marked for a watch). */
static int describe_dict(snap_t *s, PyObject *d, int depth, int attributes) {
    if (put_tag(s, 'd', (uint64_t)PyDict_Size(d)) < 0) return -1;
    if (s->w != NULL && watch_dict(s->w, d) < 0) return -1;
    Py_ssize_t pos = 0;
    PyObject *k, *x;
    while (PyDict_Next(d, &pos, &k, &x)) {
        int r = describe(s, k, depth + 1);
        if (r <= 0) return r;
        int ports = attributes && s->w != NULL && PyUnicode_Check(k) &&
                    (PyUnicode_CompareWithASCIIString(k, "input_type") == 0 || PyUnicode_CompareWithASCIIString(k, "output_type") == 0);
        int values = 0;
        if (attributes && s->value_keys != NULL) {
            values = PySequence_Contains(s->value_keys, k);
            if (values < 0) return -1;
        }
        s->in_ports += ports;
        s->in_values += values;
        r = describe(s, x, depth + 1);
        s->in_ports -= ports;
        s->in_values -= values;
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
    if (s->w != NULL) {
        watch_t *w = s->w;
        if (grow_array((void **)&w->dims, &w->cap_dims, w->n_dims + (size_t)a->nd, sizeof(Py_ssize_t)) < 0) return -1;
        watch_entry *e = watch_add(w, s->in_ports ? W_SHAPE_ARRAY : W_ARRAY, v, a->descr);
        if (e == NULL) return -1;
        if (s->in_values) e->flags |= WF_VALUES;
        e->nd = a->nd;
        e->a = s->len;
        e->b = n;
        e->data = a->data;
        e->dims = w->n_dims;
        for (int i = 0; i < a->nd; i++) w->dims[w->n_dims++] = a->dimensions[i];
    }
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
    if (t == &PyDict_Type) return describe_dict(s, v, depth, 0);
    if (t == &PyList_Type || PyTuple_Check(v)) {
        int list = t == &PyList_Type;
        Py_ssize_t n = list ? PyList_Size(v) : PyTuple_Size(v);
        if (put_tag(s, list ? 'l' : 't', (uint64_t)n) < 0) return -1;
        if (list && s->w != NULL && watch_list(s->w, v) < 0) return -1;
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
        if (r == 1 && s->w != NULL) {
            watch_entry *e = watch_add(s->w, W_OBJECT, v, d);
            if (e == NULL) r = -1;
            else e->data = (char *)t; /* (the type: kept alive by `classes`) */
        }
        /* (A node's attributes are not the graph's structure: its type is.) */
        int structure = s->w != NULL ? s->w->structure : 0;
        if (s->w != NULL) s->w->structure = 0;
        if (r == 1) r = put_tag(s, 'o', (uint64_t)(uintptr_t)t) < 0 ? -1 : describe_dict(s, d, depth, 1);
        if (s->w != NULL) s->w->structure = structure;
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

#define WATCH_CAPSULE "celesta.snapshot.watch"

static void watch_capsule_free(PyObject *capsule) {
    watch_free(PyCapsule_GetPointer(capsule, WATCH_CAPSULE));
}

/* describe(s, root, 0) for a tuple root whose first `structure` items are the graph's structure
 * (the same bytes). */
static int describe_root(snap_t *s, PyObject *root, Py_ssize_t structure) {
    if (!PyTuple_CheckExact(root) || structure <= 0) return describe(s, root, 0);
    Py_ssize_t n = PyTuple_Size(root);
    if (put_tag(s, 't', (uint64_t)n) < 0) return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        s->w->structure = i < structure;
        int r = describe(s, PyTuple_GetItem(root, i), 1);
        s->w->structure = 0;
        if (r <= 0) return r;
    }
    return 1;
}

static PyObject *py_snapshot_watch(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *root, *classes, *ndarray, *itemsizes, *first, *value_keys = NULL;
    Py_ssize_t structure = 0;
    if (!PyArg_ParseTuple(args, "OO!OO!O!|nO!:snapshot_watch", &root, &PyDict_Type, &classes, &ndarray, &PyDict_Type, &itemsizes,
                          &PyDict_Type, &first, &structure, &PyTuple_Type, &value_keys))
        return NULL;
    if (!PyDict_CheckExact(first)) Py_RETURN_NONE;
    watch_t *w = calloc(1, sizeof *w);
    if (w == NULL) return PyErr_NoMemory();
    snap_t s = {.classes = classes, .ndarray = ndarray, .itemsizes = itemsizes, .w = w, .value_keys = value_keys};
    int r = watch_dict(w, first) < 0 ? -1 : describe_root(&s, root, structure);
    PyObject *out = NULL;
    if (r == 1) {
        PyObject *bytes = PyBytes_FromStringAndSize(s.data ? s.data : "", (Py_ssize_t)s.len);
        PyObject *capsule = bytes ? PyCapsule_New(w, WATCH_CAPSULE, watch_capsule_free) : NULL;
        if (capsule != NULL) {
            w->snapshot = bytes;
            Py_INCREF(bytes);
            w = NULL; /* (the capsule owns it) */
            out = Py_BuildValue("(NN)", bytes, capsule);
        } else {
            Py_XDECREF(bytes);
        }
    } else if (r == 0) {
        out = Py_None;
        Py_INCREF(out);
    }
    watch_free(w);
    free(s.data);
    return out;
}

/* Whether a watched array keeps its data pointer, dtype, shape and (with `elements`) the bytes
 * of the snapshot. */
static int array_holds(const watch_t *w, const char *snap, const watch_entry *e, int elements) {
    const np_array_fields *a = (const np_array_fields *)e->obj;
    if (a->data != e->data || a->nd != e->nd || a->descr != e->aux || !(a->flags & NP_C_CONTIGUOUS)) return 0;
    for (int k = 0; k < e->nd; k++)
        if (a->dimensions[k] != w->dims[e->dims + k]) return 0;
    return !(elements && e->b && memcmp(a->data, snap + e->a, e->b) != 0);
}

/* 1 when a watched dict (its version tag and size) or list (its items, by identity) is as it was. */
static inline int container_holds(const watch_t *w, const watch_entry *e) {
    if (e->kind == W_DICT) return dict_tag(e->obj) == e->a && (uint64_t)dict_used(e->obj) == e->b;
    if ((uint64_t)PyList_Size(e->obj) != e->b) return 0;
    PyObject *const *items = w->items + e->a;
    for (Py_ssize_t k = 0; k < (Py_ssize_t)e->b; k++)
        if (PyList_GetItem(e->obj, k) != items[k]) return 0;
    return 1;
}

/* 1 when the watched structure is as it was: the dicts and lists of WF_STRUCTURE unchanged and
 * each node object of the same type (what a node holds is not looked at). */
static int structure_holds(const watch_t *w, const char *snap) {
    for (size_t i = 0; i < w->n_marked; i++) {
        const watch_entry *e = &w->e[w->marked[i]];
        if (i + 16 < w->n_marked) __builtin_prefetch(w->e[w->marked[i + 16]].obj); /* (see watch_holds) */
        switch (e->kind) {
        case W_DICT:
        case W_LIST:
            if (!container_holds(w, e)) return 0;
            break;
        case W_OBJECT:
            if ((char *)Py_TYPE(e->obj) != e->data) return 0;
            break;
        default: /* (arrays in the structure: their shapes and elements) */
            if (!array_holds(w, snap, e, 1)) return 0;
            break;
        }
    }
    return 1;
}

/* 1 when every watched object of `scope` (WATCH_*) is as it was. */
static int watch_holds(const watch_t *w, int scope) {
    const char *snap = PyBytes_AsString(w->snapshot);
    if (snap == NULL) return -1;
    if (scope == WATCH_STRUCTURE) return structure_holds(w, snap);
    for (size_t i = 0; i < w->n; i++) {
        const watch_entry *e = &w->e[i];
        /* (The watched objects lie all over the heap: their headers are asked for ahead, so that
         * the pass waits for memory far less often.) */
        if (i + 16 < w->n) {
            const watch_entry *next = &w->e[i + 16];
            __builtin_prefetch(next->obj);
            __builtin_prefetch((const char *)next->obj + 32);
            if (next->kind >= W_ARRAY) __builtin_prefetch(next->data);
            if (next->kind == W_OBJECT) __builtin_prefetch(next->aux); /* (its __dict__) */
        }
        /* (An array's dimensions lie in a block of their own: asked for once its header, asked
         * for 8 entries ago, is likely there.) */
        if (i + 8 < w->n && w->e[i + 8].kind >= W_ARRAY && w->e[i + 8].nd > 0)
            __builtin_prefetch(((const np_array_fields *)w->e[i + 8].obj)->dimensions);
        switch (e->kind) {
        case W_DICT:
        case W_LIST:
            if (!container_holds(w, e)) return 0;
            break;
        case W_OBJECT: {
            if ((char *)Py_TYPE(e->obj) != e->data) return 0;
#if Py_LIMITED_API + 0 >= 0x030A0000
            PyObject *d = PyObject_GenericGetDict(e->obj, NULL);
#else
            PyObject *d = PyObject_GetAttrString(e->obj, "__dict__");
#endif
            if (d == NULL) {
                PyErr_Clear();
                return 0;
            }
            Py_DECREF(d); /* (e->aux holds the one compared with) */
            if (d != e->aux) return 0;
            break;
        }
        case W_ARRAY:
        case W_SHAPE_ARRAY:
            if (!array_holds(w, snap, e, scope == WATCH_VALUES || e->kind == W_SHAPE_ARRAY || (scope == WATCH_SOME_VALUES && (e->flags & WF_VALUES))))
                return 0;
            break;
        }
    }
    return 1;
}

static PyObject *py_watch_check(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *capsule;
    int values;
    if (!PyArg_ParseTuple(args, "Oi:watch_check", &capsule, &values)) return NULL;
    if (values < WATCH_SHAPES || values > WATCH_SOME_VALUES) {
        PyErr_Format(PyExc_ValueError, "watch_check() argument 'scope' is %d; use 0 (shapes), 1 (values), 2 (structure) or 3 (some values)",
                     values);
        return NULL;
    }
    if (!PyCapsule_IsValid(capsule, WATCH_CAPSULE)) {
        PyErr_SetString(PyExc_TypeError, "watch_check() argument 'watch' must be a watch made by snapshot_watch()");
        return NULL;
    }
    watch_t *w = PyCapsule_GetPointer(capsule, WATCH_CAPSULE);
    if (w == NULL) return NULL;
    int r = watch_holds(w, values);
    if (r < 0) return NULL;
    return PyBool_FromLong(r);
}

/* Whether dicts carry version tags as dict_tag() reads them: checked on a few changes (the
 * caller enables watches only on the CPython versions known to keep PEP 509's tags). */
static PyObject *py_watch_usable(PyObject *self, PyObject *noargs) {
    (void)self;
    (void)noargs;
    PyObject *d = PyDict_New(), *e = PyDict_New(), *k = PyUnicode_FromString("celesta"), *x = PyLong_FromLong(123456789),
             *y = PyFloat_FromDouble(0.5);
    int ok = d && e && k && x && y;
    if (ok) {
        uint64_t t0 = dict_tag(d);
        ok = PyDict_SetItem(d, k, x) == 0 && dict_used(d) == 1;
        uint64_t t1 = dict_tag(d);
        ok = ok && t1 != t0 && PyDict_SetItem(d, k, y) == 0 && dict_used(d) == 1;
        uint64_t t2 = dict_tag(d);
        ok = ok && t2 != t1 && PyDict_SetItem(e, k, y) == 0 && dict_tag(e) != t2 && dict_used(e) == 1;
        ok = ok && PyDict_DelItem(d, k) == 0 && dict_used(d) == 0 && dict_tag(d) != t2 && dict_tag(d) != dict_tag(e);
    }
    Py_XDECREF(d);
    Py_XDECREF(e);
    Py_XDECREF(k);
    Py_XDECREF(x);
    Py_XDECREF(y);
    if (PyErr_Occurred()) return NULL;
    return PyBool_FromLong(ok);
}

/* The ints of a flat list of (a, count) pairs expanded, or -1 (a Python error): `out` receives
 * `total` items (each pair gives `count` items: a, a + 1, ... when `step`, else a repeated). */
static int expand_runs(PyObject *runs, int step, Py_ssize_t **out, Py_ssize_t *total, const char *what) {
    Py_ssize_t n = PyList_Size(runs), count = 0;
    if (n < 0) return -1;
    if (n % 2 != 0) {
        PyErr_Format(PyExc_ValueError, "apply_core_runs(): '%s' holds %zd items, not pairs", what, n);
        return -1;
    }
    for (Py_ssize_t k = 1; k < n; k += 2) {
        Py_ssize_t c = PyLong_AsSsize_t(PyList_GetItem(runs, k));
        if (c == -1 && PyErr_Occurred()) return -1;
        if (c < 0 || c > PY_SSIZE_T_MAX / 2 - count) {
            PyErr_Format(PyExc_ValueError, "apply_core_runs(): '%s' has a run of %zd", what, c);
            return -1;
        }
        count += c;
    }
    Py_ssize_t *items = malloc(sizeof(Py_ssize_t) * (size_t)(count ? count : 1));
    if (items == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t at = 0;
    for (Py_ssize_t k = 0; k < n; k += 2) {
        Py_ssize_t a = PyLong_AsSsize_t(PyList_GetItem(runs, k)), c = PyLong_AsSsize_t(PyList_GetItem(runs, k + 1));
        if (a == -1 && PyErr_Occurred()) {
            free(items);
            return -1;
        }
        for (Py_ssize_t j = 0; j < c; j++) items[at++] = step ? a + j : a;
    }
    *out = items;
    *total = count;
    return 0;
}

/* A watch of dicts (W_DICT entries only): `dicts` are held; the caller fills them in. */
static PyObject *dicts_watch_capsule(watch_t *w);

/* apply_core_runs(nodes, order_runs, core_runs, key) -> (dict, watch): for each assignment k, the
 * node at position order[k] of the dict `nodes` gets attribute `key` = cores[k] (set only where
 * it differs), and the dict maps the node's name to cores[k], in that order (a partition's
 * assignments). The positions come as runs of consecutive positions ([first, count, ...]) and
 * the cores as runs of one core ([core, count, ...]). The watch holds `nodes`, and every node given a core with its
 * type and __dict__, as they are after the writes (watch_check(watch, 0) tells that none changed
 * since); None when a node has no plain __dict__. */
static PyObject *py_apply_core_runs(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *nodes, *order_runs, *core_runs, *key;
    if (!PyArg_ParseTuple(args, "O!O!O!U:apply_core_runs", &PyDict_Type, &nodes, &PyList_Type, &order_runs, &PyList_Type, &core_runs,
                          &key))
        return NULL;
    Py_ssize_t *order = NULL, *cores = NULL, n = 0, n_cores = 0;
    if (expand_runs(order_runs, 1, &order, &n, "order_runs") < 0) return NULL;
    if (expand_runs(core_runs, 0, &cores, &n_cores, "core_runs") < 0) {
        free(order);
        return NULL;
    }
    PyObject *out = NULL, *watch = NULL;
    Py_ssize_t count = PyDict_Size(nodes), i = 0;
    PyObject **names = NULL, **values = NULL;
    watch_t *w = NULL;
    if (n_cores != n) {
        PyErr_SetString(PyExc_ValueError, "apply_core_runs(): 'order_runs' and 'core_runs' differ in length");
        goto done;
    }
    names = malloc(sizeof(PyObject *) * 2 * (size_t)(count ? count : 1));
    w = calloc(1, sizeof *w);
    if (names == NULL || w == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    values = names + count;
    Py_ssize_t pos = 0;
    PyObject *name, *node;
    while (i < count && PyDict_Next(nodes, &pos, &name, &node)) { /* (held: a node's attribute store may run Python code) */
        Py_INCREF(name);
        Py_INCREF(node);
        names[i] = name;
        values[i++] = node;
    }
    out = PyDict_New();
    PyObject *core = NULL;
    Py_ssize_t core_value = 0;
    for (Py_ssize_t k = 0; out != NULL && k < n; k++) {
        Py_ssize_t at = order[k];
        if (at < 0 || at >= i) {
            PyErr_Format(PyExc_IndexError, "apply_core_runs(): node position %zd of %zd nodes", at, i);
            Py_CLEAR(out);
            break;
        }
        if (core == NULL || cores[k] != core_value) {
            Py_XDECREF(core);
            core_value = cores[k];
            core = PyLong_FromSsize_t(core_value);
            if (core == NULL) {
                Py_CLEAR(out);
                break;
            }
        }
        PyObject *target = values[at], *label = names[at];
        PyObject *now = PyObject_GetAttr(target, key);
        int same = 0;
        if (now == NULL) {
            if (PyErr_ExceptionMatches(PyExc_AttributeError)) PyErr_Clear();
        } else {
            same = Py_TYPE(now) == Py_TYPE(core) ? PyObject_RichCompareBool(now, core, Py_EQ) : 0;
            Py_DECREF(now);
        }
        if (same < 0 || PyErr_Occurred() || (!same && PyObject_SetAttr(target, key, core) < 0) || PyDict_SetItem(out, label, core) < 0)
            Py_CLEAR(out);
    }
    Py_XDECREF(core);
    /* The watch, taken after every write. */
    if (out != NULL && watch_dict(w, nodes) < 0) Py_CLEAR(out);
    for (Py_ssize_t k = 0; out != NULL && k < n; k++) {
#if Py_LIMITED_API + 0 >= 0x030A0000
        PyObject *d = PyObject_GenericGetDict(values[order[k]], NULL);
#else
        PyObject *d = PyObject_GetAttrString(values[order[k]], "__dict__");
#endif
        if (d == NULL) {
            Py_CLEAR(out);
            break;
        }
        int exact = PyDict_CheckExact(d), r = 0;
        if (exact) { /* (the node keeps this very dict, of this type, unchanged) */
            watch_entry *e = watch_add(w, W_OBJECT, values[order[k]], d);
            if (e == NULL) r = -1;
            else e->data = (char *)Py_TYPE(values[order[k]]);
            if (r == 0) r = watch_dict(w, d);
        }
        Py_DECREF(d);
        if (r < 0) Py_CLEAR(out);
        if (!exact) { /* (no plain dict to watch: nothing can be proved unchanged) */
            watch_free(w);
            w = NULL;
            break;
        }
    }
    if (out != NULL && w == NULL) {
        watch = Py_None;
        Py_INCREF(watch);
    } else if (out != NULL) {
        watch = dicts_watch_capsule(w);
        w = NULL; /* (the capsule owns it, or it is freed) */
        if (watch == NULL) Py_CLEAR(out);
    }
done:
    for (Py_ssize_t k = 0; k < i; k++) {
        Py_DECREF(names[k]);
        Py_DECREF(values[k]);
    }
    free(names);
    free(order);
    free(cores);
    watch_free(w);
    if (out == NULL) {
        Py_XDECREF(watch);
        return NULL;
    }
    return Py_BuildValue("(NN)", out, watch);
}

static PyObject *dicts_watch_capsule(watch_t *w) {
    w->snapshot = PyBytes_FromStringAndSize("", 0);
    PyObject *capsule = w->snapshot ? PyCapsule_New(w, WATCH_CAPSULE, watch_capsule_free) : NULL;
    if (capsule == NULL) watch_free(w);
    return capsule;
}

CELESTA_PY_INTERNAL PyMethodDef celesta_snapshot_methods[] = {
    {"apply_core_runs", py_apply_core_runs, METH_VARARGS,
     "apply_core_runs(nodes, order_runs, core_runs, key): sets the cores on the nodes at those positions; returns ({name: core} in "
     "order, a watch of the nodes dict and of those nodes, or None)."},
    {"snapshot_watch", py_snapshot_watch, METH_VARARGS,
     "snapshot_watch(root, classes, ndarray, itemsizes, first[, structure, value_keys]): (snapshot(root, ...), watch), or None; the watch "
     "also holds the dict first; the first `structure` items of a tuple root are the graph's structure; the arrays under the "
     "attributes named in the tuple value_keys are compared in scope 3."},
    {"watch_check", py_watch_check, METH_VARARGS,
     "watch_check(watch, scope): whether every watched dict, list, object and array is unchanged: scope 0 their shapes, 1 every "
     "element too, 2 the structure only (nodes dict, node types, edges), 3 as 0 plus the elements under value_keys."},
    {"watch_usable", py_watch_usable, METH_NOARGS, "watch_usable(): whether this Python's dicts carry the version tags watches read."},
    {"snapshot", py_snapshot, METH_VARARGS,
     "snapshot(root, classes, ndarray, itemsizes): the exact contents of root as bytes, or None."},
    {"snapshot_equal", py_snapshot_equal, METH_VARARGS,
     "snapshot_equal(root, classes, ndarray, itemsizes, snapshot): snapshot(root, ...) == snapshot, compared in place."},
    {NULL, NULL, 0, NULL},
};
