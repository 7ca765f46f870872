"""Models: parameter counts, training, optimizers, save/load, checks that refuse broken setups."""

from __future__ import annotations

import os

import numpy as np
import pytest

import groupcore as gc
from groupcore import backends, nn
from groupcore.proofs import assert_equivariant


def test_num_params_equal_the_unlifted_network(exact_group, frame):
    net = nn.p4cnn(exact_group, frame=frame)
    unlifted = sum(layer.unlifted().num_params if hasattr(layer, "unlifted") else layer.num_params
                   for layer in net)
    assert net.num_params == unlifted
    n, c = exact_group.order, 10
    assert net.num_params == (9 * c + c) + 5 * (9 * c * n * c + c) + (16 * c * n * 10 + 10)


def test_p4cnn_matches_the_published_parameter_count():
    assert nn.p4cnn(gc.cyclic(4)).num_params == 24_560      # Cohen & Welling's P4CNN (GrouPy)


def test_plain_cnn_with_40_channels_does_the_p4cnn_convolutions():
    """Its first six convolutions have the shapes of the C4 P4CNN's expanded weights."""
    plain, p4 = nn.plain_cnn(channels=40), nn.p4cnn(gc.cyclic(4))
    assert plain(np.zeros((2, 1, 28, 28), np.float32)).shape == (2, 10)
    plain_w = [layer.params["weight"].shape for layer in plain if isinstance(layer, nn.Conv2d)]
    p4_w = [layer.expanded_weight().reshape(layer.out_channels * 4, -1, layer.kernel_size, layer.kernel_size).shape
            for layer in p4 if hasattr(layer, "expanded_weight")]
    assert plain_w[:6] == p4_w[:6] and len(plain_w) == len(p4_w) == 7


def patterns() -> np.ndarray:
    P = np.zeros((3, 4, 4))
    P[0, :, 0] = P[0, 3, :] = 1                # an L
    P[1, 0, :3] = P[1, :, 1] = 1               # a T
    P[2, 1, :] = P[2, 3, 3] = 1                # a bar and a dot
    return P


def rotated_patterns(G: gc.Group, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Three 4x4 patterns at random places on 10x10 images, each turned by a random element, plus noise."""
    rng = np.random.default_rng(seed)
    act, P = gc.GridAction(G), patterns()
    y = rng.integers(0, 3, n)
    off = rng.integers(1, 5, (n, 2))
    g = rng.integers(G.order, size=n)
    x = np.zeros((n, 1, 10, 10))
    for i in range(n):
        x[i, 0, off[i, 0]:off[i, 0] + 4, off[i, 1]:off[i, 1] + 4] = P[y[i]]
        x[i] = act.apply(int(g[i]), x[i])
    return (x + 0.1 * rng.standard_normal(x.shape)).astype(np.float32), y


def tiny_net(G: gc.Group, frame: str, seed: int) -> nn.Sequential:
    rng = np.random.default_rng(seed)
    return nn.Sequential(
        nn.LiftingConv2d(G, 1, 4, 3, frame=frame, seed=rng), nn.GroupBatchNorm(4), nn.ReLU(),
        nn.GroupConv2d(G, 4, 4, 3, frame=frame, seed=rng), nn.GroupBatchNorm(4), nn.ReLU(),
        nn.GroupPool("max"), nn.MaxPool2d(6, frame=frame), nn.Flatten(), nn.Dense(4, 3, seed=rng))


@pytest.mark.parametrize("frame_", nn.FRAMES)
def test_a_tiny_model_learns_and_is_invariant(frame_, trivial):
    G = gc.cyclic(4)
    x, y = rotated_patterns(G, 3200, seed=0)
    xt, yt = rotated_patterns(G, 200, seed=1)
    net = tiny_net(G, frame_, seed=1)
    history = net.fit(x, y, epochs=1, batch_size=16, optimizer=nn.Adam(lr=0.02), progress=False)
    assert len(history) == 1 and history[0]["epoch"] == 1
    assert net.evaluate(xt, yt)["accuracy"] > 0.95
    pred = net.predict(xt).argmax(1)
    act = gc.GridAction(G)
    for g in range(G.order):
        assert np.array_equal(net.predict(act.apply(g, xt)).argmax(1), pred)
    assert_equivariant(net.eval(), act, trivial(G), [xt[:20]])


def test_fit_is_seeded_and_reports_metrics():
    x, y = rotated_patterns(gc.cyclic(4), 64, seed=2)
    runs = [tiny_net(gc.cyclic(4), "diagonal", seed=0).fit(x, y, epochs=2, batch_size=16, seed=3, progress=False,
                                                          validation_data=(x[:16], y[:16]))
            for _ in range(2)]
    assert [r["loss"] for r in runs[0]] == [r["loss"] for r in runs[1]]
    assert set(runs[0][0]) == {"epoch", "loss", "accuracy", "seconds", "val_loss", "val_accuracy"}


def test_fit_shows_a_progress_bar(capsys):
    x, y = rotated_patterns(gc.cyclic(4), 32, seed=2)
    tiny_net(gc.cyclic(4), "regular", seed=0).fit(x, y, batch_size=16, progress=True)
    assert "epoch 1/1" in capsys.readouterr().err


def test_fit_rejects_bad_arguments():
    net = nn.Sequential(nn.Dense(2, 2))
    with pytest.raises(ValueError, match=r"y must have shape \(4,\), one label per sample"):
        net.fit(np.ones((4, 2)), np.zeros(3, int))
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        net.fit(np.ones((4, 2)), np.zeros(4, int), epochs=0)


def quadratic_step(opt: nn.Optimizer, steps: int) -> float:
    """Minimise ||W x - 0||² for a Dense layer; returns the final loss."""
    d = nn.Dense(3, 2, bias=False, seed=0).to(dtype="float64")
    x = np.eye(3)
    for _ in range(steps):
        y = d(x)
        d.backward(y)
        opt.step(d)
    return float((d(x) ** 2).sum())


@pytest.mark.parametrize("opt", [nn.SGD(lr=0.1), nn.SGD(lr=0.1, momentum=0.9),
                                 nn.SGD(lr=0.1, momentum=0.5, nesterov=True), nn.Adam(lr=0.05)],
                         ids=["sgd", "momentum", "nesterov", "adam"])
def test_optimizers_decrease_a_quadratic(opt):
    start = quadratic_step(nn.SGD(lr=1e-12), 1)
    assert quadratic_step(opt, 100) < 1e-2 * start


def test_weight_decay_shrinks_weights_without_gradient():
    d = nn.Dense(2, 2, bias=False, seed=0).to(dtype="float64")
    w0 = d.params["weight"].copy()
    d.grads["weight"] = np.zeros((2, 2))
    nn.SGD(lr=0.1, weight_decay=0.5).step(d)
    assert np.allclose(d.params["weight"], 0.95 * w0)


def test_optimizer_errors():
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        nn.SGD(lr=0)
    with pytest.raises(ValueError, match="momentum"):
        nn.SGD(momentum=1.0)
    with pytest.raises(RuntimeError, match="no gradient"):
        nn.SGD().step(nn.Dense(2, 2))


@pytest.mark.parametrize("name", ["numpy", "array_api_strict"])
def test_save_load_round_trip(tmp_path, name, exact_group):
    G = exact_group
    net = nn.Sequential(nn.LiftingConv2d(G, 1, 3, 3, frame="diagonal", seed=0), nn.GroupBatchNorm(3), nn.ReLU(),
                        nn.GroupConv2d(G, 3, 3, 3, frame="diagonal", seed=1), nn.GroupPool("mean"),
                        nn.Flatten(), nn.Dense(3 * 6 * 6, 4, seed=2), nn.Dropout(0.2)).to(dtype="float64")
    x = np.random.default_rng(0).standard_normal((2, 1, 10, 10))
    net.train()(x)                                  # moves the running statistics off their start
    path = tmp_path / "model.npz"
    be = backends.get(name)
    net.to(be).save(str(path))
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]
    with np.load(path, allow_pickle=False) as data:
        assert np.array_equal(data["L0.index"], net[0].index)
    for target in ("numpy", "array_api_strict"):
        loaded = nn.load(str(path), backend=backends.get(target))
        assert np.abs(loaded.predict(x) - net.predict(x)).max() < 1e-12
        assert np.array_equal(backends.to_numpy(loaded[1].buffers["running_mean"]),
                              net[1].buffers["running_mean"])


def test_load_refuses_a_tampered_index(tmp_path):
    path = str(tmp_path / "m.npz")
    nn.Sequential(nn.LiftingConv2d(gc.cyclic(4), 1, 2, 3, seed=0)).save(path)
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["L0.index"] = arrays["L0.index"][..., ::-1].copy()
    np.savez(path, **arrays)
    with pytest.raises(nn.io.ModelFileError, match="checksum does not match"):
        nn.load(path)
    arrays["checksum"] = np.array(nn.io.checksum(arrays))
    np.savez(path, **arrays)
    with pytest.raises(nn.io.ModelFileError, match="stored index of layer 0"):
        nn.load(path)


def test_load_refuses_other_files(tmp_path):
    path = str(tmp_path / "x.npz")
    np.savez(path, a=np.zeros(2))
    with pytest.raises(nn.io.ModelFileError, match="not a groupcore model file"):
        nn.load(path)


def test_interpolated_model_round_trip(tmp_path):
    C8 = gc.cyclic(8)
    net = nn.Sequential(nn.LiftingConv2d(C8, 1, 2, 3, frame="diagonal", interpolation={"order": 1, "mask": None},
                                         seed=0)).to(dtype="float64")
    path = str(tmp_path / "c8.npz")
    net.save(path)
    with np.load(path, allow_pickle=False) as data:
        assert np.array_equal(data["L0.coef"], net[0].coef)
    x = np.random.default_rng(1).standard_normal((1, 1, 7, 7))
    assert np.abs(nn.load(path)(x) - net(x)).max() < 1e-12


@pytest.mark.parametrize("make", [lambda: nn.MaxPool2d(2, input_size=(25, 25)),
                                  lambda: nn.AvgPool2d(3, 2, padding=1, input_size=(28, 28)),
                                  lambda: nn.MaxPool2d(5, input_size=(4, 4))])
def test_pooling_refuses_breaking_geometry(make):
    with pytest.raises(nn.PoolingGeometryError, match="transforming the input moves|does not fit"):
        make()


def test_pooling_checks_at_the_first_forward_and_allows_opt_out():
    with pytest.raises(nn.PoolingGeometryError, match="uncovered on one side"):
        nn.MaxPool2d(2)(np.zeros((1, 1, 4, 7, 7)))
    with pytest.raises(nn.PoolingGeometryError, match="uncovered on one side"):
        nn.MaxPool2d(2, frame="regular")(np.zeros((1, 1, 7, 7)))       # images are always checked
    assert nn.MaxPool2d(2, allow_approximate=True)(np.zeros((1, 1, 7, 7))).shape == (1, 1, 3, 3)


def test_sequential_refuses_mixed_groups_or_frames():
    with pytest.raises(ValueError, match="layer 1 .*built for C4 on the G axis and on the grid.*input is acted on "
                                         "by C4 on the G axis only.*one group acting one way .* and one frame"):
        nn.Sequential(nn.LiftingConv2d(gc.cyclic(4), 1, 2, 3, frame="regular"),
                      nn.GroupConv2d(gc.cyclic(4), 2, 2, 3, frame="diagonal"))
    with pytest.raises(ValueError, match="built for D4 .* acted on by C4"):
        nn.Sequential(nn.LiftingConv2d(gc.cyclic(4), 1, 2, 3), nn.GroupConv2d(gc.dihedral(4), 2, 2, 3))
    with pytest.raises(TypeError, match="not a groupcore.nn.Layer"):
        nn.Sequential(nn.ReLU(), "relu")


def test_layers_refuse_bad_inputs():
    G = gc.cyclic(4)
    with pytest.raises(ValueError, match="frame must be one of"):
        nn.LiftingConv2d(G, 1, 2, 3, frame="lifted")
    with pytest.raises(ValueError, match="kernel_size must be an integer >= 1"):
        nn.GroupConv2d(G, 1, 2, 0)
    with pytest.raises(ValueError, match=r"expects \(B, C, \|G\|, H, W\) with C=2, \|G\|=4"):
        nn.GroupConv2d(G, 2, 2, 3)(np.zeros((1, 2, 8, 5, 5)))
    with pytest.raises(ValueError, match="S3 .* does not act on images"):
        nn.LiftingConv2d(gc.symmetric(3), 1, 2, 3)
    with pytest.raises(ValueError, match="GroupPool mode"):
        nn.GroupPool("sum")
    with pytest.raises(ValueError, match="dropout probability"):
        nn.Dropout(1.0)


def test_joint_readout_predicts_class_and_pose(joint_action):
    """Class = argmax mod C is invariant; pose = argmax div C moves with the input: pose(h·x) = h·pose(x)."""
    G = gc.dihedral(4)
    net = nn.p4cnn(G, frame="regular", channels=3, input_size=22, readout="joint", seed=0).to(dtype="float64")
    x = np.random.default_rng(4).standard_normal((4, 1, 22, 22))
    cls, pose = nn.decode_joint(net(x), 10)
    act = gc.GridAction(G)
    for h in range(G.order):
        cls_h, pose_h = nn.decode_joint(net(act.apply(h, x)), 10)
        assert np.array_equal(cls_h, cls) and np.array_equal(pose_h, G.table[h, pose])
    assert np.array_equal(nn.invariant_logits(net(x), 10).argmax(1), cls)
    assert np.array_equal(nn.joint_labels(cls, pose, 10), net(x).argmax(1))
