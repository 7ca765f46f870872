"""export: expanded weights only, same outputs, runs under torch.export and torch.jit.trace, still equivariant."""

from __future__ import annotations

import warnings

import pytest

import groupcore as gc
from groupcore import nn
from groupcore.proofs import assert_equivariant

torch = pytest.importorskip("torch")
from groupcore.torch import ExpandedConv, ExpandedDense, export, to_torch

from .conftest import RTOL, assert_close

C4, D4, C8 = gc.cyclic(4), gc.dihedral(4), gc.cyclic(8)
MODELS = {
    "p4cnn-C4-diagonal-bn": lambda: nn.p4cnn(C4, channels=2, input_size=22, batch_norm=True, seed=0),
    "p4cnn-D4-regular-joint": lambda: nn.p4cnn(D4, frame="regular", channels=2, input_size=22, readout="joint",
                                               seed=0),
    "dense-readout": lambda: nn.Sequential(nn.LiftingConv2d(C4, 1, 2, 3, seed=0), nn.ReLU(),
                                           nn.GroupConv2d(C4, 2, 2, 5, seed=1), nn.Flatten(keep_group=True),
                                           nn.LiftedDense(C4, 2, 3, seed=2), nn.JointReadout()),
    "lift-layer": lambda: nn.Sequential(nn.lift_layer(nn.Conv2d(1, 2, 3, seed=0), C4, gc.GridAction(C4)),
                                        nn.GroupPool("max"), nn.Flatten()),
}


def side(name: str) -> tuple[int, int]:
    return (7, 7) if name == "dense-readout" else (22, 22)


def trained(name: str) -> torch.nn.Module:
    module = to_torch(MODELS[name]()).double()
    with torch.no_grad():                  # move θ off its initial values, batch-norm statistics too
        for p in module.parameters():
            p.add_(0.1 * torch.randn_like(p))
        module(torch.randn((8, 1) + side(name), dtype=torch.float64))
    return module.eval()


@pytest.mark.parametrize("name", list(MODELS))
def test_exported_module_equals_the_module_and_stays_equivariant(name: str) -> None:
    module = trained(name)
    deployed = export(module)
    x = torch.randn((3, 1) + side(name), dtype=torch.float64)
    with torch.no_grad():
        assert_close(deployed(x), module(x), RTOL["float64"])
        assert_equivariant(deployed, inputs=[x])
    assert not any(key.endswith(("theta", "index", "coef")) for key in deployed.state_dict())
    assert not any(p.requires_grad for p in deployed.parameters())
    assert not deployed.training and all(p.requires_grad for p in module.parameters())
    if name != "lift-layer":
        assert isinstance(deployed[0], ExpandedConv)
    if name == "dense-readout":
        assert isinstance(deployed[4], ExpandedDense)


@pytest.mark.parametrize("name", list(MODELS))
def test_exported_module_runs_under_torch_export_and_jit_trace(name: str) -> None:
    deployed = export(trained(name))
    x = torch.randn((2, 1) + side(name), dtype=torch.float64)
    program = torch.export.export(deployed, (x,)).module()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)      # constants: the gathers of one grid
        warnings.simplefilter("ignore", DeprecationWarning)            # torch 2.9+ deprecates jit.trace
        traced = torch.jit.trace(deployed, x)
    y = torch.randn((2, 1) + side(name), dtype=torch.float64)
    expected = deployed(y)
    assert_close(program(y), expected, RTOL["float64"])
    assert_close(traced(y), expected, RTOL["float64"])
    assert_equivariant(traced, deployed.in_action, deployed.out_action, inputs=[y])
    assert_equivariant(program, deployed.in_action, deployed.out_action, inputs=[y])


def test_interpolated_layers_export_with_their_copies() -> None:
    """C8's regular lifting convolves interpolated input copies: the exported module keeps that gather."""
    module = to_torch(nn.p4cnn(C8, frame="regular", channels=1, input_size=22, seed=0)).eval()
    deployed = export(module)
    x = torch.randn(2, 1, 22, 22)
    with torch.no_grad():
        assert_close(deployed(x), module(x), RTOL["float32"])
    program = torch.export.export(deployed, (x,)).module()
    assert_close(program(x), deployed(x), RTOL["float32"])
    assert deployed[0].transforms_input
