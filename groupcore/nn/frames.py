"""The two frames of a lifted network: how G acts on lifted maps, and the bridge between them.

- ``frame="regular"`` (the paper's construction): G acts on a lifted map ``s`` of shape
  ``(B, C, |G|, *S)`` by the left regular action on the G axis only, ``(h·s)(g) = s(h⁻¹g)``.
- ``frame="diagonal"`` (a G-CNN): G acts by ``(h⋆u)(g) = ρ(h)·u(h⁻¹g)``, moving every copy on the
  grid too.
- The bridge ``u(g) = ρ(g)·s(g)`` is a G-isomorphism from the regular to the diagonal action.

The actions themselves are the algebra's :class:`~groupcore.MapAction` and
:class:`~groupcore.GridAction` (sequences, images, voxels; exact or interpolated).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..grid_action import GridAction
from ..group import Group
from ..map_action import MapAction
from ..namespace import namespace

__all__ = ["FRAMES", "check_frame", "frame_action", "to_diagonal", "to_regular"]

FRAMES: tuple[str, ...] = ("regular", "diagonal")


def check_frame(frame: str) -> str:
    """Return ``frame`` if it is ``"regular"`` or ``"diagonal"``, else raise ``ValueError``.

    Examples
    --------
    >>> check_frame("diagonal")
    'diagonal'
    """
    if frame not in FRAMES:
        raise ValueError(f"frame must be one of {FRAMES}; got {frame!r}")
    return frame


def frame_action(group: Group, frame: str, spatial: GridAction | None = None) -> MapAction:
    """The action on a frame's lifted maps: regular, or diagonal with ``spatial`` (default: images).

    Examples
    --------
    >>> import groupcore as gc
    >>> frame_action(gc.cyclic(4), "diagonal").spatial.is_exact
    True
    """
    if check_frame(frame) == "regular":
        return MapAction(group)
    return MapAction(group, spatial if spatial is not None else GridAction(group))


def _per_copy(u: Any, spatial: GridAction, inverse: bool) -> Any:
    G = spatial.group
    if u.ndim < 3 + spatial.ndim or u.shape[2] != G.order:
        raise ValueError(f"the bridge needs a lifted map (B, C, {G.order}, ...) with {spatial.ndim} grid axes; "
                         f"got {tuple(u.shape)}")
    elems = G.inverse if inverse else np.arange(G.order)
    copies = [spatial.apply(int(elems[g]), u[:, :, g]) for g in range(G.order)]
    return namespace(u).stack(copies, axis=2)


def to_diagonal(s: Any, spatial: GridAction) -> Any:
    """The bridge ``u(g) = ρ(g)·s(g)`` from the regular frame to the diagonal one.

    Examples
    --------
    >>> import groupcore as gc
    >>> act = gc.GridAction(gc.cyclic(4))
    >>> s = np.random.default_rng(0).random((1, 2, 4, 3, 3))
    >>> bool(np.allclose(to_regular(to_diagonal(s, act), act), s))
    True
    """
    return _per_copy(s, spatial, inverse=False)


def to_regular(u: Any, spatial: GridAction) -> Any:
    """The inverse bridge ``s(g) = ρ(g)⁻¹·u(g)`` (exact for exact actions only).

    Examples
    --------
    >>> import groupcore as gc
    >>> u = np.arange(8.0).reshape(1, 1, 2, 2, 2)
    >>> bool((to_regular(u, gc.GridAction(gc.cyclic(2)))[0, 0, 1] == u[0, 0, 1, ::-1, ::-1]).all())
    True
    """
    return _per_copy(u, spatial, inverse=True)
