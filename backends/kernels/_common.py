"""Helpers shared by the kernels: input checks and zero padding in standard array-API calls."""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any

from array_api_compat import device

__all__ = ["check_ndim", "check_positive", "check_spatial", "pad"]


def check_ndim(name: str, x: Any, ndim: int, layout: str) -> None:
    """Raise ``ValueError`` unless ``x`` has ``ndim`` axes (``layout`` names them)."""
    if x.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} axes {layout}, got shape {tuple(x.shape)}")


def check_spatial(name: str, x: Any) -> int:
    """The number of spatial axes of ``(B, C, *S)``: 1, 2 or 3, else ``ValueError``."""
    if not 3 <= x.ndim <= 5:
        raise ValueError(f"{name} must be (B, C, W), (B, C, H, W) or (B, C, D, H, W); got shape {tuple(x.shape)}")
    return int(x.ndim - 2)


def check_positive(**values: int) -> None:
    """Raise ``ValueError`` unless every value is an int >= 1."""
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")


def pad(x: Any, pads: Sequence[int], *, xp: ModuleType, value: float = 0.0) -> Any:
    """Pad the trailing ``len(pads)`` axes by ``pads[i]`` on each side with ``value``; negative pads crop."""
    d = len(pads)
    lead = tuple(x.shape[:x.ndim - d])
    sizes = tuple(x.shape[x.ndim - d:])
    crop = tuple(slice(max(-p, 0), s - max(-p, 0)) for p, s in zip(pads, sizes))
    if any(p < 0 for p in pads):
        x = x[(...,) + crop]
        sizes = tuple(x.shape[x.ndim - d:])
    grow = tuple(max(p, 0) for p in pads)
    if not any(grow):
        return x
    out = xp.full(lead + tuple(s + 2 * p for s, p in zip(sizes, grow)), value, dtype=x.dtype, device=device(x))
    out[(...,) + tuple(slice(p, p + s) for p, s in zip(grow, sizes))] = x
    return out
