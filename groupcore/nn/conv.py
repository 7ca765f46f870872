"""Convolutions on sequences, images and voxels: plain, lifting (grid → G) and group (G → G).

``Conv1d/2d/3d`` are plain convolutions; ``LiftingConv1d/2d/3d`` lift one from a grid to maps
on G, ``(B, C, *S) → (B, O, |G|, *S')``; ``GroupConv1d/2d/3d`` convolve maps on G,
``(B, C, |G|, *S) → (B, O, |G|, *S')``. The lifted layers keep θ of the un-lifted convolution's
size and an explicit :class:`~groupcore.nn.sharing.Sharing` (``layer.index``, ``layer.coef``)
from the orbit rule; the expanded weight ``θ[index]`` runs as one convolution with ``|G|·O``
output channels on the ``(B, C·|G|, *S)`` view of a lifted map (channel order ``(c, g)``), and
θ's gradient is the scatter-add.

Frames (see :mod:`groupcore.nn.frames`):

- ``"regular"`` (the paper's construction, for **any** finite group): group convolution is a
  plain convolution of the G-permuted copies, ``W[o, g, c, h] = θ[o, c, g⁻¹h]``, with no
  spatial transform; lifting gives ``s(g) = conv(ρ(g)⁻¹x, θ)`` — computed as the convolution
  with filters transformed by g followed by moving copy g back, when ρ is exact, and literally
  on the interpolated input copies otherwise. Only the lifting layer needs G to act on the grid.
- ``"diagonal"`` (a G-CNN, for groups acting on the grid): lifting ``W[o, g, c] = ρ(g)·θ[o, c]``,
  group convolution ``W[o, r, c, h] = ρ(r)·θ[o, c, r⁻¹h]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..backends import kernels
from ..grid_action import GridAction
from ..group import Group
from ..map_action import MapAction
from .fourier import fourier_conv, fourier_conv_backward, fourier_plan, prefer_fourier, spectral_filters
from .frames import check_frame
from .layer import Layer, group_spec
from .sharing import Sharing, action_gather, conv_sharing, interpolated_sharing
from .transform import broadcast_gather, copies_gather, gather_apply

__all__ = ["Conv1d", "Conv2d", "Conv3d", "LiftingConv1d", "LiftingConv2d", "LiftingConv3d",
           "GroupConv1d", "GroupConv2d", "GroupConv3d", "init_weight", "check_int", "check_input"]

_LAYOUT = {1: "W", 2: "H, W", 3: "D, H, W"}


def init_weight(size: int, fan_in: int, seed: Any) -> np.ndarray:
    """He-normal initial weights, ``N(0, 2/fan_in)``, float32, flat.

    Examples
    --------
    >>> init_weight(4, 2, 0).shape
    (4,)
    """
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(size) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def check_int(**values: int) -> None:
    """Raise ``ValueError`` unless every value is an integer >= 1 (>= 0 for ``padding``).

    Examples
    --------
    >>> check_int(channels=3, padding=0)
    """
    for name, v in values.items():
        least = 0 if name == "padding" else 1
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < least:
            raise ValueError(f"{name} must be an integer >= {least}; got {v!r}")


def check_input(layer: str, x: Any, ndim: int, layout: str, channels: int, n: int | None = None) -> None:
    """Raise ``ValueError`` unless ``x`` has ``ndim`` axes laid out as ``layout`` with ``channels`` (and ``|G| = n``).

    Examples
    --------
    >>> check_input("Dense", np.zeros((2, 3)), 2, "(B, features)", 3)
    """
    if x.ndim != ndim or x.shape[1] != channels or (n is not None and x.shape[2] != n):
        raise ValueError(f"{layer} expects {layout} with C={channels}" + (f", |G|={n}" if n else "")
                         + f"; got shape {tuple(x.shape)}")


class _Conv(Layer):
    """A plain convolution (cross-correlation, stride 1): ``(B, C, *S) → (B, O, *S')``."""

    ndim = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, *, padding: int = 0,
                 bias: bool = True, seed: Any = None) -> None:
        super().__init__()
        check_int(in_channels=in_channels, out_channels=out_channels, kernel_size=kernel_size, padding=padding)
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size, self.padding, self.bias = int(kernel_size), int(padding), bool(bias)
        kernel = (self.kernel_size,) * self.ndim
        fan_in = self.in_channels * int(np.prod(kernel))
        self.params["weight"] = init_weight(self.out_channels * fan_in, fan_in, seed).reshape(
            (self.out_channels, self.in_channels) + kernel)
        if self.bias:
            self.params["bias"] = np.zeros(self.out_channels, np.float32)

    def config(self) -> dict[str, Any]:
        return {"in_channels": self.in_channels, "out_channels": self.out_channels,
                "kernel_size": self.kernel_size, "padding": self.padding, "bias": self.bias}

    def forward(self, x: Any) -> Any:
        check_input(type(self).__name__, x, 2 + self.ndim, f"(B, C, {_LAYOUT[self.ndim]})", self.in_channels)
        self._x = x
        y = kernels.conv(x, self.params["weight"], padding=self.padding)
        if self.bias:
            y += self.xp.reshape(self.params["bias"], (1, -1) + (1,) * self.ndim)
        return y

    def backward(self, gy: Any) -> Any:
        gx, gw = kernels.conv_backward(self._x, self.params["weight"], gy, padding=self.padding,
                                       need_gx=self.needs_input_grad)
        self.grads["weight"] = gw
        if self.bias:
            self.grads["bias"] = self.xp.sum(gy, axis=(0,) + tuple(range(2, 2 + self.ndim)))
        return gx


class Conv1d(_Conv):
    """A plain 1-d convolution: ``(B, C, W) → (B, O, W')``.

    Examples
    --------
    >>> Conv1d(2, 4, 3, padding=1, seed=0)(np.zeros((5, 2, 9), np.float32)).shape
    (5, 4, 9)
    """

    ndim = 1


class Conv2d(_Conv):
    """A plain 2-d convolution: ``(B, C, H, W) → (B, O, H', W')``.

    Examples
    --------
    >>> conv = Conv2d(1, 4, 3, padding=1, seed=0)
    >>> conv(np.zeros((2, 1, 5, 5), np.float32)).shape, conv.num_params
    ((2, 4, 5, 5), 40)
    """

    ndim = 2


class Conv3d(_Conv):
    """A plain 3-d convolution: ``(B, C, D, H, W) → (B, O, D', H', W')``.

    Examples
    --------
    >>> Conv3d(1, 2, 3, seed=0)(np.zeros((1, 1, 5, 5, 5), np.float32)).shape
    (1, 2, 3, 3, 3)
    """

    ndim = 3


_PLAIN = {1: Conv1d, 2: Conv2d, 3: Conv3d}


class _SharedConv(Layer):
    """Common part of the lifted convolutions: θ, bias, sharing, expansion, scatter-add."""

    ndim = 2
    lifting = False
    sharing: Sharing

    def __init__(self, group: Group, in_channels: int, out_channels: int, kernel_size: int, *,
                 frame: str = "regular", padding: int = 0, bias: bool = True,
                 interpolation: Mapping[str, Any] | None = None, seed: Any = None) -> None:
        super().__init__()
        if not isinstance(group, Group):
            raise TypeError(f"group must be a groupcore.Group; got {type(group).__name__}")
        check_int(in_channels=in_channels, out_channels=out_channels, kernel_size=kernel_size, padding=padding)
        self.group, self.frame = group, check_frame(frame)
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size, self.padding, self.bias = int(kernel_size), int(padding), bool(bias)
        self.kernel = (self.kernel_size,) * self.ndim
        moves_grid = self.lifting or self.frame == "diagonal"
        #: The action on the grid (``None`` for a regular-frame group convolution, which any group has).
        self.spatial = GridAction(group, self.ndim, interpolation=interpolation) if moves_grid else None
        self.interpolation = dict(interpolation or {})
        #: ``True`` when the input copies ``ρ(g)⁻¹x`` are interpolated and convolved literally.
        self.transforms_input = self.lifting and self.frame == "regular" and not self._grid.is_exact
        self.sharing = self._build_sharing()
        fan_in = self.in_channels * (1 if self.lifting else group.order) * int(np.prod(self.kernel))
        self.params["theta"] = init_weight(self.sharing.size, fan_in, seed)
        if self.bias:
            self.params["bias"] = np.zeros(self.out_channels, np.float32)

    def _build_sharing(self) -> Sharing:
        O, C = self.out_channels, self.in_channels
        if self.transforms_input:
            size = O * C * int(np.prod(self.kernel))
            return Sharing(np.arange(size).reshape((O, C) + self.kernel), None, size)
        taps = None
        if self.lifting or self.frame == "diagonal":
            taps = self._grid.at(self.kernel)
            if not taps.is_exact:
                return interpolated_sharing(self.group, O, C, taps, self.kernel, self.lifting)
        return conv_sharing(self.group, O, C, taps, self.kernel, self.lifting)

    def config(self) -> dict[str, Any]:
        return {"group": group_spec(self.group), "in_channels": self.in_channels,
                "out_channels": self.out_channels, "kernel_size": self.kernel_size, "frame": self.frame,
                "padding": self.padding, "bias": self.bias, "interpolation": self.interpolation or None}

    # ----------------------------------------------------------------- actions
    @property
    def _grid(self) -> GridAction:
        """``spatial``, in a layer that moves the grid (a lifting one, or one in the diagonal frame)."""
        if self.spatial is None:
            raise RuntimeError(f"{type(self).__name__} in the regular frame does not move the grid: "
                               f"it has no grid action")
        return self.spatial

    @property
    def out_action(self) -> MapAction:
        """How G acts on the output: the regular action on the G axis (and ``ρ`` on space, diagonal frame)."""
        return MapAction(self.group, self.spatial if self.frame == "diagonal" else None)

    @property
    def in_action(self) -> Any:
        """How G acts on the input: on the grid (lifting), or as on the output (group convolution)."""
        return self.spatial if self.lifting else self.out_action

    def propagate(self, action: Any) -> Any:
        return self.expect(action, self.in_action, self.out_action)

    # ----------------------------------------------------------------- weights
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
        """The expanded weight as a filter bank ``(O·|G|, in_channels, *kernel)`` (once per replica)."""
        shape = (self.out_channels * self.group.order, in_channels) + self.kernel
        return self.derived("weight", lambda: self.xp.reshape(self.expanded_weight(), shape))

    def _sharing_dev(self) -> tuple[Any, Any]:
        return self.const("sharing", lambda: (self.sharing.index, self.sharing.coef), dtype=self.float_name)

    def _theta_grad(self, gW: Any) -> Any:
        idx, coef = self._sharing_dev()
        return kernels.expand_backward(self.xp.reshape(gW, self.sharing.shape), idx, self.sharing.size, coef)

    def _add_bias(self, y: Any) -> Any:
        """Add the bias in place: ``y`` is always a fresh output of this layer's kernels."""
        if self.bias:
            y += self.xp.reshape(self.params["bias"], (1, -1) + (1,) * (1 + self.ndim))
        return y

    def _bias_grad(self, gy: Any) -> None:
        if self.bias:
            self.grads["bias"] = self.xp.sum(gy, axis=(0,) + tuple(range(2, 3 + self.ndim)))

    def unlifted(self) -> Layer:
        """The un-lifted convolution F̃ this layer lifts (same θ and bias, on the same backend).

        For the lifting layer it reads C channels, for the group convolution the ``C·|G|``
        channels of the ``(B, C·|G|, *S)`` view.
        """
        n_in = self.in_channels * (1 if self.lifting else self.group.order)
        conv = _PLAIN[self.ndim](n_in, self.out_channels, self.kernel_size, padding=self.padding, bias=self.bias)
        conv = conv.to(self.backend, self.float_name)
        conv.params["weight"] = self.xp.reshape(self.params["theta"], (self.out_channels, n_in) + self.kernel)
        if self.bias:
            conv.params["bias"] = self.params["bias"]
        return conv


class _LiftingConv(_SharedConv):
    """Lift a convolution from a grid to maps on G: ``(B, C, *S) → (B, O, |G|, *S')``."""

    lifting = True

    def _copy_gather(self, shape: tuple[int, ...], kind: str) -> tuple[Any, Any, Any, Any]:
        """Device gathers: move output copy g back by ρ(g)⁻¹ (``"out"``) or make input copies (``"in"``)."""
        G = self.group

        def build() -> tuple[Any, Any, Any, Any]:
            gather = action_gather(self._grid.at(shape))
            t = (copies_gather(gather, G.inverse) if kind == "out"
                 else broadcast_gather(gather, G.inverse, self.in_channels))
            tt = t.transpose()
            return t.idx, t.coef, tt.idx, tt.coef

        return self.const((kind, shape), build, dtype=self.float_name)

    def forward(self, x: Any) -> Any:
        check_input(type(self).__name__, x, 2 + self.ndim, f"(B, C, {_LAYOUT[self.ndim]})", self.in_channels)
        xp, n, O = self.xp, self.group.order, self.out_channels
        B, C = x.shape[0], x.shape[1]
        S = tuple(x.shape[2:])
        if self.transforms_input:
            idx, coef, _, _ = self._copy_gather(S, "in")
            xs = gather_apply(xp.reshape(x, (B, -1)), idx, coef, xp=xp)
            xs = xp.reshape(xs, (B * n, C) + S)
            self._x = xs
            y = kernels.conv(xs, xp.reshape(self.params["theta"], self.sharing.shape), padding=self.padding)
            So = tuple(y.shape[2:])
            y = xp.permute_dims(xp.reshape(y, (B, n, O) + So), (0, 2, 1) + tuple(range(3, 3 + self.ndim)))
            return self._add_bias(y)
        self._x = x
        self._w = self._conv_weight(C)
        y = kernels.conv(x, self._w, padding=self.padding)
        So = tuple(y.shape[2:])
        if self.frame == "regular":
            idx, coef, _, _ = self._copy_gather(So, "out")
            y = gather_apply(xp.reshape(y, (B, O, -1)), idx, coef, xp=xp)
        return self._add_bias(xp.reshape(y, (B, O, n) + So))

    def backward(self, gy: Any) -> Any:
        xp, n, O = self.xp, self.group.order, self.out_channels
        B = gy.shape[0]
        So = tuple(gy.shape[3:])
        self._bias_grad(gy)
        if self.transforms_input:
            gys = xp.reshape(xp.permute_dims(gy, (0, 2, 1) + tuple(range(3, 3 + self.ndim))), (B * n, O) + So)
            theta = xp.reshape(self.params["theta"], self.sharing.shape)
            gxs, gw = kernels.conv_backward(self._x, theta, gys, padding=self.padding,
                                            need_gx=self.needs_input_grad)
            self.grads["theta"] = xp.reshape(gw, (-1,))
            if gxs is None:
                return None
            C, S = self._x.shape[1], tuple(self._x.shape[2:])
            _, _, tidx, tcoef = self._copy_gather(S, "in")
            return xp.reshape(gather_apply(xp.reshape(gxs, (B, -1)), tidx, tcoef, xp=xp), (B, C) + S)
        if self.frame == "regular":
            _, _, tidx, tcoef = self._copy_gather(So, "out")
            gy = gather_apply(xp.reshape(gy, (B, O, -1)), tidx, tcoef, xp=xp)
        gy = xp.reshape(gy, (B, O * n) + So)
        gx, gW = kernels.conv_backward(self._x, self._w, gy, padding=self.padding, need_gx=self.needs_input_grad)
        self.grads["theta"] = self._theta_grad(gW)
        return gx


class _GroupConv(_SharedConv):
    """A convolution between maps on G: ``(B, C, |G|, *S) → (B, O, |G|, *S')``."""

    def __init__(self, group: Group, in_channels: int, out_channels: int, kernel_size: int, *,
                 frame: str = "regular", fourier: bool | str = "auto", padding: int = 0, bias: bool = True,
                 interpolation: Mapping[str, Any] | None = None, seed: Any = None) -> None:
        super().__init__(group, in_channels, out_channels, kernel_size, frame=frame, padding=padding, bias=bias,
                         interpolation=interpolation, seed=seed)
        if isinstance(fourier, (bool, np.bool_)):
            fourier = bool(fourier)
        elif not (isinstance(fourier, str) and fourier == "auto"):
            raise ValueError(f"fourier must be True, False or 'auto'; got {fourier!r}")
        if fourier is True and self.frame != "regular":
            raise ValueError(f"fourier=True needs frame='regular': the group Fourier transform computes the "
                             f"regular frame's group convolution, but this layer has frame={self.frame!r}")
        self._fourier_option = fourier
        #: Whether the layer runs through the group Fourier transform (:mod:`groupcore.nn.fourier`).
        self.fourier = self.frame == "regular" and (
            fourier is True or (fourier == "auto" and prefer_fourier(group, self.in_channels, self.out_channels)))

    def config(self) -> dict[str, Any]:
        return {**super().config(), "fourier": self._fourier_option}

    def _fourier_consts(self) -> tuple[Any, Any]:
        """The transform and its left inverse on the backend, in the parameters' dtype."""
        plan = fourier_plan(self.group)
        return self.const("fourier", lambda: (plan.transform, plan.inverse), dtype=self.float_name)

    def _spectral_filters(self) -> list[Any]:
        """The per-irrep filter banks ``V_ρ`` (once per replica)."""
        transform, _ = self._fourier_consts()
        shape = (self.out_channels, self.in_channels, self.group.order) + self.kernel
        return self.derived("spectral", lambda: spectral_filters(
            self.xp.reshape(self.params["theta"], shape), transform, fourier_plan(self.group).dims, self.kernel,
            self.xp))

    def forward(self, x: Any) -> Any:
        n = self.group.order
        check_input(type(self).__name__, x, 3 + self.ndim, f"(B, C, |G|, {_LAYOUT[self.ndim]})",
                    self.in_channels, n)
        xp, O, C = self.xp, self.out_channels, self.in_channels
        B = x.shape[0]
        if self.fourier:
            transform, inverse = self._fourier_consts()
            self._w = self._spectral_filters()
            y, self._x = fourier_conv(x, self._w, transform, inverse, fourier_plan(self.group).dims, self.padding, xp)
            return self._add_bias(y)
        self._x = xp.reshape(x, (B, C * n) + tuple(x.shape[3:]))
        self._w = self._conv_weight(C * n)
        y = kernels.conv(self._x, self._w, padding=self.padding)
        return self._add_bias(xp.reshape(y, (B, O, n) + tuple(y.shape[2:])))

    def backward(self, gy: Any) -> Any:
        xp, n = self.xp, self.group.order
        B, O = gy.shape[0], gy.shape[1]
        self._bias_grad(gy)
        if self.fourier:
            transform, inverse = self._fourier_consts()
            gx, self.grads["theta"] = fourier_conv_backward(
                self._x, self._w, gy, transform, inverse, fourier_plan(self.group).dims, self.padding,
                self.needs_input_grad, xp)
            return gx
        gx, gW = kernels.conv_backward(self._x, self._w, xp.reshape(gy, (B, O * n) + tuple(gy.shape[3:])),
                                       padding=self.padding, need_gx=self.needs_input_grad)
        self.grads["theta"] = self._theta_grad(gW)
        return None if gx is None else xp.reshape(gx, (B, self.in_channels, n) + tuple(gx.shape[2:]))


_LIFTING_DOC = """Lift a {d}-d convolution to maps on G: ``(B, C, {s}) → (B, O, |G|, {s}')``.

    Parameters
    ----------
    group : Group
        A group acting on {d}-d grids: {groups}.
    in_channels, out_channels, kernel_size : int
    frame : {{"regular", "diagonal"}}
    padding : int
    bias : bool
        One bias per output channel, shared over G.
    interpolation : mapping, optional
        Options of the interpolated rotations (images only: rotations other than quarter turns).
    seed : int or Generator, optional

    Examples
    --------
    >>> import groupcore as gc
    {example}
    """

_GROUP_DOC = """A {d}-d convolution between maps on G: ``(B, C, |G|, {s}) → (B, O, |G|, {s}')``.

    ``frame="regular"`` (any finite group): ``W[o, g, c, h] = θ[o, c, g⁻¹h]``, the plain
    convolution of the G-permuted copies; ``frame="diagonal"`` (groups acting on {d}-d grids):
    ``W[o, r, c, h] = ρ(r)·θ[o, c, r⁻¹h]``. θ has the size of the un-lifted convolution from
    ``C·|G|`` to ``O`` channels.

    In the regular frame the same convolution also runs through the group Fourier transform,
    one small convolution per real irrep (:mod:`groupcore.nn.fourier`): ``fourier=True`` always,
    ``False`` never, ``"auto"`` (the default) where it was measured faster
    (:func:`~groupcore.nn.fourier.prefer_fourier`). θ, ``index``, the expanded weight and the
    results (up to rounding) do not depend on the path; ``fourier=True`` with
    ``frame="diagonal"`` is refused.

    Examples
    --------
    >>> import groupcore as gc
    {example}
    """


class LiftingConv1d(_LiftingConv):
    __doc__ = _LIFTING_DOC.format(
        d=1, s="W", groups="dihedral(1) (reversal) or any group of 1x1 signed matrices",
        example=""">>> layer = LiftingConv1d(gc.dihedral(1), 1, 4, 3, frame="diagonal", seed=0)
    >>> layer.index.shape, layer.num_params, layer(np.zeros((2, 1, 9), np.float32)).shape
    ((4, 2, 1, 3), 16, (2, 4, 2, 7))""")
    ndim = 1


class LiftingConv2d(_LiftingConv):
    __doc__ = _LIFTING_DOC.format(
        d=2, s="H, W", groups="cyclic(n)/dihedral(n) for n in 1, 2, 4 (exact), other "
        "cyclic/dihedral groups (interpolated rotations), Group.from_matrices",
        example=""">>> layer = LiftingConv2d(gc.dihedral(4), 1, 10, 3, frame="diagonal", seed=0)
    >>> layer.index.shape, layer.num_params
    ((10, 8, 1, 3, 3), 100)
    >>> layer(np.zeros((2, 1, 28, 28), np.float32)).shape
    (2, 10, 8, 26, 26)""")
    ndim = 2


class LiftingConv3d(_LiftingConv):
    __doc__ = _LIFTING_DOC.format(
        d=3, s="D, H, W", groups="octahedral(), full_octahedral(), Group.from_matrices",
        example=""">>> layer = LiftingConv3d(gc.octahedral(), 1, 2, 3, frame="diagonal", seed=0)
    >>> layer.index.shape, layer.num_params, layer(np.zeros((1, 1, 5, 5, 5), np.float32)).shape
    ((2, 24, 1, 3, 3, 3), 56, (1, 2, 24, 3, 3, 3))""")
    ndim = 3


class GroupConv1d(_GroupConv):
    __doc__ = _GROUP_DOC.format(
        d=1, s="W", example=""">>> GroupConv1d(gc.dihedral(1), 3, 2, 3, frame="diagonal", seed=0).index.shape
    (2, 2, 3, 2, 3)""")
    ndim = 1


class GroupConv2d(_GroupConv):
    __doc__ = _GROUP_DOC.format(
        d=2, s="H, W", example=""">>> layer = GroupConv2d(gc.cyclic(4), 10, 10, 3, frame="diagonal", seed=0)
    >>> layer.index.shape, layer.num_params
    ((10, 4, 10, 4, 3, 3), 3610)
    >>> GroupConv2d(gc.quaternion(), 2, 2, 3, frame="regular").num_params    # any group, regular frame
    290""")
    ndim = 2


class GroupConv3d(_GroupConv):
    __doc__ = _GROUP_DOC.format(
        d=3, s="D, H, W", example=""">>> GroupConv3d(gc.octahedral(), 2, 2, 3, frame="diagonal", seed=0).num_params
    2594""")
    ndim = 3
