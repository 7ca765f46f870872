"""Exceptions of the data loaders: a corrupt file, or a data set that is not on this machine."""

from __future__ import annotations

import os

__all__ = ["DatasetFormatError", "DatasetUnavailableError"]


class DatasetFormatError(ValueError):
    """A data file is corrupt, truncated or not in the expected format.

    The message names the file and what is wrong with it.

    Attributes
    ----------
    path : str
        The offending file.

    Examples
    --------
    >>> err = DatasetFormatError("digits.npz", "no labels")
    >>> str(err), err.path
    ('digits.npz: no labels', 'digits.npz')
    """

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        super().__init__(f"{os.fspath(path)}: {problem}")
        self.path = os.fspath(path)


class DatasetUnavailableError(RuntimeError):
    """A data set is not installed or not found; the message says how to get it.

    Examples
    --------
    >>> issubclass(DatasetUnavailableError, RuntimeError)
    True
    """
