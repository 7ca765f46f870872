"""Atomic file writing: every file appears complete at its path, or not at all.

Data goes to a temporary file beside the target, which is then renamed over it with
``os.replace``; an error removes the temporary file and leaves any old file untouched. The new
file keeps the old one's permissions, or gets the usual ones (``0o666`` less the umask).
:func:`check_file_target` and :func:`check_folder_target` tell before long work whether its
results can be written where asked.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["atomic_open", "write_text", "write_json", "save_figure", "check_file_target", "check_folder_target",
           "OutputPathError"]


class OutputPathError(ValueError):
    """Results cannot be written where asked (a folder where a file is wanted, a read-only place ...).

    Examples
    --------
    >>> issubclass(OutputPathError, ValueError)
    True
    """


def _mode_for(target: Path) -> int:
    """The permissions the file at ``target`` should have: its current ones, else the default."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def _writable_folder(target: Path) -> None:
    """Raise unless ``target`` is a writable folder, or can be created as one."""
    existing = target
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise OutputPathError(f"cannot write into {target}: {existing} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as err:
        raise OutputPathError(f"cannot write into {existing}: {err.strerror or err}") from None


def check_file_target(path: str | os.PathLike[str]) -> Path:
    """Check that a file can be written at ``path`` (its folder exists or can be made, and is writable).

    Nothing is created. Returns ``path`` as a ``Path``.

    Raises
    ------
    OutputPathError
        ``path`` is a folder, a parent is a file, or the folder is not writable.

    Examples
    --------
    >>> with tempfile.TemporaryDirectory() as d:
    ...     check_file_target(Path(d) / "new" / "model.npz").name
    'model.npz'
    >>> check_file_target(tempfile.gettempdir())
    Traceback (most recent call last):
    ...
    groupcore.fileio.OutputPathError: ... is a folder; give a file path, such as .../model.npz
    """
    target = Path(path)
    if target.is_dir():
        raise OutputPathError(f"{target} is a folder; give a file path, such as {target / 'model.npz'}")
    _writable_folder(target.parent)
    return target


def check_folder_target(path: str | os.PathLike[str]) -> Path:
    """Check that files can be written into the folder ``path`` (existing, or to be made).

    Nothing is created. Returns ``path`` as a ``Path``.

    Raises
    ------
    OutputPathError
        ``path`` or a parent is a file, or the folder is not writable.

    Examples
    --------
    >>> with tempfile.TemporaryDirectory() as d:
    ...     check_folder_target(Path(d) / "results").name
    'results'
    """
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise OutputPathError(f"{target} is a file; give a folder for the results")
    _writable_folder(target)
    return target


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a binary file for writing that appears at ``path`` only once it is complete.

    Missing parent folders are created.

    Examples
    --------
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with atomic_open(Path(d) / "a.bin") as f:
    ...         _ = f.write(b"abc")
    ...     (Path(d) / "a.bin").read_bytes()
    b'abc'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) atomically; returns the path.

    Examples
    --------
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_text(Path(d) / "a.txt", "hi").read_text()
    'hi'
    """
    with atomic_open(path) as f:
        f.write(text.encode("utf-8"))
    return Path(path)


def write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """Write ``data`` as indented JSON atomically; values JSON does not know are written with ``str``.

    Examples
    --------
    >>> with tempfile.TemporaryDirectory() as d:
    ...     json.loads(write_json(Path(d) / "a.json", {"x": 1}).read_text())
    {'x': 1}
    """
    return write_text(path, json.dumps(data, indent=2, default=str) + "\n")


def save_figure(fig: Any, path: str | os.PathLike[str], **savefig_options: Any) -> Path:
    """Save a matplotlib figure as PNG atomically.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig = plt.figure()
    >>> with tempfile.TemporaryDirectory() as d:
    ...     save_figure(fig, Path(d) / "f.png").stat().st_size > 0
    True
    """
    with atomic_open(path) as f:
        fig.savefig(f, format="png", **savefig_options)
    return Path(path)
