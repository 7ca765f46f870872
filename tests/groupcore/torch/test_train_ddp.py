"""DistributedDataParallel: torchrun runs 2 gloo processes on tiny digits.

The replicas agree, equal one process on the same global batch, and stay invariant.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import groupcore as gc
from groupcore import nn
from groupcore.datasets import Dataset, save_npz
from groupcore.proofs import assert_equivariant

torch = pytest.importorskip("torch")
from torch import distributed

from groupcore.torch import train_ddp

OPTIONS = ["--channels", "2", "--batch-size", "8", "--steps", "3", "--dtype", "float64", "--log-every", "1"]


def tiny_digits(path: Path) -> Path:
    """40 random 22x22 'digits' of 4 classes: small enough for a few steps of the P4CNN."""
    rng = np.random.default_rng(0)
    save_npz(path, Dataset((rng.random((40, 22, 22)) * 255).astype(np.uint8), np.arange(40) % 4, name="tiny"))
    return path


def parameters(model: nn.Layer) -> list[np.ndarray]:
    return [p for leaf in model.leaves() for p in leaf.params.values()]


@pytest.mark.skipif(not distributed.is_available() or not distributed.is_gloo_available(),
                    reason="this torch build has no gloo process groups")
def test_two_processes_train_like_one(tmp_path: Path) -> None:
    data = tiny_digits(tmp_path / "tiny.npz")
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
               "-m", "groupcore.torch.train_ddp", "--data", str(data), "--out", str(tmp_path / "ddp.npz"),
               "--replicas", str(tmp_path / "replicas"), *OPTIONS]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "2 process(es) on cpu" in done.stdout and "the 2 replicas hold identical θ" in done.stdout

    replicas = [nn.load(tmp_path / "replicas" / f"rank{r}.npz") for r in range(2)]
    ddp = nn.load(tmp_path / "ddp.npz")
    for a, b, c in zip(*map(parameters, replicas), parameters(ddp), strict=True):
        assert np.array_equal(a, b) and np.array_equal(a, c)

    assert train_ddp.main(["--data", str(data), "--out", str(tmp_path / "single.npz"), *OPTIONS]) == 0
    single = nn.load(tmp_path / "single.npz")
    for a, b in zip(parameters(ddp), parameters(single), strict=True):
        assert a.dtype == np.float64
        assert np.abs(a - b).max() <= 1e-10 * np.abs(b).max()
    untrained = nn.p4cnn(gc.cyclic(4), channels=2, num_classes=4, input_size=22, seed=0)
    assert all(not np.allclose(a, b) for a, b in zip(parameters(ddp), parameters(untrained)) if b.any())

    images = np.random.default_rng(1).random((3, 1, 22, 22))
    err = assert_equivariant(ddp, inputs=[images])
    assert err["elements"] == 4 and err["dtype"] == "float64"


def test_global_batches_split_evenly() -> None:
    batches = list(train_ddp.global_batches(10, 4, 2, seed=0))
    assert len(batches) == 4 and all(len(b) == 4 for b in batches)
    assert sorted(np.concatenate([train_ddp.shard(batches[0], r, 2) for r in range(2)])) == sorted(batches[0])
    with pytest.raises(ValueError, match="does not split evenly over 3 processes"):
        train_ddp.shard(batches[0], 0, 3)
