"""G acting on lifted maps: the regular action on the G axis, optionally with a grid action on space.

A lifted feature map has shape ``(B, C, |G|, *S)``: a function on G (the axis right after the
channels) with values in feature maps on the grid ``S`` (or no ``S`` for vectors). The paper's
regular frame lets G act on the G axis only, ``(h·s)(g) = s(h⁻¹g)``; a G-CNN's diagonal frame
also moves every copy on the grid, ``(h⋆u)(g) = ρ(h)·u(h⁻¹g)``.
"""

from __future__ import annotations

from typing import Any

from .grid_action import GridAction
from .group import Group
from .lift import regular_act

__all__ = ["MapAction"]


class MapAction:
    """G acting on lifted maps ``(B, C, |G|, *S)``: regular (G axis only) or diagonal (also ``ρ`` on S).

    Parameters
    ----------
    group : Group
    spatial : GridAction, optional
        The action on the grid ``S`` (the diagonal frame); ``None`` for the regular action.

    Examples
    --------
    >>> import numpy as np, groupcore as gc
    >>> s = np.arange(3.0).reshape(1, 1, 3)
    >>> MapAction(gc.cyclic(3)).apply(1, s).tolist()
    [[[2.0, 0.0, 1.0]]]
    """

    shape = None            #: any number of channels and any grid size

    def __init__(self, group: Group, spatial: GridAction | None = None) -> None:
        if not isinstance(group, Group):
            raise TypeError(f"group must be a groupcore.Group; got {type(group).__name__}")
        if spatial is not None and (not isinstance(spatial, GridAction) or spatial.group != group):
            raise ValueError(f"the spatial action must be a GridAction of {group.name}; got {spatial!r}")
        self.group = group
        self.spatial = spatial
        self.is_exact = spatial is None or spatial.is_exact

    @property
    def ndim(self) -> int:
        """Number of grid axes after the G axis (0 for the regular action on vectors)."""
        return 0 if self.spatial is None else self.spatial.ndim

    def apply(self, h: int, u: Any, axis: int | None = None) -> Any:
        """Act by ``h`` on a lifted map (G axis at position 2; ``axis`` must be None or 2).

        Examples
        --------
        >>> import numpy as np, groupcore as gc
        >>> MapAction(gc.cyclic(2)).apply(1, np.array([[[1.0, 2.0]]])).tolist()
        [[[2.0, 1.0]]]
        """
        if axis not in (None, 2):
            raise ValueError(f"a lifted map has its G axis at position 2; got axis={axis}")
        if u.ndim < 3 + self.ndim or u.shape[2] != self.group.order:
            raise ValueError(f"a lifted map of {self.group.name} has shape (B, C, {self.group.order}, ...) with "
                             f"{self.ndim} grid axes after the G axis; got {tuple(u.shape)}")
        out = regular_act(self.group, int(h), u, axis=2)
        return out if self.spatial is None else self.spatial.apply(h, out)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MapAction) and self.group == other.group and self.spatial == other.spatial

    def __hash__(self) -> int:
        return hash((self.group, self.spatial))

    def describe(self) -> str:
        """A sentence saying how the group acts (for error messages)."""
        if self.spatial is None:
            return f"{self.group.name} on the G axis only (the regular frame)"
        return f"{self.group.name} on the G axis and on the grid, {self.spatial.describe()} (the diagonal frame)"

    def __repr__(self) -> str:
        return f"MapAction({self.group.name}, spatial={self.spatial!r})"
