"""Atomic writes: complete files or none, with ordinary permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from groupcore.fileio import (
    OutputPathError,
    atomic_open,
    check_file_target,
    check_folder_target,
    write_json,
    write_text,
)


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
    with pytest.raises(RuntimeError, match="boom"), atomic_open(path) as f:
        f.write(b"new")
        raise RuntimeError("boom")
    assert path.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


@pytest.mark.parametrize("check, target, match", [
    (check_file_target, ".", r"is a folder; give a file path, such as .*model.npz"),
    (check_file_target, "a-file/model.npz", r"cannot write into .*a-file: .*a-file is a file, not a folder"),
    (check_file_target, "a-file/deeper/model.npz", r"a-file is a file, not a folder"),
    (check_folder_target, "a-file", r"a-file is a file; give a folder for the results"),
    (check_folder_target, "a-file/results", r"a-file is a file, not a folder"),
])
def test_output_targets_are_checked_before_any_work(check, target: str, match: str, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(OutputPathError, match=match):
        check(tmp_path / target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]       # nothing was created


def test_output_targets_that_can_be_written(tmp_path: Path) -> None:
    assert check_file_target(tmp_path / "new" / "m.npz") == tmp_path / "new" / "m.npz"
    assert check_folder_target(tmp_path / "out") == tmp_path / "out"
    assert not (tmp_path / "new").exists() and not (tmp_path / "out").exists()
