"""``load``: the loader from a file name, a split from a folder; ``load_train_test``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.io

from groupcore.datasets import Dataset, DatasetFormatError, load, load_train_test, save_npz, write_idx


def _idx(folder: Path, prefix: str, n: int, suffix: str = "", value: int = 0) -> None:
    write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", np.full((n, 4, 4), value, np.uint8))
    write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", np.arange(n, dtype=np.uint8) % 2)


def _cifar(path: Path, n: int) -> None:
    path.write_bytes((bytes([1]) + bytes(3072)) * n)


def test_files_by_name(tmp_path: Path) -> None:
    _idx(tmp_path, "train", 3, ".gz")
    _cifar(tmp_path / "data_batch_1.bin", 2)
    scipy.io.savemat(tmp_path / "test_32x32.mat", {"X": np.zeros((32, 32, 3, 4), np.uint8), "y": np.ones((4, 1))})
    save_npz(tmp_path / "d.npz", Dataset(np.zeros((5, 2, 2), np.uint8), [0] * 5))
    (tmp_path / "p.csv").write_text("1,2,3,4,5\n")
    sizes = {name: len(load(tmp_path / name)) for name in
             ["train-images-idx3-ubyte.gz", "data_batch_1.bin", "test_32x32.mat", "d.npz", "p.csv"]}
    assert sizes == {"train-images-idx3-ubyte.gz": 3, "data_batch_1.bin": 2, "test_32x32.mat": 4, "d.npz": 5,
                     "p.csv": 1}
    assert load(tmp_path / "train-images-idx3-ubyte.gz", num_classes=5).num_classes == 5       # options pass on


def test_unknown_or_wrong_files(tmp_path: Path) -> None:
    _idx(tmp_path, "train", 2)
    with pytest.raises(DatasetFormatError, match="an IDX labels file: pass the images file"):
        load(tmp_path / "train-labels-idx1-ubyte")
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(DatasetFormatError, match=r"notes\.txt: cannot tell the format from the name"):
        load(tmp_path / "notes.txt")
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        load(tmp_path / "absent.npz")
    with pytest.raises(ValueError, match="split='test' selects files in a folder"):
        load(tmp_path / "train-images-idx3-ubyte", "test")
    with pytest.raises(ValueError, match="split must be one of"):
        load(tmp_path, "validation")


def test_idx_folder_splits_prefer_unpacked_files(tmp_path: Path) -> None:
    _idx(tmp_path, "train", 3, value=1)
    _idx(tmp_path, "train", 3, ".gz", value=2)
    _idx(tmp_path, "t10k", 2, ".gz")
    train, test = load(tmp_path), load(tmp_path, "test")
    assert len(train) == 3 and int(train.images.max()) == 1 and len(test) == 2


def test_cifar_svhn_and_npz_folders(tmp_path: Path) -> None:
    cifar = tmp_path / "c" / "cifar-10-batches-bin"
    cifar.mkdir(parents=True)
    for i in (1, 2):
        _cifar(cifar / f"data_batch_{i}.bin", 2)
    _cifar(cifar / "test_batch.bin", 1)
    assert (len(load(tmp_path / "c")), len(load(tmp_path / "c", "test"))) == (4, 1)
    svhn = tmp_path / "s"
    svhn.mkdir()
    scipy.io.savemat(svhn / "train_32x32.mat", {"X": np.zeros((32, 32, 3, 3), np.uint8), "y": np.ones((3, 1))})
    assert len(load(svhn)) == 3
    npz = tmp_path / "n"
    npz.mkdir()
    for split, n in (("train", 6), ("test", 2)):
        save_npz(npz / f"digits_{split}.npz", Dataset(np.zeros((n, 2, 2), np.uint8), [0, 1] * (n // 2)))
    train, test = load_train_test(npz)
    assert (len(train), len(test)) == (6, 2)


def test_ambiguous_and_empty_folders(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no train data in"):
        load(tmp_path)
    _idx(tmp_path, "train", 2)
    save_npz(tmp_path / "mnist_train.npz", Dataset(np.zeros((2, 2, 2), np.uint8), [0, 1]))
    with pytest.raises(DatasetFormatError, match="several data sets for split 'train': .*mnist_train.npz"):
        load(tmp_path)


def test_train_test_from_one_file_is_a_seeded_stratified_split(tmp_path: Path) -> None:
    save_npz(tmp_path / "all.npz", Dataset(np.arange(40, dtype=np.uint8).reshape(10, 2, 2), [0, 1] * 5))
    train, test = load_train_test(tmp_path / "all.npz", seed=3, train_fraction=0.6)
    again, _ = load_train_test(tmp_path / "all.npz", seed=3, train_fraction=0.6)
    assert (len(train), len(test)) == (6, 4) and train.counts().tolist() == [3, 3]
    assert (train.images == again.images).all()
    with pytest.raises(ValueError, match=r"train_fraction must lie in \(0, 1\)"):
        load_train_test(tmp_path / "all.npz", train_fraction=1.0)
