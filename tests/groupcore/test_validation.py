"""Cayley-table validation: every axiom failure raises GroupAxiomError with a witness."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import groupcore as gc
from groupcore.validation import magma_generators, validate_table

# The smallest loop that is not a group: a Latin square with identity, not associative.
LOOP5 = np.array([[0, 1, 2, 3, 4],
                  [1, 0, 3, 4, 2],
                  [2, 4, 0, 1, 3],
                  [3, 2, 4, 0, 1],
                  [4, 3, 1, 2, 0]])


def test_non_associative_names_a_failing_triple() -> None:
    witness = r"not associative: \((\d)·(\d)\)·(\d) = \d but \1·\(\2·\3\) = \d"
    with pytest.raises(gc.GroupAxiomError, match=witness) as info:
        gc.Group.from_table(LOOP5)
    x, s, y = info.value.witness
    assert info.value.axiom == "associativity"
    assert LOOP5[LOOP5[x, s], y] != LOOP5[x, LOOP5[s, y]]


def test_not_square() -> None:
    with pytest.raises(gc.GroupAxiomError, match=r"must be square .* got shape \(2, 3\)"):
        gc.Group.from_table(np.zeros((2, 3), dtype=int))


def test_empty() -> None:
    with pytest.raises(gc.GroupAxiomError, match="at least one element"):
        gc.Group.from_table(np.zeros((0, 0), dtype=int))


def test_non_integer_entries() -> None:
    with pytest.raises(gc.GroupAxiomError, match=r"must be integers; entry \(1, 1\) is 0.5"):
        gc.Group.from_table([[0.0, 1.0], [1.0, 0.5]])
    with pytest.raises(gc.GroupAxiomError, match="must be integers; got dtype"):
        gc.Group.from_table(np.array([["a", "b"], ["b", "a"]]))


def test_integral_floats_are_accepted() -> None:
    assert gc.Group.from_table([[0.0, 1.0], [1.0, 0.0]]) == gc.cyclic(2)


def test_out_of_range() -> None:
    with pytest.raises(gc.GroupAxiomError, match=r"must lie in 0..1; entry \(1, 0\) is 2"):
        gc.Group.from_table([[0, 1], [2, 0]])


def test_identity_elsewhere_says_how_to_relabel() -> None:
    t = np.array([[1, 0], [0, 1]])           # element 1 is the identity
    with pytest.raises(gc.GroupAxiomError, match=r"identity must be element 0, but it is element 1: relabel"):
        gc.Group.from_table(t)


def test_no_identity_at_all() -> None:
    with pytest.raises(gc.GroupAxiomError, match="element 0 is not an identity"):
        gc.Group.from_table([[1, 0], [0, 0]])


def test_not_latin_names_row_and_repeat() -> None:
    t = np.array([[0, 1, 2], [1, 1, 1], [2, 1, 2]])     # an associative monoid, not a group
    with pytest.raises(gc.GroupAxiomError, match=r"not a Latin square: row 1 repeats 1 in columns 0 and 1") as info:
        gc.Group.from_table(t)
    assert info.value.axiom == "latin square"


def test_validate_false_trusts_the_caller() -> None:
    G = gc.Group.from_table(LOOP5, validate=False)
    assert G.order == 5


@pytest.mark.parametrize("factory", [lambda: gc.symmetric(4), lambda: gc.dihedral(6), gc.quaternion,
                                     lambda: gc.direct_product(gc.cyclic(2), gc.cyclic(6))])
def test_magma_generators_generate(factory) -> None:
    G = factory()
    gens = magma_generators(G.table)
    H = gc.Group.from_table(G.table)
    assert H == G
    # the greedy set reaches everything by right multiplication from the identity
    reached = {0}
    frontier = [0]
    while frontier:
        frontier = [int(G.table[x, s]) for x in frontier for s in gens if int(G.table[x, s]) not in reached]
        reached.update(frontier)
    assert reached == set(range(G.order))


_SMALL = [gc.cyclic(5), gc.dihedral(3), gc.dihedral(4), gc.symmetric(3), gc.quaternion(), gc.alternating(4),
          gc.klein()]


@given(st.sampled_from(_SMALL), st.data())
def test_corrupting_one_entry_always_raises(G: gc.Group, data: st.DataObject) -> None:
    g = data.draw(st.integers(0, G.order - 1), label="g")
    h = data.draw(st.integers(0, G.order - 1), label="h")
    new = data.draw(st.integers(0, G.order - 1).filter(lambda v: v != G.table[g, h]), label="new")
    t = G.table.copy()
    t[g, h] = new
    with pytest.raises(gc.GroupAxiomError):
        validate_table(t)
