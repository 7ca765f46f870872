"""Experiment 5, natural images: SVHN and CIFAR-10 under the authors' protocol (upright training, rotated test).

The paper also trained on SVHN and CIFAR-10. Neither set ships in a package these machines can
install, so this script runs them only where the files are: ``--data-dir DIR`` holding the
standard downloads, CIFAR-10's binary version (``cifar-10-batches-bin/data_batch_1.bin`` …
``data_batch_5.bin``, ``test_batch.bin``, or those files directly in ``DIR``) and SVHN's cropped
digits (``train_32x32.mat``, ``test_32x32.mat``). A set whose files are missing is skipped
with a message.

Protocol, as in experiment 1: train on the upright training images; test on the test images
upright and each turned by its own random quarter turn (seed 0), the analogue of the authors'
``rot_k``. Models: the small CNN of ``models.py`` sized for 3×32×32 inputs (plain, plain with C4
augmentation, and its C4 equivarifications in the regular and diagonal frames with the joint
(class, pose) read-out). Reported per model, mean ± std over seeds: class accuracy upright and
rotated, joint accuracy on the rotated set, digits whose class changes when rotated.

    python benchmarks/paper/natural.py --data-dir DIR [--datasets cifar10 svhn] [--quick] [--seeds 0 1 2]
        [--epochs E] [--backend numpy|cupy] [--workers N]

Writes ``benchmarks/results/paper/natural{.quick}.{json,md,png}`` and one cached JSON per run.
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import runner as R
from models import describe, group_of, model_config

from groupcore.datasets import Dataset, apply_elements, load_cifar10_bin, load_svhn_mat
from groupcore.datasets.cifar import cifar10_files

DATASETS = ("cifar10", "svhn")
MODELS = ("plain", "plain+C4-aug", "C4-regular", "C4-diagonal")
#: The test set's random quarter turns come from this seed (the same for every run).
TEST_POSE_SEED = 0


def _svhn_file(root: Path, split: str) -> Path | None:
    path = root / f"{split}_32x32.mat"
    return path if path.is_file() else None


def available(root: Path, name: str) -> bool:
    """Whether ``root`` holds both splits of dataset ``name``.

    Examples
    --------
    >>> available(Path("/nonexistent"), "svhn")
    False
    """
    if name == "cifar10":
        return bool(cifar10_files(root, "train")) and bool(cifar10_files(root, "test"))
    return _svhn_file(root, "train") is not None and _svhn_file(root, "test") is not None


@functools.lru_cache(maxsize=2)
def load(root: Path, name: str) -> tuple[Dataset, Dataset]:
    """The training and test sets of ``name`` from ``root`` (read once per process)."""
    if name == "cifar10":
        return (load_cifar10_bin(cifar10_files(root, "train"), name="cifar10-train"),
                load_cifar10_bin(cifar10_files(root, "test"), name="cifar10-test"))
    return load_svhn_mat(root / "train_32x32.mat"), load_svhn_mat(root / "test_32x32.mat")


def rotated_test(test: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """The test images, each turned by a random quarter turn (seed :data:`TEST_POSE_SEED`), and the turns."""
    poses = np.random.default_rng(TEST_POSE_SEED).integers(4, size=len(test))
    return apply_elements(test.as_float(), group_of("C4"), poses), poses


def run_one(config: Mapping[str, Any], data_dir: Path) -> dict[str, Any]:
    """Train on upright images; class and joint accuracy on the upright and the rotated test sets."""
    train_all, test_all = load(Path(data_dir), str(config["dataset"]))
    train = train_all.subset(min(int(config["n_train"]), len(train_all)), seed=int(config["seed"]))
    test = test_all.take(np.arange(min(int(config["n_test"]), len(test_all))))
    model = R.make_model(config)
    history = R.train(model, train.as_float(), train.labels, epochs=int(config["epochs"]),
                      batch_size=int(config["batch_size"]), lr=float(config["lr"]), seed=int(config["seed"]),
                      augmentation=config["augmentation"], progress=bool(config.get("_progress", True)),
                      desc=f"{config['dataset']} {config['model']} seed {config['seed']}")
    x_rot, k = rotated_test(test)
    cls_up, _ = R.class_predictions(R.predict(model, test.as_float()))
    cls_rot, pose_rot = R.class_predictions(R.predict(model, x_rot))
    result = {**describe(model, (1, 3, 32, 32)), "history": history, "n_train_used": len(train),
              "n_test_used": len(test), "class_acc_upright": float(np.mean(cls_up == test.labels)),
              "class_acc_rotated": float(np.mean(cls_rot == test.labels)),
              "class_changed_by_rotation": int(np.sum(cls_up != cls_rot))}
    if pose_rot is not None:
        result["joint_acc_rotated"] = float(np.mean((cls_rot == test.labels) & (pose_rot == k)))
    return result


def configs(args: argparse.Namespace, datasets: list[str]) -> list[dict[str, Any]]:
    """Every run: datasets × seeds × models."""
    s = {"n_train": 500, "n_test": 200, "epochs": 1} if args.quick else {"n_train": 10 ** 6, "n_test": 10 ** 6,
                                                                       "epochs": 10}
    if args.epochs is not None:
        s["epochs"] = int(args.epochs)
    return [{"experiment": "natural", "dataset": d, **model_config(name), "in_channels": 3, "input_size": 32, **s,
             "batch_size": 64, "lr": 1e-3, "seed": seed, "backend": args.backend, "quick": bool(args.quick)}
            for d in datasets for seed in args.seeds for name in args.models]


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Per dataset and model: every metric's mean ± std over the seeds of the cell."""
    metrics = ("class_acc_upright", "class_acc_rotated", "joint_acc_rotated", "class_changed_by_rotation")
    out: dict[str, Any] = {}
    for name, rs in R.cells(records, lambda c: f"{c['dataset']} · {c['model']}", order=MODELS).items():
        res = [r["result"] for r in rs]
        out[name] = {"dataset": rs[0]["config"]["dataset"], "model": rs[0]["config"]["model"],
                     **{m: R.mean_std(r.get(m) for r in res) for m in metrics},
                     "train_accuracy_last_epoch": R.mean_std(r["history"][-1]["accuracy"] for r in res),
                     "params": res[0]["params"], "forward_mflops": res[0]["forward_mflops"],
                     "n_train": res[0]["n_train_used"], "n_test": res[0]["n_test_used"], "seeds": R.seeds(rs)}
    return out


def report(records: list[dict[str, Any]], summary: dict[str, Any], quick: bool) -> str:
    """The markdown page."""
    lines = R.header_lines("Experiment 5 — SVHN and CIFAR-10: upright training, rotated test", records, quick)
    if not records:
        return "\n".join(lines + [("No finished runs: pass `--data-dir` with the CIFAR-10 binary or SVHN `.mat` "
                                  "files."), ""])
    cfg = records[0]["config"]
    lines += [(f"Training: upright training images, {cfg['epochs']} epochs, Adam (lr {cfg['lr']}, tenfold drop "
              f"after 2/3), batch {cfg['batch_size']}. Test: the test images upright and each turned by a random "
              "quarter turn (seed 0). Accuracy in %, mean ± std (ddof=1) over the seeds of each row."), ""]
    rows = [[name, s["params"], s["forward_mflops"], s["n_train"], s["n_test"], R.seed_list(s["seeds"]),
             R.fmt(s["class_acc_upright"]), R.fmt(s["class_acc_rotated"]), R.fmt(s["joint_acc_rotated"]),
             R.fmt(s["class_changed_by_rotation"], scale=1, digits=1),
             f"{s['train_accuracy_last_epoch']['mean'] * 100:.2f}"] for name, s in summary.items()]
    lines.append(R.markdown_table(["dataset · model", "params", "MFLOP/img", "training images", "test images",
                                   "seeds", "class acc, upright", "class acc, rotated", "joint acc, rotated",
                                   "images whose class changes when rotated", "training acc, last epoch"], rows))
    lines.append("")
    return "\n".join(lines)


def plot(summary: Mapping[str, Any], path: Path) -> None:
    """Class accuracy upright and rotated per dataset and model."""
    plt = R.pyplot()
    names = list(summary)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(names)), 3.5))
    for i, (key, label) in enumerate((("class_acc_upright", "upright"), ("class_acc_rotated", "rotated"))):
        ax.bar(np.arange(len(names)) + 0.4 * i, [(summary[n][key]["mean"] or 0) * 100 for n in names], 0.4,
               yerr=[(summary[n][key]["std"] or 0) * 100 for n in names], capsize=3, label=label)
    ax.set_xticks(np.arange(len(names)) + 0.2, [n.replace(" · ", "\n") for n in names], fontsize=7)
    ax.set_ylabel("class accuracy (%)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8)
    R.save_figure(fig, path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = R.common_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder with cifar-10-batches-bin/ (or its .bin files) and/or SVHN's *_32x32.mat")
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--epochs", type=int, default=None, help="override the number of epochs (default 10)")
    args = parser.parse_args(argv)
    present = [d for d in args.datasets if args.data_dir is not None and available(args.data_dir, d)]
    for d in sorted(set(args.datasets) - set(present)):
        print(f"skipping {d}: its files are not in {args.data_dir} (see the module docstring)")
    if present:
        R.run_grid(configs(args, present), functools.partial(run_one, data_dir=args.data_dir), args)
    records = R.finished("natural", args.quick)
    summary = summarise(records)
    R.write_outputs("natural", args.quick, summary, records, report(records, summary, args.quick), plot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
