"""Rockpool modules handed to Celesta: converted by duck typing, without importing Rockpool.

A Rockpool network (``Sequential`` / ``Residual`` of ``Linear``/``LinearTorch`` and
``LIF``/``LIFTorch``, numpy, Jax or torch flavour) becomes the equal ``celesta.nn`` network:
``celesta.nn.from_rockpool(net)``, or simply pass it where Celesta takes a module
(``Sequential(rockpool_module, ...)``, a Xylo ``mapper``). A Rockpool graph
(``net.as_graph()``) is read through the module that made it (its ``computational_module``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["from_rockpool", "looks_like_rockpool"]


def _mro_names(obj) -> set:
    return {c.__name__ for c in type(obj).__mro__}


def _chain_kind(obj):
    names = _mro_names(obj)
    if "ResidualMixin" in names or type(obj).__name__ in ("Residual", "TorchResidual", "ModResidual", "JaxResidual"):
        return "Residual"
    if "SequentialMixin" in names or type(obj).__name__ in ("Sequential", "TorchSequential", "ModSequential", "JaxSequential"):
        return "Sequential"
    return None


def looks_like_rockpool(obj) -> bool:
    """True for an object from Rockpool (its class comes from a ``rockpool`` module) that is a
    module or a graph made by one."""
    module = type(obj).__module__ or ""
    return module == "rockpool" or module.startswith("rockpool.")


def _array(value) -> np.ndarray:
    """A float64 numpy copy of a numpy array, a Jax array or a torch tensor (a Rockpool
    ``Parameter`` wraps one of them)."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.array(value, dtype=np.float64)


def _per_input(value, n_out: int, n_syn: int) -> np.ndarray:
    arr = _array(value)
    if arr.size == 1:
        return np.full(n_out * n_syn, float(arr.reshape(-1)[0]))
    if arr.size == n_out and n_syn > 1:
        arr = np.repeat(arr.reshape(-1), n_syn)
    return arr.reshape(-1)


def _submodules(obj) -> list:
    mods = obj.modules()
    return list(mods.values()) if isinstance(mods, dict) else list(mods)


def from_rockpool(obj):
    """The ``celesta.nn`` module equal to a Rockpool module or graph (see the module's text).
    Raises ``TypeError`` naming what cannot be converted."""
    from . import _base

    if hasattr(obj, "computational_module") and not hasattr(obj, "as_graph"):
        return from_rockpool(obj.computational_module)
    kind = _chain_kind(obj)
    if kind is not None:
        modules = [from_rockpool(m) for m in _submodules(obj)]
        return (_base.Residual if kind == "Residual" else _base.Sequential)(*modules)
    shape = tuple(int(s) for s in obj.shape)
    name = type(obj).__name__
    if hasattr(obj, "tau_mem") and hasattr(obj, "threshold"):
        n_in, n_out = shape[0], shape[-1]
        n_syn = n_in // n_out
        w_rec = getattr(obj, "w_rec", None)
        flag = getattr(obj, "_has_rec", None)  # Rockpool's LIF keeps a zero w_rec when it has none
        has_rec = bool(flag) if flag is not None else (w_rec is not None and bool(np.any(_array(w_rec))))
        bias = getattr(obj, "bias", 0.0)
        max_spikes = getattr(obj, "max_spikes_per_dt", 2.0**16)
        return _base.LIF((n_in, n_out), tau_mem=_array(obj.tau_mem).reshape(-1),
                         tau_syn=_per_input(obj.tau_syn, n_out, n_syn), threshold=_array(obj.threshold).reshape(-1),
                         bias=_array(bias).reshape(-1), dt=float(_array(obj.dt).reshape(-1)[0]),
                         w_rec=_array(w_rec).reshape(n_out, n_in) if has_rec else None,
                         noise_std=float(_array(getattr(obj, "noise_std", 0.0)).reshape(-1)[0]),
                         max_spikes_per_dt=float(_array(max_spikes).reshape(-1)[0]))
    if hasattr(obj, "weight"):
        bias = getattr(obj, "bias", None)
        if bias is not None and not (hasattr(bias, "__len__") or hasattr(bias, "shape")) and bias == 0:
            bias = None
        if bias is not None and np.any(_array(bias)):
            raise TypeError(f"{name}: a Linear with a bias has no Xylo equivalent (use has_bias=False)")
        return _base.Linear(shape, weight=_array(obj.weight).reshape(shape))
    raise TypeError(f"{name}: Celesta converts Rockpool's Sequential, Residual, Linear and LIF modules, not this one")
