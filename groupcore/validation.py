"""Validation of Cayley tables: shape, range, identity, Latin square, associativity.

Associativity uses Light's test over a generating set: the elements ``s`` with
``(x·s)·y == x·(s·y)`` for all ``x, y`` are closed under the product, so checking a set
that generates the table (as a magma) checks every triple, in ``O(k·n²)`` for ``k``
generators instead of ``O(n³)``. A finite associative table with an identity in which every
element has a right inverse is a group, hence a Latin square; a row lacking the identity
repeats a value, which the error names.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import GroupAxiomError

__all__ = ["as_table", "validate_table", "table_dtype", "magma_generators"]


def table_dtype(n: int) -> type[np.signedinteger]:
    """Return the smallest of int32/int64 that holds the labels ``0 … n-1``.

    Examples
    --------
    >>> table_dtype(10)
    <class 'numpy.int32'>
    """
    return np.int32 if n < 2**31 else np.int64


def as_table(table: ArrayLike) -> NDArray[np.integer]:
    """Convert ``table`` to a square integer array with entries in range, or raise.

    Examples
    --------
    >>> as_table([[0, 1], [1, 0]]).dtype
    dtype('int32')
    """
    arr = np.asarray(table)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise GroupAxiomError("shape", f"a Cayley table must be square (n, n); got shape {arr.shape}")
    n = arr.shape[0]
    if n == 0:
        raise GroupAxiomError("shape", "a group has at least one element; got an empty table")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            bad = np.argwhere(~np.isfinite(arr) | (arr != np.round(arr)))[0]
            raise GroupAxiomError(
                "range", f"table entries must be integers; entry {tuple(int(i) for i in bad)} is {arr[tuple(bad)]}",
                tuple(int(i) for i in bad))
    elif arr.dtype.kind not in "iu":
        raise GroupAxiomError("range", f"table entries must be integers; got dtype {arr.dtype}")
    out_of_range = (arr < 0) | (arr >= n)
    if out_of_range.any():
        bad = tuple(int(i) for i in np.argwhere(out_of_range)[0])
        raise GroupAxiomError(
            "range", f"table entries must lie in 0..{n - 1}; entry {bad} is {arr[bad]}", bad)
    return np.ascontiguousarray(arr, dtype=table_dtype(n))


def _check_identity(t: NDArray[np.integer]) -> None:
    n = t.shape[0]
    ar = np.arange(n)
    if np.array_equal(t[0], ar) and np.array_equal(t[:, 0], ar):
        return
    rows = np.flatnonzero((t == ar).all(axis=1) & (t == ar[:, None]).all(axis=0))
    if rows.size:
        e = int(rows[0])
        raise GroupAxiomError(
            "identity",
            f"the identity must be element 0, but it is element {e}: relabel by swapping 0 and {e} "
            f"(new table p[t[p][:, p]] with p the transposition (0 {e}))", (e,))
    row = t[0]
    col = t[:, 0]
    x = int(np.flatnonzero(row != ar)[0]) if not np.array_equal(row, ar) else int(np.flatnonzero(col != ar)[0])
    raise GroupAxiomError(
        "identity",
        f"element 0 is not an identity: 0·{x} = {int(t[0, x])} and {x}·0 = {int(t[x, 0])}, "
        f"and no other element is a two-sided identity", (0, x))


def _check_inverses(t: NDArray[np.integer]) -> None:
    """Every element has a right inverse; with associativity and identity this makes a group
    (and the table a Latin square). A row without the identity repeats some value: report it."""
    missing = ~(t == 0).any(axis=1)
    if not missing.any():
        return
    r = int(np.flatnonzero(missing)[0])
    line = t[r]
    _, first, counts = np.unique(line, return_index=True, return_counts=True)
    value = int(line[first[np.flatnonzero(counts > 1)[0]]])
    c0, c1 = (int(c) for c in np.flatnonzero(line == value)[:2])
    raise GroupAxiomError(
        "latin square",
        f"not a Latin square: row {r} repeats {value} in columns {c0} and {c1}, so {r} has no inverse",
        (r, c0, c1))


def _reach(t: NDArray[np.integer], gens: list[int], reached: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Close ``reached`` under right multiplication by ``gens`` (left-bracketed words)."""
    reached = reached.copy()
    frontier = np.flatnonzero(reached)
    while frontier.size:
        new = np.unique(t[frontier][:, gens].ravel())
        new = new[~reached[new]]
        reached[new] = True
        frontier = new
    return reached


def magma_generators(t: NDArray[np.integer], candidates: int = 8) -> list[int]:
    """A small set ``S`` whose left-bracketed products reach every element of the table.

    Greedy: among a few unreached elements (seeded choice), add the one that reaches most.

    Examples
    --------
    >>> import numpy as np
    >>> magma_generators(np.array([[0, 1, 2], [1, 2, 0], [2, 0, 1]]))
    [1]
    """
    n = t.shape[0]
    rng = np.random.default_rng(0)
    reached = np.zeros(n, dtype=bool)
    reached[0] = True
    gens: list[int] = []
    while not reached.all():
        pool = np.flatnonzero(~reached)
        picks = pool if pool.size <= candidates else np.concatenate(
            [pool[:1], rng.choice(pool[1:], candidates - 1, replace=False)])
        best = max(((int(c), _reach(t, gens + [int(c)], reached)) for c in picks),
                   key=lambda item: (int(item[1].sum()), -item[0]))
        gens.append(best[0])
        reached = best[1]
    return gens


def _check_associative(t: NDArray[np.integer], chunk: int = 512) -> None:
    n = t.shape[0]
    for s in magma_generators(t):
        sigma = t[s]
        for start in range(0, n, chunk):
            rows = slice(start, min(start + chunk, n))
            left = t[t[rows, s]]                        # (x·s)·y
            right = np.take(t[rows], sigma, axis=1)     # x·(s·y)
            bad = left != right
            if bad.any():
                i, y = (int(v) for v in np.argwhere(bad)[0])
                x = start + i
                raise GroupAxiomError(
                    "associativity",
                    f"not associative: ({x}·{s})·{y} = {int(left[i, y])} but {x}·({s}·{y}) = {int(right[i, y])}",
                    (x, s, y))


def validate_table(table: ArrayLike) -> NDArray[np.integer]:
    """Check every group axiom of a Cayley table and return it as a contiguous int array.

    Parameters
    ----------
    table : array_like
        ``table[g, h] = g·h`` on labels ``0 … n-1``; element 0 must be the identity.

    Returns
    -------
    ndarray
        The validated table (int32 where it fits).

    Raises
    ------
    GroupAxiomError
        Naming the axiom and a concrete witness.

    Examples
    --------
    >>> validate_table([[0, 1], [1, 0]]).tolist()
    [[0, 1], [1, 0]]
    """
    t = as_table(table)
    _check_identity(t)
    _check_associative(t)
    _check_inverses(t)
    return t
