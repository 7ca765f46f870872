"""Pixel CSV files (``.csv`` or ``.csv.gz``): one image per row, its pixels (0–255) then its label."""

from __future__ import annotations

import math
import os
import warnings
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .dataset import Dataset, make_dataset
from .errors import DatasetFormatError

__all__ = ["load_csv"]


def load_csv(path: str | os.PathLike[str], *, image_shape: tuple[int, int] | None = None,
             name: str | None = None, classes: Sequence[str] | None = None) -> Dataset:
    """Load rows of ``H·W`` pixels followed by the label as ``(N, H, W)`` uint8 images.

    Parameters
    ----------
    path : path
        Comma-separated, no header; gzip-compressed if the name ends in ``.gz``.
    image_shape : (int, int), optional
        ``(H, W)``; by default square, from the number of columns.
    name : str, optional
    classes : sequence of str, optional

    Raises
    ------
    DatasetFormatError
        Unparsable rows, a column count that does not fit the shape, pixels outside 0..255.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = (Path(d) / "d.csv").write_text("0,255,3,4,7\\n1,2,3,4,1\\n")
    ...     ds = load_csv(Path(d) / "d.csv")
    >>> ds.images.shape, ds.labels.tolist()
    ((2, 2, 2), [7, 1])
    """
    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)              # "input contained no data"
            rows = np.loadtxt(path, delimiter=",", dtype=np.int64, ndmin=2)
    except UserWarning:
        raise DatasetFormatError(path, "no rows: the file holds no images") from None
    except (ValueError, OSError, EOFError, zlib.error) as err:
        raise DatasetFormatError(path, f"not a CSV of integer rows (pixels, then the label): {err}") from None
    n_pixels = rows.shape[1] - 1
    if image_shape is None:
        side = math.isqrt(max(n_pixels, 0))
        if n_pixels < 1 or side * side != n_pixels:
            raise DatasetFormatError(path, f"{rows.shape[1]} columns: {n_pixels} pixels per row are not a square "
                                           f"image; pass image_shape")
        image_shape = (side, side)
    if n_pixels != image_shape[0] * image_shape[1]:
        raise DatasetFormatError(path, f"{rows.shape[1]} columns do not hold {image_shape[0]}×{image_shape[1]} "
                                       f"pixels and a label")
    pixels = rows[:, :-1]
    bad = np.argwhere((pixels < 0) | (pixels > 255))
    if bad.size:
        r, c = (int(i) for i in bad[0])
        raise DatasetFormatError(path, f"pixel values must lie in 0..255; row {r}, column {c} is {pixels[r, c]}")
    return make_dataset(path, images=pixels.astype(np.uint8).reshape(-1, *image_shape), labels=rows[:, -1],
                        classes=tuple(classes or ()), name=name or path.name.removesuffix(".gz").removesuffix(".csv"))
