"""Groups acting on grids: exact index permutations from signed permutation matrices, and rotations of the plane.

A group carrying integer matrices (:attr:`groupcore.Group.matrices`) acts on the points of a
(hyper)cubic grid of shape ``(n_1, …, n_d)`` through their centred coordinates
``c_i = x_i - (n_i - 1)/2``: ``g·x`` is the point with coordinates ``M_g c``. When every ``M_g`` is a
signed permutation matrix and the permuted axes have equal sizes, this permutes the points
exactly: quarter turns and flips of images (``np.rot90``, ``np.fliplr``), reversals of sequences,
the 24/48 symmetries of the cube on voxels. A group of ``d×d`` matrices acts on ``k < d``
dimensional grids when every matrix fixes the leading ``d - k`` axes (``dihedral(1)``'s flip
reverses sequences).

The concrete actions are :meth:`groupcore.Action.on_grid` (one grid) and
:class:`groupcore.GridAction` (grids of any size, exact or interpolated).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .families import cyclic, dihedral
from .group import Group
from .matrices import is_signed_permutation, trailing_block

__all__ = ["check_grid_shape", "grid_table", "grid_matrices", "no_exact_action", "plane_geometry"]

_MAX_NDIM = 3


def check_grid_shape(shape: Sequence[int]) -> tuple[int, ...]:
    """``shape`` as a tuple of 1 to 3 positive ints (a sequence, an image, a voxel grid), else ``ValueError``.

    Examples
    --------
    >>> check_grid_shape([4, 4])
    (4, 4)
    """
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
    dims = np.array(check_grid_shape(shape))
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


def no_exact_action(group: Group, ndim: int) -> str:
    """Why ``group`` has no exact action on ``ndim``-d grids, and what to use instead (an error message).

    Examples
    --------
    >>> from groupcore import quaternion
    >>> no_exact_action(quaternion(), 2).split(":")[0]
    'Q8 (order 8) has no exact action on a 2-d grid'
    """
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
