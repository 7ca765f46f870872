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
    assert_same_on(backend, network(G, frame_), (2, 1, 10, 10))


def assert_same_on(backend, ref: nn.Sequential, shape: tuple[int, ...]) -> None:
    """Outputs, input gradients and parameter gradients on ``backend`` equal NumPy's (float64)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    net = ref.to(backend)
    y_ref = ref(x)
    gy = rng.standard_normal(y_ref.shape)
    gx_ref = ref.backward(gy)
    y = net(backend.asarray(x))
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


def _sequence_net() -> tuple[nn.Sequential, tuple[int, ...]]:
    D1 = gc.dihedral(1)
    return nn.Sequential(nn.LiftingConv1d(D1, 1, 3, 3, frame="diagonal", padding=1, seed=0), nn.ReLU(),
                         nn.MaxPool1d(2), nn.GroupConv1d(D1, 3, 2, 3, frame="diagonal", seed=1), nn.AvgPool1d(2),
                         nn.GroupPool("max"), nn.Flatten()), (2, 1, 12)


def _voxel_net() -> tuple[nn.Sequential, tuple[int, ...]]:
    O = gc.octahedral()
    return nn.Sequential(nn.LiftingConv3d(O, 1, 2, 3, frame="diagonal", padding=1, seed=0), nn.ReLU(),
                         nn.MaxPool3d(2), nn.GroupConv3d(O, 2, 2, 2, frame="diagonal", seed=1),
                         nn.GroupPool("mean"), nn.Flatten()), (2, 1, 4, 4, 4)


def _set_net() -> tuple[nn.Sequential, tuple[int, ...]]:
    S3 = gc.symmetric(3)
    return nn.Sequential(nn.LiftingDense(gc.Action.natural(S3), 2, 3, seed=0), nn.Tanh(),
                         nn.LiftedDense(S3, 3, 2, seed=1), nn.GroupPool("max")), (2, 2, 3)


@pytest.mark.parametrize("make", [_sequence_net, _voxel_net, _set_net], ids=["sequences", "voxels", "sets"])
def test_sequences_voxels_and_sets_agree_on_every_backend(backend, make):
    """The 1-d, 3-d and set layers run the one array-API code path: same outputs and gradients."""
    ref, shape = make()
    assert_same_on(backend, ref.to(dtype="float64"), shape)
