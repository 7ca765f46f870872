"""``Sequential``: a stack of layers with forward/backward, training and evaluation loops.

``fit`` runs mini-batches in a seeded shuffled order, one optimizer step per batch, with a progress
bar (tqdm when installed, else a one-line text bar) and per-epoch metrics. Batches are moved to
the model's backend explicitly; only the scalar loss and the predicted labels come back.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Iterable, Iterator

import numpy as np
from numpy.typing import ArrayLike

from ..backends import kernels
from . import _microbatch as microbatch
from .layer import Layer
from .optim import SGD, Optimizer

__all__ = ["Sequential"]


class Sequential(Layer):
    """Layers applied in order; itself a layer (nestable, liftable).

    Lifted layers next to each other must use the same group and frame (checked here).

    Examples
    --------
    >>> import groupcore as gc
    >>> from groupcore import nn
    >>> D4 = gc.dihedral(4)
    >>> net = nn.Sequential(nn.LiftingConv2d(D4, 1, 4, 3, frame="diagonal", seed=0), nn.ReLU(),
    ...                     nn.GroupPool("max"), nn.Flatten(), nn.Dense(4 * 6 * 6, 3, seed=1))
    >>> net(np.zeros((2, 1, 8, 8), np.float32)).shape, net.num_params, len(net)
    ((2, 3), 475, 5)
    """

    def __init__(self, *layers: Layer) -> None:
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layer {i} is a {type(layer).__name__}, not a groupcore.nn.Layer")
        self.layers: list[Layer] = list(layers)
        self._check_lifted()

    def _check_lifted(self) -> None:
        seen: tuple[Any, str, int] | None = None
        for i, layer in enumerate(self.layers):
            group, frame = getattr(layer, "group", None), getattr(layer, "frame", None)
            if group is None or frame is None:
                continue
            if seen is not None and (group != seen[0] or frame != seen[1]):
                raise ValueError(f"layer {i} is lifted for {group.name} in the {frame!r} frame but layer "
                                 f"{seen[2]} for {seen[0].name} in the {seen[1]!r} frame; a network uses "
                                 f"one group and one frame")
            seen = (group, frame, i)

    # ----------------------------------------------------------------- container
    def __getitem__(self, i: int) -> Layer:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def children(self) -> tuple[Layer, ...]:
        return tuple(self.layers)

    def config(self) -> dict[str, Any]:
        return {"layers": [layer.spec() for layer in self.layers]}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Sequential:
        from .io import layer_from_spec
        return cls(*[layer_from_spec(s) for s in config["layers"]])

    def __repr__(self) -> str:
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"Sequential(\n  {inner})"

    @property
    def num_params(self) -> int:
        return sum(layer.num_params for layer in self.layers)

    @property
    def float_name(self) -> str:
        for leaf in self.leaves():
            if leaf.params:
                return leaf.float_name
        return "float32"

    def train(self, mode: bool = True) -> Sequential:
        for layer in self.layers:
            layer.train(mode)
        self.training = bool(mode)
        return self

    def _moved(self) -> None:
        self.layers = [layer.to(self._backend) for layer in self.layers]

    def _replicated(self) -> None:
        self.layers = [layer.replica() for layer in self.layers]

    def to(self, backend: Any = None, dtype: str | None = None) -> Sequential:
        """A copy with every layer's arrays on ``backend`` (cast to ``dtype`` if given).

        Examples
        --------
        >>> from groupcore import nn, backends
        >>> net = nn.Sequential(nn.Dense(2, 2)).to(backends.get("numpy"), "float64")
        >>> str(net[0].params["weight"].dtype)
        'float64'
        """
        be = self.backend if backend is None else backend
        new = Sequential(*[layer.to(be, dtype) for layer in self.layers])
        new._backend = be
        new.training = self.training
        return new

    # ----------------------------------------------------------------- passes
    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, gy: Any) -> Any:
        if not self.layers:
            return gy
        first = self.layers[0]
        first.needs_input_grad = self.needs_input_grad
        try:
            for layer in reversed(self.layers):
                gy = layer.backward(gy)
        finally:
            del first.needs_input_grad
        return gy

    # ----------------------------------------------------------------- training
    def _batch(self, x: np.ndarray, y: np.ndarray | None = None) -> tuple[Any, Any]:
        be = self.backend
        xb = be.asarray(np.asarray(x), dtype=self.float_name)
        return xb, None if y is None else be.asarray(np.asarray(y, dtype=np.int64))

    def train_step(self, x: Any, y: Any, optimizer: Optimizer, *, micro_batch: int | str | None = "auto",
                   workers: int | str = "auto") -> tuple[float, np.ndarray]:
        """One forward, backward and optimizer step on a batch; returns ``(loss, predictions)``.

        The gradients are those of the whole batch's mean loss. ``micro_batch`` samples at a time
        go forward and backward through the whole network and their gradients add up, on
        ``workers`` threads (see :mod:`groupcore.nn._microbatch`): the same step up to float
        rounding, faster on CPUs. ``"auto"`` micro-batches on the NumPy backend when every layer
        is per-sample (no batch norm or dropout in training); ``micro_batch=None`` runs the batch
        whole.

        Examples
        --------
        >>> from groupcore import nn
        >>> net = nn.Sequential(nn.Dense(2, 2, seed=0))
        >>> loss, pred = net.train_step(np.ones((3, 2)), np.array([0, 1, 1]), nn.SGD(lr=0.1))
        >>> pred.shape
        (3,)
        >>> _ = net.train_step(np.ones((3, 2)), np.array([0, 1, 1]), nn.SGD(lr=0.1), micro_batch=2, workers=2)
        """
        xb, yb = self._batch(x, y)
        self.train(True)
        size, n_workers = microbatch.resolve(self, int(xb.shape[0]), micro_batch, workers)
        loss, logits = microbatch.accumulate(self, xb, yb, size, n_workers)
        optimizer.step(self)
        pred = self.backend.to_numpy(self.xp.argmax(logits, axis=1))
        return float(self.backend.to_numpy(loss)), pred

    def fit(self, x: ArrayLike, y: ArrayLike, *, epochs: int = 1, batch_size: int = 64,
            optimizer: Optimizer | None = None, seed: int = 0, progress: bool = True,
            validation_data: tuple[ArrayLike, ArrayLike] | None = None, micro_batch: int | str | None = "auto",
            workers: int | str = "auto") -> list[dict[str, float]]:
        """Train with softmax cross-entropy on mini-batches; returns per-epoch metrics.

        Parameters
        ----------
        x, y : array_like
            Inputs ``(N, ...)`` (host arrays) and integer labels ``(N,)``.
        epochs, batch_size : int
        optimizer : Optimizer, optional
            Default ``SGD(lr=0.01, momentum=0.9)``.
        seed : int
            Seeds the shuffle of every epoch.
        progress : bool
            Show a progress bar.
        validation_data : (x, y), optional
            Evaluated after each epoch (``val_loss``, ``val_accuracy``).
        micro_batch, workers :
            How each step runs (see :meth:`train_step`).

        Returns
        -------
        list of dict
            ``{"epoch", "loss", "accuracy", "seconds"}`` (plus validation metrics) per epoch.

        Examples
        --------
        >>> from groupcore import nn
        >>> net = nn.Sequential(nn.Dense(2, 2, seed=0))
        >>> x = np.array([[1.0, 0.0], [0.0, 1.0]] * 8); y = np.array([0, 1] * 8)
        >>> hist = net.fit(x, y, epochs=20, batch_size=4, optimizer=nn.SGD(lr=0.5), progress=False)
        >>> hist[-1]["accuracy"]
        1.0
        """
        x, y = np.asarray(x), np.asarray(y)
        if x.shape[0] != y.shape[0] or y.ndim != 1:
            raise ValueError(f"x has {x.shape[0]} samples but y has shape {y.shape}; need y of shape (N,)")
        if not isinstance(epochs, int) or epochs < 1 or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"epochs and batch_size must be positive integers; got {epochs}, {batch_size}")
        opt = optimizer if optimizer is not None else SGD(lr=0.01, momentum=0.9)
        rng = np.random.default_rng(seed)
        n = x.shape[0]
        history: list[dict[str, float]] = []
        for epoch in range(1, epochs + 1):
            order = rng.permutation(n)
            starts = range(0, n, batch_size)
            total, correct, t0 = 0.0, 0, time.perf_counter()
            bar = _progress(starts, len(starts), f"epoch {epoch}/{epochs}", progress)
            for s in bar:
                idx = order[s:s + batch_size]
                loss, pred = self.train_step(x[idx], y[idx], opt, micro_batch=micro_batch, workers=workers)
                total += loss * idx.size
                correct += int((pred == y[idx]).sum())
                _postfix(bar, loss)
            _close(bar)
            row = {"epoch": epoch, "loss": total / n, "accuracy": correct / n,
                   "seconds": time.perf_counter() - t0}
            if validation_data is not None:
                val = self.evaluate(*validation_data, batch_size=max(batch_size, 256))
                row.update({"val_loss": val["loss"], "val_accuracy": val["accuracy"]})
            history.append(row)
        return history

    def predict(self, x: ArrayLike, batch_size: int = 256) -> np.ndarray:
        """Outputs (e.g. logits) for ``x`` in inference mode, as a host array.

        Examples
        --------
        >>> from groupcore import nn
        >>> nn.Sequential(nn.Dense(2, 3)).predict(np.ones((4, 2))).shape
        (4, 3)
        """
        x = np.asarray(x)
        self.train(False)
        outs = [self.backend.to_numpy(self.forward(self._batch(x[s:s + batch_size])[0]))
                for s in range(0, x.shape[0], batch_size)]
        return np.concatenate(outs, axis=0)

    def evaluate(self, x: ArrayLike, y: ArrayLike, batch_size: int = 256) -> dict[str, float]:
        """Mean cross-entropy and accuracy on ``(x, y)`` in inference mode.

        Examples
        --------
        >>> from groupcore import nn
        >>> sorted(nn.Sequential(nn.Dense(2, 2)).evaluate(np.ones((4, 2)), np.zeros(4, int)))
        ['accuracy', 'loss']
        """
        x, y = np.asarray(x), np.asarray(y)
        self.train(False)
        total, correct = 0.0, 0
        for s in range(0, x.shape[0], batch_size):
            xb, yb = self._batch(x[s:s + batch_size], y[s:s + batch_size])
            logits = self.forward(xb)
            loss, _ = kernels.softmax_cross_entropy(logits, yb)
            total += float(self.backend.to_numpy(loss)) * int(xb.shape[0])
            correct += int((self.backend.to_numpy(self.xp.argmax(logits, axis=1)) == y[s:s + batch_size]).sum())
        return {"loss": total / x.shape[0], "accuracy": correct / x.shape[0]}

    # ----------------------------------------------------------------- files
    def save(self, path: str) -> None:
        """Save to a plain ``.npz`` (see :func:`groupcore.nn.save`)."""
        from .io import save
        save(self, path)

    @classmethod
    def load(cls, path: str, backend: Any = None, dtype: str | None = None) -> Sequential:
        """Load a model saved by :meth:`save` (see :func:`groupcore.nn.load`)."""
        from .io import load
        return load(path, backend=backend, dtype=dtype)


class _TextBar:
    """A minimal progress bar on stderr, used when tqdm is not installed."""

    def __init__(self, it: Iterable[Any], total: int, desc: str) -> None:
        self.it, self.total, self.desc, self.done, self.loss = it, total, desc, 0, float("nan")

    def __iter__(self) -> Iterator[Any]:
        for item in self.it:
            yield item
            self.done += 1
            filled = int(30 * self.done / max(self.total, 1))
            sys.stderr.write(f"\r{self.desc} [{'#' * filled}{'.' * (30 - filled)}] "
                             f"{self.done}/{self.total} loss {self.loss:.4f}")
            sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")


def _progress(it: Iterable[Any], total: int, desc: str, enabled: bool) -> Any:
    if not enabled:
        return it
    try:
        from tqdm import tqdm
    except ImportError:
        return _TextBar(it, total, desc)
    return tqdm(it, total=total, desc=desc, leave=True)


def _postfix(bar: Any, loss: float) -> None:
    if isinstance(bar, _TextBar):
        bar.loss = loss
    elif hasattr(bar, "set_postfix"):
        bar.set_postfix(loss=f"{loss:.4f}", refresh=False)


def _close(bar: Any) -> None:
    if hasattr(bar, "close"):
        bar.close()
