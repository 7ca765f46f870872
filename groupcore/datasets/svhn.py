"""SVHN cropped digits (``train_32x32.mat``, ``test_32x32.mat``): ``X`` is (32, 32, 3, N), ``y`` in 1..10.

Label 10 stands for the digit 0.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np
import scipy.io

from .dataset import DIGITS, Dataset, make_dataset
from .errors import DatasetFormatError
from .matfile import check_mat_v5

__all__ = ["load_svhn_mat"]


def load_svhn_mat(path: str | os.PathLike[str], *, name: str | None = None) -> Dataset:
    """Load an SVHN cropped-digits ``.mat`` file as ``(N, 3, H, W)`` uint8 images, labels 0–9.

    Raises
    ------
    DatasetFormatError
        Not a MATLAB v5 file, a damaged or truncated one (its structure is checked before SciPy
        reads it: :func:`~groupcore.datasets.matfile.check_mat_v5`), missing ``X``/``y``, wrong
        shapes or dtype, a label outside 1..10.

    Examples
    --------
    >>> import tempfile
    >>> X = np.zeros((32, 32, 3, 2), np.uint8)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     scipy.io.savemat(Path(d) / "test_32x32.mat", {"X": X, "y": np.array([[10], [3]], np.uint8)})
    ...     ds = load_svhn_mat(Path(d) / "test_32x32.mat")
    >>> ds.images.shape, ds.labels.tolist()
    ((2, 3, 32, 32), [0, 3])
    """
    path = Path(path)
    check_mat_v5(path)
    try:
        mat = scipy.io.loadmat(path)
    except (ValueError, TypeError, OSError, EOFError, NotImplementedError, IndexError, KeyError, OverflowError,
            struct.error, zlib.error, scipy.io.matlab.MatReadError) as err:
        raise DatasetFormatError(path, f"not a readable MATLAB v5 .mat file ({type(err).__name__}: {err})") from None
    missing = [k for k in ("X", "y") if k not in mat]
    if missing:
        keys = sorted(k for k in mat if not k.startswith("__"))
        raise DatasetFormatError(path, f"missing variable(s) {', '.join(missing)}; the file has {keys}")
    X, y = mat["X"], mat["y"]
    if X.ndim != 4 or X.shape[2] != 3:
        raise DatasetFormatError(path, f"X has shape {X.shape}; SVHN stores X as (32, 32, 3, N): height, width, "
                                       f"RGB, image")
    if X.dtype != np.uint8:
        raise DatasetFormatError(path, f"X must hold uint8 pixels; got {X.dtype}")
    n = X.shape[3]
    if y.size != n or (y.ndim == 2 and 1 not in y.shape) or y.ndim > 2:
        raise DatasetFormatError(path, f"y has shape {y.shape}; expected ({n}, 1), one label per image of X")
    y = y.ravel()
    valid = (y >= 1) & (y <= 10) & (y == np.round(y)) if y.dtype.kind in "iuf" else np.zeros(n, bool)
    if not valid.all():
        bad = int(np.flatnonzero(~valid)[0])
        raise DatasetFormatError(path, f"SVHN labels must be integers 1..10 (10 = digit 0); y[{bad}] = {y[bad].item()}")
    labels = y.astype(np.int64) % 10
    return make_dataset(path, images=np.ascontiguousarray(X.transpose(3, 2, 0, 1)), labels=labels,
                        classes=DIGITS, name=name or path.stem)
