"""Rockpool's time series, ``TSEvent`` (events: times and channels) and ``TSContinuous``
(sampled signals), with ``.plot()`` through matplotlib, an optional extra
(``pip install celesta[plot]``); and ``plot_record``, which draws what ``XyloSim`` /
``XyloSamna`` record (hidden spike raster, membrane potentials, power per rail) in one call.

Only ``.plot()`` and ``plot_record`` need matplotlib; without it they raise ``ImportError``
saying how to install it. Headless use: ``plot_record(rec, dt, path="run.png")`` writes a PNG
with matplotlib's Agg backend.
"""

from __future__ import annotations

import numpy as np

__all__ = ["TSEvent", "TSContinuous", "plot_record"]


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install 'celesta[plot]' (or pip install matplotlib)") from None
    import matplotlib.pyplot as plt  # noqa: E402

    del matplotlib
    return plt


def _number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not np.isfinite(value):
        raise TypeError(f"'{name}' must be a finite number, not {value!r}")
    return float(value)


class TSEvent:
    """Events at ``times`` (seconds) on ``channels`` (ints), between ``t_start`` and
    ``t_stop`` (by default the first and just past the last event), over ``num_channels``
    channels (by default the largest channel + 1)."""

    def __init__(self, times=None, channels=None, t_start: float | None = None, t_stop: float | None = None,
                 name: str | None = None, num_channels: int | None = None):
        self.times = np.asarray([] if times is None else times, dtype=np.float64).reshape(-1)
        ch = np.asarray([] if channels is None else channels).reshape(-1)
        if ch.size == 1 and self.times.size > 1:
            ch = np.full(self.times.size, ch[0])
        if ch.size != self.times.size:
            raise ValueError(f"TSEvent: {self.times.size} times but {ch.size} channels")
        if ch.size and (np.any(ch < 0) or np.any(ch != np.round(ch))):
            raise ValueError("TSEvent: channels must be integers >= 0")
        self.channels = ch.astype(np.int64)
        order = np.argsort(self.times, kind="stable")
        self.times, self.channels = self.times[order], self.channels[order]
        self.t_start = float(self.times[0]) if t_start is None and self.times.size else (0.0 if t_start is None else _number(t_start, "t_start"))
        if t_stop is None:
            t_stop = float(np.nextafter(self.times[-1], np.inf)) if self.times.size else self.t_start
        self.t_stop = _number(t_stop, "t_stop")
        if self.t_stop < self.t_start:
            raise ValueError(f"TSEvent: t_stop {self.t_stop} is before t_start {self.t_start}")
        if self.times.size and (self.times[0] < self.t_start or self.times[-1] > self.t_stop):
            raise ValueError("TSEvent: every time must lie between t_start and t_stop")
        needed = int(self.channels.max()) + 1 if self.channels.size else 0
        self.num_channels = needed if num_channels is None else int(num_channels)
        if self.num_channels < needed:
            raise ValueError(f"TSEvent: num_channels {self.num_channels} but channel {needed - 1} occurs")
        self.name = name

    @classmethod
    def from_raster(cls, raster, dt: float = 1e-3, t_start: float = 0.0, t_stop: float | None = None,
                    name: str | None = None, num_channels: int | None = None) -> "TSEvent":
        """Events from a raster ``[T, channels]`` of booleans or counts (a count of k gives k
        events at the start of its bin)."""
        r = np.asarray(raster)
        if r.ndim == 1:
            r = r[:, None]
        if r.ndim != 2:
            raise ValueError(f"TSEvent.from_raster: the raster must be [T, channels], got shape {r.shape}")
        counts = np.round(r).astype(np.int64) if r.dtype.kind == "f" else r.astype(np.int64)
        if np.any(counts < 0):
            raise ValueError("TSEvent.from_raster: counts must be >= 0")
        dt = _number(dt, "dt")
        steps, channels = np.nonzero(counts)
        reps = counts[steps, channels]
        times = t_start + np.repeat(steps, reps) * dt
        return cls(times, np.repeat(channels, reps), t_start=t_start,
                   t_stop=t_start + r.shape[0] * dt if t_stop is None else t_stop, name=name,
                   num_channels=r.shape[1] if num_channels is None else num_channels)

    def raster(self, dt: float, add_events: bool = True) -> np.ndarray:
        """The events binned per ``dt`` from ``t_start``: counts (``add_events``) or booleans."""
        dt = _number(dt, "dt")
        steps = int(np.ceil(round((self.t_stop - self.t_start) / dt, 9)))
        out = np.zeros((steps, self.num_channels), dtype=np.int64)
        bins = np.minimum(((self.times - self.t_start) / dt).astype(np.int64), max(steps - 1, 0))
        np.add.at(out, (bins, self.channels), 1)
        return out if add_events else out > 0

    def __len__(self):
        return self.times.size

    def plot(self, ax=None, marker: str = "|", **kwargs):
        """A raster plot (time against channel) on ``ax`` (default: the current axes);
        ``kwargs`` go to ``scatter``. Returns what ``scatter`` returns."""
        plt = _pyplot()
        ax = ax or plt.gca()
        art = ax.scatter(self.times, self.channels, marker=marker, **kwargs)
        ax.set_xlabel("Time (s)")
        ax.set_ylabel("Channel")
        ax.set_xlim(self.t_start, self.t_stop)
        if self.name:
            ax.set_title(self.name)
        return art

    def __repr__(self):
        return (f"TSEvent '{self.name or 'unnamed'}' from {self.t_start} to {self.t_stop} with "
                f"{self.num_channels} channels, {len(self)} events")


class TSContinuous:
    """A signal of ``samples`` ``[T, channels]`` at ``times`` ``[T]`` (seconds)."""

    def __init__(self, times=None, samples=None, t_start: float | None = None, t_stop: float | None = None,
                 name: str | None = None):
        self.times = np.asarray([] if times is None else times, dtype=np.float64).reshape(-1)
        s = np.asarray([] if samples is None else samples, dtype=np.float64)
        if s.ndim == 1:
            s = s[:, None]
        if s.ndim != 2 or s.shape[0] != self.times.size:
            raise ValueError(f"TSContinuous: {self.times.size} times but samples of shape {s.shape} "
                             "(need [len(times), channels])")
        if self.times.size > 1 and np.any(np.diff(self.times) < 0):
            raise ValueError("TSContinuous: times must not decrease")
        self.samples = s
        self.t_start = (float(self.times[0]) if self.times.size else 0.0) if t_start is None else _number(t_start, "t_start")
        self.t_stop = (float(self.times[-1]) if self.times.size else self.t_start) if t_stop is None else _number(t_stop, "t_stop")
        self.name = name

    @classmethod
    def from_clocked(cls, samples, dt: float = 1e-3, t_start: float = 0.0, name: str | None = None) -> "TSContinuous":
        """A signal sampled every ``dt`` from ``t_start``."""
        s = np.asarray(samples)
        dt = _number(dt, "dt")
        return cls(t_start + np.arange(s.shape[0]) * dt, s, t_start=t_start,
                   t_stop=t_start + s.shape[0] * dt, name=name)

    @property
    def num_channels(self) -> int:
        return self.samples.shape[1]

    def __call__(self, times) -> np.ndarray:
        """The signal at ``times`` (linear interpolation per channel)."""
        t = np.atleast_1d(np.asarray(times, dtype=np.float64))
        return np.stack([np.interp(t, self.times, self.samples[:, c]) for c in range(self.num_channels)], axis=1)

    def plot(self, ax=None, stagger: float = 0.0, skip: int = 0, dim: int | None = None, **kwargs):
        """Lines (time against value) on ``ax`` (default: the current axes), channel ``c``
        shifted by ``c * stagger``; ``skip`` and ``dim`` keep every (skip+1)-th channel / the
        first ``dim`` channels. ``kwargs`` go to ``plot``. Returns the lines."""
        plt = _pyplot()
        ax = ax or plt.gca()
        data = self.samples[:, :: int(skip) + 1]
        if dim is not None:
            data = data[:, : int(dim)]
        data = data + np.arange(data.shape[1]) * float(stagger)
        lines = ax.plot(self.times, data, **kwargs)
        ax.set_xlabel("Time (s)")
        if self.name:
            ax.set_title(self.name)
        return lines

    def __repr__(self):
        return (f"TSContinuous '{self.name or 'unnamed'}' from {self.t_start} to {self.t_stop}, "
                f"{self.samples.shape[0]} samples x {self.num_channels} channels")


def plot_record(record: dict, dt: float = 1e-3, output=None, path=None, title: str | None = None):
    """Draws a ``XyloSim`` / ``XyloSamna`` record in one figure: the hidden spike raster
    (``Spikes``), the hidden membrane potentials (``Vmem``), the output (``output``, spikes or
    states, when given) and the power per rail (``<rail>_power`` with ``power_times``, when
    recorded). With ``path`` the figure is written there (PNG, ...; atomically). Returns the
    matplotlib ``Figure``."""
    import os

    plt = _pyplot()
    panels = []
    if "Spikes" in record:
        panels.append("spikes")
    if "Vmem" in record:
        panels.append("vmem")
    if output is not None:
        panels.append("output")
    rails = [k for k in record if k.endswith("_power")]
    if rails:
        panels.append("power")
    if not panels:
        raise ValueError("plot_record: the record holds none of Spikes, Vmem, <rail>_power (record with record=True)")
    fig, axes = plt.subplots(len(panels), 1, figsize=(10, 2.6 * len(panels)), squeeze=False)
    times = record.get("times")
    for ax, panel in zip(axes[:, 0], panels):
        if panel == "spikes":
            TSEvent.from_raster(record["Spikes"], dt, name="Hidden spikes").plot(ax=ax, s=8)
        elif panel == "vmem":
            v = np.asarray(record["Vmem"])
            ts = TSContinuous(times, v, name="Hidden membrane potentials") if times is not None else \
                TSContinuous.from_clocked(v, dt, name="Hidden membrane potentials")
            ts.plot(ax=ax, linewidth=0.8)
        elif panel == "output":
            o = np.asarray(output)
            TSContinuous.from_clocked(o, dt, name="Output").plot(ax=ax, linewidth=0.8, drawstyle="steps-post")
        else:
            t = np.asarray(record.get("power_times", np.arange(len(record[rails[0]]))))
            for k in rails:
                ax.plot(t, np.asarray(record[k]) * 1e6, label=k)
            ax.set_xlabel("Time (s)")
            ax.set_ylabel("Power (uW)")
            ax.set_title("Power per rail")
            ax.legend(loc="upper right", fontsize="small")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        path = os.fspath(path)
        root, ext = os.path.splitext(path)
        tmp = f"{root}.tmp-{os.getpid()}{ext}"
        try:
            fig.savefig(tmp)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    return fig
