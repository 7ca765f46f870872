"""Convolutions: the plain ``Conv2d`` and the lifted ``LiftingConv2d`` (Z² → G), ``GroupConv2d`` (G → G).

Both lifted layers keep θ of the un-lifted convolution's size and an explicit
:class:`~groupcore.nn.sharing.Sharing` (``layer.index``, ``layer.coef``); the expanded weight
``θ[index]`` runs as one convolution with ``|G|·O`` output channels on the ``(B, C·|G|, H, W)``
view of a lifted map (channel order ``(c, g)``), and θ's gradient is the scatter-add.

Frames (see :mod:`groupcore.nn.frames`):

- ``"regular"``: lifting gives ``s(g) = conv(ρ(g)⁻¹x, θ)`` — computed as the convolution with
  filters rotated by g followed by rotating copy g back, when ρ is exact, and literally on the
  interpolated input copies otherwise; group convolution is a plain convolution of the
  G-permuted copies, ``W[o, g, c, h] = θ[o, c, g⁻¹h]``, with no spatial rotation.
- ``"diagonal"`` (G-CNN): lifting ``W[o, g, c] = ρ(g)·θ[o, c]``, group convolution
  ``W[o, r, c, h] = ρ(r)·θ[o, c, r⁻¹h]``.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ..backends import kernels
from ..group import Group
from .frames import ImageAction, check_frame
from .layer import Layer, group_spec
from .sharing import Sharing, action_gather, group_sharing, identity_gather, lifting_sharing
from .transform import broadcast_gather, copies_gather, gather_apply

__all__ = ["Conv2d", "LiftingConv2d", "GroupConv2d", "init_weight"]


def init_weight(size: int, fan_in: int, seed: Any) -> np.ndarray:
    """He-normal initial weights, ``N(0, 2/fan_in)``, float32, flat.

    Examples
    --------
    >>> init_weight(4, 2, 0).shape
    (4,)
    """
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(size) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def _check_int(**values: int) -> None:
    for name, v in values.items():
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < (0 if name == "padding" else 1):
            least = 0 if name == "padding" else 1
            raise ValueError(f"{name} must be an integer >= {least}; got {v!r}")


def _check_input(layer: str, x: Any, ndim: int, layout: str, channels: int, n: int | None = None) -> None:
    if x.ndim != ndim or x.shape[1] != channels or (n is not None and x.shape[2] != n):
        raise ValueError(f"{layer} expects {layout} with C={channels}" + (f", |G|={n}" if n else "")
                         + f"; got shape {tuple(x.shape)}")


class Conv2d(Layer):
    """A plain convolution (cross-correlation, stride 1): ``(B, C, H, W) → (B, O, H', W')``.

    Examples
    --------
    >>> conv = Conv2d(1, 4, 3, padding=1, seed=0)
    >>> conv(np.zeros((2, 1, 5, 5), np.float32)).shape, conv.num_params
    ((2, 4, 5, 5), 40)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, *, padding: int = 0,
                 bias: bool = True, seed: Any = None) -> None:
        super().__init__()
        _check_int(in_channels=in_channels, out_channels=out_channels, kernel_size=kernel_size, padding=padding)
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size, self.padding, self.bias = int(kernel_size), int(padding), bool(bias)
        k = self.kernel_size
        fan_in = self.in_channels * k * k
        self.params["weight"] = init_weight(self.out_channels * fan_in, fan_in, seed).reshape(
            self.out_channels, self.in_channels, k, k)
        if self.bias:
            self.params["bias"] = np.zeros(self.out_channels, np.float32)

    def config(self) -> dict[str, Any]:
        return {"in_channels": self.in_channels, "out_channels": self.out_channels,
                "kernel_size": self.kernel_size, "padding": self.padding, "bias": self.bias}

    def forward(self, x: Any) -> Any:
        _check_input("Conv2d", x, 4, "(B, C, H, W)", self.in_channels)
        self._x = x
        y = kernels.conv2d(x, self.params["weight"], padding=self.padding)
        return y + self.xp.reshape(self.params["bias"], (1, -1, 1, 1)) if self.bias else y

    def backward(self, gy: Any) -> Any:
        gx, gw = kernels.conv2d_backward(self._x, self.params["weight"], gy, padding=self.padding,
                                         need_gx=self.needs_input_grad)
        self.grads["weight"] = gw
        if self.bias:
            self.grads["bias"] = self.xp.sum(gy, axis=(0, 2, 3))
        return gx


class _SharedConv(Layer):
    """Common part of the lifted convolutions: θ, bias, sharing, expansion, scatter-add."""

    sharing: Sharing

    def _setup(self, group: Group, in_channels: int, out_channels: int, kernel_size: int, frame: str,
               padding: int, bias: bool, interpolation: Mapping[str, Any] | None) -> None:
        if not isinstance(group, Group):
            raise TypeError(f"group must be a groupcore.Group; got {type(group).__name__}")
        _check_int(in_channels=in_channels, out_channels=out_channels, kernel_size=kernel_size, padding=padding)
        self.group, self.frame = group, check_frame(frame)
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size, self.padding, self.bias = int(kernel_size), int(padding), bool(bias)
        self.spatial = ImageAction(group, interpolation)

    def _init_params(self, fan_in: int, seed: Any) -> None:
        self.params["theta"] = init_weight(self.sharing.size, fan_in, seed)
        if self.bias:
            self.params["bias"] = np.zeros(self.out_channels, np.float32)

    def config(self) -> dict[str, Any]:
        return {"group": group_spec(self.group), "in_channels": self.in_channels,
                "out_channels": self.out_channels, "kernel_size": self.kernel_size, "frame": self.frame,
                "padding": self.padding, "bias": self.bias, "interpolation": self.spatial.interpolation or None}

    @property
    def index(self) -> np.ndarray:
        """The integer weight-sharing tensor: ``W_expanded = θ[index]`` (read-only, host)."""
        return self.sharing.index

    @property
    def coef(self) -> np.ndarray | None:
        """Interpolation weights of the sharing, or ``None`` when it is exact."""
        return self.sharing.coef

    def expanded_weight(self) -> Any:
        """The expanded weight ``θ[index]`` on the backend, shaped like ``index`` (without K)."""
        idx, coef = self._sharing_dev()
        return kernels.expand(self.params["theta"], idx, coef)

    def _conv_weight(self, in_channels: int) -> Any:
        """The expanded weight as a filter bank ``(O·|G|, in_channels, k, k)`` (once per replica)."""
        k = self.kernel_size
        shape = (self.out_channels * self.group.order, in_channels, k, k)
        return self.derived("weight", lambda: self.xp.reshape(self.expanded_weight(), shape))

    def _sharing_dev(self) -> tuple[Any, Any]:
        return self.const("sharing", lambda: (self.sharing.index, self.sharing.coef), dtype=self.float_name)

    def _theta_grad(self, gW: Any) -> Any:
        idx, coef = self._sharing_dev()
        return kernels.expand_backward(self.xp.reshape(gW, self.sharing.shape), idx, self.sharing.size, coef)

    def _add_bias(self, y: Any) -> Any:
        """Add the bias in place: ``y`` is always a fresh output of this layer's kernels."""
        if self.bias:
            y += self.xp.reshape(self.params["bias"], (1, -1, 1, 1, 1))
        return y

    def _bias_grad(self, gy: Any) -> None:
        if self.bias:
            self.grads["bias"] = self.xp.sum(gy, axis=(0, 2, 3, 4))

    def unlifted(self) -> Conv2d:
        """The un-lifted convolution F̃ this layer lifts (same θ and bias, on the same backend).

        For the lifting layer it reads C channels, for the group convolution the ``C·|G|``
        channels of the ``(B, C·|G|, H, W)`` view.
        """
        n_in = self.in_channels * (1 if isinstance(self, LiftingConv2d) else self.group.order)
        conv = Conv2d(n_in, self.out_channels, self.kernel_size, padding=self.padding, bias=self.bias)
        conv = conv.to(self.backend, self.float_name)
        k = self.kernel_size
        conv.params["weight"] = self.xp.reshape(self.params["theta"], (self.out_channels, n_in, k, k))
        if self.bias:
            conv.params["bias"] = self.params["bias"]
        return conv


class LiftingConv2d(_SharedConv):
    """Lift a convolution from images to maps on G: ``(B, C, H, W) → (B, O, |G|, H', W')``.

    Parameters
    ----------
    group : Group
        C1, C2, C4, D1, D2, D4 (exact), or another cyclic/dihedral group (interpolated rotations).
    in_channels, out_channels, kernel_size : int
    frame : {"regular", "diagonal"}
    padding : int
    bias : bool
        One bias per output channel, shared over G.
    interpolation : mapping, optional
        Options of the interpolated rotations (groups without an exact grid action).
    seed : int or Generator, optional

    Examples
    --------
    >>> import groupcore as gc
    >>> layer = LiftingConv2d(gc.dihedral(4), 1, 10, 3, frame="diagonal", seed=0)
    >>> layer.index.shape, layer.num_params
    ((10, 8, 1, 3, 3), 100)
    >>> layer(np.zeros((2, 1, 28, 28), np.float32)).shape
    (2, 10, 8, 26, 26)
    """

    def __init__(self, group: Group, in_channels: int, out_channels: int, kernel_size: int, *,
                 frame: str = "regular", padding: int = 0, bias: bool = True,
                 interpolation: Mapping[str, Any] | None = None, seed: Any = None) -> None:
        super().__init__()
        self._setup(group, in_channels, out_channels, kernel_size, frame, padding, bias, interpolation)
        k, O, C = self.kernel_size, self.out_channels, self.in_channels
        #: ``True`` when the input copies ``ρ(g)⁻¹x`` are interpolated and convolved literally.
        self.transforms_input = self.frame == "regular" and not self.spatial.is_exact
        if self.transforms_input:
            self.sharing = Sharing(np.arange(O * C * k * k).reshape(O, C, k, k), None, O * C * k * k)
        else:
            self.sharing = lifting_sharing(group, O, C, action_gather(self.spatial.at((k, k))), (k, k))
        self._init_params(C * k * k, seed)

    def _copy_gather(self, shape: tuple[int, int], kind: str) -> tuple[Any, Any]:
        """Device gathers: rotate output copy g back by ρ(g)⁻¹ (``"out"``) or make input copies (``"in"``)."""
        G = self.group

        def build() -> tuple[Any, Any, Any, Any]:
            gather = action_gather(self.spatial.at(shape))
            t = (copies_gather(gather, G.inverse) if kind == "out"
                 else broadcast_gather(gather, G.inverse, self.in_channels))
            tt = t.transpose()
            return t.idx, t.coef, tt.idx, tt.coef

        return self.const((kind, shape), build, dtype=self.float_name)

    def forward(self, x: Any) -> Any:
        _check_input("LiftingConv2d", x, 4, "(B, C, H, W)", self.in_channels)
        xp, n, O = self.xp, self.group.order, self.out_channels
        B, C, H, W = x.shape
        if self.transforms_input:
            idx, coef, _, _ = self._copy_gather((H, W), "in")
            xs = gather_apply(xp.reshape(x, (B, C * H * W)), idx, coef, xp=xp)
            xs = xp.reshape(xs, (B * n, C, H, W))
            self._x = xs
            y = kernels.conv2d(xs, xp.reshape(self.params["theta"], self.sharing.shape), padding=self.padding)
            Ho, Wo = y.shape[2:]
            y = xp.permute_dims(xp.reshape(y, (B, n, O, Ho, Wo)), (0, 2, 1, 3, 4))
            return self._add_bias(y)
        self._x = x
        self._w = self._conv_weight(C)
        y = kernels.conv2d(x, self._w, padding=self.padding)
        Ho, Wo = y.shape[2:]
        if self.frame == "regular":
            idx, coef, _, _ = self._copy_gather((Ho, Wo), "out")
            y = gather_apply(xp.reshape(y, (B, O, n * Ho * Wo)), idx, coef, xp=xp)
        return self._add_bias(xp.reshape(y, (B, O, n, Ho, Wo)))

    def backward(self, gy: Any) -> Any:
        xp, n, O = self.xp, self.group.order, self.out_channels
        B, _, _, Ho, Wo = gy.shape
        self._bias_grad(gy)
        if self.transforms_input:
            gys = xp.reshape(xp.permute_dims(gy, (0, 2, 1, 3, 4)), (B * n, O, Ho, Wo))
            theta = xp.reshape(self.params["theta"], self.sharing.shape)
            gxs, gw = kernels.conv2d_backward(self._x, theta, gys, padding=self.padding,
                                              need_gx=self.needs_input_grad)
            self.grads["theta"] = xp.reshape(gw, (-1,))
            if gxs is None:
                return None
            _, C, H, W = self._x.shape
            _, _, tidx, tcoef = self._copy_gather((H, W), "in")
            return xp.reshape(gather_apply(xp.reshape(gxs, (B, n * C * H * W)), tidx, tcoef, xp=xp),
                              (B, C, H, W))
        if self.frame == "regular":
            _, _, tidx, tcoef = self._copy_gather((Ho, Wo), "out")
            gy = gather_apply(xp.reshape(gy, (B, O, n * Ho * Wo)), tidx, tcoef, xp=xp)
        gy = xp.reshape(gy, (B, O * n, Ho, Wo))
        gx, gW = kernels.conv2d_backward(self._x, self._w, gy, padding=self.padding,
                                         need_gx=self.needs_input_grad)
        self.grads["theta"] = self._theta_grad(gW)
        return gx


class GroupConv2d(_SharedConv):
    """A convolution between maps on G: ``(B, C, |G|, H, W) → (B, O, |G|, H', W')``.

    ``frame="regular"``: ``W[o, g, c, h] = θ[o, c, g⁻¹h]`` (the plain convolution of the
    G-permuted copies); ``frame="diagonal"``: ``W[o, r, c, h] = ρ(r)·θ[o, c, r⁻¹h]``.
    θ has the size of the un-lifted convolution from ``C·|G|`` to ``O`` channels.

    Examples
    --------
    >>> import groupcore as gc
    >>> layer = GroupConv2d(gc.cyclic(4), 10, 10, 3, frame="diagonal", seed=0)
    >>> layer.index.shape, layer.num_params
    ((10, 4, 10, 4, 3, 3), 3610)
    """

    def __init__(self, group: Group, in_channels: int, out_channels: int, kernel_size: int, *,
                 frame: str = "regular", padding: int = 0, bias: bool = True,
                 interpolation: Mapping[str, Any] | None = None, seed: Any = None) -> None:
        super().__init__()
        self._setup(group, in_channels, out_channels, kernel_size, frame, padding, bias, interpolation)
        k, n = self.kernel_size, group.order
        gather = (identity_gather(n, k * k) if self.frame == "regular"
                  else action_gather(self.spatial.at((k, k))))
        self.sharing = group_sharing(group, self.out_channels, self.in_channels, gather, (k, k))
        self._init_params(self.in_channels * n * k * k, seed)

    def forward(self, x: Any) -> Any:
        n = self.group.order
        _check_input("GroupConv2d", x, 5, "(B, C, |G|, H, W)", self.in_channels, n)
        xp, O, C = self.xp, self.out_channels, self.in_channels
        B, _, _, H, W = x.shape
        self._x = xp.reshape(x, (B, C * n, H, W))
        self._w = self._conv_weight(C * n)
        y = kernels.conv2d(self._x, self._w, padding=self.padding)
        return self._add_bias(xp.reshape(y, (B, O, n) + tuple(y.shape[2:])))

    def backward(self, gy: Any) -> Any:
        xp, n = self.xp, self.group.order
        B, O, _, Ho, Wo = gy.shape
        self._bias_grad(gy)
        gx, gW = kernels.conv2d_backward(self._x, self._w, xp.reshape(gy, (B, O * n, Ho, Wo)),
                                         padding=self.padding, need_gx=self.needs_input_grad)
        self.grads["theta"] = self._theta_grad(gW)
        return None if gx is None else xp.reshape(gx, (B, self.in_channels, n) + tuple(gx.shape[2:]))
