"""SVHN cropped digits ``.mat`` files written with ``scipy.io.savemat``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.io

from groupcore.datasets import DIGITS, DatasetFormatError, load_svhn_mat


def _mat(path: Path, X: np.ndarray, y: np.ndarray) -> None:
    scipy.io.savemat(path, {"X": X, "y": y})


def test_good_file_with_label_ten_as_zero(tmp_path: Path) -> None:
    X = np.random.default_rng(0).integers(0, 256, (32, 32, 3, 4), dtype=np.uint8)
    _mat(tmp_path / "train_32x32.mat", X, np.array([[10], [1], [9], [10]], np.uint8))
    ds = load_svhn_mat(tmp_path / "train_32x32.mat")
    assert ds.images.shape == (4, 3, 32, 32) and ds.images.flags.c_contiguous
    assert ds.labels.tolist() == [0, 1, 9, 0] and ds.classes == DIGITS and ds.name == "train_32x32"
    for i in range(4):
        for c in range(3):
            assert (ds.images[i, c] == X[:, :, c, i]).all()


def test_labels_stored_as_doubles_are_accepted(tmp_path: Path) -> None:
    _mat(tmp_path / "s.mat", np.zeros((8, 8, 3, 2), np.uint8), np.array([[10.0], [4.0]]))
    assert load_svhn_mat(tmp_path / "s.mat").labels.tolist() == [0, 4]


@pytest.mark.parametrize("X, y, match", [
    (np.zeros((32, 32, 4), np.uint8), np.array([[1]]),
     r"X has shape \(32, 32, 4\); SVHN stores X as \(32, 32, 3, N\)"),
    (np.zeros((32, 32, 1, 2), np.uint8), np.array([[1], [2]]), r"X has shape \(32, 32, 1, 2\)"),
    (np.zeros((4, 4, 3, 2)), np.array([[1], [2]]), "X must hold uint8 pixels; got float64"),
    (np.zeros((4, 4, 3, 2), np.uint8), np.array([[1], [2], [3]]), r"y has shape \(3, 1\); expected \(2, 1\)"),
    (np.zeros((4, 4, 3, 2), np.uint8), np.array([[1], [0]]),
     r"SVHN labels must be integers 1..10 \(10 = digit 0\); y\[1\] = 0"),
    (np.zeros((4, 4, 3, 2), np.uint8), np.array([[11], [2]]), r"SVHN labels .*; y\[0\] = 11$"),
    (np.zeros((4, 4, 3, 2), np.uint8), np.array([[1.5], [2]]), r"SVHN labels .*; y\[0\] = 1\.5$"),
])
def test_bad_contents_are_named(tmp_path: Path, X: np.ndarray, y: np.ndarray, match: str) -> None:
    _mat(tmp_path / "bad.mat", X, y)
    with pytest.raises(DatasetFormatError, match=r"bad\.mat: " + match):
        load_svhn_mat(tmp_path / "bad.mat")


def test_missing_variable(tmp_path: Path) -> None:
    scipy.io.savemat(tmp_path / "m.mat", {"X": np.zeros((4, 4, 3, 1), np.uint8)})
    with pytest.raises(DatasetFormatError, match=r"m\.mat: missing variable\(s\) y; the file has \['X'\]"):
        load_svhn_mat(tmp_path / "m.mat")


def test_not_a_mat_file(tmp_path: Path) -> None:
    (tmp_path / "junk.mat").write_bytes(b"\x00" * 200)
    with pytest.raises(DatasetFormatError, match=r"junk\.mat: not a readable MATLAB v5 \.mat file"):
        load_svhn_mat(tmp_path / "junk.mat")
