"""Dataset loaders (IDX, npz, CIFAR-10 binary, SVHN .mat), the embedded default digits and rotated sets.

Every loader returns a :class:`Dataset` (images ``(N, H, W)`` or ``(N, C, H, W)``, uint8 or
floats in ``[0, 1]``; int64 labels; class names) and raises :class:`DatasetFormatError`
(a ``ValueError``) naming the file and what is wrong when a file is corrupt or truncated.

Examples
--------
>>> import numpy as np
>>> from groupcore import cyclic
>>> from groupcore.datasets import Dataset, rotate_exact
>>> ds = Dataset(np.arange(18, dtype=np.uint8).reshape(2, 3, 3), [0, 1])
>>> rotated, elements = rotate_exact(ds, cyclic(4), seed=0)
>>> bool((rotated.images[0] == np.rot90(ds.images[0], elements[0])).all())
True
"""

from __future__ import annotations

from .cifar import CIFAR10_CLASSES, load_cifar10_bin
from .csvfile import load_csv
from .dataset import DIGITS, Dataset
from .dispatch import load, load_train_test
from .embedded import INSTALL_HINT, embedded_path, load_embedded
from .errors import DatasetFormatError, DatasetUnavailableError
from .idx import load_idx, read_idx, write_idx
from .mnist import MNIST_ENV_VAR, MnistSplits, load_mnist, load_mnist_rot_like, mnist_data_dir
from .npz import load_npz, read_npz, save_npz
from .rotate import apply_elements, augment, random_rotations, rotate_angles, rotate_exact
from .svhn import load_svhn_mat
from .tetris import TETRIS_CLASSES, TETRIS_SHAPES, tetris3d

__all__ = [
    "Dataset", "DIGITS", "DatasetFormatError", "DatasetUnavailableError",
    "load", "load_train_test",
    "load_idx", "read_idx", "write_idx", "load_npz", "read_npz", "save_npz",
    "load_cifar10_bin", "CIFAR10_CLASSES", "load_svhn_mat", "load_csv",
    "load_embedded", "embedded_path", "INSTALL_HINT",
    "load_mnist", "load_mnist_rot_like", "mnist_data_dir", "MnistSplits", "MNIST_ENV_VAR",
    "apply_elements", "rotate_exact", "rotate_angles", "random_rotations", "augment",
    "tetris3d", "TETRIS_SHAPES", "TETRIS_CLASSES",
]
