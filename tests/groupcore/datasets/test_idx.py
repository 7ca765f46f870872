"""IDX files: round trips (plain and gzip) and every corruption the reader must name."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from groupcore.datasets import DatasetFormatError, load_idx, read_idx, write_idx
from groupcore.datasets.idx import IMAGES_MAGIC, LABELS_MAGIC, idx_labels_path


def _pair(folder: Path, n: int = 5, size: tuple[int, int] = (4, 3), suffix: str = "", prefix: str = "train",
          labels: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(n)
    images = rng.integers(0, 256, (n, *size), dtype=np.uint8)
    labels = rng.integers(0, 10, n).astype(np.uint8) if labels is None else labels
    write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images)
    write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels)
    return images, labels


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_images_and_labels_round_trip(tmp_path: Path, suffix: str) -> None:
    images, labels = _pair(tmp_path, suffix=suffix)
    raw = (tmp_path / f"train-images-idx3-ubyte{suffix}").read_bytes()
    if suffix:
        assert raw[:2] == b"\x1f\x8b"
        raw = gzip.decompress(raw)
    assert raw[:16] == bytes.fromhex("00000803" "00000005" "00000004" "00000003")
    assert raw[16:] == images.tobytes()
    ds = load_idx(tmp_path / f"train-images-idx3-ubyte{suffix}", num_classes=10)
    assert ds.images.dtype == np.uint8 and (ds.images == images).all()
    assert (ds.labels == labels).all() and ds.classes == tuple("0123456789")
    assert ds.name == "train-images-idx3-ubyte"


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_every_idx_type_round_trips(tmp_path: Path, dtype: type) -> None:
    a = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    write_idx(tmp_path / "a.idx", a)
    back = read_idx(tmp_path / "a.idx")
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative and (back == a).all()


def test_write_idx_refuses_unsupported_dtypes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="IDX stores .* got 1 dims of uint16"):
        write_idx(tmp_path / "a", np.zeros(3, np.uint16))


def test_labels_are_found_beside_the_images(tmp_path: Path) -> None:
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(1, np.uint8))
    assert idx_labels_path(tmp_path / "t10k-images-idx3-ubyte").name == "t10k-labels-idx1-ubyte.gz"
    with pytest.raises(FileNotFoundError, match="no labels file for .*train-images-idx3-ubyte"):
        idx_labels_path(tmp_path / "train-images-idx3-ubyte")
    with pytest.raises(ValueError, match="not an IDX images file name"):
        idx_labels_path(tmp_path / "digits.bin")


def test_corrupt_magic_is_named(tmp_path: Path) -> None:
    _pair(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(b"\x12\x34" + path.read_bytes()[2:])
    with pytest.raises(DatasetFormatError, match=r"train-images-idx3-ubyte: not an IDX file: magic number 0x12340803"):
        load_idx(path)


def test_labels_where_images_are_expected(tmp_path: Path) -> None:
    _pair(tmp_path)
    with pytest.raises(DatasetFormatError, match=r"magic number 0x00000801 \(uint8, 1 dims\) where 0x00000803 "
                                                  r"\(uint8, 3 dims\) was expected"):
        read_idx(tmp_path / "train-labels-idx1-ubyte", IMAGES_MAGIC)


def test_wrong_number_of_dims(tmp_path: Path) -> None:
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((5, 12), np.uint8))     # 2-D: magic 0x802
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(5, np.uint8))
    with pytest.raises(DatasetFormatError, match=r"magic number 0x00000802 \(uint8, 2 dims\)"):
        load_idx(tmp_path / "train-images-idx3-ubyte")


def test_empty_image_side(tmp_path: Path) -> None:
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((5, 0, 3), np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(5, np.uint8))
    with pytest.raises(DatasetFormatError, match="images of size 0×3"):
        load_idx(tmp_path / "train-images-idx3-ubyte")


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_truncated_data(tmp_path: Path, suffix: str) -> None:
    _pair(tmp_path)
    raw = (tmp_path / "train-images-idx3-ubyte").read_bytes()[:-7]
    path = tmp_path / f"cut-images-idx3-ubyte{suffix}"
    path.write_bytes(gzip.compress(raw) if suffix else raw)
    with pytest.raises(DatasetFormatError, match=r"cut-images-idx3-ubyte.*: truncated: the header says 5×4×3 uint8 "
                                                 r"values \(60 bytes\) but 53 bytes of data follow"):
        read_idx(path, IMAGES_MAGIC)


def test_trailing_bytes(tmp_path: Path) -> None:
    path = tmp_path / "l"
    write_idx(path, np.zeros(3, np.uint8))
    path.write_bytes(path.read_bytes() + b"\x00")
    with pytest.raises(DatasetFormatError,
                       match=r"trailing bytes: the header says 3 uint8 values \(3 bytes\) but 4 bytes"):
        read_idx(path, LABELS_MAGIC)


def test_truncated_header_and_gzip_stream(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"\x00\x00")
    with pytest.raises(DatasetFormatError, match="2 bytes is too short for an IDX header"):
        read_idx(tmp_path / "a")
    (tmp_path / "b").write_bytes(bytes.fromhex("00000803 00000005"))
    with pytest.raises(DatasetFormatError, match="truncated header: 3 dims need 16 bytes, the file has 8"):
        read_idx(tmp_path / "b")
    write_idx(tmp_path / "c.gz", np.zeros((50, 8, 8), np.uint8))
    (tmp_path / "c.gz").write_bytes((tmp_path / "c.gz").read_bytes()[:20])
    with pytest.raises(DatasetFormatError, match="c.gz: corrupt or truncated gzip stream"):
        read_idx(tmp_path / "c.gz")


def test_count_mismatch(tmp_path: Path) -> None:
    _pair(tmp_path, n=5)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(4, np.uint8))
    with pytest.raises(DatasetFormatError, match="train-labels-idx1-ubyte: 4 labels but train-images-idx3-ubyte "
                                                 "holds 5 images"):
        load_idx(tmp_path / "train-images-idx3-ubyte")


def test_label_out_of_range(tmp_path: Path) -> None:
    _pair(tmp_path, n=3, labels=np.array([1, 10, 2], np.uint8))
    with pytest.raises(DatasetFormatError, match=r"train-labels-idx1-ubyte: labels must lie in 0..9 \(10 classes\); "
                                                 r"labels\[1\] = 10"):
        load_idx(tmp_path / "train-images-idx3-ubyte", num_classes=10)
    assert load_idx(tmp_path / "train-images-idx3-ubyte").num_classes == 11     # inferred without num_classes
    with pytest.raises(ValueError, match="num_classes must be a positive int"):
        load_idx(tmp_path / "train-images-idx3-ubyte", num_classes=0)


def test_emnist_images_are_transposed(tmp_path: Path) -> None:
    images, _ = _pair(tmp_path, size=(3, 3), prefix="emnist-letters-train", suffix=".gz")
    path = tmp_path / "emnist-letters-train-images-idx3-ubyte.gz"
    assert (load_idx(path).images == images.transpose(0, 2, 1)).all()          # by name
    assert (load_idx(path, transpose=False).images == images).all()
    _pair(tmp_path, size=(3, 2))
    assert load_idx(tmp_path / "train-images-idx3-ubyte", transpose=True).images.shape == (5, 2, 3)
