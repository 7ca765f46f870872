"""The paper experiments' runner: configuration keys, the run cache and a one-epoch training on synthetic digits."""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

import groupcore as gc

PAPER = Path(__file__).resolve().parents[1] / "benchmarks" / "paper"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, PAPER / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def runner():
    saved_path, saved_modules = list(sys.path), set(sys.modules)
    _load("models")
    yield _load("runner")
    sys.path[:] = saved_path                     # the runner puts benchmarks/ and benchmarks/paper/ on the path
    for name in set(sys.modules) - saved_modules:
        if name in ("models", "runner", "common"):
            del sys.modules[name]


def test_config_key_ignores_order_and_sees_every_value(runner):
    a = {"experiment": "x", "model": "C4-regular", "seed": 0, "epochs": 1}
    assert runner.config_key(a) == runner.config_key(dict(reversed(list(a.items()))))
    assert runner.config_key(a) != runner.config_key({**a, "seed": 1})
    assert runner.config_key(a) != runner.config_key({**a, "epochs": 2})


def test_cached_run_runs_once_then_loads(runner, tmp_path):
    calls = []

    def fn(config):
        calls.append(config["seed"])
        return {"value": 10 * config["seed"]}

    config = {"experiment": "smoke", "model": "m", "seed": 3, "backend": "numpy"}
    first = runner.cached_run(config, fn, root=tmp_path, log=lambda _: None)
    again = runner.cached_run(config, fn, root=tmp_path, log=lambda _: None)
    other = runner.cached_run({**config, "seed": 4}, fn, root=tmp_path, log=lambda _: None)
    assert calls == [3, 4]
    assert first["result"] == again["result"] == {"value": 30} and other["result"] == {"value": 40}
    assert again["config"] == config and again["backend"] == "numpy" and "machine" in again
    assert runner.stored([config, {**config, "seed": 9}], root=tmp_path)[0]["key"] == runner.config_key(config)
    assert len(runner.stored([config, {**config, "seed": 9}], root=tmp_path)) == 1
    runner.cached_run(config, fn, root=tmp_path, force=True, log=lambda _: None)
    assert calls == [3, 4, 3]


def test_cached_run_refuses_a_different_config_under_the_same_key(runner, tmp_path):
    config = {"experiment": "smoke", "model": "m", "seed": 0}
    path = runner.run_path(config, tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"config": {**config, "seed": 1}}))
    with pytest.raises(RuntimeError, match="different configuration"):
        runner.cached_run(config, lambda c: {}, root=tmp_path, log=lambda _: None)


def test_mean_std_and_format(runner):
    stat = runner.mean_std([0.9, 0.95, None, 1.0])
    assert stat["n"] == 3 and stat["mean"] == pytest.approx(0.95) and stat["std"] == pytest.approx(0.05)
    assert runner.fmt(stat) == "95.00 ± 5.00"
    assert runner.fmt(runner.mean_std([])) == "—"


def test_one_epoch_of_the_c4_network_is_exactly_invariant(runner):
    rng = np.random.default_rng(0)
    x = rng.random((64, 1, 28, 28)).astype(np.float32)
    y = rng.integers(10, size=64)
    model = runner.make_model({"group": "C4", "frame": "regular", "width": 2, "seed": 0, "backend": "numpy"})
    history = runner.train(model, x, y, epochs=1, batch_size=32, seed=0, augmentation="C4", progress=False)
    assert len(history) == 1 and np.isfinite(history[0]["loss"])
    logits = runner.predict(model, x)
    cls, pose = runner.class_predictions(logits)
    cls_rot, pose_rot = runner.class_predictions(runner.predict(model, np.rot90(x, 1, axes=(2, 3)).copy()))
    assert logits.shape == (64, 40)
    assert (cls_rot == cls).mean() > 0.95          # float ties aside, the class is invariant
    assert ((pose_rot - pose) % 4 == 1).mean() > 0.95


def test_augmentation_name_is_checked(runner):
    with pytest.raises(ValueError, match="unknown augmentation"):
        runner._augmented(np.zeros((1, 1, 4, 4), np.float32), "C3", np.random.default_rng(0))


def test_common_arguments_defaults(runner):
    args = runner.common_arguments(argparse.ArgumentParser()).parse_args([])
    assert args.seeds == [0, 1, 2] and args.backend == "numpy" and not args.quick and args.progress


def test_docstring_examples_of_the_runner_and_models(runner):
    import doctest
    for name in ("models", "runner"):
        result = doctest.testmod(sys.modules[name], optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, name


@pytest.mark.parametrize("name", ["C4-P4CNN", "D4-P4MCNN"])
def test_deep_joint_models_permute_their_poses_exactly(runner, name):
    protocol = _load("protocol")
    config = {**sys.modules["models"].model_config(name), "seed": 0, "backend": "numpy"}
    model = runner.make_model(config)
    group = sys.modules["models"].group_of(config["group"])
    rng = np.random.default_rng(1)
    x = rng.random((group.order, 1, 28, 28))
    k = np.arange(group.order)
    grid = gc.Action.on_grid(group, (28, 28))
    rotated = np.concatenate([grid.apply(int(g), x[i:i + 1]) for i, g in enumerate(k)])
    up, rot = runner.predict(model, x), runner.predict(model, rotated)
    assert up.shape == (group.order, 10 * group.order)
    assert up.dtype == np.float32             # the models run in float32: tolerance of its rounding
    assert protocol.joint_consistency(up, rot, config["group"], k) < 50 * np.finfo(np.float32).eps
