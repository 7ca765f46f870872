"""The peer workers: their protocol, their errors, and e2cnn's NumPy 2 patch (no timing asserted)."""

from __future__ import annotations

import importlib.util
import io
import json
from types import SimpleNamespace

import numpy as np
import pytest

from groupcore.bench import e2cnn_compat
from groupcore.bench.peer_process import PeerError, PeerProcess
from groupcore.bench.peer_worker import serve


def converse(*requests, load=lambda name: ({}, None, {"version": "x"})):
    out = io.StringIO()
    code = serve("torch", io.StringIO("".join(json.dumps(r) + "\n" for r in requests)), out, load=load)
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_worker_answers_every_request_and_survives_errors():
    code, answers = converse({"op": "build", "id": "m", "spec": {"kind": "bogus"}}, {"op": "time", "id": "m"},
                             {"op": "drop", "id": "m"}, {"op": "exit"}, {"op": "never read"})
    assert code == 0 and answers[0] == {"ok": True, "info": {"version": "x"}}
    assert answers[1] == {"ok": False, "error": "ValueError: unknown peer kind 'bogus'; choose plain_cnn, "
                                                "e2cnn_p4cnn, conv or e2cnn_build"}
    assert answers[2]["ok"] is False and answers[2]["error"].startswith("KeyError")
    assert answers[3] == {"ok": True} and len(answers) == 4


def test_a_worker_whose_library_cannot_load_says_why_and_stops():
    code, answers = converse({"op": "exit"}, load=lambda name: ({}, "torch is not importable", {}))
    assert code == 1 and answers == [{"ok": False, "error": "torch is not importable"}]


def test_peer_processes_are_for_known_libraries():
    with pytest.raises(ValueError, match="unknown peer library 'jax'"):
        PeerProcess("jax")


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="the optional torch peer is not installed")
def test_a_refused_request_raises_with_the_workers_reason():
    process = PeerProcess("torch")
    try:
        assert process.info["threads"] >= 1 and process.info["import_s"] > 0
        with pytest.raises(PeerError, match="torch worker: ValueError: unknown peer kind 'bogus'"):
            process.request("build", id="m", spec={"kind": "bogus"})
        assert process.request("drop", id="m") == {"ok": True}          # still serving
    finally:
        process.close()
    with pytest.raises(PeerError, match="not running"):
        process.request("drop", id="m")


def test_the_numpy_2_patch_touches_only_e2cnns_modules():
    class Basis:
        def __init__(self, gamma):
            self.in_irrep, self.out_irrep, self.mu, self.gamma = "a", "b", np.arange(3), gamma

        def __hash__(self):
            return hash(self.mu.tostring())

    class Untouched:
        def __hash__(self):
            return 7

    irreps, utils = SimpleNamespace(Basis=Basis, Untouched=Untouched), SimpleNamespace(np=np)
    assert len(e2cnn_compat.patch_numpy2(irreps, utils)) == 2
    assert hash(Basis(np.ones(2))) != hash(Basis(np.zeros(2))) and hash(Untouched()) == 7
    assert not hasattr(np.ndarray, "tostring") or np.__version__.startswith("1.")
    x = np.arange(4)
    assert utils.np.array(x, copy=False) is x and utils.np.array(x) is not x
    assert utils.np.asarray is np.asarray and np.array is not utils.np.array
