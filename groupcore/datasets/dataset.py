"""The ``Dataset`` container: images, integer labels, class names and optional poses."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import DatasetFormatError

__all__ = ["Dataset", "DIGITS", "as_rng", "make_dataset", "sample_order"]

#: Class names of the digit data sets (MNIST, SVHN, ...).
DIGITS: tuple[str, ...] = tuple(str(d) for d in range(10))


def _readonly(a: NDArray[Any]) -> NDArray[Any]:
    view = a.view()
    view.flags.writeable = False
    return view


def as_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A NumPy generator from a seed or a generator; ``None`` is refused so results are reproducible.

    Examples
    --------
    >>> int(as_rng(0).integers(100)) == int(as_rng(0).integers(100))
    True
    """
    if seed is None or isinstance(seed, bool):
        raise ValueError(f"a seed (int or numpy.random.Generator) is required for reproducible results; got {seed!r}")
    if isinstance(seed, np.random.Generator):
        return seed
    if not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int or a numpy.random.Generator; got {type(seed).__name__}")
    return np.random.default_rng(int(seed))


def sample_order(labels: ArrayLike, seed: int | np.random.Generator, stratified: bool = True) -> NDArray[np.int64]:
    """A seeded random order of ``0 … N-1`` whose every prefix is (if stratified) class-balanced.

    Stratified: each class is shuffled, its i-th member gets the key ``(i + 1/2) / n_class``,
    and indices are sorted by key (random tie-break). A prefix of length n then holds each
    class in proportion to its frequency, within one image.

    Examples
    --------
    >>> order = sample_order([0, 0, 1, 1, 1, 1], seed=0)
    >>> sorted(np.asarray([0, 0, 1, 1, 1, 1])[order[:3]].tolist())
    [0, 1, 1]
    """
    labels = np.asarray(labels)
    rng = as_rng(seed)
    n: int = labels.shape[0]
    if not stratified:
        return rng.permutation(n).astype(np.int64)
    keys = np.empty(n)
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        keys[members] = (rng.permutation(members.size) + 0.5) / members.size
    return np.lexsort((rng.random(n), keys)).astype(np.int64)


@dataclass(frozen=True, eq=False)
class Dataset:
    """Images with integer labels; arrays are read-only views.

    Parameters
    ----------
    images : array
        ``(N, H, W)`` or ``(N, C, H, W)``; ``uint8`` in ``0 … 255`` or floating in ``[0, 1]``.
    labels : array
        ``(N,)`` integers in ``0 … len(classes) - 1`` (stored as int64).
    name : str
        A short label used in reports.
    classes : tuple of str
        Class names; by default ``"0" … str(max label)``.
    poses : array, optional
        ``(N,)`` group element applied to each image relative to upright (``None``: upright or unknown).

    Raises
    ------
    ValueError
        On a wrong shape, dtype or range, naming the first offending entry.

    Examples
    --------
    >>> ds = Dataset(np.zeros((4, 2, 2), np.uint8), np.array([0, 1, 1, 2]), name="tiny")
    >>> len(ds), ds.classes, ds.as_float().shape, ds.counts().tolist()
    (4, ('0', '1', '2'), (4, 1, 2, 2), [1, 2, 1])
    """

    images: NDArray[Any]
    labels: NDArray[np.int64]
    name: str = "dataset"
    classes: tuple[str, ...] = ()
    poses: NDArray[np.int64] | None = None

    def __post_init__(self) -> None:
        images = np.asarray(self.images)
        if images.ndim not in (3, 4):
            raise ValueError(f"images must have shape (N, H, W) or (N, C, H, W); got shape {images.shape}")
        if images.dtype != np.uint8 and images.dtype.kind != "f":
            raise ValueError(f"images must be uint8 (0..255) or floating point ([0, 1]); got dtype {images.dtype}")
        if images.dtype.kind == "f" and images.size and not (images.min() >= 0.0 and images.max() <= 1.0):
            raise ValueError(f"floating-point images must lie in [0, 1] (and be finite); got range "
                             f"[{images.min()}, {images.max()}]")
        n = images.shape[0]
        labels = _index_array(self.labels, "labels", n)
        classes = tuple(str(c) for c in self.classes) or tuple(str(c) for c in range(int(labels.max(initial=-1)) + 1))
        bad = np.flatnonzero(labels >= len(classes))
        if bad.size:
            raise ValueError(f"labels must lie in 0..{len(classes) - 1} ({len(classes)} classes); "
                             f"labels[{bad[0]}] = {labels[bad[0]]}")
        poses = None if self.poses is None else _index_array(self.poses, "poses", n)
        object.__setattr__(self, "images", _readonly(images))
        object.__setattr__(self, "labels", _readonly(labels))
        object.__setattr__(self, "classes", classes)
        object.__setattr__(self, "poses", None if poses is None else _readonly(poses))

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def __repr__(self) -> str:
        return (f"Dataset({self.name!r}, {len(self)} images of shape {self.images.shape[1:]} {self.images.dtype}, "
                f"{self.num_classes} classes{'' if self.poses is None else ', with poses'})")

    @property
    def num_classes(self) -> int:
        """Number of classes ``len(classes)``.

        Examples
        --------
        >>> Dataset(np.zeros((1, 2, 2), np.uint8), [0], classes=("a", "b")).num_classes
        2
        """
        return len(self.classes)

    def counts(self) -> NDArray[np.int64]:
        """Images per class, ``(num_classes,)``.

        Examples
        --------
        >>> Dataset(np.zeros((3, 2, 2), np.uint8), [1, 1, 0]).counts().tolist()
        [1, 2]
        """
        return np.bincount(self.labels, minlength=self.num_classes)

    def as_float(self, dtype: Any = np.float32) -> NDArray[np.floating]:
        """The images as ``(N, C, H, W)`` floats in ``[0, 1]`` (``uint8`` divided by 255).

        Examples
        --------
        >>> Dataset(np.full((1, 1, 1), 255, np.uint8), [0]).as_float().tolist()
        [[[[1.0]]]]
        """
        x = self.images if self.images.ndim == 4 else self.images[:, None]
        if x.dtype == np.uint8:
            return x.astype(dtype) / np.asarray(255, dtype)
        return x.astype(dtype)

    def take(self, indices: ArrayLike) -> Dataset:
        """The images at ``indices``, in that order (labels, classes and poses follow).

        Examples
        --------
        >>> Dataset(np.zeros((3, 2, 2), np.uint8), [0, 1, 2]).take([2, 0]).labels.tolist()
        [2, 0]
        """
        idx = np.asarray(indices, dtype=np.int64)
        return dataclasses.replace(self, images=self.images[idx], labels=self.labels[idx],
                                   poses=None if self.poses is None else self.poses[idx])

    def subset(self, n: int, seed: int | np.random.Generator, stratified: bool = True) -> Dataset:
        """``n`` images drawn without replacement, class-balanced by default.

        With the same seed, ``subset(n)`` is the first ``n`` images of ``subset(m)`` for ``n <= m``:
        training sets of growing size are nested.

        Examples
        --------
        >>> ds = Dataset(np.zeros((8, 2, 2), np.uint8), [0, 1] * 4)
        >>> ds.subset(4, seed=0).counts().tolist()
        [2, 2]
        """
        n = _count(n, len(self), "n")
        return self.take(sample_order(self.labels, seed, stratified)[:n])

    def split(self, n_train: int | float, seed: int | np.random.Generator,
              stratified: bool = True) -> tuple[Dataset, Dataset]:
        """Split into disjoint ``(train, test)`` parts named ``<name>-train``, ``<name>-test``.

        ``n_train`` is a count or a fraction in (0, 1). The train part equals ``subset(n_train, seed)``.

        Examples
        --------
        >>> ds = Dataset(np.zeros((10, 2, 2), np.uint8), [0, 1] * 5)
        >>> train, test = ds.split(0.8, seed=0)
        >>> len(train), len(test), test.counts().tolist()
        (8, 2, [1, 1])
        """
        if isinstance(n_train, (float, np.floating)):
            if not 0.0 < n_train < 1.0:
                raise ValueError(f"a fractional n_train must lie in (0, 1); got {n_train}")
            n_train = round(n_train * len(self))
        n_train = _count(n_train, len(self), "n_train")
        order = sample_order(self.labels, seed, stratified)
        return (dataclasses.replace(self.take(order[:n_train]), name=f"{self.name}-train"),
                dataclasses.replace(self.take(order[n_train:]), name=f"{self.name}-test"))


def _index_array(values: ArrayLike, what: str, n: int) -> NDArray[np.int64]:
    a = np.asarray(values)
    if a.shape != (n,):
        raise ValueError(f"{what} must have shape ({n},), one per image; got shape {a.shape}")
    if a.dtype.kind not in "iu":
        raise ValueError(f"{what} must be integers; got dtype {a.dtype}")
    a = a.astype(np.int64)
    bad = np.flatnonzero(a < 0)
    if bad.size:
        raise ValueError(f"{what} must be >= 0; {what}[{bad[0]}] = {a[bad[0]]}")
    return a


def _count(n: int, size: int, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{what} must be an int; got {type(n).__name__}")
    if not 0 <= n <= size:
        raise ValueError(f"{what} must lie in 0..{size} (the data set's size); got {n}")
    return int(n)


def make_dataset(path: str | os.PathLike[str], **fields: Any) -> Dataset:
    """``Dataset(**fields)``, turning a validation failure into a ``DatasetFormatError`` naming ``path``.

    Examples
    --------
    >>> try:
    ...     make_dataset("x.npz", images=np.zeros((2, 2, 2), np.uint8), labels=[0])
    ... except DatasetFormatError as err:
    ...     print(err)
    x.npz: labels must have shape (2,), one per image; got shape (1,)
    """
    try:
        return Dataset(**fields)
    except ValueError as err:
        raise DatasetFormatError(path, str(err)) from None
