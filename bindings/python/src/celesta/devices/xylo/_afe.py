"""The audio front ends of the Xylo chips, with Rockpool's names: ``AFESimExternal`` and
``AFESimPDM`` (Xylo Audio 3, bit-exact) and ``AFESim`` (Xylo Audio 2, an analog model).

Each chip module gets its classes from ``bind_afe(globals(), chip)``.
"""

from __future__ import annotations

import ctypes
import numbers
import warnings

import numpy as np

from ... import _celesta
from ._core import INTERRUPTIBLE_SAMPLES, progress_arg

AUDIO_SAMPLING_RATE = 50e6 / 1024
"""The Xylo Audio 3 front end's audio rate in Hz (48828.125)."""

_STAGES = ("audio_14bit", "filterbank", "dn_spikes")
_FLOAT64 = np.dtype(np.float64)


def _per_channel(value, name: str, channels: int) -> tuple:
    """An int (for every channel) or one int per channel, as the 16-tuple of the C struct."""
    values = np.atleast_1d(np.asarray(value))
    if values.ndim != 1 or values.dtype.kind not in "iu":
        raise TypeError(f"'{name}' must be an int or a sequence of ints, not {value!r}")
    if values.size not in (1, channels):
        raise ValueError(f"'{name}' has {values.size} values; give one, or one per channel ({channels})")
    out = [int(v) for v in values] + [int(values[-1])] * (16 - values.size)
    for i, v in enumerate(out):
        if not -(2**63) <= v < 2**63:
            raise ValueError(f"'{name}[{i}]' = {v} does not fit 64 bits")
    return tuple(out)


def _int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"'{name}' must be an int, not {type(value).__name__}")
    if not -(2**31) <= int(value) < 2**31:
        raise ValueError(f"'{name}' = {int(value)} does not fit 32 bits")
    return int(value)


class AFESimBase:
    """The Xylo Audio 3 digital audio front end, bit-exact with Rockpool 3.1.0: filterbank (16
    band-pass filters), divisive-normalisation spike generators and raster.

    ``afe(input, record=False)`` or ``afe.evolve(...)`` -> ``(raster, state, record)``: ``raster``
    is ``[T, C]`` spike counts per SNN step (0..15, ``T = ceil(samples / down_sampling_factor)``),
    ``state`` is ``{}`` (offline calls keep no state) and ``record`` holds the stages
    ``audio_14bit`` ``[S]``, ``filterbank`` ``[S, C]`` and ``dn_spikes`` ``[S, C]`` when
    ``record=True``. By default the run follows Rockpool's offline convention (the filterbank and
    the spike generators first see the time-reversed input), so results equal Rockpool's;
    ``time_reversed_prefix=False`` starts from zero state as the chip does.

    ``afe.stream_push(chunk, flush=False, record=False)`` feeds a stream that keeps its state
    between calls (zero state at first and after ``reset_state()``) and returns the raster rows
    the chunk completes; the last chunk is pushed with ``flush=True``. Any chunking gives the
    same rows as one offline call with ``time_reversed_prefix=False``.

    ``evolve`` and ``stream_push`` take ``progress``, a callable called as ``progress(done,
    total)`` after every block of 4096 samples and at the end (offline: the samples times the
    passes over them, 4 with the time-reversed prefix, else 1; streaming: the chunk's audio
    samples); returning ``False`` cancels the call with ``celesta.CancelledError``, and an
    exception raised by the callable propagates. Calls on 65536 input values or more stop on
    Ctrl-C with ``KeyboardInterrupt``. A cancelled or interrupted call returns nothing and
    changes no state: a stream goes on as if the push had not been made.

    Settings (Rockpool's names and defaults): ``select_filters`` (indices 0..15 in channel order,
    None: all 16), ``spike_gen_mode`` (``"divisive_norm"`` or ``"threshold"``),
    ``dn_rate_scale_bitshift`` ``(b1, b2)``, ``dn_low_pass_bitshift``, ``dn_EPS`` and
    ``fixed_threshold_vec`` (an int for every channel or one per channel),
    ``down_sampling_factor``. As in Rockpool, the ``dn_*`` settings apply only to
    ``"divisive_norm"`` and ``fixed_threshold_vec`` only to ``"threshold"``. Invalid values raise
    the ``celesta.CelestaError`` subclass of the library's status, naming the field.
    """

    input_mode = None  # 0 external, 1 pdm (set by the subclasses)

    def __init__(self, select_filters=None, spike_gen_mode: str = "divisive_norm",
                 dn_rate_scale_bitshift=(6, 0), dn_low_pass_bitshift: int = 12, dn_EPS=1,
                 fixed_threshold_vec=2**27, down_sampling_factor: int = 50,
                 time_reversed_prefix: bool = True):
        modes = {"divisive_norm": 0, "threshold": 1}
        if spike_gen_mode not in modes:
            raise ValueError(f"Invalid spike_gen_mode: {spike_gen_mode!r}. Valid options are: 'divisive_norm' and 'threshold'")
        if select_filters is None:
            filters = ()
        else:
            filters = tuple(_int(f, "select_filters") for f in np.atleast_1d(select_filters))
            if not filters:
                raise ValueError("'select_filters' is empty: select at least one filter or pass None")
            if len(filters) > 16:
                raise ValueError(f"'select_filters' has {len(filters)} entries; the chip has 16 filters")
        shifts = tuple(np.atleast_1d(dn_rate_scale_bitshift))
        if len(shifts) != 2:
            raise ValueError(f"'dn_rate_scale_bitshift' must be a pair (b1, b2), not {dn_rate_scale_bitshift!r}")
        b1, b2 = (_int(v, "dn_rate_scale_bitshift") for v in shifts)
        self._handle = _celesta.afe_create(
            self.input_mode, len(filters), filters + (0,) * (16 - len(filters)), modes[spike_gen_mode], b1, b2,
            _int(dn_low_pass_bitshift, "dn_low_pass_bitshift"), _per_channel(dn_EPS, "dn_EPS", len(filters) or 16),
            _per_channel(fixed_threshold_vec, "fixed_threshold_vec", len(filters) or 16), _int(down_sampling_factor, "down_sampling_factor"))
        self.select_filters = None if select_filters is None else filters
        self.spike_gen_mode = spike_gen_mode
        self.dn_rate_scale_bitshift = (b1, b2)
        self.dn_low_pass_bitshift = int(dn_low_pass_bitshift)
        self.dn_EPS = dn_EPS
        self.fixed_threshold_vec = fixed_threshold_vec
        self.down_sampling_factor = int(down_sampling_factor)
        self.time_reversed_prefix = bool(time_reversed_prefix)
        self.size_out = _celesta.afe_channels(self._handle)
        self.shape = (1, self.size_out)
        self.audio_sampling_rate = AUDIO_SAMPLING_RATE

    @property
    def loops(self) -> str:
        """Which loops run this front end here: ``"avx2"`` (CPUs with the x86-64-v3 level),
        ``"sse2"`` (elsewhere, or with the environment variable ``CELESTA_AFE_KERNELS=portable``)
        or ``"scalar"`` (filters other than the chip's). All give the same results."""
        return _celesta.afe_loops(self._handle)

    @property
    def dt(self) -> float:
        """The SNN time step in seconds (``down_sampling_factor / audio_sampling_rate``)."""
        return self.down_sampling_factor / self.audio_sampling_rate

    def _input(self, data) -> np.ndarray:
        if type(data) is np.ndarray and data.ndim == 1 and data.dtype == _FLOAT64 and data.flags.c_contiguous:
            return data  # the common case, without the conversions below
        x = np.asarray(data)
        if x.ndim == 3 and x.shape[0] == 1:
            x = x[0]
        if x.ndim == 2 and x.shape[1] == 1:
            x = x[:, 0]
        if x.ndim != 1:
            raise ValueError(f"the input must be one signal, [T], [T, 1] or [1, T, 1]; got shape {x.shape}")
        if x.dtype.kind not in "iufb":
            raise TypeError(f"the input must be numeric, not {x.dtype}")
        return np.ascontiguousarray(x, dtype=np.float64)

    def _buffers(self, samples: int, steps: int, record: bool):
        raster = np.zeros((steps, self.size_out), dtype=np.int32)
        records = None
        if record:
            records = {"audio_14bit": np.zeros(samples, dtype=np.int32),
                       "filterbank": np.zeros((samples, self.size_out), dtype=np.int64),
                       "dn_spikes": np.zeros((samples, self.size_out), dtype=np.int32)}
        return raster, records

    @staticmethod
    def _address(arr):
        """``(address, size)`` of a contiguous array (a ctypes view of a writable buffer is
        cheaper to take than ``arr.ctypes``, which matters for short stream chunks)."""
        if arr is None:
            return None
        if not arr.size:
            return (0, 0)  # NULL: the library accepts it for empty buffers
        if arr.flags.writeable:
            return (ctypes.addressof(ctypes.c_char.from_buffer(arr)), arr.size)
        return (arr.ctypes.data, arr.size)

    def evolve(self, input_data, record: bool = False, time_reversed_prefix: bool | None = None, progress=None,
               **kwargs):
        x = self._input(input_data)
        samples, steps = _celesta.afe_size(self._handle, x.size, False, False)
        raster, records = self._buffers(samples, steps, record)
        prefix = self.time_reversed_prefix if time_reversed_prefix is None else bool(time_reversed_prefix)
        _celesta.afe_process(self._handle, self._address(x), prefix, self._address(raster),
                             None if records is None else {k: self._address(v) for k, v in records.items()},
                             progress_arg(progress, x.size >= INTERRUPTIBLE_SAMPLES))
        return raster, {}, records or {}

    __call__ = evolve

    def stream_push(self, chunk, flush: bool = False, record: bool = False, progress=None):
        """Feeds the next chunk to the stream: ``(raster rows, state, record)`` with the rows the
        chunk completes (and, with ``flush``, the last partial row) and the chunk's stages.
        ``progress`` as for ``evolve``."""
        if not record:
            # The common case in one call: a flat float64 array read in place, the raster
            # allocated by the extension (None: another input, converted below).
            raster = _celesta.afe_stream_push_new(self._handle, chunk, flush, progress, INTERRUPTIBLE_SAMPLES)
            if raster is not None:
                return raster, {}, {}
        x = self._input(chunk)
        samples, steps = _celesta.afe_size(self._handle, x.size, True, bool(flush))
        raster, records = self._buffers(samples, steps, record)
        rows = _celesta.afe_stream_push(self._handle, self._address(x), bool(flush), self._address(raster),
                                        None if records is None else {k: self._address(v) for k, v in records.items()},
                                        progress_arg(progress, x.size >= INTERRUPTIBLE_SAMPLES))
        return (raster if rows == steps else raster[:rows]), {}, records or {}

    def reset_state(self):
        """Returns the stream to zero state."""
        _celesta.afe_stream_reset(self._handle)
        return self

    def __repr__(self):
        return f"{type(self).__name__}(channels={self.size_out}, spike_gen_mode={self.spike_gen_mode!r})"


class AFESimExternal(AFESimBase):
    __doc__ = (
        "Xylo Audio 3 front end fed with external audio: a float signal at 48828.125 Hz with "
        "|x| < 1, quantized to 14 bits as ``trunc(x * 2**13)``. ``(signal, fs)`` is accepted too "
        "and resampled to 48828.125 Hz by linear interpolation, as Rockpool does.\n\n" + AFESimBase.__doc__)
    input_mode = 0

    def _input(self, data):
        if isinstance(data, tuple):
            if len(data) != 2:
                raise TypeError("a tuple input must be (signal, sampling_rate)")
            signal, fs = data
            x = super()._input(signal)
            if not isinstance(fs, numbers.Real) or not np.isfinite(fs) or fs <= 0:
                raise ValueError(f"the sampling rate must be a positive number, not {fs!r}")
            if fs != AUDIO_SAMPLING_RATE:
                warnings.warn(f"resampling the signal from {fs} Hz to {AUDIO_SAMPLING_RATE} Hz", stacklevel=3)
                duration = (x.size - 1) / fs
                target = np.arange(0, duration, step=1 / AUDIO_SAMPLING_RATE)
                x = np.interp(target, np.arange(x.size) / fs, x)
            return np.ascontiguousarray(x, dtype=np.float64)
        return super()._input(data)


class AFESimPDM(AFESimBase):
    __doc__ = (
        "Xylo Audio 3 front end fed by a PDM microphone: the input is the microphone's bitstream "
        "(each value +1 or -1) at 1.5625 MHz, 32 bits per audio sample, decimated by the chip's "
        "filter into ceil(N / 32) + 8 audio samples. The microphone's delta-sigma modulator is "
        "outside the chip and not modelled: give its bitstream.\n\n" + AFESimBase.__doc__)
    input_mode = 1


class AFESim:
    """A floating-point MODEL of the Xylo Audio 2 analog audio front end (Rockpool's
    ``syns61201.AFESim``): microphone and LNA distortion, 16 Butterworth band-pass filters
    (40 Hz ... 16.94 kHz, Q = 4), 20 Hz AC coupling, full-wave rectification, integrate-and-fire
    spike encoders and a digital counter passing every 4th spike. Not bit-exact: with
    ``add_noise``, ``add_offset`` and ``add_mismatch`` off it follows Rockpool's ideal chain
    within the shared reference's tolerance; with them on, the non-idealities come from
    Celesta's own seeded generator (Rockpool's statistics, not its numbers).

    ``afe(signal, record=False)`` -> ``(spikes [T, 16], state, record)`` at the input rate
    ``fs`` (at least 101640 Hz); ``afe.raster(spikes)`` sums them per ``raster_period`` as
    Rockpool does. ``record`` holds ``LNA_out`` ``[T]``, ``BPF`` and ``rect`` ``[T, 16]`` and
    ``spks_out``. The encoders' membranes carry over between calls until ``reset_state()``.

    ``evolve`` takes ``progress`` as ``AFESimExternal`` does: ``progress(done, total)`` with
    ``total = 17 * T`` (T after each of the 16 channels' filters and for the encoders);
    ``False`` cancels with ``celesta.CancelledError``, leaving the membranes and the noise
    generator as they were.
    """

    def __init__(self, fs, raster_period: float = 0.01, max_spike_per_raster_period: int = 15,
                 add_noise: bool = True, add_offset: bool = True, add_mismatch: bool = True, seed=None,
                 num_workers: int = 1, lna_gain_db: float = 0.0, digital_counter: int = 4):
        if seed is None:
            seed = int(np.random.default_rng().integers(2**63))
        if isinstance(seed, bool) or not isinstance(seed, (numbers.Integral, np.integer)) or not 0 <= seed < 2**64:
            raise ValueError(f"'seed' must be an int in 0..2**64-1 or None, not {seed!r}")
        for name, value in (("fs", fs), ("raster_period", raster_period), ("lna_gain_db", lna_gain_db)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(f"'{name}' must be a number, not {type(value).__name__}")
        self._handle = _celesta.afe2_create(
            float(fs), float(raster_period), _int(max_spike_per_raster_period, "max_spike_per_raster_period"),
            int(bool(add_noise)), int(bool(add_offset)), int(bool(add_mismatch)), int(seed), float(lna_gain_db),
            _int(digital_counter, "digital_counter"))
        self.fs, self.raster_period = float(fs), float(raster_period)
        self.max_spike_per_raster_period = int(max_spike_per_raster_period)
        self.add_noise, self.add_offset, self.add_mismatch = bool(add_noise), bool(add_offset), bool(add_mismatch)
        self.seed, self.num_workers = seed, num_workers
        self.size_in, self.size_out, self.shape = 1, 16, (1, 16)

    @property
    def dt(self) -> float:
        return 1 / self.fs

    def evolve(self, input, record: bool = False, progress=None, **kwargs):
        x = np.asarray(input)
        if x.ndim > 1:
            raise ValueError("the input signal should be 1-dim.")
        if x.dtype.kind not in "iuf":
            raise TypeError(f"the input must be numeric, not {x.dtype}")
        x = np.ascontiguousarray(x, dtype=np.float64).reshape(-1)
        spikes = np.zeros((x.size, 16), dtype=np.int32)
        records = None
        if record:
            records = {"LNA_out": np.zeros(x.size), "BPF": np.zeros((x.size, 16)), "rect": np.zeros((x.size, 16))}
        _celesta.afe2_process(self._handle, (x.ctypes.data, x.size), (spikes.ctypes.data, spikes.size),
                              None if records is None else {k: (v.ctypes.data, v.size) for k, v in records.items()},
                              progress_arg(progress, x.size >= INTERRUPTIBLE_SAMPLES))
        if records is not None:
            records["spks_out"] = spikes
        return spikes, {}, records or {}

    __call__ = evolve

    def raster(self, spikes) -> np.ndarray:
        """Spike counts per ``raster_period`` (Rockpool's convention: cumulative sums at samples
        0, P, 2P, ..., differenced and clipped)."""
        s = np.ascontiguousarray(np.asarray(spikes), dtype=np.int32)
        if s.ndim != 2 or s.shape[1] != 16:
            raise ValueError(f"spikes must be [T, 16], got shape {s.shape}")
        rows = _celesta.afe2_raster(self._handle, (s.ctypes.data, s.size), None)
        out = np.zeros((rows, 16), dtype=np.int32)
        _celesta.afe2_raster(self._handle, (s.ctypes.data, s.size), (out.ctypes.data, out.size))
        return out

    def reset_state(self):
        _celesta.afe2_reset(self._handle)
        return self

    def __repr__(self):
        return f"AFESim(fs={self.fs}, model of the Xylo Audio 2 analog front end)"
