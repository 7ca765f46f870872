"""Rotated data: exact C4/D4 elements against np.rot90/np.fliplr, interpolated angles, augmentation."""

from __future__ import annotations

import numpy as np
import pytest

import groupcore as gc
from groupcore.datasets import Dataset, apply_elements, augment, random_rotations, rotate_angles, rotate_exact

# C2 and D1 share one table: listed together, they check that the name tells them apart.
EXACT = {"C2": lambda: gc.cyclic(2), "D1": lambda: gc.dihedral(1), "C4": lambda: gc.cyclic(4),
         "D2": lambda: gc.dihedral(2), "D4": lambda: gc.dihedral(4)}


def _reference(group: gc.Group, g: int, image: np.ndarray) -> np.ndarray:
    """The definition with NumPy only: D_N element N+k is the flip then rotation k (quarter turns for N = 4)."""
    n, dihedral = int(group.name[1:]), group.name[0] == "D"
    flip, k = divmod(g, n) if dihedral else (0, g)
    out = np.flip(image, axis=-1) if flip else image
    return np.rot90(out, k * {1: 0, 2: 2, 4: 1}[n], axes=(-2, -1))


@pytest.fixture(scope="module")
def batch() -> np.ndarray:
    return np.random.default_rng(0).random((5, 2, 6, 6))


@pytest.mark.parametrize("name", list(EXACT))
def test_every_element_matches_rot90_and_fliplr(name: str, batch: np.ndarray) -> None:
    group = EXACT[name]()
    for g in range(group.order):
        out = apply_elements(batch, group, g)
        assert (out == _reference(group, g, batch)).all(), (name, g)
        assert (apply_elements(batch[:, 0], group, g) == out[:, 0]).all()          # (N, H, W) too
        assert (out[0] == gc.Action.on_grid(group, (6, 6)).apply(g, batch[0])).all()


def test_d4_flip_and_quarter_turn_explicitly() -> None:
    x = np.arange(9).reshape(1, 3, 3)
    D4 = gc.dihedral(4)
    assert (apply_elements(x, D4, 1)[0] == np.rot90(x[0])).all()
    assert (apply_elements(x, D4, 4)[0] == np.fliplr(x[0])).all()
    assert (apply_elements(x, D4, 5)[0] == np.rot90(np.fliplr(x[0]))).all()
    assert (apply_elements(x, gc.cyclic(2), 1)[0] == np.rot90(x[0], 2)).all()
    assert (apply_elements(x, gc.dihedral(1), 1)[0] == np.fliplr(x[0])).all()     # same table as C2, other action


def test_per_image_elements_and_the_action_law(batch: np.ndarray) -> None:
    D4 = gc.dihedral(4)
    g = np.array([0, 3, 4, 7, 5])
    h = np.array([6, 1, 4, 2, 7])
    out = apply_elements(batch, D4, g)
    for i in range(5):
        assert (out[i] == _reference(D4, int(g[i]), batch[i])).all()
    assert (apply_elements(apply_elements(batch, D4, h), D4, g) == apply_elements(batch, D4, D4.table[g, h])).all()


@pytest.mark.parametrize("elements, error, match", [
    (8, ValueError, r"elements\[0\] = 8 is not an element of D4 \(0..7\)"),
    ([0, 1], ValueError, r"elements must be a scalar or have shape \(5,\)"),
    (1.0, ValueError, "group elements must be integers"),
])
def test_bad_elements(batch: np.ndarray, elements: object, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        apply_elements(batch, gc.dihedral(4), elements)


def test_groups_without_an_exact_grid_action_are_refused(batch: np.ndarray) -> None:
    with pytest.raises(ValueError, match="has no exact action on a 2-d grid"):
        apply_elements(batch, gc.cyclic(8), 1)
    with pytest.raises(ValueError, match="needs a grid with equal sides"):
        apply_elements(np.zeros((1, 3, 4)), gc.cyclic(4), 1)
    with pytest.raises(ValueError, match=r"images must be a batch \(N, H, W\) or \(N, C, H, W\)"):
        apply_elements(np.zeros((3, 3)), gc.cyclic(4), 1)


def test_rotate_exact_by_quarter_turns(batch: np.ndarray) -> None:
    out, k = rotate_exact(batch, [0, 1, 2, 3, -1])
    assert k.tolist() == [0, 1, 2, 3, 3]
    for i, turns in enumerate([0, 1, 2, 3, -1]):
        assert (out[i] == np.rot90(batch[i], turns, axes=(1, 2))).all()
    with pytest.raises(ValueError, match="seed is only used to draw random elements"):
        rotate_exact(batch, 1, seed=0)
    with pytest.raises(ValueError, match="quarter turns k must be integers"):
        rotate_exact(batch, 1.0)


def test_rotate_exact_with_a_group_is_seeded(batch: np.ndarray) -> None:
    D4 = gc.dihedral(4)
    out, g = rotate_exact(batch, D4, seed=7)
    again, g_again = rotate_exact(batch, D4, seed=7)
    assert (out == again).all() and (g == g_again).all() and g.dtype == np.int64
    for i in range(5):
        assert (out[i] == _reference(D4, int(g[i]), batch[i])).all()
    draws = [rotate_exact(batch, D4, seed=s)[1] for s in range(5)]
    assert len({tuple(d.tolist()) for d in draws}) > 1
    assert set(rotate_exact(np.zeros((400, 2, 2)), D4, seed=0)[1].tolist()) == set(range(8))
    with pytest.raises(ValueError, match="a seed .* is required"):
        rotate_exact(batch, D4)


def test_rotate_exact_on_a_dataset_records_and_composes_poses() -> None:
    images = np.random.default_rng(2).integers(0, 256, (6, 4, 4), dtype=np.uint8)
    ds = Dataset(images, [0, 1, 2, 0, 1, 2], name="d")
    D4 = gc.dihedral(4)
    once, g = rotate_exact(ds, D4, seed=1)
    assert once.name == "d-D4" and (once.poses == g).all() and once.images.dtype == np.uint8
    twice, h = rotate_exact(once, D4, seed=2)
    assert (twice.poses == D4.table[h, g]).all()
    assert (twice.images == apply_elements(images, D4, twice.poses)).all()
    bad = Dataset(images, ds.labels, poses=[9] * 6)
    with pytest.raises(ValueError, match="has poses up to 9, not elements of C4"):
        rotate_exact(bad, 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_right_angles_match_rot90_up_to_rounding(dtype: type) -> None:
    x = np.random.default_rng(3).random((4, 2, 7, 7)).astype(dtype)
    out = rotate_angles(x, [0.0, 90.0, 180.0, 270.0])
    assert out.dtype == dtype
    tol = 50 * np.finfo(dtype).eps
    for k in range(4):
        np.testing.assert_allclose(out[k], np.rot90(x[k], k, axes=(1, 2)), atol=tol, rtol=0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_interpolated_rotation_is_d4_equivariant(dtype: type) -> None:
    """For every g in D4: g·R(θ)x = R(±θ)(g·x), minus for the reflections (the pixel grid is D4-invariant)."""
    x = np.random.default_rng(4).random((3, 9, 9)).astype(dtype)
    angles = np.array([17.0, 45.0, 200.0])
    D4 = gc.dihedral(4)
    tol = 1e3 * np.finfo(dtype).eps
    for g in range(D4.order):
        sign = -1.0 if g >= 4 else 1.0
        lhs = apply_elements(rotate_angles(x, angles), D4, g)
        rhs = rotate_angles(apply_elements(x, D4, g), sign * angles)
        np.testing.assert_allclose(lhs, rhs, atol=tol, rtol=0, err_msg=f"element {g}")


def test_uint8_images_become_floats_in_the_unit_interval() -> None:
    x = np.random.default_rng(5).integers(0, 256, (3, 8, 8), dtype=np.uint8)
    out = rotate_angles(x, 30.0, order=3)
    assert out.dtype == np.float32 and 0.0 <= out.min() and out.max() <= 1.0
    np.testing.assert_allclose(rotate_angles(x, 0.0), x / 255.0, atol=1e-6)
    ds = rotate_angles(Dataset(x, [0, 1, 2], poses=[1, 2, 3], name="d"), 45.0)
    assert isinstance(ds, Dataset) and ds.poses is None and ds.name == "d-rotated" and ds.images.dtype == np.float32


def test_arbitrary_angles_are_approximate() -> None:
    """45° twice is not exactly 90° on a pixel grid; report the error, never assert it exact."""
    x = np.zeros((1, 15, 15))
    x[0, 5:10, 6:9] = 1.0
    twice = rotate_angles(rotate_angles(x, 45.0), 45.0)
    once = rotate_angles(x, 90.0)
    err = float(np.abs(twice - once).max())
    assert 0.0 < err < 1.0, f"max |R45 R45 x - R90 x| = {err:.3f}"


@pytest.mark.parametrize("angles, order, match", [
    ([1.0, 2.0], 1, r"angles must be a scalar or have shape \(3,\)"),
    (np.nan, 1, "angles must be finite"),
    (10.0, 6, "order must be a spline order 0..5"),
])
def test_bad_angle_arguments(angles: object, order: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        rotate_angles(np.zeros((3, 4, 4)), angles, order)
    with pytest.raises(ValueError, match="images must be uint8 or floating point"):
        rotate_angles(np.zeros((3, 4, 4), np.int32), 1.0)


def test_random_rotations_are_seeded_and_uniform() -> None:
    x = np.random.default_rng(6).random((200, 6, 6))
    out, angles = random_rotations(x, seed=11)
    out2, angles2 = random_rotations(x, seed=11)
    assert (out == out2).all() and (angles == angles2).all()
    assert angles.min() >= 0.0 and angles.max() < 360.0 and angles.std() > 60.0
    np.testing.assert_array_equal(out[:5], rotate_angles(x[:5], angles[:5]))
    _, small = random_rotations(x, seed=11, max_angle=10.0)
    assert small.max() < 10.0
    with pytest.raises(ValueError, match="max_angle must be a positive number of degrees"):
        random_rotations(x, seed=0, max_angle=0.0)


@pytest.mark.parametrize("name", ["C4", "D4"])
def test_augment_applies_one_random_element_per_image(name: str) -> None:
    group = EXACT[name]()
    x = np.random.default_rng(8).random((64, 1, 5, 5)).astype(np.float32)
    out = augment(x, group, np.random.default_rng(0))
    again = augment(x, group, np.random.default_rng(0))
    assert out.dtype == np.float32 and out.shape == x.shape and (out == again).all()
    used = []
    for i in range(64):
        matches = [g for g in range(group.order) if (out[i] == _reference(group, g, x[i])).all()]
        assert matches, i
        used.append(matches[0])
    assert set(used) == set(range(group.order))
    rng = np.random.default_rng(1)
    assert not (augment(x, group, rng) == augment(x, group, rng)).all()       # the generator advances
