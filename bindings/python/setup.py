"""Build the celesta extension against include/celesta.h and bundle libcelesta.so.0.

The version is read from Sources/CelestaIR/Version.swift, the single source of the
version number. See README.md for the environment variables.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SONAME = "libcelesta.so.0"


def read_version():
    text = (ROOT / "Sources" / "CelestaIR" / "Version.swift").read_text()
    parts = [re.search(rf"static let {k} = (\d+)", text).group(1) for k in ("major", "minor", "patch")]
    return ".".join(parts)


def library_dir():
    env = os.environ.get("CELESTA_LIB_DIR")
    if env:
        lib = Path(env)
    else:
        lib = ROOT / "build" / "lib"
        if not (lib / SONAME).exists():
            print("celesta: building libcelesta with `make lib`", file=sys.stderr)
            subprocess.run(["make", "-C", str(ROOT), "lib"], check=True)
    if not (lib / SONAME).exists():
        sys.exit(f"celesta: {lib / SONAME} not found (set CELESTA_LIB_DIR or run `make lib`)")
    return lib


class BuildWithLibrary(build_ext):
    """Links the extension to libcelesta.so.0 and copies the library next to it."""

    def build_extensions(self):
        lib = library_dir()
        include = Path(os.environ.get("CELESTA_INCLUDE_DIR", ROOT / "include"))
        with tempfile.TemporaryDirectory() as link_dir:
            # A private link folder so that -lcelesta resolves to exactly this library.
            os.symlink((lib / SONAME).resolve(), Path(link_dir) / "libcelesta.so")
            for ext in self.extensions:
                ext.include_dirs.append(str(include))
                ext.library_dirs.append(link_dir)
                ext.libraries.append("celesta")
                ext.extra_link_args += ["-Wl,-rpath,$ORIGIN"]
            super().build_extensions()
        target = Path(self.build_lib) / "celesta" / SONAME
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile((lib / SONAME).resolve(), target)
        os.chmod(target, 0o755)
        if self.inplace:
            shutil.copyfile(target, HERE / "src" / "celesta" / SONAME)


# The stable ABI the extension targets: 3.11's where the building Python has it (its buffer
# protocol lets numpy arrays reach the library without a `.ctypes` lookup per call), else 3.9's.
LIMITED_API, ABI_TAG = ("0x030B0000", "cp311") if sys.version_info >= (3, 11) else ("0x03090000", "cp39")

setup(
    version=read_version(),
    package_dir={"": "src"},
    packages=find_packages(where="src"),
    exclude_package_data={"celesta": ["*.c", "*.h"]},
    ext_modules=[
        Extension(
            "celesta._celesta",
            # One extension from one C file per area; their shared helpers are in the header.
            sources=[f"src/celesta/{name}.c" for name in ("_celesta", "_celesta_xylo", "_celesta_afe", "_celesta_hdk",
                                                             "_celesta_snapshot")],
            depends=["src/celesta/_celesta_internal.h"],
            define_macros=[("Py_LIMITED_API", LIMITED_API)],
            py_limited_api=True,
            extra_compile_args=["-std=c99", "-Wall", "-Wextra", "-Werror"],
        )
    ],
    cmdclass={"build_ext": BuildWithLibrary},
    options={"bdist_wheel": {"py_limited_api": ABI_TAG}},
    zip_safe=False,
)
