"""Bad inputs to a model's inference: ``predict`` and ``evaluate``; and arrays from several backends.

Nothing is cast, truncated or dropped silently: complex, non-numeric or non-finite inputs,
empty batches and bad batch sizes are refused with the argument named. Arrays of another backend
than the model's are moved explicitly and give the same results.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import groupcore as gc
from groupcore import backends, nn

X = np.random.default_rng(0).random((6, 1, 5, 5)).astype(np.float32)
Y = np.array([0, 1, 2, 0, 1, 2])


def model() -> nn.Sequential:
    return nn.Sequential(nn.LiftingConv2d(gc.cyclic(4), 1, 3, 3, seed=0), nn.GroupPool("max"), nn.Flatten(),
                         nn.Dense(3 * 3 * 3, 3, seed=1))


def with_value(a: np.ndarray, i: int, value: Any) -> np.ndarray:
    out = a.astype(np.result_type(a, np.asarray(value)))
    out.flat[i] = value
    return out


PREDICT: dict[str, tuple[Callable[[], Any], type[Exception], str]] = {
    "complex": (lambda: model().predict(X + 0.5j), ValueError, "x is complex \\(complex64\\).*drop the imaginary part"),
    "complex-with-zero-imaginary-part": (lambda: model().predict(X.astype(np.complex128)), ValueError, "x is complex"),
    "empty": (lambda: model().predict(X[:0]), ValueError, r"x has no samples \(shape \(0, 1, 5, 5\)\)"),
    "nan": (lambda: model().predict(with_value(X, 30, np.nan)), ValueError, r"x\[1\] holds NaN or infinity"),
    "inf": (lambda: model().predict(with_value(X, 0, -np.inf)), ValueError, r"x\[0\] holds NaN or infinity"),
    "strings": (lambda: model().predict(X.astype(str)), ValueError, "x must hold real numbers; got dtype <U"),
    "objects": (lambda: model().predict(np.array([None, 1.0], dtype=object)), ValueError, "got dtype object"),
    "ragged": (lambda: model().predict([[1.0], [1.0, 2.0]]), TypeError, "x must be an array"),
    "one-axis": (lambda: model().predict(np.ones(5)), ValueError, r"x must have a batch axis and at least one more"),
    "batch-size-zero": (lambda: model().predict(X, batch_size=0), ValueError,
                        "batch_size must be a positive integer; got 0"),
    "batch-size-negative": (lambda: model().predict(X, batch_size=-3), ValueError, "got -3"),
    "batch-size-float": (lambda: model().predict(X, batch_size=2.5), ValueError, "got 2.5"),
    "batch-size-bool": (lambda: model().predict(X, batch_size=True), ValueError, "got True"),
    "wrong-channels": (lambda: model().predict(np.ones((2, 3, 5, 5))), ValueError, "C=1"),
}


@pytest.mark.parametrize("case", list(PREDICT))
def test_predict_refuses(case: str) -> None:
    make, error, match = PREDICT[case]
    with pytest.raises(error, match=match):
        make()


EVALUATE: dict[str, tuple[Callable[[], Any], type[Exception], str]] = {
    "empty": (lambda: model().evaluate(X[:0], Y[:0]), ValueError, "x has no samples"),
    "label-past-the-outputs": (lambda: model().evaluate(X, with_value(Y, 4, 7)), ValueError,
                               r"y\[4\] = 7 but the model has 3 outputs"),
    "label-negative": (lambda: model().evaluate(X, with_value(Y, 1, -2)), ValueError, r"y\[1\] = -2"),
    "labels-float": (lambda: model().evaluate(X, Y + 0.25), ValueError, "which would be truncated"),
    "labels-short": (lambda: model().evaluate(X, Y[:3]), ValueError, r"y must have shape \(6,\)"),
    "batch-size-zero": (lambda: model().evaluate(X, Y, batch_size=0), ValueError,
                        "batch_size must be a positive integer"),
    "complex": (lambda: model().evaluate(X * 1j, Y), ValueError, "x is complex"),
}


@pytest.mark.parametrize("case", list(EVALUATE))
def test_evaluate_refuses(case: str) -> None:
    make, error, match = EVALUATE[case]
    with pytest.raises(error, match=match):
        make()


def _strict(a: np.ndarray) -> Any:
    return backends.get("array_api_strict").asarray(a)


@pytest.mark.parametrize("model_on", ["numpy", "array_api_strict"])
@pytest.mark.parametrize("x_on, y_on", [("numpy", "array_api_strict"), ("array_api_strict", "numpy"),
                                        ("array_api_strict", "array_api_strict")])
def test_arrays_of_any_backend_are_moved_explicitly(model_on: str, x_on: str, y_on: str) -> None:
    """Mixed NumPy and array-api-strict inputs give what NumPy inputs give, on either backend."""
    reference = model()
    expected = reference.predict(X), reference.evaluate(X, Y)
    net = model().to(backends.get(model_on))
    x = _strict(X) if x_on == "array_api_strict" else X
    y = _strict(Y) if y_on == "array_api_strict" else Y
    assert np.allclose(net.predict(x), expected[0], atol=1e-6)
    assert net.evaluate(x, y)["accuracy"] == expected[1]["accuracy"]
    history = net.fit(x, y, epochs=1, batch_size=3, progress=False, optimizer=nn.SGD(lr=0.01))
    assert np.isfinite(history[0]["loss"])
