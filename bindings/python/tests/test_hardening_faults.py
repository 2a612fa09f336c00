"""Issue 16: fault injection in the virtual dev kit from Python. A virtual kit opened as
``virtual_hdk("xa3?faults=KIND@N")`` (or any virtual kit while CELESTA_HDK_FAULTS holds a plan)
is driven through the real USB transport over an in-memory bus whose N-th transfer fails."""

import os
import subprocess
import sys

import numpy as np
import pytest

import celesta
from celesta.devices import virtual_hdk
from celesta.devices.xylo import xa3

from test_xylo import load, spec_of


@pytest.fixture(scope="module")
def config():
    cfg, _, _ = xa3.config_from_specification(**spec_of(load("a3_random_medium_dense")["config"]))
    return cfg


# Applying this configuration takes about 1,100 transfers and a run about 5: a fault at 1,200
# hits the kit mid-run, after some runs have succeeded.
MID_RUN = 1200


def raster(config, steps=300):
    return (np.arange(steps * config.n_in).reshape(steps, config.n_in) % 3).astype(np.int32)


def test_a_kit_unplugged_mid_run_raises_and_stays_an_object_that_raises(config):
    kit = xa3.XyloSamna(virtual_hdk(f"xa3?faults=unplug@{MID_RUN}"), config)
    runs = 0
    with pytest.raises(celesta.CelestaError, match="gone"):
        for _ in range(50):
            kit(raster(config))
            runs += 1
    assert runs > 0
    with pytest.raises(celesta.CelestaError):
        kit(raster(config))  # the handle to the gone kit gives an error, never a crash


def test_a_lost_transfer_fails_one_call_and_the_retry_gives_the_simulator_result(config):
    x = raster(config)
    expected = xa3.XyloSim(config)(x)[0]
    kit = xa3.XyloSamna(virtual_hdk(f"xa3?faults=timeout@{MID_RUN}", timeout_ms=500), config)
    failures, outs = 0, []
    for _ in range(40):
        try:
            kit.reset_state()
            outs.append(kit(x)[0])
        except celesta.CelestaError as e:
            assert "timed out" in str(e)
            failures += 1
    assert failures == 1, "one lost transfer fails one call"
    assert len(outs) == 39 and all(np.array_equal(o, expected) for o in outs), "the retries give the simulator's result"


@pytest.mark.parametrize("kind", ["corrupt", "short", "stall"])
def test_corrupt_short_and_stalled_replies_raise_clear_errors(config, kind):
    kit = xa3.XyloSamna(virtual_hdk(f"xa3?faults={kind}@{MID_RUN}", timeout_ms=300), config)
    with pytest.raises(celesta.CelestaError) as err:
        for _ in range(50):
            kit(raster(config))
    assert str(err.value) and ("malformed" in str(err.value) or "time" in str(err.value) or "answer" in str(err.value))


def test_environment_variable_applies_a_plan_to_every_virtual_kit():
    code = ("import celesta\nfrom celesta.devices import virtual_hdk\n"
            "try:\n    virtual_hdk('xa3')\n    print('opened')\nexcept celesta.CelestaError as e:\n    print('refused', e)\n")
    env = dict(os.environ, CELESTA_HDK_FAULTS="unplug@1")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0 and r.stdout.startswith("refused") and "gone" in r.stdout, r.stdout + r.stderr
    env["CELESTA_HDK_FAULTS"] = "explode@1"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert "refused" in r.stdout and "explode" in r.stdout, r.stdout + r.stderr


def _construction_transfers(config):
    """The transfers that opening a virtual kit and building an XyloSamna on it take (found by
    bisection: the construction succeeds iff the unplug comes after them)."""
    lo, hi = 1, 1 << 16
    while lo < hi:
        mid = (lo + hi) // 2
        try:
            xa3.XyloSamna(virtual_hdk(f"xa3?faults=unplug@{mid}"), config)
            hi = mid
        except celesta.CelestaError:
            lo = mid + 1
    return lo - 1


def test_a_failed_run_keeps_the_output_computed_before_the_fault(config):
    # 10,000 steps are read in blocks of 4,096: after the construction come configure, the
    # time step, then send, process and read per block; a fault in block 2 or 3 keeps 4,096 or
    # 8,192 steps of output, equal to the simulator's.
    x = raster(config, steps=10_000)
    expected = xa3.XyloSim(config)(x)[0]
    start = _construction_transfers(config)
    kept = set()
    for n in range(start + 1, start + 12):
        kit = xa3.XyloSamna(virtual_hdk(f"xa3?faults=unplug@{n}"), config)
        with pytest.raises(celesta.CelestaError, match="gone") as err:
            kit(x)
        partial = err.value.partial_output
        assert partial.dtype == np.int64 and partial.shape[1] == config.n_out
        assert np.array_equal(partial, expected[:partial.shape[0]])
        kept.add(partial.shape[0])
    assert kept == {0, 4096, 8192}, kept
