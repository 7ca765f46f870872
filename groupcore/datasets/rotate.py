"""Rotated data: exact C4/D4 elements through ``Action.on_grid``, arbitrary angles by interpolation.

Conventions as in :mod:`groupcore`: positive angles rotate counter-clockwise about the image
centre ``((H-1)/2, (W-1)/2)``; element ``g`` of an exact grid group transforms an image as
``Action.on_grid(G, (H, W)).apply(g, image)`` (``np.rot90(image, k)`` for the C4 element k; in
D4 element ``4 + k`` is ``np.rot90(np.fliplr(image), k)``).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import ndimage

from ..action import Action
from ..families import cyclic
from ..group import Group
from .dataset import Dataset, as_rng

__all__ = ["apply_elements", "rotate_exact", "rotate_angles", "random_rotations", "augment"]

Data = TypeVar("Data", Dataset, NDArray[Any])


@functools.lru_cache(maxsize=16)
def _cached_grid(group: Group, geometry: bytes | None, shape: tuple[int, int]) -> Action:
    return Action.on_grid(group, shape)


def _grid(group: Group, shape: tuple[int, int]) -> Action:
    # C2 and D1 have equal tables (equal, same-hash Groups): their matrices tell them apart.
    return _cached_grid(group, None if group.matrices is None else group.matrices.tobytes(), shape)


def _batch(images: ArrayLike) -> NDArray[Any]:
    x = np.asarray(images)
    if x.ndim not in (3, 4):
        raise ValueError(f"images must be a batch (N, H, W) or (N, C, H, W); got shape {x.shape}")
    return x


def _per_image(values: ArrayLike, n: int, what: str) -> NDArray[Any]:
    v = np.asarray(values)
    if v.ndim > 1 or (v.ndim == 1 and v.shape[0] != n):
        raise ValueError(f"{what} must be a scalar or have shape ({n},), one per image; got shape {v.shape}")
    return np.broadcast_to(v, (n,))


def apply_elements(images: ArrayLike, group: Group, elements: ArrayLike) -> NDArray[Any]:
    """Transform image ``i`` by the group element ``elements[i]`` (exact pixel permutation).

    Parameters
    ----------
    images : array
        ``(N, H, W)`` or ``(N, C, H, W)``, any dtype.
    group : Group
        C1, C2, C4, D1, D2 or D4 (the groups with exact actions on a grid).
    elements : int or array of int
        One element for all images, or ``(N,)``.

    Examples
    --------
    >>> import groupcore as gc
    >>> x = np.arange(8).reshape(2, 2, 2)
    >>> out = apply_elements(x, gc.dihedral(4), [1, 4])
    >>> bool((out[0] == np.rot90(x[0])).all() and (out[1] == np.fliplr(x[1])).all())
    True
    """
    x = _batch(images)
    el = _per_image(elements, x.shape[0], "elements")
    if el.dtype.kind not in "iu":
        raise ValueError(f"group elements must be integers; got dtype {el.dtype}")
    bad = np.flatnonzero((el < 0) | (el >= group.order))
    if bad.size:
        raise ValueError(f"elements[{bad[0]}] = {el[bad[0]]} is not an element of {group.name} "
                         f"(0..{group.order - 1})")
    h, w = x.shape[-2:]
    table = _grid(group, (h, w)).table
    flat = x.reshape(x.shape[0], -1, h * w)
    out = np.empty_like(flat)
    for g in np.unique(el):
        chosen = el == g
        # (g·s)[y] = s[A[g⁻¹, y]], as in Action.apply
        out[chosen] = np.take(flat[chosen], table[group.inverse[g]], axis=-1)
    return out.reshape(x.shape)


def rotate_exact(data: Data, group_or_k: Group | int | ArrayLike,
                 seed: int | np.random.Generator | None = None) -> tuple[Data, NDArray[np.int64]]:
    """Exactly rotated (and flipped) images, and the group element applied to each.

    Parameters
    ----------
    data : Dataset or array
        ``(N, H, W)`` or ``(N, C, H, W)`` images, or a ``Dataset``.
    group_or_k : Group, int or array of int
        A group among C1, C2, C4, D1, D2, D4: each image gets a uniformly random element, drawn
        with ``seed``. An int or ``(N,)`` ints ``k``: image i is turned by ``k[i]`` quarter turns
        counter-clockwise (``np.rot90(image, k[i])``), the element ``k[i] mod 4`` of C4.
    seed : int or Generator
        Required with a group; not allowed with ``k``.

    Returns
    -------
    rotated : same type as ``data``
        For a ``Dataset``, its ``poses`` become the elements (composed with earlier poses of the
        same group: ``G.table[g, pose]``).
    elements : (N,) int64

    Examples
    --------
    >>> import groupcore as gc
    >>> x = np.arange(18).reshape(2, 3, 3)
    >>> out, k = rotate_exact(x, [1, 2])
    >>> bool((out[1] == np.rot90(x[1], 2)).all()), k.tolist()
    (True, [1, 2])
    >>> out, g = rotate_exact(x, gc.dihedral(4), seed=0)
    >>> out.shape, g.shape
    ((2, 3, 3), (2,))
    """
    images = data.images if isinstance(data, Dataset) else _batch(data)
    n: int = images.shape[0]
    if isinstance(group_or_k, Group):
        group = group_or_k
        elements = as_rng(seed).integers(group.order, size=n).astype(np.int64)
    else:
        if seed is not None:
            raise ValueError("seed is only used to draw random elements of a group; quarter turns k were given")
        k = _per_image(group_or_k, n, "k")
        if k.dtype.kind not in "iu":
            raise ValueError(f"quarter turns k must be integers; got dtype {k.dtype}")
        group, elements = cyclic(4), np.mod(k, 4).astype(np.int64)
    rotated = apply_elements(images, group, elements)
    if not isinstance(data, Dataset):
        return rotated, elements
    poses = elements
    if data.poses is not None:
        if data.poses.max(initial=0) >= group.order:
            raise ValueError(f"{data.name} has poses up to {data.poses.max()}, not elements of {group.name}; "
                             f"rotate the upright data instead")
        poses = group.table[elements, data.poses].astype(np.int64)
    return dataclasses.replace(data, images=rotated, poses=poses, name=f"{data.name}-{group.name}"), elements


def rotate_angles(data: Data, angles: ArrayLike, order: int = 1, *, mode: str = "constant") -> Data:
    """Rotate image i counter-clockwise by ``angles[i]`` degrees about its centre, by interpolation.

    Uses ``scipy.ndimage.rotate`` (``reshape=False``, zeros outside the image by default).
    ``uint8`` images are first scaled to ``[0, 1]`` and come back as float32; floating images keep
    their dtype. Results for ``uint8`` input and for a ``Dataset`` are clipped to ``[0, 1]``
    (splines of order > 1 overshoot). A ``Dataset`` comes back named ``<name>-rotated``, without
    poses (angles are not group elements).

    Parameters
    ----------
    data : Dataset or array
        ``(N, H, W)`` or ``(N, C, H, W)``.
    angles : float or (N,) floats
        Degrees.
    order : int
        Spline order, 0..5 (1: bilinear).
    mode : str
        ``scipy.ndimage`` boundary mode.

    Examples
    --------
    >>> x = np.random.default_rng(0).random((1, 5, 5))
    >>> bool(np.allclose(rotate_angles(x, 90.0), np.rot90(x, axes=(1, 2))))
    True
    """
    images = data.images if isinstance(data, Dataset) else _batch(data)
    if images.dtype == np.uint8:
        x = images.astype(np.float32) / np.float32(255)
    elif images.dtype.kind == "f":
        x = images
    else:
        raise ValueError(f"images must be uint8 or floating point; got dtype {images.dtype}")
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or not 0 <= order <= 5:
        raise ValueError(f"order must be a spline order 0..5; got {order!r}")
    theta = _per_image(np.asarray(angles, dtype=np.float64), x.shape[0], "angles")
    if not np.all(np.isfinite(theta)):
        raise ValueError("angles must be finite")
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        ndimage.rotate(x[i], theta[i], axes=(-2, -1), reshape=False, order=int(order), mode=mode, cval=0.0,
                       output=out[i])
    if images.dtype == np.uint8 or isinstance(data, Dataset):
        np.clip(out, 0.0, 1.0, out=out)
    if isinstance(data, Dataset):
        return dataclasses.replace(data, images=out, poses=None, name=f"{data.name}-rotated")
    return out


def random_rotations(data: Data, seed: int | np.random.Generator, max_angle: float = 360.0,
                     order: int = 1) -> tuple[Data, NDArray[np.float64]]:
    """Rotate each image by its own uniform random angle in ``[0, max_angle)`` degrees (seeded).

    With the defaults (full circle, bilinear) this builds a set like MNIST-rot.

    Returns
    -------
    rotated : same type as ``data``
        See :func:`rotate_angles`.
    angles : (N,) float64 degrees

    Examples
    --------
    >>> x = np.zeros((3, 4, 4), np.uint8)
    >>> out, angles = random_rotations(x, seed=0)
    >>> out.dtype, angles.shape, bool(((0 <= angles) & (angles < 360)).all())
    (dtype('float32'), (3,), True)
    """
    if not (np.isfinite(max_angle) and max_angle > 0):
        raise ValueError(f"max_angle must be a positive number of degrees; got {max_angle!r}")
    n: int = len(data) if isinstance(data, Dataset) else _batch(data).shape[0]
    angles = as_rng(seed).uniform(0.0, float(max_angle), size=n)
    return rotate_angles(data, angles, order), angles


def augment(images: ArrayLike, group: Group, rng: int | np.random.Generator) -> NDArray[Any]:
    """A batch with each image transformed by a uniformly random element of ``group`` (C4, D4, ...).

    For training loops: pass one ``numpy.random.Generator`` for the whole run.

    Examples
    --------
    >>> import groupcore as gc
    >>> rng = np.random.default_rng(0)
    >>> batch = np.random.default_rng(1).random((16, 1, 5, 5)).astype(np.float32)
    >>> out = augment(batch, gc.cyclic(4), rng)
    >>> out.shape, out.dtype, bool(np.allclose(np.sort(out, axis=None), np.sort(batch, axis=None)))
    ((16, 1, 5, 5), dtype('float32'), True)
    """
    x = _batch(images)
    return apply_elements(x, group, as_rng(rng).integers(group.order, size=x.shape[0]))
