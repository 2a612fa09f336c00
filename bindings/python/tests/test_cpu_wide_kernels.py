"""The cpu simulator's dense layers run CelestaWideKernels' AVX2 loop on x86-64-v3 CPUs and the
portable SIMD8 loops elsewhere (or with CELESTA_PORTABLE_KERNELS set). Both add the same terms
in the same order without fused multiply-adds, so their results must be equal bit for bit:
checked here on random (off-grid) weights and inputs, output widths around the AVX2 loop's
tiles of 64 and 8 lanes, dense and sparse inputs, every step's values."""

import json
import os
import subprocess
import sys

import numpy as np

SCRIPT = r"""
import json, sys
import numpy as np
from celesta import backend, ir

def run(n_in, n_out, sparse, seed):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((n_out, n_in)).astype(np.float32)
    b = rng.standard_normal(n_out).astype(np.float32)
    g = ir.Graph(nodes={"in": ir.Input(np.array([n_in])), "fc": ir.Affine(weight=w, bias=b),
                        "lif": ir.LIF(tau=np.full(n_out, 5, np.float32), r=np.ones(n_out, np.float32),
                                      v_leak=np.zeros(n_out, np.float32), v_threshold=np.full(n_out, 0.5, np.float32)),
                        "out": ir.Output(np.array([n_out]))},
                 edges=[("in", "fc"), ("fc", "lif"), ("lif", "out")])
    x = rng.random((4, n_in)).astype(np.float32)
    if sparse:
        x = (x < 0.2).astype(np.float32) * rng.choice([1.0, 0.75], size=x.shape).astype(np.float32)
    sim = backend.get_backend("cpu").simulate(g, {"in": x}, n_steps=4, step_by_step=True)
    return [[s["fc"].tobytes().hex(), s["lif"].tobytes().hex()] for s in sim.node_states]

out = {f"{i}-{o}-{s}": run(i, o, s, i * 1000 + o) for i in (1, 3, 7, 130) for o in (1, 5, 8, 10, 64, 77, 128, 200) for s in (False, True)}
print(json.dumps(out))
"""


def run(portable: bool) -> dict:
    env = dict(os.environ)
    env.pop("CELESTA_PORTABLE_KERNELS", None)
    if portable:
        env["CELESTA_PORTABLE_KERNELS"] = "1"
    p = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, check=True)
    return json.loads(p.stdout)


def test_wide_dense_loop_equals_the_portable_loops_bit_for_bit():
    wide, portable = run(False), run(True)
    assert wide.keys() == portable.keys() and len(wide) == 64
    for key in wide:
        assert wide[key] == portable[key], key
    # The values are real results (not all zero).
    assert any(int(v, 16) != 0 for steps in wide.values() for step in steps for v in step)
