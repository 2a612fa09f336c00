"""Differential tests: the cpu simulator against an independent numpy reference written here,
on random graphs of every primitive it computes. Spikes must be equal exactly; values within
rtol 1e-4 / atol 1e-5 (float32 sums in another order). Weights and inputs are drawn on a grid
of multiples of 1/16 wherever a spiking neuron follows, so its input is exact in float32 and a
spike cannot flip on rounding."""

import math
import zlib

import numpy as np
import pytest

from celesta import backend, ir

RTOL, ATOL = 1e-4, 1e-5
STEPS = 6
CPU = backend.get_backend("cpu")


def grid(rng, *shape, scale=1.0):
    return (np.round(rng.uniform(-1, 1, size=shape) * 16) / 16 * scale).astype(np.float32)


# --- the numpy reference ---------------------------------------------------------------------

def conv2d(x, w, b, stride, pad, dil, groups):
    cin, h, wd = x.shape
    cout, cg, kh, kw = w.shape
    xp = np.zeros((cin, h + 2 * pad[0], wd + 2 * pad[1]), np.float64)
    xp[:, pad[0]:pad[0] + h, pad[1]:pad[1] + wd] = x
    ho = (h + 2 * pad[0] - dil[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (wd + 2 * pad[1] - dil[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((cout, ho, wo))
    og = cout // groups
    for o in range(cout):
        g = o // og
        for i in range(ho):
            for j in range(wo):
                patch = xp[g * cg:(g + 1) * cg, i * stride[0]:i * stride[0] + dil[0] * (kh - 1) + 1:dil[0],
                           j * stride[1]:j * stride[1] + dil[1] * (kw - 1) + 1:dil[1]]
                out[o, i, j] = (patch * w[o]).sum() + (0 if b is None else b[o])
    return out


def pool_len(n, k, s, p, d, ceil):
    span = n + 2 * p - d * (k - 1) - 1
    out = (math.ceil(span / s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= n + p:
        out -= 1
    return out


def pool(x, kind, k, s, p, ceil, include_pad=True, dil=(1, 1)):
    c, h, w = x.shape
    ho, wo = pool_len(h, k[0], s[0], p[0], dil[0], ceil), pool_len(w, k[1], s[1], p[1], dil[1], ceil)
    out = np.zeros((c, ho, wo))
    for i in range(ho):
        for j in range(wo):
            r0, c0 = i * s[0] - p[0], j * s[1] - p[1]
            rows = [r for r in range(r0, r0 + dil[0] * (k[0] - 1) + 1, dil[0]) if 0 <= r < h]
            cols = [q for q in range(c0, c0 + dil[1] * (k[1] - 1) + 1, dil[1]) if 0 <= q < w]
            win = x[:, rows][:, :, cols]
            if kind == "max":
                out[:, i, j] = win.max(axis=(1, 2))
            elif kind == "sum":
                out[:, i, j] = win.sum(axis=(1, 2))
            else:
                size = (min(r0 + k[0], h + p[0]) - r0) * (min(c0 + k[1], w + p[1]) - c0) if include_pad else len(rows) * len(cols)
                out[:, i, j] = win.sum(axis=(1, 2)) / size
    return out


def upsample(x, ho, wo, mode, align):
    c, h, w = x.shape
    out = np.zeros((c, ho, wo))
    for i in range(ho):
        for j in range(wo):
            if mode == "nearest":
                out[:, i, j] = x[:, min(int(i * h / ho), h - 1), min(int(j * w / wo), w - 1)]
                continue
            def src(t, n, m):
                if align:
                    return t * (n - 1) / (m - 1) if m > 1 else 0.0
                return max((t + 0.5) * n / m - 0.5, 0.0)
            fi, fj = src(i, h, ho), src(j, w, wo)
            i0, j0 = min(int(fi), h - 1), min(int(fj), w - 1)
            i1, j1 = min(i0 + 1, h - 1), min(j0 + 1, w - 1)
            li, lj = fi - i0, fj - j0
            top = x[:, i0, j0] * (1 - lj) + x[:, i0, j1] * lj
            bottom = x[:, i1, j0] * (1 - lj) + x[:, i1, j1] * lj
            out[:, i, j] = top * (1 - li) + bottom * li
    return out


class Neuron:
    """The ODEs of the README (forward Euler, dt = 1), in float32 in the simulator's order."""

    def __init__(self, kind, p, n):
        f = np.float32
        self.kind, self.p = kind, {k: np.broadcast_to(np.asarray(v, f), (n,)).copy() for k, v in p.items()}
        self.v = np.zeros(n, f)
        self.i = np.zeros(n, f)

    def step(self, x):
        p, f = self.p, np.float32
        x = x.astype(f)
        if self.kind in ("LIF", "LI"):
            a = f(1) / p["tau"]
            self.v = self.v + a * (p.get("v_leak", 0 * a) - self.v + p.get("r", 1 + 0 * a) * x)
        elif self.kind in ("IF", "I"):
            self.v = self.v + p.get("r", np.ones_like(x)) * x
        else:
            b = f(1) / p["tau_syn"]
            a = f(1) / p["tau_mem"]
            self.i = self.i + b * (p.get("w_in", np.ones_like(x)) * x - self.i)
            self.v = self.v + a * (p["v_leak"] - self.v + p["r"] * self.i)
        if self.kind in ("LIF", "IF", "CubaLIF"):
            s = (self.v >= p["v_threshold"]).astype(f)
            self.v = np.where(s > 0, p.get("v_reset", np.zeros_like(x)), self.v).astype(f)
            return s
        return self.v.copy()


# --- cases: (graph builder, reference) ---------------------------------------------------------

def single(node, in_shape, out_shape, ref, spiking=False, rng=None, binary=False):
    g = ir.Graph(nodes={"in": ir.Input(np.array(in_shape)), "n": node, "out": ir.Output(np.array(out_shape))},
                 edges=[("in", "n"), ("n", "out")])
    return g, ref, spiking


def stateless(f):
    def ref(xs):
        return [f(x.astype(np.float64)) for x in xs]
    return ref


def build_cases():
    rng = np.random.default_rng(1234)
    cases = {}
    w = grid(rng, 5, 7)
    b = grid(rng, 5)
    cases["Affine"] = single(ir.Affine(weight=w, bias=b), [7], [5], stateless(lambda x: w @ x + b))
    cases["SpikingAffine"] = single(ir.SpikingAffine(weight=w, bias=b), [7], [5], stateless(lambda x: w @ x + b))
    cases["Linear"] = single(ir.Linear(weight=w), [7], [5], stateless(lambda x: w @ x))
    for tag, (stride, pad, dil, groups) in {"": (1, 1, 1, 1), "_strided": (2, 0, 1, 2), "_dilated": (1, 2, 2, 1)}.items():
        wc = grid(rng, 4, 4 // groups, 3, 3)
        bc = grid(rng, 4)
        ho = (8 + 2 * pad - dil * 2 - 1) // stride + 1
        wo = (7 + 2 * pad - dil * 2 - 1) // stride + 1
        node = ir.Conv2d(weight=wc, bias=bc, stride=stride, padding=pad, dilation=dil, groups=groups,
                         input_type={"input": np.array([4, 8, 7])}, output_type={"output": np.array([4, ho, wo])})
        cases["Conv2d" + tag] = single(node, [4, 8, 7], [4, ho, wo], stateless(
            lambda x, wc=wc, bc=bc, s=stride, p=pad, d=dil, g=groups: conv2d(x, wc, bc, (s, s), (p, p), (d, d), g)))
    wc = grid(rng, 3, 2, 3, 3)
    cases["SConv"] = single(ir.SConv(weight=wc, bias=np.zeros(3, np.float32), input_type={"input": np.array([2, 5, 5])}, output_type={"output": np.array([3, 5, 5])}, padding=1),
                            [2, 5, 5], [3, 5, 5], stateless(lambda x: conv2d(x, wc, None, (1, 1), (1, 1), (1, 1), 1)))
    wd = grid(rng, 3, 1, 3, 3)
    cases["SDConv"] = single(ir.SDConv(weight=wd, bias=np.zeros(3, np.float32), groups=3, input_type={"input": np.array([3, 5, 5])}, output_type={"output": np.array([3, 3, 3])}),
                             [3, 5, 5], [3, 3, 3], stateless(lambda x: conv2d(x, wd, None, (1, 1), (0, 0), (1, 1), 3)))
    w1 = grid(rng, 4, 3, 3)
    b1 = grid(rng, 4)
    cases["Conv1d"] = single(ir.Conv1d(weight=w1, bias=b1, stride=2, padding=1, dilation=1, input_type={"input": np.array([3, 9])},
                                       output_type={"output": np.array([4, 5])}), [3, 9], [4, 5],
                             stateless(lambda x: conv2d(x[:, None, :], w1[:, :, None, :], b1, (1, 2), (0, 1), (1, 1), 1)[:, 0, :]))
    dw, pw, db, pb = grid(rng, 3, 1, 3, 3), grid(rng, 5, 3, 1, 1), grid(rng, 3), grid(rng, 5)
    cases["SepConv2d"] = single(ir.SepConv2d(depthwise_weight=dw, pointwise_weight=pw, depthwise_bias=db, pointwise_bias=pb, padding=1,
                                             input_type={"input": np.array([3, 6, 6])}), [3, 6, 6], [5, 6, 6],
                                stateless(lambda x: conv2d(conv2d(x, dw, db, (1, 1), (1, 1), (1, 1), 3), pw, pb, (1, 1), (0, 0), (1, 1), 1)))
    cases["MaxPool2d_ceil"] = single(ir.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True, input_type={"input": np.array([2, 7, 6])}), [2, 7, 6], [2, 3, 3],
                                     stateless(lambda x: pool(x, "max", (3, 3), (2, 2), (0, 0), True)))
    cases["MaxPool2d_dilated"] = single(ir.MaxPool2d(kernel_size=2, stride=1, padding=1, dilation=2, input_type={"input": np.array([2, 5, 5])}), [2, 5, 5], [2, 5, 5],
                                        stateless(lambda x: pool(x, "max", (2, 2), (1, 1), (1, 1), False, dil=(2, 2))))
    for inc in (True, False):
        cases[f"AvgPool2d_pad{int(inc)}"] = single(
            ir.AvgPool2d(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=inc, input_type={"input": np.array([2, 6, 5])}),
            [2, 6, 5], [2, 4, 3], stateless(lambda x, inc=inc: pool(x, "avg", (3, 3), (2, 2), (1, 1), True, inc)))
    cases["SumPool2d"] = single(ir.SumPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0)), [2, 4, 6], [2, 2, 3],
                                stateless(lambda x: pool(x, "sum", (2, 2), (2, 2), (0, 0), False)))
    cases["Flatten"] = single(ir.Flatten(start_dim=0, end_dim=-1, input_type={"input": np.array([2, 3, 4])}), [2, 3, 4], [24], stateless(lambda x: x.reshape(-1)))
    cases["Upsample_nearest"] = single(ir.Upsample(scale_factor=2, mode="nearest", input_type={"input": np.array([2, 3, 4])}), [2, 3, 4], [2, 6, 8],
                                       stateless(lambda x: upsample(x, 6, 8, "nearest", False)))
    cases["Upsample_bilinear"] = single(ir.Upsample(size=(5, 7), mode="bilinear", input_type={"input": np.array([2, 3, 4])}), [2, 3, 4], [2, 5, 7],
                                        stateless(lambda x: upsample(x, 5, 7, "bilinear", False)))
    cases["Upsample_align"] = single(ir.Upsample(size=(5, 7), mode="bilinear", align_corners=True, input_type={"input": np.array([2, 3, 4])}), [2, 3, 4], [2, 5, 7],
                                     stateless(lambda x: upsample(x, 5, 7, "bilinear", True)))
    cases["ReLU"] = single(ir.ReLU(features=6, negative_slope=0.1), [6], [6], stateless(lambda x: np.where(x >= 0, x, 0.1 * x)))
    cases["Sigmoid"] = single(ir.Sigmoid(features=6), [6], [6], stateless(lambda x: 1 / (1 + np.exp(-x))))
    cases["Tanh"] = single(ir.Tanh(features=6), [6], [6], stateless(np.tanh))
    cases["Softmax"] = single(ir.Softmax(features=6), [6], [6], stateless(lambda x: np.exp(x - x.max()) / np.exp(x - x.max()).sum()))
    cases["GELU"] = single(ir.GELU(features=6), [6], [6],
                           stateless(lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))))
    erf = np.vectorize(math.erf)
    cases["GELU_exact"] = single(ir.GELU(features=6, approximate=False), [6], [6], stateless(lambda x: 0.5 * x * (1 + erf(x / math.sqrt(2)))))
    cases["ELU"] = single(ir.ELU(features=6, alpha=0.7), [6], [6], stateless(lambda x: np.where(x > 0, x, 0.7 * (np.exp(x) - 1))))
    slopes = grid(rng, 3)
    cases["PReLU"] = single(ir.PReLU(features=3, weight=slopes, input_type={"input": np.array([3, 2, 2])}), [3, 2, 2], [3, 2, 2],
                            stateless(lambda x: np.where(x >= 0, x, x * slopes[:, None, None])))
    g_, b_, m_, v_ = grid(rng, 4), grid(rng, 4), grid(rng, 4), np.abs(grid(rng, 4)) + 0.5
    cases["BatchNorm1d"] = single(ir.BatchNorm1d(num_features=4, weight=g_, bias=b_, running_mean=m_, running_var=v_), [4], [4],
                                  stateless(lambda x: (x - m_) / np.sqrt(v_ + 1e-5) * g_ + b_))
    cases["BatchNorm2d"] = single(ir.BatchNorm2d(num_features=4, weight=g_, bias=b_, running_mean=m_, running_var=v_), [4, 2, 3], [4, 2, 3],
                                  stateless(lambda x: (x - m_[:, None, None]) / np.sqrt(v_[:, None, None] + 1e-5) * g_[:, None, None] + b_[:, None, None]))
    lw, lb = grid(rng, 3), grid(rng, 3)
    cases["LayerNorm"] = single(ir.LayerNorm(normalized_shape=[3], weight=lw, bias=lb), [2, 3], [2, 3],
                                stateless(lambda x: (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5) * lw + lb))
    cases["Dropout"] = single(ir.Dropout(features=5, p=0.3), [5], [5], stateless(lambda x: x))
    cases["HybridRegion"] = single(ir.HybridRegion(mode="snn", features=5), [5], [5], stateless(lambda x: x))
    sc = grid(rng, 5)
    cases["Scale"] = single(ir.Scale(scale=sc), [5], [5], stateless(lambda x: x * sc))
    th = grid(rng, 5)
    cases["Threshold"] = single(ir.Threshold(threshold=th), [5], [5], stateless(lambda x: (x > th).astype(np.float64)), spiking=True)

    def delay_ref(xs, steps=(0, 1, 3, 2, 0)):
        return [np.array([xs[t - d][i] if t - d >= 0 else 0.0 for i, d in enumerate(steps)]) for t in range(len(xs))]
    cases["Delay"] = single(ir.Delay(delay=np.array([0, 1, 3, 2, 0], np.float32)), [5], [5], delay_ref)
    n = 6
    neuron_params = {
        "LIF": dict(tau=np.abs(grid(rng, n)) + 2, r=np.abs(grid(rng, n)) + 0.5, v_leak=grid(rng, n, scale=0.1), v_threshold=np.abs(grid(rng, n)) + 0.25),
        "IF": dict(v_threshold=np.abs(grid(rng, n)) + 0.5, r=np.abs(grid(rng, n)) + 0.5, v_reset=grid(rng, n, scale=0.1)),
        "I": dict(r=grid(rng, n)),
        "LI": dict(tau=np.abs(grid(rng, n)) + 2, r=grid(rng, n), v_leak=grid(rng, n)),
        "CubaLI": dict(tau_syn=np.abs(grid(rng, n)) + 2, tau_mem=np.abs(grid(rng, n)) + 3, r=grid(rng, n), v_leak=grid(rng, n), w_in=grid(rng, n)),
        "CubaLIF": dict(tau_syn=np.abs(grid(rng, n)) + 2, tau_mem=np.abs(grid(rng, n)) + 3, r=np.abs(grid(rng, n)) + 1, v_leak=grid(rng, n, scale=0.1),
                        v_threshold=np.abs(grid(rng, n)) * 0.2 + 0.1, v_reset=np.zeros(n, np.float32), w_in=np.abs(grid(rng, n)) + 1),
    }
    for kind, p in neuron_params.items():
        p = {k: v.astype(np.float32) for k, v in p.items()}
        node = ir.str_to_node(kind)(**p)

        def ref(xs, kind=kind, p=p):
            m = Neuron(kind, p, n)
            return [m.step(x) for x in xs]
        cases[kind] = single(node, [n], [n], ref, spiking=kind in ("LIF", "IF", "CubaLIF"))
    return cases


CASES = build_cases()


def merge_cases():
    """Graphs whose nodes join: Skip (three kinds), Concat, ChannelSplit, and a chain Affine -> LIF."""
    rng = np.random.default_rng(99)
    out = {}
    for kind, f in (("residual", lambda a, b: a + b), ("concatenate", lambda a, b: np.concatenate([a, b])), ("passthrough", lambda a, b: a)):
        s1, s2 = grid(rng, 4), grid(rng, 4)
        n_out = 8 if kind == "concatenate" else 4
        g = ir.Graph(nodes={"in": ir.Input(np.array([4])), "a": ir.Scale(scale=s1), "b": ir.Scale(scale=s2), "skip": ir.Skip(skip_type=kind),
                            "out": ir.Output(np.array([n_out]))},
                     edges=[("in", "a"), ("in", "b"), ("a", "skip"), ("b", "skip"), ("skip", "out")])
        out["Skip_" + kind] = (g, stateless(lambda x, s1=s1, s2=s2, f=f: f(x * s1, x * s2)), False)
    g = ir.Graph(nodes={"in": ir.Input(np.array([5])), "split": ir.ChannelSplit(split_sections=[2, 3], input_type={"input": np.array([5])}),
                        "a": ir.Scale(scale=np.array([2, 3], np.float32)), "b": ir.Scale(scale=np.array([-1, 1, 4], np.float32)),
                        "cat": ir.Concat(num_inputs=2, dim=0), "out": ir.Output(np.array([5]))},
                 edges=[("in", "split"), ("split", "a"), ("split", "b"), ("a", "cat"), ("b", "cat"), ("cat", "out")])
    out["ChannelSplit_Concat"] = (g, stateless(lambda x: np.concatenate([x[:2] * [2, 3], x[2:] * [-1, 1, 4]])), False)
    w = grid(rng, 6, 5)
    p = dict(tau=np.full(6, 4, np.float32), r=np.full(6, 2, np.float32), v_leak=np.zeros(6, np.float32), v_threshold=np.full(6, 0.5, np.float32))
    g = ir.Graph(nodes={"in": ir.Input(np.array([5])), "fc": ir.Affine(weight=w, bias=np.zeros(6, np.float32)), "lif": ir.LIF(**p),
                        "out": ir.Output(np.array([6]))}, edges=[("in", "fc"), ("fc", "lif"), ("lif", "out")])

    def chain(xs):
        m = Neuron("LIF", p, 6)
        return [m.step((w.astype(np.float64) @ x).astype(np.float32)) for x in xs]
    out["Affine_LIF"] = (g, chain, True)
    return out


CASES.update(merge_cases())


def _inputs(g, rng, spiking=False):
    shape = [int(s) for s in next(iter(g.nodes["in"].input_type.values()))]
    x = grid(rng, STEPS, *shape, scale=2.0)
    return np.abs(x) if spiking else x  # neurons get a drive that makes them fire


@pytest.mark.parametrize("name", sorted(CASES))
def test_primitive_against_numpy(name):
    g, ref, spiking = CASES[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    xs = _inputs(g, rng, spiking)
    sim = CPU.simulate(g, {"in": xs}, n_steps=STEPS, step_by_step=True)
    want = ref(list(xs))
    node = "skip" if name.startswith("Skip") else "cat" if name == "ChannelSplit_Concat" else "lif" if name == "Affine_LIF" else "n"
    for t in range(STEPS):
        got = sim.node_states[t][node]
        assert got.shape == np.asarray(want[t]).shape, (name, t, got.shape)
        if spiking:
            assert np.array_equal(got, want[t]), (name, t)
        else:
            np.testing.assert_allclose(got, want[t], rtol=RTOL, atol=ATOL, err_msg=f"{name} step {t}")
    if spiking:
        assert sum(sim.spike_counts.values()) == int(sum(np.sum(w) for w in want)) > 0
    np.testing.assert_allclose(sim.outputs["out"], want[-1], rtol=RTOL, atol=ATOL)


def test_every_computed_primitive_is_covered():
    # Built-in primitives only: a user primitive registered by another test (test_ir's GainLIF) runs
    # its base's kernel and is covered through that base.
    computed = {p for p in CPU.get_capabilities().supported_primitives
                if ir.str_to_node(p).__module__ == ir.__name__} - {"Input", "Output"}
    covered = {k.split("_")[0] for k in CASES} | {"ChannelSplit", "Concat", "Skip"}
    assert computed - covered == set()


@pytest.mark.parametrize("name", ["Affine_LIF", "Conv2d_strided", "CubaLIF"])
def test_batch_matches_single_runs(name):
    g, _, _ = CASES[name]
    rng = np.random.default_rng(5)
    xs = np.stack([_inputs(g, rng) for _ in range(5)])
    batched = CPU.simulate(g, {"in": xs}, n_steps=STEPS)
    assert batched.batch == 5 and batched.outputs["out"].shape[0] == 5
    total = 0
    for b in range(5):
        one = CPU.simulate(g, {"in": xs[b]}, n_steps=STEPS)
        np.testing.assert_array_equal(batched.outputs["out"][b], one.outputs["out"])
        total += sum(one.spike_counts.values())
    assert sum(batched.spike_counts.values()) == total


def test_recurrent_graph_uses_the_documented_delay():
    # in -> fc_in -> lif -> fc_rec -> lif (feedback): the feedback term is the previous step's fc_rec.
    w_in = np.eye(3, dtype=np.float32)
    w_rec = np.full((3, 3), 0.25, np.float32)
    p = dict(tau=np.full(3, 2, np.float32), r=np.full(3, 2, np.float32), v_leak=np.zeros(3, np.float32), v_threshold=np.full(3, 0.75, np.float32))
    g = ir.Graph(nodes={"in": ir.Input(np.array([3])), "fc_in": ir.Affine(weight=w_in, bias=np.zeros(3, np.float32)), "lif": ir.LIF(**p),
                        "fc_rec": ir.Affine(weight=w_rec, bias=np.zeros(3, np.float32)), "out": ir.Output(np.array([3]))},
                 edges=[("in", "fc_in"), ("fc_in", "lif"), ("lif", "fc_rec"), ("fc_rec", "lif"), ("lif", "out")], allow_cycles=True)
    xs = np.array([[1, 0, 0.5]] * 8, np.float32)
    sim = CPU.simulate(g, {"in": xs}, n_steps=8, step_by_step=True)
    m = Neuron("LIF", p, 3)
    prev = np.zeros(3, np.float32)
    for t in range(8):
        s = m.step(xs[t] + prev)
        prev = (w_rec @ s).astype(np.float32)
        assert np.array_equal(sim.node_states[t]["lif"], s), t


@pytest.mark.parametrize("precision,limit", [("int8", 127), ("int16", 32767), ("int4", 7)])
def test_integer_precisions_saturate(precision, limit):
    g = ir.Graph(nodes={"in": ir.Input(np.array([2])), "n": ir.Scale(scale=np.array([1000, -1000], np.float32)), "out": ir.Output(np.array([2]))},
                 edges=[("in", "n"), ("n", "out")])
    sim = CPU.simulate(g, {"in": np.array([100, 100], np.float32)}, precision=precision)
    assert sim.outputs["out"].tolist() == [limit, -limit]
    assert CPU.simulate(g, {"in": np.array([100, 100], np.float32)}).outputs["out"].tolist() == [100000, -100000]
    with pytest.raises(celesta_errors()):
        CPU.simulate(g, {"in": np.array([1, 1], np.float32)}, precision="int3")


def celesta_errors():
    import celesta
    return celesta.CelestaError
