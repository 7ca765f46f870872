"""How a group acts on grids of any size: the N-d grid action, exact or interpolated.

:class:`GridAction` is the one descriptor of a group acting on sequences, images or voxels:
exact index permutations from the group's signed permutation matrices
(:meth:`groupcore.Action.on_grid`), or, for rotations of images by angles other than quarter
turns, interpolated operators (:func:`groupcore.interpolated_rotations`). Networks compare
these descriptors (group table and geometry), never group names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .action import Action
from .grid import grid_matrices, grid_table, no_exact_action, plane_geometry
from .group import Group
from .matrices import rotation_matrix
from .rotations import interpolated_rotations

__all__ = ["GridAction"]

_MAX_NDIM = 3


class GridAction:
    """How a group acts on grids of any size: the N-d grid action (exact or interpolated).

    ``at(shape)`` is the concrete action on one grid (an :class:`~groupcore.Action`, or an
    :class:`~groupcore.ApproximateAction` for interpolated rotations), built once per shape;
    ``apply(g, x, axis)`` acts on the ``ndim`` axes of ``x`` starting at ``axis`` (default: the
    trailing ones), whatever their size. Two grid actions are equal when their groups have the
    same table and act by the same geometry (matrices, or angles and interpolation options).

    Parameters
    ----------
    group : Group
    ndim : {1, 2, 3}
        Dimension of the grids (sequences, images, voxels).
    interpolation : mapping, optional
        Options of :func:`groupcore.interpolated_rotations` (``order``, ``mode``, ``mask``),
        used only for rotations of images that are not quarter turns.

    Raises
    ------
    ValueError
        The group acts on no grid of that dimension (abstract groups such as S3 or Q8).

    Examples
    --------
    >>> import groupcore as gc
    >>> act = GridAction(gc.cyclic(4))
    >>> img = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> act.is_exact, bool((act.apply(1, img)[0, 0] == np.rot90(img[0, 0])).all())
    (True, True)
    >>> GridAction(gc.cyclic(2)) == GridAction(gc.dihedral(1))     # same table, other geometry
    False
    """

    shape = None            #: acts on grids of any size

    def __init__(self, group: Group, ndim: int = 2, *, interpolation: Mapping[str, Any] | None = None) -> None:
        if not isinstance(group, Group):
            raise TypeError(f"group must be a groupcore.Group; got {type(group).__name__}")
        if isinstance(ndim, bool) or ndim not in range(1, _MAX_NDIM + 1):
            raise ValueError(f"ndim must be 1, 2 or 3 (sequences, images, voxels); got {ndim!r}")
        self.group, self.ndim = group, int(ndim)
        self.interpolation = dict(interpolation or {})
        self.matrices = grid_matrices(group, self.ndim)
        self.angles: NDArray[np.float64] | None = None
        self.flips: NDArray[np.bool_] | None = None
        if self.matrices is None:
            if self.ndim != 2:
                raise ValueError(no_exact_action(group, self.ndim))
            self.angles, self.flips = plane_geometry(group)
            if np.all(np.isclose(self.angles % 90.0, 0.0) | np.isclose(self.angles % 90.0, 90.0)):
                self.matrices = np.stack([rotation_matrix(round(a / 90.0), bool(f))
                                          for a, f in zip(self.angles, self.flips)])
                self.angles = self.flips = None
        self.is_exact = self.matrices is not None
        self._cache: dict[tuple[int, ...], Any] = {}

    def at(self, shape: Sequence[int]) -> Any:
        """The action on one grid of ``shape`` (``ndim`` sizes), cached.

        Examples
        --------
        >>> import groupcore as gc
        >>> GridAction(gc.dihedral(4)).at((3, 3)).size
        9
        """
        key = tuple(int(s) for s in shape)
        if len(key) != self.ndim:
            raise ValueError(f"{self!r} acts on {self.ndim}-d grids; got shape {key}")
        if key not in self._cache:
            if self.matrices is not None:             # is_exact
                self._cache[key] = Action(self.group, grid_table(self.matrices, key), shape=key, validate=False,
                                          name=f"grid({self.group.name}, {'x'.join(map(str, key))})")
            else:
                self._cache[key] = interpolated_rotations(self.group, key, **self.interpolation)
        return self._cache[key]

    def apply(self, g: int, x: Any, axis: int | None = None) -> Any:
        """Act by ``g`` on the ``ndim`` grid axes of ``x`` (the trailing ones, or from ``axis``).

        Examples
        --------
        >>> import groupcore as gc
        >>> GridAction(gc.dihedral(1), ndim=1).apply(1, np.array([1, 2, 3])).tolist()
        [3, 2, 1]
        """
        start = -self.ndim if axis is None else int(axis)
        first = start + x.ndim if start < 0 else start
        if not 0 <= first <= x.ndim - self.ndim:
            raise ValueError(f"axis {axis} with {self.ndim} grid axes does not fit an array of shape "
                             f"{tuple(x.shape)}")
        return self.at(tuple(x.shape[first:first + self.ndim])).apply(g, x, axis=first)

    def geometry(self) -> tuple[Any, ...]:
        """A hashable description of the geometry: the matrices, or the angles, flips and options."""
        if self.matrices is not None:
            return ("matrices", self.matrices.tobytes(), self.matrices.shape)
        return ("rotations", np.asarray(self.angles).tobytes(), np.asarray(self.flips).tobytes(),
                tuple(sorted(self.interpolation.items())))

    def spec(self) -> dict[str, Any]:
        """JSON-ready description (the group is stored separately, with its matrices)."""
        return {"ndim": self.ndim, "interpolation": self.interpolation}

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, GridAction) and self.group == other.group and self.ndim == other.ndim
                and self.geometry() == other.geometry())

    def __hash__(self) -> int:
        return hash((self.group, self.ndim, self.geometry()))

    def describe(self) -> str:
        """A sentence saying how the group acts (for error messages)."""
        if self.matrices is None:
            return f"{self.group.name} by interpolated rotations of images ({self.interpolation or 'defaults'})"
        if self.matrices.shape[0] <= 8:
            return f"{self.group.name} by the matrices {self.matrices.tolist()}"
        return f"{self.group.name} by {self.matrices.shape[0]} signed permutation matrices of {self.ndim} axes"

    def __repr__(self) -> str:
        kind = "exact" if self.is_exact else f"interpolated {self.interpolation}"
        return f"GridAction({self.group.name}, ndim={self.ndim}, {kind})"
