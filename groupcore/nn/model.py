"""``Sequential``: a stack of layers with forward/backward, training and evaluation loops.

``fit`` runs mini-batches in a seeded shuffled order, one optimizer step per batch, with a progress
bar (tqdm when installed, else a one-line text bar) and per-epoch metrics. Batches are moved to
the model's backend explicitly; only the scalar loss and the predicted labels come back.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..backends import kernels
from . import _microbatch as microbatch
from .inputs import TrainingDivergedError, check_inputs, check_label_range, check_labels, positive_int
from .layer import Layer
from .optim import SGD, Optimizer
from .progress import close_bar, progress_bar, set_loss

__all__ = ["Sequential"]


class Sequential(Layer):
    """Layers applied in order; itself a layer (nestable, liftable).

    The layers must agree on how the group acts: each lifted layer, pool and read-out checks the
    action it receives from the layers before it (group table, geometry and frame), so mixing a
    half-turn C2 with a flip D1, or two frames, is refused with the reason. ``in_action`` and
    ``out_action`` say how the whole model transforms (what :func:`groupcore.proofs.assert_equivariant`
    checks when given no actions).

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
        """Follow the group's action from layer to layer; refuse a layer built for another one.

        Sets the model's :attr:`in_action` and :attr:`out_action` (``None`` where a layer that
        is not equivariant breaks the chain).
        """
        action: Any = None
        start: Any = None
        broken = False
        for i, layer in enumerate(self.layers):
            if start is None and layer.in_action is not None:
                start = action = layer.in_action
            elif start is None and not layer.pointwise:
                broken = True
            try:
                out = layer.propagate(action)
            except ValueError as err:
                raise ValueError(f"layer {i} ({type(layer).__name__}) does not fit the layers before it: "
                                 f"{err}") from None
            broken = broken or (action is not None and out is None)
            action = out
        self._actions = (None if broken else start, None if broken else action)

    @property
    def in_action(self) -> Any:
        """How G acts on the model's input (``None`` when the model is not built for a group)."""
        return self._actions[0]

    @property
    def out_action(self) -> Any:
        """How G acts on the model's output: the input's action carried through every layer.

        ``None`` when some layer is not equivariant (a plain layer after a group's layers).
        """
        return self._actions[1]

    def propagate(self, action: Any) -> Any:
        return self.expect(action, self.in_action, self.out_action) if self.in_action is not None else None

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
        """Move a checked host batch to the backend: inputs in the model's float dtype, labels int64."""
        be = self.backend
        xb = be.asarray(x, dtype=self.float_name)
        return xb, None if y is None else be.asarray(y.astype(np.int64, copy=False))

    def _num_outputs(self, x: np.ndarray) -> int:
        """The number of logits the model gives one sample of ``x`` (inference mode, nothing kept)."""
        mode = self.training
        self.train(False)
        try:
            out = self.forward(self._batch(x[:1])[0])
        finally:
            self.train(mode)
        if out.ndim != 2:
            raise ValueError(f"the model's output has shape {tuple(out.shape)} for one sample; training and "
                             f"evaluation need logits (batch, classes): end the model with a read-out "
                             f"(GroupPool and Flatten, JointReadout, or Dense)")
        return int(out.shape[1])

    def _checked(self, x: ArrayLike, y: ArrayLike,
                 names: tuple[str, str] = ("x", "y")) -> tuple[np.ndarray, np.ndarray]:
        """Inputs and labels checked (see :mod:`groupcore.nn.inputs`), labels within the model's outputs."""
        xh = check_inputs(x, names[0])
        yh = check_labels(y, xh.shape[0], names[1])
        check_label_range(yh, self._num_outputs(xh), names[1])
        return xh, yh

    def _params_finite(self) -> bool:
        xp, be = self.xp, self.backend
        return all(bool(be.to_numpy(xp.all(xp.isfinite(p)))) for leaf in self.leaves() for p in leaf.params.values())

    def _step(self, x: np.ndarray, y: np.ndarray, optimizer: Optimizer, micro_batch: int | str | None,
              workers: int | str) -> tuple[float, np.ndarray]:
        """One step on a checked host batch; refuses (and undoes) a step that is not finite."""
        xb, yb = self._batch(x, y)
        self.train(True)
        size, n_workers = microbatch.resolve(self, int(xb.shape[0]), micro_batch, workers)
        loss, logits = microbatch.accumulate(self, xb, yb, size, n_workers)
        check_label_range(y, int(logits.shape[1]))
        value = float(self.backend.to_numpy(loss))
        if not math.isfinite(value):
            raise TrainingDivergedError(f"the loss is {value} (the logits overflowed, or the parameters are no "
                                        f"longer finite); nothing was updated")
        before = [(leaf.params, dict(leaf.params)) for leaf in self.leaves()]
        optimizer.step(self)
        if not self._params_finite():
            for params, saved in before:
                params.update(saved)
            raise TrainingDivergedError(f"the step made parameters NaN or infinite (the loss was {value:.4g}); "
                                        f"the parameters were put back as they were before it")
        return value, self.backend.to_numpy(self.xp.argmax(logits, axis=1))

    def train_step(self, x: Any, y: Any, optimizer: Optimizer, *, micro_batch: int | str | None = "auto",
                   workers: int | str = "auto") -> tuple[float, np.ndarray]:
        """One forward, backward and optimizer step on a batch; returns ``(loss, predictions)``.

        The gradients are those of the whole batch's mean loss. ``micro_batch`` samples at a time
        go forward and backward through the whole network and their gradients add up, on
        ``workers`` threads (see :mod:`groupcore.nn._microbatch`): the same step up to float
        rounding, faster on CPUs. ``"auto"`` micro-batches on the NumPy backend when every layer
        is per-sample (no batch norm or dropout in training); ``micro_batch=None`` runs the batch
        whole.

        Raises
        ------
        ValueError
            Inputs or labels that are not valid (see :meth:`fit`); nothing is updated.
        TrainingDivergedError
            A non-finite loss, or a step that makes a parameter non-finite; the parameters are
            left as they were before the step.

        Examples
        --------
        >>> from groupcore import nn
        >>> net = nn.Sequential(nn.Dense(2, 2, seed=0))
        >>> loss, pred = net.train_step(np.ones((3, 2)), np.array([0, 1, 1]), nn.SGD(lr=0.1))
        >>> pred.shape
        (3,)
        >>> _ = net.train_step(np.ones((3, 2)), np.array([0, 1, 1]), nn.SGD(lr=0.1), micro_batch=2, workers=2)
        """
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"optimizer must be a groupcore.nn.Optimizer (SGD, Adam); got {type(optimizer).__name__}")
        xh = check_inputs(x)
        return self._step(xh, check_labels(y, xh.shape[0]), optimizer, micro_batch, workers)

    def fit(self, x: ArrayLike, y: ArrayLike, *, epochs: int = 1, batch_size: int = 64,
            optimizer: Optimizer | None = None, seed: int = 0, progress: bool | str = True,
            validation_data: tuple[ArrayLike, ArrayLike] | None = None, micro_batch: int | str | None = "auto",
            workers: int | str = "auto", augment: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None
            ) -> list[dict[str, float]]:
        """Train with softmax cross-entropy on mini-batches; returns per-epoch metrics.

        Everything is checked before the first step: ``x`` real and finite with at least one
        sample, ``y`` integer labels ``0 … K-1`` for the model's ``K`` outputs (never truncated
        or ignored), the counts positive integers.

        Parameters
        ----------
        x, y : array_like
            Inputs ``(N, ...)`` and integer labels ``(N,)``. Arrays of another backend are
            copied to the host first.
        epochs, batch_size : int
            Positive integers.
        optimizer : Optimizer, optional
            Default ``SGD(lr=0.01, momentum=0.9)``.
        seed : int
            Seeds the shuffle of every epoch (and the generator given to ``augment``).
        progress : bool or str
            Show a progress bar per epoch; a string labels the bars (e.g. the model's name).
        validation_data : (x, y), optional
            Evaluated after each epoch (``val_loss``, ``val_accuracy``).
        micro_batch, workers :
            How each step runs (see :meth:`train_step`).
        augment : callable, optional
            ``augment(x, rng)`` returns the inputs of one epoch (e.g. randomly rotated copies,
            :func:`groupcore.datasets.augment`); called at the start of every epoch with the
            seeded generator of the shuffle. It must keep the shape of ``x``.

        Returns
        -------
        list of dict
            ``{"epoch", "loss", "accuracy", "seconds"}`` (plus validation metrics) per epoch.

        Raises
        ------
        ValueError
            Bad inputs, labels or counts (see :mod:`groupcore.nn.inputs`), before any training.
        TrainingDivergedError
            The loss or the parameters became NaN or infinite; the message names the epoch and
            the batch, and the parameters are those from before that batch.

        Examples
        --------
        >>> from groupcore import nn
        >>> net = nn.Sequential(nn.Dense(2, 2, seed=0))
        >>> x = np.array([[1.0, 0.0], [0.0, 1.0]] * 8); y = np.array([0, 1] * 8)
        >>> hist = net.fit(x, y, epochs=20, batch_size=4, optimizer=nn.SGD(lr=0.5), progress=False)
        >>> hist[-1]["accuracy"]
        1.0
        """
        epochs, batch_size = positive_int(epochs, "epochs"), positive_int(batch_size, "batch_size")
        if augment is not None and not callable(augment):
            raise TypeError(f"augment must be a function (x, rng) -> x; got {type(augment).__name__}")
        opt = optimizer if optimizer is not None else SGD(lr=0.01, momentum=0.9)
        if not isinstance(opt, Optimizer):
            raise TypeError(f"optimizer must be a groupcore.nn.Optimizer (SGD, Adam); got {type(opt).__name__}")
        x, y = self._checked(x, y)
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError("validation_data must be a pair (x_val, y_val)")
            validation_data = self._checked(*validation_data, names=("validation x", "validation y"))
        label = f"{progress}: " if isinstance(progress, str) else ""
        rng = np.random.default_rng(seed)
        n = x.shape[0]
        history: list[dict[str, float]] = []
        for epoch in range(1, epochs + 1):
            xe = x if augment is None else self._augmented(augment, x, rng)
            order = rng.permutation(n)
            starts = range(0, n, batch_size)
            total, correct, t0 = 0.0, 0, time.perf_counter()
            bar = progress_bar(starts, len(starts), f"{label}epoch {epoch}/{epochs}", bool(progress))
            try:
                for b, s in enumerate(bar, start=1):
                    idx = order[s:s + batch_size]
                    try:
                        loss, pred = self._step(xe[idx], y[idx], opt, micro_batch, workers)
                    except TrainingDivergedError as err:
                        raise TrainingDivergedError(
                            f"training diverged at epoch {epoch}/{epochs}, batch {b}/{len(starts)}: {err}. Lower "
                            f"the learning rate (lr={opt.lr:g}) or check the data") from None
                    total += loss * idx.size
                    correct += int((pred == y[idx]).sum())
                    set_loss(bar, loss)
            finally:
                close_bar(bar)
            row = {"epoch": epoch, "loss": total / n, "accuracy": correct / n, "seconds": time.perf_counter() - t0}
            if validation_data is not None:
                val = self._evaluate(*validation_data, batch_size=max(batch_size, 256))
                row.update({"val_loss": val["loss"], "val_accuracy": val["accuracy"]})
            history.append(row)
        return history

    @staticmethod
    def _augmented(augment: Callable[[np.ndarray, np.random.Generator], np.ndarray], x: np.ndarray,
                   rng: np.random.Generator) -> np.ndarray:
        xe = check_inputs(augment(x, rng), "augment(x, rng)")
        if xe.shape != x.shape:
            raise ValueError(f"augment(x, rng) returned shape {xe.shape}; it must keep the shape of x, {x.shape}")
        return xe

    def predict(self, x: ArrayLike, batch_size: int = 256) -> np.ndarray:
        """Outputs (e.g. logits) for ``x`` in inference mode, as a host array.

        Raises
        ------
        ValueError
            ``x`` empty, complex, non-numeric or not finite; ``batch_size`` not a positive integer.

        Examples
        --------
        >>> from groupcore import nn
        >>> nn.Sequential(nn.Dense(2, 3)).predict(np.ones((4, 2))).shape
        (4, 3)
        """
        batch_size = positive_int(batch_size, "batch_size")
        x = check_inputs(x)
        self.train(False)
        outs = [self.backend.to_numpy(self.forward(self._batch(x[s:s + batch_size])[0]))
                for s in range(0, x.shape[0], batch_size)]
        return np.concatenate(outs, axis=0)

    def evaluate(self, x: ArrayLike, y: ArrayLike, batch_size: int = 256) -> dict[str, float]:
        """Mean cross-entropy and accuracy on ``(x, y)`` in inference mode (checked as in :meth:`fit`).

        Examples
        --------
        >>> from groupcore import nn
        >>> sorted(nn.Sequential(nn.Dense(2, 2)).evaluate(np.ones((4, 2)), np.zeros(4, int)))
        ['accuracy', 'loss']
        """
        batch_size = positive_int(batch_size, "batch_size")
        return self._evaluate(*self._checked(x, y), batch_size=batch_size)

    def _evaluate(self, x: np.ndarray, y: np.ndarray, batch_size: int) -> dict[str, float]:
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
    def load(cls, path: str, backend: Any = None, dtype: str | None = None) -> Layer:
        """Load a model saved by :meth:`save` (see :func:`groupcore.nn.load`)."""
        from .io import load
        return load(path, backend=backend, dtype=dtype)

