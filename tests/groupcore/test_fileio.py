"""Atomic writes: complete files or none, with ordinary permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from groupcore.fileio import atomic_open, write_json, write_text


def test_new_files_get_the_default_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    path = write_text(tmp_path / "a.txt", "x")
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_existing_permissions_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text("{}")
    path.chmod(0o640)
    write_json(path, {"a": 1})
    assert stat.S_IMODE(path.stat().st_mode) == 0o640 and path.read_text().startswith("{")


def test_an_error_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = write_text(tmp_path / "keep.txt", "old")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_open(path) as f:
            f.write(b"new")
            raise RuntimeError("boom")
    assert path.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
