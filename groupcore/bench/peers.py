"""The peers, run in the same process when installed: PyTorch CPU plain CNNs and e2cnn's P4CNN.

Neither is a dependency of groupcore: ``pip install torch==2.13.0 e2cnn`` adds them (the CPU
build of torch). A peer that cannot be imported or built is skipped with the reason, which the
report prints and keeps.

- :func:`torch_plain_cnn`: the P4CNN's seven convolutions without a group, ``width`` channels
  (``channels·|G|`` gives the P4CNN's convolution FLOPs; :func:`equal_params_width` its
  parameter count);
- :func:`e2cnn_p4cnn`: the same network in e2cnn (regular fields, ``R2Conv``), C4 or D4.
"""

from __future__ import annotations

import copy
import os
import time
import warnings
from typing import Any, Callable

import numpy as np

from ..nn import plain_cnn

__all__ = ["PeerSet", "load_torch", "load_e2cnn", "TorchModel", "torch_plain_cnn", "e2cnn_p4cnn", "equal_params_width",
           "torch_conv"]

INSTALL_HINT = "pip install torch==2.13.0 e2cnn (optional peers, CPU build)"


def load_torch() -> tuple[Any, str | None, float]:
    """``(torch, None, import seconds)`` when importable, else ``(None, reason, 0)``.

    torch is set to use every core (as many threads as NumPy's BLAS gets).

    Examples
    --------
    >>> torch, reason, _ = load_torch()
    >>> (torch is None) == (reason is not None)
    True
    """
    t0 = time.perf_counter()
    try:
        import torch
    except Exception as err:  # noqa: BLE001 - any failure to import is the reason it is skipped
        return None, f"torch is not importable ({type(err).__name__}: {err}); {INSTALL_HINT}", 0.0
    torch.set_num_threads(os.cpu_count() or 1)
    return torch, None, time.perf_counter() - t0


def load_e2cnn() -> tuple[Any, str | None, float]:
    """``(e2cnn, None, import seconds)`` when it and torch import, else ``(None, reason, 0)``.

    Examples
    --------
    >>> e2cnn, reason, _ = load_e2cnn()
    >>> (e2cnn is None) == (reason is not None)
    True
    """
    torch, why, _ = load_torch()
    if torch is None:
        return None, f"e2cnn needs torch: {why}", 0.0
    t0 = time.perf_counter()
    try:
        import e2cnn
        import e2cnn.gspaces  # noqa: F401
        import e2cnn.nn  # noqa: F401
    except Exception as err:  # noqa: BLE001
        return None, f"e2cnn is not importable ({type(err).__name__}: {err}); {INSTALL_HINT}", 0.0
    return e2cnn, None, time.perf_counter() - t0


def _final_size(input_size: int) -> int:
    return (input_size - 4) // 2 - 8


def torch_plain_cnn(torch: Any, width: int, input_size: int = 28, num_classes: int = 10) -> Any:
    """:func:`groupcore.nn.plain_cnn`'s architecture in PyTorch, ``width`` channels.

    Examples
    --------
    >>> torch, reason, _ = load_torch()
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


def torch_conv(torch: Any, c_in: int, c_out: int, kernel: int, dtype: str) -> Any:
    """A plain ``torch.nn.Conv2d`` in ``dtype`` (the peer of one lifted layer's expanded conv)."""
    return torch.nn.Conv2d(c_in, c_out, kernel).to(getattr(torch, dtype))


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


class PeerSet:
    """The peers of one run: ``torch`` and ``e2cnn`` modules (or ``None``) and why any is missing.

    Examples
    --------
    >>> peers = PeerSet.load(enabled=False)
    >>> peers.torch is None and "--peers" in peers.skipped["torch"]
    True
    """

    def __init__(self, torch: Any, e2cnn: Any, skipped: dict[str, str], info: dict[str, Any]) -> None:
        self.torch, self.e2cnn, self.skipped, self.info = torch, e2cnn, skipped, info

    @classmethod
    def load(cls, enabled: bool) -> PeerSet:
        """Import the peers when ``enabled``; otherwise every peer is skipped with that reason."""
        if not enabled:
            why = "peers not requested (run with --peers)"
            return cls(None, None, {"torch": why, "e2cnn": why}, {})
        torch, why_torch, t_torch = load_torch()
        e2cnn, why_e2cnn, t_e2cnn = load_e2cnn()
        skipped = {k: v for k, v in (("torch", why_torch), ("e2cnn", why_e2cnn)) if v}
        info: dict[str, Any] = {}
        if torch is not None:
            info["torch"] = {"version": torch.__version__, "threads": torch.get_num_threads(),
                             "import_s": t_torch}
        if e2cnn is not None:
            info["e2cnn"] = {"version": getattr(e2cnn, "__version__", "unknown"), "import_s": t_e2cnn}
        return cls(torch, e2cnn, skipped, info)
