"""``.npz`` data sets: arrays ``images`` and ``labels`` (optional ``classes``, ``poses``, ``name``).

Read with :class:`~groupcore.npzfile.NpzReader`: headers are checked against the archive before
anything is allocated, and object (pickled) arrays are refused.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from numpy.typing import NDArray

from ..fileio import atomic_open
from ..npzfile import NpzFormatError, NpzReader
from .dataset import Dataset, make_dataset
from .errors import DatasetFormatError

__all__ = ["read_npz", "load_npz", "save_npz"]


def read_npz(path: str | os.PathLike[str] | BinaryIO,
             required: tuple[str, ...] = ("images", "labels")) -> dict[str, NDArray[Any]]:
    """All arrays of an ``.npz`` archive (a path or a binary stream), without unpickling.

    Every array's header is checked against the bytes the archive stores before anything is
    allocated (:class:`~groupcore.npzfile.NpzReader`); the arrays named in ``required`` must be
    present.

    Raises
    ------
    DatasetFormatError
        Not a readable ``.npz`` archive, an object array, a damaged member, or a required
        array missing.

    Examples
    --------
    >>> import io
    >>> buf = io.BytesIO(); np.savez(buf, images=np.zeros((1, 2, 2), np.uint8), labels=[0]); _ = buf.seek(0)
    >>> sorted(read_npz(buf))
    ['images', 'labels']
    """
    where = os.fspath(path) if isinstance(path, (str, os.PathLike)) else "<stream>"
    try:
        with NpzReader(path, where) as archive:
            missing = [k for k in required if k not in archive.headers]
            if missing:
                raise DatasetFormatError(where, f"missing array(s) {', '.join(map(repr, missing))}; the archive has "
                                                f"{', '.join(map(repr, archive.headers)) or 'no arrays'}")
            return {k: archive.read(k) for k in archive.headers}
    except NpzFormatError as err:
        raise DatasetFormatError(where, err.problem) from None


def load_npz(path: str | os.PathLike[str], *, name: str | None = None) -> Dataset:
    """Load a ``Dataset`` from an ``.npz`` with ``images`` ((N,H,W) or (N,C,H,W)) and ``labels`` ((N,)).

    Optional arrays: ``classes`` (strings), ``poses`` (ints), ``name`` (a string); others are ignored.

    Raises
    ------
    DatasetFormatError
        See :func:`read_npz`; and wrong shapes, dtypes or label ranges.

    Examples
    --------
    >>> import tempfile
    >>> ds = Dataset(np.zeros((2, 3, 3), np.uint8), [1, 0], name="tiny")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     save_npz(Path(d) / "t.npz", ds)
    ...     load_npz(Path(d) / "t.npz").labels.tolist()
    [1, 0]
    """
    arrays = read_npz(path)
    classes = arrays.get("classes")
    if classes is not None and (classes.ndim != 1 or classes.dtype.kind != "U"):
        raise DatasetFormatError(path, f"'classes' must be a 1-D array of strings; got {classes.dtype} of shape "
                                       f"{classes.shape}")
    stored_name = arrays.get("name")
    default_name = str(stored_name) if stored_name is not None and stored_name.ndim == 0 else Path(path).stem
    return make_dataset(path, images=arrays["images"], labels=arrays["labels"], poses=arrays.get("poses"),
                        classes=() if classes is None else tuple(classes.tolist()), name=name or default_name)


def save_npz(path: str | os.PathLike[str], dataset: Dataset) -> None:
    """Write ``dataset`` as a compressed ``.npz`` (no pickled arrays), atomically.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     save_npz(Path(d) / "t.npz", Dataset(np.zeros((1, 2, 2), np.uint8), [0], name="one"))
    ...     load_npz(Path(d) / "t.npz").name
    'one'
    """
    arrays: dict[str, Any] = {"images": dataset.images, "labels": dataset.labels,
                              "classes": np.array(dataset.classes, dtype=str), "name": np.array(dataset.name)}
    if dataset.poses is not None:
        arrays["poses"] = dataset.poses
    with atomic_open(path) as f:
        np.savez_compressed(f, **arrays)
