"""Equivariance, exhaustive over G, of every layer and of whole networks (C4, D4; both frames).

Exact groups: float64 within 1e-12 and float32 within 1e-5 relative (``assert_equivariant``'s
dtype-aware defaults). C8 through interpolated rotations is measured and reported, never
asserted exact; only its elements that are multiples of 90° are exact pixel permutations.
"""

from __future__ import annotations

import numpy as np
import pytest

import groupcore as gc
from groupcore import nn
from groupcore.defect import smooth_images
from groupcore.proofs import assert_equivariant, equivariance_error

DTYPES = ["float64", "float32"]
rng = np.random.default_rng(3)


def data(*shape: int, dtype: str = "float64") -> np.ndarray:
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_lifting_conv(exact_group, frame, dtype):
    G = exact_group
    for padding in (0, 1):
        layer = nn.LiftingConv2d(G, 2, 3, 3, frame=frame, padding=padding, seed=0).to(dtype=dtype)
        assert_equivariant(layer, gc.GridAction(G), nn.frame_action(G, frame), [data(2, 2, 7, 7, dtype=dtype)])


@pytest.mark.parametrize("dtype", DTYPES)
def test_group_conv(exact_group, frame, dtype):
    G = exact_group
    act = nn.frame_action(G, frame)
    for k, padding in ((3, 1), (2, 0)):
        layer = nn.GroupConv2d(G, 2, 3, k, frame=frame, padding=padding, seed=0).to(dtype=dtype)
        assert_equivariant(layer, act, act, [data(2, 2, G.order, 6, 6, dtype=dtype)])


@pytest.mark.parametrize("dtype", DTYPES)
def test_pointwise_norm_pool_layers(exact_group, frame, dtype, trivial):
    G = exact_group
    act = nn.frame_action(G, frame)
    x = data(4, 3, G.order, 6, 6, dtype=dtype)
    for layer in (nn.ReLU(), nn.LeakyReLU(0.2), nn.Tanh(), nn.Sigmoid(), nn.GroupBatchNorm(3),
                  nn.GroupBatchNorm(3).eval(), nn.MaxPool2d(2, frame=frame), nn.AvgPool2d(3, 3, padding=0),
                  nn.MaxPool2d(3, 1, padding=1), nn.Dropout(0.5).eval()):
        assert_equivariant(layer.to(dtype=dtype), act, act, [x])
    pooled = gc.GridAction(G) if frame == "diagonal" else trivial(G)
    for mode in ("max", "mean"):
        assert_equivariant(nn.GroupPool(mode), act, pooled, [x])


@pytest.mark.parametrize("dtype", DTYPES)
def test_lifted_dense_and_readouts(exact_group, dtype, trivial, joint_action):
    G = exact_group
    act = gc.MapAction(G)
    x = data(3, 4, G.order, dtype=dtype)
    assert_equivariant(nn.LiftedDense(G, 4, 5, seed=0).to(dtype=dtype), act, act, [x])
    assert_equivariant(nn.JointReadout(), act, joint_action(G, 4), [x])
    assert_equivariant(nn.GroupPool("max"), act, trivial(G), [x])
    assert_equivariant(nn.Flatten(keep_group=True), act, act, [data(3, 4, G.order, 1, 1, dtype=dtype)])


def test_regular_frame_pools_any_geometry(exact_group):
    """G permutes only the G axis of a regular-frame map, so a 'breaking' geometry is exact there."""
    G = exact_group
    act = nn.frame_action(G, "regular")
    assert_equivariant(nn.MaxPool2d(2, frame="regular"), act, act, [data(2, 2, G.order, 7, 7)])


def small_net(G: gc.Group, frame: str, readout: str = "invariant") -> nn.Sequential:
    return nn.p4cnn(G, frame=frame, channels=3, input_size=22, batch_norm=True, readout=readout, seed=1)


@pytest.mark.parametrize("dtype", DTYPES)
def test_whole_networks(exact_group, frame, dtype, trivial, joint_action):
    G = exact_group
    x = data(3, 1, 22, 22, dtype=dtype)
    inv = small_net(G, frame).to(dtype=dtype).eval()
    assert_equivariant(inv, gc.GridAction(G), trivial(G), [x])
    joint = small_net(G, frame, "joint").to(dtype=dtype).eval()
    assert_equivariant(joint, gc.GridAction(G), joint_action(G, 10), [x])
    hidden = nn.Sequential(*joint.layers[:-2])
    assert_equivariant(hidden, gc.GridAction(G), nn.frame_action(G, frame), [x])


@pytest.mark.parametrize("frame_", nn.FRAMES)
def test_interpolated_c8_measured(frame_, record_property):
    """C8: exact on its 90° elements; the 45° elements' error is measured and reported only."""
    C8 = gc.cyclic(8)
    net = nn.Sequential(nn.LiftingConv2d(C8, 1, 4, 3, frame=frame_, seed=0), nn.ReLU(),
                        nn.GroupConv2d(C8, 4, 4, 3, frame=frame_, seed=1)).to(dtype="float64")
    x = smooth_images((15, 15), count=2, sigma=2.0, seed=0)[:, None]
    err = equivariance_error(net, gc.GridAction(C8), nn.frame_action(C8, frame_), [x])
    record_property("c8_rel_error_per_element", err["rel"].tolist())
    assert np.all(err["rel"][::2] < 1e-12)
    assert np.all(np.isfinite(err["rel"])) and np.all(err["rel"][1::2] > 0)
