"""What a Rockpool user's notebook needs from Celesta's API (issue 15, "What failed"): import
paths, the audio kits of both chips, no silent divergences, checked parameter assignments,
float input, the virtual kit for find_xylo_hdks(), the API's shape and real signatures."""

import functools
import importlib
import inspect
import pydoc
import warnings

import numpy as np
import pytest

import celesta
from celesta.devices import xylo
from celesta.devices.xylo import _core, xa2, xa3

SPEC = dict(weights_in=np.full((2, 4), 60), weights_rec=np.zeros((4, 4), int), weights_out=np.full((4, 2), 60),
            dash_mem=[2] * 4, dash_syn=[2] * 4, threshold=[100] * 4, dash_mem_out=[2] * 2, dash_syn_out=[2] * 2,
            threshold_out=[60] * 2)


def config_of(module, **changes):
    config, ok, msg = module.config_from_specification(**dict(SPEC, **changes))
    assert ok, msg
    return config


def small_net():
    from celesta.nn.combinators import Residual, Sequential
    from celesta.nn.modules import LIFTorch, LinearTorch
    return Sequential(LinearTorch((2, 4), has_bias=False), LIFTorch(4, dt=1e-3),
                      Residual(LinearTorch((4, 4), has_bias=False), LIFTorch(4, has_rec=True, threshold=1.0, dt=1e-3)),
                      LinearTorch((4, 2), has_bias=False), LIFTorch(2, dt=1e-3))


# ---- 1. Import paths ------------------------------------------------------------------------

def test_rockpool_import_paths():
    from celesta.nn.combinators import Residual, Sequential  # noqa: F401
    from celesta.nn.modules import LIF, LIFTorch, Linear, LinearTorch
    from celesta.devices.xylo import find_xylo_hdks
    from celesta import TSContinuous, TSEvent  # noqa: F401
    from celesta.graph import GraphHolder, GraphModule, GraphNode, as_GraphHolder, connect_modules  # noqa: F401
    from celesta.devices.xylo.syns61201 import xa2_devkit_utils as xa2utils
    from celesta.devices.xylo.syns65302 import xa3_devkit_utils as xa3utils
    assert LinearTorch is Linear and LIFTorch is LIF
    assert find_xylo_hdks is celesta.devices.find_xylo_hdks
    assert callable(xa2utils.set_xylo_core_clock_freq) and callable(xa2utils.find_xylo_a2_boards)
    assert callable(xa3utils.set_xylo_core_clock_freq) and callable(xa3utils.find_xylo_a3_boards)
    # ...and importable by their dotted names.
    assert importlib.import_module("celesta.devices.xylo.syns61201.xa2_devkit_utils") is xa2utils
    assert not hasattr(xylo.syns61300, "xv1_devkit_utils")  # no kit: no utilities


def test_devkit_utils_drive_the_kit():
    from celesta.devices.xylo.syns61201 import xa2_devkit_utils as xa2utils
    kit = celesta.devices.virtual_hdk("xa2")
    assert xa2utils.set_xylo_core_clock_freq(kit, 6.25) == 6.25
    assert xa2utils.set_xylo_core_clock_freq(kit, 12) == 12.5  # 100 MHz divided
    with pytest.raises(TypeError, match="XyloHDK"):
        xa2utils.set_xylo_core_clock_freq("board", 10)


def test_graph_api_builds_a_network_the_mapper_takes():
    from celesta.graph import (GraphHolder, LIFNeuronWithSynsRealValue, LinearWeights, as_GraphHolder,
                               connect_modules)
    rng = np.random.default_rng(0)
    w1, w2 = rng.normal(0, 1, (2, 4)), rng.normal(0, 1, (4, 2))
    a = LinearWeights._factory(2, 4, "w1", weights=w1)
    b = LIFNeuronWithSynsRealValue._factory(4, 4, "lif1", tau_mem=0.03, threshold=1.5)
    c = LinearWeights._factory(4, 2, "w2", weights=w2)
    d = LIFNeuronWithSynsRealValue._factory(2, 2, "lif2")
    for src, dst in ((a, b), (b, c), (c, d)):
        connect_modules(src, dst)
    assert b.output_nodes[0].sink_modules[0] is c and c.input_nodes[0].source_modules[0] is b
    holder = GraphHolder(a.input_nodes, d.output_nodes, "net")
    assert as_GraphHolder(b).input_nodes == b.input_nodes
    from celesta.nn import LIF, Linear, Sequential
    same = Sequential(Linear((2, 4), weight=w1), LIF(4, tau_mem=0.03, threshold=1.5), Linear((4, 2), weight=w2), LIF(2))
    mine, ref = xa2.mapper(holder), xa2.mapper(same.as_graph())
    for key in ("weights_in", "weights_out", "dash_mem", "threshold"):
        assert np.array_equal(mine[key], ref[key]), key
    with pytest.raises(ValueError, match="input nodes"):
        connect_modules(a, d)


def test_a_module_graph_has_rockpool_nodes():
    g = small_net().as_graph()
    assert len(g.input_nodes) == 2 and len(g.output_nodes) == 2
    first = g.input_nodes[0].sink_modules[0]
    assert type(first).__name__ == "LinearWeights" and first.weights.shape == (2, 4)


# ---- 2. The audio kits ---------------------------------------------------------------------

def test_audio2_has_afesamna_and_xylomonitor():
    kit = celesta.devices.virtual_hdk("xa2")
    afe = xa2.AFESamna(kit, None, dt=10e-3, auto_calibrate=True, amplify_level="low", hibernation_mode=False)
    raster, _, _ = afe(np.zeros([0, 50, 0]))
    assert raster.shape == (50, 16) and not raster.any()  # the virtual microphone hears silence
    t = np.arange(int(0.2 * 110e3)) / 110e3
    loud, _, _ = afe(0.5 * np.sin(2 * np.pi * 1000 * t))
    assert loud.shape == (20, 16) and loud.sum() > 0
    config = config_of(xa2)
    mon = xa2.XyloMonitor(kit, config, dt=10e-3, output_mode="Vmem", amplify_level="low", hibernation_mode=False,
                          divisive_norm=False)
    out, _, rec = mon(0.5 * np.sin(2 * np.pi * 1000 * t))
    # Vmem mode: the output neurons' membranes as the simulator computes them on that raster
    sim = xa2.XyloSim(config, dt=10e-3, output_mode="Vmem")
    assert np.array_equal(out, sim(rec["afe_raster"][:, :2])[0])
    with pytest.raises(ValueError, match="record internal state"):
        mon(np.zeros((10, 2)), record=True)
    with pytest.raises(TypeError) as err:
        xa2.XyloMonitor(kit, config, amplfy_level="low")
    assert "XyloMonitor.__init__()" in str(err.value) and "Base" not in str(err.value)


def test_audio3_xylomonitor_takes_rockpools_keywords():
    kit = celesta.devices.virtual_hdk("xa3")
    config = config_of(xa3)
    mon = xa3.XyloMonitor(kit, config, dt=10e-3, output_mode="Vmem", hibernation_mode=False, dn_active=False)
    assert mon.afe.spike_gen_mode == "threshold" and abs(mon.dt - 10e-3) < 2e-5
    out, _, rec = mon(np.zeros((10, 2)))  # Rockpool's "listen 10 steps"
    assert out.shape == (10, 2) and out.dtype == np.int64
    t = np.arange(48828) / 48828.125
    out, _, rec = mon(0.3 * np.sin(2 * np.pi * 1000 * t))
    sim = xa3.XyloSim(config, output_mode="Vmem")
    assert np.array_equal(out, sim(rec["afe_raster"][:, :2])[0])
    for bad in ({"hibernaton_mode": True}, {"amplify_level": "low"}):
        with pytest.raises(TypeError) as err:
            xa3.XyloMonitor(kit, config, **bad)
        assert "XyloMonitor.__init__()" in str(err.value)
        assert "AFESim" not in str(err.value) and "Base" not in str(err.value)


# ---- 3. Silent divergences ---------------------------------------------------------------

@pytest.mark.parametrize("module, default", [(xa2, 5.0), (xa3, 100.0)])
def test_power_frequency_is_honoured(module, default):
    kit = celesta.devices.virtual_hdk(module.CHIP)
    x = np.random.default_rng(0).poisson(0.4, (1000, 2))
    counts = {}
    for hz in (None, 20.0):
        samna = module.XyloSamna(kit, config_of(module), dt=10e-3, power_frequency=hz)
        assert samna.power_frequency == (default if hz is None else hz)
        _, _, rec = samna(x, record_power=True)
        counts[hz] = len(rec["io_power"])
    assert counts[20.0] == 200 and counts[None] == int(10 * default)
    with pytest.raises(ValueError, match="power_frequency"):
        module.XyloSamna(kit, config_of(module), power_frequency=-1)
    with pytest.raises(celesta.OutOfRangeError, match="10000"):  # the library's own check
        module.XyloSamna(kit, config_of(module), power_frequency=20000.0)
    from celesta import _celesta
    assert _celesta.hdk_set_power_rate(kit._handle, 0.0) == default  # 0: back to the chip's default


def test_output_mode_of_xylosim():
    config = config_of(xa2)
    x = np.random.default_rng(1).poisson(1.0, (50, 2))
    _, _, rec = xa2.XyloSim(config)(x, record=True)
    for mode, key in (("Vmem", "Vmem_out"), ("Isyn", "Isyn_out")):
        for sim in (xa2.XyloSim(config, output_mode=mode), xa2.XyloSim.from_config(config, output_mode=mode),
                    xa2.XyloSim.from_specification(**SPEC, output_mode=mode)):
            out, _, _ = sim(x)
            assert np.array_equal(out, rec[key]) and out.dtype == np.int64
        batch, _, _ = xa2.XyloSim(config, output_mode=mode)(np.stack([x, x]))
        assert np.array_equal(batch[1], rec[key])
    with pytest.raises(ValueError, match="output_mode"):
        xa2.XyloSim(config, output_mode="vmem")


def test_misspelled_keywords_are_refused():
    config = config_of(xa2)
    kit = celesta.devices.virtual_hdk("xa2")
    calls = [lambda: xa2.XyloSamna(kit, config, powr_frequency=20.0),
             lambda: xa2.XyloSim.from_config(config, dt=1e-3, outputmode="Vmem"),
             lambda: xa2.XyloSim(config)(np.zeros((3, 2)), recrod=True),
             lambda: xa2.XyloSamna(kit, config)(np.zeros((3, 2)), record_powr=True),
             lambda: xa2.config_from_specification(**SPEC, dash_syn2=[1] * 4),
             lambda: xa2.mapper(small_net().as_graph(), weight_dtyp="float"),
             lambda: celesta.nn.LIF(4, tau_mme=0.1),
             lambda: celesta.nn.Linear((2, 4), wieght=np.zeros((2, 4)))]
    for call in calls:
        with pytest.raises(TypeError, match="unexpected keyword"):
            call()


def test_audio3_dash_rule_warns_once_when_it_differs():
    from celesta.nn import LIF, Linear, Sequential
    two_syn = Sequential(Linear((3, 8)), LIF((8, 4), tau_syn=[0.002, 0.05] * 4), Linear((4, 2)), LIF(2))
    one_syn = Sequential(Linear((3, 4)), LIF(4), Linear((4, 2)), LIF(2))
    _core._DASH_RULE_WARNED.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        xa3.mapper(one_syn.as_graph())
        xa2.mapper(two_syn.as_graph())
        xa3.mapper(two_syn.as_graph(), rockpool_compatible=True)
        assert not [w for w in caught if "dash_syn_2" in str(w.message)]
        xa3.mapper(two_syn.as_graph())
        xa3.mapper(two_syn.as_graph())
    said = [w for w in caught if "dash_syn_2" in str(w.message)]
    assert len(said) == 1 and "rockpool_compatible=True" in str(said[0].message)


def test_audio3_dash_rule_is_silent_where_the_spikes_cannot_differ():
    """The dashes differ on a synapse that no weight reaches: no warning, and Rockpool's
    dashes give the same spikes; once synapse 1 gets weights, they differ and it warns."""
    from celesta.nn import LIF, Linear, Sequential
    from celesta.transform import quantize_methods as q

    rng = np.random.default_rng(4)
    w = rng.normal(0, 1, (3, 8))
    w[:, 1::2] = 0  # interleaved columns: synapse 1 of every neuron gets nothing
    w_out = rng.normal(0, 1, (4, 2))

    def deploy(weight, **kw):
        net = Sequential(Linear((3, 8), weight=weight), LIF((8, 4), tau_syn=[0.008] * 8, tau_mem=[0.016] * 4),
                         Linear((4, 2), weight=w_out), LIF(2))
        spec = xa3.mapper(net.as_graph(), **kw)
        spec.update(q.channel_quantize(**spec))
        config, ok, msg = xa3.config_from_specification(**spec)
        assert ok, msg
        x = np.random.default_rng(5).poisson(0.8, (200, 3))
        out, _, rec = xa3.XyloSim.from_config(config)(x, record=True)
        return spec, np.concatenate([rec["Spikes"], out], axis=1)  # hidden and output spikes

    for weight, can_differ in ((w, False), (rng.normal(0, 1, (3, 8)), True)):
        _core._DASH_RULE_WARNED.clear()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            mine, spikes = deploy(weight)
        theirs, spikes_rockpool = deploy(weight, rockpool_compatible=True)
        assert not np.array_equal(mine["dash_syn_2"], theirs["dash_syn_2"])  # the dashes differ either way
        said = [m for m in caught if "dash_syn_2" in str(m.message)]
        assert len(said) == int(can_differ)
        assert np.array_equal(spikes, spikes_rockpool) != can_differ
        assert spikes.sum() > 100


# ---- 4. Every parameter assignment is checked -----------------------------------------------

def test_parameter_assignment_is_checked_as_the_constructor_checks():
    from celesta.nn import LIF, Linear, Sequential
    net = Sequential(Linear((2, 4), weight=np.ones((2, 4))), LIF(4, has_rec=True), Linear((4, 2)), LIF(2))
    with pytest.raises(ValueError, match=r"'weight' has shape \(4, 2\) but \(2, 4\)"):
        net[0].weight = np.arange(8).reshape(4, 2)
    assert np.array_equal(net[0].weight, np.ones((2, 4)))  # untouched
    with pytest.raises(ValueError, match=r"\(2, 4\)"):
        Linear((2, 4), weight=np.arange(8).reshape(4, 2))  # the same check
    for field, bad in (("tau_mem", -0.01), ("tau_syn", [0.1] * 3), ("threshold", np.nan), ("w_rec", np.ones((3, 3))),
                       ("dt", 0.0), ("bias", [1.0] * 5)):
        with pytest.raises((ValueError, TypeError), match=field):
            setattr(net[1], field, bad)
    net[1].w_rec = net[1].w_rec / 10.0  # the tutorial's assignment
    net[0].weight = np.arange(8).reshape(2, 4)
    spec = xa2.mapper(net.as_graph())
    assert spec["weights_in"].shape[:2] == (2, 4)
    with pytest.raises(AttributeError):
        net[0].shape = (4, 2)


# ---- 5. Float input ----------------------------------------------------------------------

def test_float_input_is_cast_as_rockpool_casts_it():
    config = config_of(xa2)
    x = np.random.default_rng(2).poisson(1.0, (60, 2))
    noisy = x + np.random.default_rng(3).uniform(0, 0.99, x.shape)  # 2.7 reads as 2
    sim = xa2.XyloSim(config)
    ref, _, _ = sim(x)
    assert np.array_equal(xa2.XyloSim(config)(noisy)[0], ref)
    assert np.array_equal(xa2.XyloSim(config)(x > 0)[0], xa2.XyloSim(config)((x > 0).astype(int))[0])
    kit = celesta.devices.virtual_hdk("xa2")
    assert np.array_equal(xa2.XyloSamna(kit, config)(noisy)[0], ref)
    with pytest.raises(ValueError, match="non-finite"):
        sim(np.full((3, 2), np.nan))
    with pytest.raises(ValueError):
        sim(np.full((3, 2), 300.5))  # 300 events: out of 0..255


# ---- 6. No board -------------------------------------------------------------------------

def test_no_board_warns_naming_the_virtual_kit(monkeypatch):
    monkeypatch.setenv("CELESTA_VIRTUAL_HDKS", "")  # restored after the test (add_virtual_hdks sets it)
    with pytest.warns(UserWarning, match=r"add_virtual_hdks\('xa2'\)"):
        hdks, modules, versions = celesta.devices.xylo.find_xylo_hdks()
    assert hdks == [] and versions == []
    assert celesta.devices.xylo.add_virtual_hdks("xa2", "syns65302") == ["syns61201", "syns65302"]
    hdks, modules, versions = celesta.devices.xylo.find_xylo_hdks()
    assert versions == ["syns61201", "syns65302"] and all(h.is_virtual for h in hdks)
    assert modules == [xa2, xa3]
    with pytest.raises(celesta.NotFoundError):
        celesta.devices.xylo.add_virtual_hdks("xa9")


# ---- 7. API shape ------------------------------------------------------------------------

def test_api_shape():
    net = small_net()
    assert isinstance(net[2][1], celesta.nn.LIF) and len(net[2]) == 2
    out, state, rec = net(np.ones((20, 2)), record=True)
    assert out.shape == (20, 2) and "2_Residual" in rec and "vmem" in rec["1_LIF"]
    params = net.parameters()
    assert set(params["2_Residual"]["1_LIF"]) >= {"tau_mem", "tau_syn", "threshold", "bias", "w_rec"}
    kit = celesta.devices.virtual_hdk("xa2")
    config = config_of(xa2)
    samna = xa2.XyloSamna(kit, config, dt=1e-3)
    assert samna.shape == (2, 4, 2) and "shape (2, 4, 2)" in repr(samna)
    x = np.random.default_rng(4).poisson(1.0, (30, 2))
    out, _, rec = samna(x, record=True)
    assert out.dtype == np.int64 and np.allclose(rec["times"], np.arange(30) * 1e-3)
    _, _, rec = samna(x, record=True)  # times go on from where the last run stopped
    assert np.allclose(rec["times"], (30 + np.arange(30)) * 1e-3)
    assert xa2.XyloSim(config)(x)[0].dtype == np.int64


# ---- 8. config_from_specification's contract and real signatures ---------------------------

def test_config_from_specification_keeps_rockpools_contract():
    # Over the chip's limits but storable: a config (it simulates), is_valid False, the field named.
    config, ok, msg = xa2.config_from_specification(**dict(SPEC, dash_mem=[20, 2, 2, 2]))
    assert isinstance(config, xylo.XyloConfiguration) and ok is False and "dash_mem" in msg
    # Not storable without wrapping, or a wrong shape: no config, is_valid False, the field named.
    for change, field in ((dict(weights_out=np.full((4, 2), 200)), "weights_out"), (dict(threshold=[100] * 3), "threshold"),
                          (dict(weights_in=np.zeros((2, 4, 2, 1))), "weights_in")):
        config, ok, msg = xa2.config_from_specification(**dict(SPEC, **change))
        assert config is None and ok is False and field in msg, msg
    config, ok, msg = xa2.config_from_specification(**SPEC)
    assert ok and msg == "" and isinstance(config, xylo.XyloConfiguration)
    with pytest.raises(ValueError, match="dash_mem"):
        xa2.XyloSim.from_specification(**dict(SPEC, dash_mem=[20, 2, 2, 2]), verify_config=True)
    xa2.XyloSim.from_specification(**dict(SPEC, dash_mem=[20, 2, 2, 2]))  # as Rockpool: runs


def public_callables():
    for module in (xa2, xa3, xylo.syns61300, xylo, celesta.devices, celesta.nn, celesta.graph, celesta.timeseries,
                   xa2.xa2_devkit_utils, xa3.xa3_devkit_utils):
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj) and not isinstance(obj, type(celesta)):
                yield f"{module.__name__}.{name}", obj


def test_every_public_callable_has_a_real_signature_and_docstring():
    for name, obj in public_callables():
        assert not isinstance(obj, functools.partial), name
        assert obj.__doc__ and obj.__doc__.strip(), name
        if isinstance(obj, type) and issubclass(obj, Warning):
            continue
        sig = inspect.signature(obj)
        assert not any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()), f"{name}{sig}"
        text = pydoc.render_doc(obj)
        assert "functools.partial" not in text and "(**spec)" not in text.split("\n")[2], name
    sig = inspect.signature(xa2.config_from_specification)
    assert list(sig.parameters)[:2] == ["weights_in", "weights_out"]
    assert list(inspect.signature(xa2.mapper).parameters)[0] == "graph"
