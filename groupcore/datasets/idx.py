"""MNIST-style IDX files (MNIST, Fashion-MNIST, KMNIST, EMNIST), gzip-compressed or not.

An IDX file is a big-endian header ``0x00 0x00 <type> <ndim>`` followed by ``ndim`` uint32
dimensions and the data in C order. Images are ``0x00000803`` (unsigned bytes, 3 dims
``N × H × W``), labels ``0x00000801`` (unsigned bytes, 1 dim ``N``). EMNIST stores each image
transposed.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..fileio import atomic_open
from .dataset import Dataset, make_dataset
from .errors import DatasetFormatError

__all__ = ["read_idx", "write_idx", "load_idx", "idx_labels_path", "IMAGES_MAGIC", "LABELS_MAGIC"]

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801

#: IDX type code -> big-endian dtype.
_TYPES: dict[int, np.dtype[Any]] = {
    0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}
_CODES = {dt.newbyteorder("="): code for code, dt in _TYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


def _describe(magic: int) -> str:
    dtype = _TYPES.get((magic >> 8) & 0xFF)
    return f"{'unknown type' if dtype is None else dtype.newbyteorder('=').name}, {magic & 0xFF} dims"


def _read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if data[:2] != _GZIP_MAGIC:
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as err:
        raise DatasetFormatError(path, f"corrupt or truncated gzip stream ({err})") from None


def read_idx(path: str | os.PathLike[str], magic: int | None = None) -> NDArray[Any]:
    """Read one IDX file (gzip detected by content) into a native-endian array.

    Parameters
    ----------
    path : path
    magic : int, optional
        The magic number the file must have (e.g. ``IMAGES_MAGIC``).

    Raises
    ------
    DatasetFormatError
        Bad magic number, unknown type, truncated data or trailing bytes.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_idx(Path(d) / "l.gz", np.array([3, 1, 4], np.uint8))
    ...     read_idx(Path(d) / "l.gz", LABELS_MAGIC).tolist()
    [3, 1, 4]
    """
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise DatasetFormatError(path, f"{len(data)} bytes is too short for an IDX header (4 bytes of magic number)")
    found = int.from_bytes(data[:4], "big")
    if data[:2] != b"\x00\x00" or data[2] not in _TYPES or data[3] == 0:
        raise DatasetFormatError(path, f"not an IDX file: magic number 0x{found:08X} (an IDX magic number is "
                                       f"0x0000TTDD with type TT in 08,09,0B,0C,0D,0E and DD >= 1 dims)")
    if magic is not None and found != magic:
        raise DatasetFormatError(path, f"magic number 0x{found:08X} ({_describe(found)}) where 0x{magic:08X} "
                                       f"({_describe(magic)}) was expected")
    dtype, ndim = _TYPES[data[2]], data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DatasetFormatError(path, f"truncated header: {ndim} dims need {header} bytes, the file has {len(data)}")
    dims = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    expected = math.prod(dims) * dtype.itemsize                 # exact: a header cannot overflow it
    actual = len(data) - header
    if actual != expected:
        what = "truncated" if actual < expected else "trailing bytes"
        raise DatasetFormatError(path, f"{what}: the header says {'×'.join(map(str, dims))} {dtype.name} values "
                                       f"({expected} bytes) but {actual} bytes of data follow")
    arr = np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)
    return arr.astype(dtype.newbyteorder("="))


def write_idx(path: str | os.PathLike[str], array: NDArray[Any]) -> None:
    """Write ``array`` as an IDX file (gzip-compressed when ``path`` ends in ``.gz``), atomically.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_idx(Path(d) / "x", np.zeros((2, 3, 3), np.uint8))
    ...     (Path(d) / "x").read_bytes()[:4].hex()
    '00000803'
    """
    arr = np.asarray(array)
    code = _CODES.get(arr.dtype.newbyteorder("="))
    if code is None or arr.ndim == 0 or arr.ndim > 255:
        raise ValueError(f"IDX stores 1..255-dim arrays of uint8, int8, int16, int32, float32 or float64; "
                         f"got {arr.ndim} dims of {arr.dtype}")
    head = bytes([0, 0, code, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    data = head + np.ascontiguousarray(arr, dtype=_TYPES[code]).tobytes()
    with atomic_open(path) as f:
        f.write(gzip.compress(data, mtime=0) if str(path).endswith(".gz") else data)


def idx_labels_path(images_path: str | os.PathLike[str]) -> Path:
    """The labels file beside an IDX images file (``…images-idx3-ubyte`` → ``…labels-idx1-ubyte``).

    Looks for the name with and without ``.gz``.

    Raises
    ------
    FileNotFoundError
        When no labels file is there.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_idx(Path(d) / "t10k-labels-idx1-ubyte", np.zeros(1, np.uint8))
    ...     idx_labels_path(Path(d) / "t10k-images-idx3-ubyte.gz").name
    't10k-labels-idx1-ubyte'
    """
    images_path = Path(images_path)
    base = images_path.name.removesuffix(".gz")
    if "images" not in base or "idx3" not in base:
        raise ValueError(f"{images_path}: not an IDX images file name (expected '…images…idx3…')")
    stem = base.replace("images", "labels").replace("idx3", "idx1")
    candidates = [images_path.with_name(stem + ext) for ext in ((".gz", "") if images_path.name.endswith(".gz")
                                                                else ("", ".gz"))]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no labels file for {images_path}: looked for {', '.join(c.name for c in candidates)} "
                            f"in {images_path.parent}")


def load_idx(images_path: str | os.PathLike[str], labels_path: str | os.PathLike[str] | None = None, *,
             num_classes: int | None = None, transpose: bool | None = None, name: str | None = None,
             classes: Sequence[str] | None = None) -> Dataset:
    """Load an IDX images/labels pair as a ``Dataset`` of ``(N, H, W)`` uint8 images.

    Parameters
    ----------
    images_path : path
        ``0x00000803`` file, e.g. ``train-images-idx3-ubyte.gz``.
    labels_path : path, optional
        ``0x00000801`` file; by default found beside the images (:func:`idx_labels_path`).
    num_classes : int, optional
        Labels must lie in ``0 … num_classes - 1`` (default: up to the largest label).
    transpose : bool, optional
        Transpose each image (EMNIST's storage); default: when the file name contains ``emnist``.
    name : str, optional
    classes : sequence of str, optional
        Class names (their number plays the role of ``num_classes``).

    Raises
    ------
    DatasetFormatError
        Corrupt or truncated files, wrong magic numbers, a count mismatch, a label out of range.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_idx(Path(d) / "train-images-idx3-ubyte", np.zeros((2, 4, 4), np.uint8))
    ...     write_idx(Path(d) / "train-labels-idx1-ubyte", np.array([7, 1], np.uint8))
    ...     load_idx(Path(d) / "train-images-idx3-ubyte", num_classes=10).counts().tolist()
    [0, 1, 0, 0, 0, 0, 0, 1, 0, 0]
    """
    if num_classes is not None and (isinstance(num_classes, bool) or not 1 <= num_classes):
        raise ValueError(f"num_classes must be a positive int; got {num_classes!r}")
    images_path = Path(images_path)
    labels_path = idx_labels_path(images_path) if labels_path is None else Path(labels_path)
    images = read_idx(images_path, IMAGES_MAGIC)
    labels = read_idx(labels_path, LABELS_MAGIC)
    if labels.shape[0] != images.shape[0]:
        raise DatasetFormatError(labels_path, f"{labels.shape[0]} labels but {images_path.name} holds "
                                              f"{images.shape[0]} images")
    if min(images.shape[1:]) == 0:
        raise DatasetFormatError(images_path, f"images of size {images.shape[1]}×{images.shape[2]}: both sides "
                                              f"must be >= 1")
    if transpose is None:
        transpose = "emnist" in images_path.name.lower()
    if transpose:
        images = np.ascontiguousarray(images.transpose(0, 2, 1))
    if classes is None and num_classes is not None:
        classes = tuple(str(c) for c in range(num_classes))
    return make_dataset(labels_path, images=images, labels=labels, classes=tuple(classes or ()),
                        name=name or images_path.name.removesuffix(".gz"))
