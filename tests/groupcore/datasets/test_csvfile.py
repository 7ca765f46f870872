"""Pixel CSV files: rows of pixels then the label."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from groupcore.datasets import DatasetFormatError, load_csv


def test_plain_and_gzip_csv(tmp_path: Path) -> None:
    rows = np.array([[0, 255, 7, 9, 3], [1, 2, 3, 4, 0]])
    text = "\n".join(",".join(map(str, r)) for r in rows) + "\n"
    (tmp_path / "a.csv").write_text(text)
    (tmp_path / "a.csv.gz").write_bytes(gzip.compress(text.encode()))
    for name in ("a.csv", "a.csv.gz"):
        ds = load_csv(tmp_path / name)
        assert ds.name == "a" and ds.images.dtype == np.uint8
        assert (ds.images.reshape(2, -1) == rows[:, :4]).all() and ds.labels.tolist() == [3, 0]
    assert load_csv(tmp_path / "a.csv", image_shape=(1, 4)).images.shape == (2, 1, 4)


@pytest.mark.parametrize("text, match", [
    ("1,2,3,0\n", "4 columns: 3 pixels per row are not a square image"),
    ("1,2,3,300,0\n", "pixel values must lie in 0..255; row 0, column 3 is 300"),
    ("1,2,x,4,0\n", "not a CSV of integer rows"),
    ("1,2,3,4,0\n1,2,0\n", "not a CSV of integer rows"),
    ("1,2,3,4,-1\n", r"labels must be >= 0"),
])
def test_bad_rows_are_named(tmp_path: Path, text: str, match: str) -> None:
    (tmp_path / "b.csv").write_text(text)
    with pytest.raises(DatasetFormatError, match=r"b\.csv: " + match):
        load_csv(tmp_path / "b.csv")


def test_shape_must_fit_the_columns(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("1,2,3,4,0\n")
    with pytest.raises(DatasetFormatError, match="5 columns do not hold 3×3 pixels and a label"):
        load_csv(tmp_path / "c.csv", image_shape=(3, 3))
