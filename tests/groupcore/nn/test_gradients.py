"""Backward passes against central finite differences, float64, every layer and a 4-layer model."""

from __future__ import annotations

import numpy as np
import pytest

import groupcore as gc
from groupcore import nn

TOL = 1e-6
rng = np.random.default_rng(1)


def f64(layer: nn.Layer) -> nn.Layer:
    return layer.to(dtype="float64")


def image(*shape: int) -> np.ndarray:
    return rng.standard_normal(shape)


@pytest.mark.parametrize("padding", [0, 1])
def test_lifted_convolutions(exact_group, frame, padding, fd_error):
    G, n = exact_group, exact_group.order
    lift = f64(nn.LiftingConv2d(G, 2, 3, 3, frame=frame, padding=padding, seed=0))
    assert fd_error(lift, image(2, 2, 6, 6)) < TOL
    conv = f64(nn.GroupConv2d(G, 2, 3, 3, frame=frame, padding=padding, seed=1))
    assert fd_error(conv, image(2, 2, n, 5, 5)) < TOL


@pytest.mark.parametrize("frame_", nn.FRAMES)
def test_interpolated_convolutions(frame_, fd_error):
    C8 = gc.cyclic(8)
    assert fd_error(f64(nn.LiftingConv2d(C8, 1, 2, 3, frame=frame_, seed=0)), image(2, 1, 7, 7)) < TOL
    assert fd_error(f64(nn.GroupConv2d(C8, 2, 2, 3, frame=frame_, seed=1)), image(2, 2, 8, 5, 5)) < TOL


@pytest.mark.parametrize("make, shape", [
    (lambda G: nn.Conv2d(2, 3, 3, padding=1, seed=0), (2, 2, 5, 5)),
    (lambda G: nn.Dense(6, 4, seed=0), (3, 6)),
    (lambda G: nn.LiftedDense(G, 3, 2, seed=0), (3, 3, None)),
    (lambda G: nn.GroupPool("max"), (2, 3, None, 2, 2)),
    (lambda G: nn.GroupPool("mean"), (2, 3, None, 2, 2)),
    (lambda G: nn.MaxPool2d(2), (2, 2, None, 6, 6)),
    (lambda G: nn.MaxPool2d(3, 2, padding=1), (2, 2, 7, 7)),
    (lambda G: nn.AvgPool2d(2, padding=1), (2, 2, None, 4, 4)),
    (lambda G: nn.GroupBatchNorm(3), (4, 3, None, 2, 2)),
    (lambda G: nn.GroupBatchNorm(3).eval(), (4, 3, None, 2, 2)),
    (lambda G: nn.ReLU(), (2, 3, 4)),
    (lambda G: nn.LeakyReLU(0.1), (2, 3, 4)),
    (lambda G: nn.Tanh(), (2, 3, 4)),
    (lambda G: nn.Sigmoid(), (2, 3, 4)),
    (lambda G: nn.Flatten(), (2, 3, None, 2, 2)),
    (lambda G: nn.Flatten(keep_group=True), (2, 3, None, 2, 2)),
    (lambda G: nn.JointReadout(), (2, 3, None)),
], ids=["conv2d", "dense", "lifted_dense", "group_max", "group_mean", "maxpool", "maxpool_pad", "avgpool_pad",
        "batchnorm", "batchnorm_eval", "relu", "leaky", "tanh", "sigmoid", "flatten", "flatten_group", "joint"])
def test_layers(make, shape, fd_error):
    G = gc.dihedral(4)
    layer = f64(make(G))
    if isinstance(layer, nn.GroupBatchNorm) and not layer.training:
        layer.buffers["running_mean"] = rng.standard_normal(3)
        layer.buffers["running_var"] = rng.random(3) + 0.5
    x = image(*(G.order if s is None else s for s in shape))
    assert fd_error(layer, x) < TOL


def test_dropout(fd_error):
    layer = nn.Dropout(0.3, seed=0)

    def reset() -> None:
        layer._rng = np.random.default_rng(7)

    assert fd_error(layer, image(3, 4, 5), before=reset) < TOL


@pytest.mark.parametrize("output", [None, "spatial"])
def test_black_box_lift(exact_group, output, fd_error):
    G = exact_group
    act = gc.GridAction(G)
    layer = nn.lift_layer(f64(nn.Conv2d(1, 2, 3, seed=0)), G, act, act if output else None)
    assert fd_error(layer, image(2, 1, 5, 5)) < TOL


def test_four_layer_model(exact_group, frame, fd_error):
    G = exact_group
    net = f64(nn.Sequential(
        nn.LiftingConv2d(G, 1, 3, 3, frame=frame, seed=0), nn.ReLU(),
        nn.GroupConv2d(G, 3, 3, 3, frame=frame, padding=1, seed=1), nn.GroupBatchNorm(3), nn.Tanh(),
        nn.MaxPool2d(2, frame=frame),
        nn.GroupConv2d(G, 3, 2, 2, frame=frame, seed=2), nn.Flatten(keep_group=True),
        nn.LiftedDense(G, 2, 4, seed=3), nn.GroupPool("max")))
    assert fd_error(net, image(3, 1, 6, 6), samples=6) < TOL
