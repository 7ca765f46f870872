"""Exceptions raised by the algebra, each naming what is wrong with a concrete witness."""

from __future__ import annotations

from typing import Any

__all__ = ["AxiomError", "GroupAxiomError", "ActionAxiomError", "GroupTooLargeError", "NotAnActionError"]


class AxiomError(ValueError):
    """An axiom fails; ``axiom`` names it and ``witness`` holds the elements that show it.

    Examples
    --------
    >>> err = AxiomError("identity", "e·1 = 0", (0, 1))
    >>> err.axiom, err.witness, str(err)
    ('identity', (0, 1), 'e·1 = 0')
    """

    def __init__(self, axiom: str, message: str, witness: tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.axiom = axiom
        self.witness = witness


class GroupAxiomError(AxiomError):
    """A table, subset or map breaks a group axiom.

    Attributes
    ----------
    axiom : str
        The axiom that fails (``"associativity"``, ``"identity"``, ``"latin square"``, ...).
    witness : tuple
        Elements exhibiting the failure, e.g. the triple ``(a, b, c)`` for associativity.

    Examples
    --------
    >>> import numpy as np, groupcore as gc
    >>> try:
    ...     gc.Group.from_table(np.array([[0, 1], [1, 1]]))
    ... except gc.GroupAxiomError as err:
    ...     print(err.axiom)
    latin square
    """


class ActionAxiomError(AxiomError):
    """A table is not a left action of the given group.

    Attributes
    ----------
    axiom : str
        ``"identity"``, ``"compatibility"``, ``"shape"`` or ``"range"``.
    witness : tuple
        For compatibility the triple ``(g, h, x)`` with ``(g·h)·x != g·(h·x)``.

    Examples
    --------
    >>> import numpy as np, groupcore as gc
    >>> try:
    ...     gc.Action.from_table(gc.cyclic(2), np.array([[1, 0], [1, 0]]))
    ... except gc.ActionAxiomError as err:
    ...     print(err.axiom)
    identity
    """


class GroupTooLargeError(ValueError):
    """A group, or a structure built from it, would exceed ``max_order`` or the byte budget.

    Raised before anything large is allocated: closing a set of permutations past
    ``max_order`` elements, or building a table (or a verification) whose estimated memory is
    more than ``max_bytes``. The message gives the size and the argument to raise.

    Attributes
    ----------
    order : int or None
        The group order (or a lower bound on it), when known.
    nbytes : int or None
        The estimated memory in bytes, when that is what exceeds the budget.

    Examples
    --------
    >>> import groupcore as gc
    >>> try:
    ...     gc.Group.from_generators([[1, 2, 3, 4, 0], [1, 0, 2, 3, 4]], max_order=10)
    ... except gc.GroupTooLargeError as err:
    ...     print("max_order" in str(err), err.order)
    True 11
    """

    def __init__(self, message: str, *, order: int | None = None, nbytes: int | None = None) -> None:
        super().__init__(message)
        self.order = order
        self.nbytes = nbytes


class NotAnActionError(RuntimeError):
    """An operation needs the action law, but the action is only approximate.

    Examples
    --------
    >>> import groupcore as gc
    >>> issubclass(gc.NotAnActionError, RuntimeError)
    True
    """
