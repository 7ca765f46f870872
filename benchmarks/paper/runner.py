"""Shared machinery of the paper's experiments: cached runs, training, metrics, tables and plots.

A *run* is one model trained with one seed; its configuration is a JSON-ready dict and its key
the SHA-256 of the canonical JSON of that dict. A finished run is stored at
``benchmarks/results/paper/runs/<experiment>/<key>.json`` (configuration, result, wall time,
backend, machine, command); running the same configuration again loads it, so an interrupted
grid resumes where it stopped. Aggregates are mean ± sample standard deviation (ddof=1) over seeds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

for _folder in (Path(__file__).resolve().parent, Path(__file__).resolve().parents[1]):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

from common import RESULTS, machine, write_json  # noqa: E402
from models import group_of  # noqa: E402

from groupcore import backends, nn  # noqa: E402
from groupcore.datasets import augment, rotate_angles  # noqa: E402

__all__ = ["PAPER_RESULTS", "config_key", "run_path", "cached_run", "common_arguments", "command_line",
           "get_backend", "train", "predict", "class_predictions", "mean_std", "fmt", "write_text",
           "markdown_table", "mode_suffix", "Progress", "mnist", "test_order", "make_model",
           "save_figure", "pyplot", "header_lines", "describe_config", "run_grid", "stored"]

PAPER_RESULTS = RESULTS / "paper"
NUM_CLASSES = 10


# ---------------------------------------------------------------------------- configuration and cache
def config_key(config: Mapping[str, Any]) -> str:
    """SHA-256 (hex, 20 characters) of the canonical JSON of ``config``.

    Examples
    --------
    >>> config_key({"a": 1, "b": [2]}) == config_key({"b": [2], "a": 1})
    True
    """
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def run_path(config: Mapping[str, Any], root: Path = PAPER_RESULTS) -> Path:
    """Where the finished run of ``config`` is stored (``root/runs/<experiment>/<key>.json``)."""
    return root / "runs" / str(config["experiment"]) / f"{config_key(config)}.json"


def cached_run(config: Mapping[str, Any], fn: Callable[[Mapping[str, Any]], dict[str, Any]], *,
               root: Path = PAPER_RESULTS, force: bool = False, log: Callable[[str], None] = print) -> dict[str, Any]:
    """The stored record of ``config``'s run, or run ``fn(config)`` now and store it.

    The record holds ``config``, ``key``, ``result`` (what ``fn`` returned), ``wall_s``,
    ``backend``, ``machine``, ``command`` and ``finished``. A stored record whose configuration
    differs from ``config`` (a key collision) is refused.
    """
    path = run_path(config, root)
    if path.is_file() and not force:
        with open(path, encoding="utf-8") as fh:
            record = json.load(fh)
        if record.get("config") != json.loads(json.dumps(config, default=str)):
            raise RuntimeError(f"{path} holds a different configuration under the same key")
        log(f"cached  {describe_config(config)}  ({path.name})")
        return record
    t0 = time.perf_counter()
    result = fn(config)
    record = {"config": dict(config), "key": config_key(config), "result": result,
              "wall_s": round(time.perf_counter() - t0, 3), "backend": config.get("backend"),
              "machine": machine(), "command": command_line(),
              "finished": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    write_json(path, record)
    log(f"done    {describe_config(config)}  in {record['wall_s']:.1f} s")
    return record


def describe_config(config: Mapping[str, Any]) -> str:
    """A one-line label: the model, the training-set size and the seed."""
    parts = [str(config.get("model", "?"))]
    if "n_train" in config:
        parts.append(f"n={config['n_train']}")
    parts.append(f"seed {config.get('seed')}")
    return " ".join(parts)


# ---------------------------------------------------------------------------- command line
def common_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``--quick``, ``--seeds``, ``--backend``, ``--force``, ``--no-progress``, ``--report-only``."""
    parser.add_argument("--quick", action="store_true", help="small subsets and 1 epoch, for checking (minutes)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds (default 0 1 2)")
    parser.add_argument("--backend", choices=("numpy", "cupy"), default="numpy")
    parser.add_argument("--force", action="store_true", help="rerun runs that are already stored")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bars")
    parser.add_argument("--report-only", action="store_true",
                        help="run nothing; rewrite the tables and plots from the stored runs")
    return parser


def command_line() -> str:
    """The command that is running, as a shell line (relative to the repository root when possible)."""
    argv = list(sys.argv)
    script = Path(argv[0]).resolve() if argv and argv[0] else None
    repo = PAPER_RESULTS.parents[2]
    if script is not None and script.is_file():
        try:
            argv[0] = str(script.relative_to(repo))
        except ValueError:
            argv[0] = str(script)
    return "python " + shlex.join(argv)


def get_backend(name: str) -> Any:
    """``groupcore.backends.get(name)``."""
    return backends.get(name)


def mode_suffix(quick: bool) -> str:
    """``".quick"`` for quick runs (their outputs never overwrite the full ones), else ``""``."""
    return ".quick" if quick else ""


# ---------------------------------------------------------------------------- training and evaluation
class Progress:
    """A progress bar over ``total`` steps (tqdm when installed, else a text line every 10%)."""

    def __init__(self, total: int, desc: str, enabled: bool = True) -> None:
        self.total, self.desc, self.enabled, self.done = int(total), desc, enabled, 0
        self._bar = None
        self._last = -1
        if enabled:
            try:
                from tqdm import tqdm
                self._bar = tqdm(total=self.total, desc=desc, leave=False, mininterval=2.0, file=sys.stderr)
            except ImportError:
                self._bar = None

    def update(self, loss: float) -> None:
        self.done += 1
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
            self._bar.update(1)
            return
        tenth = 10 * self.done // max(self.total, 1)
        if tenth != self._last:
            self._last = tenth
            sys.stderr.write(f"{self.desc}: {self.done}/{self.total} loss {loss:.3f}\n")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _augmented(x: np.ndarray, augmentation: str | None, rng: np.random.Generator) -> np.ndarray:
    if augmentation is None:
        return x
    if augmentation in ("C4", "D4"):
        return augment(x, group_of(augmentation), rng)
    if augmentation == "angle":
        return rotate_angles(x, rng.uniform(0.0, 360.0, size=x.shape[0]), order=1)
    raise ValueError(f"unknown augmentation {augmentation!r}; use None, 'C4', 'D4' or 'angle'")


def train(model: nn.Sequential, x: np.ndarray, y: np.ndarray, *, epochs: int, batch_size: int = 64,
          lr: float = 1e-3, lr_decay_at: float | None = 2 / 3, seed: int = 0, augmentation: str | None = None,
          desc: str = "train", progress: bool = True) -> list[dict[str, float]]:
    """Adam on softmax cross-entropy, seeded shuffles, optional per-batch augmentation.

    ``augmentation``: ``"C4"``/``"D4"`` (each image by a random exact element), ``"angle"``
    (a uniform random angle, bilinear), or ``None``. The learning rate drops tenfold after
    the fraction ``lr_decay_at`` of the epochs (``None``: constant).
    """
    rng = np.random.default_rng(seed)
    opt = nn.Adam(lr=lr)
    n = x.shape[0]
    steps = -(-n // batch_size)
    bar = Progress(epochs * steps, desc, progress)
    history = []
    try:
        for epoch in range(epochs):
            if lr_decay_at is not None and epoch == max(1, int(round(lr_decay_at * epochs))) and epochs > 1:
                opt.lr = lr / 10
            order = rng.permutation(n)
            total, correct, t0 = 0.0, 0, time.perf_counter()
            for s in range(0, n, batch_size):
                idx = order[s:s + batch_size]
                loss, pred = model.train_step(_augmented(x[idx], augmentation, rng), y[idx], opt)
                total += loss * idx.size
                correct += int((pred == y[idx]).sum())
                bar.update(loss)
            history.append({"epoch": epoch + 1, "loss": total / n, "accuracy": correct / n,
                            "lr": opt.lr, "seconds": round(time.perf_counter() - t0, 3)})
    finally:
        bar.close()
    return history


def predict(model: nn.Sequential, x: np.ndarray, batch_size: int = 128) -> np.ndarray:
    """Host logits of ``model`` on ``x`` in inference mode."""
    return model.predict(x, batch_size=batch_size)


def class_predictions(logits: np.ndarray, num_classes: int = NUM_CLASSES) -> tuple[np.ndarray, np.ndarray | None]:
    """``(class, pose)`` from logits: the joint read-out's ``argmax mod C``/``div C``, or plain argmax (pose None).

    Examples
    --------
    >>> class_predictions(np.eye(10)[[3]])[0].tolist()
    [3]
    >>> [a.tolist() for a in class_predictions(np.eye(40)[[13]])]
    [[3], [1]]
    """
    if logits.shape[1] == num_classes:
        return np.argmax(logits, axis=1), None
    return nn.decode_joint(logits, num_classes)


# ---------------------------------------------------------------------------- aggregation and output
def mean_std(values: Iterable[float | None]) -> dict[str, Any]:
    """Mean, sample standard deviation (ddof=1; 0 for one value) and count of the non-None values.

    Examples
    --------
    >>> mean_std([1.0, 3.0])
    {'mean': 2.0, 'std': 1.4142135623730951, 'n': 2}
    """
    v = np.asarray([x for x in values if x is not None], dtype=float)
    if v.size == 0:
        return {"mean": None, "std": None, "n": 0}
    return {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if v.size > 1 else 0.0, "n": int(v.size)}


def fmt(stat: Mapping[str, Any], scale: float = 100.0, digits: int = 2) -> str:
    """``"mean ± std"`` of a :func:`mean_std` result (×``scale``), ``"mean (1 run)"``, or ``"—"``.

    Examples
    --------
    >>> fmt({"mean": 0.5, "std": 0.01, "n": 3})
    '50.00 ± 1.00'
    >>> fmt({"mean": 0.5, "std": 0.0, "n": 1})
    '50.00 (1 run)'
    """
    if stat.get("mean") is None:
        return "—"
    if stat.get("n") == 1:
        return f"{stat['mean'] * scale:.{digits}f} (1 run)"
    return f"{stat['mean'] * scale:.{digits}f} ± {stat['std'] * scale:.{digits}f}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub markdown table.

    Examples
    --------
    >>> print(markdown_table(["a", "b"], [[1, 2]]))
    | a | b |
    |---|---|
    | 1 | 2 |
    """
    lines = ["| " + " | ".join(map(str, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    return "\n".join(lines)


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` atomically (temporary file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)
    return path


def save_figure(fig: Any, path: Path) -> Path:
    """Save a matplotlib figure atomically as PNG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp.png")
    os.close(fd)
    fig.savefig(tmp, dpi=120, bbox_inches="tight")
    os.replace(tmp, path)
    return path


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def header_lines(title: str, records: Sequence[Mapping[str, Any]], quick: bool) -> list[str]:
    """Title, mode, the commands that made the runs, backends, total wall time and the machine."""
    commands = sorted({r["command"] for r in records})
    backends_used = sorted({str(r.get("backend")) for r in records})
    wall = sum(float(r["wall_s"]) for r in records)
    info = records[0]["machine"] if records else {}
    cpu = f"{info.get('cpu', '?')}, {info.get('cores', '?')} cores"
    lines = [f"# {title}", ""]
    if quick:
        lines += ["**Quick mode** (`--quick`): small subsets and 1 epoch, for checking the pipeline only; these "
                  "numbers say nothing about the methods.", ""]
    lines += [f"Runs: {len(records)}; backend: {', '.join(backends_used)}; total training + evaluation wall time "
              f"{wall / 60:.1f} min; machine: {cpu}.", "",
              "Made by:", "", *[f"    {c}" for c in commands], ""]
    return lines


# ---------------------------------------------------------------------------- data
_MNIST: list[Any] = []


def mnist() -> Any:
    """The full MNIST splits (:func:`groupcore.datasets.load_mnist`), loaded once per process."""
    if not _MNIST:
        from groupcore.datasets import load_mnist
        _MNIST.append(load_mnist())
    return _MNIST[0]


def test_order(n_test: int) -> np.ndarray:
    """The first ``n_test`` indices of a fixed (seed 0) class-balanced order of the 10,000 test digits."""
    from groupcore.datasets.dataset import sample_order
    return sample_order(mnist().test.labels, seed=0)[:n_test]


def make_model(config: Mapping[str, Any]) -> nn.Sequential:
    """The network of ``config`` (``models.build``), on ``config['backend']``."""
    from models import build
    return build(config).to(get_backend(str(config["backend"])))


# ---------------------------------------------------------------------------- grids
def run_grid(configs: Sequence[Mapping[str, Any]], run_one: Callable[[Mapping[str, Any]], dict[str, Any]],
             args: argparse.Namespace) -> list[dict[str, Any]]:
    """Run (or load) every configuration in order, numbering them ``[i/n]`` (nothing with ``--report-only``)."""
    if getattr(args, "report_only", False):
        return []
    records = []
    for i, cfg in enumerate(configs, 1):
        print(f"[{i}/{len(configs)}]", end=" ", flush=True)
        records.append(cached_run(cfg, lambda c: run_one({**c, "_progress": args.progress}), force=args.force))
    return records


def stored(configs: Sequence[Mapping[str, Any]], root: Path = PAPER_RESULTS) -> list[dict[str, Any]]:
    """The stored records of those ``configs`` that have finished (in the order given)."""
    records = []
    for cfg in configs:
        path = run_path(cfg, root)
        if path.is_file():
            with open(path, encoding="utf-8") as fh:
                records.append(json.load(fh))
    return records
