"""Weight-sharing layers in PyTorch: θ a ``Parameter``, ``index``/``coef`` buffers, ``θ[index]`` in ``forward``.

:class:`SharedConv` is every lifted convolution of :mod:`groupcore.nn` (``LiftingConv1d/2d/3d``,
``GroupConv1d/2d/3d``; both frames; exact or interpolated rotations) and :class:`SharedDense`
every lifted dense layer (``LiftingDense``, ``LiftedDense``). They compute exactly what the
NumPy layers compute: the expanded weight ``θ[index]`` as one filter bank with ``|G|·O`` output
channels, one ``torch.nn.functional`` convolution or ``linear`` on the ``(B, C·|G|, *S)`` view,
and, for the regular-frame lifting layer, the sparse gather that moves output copy g back by
``ρ(g)⁻¹`` (or, for interpolated rotations, the convolution of the interpolated input copies).
Autograd's gradient of θ is the scatter-add of the expanded weight's gradient, as NumPy's.

:class:`ExpandedConv` and :class:`ExpandedDense` are the same layers with the expanded weight
fixed (no θ, no index): what :func:`groupcore.torch.export` deploys.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from ..group import Group
from ..nn.sharing import action_gather
from ..nn.transform import broadcast_gather, copies_gather
from .functional import conv, expand, gather, to_tensor

__all__ = ["SharedConv", "ExpandedConv", "SharedDense", "ExpandedDense"]

_CONV_GEOMETRY = ("group", "spatial", "in_channels", "out_channels", "ndim", "kernel", "padding", "lifting", "frame",
                  "transforms_input")
_DENSE_GEOMETRY = ("group", "in_channels", "out_features")


def _copy(target: torch.nn.Module, source: Any, names: tuple[str, ...]) -> None:
    for name in names:
        setattr(target, name, getattr(source, name))


def _frozen(t: torch.Tensor) -> torch.nn.Parameter:
    return torch.nn.Parameter(t.detach().clone(), requires_grad=False)


class _LiftedConv(torch.nn.Module):
    """The computation of a lifted convolution from its filter bank (:meth:`filters`) and bias."""

    group: Group
    spatial: Any
    in_channels: int
    out_channels: int
    ndim: int
    kernel: tuple[int, ...]
    padding: int
    lifting: bool
    frame: str
    transforms_input: bool
    bias: torch.nn.Parameter | None

    def __init__(self, source: Any) -> None:
        super().__init__()
        _copy(self, source, _CONV_GEOMETRY)
        n, O, C = self.group.order, self.out_channels, self.in_channels
        if self.transforms_input:
            self.filter_shape = (O, C) + tuple(self.kernel)
        else:
            self.filter_shape = (O * n, C * (1 if self.lifting else n)) + tuple(self.kernel)
        self._gathers: dict[tuple[Any, ...], tuple[torch.Tensor, torch.Tensor | None]] = {}

    def filters(self) -> torch.Tensor:
        """The filter bank ``(|G|·O, C or C·|G|, *kernel)`` the layer convolves with."""
        raise NotImplementedError

    def _copies(self, kind: str, shape: tuple[int, ...], like: torch.Tensor) -> tuple[torch.Tensor, Any]:
        """The gather moving output copies back (``"out"``) or making input copies (``"in"``) on one grid."""
        key = (kind, shape, like.device, like.dtype)
        if key not in self._gathers:
            G = self.group
            form = action_gather(self.spatial.at(shape))
            t = copies_gather(form, G.inverse) if kind == "out" else broadcast_gather(form, G.inverse,
                                                                                        self.in_channels)
            coef = None if t.coef is None else to_tensor(t.coef).to(device=like.device, dtype=like.dtype)
            self._gathers[key] = (to_tensor(t.idx).to(like.device), coef)
        return self._gathers[key]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, O = self.group.order, self.out_channels
        B = x.shape[0]
        w, b = self.filters(), self.bias
        if self.transforms_input:
            S = tuple(x.shape[2:])
            idx, coef = self._copies("in", S, x)
            xs = gather(x.reshape(B, -1), idx, coef).reshape((B * n, self.in_channels) + S)
            y = conv(xs, w, b, self.padding)
            return y.reshape((B, n, O) + tuple(y.shape[2:])).transpose(1, 2)
        if not self.lifting:
            x = x.flatten(1, 2)
        if self.lifting and self.frame == "regular":
            y = conv(x, w, None, self.padding)
            So = tuple(y.shape[2:])
            idx, coef = self._copies("out", So, y)
            y = gather(y.reshape(B, O, -1), idx, coef).reshape((B, O, n) + So)
            return y if b is None else y + b.reshape((1, O) + (1,) * (1 + self.ndim))
        y = conv(x, w, None if b is None else b.repeat_interleave(n), self.padding)
        return y.unflatten(1, (O, n))

    def extra_repr(self) -> str:
        kind = "lifting" if self.lifting else "group"
        return (f"{self.group.name}, {kind} {self.ndim}-d, {self.in_channels} -> {self.out_channels}, "
                f"kernel={self.kernel[0]}, padding={self.padding}, frame={self.frame!r}")


class SharedConv(_LiftedConv):
    """A lifted convolution with explicit weight sharing, built from a groupcore layer.

    Parameters
    ----------
    layer : groupcore.nn.LiftingConv1d, ..., groupcore.nn.GroupConv3d
        Its θ and bias become ``theta`` and ``bias``, its ``index`` (and ``coef``) buffers.

    Examples
    --------
    >>> import groupcore as gc
    >>> from groupcore import nn
    >>> conv = SharedConv(nn.GroupConv2d(gc.cyclic(4), 2, 3, 3, frame="diagonal", seed=0))
    >>> tuple(conv.theta.shape), tuple(conv.index.shape), conv.filters().shape
    ((216,), (3, 4, 2, 4, 3, 3), torch.Size([12, 8, 3, 3]))
    >>> conv(torch.zeros(5, 2, 4, 6, 6)).shape
    torch.Size([5, 3, 4, 4, 4])
    """

    index: torch.Tensor
    coef: torch.Tensor | None

    def __init__(self, layer: Any) -> None:
        super().__init__(layer)
        self.theta = torch.nn.Parameter(to_tensor(layer.params["theta"]))
        self.bias = torch.nn.Parameter(to_tensor(layer.params["bias"])) if layer.bias else None
        self.register_buffer("index", to_tensor(layer.index))
        self.register_buffer("coef", None if layer.coef is None else to_tensor(layer.coef).to(self.theta.dtype))

    def filters(self) -> torch.Tensor:
        return expand(self.theta, self.index, self.coef).reshape(self.filter_shape)


class ExpandedConv(_LiftedConv):
    """A lifted convolution with a fixed filter bank (the expanded ``θ[index]``), for deployment.

    Examples
    --------
    >>> import groupcore as gc
    >>> from groupcore import nn
    >>> shared = SharedConv(nn.LiftingConv2d(gc.dihedral(4), 1, 2, 3, frame="regular", seed=0))
    >>> fixed = ExpandedConv(shared)
    >>> x = torch.randn(2, 1, 7, 7)
    >>> bool(torch.equal(fixed(x), shared(x))), tuple(fixed.weight.shape), fixed.weight.requires_grad
    (True, (16, 1, 3, 3), False)
    """

    def __init__(self, shared: SharedConv) -> None:
        super().__init__(shared)
        self.weight = _frozen(shared.filters())
        self.bias = None if shared.bias is None else _frozen(shared.bias)

    def filters(self) -> torch.Tensor:
        return self.weight


class _LiftedDense(torch.nn.Module):
    """``(B, C, |X|) → (B, O, |G|)``: one ``linear`` with ``|G|·O`` outputs."""

    group: Group
    in_channels: int
    out_features: int
    bias: torch.nn.Parameter | None

    def __init__(self, source: Any) -> None:
        super().__init__()
        _copy(self, source, _DENSE_GEOMETRY)

    def filters(self) -> torch.Tensor:
        """The weight matrix ``(|G|·O, C·|X|)``."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, b = self.group.order, self.bias
        y = F.linear(x.reshape(x.shape[0], -1), self.filters(), None if b is None else b.repeat_interleave(n))
        return y.unflatten(1, (self.out_features, n))

    def extra_repr(self) -> str:
        return f"{self.group.name}, {self.in_channels} -> {self.out_features}"


class SharedDense(_LiftedDense):
    """A lifted dense layer with explicit weight sharing, from ``LiftingDense`` or ``LiftedDense``.

    Examples
    --------
    >>> import groupcore as gc
    >>> from groupcore import nn
    >>> dense = SharedDense(nn.LiftedDense(gc.cyclic(4), 3, 2, seed=0))
    >>> tuple(dense.index.shape), dense(torch.ones(5, 3, 4)).shape
    ((2, 4, 3, 4), torch.Size([5, 2, 4]))
    """

    index: torch.Tensor

    def __init__(self, layer: Any) -> None:
        super().__init__(layer)
        self.theta = torch.nn.Parameter(to_tensor(layer.params["theta"]))
        self.bias = torch.nn.Parameter(to_tensor(layer.params["bias"])) if layer.bias else None
        self.register_buffer("index", to_tensor(layer.index))

    def filters(self) -> torch.Tensor:
        n = self.group.order
        return expand(self.theta, self.index).reshape(self.out_features * n, -1)


class ExpandedDense(_LiftedDense):
    """A lifted dense layer with its fixed expanded weight, for deployment.

    Examples
    --------
    >>> import groupcore as gc
    >>> from groupcore import nn
    >>> fixed = ExpandedDense(SharedDense(nn.LiftedDense(gc.cyclic(4), 3, 2, seed=0)))
    >>> tuple(fixed.weight.shape)
    (8, 12)
    """

    def __init__(self, shared: SharedDense) -> None:
        super().__init__(shared)
        self.weight = _frozen(shared.filters())
        self.bias = None if shared.bias is None else _frozen(shared.bias)

    def filters(self) -> torch.Tensor:
        return self.weight
