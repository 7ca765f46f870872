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
    with pytest.raises(ValueError, match="C8 .* has no exact action on a 2-d grid: it carries no matrices.*"
                                         "interpolated_rotations"):
        gc.Action.on_grid(gc.cyclic(8), (5, 5))
    with pytest.raises(ValueError, match="needs a grid with equal sides on those axes; got shape \\(4, 5\\)"):
        gc.Action.on_grid(gc.cyclic(4), (4, 5))
    with pytest.raises(ValueError, match="C4 .* has no exact action on a 1-d grid"):
        gc.Action.on_grid(gc.cyclic(4), (4,))
    with pytest.raises(ValueError, match="S3 .* no exact action on a 2-d grid: it carries no matrices"):
        gc.Action.on_grid(gc.symmetric(3), (3, 3))


@pytest.mark.parametrize("shape", [(2.7, 2.7), (3, True), (0, 3), "33", (1, 2, 3, 4), ()])
def test_bad_shapes_refused(shape: object) -> None:
    with pytest.raises(ValueError, match="a grid shape is a tuple of 1 to 3 integers >= 1"):
        gc.Action.on_grid(gc.cyclic(2), shape)


def test_subgroup_keeps_the_matrices() -> None:
    rot, _ = gc.dihedral(4).subgroup([0, 1, 2, 3])
    assert gc.Action.on_grid(rot, (3, 3)) == gc.Action.on_grid(gc.cyclic(4), (3, 3))


def test_same_table_different_geometry_is_decided_by_the_matrices() -> None:
    assert gc.cyclic(2) == gc.dihedral(1)                    # one table, two geometries
    img = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(gc.Action.on_grid(gc.dihedral(1), (2, 3)).apply(1, img), np.fliplr(img))
    assert np.array_equal(gc.Action.on_grid(gc.cyclic(2), (2, 3)).apply(1, img), np.rot90(img, 2))
    assert gc.GridAction(gc.cyclic(2)) != gc.GridAction(gc.dihedral(1))
    bare = gc.Group.from_table(gc.cyclic(2).table)
    with pytest.raises(ValueError, match="ambiguous: a half turn or a flip"):
        gc.GridAction(bare)


@pytest.mark.parametrize("size", [1, 4, 5])
def test_dihedral_1_reverses_sequences(size: int) -> None:
    act = gc.Action.on_grid(gc.dihedral(1), (size,))
    x = np.random.default_rng(0).random((2, 3, size))
    assert np.array_equal(act.apply(1, x), x[..., ::-1])
    assert np.array_equal(gc.GridAction(gc.dihedral(1), ndim=1).apply(1, x), x[..., ::-1])
    with pytest.raises(ValueError, match="C2 .* no exact action on a 1-d grid"):
        gc.GridAction(gc.cyclic(2), ndim=1)


def _voxel_reference(M: np.ndarray, vox: np.ndarray) -> np.ndarray:
    """out[M c] = vox[c] on centred coordinates, the definition, point by point."""
    n = vox.shape[0]
    out = np.empty_like(vox)
    for idx in np.ndindex(vox.shape):
        c = 2 * np.array(idx) - (n - 1)
        out[tuple((M @ c + n - 1) // 2)] = vox[idx]
    return out


@pytest.mark.parametrize("size", [1, 2, 3, 4])
@pytest.mark.parametrize("make", [gc.octahedral, gc.full_octahedral])
def test_cube_symmetries_on_voxels(make, size: int) -> None:
    G = make()
    act = gc.Action.on_grid(G, (size,) * 3)
    gc.Action.from_table(G, act.table)                          # the action law holds
    vox = np.random.default_rng(size).random((size,) * 3)
    for g in range(G.order):
        assert np.array_equal(act.apply(g, vox), _voxel_reference(G.matrices[g], vox))
    assert np.array_equal(act.apply(1, vox[None]), act.apply(1, vox)[None])


def test_octahedral_quarter_turn_is_rot90() -> None:
    O = gc.octahedral()
    # The quarter turn about the depth axis acts on the (row, column) planes like np.rot90.
    quarter = next(g for g in range(O.order)
                   if np.array_equal(O.matrices[g], [[1, 0, 0], [0, 0, -1], [0, 1, 0]]))
    vox = np.random.default_rng(0).random((4, 4, 4))
    assert np.array_equal(gc.Action.on_grid(O, (4, 4, 4)).apply(quarter, vox), np.rot90(vox, 1, axes=(1, 2)))


def test_cube_groups_need_cubes() -> None:
    with pytest.raises(ValueError, match="equal sides"):
        gc.Action.on_grid(gc.octahedral(), (3, 3, 4))
    with pytest.raises(ValueError, match="no exact action on a 2-d grid"):
        gc.Action.on_grid(gc.octahedral(), (3, 3))


def test_from_matrices_builds_the_group_and_acts() -> None:
    G = gc.Group.from_matrices([[[0, -1], [1, 0]], [[1, 0], [0, -1]]], name="D4'")
    assert G.order == 8 and G.matrices.shape == (8, 2, 2)
    assert np.array_equal(G.matrices[0], np.eye(2))
    for g in range(8):                                          # the table is the matrix product
        for h in range(8):
            assert np.array_equal(G.matrices[G.table[g, h]], G.matrices[g] @ G.matrices[h])
    act = gc.Action.on_grid(G, (3, 3))
    gc.Action.from_table(G, act.table)


@pytest.mark.parametrize("mats, message", [
    ([[[1, 1], [0, 1]]], "more than max_order"),
    ([[[2, 0], [0, 1]]], "determinant 2"),
    ([[[0.5, 0], [0, 1]]], "integers"),
    ([[[1, 0, 0], [0, 1, 0]]], "square matrices"),
])
def test_from_matrices_refuses_what_is_not_a_finite_group(mats, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        gc.Group.from_matrices(mats, max_order=50)


def test_matrices_must_follow_the_table() -> None:
    with pytest.raises(gc.GroupAxiomError, match="do not follow the table"):
        gc.Group(gc.cyclic(4).table, matrices=gc.dihedral(2).matrices)
