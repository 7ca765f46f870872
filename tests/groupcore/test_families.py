"""Every family member up to order 120 passes an exhaustive (cubic) axiom check."""

from __future__ import annotations

import numpy as np
import pytest

import groupcore as gc

FAMILY = (
    [gc.cyclic(n) for n in range(1, 31)]
    + [gc.dihedral(n) for n in range(1, 21)]
    + [gc.symmetric(n) for n in range(1, 6)]
    + [gc.alternating(n) for n in range(3, 6)]
    + [gc.klein(), gc.quaternion()]
    + [gc.direct_product(a, b) for a in (gc.cyclic(2), gc.cyclic(3), gc.klein())
       for b in (gc.cyclic(2), gc.symmetric(3), gc.quaternion())]
)


def exhaustive_axioms(t: np.ndarray) -> None:
    """The definition, checked literally over every pair and triple."""
    n = t.shape[0]
    assert (t[0] == np.arange(n)).all() and (t[:, 0] == np.arange(n)).all()
    assert ((t == 0).sum(axis=1) == 1).all()
    assert (t[t, :] == t[:, t]).all() if n <= 40 else all(
        (t[t[x], :] == t[x][t]).all() for x in range(n))   # (x·y)·z == x·(y·z)


@pytest.mark.parametrize("G", FAMILY, ids=[G.name for G in FAMILY])
def test_family_member_is_a_group(G: gc.Group) -> None:
    exhaustive_axioms(G.table)
    assert gc.Group.from_table(G.table) == G
    assert (G.table[np.arange(G.order), G.inverse] == 0).all()


@pytest.mark.parametrize(("factory", "orders"), [
    (gc.cyclic, {1: 1, 7: 7}), (gc.dihedral, {1: 2, 2: 4, 5: 10}),
    (gc.symmetric, {1: 1, 4: 24}), (gc.alternating, {1: 1, 2: 1, 5: 60}),
])
def test_orders(factory, orders) -> None:
    for n, order in orders.items():
        assert factory(n).order == order


def test_dihedral_labelling() -> None:
    D = gc.dihedral(5)
    r, f = 1, 5
    assert D.multiply(f, f) == 0 and D.element_order(r) == 5
    assert D.multiply(f, r) == D.multiply(D.inverse[r], f)          # f r = r⁻¹ f
    for k in range(5):
        assert D.multiply(k, f) == 5 + k                            # element n + k is r^k f


def test_quaternion_relations() -> None:
    Q = gc.quaternion()
    i, j, k, minus = 1, 2, 3, 4
    assert Q.multiply(i, i) == Q.multiply(j, j) == Q.multiply(k, k) == minus
    assert Q.multiply(Q.multiply(i, j), k) == minus


def test_direct_product_labelling() -> None:
    G, H = gc.cyclic(3), gc.symmetric(3)
    P = gc.direct_product(G, H)
    for g1, g2, h1, h2 in [(1, 2, 3, 4), (2, 2, 5, 1)]:
        assert P.multiply(g1 * 6 + h1, g2 * 6 + h2) == G.multiply(g1, g2) * 6 + H.multiply(h1, h2)


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_bad_family_arguments(bad) -> None:
    with pytest.raises(ValueError, match=r"cyclic\(n\) needs an integer n >= 1"):
        gc.cyclic(bad)


def test_tables_are_int32_and_read_only() -> None:
    G = gc.dihedral(4)
    assert G.table.dtype == np.int32
    with pytest.raises(ValueError, match="read-only"):
        G.table[0, 0] = 1
