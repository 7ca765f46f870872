"""Weight-sharing tensors: the integer ``index`` (and ``coef``) with ``W_expanded = θ[index]``.

**The rule.** Let G act by permutations on ``X_in`` and ``X_out``. A linear map ``W`` from
functions on ``X_in`` to functions on ``X_out`` is G-equivariant iff ``W[g·y, g·x] = W[y, x]``
for all g: ``W`` is constant on the G-orbits of ``X_out × X_in``. So the weight sharing of any
exact lifted layer is the orbit label of each (output, input) pair, one free parameter per
orbit and channel pair. :func:`orbit_labels` computes the labels from the two action tables,
vectorised over the pairs (one pass per group element); :func:`orbit_sharing` adds the
channels. Every exact layer comes from it:

- a lifting layer (``X_out = G`` regular, ``X_in`` = the points or filter taps the group moves):
  ``W[o, g, c, p] = θ[o, c, g⁻¹·p]``;
- a group layer (``X_in = G × taps``, the diagonal action): ``W[o, r, c, h, p] = θ[o, c, r⁻¹h, r⁻¹·p]``,
  with the taps fixed in the regular frame and for dense layers;
- a lifted dense layer on any G-set (``X_in = X`` with a user's action table).

Labels number the orbits by their smallest flat pair index ``y·|X_in| + x``, so for a regular
``X_out`` the label of ``(g, x)`` is ``g⁻¹·x``: θ keeps the un-lifted layer's layout.

**Interpolated rotations** (not an action) keep the explicit expansion through the rows of
their sparse operators: ``W = Σ_k coef[..., k]·θ[index[..., k]]`` (:func:`interpolated_sharing`).
Everything here runs once, on the host, with NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..group import Group

__all__ = ["Sharing", "orbit_labels", "orbit_sharing", "conv_sharing", "interpolated_sharing", "action_gather"]

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
    >>> G = gc.cyclic(4)
    >>> s = orbit_sharing(2, 1, G.table, gc.Action.on_grid(G, (3, 3)).table, (4,), (3, 3))
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
        >>> G = gc.cyclic(2)
        >>> s = orbit_sharing(1, 1, G.table, G.table, (2,), (2,))
        >>> s.expand(np.array([1.0, 2.0])).reshape(2, 2).tolist()
        [[1.0, 2.0], [2.0, 1.0]]
        """
        theta = np.asarray(theta).reshape(-1)
        if theta.shape[0] != self.size:
            raise ValueError(f"θ must have {self.size} entries; got {theta.shape[0]}")
        return theta[self.index] if self.coef is None else (self.coef * theta[self.index]).sum(-1)


def _check_tables(out_table: NDArray[np.integer], in_table: NDArray[np.integer]) -> None:
    if out_table.ndim != 2 or in_table.ndim != 2 or out_table.shape[0] != in_table.shape[0]:
        raise ValueError(f"the action tables must be (|G|, |X_out|) and (|G|, |X_in|) for one group; got "
                         f"{out_table.shape} and {in_table.shape}")


def orbit_labels(out_table: NDArray[np.integer], in_table: NDArray[np.integer]) -> tuple[NDArray[np.int64], int]:
    """Orbit labels of G on ``X_out × X_in`` under the diagonal action, and the number of orbits.

    ``labels[y, x] == labels[y', x']`` iff ``(y', x') = (g·y, g·x)`` for some g. Orbits are
    numbered by their smallest flat index ``y·|X_in| + x``.

    Parameters
    ----------
    out_table, in_table : array
        Action tables ``A[g, point] = g·point`` of the same group on ``X_out`` and ``X_in``.

    Examples
    --------
    >>> import groupcore as gc
    >>> G = gc.cyclic(3)
    >>> labels, count = orbit_labels(G.table, G.table)      # circulant: label (y - x) mod 3
    >>> labels.tolist(), count
    ([[0, 1, 2], [2, 0, 1], [1, 2, 0]], 3)
    """
    out_table, in_table = np.asarray(out_table, dtype=np.int64), np.asarray(in_table, dtype=np.int64)
    _check_tables(out_table, in_table)
    m_in = in_table.shape[1]
    best = out_table[0][:, None] * m_in + in_table[0][None, :]
    for g in range(1, out_table.shape[0]):
        np.minimum(best, out_table[g][:, None] * m_in + in_table[g][None, :], out=best)
    values, labels = np.unique(best, return_inverse=True)
    return labels.reshape(best.shape).astype(np.int64), int(values.size)


def orbit_sharing(out_channels: int, in_channels: int, out_table: NDArray[np.integer],
                  in_table: NDArray[np.integer], out_shape: tuple[int, ...] | None = None,
                  in_shape: tuple[int, ...] | None = None) -> Sharing:
    """The equivariant weight sharing between two permutation representations, with channels.

    ``W[o, y, c, x] = θ[o, c, label(y, x)]`` (:func:`orbit_labels`): θ has
    ``out_channels · in_channels · (number of orbits)`` entries.

    Parameters
    ----------
    out_channels, in_channels : int
    out_table, in_table : array
        Action tables of one group on ``X_out`` and ``X_in``.
    out_shape, in_shape : tuple of int, optional
        How the points unfold in the expanded weight (default flat).

    Examples
    --------
    >>> import groupcore as gc
    >>> S3 = gc.symmetric(3)
    >>> s = orbit_sharing(1, 1, S3.table, gc.Action.natural(S3).table)   # S3 on 3 points, lifted
    >>> s.size, s.index.shape
    (3, (1, 6, 1, 3))
    """
    out_table, in_table = np.asarray(out_table), np.asarray(in_table)
    labels, count = orbit_labels(out_table, in_table)
    O, C = int(out_channels), int(in_channels)
    out_shape = (out_table.shape[1],) if out_shape is None else tuple(out_shape)
    in_shape = (in_table.shape[1],) if in_shape is None else tuple(in_shape)
    if int(np.prod(out_shape)) != out_table.shape[1] or int(np.prod(in_shape)) != in_table.shape[1]:
        raise ValueError(f"shapes {out_shape} and {in_shape} do not have the tables' {out_table.shape[1]} and "
                         f"{in_table.shape[1]} points")
    block = (np.arange(O)[:, None, None, None] * C + np.arange(C)[None, None, :, None]) * count
    index = block + labels[None, :, None, :]
    return Sharing(index.reshape((O,) + out_shape + (C,) + in_shape), None, O * C * count)


def _trivial_table(n: int, points: int) -> NDArray[np.int64]:
    return np.broadcast_to(np.arange(points, dtype=np.int64), (n, points))


def conv_sharing(group: Group, out_channels: int, in_channels: int, taps: Any, kernel_shape: tuple[int, ...],
                 lifting: bool) -> Sharing:
    """The sharing of a lifted convolution (or dense layer, ``kernel_shape=()``) from the orbit rule.

    ``taps`` is the exact action on the filter grid (diagonal frame), or ``None`` when the
    taps are not moved (regular frame, dense layers). Lifting layers read ``X_in`` = taps;
    group layers ``X_in = G × taps`` (the G axis of the input, then the taps).

    Examples
    --------
    >>> import groupcore as gc
    >>> G = gc.dihedral(4)
    >>> conv_sharing(G, 10, 10, None, (3, 3), lifting=False).index.shape
    (10, 8, 10, 8, 3, 3)
    """
    n = group.order
    P = int(np.prod(kernel_shape))
    tap_table = _trivial_table(n, P) if taps is None else np.asarray(taps.table, dtype=np.int64)
    if tap_table.shape != (n, P):
        raise ValueError(f"the action on the filter taps must be a table ({n}, {P}); got {tap_table.shape}")
    if lifting:
        return orbit_sharing(out_channels, in_channels, group.table, tap_table, (n,), tuple(kernel_shape))
    in_table = (group.table.astype(np.int64)[:, :, None] * P + tap_table[:, None, :]).reshape(n, n * P)
    return orbit_sharing(out_channels, in_channels, group.table, in_table, (n,), (n,) + tuple(kernel_shape))


def action_gather(action: Any) -> Gather:
    """Gather form ``(idx, coef)`` of every ``ρ(g)`` of an exact or interpolated grid action.

    ``(ρ(g)·s)[p] = Σ_k coef[g, p, k]·s[idx[g, p, k]]``: exact actions give ``idx[g, p] = g⁻¹·p``
    (shape ``(n, P)``) and ``coef = None``; interpolated ones ``(n, P, K)`` arrays from the rows
    of ``action.operator(g)``, padded with zero coefficients.

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


def interpolated_sharing(group: Group, out_channels: int, in_channels: int, taps: Any,
                         kernel_shape: tuple[int, ...], lifting: bool) -> Sharing:
    """Sharing through interpolated rotations of the filters: ``W = Σ_k coef·θ[index]``.

    Lifting: ``W[o, g, c, p] = (ρ(g)·θ[o, c])[p]``; group: ``W[o, r, c, h, p] = (ρ(r)·θ[o, c, r⁻¹h])[p]``,
    where ``ρ(g)`` is the resampling operator of ``taps`` (an :class:`~groupcore.ApproximateAction`).

    Examples
    --------
    >>> import groupcore as gc
    >>> C8 = gc.cyclic(8)
    >>> taps = gc.interpolated_rotations(C8, (3, 3), mask=None)
    >>> interpolated_sharing(C8, 1, 1, taps, (3, 3), lifting=True).coef.shape[:-1]
    (1, 8, 1, 3, 3)
    """
    idx, coef = action_gather(taps)
    if coef is None:
        raise ValueError(f"{taps!r} is exact: use conv_sharing (the orbit rule)")
    n, P = group.order, idx.shape[1]
    O, C = int(out_channels), int(in_channels)
    if lifting:
        base = (np.arange(O)[:, None, None, None, None] * C + np.arange(C)[None, None, :, None, None]) * P
        index = base + idx[None, :, None]
        c = np.broadcast_to(coef[None, :, None], index.shape)
        size = O * C * P
        lead: tuple[int, ...] = (O, n, C)
    else:
        r_inv_h = group.table[group.inverse].astype(np.int64)                     # [r, h] = r⁻¹·h
        block = (np.arange(O)[:, None, None, None] * C + np.arange(C)[None, None, :, None]) * n
        theta_gh = (block + r_inv_h[None, :, None, :]) * P                         # (O, n, C, n)
        index = theta_gh[..., None, None] + idx[None, :, None, None]
        c = np.broadcast_to(coef[None, :, None, None], index.shape)
        size = O * C * n * P
        lead = (O, n, C, n)
    K = index.shape[-1]
    shape = lead + tuple(kernel_shape) + (K,)
    return Sharing(index.reshape(shape), np.ascontiguousarray(c).reshape(shape), size)

