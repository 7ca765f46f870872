"""The eight 3-D tetris shapes: voxel tetrominoes, a small 3-D classification task with exact rotations.

Each shape is four unit cubes (the set of Thomas et al., "Tensor field networks", 2018): two
chiral mirror images, the square, the line, the corner, L, T and the zigzag. The two chiral
shapes are mirror images of each other, so only a network invariant to rotations (not to
reflections) can tell them apart: ``octahedral()``, not ``full_octahedral()``.

Examples
--------
>>> voxels, labels = tetris3d()
>>> voxels.shape, labels.tolist(), int(voxels.sum())
((8, 1, 4, 4, 4), [0, 1, 2, 3, 4, 5, 6, 7], 32)
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["TETRIS_SHAPES", "TETRIS_CLASSES", "tetris3d"]

#: Cube coordinates (depth, row, column) of each shape.
TETRIS_SHAPES: tuple[tuple[tuple[int, int, int], ...], ...] = (
    ((0, 0, 0), (0, 0, 1), (1, 0, 0), (1, 1, 0)),
    ((0, 0, 0), (0, 0, 1), (1, 0, 0), (1, -1, 0)),
    ((0, 0, 0), (1, 0, 0), (0, 1, 0), (1, 1, 0)),
    ((0, 0, 0), (0, 0, 1), (0, 0, 2), (0, 0, 3)),
    ((0, 0, 0), (0, 0, 1), (0, 1, 0), (1, 0, 0)),
    ((0, 0, 0), (0, 0, 1), (0, 0, 2), (0, 1, 0)),
    ((0, 0, 0), (0, 0, 1), (0, 0, 2), (0, 1, 1)),
    ((0, 0, 0), (1, 0, 0), (1, 1, 0), (2, 1, 0)),
)
TETRIS_CLASSES: tuple[str, ...] = ("chiral-1", "chiral-2", "square", "line", "corner", "L", "T", "zigzag")


def tetris3d(size: int = 4) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """The eight shapes in one pose each: ``(8, 1, size, size, size)`` voxel grids (1 inside) and labels 0..7.

    Each shape sits in the grid's corner with its smallest coordinates at 0; label ``i`` is
    ``TETRIS_CLASSES[i]``.

    Raises
    ------
    ValueError
        ``size`` below 4 (the line is four cubes long).

    Examples
    --------
    >>> tetris3d(6)[0].shape
    (8, 1, 6, 6, 6)
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 4:
        raise ValueError(f"size must be an integer >= 4 (the line is 4 cubes long); got {size!r}")
    voxels = np.zeros((len(TETRIS_SHAPES), 1, size, size, size))
    for i, shape in enumerate(TETRIS_SHAPES):
        cubes = np.array(shape)
        cubes -= cubes.min(axis=0)
        voxels[(i, 0) + tuple(cubes.T)] = 1.0
    return voxels, np.arange(len(TETRIS_SHAPES), dtype=np.int64)
