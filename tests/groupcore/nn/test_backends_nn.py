"""The same network gives the same outputs and gradients on every backend (float64, 1e-12)."""

from __future__ import annotations

import numpy as np
import pytest

import groupcore as gc
from groupcore import backends, nn

TOL = 1e-12


def network(G: gc.Group, frame: str) -> nn.Sequential:
    return nn.Sequential(
        nn.LiftingConv2d(G, 1, 3, 3, frame=frame, seed=0), nn.GroupBatchNorm(3), nn.ReLU(),
        nn.GroupConv2d(G, 3, 3, 3, frame=frame, padding=1, seed=1), nn.Tanh(),
        nn.MaxPool2d(2, frame=frame), nn.AvgPool2d(2, padding=1, allow_approximate=True),
        nn.GroupConv2d(G, 3, 2, 3, frame=frame, seed=2), nn.Flatten(keep_group=True),
        nn.LiftedDense(G, 2, 4, seed=3), nn.GroupPool("max"), nn.Dense(4, 3, seed=4)).to(dtype="float64")


@pytest.mark.parametrize("name", ["C4", "D4", "C8"])
@pytest.mark.parametrize("frame_", nn.FRAMES)
def test_outputs_and_gradients_agree(backend, name, frame_):
    G = {"C4": gc.cyclic(4), "D4": gc.dihedral(4), "C8": gc.cyclic(8)}[name]
    ref = network(G, frame_)
    net = ref.to(backend)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 1, 10, 10))
    gy = rng.standard_normal((2, 3))
    y_ref, gx_ref = ref(x), ref.backward(gy)
    xb = backend.asarray(x)
    y = net(xb)
    assert backends.namespace_of(y) is backend.xp
    gx = net.backward(backend.asarray(gy))
    assert np.abs(backend.to_numpy(y) - y_ref).max() < TOL
    assert np.abs(backend.to_numpy(gx) - gx_ref).max() < TOL
    for a, b in zip(net.leaves(), ref.leaves()):
        for k in b.grads:
            assert np.abs(backend.to_numpy(a.grads[k]) - b.grads[k]).max() < TOL


def test_training_step_runs_on_array_api_strict():
    be = backends.get("array_api_strict")
    net = network(gc.cyclic(4), "diagonal").to(be)
    before = be.to_numpy(net[0].params["theta"]).copy()
    x = np.random.default_rng(1).standard_normal((2, 1, 10, 10))
    loss, pred = net.train_step(x, np.array([0, 2]), nn.Adam(lr=0.1))
    assert np.isfinite(loss) and pred.shape == (2,)
    assert not np.array_equal(be.to_numpy(net[0].params["theta"]), before)
