"""Interpolated C_N / D_N rotations: SciPy agreement, exact quarter turns, the measured defect."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

import groupcore as gc
from groupcore.defect import smooth_images
from groupcore.interpolation import disk_mask

TOL = {np.float32: 2e-5, np.float64: 1e-12}


def _group(name: str) -> gc.Group:
    return (gc.dihedral if name[0] == "D" else gc.cyclic)(int(name[1:]))


def _scipy(act: gc.ApproximateAction, g: int, x: np.ndarray) -> np.ndarray:
    """The definition: np.fliplr for the flips, then scipy.ndimage.rotate by the element's angle."""
    src = np.fliplr(x) if act.flips[g] else x
    return ndimage.rotate(src, act.angles[g], reshape=False, order=act.order, mode=act.mode)


# ---------------------------------------------------------------------- agreement with SciPy
@pytest.mark.parametrize("name, size, order, mode", [
    ("C8", 9, 0, "constant"), ("C8", 10, 1, "constant"), ("C8", 9, 3, "constant"),
    ("D8", 8, 1, "reflect"), ("D8", 9, 3, "nearest"), ("C6", 11, 1, "grid-wrap"),
    ("C16", 12, 3, "mirror"), ("D3", 7, 0, "grid-constant"), ("C5", 6, 1, "constant"),
])
def test_every_element_matches_scipy(name: str, size: int, order: int, mode: str) -> None:
    act = gc.interpolated_rotations(_group(name), (size, size), order=order, mode=mode, mask=None)
    x = np.random.default_rng(size).standard_normal((size, size))
    for g in range(act.group.order):
        ref = _scipy(act, g, x)
        np.testing.assert_allclose(act.apply(g, x), ref, rtol=0, atol=1e-12)
        np.testing.assert_allclose((act.operator(g) @ x.ravel()).reshape(x.shape), ref, rtol=0, atol=1e-12)


def test_mask_zeroes_interpolated_outputs_outside_the_disk_only() -> None:
    act = gc.interpolated_rotations(gc.dihedral(8), (11, 11), order=1)
    disk = disk_mask((11, 11), act.radius)
    x = np.random.default_rng(1).standard_normal((11, 11))
    for g in range(16):
        out = act.apply(g, x)
        if g in act.exact_elements:
            assert np.array_equal(out, gc.Action.on_grid(gc.dihedral(4), (11, 11)).apply(
                4 * int(act.flips[g]) + int(act.angles[g]) // 90, x))
        else:
            assert np.all(out[~disk] == 0.0)
            np.testing.assert_allclose(out[disk], _scipy(act, g, x)[disk], rtol=0, atol=1e-12)


def test_sign_convention_is_counter_clockwise_like_rot90() -> None:
    act = gc.interpolated_rotations(gc.cyclic(8), (9, 9), mask=None)
    img = np.zeros((9, 9))
    img[4, 8] = 1.0                                   # a point on the right of the centre ...
    out = act.apply(1, img)                           # ... turns 45° counter-clockwise: up and left
    r, c = np.unravel_index(np.argmax(out), out.shape)
    assert r < 4 and 4 < c < 8
    assert np.array_equal(act.apply(2, img), np.rot90(img))


# ---------------------------------------------------------------------- exact elements
@pytest.mark.parametrize("name", ["C4", "C8", "C12", "C16", "D4", "D8", "D16"])
def test_quarter_turns_are_the_grid_permutations_bit_for_bit(name: str) -> None:
    G = _group(name)
    n, dihedral = (G.order // 2, True) if name[0] == "D" else (G.order, False)
    act = gc.interpolated_rotations(G, (7, 7), order=3)
    grid = gc.Action.on_grid(gc.dihedral(4) if dihedral else gc.cyclic(4), (7, 7))
    x = np.random.default_rng(0).standard_normal((2, 7, 7))
    x[0, 0, 0] = -0.0
    expected_exact = [g for g in range(G.order) if (4 * (g % n)) % n == 0]
    assert act.exact_elements.tolist() == expected_exact
    for g in expected_exact:
        flip, k = divmod(g, n)
        h = 4 * flip + 4 * k // n
        assert np.array_equal(act.apply(g, x).view(np.uint64), grid.apply(h, x).view(np.uint64))
        assert np.array_equal(act.operator(g).toarray(), grid.permutation_matrices()[h])
        ints = np.arange(49).reshape(7, 7)
        assert act.apply(g, ints).dtype == ints.dtype


@pytest.mark.parametrize("name", ["C1", "C2", "D2"])
def test_half_turns_and_flips_are_exact_on_rectangles(name: str) -> None:
    act = gc.interpolated_rotations(_group(name), (4, 6))
    assert act.is_exact
    assert act.restrict(range(act.group.order)) == gc.Action.on_grid(_group(name), (4, 6))


# ---------------------------------------------------------------------- the defect
@pytest.mark.parametrize("name", ["C1", "C2", "C4", "D2", "D4"])
def test_exact_groups_have_defect_exactly_zero(name: str) -> None:
    act = gc.interpolated_rotations(_group(name), (6, 6), order=3)
    d = act.defect()
    assert act.is_exact and d["max"] == 0.0 and d["mean"] == 0.0 and d["operator_norm_max"] == 0.0
    assert not d["pairs"].any() and "exact, defect 0" in repr(act)


def test_c8_defect_is_positive_reported_and_matches_its_definition() -> None:
    act = gc.interpolated_rotations(gc.cyclic(8), (13, 13), order=1)
    assert "defect not computed yet" in repr(act)
    d = act.defect()
    assert d["max"] > 1e-2 and d["operator_norm_max"] > 0.5
    assert f"defect max {d['max']:.2e}" in repr(act)
    assert d["pairs"].shape == (8, 8) and d["images"] == 4
    assert not d["pairs"][0].any() and not d["pairs"][:, 0].any()       # the identity is exact
    g, h = d["argmax"]
    x = smooth_images((13, 13))
    disk = disk_mask((13, 13), act.radius)
    diff = act.apply(g, act.apply(h, x)) - act.apply(int(act.group.table[g, h]), x)
    assert d["max"] == pytest.approx(np.linalg.norm(diff[:, disk]) / np.linalg.norm(x[:, disk]), rel=1e-12)


def test_operator_norm_estimate_is_a_close_lower_bound() -> None:
    act = gc.interpolated_rotations(gc.cyclic(8), (7, 7), order=1)
    d = act.defect(power_iterations=300)
    mats = [op.toarray() for op in act.operators()]
    keep = disk_mask((7, 7), act.radius).ravel().astype(float)
    for g, h in [(1, 1), (1, 2), (3, 5)]:
        diff = keep[:, None] * (mats[g] @ mats[h] - mats[int(act.group.table[g, h])]) * keep[None, :]
        true = np.linalg.norm(diff, 2)
        assert d["operator_norm"][g, h] <= true * (1 + 1e-9) + 1e-13       # pair (1, 2): rounding only
        assert d["operator_norm"][g, h] == pytest.approx(true, rel=1e-3, abs=1e-13)


@pytest.mark.parametrize("mask", ["disk", None])
def test_defect_decreases_from_order_0_to_order_1_on_smooth_images(mask: str | None) -> None:
    d = [gc.interpolated_rotations(gc.cyclic(8), (17, 17), order=o, mask=mask).defect(power_iterations=1)
         for o in (0, 1, 3)]
    assert d[1]["max"] < d[0]["max"] and d[1]["mean"] < d[0]["mean"]
    if mask is None:                      # without the mask, the cubic spline is better still
        assert d[2]["max"] < d[1]["max"]


def test_defect_on_given_images_and_cache() -> None:
    act = gc.interpolated_rotations(gc.cyclic(6), (9, 9))
    first = act.defect()
    assert act.defect()["max"] == first["max"]
    single = act.defect(smooth_images((9, 9), count=1, seed=3)[0], power_iterations=1)
    assert single["images"] == 1 and single["max"] > 0


@pytest.mark.parametrize("size", [28, 64])
@pytest.mark.parametrize("order", [3])
def test_thin_line_keeps_its_mass_inside_the_disk(size: int, order: int) -> None:
    act = gc.interpolated_rotations(gc.cyclic(8), (size, size), order=order)
    line = np.zeros((size, size))
    half = size // 2 - 3
    line[size // 2, size // 2 - half:size // 2 + half] = 1.0
    out = act.apply(1, line)
    disk = disk_mask((size, size), act.radius)
    assert out[disk].sum() == pytest.approx(line.sum(), rel=0.01)


# ---------------------------------------------------------------------- Action-like behaviour
def test_restrict_to_an_exact_subgroup_gives_the_grid_action() -> None:
    C8 = gc.interpolated_rotations(gc.cyclic(8), (6, 6))
    assert C8.restrict([0, 2, 4, 6]) == gc.Action.on_grid(gc.cyclic(4), (6, 6))
    D8 = gc.interpolated_rotations(gc.dihedral(8), (6, 6))
    sub = D8.restrict([0, 2, 4, 6, 8, 10, 12, 14])
    assert isinstance(sub, gc.Action) and sub == gc.Action.on_grid(gc.dihedral(4), (6, 6))
    assert len(sub.orbits()) == 6


def test_restrict_to_an_interpolated_subgroup_stays_approximate() -> None:
    D8 = gc.interpolated_rotations(gc.dihedral(8), (7, 7), order=3)
    C8 = gc.interpolated_rotations(gc.cyclic(8), (7, 7), order=3)
    sub = D8.restrict(range(8))
    assert isinstance(sub, gc.ApproximateAction) and not sub.is_exact
    x = np.random.default_rng(2).standard_normal((7, 7))
    for g in range(8):
        np.testing.assert_allclose(sub.apply(g, x), C8.apply(g, x), rtol=0, atol=1e-12)


@pytest.mark.parametrize("call", [
    lambda a: a.table, lambda a: a.orbits(), lambda a: a.stabilizer(0),
    lambda a: a.permutation_matrices(), lambda a: a.product(a),
])
def test_law_dependent_operations_refuse(call: object) -> None:
    act = gc.interpolated_rotations(gc.dihedral(8), (5, 5))
    with pytest.raises(gc.NotAnActionError, match=r"not a group action: element 1 \(rotation by 45°\)"):
        call(act)  # type: ignore[operator]


def test_lifting_a_table_refuses_for_interpolated_and_works_for_exact() -> None:
    F = np.arange(25) % 3
    with pytest.raises(gc.NotAnActionError, match="not a group action"):
        gc.lift(F, gc.interpolated_rotations(gc.cyclic(8), (5, 5)))
    exact = gc.interpolated_rotations(gc.cyclic(4), (5, 5))
    assert np.array_equal(gc.lift(F, exact), gc.lift(F, gc.Action.on_grid(gc.cyclic(4), (5, 5))))
    assert np.array_equal(exact.table, gc.Action.on_grid(gc.cyclic(4), (5, 5)).table)


def test_lift_of_a_callable_through_the_approximate_action() -> None:
    act = gc.interpolated_rotations(gc.cyclic(8), (9, 9), order=1)
    G = act.group
    x = np.random.default_rng(3).standard_normal((2, 3, 9, 9))
    F = np.tanh
    F_hat = gc.lift(F, act)
    y = F_hat(x)
    assert y.shape == (2, 3, 8, 9, 9)
    for g in range(8):
        np.testing.assert_array_equal(y[:, :, g], F(act.apply(int(G.inverse[g]), x)))
    np.testing.assert_array_equal(gc.project(y, axis=2), F(x))
    errors = {}
    for h in range(8):                                # equivariance error, measured per element
        lhs = F_hat(act.apply(h, x))
        rhs = gc.regular_act(G, h, y, axis=2)
        errors[h] = float(np.abs(lhs - rhs).max())
    assert errors[0] == 0.0 and max(errors.values()) > 1e-3


# ---------------------------------------------------------------------- dtypes, batches, filters
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", [0, 1, 3])
def test_dtypes_and_batches(dtype: type, order: int) -> None:
    act = gc.interpolated_rotations(gc.dihedral(8), (10, 10), order=order)
    x64 = np.random.default_rng(4).standard_normal((3, 2, 10, 10))
    x = x64.astype(dtype)
    for g in range(16):
        out = act.apply(g, x)
        assert out.dtype == dtype and out.shape == x.shape
        ref = act.apply(g, x64)
        np.testing.assert_allclose(out, ref, rtol=0, atol=TOL[dtype] * np.abs(x64).max())
        moved = act.apply(g, np.moveaxis(x, (2, 3), (0, 1)), axis=0)
        np.testing.assert_array_equal(np.moveaxis(moved, (0, 1), (2, 3)), out)
    assert act.apply(1, np.ones((10, 10), dtype=np.int64)).dtype == np.float64


def test_operators_are_canonical_csr() -> None:
    for order in (0, 1, 3):
        act = gc.interpolated_rotations(gc.dihedral(8), (5, 5), order=order)
        for op in act.operators():
            assert op.format == "csr" and op.shape == (25, 25)
            assert op.has_canonical_format and op.has_sorted_indices and np.all(op.data != 0)


def test_rotate_filters() -> None:
    w = np.random.default_rng(5).standard_normal((4, 2, 5, 5))
    r = gc.rotate_filters(gc.dihedral(8), w, order=1)
    act = gc.interpolated_rotations(gc.dihedral(8), (5, 5), order=1)
    assert r.shape == (16, 4, 2, 5, 5)
    for g in range(16):
        np.testing.assert_array_equal(r[g], act.apply(g, w))
    grid = gc.rotate_filters(gc.Action.on_grid(gc.cyclic(4), (5, 5)), w)
    assert np.array_equal(grid[1], np.rot90(w, axes=(-2, -1)))
    assert np.array_equal(gc.rotate_filters(act, w), r)


def test_array_api_arrays() -> None:
    xp = pytest.importorskip("array_api_strict")
    act = gc.interpolated_rotations(gc.cyclic(8), (4, 4))
    x = xp.asarray(np.arange(16.0).reshape(4, 4), device=xp.Device("device1"))
    out = act.apply(2, x)
    assert out.device == x.device and np.array_equal(np.asarray(xp.asarray(out, device=xp.Device("CPU_DEVICE"))),
                                                     np.rot90(np.arange(16.0).reshape(4, 4)))
    with pytest.raises(TypeError, match="convert the array_api_strict"):
        act.apply(1, x)


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize("kwargs, error, match", [
    (dict(G=gc.cyclic(8), shape=(9, 9), order=2), ValueError, "order 2 is not supported"),
    (dict(G=gc.cyclic(8), shape=(9, 9), order=1.5), ValueError, "order 1.5 is not supported"),
    (dict(G=gc.cyclic(8), shape=(9, 9), mode="bogus"), ValueError, "mode 'bogus' is not supported"),
    (dict(G=gc.cyclic(8), shape=(9, 9), mask="square"), ValueError, "mask must be 'disk' or None"),
    (dict(G=gc.cyclic(8), shape=(28, 28), radius=20), ValueError, "radius 20 is larger than the image"),
    (dict(G=gc.cyclic(8), shape=(9, 9), radius=-1.0), ValueError, "radius must be a number >= 0"),
    (dict(G=gc.cyclic(8), shape=(28, 30)), ValueError, "C8 rotates by 45° and needs a square grid"),
    (dict(G=gc.dihedral(4), shape=(4, 6)), ValueError, "D4 rotates by 90° and needs a square grid"),
    (dict(G=gc.cyclic(8), shape=(0, 0)), ValueError, "integers H, W >= 1"),
    (dict(G=gc.cyclic(8), shape=(9,)), ValueError, r"shape must be \(H, W\)"),
    (dict(G=gc.symmetric(3), shape=(9, 9)), ValueError, "S3 .* does not act on images.*not that of cyclic"),
    (dict(G=gc.Group.from_table(gc.cyclic(4).relabel([0, 2, 1, 3]).table), shape=(9, 9)), ValueError,
     "not that of cyclic"),
    (dict(G=gc.Group.from_table(gc.cyclic(2).table), shape=(9, 9)), ValueError, "ambiguous"),
    (dict(G=gc.octahedral(), shape=(9, 9)), ValueError, "3x3 matrices, not as rotations"),
    (dict(G=8, shape=(9, 9)), TypeError, "must be a groupcore.Group"),
])
def test_bad_parameters(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        gc.interpolated_rotations(**kwargs)


def test_bad_calls() -> None:
    act = gc.interpolated_rotations(gc.cyclic(8), (5, 5))
    with pytest.raises(ValueError, match="is not an element of C8"):
        act.apply(8, np.zeros((5, 5)))
    with pytest.raises(ValueError, match=r"acts on 5x5 images but axes 0..1 of the array have shape \(4, 5\)"):
        act.apply(1, np.zeros((4, 5)))
    with pytest.raises(ValueError, match="axis 2 with 2 image axes does not fit"):
        act.apply(1, np.zeros((5, 5)), axis=2)
    with pytest.raises(ValueError, match=r"images must have shape \(n, 5, 5\)"):
        act.defect(np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match="vanish inside the disk"):
        act.defect(np.zeros((5, 5)))
    with pytest.raises(ValueError, match="power_iterations must be an integer >= 1"):
        act.defect(power_iterations=0)
    with pytest.raises(TypeError, match="only when rotate_filters builds"):
        gc.rotate_filters(act, np.zeros((5, 5)), order=3)
    with pytest.raises(ValueError, match=r"filters must have shape \(..., k, k\)"):
        gc.rotate_filters(gc.cyclic(8), np.zeros(5))
    with pytest.raises(ValueError, match="needs a square grid"):
        gc.rotate_filters(gc.cyclic(8), np.zeros((3, 5)))


def test_dihedral_1_is_the_flip_and_c2_the_half_turn() -> None:
    img = np.random.default_rng(0).random((5, 5))
    assert np.array_equal(gc.interpolated_rotations(gc.dihedral(1), (5, 5)).apply(1, img), np.fliplr(img))
    assert np.array_equal(gc.interpolated_rotations(gc.cyclic(2), (5, 5)).apply(1, img), np.rot90(img, 2))
    flips = gc.rotate_filters(gc.dihedral(1), img)
    turns = gc.rotate_filters(gc.cyclic(2), img)
    assert np.array_equal(flips[1], np.fliplr(img)) and np.array_equal(turns[1], np.rot90(img, 2))
