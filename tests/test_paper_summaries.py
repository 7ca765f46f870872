"""The paper experiments' summaries and Cohen & Welling's recipe: tables from every finished run, jitter,
population batch-norm statistics, resumable training, the fairer baselines of experiment 2."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

PAPER = Path(__file__).resolve().parents[1] / "benchmarks" / "paper"
SCRIPTS = ("models", "runner", "recipe", "anchor", "data_sizes", "protocol", "approximate", "natural", "common")


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, PAPER / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def paper(monkeypatch, tmp_path):
    """The paper scripts, loaded fresh, with their results folder moved to ``tmp_path``."""
    saved_path, saved = list(sys.path), set(sys.modules)
    modules = {name: _load(name) for name in ("models", "runner", "recipe", "anchor", "data_sizes")}
    monkeypatch.setattr(modules["runner"], "PAPER_RESULTS", tmp_path)
    yield modules
    sys.path[:] = saved_path
    for name in set(sys.modules) - saved:
        if name in SCRIPTS:
            del sys.modules[name]


# ---------------------------------------------------------------------------- summaries keep every finished run
def _fake_anchor(config):
    return {"params": 1, "forward_mflops": 1.0, "history": [{"accuracy": 1.0, "seconds": 2.0}],
            "test_error": 0.02 + 0.001 * int(config["seed"])}


def test_a_partial_anchor_command_keeps_the_earlier_seeds(paper, monkeypatch, tmp_path):
    anchor = paper["anchor"]
    monkeypatch.setattr(anchor, "run_one", _fake_anchor)
    anchor.main(["--seeds", "0", "1", "2", "--models", "Z2CNN", "P4CNN", "--no-progress"])
    anchor.main(["--seeds", "0", "--models", "P4MCNN", "--no-progress"])      # the partial command
    summary = json.loads((tmp_path / "anchor.json").read_text())["summary"]
    rows = {s["model"]: s for k, s in summary.items() if not k.startswith("_")}
    assert rows["P4CNN"]["seeds"] == [0, 1, 2] and rows["Z2CNN"]["seeds"] == [0, 1, 2]
    assert rows["P4MCNN"]["seeds"] == [0]
    assert rows["P4CNN"]["test_error"]["mean"] == pytest.approx(0.021)
    text = (tmp_path / "anchor.md").read_text()
    assert "| 2.10 ± 0.10 | 2.00, 2.10, 2.20 | 0, 1, 2 |" in text and "2.00 (1 run)" in text


def test_anchor_tables_list_the_most_frequent_errors_of_the_runs_that_stored_them(paper, monkeypatch, tmp_path):
    anchor = paper["anchor"]
    confusion = np.diag([90] * 10)
    confusion[2, 5], confusion[9, 6] = 7, 3

    def fake(config):
        stored = {"confusion": confusion.tolist()} if config["seed"] == 1 else {}
        return {**_fake_anchor(config), **stored}

    monkeypatch.setattr(anchor, "run_one", fake)
    anchor.main(["--seeds", "0", "1", "--models", "P4MCNN", "--no-progress"])
    summary = json.loads((tmp_path / "anchor.json").read_text())["summary"]
    row = next(s for k, s in summary.items() if not k.startswith("_"))
    assert row["seeds"] == [0, 1] and row["confusions"]["seeds"] == [1]
    assert row["confusions"]["pairs"][:2] == [[2, 5, 7.0], [9, 6, 3.0]]
    assert row["confusions"]["errors_per_run"] == 10.0
    assert "| 1 | 10 | 2 → 5: 7, 9 → 6: 3," in (tmp_path / "anchor.md").read_text()


def _fake_sizes(config):
    return {"params": 1, "forward_mflops": 1.0, "history": [{"accuracy": 0.9}],
            "error_upright": 0.1, "error_rotated": 0.2 + 0.01 * int(config["seed"])}


def test_a_partial_data_sizes_command_keeps_the_earlier_seeds(paper, monkeypatch, tmp_path):
    sizes = paper["data_sizes"]
    monkeypatch.setattr(sizes, "run_one", _fake_sizes)
    sizes.main(["--quick", "--seeds", "0", "1", "--models", "plain+C4-aug", "C4-diagonal", "--sizes", "100",
                "--no-progress"])
    sizes.main(["--quick", "--seeds", "2", "--models", "C4-diagonal", "--sizes", "100", "--no-progress"])
    summary = json.loads((tmp_path / "data_sizes.quick.json").read_text())["summary"]
    assert summary["errors"]["plain+C4-aug"]["100"]["seeds"] == [0, 1]
    assert summary["errors"]["C4-diagonal"]["100"]["seeds"] == [0, 1, 2]
    assert summary["gaps"]["C4-diagonal − plain+C4-aug"]["100"]["seeds"] == [0, 1]
    text = (tmp_path / "data_sizes.quick.md").read_text()
    assert "seeds 0, 1" in text and "train 90.0" in text


def test_cells_separate_settings_and_name_the_difference(paper):
    R = paper["runner"]
    records = [{"config": {"model": "m", "seed": s, "epochs": e, "backend": b}}
               for s, e, b in [(0, 5, "numpy"), (1, 5, "cupy"), (0, 9, "numpy")]]
    assert {k: R.seeds(v) for k, v in R.cells(records).items()} == {"m (epochs=5)": [0, 1], "m (epochs=9)": [0]}


# ---------------------------------------------------------------------------- the published recipe
def test_standardise_uses_the_training_statistics(paper):
    a, b = paper["recipe"].standardise(np.array([1.0, 3.0]), np.array([2.0, 5.0]))
    assert a.tolist() == [-1.0, 1.0] and b.tolist() == [0.0, 3.0] and a.dtype == np.float32


def test_jitter_turns_by_at_most_pi_degrees(paper, monkeypatch):
    recipe = paper["recipe"]
    seen = []
    monkeypatch.setattr(recipe, "rotate_angles", lambda x, angles, order: seen.append(np.asarray(angles)) or x)
    recipe.jitter(np.zeros((5000, 1, 4, 4), np.float32), recipe.JITTER_DEGREES, np.random.default_rng(0))
    angles = seen[0]
    assert recipe.JITTER_DEGREES == pytest.approx(np.pi)
    assert angles.min() >= -np.pi and angles.max() <= np.pi and angles.min() < -3.1 and angles.max() > 3.1


def test_published_networks_follow_the_released_code(paper):
    from groupcore import nn
    models = paper["models"]
    z2 = models.published_cnn(None, 20, dropout=0.3, seed=0)
    kinds = [type(layer).__name__ for layer in z2]
    assert kinds[:8] == ["Conv2d", "GroupBatchNorm", "ReLU", "Dropout", "Conv2d", "GroupBatchNorm", "ReLU",
                         "MaxPool2d"]                    # batch norm before the pooling, no dropout in block 2
    assert kinds.count("Dropout") == 5 and z2.num_params == 21750
    p4 = models.published_cnn("C4", 10, seed=0)
    assert p4.num_params == 24680 and not any(isinstance(layer, nn.Dropout) for layer in p4)
    theta = p4[0].params["theta"]                      # N(0, 1/fan_in), fan_in = 1·3·3
    assert np.std(theta) == pytest.approx(1 / 3, rel=0.3)
    x = np.random.default_rng(0).random((2, 1, 28, 28)).astype(np.float32)
    y = p4.predict(x)
    assert np.allclose(p4.predict(np.rot90(x, 1, axes=(2, 3)).copy()), y, rtol=1e-4, atol=1e-5)


def test_population_statistics_average_the_batch_statistics(paper):
    from groupcore import nn
    recipe = paper["recipe"]
    model = nn.Sequential(nn.GroupBatchNorm(1))
    x = np.arange(12, dtype=np.float32).reshape(6, 1, 1, 2)
    recipe.population_statistics(model, x, batch_size=2, max_degrees=0.0, rng=np.random.default_rng(0))
    order = np.random.default_rng(0).permutation(6)
    batches = [x[order[s:s + 2]].ravel() for s in range(0, 6, 2)]
    bn = model[0]
    assert bn.buffers["running_mean"][0] == pytest.approx(np.mean([b.mean() for b in batches]), rel=1e-6)
    assert bn.buffers["running_var"][0] == pytest.approx(np.mean([b.var(ddof=1) for b in batches]), rel=1e-6)
    assert bn.momentum == pytest.approx(0.1)


def test_a_resumed_run_equals_one_run_straight_through(paper, tmp_path):
    models, recipe = paper["models"], paper["recipe"]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 1, 28, 28)).astype(np.float32)
    y = rng.integers(10, size=40)
    kw = {"batch_size": 16, "seed": 3, "log": lambda _: None}
    straight = models.published_cnn(None, 4, dropout=0.3, seed=0)
    h_straight = recipe.train_published(straight, x, y, epochs=2, **kw)
    resumed = models.published_cnn(None, 4, dropout=0.3, seed=0)
    recipe.train_published(resumed, x, y, epochs=1, checkpoint=tmp_path / "c.npz", **kw)
    again = models.published_cnn(None, 4, dropout=0.3, seed=0)
    h_resumed = recipe.train_published(again, x, y, epochs=2, checkpoint=tmp_path / "c.npz", **kw)
    assert [h["loss"] for h in h_resumed] == pytest.approx([h["loss"] for h in h_straight], rel=1e-5)
    assert np.allclose(again.predict(x), straight.predict(x), rtol=1e-4, atol=1e-5)


def test_published_configs_run_the_calibration_first(paper):
    import argparse
    anchor = paper["anchor"]
    args = argparse.Namespace(quick=False, seeds=[0, 1, 2], models=["Z2CNN", "P4CNN"], backend="numpy",
                              epochs=None, recipe="published")
    runs = [(c["model"], c["seed"], c["epochs"]) for c in anchor.configs(args)]
    assert runs[:4] == [("Z2CNN", 0, 300), ("P4CNN", 0, 100), ("P4CNN", 1, 100), ("P4CNN", 2, 100)]
    cfg = anchor.configs(args)[0]
    assert cfg["batch_size"] == 128 and cfg["lr_schedule"] == "constant" and cfg["dropout"] == 0.3


# ---------------------------------------------------------------------------- experiment 2's fairer baselines
def test_stated_widths_give_the_stated_parameter_counts(paper):
    models = paper["models"]
    counts = {"plain": 10460, "C4": 10530, "D4": 11945, "C8": 11945, "C16": 13387}
    for name, params in counts.items():
        assert models.small_cnn(None if name == "plain" else name).num_params == params


def test_fair_baselines_build_and_match_compute(paper):
    models = paper["models"]
    flops = {n: models.describe(models.build({**models.model_config(n), "seed": 0}))["forward_mflops"]
             for n in ("C4-diagonal", "D4-diagonal", "plain-wide+C4-aug", "plain-wide+D4-aug")}
    assert flops["plain-wide+C4-aug"] == pytest.approx(flops["C4-diagonal"], rel=0.05)
    assert flops["plain-wide+D4-aug"] == pytest.approx(flops["D4-diagonal"], rel=0.05)
    x = np.zeros((2, 1, 28, 28), np.float32)
    assert models.build({**models.model_config("plain+D4-aug-joint"), "seed": 0})(x).shape == (2, 80)
    assert models.build({**models.model_config("C4-diagonal-invariant"), "seed": 0})(x).shape == (2, 10)


def test_joint_labels_follow_the_augmentation_pose(paper, monkeypatch):
    R = paper["runner"]
    seen = []

    class Recorder:
        def train_step(self, x, y, opt):
            seen.append((x.copy(), np.asarray(y).copy()))
            return 0.0, np.zeros(len(y), int)

    rng = np.random.default_rng(0)
    x = rng.random((8, 1, 6, 6)).astype(np.float32)
    y = np.arange(8) % 10
    R.train(Recorder(), x, y, epochs=1, batch_size=8, augmentation="C4", joint_labels=True, progress=False)
    xb, yb = seen[0]
    order = np.random.default_rng(0).permutation(8)
    for img, target, i in zip(xb, yb, order):
        pose, cls = divmod(int(target), 10)
        assert cls == y[i] and np.array_equal(img[0], np.rot90(x[i, 0], pose))


def test_long_training_schedule(paper):
    sizes = paper["data_sizes"]
    assert sizes.epochs_of({"training": "long"}, 100, 20000) == 1000
    assert sizes.epochs_of({"training": "long"}, 60000, 20000) == 20
    assert sizes.training_tflop({"epochs": 2, "n_train": 10}, {"forward_mflops": 1.0}) == pytest.approx(6e-5)


# ---------------------------------------------------------------------------- experiment 5: SVHN and CIFAR-10 files
def _write_tiny_sets(folder: Path) -> None:
    """CIFAR-10 binary batches and SVHN .mat files in the standard formats, a few images each."""
    import scipy.io
    rng = np.random.default_rng(0)
    batches = folder / "cifar-10-batches-bin"
    batches.mkdir()
    for name, n in (("data_batch_1.bin", 24), ("data_batch_2.bin", 16), ("test_batch.bin", 12)):
        labels = (np.arange(n) % 10).astype(np.uint8)[:, None]
        pixels = rng.integers(0, 256, size=(n, 3 * 32 * 32), dtype=np.uint8)
        (batches / name).write_bytes(np.concatenate([labels, pixels], axis=1).tobytes())
    for split, n in (("train", 30), ("test", 12)):
        scipy.io.savemat(folder / f"{split}_32x32.mat",
                         {"X": rng.integers(0, 256, size=(32, 32, 3, n), dtype=np.uint8),
                          "y": (np.arange(n) % 10 + 1).astype(np.uint8)[:, None]})


def test_natural_images_run_end_to_end_from_standard_files(paper, tmp_path):
    natural = _load("natural")
    data = tmp_path / "data"
    data.mkdir()
    _write_tiny_sets(data)
    assert natural.main(["--quick", "--data-dir", str(data), "--seeds", "0", "--no-progress"]) == 0
    summary = json.loads((tmp_path / "natural.quick.json").read_text())["summary"]
    assert len(summary) == 8
    svhn = summary["svhn · C4-regular"]
    assert svhn["n_train"] == 30 and svhn["n_test"] == 12 and svhn["params"] > 0
    assert summary["cifar10 · C4-diagonal"]["n_train"] == 40
    for s in summary.values():                      # exactly invariant networks: the rotation changes no class
        if s["model"].startswith("C4"):
            assert s["class_changed_by_rotation"]["mean"] == 0
            assert s["joint_acc_rotated"]["n"] == 1
    assert (tmp_path / "natural.quick.md").is_file() and (tmp_path / "natural.quick.png").is_file()


def test_natural_images_skip_missing_files(paper, tmp_path, capsys):
    natural = _load("natural")
    assert natural.main(["--quick", "--data-dir", str(tmp_path / "none"), "--no-progress"]) == 0
    assert "skipping cifar10" in capsys.readouterr().out
    assert "No finished runs" in (tmp_path / "natural.quick.md").read_text()


def test_intermediate_tests_leave_the_training_unchanged(paper, tmp_path):
    models, recipe = paper["models"], paper["recipe"]
    rng = np.random.default_rng(1)
    x = rng.standard_normal((32, 1, 28, 28)).astype(np.float32)
    y = rng.integers(10, size=32)
    kw = {"epochs": 3, "batch_size": 16, "seed": 0, "log": lambda _: None}
    plain = recipe.train_published(models.published_cnn(None, 4, dropout=0.3, seed=0), x, y, **kw)
    calls = []
    tested = recipe.train_published(models.published_cnn(None, 4, dropout=0.3, seed=0), x, y, eval_every=1,
                                    evaluate=lambda m: calls.append(1) or 0.5, checkpoint=tmp_path / "c.npz",
                                    meta={"model": "Z2CNN"}, **kw)
    assert [h["loss"] for h in tested] == pytest.approx([h["loss"] for h in plain], rel=1e-5)
    assert len(calls) == 2 and [h.get("test_error") for h in tested] == [0.5, 0.5, None]
    meta, history = recipe.read_progress(tmp_path / "c.npz")
    assert meta == {"model": "Z2CNN"} and len(history) == 3
