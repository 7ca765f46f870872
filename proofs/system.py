"""The lemma's linear system for a concrete group and G-set, as index arrays.

Unknowns are the values ``Φ(x)(g)`` of a map ``Φ: X → Map(G, Z)``, numbered ``x·|G| + g``.
The equations are

- equivariance ``Φ(h·x)(g) = (h·Φ(x))(g) = Φ(x)(h⁻¹g)`` for every ``h, x, g`` (``|G|²·|X|`` of them);
- the projection ``p(Φ(x)) = Φ(x)(e) = F(x)`` for every ``x`` (``|X|`` of them).

The symbolic and the exhaustive verifications both read the system from here, so they solve
exactly the same equations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from groupcore import Action, Group

__all__ = ["LemmaSystem", "lemma_system"]


@dataclass(frozen=True)
class LemmaSystem:
    """All equations ``Φ(h·x)(g) = Φ(x)(h⁻¹g)`` and ``Φ(x)(e) = F(x)`` for one action.

    Attributes
    ----------
    action : Action
        The G-set X.
    lhs, rhs : ndarray
        Equivariance equation ``i`` reads ``unknown[lhs[i]] = unknown[rhs[i]]``.
    labels : ndarray
        ``(k, 3)`` array: equation ``i`` is the one for ``(h, x, g) = labels[i]``.

    Examples
    --------
    >>> import groupcore as gc
    >>> system = lemma_system(gc.Action.regular(gc.cyclic(3)))
    >>> system.n_unknowns, system.n_equations
    (9, 30)
    """

    action: Action
    lhs: NDArray[np.int64]
    rhs: NDArray[np.int64]
    labels: NDArray[np.int64]

    @property
    def group(self) -> Group:
        """The acting group."""
        return self.action.group

    @property
    def n_unknowns(self) -> int:
        """``|X|·|G|``: one unknown per value ``Φ(x)(g)``."""
        return self.action.size * self.group.order

    @property
    def n_equivariance(self) -> int:
        """``|G|²·|X|`` equivariance equations (those with ``h = e`` read ``0 = 0``)."""
        return int(self.lhs.size)

    @property
    def n_equations(self) -> int:
        """All equations: equivariance plus the ``|X|`` projection equations."""
        return self.n_equivariance + self.action.size

    @property
    def pinned(self) -> NDArray[np.int64]:
        """Unknown index of ``Φ(x)(e)`` for each ``x`` (fixed to ``F(x)`` by the projection)."""
        return np.arange(self.action.size, dtype=np.int64) * self.group.order

    def unknown(self, u: int) -> tuple[int, int]:
        """The point and element ``(x, g)`` of unknown ``u``, i.e. ``Φ(x)(g)``.

        Examples
        --------
        >>> import groupcore as gc
        >>> lemma_system(gc.Action.regular(gc.cyclic(3))).unknown(5)
        (1, 2)
        """
        x, g = divmod(int(u), self.group.order)
        return x, g

    def describe(self, i: int) -> str:
        """Equivariance equation ``i`` in words and indices.

        Examples
        --------
        >>> import groupcore as gc
        >>> lemma_system(gc.Action.regular(gc.cyclic(3))).describe(4)
        'Φ(h·x)(g) = Φ(x)(h⁻¹g) at h=0, x=1, g=1: Φ[1,1] = Φ[1,1]'
        """
        h, x, g = (int(v) for v in self.labels[i])
        (a, b), (c, d) = self.unknown(self.lhs[i]), self.unknown(self.rhs[i])
        return f"Φ(h·x)(g) = Φ(x)(h⁻¹g) at h={h}, x={x}, g={g}: Φ[{a},{b}] = Φ[{c},{d}]"


def lemma_system(action: Action) -> LemmaSystem:
    """Build every equation of the lemma for ``action`` (a finite, exact G-set).

    Raises
    ------
    TypeError
        If ``action`` is not a :class:`groupcore.Action`.

    Examples
    --------
    >>> import groupcore as gc
    >>> lemma_system(gc.Action.on_cosets(gc.symmetric(3), [0, 1])).n_equivariance
    108
    """
    if not isinstance(action, Action):
        raise TypeError(f"action must be a groupcore.Action; got {type(action).__name__}")
    G = action.group
    n, m = G.order, action.size
    h, x, g = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(m), np.arange(n), indexing="ij"))
    A = action.table.astype(np.int64)
    T = G.table.astype(np.int64)
    lhs = A[h, x] * n + g
    rhs = x * n + T[G.inverse[h], g]
    return LemmaSystem(action, lhs, rhs, np.stack([h, x, g], axis=1))
