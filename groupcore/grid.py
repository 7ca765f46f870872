"""Groups acting on grids: exact index permutations from signed permutation matrices, and rotations of the plane.

A group carrying integer matrices (:attr:`groupcore.Group.matrices`) acts on the points of a
(hyper)cubic grid of shape ``(n_1, …, n_d)`` through their centred coordinates
``c_i = x_i - (n_i - 1)/2``: ``g·x`` is the point with coordinates ``M_g c``. When every ``M_g`` is a
signed permutation matrix and the permuted axes have equal sizes, this permutes the points
exactly: quarter turns and flips of images (``np.rot90``, ``np.fliplr``), reversals of sequences,
the 24/48 symmetries of the cube on voxels. A group of ``d×d`` matrices acts on ``k < d``
dimensional grids when every matrix fixes the leading ``d - k`` axes (``dihedral(1)``'s flip
reverses sequences).

:class:`GridAction` is the one descriptor of how a group acts on grids of any size: exact
(from its matrices) or, for rotations of images by other angles, interpolated
(:func:`groupcore.interpolated_rotations`). Networks compare these descriptors (group table
and geometry), never group names.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from .action import Action
from .group import Group
from .matrices import is_signed_permutation, rotation_matrix, trailing_block

__all__ = ["grid_table", "grid_action", "grid_matrices", "plane_geometry", "GridAction"]

_MAX_NDIM = 3


def _check_shape(shape: Sequence[int]) -> tuple[int, ...]:
    dims = tuple(shape) if isinstance(shape, (tuple, list)) else None
    if (dims is None or not 1 <= len(dims) <= _MAX_NDIM
            or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 1 for s in dims)):
        raise ValueError(f"a grid shape is a tuple of 1 to {_MAX_NDIM} integers >= 1 (a sequence, an image or "
                         f"a voxel grid); got {shape!r}")
    return tuple(int(s) for s in dims)


def grid_matrices(group: Group, ndim: int) -> NDArray[np.int64] | None:
    """The ``ndim × ndim`` signed permutation matrices by which ``group`` acts on ``ndim``-d grids, or None.

    ``None`` when the group carries no matrices, when they do not reduce to ``ndim``
    dimensions (see :func:`groupcore.matrices.trailing_block`), or when they are not signed
    permutations.

    Examples
    --------
    >>> import groupcore as gc
    >>> grid_matrices(gc.dihedral(1), 1).ravel().tolist(), grid_matrices(gc.cyclic(2), 1)
    ([1, -1], None)
    """
    if group.matrices is None:
        return None
    mats = trailing_block(group.matrices, ndim)
    return mats if mats is not None and is_signed_permutation(mats) else None


def grid_table(matrices: NDArray[np.integer], shape: Sequence[int]) -> NDArray[np.int64]:
    """The action table ``A[g, x] = g·x`` of signed permutation matrices on a grid (flat, row-major points).

    Raises
    ------
    ValueError
        A matrix that maps an axis onto one of another length (e.g. a quarter turn of a
        non-square image).

    Examples
    --------
    >>> grid_table(np.array([[[0, -1], [1, 0]]]), (2, 2)).tolist()      # a quarter turn
    [[2, 0, 3, 1]]
    """
    dims = np.array(_check_shape(shape))
    mats = np.asarray(matrices, dtype=np.int64)
    if mats.shape[1:] != (dims.size, dims.size):
        raise ValueError(f"{mats.shape[1]}x{mats.shape[2]} matrices cannot act on a {dims.size}-d grid")
    perm = np.abs(mats).argmax(axis=2)                       # row i of M reads axis perm[i]
    bad = np.argwhere(dims[perm] != dims[None, :])
    if bad.size:
        g, i = (int(v) for v in bad[0])
        raise ValueError(f"element {g} maps grid axis {int(perm[g, i])} (length {int(dims[perm[g, i]])}) onto axis "
                         f"{i} (length {int(dims[i])}): it needs a grid with equal sides on those axes; got shape "
                         f"{tuple(int(s) for s in dims)}")
    coords = np.indices(tuple(dims)).reshape(dims.size, -1)             # (d, m)
    doubled = 2 * coords - (dims[:, None] - 1)                          # centred, times 2: integers
    moved = np.einsum("gij,jm->gim", mats, doubled)
    new = (moved + (dims[None, :, None] - 1)) // 2
    return np.ravel_multi_index(tuple(np.moveaxis(new, 1, 0)), tuple(dims)).astype(np.int64)


def grid_action(group: Group, shape: Sequence[int]) -> Action:
    """The exact action of ``group`` on a grid of ``shape`` (1-d, 2-d or 3-d), from its matrices.

    Raises
    ------
    ValueError
        The group carries no signed permutation matrices of dimension ``len(shape)`` (with the
        way out), or the grid's sides do not fit (quarter turns need a square).

    Examples
    --------
    >>> from groupcore import cyclic, dihedral, octahedral
    >>> grid_action(cyclic(4), (28, 28)).size, grid_action(dihedral(1), (5,)).table[1].tolist()
    (784, [4, 3, 2, 1, 0])
    >>> grid_action(octahedral(), (3, 3, 3)).size
    27
    """
    dims = _check_shape(shape)
    mats = grid_matrices(group, len(dims))
    if mats is None:
        raise ValueError(_no_exact_action(group, len(dims)))
    table = grid_table(mats, dims)
    return Action(group, table, shape=dims, validate=False,
                  name=f"grid({group.name}, {'x'.join(str(s) for s in dims)})")


def _no_exact_action(group: Group, ndim: int) -> str:
    why = ("carries no matrices" if group.matrices is None else
           f"carries {group.matrices.shape[1]}x{group.matrices.shape[2]} matrices that are not signed "
           f"permutations of {ndim} axes")
    hint = (" (use groupcore.interpolated_rotations for rotations of images by other angles)" if ndim == 2 else "")
    return (f"{group.name} (order {group.order}) has no exact action on a {ndim}-d grid: it {why}. Groups that act "
            f"on grids carry signed permutation matrices: cyclic(n) and dihedral(n) for n in 1, 2, 4, "
            f"octahedral(), full_octahedral(), or Group.from_matrices(...){hint}")


def plane_geometry(group: Group) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Rotation angle (degrees, counter-clockwise) and flip of each element acting on images.

    Element ``g`` is ``np.fliplr`` when ``flips[g]``, then the rotation by ``angles[g]``. Read
    from the group's 2×2 matrices when it carries them; otherwise from its table when that is
    the table of ``cyclic(N)`` or ``dihedral(N)`` with ``N >= 3`` (element ``k`` the rotation by
    ``360°·k/N``, element ``N + k`` the flip followed by rotation ``k``).

    Raises
    ------
    ValueError
        Any other group, including tables of order 2 or the Klein group without matrices,
        which could be half turns or flips.

    Examples
    --------
    >>> import groupcore as gc
    >>> angles, flips = plane_geometry(gc.dihedral(8))
    >>> angles[:3].tolist(), bool(flips[8])
    ([0.0, 45.0, 90.0], True)
    """
    from .families import cyclic, dihedral
    if not isinstance(group, Group):
        raise TypeError(f"the group must be a groupcore.Group; got {type(group).__name__}")
    n = group.order
    if group.matrices is not None:
        mats = grid_matrices(group, 2)
        if mats is None or group.matrices.shape[1] != 2:
            raise ValueError(f"{group.name} acts by {group.matrices.shape[1]}x{group.matrices.shape[2]} matrices, "
                             f"not as rotations and flips of images")
        flips = np.linalg.det(mats) < 0
        rot = np.where(flips[:, None, None], mats @ np.diag([1, -1]), mats)
        angles = np.degrees(np.arctan2(rot[:, 1, 0], rot[:, 0, 0])) % 360.0
        return angles.astype(np.float64), flips
    if n >= 3 and group == cyclic(n):
        return 360.0 * np.arange(n) / n, np.zeros(n, dtype=bool)
    if n >= 6 and n % 2 == 0 and group == dihedral(n // 2):
        k = np.arange(n) % (n // 2)
        return 360.0 * k / (n // 2), np.arange(n) >= n // 2
    if n == 1:
        return np.zeros(1), np.zeros(1, dtype=bool)
    raise ValueError(f"{group.name} (order {n}) does not act on images: it carries no matrices and its table is not "
                     f"that of cyclic(N) or dihedral(N) with N >= 3 (order-2 and Klein tables are ambiguous: a half "
                     f"turn or a flip). Build it with gc.cyclic(n), gc.dihedral(n) or Group.from_matrices(...)")


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
                raise ValueError(_no_exact_action(group, self.ndim))
            self.angles, self.flips = plane_geometry(group)
            if np.all(np.isclose(self.angles % 90.0, 0.0) | np.isclose(self.angles % 90.0, 90.0)):
                self.matrices = np.stack([rotation_matrix(int(round(a / 90.0)), bool(f))
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
            if self.is_exact:
                self._cache[key] = Action(self.group, grid_table(self.matrices, key), shape=key, validate=False,
                                          name=f"grid({self.group.name}, {'x'.join(map(str, key))})")
            else:
                from .rotations import interpolated_rotations
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
