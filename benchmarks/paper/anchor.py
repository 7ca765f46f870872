"""Experiment 4, the field's anchor: Cohen & Welling's P4CNN and Z2CNN on an MNIST-rot-like set.

The set is built like MNIST-rot, not identical to it (:func:`groupcore.datasets.load_mnist_rot_like`,
data seed 0): 12,000 training and 50,000 test digits drawn from the 70,000 real MNIST digits,
each rotated by its own uniform random angle, bilinear, zeros outside. Published MNIST-rot test
errors (Cohen & Welling 2016): Z2CNN 5.03%, P4CNN 2.28%.

Models: ``Z2CNN`` (20 channels, the published width), ``P4CNN`` (C4 × 10), ``P4MCNN`` (D4 × 7,
about the P4CNN's parameter count) and ``C8CNN`` (C8 × 7, interpolated rotations); diagonal
frame, max over G, batch norm after each hidden convolution.

Two recipes (``--recipe``):

- ``short`` (the default, and every run made before the published recipe existed):
  :func:`groupcore.nn.p4cnn` / ``plain_cnn`` (pooling before batch norm), Adam with a tenfold
  lr drop after 2/3 of the epochs, batch 64, 30 epochs, no augmentation, running batch-norm
  averages.
- ``published``: Cohen & Welling's released code (``tscohen/gconv_experiments``), see
  :mod:`recipe` and :func:`models.published_cnn`: 100 epochs (Z2CNN 300), constant Adam,
  batch 128, per-batch jitter of ±π degrees, standardised inputs, batch norm before pooling,
  Z2CNN dropout 0.3, batch-norm statistics from a pass over the training set, tests every
  25 epochs. Runs resume from a checkpoint after every epoch; the calibration (the Z2CNN's first
  seed) runs first.

    python benchmarks/paper/anchor.py [--recipe short|published] [--quick] [--seeds 0 1 2]
        [--models ...] [--backend numpy|cupy] [--epochs E] [--workers N]

Writes ``benchmarks/results/paper/anchor{.quick}.{json,md,png}`` (every finished run, one row per
model, recipe and epochs; unfinished published runs with their progress) and one cached JSON per run.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

import numpy as np
import recipe as P
import runner as R
from models import describe, group_of, published_cnn

from groupcore import nn
from groupcore.datasets import load_mnist_rot_like

#: name -> (group or None, channels)
MODELS = {"Z2CNN": (None, 20), "P4CNN": ("C4", 10), "P4MCNN": ("D4", 7), "C8CNN": ("C8", 7)}
DEFAULT_MODELS = ("Z2CNN", "P4CNN", "P4MCNN")
PUBLISHED = {"Z2CNN": 0.0503, "P4CNN": 0.0228}
TARGETS = {"P4CNN": 0.0228, "P4MCNN": 0.020, "C8CNN": 0.020}
_DATA: dict[tuple[int, int], Any] = {}


def dataset(n_train: int, n_test: int) -> Any:
    """The MNIST-rot-like train and test sets (data seed 0), built once per process."""
    if (n_train, n_test) not in _DATA:
        _DATA[n_train, n_test] = load_mnist_rot_like(seed=0, n_train=n_train, n_test=n_test)
    return _DATA[n_train, n_test]


def build(config: Mapping[str, Any]) -> nn.Sequential:
    """The model of ``config`` on its backend."""
    group, channels = MODELS[str(config["model"])]
    seed, bn = int(config["seed"]), bool(config["batch_norm"])
    if group is None:
        model = nn.plain_cnn(channels=channels, batch_norm=bn, seed=seed)
    else:
        model = nn.p4cnn(group_of(group), frame="diagonal", channels=channels, batch_norm=bn, seed=seed)
    return model.to(R.get_backend(str(config["backend"])))


def checkpoint_path(config: Mapping[str, Any]) -> Any:
    """Where an unfinished run of the published recipe keeps its last epoch."""
    return R.results_root() / "checkpoints" / str(config["experiment"]) / f"{R.config_key(config)}.npz"


def run_published(config: Mapping[str, Any]) -> dict[str, Any]:
    """Cohen & Welling's recipe (:mod:`recipe`): standardised inputs, jitter, constant Adam, population BN."""
    train, test = dataset(int(config["n_train"]), int(config["n_test"]))
    x_train, x_test = P.standardise(train.as_float(), test.as_float())
    group, channels = MODELS[str(config["model"])]
    model = published_cnn(group, channels, dropout=float(config["dropout"]), seed=int(config["seed"]))
    model = model.to(R.get_backend(str(config["backend"])))
    path = checkpoint_path(config)
    bar = R.Progress(int(config["epochs"]) * -(-len(train) // int(config["batch_size"])),
                     f"{config['model']} seed {config['seed']}", bool(config.get("_progress", True)))
    def test_predictions(m: nn.Sequential) -> np.ndarray:
        return R.class_predictions(R.predict(m, x_test))[0]

    def test_error(m: nn.Sequential) -> float:
        return float(np.mean(test_predictions(m) != test.labels))

    try:
        history = P.train_published(model, x_train, train.labels, epochs=int(config["epochs"]),
                                    batch_size=int(config["batch_size"]), lr=float(config["lr"]),
                                    seed=int(config["seed"]), max_degrees=float(config["jitter_degrees"]),
                                    checkpoint=path, on_step=bar.update, evaluate=test_error,
                                    meta={k: v for k, v in config.items() if not k.startswith("_")},
                                    log=lambda m: print(f"  {config['model']} seed {config['seed']}: {m}", flush=True))
    finally:
        bar.close()
    predicted = test_predictions(model)
    error = float(np.mean(predicted != test.labels))
    path.unlink(missing_ok=True)
    by_epoch = {str(h["epoch"]): h["test_error"] for h in history if "test_error" in h}
    return {**describe(model), "history": history, "test_error": error,
            "test_error_by_epoch": {**by_epoch, str(len(history)): error},
            "train_accuracy_last_epoch": history[-1]["accuracy"],
            "confusion": R.confusion(test.labels, predicted)}


def run_one(config: Mapping[str, Any]) -> dict[str, Any]:
    """Train on the rotated training digits; test error on the rotated test digits."""
    if config.get("recipe") == "published":
        return run_published(config)
    train, test = dataset(int(config["n_train"]), int(config["n_test"]))
    model = build(config)
    history = R.train(model, train.as_float(), train.labels, epochs=int(config["epochs"]),
                      batch_size=int(config["batch_size"]), lr=float(config["lr"]), seed=int(config["seed"]),
                      progress=bool(config.get("_progress", True)), desc=f"{config['model']} seed {config['seed']}")
    cls, _ = R.class_predictions(R.predict(model, test.as_float()))
    return {**describe(model), "history": history, "test_error": float(np.mean(cls != test.labels)),
            "confusion": R.confusion(test.labels, cls)}


#: Epochs of Cohen & Welling's recipe (``MNIST_ROT/experiment.py``): 300 for the Z2CNN, 100 for the G-CNNs.
PUBLISHED_EPOCHS = {"Z2CNN": 300}


def published_config(name: str, seed: int, args: argparse.Namespace) -> dict[str, Any]:
    """One run of the published recipe (``--recipe published``)."""
    sizes = {"n_train": 500, "n_test": 1000, "epochs": 1} if args.quick else {
        "n_train": 12000, "n_test": 50000, "epochs": PUBLISHED_EPOCHS.get(name, 100)}
    if args.epochs is not None:
        sizes["epochs"] = int(args.epochs)
    return {"experiment": "anchor", "recipe": "published", "model": name, "group": MODELS[name][0],
            "channels": MODELS[name][1], "frame": "diagonal", **sizes, "batch_size": 128, "lr": 1e-3,
            "lr_schedule": "constant", "optimizer": "adam", "jitter_degrees": P.JITTER_DEGREES,
            "dropout": 0.3 if MODELS[name][0] is None else 0.0, "block": "conv-bn-relu, pool after block 2",
            "bn_test_statistics": "training-set pass", "init": "normal(0, 1/fan_in)", "inputs": "standardised",
            "data_seed": 0, "seed": seed, "backend": args.backend, "quick": bool(args.quick)}


def published_order(models: list[str], seeds: list[int]) -> list[tuple[str, int]]:
    """Calibration first (the Z2CNN's first seed), then each G-CNN seed by seed, the Z2CNN's other seeds last.

    Examples
    --------
    >>> published_order(["Z2CNN", "P4CNN"], [0, 1])
    [('Z2CNN', 0), ('P4CNN', 0), ('P4CNN', 1), ('Z2CNN', 1)]
    """
    first = [("Z2CNN", seeds[0])] if "Z2CNN" in models else []
    gcnns = [(m, s) for m in models if m != "Z2CNN" for s in seeds]
    return first + gcnns + [("Z2CNN", s) for s in seeds[1:] if "Z2CNN" in models]


def configs(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every run, seeds × models (a partly finished grid covers every model)."""
    if getattr(args, "recipe", "short") == "published":
        return [published_config(name, seed, args) for name, seed in published_order(args.models, args.seeds)]
    s = {"n_train": 500, "n_test": 1000, "epochs": 1} if args.quick else {"n_train": 12000, "n_test": 50000,
                                                                         "epochs": 30}
    if args.epochs is not None:
        s["epochs"] = int(args.epochs)
    return [{"experiment": "anchor", "model": name, "group": MODELS[name][0], "channels": MODELS[name][1],
             "frame": "diagonal", "batch_norm": True, **s, "batch_size": 64, "lr": 1e-3, "data_seed": 0,
             "seed": seed, "backend": args.backend, "quick": bool(args.quick)}
            for seed in args.seeds for name in args.models]


def recipe_of(config: Mapping[str, Any]) -> str:
    """``"published"`` or ``"short"`` (the runs made before the published recipe existed)."""
    return str(config.get("recipe", "short"))


def label(config: Mapping[str, Any]) -> str:
    """A row of the tables: model, recipe and epochs."""
    return f"{config['model']}, {recipe_of(config)} recipe, {config['epochs']} epochs"


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Per cell (model, recipe, epochs): test error mean ± std over its seeds, per seed, training accuracy, cost."""
    out: dict[str, Any] = {}
    for name, rs in R.cells(records, label, order=list(MODELS)).items():
        cfg = rs[0]["config"]
        out[name] = {"model": cfg["model"], "recipe": recipe_of(cfg), "epochs": int(cfg["epochs"]),
                     "test_error": R.mean_std(r["result"]["test_error"] for r in rs),
                     "test_error_per_seed": {str(r["config"]["seed"]): r["result"]["test_error"] for r in rs},
                     "train_accuracy_last_epoch": R.mean_std(r["result"]["history"][-1]["accuracy"] for r in rs),
                     "params": rs[0]["result"]["params"], "forward_mflops": rs[0]["result"]["forward_mflops"],
                     "seeds": R.seeds(rs), "epoch_seconds_median": _epoch_seconds(rs),
                     "test_error_by_epoch": _by_epoch(rs), "confusions": top_confusions(rs)}
    return out


def top_confusions(records: list[dict[str, Any]], count: int = 4) -> dict[str, Any]:
    """The ``count`` most frequent (true, predicted) errors, test digits per run, over the runs that stored them.

    Examples
    --------
    >>> run = {"config": {"seed": 0}, "result": {"confusion": [[5, 1, 0], [0, 4, 3], [2, 0, 6]]}}
    >>> top_confusions([run], count=2)
    {'seeds': [0], 'errors_per_run': 6.0, 'pairs': [[1, 2, 3.0], [2, 0, 2.0]]}
    """
    stored = [r for r in records if "confusion" in r["result"]]
    if not stored:
        return {}
    total = np.sum([np.asarray(r["result"]["confusion"], dtype=float) for r in stored], axis=0) / len(stored)
    np.fill_diagonal(total, 0.0)
    order = np.argsort(-total, axis=None, kind="stable")[:count]
    pairs = [[int(i), int(j), float(total[i, j])] for i, j in zip(*np.unravel_index(order, total.shape))]
    return {"seeds": R.seeds(stored), "errors_per_run": float(total.sum()), "pairs": pairs}


def _epoch_seconds(records: list[dict[str, Any]]) -> float:
    """The median seconds per training epoch over every epoch of the runs.

    Robust to what a run's total wall time is not: a run resumed from a checkpoint, or one whose process
    was paused, has a few long epochs but a true median.

    Examples
    --------
    >>> _epoch_seconds([{"result": {"history": [{"seconds": 2.0}, {"seconds": 3.0}, {"seconds": 900.0}]}}])
    3.0
    """
    return float(np.median([h["seconds"] for r in records for h in r["result"]["history"]]))


def _by_epoch(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean ± std over seeds of the tests every 25 epochs (published recipe; empty for the short one)."""
    epochs = sorted({int(e) for r in records for e in r["result"].get("test_error_by_epoch", {})})
    return {str(e): R.mean_std(r["result"].get("test_error_by_epoch", {}).get(str(e)) for r in records)
            for e in epochs}


def unfinished() -> list[dict[str, Any]]:
    """Runs of the published recipe that stopped part-way: epochs done, last training accuracy, intermediate tests."""
    out = []
    for path in sorted((R.results_root() / "checkpoints" / "anchor").glob("*.npz")):
        meta, history = P.read_progress(path)
        if not meta or not history:
            continue
        out.append({"model": meta["model"], "seed": meta["seed"], "epochs_done": len(history),
                    "epochs": meta["epochs"], "quick": bool(meta.get("quick")),
                    "train_accuracy_last_epoch": history[-1]["accuracy"],
                    "test_error_by_epoch": {str(h["epoch"]): h["test_error"] for h in history if "test_error" in h},
                    "checkpoint": path.name})
    return out


def along_the_way_lines(summary: dict[str, Any]) -> list[str]:
    """The tests every 25 epochs of the finished published-recipe rows, one column per epoch."""
    rows = {name: s["test_error_by_epoch"] for name, s in summary.items()
            if not name.startswith("_") and s.get("test_error_by_epoch")}
    if not rows:
        return []
    epochs = sorted({int(e) for by in rows.values() for e in by})
    table = [[name] + [R.fmt(by[str(e)]) if str(e) in by else "—" for e in epochs] for name, by in rows.items()]
    return ["", "Test error (%) along the way (published recipe: after the batch-norm pass every 25 epochs, "
            "as the released code tests):", "",
            R.markdown_table(["model, recipe, epochs"] + [f"epoch {e}" for e in epochs], table)]


def confusion_lines(summary: dict[str, Any]) -> list[str]:
    """The most frequent errors of every row whose runs stored their confusion matrix."""
    rows = [[name, R.seed_list(c["seeds"]), f"{c['errors_per_run']:.0f}",
             ", ".join(f"{i} → {j}: {n:.0f}" for i, j, n in c["pairs"])]
            for name, s in summary.items() if not name.startswith("_") and (c := s.get("confusions"))]
    if not rows:
        return []
    return ["", "Most frequent errors (true digit → predicted digit: test digits per run, mean over the seeds "
            "named; a G-CNN with reflections cannot tell a digit from its mirror image):", "",
            R.markdown_table(["model, recipe, epochs", "seeds", "errors per run", "most frequent"], rows)]


def unfinished_lines(runs: list[dict[str, Any]]) -> list[str]:
    """A table of the unfinished runs (nothing when there are none)."""
    if not runs:
        return []
    rows = [[r["model"], r["seed"], f"{r['epochs_done']} of {r['epochs']}",
             f"{r['train_accuracy_last_epoch'] * 100:.2f}",
             ", ".join(f"{v * 100:.2f} (epoch {e})" for e, v in r["test_error_by_epoch"].items()) or "—"]
            for r in runs]
    return ["", ("Unfinished runs of the published recipe (their checkpoints; the same command resumes them). "
            "Intermediate test errors come after the batch-norm pass, as in the released code's tests every "
            "25 epochs; they are not final results:"), "",
            R.markdown_table(["model", "seed", "epochs done", "training accuracy, last epoch (%)",
                              "intermediate test error (%)"], rows)]


def target_lines(summary: dict[str, Any]) -> list[str]:
    """Met / not met for every row of a model with a target, and the Z2CNN calibration of each recipe."""
    lines = []
    for name, s in summary.items():
        if name.startswith("_"):
            continue
        got, model = s["test_error"]["mean"], s["model"]
        if model in PUBLISHED:
            lines.append(f"- {name} (seeds {R.seed_list(s['seeds'])}): {got * 100:.2f}%, published on MNIST-rot "
                         f"{PUBLISHED[model] * 100:.2f}% (difference {(got - PUBLISHED[model]) * 100:+.2f} points).")
        if model in TARGETS:
            lines.append(f"- {name}: target ≤ {TARGETS[model] * 100:.2f}%: "
                         f"**{'met' if got <= TARGETS[model] else 'not met'}**.")
    return lines


def report(records: list[dict[str, Any]], summary: dict[str, Any], quick: bool) -> str:
    """The markdown page."""
    lines = R.header_lines("Experiment 4 — the anchor: P4CNN and Z2CNN on an MNIST-rot-like set", records, quick)
    if not records:
        return "\n".join(lines + ["No finished runs.", ""])
    cfg = records[0]["config"]
    lines += [(f"Data: built like MNIST-rot, **not identical to it**: {cfg['n_train']} training and {cfg['n_test']} "
              "test digits from the real MNIST, each rotated by a uniform random angle (bilinear, zeros outside; "
              "`groupcore.datasets.load_mnist_rot_like(seed=0)`). The published numbers are on the original "
              "MNIST-rot. Test error in %, mean ± std (ddof=1) over the seeds of each row; time in median seconds "
              "per training epoch over every epoch of a row's runs (the total wall time above counts a run "
              "resumed from a checkpoint from its last start)."), "",
              ("Recipes. *short*: batch 64, Adam (lr 0.001, tenfold drop after 2/3 of the epochs), convolution → "
              "pooling → batch norm → ReLU, batch-norm running averages at test time, no augmentation, inputs in "
              "[0, 1], He-normal weights. *published*: Cohen & Welling's released code (`tscohen/gconv_experiments`, "
              "`MNIST_ROT/experiment.py`, `train.py`, `models/*.py`): batch 128, Adam (lr 0.001, constant), "
              "100 epochs (Z2CNN 300), each training image turned by a uniform angle in ±π degrees every batch, "
              "convolution → batch norm → ReLU with the pooling after the second block, Z2CNN dropout 0.3, "
              "batch-norm statistics from one pass over the training set before testing, inputs standardised "
              "with the training mean and standard deviation, N(0, 1/fan_in) weights (`recipe.py`)."), ""]
    cells = {k: v for k, v in summary.items() if not k.startswith("_")}
    rows = [[name, s["params"], s["forward_mflops"], R.fmt(s["test_error"]),
             ", ".join(f"{v * 100:.2f}" for v in s["test_error_per_seed"].values()), R.seed_list(s["seeds"]),
             f"{s['train_accuracy_last_epoch']['mean'] * 100:.2f}",
             f"{PUBLISHED[s['model']] * 100:.2f}" if s["model"] in PUBLISHED else "—",
             f"≤ {TARGETS[s['model']] * 100:.2f}" if s["model"] in TARGETS else "—",
             f"{s['epoch_seconds_median']:.1f}"]
            for name, s in cells.items()]
    lines.append(R.markdown_table(["model, recipe, epochs", "params", "MFLOP/img", "test error (%)", "per seed",
                                   "seeds", "training accuracy, last epoch (%)", "published MNIST-rot (%)",
                                   "target (%)", "s/epoch (median)"], rows))
    lines += along_the_way_lines(summary)
    lines += confusion_lines(summary)
    lines += unfinished_lines([r for r in summary.get("_unfinished", []) if r["quick"] == quick])
    if not quick:
        lines += ["", "Against the published numbers and the targets:", "", *target_lines(summary)]
    lines.append("")
    return "\n".join(lines)


def plot(summary: dict[str, Any], path: Any) -> None:
    """Bars of the test error with the published MNIST-rot errors."""
    plt = R.pyplot()
    names = [n for n in summary if not n.startswith("_")]
    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(names)), 4))
    means = np.array([summary[n]["test_error"]["mean"] for n in names]) * 100
    stds = np.array([summary[n]["test_error"]["std"] for n in names]) * 100
    ax.bar(np.arange(len(names)), means, 0.5, yerr=stds, capsize=3, label="here (MNIST-rot-like)")
    first = True
    for i, n in enumerate(names):
        if summary[n]["model"] in PUBLISHED:
            ax.plot([i - 0.3, i + 0.3], [PUBLISHED[summary[n]["model"]] * 100] * 2, "k--", lw=1.5,
                    label="published (MNIST-rot)" if first else None)
            first = False
    ax.set_xticks(np.arange(len(names)), [f"{summary[n]['model']}\n{summary[n]['recipe']}, {summary[n]['epochs']} ep"
                                          f"\nseeds {R.seed_list(summary[n]['seeds'])}" for n in names], fontsize=7)
    ax.set_ylabel("test error (%)")
    ax.legend(fontsize=8)
    R.save_figure(fig, path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = R.common_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(DEFAULT_MODELS))
    parser.add_argument("--epochs", type=int, default=None, help="override the number of epochs")
    parser.add_argument("--recipe", choices=("short", "published"), default="short",
                        help="short: 30 epochs, batch 64, lr drop, running BN averages; published: Cohen & "
                             "Welling's released recipe (100/300 epochs, batch 128, jitter, population BN)")
    args = parser.parse_args(argv)
    R.run_grid(configs(args), run_one, args)
    records = R.finished("anchor", args.quick)
    summary = {**summarise(records), "_unfinished": [r for r in unfinished() if r["quick"] == args.quick]}
    R.write_outputs("anchor", args.quick, summary, records, report(records, summary, args.quick), plot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
