"""Softmax cross-entropy with its gradient, numerically stable, in array-API calls."""

from __future__ import annotations

from typing import Any

from array_api_compat import array_namespace, device, is_numpy_array

from ._common import check_ndim

__all__ = ["softmax_cross_entropy"]


def softmax_cross_entropy(logits: Any, labels: Any) -> tuple[Any, Any]:
    """Mean softmax cross-entropy over the batch and its gradient with respect to ``logits``.

    ``loss = -mean_b log softmax(logits[b])[labels[b]]``, computed from ``logits - max`` so large
    logits do not overflow. ``loss`` is a 0-d array on the logits' device (no host transfer).

    Parameters
    ----------
    logits : array, shape (B, K), floating
    labels : array, shape (B,), integer in ``[0, K)``. NumPy labels out of that range raise;
        on other backends (where checking would wait for the device) such a label makes the
        loss and its row of the gradient NaN, so it cannot pass for a valid result.

    Returns
    -------
    loss : 0-d array
    glogits : array, shape (B, K): ``(softmax(logits) - onehot(labels)) / B``

    Raises
    ------
    ValueError
        Shapes that do not match, non-integer labels, or NumPy labels outside ``[0, K)``.

    Examples
    --------
    >>> import numpy as np
    >>> loss, g = softmax_cross_entropy(np.array([[0.0, 0.0], [1000.0, 0.0]]), np.array([0, 0]))
    >>> round(float(loss), 6), g.tolist()
    (0.346574, [[-0.25, 0.25], [0.0, 0.0]])
    """
    xp = array_namespace(logits, labels)
    check_ndim("logits", logits, 2, "(B, K)")
    if tuple(labels.shape) != (logits.shape[0],):
        raise ValueError(f"labels must have shape ({logits.shape[0]},) to match logits, got "
                         f"{tuple(labels.shape)}")
    if not xp.isdtype(labels.dtype, "integral"):
        raise ValueError(f"labels must be integers, got dtype {labels.dtype}")
    b, k = logits.shape
    outside = (labels < 0) | (labels >= k)
    if is_numpy_array(labels) and bool(xp.any(outside)):
        i = int(xp.argmax(outside))
        raise ValueError(f"labels must lie in [0, {k}) for {k} logits; labels[{i}] = {int(labels[i])} "
                         f"(build the model for more classes, or fix the labels)")
    z = logits - xp.max(logits, axis=1, keepdims=True)
    z = xp.where(outside[:, None], xp.nan, z)
    e = xp.exp(z)
    s = xp.sum(e, axis=1, keepdims=True)
    onehot = labels[:, None] == xp.arange(k, device=device(logits))[None, :]
    loss = -xp.sum(xp.where(onehot | outside[:, None], z - xp.log(s), 0.0)) / b
    glogits = (e / s - xp.astype(onehot, logits.dtype)) / b
    return loss, glogits
