"""Checks of what training and inference are given: inputs, labels, counts; and divergence.

``fit``, ``train_step``, ``predict`` and ``evaluate`` take host data (NumPy arrays or anything
``np.asarray`` reads; arrays of another backend are copied to the host explicitly with
:func:`groupcore.backends.to_numpy`). Each check raises ``ValueError`` (or ``TypeError`` for a
wrong type) naming the argument, what is wrong with it (the first offending entry), and how to
fix it, so that nothing is cast, truncated or dropped silently.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["TrainingDivergedError", "host_array", "check_inputs", "check_labels", "check_label_range",
           "positive_int"]


class TrainingDivergedError(RuntimeError):
    """Training produced a non-finite loss or non-finite parameters.

    The parameters are left as they were before the failing step.

    Examples
    --------
    >>> issubclass(TrainingDivergedError, RuntimeError)
    True
    """


def positive_int(value: Any, name: str) -> int:
    """``value`` as an int if it is an integer >= 1 (not a bool or a float), else ``ValueError``.

    Examples
    --------
    >>> positive_int(np.int64(3), "epochs")
    3
    >>> positive_int(0, "batch_size")
    Traceback (most recent call last):
    ...
    ValueError: batch_size must be a positive integer; got 0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def host_array(values: Any, name: str) -> NDArray[Any]:
    """``values`` as a NumPy array: arrays of any backend are copied to the host explicitly.

    Examples
    --------
    >>> import array_api_strict as xps
    >>> host_array(xps.asarray([1.0, 2.0], device=xps.Device("device1")), "x").tolist()
    [1.0, 2.0]
    """
    from ..backends import to_numpy
    try:
        return np.asarray(to_numpy(values))
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(f"{name} must be an array (NumPy, or an array of a groupcore backend); "
                        f"got {type(values).__name__} ({err})") from None


def _first_bad(mask: NDArray[np.bool_]) -> int:
    """The sample (first axis) of the first True entry of ``mask``."""
    return int(np.unravel_index(int(np.flatnonzero(mask.ravel())[0]), mask.shape)[0])


def check_inputs(values: Any, name: str = "x") -> NDArray[Any]:
    """Inputs ``(N, ...)``: at least one sample, real numbers, all finite; returned on the host.

    Raises
    ------
    ValueError
        No samples, no feature axis, complex or non-numeric values, or NaN/infinity (naming the
        first sample that holds one).

    Examples
    --------
    >>> check_inputs(np.zeros((2, 3))).shape
    (2, 3)
    >>> check_inputs(np.array([[1.0], [np.nan]]))
    Traceback (most recent call last):
    ...
    ValueError: x[1] holds NaN or infinity: inputs must be finite (clean or drop that sample)
    """
    x = host_array(values, name)
    if x.dtype.kind == "c":
        raise ValueError(f"{name} is complex ({x.dtype}); the networks compute on real numbers, and casting "
                         f"would drop the imaginary part: pass {name}.real if that is what you mean")
    if x.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold real numbers; got dtype {x.dtype}")
    if x.ndim < 2:
        raise ValueError(f"{name} must have a batch axis and at least one more, (N, ...); got shape {x.shape}")
    if x.shape[0] == 0:
        raise ValueError(f"{name} has no samples (shape {x.shape}); pass at least one")
    if x.dtype.kind == "f":
        bad = ~np.isfinite(x)
        if bad.any():
            raise ValueError(f"{name}[{_first_bad(bad)}] holds NaN or infinity: inputs must be finite "
                             f"(clean or drop that sample)")
    return x


def check_labels(values: Any, n: int, name: str = "y") -> NDArray[np.int64]:
    """Class labels: shape ``(n,)``, integers >= 0; returned as int64 on the host.

    Raises
    ------
    ValueError
        Another shape, a float, bool or other dtype (floats are never truncated), or a negative
        label (naming the first).

    Examples
    --------
    >>> check_labels([0, 2, 1], 3).tolist()
    [0, 2, 1]
    >>> check_labels(np.array([0.0, 1.5]), 2)
    Traceback (most recent call last):
    ...
    ValueError: y must hold integer class labels; got float64 (e.g. y[1] = 1.5), which would be truncated
    """
    y = host_array(values, name)
    if y.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), one label per sample of x; got shape {y.shape}")
    if y.dtype.kind == "f":
        fractional = np.flatnonzero(~np.isfinite(y) | (y != np.round(y)))
        example = f"e.g. {name}[{fractional[0]}] = {y[fractional[0]]}" if fractional.size else \
            f"whole numbers: pass {name}.astype(int)"
        raise ValueError(f"{name} must hold integer class labels; got {y.dtype} ({example})"
                         + (", which would be truncated" if fractional.size else ""))
    if y.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integer class labels; got dtype {y.dtype}")
    negative = np.flatnonzero(y < 0)
    if negative.size:
        i = int(negative[0])
        raise ValueError(f"{name}[{i}] = {y[i]}: class labels must be >= 0")
    return y.astype(np.int64, copy=False)


def check_label_range(y: NDArray[np.int64], num_outputs: int, name: str = "y") -> None:
    """Every label indexes one of the model's ``num_outputs`` logits.

    Raises
    ------
    ValueError
        Naming the first label that does not, so its loss term would silently be zero.

    Examples
    --------
    >>> check_label_range(np.array([0, 3]), 3)
    Traceback (most recent call last):
    ...
    ValueError: y[1] = 3 but the model has 3 outputs (labels 0..2): build it for 4 classes, or fix the labels
    """
    over = np.flatnonzero(y >= num_outputs)
    if over.size:
        i = int(over[0])
        raise ValueError(f"{name}[{i}] = {y[i]} but the model has {num_outputs} outputs (labels 0..{num_outputs - 1}): "
                         f"build it for {int(y.max()) + 1} classes, or fix the labels")
