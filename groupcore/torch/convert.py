"""``to_torch`` and ``from_torch``: a groupcore model as a ``torch.nn.Module`` and back, same θ.

``to_torch`` builds one torch module per layer from the layer's public state (θ and bias as
``Parameter``s, ``index`` and ``coef`` as buffers, running statistics as buffers, the geometry
from its config): the weight-sharing convolutions and dense layers become :class:`SharedConv` and
:class:`SharedDense`, pools, batch norm and read-outs their torch forms, plain convolutions,
dense layers and activations ``torch.nn.Conv1d/2d/3d``, ``Linear``, ``ReLU`` … Every module
keeps the layer's spec (``groupcore_spec``) and actions (``in_action``, ``out_action``), so
``from_torch`` rebuilds the groupcore model from the spec and copies the trained θ, buffers and
mode back: ``groupcore.proofs`` then verifies a model trained with PyTorch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np
import torch

from .. import nn
from ..nn.io import layer_from_spec
from ..nn.layer import Layer, default_backend
from .functional import to_tensor
from .layers import SharedConv, SharedDense
from .model import Lift, Sequential
from .norm import GroupBatchNorm
from .pool import GroupPool, SpatialPool
from .shape import Flatten, JointReadout

__all__ = ["to_torch", "from_torch", "unwrap"]

Builder = Callable[[Any, str], torch.nn.Module]


def _with_params(module: torch.nn.Module, layer: Layer) -> torch.nn.Module:
    for name, value in layer.params.items():
        setattr(module, name, torch.nn.Parameter(to_tensor(value)))
    return module


def _plain_conv(layer: Any, where: str) -> torch.nn.Module:
    cls = {1: torch.nn.Conv1d, 2: torch.nn.Conv2d, 3: torch.nn.Conv3d}[layer.ndim]
    return _with_params(cls(layer.in_channels, layer.out_channels, layer.kernel_size, padding=layer.padding,
                            bias=layer.bias), layer)


def _linear(layer: Any, where: str) -> torch.nn.Module:
    return _with_params(torch.nn.Linear(layer.in_features, layer.out_features, bias=layer.bias), layer)


def _sequential(layer: Any, where: str) -> torch.nn.Module:
    return Sequential(*[_convert(child, f"{where}[{i}]") for i, child in enumerate(layer.layers)])


def _lift(layer: Any, where: str) -> torch.nn.Module:
    if not isinstance(layer.f_tilde, Layer):
        raise TypeError(f"{where} (LiftLayer) lifts a plain callable ({layer.f_tilde!r}), which has no torch form: "
                        f"lift a groupcore.nn.Layer, or build the network from the weight-sharing layers")
    try:
        return Lift(_convert(layer.f_tilde, f"{where}.f_tilde"), layer.group, layer.action, layer.output_action)
    except ValueError as err:
        raise ValueError(f"{where} (LiftLayer): {err}") from None


def _builders() -> dict[type, Builder]:
    """The torch form of each layer class of :mod:`groupcore.nn` (exact classes: subclasses may compute otherwise)."""
    table: dict[type, Builder] = {
        nn.Sequential: _sequential, nn.LiftLayer: _lift, nn.Dense: _linear,
        nn.GroupPool: lambda layer, where: GroupPool(layer.mode),
        nn.GroupBatchNorm: lambda layer, where: GroupBatchNorm(layer),
        nn.Flatten: lambda layer, where: Flatten(layer.keep_group, layer.needs_single_point),
        nn.JointReadout: lambda layer, where: JointReadout(),
        nn.ReLU: lambda layer, where: torch.nn.ReLU(),
        nn.LeakyReLU: lambda layer, where: torch.nn.LeakyReLU(layer.negative_slope),
        nn.Tanh: lambda layer, where: torch.nn.Tanh(),
        nn.Sigmoid: lambda layer, where: torch.nn.Sigmoid(),
        nn.Dropout: lambda layer, where: torch.nn.Dropout(layer.p),
    }
    families: list[tuple[tuple[type[Layer], ...], Builder]] = [
        ((nn.LiftingConv1d, nn.LiftingConv2d, nn.LiftingConv3d, nn.GroupConv1d, nn.GroupConv2d, nn.GroupConv3d),
         lambda layer, where: SharedConv(layer)),
        ((nn.LiftingDense, nn.LiftedDense), lambda layer, where: SharedDense(layer)),
        ((nn.Conv1d, nn.Conv2d, nn.Conv3d), _plain_conv),
        ((nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d), lambda layer, where: SpatialPool.from_layer(layer, "max")),
        ((nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d), lambda layer, where: SpatialPool.from_layer(layer, "avg")),
    ]
    for classes, build in families:
        table.update(dict.fromkeys(classes, build))
    return table


def _spec(layer: Layer) -> dict[str, Any] | None:
    try:
        return layer.spec()
    except TypeError:          # an action with no saved form: the module converts, but cannot come back
        return None


def _convert(layer: Any, where: str) -> torch.nn.Module:
    build = _builders().get(type(layer))
    if build is None:
        raise TypeError(f"{where} is a {type(layer).__name__}, which groupcore.torch cannot convert: it converts the "
                        f"layer classes of groupcore.nn ({', '.join(sorted(c.__name__ for c in _builders()))})")
    module = build(layer, where)
    module.groupcore_spec = _spec(layer)  # type: ignore[assignment]  # a plain attribute, not a tensor
    module.in_action, module.out_action = layer.in_action, layer.out_action
    module.training = bool(layer.training)
    return module


def to_torch(model: Layer) -> torch.nn.Module:
    """The groupcore ``model`` as a ``torch.nn.Module`` with the same θ, index tensors, buffers and mode.

    The module computes what ``model.forward`` computes (the same expanded weights, through
    ``torch.nn.functional`` convolutions), its autograd gradients of θ are those of
    ``model.backward``, and it lives on the CPU in the parameters' dtype until moved
    (``module.to("cuda")``, ``module.double()``). A model on another backend is copied to NumPy
    first. ``Dropout`` draws its masks from torch's generator, so in training mode only its
    distribution, not its draws, matches NumPy's.

    Raises
    ------
    TypeError
        ``model`` is not a groupcore layer, or holds a layer with no torch form (a class of
        your own, a black-box ``LiftLayer`` around a plain callable); the message names it.
    ValueError
        A ``LiftLayer`` whose actions are interpolated rotations.

    Examples
    --------
    >>> import numpy as np, groupcore as gc
    >>> from groupcore import nn
    >>> net = nn.p4cnn(gc.cyclic(4), channels=2, input_size=22)
    >>> module = to_torch(net)
    >>> x = np.random.default_rng(0).random((3, 1, 22, 22)).astype(np.float32)
    >>> bool(np.allclose(module(torch.from_numpy(x)).detach().numpy(), net.predict(x), rtol=1e-5, atol=1e-6))
    True
    >>> sum(p.numel() for p in module.parameters()) == net.num_params
    True
    """
    if not isinstance(model, Layer):
        raise TypeError(f"to_torch takes a groupcore.nn layer or model; got {type(model).__name__}")
    return _convert(model.to(default_backend()), "model")


def unwrap(module: torch.nn.Module) -> torch.nn.Module:
    """The module inside ``DistributedDataParallel`` or ``DataParallel`` (any other module as it is).

    Examples
    --------
    >>> unwrap(torch.nn.DataParallel(torch.nn.ReLU()))
    ReLU()
    """
    wrappers = (torch.nn.parallel.DistributedDataParallel, torch.nn.DataParallel)
    return module.module if isinstance(module, wrappers) else module


def _host(t: Any, what: str, where: str, shape: tuple[int, ...]) -> np.ndarray:
    if not isinstance(t, torch.Tensor):
        raise ValueError(f"{where} has no tensor {what}: was it made by to_torch (an exported module keeps only the "
                         f"expanded weights, which do not go back)?")
    value = t.detach().cpu().numpy().copy()
    if value.shape != shape:
        raise ValueError(f"{where}: {what} has shape {value.shape}; the layer its spec builds needs {shape}")
    return value


def _copy_back(layer: Layer, module: torch.nn.Module, where: str) -> None:
    if isinstance(layer, nn.Sequential):
        children = list(module.children())
        if len(children) != len(layer.layers):
            raise ValueError(f"{where} has {len(children)} sub-modules; its spec has {len(layer.layers)} layers")
        for i, (child, sub) in enumerate(zip(layer.layers, children)):
            _copy_back(child, sub, f"{where}[{i}]")
    elif isinstance(layer, nn.LiftLayer):
        _copy_back(cast(Layer, layer.f_tilde), module.get_submodule("f_tilde"), f"{where}.f_tilde")
    for store in (layer.params, layer.buffers):
        for name, old in store.items():
            store[name] = _host(getattr(module, name, None), repr(name), where, tuple(old.shape))
    layer.training = bool(module.training)


def from_torch(module: torch.nn.Module) -> Layer:
    """The groupcore model of a module made by :func:`to_torch`, with the module's current θ and buffers.

    The model is rebuilt from the spec the module keeps (so its index tensors come from the
    group, not from the module) and holds NumPy copies of the parameters and buffers, in their
    dtype. ``DistributedDataParallel`` and ``DataParallel`` wrappers are looked through.

    Raises
    ------
    TypeError
        The module was not made by :func:`to_torch`.
    ValueError
        Its structure or a parameter's shape does not match its spec.

    Examples
    --------
    >>> import groupcore as gc
    >>> from groupcore import nn
    >>> module = to_torch(nn.Sequential(nn.LiftingConv2d(gc.cyclic(4), 1, 2, 3, seed=0), nn.GroupPool("max")))
    >>> with torch.no_grad():
    ...     _ = module[0].theta.mul_(2.0)
    >>> np.array_equal(from_torch(module)[0].params["theta"], module[0].theta.detach().numpy())
    True
    """
    module = unwrap(module)
    spec = getattr(module, "groupcore_spec", None)
    if spec is None:
        raise TypeError(f"this {type(module).__name__} was not made by groupcore.torch.to_torch (it keeps no "
                        f"groupcore_spec), so there is no groupcore model to rebuild")
    model = layer_from_spec(spec)
    _copy_back(model, module, "module")
    return model
