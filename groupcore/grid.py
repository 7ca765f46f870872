"""Exact actions of the rotation/flip groups C1, C2, C4, D1, D2, D4 on pixel grids.

Element ``g`` acts on an image as ``np.rot90(np.fliplr(img) if flip else img, k)`` where
``g = r^k f^flip`` in the family's labelling (rotation ``k`` quarter turns counter-clockwise
for C4/D4, half turns for C2/D2), about the image centre ``((H-1)/2, (W-1)/2)``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from numpy.typing import NDArray

from .action import Action
from .families import cyclic, dihedral
from .group import Group

__all__ = ["grid_action", "grid_transform", "EXACT_GRID_GROUPS"]

#: Groups with exact pixel actions, by name: (is dihedral, quarter turns per rotation step).
EXACT_GRID_GROUPS: dict[str, tuple[bool, int]] = {
    "C1": (False, 0), "C2": (False, 2), "C4": (False, 1),
    "D1": (True, 0), "D2": (True, 2), "D4": (True, 1),
}


def _identify(group: Group) -> tuple[int, bool, int]:
    """Return ``(n, dihedral, quarter_turns_per_step)`` for an exact grid group, or raise.

    C2 and D1 share one table (so do other pairs up to labelling): the group's name decides
    between them, then the first family whose table matches.
    """
    names = sorted(EXACT_GRID_GROUPS, key=lambda k: k != group.name)
    for name in names:
        is_dihedral, quarter = EXACT_GRID_GROUPS[name]
        n = int(name[1:])
        if group == (dihedral(n) if is_dihedral else cyclic(n)):
            return n, is_dihedral, quarter
    raise ValueError(
        f"{group.name} (order {group.order}) has no exact action on a pixel grid: only the tables of "
        f"cyclic(1|2|4) and dihedral(1|2|4) do; use groupcore.interpolated_rotations for other "
        f"rotation groups")


def grid_transform(group: Group, g: int, image: NDArray, axes: tuple[int, int] = (-2, -1)) -> NDArray:
    """Transform an image by element ``g`` with ``np.rot90``/``np.flip`` (the definition).

    Examples
    --------
    >>> from groupcore import dihedral
    >>> grid_transform(dihedral(4), 5, np.array([[1, 2], [3, 4]])).tolist()
    [[1, 3], [2, 4]]
    """
    n, is_dihedral, quarter = _identify(group)
    flip, k = divmod(int(g), n) if is_dihedral else (0, int(g))
    out = np.flip(image, axis=axes[1]) if flip else image
    return np.rot90(out, k * quarter, axes=axes)


def grid_action(group: Group, shape: Sequence[int]) -> Action:
    """The exact pixel-permutation action of C1, C2, C4, D1, D2 or D4 on an ``(H, W)`` grid.

    Quarter turns need a square grid; half turns and flips work on any rectangle.

    Raises
    ------
    ValueError
        For any other group, or a quarter-turn group on a non-square grid.

    Examples
    --------
    >>> from groupcore import cyclic
    >>> grid_action(cyclic(4), (28, 28)).size
    784
    """
    shape = tuple(int(s) for s in shape)
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"shape must be (H, W) with H, W >= 1; got {shape}")
    n, _, quarter = _identify(group)
    if quarter == 1 and n > 1 and shape[0] != shape[1]:
        raise ValueError(f"{group.name} rotates by 90° and needs a square grid; got shape {shape}")
    index = np.arange(shape[0] * shape[1]).reshape(shape)
    # apply(g, s)[x] = s[A[g⁻¹, x]]; applying the transform of g to the index image gives A[g⁻¹].
    inv_rows = np.stack([grid_transform(group, g, index).ravel() for g in range(group.order)])
    table = inv_rows[group.inverse]
    return Action(group, table, shape=shape, validate=False, name=f"grid({group.name}, {shape[0]}x{shape[1]})")
