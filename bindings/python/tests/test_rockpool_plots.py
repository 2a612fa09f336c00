"""TSEvent / TSContinuous (Rockpool's time series) and plot_record, drawn headless (Agg) into
PNG files: the raster, Vmem and power records of XyloSim / XyloSamna in one call."""

import numpy as np
import pytest

import celesta
from celesta import TSContinuous, TSEvent
from celesta.devices.xylo import xa3

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


def test_tsevent_from_raster_round_trips():
    raster = np.array([[0, 2], [1, 0], [0, 0], [3, 1]])
    ev = TSEvent.from_raster(raster, dt=0.01, name="in")
    assert len(ev) == 7 and ev.num_channels == 2 and ev.t_stop == pytest.approx(0.04)
    assert np.array_equal(ev.raster(0.01), raster)
    assert np.array_equal(TSEvent.from_raster(raster > 0, 0.01).raster(0.01, add_events=False), raster > 0)
    with pytest.raises(ValueError, match="times but"):
        TSEvent([0.1, 0.2], [0, 1, 2])
    with pytest.raises(ValueError, match="channels must be integers"):
        TSEvent([0.1], [-1])


def test_tscontinuous():
    ts = TSContinuous.from_clocked(np.arange(10.0)[:, None] * [1, 2], dt=0.1, name="x")
    assert ts.num_channels == 2 and ts.t_stop == pytest.approx(1.0)
    assert np.allclose(ts([0.05]), [[0.5, 1.0]])
    with pytest.raises(ValueError, match="samples of shape"):
        TSContinuous([0, 1], np.zeros((3, 2)))


def png_is_drawn(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    from matplotlib.image import imread
    img = imread(str(path))
    return img.shape, float(np.std(img[..., :3]))


def test_plot_record_draws_sim_and_kit_records(tmp_path):
    spec = dict(weights_in=np.random.default_rng(3).integers(5, 60, (2, 8)), weights_rec=np.zeros((8, 8), int),
                weights_out=np.full((8, 2), 40),
                dash_mem=[2] * 8, dash_syn=[2] * 8, threshold=[80] * 8, dash_mem_out=[2] * 2, dash_syn_out=[2] * 2,
                threshold_out=[60] * 2)
    config, ok, msg = xa3.config_from_specification(**spec)
    assert ok, msg
    x = np.random.default_rng(0).poisson(0.6, (200, 2))
    out, _, rec = xa3.XyloSim(config)(x, record=True)
    fig = celesta.plot_record(rec, dt=1e-3, output=out, path=tmp_path / "sim.png", title="XyloSim")
    assert len(fig.axes) == 3
    shape, spread = png_is_drawn(tmp_path / "sim.png")
    assert shape[0] > 200 and spread > 0.01  # something is drawn, not a blank page
    kit = celesta.devices.virtual_hdk("xa3")
    out, _, rec = xa3.XyloSamna(kit, config, dt=10e-3, power_frequency=20.0)(x, record=True, record_power=True)
    fig = celesta.plot_record(rec, dt=10e-3, path=tmp_path / "kit.png")
    assert [ax.get_title() for ax in fig.axes] == ["Hidden spikes", "Hidden membrane potentials", "Power per rail"]
    png_is_drawn(tmp_path / "kit.png")
    with pytest.raises(ValueError, match="record=True"):
        celesta.plot_record({})
    assert not list(tmp_path.glob("*.tmp-*"))


def test_ts_plots_return_matplotlib_artists(tmp_path):
    import matplotlib.pyplot as plt
    fig = plt.figure()
    art = TSEvent.from_raster(np.random.default_rng(1).random((50, 4)) < 0.3, 1e-3, name="Poisson").plot()
    lines = TSContinuous.from_clocked(np.random.default_rng(2).normal(size=(50, 3)), 1e-3).plot(stagger=2.0)
    assert len(lines) == 3 and art is not None
    assert np.allclose(lines[2].get_ydata() - np.random.default_rng(2).normal(size=(50, 3))[:, 2], 4.0)
    fig.savefig(tmp_path / "ts.png")
    plt.close(fig)
