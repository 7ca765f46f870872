"""The paper's read-outs: joint (class, pose) logits, and the invariant class read-out.

A lifted network ending in class scores ``(B, C, |G|)`` has, for an input ``ρ(k)·x₀``, the scores
of ``x₀`` permuted along G: copy k carries what copy e carried. The joint read-out lays them out
as ``|G|·C`` logits with the label of class c in pose k at ``k·C + c``; the prediction is
``class = argmax mod C`` (invariant) and ``pose = argmax div C`` (equivariant). The invariant
read-out pools over G first (:class:`~groupcore.nn.GroupPool`, or :func:`invariant_logits`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .layer import Layer

__all__ = ["JointReadout", "joint_labels", "decode_joint", "invariant_logits"]


class JointReadout(Layer):
    """``(B, C, |G|) → (B, |G|·C)`` with logit ``k·C + c`` = score of class c at pose k.

    Examples
    --------
    >>> JointReadout()(np.arange(6.0).reshape(1, 2, 3)).tolist()
    [[0.0, 3.0, 1.0, 4.0, 2.0, 5.0]]
    """

    def forward(self, x: Any) -> Any:
        if x.ndim != 3:
            raise ValueError(f"JointReadout expects class scores (B, C, |G|); got shape {tuple(x.shape)}")
        self._shape = tuple(x.shape)
        return self.xp.reshape(self.xp.permute_dims(x, (0, 2, 1)), (x.shape[0], -1))

    def backward(self, gy: Any) -> Any:
        B, C, n = self._shape
        return self.xp.permute_dims(self.xp.reshape(gy, (B, n, C)), (0, 2, 1))


def joint_labels(classes: ArrayLike, poses: ArrayLike, num_classes: int) -> NDArray[np.int64]:
    """Joint targets ``pose·C + class``.

    Examples
    --------
    >>> joint_labels([1, 2], [0, 3], 10).tolist()
    [1, 32]
    """
    return np.asarray(poses, dtype=np.int64) * int(num_classes) + np.asarray(classes, dtype=np.int64)


def decode_joint(logits: ArrayLike, num_classes: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """``(class, pose)`` predictions from joint logits: ``argmax mod C``, ``argmax div C``.

    Examples
    --------
    >>> decode_joint(np.array([[0.0, 0.0, 0.0, 5.0]]), 2)
    (array([1]), array([1]))
    """
    k = np.argmax(np.asarray(logits), axis=1)
    return k % int(num_classes), k // int(num_classes)


def invariant_logits(logits: ArrayLike, num_classes: int, mode: str = "max") -> NDArray[np.floating]:
    """Pool joint logits ``(B, |G|·C)`` over poses to invariant class logits ``(B, C)``.

    With ``mode="max"`` its argmax is the joint read-out's ``argmax mod C``.

    Examples
    --------
    >>> invariant_logits(np.array([[0.0, 1.0, 3.0, 2.0]]), 2).tolist()
    [[3.0, 2.0]]
    """
    z = np.asarray(logits)
    z = z.reshape(z.shape[0], -1, int(num_classes))
    if mode not in ("max", "mean"):
        raise ValueError(f"mode must be 'max' or 'mean'; got {mode!r}")
    return z.max(axis=1) if mode == "max" else z.mean(axis=1)
