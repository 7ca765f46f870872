"""Named finite groups: cyclic, dihedral, symmetric, alternating, Klein, quaternion, octahedral, products.

The families that act exactly on pixel or voxel grids carry their integer matrices
(:attr:`groupcore.Group.matrices`, in (row, column) or (depth, row, column) coordinates):
``cyclic(n)`` and ``dihedral(n)`` for ``n`` in 1, 2, 4 (2×2), ``octahedral()`` and
``full_octahedral()`` (3×3).
"""

from __future__ import annotations

from itertools import permutations as _itertools_permutations

import numpy as np

from .group import Group
from .matrices import matrix_table, rotation_matrix, signed_permutations
from .permutations import cayley_table, listing_size
from .validation import DEFAULT_MAX_BYTES, check_budget, format_factorial, group_nbytes

__all__ = ["cyclic", "dihedral", "symmetric", "alternating", "klein", "quaternion", "direct_product",
           "octahedral", "full_octahedral"]

#: n for which the rotations of C_n and D_n are quarter turns (exact on square grids).
_GRID_ORDERS = (1, 2, 4)


def _check_n(n: int, least: int, what: str) -> int:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < least:
        raise ValueError(f"{what} needs an integer n >= {least}; got {n!r}")
    return int(n)


def _plane_matrices(n: int, flips: bool) -> np.ndarray | None:
    """2×2 matrices of C_n (or D_n with ``flips``) in the families' labelling, for n in 1, 2, 4."""
    if n not in _GRID_ORDERS:
        return None
    return np.stack([rotation_matrix(k * 4 // n, bool(s)) for s in range(1 + flips) for k in range(n)])


def _check_table_size(order: int, call: str, max_bytes: int) -> None:
    check_budget(group_nbytes(order), max_bytes, f"{call} (order {order}: its Cayley table)", order=order)


def cyclic(n: int, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Group:
    """The cyclic group C_n: element ``k`` is rotation by ``k·360°/n``; ``g·h = (g+h) mod n``.

    For ``n`` in 1, 2, 4 the group carries the 2×2 matrices of its rotations (counter-clockwise
    quarter turns, as ``np.rot90``), so it acts exactly on images; other ``n`` act on images by
    interpolation (:func:`groupcore.interpolated_rotations`).

    Examples
    --------
    >>> cyclic(4).table[3, 2]
    np.int32(1)
    >>> cyclic(4).matrices[1].tolist(), cyclic(8).matrices is None
    ([[0, -1], [1, 0]], True)
    """
    n = _check_n(n, 1, "cyclic(n)")
    _check_table_size(n, f"cyclic({n})", max_bytes)
    a = np.arange(n)
    return Group((a[:, None] + a[None, :]) % n, validate=False, name=f"C{n}", matrices=_plane_matrices(n, False))


def dihedral(n: int, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Group:
    """The dihedral group D_n of order ``2n``.

    Element ``k < n`` is the rotation ``r^k`` by ``k·360°/n`` counter-clockwise; element
    ``n + k`` is the flip ``f`` (about the vertical axis) followed by ``r^k``, i.e. ``r^k f``.
    Products follow ``f r = r⁻¹ f``. For ``n`` in 1, 2, 4 the group carries its 2×2 matrices
    (the flip is ``np.fliplr``, ``diag(1, -1)`` in (row, column) coordinates); ``dihedral(1)``,
    whose flip fixes the row axis, also acts on sequences (reversal).

    Examples
    --------
    >>> D4 = dihedral(4)
    >>> D4.order, D4.multiply(4, 1), D4.multiply(1, 4)
    (8, 7, 5)
    >>> dihedral(1).matrices[1].tolist()
    [[1, 0], [0, -1]]
    """
    n = _check_n(n, 1, "dihedral(n)")
    _check_table_size(2 * n, f"dihedral({n})", max_bytes)
    s, k = np.divmod(np.arange(2 * n), n)              # element = r^k f^s
    sign = np.where(s == 1, -1, 1)
    rot = (k[:, None] + sign[:, None] * k[None, :]) % n  # r^a f^s r^b f^t = r^(a ± b) f^(s+t)
    flip = (s[:, None] + s[None, :]) % 2
    return Group(flip * n + rot, validate=False, name=f"D{n}", matrices=_plane_matrices(n, True))


def _perm_group(perms: list[tuple[int, ...]], name: str, max_bytes: int) -> Group:
    elems = np.array(perms, dtype=np.int64).reshape(len(perms), -1)
    return Group(cayley_table(elems, max_bytes), validate=False, name=name, permutations=elems)


def _check_listing(n: int, even: bool, max_bytes: int, call: str) -> None:
    """Refuse S_n or A_n before listing its permutations when it would not fit in ``max_bytes``."""
    order, nbytes, bound = listing_size(n, even)
    size = format_factorial(n, half=even and n >= 2)
    check_budget(nbytes, max_bytes, f"{call} (order {size}: its Cayley table and permutations)", order=order,
                 lower_bound=bound)


def _all_perms(n: int) -> list[tuple[int, ...]]:
    return list(_itertools_permutations(range(n))) if n else [()]


def _parity(p: tuple[int, ...]) -> int:
    return sum(1 for i in range(len(p)) for j in range(i + 1, len(p)) if p[i] > p[j]) % 2


def symmetric(n: int, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Group:
    """The symmetric group S_n on ``0 … n-1``, elements in lexicographic order (identity first).

    ``g·h`` is ``compose(g, h) = g[h]``; the permutations are ``G.permutations``.

    Raises
    ------
    GroupTooLargeError
        When its Cayley table and permutations would need more than ``max_bytes`` (default
        1 GiB: up to S7), refused before anything is listed.

    Examples
    --------
    >>> symmetric(3).permutations.tolist()[:2]
    [[0, 1, 2], [0, 2, 1]]
    """
    n = _check_n(n, 1, "symmetric(n)")
    _check_listing(n, False, max_bytes, f"symmetric({n})")
    return _perm_group(_all_perms(n), f"S{n}", max_bytes)


def alternating(n: int, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Group:
    """The alternating group A_n: the even permutations of S_n, in lexicographic order.

    Raises
    ------
    GroupTooLargeError
        When its Cayley table and permutations would need more than ``max_bytes`` (default
        1 GiB: up to A7), refused before anything is listed.

    Examples
    --------
    >>> alternating(4).order
    12
    """
    n = _check_n(n, 1, "alternating(n)")
    _check_listing(n, True, max_bytes, f"alternating({n})")
    return _perm_group([p for p in _all_perms(n) if _parity(p) == 0], f"A{n}", max_bytes)


def klein() -> Group:
    """The Klein four-group ``C2 × C2``.

    Examples
    --------
    >>> klein().is_abelian(), klein().element_orders().tolist()
    (True, [1, 2, 2, 2])
    """
    return direct_product(cyclic(2), cyclic(2), name="V4")


_Q8_UNITS = np.array([[0, 1, 2, 3],      # i·j = k etc.: unit index products (1, i, j, k)
                      [1, 0, 3, 2],
                      [2, 3, 0, 1],
                      [3, 2, 1, 0]])
_Q8_SIGNS = np.array([[0, 0, 0, 0],      # 1 where the product picks up a minus sign
                      [0, 1, 0, 1],
                      [0, 1, 1, 0],
                      [0, 0, 1, 1]])


def quaternion() -> Group:
    """The quaternion group Q8: elements ``1, i, j, k, -1, -i, -j, -k`` labelled ``0 … 7``.

    Examples
    --------
    >>> Q = quaternion()
    >>> Q.multiply(1, 2), Q.multiply(2, 1)   # i·j = k, j·i = -k
    (3, 7)
    """
    sign, unit = np.divmod(np.arange(8), 4)
    u = _Q8_UNITS[unit[:, None], unit[None, :]]
    sg = (sign[:, None] + sign[None, :] + _Q8_SIGNS[unit[:, None], unit[None, :]]) % 2
    return Group(sg * 4 + u, validate=False, name="Q8")


def direct_product(G: Group, H: Group, name: str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Group:
    """The direct product ``G × H``; the pair ``(g, h)`` is element ``g·|H| + h``.

    Examples
    --------
    >>> direct_product(cyclic(2), cyclic(3)).order
    6
    """
    if not isinstance(G, Group) or not isinstance(H, Group):
        raise TypeError(f"direct_product takes two groupcore.Group; got {type(G).__name__} and {type(H).__name__}")
    m = H.order
    _check_table_size(G.order * m, f"direct_product({G.name}, {H.name})", max_bytes)
    tg = G.table.astype(np.int64)
    th = H.table.astype(np.int64)
    table = (tg[:, None, :, None] * m + th[None, :, None, :]).reshape(G.order * m, G.order * m)
    return Group(table, validate=False, name=name or f"{G.name}x{H.name}")


def octahedral() -> Group:
    """The 24 rotations of the cube, as 3×3 signed permutation matrices of determinant +1.

    Element order: :func:`groupcore.matrices.signed_permutations` (axis permutations in
    lexicographic order, then sign patterns in binary order, ``+`` first), keeping the proper
    rotations; element 0 is the identity. Acts exactly on cubic voxel grids
    ``(D, H, W)`` with ``D = H = W`` (:meth:`groupcore.Action.on_grid`).

    Examples
    --------
    >>> O = octahedral()
    >>> O.order, sorted(set(O.element_orders().tolist()))
    (24, [1, 2, 3, 4])
    """
    mats = signed_permutations(3, proper=True)
    return Group(matrix_table(mats), validate=False, name="O", matrices=mats)


def full_octahedral() -> Group:
    """The 48 symmetries of the cube (rotations and reflections), as 3×3 signed permutation matrices.

    Element order: :func:`groupcore.matrices.signed_permutations` (axis permutations in
    lexicographic order, then sign patterns in binary order, ``+`` first); element 0 is the
    identity, element 1 the reflection of the last axis.

    Examples
    --------
    >>> Oh = full_octahedral()
    >>> Oh.order, Oh.center().tolist()
    (48, [0, 7])
    """
    mats = signed_permutations(3)
    return Group(matrix_table(mats), validate=False, name="Oh", matrices=mats)
