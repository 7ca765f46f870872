"""Permutations as integer arrays: composition, closure of a generating set, Cayley tables.

``compose(p, q) = p[q]`` applies ``q`` first. SymPy's ``p*q`` applies ``p`` first, so
``Permutation(p) * Permutation(q)`` corresponds to ``compose(q, p)`` here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import GroupAxiomError, GroupTooLargeError
from .validation import (
    DEFAULT_MAX_BYTES,
    check_budget,
    format_count,
    format_factorial,
    group_nbytes,
    permutations_order,
    table_dtype,
)

__all__ = ["compose", "as_permutations", "closure", "cayley_table", "permutation_group_nbytes",
           "listing_size"]

_DIRECT_CODE_LIMIT = 1 << 24
_BLOCK = 1 << 16               # products composed at a time while closing a set of permutations


def compose(p: ArrayLike, q: ArrayLike) -> NDArray[np.integer]:
    """Return ``p ∘ q`` (apply ``q`` first), i.e. ``p[q]``.

    Raises
    ------
    GroupAxiomError
        If ``p`` or ``q`` is not one permutation, or they permute different numbers of points
        (negative entries would otherwise count from the end).

    Examples
    --------
    >>> compose([1, 2, 0], [1, 0, 2]).tolist()
    [2, 1, 0]
    """
    a, b = _one_permutation(p, "p"), _one_permutation(q, "q")
    if a.size != b.size:
        raise GroupAxiomError("shape", f"compose(p, q) needs permutations of the same points; p has {a.size} "
                                       f"entries and q has {b.size}")
    return a[b]


def _one_permutation(perm: ArrayLike, name: str) -> NDArray[np.int64]:
    arr = as_permutations(perm)
    if arr.shape[0] != 1:
        raise GroupAxiomError("shape", f"{name} must be one permutation (a 1-D array); got {arr.shape[0]} rows")
    return arr[0]


def _check_nested(perms: object) -> None:
    """For nested Python sequences: equal row lengths and no bools (NumPy would silently make them 0/1)."""
    if isinstance(perms, (np.ndarray, str)) or not isinstance(perms, Sequence):
        return
    rows = [r for r in perms if isinstance(r, (Sequence, np.ndarray)) and not isinstance(r, str)]
    rows = rows if len(rows) == len(perms) else [perms]
    lengths = [len(r) for r in rows]
    if len(set(lengths)) > 1:
        i = next(i for i, k in enumerate(lengths) if k != lengths[0])
        raise GroupAxiomError(
            "shape", f"all permutations must act on the same points: permutation 0 has {lengths[0]} entries "
                     f"but permutation {i} has {lengths[i]}; extend the shorter ones by fixed points "
                     f"(e.g. [1, 0] on 3 points is [1, 0, 2])", (0, i))
    for i, row in enumerate(rows):
        if not isinstance(row, np.ndarray) and any(isinstance(v, (bool, np.bool_)) for v in row):
            raise GroupAxiomError("range", f"permutation {i} contains a bool: {list(row)}; entries are the "
                                           f"integers 0..{len(row) - 1}", (i,))


def as_permutations(perms: ArrayLike | Sequence[Sequence[int]]) -> NDArray[np.int64]:
    """Convert a list of permutations of ``0 … d-1`` to a 2-D int array, validating each row.

    Raises
    ------
    GroupAxiomError
        For rows of different lengths, entries that are not integers (bools and floats
        included), or a row that is not a permutation.

    Examples
    --------
    >>> as_permutations([[0, 1], [1, 0]]).shape
    (2, 2)
    """
    _check_nested(perms)
    arr = np.asarray(perms)
    if arr.ndim == 1 and arr.size:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise GroupAxiomError("shape", f"expected a non-empty list of permutations of equal length; "
                                       f"got shape {arr.shape}")
    if arr.dtype.kind not in "iu":
        raise GroupAxiomError("range", f"permutation entries must be integers; got dtype {arr.dtype}")
    d = arr.shape[1]
    ok = np.sort(arr, axis=1) == np.arange(d)
    if not ok.all():
        r = int(np.flatnonzero(~ok.all(axis=1))[0])
        raise GroupAxiomError("range", f"row {r} is not a permutation of 0..{d - 1}: {arr[r].tolist()}", (r,))
    return arr.astype(np.int64)


def _direct_codes(d: int) -> bool:
    """Whether permutations of ``d`` points are looked up in a direct table of all ``d**d`` codes."""
    return d <= 15 and d**d <= _DIRECT_CODE_LIMIT


class _Codes:
    """Injective integer codes for permutations of degree ``d`` and a lookup code -> index."""

    def __init__(self, d: int) -> None:
        self.d = d
        self.weights = (d ** np.arange(d, dtype=np.int64)) if d > 1 else np.ones(d, np.int64)
        self.direct = _direct_codes(d)
        self._ids: dict[bytes, int] = {}

    def encode(self, perms: NDArray[np.integer]) -> NDArray[np.int64]:
        if self.d <= 15:                      # d**d < 2**63: base-d digits are exact
            return perms.astype(np.int64) @ self.weights
        rows = np.ascontiguousarray(perms, dtype=np.int64)
        return np.array([self._ids.setdefault(r.tobytes(), len(self._ids)) for r in rows], dtype=np.int64)

    def lookup(self, known: NDArray[np.int64]) -> Callable[[NDArray[np.int64]], NDArray[np.int64]]:
        """Return a function mapping codes to their position in ``known`` (-1 when absent)."""
        if self.direct:
            lut = np.full(self.d**self.d, -1, dtype=np.int64)
            lut[known] = np.arange(known.size)
            return lambda queries: lut[queries]
        order = np.argsort(known, kind="stable")
        ordered = known[order]

        def find(queries: NDArray[np.int64]) -> NDArray[np.int64]:
            pos = np.minimum(np.searchsorted(ordered, queries), known.size - 1)
            return np.where(ordered[pos] == queries, order[pos], -1)
        return find


def permutation_group_nbytes(order: int, degree: int) -> int:
    """Estimated peak bytes of building a permutation group: :func:`~groupcore.validation.group_nbytes`
    plus the lookup from permutations to labels.

    Examples
    --------
    >>> from groupcore.validation import format_bytes
    >>> format_bytes(permutation_group_nbytes(5040, 7))       # S7
    '127.7 MiB'
    """
    lookup = degree**degree if _direct_codes(degree) else 3 * order          # int64 entries
    return group_nbytes(order, degree) + 8 * lookup


def listing_size(d: int, even: bool = False) -> tuple[int, int, bool]:
    """Order and estimated peak bytes of S_d (A_d when ``even``) built by listing its permutations.

    The bytes are :func:`permutation_group_nbytes` plus the Python list of all ``d!`` tuples.

    Returns
    -------
    (int, int, bool)
        The order, the bytes, and whether both are only lower bounds (``d > 1000``, see
        :func:`~groupcore.validation.permutations_order`).

    Examples
    --------
    >>> listing_size(4, even=True)[0]
    12
    """
    order, bound = permutations_order(d, even)
    listed, _ = permutations_order(d)
    return order, permutation_group_nbytes(order, d) + listed * (56 + 8 * d), bound


def _check_size(total: int, d: int, max_order: int, max_bytes: int) -> None:
    """Refuse a closure that has found ``total`` elements so far (a lower bound on the order)."""
    if total > max_order:
        raise GroupTooLargeError(
            f"the permutations generate more than max_order={max_order} elements "
            f"(at least {format_count(total)} found so far on {d} points, at most {format_factorial(d)}); "
            f"pass a larger max_order to build it", order=total)
    check_budget(permutation_group_nbytes(total, d), max_bytes, lower_bound=True, order=total,
                 what=f"the group these permutations generate (at least {format_count(total)} elements on "
                      f"{d} points, at most {format_factorial(d)}; its Cayley table and permutations)")


def _check_max_order(max_order: int) -> int:
    if isinstance(max_order, (bool, np.bool_)) or not isinstance(max_order, (int, np.integer)) or max_order < 1:
        raise ValueError(f"max_order must be a positive integer; got {max_order!r}")
    return int(max_order)


def closure(perms: ArrayLike, max_order: int,
            max_bytes: int = DEFAULT_MAX_BYTES) -> NDArray[np.int64]:
    """Close a set of permutations under composition; the identity first, then in discovery order.

    Products are composed a block at a time, so the work needs little memory beyond the
    elements found; the group's size is checked as it grows, before its table is built.

    Raises
    ------
    GroupTooLargeError
        When more than ``max_order`` elements appear, or when the group's Cayley table and
        permutations would need more than ``max_bytes`` (the message gives the size).

    Examples
    --------
    >>> closure(np.array([[1, 2, 0]]), max_order=10).tolist()
    [[0, 1, 2], [1, 2, 0], [2, 0, 1]]
    """
    max_order = _check_max_order(max_order)
    perms = as_permutations(perms)
    d = perms.shape[1]
    codes = _Codes(d)
    identity = np.arange(d, dtype=np.int64)[None, :]
    elems = np.concatenate([identity, perms.astype(np.int64)])
    _, first = np.unique(codes.encode(elems), return_index=True)
    elems = elems[np.sort(first)]
    _check_size(len(elems), d, max_order, max_bytes)
    gens = elems[1:]
    seen = set(codes.encode(elems).tolist())
    step = max(1, _BLOCK // max(1, gens.shape[0]))
    frontier = elems
    blocks = [elems]
    total = len(elems)
    while frontier.shape[0] and gens.shape[0]:
        found = []
        for start in range(0, frontier.shape[0], step):
            cand = frontier[start:start + step][:, gens].reshape(-1, d)      # frontier[f] ∘ gens[g]
            cc = codes.encode(cand)
            _, first = np.unique(cc, return_index=True)
            fresh = [i for i in np.sort(first).tolist() if cc[i] not in seen]
            if fresh:
                total += len(fresh)
                _check_size(total, d, max_order, max_bytes)
                seen.update(cc[fresh].tolist())
                found.append(cand[fresh])
        if not found:
            break
        frontier = np.concatenate(found)
        blocks.append(frontier)
    return np.concatenate(blocks)


def cayley_table(elems: ArrayLike, max_bytes: int = DEFAULT_MAX_BYTES) -> NDArray[np.integer]:
    """Cayley table of a closed set of permutations: ``table[i, j]`` indexes ``elems[i][elems[j]]``.

    ``elems[0]`` must be the identity. Row ``g = s·g'`` of the table is row ``g'`` mapped
    through left multiplication by ``s``, so only left multiplications by a few generators
    are composed explicitly (``O(k·n·d)``); the rest is ``n`` gathers of length ``n``.

    Raises
    ------
    GroupAxiomError
        If ``elems[0]`` is not the identity, an element is listed twice, or a product falls
        outside ``elems``.
    GroupTooLargeError
        If the table would need more than ``max_bytes`` (checked before it is allocated).

    Examples
    --------
    >>> cayley_table(np.array([[0, 1], [1, 0]])).tolist()
    [[0, 1], [1, 0]]
    """
    elems = as_permutations(elems)
    n, d = elems.shape
    check_budget(permutation_group_nbytes(n, d), max_bytes, order=n,
                 what=f"the Cayley table of {format_count(n)} permutations of {d} points")
    if not np.array_equal(elems[0], np.arange(d)):
        raise GroupAxiomError("identity", f"element 0 must be the identity permutation; got {elems[0].tolist()}")
    codes = _Codes(d)
    known = codes.encode(elems)
    _, first, counts = np.unique(known, return_index=True, return_counts=True)
    if (counts > 1).any():
        i = int(first[np.argmax(counts > 1)])
        j = int(np.flatnonzero(known == known[i])[1])
        raise GroupAxiomError("closure", f"elements {i} and {j} are the same permutation: list each element once",
                              (i, j))
    find = codes.lookup(known)
    table = np.empty((n, n), dtype=table_dtype(n))
    table[0] = np.arange(n)
    reached = np.zeros(n, dtype=bool)
    reached[0] = True
    lefts: list[NDArray[np.int64]] = []
    while not reached.all():
        s = int(np.flatnonzero(~reached)[0])             # a new generator
        left = find(codes.encode(elems[s][elems]))     # left[i] = index of elems[s] ∘ elems[i]
        if (left < 0).any():
            i = int(np.flatnonzero(left < 0)[0])
            raise GroupAxiomError(
                "closure", f"the permutations are not closed under composition: "
                f"element {s} ∘ element {i} is not in the list", (s, i))
        lefts.append(left)
        frontier = np.flatnonzero(reached)
        while frontier.size:                           # breadth-first over g -> s·g
            found = []
            for r in lefts:
                targets = r[frontier]
                fresh = ~reached[targets]
                src, targets = frontier[fresh], targets[fresh]
                targets, first = np.unique(targets, return_index=True)
                table[targets] = r[table[src[first]]]
                reached[targets] = True
                found.append(targets)
            frontier = np.concatenate(found)
    return table
