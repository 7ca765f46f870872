"""Permutation composition, closure and Cayley tables."""

from __future__ import annotations

import numpy as np
import pytest

import groupcore as gc
from groupcore.permutations import as_permutations, cayley_table, closure, compose


def test_compose_applies_right_argument_first() -> None:
    p, q = np.array([1, 2, 0]), np.array([1, 0, 2])
    assert compose(p, q).tolist() == [p[q[i]] for i in range(3)]


def test_closure_puts_identity_first_and_keeps_order() -> None:
    elems = closure(np.array([[1, 0, 2], [0, 2, 1]]), max_order=10)
    assert elems[0].tolist() == [0, 1, 2]
    assert elems[1].tolist() == [1, 0, 2] and elems[2].tolist() == [0, 2, 1]
    assert len(elems) == 6


def test_cayley_table_matches_brute_force() -> None:
    elems = closure(np.array([[1, 2, 3, 0], [1, 0, 2, 3]]), max_order=24)
    table = cayley_table(elems)
    codes = {tuple(e): i for i, e in enumerate(elems.tolist())}
    brute = [[codes[tuple(elems[i][elems[j]].tolist())] for j in range(24)] for i in range(24)]
    assert table.tolist() == brute


def test_large_degree_uses_exact_codes() -> None:
    d = 17                                      # beyond base-d int64 codes
    cycle = np.roll(np.arange(d), 1)
    G = gc.Group.from_generators([cycle])
    assert G == gc.cyclic(d)


def test_not_closed_raises() -> None:
    with pytest.raises(gc.GroupAxiomError, match="not closed under composition"):
        cayley_table(np.array([[0, 1, 2], [1, 2, 0]]))


def test_cayley_table_needs_identity_first() -> None:
    with pytest.raises(gc.GroupAxiomError, match="element 0 must be the identity"):
        cayley_table(np.array([[1, 0], [0, 1]]))


def test_bad_permutations() -> None:
    with pytest.raises(gc.GroupAxiomError, match=r"row 1 is not a permutation of 0..2: \[0, 0, 1\]"):
        as_permutations([[0, 1, 2], [0, 0, 1]])
    with pytest.raises(gc.GroupAxiomError, match="non-empty list of permutations"):
        as_permutations([])


def test_too_large_says_how_large_and_what_to_raise() -> None:
    with pytest.raises(gc.GroupTooLargeError, match=r"more than max_order=10 .*at most 5! = 120.*larger max_order"):
        gc.Group.from_generators([[1, 2, 3, 4, 0], [1, 0, 2, 3, 4]], max_order=10)
