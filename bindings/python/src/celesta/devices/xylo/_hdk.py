"""Dev kits, Rockpool-style: discovery, ``XyloSamna`` (accelerated-time inference on a kit),
the core clock and power recording. The same calls drive a board on USB and the virtual kit
(registers, memory and the bit-exact simulator, with a modelled power per rail)."""

from __future__ import annotations

import importlib
import os

import numpy as np

from ... import _celesta
from ..._buffers import address, int32_buffer
from ..._errors import InvalidArgumentError
from ._afe import AFESimExternal
from ._core import INTERRUPTIBLE_STEPS, RECORD_KEYS, XyloConfiguration, progress_arg

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
    """The chip module named by the chip id (imported by name at call time: the chip modules
    import this one)."""
    return importlib.import_module(f"{__package__}.{chip}")


def find_xylo_hdks(virtual=None, timeout_ms: int = _TIMEOUT_MS):
    """Rockpool's ``find_xylo_hdks()``: ``(hdks, modules, versions)`` for every dev kit found.

    Boards on USB come first (vendor/product ids registered with ``register_xylo_usb_id``, from
    ``CELESTA_HDK_USB_IDS`` and from the built-in table); then one virtual kit per chip in ``virtual`` (a chip name or a
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


def register_xylo_usb_id(vendor_id: int, product_id: int, chip: str) -> None:
    """Makes boards enumerating as ``vendor_id:product_id`` known as dev kits of ``chip`` (id or
    alias), for this process: every later ``find_xylo_hdks()`` looks the pair up before
    ``CELESTA_HDK_USB_IDS`` and the built-in table. The latest registration of a pair wins.
    Raises ``ValueError`` for ids outside 0..0xFFFF and ``NotFoundError`` for an unknown chip."""
    _celesta.hdk_register_usb_id(int(vendor_id), int(product_id), str(chip))


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

    ``evolve(..., progress=f)`` calls ``f(done, total)`` with the time steps run after every
    block of 4096 steps; returning ``False`` cancels with ``celesta.CancelledError`` and an
    exception raised by ``f`` propagates; runs of 10,000 steps or more stop on Ctrl-C with
    ``KeyboardInterrupt``. A kit cannot take steps back: after a cancelled or interrupted run
    it is in the state after the steps of the last report (their outputs are dropped), and the
    next call continues from there; ``reset_state()`` starts again from zero state.
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

    def evolve(self, input, record: bool = False, record_power: bool = False, progress=None, **kwargs):
        x = np.asarray(input)
        if x.ndim != 2:
            raise ValueError(f"input must be [T, n_in], got shape {x.shape}")
        if x.shape[1] != self.config.n_in:
            raise ValueError(f"input has {x.shape[1]} channels but the network has {self.config.n_in}")
        raster = int32_buffer(x, "input")
        steps = raster.shape[0]
        n_h, n_out = self.config.n_hidden, self.config.n_out
        states = record or self.output_mode != "Spike"
        records = None
        if states:
            records = {k: np.zeros((steps, n_out if k.endswith("_out") else n_h), dtype=np.int32) for k in RECORD_KEYS}
        # Counts outside 0..255 are refused by the library (OutOfRangeError naming the step and
        # channel) before anything reaches the kit. The raster goes through its buffer (no
        # copy); the output spikes come back in a bytearray the extension allocates.
        spikes = _celesta.hdk_evolve(self.device._handle, raster, steps, steps * n_out,
                                     None if records is None else {k: address(v) for k, v in records.items()}, record_power,
                                     progress_arg(progress, steps >= INTERRUPTIBLE_STEPS))
        out = np.frombuffer(spikes, dtype=np.int32).reshape(steps, n_out)
        rec = dict(records) if record else {}
        if record_power:
            rec.update(power_record(self.device))
        output = {"Spike": out, "Vmem": (records or {}).get("Vmem_out"), "Isyn": (records or {}).get("Isyn_out")}[self.output_mode]
        return output, {}, rec

    __call__ = evolve

    def __repr__(self):
        return f"XyloSamna({self.chip}) on {self.device.name}"


def _read_wav(path) -> tuple:
    """``(signal in [-1, 1), sampling rate)`` of a PCM WAV file (8, 16, 24 or 32-bit integer
    samples); several channels are averaged."""
    import wave

    with wave.open(os.fspath(path), "rb") as w:
        width, channels, fs, n = w.getsampwidth(), w.getnchannels(), w.getframerate(), w.getnframes()
        raw = w.readframes(n)
    if width == 1:
        x = (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128) / 128
    elif width in (2, 4):
        x = np.frombuffer(raw, dtype=f"<i{width}").astype(np.float64) / 2.0 ** (8 * width - 1)
    elif width == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = np.where(v >= 1 << 23, v - (1 << 24), v).astype(np.float64) / 2.0 ** 23
    else:
        raise ValueError(f"{path}: {8 * width}-bit samples are not supported")
    return x.reshape(-1, channels).mean(axis=1), float(fs)


def _audio(input_data, afe) -> np.ndarray:
    """Audio for the kit's microphone: a float signal at 48828.125 Hz, ``(signal, fs)`` or a WAV
    path (both resampled as ``AFESimExternal`` does)."""
    if isinstance(input_data, (str, os.PathLike)):
        input_data = _read_wav(input_data)
    return afe._input(input_data)


class _AudioKit:
    """What XyloMonitor and AFESamna share: a Xylo Audio 3 kit and its front end settings."""

    chip = None

    def _setup(self, device, afe_settings: dict):
        _check_device(device)
        if device.chip != self.chip:
            raise InvalidArgumentError(f"device {device.name!r} carries {device.chip}; this module is {self.chip}")
        self.device = device
        self.afe = AFESimExternal(**afe_settings)

    def _monitor(self, input_data, network: bool, n_out: int, record_power: bool, progress):
        audio = _audio(input_data, self.afe)
        addr = (audio.ctypes.data, audio.size)
        steps, _ = _celesta.hdk_monitor(self.device._handle, self.afe._handle, addr, network, False, None, None)
        raster = np.zeros((steps, self.afe.size_out), dtype=np.int32)
        out = np.zeros((steps, n_out), dtype=np.int32)
        # A kit's run is slow next to a check for Ctrl-C: every run can be interrupted.
        _, overruns = _celesta.hdk_monitor(self.device._handle, self.afe._handle, addr, network, record_power,
                                           (raster.ctypes.data, raster.size), (out.ctypes.data, out.size) if network else None,
                                           progress_arg(progress, True))
        rec = {"afe_raster": raster, "overruns": overruns}
        if record_power:
            rec.update(power_record(self.device))
        return out, rec


class XyloMonitorBase(_AudioKit):
    """Rockpool's ``XyloMonitor``: the network runs free on a Xylo Audio 3 kit with the audio
    front end feeding it, in real time. ``evolve(input_data, record_power=False)`` ->
    ``(output [T, n_out], state, record)``; on the virtual kit ``input_data`` is the
    microphone's sound: a float signal at 48828.125 Hz, ``(signal, fs)`` or a WAV file path. The
    record holds ``afe_raster`` (the front end's spikes fed to the core), ``overruns`` (steps
    that missed their deadline at the kit's clock, see ``set_xylo_core_clock_freq``) and, with
    ``record_power``, ``<rail>_power`` arrays. The time step is the front end's raster period
    (``down_sampling_factor / 48828.125`` s); front-end settings are ``AFESimExternal``'s.

    ``evolve(..., progress=f)`` calls ``f(done, total)`` with the audio samples fed after
    every 4883 (0.1 s); ``False`` cancels with ``celesta.CancelledError``; Ctrl-C stops a run
    with ``KeyboardInterrupt``. After a cancelled or interrupted run the kit is in the state
    after the audio already fed (network and front end), as ``XyloSamna`` says.
    """

    def __init__(self, device: XyloHDK, config: XyloConfiguration, dt: float | None = None,
                 output_mode: str = "Spike", **afe_settings):
        self._setup(device, afe_settings)
        if not isinstance(config, XyloConfiguration):
            raise TypeError(f"config must be a XyloConfiguration, not {type(config).__name__}")
        if output_mode != "Spike":
            raise ValueError("XyloMonitor reads output events: output_mode must be 'Spike'")
        if config.n_in > self.afe.size_out:
            raise ValueError(f"the network has {config.n_in} inputs but the front end gives {self.afe.size_out} channels")
        if dt is not None and abs(dt - self.afe.dt) > 1e-9:
            raise ValueError(f"dt is the front end's raster period, {self.afe.dt} s; set down_sampling_factor instead")
        self.config, self.dt = config, self.afe.dt
        self.size_in, self.size_out = config.n_in, config.n_out
        _celesta.hdk_apply(device._handle, config._handle, self.dt)

    def evolve(self, input_data, record_power: bool = False, progress=None, **kwargs):
        out, rec = self._monitor(input_data, True, self.config.n_out, record_power, progress)
        return out, {}, rec

    __call__ = evolve

    def __repr__(self):
        return f"XyloMonitor({self.chip}) on {self.device.name}"


class AFESamnaBase(_AudioKit):
    """Rockpool's ``AFESamna``: records the front end's spike raster on a Xylo Audio 3 kit, the
    SNN core idle. ``evolve(input_data, record_power=False)`` -> ``(raster [T, C], state,
    record)``; ``input_data`` as for ``XyloMonitor``. Front-end settings are
    ``AFESimExternal``'s (``select_filters``, ``dn_*``, ``down_sampling_factor`` ...).
    ``progress`` and Ctrl-C as for ``XyloMonitor``.
    """

    def __init__(self, device: XyloHDK, config=None, dt: float | None = None, **afe_settings):
        self._setup(device, afe_settings)
        self.dt = self.afe.dt
        self.size_out = self.afe.size_out

    def evolve(self, input_data, record_power: bool = False, progress=None, **kwargs):
        _, rec = self._monitor(input_data, False, 0, record_power, progress)
        return rec.pop("afe_raster"), {}, rec

    __call__ = evolve

    def __repr__(self):
        return f"AFESamna({self.chip}) on {self.device.name}"
