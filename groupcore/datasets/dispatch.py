"""``load(path)``: pick the loader from a file's name, or find a split's files in a folder."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .cifar import cifar10_files, load_cifar10_bin
from .csvfile import load_csv
from .dataset import Dataset
from .embedded import EMBEDDED_SEED, load_embedded
from .errors import DatasetFormatError
from .idx import load_idx
from .npz import load_npz
from .svhn import load_svhn_mat

__all__ = ["load", "load_train_test", "SPLITS"]

#: Split name -> the words that name it in file names.
SPLITS: dict[str, tuple[str, ...]] = {"train": ("train",), "test": ("test", "t10k")}
_IDX_IMAGES = re.compile(r"(train|test|t10k)-images[-.]idx3-ubyte(\.gz)?$")


def _file_loader(path: Path) -> Callable[..., Dataset]:
    name = path.name.lower()
    if name.endswith(".npz"):
        return load_npz
    if name.endswith(".mat"):
        return load_svhn_mat
    if name.endswith(".bin"):
        return load_cifar10_bin
    if name.endswith((".csv", ".csv.gz")):
        return load_csv
    if "idx3" in name:
        return load_idx
    if "idx1" in name:
        raise DatasetFormatError(path, "an IDX labels file: pass the images file (…images-idx3-ubyte); its labels "
                                       "are found beside it")
    raise DatasetFormatError(path, "cannot tell the format from the name; known: IDX (…idx3-ubyte[.gz]), .npz, "
                                   "CIFAR-10 binary (.bin), SVHN (.mat), pixel CSV (.csv[.gz])")


def _split_files(folder: Path, split: str) -> tuple[Callable[..., Dataset], Any] | None:
    """The loader and its first argument for ``split`` in ``folder``, or None."""
    words = SPLITS[split]
    found: dict[str, tuple[Callable[..., Dataset], Any]] = {}
    for p in sorted(folder.iterdir(), key=lambda p: (p.name.endswith(".gz"), p.name)):
        m = _IDX_IMAGES.search(p.name.lower())
        if m and m.group(1) in words:
            found.setdefault(p.name.removesuffix(".gz"), (load_idx, p))    # the unpacked file wins over its .gz
    batches = cifar10_files(folder, split)
    if batches:
        found[f"{len(batches)} CIFAR-10 batch file(s)"] = (load_cifar10_bin, batches)
    svhn = folder / f"{split}_32x32.mat"
    if svhn.is_file():
        found[svhn.name] = (load_svhn_mat, svhn)
    for p in sorted(folder.glob("*.npz")):
        if any(w in p.stem.lower() for w in words):
            found[p.name] = (load_npz, p)
    if len(found) > 1:
        raise DatasetFormatError(folder, f"several data sets for split {split!r}: {', '.join(found)}; pass one file")
    return next(iter(found.values()), None)


def load(path: str | os.PathLike[str], split: str | None = None, **options: Any) -> Dataset:
    """Load a data set from a file (format from its name) or a split from a folder.

    Files: ``…images-idx3-ubyte[.gz]`` (labels beside it), ``.npz``, CIFAR-10 ``.bin``, SVHN
    ``.mat``, pixel ``.csv[.gz]``. Folders: ``split`` (default ``"train"``; ``"test"``) picks
    ``train-``/``t10k-``/``test-images-idx3-ubyte[.gz]``, ``data_batch_*.bin``/``test_batch.bin``
    (also inside ``cifar-10-batches-bin/``), ``train_32x32.mat``/``test_32x32.mat``, or the
    ``.npz`` whose name contains the split. ``options`` go to the loader (e.g. ``transpose``,
    ``num_classes`` for IDX).

    Raises
    ------
    DatasetFormatError
        Unknown format, several candidate files, or a corrupt file.
    FileNotFoundError
        Nothing there.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from groupcore.datasets import Dataset, save_npz
    >>> with tempfile.TemporaryDirectory() as d:
    ...     save_npz(Path(d) / "digits_test.npz", Dataset(np.zeros((3, 2, 2), np.uint8), [0, 1, 2]))
    ...     len(load(d, "test")), len(load(Path(d) / "digits_test.npz"))
    (3, 3)
    """
    path = Path(path)
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {sorted(SPLITS)}; got {split!r}")
    if path.is_dir():
        choice = _split_files(path, split or "train")
        if choice is None:
            raise FileNotFoundError(f"no {split or 'train'} data in {path}: expected IDX (…-images-idx3-ubyte[.gz]), "
                                    f"CIFAR-10 (data_batch_*.bin / test_batch.bin), SVHN (*_32x32.mat) or an .npz "
                                    f"named after the split")
        loader, argument = choice
        return loader(argument, **options)
    if split is not None:
        raise ValueError(f"split={split!r} selects files in a folder; {path} is a single file")
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    return _file_loader(path)(path, **options)


def load_train_test(path: str | os.PathLike[str] | None = None, *, seed: int = EMBEDDED_SEED,
                    train_fraction: float = 0.8) -> tuple[Dataset, Dataset]:
    """``(train, test)`` from the embedded digits (``path=None``), a folder, or one file.

    A folder gives its ``train`` and ``test`` splits; a single file (or the embedded 5,000
    digits) is split with ``seed`` (stratified, ``train_fraction`` for training).

    Examples
    --------
    >>> train, test = load_train_test()
    >>> len(train), len(test)
    (4000, 1000)
    """
    if not 0.0 < train_fraction < 1.0:
        raise ValueError(f"train_fraction must lie in (0, 1); got {train_fraction!r}")
    if path is None:
        return load_embedded(seed=seed, n_train=float(train_fraction))
    if Path(path).is_dir():
        return load(path, "train"), load(path, "test")
    return load(path).split(float(train_fraction), seed)
