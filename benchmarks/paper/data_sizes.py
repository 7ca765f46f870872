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
from typing import Any, Mapping

import numpy as np

import runner as R
from models import describe, model_config

SIZES = (100, 300, 1000, 3000, 10000, 60000)
MODELS = ("plain", "plain+C4-aug", "plain+D4-aug", "C4-regular", "D4-regular", "C4-diagonal", "D4-diagonal")
#: equivarified model -> the augmented plain CNN it is compared with
PAIRS = {"C4-regular": "plain+C4-aug", "C4-diagonal": "plain+C4-aug",
         "D4-regular": "plain+D4-aug", "D4-diagonal": "plain+D4-aug"}
TESTS = ("upright", "rotated")


def epochs_for(n: int, budget: int) -> int:
    """Epochs so that training sees ``max(budget, 5·n)`` samples.

    Examples
    --------
    >>> epochs_for(100, 20000), epochs_for(60000, 20000)
    (200, 5)
    """
    return max(5, math.ceil(budget / n))


def run_one(config: Mapping[str, Any]) -> dict[str, Any]:
    """Train on ``n_train`` upright digits; test errors on the upright and the rotated test sets."""
    data = R.mnist()
    train = data.train.subset(int(config["n_train"]), seed=int(config["seed"]))
    order = R.test_order(int(config["n_test"]))
    model = R.make_model(config)
    history = R.train(model, train.as_float(), train.labels, epochs=int(config["epochs"]),
                      batch_size=int(config["batch_size"]), lr=float(config["lr"]), seed=int(config["seed"]),
                      augmentation=config["augmentation"], progress=bool(config.get("_progress", True)),
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
             "epochs": epochs_for(n, budget), "batch_size": 64, "lr": 1e-3, "seed": seed, "backend": args.backend,
             "quick": bool(args.quick)}
            for n in args.sizes for seed in args.seeds for name in args.models]


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Per model and size: error mean ± std on both test sets; per pair and size: the paired gap."""
    by = {(r["config"]["model"], r["config"]["n_train"], r["config"]["seed"]): r for r in records}
    models = list(dict.fromkeys(r["config"]["model"] for r in records))
    sizes = sorted({r["config"]["n_train"] for r in records})
    errors: dict[str, Any] = {}
    for m in models:
        errors[m] = {}
        for n in sizes:
            rs = [r for (mm, nn_, _), r in by.items() if mm == m and nn_ == n]
            if rs:
                errors[m][str(n)] = {t: R.mean_std(r["result"][f"error_{t}"] for r in rs) for t in TESTS}
                errors[m][str(n)]["seeds"] = sorted(r["config"]["seed"] for r in rs)
    gaps: dict[str, Any] = {}
    for eq, aug in PAIRS.items():
        if eq not in models or aug not in models:
            continue
        gaps[f"{eq} − {aug}"] = {}
        for n in sizes:
            seeds = sorted(s for (mm, nn_, s) in by if mm == eq and nn_ == n and (aug, n, s) in by)
            if seeds:
                gaps[f"{eq} − {aug}"][str(n)] = {
                    t: R.mean_std(by[eq, n, s]["result"][f"error_{t}"] - by[aug, n, s]["result"][f"error_{t}"]
                                  for s in seeds) for t in TESTS}
    cost = {m: {k: next(r["result"][k] for r in records if r["config"]["model"] == m)
                for k in ("params", "forward_mflops")} for m in models}
    return {"errors": errors, "gaps": gaps, "cost": cost, "sizes": sizes}


def report(records: list[dict[str, Any]], summary: dict[str, Any], quick: bool) -> str:
    """The markdown page: cost, error tables, gap tables."""
    lines = R.header_lines("Experiment 2 — equivarification against data augmentation, across training sizes",
                           records, quick)
    cfg = records[0]["config"]
    lines += [f"Test: {cfg['n_test']} MNIST test digits, upright and in the authors' C4-rotated set (`rot_k`). "
              "Test error in %, mean ± std (ddof=1) over the seeds listed in the JSON. Training: Adam (lr drop after "
              f"2/3), epochs per size {dict((r['config']['n_train'], r['config']['epochs']) for r in records)}.", "",
              "Cost of each model (free parameters; forward FLOPs per 28×28 image):", ""]
    lines.append(R.markdown_table(["model", "params", "MFLOP/img"],
                                  [[m, c["params"], c["forward_mflops"]] for m, c in summary["cost"].items()]))
    sizes = summary["sizes"]
    for t in TESTS:
        lines += ["", f"Test error (%) on the {t} test set:", ""]
        rows = [[m] + [R.fmt(e[str(n)][t]) if str(n) in e else "—" for n in sizes]
                for m, e in summary["errors"].items()]
        lines.append(R.markdown_table(["model"] + [f"n={n}" for n in sizes], rows))
    for t in TESTS:
        lines += ["", f"Gap to augmentation on the {t} test set, error(equivarified) − error(augmented plain), "
                      "percentage points, paired by seed (negative: equivarification better):", ""]
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
    grid = [100, 300] if args.quick else list(SIZES)
    if args.sizes is None:
        args.sizes = grid
    R.run_grid(configs(args), run_one, args)
    sizes = sorted(set(grid) | set(args.sizes))
    everything = argparse.Namespace(**{**vars(args), "models": list(MODELS), "sizes": sizes})
    records = R.stored(configs(everything))
    summary = summarise(records)
    suffix = R.mode_suffix(args.quick)
    R.write_json(R.PAPER_RESULTS / f"data_sizes{suffix}.json", {"summary": summary, "runs": records})
    text = report(records, summary, args.quick)
    R.write_text(R.PAPER_RESULTS / f"data_sizes{suffix}.md", text)
    plot(summary, R.PAPER_RESULTS / f"data_sizes{suffix}.png")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
