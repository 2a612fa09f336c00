"""An import-only stand-in for samna (SynSense's closed dev-kit library, not installable here), so
that `import rockpool.devices.xylo` succeeds in the Rockpool interop tests. Every attribute is a
class; calling one raises, so no value in a test can come from it."""

import importlib.abc
import importlib.machinery
import sys
import types


class _StubMeta(type):
    def __getattr__(cls, name):
        if name.startswith("__"):
            raise AttributeError(name)
        sub = _StubMeta(name, (), {})
        setattr(cls, name, sub)
        return sub

    def __call__(cls, *args, **kwargs):
        raise RuntimeError("samna is stubbed in this test: no dev-kit call is possible")


class _StubModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        sub = _StubMeta(name, (), {})
        setattr(self, name, sub)
        return sub


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path, target=None):
        if fullname == "samna" or fullname.startswith("samna."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = _StubModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


def install():
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
