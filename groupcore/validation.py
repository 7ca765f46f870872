"""Validation of Cayley tables: shape, range, identity, Latin square, associativity.

Associativity uses Light's test over a generating set: the elements ``s`` with
``(x·s)·y == x·(s·y)`` for all ``x, y`` are closed under the product, so checking a set
that generates the table (as a magma) checks every triple, in ``O(k·n²)`` for ``k``
generators instead of ``O(n³)``. A finite associative table with an identity in which every
element has a right inverse is a group, hence a Latin square; a row lacking the identity
repeats a value, which the error names.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeGuard

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import GroupAxiomError, GroupTooLargeError

__all__ = ["as_table", "validate_table", "table_dtype", "magma_generators", "as_element", "as_elements",
           "DEFAULT_MAX_BYTES", "group_nbytes", "check_budget", "format_bytes", "format_count", "format_factorial",
           "permutations_order"]

#: Default memory budget for building a group: a table, its permutations and the temporaries.
DEFAULT_MAX_BYTES = 1 << 30

_CHUNK_ENTRIES = 1 << 22           # table entries one validation pass touches at a time
_NO_MACHINE = 1 << 50              # budgets past a pebibyte are not worth suggesting
_EXACT_FACTORIAL = 1000            # d! is computed exactly up to this d


def table_dtype(n: int) -> type[np.signedinteger]:
    """Return the smallest of int32/int64 that holds the labels ``0 … n-1``.

    Examples
    --------
    >>> table_dtype(10)
    <class 'numpy.int32'>
    """
    return np.int32 if n < 2**31 else np.int64


def format_count(n: int) -> str:
    """An integer for a message: with thousands separators, or as ``1.0e+40`` when huge.

    Works for Python integers of any size (group orders such as ``99!``).

    Examples
    --------
    >>> format_count(40320), format_count(10**40 + 7)
    ('40,320', '1.0e+40')
    """
    if n < 10**15:
        return f"{n:,}"
    exponent = math.log10(n)
    return f"{10 ** (exponent % 1):.1f}e+{int(exponent)}"


def format_factorial(d: int, half: bool = False) -> str:
    """``d!`` (or ``d!/2``) for a message: exact up to ``20!``, else its magnitude (without computing it).

    Examples
    --------
    >>> format_factorial(8), format_factorial(8, half=True), format_factorial(99)
    ('8! = 40,320', '8!/2 = 20,160', '99! ≈ 9.3e+155')
    """
    name = f"{d}!/2" if half else f"{d}!"
    if d <= 20:
        return f"{name} = {math.factorial(d) // (1 + half):,}"
    exponent = math.lgamma(d + 1) / math.log(10) - half * math.log10(2)
    return f"{name} ≈ {10 ** (exponent % 1):.1f}e+{int(exponent)}"


def permutations_order(d: int, even: bool = False) -> tuple[int, bool]:
    """The number of permutations of ``d`` points (``d!``, or ``d!/2`` even ones for ``d ≥ 2``).

    Exact up to ``d = 1000``; beyond, ``1000!`` (or half of it) is returned as a lower bound,
    with the flag ``True``: no budget comes near it, and ``d!`` itself would take long to compute.

    Examples
    --------
    >>> permutations_order(5), permutations_order(5, even=True), permutations_order(2000)[1]
    ((120, False), (60, False), True)
    """
    count = math.factorial(min(d, _EXACT_FACTORIAL))
    return (count // 2 if even and d >= 2 else count), d > _EXACT_FACTORIAL


def format_bytes(nbytes: int) -> str:
    """A byte count for a message, in binary units (``1.0 GiB``), for integers of any size.

    Examples
    --------
    >>> format_bytes(1 << 30), format_bytes(6_503_620_608), format_bytes(10**400)
    ('1.0 GiB', '6.1 GiB', '1.0e+400 bytes')
    """
    units = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB")
    if nbytes >= 1024 ** len(units):
        return f"{format_count(nbytes)} bytes"
    power = next((p for p in range(len(units) - 1, 0, -1) if nbytes >= 1024**p), 0)
    return f"{nbytes} bytes" if power == 0 else f"{nbytes / 1024**power:.1f} {units[power]}"


def group_nbytes(order: int, degree: int = 0) -> int:
    """Estimated peak memory, in bytes, of building a group of ``order`` elements.

    The Cayley table (``order²`` entries of :func:`table_dtype`), the boolean ``order²``
    temporary that finds the inverses, and, for a permutation group on ``degree`` points, its
    permutations (``order·degree`` int64). Validation works in row blocks and adds little.
    Exact Python integers: ``order`` may be astronomically large.

    Examples
    --------
    >>> format_bytes(group_nbytes(40320, degree=8))      # S8
    '7.6 GiB'
    """
    itemsize = np.dtype(table_dtype(order)).itemsize
    return order * order * (itemsize + 1) + order * degree * 8


def _check_max_bytes(max_bytes: int) -> int:
    if isinstance(max_bytes, (bool, np.bool_)) or not isinstance(max_bytes, (int, np.integer)) or max_bytes < 1:
        raise ValueError(f"max_bytes must be a positive integer number of bytes (e.g. 4 * 2**30 for 4 GiB); "
                         f"got {max_bytes!r}")
    return int(max_bytes)


def check_budget(nbytes: int, max_bytes: int, what: str, *, order: int | None = None,
                 knob: str = "max_bytes", lower_bound: bool = False) -> None:
    """Raise :class:`GroupTooLargeError` when ``nbytes`` exceeds ``max_bytes``; call before allocating.

    Parameters
    ----------
    nbytes : int
        The estimated memory of the work about to start.
    max_bytes : int
        The budget (a positive integer).
    what : str
        What needs the memory, for the message (``"symmetric(8), order 40,320,"``).
    order : int, optional
        Stored on the error.
    knob : str
        The argument that raises the budget, as the caller spells it (``--max-bytes`` on the
        command line).
    lower_bound : bool
        ``nbytes`` is a lower bound (the work is still growing): say "at least".

    Examples
    --------
    >>> try:
    ...     check_budget(6 << 30, 1 << 30, "this table")
    ... except GroupTooLargeError as err:
    ...     print(err)
    this table needs about 6.0 GiB, more than max_bytes=1073741824 (1.0 GiB): pass max_bytes=6442450944 or more to build
    it anyway (with that much free memory)
    """
    max_bytes = _check_max_bytes(max_bytes)
    if nbytes <= max_bytes:
        return
    if nbytes > _NO_MACHINE:
        fix = "far more than any machine holds: use a smaller group"
    elif lower_bound:
        fix = f"pass a {knob} well above {nbytes} to build it anyway (its final size is known only once it is built)"
    else:
        fix = f"pass {knob}={nbytes} or more to build it anyway (with that much free memory)"
    size = f"{'at least' if lower_bound else 'about'} {format_bytes(nbytes)}"
    raise GroupTooLargeError(f"{what} needs {size}, more than {knob}={max_bytes} ({format_bytes(max_bytes)}): {fix}",
                             order=order, nbytes=nbytes)


def _is_label(v: object) -> TypeGuard[int | np.integer]:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _not_a_label(v: object, order: int, group: str) -> ValueError:
    kind = "a bool" if isinstance(v, (bool, np.bool_)) else f"a {type(v).__name__}"
    hint = f" (pass {int(v)}, not {v})" if isinstance(v, (bool, np.bool_)) else ""
    shown = repr(v) if isinstance(v, str) else str(v)
    return ValueError(f"{shown} is {kind}, not an element of {group}: elements are the integers "
                      f"0..{order - 1}{hint}")


def _out_of_range(v: int, order: int, group: str) -> GroupAxiomError:
    hint = "; negative labels do not count from the end" if v < 0 else ""
    return GroupAxiomError("range", f"{v} is not an element of {group} (elements are 0..{order - 1}){hint}", (v,))


def as_element(g: object, order: int, group: str = "the group") -> int:
    """Check that ``g`` labels an element of a group of ``order`` elements; return it as ``int``.

    Python and NumPy integers are labels; bools, floats and anything else are refused, as are
    labels outside ``0 … order-1`` (negative ones too: they do not count from the end).

    Raises
    ------
    ValueError
        For a value that is not an integer (a bool, a float, a string ...).
    GroupAxiomError
        With ``axiom == "range"``, for an integer outside ``0 … order-1``.

    Examples
    --------
    >>> as_element(np.int64(3), 4)
    3
    >>> as_element(True, 4, "C4")
    Traceback (most recent call last):
    ...
    ValueError: True is a bool, not an element of C4: elements are the integers 0..3 (pass 1, not True)
    """
    if not _is_label(g):
        raise _not_a_label(g, order, group)
    if not 0 <= int(g) < order:
        raise _out_of_range(int(g), order, group)
    return int(g)


def as_elements(values: ArrayLike, order: int, group: str = "the group") -> NDArray[np.int64]:
    """Check a collection of element labels (see :func:`as_element`); return them as a flat int64 array.

    Raises
    ------
    ValueError
        Naming the first value that is not an integer (a bool, a float, a string ...); a boolean
        mask is refused too, with the call that turns it into labels.
    GroupAxiomError
        With ``axiom == "range"``, naming the first integer outside ``0 … order-1``.

    Examples
    --------
    >>> as_elements([[0, 2], [np.int32(1), 3]], 4).tolist()
    [0, 2, 1, 3]
    >>> as_elements([0, 1.0], 4, "C4")
    Traceback (most recent call last):
    ...
    ValueError: 1.0 is a float, not an element of C4: elements are the integers 0..3
    """
    if isinstance(values, np.ndarray) and values.dtype.kind == "b":
        raise ValueError(f"a boolean mask is not a list of elements of {group}: pass np.flatnonzero(mask) "
                         f"for the elements it selects")
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        arr = values.astype(np.int64, copy=False).ravel()
    else:
        items = np.asarray(values, dtype=object).ravel()
        bad = next((v for v in items.tolist() if not _is_label(v)), None)
        if bad is not None:
            raise _not_a_label(bad, order, group)
        arr = np.array([int(v) for v in items.tolist()], dtype=np.int64)
    outside = (arr < 0) | (arr >= order)
    if outside.any():
        raise _out_of_range(int(arr[np.argmax(outside)]), order, group)
    return arr


def _row_blocks(n: int) -> list[slice]:
    """Row slices of at most ``_CHUNK_ENTRIES`` entries of an ``(n, n)`` table."""
    step = max(1, _CHUNK_ENTRIES // n)
    return [slice(start, min(start + step, n)) for start in range(0, n, step)]


def _first(mask_of_block: Callable[[slice], NDArray[np.bool_]], n: int) -> tuple[int, int] | None:
    """The first ``(row, column)`` where the block-wise mask is true, or ``None``."""
    for rows in _row_blocks(n):
        mask = mask_of_block(rows)
        if mask.any():
            r, c = np.unravel_index(int(np.argmax(mask)), mask.shape)
            return rows.start + int(r), int(c)
    return None


def _read_table(table: ArrayLike) -> NDArray[Any]:
    try:
        arr = np.asarray(table)
    except ValueError as err:
        raise GroupAxiomError("shape", f"a Cayley table must be a rectangular (n, n) array of integers; "
                                       f"numpy cannot read it as one ({err})") from None
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise GroupAxiomError("shape", f"a Cayley table must be square (n, n); got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise GroupAxiomError("shape", "a group has at least one element; got an empty table")
    if arr.dtype.kind == "O":
        raise GroupAxiomError("range", "table entries must be integers; got dtype object (mixed types, or "
                                       "integers beyond 64 bits): pass an integer array")
    if arr.dtype.kind not in "iuf":
        raise GroupAxiomError("range", f"table entries must be integers; got dtype {arr.dtype}")
    return arr


def as_table(table: ArrayLike) -> NDArray[np.integer]:
    """Convert ``table`` to a square integer array with entries in range, or raise.

    Integral floats are accepted (``1.0`` is ``1``); checks run in row blocks, so they need
    little memory beyond the table itself.

    Examples
    --------
    >>> as_table([[0, 1], [1, 0]]).dtype
    dtype('int32')
    """
    arr = _read_table(table)
    n = arr.shape[0]
    if arr.dtype.kind == "f":
        bad = _first(lambda rows: ~np.isfinite(arr[rows]) | (arr[rows] != np.round(arr[rows])), n)
        if bad is not None:
            raise GroupAxiomError("range", f"table entries must be integers; entry {bad} is {arr[bad]}", bad)
    in_range = arr.min() >= 0 and arr.max() < n
    bad = None if in_range else _first(lambda rows: (arr[rows] < 0) | (arr[rows] >= n), n)
    if bad is not None:
        raise GroupAxiomError("range", f"table entries must lie in 0..{n - 1}; entry {bad} is {arr[bad]}", bad)
    return np.ascontiguousarray(arr, dtype=table_dtype(n))


def _two_sided_identities(t: NDArray[np.integer]) -> list[int]:
    """Elements ``e`` with ``e·x = x·e = x`` for all ``x``, found in row blocks."""
    n = t.shape[0]
    ar = np.arange(n)
    found = []
    for rows in _row_blocks(n):
        left = (t[rows] == ar).all(axis=1)
        found += [rows.start + int(i) for i in np.flatnonzero(left) if np.array_equal(t[:, rows.start + i], ar)]
    return found


def _check_identity(t: NDArray[np.integer]) -> None:
    n = t.shape[0]
    ar = np.arange(n)
    if np.array_equal(t[0], ar) and np.array_equal(t[:, 0], ar):
        return
    identities = _two_sided_identities(t)
    if identities:
        e = identities[0]
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
    missing = _first(lambda rows: ~(t[rows] == 0).any(axis=1, keepdims=True), t.shape[0])
    if missing is None:
        return
    r = missing[0]
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
        new = np.unique(t[frontier[:, None], gens].ravel())
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


def _check_associative(t: NDArray[np.integer]) -> None:
    n = t.shape[0]
    for s in magma_generators(t):
        sigma = t[s]
        for rows in _row_blocks(n):
            left = t[t[rows, s]]                        # (x·s)·y
            right = np.take(t[rows], sigma, axis=1)     # x·(s·y)
            bad = left != right
            if bad.any():
                i, y = (int(v) for v in np.argwhere(bad)[0])
                x = rows.start + i
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
