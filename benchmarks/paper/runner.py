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
import shlex
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

for _folder in (Path(__file__).resolve().parent, Path(__file__).resolve().parents[1]):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

from models import group_of  # noqa: E402

from common import RESULTS, machine, write_json  # noqa: E402
from groupcore import backends, fileio, nn  # noqa: E402
from groupcore.datasets import apply_elements, rotate_angles  # noqa: E402

__all__ = [
    "PAPER_RESULTS",
    "Progress",
    "cached_run",
    "cells",
    "class_predictions",
    "command_line",
    "common_arguments",
    "config_key",
    "confusion",
    "describe_config",
    "finished",
    "fmt",
    "fmt_small",
    "get_backend",
    "header_lines",
    "make_model",
    "markdown_table",
    "mean_std",
    "mnist",
    "mode_suffix",
    "predict",
    "pyplot",
    "results_root",
    "run_grid",
    "run_path",
    "save_figure",
    "seed_list",
    "seeds",
    "setting",
    "stored",
    "test_order",
    "train",
    "write_outputs",
    "write_text",
]

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


def results_root(root: Path | None = None) -> Path:
    """``root``, or the results folder of the paper's experiments (read when called, so tests can move it)."""
    return PAPER_RESULTS if root is None else Path(root)


def run_path(config: Mapping[str, Any], root: Path | None = None) -> Path:
    """Where the finished run of ``config`` is stored (``root/runs/<experiment>/<key>.json``)."""
    return results_root(root) / "runs" / str(config["experiment"]) / f"{config_key(config)}.json"


def cached_run(config: Mapping[str, Any], fn: Callable[[Mapping[str, Any]], dict[str, Any]], *,
               root: Path | None = None, force: bool = False, log: Callable[[str], None] = print) -> dict[str, Any]:
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
    parser.add_argument("--workers", type=int, default=1,
                        help="runs trained at once, one process each (default 1; use single-threaded BLAS)")
    parser.add_argument("--report-only", action="store_true",
                        help="run nothing; rewrite the tables and plots from the stored runs")
    return parser


def command_line() -> str:
    """The command that is running, as a shell line (relative to the repository root when possible)."""
    argv = list(sys.argv)
    script = Path(argv[0]).resolve() if argv and argv[0] else None
    repo = Path(__file__).resolve().parents[2]
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


def _augmented(x: np.ndarray, augmentation: str | None,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray | None]:
    """The batch transformed by ``augmentation`` and the group element applied to each image (None for angles)."""
    if augmentation is None:
        return x, None
    if augmentation in ("C4", "D4"):
        G = group_of(augmentation)
        poses = rng.integers(G.order, size=x.shape[0])          # the draw groupcore.datasets.augment makes
        return apply_elements(x, G, poses), poses
    if augmentation == "angle":
        return rotate_angles(x, rng.uniform(0.0, 360.0, size=x.shape[0]), order=1), None
    raise ValueError(f"unknown augmentation {augmentation!r}; use None, 'C4', 'D4' or 'angle'")


def train(model: nn.Sequential, x: np.ndarray, y: np.ndarray, *, epochs: int, batch_size: int = 64,
          lr: float = 1e-3, lr_decay_at: float | None = 2 / 3, seed: int = 0, augmentation: str | None = None,
          joint_labels: bool = False, desc: str = "train", progress: bool = True) -> list[dict[str, float]]:
    """Adam on softmax cross-entropy, seeded shuffles, optional per-batch augmentation.

    ``augmentation``: ``"C4"``/``"D4"`` (each image by a random exact element), ``"angle"``
    (a uniform random angle, bilinear), or ``None``. With ``joint_labels`` (a network with the
    joint read-out trained on group-augmented images), the target of class c turned by element g
    is ``g·10 + c``, the pose the equivarified networks predict. The learning rate drops tenfold
    after the fraction ``lr_decay_at`` of the epochs (``None``: constant). The history's
    ``accuracy`` is the share of training targets hit during the epoch (augmented batches).
    """
    rng = np.random.default_rng(seed)
    opt = nn.Adam(lr=lr)
    n = x.shape[0]
    steps = -(-n // batch_size)
    bar = Progress(epochs * steps, desc, progress)
    history = []
    try:
        for epoch in range(epochs):
            if lr_decay_at is not None and epoch == max(1, round(lr_decay_at * epochs)) and epochs > 1:
                opt.lr = lr / 10
            order = rng.permutation(n)
            total, correct, t0 = 0.0, 0, time.perf_counter()
            for s in range(0, n, batch_size):
                idx = order[s:s + batch_size]
                xb, poses = _augmented(x[idx], augmentation, rng)
                yb = y[idx] if not joint_labels or poses is None else poses * NUM_CLASSES + y[idx]
                loss, pred = model.train_step(xb, yb, opt)
                total += loss * idx.size
                correct += int((pred == yb).sum())
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


def confusion(labels: np.ndarray, predicted: np.ndarray, num_classes: int = NUM_CLASSES) -> list[list[int]]:
    """Counts of (true class, predicted class): row ``i`` column ``j`` counts digits ``i`` classified as ``j``.

    Examples
    --------
    >>> confusion(np.array([2, 2, 5]), np.array([2, 5, 5]), num_classes=6)[2]
    [0, 0, 1, 0, 0, 1]
    """
    labels, predicted = np.asarray(labels, dtype=np.int64), np.asarray(predicted, dtype=np.int64)
    counts = np.bincount(labels * num_classes + predicted, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes).tolist()


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


def fmt_small(values: Iterable[float | None]) -> str:
    """``"largest (per run: a, b, c)"`` in two significant digits, for errors near float rounding.

    Examples
    --------
    >>> fmt_small([1.5e-7, 1.9e-7])
    '1.9e-07 (per run: 1.5e-07, 1.9e-07)'
    >>> fmt_small([None])
    '—'
    """
    v = [float(x) for x in values if x is not None]
    if not v:
        return "—"
    return f"{max(v):.2g} (per run: {', '.join(f'{x:.2g}' for x in v)})"


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
    """Write ``text`` atomically (:func:`groupcore.fileio.write_text`)."""
    return fileio.write_text(path, text)


def save_figure(fig: Any, path: Path) -> Path:
    """Save a matplotlib figure atomically as PNG (:func:`groupcore.fileio.save_figure`)."""
    return fileio.save_figure(fig, path, dpi=120, bbox_inches="tight")


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
        lines += [("**Quick mode** (`--quick`): small subsets and 1 epoch, for checking the pipeline only; these "
                  "numbers say nothing about the methods."), ""]
    lines += [(f"Runs: {len(records)}; backend: {', '.join(backends_used)}; total training + evaluation wall time "
              f"{wall / 60:.1f} min; machine: {cpu}."), "",
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
    workers = int(getattr(args, "workers", 1))
    if workers > 1:
        return _run_parallel(configs, run_one, args, workers)
    records = []
    for i, cfg in enumerate(configs, 1):
        print(f"[{i}/{len(configs)}]", end=" ", flush=True)
        records.append(cached_run(cfg, lambda c: run_one({**c, "_progress": args.progress}), force=args.force))
    return records


def _cached_quietly(cfg: Mapping[str, Any], run_one: Callable[[Mapping[str, Any]], dict[str, Any]],
                    force: bool) -> dict[str, Any]:
    return cached_run(cfg, lambda c: run_one({**c, "_progress": False}), force=force,
                      log=lambda m: print(m, flush=True))


def _run_parallel(configs: Sequence[Mapping[str, Any]], run_one: Callable[[Mapping[str, Any]], dict[str, Any]],
                  args: argparse.Namespace, workers: int) -> list[dict[str, Any]]:
    """Run the grid on ``workers`` forked processes, in the order given (no progress bars)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = [pool.submit(_cached_quietly, cfg, run_one, args.force) for cfg in configs]
        return [f.result() for f in futures]


def stored(configs: Sequence[Mapping[str, Any]], root: Path | None = None) -> list[dict[str, Any]]:
    """The stored records of those ``configs`` that have finished (in the order given)."""
    records = []
    for cfg in configs:
        path = run_path(cfg, root)
        if path.is_file():
            with open(path, encoding="utf-8") as fh:
                records.append(json.load(fh))
    return records


# ---------------------------------------------------------------------------- summaries from every finished run
#: Configuration entries that never separate two runs into different table cells.
NOT_A_SETTING = ("seed", "backend")


def finished(experiment: str, quick: bool, root: Path | None = None) -> list[dict[str, Any]]:
    """Every finished run of ``experiment`` in the cache (quick or full ones), in the order they finished.

    Summaries are built from this, never from the seeds or models of the command that runs now,
    so a partial command (one seed, one model) cannot shrink a table.
    """
    folder = results_root(root) / "runs" / experiment
    records = []
    for path in sorted(folder.glob("*.json")):
        with open(path, encoding="utf-8") as fh:
            record = json.load(fh)
        if bool(record["config"].get("quick", False)) == bool(quick):
            records.append(record)
    return sorted(records, key=lambda r: (str(r.get("finished", "")), r["key"]))


def setting(config: Mapping[str, Any], ignore: Sequence[str] = ()) -> dict[str, Any]:
    """``config`` without the entries that do not define a table cell (seed, backend, ``ignore``)."""
    return {k: v for k, v in config.items() if k not in NOT_A_SETTING and k not in ignore and not k.startswith("_")}


def cells(records: Sequence[Mapping[str, Any]], label: Callable[[Mapping[str, Any]], str] = lambda c: str(c["model"]),
          *, ignore: Sequence[str] = (), order: Sequence[str] = ()) -> dict[str, list[dict[str, Any]]]:
    """Group runs that differ only in seed (and backend, and ``ignore``) under one row label.

    Rows with the same ``label`` but different settings get the differing entries appended,
    e.g. ``"P4CNN (epochs=10)"``. Rows come in the order of ``order`` (model names), then as found.

    Examples
    --------
    >>> rs = [{"config": {"model": "a", "seed": s, "epochs": e}} for s, e in [(0, 5), (1, 5), (0, 9)]]
    >>> {k: len(v) for k, v in cells(rs).items()}
    {'a (epochs=5)': 2, 'a (epochs=9)': 1}
    """
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault(json.dumps(setting(r["config"], ignore), sort_keys=True, default=str), []).append(dict(r))
    settings = {k: json.loads(k) for k in groups}
    names = {k: label(settings[k]) for k in groups}
    labelled: dict[str, list[dict[str, Any]]] = {}
    for k, rs in groups.items():
        twins = [settings[o] for o in groups if names[o] == names[k] and o != k]
        labelled[names[k] + _difference(settings[k], twins)] = rs
    rank = {name: i for i, name in enumerate(order)}
    keys = sorted(labelled, key=lambda n: rank.get(str(labelled[n][0]["config"].get("model")), len(rank)))
    return {k: labelled[k] for k in keys}


def _difference(mine: Mapping[str, Any], others: Sequence[Mapping[str, Any]]) -> str:
    """`` (key=value, …)`` for the entries of ``mine`` that some twin setting lacks or sets otherwise."""
    if not others:
        return ""
    keys = sorted({k for o in others for k in set(mine) | set(o) if mine.get(k) != o.get(k)})
    shown = [f"{k}={mine[k]}" for k in keys if k in mine][:3]
    return f" ({', '.join(shown)})" if shown else ""


def seeds(records: Sequence[Mapping[str, Any]]) -> list[int]:
    """The sorted seeds of ``records``."""
    return sorted(int(r["config"]["seed"]) for r in records)


def seed_list(values: Sequence[int]) -> str:
    """``"0, 1, 2"``.

    Examples
    --------
    >>> seed_list([2, 0])
    '0, 2'
    """
    return ", ".join(str(v) for v in sorted(values))


def write_outputs(experiment: str, quick: bool, summary: Mapping[str, Any], records: Sequence[Mapping[str, Any]],
                  text: str, plot: Callable[[Mapping[str, Any], Path], None]) -> None:
    """Write ``<experiment>{.quick}.json`` (summary and every run), ``.md`` and ``.png``; print the page."""
    base = f"{experiment}{mode_suffix(quick)}"
    write_json(results_root() / f"{base}.json", {"summary": summary, "runs": list(records)})
    write_text(results_root() / f"{base}.md", text)
    if summary:
        plot(summary, results_root() / f"{base}.png")
    print(text)
