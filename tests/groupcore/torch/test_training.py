"""Equivariance by construction: after 50 torch optimizer steps the module is equivariant over every element."""

from __future__ import annotations

import pytest

import groupcore as gc
from groupcore import nn
from groupcore.proofs import assert_equivariant

torch = pytest.importorskip("torch")
from groupcore.torch import from_torch, to_torch

from .conftest import RTOL, assert_close

C4, D4, D1 = gc.cyclic(4), gc.dihedral(4), gc.dihedral(1)

NETS = {
    "C4-diagonal-bn": (lambda: nn.p4cnn(C4, channels=2, input_size=22, batch_norm=True, seed=0), (1, 22, 22)),
    "D4-regular-joint": (lambda: nn.p4cnn(D4, frame="regular", channels=2, input_size=22, readout="joint", seed=0),
                         (1, 22, 22)),
    "octahedral-voxels": (lambda: nn.gcnn3d(gc.octahedral(), channels=1, input_size=4, seed=0), (1, 4, 4, 4)),
    "D1-sequences": (lambda: nn.Sequential(nn.LiftingConv1d(D1, 1, 3, 3, frame="diagonal", seed=0), nn.ReLU(),
                                           nn.GroupConv1d(D1, 3, 3, 3, frame="diagonal", seed=1), nn.MaxPool1d(2),
                                           nn.ReLU(), nn.GroupConv1d(D1, 3, 4, 3, frame="diagonal", seed=2),
                                           nn.GroupPool("max"), nn.Flatten()), (1, 10)),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(NETS))
def test_still_equivariant_after_50_optimizer_steps(name: str, dtype: str) -> None:
    build, shape = NETS[name]
    module = to_torch(build().to(dtype=dtype))
    tdtype = getattr(torch, dtype)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn((16,) + shape, generator=gen, dtype=tdtype)
    with torch.no_grad():
        classes = module(x[:1]).shape[1]
    y = torch.randint(0, classes, (16,), generator=gen)
    opt = torch.optim.Adam(module.parameters(), lr=1e-2)
    theta0 = module[0].theta.detach().clone()
    for step in range(50):
        batch = slice(4 * (step % 4), 4 * (step % 4) + 4)
        opt.zero_grad()
        torch.nn.functional.cross_entropy(module(x[batch]), y[batch]).backward()
        opt.step()
    assert not torch.equal(module[0].theta, theta0)
    module.eval()
    with torch.no_grad():
        err = assert_equivariant(module, inputs=[x[:4]])           # every element, torch tensors
    assert err["elements"] == module.in_action.group.order and err["dtype"] == dtype
    model = from_torch(module)
    assert_equivariant(model, inputs=[x[:4].numpy()])
    with torch.no_grad():
        assert_close(model.predict(x[:4].numpy()), module(x[:4]), RTOL[dtype])
