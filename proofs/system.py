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
from groupcore.validation import DEFAULT_MAX_BYTES, check_budget, format_count

__all__ = ["LemmaSystem", "lemma_system", "lemma_equations", "lemma_nbytes", "resolve_action"]

#: Peak bytes per equation of building the system and solving it exhaustively (index arrays and
#: their temporaries), and per unknown (labels, components).
_BYTES_PER_EQUATION = 80
_BYTES_PER_UNKNOWN = 64


def lemma_equations(order: int, points: int) -> int:
    """Number of equations of the lemma for a group of ``order`` elements acting on ``points`` points.

    ``|G|²·|X|`` equivariance equations and ``|X|`` projection equations.

    Examples
    --------
    >>> lemma_equations(720, 720)      # S6 acting on itself
    373248720
    """
    return order * order * points + points


def lemma_nbytes(order: int, points: int) -> int:
    """Estimated peak memory, in bytes, of building the lemma's system and solving it exhaustively.

    Examples
    --------
    >>> from groupcore.validation import format_bytes
    >>> format_bytes(lemma_nbytes(120, 120))      # S5 acting on itself
    '132.7 MiB'
    """
    return lemma_equations(order, points) * _BYTES_PER_EQUATION + order * points * _BYTES_PER_UNKNOWN


def resolve_action(G: Group, action: Action | None) -> Action:
    """``action`` after checking it is an :class:`~groupcore.Action` of ``G``; the regular action when ``None``.

    Raises
    ------
    TypeError
        If ``G`` is not a :class:`~groupcore.Group`.
    ValueError
        If ``action`` is not an exact action of ``G``.

    Examples
    --------
    >>> import groupcore as gc
    >>> resolve_action(gc.cyclic(3), None).name
    'regular(C3)'
    """
    if not isinstance(G, Group):
        raise TypeError(f"G must be a groupcore.Group; got {type(G).__name__}")
    if action is None:
        return Action.regular(G)
    if not isinstance(action, Action) or action.group != G:
        raise ValueError(f"action must be a groupcore.Action of {G.name} (an exact action: interpolated rotations "
                         f"are not one); got {action!r}")
    return action


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


def lemma_system(action: Action, *, max_bytes: int = DEFAULT_MAX_BYTES) -> LemmaSystem:
    """Build every equation of the lemma for ``action`` (a finite, exact G-set).

    Parameters
    ----------
    action : Action
    max_bytes : int
        Memory budget: the size is estimated (:func:`lemma_nbytes`) before anything is built.

    Raises
    ------
    TypeError
        If ``action`` is not a :class:`groupcore.Action`.
    GroupTooLargeError
        If building and solving the system would need more than ``max_bytes``.

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
    check_budget(lemma_nbytes(n, m), max_bytes, order=n,
                 what=f"the lemma's system for {G.name} acting on {action.name} "
                      f"({format_count(lemma_equations(n, m))} equations)")
    h, x, g = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(m), np.arange(n), indexing="ij"))
    A = action.table.astype(np.int64)
    T = G.table.astype(np.int64)
    lhs = A[h, x] * n + g
    rhs = x * n + T[G.inverse[h], g]
    return LemmaSystem(action, lhs, rhs, np.stack([h, x, g], axis=1))
