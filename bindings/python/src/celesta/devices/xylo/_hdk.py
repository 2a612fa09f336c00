"""Dev kits, Rockpool-style: discovery, ``XyloSamna`` (accelerated-time inference on a kit),
the core clock and power recording. The same calls drive a board on USB and the virtual kit
(registers, memory and the bit-exact simulator, with a modelled power per rail)."""

from __future__ import annotations

import importlib
import os
import warnings

import numpy as np

from ... import _celesta
from ..._buffers import address, event_raster
from ..._errors import CelestaError, InvalidArgumentError
from ._afe import AFESimExternal
from ._core import INTERRUPTIBLE_STEPS, OUTPUT_MODES, RECORD_KEYS, XyloConfiguration, check_output_mode, progress_arg

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


VIRTUAL_HDKS_VARIABLE = "CELESTA_VIRTUAL_HDKS"

NO_KIT_HINT = ("no Xylo dev kit found: to run on the virtual kit instead, call "
               "celesta.devices.xylo.add_virtual_hdks('xa2') (or 'xa3') before find_xylo_hdks(), or set "
               "CELESTA_VIRTUAL_HDKS=xa2 in the environment")


def find_xylo_hdks(virtual=None, timeout_ms: int = _TIMEOUT_MS):
    """Rockpool's ``find_xylo_hdks()``: ``(hdks, modules, versions)`` for every dev kit found.

    Boards on USB come first (vendor/product ids registered with ``register_xylo_usb_id``, from
    ``CELESTA_HDK_USB_IDS`` and from the built-in table); then one virtual kit per chip in
    ``virtual`` (a chip name or a list of them), in ``CELESTA_VIRTUAL_HDKS`` and added by
    ``add_virtual_hdks()``. ``modules`` are the chip modules (``celesta.devices.xylo.syns65302``
    ...), ``versions`` the chip ids. Never fails for lack of USB: when nothing is found it warns,
    naming ``add_virtual_hdks``, and returns empty lists.
    """
    if isinstance(virtual, str):
        virtual = [virtual]
    names = ",".join(virtual) if virtual else None
    hdks = []
    for index, info in enumerate(_celesta.hdk_list(names)):
        location = info["location"] if info["kind"] == "usb" else f"virtual:{info['chip']}"
        hdks.append(XyloHDK(_celesta.hdk_open(location, timeout_ms)))
    if not hdks:
        warnings.warn(NO_KIT_HINT, stacklevel=2)
    return hdks, [_chip_module(h.chip) for h in hdks], [h.chip for h in hdks]


def add_virtual_hdks(*chips: str) -> list:
    """Makes ``find_xylo_hdks()`` list a virtual kit of each chip (id or alias: ``"xa2"``,
    ``"syns65302"`` ...) after the boards on USB, for this process: a notebook written for a
    board then runs unchanged. Returns the chips now listed. (Sets ``CELESTA_VIRTUAL_HDKS``,
    which child processes inherit.) Raises ``NotFoundError`` for an unknown chip."""
    ids = []
    for chip in chips:
        if not isinstance(chip, str):
            raise TypeError(f"chip must be a str, not {type(chip).__name__}")
        ids.append(_celesta.chip_find(chip)["id"])
    current = [c for c in os.environ.get(VIRTUAL_HDKS_VARIABLE, "").split(",") if c]
    for chip in ids:
        if chip not in current:
            current.append(chip)
    os.environ[VIRTUAL_HDKS_VARIABLE] = ",".join(current)
    return current


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


def _float_arg(value, name: str, positive: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"'{name}' must be a number, not {type(value).__name__}")
    if not np.isfinite(value) or (positive and value <= 0):
        raise ValueError(f"'{name}' is {value}; it must be finite and > 0")
    return float(value)


def _set_power_frequency(device: XyloHDK, power_frequency) -> float:
    """Sets the kit's power sampling rate (None: the chip's default, Rockpool's); returns it."""
    hz = 0.0 if power_frequency is None else _float_arg(power_frequency, "power_frequency")
    return _celesta.hdk_set_power_rate(device._handle, hz)


class XyloSamnaBase:
    """Rockpool's ``XyloSamna``: a configuration deployed on a dev kit, evolved in accelerated
    time. ``evolve(input, record=False, record_power=False)`` -> ``(output, state, record)``
    with the shapes and record keys of ``XyloSim`` (equal to it on the virtual kit) plus
    ``times`` (the start of each step, seconds), and ``<rail>_power`` arrays sampled at
    ``power_frequency`` Hz with ``record_power`` (None: the chip's default, Rockpool's: 5 Hz on
    Xylo Audio 2, 100 Hz on Xylo Audio 3). ``output_mode``: ``"Spike"`` (output spikes), ``"Vmem"`` (output
    membrane potentials) or ``"Isyn"`` (output synaptic currents); the output is int64. Input
    floats are cast as Rockpool casts them (truncated toward zero).

    ``evolve(..., progress=f)`` calls ``f(done, total)`` with the time steps run after every
    block of 4096 steps; returning ``False`` cancels with ``celesta.CancelledError`` and an
    exception raised by ``f`` propagates; runs of 10,000 steps or more stop on Ctrl-C with
    ``KeyboardInterrupt``. A kit cannot take steps back: after a cancelled or interrupted run
    it is in the state after the steps of the last report (their outputs are dropped), and the
    next call continues from there; ``reset_state()`` starts again from zero state.

    A run that fails on the kit (unplugged, a lost, corrupt or short transfer, a time-out, a
    cancel) raises ``celesta.CelestaError`` whose ``partial_output`` attribute holds the output
    spikes of the steps the kit completed before the failure, ``[steps, n_out]`` int64, in whole
    blocks of 4096 steps (the kit's output is read after each block; empty when the run failed
    in its first block).
    """

    chip = None  # set by each chip module

    def __init__(self, device: XyloHDK, config: XyloConfiguration, dt: float = 1e-3, output_mode: str = "Spike",
                 power_frequency: float | None = None):
        _check_device(device)
        if not isinstance(config, XyloConfiguration):
            raise TypeError(f"config must be a XyloConfiguration, not {type(config).__name__}")
        if device.chip != self.chip:
            raise InvalidArgumentError(f"device {device.name!r} carries {device.chip}; this module is {self.chip}")
        check_output_mode(output_mode)
        self.device, self.config, self.dt, self.output_mode = device, config, _float_arg(dt, "dt"), output_mode
        self.power_frequency = _set_power_frequency(device, power_frequency)
        self.size_in, self.size_out = config.n_in, config.n_out
        self.shape = (config.n_in, config.n_hidden, config.n_out)
        self._t0 = 0
        _celesta.hdk_apply(device._handle, config._handle, self.dt)

    def reset_state(self):
        """Re-applies the configuration: the chip restarts from zero state."""
        _celesta.hdk_apply(self.device._handle, self.config._handle, self.dt)
        self._t0 = 0
        return self

    def evolve(self, input, record: bool = False, record_power: bool = False, progress=None):
        x = np.asarray(input)
        if x.ndim != 2:
            raise ValueError(f"input must be [T, n_in], got shape {x.shape}")
        if x.shape[1] != self.config.n_in:
            raise ValueError(f"input has {x.shape[1]} channels but the network has {self.config.n_in}")
        raster = event_raster(x, "input")
        steps = raster.shape[0]
        n_h, n_out = self.config.n_hidden, self.config.n_out
        states = record or self.output_mode != "Spike"
        records = None
        if states:
            records = {k: np.zeros((steps, n_out if k.endswith("_out") else n_h), dtype=np.int32) for k in RECORD_KEYS}
        # Counts outside 0..255 are refused by the library (OutOfRangeError naming the step and
        # channel) before anything reaches the kit. The raster goes through its buffer (no
        # copy); the output spikes come back in a bytearray the extension allocates.
        try:
            spikes = _celesta.hdk_evolve(self.device._handle, raster, steps, steps * n_out,
                                         None if records is None else {k: address(v) for k, v in records.items()},
                                         record_power, progress_arg(progress, steps >= INTERRUPTIBLE_STEPS))
        except CelestaError as e:
            # What the kit computed before the failure: e.partial_output, [steps done, n_out].
            e.partial_output = partial_output(self.device, n_out)
            raise
        out = np.frombuffer(spikes, dtype=np.int32).reshape(steps, n_out)
        rec = dict(records) if record else {}
        if record:
            rec["times"] = (self._t0 + np.arange(steps)) * self.dt
        self._t0 += steps
        if record_power:
            rec.update(power_record(self.device))
        key = OUTPUT_MODES[self.output_mode]
        output = out if key is None else records[key]
        return output.astype(np.int64), {}, rec

    def __call__(self, input, record: bool = False, record_power: bool = False, progress=None):
        """``kit(x, ...)`` is ``kit.evolve(x, ...)``."""
        return self.evolve(input, record=record, record_power=record_power, progress=progress)

    def __repr__(self):
        return f"XyloSamna  with shape {self.shape} ({self.chip} on {self.device.name})"


def partial_output(device, n_out: int) -> np.ndarray:
    """The output spikes ``[steps, n_out]`` (int64) of the last evolve on ``device`` as far as
    they were read from the kit: after a failed run, the steps completed before the failure,
    in whole blocks of 4096 steps (none when it failed in its first block)."""
    try:
        spikes = _celesta.hdk_partial_output(device._handle)
    except CelestaError:
        spikes = b""
    flat = np.frombuffer(spikes, dtype=np.int32)
    return flat[:flat.size // max(n_out, 1) * n_out].reshape(-1, n_out).astype(np.int64)


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


def _steps_only(input_data, n_in: int):
    """The number of steps of Rockpool's "record this long" input (``[T, n_in]`` with
    ``n_in > 1``, ``[B, T, N]`` such as ``np.zeros([0, T, 0])``), else None (sound)."""
    if isinstance(input_data, (str, os.PathLike, tuple)):
        return None
    shape = np.shape(input_data)
    if len(shape) == 3:
        return shape[1]
    if len(shape) == 2 and shape[1] > 1 and shape[1] == n_in:
        return shape[0]
    return None


def _check_kit(kit, device):
    _check_device(device)
    if device.chip != kit.chip:
        raise InvalidArgumentError(f"device {device.name!r} carries {device.chip}; this module is {kit.chip}")
    return device


def _check_config(config):
    if not isinstance(config, XyloConfiguration):
        raise TypeError(f"config must be a XyloConfiguration (from config_from_specification), not {type(config).__name__}")
    return config


def _check_record(record: bool, name: str):
    if record:
        raise ValueError(f"{name} runs in real time: it cannot record internal state (record=True); "
                         "use XyloSamna or XyloSim for that")


class _Audio3Kit:
    """What Xylo Audio 3's XyloMonitor and AFESamna share: the kit and its front end."""

    chip = None

    def _setup(self, device, dt, dn_active: bool, afe_settings: dict):
        self.device = _check_kit(self, device)
        if dt is not None and "down_sampling_factor" not in afe_settings:
            step = round(_float_arg(dt, "dt") * AFESimExternal(down_sampling_factor=1).audio_sampling_rate)
            afe_settings["down_sampling_factor"] = max(1, step)
        afe_settings["spike_gen_mode"] = "divisive_norm" if dn_active else "threshold"
        self.afe = AFESimExternal(**afe_settings)
        self.dt = self.afe.dt

    def _sound(self, input_data):
        steps = _steps_only(input_data, getattr(self, "size_in", 0))
        if steps is not None:  # Rockpool's "record T steps": the virtual kit's microphone hears silence
            return np.zeros(steps * self.afe.down_sampling_factor)
        return input_data

    def _monitor(self, input_data, network: bool, n_out: int, record_power: bool, progress):
        audio = _audio(self._sound(input_data), self.afe)
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


def _network_states(kit, raster: np.ndarray, record_power: bool, progress) -> np.ndarray:
    """The output of ``kit.output_mode`` (``Vmem_out`` or ``Isyn_out``) for the front end's
    ``raster`` fed to the network on the kit (in accelerated time: a kit reports the output
    neurons' states only when stepped)."""
    steps, n_out, n_h = raster.shape[0], kit.config.n_out, kit.config.n_hidden
    x = np.ascontiguousarray(raster[:, :kit.config.n_in], dtype=np.int32)
    records = {k: np.zeros((steps, n_out if k.endswith("_out") else n_h), dtype=np.int32) for k in RECORD_KEYS}
    _celesta.hdk_evolve(kit.device._handle, x, steps, steps * n_out, {k: address(v) for k, v in records.items()},
                        record_power, progress_arg(progress, steps >= INTERRUPTIBLE_STEPS))
    return records[OUTPUT_MODES[kit.output_mode]]


class XyloMonitorBase(_Audio3Kit):
    """Rockpool's ``XyloMonitor`` for Xylo Audio 3: the network runs free on the kit with the
    audio front end feeding it, in real time. ``evolve(input_data, record=False,
    record_power=False)`` -> ``(output [T, n_out] int64, state, record)``.

    ``input_data`` is Rockpool's ``[T, n_in]`` array (only its length counts: the kit listens
    for T steps; the virtual kit's microphone then hears silence), or, on the virtual kit, the
    sound itself: a float signal at 48828.125 Hz, ``(signal, fs)`` or a WAV file path. The
    record holds ``afe_raster`` (the front end's spikes fed to the core), ``overruns`` (steps
    that missed their deadline at the kit's clock, see ``set_xylo_core_clock_freq``) and, with
    ``record_power``, ``<rail>_power`` arrays sampled at ``power_frequency`` Hz.
    ``output_mode``: ``"Spike"`` (output events), ``"Vmem"`` or ``"Isyn"`` (the output
    neurons' membrane potentials / synaptic currents: the front end's raster is then stepped
    through the network, so ``overruns`` is that of the front end run).

    Rockpool's keywords: ``dt`` (the time step, rounded to a whole number of audio samples:
    ``down_sampling_factor = round(dt * 48828.125)``; default Rockpool's 1.024 ms),
    ``main_clk_rate`` (Hz, sets the kit's core clock), ``hibernation_mode`` (kept; the virtual
    kit does not model hibernation), ``power_frequency`` (Hz; None: the chip's default, 100), ``dn_active``
    (divisive normalisation, else fixed thresholds). Front-end settings are
    ``AFESimExternal``'s, as keywords (``select_filters``, ``dn_rate_scale_bitshift``,
    ``dn_low_pass_bitshift``, ``dn_EPS``, ``fixed_threshold_vec``, ``down_sampling_factor``).
    ``record=True`` is refused as Rockpool refuses it (a real-time run records no state).

    ``evolve(..., progress=f)`` calls ``f(done, total)`` with the audio samples fed after
    every 4883 (0.1 s); ``False`` cancels with ``celesta.CancelledError``; Ctrl-C stops a run
    with ``KeyboardInterrupt``. After a cancelled or interrupted run the kit is in the state
    after the audio already fed (network and front end), as ``XyloSamna`` says.
    """

    def __init__(self, device: XyloHDK, config: XyloConfiguration, output_mode: str = "Spike", dt: float | None = None,
                 main_clk_rate: float | None = None, hibernation_mode: bool = False, power_frequency: float | None = None,
                 dn_active: bool = True, *, select_filters=None, dn_rate_scale_bitshift=(6, 0),
                 dn_low_pass_bitshift: int = 12, dn_EPS=1, fixed_threshold_vec=2**27, down_sampling_factor: int | None = None):
        afe = dict(select_filters=select_filters, dn_rate_scale_bitshift=dn_rate_scale_bitshift,
                   dn_low_pass_bitshift=dn_low_pass_bitshift, dn_EPS=dn_EPS, fixed_threshold_vec=fixed_threshold_vec)
        if down_sampling_factor is not None:
            afe["down_sampling_factor"] = down_sampling_factor
        self._setup(device, dt, bool(dn_active), afe)
        self.config = _check_config(config)
        self.output_mode = check_output_mode(output_mode)
        if config.n_in > self.afe.size_out:
            raise ValueError(f"the network has {config.n_in} inputs but the front end gives {self.afe.size_out} channels")
        self.hibernation_mode = bool(hibernation_mode)
        self.size_in, self.size_out = config.n_in, config.n_out
        self.shape = (config.n_in, config.n_hidden, config.n_out)
        if main_clk_rate is not None:
            set_xylo_core_clock_freq(device, _float_arg(main_clk_rate, "main_clk_rate") / 1e6)
        self.power_frequency = _set_power_frequency(device, power_frequency)
        _celesta.hdk_apply(device._handle, config._handle, self.dt)

    def evolve(self, input_data, record: bool = False, record_power: bool = False, progress=None):
        _check_record(record, "XyloMonitor")
        if self.output_mode == "Spike":
            out, rec = self._monitor(input_data, True, self.config.n_out, record_power, progress)
        else:
            _, rec = self._monitor(input_data, False, 0, record_power, progress)
            out = _network_states(self, rec["afe_raster"], False, None)
        return out.astype(np.int64), {}, rec

    def __call__(self, input_data, record: bool = False, record_power: bool = False, progress=None):
        """``monitor(x, ...)`` is ``monitor.evolve(x, ...)``."""
        return self.evolve(input_data, record=record, record_power=record_power, progress=progress)

    def __repr__(self):
        return f"XyloMonitor  with shape {self.shape} ({self.chip} on {self.device.name})"


class AFESamnaBase(_Audio3Kit):
    """Rockpool's ``AFESamna`` for Xylo Audio 3: records the front end's spike raster on the
    kit, the SNN core idle. ``evolve(input_data, record=False, record_power=False)`` ->
    ``(raster [T, C], state, record)``; ``input_data`` as for ``XyloMonitor`` (Rockpool's
    ``np.zeros([0, T, 0])`` records T steps). Rockpool's keywords ``dt``, ``main_clk_rate``,
    ``hibernation_mode``, ``divisive_norm`` as for ``XyloMonitor`` (``divisive_norm`` is
    ``dn_active``); front-end settings are ``AFESimExternal``'s. ``progress`` and Ctrl-C as
    for ``XyloMonitor``.
    """

    def __init__(self, device: XyloHDK, config=None, dt: float | None = None, main_clk_rate: float | None = None,
                 hibernation_mode: bool = False, divisive_norm: bool = True, *, select_filters=None,
                 dn_rate_scale_bitshift=(6, 0), dn_low_pass_bitshift: int = 12, dn_EPS=1, fixed_threshold_vec=2**27,
                 down_sampling_factor: int | None = None):
        afe = dict(select_filters=select_filters, dn_rate_scale_bitshift=dn_rate_scale_bitshift,
                   dn_low_pass_bitshift=dn_low_pass_bitshift, dn_EPS=dn_EPS, fixed_threshold_vec=fixed_threshold_vec)
        if down_sampling_factor is not None:
            afe["down_sampling_factor"] = down_sampling_factor
        self._setup(device, dt, bool(divisive_norm), afe)
        if main_clk_rate is not None:
            set_xylo_core_clock_freq(device, _float_arg(main_clk_rate, "main_clk_rate") / 1e6)
        self.hibernation_mode = bool(hibernation_mode)
        self.size_in, self.size_out = 0, self.afe.size_out
        self.shape = (0, self.size_out)

    def evolve(self, input_data, record: bool = False, record_power: bool = False, progress=None):
        _check_record(record, "AFESamna")
        _, rec = self._monitor(input_data, False, 0, record_power, progress)
        return rec.pop("afe_raster"), {}, rec

    def __call__(self, input_data, record: bool = False, record_power: bool = False, progress=None):
        """``afe(x, ...)`` is ``afe.evolve(x, ...)``."""
        return self.evolve(input_data, record=record, record_power=record_power, progress=progress)

    def __repr__(self):
        return f"AFESamna  with shape {self.shape} ({self.chip} on {self.device.name})"


# ---- Xylo Audio 2: the analog front end's model in front of the kit -----------------------

AUDIO2_MODEL_RATE = 110e3  # Hz: the rate the virtual kit runs its analog front-end model at
AUDIO2_GAIN_DB = {"low": 0.0, "medium": 6.0, "high": 12.0}  # amplify_level -> LNA gain (Celesta's assumption)


class _Audio2Kit:
    """What Xylo Audio 2's XyloMonitor and AFESamna share: the kit and the analog front end
    (on the virtual kit, the floating-point model ``syns61201.AFESim`` without noise, offset or
    mismatch, at 110 kHz, rastered per ``dt`` with at most 15 events per channel)."""

    chip = None

    def _setup(self, device, dt, amplify_level, change_count, hibernation_mode, divisive_norm, auto_calibrate):
        from ._afe import AFESim

        self.device = _check_kit(self, device)
        self.dt = _float_arg(dt, "dt")
        if amplify_level not in AUDIO2_GAIN_DB:
            raise ValueError(f"amplify_level must be 'low', 'medium' or 'high', not {amplify_level!r}")
        if divisive_norm:
            raise ValueError("divisive_norm=True: Celesta does not model Xylo Audio 2's divisive normalisation")
        self.amplify_level, self.change_count = amplify_level, change_count
        self.hibernation_mode, self.auto_calibrate = bool(hibernation_mode), bool(auto_calibrate)
        self.afe = AFESim(AUDIO2_MODEL_RATE, raster_period=self.dt, add_noise=False, add_offset=False,
                          add_mismatch=False, seed=0, lna_gain_db=AUDIO2_GAIN_DB[amplify_level],
                          digital_counter=4 if change_count is None else change_count)

    def _raster(self, input_data, progress):
        steps = _steps_only(input_data, getattr(self, "size_in", 0))
        if steps is not None:
            sound = np.zeros(int(round(steps * self.dt * AUDIO2_MODEL_RATE)))
        else:
            if isinstance(input_data, (str, os.PathLike)):
                input_data = _read_wav(input_data)
            if isinstance(input_data, tuple):
                signal, fs = input_data
                signal = np.asarray(signal, dtype=np.float64).reshape(-1)
                t = np.arange(0, signal.size / fs, 1 / AUDIO2_MODEL_RATE)
                sound = np.interp(t, np.arange(signal.size) / fs, signal)
            else:
                sound = np.asarray(input_data, dtype=np.float64).reshape(-1)
            steps = int(round(sound.size / (self.dt * AUDIO2_MODEL_RATE)))
        if not np.any(sound):
            # The model has no noise, offset or mismatch here: silence gives no events (a
            # second of audio costs ~1 s to model, so the "record T steps" case skips it).
            return np.zeros((steps, 16), dtype=np.int32)
        self.afe.reset_state()
        spikes, _, _ = self.afe.evolve(sound, progress=progress)
        raster = self.afe.raster(spikes)
        if raster.shape[0] < steps:
            raster = np.vstack([raster, np.zeros((steps - raster.shape[0], 16), dtype=raster.dtype)])
        return np.ascontiguousarray(raster[:steps])


class XyloMonitor2Base(_Audio2Kit):
    """Rockpool's ``XyloMonitor`` for Xylo Audio 2: the analog front end feeds the network on
    the kit. ``evolve(input_data, record=False, record_power=False)`` -> ``(output [T, n_out]
    int64, state, record)``; ``input_data`` is Rockpool's ``[T, n_in]`` array (the kit listens
    T steps of ``dt``; the virtual kit's microphone hears silence) or, on the virtual kit, the
    sound: a float signal at 110 kHz, ``(signal, fs)`` or a WAV path. The network gets the
    front end's first ``n_in`` channels. ``output_mode``: ``"Spike"``, ``"Vmem"`` or
    ``"Isyn"``. The record holds ``afe_raster`` and, with ``record_power``, ``<rail>_power``.

    Rockpool's keywords: ``amplify_level`` (``"low"``, ``"medium"``, ``"high"``: 0, 6, 12 dB
    of LNA gain in the model, Celesta's assumption), ``change_count`` (the digital counter:
    one event passed per ``change_count``, default 4), ``main_clk_rate`` (Hz),
    ``hibernation_mode`` and ``auto_calibrate`` (kept; the model needs no calibration),
    ``divisive_norm`` (True is refused: not modelled), ``power_frequency`` (Hz; None: the
    chip's default, 5).
    ``afe_config``, ``divisive_norm_params``, ``calibration_params`` and ``read_register`` are
    samna objects or debugging switches in Rockpool; only their defaults are accepted.
    ``record=True`` is refused as Rockpool refuses it.
    """

    def __init__(self, device: XyloHDK, config: XyloConfiguration, afe_config=None, dt: float = 1e-3,
                 output_mode: str = "Spike", amplify_level: str = "low", change_count: int | None = None,
                 main_clk_rate: float | None = None, hibernation_mode: bool = False, divisive_norm: bool = False,
                 divisive_norm_params: dict | None = None, calibration_params: dict | None = None,
                 read_register: bool = False, power_frequency: float | None = None, auto_calibrate: bool = True):
        for name, value in (("afe_config", afe_config), ("divisive_norm_params", divisive_norm_params or None),
                            ("calibration_params", calibration_params or None), ("read_register", read_register or None)):
            if value is not None:
                raise ValueError(f"'{name}' configures samna's objects on a SynSense board; Celesta does not take it")
        self._setup(device, dt, amplify_level, change_count, hibernation_mode, divisive_norm, auto_calibrate)
        self.config = _check_config(config)
        self.output_mode = check_output_mode(output_mode)
        if config.n_in > 16:
            raise ValueError(f"the network has {config.n_in} inputs but the front end gives 16 channels")
        self.size_in, self.size_out = config.n_in, config.n_out
        self.shape = (config.n_in, config.n_hidden, config.n_out)
        if main_clk_rate is not None:
            set_xylo_core_clock_freq(device, _float_arg(main_clk_rate, "main_clk_rate") / 1e6)
        self.power_frequency = _set_power_frequency(device, power_frequency)
        _celesta.hdk_apply(device._handle, config._handle, self.dt)

    def evolve(self, input_data, record: bool = False, record_power: bool = False, progress=None):
        _check_record(record, "XyloMonitor")
        raster = self._raster(input_data, progress)
        steps, n_out = raster.shape[0], self.config.n_out
        if self.output_mode == "Spike":
            x = np.ascontiguousarray(raster[:, :self.config.n_in], dtype=np.int32)
            spikes = _celesta.hdk_evolve(self.device._handle, x, steps, steps * n_out, None, record_power,
                                         progress_arg(None, steps >= INTERRUPTIBLE_STEPS))
            out = np.frombuffer(spikes, dtype=np.int32).reshape(steps, n_out)
        else:
            out = _network_states(self, raster, record_power, None)
        rec = {"afe_raster": raster}
        if record_power:
            rec.update(power_record(self.device))
        return out.astype(np.int64), {}, rec

    def __call__(self, input_data, record: bool = False, record_power: bool = False, progress=None):
        """``monitor(x, ...)`` is ``monitor.evolve(x, ...)``."""
        return self.evolve(input_data, record=record, record_power=record_power, progress=progress)

    def __repr__(self):
        return f"XyloMonitor  with shape {self.shape} ({self.chip} on {self.device.name})"


class AFESamna2Base(_Audio2Kit):
    """Rockpool's ``AFESamna`` for Xylo Audio 2: records the analog front end's events per
    ``dt``. ``evolve(input_data, record=False)`` -> ``(raster [T, 16], state, record)``;
    ``input_data`` is Rockpool's ``np.zeros([0, T, 0])`` (record T steps) or, on the virtual
    kit, the sound (as ``XyloMonitor``). Keywords as ``XyloMonitor``'s.
    """

    def __init__(self, device: XyloHDK, config=None, dt: float = 1e-3, auto_calibrate: bool = False,
                 amplify_level: str = "low", change_count: int | None = None, hibernation_mode: bool = False,
                 divisive_norm: bool = False, divisive_norm_params: dict | None = None,
                 calibration_params: dict | None = None, read_register: bool = False):
        for name, value in (("config", config), ("divisive_norm_params", divisive_norm_params or None),
                            ("calibration_params", calibration_params or None), ("read_register", read_register or None)):
            if value is not None:
                raise ValueError(f"'{name}' configures samna's objects on a SynSense board; Celesta does not take it")
        self._setup(device, dt, amplify_level, change_count, hibernation_mode, divisive_norm, auto_calibrate)
        self.size_in, self.size_out, self.shape = 0, 16, (0, 16)

    def evolve(self, input_data, record: bool = False, progress=None):
        _check_record(record, "AFESamna")
        return self._raster(input_data, progress).astype(np.int64), {}, {}

    def __call__(self, input_data, record: bool = False, progress=None):
        """``afe(x)`` is ``afe.evolve(x)``."""
        return self.evolve(input_data, record=record, progress=progress)

    def __repr__(self):
        return f"AFESamna  with shape {self.shape} ({self.chip} on {self.device.name})"
