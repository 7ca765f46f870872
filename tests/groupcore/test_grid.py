"""Exact pixel actions of C1, C2, C4, D1, D2, D4 on odd and even grids."""

from __future__ import annotations

import numpy as np
import pytest

import groupcore as gc


def reference(group_name: str, g: int, img: np.ndarray) -> np.ndarray:
    """The definition: rotation by k·360°/n counter-clockwise after an optional vertical-axis flip."""
    n = int(group_name[1:])
    flip, k = divmod(g, n) if group_name[0] == "D" else (0, g)
    out = np.fliplr(img) if flip else img
    return np.rot90(out, k * 4 // n) if n > 1 else out


EXACT = {"C1": gc.cyclic(1), "C2": gc.cyclic(2), "C4": gc.cyclic(4),
         "D1": gc.dihedral(1), "D2": gc.dihedral(2), "D4": gc.dihedral(4)}


@pytest.mark.parametrize("name", list(EXACT))
@pytest.mark.parametrize("size", [1, 2, 5, 6, 28])
def test_grid_action_matches_rot90_and_flips(name: str, size: int) -> None:
    G = EXACT[name]
    act = gc.Action.on_grid(G, (size, size))
    gc.Action.from_table(G, act.table)         # the action law holds
    img = np.random.default_rng(size).random((3, size, size))
    for g in range(G.order):
        expected = np.stack([reference(name, g, im) for im in img])
        assert np.array_equal(act.apply(g, img), expected)


@pytest.mark.parametrize("name", ["C2", "D1", "D2"])
def test_half_turns_and_flips_on_rectangles(name: str) -> None:
    act = gc.Action.on_grid(EXACT[name], (3, 5))
    img = np.arange(15.0).reshape(3, 5)
    for g in range(act.group.order):
        assert np.array_equal(act.apply(g, img), reference(name, g, img))


def test_apply_on_other_axes() -> None:
    act = gc.Action.on_grid(gc.cyclic(4), (4, 4))
    x = np.random.default_rng(0).random((2, 4, 4, 3))
    out = act.apply(1, x, axis=1)
    assert np.array_equal(out, np.rot90(x, 1, axes=(1, 2)))


def test_rotation_is_about_the_centre() -> None:
    act = gc.Action.on_grid(gc.cyclic(4), (5, 5))
    centre = 2 * 5 + 2
    assert (act.table[:, centre] == centre).all()


def test_other_groups_refused_with_a_pointer() -> None:
    with pytest.raises(ValueError, match="C8 .* has no exact action on a pixel grid.*interpolated_rotations"):
        gc.Action.on_grid(gc.cyclic(8), (5, 5))
    with pytest.raises(ValueError, match="needs a square grid; got shape \\(4, 5\\)"):
        gc.Action.on_grid(gc.cyclic(4), (4, 5))
    with pytest.raises(ValueError, match="shape must be \\(H, W\\)"):
        gc.Action.on_grid(gc.cyclic(4), (4,))


def test_subgroup_relabelled_as_family_is_accepted() -> None:
    rot, _ = gc.dihedral(4).subgroup([0, 1, 2, 3])
    assert gc.Action.on_grid(rot, (3, 3)).group == gc.cyclic(4)


def test_same_table_different_geometry_is_decided_by_name() -> None:
    assert gc.cyclic(2) == gc.dihedral(1)                    # one table, two meanings
    img = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(gc.Action.on_grid(gc.dihedral(1), (2, 3)).apply(1, img), np.fliplr(img))
    assert np.array_equal(gc.Action.on_grid(gc.cyclic(2), (2, 3)).apply(1, img), np.rot90(img, 2))
