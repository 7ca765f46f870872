"""The defect measurements against direct linear algebra on a small interpolated action."""

from __future__ import annotations

import numpy as np

import groupcore as gc
from groupcore.defect import image_defect, operator_norms, smooth_images
from groupcore.interpolation import disk_mask


def test_measurements_match_dense_linear_algebra() -> None:
    act = gc.interpolated_rotations(gc.cyclic(8), (7, 7), order=1, mask=None)
    mats = [act.operator(g).toarray() for g in range(8)]
    disk = disk_mask((7, 7), act.radius)
    D = np.diag(disk.ravel().astype(float))
    table = act.group.table

    def forward(g: int, x: np.ndarray) -> np.ndarray:
        return (x.reshape(len(x), -1) @ mats[g].T).reshape(x.shape)

    def adjoint(g: int, y: np.ndarray) -> np.ndarray:
        return (y.reshape(len(y), -1) @ mats[g]).reshape(y.shape)

    x = smooth_images((7, 7), count=3)
    pairs = image_defect(forward, table, x, disk)
    norms = operator_norms(forward, adjoint, table, disk, iterations=200)
    for g, h in [(1, 1), (1, 2), (3, 5)]:
        diff = mats[g] @ mats[h] - mats[table[g, h]]
        direct = np.linalg.norm((x.reshape(3, -1) @ diff.T)[:, disk.ravel()]) / np.linalg.norm(x[:, disk])
        assert np.isclose(pairs[g, h], direct, rtol=1e-12)
        true = np.linalg.norm(D @ diff @ D, 2)             # power iteration: a lower bound, close
        assert true * (1 - 1e-3) - 1e-12 <= norms[g, h] <= true * (1 + 1e-9) + 1e-12
    assert pairs[0].max() == 0.0 and norms[0].max() == 0.0         # the identity composes exactly
    assert pairs.max() > 0
