#!/usr/bin/env python3
"""Generate include/celesta.h from the Swift sources of the C ABI shim.

The header is never edited by hand. Its parts come from:
  * Sources/CelestaIR/Version.swift            -> CELESTA_VERSION_* macros
  * Sources/CelestaIR/Support/CelestaError.swift -> the celesta_status enum (StatusCode)
  * Sources/CelestaABI/include/celesta_abi.h     -> structs and handle types (ABI-TYPES blocks,
                                                    each tagged with the key of its section)
  * Sources/Celesta/*.swift                      -> one prototype per @_cdecl function, with
                                                    its /// doc comment

The header is laid out in the order of SECTIONS below, never in the order files are found:
version and errors, then the target-neutral IR and files, then each backend. Within a section
the types come first, then the functions file by file (in the section's file order) and, in
a file, in source order. A shim file that exports functions must be named in a section.

Usage:
  gen_header.py [--root DIR] [--output FILE]           write the header (atomically)
  gen_header.py [--root DIR] [--output FILE] --check   exit 1 with a diff when it is stale
--root defaults to the repository, --output to ROOT/include/celesta.h. Exit 2: the sources
cannot be turned into a header (the message says where).
"""
import argparse
import difflib
import fnmatch
import os
import re
import sys
import tempfile
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Swift parameter/return types -> C types. Pointers are handled recursively below.
SCALARS = {
    "Int32": "int",
    "UInt32": "uint32_t",
    "Int64": "int64_t",
    "UInt64": "uint64_t",
    "Int16": "int16_t",
    "UInt16": "uint16_t",
    "Int8": "int8_t",
    "UInt8": "uint8_t",
    "CChar": "char",
    "UInt": "size_t",
    "Int": "ptrdiff_t",
    "Double": "double",
    "Float": "float",
    "Void": "void",
    "UnsafeMutableRawPointer": "void *",
    "UnsafeRawPointer": "const void *",
}


# The header's sections in order: (key, heading, shim files or glob patterns in order).
# The key also names the ABI-TYPES blocks of celesta_abi.h that open the section.
SECTIONS = [
    ("core", "Version, status names, errors and build information", ["Library.swift"]),
    ("ir", "IR and files (target-neutral)", ["IR*.swift"]),
    ("backend", "Backends: registry, validation, the CPU simulator", ["Backends.swift", "BackendRun.swift", "BackendProgress.swift", "BackendCompile.swift", "BackendBitstream.swift", "BackendDescriptorRead.swift"]),
    ("xylo", "Xylo backend: handle types", []),
    ("xylo-chips", "Xylo: chips", ["Chips.swift"]),
    ("xylo-networks", "Xylo: networks (from JSON, node by node, or from an IR graph)", ["Network.swift", "GraphBuilder.swift", "XyloIR.swift"]),
    ("xylo-spec", "Xylo: mapper, specifications and quantizers", ["Spec.swift", "SpecArrays.swift"]),
    ("xylo-configs", "Xylo: configurations", ["Config.swift"]),
    ("xylo-sim", "Xylo: the bit-exact simulator", ["Simulation.swift"]),
    ("xylo-cycles", "Xylo: clock cycles and real-time clock", ["Profiling.swift"]),
    ("xylo-afe", "Xylo: audio front ends", ["AFE.swift", "AFEAudio2.swift"]),
    ("xylo-hdk", "Xylo: dev kits", ["HDK.swift", "HDKUSBIds.swift", "HDKPower.swift"]),
    ("fpga", "FPGA backend: HLS C++ projects, their C simulation and the fixed-point simulator", ["HLS.swift"]),
]

# The conventions every function follows; the functions' docs refer to them by name.
CONVENTIONS = """\
Conventions, for every function below:
 - Fallible calls return an int status: CELESTA_OK (0) or a negative celesta_status
   code. celesta_status_name() names a code; celesta_last_error() gives the message of
   the calling thread's most recent failure, naming the offending argument and value.
 - Names: celesta_* for what every backend shares, celesta_xylo_* for the Xylo backend.
 - Output first: a call that produces something writes it through its first parameter(s)
   (`celesta_xylo_chip_find(&info, "xa3")`, `celesta_xylo_sim_create(&sim, config)`); the
   inputs follow. A failed call leaves its outputs untouched.
 - Inputs are borrowed for the duration of the call only.
 - Handles are opaque and typed; each celesta_x_create() has a NULL-safe celesta_x_free().
 - No call traps or aborts on bad input: it returns a status instead.

Handles and threads (what the ABI promises):
 - A handle is a value the library hands out, never a pointer to dereference, and a value is
   never handed out twice in a process. Every call checks the handles it is given: a freed
   (or double-freed) handle, a handle of another type, or a pointer that never was a handle
   gives CELESTA_ERR_INVALID_ARGUMENT naming the argument, however long ago it was freed
   (the message says "freed" for the last 4096 frees). celesta_x_free() of such a value frees
   nothing and only sets the calling thread's last error.
 - Every handle has a lock: calls on one handle from several threads run one after the
   other, calls on different handles run in parallel. A free waits for the calls in progress
   on its handle; a call that then uses it gets CELESTA_ERR_INVALID_ARGUMENT. A progress
   callback may call the library, also on the handle whose call it reports on.
 - "Thread safety" notes below say which calls only read; they all hold the handle's lock.

Size query (the one idiom of every variable-size output: text, lists, arrays):
  int f(T *buf, size_t cap, size_t *len, inputs...)
 - `len` must not be NULL; `*len` always receives the number of elements needed (for text:
   bytes INCLUDING the terminating NUL), also when the call fails with
   CELESTA_ERR_BUFFER_TOO_SMALL.
 - `buf == NULL, cap == 0` is a pure query: it returns CELESTA_OK, writes only `*len` and
   changes no state.
 - A non-NULL `buf` with `cap < *len` returns CELESTA_ERR_BUFFER_TOO_SMALL and leaves `buf`
   untouched; with `cap >= *len` the first `*len` elements of `buf` are written.
 - A NULL `buf` with `cap > 0` is CELESTA_ERR_NULL_POINTER.
 - Buffers inside a struct (the record structs, celesta_xylo_spec_arrays_t) carry their
   capacity in their `*_len` field; the sizes they need follow from the dimension calls
   (celesta_xylo_config_dims(), celesta_xylo_spec_dims(), celesta_xylo_afe_output_size());
   one too small is CELESTA_ERR_BUFFER_TOO_SMALL naming the field.

Structs: every public struct starts with `uint32_t struct_size`, which the caller sets to
sizeof the struct before passing it, in or out (CELESTA_INIT(T) does it), so that structs can
grow in later versions. A struct_size smaller than this version's struct is refused with
CELESTA_ERR_INVALID_ARGUMENT naming the field; the library reads and writes only the fields of
this version and never changes struct_size."""


class GenError(Exception):
    pass


def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def c_type(swift):
    """Map one Swift type spelling to its C spelling."""
    t = swift.strip()
    if t.endswith("?"):
        t = t[:-1].strip()
    if t in SCALARS:
        return SCALARS[t]
    m = re.fullmatch(r"Unsafe(Mutable)?Pointer<(.+)>", t)
    if m:
        inner = c_type(m.group(2))
        const = "" if m.group(1) else "const "
        if inner.endswith("*"):
            return f"{inner}{'' if m.group(1) else ' const '}*"
        return f"{const}{inner} *"
    if re.fullmatch(r"celesta_[a-z0-9_]+_(t|fn)", t):
        return t
    # Handles: Swift sees pointers to incomplete C structs as OpaquePointer, so the shim
    # spells them with typealiases: celesta_x_ref -> celesta_x_t *, celesta_x_cref -> const.
    m = re.fullmatch(r"celesta_([a-z0-9_]+?)_(c?)ref", t)
    if m:
        return f"{'const ' if m.group(2) else ''}celesta_{m.group(1)}_t *"
    raise GenError(f"no C spelling for Swift type '{swift}'")


def split_params(text):
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "<([":
            depth += 1
        elif ch in ">)]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts]


def doc_block(lines, indent=""):
    """Turn /// lines (already stripped of ///) into a /** */ block."""
    if not lines:
        return ""
    if len(lines) == 1 and len(indent) + len(lines[0]) < 90:
        return f"{indent}/** {lines[0]} */\n"
    body = "\n".join(f"{indent} *{(' ' + l) if l else ''}" for l in lines)
    return f"{indent}/**\n{body}\n{indent} */\n"


def preceding_doc(lines, index):
    """The /// comment lines directly above lines[index]."""
    doc = []
    i = index - 1
    while i >= 0 and lines[i].strip().startswith("///"):
        doc.insert(0, lines[i].strip()[3:].removeprefix(" ").rstrip())
        i -= 1
    return doc


def version():
    src = read("Sources/CelestaIR/Version.swift")
    parts = {}
    for key in ("major", "minor", "patch"):
        m = re.search(rf"static let {key} = (\d+)", src)
        if not m:
            raise GenError(f"Version.swift: no '{key}' constant")
        parts[key] = int(m.group(1))
    return parts


def status_codes():
    src = read("Sources/CelestaIR/Support/CelestaError.swift")
    lines = src.splitlines()
    out = []
    inside = False
    for i, line in enumerate(lines):
        if re.match(r"\s*public enum StatusCode\b", line):
            inside = True
            continue
        if inside and re.match(r"^}", line):
            break
        m = re.match(r"\s*case (\w+) = (-?\d+)\s*$", line) if inside else None
        if m:
            name, value = m.group(1), int(m.group(2))
            cname = "CELESTA_OK" if name == "ok" else "CELESTA_ERR_" + re.sub(
                r"([A-Z])", r"_\1", name).upper()
            out.append((cname, value, preceding_doc(lines, i)))
    if not out:
        raise GenError("CelestaError.swift: no StatusCode cases found")
    return out


def abi_types():
    """{section key: [type text]}: the ABI-TYPES blocks of celesta_abi.h by their key."""
    src = read("Sources/CelestaABI/include/celesta_abi.h")
    blocks = {}
    for m in re.finditer(r"/\* ABI-TYPES:BEGIN ([a-z0-9-]+) \*/\n(.*?)/\* ABI-TYPES:END \*/", src, re.S):
        blocks.setdefault(m.group(1), []).append(m.group(2).strip("\n") + "\n")
    if not blocks:
        raise GenError("celesta_abi.h: no ABI-TYPES block")
    return blocks


def file_functions(fname):
    """(title, [(doc, prototype)]) of one shim source file, in source order."""
    lines = read(f"Sources/Celesta/{fname}").splitlines()
    title = ""
    if lines and lines[0].startswith("// "):
        title = lines[0][3:].strip()
    protos = []
    for i, line in enumerate(lines):
        m = re.match(r'\s*@_cdecl\("([a-z0-9_]+)"\)', line)
        if not m:
            continue
        cname = m.group(1)
        if not cname.startswith("celesta_"):
            raise GenError(f"{fname}: exported name '{cname}' lacks the celesta_ prefix")
        doc = preceding_doc(lines, i)
        if not doc:
            raise GenError(f"{fname}: {cname} has no /// doc comment")
        sig = ""
        j = i + 1
        while "{" not in lines[j]:
            sig += " " + lines[j].strip()
            j += 1
        sig += " " + lines[j].split("{")[0].strip()
        fm = re.match(r"\s*public func (\w+)\s*\((.*)\)\s*(?:->\s*(.+?))?\s*$", sig)
        if not fm:
            raise GenError(f"{fname}: cannot parse the signature of {cname}: {sig.strip()}")
        params = []
        for p in split_params(fm.group(2)):
            pm = re.match(r"(\w+)\s+(\w+)\s*:\s*(.+)$", p) or re.match(r"()(\w+)\s*:\s*(.+)$", p)
            if not pm:
                raise GenError(f"{fname}: cannot parse parameter '{p}' of {cname}")
            ctype = c_type(pm.group(3))
            sep = "" if ctype.endswith("*") else " "
            params.append(f"{ctype}{sep}{pm.group(2)}")
        ret = c_type(fm.group(3)) if fm.group(3) else "void"
        sep = "" if ret.endswith("*") else " "
        protos.append((doc, f"CELESTA_API {ret}{sep}{cname}({', '.join(params) or 'void'});"))
    return title or fname, protos


def sections():
    """(key, heading, types, [(file title, [(doc, prototype)])]) per entry of SECTIONS, in order.

    Every shim file that exports a function must be placed by SECTIONS, and every ABI-TYPES
    block must name a section."""
    shim = os.path.join(ROOT, "Sources", "Celesta")
    files = sorted(f for f in os.listdir(shim) if f.endswith(".swift"))
    types = abi_types()
    keys = [key for key, _, _ in SECTIONS]
    for key in types:
        if key not in keys:
            raise GenError(f"celesta_abi.h: ABI-TYPES block '{key}' names no section of gen_header.SECTIONS")
    placed = set()
    out = []
    for key, heading, patterns in SECTIONS:
        parts = []
        for pattern in patterns:
            for fname in files:
                if fname not in placed and fnmatch.fnmatchcase(fname, pattern):
                    placed.add(fname)
                    title, protos = file_functions(fname)
                    if protos:
                        parts.append((title, protos))
        out.append((key, heading, types.get(key, []), parts))
    for fname in files:
        if fname not in placed and file_functions(fname)[1]:
            raise GenError(f"Sources/Celesta/{fname} exports C functions but no entry of "
                           "gen_header.SECTIONS places it")
    return out


def generate():
    v = version()
    codes = status_codes()
    out = []
    w = out.append
    w("/*\n")
    w(" * celesta.h: the C ABI of Celesta, the spiking-neural-network deployment engine.\n")
    w(" *\n")
    w(" * GENERATED by scripts/gen_header.py (`make header`) from the Swift shim; do not edit.\n")
    w(" *\n")
    for line in CONVENTIONS.splitlines():
        w(f" *{(' ' + line) if line else ''}\n")
    w(" *\n")
    sections_line = "Sections, in this order: " + "; ".join(heading for _, heading, _ in SECTIONS) + "."
    for line in textwrap.wrap(sections_line, 92):
        w(f" * {line}\n")
    w(" */\n")
    w("#ifndef CELESTA_H\n#define CELESTA_H\n\n")
    w("#include <stddef.h>\n#include <stdint.h>\n\n")
    w("/** Version of the header; celesta_version() returns the library's at run time. */\n")
    w(f"#define CELESTA_VERSION_MAJOR {v['major']}\n")
    w(f"#define CELESTA_VERSION_MINOR {v['minor']}\n")
    w(f"#define CELESTA_VERSION_PATCH {v['patch']}\n")
    w(f"#define CELESTA_VERSION_STRING \"{v['major']}.{v['minor']}.{v['patch']}\"\n\n")
    w("/** Visibility of the functions below (the library exports only celesta_* symbols). */\n")
    w("#ifndef CELESTA_API\n")
    w("#  if defined(__GNUC__)\n#    define CELESTA_API __attribute__((visibility(\"default\")))\n")
    w("#  else\n#    define CELESTA_API\n#  endif\n#endif\n\n")
    w("#ifdef __cplusplus\nextern \"C\" {\n#endif\n")
    for key, heading, types, parts in sections():
        w(f"\n/* ==== {heading} ==== */\n\n")
        if key == "core":
            w(doc_block(["Status codes returned by every fallible call. The values are fixed: new codes",
                         "are only ever appended."]))
            w("typedef enum celesta_status {\n")
            for cname, value, doc in codes:
                w(doc_block(doc, "    "))
                w(f"    {cname} = {value},\n")
            w("} celesta_status;\n\n")
        for block in types:
            w(block + "\n")
        if not types and not parts and key != "core":
            w("/* (nothing yet) */\n\n")
        for title, protos in parts:
            if len(parts) > 1 or title.lower() != heading.lower():
                w(f"/* ---- {title} ---- */\n\n")
            for doc, proto in protos:
                w(doc_block(doc))
                w(proto + "\n\n")
    w("#ifdef __cplusplus\n} /* extern \"C\" */\n#endif\n\n#endif /* CELESTA_H */\n")
    return "".join(out)


def main():
    global ROOT
    parser = argparse.ArgumentParser(description="Generate include/celesta.h from the Swift shim.")
    parser.add_argument("--root", default=ROOT, help="repository root holding Sources/")
    parser.add_argument("--output", help="header path (default: ROOT/include/celesta.h)")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when stale")
    args = parser.parse_args()
    ROOT = os.path.abspath(args.root)
    OUT = os.path.abspath(args.output or os.path.join(ROOT, "include", "celesta.h"))
    try:
        text = generate()
    except (GenError, OSError) as e:
        print(f"gen_header: {e}", file=sys.stderr)
        return 2
    if args.check:
        try:
            with open(OUT, encoding="utf-8") as f:
                current = f.read()
        except FileNotFoundError:
            current = ""
        if current != text:
            sys.stdout.writelines(difflib.unified_diff(
                current.splitlines(True), text.splitlines(True),
                "include/celesta.h (committed)", "include/celesta.h (generated)"))
            print(f"gen_header: {OUT} is stale: run `make header`", file=sys.stderr)
            return 1
        print(f"gen_header: {OUT} is up to date")
        return 0
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(OUT), prefix=".celesta.h.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, OUT)
    print(f"gen_header: wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
