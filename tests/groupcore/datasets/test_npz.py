"""``.npz`` data sets: good files, missing arrays, pickled arrays refused, atomic writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from groupcore.datasets import Dataset, DatasetFormatError, load_npz, read_npz, save_npz


def test_a_plain_npz_loads(tmp_path: Path) -> None:
    images = np.random.default_rng(0).integers(0, 256, (6, 5, 5), dtype=np.uint8)
    np.savez(tmp_path / "digits.npz", images=images, labels=np.array([0, 1, 2, 0, 1, 2], np.uint8),
             extra=np.arange(3))
    ds = load_npz(tmp_path / "digits.npz")
    assert ds.name == "digits" and ds.labels.dtype == np.int64 and (ds.images == images).all()
    assert ds.classes == ("0", "1", "2") and ds.poses is None


def test_save_and_load_round_trip_everything(tmp_path: Path) -> None:
    ds = Dataset(np.random.default_rng(1).random((3, 2, 4, 4)), [1, 0, 1], name="rgb", classes=("cat", "dog"),
                 poses=[0, 3, 7])
    save_npz(tmp_path / "rgb.npz", ds)
    back = load_npz(tmp_path / "rgb.npz")
    assert back.name == "rgb" and back.classes == ("cat", "dog") and back.poses.tolist() == [0, 3, 7]
    assert back.images.dtype == np.float64 and (back.images == ds.images).all()
    assert [p.name for p in tmp_path.iterdir()] == ["rgb.npz"]          # no temporary file left behind


def test_missing_array_is_named(tmp_path: Path) -> None:
    np.savez(tmp_path / "x.npz", images=np.zeros((2, 3, 3), np.uint8), y=np.zeros(2))
    with pytest.raises(DatasetFormatError, match=r"x\.npz: missing array\(s\) 'labels'; the archive has 'images', 'y'"):
        load_npz(tmp_path / "x.npz")


def test_object_arrays_are_refused(tmp_path: Path) -> None:
    np.savez(tmp_path / "o.npz", images=np.zeros((1, 2, 2), np.uint8),
             labels=np.array([{"evil": 1}], dtype=object))
    with pytest.raises(DatasetFormatError, match=r"o\.npz: holds an object \(pickled\) array, refused for safety"):
        load_npz(tmp_path / "o.npz")


def test_not_an_archive(tmp_path: Path) -> None:
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DatasetFormatError, match=r"junk\.npz: not a readable \.npz archive"):
        load_npz(tmp_path / "junk.npz")
    np.save(tmp_path / "single.npy", np.zeros(3))
    with pytest.raises(DatasetFormatError, match=r"single\.npy: a single \.npy array, not an \.npz archive"):
        read_npz(tmp_path / "single.npy")


def test_truncated_archive(tmp_path: Path) -> None:
    np.savez(tmp_path / "t.npz", images=np.zeros((20, 8, 8), np.uint8), labels=np.zeros(20, np.uint8))
    (tmp_path / "t.npz").write_bytes((tmp_path / "t.npz").read_bytes()[:300])
    with pytest.raises(DatasetFormatError, match=r"t\.npz: not a readable \.npz archive"):
        load_npz(tmp_path / "t.npz")


@pytest.mark.parametrize("arrays, match", [
    ({"images": np.zeros((2, 4), np.uint8), "labels": [0, 1]}, r"images must have shape \(N, H, W\)"),
    ({"images": np.zeros((2, 2, 2), np.uint8), "labels": [0, 1, 1]}, r"labels must have shape \(2,\)"),
    ({"images": np.full((2, 2, 2), 2.0), "labels": [0, 1]}, r"floating-point images must lie in \[0, 1\]"),
    ({"images": np.zeros((2, 2, 2), np.uint8), "labels": [0, 1], "classes": np.array([1, 2])},
     "'classes' must be a 1-D array of strings"),
    ({"images": np.zeros((2, 2, 2), np.uint8), "labels": [0, 2], "classes": np.array(["a", "b"])},
     r"labels must lie in 0..1"),
])
def test_bad_contents_are_named(tmp_path: Path, arrays: dict, match: str) -> None:
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DatasetFormatError, match=r"bad\.npz: " + match):
        load_npz(tmp_path / "bad.npz")
