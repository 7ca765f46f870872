"""Named finite groups: cyclic, dihedral, symmetric, alternating, Klein, quaternion, products."""

from __future__ import annotations

from itertools import permutations as _itertools_permutations

import numpy as np

from .group import Group
from .permutations import cayley_table

__all__ = ["cyclic", "dihedral", "symmetric", "alternating", "klein", "quaternion", "direct_product"]


def _check_n(n: int, least: int, what: str) -> int:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < least:
        raise ValueError(f"{what} needs an integer n >= {least}; got {n!r}")
    return int(n)


def cyclic(n: int) -> Group:
    """The cyclic group C_n: element ``k`` is rotation by ``k·360°/n``; ``g·h = (g+h) mod n``.

    Examples
    --------
    >>> cyclic(4).table[3, 2]
    np.int32(1)
    """
    n = _check_n(n, 1, "cyclic(n)")
    a = np.arange(n)
    return Group((a[:, None] + a[None, :]) % n, validate=False, name=f"C{n}")


def dihedral(n: int) -> Group:
    """The dihedral group D_n of order ``2n``.

    Element ``k < n`` is the rotation ``r^k`` by ``k·360°/n`` counter-clockwise; element
    ``n + k`` is the flip ``f`` (about the vertical axis) followed by ``r^k``, i.e. ``r^k f``.
    Products follow ``f r = r⁻¹ f``.

    Examples
    --------
    >>> D4 = dihedral(4)
    >>> D4.order, D4.multiply(4, 1), D4.multiply(1, 4)
    (8, 7, 5)
    """
    n = _check_n(n, 1, "dihedral(n)")
    s, k = np.divmod(np.arange(2 * n), n)              # element = r^k f^s
    sign = np.where(s == 1, -1, 1)
    rot = (k[:, None] + sign[:, None] * k[None, :]) % n  # r^a f^s r^b f^t = r^(a ± b) f^(s+t)
    flip = (s[:, None] + s[None, :]) % 2
    return Group(flip * n + rot, validate=False, name=f"D{n}")


def _perm_group(perms: list[tuple[int, ...]], name: str) -> Group:
    elems = np.array(perms, dtype=np.int64).reshape(len(perms), -1)
    return Group(cayley_table(elems), validate=False, name=name, permutations=elems)


def _all_perms(n: int) -> list[tuple[int, ...]]:
    return list(_itertools_permutations(range(n))) if n else [()]


def _parity(p: tuple[int, ...]) -> int:
    return sum(1 for i in range(len(p)) for j in range(i + 1, len(p)) if p[i] > p[j]) % 2


def symmetric(n: int) -> Group:
    """The symmetric group S_n on ``0 … n-1``, elements in lexicographic order (identity first).

    ``g·h`` is ``compose(g, h) = g[h]``; the permutations are ``G.permutations``.

    Examples
    --------
    >>> symmetric(3).permutations.tolist()[:2]
    [[0, 1, 2], [0, 2, 1]]
    """
    n = _check_n(n, 1, "symmetric(n)")
    return _perm_group(_all_perms(n), f"S{n}")


def alternating(n: int) -> Group:
    """The alternating group A_n: the even permutations of S_n, in lexicographic order.

    Examples
    --------
    >>> alternating(4).order
    12
    """
    n = _check_n(n, 1, "alternating(n)")
    return _perm_group([p for p in _all_perms(n) if _parity(p) == 0], f"A{n}")


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


def direct_product(G: Group, H: Group, name: str | None = None) -> Group:
    """The direct product ``G × H``; the pair ``(g, h)`` is element ``g·|H| + h``.

    Examples
    --------
    >>> direct_product(cyclic(2), cyclic(3)).order
    6
    """
    m = H.order
    tg = G.table.astype(np.int64)
    th = H.table.astype(np.int64)
    table = (tg[:, None, :, None] * m + th[None, :, None, :]).reshape(G.order * m, G.order * m)
    return Group(table, validate=False, name=name or f"{G.name}x{H.name}")
