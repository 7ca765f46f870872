"""The one action protocol: what every way of letting a group act on arrays provides.

:class:`~groupcore.Action` (a finite G-set), :class:`~groupcore.ApproximateAction`
(interpolated rotations of one image grid), :class:`~groupcore.GridAction` (grids of any size),
:class:`~groupcore.MapAction` (lifted maps, a G axis) and :class:`TrivialAction` (invariant
outputs) all implement it, so :func:`groupcore.lift`, the lifted layers and
:func:`groupcore.proofs.assert_equivariant` accept any of them.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from .group import Group

__all__ = ["GroupAction", "TrivialAction"]


@runtime_checkable
class GroupAction(Protocol):
    """A group acting on arrays: ``apply(g, x, axis)`` transforms ``x`` by element ``g``.

    Attributes
    ----------
    group : Group
        The acting group.
    shape : tuple of int or None
        The layout of the acted-on axes (``(m,)`` for a set, ``(H, W)`` for an image grid), or
        ``None`` when the action takes any size (a grid action of any size, lifted maps).
    is_exact : bool
        Whether ``apply(g)·apply(h) == apply(g·h)`` holds exactly.

    Examples
    --------
    >>> import groupcore as gc
    >>> isinstance(gc.Action.regular(gc.cyclic(3)), GroupAction)
    True
    """

    @property
    def group(self) -> Group: ...

    @property
    def shape(self) -> tuple[int, ...] | None: ...

    @property
    def is_exact(self) -> bool: ...

    def apply(self, g: int, x: Any, axis: int | None = None) -> Any: ...


class TrivialAction:
    """Every element acts as the identity: the action on invariant outputs (class scores).

    Examples
    --------
    >>> import numpy as np, groupcore as gc
    >>> TrivialAction(gc.cyclic(4)).apply(3, np.array([1.0, 2.0])).tolist()
    [1.0, 2.0]
    """

    shape = None
    is_exact = True

    def __init__(self, group: Group) -> None:
        if not isinstance(group, Group):
            raise TypeError(f"group must be a groupcore.Group; got {type(group).__name__}")
        self.group = group

    def apply(self, g: int, x: Any, axis: int | None = None) -> Any:
        """Return ``x`` unchanged (after checking that ``g`` is an element)."""
        self.group._check_element(g)
        return x

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TrivialAction) and other.group == self.group

    def __hash__(self) -> int:
        return hash(("trivial", self.group))

    def describe(self) -> str:
        """A sentence saying how the group acts (for error messages)."""
        return f"{self.group.name} trivially (invariant values)"

    def __repr__(self) -> str:
        return f"TrivialAction({self.group.name})"
