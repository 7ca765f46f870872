"""The two frames of a lifted network: how G acts on images and on lifted maps, and the bridge.

- ``frame="regular"`` (the paper's construction): G acts on a lifted map ``s`` of shape
  ``(B, C, |G|, H, W)`` by the left regular action on the G axis only, ``(h·s)(g) = s(h⁻¹g)``.
- ``frame="diagonal"`` (a G-CNN): G acts by ``(h⋆u)(g) = ρ(h)·u(h⁻¹g)``, rotating every copy too.
- The bridge ``u(g) = ρ(g)·s(g)`` is a G-isomorphism from the regular to the diagonal action.

Spatial actions are resolved per grid shape: exact pixel permutations for C1, C2, C4, D1, D2, D4
(:meth:`groupcore.Action.on_grid`), interpolated rotations for other C_N and D_N.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ..action import Action
from ..families import cyclic, dihedral
from ..grid import EXACT_GRID_GROUPS
from ..group import Group
from ..lift import regular_act

__all__ = ["FRAMES", "check_frame", "ImageAction", "MapAction", "frame_action", "to_diagonal", "to_regular"]

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


def _family(G: Group) -> tuple[str, int] | None:
    """``("C", n)`` or ``("D", n)`` when G's table is that of cyclic(n) or dihedral(n)."""
    n = G.order
    if G == cyclic(n):
        return "C", n
    if n % 2 == 0 and G == dihedral(n // 2):
        return "D", n // 2
    return None


def _is_exact_grid_group(G: Group) -> bool:
    fam = _family(G)
    return fam is not None and f"{fam[0]}{fam[1]}" in EXACT_GRID_GROUPS


class ImageAction:
    """G acting on images of any size: exact pixel permutations, or interpolated rotations.

    ``apply(g, x)`` rotates the trailing two axes of ``x``; ``at(shape)`` is the concrete
    action on one grid (an :class:`~groupcore.Action` or an ``ApproximateAction``), cached.

    Parameters
    ----------
    group : Group
        C1, C2, C4, D1, D2, D4 (exact), or any other cyclic(n)/dihedral(n) (interpolated).
    interpolation : mapping, optional
        Keyword arguments of :func:`groupcore.rotations.interpolated_rotations`
        (``order``, ``mode``, ``mask``); used only for groups without an exact grid action.

    Examples
    --------
    >>> import groupcore as gc
    >>> act = ImageAction(gc.cyclic(4))
    >>> img = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> act.is_exact, bool((act.apply(1, img)[0, 0] == np.rot90(img[0, 0])).all())
    (True, True)
    """

    def __init__(self, group: Group, interpolation: Mapping[str, Any] | None = None) -> None:
        if not isinstance(group, Group):
            raise TypeError(f"group must be a groupcore.Group; got {type(group).__name__}")
        self.group = group
        self.is_exact = _is_exact_grid_group(group)
        if not self.is_exact and _family(group) is None:
            raise ValueError(f"{group.name} (order {group.order}) acts on images neither exactly (C1, C2, C4, "
                             f"D1, D2, D4) nor by interpolated rotations (cyclic(n), dihedral(n))")
        self.interpolation = dict(interpolation or {})
        self._cache: dict[tuple[int, int], Any] = {}

    def at(self, shape: tuple[int, ...]) -> Any:
        """The action on an ``(H, W)`` grid.

        Examples
        --------
        >>> import groupcore as gc
        >>> ImageAction(gc.dihedral(4)).at((3, 3)).size
        9
        """
        key = (int(shape[0]), int(shape[1]))
        if key not in self._cache:
            if self.is_exact:
                self._cache[key] = Action.on_grid(self.group, key)
            else:
                from ..rotations import interpolated_rotations
                self._cache[key] = interpolated_rotations(self.group, key, **self.interpolation)
        return self._cache[key]

    def apply(self, g: int, x: Any, axis: int | None = None) -> Any:
        """Transform the ``(H, W)`` axes of ``x`` (the trailing two, or two from ``axis``) by ``g``.

        Examples
        --------
        >>> import groupcore as gc
        >>> ImageAction(gc.cyclic(4)).apply(1, np.array([[1, 2], [3, 4]])).tolist()
        [[2, 4], [1, 3]]
        """
        start = -2 if axis is None else int(axis)
        first = start + x.ndim if start < 0 else start
        return self.at(tuple(x.shape[first:first + 2])).apply(int(g), x, axis=axis)

    def spec(self) -> dict[str, Any]:
        """JSON-ready description (the group is stored separately)."""
        return {"interpolation": self.interpolation}

    def __repr__(self) -> str:
        kind = "exact" if self.is_exact else f"interpolated {self.interpolation}"
        return f"ImageAction({self.group.name}, {kind})"


class MapAction:
    """G acting on lifted maps ``(B, C, |G|, *S)``: regular (G axis only) or diagonal (also ``ρ`` on S).

    ``apply(h, u)`` returns ``(h·u)(g) = u(h⁻¹g)`` when ``spatial`` is None, and
    ``(h⋆u)(g) = ρ(h)·u(h⁻¹g)`` with a spatial :class:`ImageAction`.

    Examples
    --------
    >>> import groupcore as gc
    >>> s = np.arange(3.0).reshape(1, 1, 3)
    >>> MapAction(gc.cyclic(3)).apply(1, s).tolist()
    [[[2.0, 0.0, 1.0]]]
    """

    def __init__(self, group: Group, spatial: ImageAction | None = None) -> None:
        if spatial is not None and spatial.group != group:
            raise ValueError(f"the spatial action is of {spatial.group.name}, not of {group.name}")
        self.group = group
        self.spatial = spatial
        self.is_exact = spatial is None or spatial.is_exact

    def apply(self, h: int, u: Any, axis: int | None = None) -> Any:
        """Act by ``h`` on a lifted map (G axis at position 2; ``axis`` must be None or 2).

        Examples
        --------
        >>> import groupcore as gc
        >>> MapAction(gc.cyclic(2)).apply(1, np.array([[[1.0, 2.0]]])).tolist()
        [[[2.0, 1.0]]]
        """
        if axis not in (None, 2):
            raise ValueError(f"a lifted map has its G axis at position 2; got axis={axis}")
        if u.ndim < 3 or u.shape[2] != self.group.order:
            raise ValueError(f"a lifted map of {self.group.name} has shape (B, C, {self.group.order}, ...); "
                             f"got {tuple(u.shape)}")
        out = regular_act(self.group, int(h), u, axis=2)
        return out if self.spatial is None else self.spatial.apply(h, out)


def frame_action(group: Group, frame: str, spatial: ImageAction | None = None) -> MapAction:
    """The action on a frame's lifted maps: regular, or diagonal with ``spatial`` (default exact/interpolated).

    Examples
    --------
    >>> import groupcore as gc
    >>> frame_action(gc.cyclic(4), "diagonal").spatial.is_exact
    True
    """
    if check_frame(frame) == "regular":
        return MapAction(group)
    return MapAction(group, spatial if spatial is not None else ImageAction(group))


def _per_copy(u: Any, spatial: ImageAction, inverse: bool) -> Any:
    G = spatial.group
    if u.ndim < 4 or u.shape[2] != G.order:
        raise ValueError(f"the bridge needs a lifted map (B, C, {G.order}, H, W); got {tuple(u.shape)}")
    elems = G.inverse if inverse else np.arange(G.order)
    copies = [spatial.apply(int(elems[g]), u[:, :, g]) for g in range(G.order)]
    xp = u.__array_namespace__() if hasattr(u, "__array_namespace__") else np
    return xp.stack(copies, axis=2)


def to_diagonal(s: Any, spatial: ImageAction) -> Any:
    """The bridge ``u(g) = ρ(g)·s(g)`` from the regular frame to the diagonal one.

    Examples
    --------
    >>> import groupcore as gc
    >>> act = ImageAction(gc.cyclic(4))
    >>> s = np.random.default_rng(0).random((1, 2, 4, 3, 3))
    >>> bool(np.allclose(to_regular(to_diagonal(s, act), act), s))
    True
    """
    return _per_copy(s, spatial, inverse=False)


def to_regular(u: Any, spatial: ImageAction) -> Any:
    """The inverse bridge ``s(g) = ρ(g)⁻¹·u(g)`` (exact for exact actions only).

    Examples
    --------
    >>> import groupcore as gc
    >>> u = np.arange(8.0).reshape(1, 1, 2, 2, 2)
    >>> bool((to_regular(u, ImageAction(gc.cyclic(2)))[0, 0, 1] == u[0, 0, 1, ::-1, ::-1]).all())
    True
    """
    return _per_copy(u, spatial, inverse=True)
