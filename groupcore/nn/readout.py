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

from ..group import Group
from ..lift import regular_act
from ..map_action import MapAction
from ..namespace import namespace
from .layer import Layer

__all__ = ["JointReadout", "JointAction", "joint_labels", "decode_joint", "invariant_logits"]


class JointAction:
    """G acting on joint logits ``(B, |G|·C)`` by permuting the pose blocks regularly.

    Logit ``k·C + c`` moves to ``(h·k)·C + c`` under h: the joint read-out's output action.

    Examples
    --------
    >>> import groupcore as gc
    >>> JointAction(gc.cyclic(2)).apply(1, np.array([[1.0, 2.0, 3.0, 4.0]])).tolist()
    [[3.0, 4.0, 1.0, 2.0]]
    """

    shape = None
    is_exact = True

    def __init__(self, group: Group) -> None:
        self.group = group

    def apply(self, g: int, y: Any, axis: int | None = None) -> Any:
        """Permute the ``|G|`` pose blocks of the last axis by the regular action of ``g``."""
        if axis not in (None, -1, 1) or y.ndim != 2 or y.shape[1] % self.group.order:
            raise ValueError(f"joint logits have shape (B, |G|·C) with |G| = {self.group.order}; got {tuple(y.shape)}")
        xp = namespace(y)
        blocks = xp.reshape(y, (y.shape[0], self.group.order, -1))
        return xp.reshape(regular_act(self.group, g, blocks, axis=1), tuple(y.shape))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JointAction) and other.group == self.group

    def __hash__(self) -> int:
        return hash(("joint", self.group))

    def describe(self) -> str:
        """A sentence saying how the group acts (for error messages)."""
        return f"{self.group.name} on the pose blocks of joint logits"

    def __repr__(self) -> str:
        return f"JointAction({self.group.name})"


class JointReadout(Layer):
    """``(B, C, |G|) → (B, |G|·C)`` with logit ``k·C + c`` = score of class c at pose k.

    Examples
    --------
    >>> JointReadout()(np.arange(6.0).reshape(1, 2, 3)).tolist()
    [[0.0, 3.0, 1.0, 4.0, 2.0, 5.0]]
    """

    def propagate(self, action: Any) -> Any:
        """Class scores on which G permutes the G axis become joint logits with permuted pose blocks."""
        if isinstance(action, MapAction) and action.spatial is None:
            return JointAction(action.group)
        return super().propagate(action)

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
