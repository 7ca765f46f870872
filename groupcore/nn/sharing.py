"""Weight-sharing tensors: the integer ``index`` (and ``coef``) with ``W_expanded = θ[index]``.

Everything here runs once, on the host, with NumPy. A spatial transform of a grid is given in
*gather form*: ``(ρ(g)·s)[p] = s[idx[g, p]]`` for an exact action (a pixel permutation) and
``(ρ(g)·s)[p] = Σ_k coef[g, p, k] · s[idx[g, p, k]]`` for an interpolated one (the rows of its
sparse operator, padded with zero coefficients to a common length K).

The expanded weights, with ``n = |G|`` and ``P = k·k`` filter taps:

- lifting, ``θ`` of shape ``(O, C, P)``: ``W[o, g, c, p] = (ρ(g)·θ[o, c])[p]``;
- group convolution, ``θ`` of shape ``(O, C, n, P)``:
  ``W[o, r, c, h, p] = (ρ(r)·θ[o, c, r⁻¹h])[p]``; with the identity spatial transform
  (the regular frame, and dense layers with ``P = 1``) ``W[o, r, c, h] = θ[o, c, r⁻¹h]``.

The indices address the flattened ``θ``; a trailing axis ``K`` appears only with ``coef``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..group import Group

__all__ = ["Sharing", "action_gather", "identity_gather", "lifting_sharing", "group_sharing"]

Gather = tuple[NDArray[np.int64], "NDArray[np.float64] | None"]


class Sharing:
    """An explicit weight-sharing tensor: ``W = θ[index]`` or ``W = Σ_k coef[..., k]·θ[index[..., k]]``.

    Attributes
    ----------
    index : ndarray of int64
        Read-only; the expanded weight's shape (plus a trailing K axis when ``coef`` is given).
    coef : ndarray of float64 or None
        Interpolation weights, same shape as ``index``, or ``None`` for exact sharing.
    size : int
        The number of free parameters ``θ.size``.

    Examples
    --------
    >>> import groupcore as gc
    >>> s = lifting_sharing(gc.cyclic(4), 2, 1, action_gather(gc.Action.on_grid(gc.cyclic(4), (3, 3))), (3, 3))
    >>> s.index.shape, s.size, s.shape
    ((2, 4, 1, 3, 3), 18, (2, 4, 1, 3, 3))
    """

    __slots__ = ("index", "coef", "size")

    def __init__(self, index: NDArray[np.integer], coef: NDArray[np.floating] | None, size: int) -> None:
        index = np.ascontiguousarray(index, dtype=np.int64)
        if coef is not None:
            coef = np.ascontiguousarray(np.broadcast_to(coef, index.shape), dtype=np.float64)
            coef.flags.writeable = False
        index.flags.writeable = False
        self.index = index
        self.coef = coef
        self.size = int(size)

    @property
    def shape(self) -> tuple[int, ...]:
        """The expanded weight's shape (``index.shape`` without the trailing K axis)."""
        return self.index.shape if self.coef is None else self.index.shape[:-1]

    def expand(self, theta: NDArray[np.floating]) -> NDArray[np.floating]:
        """The expanded weight from a flat host ``θ`` (NumPy reference of the backend kernel).

        Examples
        --------
        >>> import groupcore as gc
        >>> s = group_sharing(gc.cyclic(2), 1, 1, identity_gather(2, 1))
        >>> s.expand(np.array([1.0, 2.0])).reshape(2, 2).tolist()
        [[1.0, 2.0], [2.0, 1.0]]
        """
        theta = np.asarray(theta).reshape(-1)
        if theta.shape[0] != self.size:
            raise ValueError(f"θ must have {self.size} entries; got {theta.shape[0]}")
        return theta[self.index] if self.coef is None else (self.coef * theta[self.index]).sum(-1)


def action_gather(action: Any) -> Gather:
    """Gather form ``(idx, coef)`` of every ``ρ(g)`` of an exact or interpolated grid action.

    Exact actions give ``idx[g, p] = g⁻¹·p`` (shape ``(n, P)``) and ``coef = None``.
    Interpolated ones give ``(n, P, K)`` arrays from the rows of ``action.operator(g)``.

    Examples
    --------
    >>> import groupcore as gc
    >>> idx, coef = action_gather(gc.Action.on_grid(gc.cyclic(4), (2, 2)))
    >>> idx[1].tolist(), coef
    ([1, 3, 0, 2], None)
    """
    G: Group = action.group
    if getattr(action, "is_exact", True):
        return action.table[G.inverse].astype(np.int64), None
    ops = [action.operator(g).tocsr() for g in range(G.order)]
    P = ops[0].shape[0]
    K = max(1, max(int(np.diff(op.indptr).max(initial=0)) for op in ops))
    idx = np.zeros((G.order, P, K), dtype=np.int64)
    coef = np.zeros((G.order, P, K), dtype=np.float64)
    for g, op in enumerate(ops):
        counts = np.diff(op.indptr)
        rows = np.repeat(np.arange(P), counts)
        slot = np.arange(op.indptr[-1]) - op.indptr[rows]
        idx[g, rows, slot] = op.indices
        coef[g, rows, slot] = op.data
    return idx, coef


def identity_gather(n: int, points: int) -> Gather:
    """The gather form of the trivial spatial action of n elements on ``points`` points.

    Examples
    --------
    >>> identity_gather(2, 3)[0].tolist()
    [[0, 1, 2], [0, 1, 2]]
    """
    return np.broadcast_to(np.arange(points, dtype=np.int64), (n, points)), None


def _check_gather(G: Group, gather: Gather) -> tuple[NDArray[np.int64], Any, int]:
    idx, coef = gather
    if idx.shape[0] != G.order or idx.ndim != (2 if coef is None else 3):
        raise ValueError(f"the spatial gather must have shape ({G.order}, P) or ({G.order}, P, K) "
                         f"for {G.name}; got {idx.shape}")
    return idx, coef, idx.shape[1]


def _finish(index: NDArray[np.int64], coef: Any, size: int,
            kernel_shape: tuple[int, ...]) -> Sharing:
    """Broadcast ``coef`` to ``index`` and unfold the tap axis into ``kernel_shape``."""
    lead = index.shape[:-1] if coef is None else index.shape[:-2]
    tail = () if coef is None else (index.shape[-1],)
    shape = lead + kernel_shape + tail
    c = None if coef is None else np.broadcast_to(coef, index.shape).reshape(shape)
    return Sharing(index.reshape(shape), c, size)


def _kernel_shape(P: int, kernel_shape: tuple[int, ...] | None) -> tuple[int, ...]:
    shape = (P,) if kernel_shape is None else tuple(kernel_shape)
    if int(np.prod(shape)) != P:
        raise ValueError(f"kernel shape {shape} does not have the gather's {P} points")
    return shape


def lifting_sharing(G: Group, out_channels: int, in_channels: int, gather: Gather,
                    kernel_shape: tuple[int, ...] | None = None) -> Sharing:
    """Sharing of a lifting layer: ``W[o, g, c, p] = (ρ(g)·θ[o, c])[p]``, ``θ`` of shape ``(O, C, P)``.

    Parameters
    ----------
    G : Group
    out_channels, in_channels : int
    gather : (idx, coef)
        The spatial transforms of the filter grid, from :func:`action_gather`.
    kernel_shape : tuple of int, optional
        How the P taps unfold (default ``(P,)``).

    Examples
    --------
    >>> import groupcore as gc
    >>> G = gc.cyclic(4)
    >>> s = lifting_sharing(G, 1, 1, action_gather(gc.Action.on_grid(G, (3, 3))), (3, 3))
    >>> theta = np.arange(9.0)
    >>> bool((s.expand(theta)[0, 1, 0] == np.rot90(theta.reshape(3, 3))).all())
    True
    """
    idx, coef, P = _check_gather(G, gather)
    O, C = int(out_channels), int(in_channels)
    base = (np.arange(O)[:, None, None, None] * C + np.arange(C)[None, None, :, None]) * P
    extra = (None,) * (idx.ndim - 2)
    index = base[(...,) + extra] + idx[None, :, None]
    c = None if coef is None else coef[None, :, None]
    return _finish(index, c, O * C * P, _kernel_shape(P, kernel_shape))


def group_sharing(G: Group, out_channels: int, in_channels: int, gather: Gather,
                  kernel_shape: tuple[int, ...] | None = None) -> Sharing:
    """Sharing of a group layer: ``W[o, r, c, h, p] = (ρ(r)·θ[o, c, r⁻¹h])[p]``, ``θ`` of shape ``(O, C, n, P)``.

    With :func:`identity_gather` this is the regular frame's G-axis permutation
    ``W[o, r, c, h] = θ[o, c, r⁻¹h]`` (and a lifted dense layer with ``P = 1``).

    Examples
    --------
    >>> import groupcore as gc
    >>> G = gc.cyclic(3)
    >>> s = group_sharing(G, 1, 1, identity_gather(3, 1))
    >>> s.expand(np.array([1.0, 2.0, 3.0])).reshape(3, 3).tolist()
    [[1.0, 2.0, 3.0], [3.0, 1.0, 2.0], [2.0, 3.0, 1.0]]
    """
    idx, coef, P = _check_gather(G, gather)
    n, O, C = G.order, int(out_channels), int(in_channels)
    r_inv_h = G.table[G.inverse].astype(np.int64)                          # [r, h] = r⁻¹·h
    block = (np.arange(O)[:, None, None, None] * C + np.arange(C)[None, None, :, None]) * n
    theta_gh = (block + r_inv_h[None, :, None, :]) * P                     # (O, n, C, n)
    extra = (None,) * (idx.ndim - 2)
    index = theta_gh[(..., None) + extra] + idx[None, :, None, None]
    c = None if coef is None else coef[None, :, None, None]
    return _finish(index, c, O * C * n * P, _kernel_shape(P, kernel_shape))
