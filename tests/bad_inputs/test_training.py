"""Bad inputs to training: data, labels, counts, optimizers, and runs that diverge.

Every case raises before any parameter changes (or, for divergence, puts the parameters back),
with a message naming the argument, what is wrong, and how to fix it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from groupcore import nn
from groupcore.nn.inputs import TrainingDivergedError

X = np.random.default_rng(0).random((8, 3))
Y = np.array([0, 1, 2, 0, 1, 2, 0, 1])


def net() -> nn.Sequential:
    return nn.Sequential(nn.Dense(3, 3, seed=0))


def fit(x: Any = X, y: Any = Y, **options: Any) -> Any:
    return net().fit(x, y, progress=False, **options)


def with_value(a: np.ndarray, i: int, value: Any) -> np.ndarray:
    out = a.astype(np.result_type(a, np.asarray(value)))
    out.flat[i] = value
    return out


FIT: dict[str, tuple[Callable[[], Any], type[Exception], str]] = {
    "label-past-the-outputs": (lambda: fit(y=with_value(Y, 5, 3)), ValueError,
                               r"y\[5\] = 3 but the model has 3 outputs \(labels 0..2\): build it for 4 classes"),
    "label-far-past-the-outputs": (lambda: fit(y=with_value(Y, 0, 10**6)), ValueError, r"y\[0\] = 1000000 but"),
    "label-negative": (lambda: fit(y=with_value(Y, 2, -1)), ValueError, r"y\[2\] = -1: class labels must be >= 0"),
    "labels-fractional": (lambda: fit(y=Y + 0.5), ValueError,
                          r"y must hold integer class labels; got float64 \(e.g. y\[0\] = 0.5\), "
                          r"which would be truncated"),
    "labels-whole-floats": (lambda: fit(y=Y.astype(float)), ValueError,
                            r"integer class labels; got float64 \(whole numbers: pass y.astype\(int\)\)"),
    "labels-nan": (lambda: fit(y=with_value(Y.astype(float), 1, np.nan)), ValueError, r"e.g. y\[1\] = nan"),
    "labels-bool": (lambda: fit(y=Y > 0), ValueError, "y must hold integer class labels; got dtype bool"),
    "labels-strings": (lambda: fit(y=Y.astype(str)), ValueError, "integer class labels; got dtype <U21"),
    "labels-2d": (lambda: fit(y=Y[:, None]), ValueError, r"y must have shape \(8,\), one label per sample of x; got "
                                                         r"shape \(8, 1\)"),
    "labels-too-few": (lambda: fit(y=Y[:5]), ValueError, r"y must have shape \(8,\).*got shape \(5,\)"),
    "labels-not-an-array": (lambda: fit(y=[[0], [1, 2]]), TypeError, "y must be an array"),
    "inputs-nan": (lambda: fit(x=with_value(X, 7, np.nan)), ValueError,
                   r"x\[2\] holds NaN or infinity: inputs must be finite"),
    "inputs-inf": (lambda: fit(x=with_value(X, 23, np.inf)), ValueError, r"x\[7\] holds NaN or infinity"),
    "inputs-complex": (lambda: fit(x=X + 1j), ValueError, "x is complex .* pass x.real"),
    "inputs-strings": (lambda: fit(x=X.astype(str)), ValueError, "x must hold real numbers; got dtype <U"),
    "inputs-objects": (lambda: fit(x=X.astype(object)), ValueError, "x must hold real numbers; got dtype object"),
    "inputs-empty": (lambda: fit(x=X[:0], y=Y[:0]), ValueError,
                     r"x has no samples \(shape \(0, 3\)\); pass at least one"),
    "inputs-one-axis": (lambda: fit(x=X[:, 0]), ValueError, r"x must have a batch axis and at least one more"),
    "inputs-wrong-features": (lambda: fit(x=np.ones((8, 4))), ValueError, r"Dense expects .*4"),
    "epochs-zero": (lambda: fit(epochs=0), ValueError, "epochs must be a positive integer; got 0"),
    "epochs-negative": (lambda: fit(epochs=-1), ValueError, "epochs must be a positive integer; got -1"),
    "epochs-float": (lambda: fit(epochs=2.0), ValueError, "epochs must be a positive integer; got 2.0"),
    "epochs-bool": (lambda: fit(epochs=True), ValueError, "epochs must be a positive integer; got True"),
    "batch-size-zero": (lambda: fit(batch_size=0), ValueError, "batch_size must be a positive integer; got 0"),
    "batch-size-string": (lambda: fit(batch_size="64"), ValueError, "batch_size must be a positive integer; got '64'"),
    "optimizer-a-name": (lambda: fit(optimizer="adam"), TypeError, "optimizer must be a groupcore.nn.Optimizer"),
    "augment-not-callable": (lambda: fit(augment=3), TypeError, r"augment must be a function \(x, rng\) -> x"),
    "augment-changes-the-shape": (lambda: fit(augment=lambda x, rng: x[:4]), ValueError,
                                  r"augment\(x, rng\) returned shape \(4, 3\); it must keep the shape of x"),
    "augment-makes-nan": (lambda: fit(augment=lambda x, rng: x * np.nan), ValueError,
                          r"augment\(x, rng\)\[0\] holds NaN or infinity"),
    "validation-not-a-pair": (lambda: fit(validation_data=X), ValueError, r"validation_data must be a pair"),
    "validation-labels-past-the-outputs": (lambda: fit(validation_data=(X, Y + 1)), ValueError,
                                           r"validation y\[2\] = 3 but the model has 3 outputs"),
}


@pytest.mark.parametrize("case", list(FIT))
def test_fit_refuses(case: str) -> None:
    make, error, match = FIT[case]
    with pytest.raises(error, match=match):
        make()


def test_fit_refuses_before_changing_anything() -> None:
    model = net()
    before = model[0].params["weight"].copy()
    with pytest.raises(ValueError, match="but the model has 3 outputs"):
        model.fit(X, with_value(Y, 7, 3), progress=False)           # the last sample of the last batch
    assert np.array_equal(model[0].params["weight"], before)


def test_lifted_outputs_without_a_read_out_are_refused() -> None:
    import groupcore as gc
    model = nn.Sequential(nn.LiftingConv2d(gc.cyclic(4), 1, 2, 3, seed=0))
    with pytest.raises(ValueError, match=r"output has shape \(1, 2, 4, 3, 3\).*end the model with a read-out"):
        model.fit(np.ones((2, 1, 5, 5)), np.zeros(2, int), progress=False)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("lr", [1e6, 1e30])
def test_divergence_stops_naming_the_epoch_and_batch(lr: float) -> None:
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((64, 3)) * 100, rng.integers(0, 3, 64)
    model = nn.Sequential(nn.Dense(3, 8, seed=0), nn.ReLU(), nn.Dense(8, 3, seed=1))
    with pytest.raises(TrainingDivergedError, match=r"training diverged at epoch 1/5, batch \d+/8: the loss is nan.*"
                                                    r"Lower the learning rate \(lr="):
        model.fit(x, y, epochs=5, batch_size=8, optimizer=nn.SGD(lr=lr), progress=False)
    assert all(np.isfinite(p).all() for leaf in model.leaves() for p in leaf.params.values())


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_step_to_infinite_parameters_is_undone() -> None:
    model = net()
    before = {k: v.copy() for k, v in model[0].params.items()}
    with pytest.raises(TrainingDivergedError, match="the step made parameters NaN or infinite .* put back"):
        model.train_step(X * 1000, Y, nn.SGD(lr=1e38))
    assert all(np.array_equal(model[0].params[k], v) for k, v in before.items())


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_non_finite_loss_is_refused_before_the_step() -> None:
    model = net()
    model[0].params["weight"] = np.full((3, 3), 3e38, np.float32)          # logits overflow float32
    before = model[0].params["bias"].copy()
    with pytest.raises(TrainingDivergedError, match="the loss is (nan|inf) .* nothing was updated"):
        model.train_step(np.full((2, 3), 10.0), np.array([0, 1]), nn.SGD(lr=0.1))
    assert np.array_equal(model[0].params["bias"], before)


OPTIMIZERS: dict[str, tuple[Callable[[], Any], type[Exception], str]] = {
    "sgd-lr-inf": (lambda: nn.SGD(lr=math.inf), ValueError, "lr must be a finite number > 0; got inf"),
    "sgd-lr-nan": (lambda: nn.SGD(lr=math.nan), ValueError, "lr must be a finite number > 0; got nan"),
    "sgd-lr-negative": (lambda: nn.SGD(lr=-0.1), ValueError, r"lr must be a finite number > 0; got -0.1"),
    "sgd-lr-zero": (lambda: nn.SGD(lr=0), ValueError, "lr must be a finite number > 0; got 0"),
    "sgd-lr-string": (lambda: nn.SGD(lr="0.1"), TypeError, r"lr must be a finite number > 0; got '0.1' \(str\)"),
    "sgd-lr-bool": (lambda: nn.SGD(lr=True), TypeError, r"got True \(bool\)"),
    "sgd-lr-array": (lambda: nn.SGD(lr=np.array([0.1, 0.2])), TypeError, r"\(ndarray\)"),
    "sgd-momentum-one": (lambda: nn.SGD(momentum=1.0), ValueError, "momentum must be a finite number >= 0 and < 1"),
    "sgd-momentum-negative": (lambda: nn.SGD(momentum=-0.5), ValueError, "momentum must be .*; got -0.5"),
    "sgd-momentum-nan": (lambda: nn.SGD(momentum=math.nan), ValueError, "momentum must be .*; got nan"),
    "sgd-weight-decay-negative": (lambda: nn.SGD(weight_decay=-1e-4), ValueError,
                                  "weight_decay must be a finite number >= 0; got -0.0001"),
    "sgd-weight-decay-inf": (lambda: nn.SGD(weight_decay=math.inf), ValueError, "weight_decay must be .*; got inf"),
    "sgd-nesterov-without-momentum": (lambda: nn.SGD(nesterov=True), ValueError, "nesterov=True needs momentum > 0"),
    "sgd-nesterov-a-string": (lambda: nn.SGD(momentum=0.9, nesterov="yes"), TypeError,
                              "nesterov must be True or False"),
    "adam-lr-inf": (lambda: nn.Adam(lr=math.inf), ValueError, "lr must be a finite number > 0; got inf"),
    "adam-beta1-one": (lambda: nn.Adam(betas=(1.0, 0.999)), ValueError,
                       r"betas\[0\] must be a finite number >= 0 and < 1"),
    "adam-beta2-nan": (lambda: nn.Adam(betas=(0.9, math.nan)), ValueError, r"betas\[1\] must be .*; got nan"),
    "adam-betas-three": (lambda: nn.Adam(betas=(0.9, 0.99, 0.999)), ValueError,
                         r"betas must be a pair \(beta1, beta2\)"),
    "adam-betas-a-number": (lambda: nn.Adam(betas=0.9), ValueError, "betas must be a pair"),
    "adam-eps-zero": (lambda: nn.Adam(eps=0.0), ValueError, "eps must be a finite number > 0; got 0.0"),
    "adam-eps-inf": (lambda: nn.Adam(eps=math.inf), ValueError, "eps must be a finite number > 0; got inf"),
    "step-on-a-non-layer": (lambda: nn.SGD().step({"weight": np.ones(2)}), TypeError,
                            "step takes a groupcore.nn.Layer"),
    "step-without-backward": (lambda: nn.SGD().step(nn.Dense(2, 2)), RuntimeError, "Dense.weight has no gradient"),
}


@pytest.mark.parametrize("case", list(OPTIMIZERS))
def test_optimizers_refuse(case: str) -> None:
    make, error, match = OPTIMIZERS[case]
    with pytest.raises(error, match=match):
        make()


STEP: dict[str, tuple[Callable[[], Any], type[Exception], str]] = {
    "label-past-the-outputs": (lambda: net().train_step(X[:2], np.array([0, 5]), nn.SGD()), ValueError,
                               r"labels must lie in \[0, 3\) for 3 logits; labels\[1\] = 5 \(build the model"),
    "no-optimizer": (lambda: net().train_step(X[:2], Y[:2], None), TypeError,
                     "optimizer must be a groupcore.nn.Optimizer"),
    "float-labels": (lambda: net().train_step(X[:2], np.array([0.0, 1.7]), nn.SGD()), ValueError,
                     r"e.g. y\[1\] = 1.7"),
    "empty-batch": (lambda: net().train_step(X[:0], Y[:0], nn.SGD()), ValueError, "x has no samples"),
    "bad-micro-batch": (lambda: net().train_step(X[:2], Y[:2], nn.SGD(), micro_batch=0), ValueError,
                        "micro_batch must be a positive int, None or 'auto'"),
}


@pytest.mark.parametrize("case", list(STEP))
def test_train_step_refuses(case: str) -> None:
    make, error, match = STEP[case]
    with pytest.raises(error, match=match):
        make()
