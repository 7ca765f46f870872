"""Group structure against SymPy as a live outside oracle, and the Group API."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy.combinatorics import Permutation, PermutationGroup
from sympy.combinatorics.named_groups import AlternatingGroup, CyclicGroup, DihedralGroup, SymmetricGroup

import groupcore as gc


def invariants_ours(G: gc.Group) -> tuple:
    return (G.order, Counter(G.element_orders().tolist()), G.is_abelian(), len(G.center()),
            Counter(len(c) for c in G.conjugacy_classes()))


def invariants_sympy(P: PermutationGroup) -> tuple:
    elems = list(P.elements)
    return (int(P.order()), Counter(int(p.order()) for p in elems), bool(P.is_abelian),
            int(P.center().order()), Counter(len(c) for c in P.conjugacy_classes()))


def q8_sympy() -> PermutationGroup:
    """Q8 through its regular representation, built independently from quaternion units."""
    units = {(1, 1): 1}
    import sympy
    from sympy.algebras.quaternion import Quaternion
    elems = [Quaternion(1, 0, 0, 0), Quaternion(0, 1, 0, 0), Quaternion(0, 0, 1, 0), Quaternion(0, 0, 0, 1)]
    elems += [-q for q in elems]
    index = {tuple(q.to_Matrix()): i for i, q in enumerate(elems)}
    perms = [Permutation([index[tuple((a * b).to_Matrix())] for b in elems]) for a in elems]
    del units, sympy
    return PermutationGroup(perms)


ORACLE = [
    (lambda: gc.cyclic(6), lambda: CyclicGroup(6)),
    (lambda: gc.dihedral(5), lambda: DihedralGroup(5)),
    (lambda: gc.dihedral(6), lambda: DihedralGroup(6)),
    (lambda: gc.symmetric(4), lambda: SymmetricGroup(4)),
    (lambda: gc.symmetric(5), lambda: SymmetricGroup(5)),
    (lambda: gc.alternating(4), lambda: AlternatingGroup(4)),
    (lambda: gc.alternating(5), lambda: AlternatingGroup(5)),
    (gc.quaternion, q8_sympy),
    (gc.klein, lambda: PermutationGroup([Permutation([1, 0, 3, 2]), Permutation([2, 3, 0, 1])])),
]


@pytest.mark.parametrize(("ours", "theirs"), ORACLE, ids=["C6", "D5", "D6", "S4", "S5", "A4", "A5", "Q8", "V4"])
def test_invariants_match_sympy(ours, theirs) -> None:
    assert invariants_ours(ours()) == invariants_sympy(theirs())


def check_table_against_sympy(G: gc.Group) -> None:
    """``g·h = compose(g, h)`` applies h first; SymPy's ``p*q`` applies p first."""
    perms = [Permutation(list(p)) for p in G.permutations]
    for i in range(G.order):
        for j in range(G.order):
            assert perms[j] * perms[i] == perms[int(G.table[i, j])]


@given(st.integers(3, 6).flatmap(
    lambda d: st.lists(st.permutations(list(range(d))), min_size=1, max_size=3)))
@settings(max_examples=40)
def test_random_permutation_groups_match_sympy(gens: list[list[int]]) -> None:
    G = gc.Group.from_generators(gens)
    P = PermutationGroup([Permutation(g) for g in gens])
    assert invariants_ours(G) == invariants_sympy(P)
    if G.order <= 120:
        check_table_against_sympy(G)


def test_from_sympy() -> None:
    G = gc.Group.from_sympy(DihedralGroup(4))
    assert invariants_ours(G) == invariants_sympy(DihedralGroup(4))
    check_table_against_sympy(G)


@given(st.sampled_from([gc.dihedral(4), gc.symmetric(3), gc.quaternion(), gc.alternating(4), gc.cyclic(6)]),
       st.randoms(use_true_random=False))
def test_relabelling_gives_an_isomorphic_group(G: gc.Group, rnd) -> None:
    rest = list(range(1, G.order))
    rnd.shuffle(rest)
    perm = np.array([0] + rest)
    H = gc.Group.from_table(G.relabel(perm).table)          # still a valid group
    assert G.is_homomorphism(perm, H) and np.unique(perm).size == G.order   # a bijective homomorphism
    assert invariants_ours(H) == invariants_ours(G)


def test_element_orders_and_structure() -> None:
    D4 = gc.dihedral(4)
    assert [D4.element_order(g) for g in range(8)] == D4.element_orders().tolist() == [1, 4, 2, 4, 2, 2, 2, 2]
    assert D4.center().tolist() == [0, 2]
    assert [c.tolist() for c in D4.conjugacy_classes()] == [[0], [1, 3], [2], [4, 6], [5, 7]]


def test_subgroup_and_embedding() -> None:
    S4 = gc.symmetric(4)
    A4 = gc.alternating(4)
    even = [g for g in range(24) if np.linalg.det(np.eye(4)[S4.permutations[g]]) > 0]
    H, emb = S4.subgroup(even)
    assert H.order == 12 and emb.tolist() == sorted(even)
    assert invariants_ours(H) == invariants_ours(A4)
    for i in range(12):
        for j in range(12):
            assert emb[H.table[i, j]] == S4.table[emb[i], emb[j]]


def test_subgroup_errors() -> None:
    C4 = gc.cyclic(4)
    with pytest.raises(gc.GroupAxiomError, match=r"not a subgroup: 1·1 = 2 is not in the subset"):
        C4.subgroup([0, 1])
    with pytest.raises(gc.GroupAxiomError, match="identity 0 is missing"):
        C4.subgroup([2])
    with pytest.raises(gc.GroupAxiomError, match="7 is not an element of C4"):
        C4.subgroup([0, 7])
    with pytest.raises(gc.GroupAxiomError, match="not empty"):
        C4.subgroup([])
    assert not C4.is_subgroup([0, 1]) and C4.is_subgroup([0, 2]) and not C4.is_subgroup([0, 9])


def test_cosets_partition_the_group() -> None:
    S3 = gc.symmetric(3)
    H = [0, 1]
    for side in ("left", "right"):
        cosets = S3.cosets(H, side=side)
        assert sorted(np.concatenate(cosets).tolist()) == list(range(6))
        assert all(len(c) == 2 for c in cosets)
    left = S3.cosets(H, "left")
    assert all(sorted(S3.table[c[0], H].tolist()) == c.tolist() for c in left)
    with pytest.raises(ValueError, match="side must be 'left' or 'right'"):
        S3.cosets(H, side="middle")


def test_left_and_right_cosets_differ_for_a_non_normal_subgroup() -> None:
    S3 = gc.symmetric(3)
    left = {tuple(c) for c in map(np.ndarray.tolist, S3.cosets([0, 1], "left"))}
    right = {tuple(c) for c in map(np.ndarray.tolist, S3.cosets([0, 1], "right"))}
    assert left != right


def test_generators_generate(group: gc.Group) -> None:
    gens = group.generators()
    if not gens:
        assert group.order == 1
        return
    perms = group.permutation_representation()[gens]
    assert gc.Group.from_generators(perms).order == group.order


def test_permutation_representation_is_a_homomorphism(group: gc.Group) -> None:
    P = group.permutation_representation()
    for g in range(group.order):
        for h in range(group.order):
            assert (P[g][P[h]] == P[group.table[g, h]]).all()


def test_homomorphism_check() -> None:
    from groupcore.group import homomorphism_failure
    C4, C2 = gc.cyclic(4), gc.cyclic(2)
    assert C4.is_homomorphism([0, 1, 0, 1], C2)
    err = homomorphism_failure(C4, [0, 1, 1, 0], C2)
    assert err is not None and err.axiom == "homomorphism" and "phi(1·1)" in str(err)
    assert not C4.is_homomorphism([0, 1], C2)


def test_relabel_errors() -> None:
    with pytest.raises(ValueError, match="must fix the identity"):
        gc.cyclic(3).relabel([1, 0, 2])
    with pytest.raises(ValueError, match="must be a permutation"):
        gc.cyclic(3).relabel([0, 0, 1])


def test_equality_hash_and_repr() -> None:
    assert gc.cyclic(4) == gc.Group.from_table(gc.cyclic(4).table)
    assert hash(gc.cyclic(4)) == hash(gc.Group.from_table(gc.cyclic(4).table))
    assert gc.cyclic(4) != gc.klein()
    assert repr(gc.dihedral(4)) == "Group(D4, order=8)"
    with pytest.raises(ValueError, match="9 is not an element of C4"):
        gc.cyclic(4).element_order(9)


def test_natural_action_needs_permutations() -> None:
    with pytest.raises(ValueError, match="not built from permutations"):
        gc.Action.natural(gc.cyclic(3))
