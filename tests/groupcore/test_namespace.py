"""One namespace, taken from the data: arrays of every library keep their type and device."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, NamedTuple

import array_api_compat
import numpy as np
import pytest

import groupcore as gc
from groupcore import nn
from groupcore.action import permute_axes
from groupcore.namespace import namespace
from groupcore.nn.optim import SGD, Adam
from groupcore.rotations import rotate_filters


class Library(NamedTuple):
    make: Callable[[np.ndarray], Any]        # host array -> array of the library, on the tested device
    host: Callable[[Any], np.ndarray]        # explicit copy back, for comparing values


def _import(name: str) -> Any:
    return pytest.importorskip(name, reason=f"{name} is not installed")


def _numpy() -> Library:
    return Library(lambda a: a, np.asarray)


def _strict() -> Library:
    xps = _import("array_api_strict")
    return Library(lambda a: xps.asarray(a, device=xps.Device("device1")),
                   lambda x: np.asarray(x.to_device(xps.Device("CPU_DEVICE"))))


def _torch(device: str) -> Library:
    torch = _import("torch")
    if device == "cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA device for torch")
    return Library(lambda a: torch.as_tensor(a, device=device), lambda x: x.cpu().numpy())


def _jax() -> Library:
    jnp = _import("jax.numpy")
    return Library(jnp.asarray, np.asarray)


def _cupy() -> Library:
    from groupcore import backends
    try:
        backends.get("cupy")
    except backends.BackendUnavailable as err:
        pytest.skip(str(err))
    cupy = importlib.import_module("cupy")
    return Library(cupy.asarray, lambda x: x.get())


LIBRARIES = {"numpy": _numpy, "strict-device1": _strict, "torch": lambda: _torch("cpu"),
             "torch-cuda": lambda: _torch("cuda"), "jax": _jax, "cupy": _cupy}


@pytest.fixture(params=list(LIBRARIES), ids=list(LIBRARIES))
def lib(request: pytest.FixtureRequest) -> Library:
    """How to make and read back arrays of one library (skipped where it is missing)."""
    return LIBRARIES[request.param]()


def assert_same_place(out: Any, like: Any) -> None:
    """``out`` is an array of ``like``'s type, on ``like``'s device."""
    assert type(out) is type(like), f"{type(like).__name__} in, {type(out).__name__} out"
    assert array_api_compat.device(out) == array_api_compat.device(like)


rng = np.random.default_rng(0)


def data(*shape: int) -> np.ndarray:
    """float32 values: every library here has float32 (JAX has float64 only on request)."""
    return rng.standard_normal(shape).astype(np.float32)


def test_namespace_of_numpy_and_of_what_is_not_an_array() -> None:
    assert namespace(np.zeros(2)) is array_api_compat.numpy
    assert namespace([1, 2], 3.0, None) is array_api_compat.numpy
    assert namespace() is array_api_compat.numpy
    assert namespace(np.zeros(2), [1]) is array_api_compat.numpy
    assert namespace(np.float32(1.0)) is array_api_compat.numpy


def test_namespace_of_each_library(lib: Library) -> None:
    x = lib.make(np.arange(3.0))
    xp = namespace(x)
    assert xp is array_api_compat.array_namespace(x)
    assert xp.isdtype(x.dtype, "real floating")
    assert_same_place(xp.stack([x, x]), x)


def test_mixing_libraries_is_refused() -> None:
    xps = _import("array_api_strict")
    with pytest.raises(TypeError, match=r"different libraries cannot be mixed \(array_api_strict\..*numpy\.ndarray"):
        namespace(np.zeros(2), xps.zeros(2))


def test_actions_keep_type_and_device(lib: Library) -> None:
    D4 = gc.dihedral(4)
    grid = gc.Action.on_grid(D4, (3, 3))
    img = data(2, 1, 3, 3)
    x = lib.make(img)
    for g in range(D4.order):
        out = grid.apply(g, x)
        assert_same_place(out, x)
        np.testing.assert_array_equal(lib.host(out), grid.apply(g, img))
    out = permute_axes(x, np.array([2, 1, 0]), 1 + 1, 1)
    assert_same_place(out, x)
    np.testing.assert_array_equal(lib.host(out), img[:, :, ::-1])


def test_lift_project_and_regular_act_keep_type_and_device(lib: Library) -> None:
    S3 = gc.symmetric(3)
    act = gc.Action.natural(S3)
    F = data(3, 2)
    F_hat = gc.lift(lib.make(F), act)                              # a table: gathered in its library
    assert_same_place(F_hat, lib.make(F))
    np.testing.assert_array_equal(lib.host(F_hat), gc.lift(F, act))
    s = lib.make(gc.lift(F, act))
    for h in range(S3.order):
        out = gc.regular_act(S3, h, s, axis=1)
        assert_same_place(out, s)
        np.testing.assert_array_equal(lib.host(out), gc.regular_act(S3, h, gc.lift(F, act), axis=1))
    p = gc.project(s, axis=1)
    assert_same_place(p, s)
    np.testing.assert_array_equal(lib.host(p), F)


def test_lift_of_a_callable_stacks_in_the_output_library(lib: Library) -> None:
    C4 = gc.cyclic(4)
    grid = gc.Action.on_grid(C4, (3, 3))
    img = data(2, 3, 3)
    first_row = gc.lift(lambda x: x[..., 0, :], grid)              # (2, 3) per copy -> (2, 3, |G|)
    out = first_row(lib.make(img))
    assert_same_place(out, lib.make(img))
    np.testing.assert_array_equal(lib.host(out), first_row(img))
    assert out.shape == (2, 3, 4)


def test_exact_rotations_keep_type_and_device(lib: Library) -> None:
    w = data(2, 3, 3)
    C8 = gc.interpolated_rotations(gc.cyclic(8), (3, 3), order=1, mask=None)
    quarter = C8.apply(2, lib.make(w))                             # an exact element: a permutation
    assert_same_place(quarter, lib.make(w))
    np.testing.assert_array_equal(lib.host(quarter), np.rot90(w, 1, axes=(-2, -1)))
    grid = gc.Action.on_grid(gc.cyclic(4), (3, 3))
    out = rotate_filters(grid, lib.make(w))
    assert_same_place(out, lib.make(w))
    np.testing.assert_array_equal(lib.host(out), rotate_filters(grid, w))


def test_interpolated_rotations_refuse_other_libraries(lib: Library) -> None:
    w = data(3, 3)
    C8 = gc.interpolated_rotations(gc.cyclic(8), (3, 3), order=1, mask=None)
    x = lib.make(w)
    if isinstance(x, np.ndarray):
        assert C8.apply(1, x).shape == (3, 3)
    else:                                                          # never converted behind the user's back
        with pytest.raises(TypeError, match="interpolated rotation, computed on the host"):
            C8.apply(1, x)


def _dense(params: dict[str, Any], grads: dict[str, Any]) -> nn.Dense:
    """A layer holding the given parameters and gradients (of any library)."""
    layer = nn.Dense(3, 2, seed=0)
    layer.params, layer.grads = dict(params), dict(grads)
    return layer


@pytest.mark.parametrize("make", [lambda: SGD(lr=0.1, momentum=0.9), lambda: Adam(lr=0.1)], ids=["sgd", "adam"])
def test_optimizers_keep_type_and_device(lib: Library, make: Callable[[], SGD | Adam]) -> None:
    shapes = {name: tuple(p.shape) for name, p in nn.Dense(3, 2, seed=0).params.items()}
    params, grads = {k: data(*v) for k, v in shapes.items()}, {k: data(*v) for k, v in shapes.items()}
    expected = _dense(params, grads)
    layer = _dense({k: lib.make(v) for k, v in params.items()}, {k: lib.make(v) for k, v in grads.items()})
    reference, optimizer = make(), make()
    for _ in range(2):
        reference.step(expected)
        optimizer.step(layer)
    for name, p in layer.params.items():
        assert_same_place(p, lib.make(params[name]))
        np.testing.assert_allclose(lib.host(p), expected.params[name], rtol=1e-6)
