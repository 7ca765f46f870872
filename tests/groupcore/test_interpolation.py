"""Sparse resampling operators against scipy.ndimage, every mode and order, boundaries included."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from groupcore.interpolation import (
    BOUNDARY_MODES,
    axis_taps,
    check_order_and_mode,
    disk_mask,
    interpolation_matrix,
    prefilter_matrix,
    source_coordinates,
)

SHAPES = [(9, 9), (8, 8), (7, 10), (1, 1), (2, 2)]
ANGLES = [30.0, 45.0, 60.0, 360 * 3 / 7, 200.0]


def _rotate(x: np.ndarray, angle: float, order: int, mode: str, flip: bool = False) -> np.ndarray:
    canonical = check_order_and_mode(order, mode)
    ph, pad = prefilter_matrix(x.shape[0], order, canonical)
    pw, _ = prefilter_matrix(x.shape[1], order, canonical)
    coef = ph @ (np.fliplr(x) if flip and order > 1 else x) @ pw.T
    mat = interpolation_matrix(source_coordinates(x.shape, angle), coef.shape, order, canonical, pad,
                               flip_columns=flip and order <= 1)
    return (mat @ coef.ravel()).reshape(x.shape)


@pytest.mark.parametrize("mode", BOUNDARY_MODES)
@pytest.mark.parametrize("order", [0, 1, 3])
def test_rotation_matches_scipy_everywhere(order: int, mode: str) -> None:
    rng = np.random.default_rng(order)
    for shape in SHAPES:
        x = rng.standard_normal(shape)
        for angle in ANGLES:
            ref = ndimage.rotate(x, angle, reshape=False, order=order, mode=mode)
            np.testing.assert_allclose(_rotate(x, angle, order, mode), ref, rtol=0, atol=1e-12)
            ref = ndimage.rotate(np.fliplr(x), angle, reshape=False, order=order, mode=mode)
            np.testing.assert_allclose(_rotate(x, angle, order, mode, flip=True), ref, rtol=0, atol=1e-12)


def test_source_coordinates_of_a_quarter_turn_are_rot90() -> None:
    rows, cols = source_coordinates((4, 4), 90.0).astype(int)
    img = np.arange(16).reshape(4, 4)
    assert np.array_equal(img[rows, cols].reshape(4, 4), np.rot90(img))


@pytest.mark.parametrize("mode", BOUNDARY_MODES)
def test_prefilter_matrix_is_scipys_spline_filter(mode: str) -> None:
    canonical = check_order_and_mode(3, mode)
    x = np.random.default_rng(0).standard_normal(11)
    P, pad = prefilter_matrix(11, 3, canonical)
    padded = np.pad(x, pad, mode={"nearest": "edge"}.get(canonical, "constant"))
    np.testing.assert_allclose(P @ x, ndimage.spline_filter1d(padded, 3, mode=canonical), rtol=0, atol=1e-13)
    assert pad == (12 if canonical in ("nearest", "grid-constant") else 0)


def test_low_orders_have_no_prefilter() -> None:
    for order in (0, 1):
        P, pad = prefilter_matrix(5, order, "constant")
        assert pad == 0 and np.array_equal(P, np.eye(5))


def test_matrix_is_canonical_csr() -> None:
    co = source_coordinates((9, 9), 45.0)
    mat = interpolation_matrix(co, (9, 9), 1, "reflect")
    assert mat.format == "csr" and mat.has_canonical_format and mat.has_sorted_indices
    assert np.all(mat.data != 0)
    np.testing.assert_allclose(np.asarray(mat.sum(axis=1)).ravel(), 1.0, rtol=0, atol=1e-14)  # reflect: no loss


def test_rows_mask_empties_rows() -> None:
    co = source_coordinates((5, 5), 45.0)
    keep = disk_mask((5, 5), 2.0).ravel()
    mat = interpolation_matrix(co, (5, 5), 1, "constant", rows=keep)
    nnz = np.diff(mat.indptr)
    assert np.all(nnz[~keep] == 0) and np.all(nnz[keep] > 0)


def test_axis_taps_partition_of_unity_inside() -> None:
    coords = np.linspace(0.0, 9.0, 37)
    for order in (0, 1, 3):
        taps, weights = axis_taps(coords, 10, order, "mirror")
        np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=0, atol=1e-14)
        assert taps.min() >= 0 and taps.max() <= 9


def test_constant_mode_zero_outside() -> None:
    _, weights = axis_taps(np.array([-0.5, 9.5, 4.0]), 10, 1, "constant")
    assert np.all(weights[:2] == 0.0) and weights[2].sum() == 1.0


def test_disk_mask_symmetric_and_radius() -> None:
    m = disk_mask((9, 9), 4.0)
    for k in range(4):
        assert np.array_equal(np.rot90(m, k), m) and np.array_equal(np.fliplr(m), m)
    assert m[4, 0] and m[0, 4] and not m[0, 0]
    assert disk_mask((4, 4), 0.0).sum() == 0 and disk_mask((3, 3), 0.0).sum() == 1


@pytest.mark.parametrize("order, mode, match", [
    (2, "constant", "order 2 is not supported"),
    (1.0, "constant", "order 1.0 is not supported"),
    (True, "constant", "order True is not supported"),
    (1, "bogus", "boundary mode 'bogus' is not supported"),
])
def test_bad_order_or_mode(order: object, mode: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        check_order_and_mode(order, mode)  # type: ignore[arg-type]


def test_grid_mirror_is_reflect() -> None:
    assert check_order_and_mode(3, "grid-mirror") == "reflect"
