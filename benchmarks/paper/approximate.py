"""Experiment 3, approximate equivariance: C8 and C16 by interpolation against C4 and augmentation.

Models (about equal parameter counts), all trained on upright digits: the C4, C8 and C16
equivarifications in the regular frame with the joint read-out (C8 and C16 act by bilinear
interpolated rotations with the disk mask, so they are only approximately equivariant), the
plain CNN, and the plain CNN with random C4 or uniform-angle (bilinear) augmentation. Tested on
the test digits rotated by every 5° from 0° to 355° (bilinear). For each network the measured
equivariance error (:func:`groupcore.proofs.equivariance_error`) on 16 test digits: of the
joint logits under the network's own group (poses permuted by the regular action), of the
logits of the plain networks under C4 and C16 (invariance); and for all networks the share of
digits whose predicted class changes under some C16 rotation.

    python benchmarks/paper/approximate.py [--quick] [--seeds 0 1 2] [--backend numpy|cupy]

Writes ``benchmarks/results/paper/approximate{.quick}.{json,md,png}`` and one cached JSON per run.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

import numpy as np
import runner as R
from models import describe, group_of, model_config

import groupcore as gc
from groupcore import proofs
from groupcore.datasets import rotate_angles

MODELS = ("C4-regular", "C8-regular", "C16-regular", "plain", "plain+C4-aug", "plain+angle-aug")
ANGLES = tuple(range(0, 360, 5))
N_PROBE = 16


def _logit_fn(model: Any, group: str | None) -> Any:
    """``x ↦ logits`` shaped ``(B, |G|, 10)`` for a lifted network, ``(B, 10, 1)`` for a plain one."""
    def f(x: np.ndarray) -> np.ndarray:
        z = R.predict(model, np.ascontiguousarray(x, dtype=np.float32))
        return z.reshape(len(x), group_of(group).order, R.NUM_CLASSES) if group else z[:, :, None]
    return f


def equivariance(model: Any, group: str | None, x: np.ndarray) -> dict[str, Any]:
    """Equivariance (lifted) or invariance (plain) error of the logits, per acting group."""
    f = _logit_fn(model, group)
    out = {}
    for name in ([group] if group else ["C4", "C16"]):
        G = group_of(name)
        act_in = gc.interpolated_rotations(G, (28, 28), order=1)
        if group:
            act_out, axis = gc.Action.regular(G), 1
        else:
            act_out, axis = gc.Action.from_table(G, np.zeros((G.order, 1), np.int64)), 2
        err = proofs.equivariance_error(f, act_in, act_out, [x], axis_out=axis)
        out[name] = {"max_rel": err["max_rel"], "rel": [float(v) for v in err["rel"]],
                     "worst_element": err["worst_element"]}
    return out


def class_changes_c16(model: Any, x: np.ndarray) -> float:
    """Share of the digits whose predicted class changes under some C16 rotation (interpolated)."""
    act = gc.interpolated_rotations(group_of("C16"), (28, 28), order=1)
    base, _ = R.class_predictions(R.predict(model, x))
    changed = np.zeros(len(x), bool)
    for g in range(1, 16):
        cls, _ = R.class_predictions(R.predict(model, np.ascontiguousarray(act.apply(g, x), dtype=np.float32)))
        changed |= cls != base
    return float(changed.mean())


def run_one(config: Mapping[str, Any]) -> dict[str, Any]:
    """Train on upright digits; accuracy per angle; equivariance error."""
    data = R.mnist()
    train = data.train.subset(int(config["n_train"]), seed=int(config["seed"]))
    test = data.test.take(R.test_order(int(config["n_test"])))
    model = R.make_model(config)
    history = R.train(model, train.as_float(), train.labels, epochs=int(config["epochs"]),
                      batch_size=int(config["batch_size"]), lr=float(config["lr"]), seed=int(config["seed"]),
                      augmentation=config["augmentation"], progress=bool(config.get("_progress", True)),
                      desc=f"{config['model']} seed {config['seed']}")
    x = test.as_float()
    accuracy = []
    for angle in config["angles"]:
        xr = x if angle == 0 else rotate_angles(x, float(angle), order=1)
        cls, _ = R.class_predictions(R.predict(model, xr))
        accuracy.append(float(np.mean(cls == test.labels)))
    probe = x[:N_PROBE]
    return {**describe(model), "history": history, "accuracy_by_angle": accuracy,
            "equivariance_error": equivariance(model, config["group"], probe),
            "class_changes_c16": class_changes_c16(model, x[:int(config["n_probe"])])}


def configs(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every run, seeds × models (a partly finished grid covers every model)."""
    s = {"n_train": 500, "n_test": 100, "epochs": 1, "angles": list(range(0, 360, 15)), "n_probe": 50} \
        if args.quick else {"n_train": 10000, "n_test": 2000, "epochs": 6, "angles": list(ANGLES), "n_probe": 200}
    return [{"experiment": "approximate", **model_config(name), **s, "batch_size": 64,
             "lr": 1e-3, "seed": seed, "backend": args.backend, "quick": bool(args.quick)}
            for seed in args.seeds for name in args.models]


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Per model: accuracy per angle, its mean and minimum over angles, errors; mean ± std over seeds."""
    out: dict[str, Any] = {}
    for name, runs in R.cells(records, order=MODELS).items():
        rs = [r["result"] for r in runs]
        acc = np.array([r["accuracy_by_angle"] for r in rs])
        eq_groups = list(rs[0]["equivariance_error"])
        angles = runs[0]["config"]["angles"]
        out[name] = {
            "params": rs[0]["params"], "forward_mflops": rs[0]["forward_mflops"],
            "seeds": R.seeds(runs), "angles": angles,
            "accuracy_by_angle": {"mean": acc.mean(0).tolist(),
                                  "std": (acc.std(0, ddof=1) if len(acc) > 1 else 0 * acc[0]).tolist()},
            "accuracy_mean_over_angles": R.mean_std(acc.mean(1)),
            "accuracy_min_over_angles": R.mean_std(acc.min(1)),
            "accuracy_at_0": R.mean_std(acc[:, 0]),
            "accuracy_at_45": R.mean_std(acc[:, angles.index(45)]),
            "equivariance_error": {g: R.mean_std(r["equivariance_error"][g]["max_rel"] for r in rs)
                                   for g in eq_groups},
            "equivariance_error_per_seed": {g: [r["equivariance_error"][g]["max_rel"] for r in rs]
                                            for g in eq_groups},
            "class_changes_c16": R.mean_std(r["class_changes_c16"] for r in rs),
        }
    return out


def report(records: list[dict[str, Any]], summary: dict[str, Any], quick: bool) -> str:
    """The markdown page."""
    lines = R.header_lines("Experiment 3 — approximate equivariance: C8 and C16 by interpolation", records, quick)
    if not records:
        return "\n".join(lines + ["No finished runs.", ""])
    cfg = records[0]["config"]
    lines += [(f"Training: {cfg['n_train']} upright digits, {cfg['epochs']} epochs, Adam (lr drop after 2/3). Test: "
              f"{cfg['n_test']} test digits rotated by every {cfg['angles'][1]}° (bilinear, zeros outside). "
              "Accuracy in %, mean ± std (ddof=1) over the seeds of each row. Equivariance error: largest "
              "|f(ρ(g)x) − g·f(x)| / max|f(x)| over the group's elements and 16 test digits (logits; for plain "
              "networks g·f(x) = f(x), the invariance error), ρ bilinear with the disk mask."), ""]
    rows = []
    for name, s in summary.items():
        eq = "; ".join(f"{g}: {R.fmt_small(v)}" for g, v in s["equivariance_error_per_seed"].items())
        rows.append([name, s["params"], s["forward_mflops"], R.seed_list(s["seeds"]),
                     R.fmt(s["accuracy_mean_over_angles"]),
                     R.fmt(s["accuracy_min_over_angles"]), R.fmt(s["accuracy_at_0"]), R.fmt(s["accuracy_at_45"]),
                     eq, R.fmt(s["class_changes_c16"])])
    lines.append(R.markdown_table(
        ["model", "params", "MFLOP/img", "seeds", f"acc, mean over {len(cfg['angles'])} angles", "acc, worst angle",
         "acc at 0°", "acc at 45°", "equivariance error (max rel; largest over seeds)",
         f"digits whose class changes under C16 (%, {cfg['n_probe']} digits)"], rows))
    lines += ["", "Accuracy per angle: `approximate.json` (`summary.<model>.accuracy_by_angle`) and the plot.", ""]
    return "\n".join(lines)


def plot(summary: dict[str, Any], path: Any) -> None:
    """Accuracy against rotation angle, mean ± std over seeds."""
    plt = R.pyplot()
    fig, ax = plt.subplots(figsize=(9, 4))
    for name, s in summary.items():
        a = np.asarray(s["angles"])
        m = np.asarray(s["accuracy_by_angle"]["mean"]) * 100
        sd = np.asarray(s["accuracy_by_angle"]["std"]) * 100
        line, = ax.plot(a, m, "--" if name.startswith("plain") else "-", label=name)
        ax.fill_between(a, m - sd, m + sd, color=line.get_color(), alpha=0.2)
    ax.set_xticks(range(0, 361, 45))
    ax.set_xlabel("rotation of the test digits (degrees, counter-clockwise)")
    ax.set_ylabel("test accuracy (%)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    ax.set_title("Trained upright; tested on rotated digits")
    R.save_figure(fig, path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = R.common_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    args = parser.parse_args(argv)
    R.run_grid(configs(args), run_one, args)
    records = R.finished("approximate", args.quick)
    summary = summarise(records)
    R.write_outputs("approximate", args.quick, summary, records, report(records, summary, args.quick), plot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
