"""Actions: the action law, constructors, apply, restrictions, products, orbits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import groupcore as gc


def check_action_law(act: gc.Action) -> None:
    G, A = act.group, act.table
    assert (A[0] == np.arange(act.size)).all()
    assert (A[G.table] == A[:, A]).all()      # (g·h)·x == g·(h·x) for every g, h, x


def test_regular(group: gc.Group) -> None:
    act = gc.Action.regular(group)
    check_action_law(act)
    assert act.size == group.order


def test_apply_moves_value_at_x_to_gx(group: gc.Group) -> None:
    act = gc.Action.regular(group)
    s = np.arange(group.order) * 10
    for g in range(group.order):
        out = act.apply(g, s)
        for x in range(group.order):
            assert out[act.table[g, x]] == s[x]


def test_apply_is_a_left_action_on_arrays(group: gc.Group) -> None:
    act = gc.Action.regular(group)
    s = np.random.default_rng(0).random((2, group.order, 3))
    for g in range(group.order):
        for h in range(group.order):
            lhs = act.apply(g, act.apply(h, s, axis=1), axis=1)
            assert np.array_equal(lhs, act.apply(int(group.table[g, h]), s, axis=1))


def test_permutation_matrices_are_a_representation(group: gc.Group) -> None:
    act = gc.Action.regular(group)
    P = act.permutation_matrices()
    s = np.random.default_rng(1).random(group.order)
    for g in range(group.order):
        assert np.allclose(P[g] @ s, act.apply(g, s), rtol=0, atol=0)
        for h in range(group.order):
            assert (P[g] @ P[h] == P[group.table[g, h]]).all()


@given(st.sampled_from([gc.symmetric(4), gc.dihedral(6), gc.alternating(4), gc.quaternion(), gc.cyclic(12)]),
       st.data())
def test_coset_actions_of_random_subgroups(G: gc.Group, data: st.DataObject) -> None:
    gens = data.draw(st.lists(st.integers(0, G.order - 1), max_size=2), label="subgroup generators")
    H = gc.Group.from_generators(G.permutation_representation()[[0] + gens])
    elements = np.flatnonzero(np.isin(np.arange(G.order), [int(np.flatnonzero((G.table == p).all(1))[0])
                                                           for p in H.permutations]))
    act = gc.Action.on_cosets(G, elements)
    gc.Action.from_table(G, act.table)        # validated
    check_action_law(act)
    assert act.size == G.order // len(elements)
    assert act.stabilizer(0).tolist() == sorted(elements.tolist())


def test_restrict_product_orbits() -> None:
    D4 = gc.dihedral(4)
    act = gc.Action.on_grid(D4, (3, 3))
    rot = act.restrict([0, 1, 2, 3])
    assert rot.group == gc.cyclic(4) and rot.shape == (3, 3)
    check_action_law(rot)
    orbits = act.orbits()
    assert sorted(len(o) for o in orbits) == [1, 4, 4]
    prod = gc.Action.regular(D4).product(gc.Action.on_cosets(D4, [0, 4]))
    check_action_law(prod)
    assert prod.size == 8 * 4 and prod.shape == (8, 4)
    s = np.random.default_rng(0).random((8, 4))
    for g in range(8):
        expected = gc.Action.on_cosets(D4, [0, 4]).apply(g, gc.Action.regular(D4).apply(g, s, axis=0), axis=1)
        assert np.array_equal(prod.apply(g, s), expected)


def test_natural_action() -> None:
    act = gc.Action.natural(gc.symmetric(4))
    check_action_law(act)
    assert [len(o) for o in act.orbits()] == [4]


def test_not_compatible_names_witness() -> None:
    C4 = gc.cyclic(4)
    bad = np.array([[0, 1], [1, 0], [1, 0], [1, 0]])       # r² would have to act trivially
    witness = r"not an action: \((\d)·(\d)\)·(\d) = \d but \1·\(\2·\3\) = \d"
    with pytest.raises(gc.ActionAxiomError, match=witness) as info:
        gc.Action.from_table(C4, bad)
    g, h, x = info.value.witness
    assert bad[C4.table[g, h], x] != bad[g, bad[h, x]]


def test_identity_must_act_trivially() -> None:
    with pytest.raises(gc.ActionAxiomError, match=r"identity must act trivially, but e·0 = 1"):
        gc.Action.from_table(gc.cyclic(2), [[1, 0], [1, 0]])


def test_mismatched_sizes() -> None:
    with pytest.raises(gc.ActionAxiomError, match=r"must have shape \(4, m\), one row per group element; got \(2, 3\)"):
        gc.Action.from_table(gc.cyclic(4), np.zeros((2, 3), dtype=int))
    with pytest.raises(gc.ActionAxiomError, match=r"table\[1, 0\] = 5 is not a point of X"):
        gc.Action.from_table(gc.cyclic(2), [[0, 1], [5, 0]])
    with pytest.raises(gc.ActionAxiomError, match="must be integers"):
        gc.Action.from_table(gc.cyclic(2), [[0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(gc.ActionAxiomError, match="same group"):
        gc.Action.regular(gc.cyclic(2)).product(gc.Action.regular(gc.cyclic(3)))
    with pytest.raises(gc.ActionAxiomError, match=r"shape \(3,\) has 3 points"):
        gc.Action.from_table(gc.cyclic(2), [[0, 1], [1, 0]], shape=(3,))


def test_apply_errors() -> None:
    act = gc.Action.regular(gc.cyclic(3))
    with pytest.raises(ValueError, match="is on 3 points but axes 0..0 of the array have shape \\(4,\\)"):
        act.apply(1, np.zeros(4))
    with pytest.raises(ValueError, match="5 is not an element of C3"):
        act.apply(5, np.zeros(3))
    with pytest.raises(ValueError, match="is not a point of X"):
        act.stabilizer(3)


def test_apply_on_array_api_arrays() -> None:
    xps = pytest.importorskip("array_api_strict")
    dev = xps.Device("device1")
    act = gc.Action.on_grid(gc.dihedral(4), (4, 4))
    img = np.random.default_rng(0).random((2, 4, 4))
    x = xps.asarray(img, device=dev)
    for g in range(8):
        out = act.apply(g, x)
        assert out.device == dev
        assert np.array_equal(np.asarray(xps.asarray(out, device=xps.Device("CPU_DEVICE"))), act.apply(g, img))
