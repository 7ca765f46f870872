"""The group Fourier transform of regular-frame group convolutions: one small convolution per irrep.

A group convolution in the regular frame is ``y[o, g] = Σ_{c, k} θ[o, c, k] ⋆ x[c, g·k]``
(``⋆`` the spatial cross-correlation, ``θ`` shaped ``(O, C, |G|, *kernel)``). With the real
orthogonal irreps ρ of G (:func:`groupcore.real_irreps`) and ``f̂(ρ) = Σ_g f(g) ρ(g)``,
substituting ``h = g·k``, ``ρ(h·k⁻¹) = ρ(h) ρ(k)ᵀ`` gives, for every irrep of dimension d,

``ŷ[o](ρ)_{ab} = Σ_{c, j} x̂[c](ρ)_{aj} ⋆ V_ρ[(o, b), (c, j)]``, ``V_ρ[(o, b), (c, j)] = Σ_k θ[o, c, k] ρ(k)_{bj}``:

one plain convolution from ``C·d`` to ``O·d`` channels over a batch of ``B·d`` (the rows ``a``).
It costs ``Σ_ρ d_ρ³`` instead of ``|G|²`` multiply-adds per channel pair and tap: 10 against 16
for C4 (real irreps of dimensions 1, 1, 2), 12 against 64 for D4, 64 against 576 for the
octahedral group. The transform ``F: f ↦ (f̂(ρ))_ρ`` is a ``(Σ d², |G|)`` matrix, injective
since every real irrep occurs; its left inverse (pseudo-inverse, computed once in float64) maps
the ``ŷ(ρ)`` back, also for irreps of complex or quaternionic type (``Σ d² > |G|``).

Everything runs on the layer's array namespace: NumPy, CuPy and ``array_api_strict`` execute the
same code, the per-irrep convolutions through :func:`groupcore.backends.kernels.conv`.

**When it pays** (:func:`prefer_fourier`, the rule of ``fourier="auto"``). The saving
``s = |G|²/Σ d³`` counts multiply-adds only: the transforms cost ``(C + O)·|G|·Σ d²`` per position,
the per-irrep convolutions (``C·d`` channels) run less efficiently than the direct one (``C·|G|``
channels, Winograd from 64 on), and their im2col copies are no smaller. Measured (forward and
backward, float32, one BLAS thread, medians of interleaved repeats, 3×3 and 3×3×3 kernels,
padding 1, ``C = O``; ``benchmarks/README.md``), the Fourier path's speed-up:

- s < 3 was slower or even: C3 (s = 1) 0.67–0.72×, Q8 (0.94) 0.44–0.59×, C4 (1.6) 0.65–0.92×,
  C8 (2.5) 0.69–1.08× (5 to 20 channels, 28×28 and 12×12);
- D3 (s = 3.6): 0.87–1.13× at 4 channels, 1.09–1.63× from 5;
- D4 (5.3): 0.48–1.12× at 1 to 3 channels, 1.03–1.33× at 4, 1.19–2.24× from 5 to 20;
- D6 (7.2): 0.92× at 2 channels, 1.06× at 3, 1.29× at 4, 1.79–3.01× from 5 to 20;
- O (9, 10×10×10): 0.96–1.07× at 1 channel, 1.54–1.79× at 2, 1.89–2.27× at 4, 2.85–3.10× at 10.

With the default threading (the NumPy kernels split a call over two threads; what a layer
called on its own gets) the gain is smaller where the per-irrep convolutions are small
(``benchmarks/engine.py``, wall time, 2 cores; one thread in brackets): D4 at 5 channels on
28×28, batch 8, 0.84× (1.50×), at 10 channels 1.32× (1.74×); D6 at 10 channels 1.60× (2.23×);
O on 10³ at 4 channels 1.59× (1.84×), at 10 2.64× (2.84×). So "auto" takes the Fourier path
where it won in both settings: ``s ≥ 3`` and ``min(C, O)·s ≥ 30`` (D3 from 9 channels, D4
from 6, D6 from 5, O from 4), for groups whose irreps fit the default memory budget.
Equal-dimensional irreps are not merged into one block-diagonal convolution: one convolution
for the four 1-d irreps of D4 (or the two of C4) ran 0.5–0.96× as fast as four (two) separate
ones, except at 5 channels on 12×12 (1.08–1.13×).

Examples
--------
>>> import numpy as np, groupcore as gc
>>> plan = fourier_plan(gc.dihedral(4))
>>> plan.dims, plan.transform.shape, plan.cost
((1, 1, 1, 1, 2), (8, 8), 12)
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..backends import kernels
from ..group import Group
from ..irreps import irreps_nbytes, real_irreps
from ..validation import DEFAULT_MAX_BYTES

__all__ = ["FourierPlan", "fourier_plan", "prefer_fourier", "spectral_filters", "fourier_conv",
           "fourier_conv_backward"]

#: ``fourier="auto"`` needs the saving ``|G|²/Σ d³`` to be at least this ...
MIN_SAVING = 3
#: ... and ``min(C, O)·|G|²/Σ d³`` at least this (fewer channels: the transforms' share is too large).
MIN_CHANNEL_SAVING = 30


@dataclass(frozen=True, eq=False)
class FourierPlan:
    """The group Fourier transform of a group, host float64.

    Attributes
    ----------
    dims : tuple of int
        The dimensions of the real irreps, in :func:`groupcore.real_irreps` order.
    transform : ndarray of float64
        ``(Σ d², |G|)``: ``F[(ρ, a, j), g] = ρ(g)_{aj}``, so ``F @ f`` stacks the ``f̂(ρ)`` row-major.
    inverse : ndarray of float64
        ``(|G|, Σ d²)``: the left inverse of ``F`` (``inverse @ F = I``).
    """

    dims: tuple[int, ...]
    transform: NDArray[np.float64]
    inverse: NDArray[np.float64]

    @property
    def cost(self) -> int:
        """``Σ d³``: multiply-adds per channel pair and tap (the direct path needs ``|G|²``)."""
        return sum(d ** 3 for d in self.dims)


@functools.lru_cache(maxsize=32)
def fourier_plan(group: Group) -> FourierPlan:
    """The transform of ``group`` and its left inverse, from its real irreps (cached per group).

    Raises
    ------
    RuntimeError
        If the left inverse is not one to 1e-9 (a numerical failure).

    Examples
    --------
    >>> import numpy as np, groupcore as gc
    >>> plan = fourier_plan(gc.cyclic(3))          # a 2-d irrep of complex type: Σ d² = 5 > 3
    >>> plan.transform.shape, bool(np.allclose(plan.inverse @ plan.transform, np.eye(3)))
    ((5, 3), True)
    """
    irreps = real_irreps(group)
    F = np.concatenate([np.reshape(np.moveaxis(r.matrices, 0, -1), (r.dim * r.dim, group.order)) for r in irreps])
    inverse = np.linalg.pinv(F)
    if np.abs(inverse @ F - np.eye(group.order)).max() > 1e-9:
        raise RuntimeError(f"the Fourier transform of {group.name} has no left inverse to 1e-9")
    for a in (F, inverse):
        a.flags.writeable = False
    return FourierPlan(tuple(r.dim for r in irreps), F, inverse)


def prefer_fourier(group: Group, in_channels: int, out_channels: int) -> bool:
    """The rule of ``fourier="auto"``: ``s ≥ MIN_SAVING`` and ``min(C, O)·s ≥ MIN_CHANNEL_SAVING``.

    ``s = |G|²/Σ d³`` is the saving in multiply-adds; groups whose irreps would exceed the
    default memory budget (:func:`groupcore.irreps.irreps_nbytes`) keep the direct path.

    Examples
    --------
    >>> import groupcore as gc
    >>> prefer_fourier(gc.dihedral(4), 10, 10), prefer_fourier(gc.cyclic(4), 10, 10)
    (True, False)
    >>> prefer_fourier(gc.dihedral(4), 5, 10), prefer_fourier(gc.octahedral(), 4, 4)
    (False, True)
    """
    if irreps_nbytes(group.order) > DEFAULT_MAX_BYTES:
        return False
    square, cost = group.order ** 2, fourier_plan(group).cost             # s = square / cost, compared exactly
    return square >= MIN_SAVING * cost and min(in_channels, out_channels) * square >= MIN_CHANNEL_SAVING * cost


def _blocks(a: Any, dims: tuple[int, ...], axis: int) -> list[Any]:
    """Slices of ``a`` along ``axis``, ``d²`` entries for each irrep dimension ``d``."""
    out, start = [], 0
    for d in dims:
        out.append(a[(slice(None),) * axis + (slice(start, start + d * d), ...)])
        start += d * d
    return out


def _rows_to_batch(a: Any, d: int, spatial: tuple[int, ...], xp: ModuleType) -> Any:
    """``(B, C, d·d, P)`` → ``(B·d, C·d, *spatial)``: the first index of the block joins the batch."""
    B, C = a.shape[0], a.shape[1]
    a = xp.permute_dims(xp.reshape(a, (B, C, d, d, -1)), (0, 2, 1, 3, 4))
    return xp.reshape(a, (B * d, C * d) + spatial)


def _batch_to_rows(a: Any, d: int, xp: ModuleType) -> Any:
    """``(B·d, C·d, *S)`` → ``(B, C, d·d, P)``, the inverse of :func:`_rows_to_batch`."""
    C, P = a.shape[1] // d, math.prod(int(s) for s in a.shape[2:])
    a = xp.permute_dims(xp.reshape(a, (-1, d, C, d, P)), (0, 2, 1, 3, 4))
    return xp.reshape(a, (-1, C, d * d, P))


def spectral_filters(theta: Any, transform: Any, dims: tuple[int, ...], kernel: tuple[int, ...],
                     xp: ModuleType) -> list[Any]:
    """The filter banks ``V_ρ`` of shape ``(O·d, C·d, *kernel)`` from θ of shape ``(O, C, |G|, *kernel)``.

    Examples
    --------
    >>> import numpy as np, groupcore as gc
    >>> plan = fourier_plan(gc.cyclic(4))
    >>> theta = np.ones((3, 2, 4, 5))
    >>> [v.shape for v in spectral_filters(theta, plan.transform, plan.dims, (5,), np)]
    [(3, 2, 5), (3, 2, 5), (6, 4, 5)]
    """
    O, C, n = theta.shape[0], theta.shape[1], theta.shape[2]
    taps = xp.permute_dims(xp.reshape(theta, (O, C, n, -1)), (0, 1, 3, 2))
    hat = xp.matmul(taps, transform.T)                                  # (O, C, taps, Σ d²)
    return [xp.reshape(xp.permute_dims(xp.reshape(v, (O, C, -1, d, d)), (0, 3, 1, 4, 2)), (O * d, C * d) + kernel)
            for d, v in zip(dims, _blocks(hat, dims, 3))]


def fourier_conv(x: Any, filters: list[Any], transform: Any, inverse: Any, dims: tuple[int, ...], padding: int,
                 xp: ModuleType) -> tuple[Any, list[Any]]:
    """The group convolution ``(B, C, |G|, *S) → (B, O, |G|, *S')`` through the irreps.

    Returns the output (without bias) and the per-irrep inputs ``x̂(ρ)`` that
    :func:`fourier_conv_backward` needs.
    """
    B, C, n = x.shape[0], x.shape[1], x.shape[2]
    spatial = tuple(int(s) for s in x.shape[3:])
    hat = xp.matmul(transform, xp.reshape(x, (B, C, n, -1)))           # (B, C, Σ d², P)
    inputs = [_rows_to_batch(block, d, spatial, xp) for d, block in zip(dims, _blocks(hat, dims, 2))]
    outs = [kernels.conv(xr, v, padding=padding) for xr, v in zip(inputs, filters)]
    out_spatial = tuple(int(s) for s in outs[0].shape[2:])
    y_hat = xp.concat([_batch_to_rows(yr, d, xp) for d, yr in zip(dims, outs)], axis=2)
    return xp.reshape(xp.matmul(inverse, y_hat), (B, -1, n) + out_spatial), inputs


def fourier_conv_backward(inputs: list[Any], filters: list[Any], gy: Any, transform: Any, inverse: Any,
                          dims: tuple[int, ...], padding: int, need_gx: bool,
                          xp: ModuleType) -> tuple[Any, Any]:
    """Gradients ``(gx, gθ)`` of :func:`fourier_conv`: ``gx`` like ``x`` (``None`` unless ``need_gx``), gθ flat."""
    B, O, n = gy.shape[0], gy.shape[1], gy.shape[2]
    out_spatial = tuple(int(s) for s in gy.shape[3:])
    gy_hat = xp.matmul(inverse.T, xp.reshape(gy, (B, O, n, -1)))       # (B, O, Σ d², P')
    gxs, gvs = [], []
    for d, xr, v, block in zip(dims, inputs, filters, _blocks(gy_hat, dims, 2)):
        gxr, gv = kernels.conv_backward(xr, v, _rows_to_batch(block, d, out_spatial, xp), padding=padding,
                                        need_gx=need_gx)
        gxs.append(gxr)
        C = gv.shape[1] // d
        gv = xp.permute_dims(xp.reshape(gv, (O, d, C, d, -1)), (0, 2, 4, 1, 3))
        gvs.append(xp.reshape(gv, (O, C, -1, d * d)))
    g_taps = xp.matmul(xp.concat(gvs, axis=3), transform)               # (O, C, taps, |G|)
    g_theta = xp.reshape(xp.permute_dims(g_taps, (0, 1, 3, 2)), (-1,))
    if not need_gx:
        return None, g_theta
    spatial = tuple(int(s) for s in inputs[0].shape[2:])
    g_hat = xp.concat([_batch_to_rows(g, d, xp) for d, g in zip(dims, gxs)], axis=2)
    return xp.reshape(xp.matmul(transform.T, g_hat), (B, -1, n) + spatial), g_theta
