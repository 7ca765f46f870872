"""Helpers shared by the kernels: input checks and zero padding in standard array-API calls."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from array_api_compat import device

__all__ = ["check_ndim", "check_positive", "pad2d"]


def check_ndim(name: str, x: Any, ndim: int, layout: str) -> None:
    """Raise ``ValueError`` unless ``x`` has ``ndim`` axes (``layout`` names them)."""
    if x.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} axes {layout}, got shape {tuple(x.shape)}")


def check_positive(**values: int) -> None:
    """Raise ``ValueError`` unless every value is an int >= 1."""
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")


def pad2d(x: Any, ph: int, pw: int, *, xp: ModuleType) -> Any:
    """Zero-pad the last two axes by ``ph``/``pw`` on each side; a negative amount crops."""
    if ph < 0 or pw < 0:
        h, w = x.shape[-2], x.shape[-1]
        ch, cw = max(-ph, 0), max(-pw, 0)
        x = x[..., ch:h - ch, cw:w - cw]
        ph, pw = max(ph, 0), max(pw, 0)
    if ph == 0 and pw == 0:
        return x
    *lead, h, w = x.shape
    out = xp.zeros((*lead, h + 2 * ph, w + 2 * pw), dtype=x.dtype, device=device(x))
    out[..., ph:ph + h, pw:pw + w] = x
    return out
