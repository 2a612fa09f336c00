"""Dev kits, Rockpool-style: discovery, ``XyloSamna`` (accelerated-time inference on a kit),
the core clock and power recording. The same calls drive a board on USB and the virtual kit
(registers, memory and the bit-exact simulator, with a modelled power per rail)."""

from __future__ import annotations

import numpy as np

from ... import _celesta
from ..._buffers import address, int32_buffer
from ..._errors import InvalidArgumentError
from ._core import RECORD_KEYS, XyloConfiguration

_TIMEOUT_MS = 5000


class XyloHDK:
    """An open dev kit. Get one from ``celesta.devices.find_xylo_hdks()`` or
    ``celesta.devices.virtual_hdk(chip)``; it closes when garbage-collected."""

    def __init__(self, handle):
        self._handle = handle
        info = _celesta.hdk_info(handle)
        self.kind = info["kind"]
        self.chip = info["chip"]
        self.name = info["name"]
        self.location = info["location"]
        self.version = info["version"]
        self.power_rails = tuple(info["rails"])

    @property
    def is_virtual(self) -> bool:
        return self.kind == "virtual"

    def __repr__(self):
        return f"XyloHDK({self.name!r}, location={self.location!r}, chip={self.chip!r})"


def _chip_module(chip: str):
    from . import syns61201, syns61300, syns65302

    return {"syns61201": syns61201, "syns65302": syns65302, "syns61300": syns61300}[chip]


def find_xylo_hdks(virtual=None, timeout_ms: int = _TIMEOUT_MS):
    """Rockpool's ``find_xylo_hdks()``: ``(hdks, modules, versions)`` for every dev kit found.

    Boards on USB come first (vendor/product ids from the built-in table plus
    ``CELESTA_HDK_USB_IDS``); then one virtual kit per chip in ``virtual`` (a chip name or a
    list of them) and in ``CELESTA_VIRTUAL_HDKS``. ``modules`` are the chip modules
    (``celesta.devices.xylo.syns65302`` ...), ``versions`` the chip ids. Never fails for lack
    of USB: a machine without boards gets only the virtual kits asked for.
    """
    if isinstance(virtual, str):
        virtual = [virtual]
    names = ",".join(virtual) if virtual else None
    hdks = []
    for index, info in enumerate(_celesta.hdk_list(names)):
        location = info["location"] if info["kind"] == "usb" else f"virtual:{info['chip']}"
        hdks.append(XyloHDK(_celesta.hdk_open(location, timeout_ms)))
    return hdks, [_chip_module(h.chip) for h in hdks], [h.chip for h in hdks]


def virtual_hdk(chip: str, timeout_ms: int = _TIMEOUT_MS) -> XyloHDK:
    """A new virtual dev kit of ``chip`` (id or alias: ``"xa3"``, ``"syns61201"`` ...)."""
    return XyloHDK(_celesta.hdk_open(f"virtual:{chip}", timeout_ms))


def _check_device(device) -> XyloHDK:
    if not isinstance(device, XyloHDK):
        raise TypeError(f"device must be a XyloHDK (from find_xylo_hdks or virtual_hdk), not {type(device).__name__}")
    return device


def set_xylo_core_clock_freq(device: XyloHDK, desired_freq_MHz: float) -> float:
    """Sets the kit's core clock; returns the frequency it runs in MHz (an Xylo Audio 2 board
    divides 100 MHz, so 12 MHz gives 12.5)."""
    return _celesta.hdk_set_clock(_check_device(device)._handle, float(desired_freq_MHz))


def power_record(device: XyloHDK) -> dict:
    """The power samples of the kit's last run with power recording, as Rockpool's record
    keys: ``<rail>_power`` arrays of watts and ``power_times`` in seconds of kit time."""
    n = _celesta.hdk_power(device._handle)
    rails = len(device.power_rails)
    times = np.zeros(n, dtype=np.float64)
    watts = np.zeros((n, rails), dtype=np.float64)
    _celesta.hdk_power(device._handle, (times.ctypes.data, times.size), (watts.ctypes.data, watts.size))
    out = {f"{name}_power": watts[:, k].copy() for k, name in enumerate(device.power_rails)}
    out["power_times"] = times
    return out


class XyloSamnaBase:
    """Rockpool's ``XyloSamna``: a configuration deployed on a dev kit, evolved in accelerated
    time. ``evolve(input, record=False, record_power=False)`` -> ``(output, state, record)``
    with the shapes and record keys of ``XyloSim`` (equal to it on the virtual kit), plus
    ``<rail>_power`` arrays with ``record_power``. ``output_mode``: ``"Spike"`` (output spikes),
    ``"Vmem"`` (output membrane potentials) or ``"Isyn"`` (output synaptic currents).
    """

    chip = None  # set by each chip module

    def __init__(self, device: XyloHDK, config: XyloConfiguration, dt: float = 1e-3, output_mode: str = "Spike", **kwargs):
        _check_device(device)
        if not isinstance(config, XyloConfiguration):
            raise TypeError(f"config must be a XyloConfiguration, not {type(config).__name__}")
        if device.chip != self.chip:
            raise InvalidArgumentError(f"device {device.name!r} carries {device.chip}; this module is {self.chip}")
        if output_mode not in ("Spike", "Vmem", "Isyn"):
            raise ValueError(f"output_mode must be 'Spike', 'Vmem' or 'Isyn', not {output_mode!r}")
        self.device, self.config, self.dt, self.output_mode = device, config, float(dt), output_mode
        self.size_in, self.size_out = config.n_in, config.n_out
        _celesta.hdk_apply(device._handle, config._handle, self.dt)

    def reset_state(self):
        """Re-applies the configuration: the chip restarts from zero state."""
        _celesta.hdk_apply(self.device._handle, self.config._handle, self.dt)
        return self

    def evolve(self, input, record: bool = False, record_power: bool = False, **kwargs):
        x = np.asarray(input)
        if x.ndim != 2:
            raise ValueError(f"input must be [T, n_in], got shape {x.shape}")
        if x.shape[1] != self.config.n_in:
            raise ValueError(f"input has {x.shape[1]} channels but the network has {self.config.n_in}")
        raster = int32_buffer(x, "input")
        steps = raster.shape[0]
        n_h, n_out = self.config.n_hidden, self.config.n_out
        out = np.zeros((steps, n_out), dtype=np.int32)
        states = record or self.output_mode != "Spike"
        records = None
        if states:
            records = {k: np.zeros((steps, n_out if k.endswith("_out") else n_h), dtype=np.int32) for k in RECORD_KEYS}
        _celesta.hdk_evolve(self.device._handle, address(raster), steps, address(out),
                            None if records is None else {k: address(v) for k, v in records.items()}, record_power)
        rec = dict(records) if record else {}
        if record_power:
            rec.update(power_record(self.device))
        output = {"Spike": out, "Vmem": (records or {}).get("Vmem_out"), "Isyn": (records or {}).get("Isyn_out")}[self.output_mode]
        return output, {}, rec

    __call__ = evolve

    def __repr__(self):
        return f"XyloSamna({self.chip}) on {self.device.name}"
