"""Cohen & Welling's published MNIST-rot training recipe, resumable epoch by epoch.

What their released code does (``tscohen/gconv_experiments``), and where this module follows it:

- ``MNIST_ROT/experiment.py``: Adam (alpha 0.001, constant: no schedule), batch 128, 100 epochs
  for the P4CNN and 300 for the Z2CNN, training on ``train_all.npz`` (the 12,000 training and
  validation digits), testing on the 50,000 test digits, ``transformations='rotation'``, five
  repeats with seeds 0-4; the reported error is the test error after the last epoch.
- ``MNIST_ROT/train.py`` (``preprocess_mnist_data``): the mean over every training pixel is
  subtracted and the result divided by its standard deviation; the test set uses the training
  statistics (:func:`standardise`).
- ``MNIST_ROT/train.py`` (``train_epoch``) calls ``augmentation.rotate_transform_batch(x,
  rotation=2 * np.pi)`` on every training batch. That function draws
  ``np.random.uniform(-0.5, 0.5) * rotation`` per image and passes it to
  ``skimage.transform.rotate``, whose angle is in **degrees**: every training image is turned by a
  uniform angle in [-π°, π°] (about ±3.14°), bilinear, about the image centre, zeros outside — in
  the standardised space (:func:`jitter`, :data:`JITTER_DEGREES`).
- ``MNIST_ROT/train.py``: before each test (every 25 epochs, ``val_freq=25``) the model runs one
  pass over the whole training set in Chainer's batch-norm *finetune* mode (same batches,
  augmentation and dropout as training, no update). Each batch-norm layer then holds the average
  of the batch means and of the unbiased batch variances over that pass, and the test uses them
  (:func:`population_statistics`). Here too, every 25 epochs and at the end; each pass draws
  from its own generators, so the intermediate tests leave the training unchanged.
- ``gconv_experiments/conv_bn_act.py``: convolution, batch norm, ReLU; the pooling follows the
  second block's ReLU (``models/P4CNN.py``, ``models/Z2CNN.py``), see :func:`models.published_cnn`.

Resumability: after every epoch the model, the Adam moments and the history go to one ``.npz``
checkpoint; each epoch draws its shuffle, augmentation and dropout masks from generators seeded by
``(seed, epoch)``, so a run stopped and resumed gives the same result as one run straight through.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from groupcore import nn
from groupcore.datasets import rotate_angles
from groupcore.fileio import atomic_open

__all__ = [
    "JITTER_DEGREES",
    "jitter",
    "load_checkpoint",
    "population_pass",
    "population_statistics",
    "read_progress",
    "reseed_dropout",
    "save_checkpoint",
    "standardise",
    "train_published",
]

#: The half-width of the training-time rotation, in degrees: ``0.5 · 2π`` read as degrees.
JITTER_DEGREES = float(np.pi)


def standardise(train: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray, ...]:
    """Subtract the mean of every training pixel and divide by the standard deviation that remains.

    The same two numbers (from ``train``) apply to ``others``.

    Examples
    --------
    >>> a, b = standardise(np.array([0.0, 2.0]), np.array([1.0]))
    >>> a.tolist(), b.tolist()
    ([-1.0, 1.0], [0.0])
    """
    mean = float(np.mean(train, dtype=np.float64))
    std = float(np.std(train - mean, dtype=np.float64))
    return tuple(((x - mean) / std).astype(np.float32) for x in (train, *others))


def jitter(x: np.ndarray, max_degrees: float, rng: np.random.Generator) -> np.ndarray:
    """Turn each image by its own uniform angle in ``[-max_degrees, max_degrees]`` (bilinear, zeros outside).

    Examples
    --------
    >>> x = np.ones((2, 1, 5, 5), np.float32)
    >>> jitter(x, 0.0, np.random.default_rng(0)).tolist() == x.tolist()
    True
    """
    if max_degrees == 0:
        return x
    return rotate_angles(x, rng.uniform(-max_degrees, max_degrees, size=x.shape[0]), order=1)


def reseed_dropout(model: nn.Sequential, seed: int, epoch: int) -> None:
    """Give every dropout layer a generator seeded by ``(seed, epoch, layer index)``."""
    for i, leaf in enumerate(model.leaves()):
        if isinstance(leaf, nn.Dropout):
            leaf._rng = np.random.default_rng([seed, epoch, i])   # the layer draws its masks from _rng


def _batch_norms(model: nn.Sequential) -> list[Any]:
    return [leaf for leaf in model.leaves() if isinstance(leaf, nn.GroupBatchNorm)]


def population_statistics(model: nn.Sequential, x: np.ndarray, *, batch_size: int, max_degrees: float,
                          rng: np.random.Generator) -> None:
    """Set every batch norm's running statistics to their average over one pass of the training set.

    Training mode (batch statistics, dropout on), the training batches in a shuffled order with the
    training augmentation, no parameter update. The ``k``-th batch enters with weight ``1/k``, so
    the result is the plain average of the batch means and of the unbiased batch variances, as
    Chainer's batch norm computes it in finetune mode.
    """
    layers = _batch_norms(model)
    saved = [layer.momentum for layer in layers]
    model.train(True)
    order = rng.permutation(x.shape[0])
    try:
        for k, s in enumerate(range(0, x.shape[0], batch_size), 1):
            for layer in layers:
                layer.momentum = 1.0 / k
            xb = jitter(x[order[s:s + batch_size]], max_degrees, rng)
            model.forward(model.backend.asarray(xb, dtype=model.float_name))
    finally:
        for layer, momentum in zip(layers, saved):
            layer.momentum = momentum


# ---------------------------------------------------------------------------- checkpoints
def save_checkpoint(path: Path, model: nn.Sequential, opt: nn.Adam, history: list[dict[str, Any]],
                    meta: dict[str, Any] | None = None) -> None:
    """Write the parameters, buffers, Adam moments and step, the history and ``meta`` to ``path`` (atomically)."""
    be = model.backend
    arrays: dict[str, np.ndarray] = {"steps": np.asarray(opt.steps), "history": np.asarray(json.dumps(history)),
                                     "meta": np.asarray(json.dumps(meta or {}, default=str))}
    for i, leaf in enumerate(model.leaves()):
        for name, p in leaf.params.items():
            arrays[f"param.{i}.{name}"] = be.to_numpy(p)
            if (id(leaf), name) in opt.state:
                m, v = opt.state[id(leaf), name]
                arrays[f"adam_m.{i}.{name}"], arrays[f"adam_v.{i}.{name}"] = be.to_numpy(m), be.to_numpy(v)
        for name, b in leaf.buffers.items():
            arrays[f"buffer.{i}.{name}"] = be.to_numpy(b)
    with atomic_open(path) as fh:
        np.savez(fh, **arrays)


def read_progress(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``(meta, history)`` of a checkpoint, without the arrays: how far an unfinished run got."""
    with np.load(path) as z:
        meta = json.loads(str(z["meta"])) if "meta" in z.files else {}
        return meta, list(json.loads(str(z["history"])))


def load_checkpoint(path: Path, model: nn.Sequential, opt: nn.Adam) -> list[dict[str, Any]]:
    """Restore what :func:`save_checkpoint` wrote into ``model`` and ``opt``; returns the history."""
    be, dtype = model.backend, model.float_name
    with np.load(path) as z:
        data = {k: z[k] for k in z.files}
    opt.steps = int(data["steps"])
    for i, leaf in enumerate(model.leaves()):
        for name in leaf.params:
            leaf.params[name] = be.asarray(data[f"param.{i}.{name}"], dtype=dtype)
            if f"adam_m.{i}.{name}" in data:
                opt.state[id(leaf), name] = (be.asarray(data[f"adam_m.{i}.{name}"], dtype=dtype),
                                             be.asarray(data[f"adam_v.{i}.{name}"], dtype=dtype))
        for name in leaf.buffers:
            leaf.buffers[name] = be.asarray(data[f"buffer.{i}.{name}"], dtype=dtype)
    return list(json.loads(str(data["history"])))


# ---------------------------------------------------------------------------- training
def _epoch(model: nn.Sequential, opt: nn.Adam, x: np.ndarray, y: np.ndarray, *, batch_size: int,
           max_degrees: float, rng: np.random.Generator, on_step: Callable[[float], None]) -> dict[str, float]:
    order = rng.permutation(x.shape[0])
    total, correct, t0 = 0.0, 0, time.perf_counter()
    for s in range(0, x.shape[0], batch_size):
        idx = order[s:s + batch_size]
        loss, pred = model.train_step(jitter(x[idx], max_degrees, rng), y[idx], opt)
        total += loss * idx.size
        correct += int((pred == y[idx]).sum())
        on_step(loss)
    return {"loss": total / x.shape[0], "accuracy": correct / x.shape[0], "lr": opt.lr,
            "seconds": round(time.perf_counter() - t0, 3)}


def population_pass(model: nn.Sequential, x: np.ndarray, *, batch_size: int, max_degrees: float, seed: int,
                    epoch: int) -> None:
    """:func:`population_statistics` after ``epoch`` epochs, with its own generators seeded by ``(seed, epoch)``."""
    reseed_dropout(model, seed, epoch)
    population_statistics(model, x, batch_size=batch_size, max_degrees=max_degrees,
                          rng=np.random.default_rng([seed, epoch]))


def train_published(model: nn.Sequential, x: np.ndarray, y: np.ndarray, *, epochs: int, batch_size: int = 128,
                    lr: float = 1e-3, seed: int = 0, max_degrees: float = JITTER_DEGREES,
                    checkpoint: Path | None = None, on_step: Callable[[float], None] = lambda loss: None,
                    evaluate: Callable[[nn.Sequential], float] | None = None, eval_every: int = 25,
                    meta: dict[str, Any] | None = None,
                    log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Adam at a constant learning rate with per-batch jitter, then the batch-norm population pass.

    ``x`` must already be standardised (:func:`standardise`). With ``checkpoint``, a run resumes
    from the last finished epoch stored there and saves after every epoch (with ``meta``). With
    ``evaluate``, every ``eval_every`` epochs before the last (25 in the released code) the
    population pass runs and ``evaluate(model)`` (a test error) joins that epoch's history row;
    the passes draw from their own generators, so they leave the training itself unchanged.
    Returns one history row per epoch (loss, training accuracy, seconds).
    """
    opt = nn.Adam(lr=lr)
    history: list[dict[str, Any]] = []
    if checkpoint is not None and checkpoint.is_file():
        history = load_checkpoint(checkpoint, model, opt)
        log(f"resumed from {checkpoint.name} after epoch {len(history)}")
    for epoch in range(len(history), epochs):
        rng = np.random.default_rng([seed, epoch])
        reseed_dropout(model, seed, epoch)
        row = _epoch(model, opt, x, y, batch_size=batch_size, max_degrees=max_degrees, rng=rng, on_step=on_step)
        if evaluate is not None and (epoch + 1) % eval_every == 0 and epoch + 1 < epochs:
            population_pass(model, x, batch_size=batch_size, max_degrees=max_degrees, seed=seed, epoch=epoch + 1)
            row["test_error"] = float(evaluate(model))
        history.append({"epoch": epoch + 1, **row})
        log(f"epoch {epoch + 1}/{epochs}: loss {row['loss']:.4f}, training accuracy {row['accuracy']:.4f}, "
            f"{row['seconds']:.1f} s" + (f", test error {row['test_error']:.4f}" if "test_error" in row else ""))
        if checkpoint is not None:
            save_checkpoint(checkpoint, model, opt, history, meta)
    population_pass(model, x, batch_size=batch_size, max_degrees=max_degrees, seed=seed, epoch=epochs)
    return history
