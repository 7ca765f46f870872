"""CIFAR-10 binary batches: records of one label byte and three 32×32 planes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from groupcore.datasets import CIFAR10_CLASSES, DatasetFormatError, load_cifar10_bin
from groupcore.datasets.cifar import cifar10_files


def _batch(path: Path, labels: list[int], seed: int = 0) -> np.ndarray:
    images = np.random.default_rng(seed).integers(0, 256, (len(labels), 3, 32, 32), dtype=np.uint8)
    path.write_bytes(b"".join(bytes([lab]) + im.tobytes() for lab, im in zip(labels, images)))
    return images


def test_batches_load_and_concatenate(tmp_path: Path) -> None:
    a = _batch(tmp_path / "data_batch_1.bin", [0, 9, 3], seed=1)
    b = _batch(tmp_path / "data_batch_2.bin", [5], seed=2)
    ds = load_cifar10_bin([tmp_path / "data_batch_1.bin", tmp_path / "data_batch_2.bin"])
    assert ds.images.shape == (4, 3, 32, 32) and ds.labels.tolist() == [0, 9, 3, 5]
    assert (ds.images[:3] == a).all() and (ds.images[3] == b[0]).all()
    assert ds.classes == CIFAR10_CLASSES and ds.classes[ds.labels[1]] == "truck"
    assert ds.name == "data_batch_1.bin+data_batch_2.bin"


def test_planes_are_red_green_blue_row_major(tmp_path: Path) -> None:
    record = bytearray(3073)
    record[0] = 1
    record[1 + 1024 + 32 * 2 + 5] = 200                    # green plane, row 2, column 5
    (tmp_path / "test_batch.bin").write_bytes(bytes(record))
    ds = load_cifar10_bin(tmp_path / "test_batch.bin")
    assert ds.images[0, 1, 2, 5] == 200 and int(ds.images.sum()) == 200


def test_truncated_record(tmp_path: Path) -> None:
    _batch(tmp_path / "data_batch_1.bin", [1, 2])
    path = tmp_path / "data_batch_1.bin"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(DatasetFormatError, match=r"data_batch_1\.bin: 6136 bytes is not a whole number of 3073-byte "
                                                 r"records .*: 1 records and 3063 bytes left over"):
        load_cifar10_bin(path)


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "test_batch.bin").write_bytes(b"")
    with pytest.raises(DatasetFormatError, match="0 bytes is not a whole number"):
        load_cifar10_bin(tmp_path / "test_batch.bin")


def test_label_byte_out_of_range(tmp_path: Path) -> None:
    _batch(tmp_path / "data_batch_3.bin", [1, 10])
    with pytest.raises(DatasetFormatError, match=r"data_batch_3\.bin: labels must lie in 0..9 .*labels\[1\] = 10"):
        load_cifar10_bin(tmp_path / "data_batch_3.bin")


def test_no_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no CIFAR-10 batch files given"):
        load_cifar10_bin([])
    assert cifar10_files(tmp_path, "test") == []


def test_batch_files_are_found_in_the_extracted_folder(tmp_path: Path) -> None:
    inner = tmp_path / "cifar-10-batches-bin"
    inner.mkdir()
    for name in ("data_batch_1.bin", "data_batch_2.bin", "test_batch.bin"):
        _batch(inner / name, [0])
    assert [p.name for p in cifar10_files(tmp_path, "train")] == ["data_batch_1.bin", "data_batch_2.bin"]
    assert [p.name for p in cifar10_files(inner, "test")] == ["test_batch.bin"]
