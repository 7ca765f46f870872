"""Every layer kind in torch computes what NumPy computes: outputs, ∂L/∂x and ∂L/∂θ, float64 and float32."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import groupcore as gc
from groupcore import nn

torch = pytest.importorskip("torch")
from groupcore.torch import to_torch

from .conftest import RTOL, assert_close, leaf_pairs

C4, D4, D1, C8, S3, Q8 = gc.cyclic(4), gc.dihedral(4), gc.dihedral(1), gc.cyclic(8), gc.symmetric(3), gc.quaternion()
O24 = gc.octahedral()
FRAMES = ("regular", "diagonal")

Case = Callable[[], tuple[nn.Layer, tuple[int, ...]]]
CASES: dict[str, Case] = {}

for frame in FRAMES:
    CASES[f"lifting1d-D1-{frame}"] = lambda f=frame: (nn.LiftingConv1d(D1, 2, 3, 3, frame=f, padding=1, seed=0),
                                                      (2, 2, 9))
    CASES[f"group1d-D1-{frame}"] = lambda f=frame: (nn.GroupConv1d(D1, 2, 3, 3, frame=f, seed=0), (2, 2, 2, 9))
    for G in (C4, D4, C8):
        CASES[f"lifting2d-{G.name}-{frame}"] = lambda G=G, f=frame: (
            nn.LiftingConv2d(G, 2, 3, 3, frame=f, padding=1, seed=0), (2, 2, 7, 7))
        CASES[f"group2d-{G.name}-{frame}"] = lambda G=G, f=frame: (
            nn.GroupConv2d(G, 2, 3, 3, frame=f, seed=0), (2, 2, G.order, 7, 7))
    CASES[f"lifting3d-O-{frame}"] = lambda f=frame: (nn.LiftingConv3d(O24, 1, 2, 3, frame=f, seed=0), (1, 1, 4, 4, 4))
    CASES[f"group3d-O-{frame}"] = lambda f=frame: (nn.GroupConv3d(O24, 1, 2, 3, frame=f, padding=1, seed=0),
                                                   (1, 1, 24, 4, 4, 4))
for G in (S3, Q8):
    CASES[f"group2d-{G.name}-regular"] = lambda G=G: (nn.GroupConv2d(G, 2, 2, 3, frame="regular", bias=False, seed=0),
                                                      (2, 2, G.order, 5, 5))
CASES.update({
    "lifting-dense-S3": lambda: (nn.LiftingDense(gc.Action.natural(S3), 2, 3, seed=0), (2, 2, 3)),
    "lifting-dense-grid": lambda: (nn.LiftingDense(gc.Action.on_grid(C4, (3, 3)), 1, 2, seed=0), (2, 1, 3, 3)),
    "lifted-dense-C4": lambda: (nn.LiftedDense(C4, 3, 2, seed=0), (2, 3, 4)),
    "conv1d": lambda: (nn.Conv1d(2, 3, 3, padding=1, seed=0), (2, 2, 6)),
    "conv2d": lambda: (nn.Conv2d(2, 3, 3, seed=0), (2, 2, 6, 6)),
    "conv3d": lambda: (nn.Conv3d(1, 2, 3, bias=False, seed=0), (1, 1, 4, 4, 4)),
    "dense": lambda: (nn.Dense(6, 4, seed=0), (3, 6)),
    "maxpool1d": lambda: (nn.MaxPool1d(2), (2, 2, 2, 8)),
    "maxpool2d-padded": lambda: (nn.MaxPool2d(3, 1, padding=1), (2, 2, 4, 6, 6)),
    "avgpool2d-padded": lambda: (nn.AvgPool2d(2, padding=1), (2, 2, 4, 6, 6)),
    "maxpool3d": lambda: (nn.MaxPool3d(2), (1, 2, 24, 4, 4, 4)),
    "avgpool3d-image": lambda: (nn.AvgPool3d(2), (1, 2, 4, 4, 4)),
    "grouppool-max": lambda: (nn.GroupPool("max"), (2, 3, 4, 5, 5)),
    "grouppool-mean": lambda: (nn.GroupPool("mean"), (2, 3, 4, 5, 5)),
    "batchnorm-train": lambda: (nn.GroupBatchNorm(3), (4, 3, 4, 5, 5)),
    "batchnorm-eval": lambda: (nn.GroupBatchNorm(3).eval(), (4, 3, 4, 5, 5)),
    "flatten": lambda: (nn.Flatten(), (2, 3, 4, 5)),
    "flatten-keep-group": lambda: (nn.Flatten(keep_group=True), (2, 3, 4, 2, 2)),
    "joint-readout": lambda: (nn.JointReadout(), (2, 3, 4)),
    "relu": lambda: (nn.ReLU(), (2, 3, 4)),
    "leaky-relu": lambda: (nn.LeakyReLU(0.2), (2, 3, 4)),
    "tanh": lambda: (nn.Tanh(), (2, 3, 4)),
    "sigmoid": lambda: (nn.Sigmoid(), (2, 3, 4)),
    "dropout-eval": lambda: (nn.Dropout(0.5).eval(), (2, 3, 4)),
    "lift-layer-regular": lambda: (nn.lift_layer(nn.Conv2d(1, 2, 3, seed=0), C4, gc.GridAction(C4)), (2, 1, 6, 6)),
    "lift-layer-diagonal": lambda: (nn.lift_layer(nn.Sequential(nn.Conv2d(1, 2, 3, seed=0), nn.ReLU()), D4,
                                                  gc.GridAction(D4), gc.GridAction(D4)), (2, 1, 6, 6)),
    "p4cnn-C4-joint-bn": lambda: (nn.p4cnn(C4, channels=2, input_size=22, batch_norm=True, readout="joint", seed=0),
                                  (3, 1, 22, 22)),
    "p4cnn-D4-regular": lambda: (nn.p4cnn(D4, frame="regular", channels=2, input_size=22, seed=0), (2, 1, 22, 22)),
    "p4cnn-C8-regular": lambda: (nn.p4cnn(C8, frame="regular", channels=1, input_size=22, seed=0), (2, 1, 22, 22)),
    "gcnn3d-O": lambda: (nn.gcnn3d(O24, channels=1, input_size=4, seed=0), (2, 1, 4, 4, 4)),
})


def cast(layer: nn.Layer, dtype: str) -> nn.Layer:
    """``layer.to(dtype=dtype)``; a ``LiftLayer`` is rebuilt around its cast map (its ``to`` keeps the map's dtype)."""
    if isinstance(layer, nn.LiftLayer):
        return nn.lift_layer(layer.f_tilde.to(dtype=dtype), layer.group, layer.action, layer.output_action)
    return layer.to(dtype=dtype)


def run_both(layer: nn.Layer, shape: tuple[int, ...], dtype: str) -> tuple[nn.Layer, Any, dict[str, Any]]:
    """Forward and backward of ``sum(r · f(x))`` in NumPy and in torch; returns the model, module and results."""
    rng = np.random.default_rng(0)
    model = cast(layer, dtype)
    module = to_torch(model)
    x = rng.standard_normal(shape).astype(dtype)
    xt = torch.from_numpy(x.copy()).requires_grad_()
    y = model.forward(x)
    yt = module(xt)
    r = rng.standard_normal(y.shape).astype(dtype)
    gx = model.backward(r)
    (yt * torch.from_numpy(r)).sum().backward()
    # LiftingDense on a grid returns ∂L/∂x flattened to (B, C, |X|): compare values, not that layout
    return model, module, {"y": (yt, y), "gx": (xt.grad, np.reshape(gx, shape))}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", list(CASES))
def test_outputs_and_gradients_equal_numpy(case: str, dtype: str) -> None:
    layer, shape = CASES[case]()
    model, module, out = run_both(layer, shape, dtype)
    rtol = RTOL[dtype]
    assert_close(*out["y"], rtol, "output")
    assert_close(*out["gx"], rtol, "input gradient")
    assert out["y"][0].dtype == getattr(torch, dtype)
    checked = 0
    # a bias before batch norm has a zero gradient up to rounding: measure errors against the largest gradient
    grads = [g for leaf in model.leaves() for g in leaf.grads.values()]
    scale = max(float(np.abs(g).max()) for g in grads) if model.num_params else 0
    for leaf, sub in leaf_pairs(model, module):
        for name, grad in leaf.grads.items():
            assert_close(getattr(sub, name).grad, grad, rtol, f"{type(leaf).__name__}.{name} gradient", scale)
            checked += 1
        for name, buffer in leaf.buffers.items():
            assert_close(getattr(sub, name), buffer, rtol, f"{type(leaf).__name__}.{name} buffer")
    assert checked == sum(len(leaf.params) for leaf in model.leaves())


def test_parameters_and_buffers_are_the_layers() -> None:
    layer = nn.LiftingConv2d(C8, 2, 3, 3, frame="diagonal", seed=0)
    module = to_torch(layer)
    assert [name for name, _ in module.named_parameters()] == ["theta", "bias"]
    assert sorted(name for name, _ in module.named_buffers()) == ["coef", "index"]
    assert np.array_equal(module.index.numpy(), layer.index)
    assert np.array_equal(module.coef.numpy(), layer.coef.astype(np.float32))
    assert np.array_equal(module.theta.detach().numpy(), layer.params["theta"])
    assert sum(p.numel() for p in module.parameters()) == layer.num_params


def test_model_actions_and_mode_are_kept() -> None:
    net = nn.p4cnn(D4, channels=2, input_size=22, batch_norm=True).eval()
    module = to_torch(net)
    assert module.in_action == net.in_action and module.out_action == net.out_action
    assert module[0].in_action == net[0].in_action
    assert not module.training and not module[1].training


def test_flatten_keeping_the_group_refuses_a_moved_grid_in_torch_too():
    """Diagonal frame: the NumPy model and its torch module refuse a grid G still moves; one point passes."""
    net = nn.Sequential(nn.LiftingConv2d(C4, 1, 2, 3, frame="diagonal", seed=0), nn.Flatten(keep_group=True))
    module = to_torch(net)
    assert net[1].needs_single_point and module[1].single_point
    x = np.zeros((1, 1, 5, 5), np.float32)
    for run in (lambda: net(x), lambda: module(torch.from_numpy(x))):
        with pytest.raises(ValueError, match="Flatten\\(keep_group=True\\) gets a 3x3 grid on which G acts"):
            run()
    assert tuple(module(torch.zeros(1, 1, 3, 3)).shape) == (1, 2, 4)
    regular = nn.Sequential(nn.LiftingConv2d(C4, 1, 2, 3, frame="regular", seed=0), nn.Flatten(keep_group=True))
    assert not to_torch(regular)[1].single_point
