"""Experiment 2, against data augmentation across training-set sizes.

Training sets of 100 … 60,000 upright digits (class-balanced, nested: with one seed the smaller
sets are prefixes of the larger). Models, about equal parameter counts (compute in the table):
the plain CNN, the plain CNN with random C4 or D4 augmentation, the C4 and D4 equivarifications
in the regular frame (the paper's) and in the diagonal frame (a G-CNN). Each is tested on the
upright test digits and on the authors' C4-rotated test set (``rot_k``). The gap of each
equivarified network to the augmented plain CNN of the same group is computed per seed (the
same training subset) and reported as mean ± std.

Training length: ``max(budget, 5·n)`` samples (``n`` digits, at least 5 epochs; ``budget`` 20,000
by default), Adam, lr drop after 2/3.

    python benchmarks/paper/data_sizes.py [--quick] [--seeds 0 1 2] [--backend numpy|cupy]
        [--sizes 100 300 ...] [--models ...]

Writes ``benchmarks/results/paper/data_sizes{.quick}.{json,md,png}`` and one cached JSON per run.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import runner as R
from models import describe, model_config

SIZES = (100, 300, 1000, 3000, 10000, 60000)
FIRST_MODELS = ("plain", "plain+C4-aug", "plain+D4-aug", "C4-regular", "D4-regular", "C4-diagonal", "D4-diagonal")
#: The fairer baselines (``models.BASELINES``): matched compute trained longer, joint read-out for
#: augmentation, and the G-CNN with a plain 10-class read-out.
FAIR_MODELS = ("plain-wide+C4-aug", "plain-wide+D4-aug", "plain+C4-aug-joint", "plain+D4-aug-joint",
               "C4-diagonal-invariant", "D4-diagonal-invariant")
MODELS = FIRST_MODELS + FAIR_MODELS
#: (equivarified model, the augmented plain CNN it is compared with), gaps paired by seed
PAIRS = (("C4-regular", "plain+C4-aug"), ("C4-diagonal", "plain+C4-aug"),
         ("D4-regular", "plain+D4-aug"), ("D4-diagonal", "plain+D4-aug"),
         ("C4-diagonal", "plain-wide+C4-aug"), ("C4-diagonal", "plain+C4-aug-joint"),
         ("C4-diagonal-invariant", "plain-wide+C4-aug"),
         ("D4-diagonal", "plain-wide+D4-aug"), ("D4-diagonal", "plain+D4-aug-joint"),
         ("D4-diagonal-invariant", "plain-wide+D4-aug"))
TESTS = ("upright", "rotated")
#: Long training (``"training": "long"``): ``max(LONG_FACTOR·budget, LONG_MIN_EPOCHS·n)`` samples.
LONG_FACTOR, LONG_MIN_EPOCHS = 5, 20


def epochs_for(n: int, budget: int) -> int:
    """Epochs so that training sees ``max(budget, 5·n)`` samples.

    Examples
    --------
    >>> epochs_for(100, 20000), epochs_for(60000, 20000)
    (200, 5)
    """
    return max(5, math.ceil(budget / n))


def epochs_of(model: Mapping[str, Any], n: int, budget: int) -> int:
    """Epochs of one model at size ``n``: :func:`epochs_for`, or the long schedule for ``"training": "long"``.

    Examples
    --------
    >>> epochs_of({"training": "long"}, 60000, 20000), epochs_of({}, 60000, 20000)
    (20, 5)
    """
    if model.get("training") == "long":
        return max(LONG_MIN_EPOCHS, math.ceil(LONG_FACTOR * budget / n))
    return epochs_for(n, budget)


def training_tflop(config: Mapping[str, Any], result: Mapping[str, Any]) -> float:
    """Training compute: 3 × forward FLOPs (forward and backward) × images seen, in TFLOP."""
    return 3 * float(result["forward_mflops"]) * 1e6 * int(config["epochs"]) * int(config["n_train"]) / 1e12


def run_one(config: Mapping[str, Any]) -> dict[str, Any]:
    """Train on ``n_train`` upright digits; test errors on the upright and the rotated test sets."""
    data = R.mnist()
    train = data.train.subset(int(config["n_train"]), seed=int(config["seed"]))
    order = R.test_order(int(config["n_test"]))
    model = R.make_model(config)
    history = R.train(model, train.as_float(), train.labels, epochs=int(config["epochs"]),
                      batch_size=int(config["batch_size"]), lr=float(config["lr"]), seed=int(config["seed"]),
                      augmentation=config["augmentation"], progress=bool(config.get("_progress", True)),
                      joint_labels=config.get("readout") == "joint" and config.get("group") is None,
                      desc=f"{config['model']} n={config['n_train']} seed {config['seed']}")
    result: dict[str, Any] = {**describe(model), "history": history}
    for name, test in (("upright", data.test.take(order)), ("rotated", data.test_rotated.take(order))):
        cls, _ = R.class_predictions(R.predict(model, test.as_float()))
        result[f"error_{name}"] = float(np.mean(cls != test.labels))
    return result


def configs(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every run: sizes × models × seeds (small sizes first, so the cheap part of the grid lands first)."""
    n_test = args.n_test or (500 if args.quick else 10000)
    budget = args.budget or (600 if args.quick else 20000)
    return [{"experiment": "data_sizes", **model_config(name), "n_train": n, "n_test": n_test,
             "epochs": epochs_of(model_config(name), n, budget), "batch_size": 64, "lr": 1e-3, "seed": seed,
             "backend": args.backend, "quick": bool(args.quick)}
            for n in args.sizes for seed in args.seeds for name in args.models]


def _latest_per_seed(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One run per seed (the last finished, if a seed ran twice under another training budget)."""
    return list({r["config"]["seed"]: r for r in records}.values())


def _cell(rs: list[dict[str, Any]]) -> dict[str, Any]:
    """Errors on both test sets, last-epoch training accuracy, training compute and seeds of one cell."""
    return {**{t: R.mean_std(r["result"][f"error_{t}"] for r in rs) for t in TESTS},
            "train_accuracy": R.mean_std(r["result"]["history"][-1]["accuracy"] for r in rs),
            "training_tflop": training_tflop(rs[0]["config"], rs[0]["result"]),
            "epochs": int(rs[0]["config"]["epochs"]), "seeds": R.seeds(rs)}


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Per model and size: errors, training accuracy, compute, seeds; per pair and size: the paired gap."""
    rows = R.cells(records, ignore=("n_train", "epochs"), order=MODELS)
    sizes = sorted({int(r["config"]["n_train"]) for r in records})
    errors: dict[str, Any] = {}
    by: dict[tuple[str, int, int], dict[str, Any]] = {}
    for label, rs in rows.items():
        errors[label] = {}
        for n in sizes:
            at = _latest_per_seed([r for r in rs if r["config"]["n_train"] == n])
            if at:
                errors[label][str(n)] = _cell(at)
                by.update({(label, n, int(r["config"]["seed"])): r for r in at})
    gaps: dict[str, Any] = {}
    for eq, aug in PAIRS:
        if eq not in rows or aug not in rows:
            continue
        gaps[f"{eq} − {aug}"] = {}
        for n in sizes:
            common = sorted(s for (m, nn_, s) in by if m == eq and nn_ == n and (aug, n, s) in by)
            if common:
                gaps[f"{eq} − {aug}"][str(n)] = {
                    **{t: R.mean_std(by[eq, n, s]["result"][f"error_{t}"] - by[aug, n, s]["result"][f"error_{t}"]
                                     for s in common) for t in TESTS}, "seeds": common}
    cost = {label: {k: rs[0]["result"][k] for k in ("params", "forward_mflops")} for label, rs in rows.items()}
    return {"errors": errors, "gaps": gaps, "cost": cost, "sizes": sizes}


def _all_seeds(summary: dict[str, Any]) -> list[int]:
    return sorted({s for e in summary["errors"].values() for c in e.values() for s in c["seeds"]})


def _error_cell(cell: dict[str, Any], test: str, every: list[int]) -> str:
    """``error ± std · train acc · TFLOP`` (and the seeds, when the cell lacks some)."""
    text = (f"{R.fmt(cell[test])} · train {cell['train_accuracy']['mean'] * 100:.1f} · "
            f"{cell['training_tflop']:.2g} TF")
    return text if cell["seeds"] == every else f"{text} · seeds {R.seed_list(cell['seeds'])}"


def report(records: list[dict[str, Any]], summary: dict[str, Any], quick: bool) -> str:
    """The markdown page: cost, error tables (with training accuracy and compute), gap tables."""
    lines = R.header_lines("Experiment 2 — equivarification against data augmentation, across training sizes",
                           records, quick)
    if not records:
        return "\n".join(lines + ["No finished runs.", ""])
    every = _all_seeds(summary)
    cfg = records[0]["config"]
    lines += [(f"Test: {cfg['n_test']} MNIST test digits, upright and in the authors' C4-rotated set (`rot_k`). "
              f"Test error in %, mean ± std (ddof=1) over seeds {R.seed_list(every)} (a cell with fewer seeds "
              "names them). Training: Adam (lr drop after 2/3); `max(20,000, 5·n)` training samples, and "
              f"`max({LONG_FACTOR}·20,000, {LONG_MIN_EPOCHS}·n)` for the `plain-wide` models. Each cell also "
              "gives the training accuracy of the last epoch (%, on the augmented batches as trained; the share "
              "of joint (class, pose) targets hit for joint read-outs) and the training compute "
              "(3 × forward FLOPs × images seen, TFLOP)."), "",
              "Cost of each model (free parameters; forward FLOPs per 28×28 image):", ""]
    lines.append(R.markdown_table(["model", "params", "MFLOP/img"],
                                  [[m, c["params"], c["forward_mflops"]] for m, c in summary["cost"].items()]))
    sizes = summary["sizes"]
    for t in TESTS:
        lines += ["", f"Test error (%) on the {t} test set · training accuracy (%) · training compute:", ""]
        rows = [[m] + [_error_cell(e[str(n)], t, every) if str(n) in e else "—" for n in sizes]
                for m, e in summary["errors"].items()]
        lines.append(R.markdown_table(["model"] + [f"n={n}" for n in sizes], rows))
    for t in TESTS:
        lines += ["", (f"Gap on the {t} test set, error(equivarified) − error(baseline), percentage points, paired by "
                      "seed (negative: equivarification better):"), ""]
        rows = [[pair] + [R.fmt(g[str(n)][t]) if str(n) in g else "—" for n in sizes]
                for pair, g in summary["gaps"].items()]
        lines.append(R.markdown_table(["pair"] + [f"n={n}" for n in sizes], rows))
    lines.append("")
    return "\n".join(lines)


def plot(summary: dict[str, Any], path: Any) -> None:
    """Test error against training size (log x, log y), one panel per test set."""
    plt = R.pyplot()
    from matplotlib import ticker
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, t in zip(axes, TESTS):
        for m, e in summary["errors"].items():
            ns = [n for n in summary["sizes"] if str(n) in e]
            mean = np.array([e[str(n)][t]["mean"] for n in ns]) * 100
            std = np.array([e[str(n)][t]["std"] for n in ns]) * 100
            style = "--" if m.startswith("plain") else "-"
            ax.errorbar(ns, mean, yerr=std, fmt=style + "o", ms=3, capsize=2, label=m)
        ax.set_xlim(min(summary["sizes"]) / 1.5, max(summary["sizes"]) * 1.5)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(summary["sizes"], [f"{n:,}" for n in summary["sizes"]])
        ax.xaxis.set_minor_formatter(ticker.NullFormatter())
        for which in (ax.yaxis.set_major_formatter, ax.yaxis.set_minor_formatter):
            which(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.set_xlabel("training digits (upright)")
        ax.set_title(f"{t} test digits")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("test error (%)")
    axes[1].legend(fontsize=8)
    R.save_figure(fig, path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = R.common_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--sizes", nargs="+", type=int, default=None,
                        help=f"training-set sizes (default {list(SIZES)}; quick: 100 300)")
    parser.add_argument("--budget", type=int, default=None,
                        help="training samples per run, at least 5 epochs (default 20000; quick 600)")
    parser.add_argument("--n-test", type=int, default=None, help="test digits (default 10000; quick 500)")
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = [100, 300] if args.quick else list(SIZES)
    R.run_grid(configs(args), run_one, args)
    records = R.finished("data_sizes", args.quick)
    summary = summarise(records)
    R.write_outputs("data_sizes", args.quick, summary, records, report(records, summary, args.quick), plot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
