"""The peers' models, built and run inside a peer worker process: PyTorch CPU plain CNNs and e2cnn.

Neither is a dependency of groupcore: ``pip install torch==2.13.0 e2cnn`` adds them (the CPU
build of torch). This module is what a worker (:mod:`groupcore.bench.peer_worker`) imports; the
benchmark's own process never imports torch or e2cnn (:mod:`groupcore.bench.peer_process`), so
the peers' thread pools and ours never share a process.

- :func:`torch_plain_cnn`: the P4CNN's seven convolutions without a group, ``width`` channels
  (``channels·|G|`` gives the P4CNN's convolution FLOPs; :func:`equal_params_width` its
  parameter count);
- :func:`e2cnn_p4cnn`: the same network in e2cnn (regular fields, ``R2Conv``), C4 or D4;
- :func:`build_peer`: one of them (or a plain ``Conv2d``, or e2cnn's construction itself) from a
  JSON spec, with its timed candidates.
"""

from __future__ import annotations

import copy
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..nn import plain_cnn
from .e2cnn_compat import patch_numpy2

__all__ = ["INSTALL_HINT", "LIBRARIES", "load_library", "seeded_batch", "torch_plain_cnn", "e2cnn_p4cnn",
           "equal_params_width", "torch_conv", "TorchModel", "Peer", "build_peer"]

INSTALL_HINT = "pip install torch==2.13.0 e2cnn (optional peers, CPU build)"
#: the peer libraries, one worker process each
LIBRARIES = ("torch", "e2cnn")


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:                         # not on Linux
        return os.cpu_count() or 1


def load_library(name: str) -> tuple[dict[str, Any], str | None, dict[str, Any]]:
    """Import a peer library: ``(modules, None, info)``, or ``({}, reason, {})`` when it cannot be used.

    ``"torch"`` gives ``{"torch": torch}``, set to use every core this process may run on;
    ``"e2cnn"`` gives ``{"torch": ..., "e2cnn": ...}`` with e2cnn patched for NumPy 2
    (:func:`~groupcore.bench.e2cnn_compat.patch_numpy2`). ``info`` holds the version, the
    threads, the import time and the patches applied.

    Examples
    --------
    >>> modules, reason, info = load_library("torch")
    >>> (reason is None) == ("torch" in modules)
    True
    """
    if name not in LIBRARIES:
        raise ValueError(f"unknown peer library {name!r}; choose from {', '.join(LIBRARIES)}")
    t0 = time.perf_counter()
    try:
        import torch
    except Exception as err:  # any failure to import is the reason it is skipped
        why = f"torch is not importable ({type(err).__name__}: {err}); {INSTALL_HINT}"
        return {}, (why if name == "torch" else f"e2cnn needs torch: {why}"), {}
    torch.set_num_threads(_cores())
    modules: dict[str, Any] = {"torch": torch}
    info: dict[str, Any] = {"version": torch.__version__, "threads": torch.get_num_threads()}
    if name == "e2cnn":
        try:
            import e2cnn
            import e2cnn.gspaces
            import e2cnn.kernels.irreps_basis
            import e2cnn.kernels.utils
            import e2cnn.nn
        except Exception as err:  # any failure to import is the reason it is skipped
            return {}, f"e2cnn is not importable ({type(err).__name__}: {err}); {INSTALL_HINT}", {}
        modules["e2cnn"] = e2cnn
        info = {"version": getattr(e2cnn, "__version__", "unknown"), "torch": info["version"],
                "threads": info["threads"],
                "patches": patch_numpy2(e2cnn.kernels.irreps_basis, e2cnn.kernels.utils)}
    info["import_s"] = time.perf_counter() - t0
    return modules, None, info


def seeded_batch(batch: int, size: int, dtype: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The ``(batch, 1, size, size)`` images and labels every model of a comparison is timed on.

    Examples
    --------
    >>> x, y = seeded_batch(2, 4, "float32")
    >>> x.shape, x.dtype, y.shape, bool((seeded_batch(2, 4, "float32")[0] == x).all())
    ((2, 1, 4, 4), dtype('float32'), (2,), True)
    """
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch, 1, size, size)).astype(dtype), rng.integers(0, 10, batch)


def _final_size(input_size: int) -> int:
    return (input_size - 4) // 2 - 8


def torch_plain_cnn(torch: Any, width: int, input_size: int = 28, num_classes: int = 10) -> Any:
    """:func:`groupcore.nn.plain_cnn`'s architecture in PyTorch, ``width`` channels.

    Examples
    --------
    >>> torch = load_library("torch")[0].get("torch")
    >>> torch is None or torch_plain_cnn(torch, 4)(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    True
    """
    t = torch.nn
    layers = [t.Conv2d(1, width, 3), t.ReLU(), t.Conv2d(width, width, 3), t.MaxPool2d(2), t.ReLU()]
    for _ in range(4):
        layers += [t.Conv2d(width, width, 3), t.ReLU()]
    layers += [t.Conv2d(width, num_classes, _final_size(input_size)), t.Flatten()]
    return t.Sequential(*layers)


def equal_params_width(num_params: int, input_size: int = 28) -> int:
    """The plain CNN width whose parameter count is closest to ``num_params``.

    Examples
    --------
    >>> from groupcore import nn
    >>> import groupcore as gc
    >>> w = equal_params_width(nn.p4cnn(gc.cyclic(4)).num_params)
    >>> w, nn.plain_cnn(channels=w).num_params
    (21, 23530)
    """
    def params(w: int) -> int:
        return plain_cnn(channels=w, input_size=input_size).num_params

    w = 1
    while params(w + 1) <= num_params:
        w += 1
    return w if num_params - params(w) <= params(w + 1) - num_params else w + 1


def e2cnn_p4cnn(e2cnn: Any, group: str, channels: int = 10, input_size: int = 28,
                num_classes: int = 10) -> tuple[Any, Any]:
    """The P4CNN in e2cnn for ``group`` ``"C4"`` or ``"D4"``: ``(module, input field type)``.

    Lifting ``R2Conv`` from one trivial field to ``channels`` regular fields, five regular
    ``R2Conv`` (2×2 max pooling after the first), a last one as large as its input to
    ``num_classes`` regular fields, then a max over the group (``GroupPooling``).
    """
    if group not in ("C4", "D4"):
        raise ValueError(f"the e2cnn peer is built for C4 and D4; got {group!r}")
    gspaces, enn = e2cnn.gspaces, e2cnn.nn
    gs = gspaces.Rot2dOnR2(N=4) if group == "C4" else gspaces.FlipRot2dOnR2(N=4)
    fin = enn.FieldType(gs, [gs.trivial_repr])
    hid = enn.FieldType(gs, channels * [gs.regular_repr])
    out = enn.FieldType(gs, num_classes * [gs.regular_repr])
    with warnings.catch_warnings():      # e2cnn 0.2.3 indexes with uint8 masks, deprecated in torch
        warnings.filterwarnings("ignore", message="indexing with dtype torch.uint8", category=UserWarning)
        layers = [enn.R2Conv(fin, hid, 3), enn.ReLU(hid), enn.R2Conv(hid, hid, 3), enn.PointwiseMaxPool(hid, 2),
                  enn.ReLU(hid)]
        for _ in range(4):
            layers += [enn.R2Conv(hid, hid, 3), enn.ReLU(hid)]
        layers += [enn.R2Conv(hid, out, _final_size(input_size)), enn.GroupPooling(out)]
    return enn.SequentialModule(*layers), fin


def torch_conv(torch: Any, c_in: int, c_out: int, kernel: int, dtype: str, ndim: int = 2) -> Any:
    """A plain ``torch.nn.Conv1d/2d/3d`` in ``dtype`` (the peer of one lifted layer's expanded conv)."""
    conv = {1: torch.nn.Conv1d, 2: torch.nn.Conv2d, 3: torch.nn.Conv3d}[ndim]
    return conv(c_in, c_out, kernel).to(getattr(torch, dtype))


class TorchModel:
    """A torch classifier ready to time: inference forward, training step, logits on NumPy input.

    Parameters
    ----------
    torch : module
    module : torch.nn.Module
        Maps ``wrap(x)`` to logits of shape ``(B, classes, ...)``.
    x, y : ndarray
        The batch (float images, integer labels), converted to torch once.
    dtype : {"float32", "float64"}
    wrap : callable, optional
        Input wrapper (e2cnn's ``GeometricTensor``); outputs with a ``.tensor`` are unwrapped.

    The forward runs on an evaluation-mode copy without autograd (e2cnn then uses its cached
    expanded filters, its inference path); the step is forward, backward and SGD with momentum
    0.9 in training mode.
    """

    def __init__(self, torch: Any, module: Any, x: np.ndarray, y: np.ndarray, dtype: str,
                 wrap: Callable[[Any], Any] | None = None) -> None:
        self.torch, self.wrap = torch, wrap or (lambda t: t)
        tdtype = getattr(torch, dtype)
        self.module = module.to(tdtype).train()
        self.inference = copy.deepcopy(self.module).eval()
        self.x, self.y = torch.from_numpy(np.ascontiguousarray(x)).to(tdtype), torch.from_numpy(y).long()
        self.dtype = tdtype
        self.optimizer = torch.optim.SGD(self.module.parameters(), lr=0.01, momentum=0.9)

    @property
    def num_params(self) -> int:
        return int(sum(p.numel() for p in self.module.parameters()))

    def _logits(self, module: Any, x: Any) -> Any:
        out = module(self.wrap(x))
        out = getattr(out, "tensor", out)
        return out.reshape(out.shape[0], -1)

    def forward(self) -> Any:
        with self.torch.no_grad():
            return self._logits(self.inference, self.x)

    def train_step(self) -> float:
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.torch.nn.functional.cross_entropy(self._logits(self.module, self.x), self.y)
        loss.backward()
        self.optimizer.step()
        return float(loss.detach())

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Inference logits of a NumPy batch (the evaluation copy, for equivariance measurements)."""
        with self.torch.no_grad():
            t = self.torch.from_numpy(np.ascontiguousarray(x)).to(self.dtype)
            return self._logits(self.inference, t).numpy()


@dataclass
class Peer:
    """A peer model ready to time: its candidates by name, its size, its logits for equivariance.

    ``info`` holds what the parent should know besides (e.g. ``first_build_s``).
    """

    candidates: dict[str, Callable[[], Any]]
    num_params: int = 0
    logits: Callable[[np.ndarray], np.ndarray] | None = None
    info: dict[str, Any] = field(default_factory=dict)


def _conv_peer(torch: Any, spec: dict[str, Any]) -> Peer:
    b, c_in, c_out, size, k = spec["batch"], spec["c_in"], spec["c_out"], spec["size"], spec["kernel"]
    d = int(spec.get("ndim", 2))
    conv = torch_conv(torch, c_in, c_out, k, spec["dtype"], d)
    rng = np.random.default_rng(0)
    tx = torch.from_numpy(rng.standard_normal((b, c_in) + (size,) * d).astype(spec["dtype"]))
    tx.requires_grad_(bool(spec["input_grad"]))
    tgy = torch.ones((b, c_out) + (size - k + 1,) * d, dtype=getattr(torch, spec["dtype"]))

    def forward() -> Any:
        with torch.no_grad():
            return conv(tx)

    def forward_backward() -> None:
        conv.zero_grad(set_to_none=True)
        tx.grad = None
        conv(tx).backward(tgy)

    return Peer({"forward": forward, "forward+backward": forward_backward},
                int(sum(p.numel() for p in conv.parameters())))


def _model_peer(torch: Any, module: Any, spec: dict[str, Any], wrap: Callable[[Any], Any] | None = None) -> Peer:
    x, y = seeded_batch(spec["batch"], spec["input_size"], spec["dtype"])
    model = TorchModel(torch, module, x, y, spec["dtype"], wrap=wrap)
    return Peer({"forward": model.forward, "train step": model.train_step}, model.num_params, model.logits)


def build_peer(spec: dict[str, Any], modules: dict[str, Any]) -> Peer:
    """Build the peer described by ``spec`` (JSON-ready) with the loaded ``modules`` (:func:`load_library`).

    ``spec["kind"]``:

    - ``"plain_cnn"`` (``width``, ``input_size``, ``batch``, ``dtype``): :func:`torch_plain_cnn`,
      candidates ``forward`` and ``train step``;
    - ``"e2cnn_p4cnn"`` (``group``, ``channels``, ``input_size``, ``batch``, ``dtype``):
      :func:`e2cnn_p4cnn`, the same candidates;
    - ``"conv"`` (``c_in``, ``c_out``, ``kernel``, ``size``, ``batch``, ``dtype``, ``input_grad``,
      optionally ``ndim``, default 2): one ``torch.nn.Conv1d/2d/3d``, candidates ``forward`` and
      ``forward+backward``;
    - ``"e2cnn_build"`` (``group``, ``channels``, ``input_size``): candidate ``build``, building
      the e2cnn P4CNN; ``info["first_build_s"]`` is the first (cold) build.

    Examples
    --------
    >>> modules = load_library("torch")[0]
    >>> spec = {"kind": "plain_cnn", "width": 4, "input_size": 28, "batch": 2, "dtype": "float32"}
    >>> "torch" not in modules or sorted(build_peer(spec, modules).candidates) == ["forward", "train step"]
    True
    """
    torch: Any = modules.get("torch")
    e2cnn: Any = modules.get("e2cnn")
    kind = spec.get("kind")
    if kind in ("e2cnn_p4cnn", "e2cnn_build") and e2cnn is None:
        raise ValueError(f"a {kind!r} peer needs the e2cnn worker")
    if kind == "plain_cnn":
        return _model_peer(torch, torch_plain_cnn(torch, spec["width"], spec["input_size"]), spec)
    if kind == "conv":
        return _conv_peer(torch, spec)
    if kind == "e2cnn_p4cnn":
        module, fin = e2cnn_p4cnn(e2cnn, spec["group"], spec["channels"], spec["input_size"])
        geometric = e2cnn.nn.GeometricTensor
        return _model_peer(torch, module, spec, wrap=lambda t: geometric(t, fin))
    if kind == "e2cnn_build":
        def build() -> Any:
            return e2cnn_p4cnn(e2cnn, spec["group"], spec["channels"], spec["input_size"])

        t0 = time.perf_counter()
        module, _ = build()
        cold = time.perf_counter() - t0
        return Peer({"build": build}, int(sum(p.numel() for p in module.parameters())),
                    info={"first_build_s": cold})
    raise ValueError(f"unknown peer kind {kind!r}; choose plain_cnn, e2cnn_p4cnn, conv or e2cnn_build")
