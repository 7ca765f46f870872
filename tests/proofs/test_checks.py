"""equivariance_error / assert_equivariant: exhaustive, dtype-aware, planted failures, array API."""

from __future__ import annotations

import array_api_strict as xps
import numpy as np
import pytest

import groupcore as gc
from groupcore.proofs import AxesAction, assert_equivariant, default_rtol, equivariance_error, on_axes

rng = np.random.default_rng(0)


def _images(shape: tuple[int, ...], dtype: type = np.float64, count: int = 2) -> list[np.ndarray]:
    return [rng.standard_normal(shape).astype(dtype) for _ in range(count)]


def _table_map(F: np.ndarray):
    """The array function s ↦ (F-weighted features of s) whose lift the tests check."""
    return lambda s: np.tanh(F @ s.reshape(-1))


def test_measurement_covers_every_element(group: gc.Group) -> None:
    act = gc.Action.regular(group)
    lifted = gc.lift(_table_map(rng.standard_normal((3, group.order))), act)
    err = equivariance_error(lifted, act, act, _images((group.order,)), axis_out=1)
    assert err["abs"].shape == err["rel"].shape == (group.order,)
    assert (err["elements"], err["inputs"], err["group"], err["dtype"]) == (group.order, 2, group.name, "float64")
    assert err["max_abs"] == 0.0 and err["scale"] > 0
    assert 0 <= err["worst_element"] < group.order


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_lifted_maps_pass_for_both_float_dtypes(group: gc.Group, dtype: type) -> None:
    act = gc.Action.regular(group)
    lifted = gc.lift(_table_map(rng.standard_normal((2, group.order)).astype(dtype)), act)
    err = assert_equivariant(lifted, act, act, _images((group.order,), dtype), axis_out=1)
    assert err["dtype"] == np.dtype(dtype).name


def test_grid_maps_and_single_input() -> None:
    grid = gc.Action.on_grid(gc.dihedral(4), (5, 5))
    img = _images((2, 3, 5, 5))[0]
    assert_equivariant(lambda x: x + np.rot90(x, 2, axes=(-2, -1)), grid, grid, img)
    with pytest.raises(AssertionError, match=r"not equivariant under D4: element g=\d has max abs error"):
        assert_equivariant(lambda x: x + np.flip(x, axis=-2) * 0.5 + np.roll(x, 1, axis=-1), grid, grid, img)


def test_planted_swap_of_one_output_entry_fails() -> None:
    G = gc.dihedral(4)
    act = gc.Action.regular(G)
    lifted = gc.lift(_table_map(rng.standard_normal((2, 8))), act)

    def swapped(s: np.ndarray) -> np.ndarray:
        out = lifted(s).copy()
        out[0, [1, 2]] = out[0, [2, 1]]
        return out

    with pytest.raises(AssertionError, match=r"not equivariant under D4: element g=\d"):
        assert_equivariant(swapped, act, act, _images((8,)), axis_out=1)


def test_planted_other_convention_fails_in_a_non_abelian_group() -> None:
    G = gc.symmetric(3)
    act = gc.Action.regular(G)
    F = _table_map(rng.standard_normal((2, 6)))

    def right_convention(s: np.ndarray) -> np.ndarray:                 # F(g·x) instead of F(g⁻¹·x)
        return np.stack([F(act.apply(g, s)) for g in range(G.order)], axis=1)

    with pytest.raises(AssertionError, match=r"not equivariant under S3: element g=[1-5]"):
        assert_equivariant(right_convention, act, act, _images((6,)), axis_out=1)


def test_planted_g_for_g_inverse_on_the_output_fails() -> None:
    G = gc.quaternion()
    act = gc.Action.regular(G)
    lifted = gc.lift(_table_map(rng.standard_normal((2, 8))), act)

    class WrongRegular:
        """(h·s)[g] = s[h·g] instead of s[h⁻¹·g]."""

        group = G

        def apply(self, h: int, s: np.ndarray, axis: int | None = None) -> np.ndarray:
            return np.take(s, G.table[h], axis=axis)

    assert_equivariant(lifted, act, act, _images((8,)), axis_out=1)
    with pytest.raises(AssertionError, match=r"element g=\d+ .* of 8 elements fail"):
        assert_equivariant(lifted, act, WrongRegular(), _images((8,)), axis_out=1)


@pytest.mark.parametrize("dtype, passes, fails", [(np.float64, 1e-14, 1e-9), (np.float32, 1e-7, 1e-3)])
def test_tolerances_follow_the_dtype(dtype: type, passes: float, fails: float) -> None:
    grid = gc.Action.on_grid(gc.cyclic(4), (4, 4))
    img = _images((4, 4), dtype, 1)

    def nearly(delta: float):
        return lambda x: x + (delta * np.flipud(x)).astype(x.dtype)

    assert_equivariant(nearly(passes), grid, grid, img)
    with pytest.raises(AssertionError, match=rf"rtol={default_rtol(dtype):g}, atol=0, dtype {np.dtype(dtype).name}"):
        assert_equivariant(nearly(fails), grid, grid, img)
    assert_equivariant(nearly(fails), grid, grid, img, rtol=0.1)


def test_integers_are_exact() -> None:
    grid = gc.Action.on_grid(gc.cyclic(4), (3, 3))
    img = np.arange(9).reshape(3, 3)
    assert_equivariant(lambda x: x * 3 + np.rot90(x, 2), grid, grid, img)
    assert default_rtol(np.int64) == 0.0 and default_rtol(np.bool_) == 0.0
    with pytest.raises(AssertionError, match="dtype int64"):
        assert_equivariant(lambda x: x + (np.flipud(x) == 8), grid, grid, img)     # off by one in one pixel


def test_nan_is_never_equivariant() -> None:
    grid = gc.Action.on_grid(gc.cyclic(2), (2, 2))
    with pytest.raises(AssertionError, match="max abs error inf"):
        assert_equivariant(lambda x: x * np.nan, grid, grid, _images((2, 2), count=1))


def test_diagonal_frame_with_on_axes() -> None:
    """u(g) = ρ(g)·k(ρ(g)⁻¹·x) is equivariant for the action on the G axis and the grid together."""
    G = gc.cyclic(4)
    grid = gc.Action.on_grid(G, (4, 4))
    kernel = lambda y: y + 0.5 * np.flipud(y)                          # not rotation-equivariant
    lifted = lambda x: np.stack([grid.apply(g, kernel(grid.apply(int(G.inverse[g]), x))) for g in range(4)])
    diagonal = on_axes((gc.Action.regular(G), 0), (grid, 1))
    assert isinstance(diagonal, AxesAction) and "regular(C4)" in repr(diagonal)
    assert_equivariant(lifted, grid, diagonal, _images((4, 4)))
    regular_frame = lambda x: np.stack([kernel(grid.apply(int(G.inverse[g]), x)) for g in range(4)])
    assert_equivariant(regular_frame, grid, gc.Action.regular(G), _images((4, 4)), axis_out=0)
    with pytest.raises(AssertionError, match="not equivariant under C4"):
        assert_equivariant(regular_frame, grid, diagonal, _images((4, 4)))


def test_array_api_strict_arrays_on_a_non_default_device() -> None:
    device = xps.Device("device1")
    G = gc.dihedral(4)
    grid = gc.Action.on_grid(G, (3, 3))
    images = [xps.asarray(img, device=device) for img in _images((2, 3, 3))]
    equivariant = lambda x: x * x + xps.flip(xps.flip(x, axis=-1), axis=-2)      # the half turn is central
    err = assert_equivariant(equivariant, grid, grid, images)
    assert (err["dtype"], err["elements"], err["max_abs"]) == ("float64", 8, 0.0)
    images32 = [xps.astype(img, xps.float32) for img in images]
    assert equivariance_error(equivariant, grid, grid, images32)["dtype"] == "float32"
    with pytest.raises(AssertionError, match=r"not equivariant under D4"):
        assert_equivariant(lambda x: x + xps.flip(x, axis=-1) * x, gc.Action.on_grid(G, (3, 3)), grid, images)
    regular = gc.Action.regular(G)
    lifted = gc.lift(lambda x: xps.sum(x * x, axis=-1), grid)                 # (2, 3) per copy -> G axis 2
    assert_equivariant(lifted, grid, regular, [xps.asarray(_images((2, 1, 3, 3))[0], device=device)], axis_out=2)


class _Declaring:
    """A stand-in for a groupcore model: it declares the actions on its inputs and outputs."""

    def __init__(self, f, in_action, out_action) -> None:
        self.f, self.in_action, self.out_action = f, in_action, out_action

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.f(x)


class _Invariant:
    def __init__(self, group: gc.Group) -> None:
        self.group = group

    def apply(self, g: int, y: np.ndarray, axis: int | None = None) -> np.ndarray:
        return y


def test_models_that_declare_their_actions() -> None:
    D4 = gc.dihedral(4)
    grid = gc.Action.on_grid(D4, (3, 3))
    img = _images((2, 3, 3))
    model = _Declaring(lambda x: np.sort(x.reshape(len(x), -1), axis=1), grid, _Invariant(D4))
    err = assert_equivariant(model, img)
    assert (err["inputs"], err["group"]) == (2, "D4")
    assert equivariance_error(model, inputs=img[0])["max_abs"] == 0.0
    assert_equivariant(model, grid, inputs=img)
    leaky = _Declaring(lambda x: x[:, 0], grid, _Invariant(D4))
    with pytest.raises(AssertionError, match=r"not equivariant under D4: element g=\d"):
        assert_equivariant(leaky, img)
    with pytest.raises(TypeError, match=r"no act_in given and the model _Declaring has in_action None \(no group\)"):
        assert_equivariant(_Declaring(np.sin, None, grid), img)
    with pytest.raises(TypeError, match=r"no act_out given and the function .*<lambda> has no out_action; pass the "
                                        r"actions explicitly: assert_equivariant\(f, act_in, act_out, inputs\)"):
        assert_equivariant(lambda x: x, grid, inputs=img)
    with pytest.raises(TypeError, match=r"act_out must be an action .*; got list \(the inputs come last"):
        assert_equivariant(model, grid, img)
    with pytest.raises(TypeError, match="no inputs given for the model _Declaring"):
        equivariance_error(model)


def test_default_rtol_of_other_libraries() -> None:
    assert default_rtol(xps.float32, xps) == 1e-5 and default_rtol(xps.int8, xps) == 0.0
    assert default_rtol("float16") == 1e-2 and default_rtol(np.complex128) == 1e-12
    with pytest.raises(TypeError, match=r"is not a dtype of numpy; pass the library it belongs to"):
        default_rtol(xps.float64)


def test_bad_arguments() -> None:
    a, b = gc.Action.regular(gc.cyclic(2)), gc.Action.regular(gc.cyclic(3))
    with pytest.raises(ValueError, match="same group; got C2 and C3"):
        equivariance_error(lambda x: x, a, b, [np.zeros(2)])
    with pytest.raises(ValueError, match="at least one array"):
        equivariance_error(lambda x: x, a, a, [])
    with pytest.raises(ValueError, match=r"f\(g·x\) has shape \(2,\) but g·f\(x\) has shape \(1, 2\)"):
        equivariance_error(lambda x: x, a, _Broadcast(a), [np.zeros(2)])
    with pytest.raises(ValueError, match="at least one"):
        on_axes()
    with pytest.raises(ValueError, match="same group"):
        on_axes((a, 0), (b, 1))
    with pytest.raises(ValueError, match="takes no axis"):
        on_axes((a, 0)).apply(1, np.zeros(2), axis=0)


class _Broadcast:
    """An output 'action' that returns a wrongly shaped array."""

    def __init__(self, action: gc.Action) -> None:
        self.group = action.group

    def apply(self, g: int, y: np.ndarray, axis: int | None = None) -> np.ndarray:
        return y[None, :]
