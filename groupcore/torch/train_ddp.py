"""Train the P4CNN on several processes with ``DistributedDataParallel``: ``python -m groupcore.torch.train_ddp``.

Launch one process per CPU slot or GPU with ``torchrun``::

    torchrun --nproc-per-node 2 -m groupcore.torch.train_ddp --group C4 --epochs 1 --out p4cnn.npz

Every process builds the same groupcore P4CNN (same seed), converts it with
:func:`~groupcore.torch.to_torch` and wraps it in ``DistributedDataParallel``. Each step takes
a *global* batch of ``--batch-size`` images from one seeded shuffle, the same on every process;
process r trains on slice r of it, and DDP averages the gradients, so every step is the step of
the whole global batch (a single process given the same batch computes the same θ up to float
rounding). Rank 0 writes the trained groupcore model (:func:`~groupcore.torch.from_torch`) to
``--out``, a plain ``.npz`` that :func:`groupcore.nn.load` and :mod:`groupcore.proofs` read;
every process checks that the replicas hold identical θ.

Without ``torchrun`` (no ``WORLD_SIZE`` in the environment) it trains in one process. The
process group uses ``gloo`` on CPUs and ``nccl`` where CUDA is available (``--backend``), each
process on ``cuda:LOCAL_RANK``. Across machines, run the same command on every node with
``--nnodes N --node-rank I --rdzv-backend c10d --rdzv-endpoint HOST:PORT`` (``HOST`` is the first
node). The data are the embedded MNIST digits unless ``--data`` names a file or folder
(:func:`groupcore.datasets.load_train_test`), e.g. the real MNIST's IDX files.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
import torch.distributed as dist

from .. import nn
from ..cli import positive_float_arg, positive_int_arg
from ..datasets import apply_elements, load_train_test
from ..families import cyclic
from ..names import parse_group
from .convert import from_torch, to_torch, unwrap

__all__ = ["global_batches", "shard", "train", "replica_spread", "configure_parser", "main"]


def global_batches(n: int, batch_size: int, epochs: int, seed: int) -> Iterator[np.ndarray]:
    """Indices of each step's global batch: one seeded shuffle per epoch, incomplete last batches dropped.

    Every process draws the same batches, so they agree on the step without talking.

    Examples
    --------
    >>> [b.tolist() for b in global_batches(5, 2, 1, seed=0)]
    [[2, 4], [3, 0]]
    """
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n - batch_size + 1, batch_size):
            yield order[start:start + batch_size]


def shard(indices: np.ndarray, rank: int, world: int) -> np.ndarray:
    """Process ``rank``'s slice of a global batch (``world`` equal contiguous slices).

    Examples
    --------
    >>> shard(np.arange(8), 1, 2).tolist()
    [4, 5, 6, 7]
    """
    if len(indices) % world:
        raise ValueError(f"a global batch of {len(indices)} does not split evenly over {world} processes")
    size = len(indices) // world
    return indices[rank * size:(rank + 1) * size]


def _rank_world() -> tuple[int, int]:
    return (dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else (0, 1)


def train(module: torch.nn.Module, images: np.ndarray, labels: np.ndarray, *, batch_size: int, epochs: int,
          lr: float, seed: int, steps: int | None = None, log_every: int = 0) -> list[float]:
    """Adam on softmax cross-entropy, this process's slice of every global batch; returns the global losses.

    ``module`` is the torch module, wrapped in ``DistributedDataParallel`` when a process group
    is initialised (the gradients are then averaged over the processes). Inputs go to the
    device and dtype of its parameters.

    Examples
    --------
    >>> import groupcore as gc
    >>> from groupcore.torch import to_torch
    >>> module = to_torch(nn.p4cnn(gc.cyclic(4), channels=1, input_size=22))
    >>> x, y = np.zeros((4, 1, 22, 22), np.float32), np.arange(4)
    >>> len(train(module, x, y, batch_size=2, epochs=1, lr=1e-3, seed=0))
    2
    """
    rank, world = _rank_world()
    probe = next(unwrap(module).parameters())
    opt = torch.optim.Adam(module.parameters(), lr=lr)
    module.train()
    losses: list[float] = []
    for step, batch in enumerate(global_batches(len(images), batch_size, epochs, seed), start=1):
        mine = shard(batch, rank, world)
        x = torch.from_numpy(np.ascontiguousarray(images[mine])).to(device=probe.device, dtype=probe.dtype)
        y = torch.from_numpy(np.asarray(labels[mine], dtype=np.int64)).to(probe.device)
        loss = torch.nn.functional.cross_entropy(module(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        total = loss.detach()
        if world > 1:
            dist.all_reduce(total)
        losses.append(float(total) / world)
        if log_every and step % log_every == 0 and rank == 0:
            print(f"step {step}: loss {losses[-1]:.4f}", flush=True)
        if steps is not None and step >= steps:
            break
    if not losses:
        raise ValueError(f"{len(images)} training images make no global batch of {batch_size}")
    return losses


def replica_spread(module: torch.nn.Module) -> float:
    """The largest difference between this process's parameters and rank 0's, over all processes (0 alone).

    Examples
    --------
    >>> replica_spread(torch.nn.Linear(2, 2))
    0.0
    """
    if not dist.is_initialized():
        return 0.0
    flat = torch.cat([p.detach().reshape(-1) for p in unwrap(module).parameters()])
    first = flat.clone()
    dist.broadcast(first, 0)
    spread = (flat - first).abs().max()
    dist.all_reduce(spread, op=dist.ReduceOp.MAX)
    return float(spread)


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """The options of ``python -m groupcore.torch.train_ddp``."""
    parser.add_argument("--data", default=None, help="dataset file or folder (default: the embedded MNIST digits)")
    parser.add_argument("--group", default="C4", help="C4, D4, C8 (interpolated), ...")
    parser.add_argument("--frame", choices=nn.FRAMES, default="diagonal")
    parser.add_argument("--readout", choices=("invariant", "joint"), default="invariant")
    parser.add_argument("--channels", type=positive_int_arg, default=10, help="channels per group element")
    parser.add_argument("--epochs", type=positive_int_arg, default=1)
    parser.add_argument("--steps", type=positive_int_arg, default=None, help="stop after this many steps")
    parser.add_argument("--batch-size", type=positive_int_arg, default=64,
                        help="the global batch, split evenly over the processes")
    parser.add_argument("--lr", type=positive_float_arg, default=1e-3, help="Adam learning rate")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--backend", choices=("auto", "gloo", "nccl"), default="auto",
                        help="process-group backend: nccl where CUDA is available, else gloo")
    parser.add_argument("--out", default="model.npz", help="where rank 0 saves the trained groupcore model")
    parser.add_argument("--replicas", default=None,
                        help="a folder where every process saves its replica as rank<r>.npz")
    parser.add_argument("--log-every", type=int, default=10, help="print the loss every this many steps (0: never)")


def _setup(choice: str) -> torch.device:
    """Join the process group (under torchrun) and pick this process's device."""
    backend = choice if choice != "auto" else "nccl" if torch.cuda.is_available() else "gloo"
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        dist.init_process_group(backend)
    if backend == "nccl":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
        return device
    return torch.device("cpu")


def _report(model: nn.Sequential, test: Any, readout: str, classes: int) -> None:
    """Held-out accuracy upright and under every quarter turn (the classes of joint logits decoded)."""
    xt = test.as_float()
    for k in range(4):
        logits = model.predict(apply_elements(xt, cyclic(4), np.full(len(xt), k)))
        pred = nn.decode_joint(logits, classes)[0] if readout == "joint" else logits.argmax(axis=1)
        print(f"held-out accuracy, images rotated by {90 * k:3d}°: {(pred == test.labels).mean():.4f}")


def main(argv: Sequence[str] | None = None) -> int:
    """Train on every process of the ``torchrun`` job (or alone), save on rank 0; returns 0."""
    parser = argparse.ArgumentParser(prog="python -m groupcore.torch.train_ddp", description=__doc__.split("\n")[0])
    configure_parser(parser)
    args = parser.parse_args(argv)
    device = _setup(args.backend)
    rank, world = _rank_world()
    try:
        torch.manual_seed(args.seed)
        train_set, test_set = load_train_test(args.data, seed=args.seed)
        images = train_set.as_float()
        classes = max(train_set.num_classes, test_set.num_classes)
        model = nn.p4cnn(parse_group(args.group), frame=args.frame, channels=args.channels,
                         in_channels=images.shape[1], num_classes=classes, input_size=images.shape[-1],
                         readout=args.readout, seed=args.seed)
        module = to_torch(model).to(device=device, dtype=getattr(torch, args.dtype))
        wrapped = module if world == 1 else torch.nn.parallel.DistributedDataParallel(
            module, device_ids=[device.index] if device.type == "cuda" else None)
        if rank == 0:
            print(f"P4CNN for {args.group} ({args.frame} frame): {model.num_params} parameters, {world} process(es) "
                  f"on {device.type}, global batch {args.batch_size}", flush=True)
        losses = train(wrapped, images, train_set.labels, batch_size=args.batch_size, epochs=args.epochs,
                       lr=args.lr, seed=args.seed, steps=args.steps, log_every=args.log_every)
        spread = replica_spread(module)
        if spread != 0.0:
            raise RuntimeError(f"the replicas' parameters differ by up to {spread:.3e} after training")
        trained = cast(nn.Sequential, from_torch(module))
        if args.replicas is not None:
            Path(args.replicas).mkdir(parents=True, exist_ok=True)
            trained.save(str(Path(args.replicas) / f"rank{rank}.npz"))
        if rank == 0:
            print(f"{len(losses)} steps, final loss {losses[-1]:.4f}; the {world} replicas hold identical θ",
                  flush=True)
            trained.save(args.out)
            _report(trained, test_set, args.readout, classes)
            print(f"saved {args.out}")
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
