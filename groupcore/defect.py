"""How far an approximate action breaks the action law: ``ρ(g)ρ(h)`` against ``ρ(gh)``.

The measurements behind :meth:`groupcore.ApproximateAction.defect`: the relative error on a
set of test images inside a disk, and the operator norm of ``D(ρ(g)ρ(h) − ρ(gh))D`` estimated
by power iteration, for every pair ``(g, h)``. The elements are given as functions on stacks of
images (``forward(g, x)`` and its transpose ``adjoint(g, y)``), so nothing here depends on how
an element is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

__all__ = ["smooth_images", "image_defect", "operator_norms"]

Apply = Callable[[int, NDArray[np.float64]], NDArray[np.float64]]


def smooth_images(shape: Sequence[int], count: int = 4, sigma: float = 2.0, seed: int = 0) -> NDArray[np.float64]:
    """Seeded smooth test images: white noise blurred by a Gaussian of ``sigma`` pixels, unit variance.

    The default set on which :meth:`groupcore.ApproximateAction.defect` measures the defect.

    Examples
    --------
    >>> smooth_images((8, 8)).shape
    (4, 8, 8)
    """
    noise = np.random.default_rng(seed).standard_normal((count, *shape))
    x = ndimage.gaussian_filter(noise, sigma=(0, sigma, sigma), mode="wrap")
    x -= x.mean(axis=(1, 2), keepdims=True)
    return x / x.std(axis=(1, 2), keepdims=True)


def image_defect(forward: Apply, table: NDArray[np.integer], x: NDArray[np.float64],
                 disk: NDArray[np.bool_]) -> NDArray[np.float64]:
    """``pairs[g, h] = ‖D(ρ(g)ρ(h)x − ρ(gh)x)‖ / ‖Dx‖`` over the stack ``x`` (Frobenius norms).

    Examples
    --------
    >>> table = np.array([[0, 1], [1, 0]])
    >>> flip = lambda g, x: x[:, :, ::-1] if g else x          # an exact action: defect 0
    >>> image_defect(flip, table, np.ones((1, 2, 2)), np.ones((2, 2), bool)).tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """
    n, b = table.shape[0], x.shape[0]
    denom = np.linalg.norm(x[:, disk])
    if denom == 0.0:
        raise ValueError("the test images vanish inside the disk; the relative defect is undefined")
    ys = np.stack([forward(h, x) for h in range(n)])              # ρ(h)x, (n, b, H, W)
    flat = ys.reshape(n * b, *x.shape[1:])
    pairs = np.empty((n, n))
    for g in range(n):
        zs = forward(g, flat).reshape(ys.shape)                   # ρ(g)ρ(h)x
        diff = (zs - ys[table[g]])[:, :, disk]                    # minus ρ(gh)x
        pairs[g] = np.sqrt((diff ** 2).sum(axis=(1, 2))) / denom
    return pairs


def operator_norms(forward: Apply, adjoint: Apply, table: NDArray[np.integer], disk: NDArray[np.bool_],
                   iterations: int) -> NDArray[np.float64]:
    """Largest singular value of ``D(ρ(g)ρ(h) − ρ(gh))D`` for every pair, by power iteration.

    A lower bound: the worst case over all images, including ones far rougher than any test set.

    Examples
    --------
    >>> table = np.array([[0, 1], [1, 0]])
    >>> flip = lambda g, x: x[:, :, ::-1] if g else x
    >>> operator_norms(flip, flip, table, np.ones((2, 2), bool), 3).tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """
    n = table.shape[0]
    products = [np.argwhere(table == e) for e in range(n)]

    def run(v: NDArray[np.float64], step: Any, first_axis_first: bool) -> NDArray[np.float64]:
        inner = np.empty_like(v)
        outer = np.empty_like(v)
        for k in range(n):                      # forward: ρ(h) then ρ(g); adjoint: ρ(g)ᵀ then ρ(h)ᵀ
            if first_axis_first:
                inner[k] = step(k, v[k])
            else:
                inner[:, k] = step(k, v[:, k])
        for k in range(n):
            if first_axis_first:
                outer[:, k] = step(k, inner[:, k])
            else:
                outer[k] = step(k, inner[k])
        for e, idx in enumerate(products):     # ρ(gh) or its transpose
            outer[idx[:, 0], idx[:, 1]] -= step(e, v[idx[:, 0], idx[:, 1]])
        return outer * disk

    v = np.random.default_rng(0).standard_normal((n, n, *disk.shape)) * disk
    for _ in range(iterations):
        v = run(run(v, forward, False), adjoint, True)
        size = np.sqrt((v ** 2).sum(axis=(2, 3), keepdims=True))
        v = np.divide(v, size, out=np.zeros_like(v), where=size > 0)
    return np.sqrt((run(v, forward, False) ** 2).sum(axis=(2, 3)))
