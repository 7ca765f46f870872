"""The CIFAR-10 *binary* version (``data_batch_1.bin`` … ``data_batch_5.bin``, ``test_batch.bin``).

Each file is a sequence of 3,073-byte records: one label byte (0–9), then the 32×32 red,
green and blue planes, row-major. No pickle is involved.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .dataset import Dataset, make_dataset
from .errors import DatasetFormatError

__all__ = ["load_cifar10_bin", "cifar10_files", "CIFAR10_CLASSES", "CIFAR10_RECORD"]

CIFAR10_CLASSES: tuple[str, ...] = ("airplane", "automobile", "bird", "cat", "deer",
                                    "dog", "frog", "horse", "ship", "truck")
#: Bytes per record: one label byte and 3×32×32 pixels.
CIFAR10_RECORD = 1 + 3 * 32 * 32


def _read_batch(path: Path) -> Dataset:
    data = np.frombuffer(path.read_bytes(), dtype=np.uint8)
    if data.size == 0 or data.size % CIFAR10_RECORD:
        raise DatasetFormatError(path, f"{data.size} bytes is not a whole number of {CIFAR10_RECORD}-byte records "
                                       f"(1 label byte + 3×32×32 pixels): {data.size // CIFAR10_RECORD} records "
                                       f"and {data.size % CIFAR10_RECORD} bytes left over (truncated, or not a "
                                       f"CIFAR-10 binary batch)")
    records = data.reshape(-1, CIFAR10_RECORD)
    return make_dataset(path, images=records[:, 1:].reshape(-1, 3, 32, 32), labels=records[:, 0],
                        classes=CIFAR10_CLASSES, name=path.name)


def load_cifar10_bin(paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], *,
                     name: str | None = None) -> Dataset:
    """Load one or more CIFAR-10 binary batches as one ``Dataset`` of ``(N, 3, 32, 32)`` uint8 images.

    Raises
    ------
    DatasetFormatError
        A file that is not a whole number of records, or a label byte above 9.

    Examples
    --------
    >>> import tempfile
    >>> record = bytes([3]) + bytes(3072)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = (Path(d) / "test_batch.bin").write_bytes(record * 2)
    ...     ds = load_cifar10_bin(Path(d) / "test_batch.bin")
    >>> ds.images.shape, ds.classes[ds.labels[0]]
    ((2, 3, 32, 32), 'cat')
    """
    files = [Path(paths)] if isinstance(paths, (str, os.PathLike)) else [Path(p) for p in paths]
    if not files:
        raise ValueError("no CIFAR-10 batch files given")
    parts = [_read_batch(p) for p in files]
    return Dataset(np.concatenate([p.images for p in parts]), np.concatenate([p.labels for p in parts]),
                   name=name or "+".join(p.name for p in files), classes=CIFAR10_CLASSES)


def cifar10_files(root: str | os.PathLike[str], split: str) -> list[Path]:
    """The batch files of ``split`` (``"train"``: ``data_batch_*.bin`` in order; ``"test"``) in ``root``.

    ``root`` is the ``cifar-10-batches-bin`` folder or the folder holding it; empty list if none.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     for i in (10, 2):
    ...         _ = (Path(d) / f"data_batch_{i}.bin").write_bytes(b"")
    ...     [p.name for p in cifar10_files(d, "train")]
    ['data_batch_2.bin', 'data_batch_10.bin']
    """
    root = Path(root)
    for folder in (root, root / "cifar-10-batches-bin"):
        if split == "train":
            found = sorted(folder.glob("data_batch_*.bin"), key=lambda p: (len(p.name), p.name))
        else:
            found = [p for p in [folder / "test_batch.bin"] if p.is_file()]
        if found:
            return found
    return []
