"""The full MNIST beside the checkout (``../shared/data``): train, test and the authors' rotated test set.

The folder holds ``mnist_train.npz`` and ``mnist_test.npz`` (``images`` uint8 (N, 28, 28),
``labels``; the test file also ``rot_k``: test image i of the rotated set is
``np.rot90(images[i], rot_k[i])``). It is found, in order, at an explicit ``root``, at
``$GROUPCORE_MNIST_DIR``, or at ``../shared/data`` beside the repository checkout (or the
working directory).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from .dataset import DIGITS, Dataset, as_rng, make_dataset
from .errors import DatasetFormatError, DatasetUnavailableError
from .npz import read_npz
from .rotate import random_rotations, rotate_exact

__all__ = ["MnistSplits", "mnist_data_dir", "load_mnist", "load_mnist_rot_like", "MNIST_ENV_VAR", "MNIST_FILES"]

MNIST_ENV_VAR = "GROUPCORE_MNIST_DIR"
MNIST_FILES = ("mnist_train.npz", "mnist_test.npz")


class MnistSplits(NamedTuple):
    """The three MNIST sets of the paper's protocol.

    Attributes
    ----------
    train : Dataset
        60,000 upright training digits.
    test : Dataset
        10,000 upright test digits.
    test_rotated : Dataset
        The authors' rotated test set; ``poses`` are the C4 elements ``rot_k``.

    Examples
    --------
    >>> MnistSplits._fields
    ('train', 'test', 'test_rotated')
    """

    train: Dataset
    test: Dataset
    test_rotated: Dataset


def _candidates(root: str | os.PathLike[str] | None) -> list[Path]:
    if root is not None:
        return [Path(root)]
    if os.environ.get(MNIST_ENV_VAR):
        return [Path(os.environ[MNIST_ENV_VAR])]
    beside_checkout = Path(__file__).resolve().parents[2].parent / "shared" / "data"
    beside_cwd = (Path.cwd().parent / "shared" / "data").resolve()
    return [beside_checkout] if beside_cwd == beside_checkout else [beside_checkout, beside_cwd]


def mnist_data_dir(root: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding ``mnist_train.npz`` and ``mnist_test.npz``.

    Raises
    ------
    DatasetUnavailableError
        Naming every place looked at.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     try:
    ...         mnist_data_dir(d)
    ...     except DatasetUnavailableError as err:
    ...         print("mnist_train.npz" in str(err))
    True
    """
    places = _candidates(root)
    for place in places:
        if all((place / f).is_file() for f in MNIST_FILES):
            return place
    raise DatasetUnavailableError(
        f"the full MNIST ({' and '.join(MNIST_FILES)}) is not in {', '.join(map(str, places))}; pass its folder "
        f"or set ${MNIST_ENV_VAR}. Without it, the embedded digits work offline: groupcore.datasets.load_embedded()")


def load_mnist(root: str | os.PathLike[str] | None = None) -> MnistSplits:
    """Load the full MNIST: train, test and the authors' rotated test set (see :class:`MnistSplits`).

    Raises
    ------
    DatasetUnavailableError
        See :func:`mnist_data_dir`.
    DatasetFormatError
        A corrupt file or a bad ``rot_k``.

    Examples
    --------
    >>> train, test, rotated = load_mnist()                              # doctest: +SKIP
    >>> bool((rotated.images[0] == np.rot90(test.images[0], rotated.poses[0])).all())  # doctest: +SKIP
    True
    """
    folder = mnist_data_dir(root)
    train_path, test_path = (folder / f for f in MNIST_FILES)
    train = make_dataset(train_path, **_digits(read_npz(train_path)), name="mnist-train")
    arrays = read_npz(test_path, required=("images", "labels", "rot_k"))
    test = make_dataset(test_path, **_digits(arrays), name="mnist-test")
    rot_k = arrays["rot_k"]
    if rot_k.shape != (len(test),) or rot_k.dtype.kind not in "iu" or not np.all((rot_k >= 0) & (rot_k <= 3)):
        raise DatasetFormatError(test_path, f"rot_k must be ({len(test)},) integers in 0..3; got {rot_k.dtype} of "
                                            f"shape {rot_k.shape}")
    rotated, _ = rotate_exact(test, rot_k.astype(np.int64))
    return MnistSplits(train, test, rotated)


def _digits(arrays: dict[str, NDArray[Any]]) -> dict[str, Any]:
    return {"images": arrays["images"], "labels": arrays["labels"], "classes": DIGITS}


def load_mnist_rot_like(root: str | os.PathLike[str] | None = None, *, seed: int = 0, n_train: int = 12_000,
                        n_test: int = 50_000) -> tuple[Dataset, Dataset]:
    """A set built like MNIST-rot (not identical to it): random digits, each turned by a uniform angle.

    The 70,000 MNIST digits (train and test) are shuffled with ``seed``; the first ``n_train``
    and the next ``n_test`` are rotated by independent uniform angles in [0°, 360°), bilinear,
    zeros outside (:func:`random_rotations`). Images come back as float32 in [0, 1].

    Examples
    --------
    >>> train, test = load_mnist_rot_like(seed=0)                            # doctest: +SKIP
    >>> len(train), len(test), train.images.dtype                          # doctest: +SKIP
    (12000, 50000, dtype('float32'))
    """
    train, test, _ = load_mnist(root)
    pool = Dataset(np.concatenate([train.images, test.images]), np.concatenate([train.labels, test.labels]),
                   name="mnist-rot-like", classes=DIGITS)
    if n_train < 0 or n_test < 0 or n_train + n_test > len(pool):
        raise ValueError(f"n_train + n_test must lie in 0..{len(pool)} (non-negative); got {n_train} + {n_test}")
    rng = as_rng(seed)
    order = rng.permutation(len(pool))
    parts = (pool.take(order[:n_train]), pool.take(order[n_train:n_train + n_test]))
    train_rot, test_rot = (dataclasses.replace(random_rotations(part, rng)[0], name=f"mnist-rot-like-{split}")
                           for part, split in zip(parts, ("train", "test")))
    return train_rot, test_rot
