"""Permutations as integer arrays: composition, closure of a generating set, Cayley tables.

``compose(p, q) = p[q]`` applies ``q`` first. SymPy's ``p*q`` applies ``p`` first, so
``Permutation(p) * Permutation(q)`` corresponds to ``compose(q, p)`` here.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import GroupAxiomError, GroupTooLargeError

__all__ = ["compose", "as_permutations", "closure", "cayley_table"]

_DIRECT_CODE_LIMIT = 1 << 24


def compose(p: ArrayLike, q: ArrayLike) -> NDArray[np.integer]:
    """Return ``p ∘ q`` (apply ``q`` first), i.e. ``p[q]``.

    Examples
    --------
    >>> compose([1, 2, 0], [1, 0, 2]).tolist()
    [2, 1, 0]
    """
    return np.asarray(p)[np.asarray(q)]


def as_permutations(perms: ArrayLike | Sequence[Sequence[int]]) -> NDArray[np.int64]:
    """Convert a list of permutations of ``0 … d-1`` to a 2-D int array, validating each row.

    Examples
    --------
    >>> as_permutations([[0, 1], [1, 0]]).shape
    (2, 2)
    """
    arr = np.asarray(perms)
    if arr.ndim == 1 and arr.size:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise GroupAxiomError("shape", f"expected a non-empty list of permutations of equal length; got shape {arr.shape}")
    if arr.dtype.kind not in "iu":
        raise GroupAxiomError("range", f"permutation entries must be integers; got dtype {arr.dtype}")
    d = arr.shape[1]
    ok = np.sort(arr, axis=1) == np.arange(d)
    if not ok.all():
        r = int(np.flatnonzero(~ok.all(axis=1))[0])
        raise GroupAxiomError("range", f"row {r} is not a permutation of 0..{d - 1}: {arr[r].tolist()}", (r,))
    return arr.astype(np.int64)


class _Codes:
    """Injective integer codes for permutations of degree ``d`` and a lookup code -> index."""

    def __init__(self, d: int) -> None:
        self.d = d
        self.weights = (d ** np.arange(d, dtype=np.int64)) if d > 1 else np.ones(d, np.int64)
        self.direct = d <= 15 and d**d <= _DIRECT_CODE_LIMIT
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


def closure(perms: NDArray[np.integer], max_order: int) -> NDArray[np.int64]:
    """Close a set of permutations under composition; the identity first, then in discovery order.

    Raises
    ------
    GroupTooLargeError
        When more than ``max_order`` elements appear.

    Examples
    --------
    >>> closure(np.array([[1, 2, 0]]), max_order=10).tolist()
    [[0, 1, 2], [1, 2, 0], [2, 0, 1]]
    """
    d = perms.shape[1]
    codes = _Codes(d)
    identity = np.arange(d, dtype=np.int64)[None, :]
    elems = np.concatenate([identity, perms.astype(np.int64)])
    _, first = np.unique(codes.encode(elems), return_index=True)
    elems = elems[np.sort(first)]
    gens = elems[1:]
    known_codes = codes.encode(elems)
    seen = set(known_codes.tolist())
    frontier = elems
    blocks = [elems]
    total = len(elems)
    while frontier.shape[0] and gens.shape[0]:
        cand = frontier[:, gens].reshape(-1, d)               # frontier[f] ∘ gens[g]
        cc = codes.encode(cand)
        _, first = np.unique(cc, return_index=True)
        first = np.sort(first)
        fresh = [i for i in first.tolist() if cc[i] not in seen]
        if not fresh:
            break
        total += len(fresh)
        if total > max_order:
            raise GroupTooLargeError(
                f"the permutations generate more than max_order={max_order} elements "
                f"(at least {total} found so far on {d} points, at most {_factorial_text(d)}); "
                f"pass a larger max_order to build it")
        seen.update(cc[fresh].tolist())
        frontier = cand[fresh]
        blocks.append(frontier)
    return np.concatenate(blocks)


def _factorial_text(d: int) -> str:
    import math
    return f"{d}! = {math.factorial(d)}"


def cayley_table(elems: NDArray[np.integer]) -> NDArray[np.integer]:
    """Cayley table of a closed set of permutations: ``table[i, j]`` indexes ``elems[i][elems[j]]``.

    ``elems[0]`` must be the identity. Row ``g = s·g'`` of the table is row ``g'`` mapped
    through left multiplication by ``s``, so only left multiplications by a few generators
    are composed explicitly (``O(k·n·d)``); the rest is ``n`` gathers of length ``n``.

    Raises
    ------
    GroupAxiomError
        If ``elems[0]`` is not the identity or a product falls outside ``elems``.

    Examples
    --------
    >>> cayley_table(np.array([[0, 1], [1, 0]])).tolist()
    [[0, 1], [1, 0]]
    """
    n, d = elems.shape
    if not np.array_equal(elems[0], np.arange(d)):
        raise GroupAxiomError("identity", f"element 0 must be the identity permutation; got {elems[0].tolist()}")
    codes = _Codes(d)
    find = codes.lookup(codes.encode(elems))
    dtype = np.int32 if n < 2**31 else np.int64
    table = np.empty((n, n), dtype=dtype)
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
