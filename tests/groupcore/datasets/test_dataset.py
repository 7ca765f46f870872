"""The Dataset container: validation, float view, seeded stratified subsets and splits."""

from __future__ import annotations

import numpy as np
import pytest

from groupcore.datasets import Dataset, DatasetFormatError
from groupcore.datasets.dataset import as_rng, make_dataset, sample_order


def _tiny(n_per_class: tuple[int, ...] = (3, 5, 2)) -> Dataset:
    labels = np.repeat(np.arange(len(n_per_class)), n_per_class)
    rng = np.random.default_rng(0)
    return Dataset(rng.integers(0, 256, (labels.size, 4, 4), dtype=np.uint8), labels, name="tiny")


def test_fields_are_validated_and_read_only() -> None:
    ds = _tiny()
    assert ds.labels.dtype == np.int64 and ds.classes == ("0", "1", "2") and ds.num_classes == 3
    assert ds.counts().tolist() == [3, 5, 2]
    with pytest.raises(ValueError, match="read-only"):
        ds.images[0, 0, 0] = 1
    with pytest.raises(ValueError, match="read-only"):
        ds.labels[0] = 1


@pytest.mark.parametrize("images, labels, match", [
    (np.zeros((2, 3), np.uint8), [0, 1], r"shape \(N, H, W\) or \(N, C, H, W\)"),
    (np.zeros((2, 3, 3), np.int16), [0, 1], "uint8 .* or floating"),
    (np.full((2, 3, 3), 1.5), [0, 1], r"must lie in \[0, 1\]"),
    (np.full((2, 3, 3), np.nan), [0, 1], r"must lie in \[0, 1\]"),
    (np.zeros((2, 3, 3), np.uint8), [0], r"labels must have shape \(2,\)"),
    (np.zeros((2, 3, 3), np.uint8), [0.0, 1.0], "labels must be integers"),
    (np.zeros((2, 3, 3), np.uint8), [0, -1], r"labels must be >= 0; labels\[1\] = -1"),
])
def test_bad_fields_are_refused(images: np.ndarray, labels: list, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Dataset(images, np.asarray(labels))


def test_labels_must_fit_the_classes() -> None:
    with pytest.raises(ValueError, match=r"labels must lie in 0..1 \(2 classes\); labels\[2\] = 2"):
        Dataset(np.zeros((3, 2, 2), np.uint8), [0, 1, 2], classes=("a", "b"))


def test_poses_are_validated() -> None:
    with pytest.raises(ValueError, match=r"poses must have shape \(2,\)"):
        Dataset(np.zeros((2, 2, 2), np.uint8), [0, 1], poses=[0])


def test_make_dataset_names_the_file() -> None:
    with pytest.raises(DatasetFormatError, match=r"^f\.npz: labels must have shape"):
        make_dataset("f.npz", images=np.zeros((2, 2, 2), np.uint8), labels=[0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_as_float_scales_uint8_and_adds_a_channel_axis(dtype: type) -> None:
    ds = _tiny()
    x = ds.as_float(dtype)
    assert x.shape == (10, 1, 4, 4) and x.dtype == dtype
    np.testing.assert_allclose(x[:, 0] * 255, ds.images, rtol=np.finfo(dtype).eps * 4)
    rgb = Dataset(np.full((2, 3, 2, 2), 0.25, np.float64), [0, 0])
    assert rgb.as_float().shape == (2, 3, 2, 2) and float(rgb.as_float().max()) == 0.25


def test_take_keeps_poses_in_step() -> None:
    ds = Dataset(np.arange(12, dtype=np.uint8).reshape(3, 2, 2), [0, 1, 2], poses=[5, 6, 7])
    part = ds.take([2, 0])
    assert part.labels.tolist() == [2, 0] and part.poses.tolist() == [7, 5]
    assert (part.images[0] == ds.images[2]).all()


def test_stratified_order_prefixes_are_balanced() -> None:
    labels = np.repeat(np.arange(4), [10, 20, 30, 40])
    order = sample_order(labels, seed=3)
    assert sorted(order.tolist()) == list(range(100))
    for n in (1, 7, 10, 33, 50, 99):
        counts = np.bincount(labels[order[:n]], minlength=4)
        expected = n * np.array([10, 20, 30, 40]) / 100
        assert np.all(np.abs(counts - expected) <= 1), (n, counts, expected)


def test_subsets_are_seeded_nested_and_stratified() -> None:
    ds = _tiny((20, 20, 20))
    a, b = ds.subset(9, seed=1), ds.subset(9, seed=1)
    assert (a.images == b.images).all() and a.counts().tolist() == [3, 3, 3]
    bigger = ds.subset(30, seed=1)
    assert (bigger.images[:9] == a.images).all()
    assert not (ds.subset(9, seed=2).images == a.images).all()
    plain = ds.subset(60, seed=0, stratified=False)
    assert sorted(plain.labels.tolist()) == sorted(ds.labels.tolist())


def test_split_is_disjoint_and_covers_everything() -> None:
    ds = Dataset(np.arange(40, dtype=np.uint8).reshape(10, 2, 2), [0, 1] * 5, name="d")
    train, test = ds.split(0.6, seed=0)
    assert (train.name, test.name) == ("d-train", "d-test")
    assert len(train) == 6 and len(test) == 4 and train.counts().tolist() == [3, 3]
    seen = np.concatenate([train.images[:, 0, 0], test.images[:, 0, 0]])
    assert sorted(seen.tolist()) == sorted(ds.images[:, 0, 0].tolist())
    assert (ds.split(6, seed=0)[0].images == train.images).all()


@pytest.mark.parametrize("n_train, error, match", [
    (11, ValueError, r"n_train must lie in 0..10"),
    (1.0, ValueError, r"fractional n_train must lie in \(0, 1\)"),
    ("3", TypeError, "n_train must be an int"),
])
def test_split_refuses_bad_sizes(n_train: object, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        _tiny().split(n_train, seed=0)


def test_a_seed_is_required() -> None:
    with pytest.raises(ValueError, match="a seed .* is required"):
        as_rng(None)
    with pytest.raises(TypeError, match="seed must be an int"):
        as_rng(1.5)
    rng = np.random.default_rng(0)
    assert as_rng(rng) is rng
