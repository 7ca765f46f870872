"""Bad inputs to the group algebra: each one raises a clear error naming what is wrong and the fix.

Memory refusals are checked to happen before anything large is allocated: the traced peak stays
below a few megabytes where building the group would take gigabytes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sympy.combinatorics.named_groups import SymmetricGroup

import groupcore as gc
from groupcore.names import parse_groups
from groupcore.permutations import cayley_table

C4 = gc.cyclic(4)
#: A magma with identity 0 in which 1 and 2 never reach 0 by powers (built unvalidated).
NOT_A_GROUP = gc.Group.from_table([[0, 1, 2], [1, 2, 2], [2, 2, 2]], validate=False, name="M3")
S8_GENERATORS = [[1, 2, 3, 4, 5, 6, 7, 0], [1, 0, 2, 3, 4, 5, 6, 7]]


Case = tuple[Callable[[], Any], type[Exception], str]

ELEMENTS: dict[str, Case] = {
    "multiply-negative": (lambda: C4.multiply(-1, 2), gc.GroupAxiomError,
                          r"-1 is not an element of C4 \(elements are 0\.\.3\); negative labels do not count"),
    "multiply-past-the-end": (lambda: C4.multiply(1, 4), gc.GroupAxiomError, r"4 is not an element of C4"),
    "multiply-bool": (lambda: C4.multiply(True, 1), ValueError, r"True is a bool, not an element of C4.*pass 1"),
    "multiply-numpy-bool": (lambda: C4.multiply(1, np.bool_(False)), ValueError, r"False is a bool"),
    "multiply-float": (lambda: C4.multiply(1, 2.0), ValueError, r"2\.0 is a float, not an element of C4"),
    "multiply-string": (lambda: C4.multiply("1", 0), ValueError, r"'1' is a str, not an element of C4"),
    "element-order-bool": (lambda: C4.element_order(True), ValueError, r"True is a bool"),
    "element-order-numpy-float": (lambda: C4.element_order(np.float64(1.0)), ValueError, r"is a float64"),
    "element-order-no-power-is-e": (lambda: NOT_A_GROUP.element_order(1), gc.GroupAxiomError,
                                    r"no power g\^k of element 1 with 1 <= k <= 3 is the identity 0.*validate=True"),
    "element-orders-no-power-is-e": (lambda: NOT_A_GROUP.element_orders(), gc.GroupAxiomError,
                                     r"no power g\^k of element 1 .*M3's table is not a group"),
    "subgroup-bool": (lambda: C4.subgroup([0, True]), ValueError, r"True is a bool, not an element of C4"),
    "subgroup-float": (lambda: C4.subgroup([0, 2.0]), ValueError, r"2\.0 is a float"),
    "subgroup-float-array": (lambda: C4.subgroup(np.array([0.0, 1.5])), ValueError, r"0\.0 is a float"),
    "subgroup-mask": (lambda: C4.subgroup(np.array([True, False, True, False])), ValueError,
                      r"boolean mask is not a list of elements of C4: pass np\.flatnonzero\(mask\)"),
    "subgroup-string": (lambda: C4.subgroup([0, "2"]), ValueError, r"'2' is a str"),
    "subgroup-negative": (lambda: C4.subgroup([0, -2]), gc.GroupAxiomError, r"-2 is not an element of C4"),
    "is-subgroup-float": (lambda: C4.is_subgroup([0, 2.0]), ValueError, r"2\.0 is a float"),
    "cosets-bool": (lambda: C4.cosets([0, True]), ValueError, r"True is a bool"),
    "cosets-out-of-range": (lambda: C4.cosets([0, 9]), gc.GroupAxiomError, r"9 is not an element of C4"),
}

TABLES: dict[str, Case] = {
    "non-integer-float": (lambda: gc.Group.from_table([[0, 1], [1, 0.5]]), gc.GroupAxiomError,
                          r"must be integers; entry \(1, 1\) is 0\.5"),
    "nan": (lambda: gc.Group.from_table([[0, np.nan], [1, 0]]), gc.GroupAxiomError,
            r"must be integers; entry \(0, 1\) is nan"),
    "infinity": (lambda: gc.Group.from_table([[0, 1], [np.inf, 0]]), gc.GroupAxiomError,
                 r"must be integers; entry \(1, 0\) is inf"),
    "huge-value": (lambda: gc.Group.from_table([[0, 2**40], [1, 0]]), gc.GroupAxiomError,
                   r"must lie in 0\.\.1; entry \(0, 1\) is 1099511627776"),
    "huge-float": (lambda: gc.Group.from_table([[0.0, 1e300], [1.0, 0.0]]), gc.GroupAxiomError,
                   r"must lie in 0\.\.1; entry \(0, 1\) is 1e\+300"),
    "beyond-64-bits": (lambda: gc.Group.from_table([[0, 2**70], [1, 0]]), gc.GroupAxiomError,
                       r"dtype object \(mixed types, or integers beyond 64 bits\)"),
    "negative-entry": (lambda: gc.Group.from_table([[0, 1], [1, -1]]), gc.GroupAxiomError,
                       r"must lie in 0\.\.1; entry \(1, 1\) is -1"),
    "bool-table": (lambda: gc.Group.from_table([[False, True], [True, False]]), gc.GroupAxiomError,
                   r"must be integers; got dtype bool"),
    "complex-table": (lambda: gc.Group.from_table(np.eye(2, dtype=complex)), gc.GroupAxiomError,
                      r"must be integers; got dtype complex128"),
    "ragged-rows": (lambda: gc.Group.from_table([[0, 1], [1]]), gc.GroupAxiomError,
                    r"must be a rectangular \(n, n\) array of integers"),
    "three-dimensional": (lambda: gc.Group.from_table(np.zeros((2, 2, 2), dtype=int)), gc.GroupAxiomError,
                          r"must be square \(n, n\); got shape \(2, 2, 2\)"),
    "unvalidated-out-of-range": (lambda: gc.Group.from_table([[0, 5], [5, 0]], validate=False),
                                 gc.GroupAxiomError, r"must lie in 0\.\.1; entry \(0, 1\) is 5"),
    "not-latin": (lambda: gc.Group.from_table([[0, 1, 2], [1, 1, 1], [2, 1, 2]]), gc.GroupAxiomError,
                  r"row 1 repeats 1 in columns 0 and 1, so 1 has no inverse"),
}

FAMILIES: dict[str, Case] = {
    "cyclic-negative": (lambda: gc.cyclic(-3), ValueError, r"cyclic\(n\) needs an integer n >= 1; got -3"),
    "dihedral-zero": (lambda: gc.dihedral(0), ValueError, r"dihedral\(n\) needs an integer n >= 1; got 0"),
    "symmetric-bool": (lambda: gc.symmetric(True), ValueError, r"symmetric\(n\) needs an integer n >= 1; got True"),
    "alternating-float": (lambda: gc.alternating(4.0), ValueError, r"alternating\(n\) needs an integer"),
    "cyclic-string": (lambda: gc.cyclic("4"), ValueError, r"cyclic\(n\) needs an integer n >= 1; got '4'"),
    "max-bytes-zero": (lambda: gc.symmetric(3, max_bytes=0), ValueError,
                       r"max_bytes must be a positive integer number of bytes .*got 0"),
    "max-bytes-bool": (lambda: gc.alternating(3, max_bytes=True), ValueError, r"max_bytes must be a positive"),
    "small-budget": (lambda: gc.symmetric(5, max_bytes=1000), gc.GroupTooLargeError,
                     r"symmetric\(5\) \(order 5! = 120: .*more than max_bytes=1000 .*pass max_bytes=\d+ or more"),
}

PERMUTATIONS: dict[str, Case] = {
    "different-lengths": (lambda: gc.Group.from_generators([[1, 0], [0, 2, 1]]), gc.GroupAxiomError,
                          r"permutation 0 has 2 entries but permutation 1 has 3; extend the shorter ones"),
    "bool-inside-a-list": (lambda: gc.Group.from_generators([[0, True]]), gc.GroupAxiomError,
                           r"permutation 0 contains a bool: \[0, True\]"),
    "bool-array": (lambda: gc.Group.from_generators(np.array([[False, True]])), gc.GroupAxiomError,
                   r"must be integers; got dtype bool"),
    "float-entries": (lambda: gc.Group.from_generators([[1.0, 0.0]]), gc.GroupAxiomError,
                      r"must be integers; got dtype float64"),
    "not-a-permutation": (lambda: gc.Group.from_generators([[0, 0, 1]]), gc.GroupAxiomError,
                          r"row 0 is not a permutation of 0\.\.2: \[0, 0, 1\]"),
    "no-permutations": (lambda: gc.Group.from_generators([]), gc.GroupAxiomError, r"non-empty list of permutations"),
    "max-order-zero": (lambda: gc.Group.from_generators([[1, 0]], max_order=0), ValueError,
                       r"max_order must be a positive integer; got 0"),
    "max-order-bool": (lambda: gc.Group.from_permutations([[1, 0]], max_order=True), ValueError,
                       r"max_order must be a positive integer; got True"),
    "past-max-order": (lambda: gc.Group.from_generators(S8_GENERATORS, max_order=100), gc.GroupTooLargeError,
                       r"more than max_order=100 elements .*at most 8! = 40,320.*larger max_order"),
    "compose-negative-entry": (lambda: gc.compose([1, 2, 0], [-1, 0, 1]), gc.GroupAxiomError,
                               r"row 0 is not a permutation of 0\.\.2: \[-1, 0, 1\]"),
    "compose-different-points": (lambda: gc.compose([1, 0], [0, 2, 1]), gc.GroupAxiomError,
                                 r"compose\(p, q\) needs permutations of the same points; p has 2 entries"),
    "compose-a-stack": (lambda: gc.compose([[1, 0], [0, 1]], [1, 0]), gc.GroupAxiomError,
                        r"p must be one permutation \(a 1-D array\); got 2 rows"),
    "table-of-repeated-elements": (lambda: cayley_table(np.array([[0, 1], [1, 0], [1, 0]])), gc.GroupAxiomError,
                                   r"elements 1 and 2 are the same permutation: list each element once"),
    "tiny-byte-budget": (lambda: gc.Group.from_permutations([[1, 2, 0]], max_bytes=10), gc.GroupTooLargeError,
                         r"needs at least \d+ bytes, more than max_bytes=10 .*pass a max_bytes well above"),
}

NAMES: dict[str, Case] = {
    "X9": (lambda: gc.parse_group("X9"), ValueError,
           r"unknown group name 'X9': an empty factor before the first x, '9' is not a group name; use C<n>"),
    "trailing-x": (lambda: gc.parse_group("C2x"), ValueError, r"'C2x': an empty factor after the last x"),
    "double-x": (lambda: gc.parse_group("C2xxC3"), ValueError, r"an empty factor between x number 1 and 2"),
    "D0": (lambda: gc.parse_group("D0"), ValueError, r"unknown group name 'D0': D<n> needs n >= 1, got 'D0'"),
    "A0-in-a-product": (lambda: gc.parse_group("C2×A0"), ValueError, r"A<n> needs n >= 1, got 'A0'"),
    "space-inside": (lambda: gc.parse_group("C 4"), ValueError, r"'C 4' is not a group name"),
    "unicode-digit": (lambda: gc.parse_group("C\u0664"), ValueError, r"'C\u0664' is not a group name"),
    "Q16": (lambda: gc.parse_group("Q16"), ValueError, r"'Q16' is not a group name; use C<n>.*Q8, V4"),
    "blank": (lambda: gc.parse_group("   "), ValueError, r"a group name must be a non-empty string; got '   '"),
    "not-a-string": (lambda: gc.parse_group(4), ValueError, r"a group name must be a non-empty string; got 4"),
    "several-bad-names": (lambda: parse_groups(["C0", "X9", "S99", "C2"]), ValueError,
                          r"3 bad group names: unknown group name 'C0'.*unknown group name 'X9'.*group 'S99'"),
    "several-too-large": (lambda: parse_groups(["S8", "A9"], knob="--max-bytes"), gc.GroupTooLargeError,
                          r"2 bad group names: group 'S8' .*--max-bytes=.*group 'A9' \(order 9!/2 = 181,440"),
    "name-budget": (lambda: gc.parse_group("C2", max_bytes=-1), ValueError, r"max_bytes must be a positive integer"),
}

#: Refusals that must come before the allocation they would need (a traced peak of a few MB).
TOO_LARGE: dict[str, Case] = {
    "S8": (lambda: gc.symmetric(8), gc.GroupTooLargeError,
           r"symmetric\(8\) \(order 8! = 40,320: .*needs about 7\.7 GiB, more than max_bytes=1073741824 "
           r"\(1\.0 GiB\): pass max_bytes=\d+ or more"),
    "A8": (lambda: gc.alternating(8), gc.GroupTooLargeError, r"alternating\(8\) \(order 8!/2 = 20,160"),
    "S12": (lambda: gc.symmetric(12), gc.GroupTooLargeError, r"far more than any machine holds"),
    "S5000": (lambda: gc.symmetric(5000), gc.GroupTooLargeError, r"5000! ≈ 4\.2e\+16325.*needs at least"),
    "S8-from-generators": (lambda: gc.Group.from_generators(S8_GENERATORS), gc.GroupTooLargeError,
                           r"at least [\d,]+ elements on 8 points, at most 8! = 40,320.*more than max_bytes"),
    "S12-from-sympy": (lambda: gc.Group.from_sympy(SymmetricGroup(12)), gc.GroupTooLargeError,
                       r"on 12 points, at most 12! = 479,001,600"),
    "name-S99": (lambda: gc.parse_group("S99"), gc.GroupTooLargeError,
                 r"group 'S99' \(order 99! ≈ 9\.3e\+155: its Cayley table\) needs about 7\.8e\+312 bytes"),
    "name-C100000": (lambda: gc.parse_group("C100000"), gc.GroupTooLargeError,
                     r"group 'C100000' \(order 100,000: .*195\.6 GiB.*pass max_bytes=\d+"),
    "name-product": (lambda: gc.parse_group("S7xS7"), gc.GroupTooLargeError, r"order 25,401,600"),
}


BAD = {**ELEMENTS, **TABLES, **FAMILIES, **PERMUTATIONS, **NAMES}


@pytest.mark.parametrize(("call", "error", "message"), list(BAD.values()), ids=list(BAD))
def test_bad_input_is_refused(call: Callable[[], Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(("call", "error", "message"), list(TOO_LARGE.values()), ids=list(TOO_LARGE))
def test_too_large_is_refused_before_allocating(refused: Any, call: Callable[[], Any], error: type[Exception],
                                                message: str) -> None:
    refused(call, error, message)


def test_the_budget_is_a_knob() -> None:
    assert gc.symmetric(4, max_bytes=10**6).order == 24
    assert gc.parse_group("C2xC3", max_bytes=10**6).order == 6
    with pytest.raises(gc.GroupTooLargeError, match="max_bytes=100 "):
        gc.parse_group("C2xC3", max_bytes=100)


def test_the_too_large_error_carries_the_numbers() -> None:
    with pytest.raises(gc.GroupTooLargeError) as info:
        gc.symmetric(8)
    assert info.value.order == 40320 and info.value.nbytes > 2**30


def test_accepted_inputs_stay_accepted() -> None:
    assert C4.multiply(np.int64(3), np.int32(2)) == 1
    assert C4.subgroup(np.array([0, 2], dtype=np.uint8))[0].order == 2
    assert gc.parse_group(" c2 X c3 ").order == 6 and gc.parse_group("A1").order == 1
    assert gc.Group.from_table([[0.0, 1.0], [1.0, 0.0]]) == gc.cyclic(2)


C300 = gc.cyclic(300)


@pytest.mark.parametrize("call, message", [
    (lambda: gc.cyclic(10**6), r"cyclic\(1000000\) \(order 1000000: its Cayley table\)"),
    (lambda: gc.dihedral(10**6), r"dihedral\(1000000\)"),
    (lambda: gc.direct_product(C300, C300), r"direct_product\(C300, C300\)"),
    (lambda: gc.Group.from_matrices([[[0, -1], [1, 0]]], max_bytes=100), "the group of 2x2 matrices"),
])
def test_families_and_matrix_groups_check_their_table_size(refused: Any, call: Callable[[], Any],
                                                           message: str) -> None:
    refused(call, gc.GroupTooLargeError, message)


def test_direct_product_takes_groups() -> None:
    with pytest.raises(TypeError, match="direct_product takes two groupcore.Group"):
        gc.direct_product(gc.cyclic(2), [[0]])


@pytest.mark.parametrize("axis, message", [(5, r"from -2 to 1\); got 5"), (-3, "got -3"), (1.0, "got 1.0"),
                                           (True, "got True")])
def test_project_names_a_bad_axis(axis: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        gc.project(np.zeros((2, 2)), axis=axis)
    with pytest.raises(ValueError, match="has length 0"):
        gc.project(np.zeros((2, 0)), axis=1)
