"""assert_equivariant on PyTorch models and jitted JAX functions: correct ones pass, planted bugs fail.

Each framework's tests skip when it is not installed; CI installs both (CPU builds).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import groupcore as gc
from groupcore.proofs import assert_equivariant, equivariance_error, on_axes
from groupcore.proofs import strategies as gst


def _optional(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


torch = _optional("torch")
jax = _optional("jax")
jnp = _optional("jax.numpy")
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed (pip install 'groupcore[torch]')")
needs_jax = pytest.mark.skipif(jax is None, reason="JAX is not installed (pip install 'groupcore[jax]')")
if torch is not None:
    torch.set_num_threads(1)                  # as BLAS in conftest.py: small ops, busy machines

rng = np.random.default_rng(0)
FAILS = r"not equivariant under {}: element g=[1-9]\d* has max abs error"


def images(*shape: int) -> np.ndarray:
    return rng.standard_normal(shape).astype(np.float32)


def _image_case(name: str) -> tuple[gc.Group, gc.Action, gc.Action, int, np.ndarray]:
    """A group on 5×5 images: (G, act_in, act_out of the lift, axis_out, inputs (B, 1, 5, 5))."""
    G = {"C4": gc.cyclic(4), "D4": gc.dihedral(4)}[name]
    return G, gc.Action.on_grid(G, (5, 5)), gc.Action.regular(G), -1, images(2, 1, 5, 5)


def _set_case() -> tuple[gc.Group, Any, gc.Action, int, np.ndarray]:
    """S3 on sets of 3 points with 4 features: (G, act_in, act_out of the lift, axis_out, inputs (B, 3, 4))."""
    S3 = gc.symmetric(3)
    return S3, on_axes((gc.Action.natural(S3), -2)), gc.Action.regular(S3), -1, images(2, 3, 4)


def _case(name: str) -> tuple[gc.Group, Any, gc.Action, int, np.ndarray]:
    return _set_case() if name == "S3" else _image_case(name)


def _wrong_convention(F: Callable[[Any], Any], act: Any, stack: Callable[..., Any]) -> Callable[[Any], Any]:
    """The planted bug: F(g·x) stacked where the lift has F(g⁻¹·x); equivariant only if every g² = e."""
    return lambda x: stack([F(act.apply(g, x)) for g in range(act.group.order)], -1)


# ----------------------------------------------------------------------------------------- PyTorch
def _torch_model(name: str) -> Any:
    """A small non-equivariant torch network whose lift the tests check: a CNN, or an MLP on sets."""
    torch.manual_seed(0)
    nn = torch.nn
    if name == "S3":
        return nn.Sequential(nn.Flatten(), nn.Linear(12, 6), nn.Tanh(), nn.Linear(6, 2))
    return nn.Sequential(nn.Conv2d(1, 3, 3), nn.Tanh(), nn.Flatten(), nn.Linear(27, 2))


@needs_torch
@pytest.mark.parametrize("name", ["C4", "D4", "S3"])
def test_a_lifted_torch_model_passes_and_a_planted_bug_fails(name: str) -> None:
    G, act_in, act_out, axis_out, x = _case(name)
    model = _torch_model(name)
    inputs = [torch.as_tensor(x)]
    with torch.no_grad():
        lifted = gc.lift(model, act_in, axis=-1)                    # (B, 2, |G|)
        out = lifted(inputs[0])
        assert isinstance(out, torch.Tensor) and tuple(out.shape) == (2, 2, G.order)
        err = assert_equivariant(lifted, act_in, act_out, inputs, axis_out=axis_out)
        assert (err["dtype"], err["elements"], err["group"]) == ("float32", G.order, name)
        planted = _wrong_convention(model, act_in, lambda outs, axis: torch.stack(outs, axis))
        with pytest.raises(AssertionError, match=FAILS.format(name) + r".*rtol=1e-05, atol=0, dtype float32"):
            assert_equivariant(planted, act_in, act_out, inputs, axis_out=axis_out)


@needs_torch
@pytest.mark.parametrize("name", ["C4", "D4", "S3"])
def test_equivariant_torch_maps_pass_and_broken_ones_fail(name: str) -> None:
    _, act_in, _, _, x = _case(name)
    if name == "S3":                                                 # DeepSets: per point plus the set's mean
        good = lambda t: torch.tanh(t) + t.mean(dim=-2, keepdim=True)
        bad = lambda t: good(t) + torch.arange(3.0)[:, None] * t     # a position-dependent term
    else:                                                            # a D4-symmetric 3×3 stencil
        stencil = torch.tensor([[[[1.0, 2.0, 1.0], [2.0, -4.0, 2.0], [1.0, 2.0, 1.0]]]])
        good = lambda t: torch.nn.functional.conv2d(t, stencil, padding=1) ** 2
        bad = lambda t: torch.nn.functional.conv2d(t, stencil.tril(), padding=1)
    assert_equivariant(good, act_in, act_in, torch.as_tensor(x))
    with pytest.raises(AssertionError, match=FAILS.format(name)):
        assert_equivariant(bad, act_in, act_in, torch.as_tensor(x))


@needs_torch
@pytest.mark.parametrize("dtype, passes, fails", [("float64", 1e-14, 1e-9), ("float32", 1e-7, 1e-3)])
def test_torch_tolerances_follow_the_dtype(dtype: str, passes: float, fails: float) -> None:
    grid = gc.Action.on_grid(gc.cyclic(4), (4, 4))
    x = torch.as_tensor(images(4, 4), dtype=getattr(torch, dtype))
    nearly = lambda delta: (lambda t: t + delta * torch.flipud(t))
    assert_equivariant(nearly(passes), grid, grid, x)
    with pytest.raises(AssertionError, match=rf"rtol={1e-12 if dtype == 'float64' else 1e-5:g}, .* dtype {dtype}"):
        assert_equivariant(nearly(fails), grid, grid, x)


class _Trivial:
    """The output action of an invariant model: every element acts as the identity."""

    def __init__(self, group: gc.Group) -> None:
        self.group = group

    def apply(self, g: int, x: Any, axis: int | None = None) -> Any:
        return x


def _declaring_model(in_action: Any, out_action: Any, invariant: bool = True) -> Any:
    """A torch module that declares its actions, as groupcore layers and models do."""

    class Declaring(torch.nn.Module):
        def forward(self, t: Any) -> Any:
            return t.sum(dim=(-2, -1)) if invariant else t[..., 0, :].sum(dim=-1)

    model = Declaring()
    model.in_action, model.out_action = in_action, out_action
    return model


@needs_torch
def test_models_that_declare_their_actions_need_no_action_arguments() -> None:
    D4 = gc.dihedral(4)
    grid = gc.Action.on_grid(D4, (4, 4))
    x = torch.as_tensor(images(3, 2, 4, 4))
    model = _declaring_model(grid, _Trivial(D4))
    assert_equivariant(model, x)
    assert assert_equivariant(model, [x, x])["inputs"] == 2
    assert equivariance_error(model, inputs=x)["max_rel"] < 1e-6
    with pytest.raises(AssertionError, match=FAILS.format("D4")):
        assert_equivariant(_declaring_model(grid, _Trivial(D4), invariant=False), x)
    with pytest.raises(ValueError, match="same group; got D4 and C4"):
        assert_equivariant(model, act_out=_Trivial(gc.cyclic(4)), inputs=x)
    assert_equivariant(model, grid, inputs=x)                        # act_out read from the model
    with pytest.raises(TypeError, match="act_out must be an action"):
        assert_equivariant(model, grid, x)


@needs_torch
def test_missing_declarations_name_the_model() -> None:
    x = torch.as_tensor(images(1, 4, 4))
    with pytest.raises(TypeError, match=r"no act_in given and the model Sequential has no in_action"):
        assert_equivariant(torch.nn.Sequential(torch.nn.Identity()), x)
    grid = gc.Action.on_grid(gc.cyclic(4), (4, 4))
    with pytest.raises(TypeError, match=r"no act_out given and the model Declaring has out_action None \(no group\)"):
        assert_equivariant(_declaring_model(grid, None), x)
    with pytest.raises(TypeError, match=r"no inputs given for the model Declaring"):
        assert_equivariant(_declaring_model(grid, grid))


@needs_torch
def test_a_failure_points_at_the_callers_test() -> None:
    """``__tracebackhide__`` hides groupcore's own frames from pytest's report."""
    grid = gc.Action.on_grid(gc.cyclic(4), (4, 4))
    with pytest.raises(AssertionError) as info:
        assert_equivariant(lambda t: torch.flipud(t), grid, grid, torch.as_tensor(images(4, 4)))
    assert {str(entry.path) for entry in info.traceback.filter(info)} == {__file__}


@needs_torch
@settings(max_examples=5)
@given(st.data())
def test_strategies_draw_torch_inputs(data: st.DataObject) -> None:
    x = data.draw(gst.images((2, 1, 4, 4), torch.float32, xp=torch))
    assert isinstance(x, torch.Tensor) and x.dtype == torch.float32 and tuple(x.shape) == (2, 1, 4, 4)
    grid = gc.Action.on_grid(gc.dihedral(4), (4, 4))
    assert_equivariant(lambda t: t * t + torch.rot90(t, 2, dims=(-2, -1)), grid, grid, x)


# ----------------------------------------------------------------------------------------- JAX
def _jax_map(name: str) -> Callable[[Any], Any]:
    """A non-equivariant jnp map (B, ...) -> (B, 2) whose lift the tests jit."""
    w = jnp.asarray(images(2, 12 if name == "S3" else 25))
    return lambda x: jnp.tanh(jnp.reshape(x, (x.shape[0], -1)) @ w.T)


@needs_jax
@pytest.mark.parametrize("name", ["C4", "D4", "S3"])
def test_a_jitted_jax_lift_passes_and_a_planted_bug_fails(name: str) -> None:
    G, act_in, act_out, axis_out, x = _case(name)
    F = _jax_map(name)
    lifted = jax.jit(gc.lift(F, act_in, axis=-1))
    inputs = [jnp.asarray(x)]
    out = lifted(inputs[0])
    assert isinstance(out, jax.Array) and out.shape == (2, 2, G.order)
    err = assert_equivariant(lifted, act_in, act_out, inputs, axis_out=axis_out)
    assert (err["dtype"], err["elements"]) == ("float32", G.order)
    planted = jax.jit(_wrong_convention(F, act_in, lambda outs, axis: jnp.stack(outs, axis)))
    with pytest.raises(AssertionError, match=FAILS.format(name) + r".*dtype float32"):
        assert_equivariant(planted, act_in, act_out, inputs, axis_out=axis_out)


@needs_jax
def test_jitted_jax_image_maps() -> None:
    grid = gc.Action.on_grid(gc.dihedral(4), (5, 5))
    x = jnp.asarray(images(2, 5, 5))
    assert_equivariant(jax.jit(lambda v: v * v + jnp.rot90(v, 2, axes=(-2, -1))), grid, grid, x)
    with pytest.raises(AssertionError, match=FAILS.format("D4")):
        assert_equivariant(jax.jit(lambda v: v + 0.5 * jnp.roll(v, 1, axis=-1)), grid, grid, x)
    ints = jnp.asarray(np.arange(25).reshape(5, 5))
    assert_equivariant(jax.jit(lambda v: 3 * v), grid, grid, ints)
    with pytest.raises(AssertionError, match=r"rtol=0, atol=0, dtype int32"):
        assert_equivariant(jax.jit(lambda v: v + jnp.flipud(v)), grid, grid, ints)


@needs_jax
@settings(max_examples=5)
@given(st.data())
def test_strategies_draw_jax_inputs(data: st.DataObject) -> None:
    x = data.draw(gst.images((3, 3), jnp.float32, xp=jnp))
    assert isinstance(x, jax.Array) and x.dtype == jnp.float32
    grid = gc.Action.on_grid(gc.cyclic(4), (3, 3))
    assert_equivariant(jax.jit(jnp.tanh), grid, grid, x)
