"""to_torch and from_torch: state_dict round trips, θ back to groupcore, clear errors, CUDA tensors."""

from __future__ import annotations

import io

import numpy as np
import pytest

import groupcore as gc
from groupcore import nn

torch = pytest.importorskip("torch")
from groupcore.torch import export, from_torch, to_torch

from .conftest import RTOL, assert_close

C4, D4, C8 = gc.cyclic(4), gc.dihedral(4), gc.cyclic(8)


def net(seed: int = 0, **options) -> nn.Sequential:
    return nn.p4cnn(D4, channels=2, input_size=22, batch_norm=True, seed=seed, **options)


def steps(module, count: int = 3) -> None:
    """A few SGD steps on random data (training mode: batch norm statistics move too)."""
    gen = torch.Generator().manual_seed(0)
    opt = torch.optim.SGD(module.parameters(), lr=0.05, momentum=0.9)
    for _ in range(count):
        x = torch.randn(4, 1, 22, 22, generator=gen, dtype=next(module.parameters()).dtype)
        loss = torch.nn.functional.cross_entropy(module(x), torch.arange(4))
        opt.zero_grad()
        loss.backward()
        opt.step()


def test_state_dict_round_trips_through_a_file() -> None:
    module = to_torch(net(seed=0))
    steps(module)
    buffer = io.BytesIO()
    torch.save(module.state_dict(), buffer)
    other = to_torch(net(seed=1))
    other.load_state_dict(torch.load(io.BytesIO(buffer.getvalue())))
    x = torch.randn(3, 1, 22, 22)
    assert torch.equal(other.eval()(x), module.eval()(x))
    keys = module.state_dict().keys()
    assert {"0.theta", "0.bias", "0.index", "1.running_var"} <= set(keys)


@pytest.mark.parametrize("frame, readout", [("diagonal", "invariant"), ("regular", "joint")])
def test_from_torch_returns_the_trained_model(tmp_path, frame: str, readout: str) -> None:
    module = to_torch(net(frame=frame, readout=readout))
    steps(module)
    model = from_torch(module.eval())
    assert not model.training
    for leaf, sub in zip(model.leaves(), [m for m in module.modules() if not list(m.children())], strict=True):
        for name, value in {**leaf.params, **leaf.buffers}.items():
            assert np.array_equal(value, getattr(sub, name).detach().numpy()), name
    x = np.random.default_rng(0).standard_normal((3, 1, 22, 22)).astype(np.float32)
    with torch.no_grad():
        assert_close(model.predict(x), module(torch.from_numpy(x)), RTOL["float32"])
    model.save(tmp_path / "trained.npz")
    assert np.array_equal(nn.load(tmp_path / "trained.npz").predict(x), model.predict(x))


def test_from_torch_keeps_float64_and_looks_through_data_parallel() -> None:
    module = to_torch(nn.Sequential(nn.LiftingConv2d(C8, 1, 2, 3, seed=0), nn.GroupPool("mean"))).double()
    model = from_torch(torch.nn.DataParallel(module))
    assert model[0].params["theta"].dtype == np.float64
    x = np.random.default_rng(0).standard_normal((2, 1, 7, 7))
    assert_close(model.predict(x), module(torch.from_numpy(x)), RTOL["float64"])


def test_models_on_other_backends_convert_from_the_host() -> None:
    from groupcore import backends
    model = net(seed=0).eval()
    module = to_torch(model.to(backends.get("array_api_strict")))
    x = np.random.default_rng(0).standard_normal((2, 1, 22, 22)).astype(np.float32)
    assert_close(module(torch.from_numpy(x)), model.predict(x), RTOL["float32"])
    assert isinstance(module[0].theta.data, torch.Tensor) and module[0].theta.device.type == "cpu"


def test_unsupported_layers_are_named() -> None:
    blackbox = nn.Sequential(nn.ReLU(), nn.lift_layer(lambda x: x, C4, gc.GridAction(C4)))
    with pytest.raises(TypeError, match=r"model\[1\] \(LiftLayer\) lifts a plain callable"):
        to_torch(blackbox)

    class Double(nn.ReLU):
        def forward(self, x):
            return 2 * x

    with pytest.raises(TypeError, match=r"model\[0\] is a Double, which groupcore.torch cannot convert"):
        to_torch(nn.Sequential(Double()))
    interpolated = nn.lift_layer(nn.Conv2d(1, 1, 3), C8, gc.GridAction(C8))
    with pytest.raises(ValueError, match=r"model \(LiftLayer\): the lift in torch needs exact actions"):
        to_torch(interpolated)
    with pytest.raises(TypeError, match="takes a groupcore.nn layer"):
        to_torch(torch.nn.ReLU())


def test_from_torch_refuses_modules_it_cannot_rebuild() -> None:
    with pytest.raises(TypeError, match="not made by groupcore.torch.to_torch"):
        from_torch(torch.nn.ReLU())
    with pytest.raises(TypeError, match="not made by groupcore.torch.to_torch"):
        from_torch(export(to_torch(net())))
    module = to_torch(net())
    del module[0].theta
    with pytest.raises(ValueError, match=r"module\[0\] has no tensor 'theta'"):
        from_torch(module)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_tensors() -> None:
    module = to_torch(net(frame="regular").to(dtype="float64"))
    x = torch.randn(3, 1, 22, 22, dtype=torch.float64)
    cpu = module(x)
    cpu.sum().backward()
    gpu_module = to_torch(net(frame="regular").to(dtype="float64")).cuda()
    gpu = gpu_module(x.cuda())
    gpu.sum().backward()
    assert_close(gpu, cpu.detach().numpy(), RTOL["float64"])
    assert_close(gpu_module[0].theta.grad, module[0].theta.grad.numpy(), RTOL["float64"])
    from groupcore.proofs import assert_equivariant
    with torch.no_grad():
        assert_equivariant(gpu_module.eval(), inputs=[x.cuda()])
    assert from_torch(gpu_module)[0].params["theta"].dtype == np.float64
