"""Per-copy spatial transforms as sparse gathers: input copies ``ρ(g)⁻¹x`` and the frame bridge.

A :class:`SparseGather` is a linear map along the last axis,
``out[..., q] = Σ_k coef[q, k] · x[..., idx[q, k]]`` (a plain ``take`` for permutations), built on
the host; :func:`gather_apply` runs it on any array-API backend, and :meth:`SparseGather.transpose`
gives the map that carries gradients back.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["SparseGather", "gather_apply", "copies_gather", "broadcast_gather"]


class SparseGather:
    """``out[q] = Σ_k coef[q, k]·x[idx[q, k]]`` with ``n_in`` input points (host arrays).

    ``idx`` is ``(Q,)`` with ``coef=None`` for a plain gather, or ``(Q, K)``; ``coef=None``
    with a K axis means all-ones weights.

    Examples
    --------
    >>> g = SparseGather(np.array([2, 0, 1]), None, 3)
    >>> g.apply(np.array([10.0, 20.0, 30.0])).tolist(), g.transpose().apply(np.array([1.0, 2.0, 3.0])).tolist()
    ([30.0, 10.0, 20.0], [2.0, 3.0, 1.0])
    """

    __slots__ = ("idx", "coef", "n_in")

    def __init__(self, idx: NDArray[np.integer], coef: NDArray[np.floating] | None, n_in: int) -> None:
        self.idx = np.ascontiguousarray(idx, dtype=np.int64)
        self.coef = None if coef is None else np.ascontiguousarray(coef, dtype=np.float64)
        self.n_in = int(n_in)

    @property
    def n_out(self) -> int:
        """Number of output points Q."""
        return int(self.idx.shape[0])

    def apply(self, x: Any) -> Any:
        """Apply to a host array along its last axis (the reference of :func:`gather_apply`)."""
        return gather_apply(np.asarray(x), self.idx, self.coef, xp=np)

    def transpose(self) -> SparseGather:
        """The transposed map ``xᵀ``: ``n_out`` inputs, ``n_in`` outputs, padded to a common K."""
        idx2 = self.idx.reshape(self.n_out, -1)
        coef2 = np.ones(idx2.shape) if self.coef is None else self.coef.reshape(idx2.shape)
        q = np.broadcast_to(np.arange(self.n_out)[:, None], idx2.shape)
        keep = coef2 != 0
        j, q, c = idx2[keep], q[keep], coef2[keep]
        order = np.argsort(j, kind="stable")
        j, q, c = j[order], q[order], c[order]
        counts = np.bincount(j, minlength=self.n_in)
        K = max(1, int(counts.max(initial=0)))
        slot = np.arange(j.size) - np.repeat(np.cumsum(counts) - counts, counts)
        t_idx = np.zeros((self.n_in, K), dtype=np.int64)
        t_coef = np.zeros((self.n_in, K))
        t_idx[j, slot] = q
        t_coef[j, slot] = c
        if np.all(t_coef == 1.0):
            return SparseGather(t_idx[:, 0] if K == 1 else t_idx, None, self.n_out)
        return SparseGather(t_idx, t_coef, self.n_out)


def gather_apply(x: Any, idx: Any, coef: Any, *, xp: Any) -> Any:
    """``out[..., q] = Σ_k coef[q, k]·x[..., idx[q, k]]`` on an array-API array (idx, coef on its device).

    Examples
    --------
    >>> gather_apply(np.array([[1.0, 2.0]]), np.array([[0, 1], [1, 1]]), None, xp=np).tolist()
    [[3.0, 4.0]]
    """
    lead = tuple(x.shape[:-1])
    if idx.ndim == 1:
        return xp.take(x, idx, axis=x.ndim - 1)
    y = xp.take(x, xp.reshape(idx, (-1,)), axis=x.ndim - 1)
    y = xp.reshape(y, lead + tuple(idx.shape))
    if coef is not None:
        y = y * coef
    return xp.sum(y, axis=-1)


def _rows(gather: tuple[NDArray[np.int64], Any], elems: NDArray[np.integer]) -> tuple[NDArray[np.int64], Any]:
    idx, coef = gather
    return idx[elems], None if coef is None else coef[elems]


def copies_gather(gather: tuple[NDArray[np.int64], Any], elems: NDArray[np.integer]) -> SparseGather:
    """Transform copy ``g`` of a lifted map by ``ρ(elems[g])``, on the flattened ``(|G|·P)`` axis.

    ``gather`` is the gather form ``(idx, coef)`` of the action on the P points
    (:func:`groupcore.nn.sharing.action_gather`).

    Examples
    --------
    >>> import groupcore as gc
    >>> from groupcore.nn.sharing import action_gather
    >>> G = gc.cyclic(4)
    >>> t = copies_gather(action_gather(gc.Action.on_grid(G, (2, 2))), G.inverse)
    >>> t.n_in, t.n_out
    (16, 16)
    """
    idx, coef = _rows(gather, np.asarray(elems))
    n, P = idx.shape[:2]
    shift = (np.arange(n) * P).reshape((n, 1) + (1,) * (idx.ndim - 2))
    out = (idx + shift).reshape((n * P,) + idx.shape[2:])
    return SparseGather(out, None if coef is None else coef.reshape(out.shape), n * P)


def broadcast_gather(gather: tuple[NDArray[np.int64], Any], elems: NDArray[np.integer],
                     channels: int) -> SparseGather:
    """Copies ``ρ(elems[g])·x`` of a ``(C·P)`` input, laid out ``(g, c, p)`` on the output axis.

    Examples
    --------
    >>> import groupcore as gc
    >>> from groupcore.nn.sharing import action_gather
    >>> G = gc.cyclic(2)
    >>> t = broadcast_gather(action_gather(gc.Action.on_grid(G, (1, 2))), G.inverse, 1)
    >>> t.apply(np.array([1.0, 2.0])).tolist()
    [1.0, 2.0, 2.0, 1.0]
    """
    idx, coef = _rows(gather, np.asarray(elems))
    n, P = idx.shape[:2]
    C = int(channels)
    extra = (1,) * (idx.ndim - 2)
    out = idx[:, None] + (np.arange(C) * P).reshape((1, C, 1) + extra)
    out = out.reshape((n * C * P,) + idx.shape[2:])
    c = None if coef is None else np.broadcast_to(coef[:, None], (n, C) + coef.shape[1:]).reshape(out.shape)
    return SparseGather(out, c, C * P)
