"""The lemma on finite sets: F̂ is equivariant, p∘F̂ = F, and F̂ is the only such map."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import groupcore as gc

ACTIONS = [
    gc.Action.regular(gc.cyclic(3)),
    gc.Action.regular(gc.symmetric(3)),
    gc.Action.on_cosets(gc.symmetric(3), [0, 1]),
    gc.Action.on_cosets(gc.dihedral(4), [0, 4]),
    gc.Action.regular(gc.quaternion()),
    gc.Action.on_grid(gc.dihedral(4), (3, 3)),
    gc.Action.natural(gc.alternating(4)),
]


@given(st.sampled_from(ACTIONS), st.data())
def test_lift_is_equivariant_and_projects_to_F(act: gc.Action, data: st.DataObject) -> None:
    G = act.group
    F = np.array(data.draw(st.lists(st.integers(-5, 5), min_size=act.size, max_size=act.size)))
    F_hat = gc.lift(F, act)
    assert F_hat.shape == (act.size, G.order)
    assert np.array_equal(gc.project(F_hat, axis=1), F)
    for h in range(G.order):
        for x in range(act.size):           # F̂(h·x) == h·F̂(x) for every h and x
            assert np.array_equal(F_hat[act.table[h, x]], gc.regular_act(G, h, F_hat[x]))


def equivariant_maps_projecting_to(F: np.ndarray, act: gc.Action, values: range) -> np.ndarray:
    """Every Φ: X → Map(G, Z) (Z = values) with p∘Φ = F that is equivariant, by brute force."""
    G, m, n = act.group, act.size, act.group.order
    free = np.array(list(itertools.product(values, repeat=m * (n - 1)))).reshape(-1, m, n - 1)
    phi = np.concatenate([np.broadcast_to(F[None, :, None], (len(free), m, 1)), free], axis=2)
    ok = np.ones(len(phi), dtype=bool)
    for h in range(n):                      # Φ(h·x) == h·Φ(x) for every h and x
        ok &= (phi[:, act.table[h]] == phi[:, :, G.table[G.inverse[h]]]).all(axis=(1, 2))
    return phi[ok]


@pytest.mark.parametrize("act", [gc.Action.regular(gc.cyclic(2)), gc.Action.regular(gc.cyclic(3)),
                                 gc.Action.on_cosets(gc.symmetric(3), [0, 1]), gc.Action.regular(gc.klein())],
                         ids=["C2", "C3", "S3/C2", "V4"])
def test_lift_is_the_unique_equivariant_map(act: gc.Action) -> None:
    values = range(2) if act.size * act.group.order > 9 else range(3)
    for F in itertools.product(values, repeat=act.size):
        F = np.array(F)
        assert [m.tolist() for m in equivariant_maps_projecting_to(F, act, values)] == [gc.lift(F, act).tolist()]


def test_lift_of_a_table_with_values_in_vectors() -> None:
    act = gc.Action.regular(gc.cyclic(4))
    F = np.arange(8).reshape(4, 2)
    F_hat = gc.lift(F, act)
    assert F_hat.shape == (4, 4, 2)
    assert np.array_equal(gc.project(F_hat, axis=1), F)


@pytest.mark.parametrize("group", [gc.cyclic(1), gc.cyclic(4), gc.dihedral(1), gc.dihedral(4)], ids=str)
def test_lift_of_a_callable_on_images(group: gc.Group) -> None:
    act = gc.Action.on_grid(group, (5, 5))
    rng = np.random.default_rng(0)
    w = rng.random((3, 1, 5, 5))

    def F(x: np.ndarray) -> np.ndarray:                   # (B, 1, 5, 5) -> (B, 3): not equivariant
        return np.einsum("bchw,ochw->bo", x, w)

    F_hat = gc.lift(F, act)
    x = rng.random((2, 1, 5, 5))
    out = F_hat(x)
    assert out.shape == (2, 3, group.order)
    assert np.array_equal(gc.project(out, axis=2), F(x))
    for h in range(group.order):
        assert np.allclose(F_hat(act.apply(h, x)), gc.regular_act(group, h, out, axis=2), rtol=1e-12, atol=0)


def test_lift_errors() -> None:
    act = gc.Action.regular(gc.cyclic(3))
    with pytest.raises(ValueError, match=r"one entry per point of X \(3\); got shape \(2,\)"):
        gc.lift(np.zeros(2), act)


def test_regular_act_is_the_regular_action(group: gc.Group) -> None:
    s = np.random.default_rng(0).random((group.order, 2))
    reg = gc.Action.regular(group)
    for h in range(group.order):
        assert np.array_equal(gc.regular_act(group, h, s, axis=0), reg.apply(h, s, axis=0))
        assert np.array_equal(gc.regular_act(group, h, s, axis=0), s[group.table[group.inverse[h]]])
