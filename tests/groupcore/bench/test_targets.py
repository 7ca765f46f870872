"""Targets as data: the repository's file, matching, reading values, and why a value is missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from groupcore.bench import targets
from groupcore.bench.targets import TargetsError, judge, load

CHECKOUT = Path(__file__).resolve().parents[3]


def spec(**overrides):
    base = {"name": "{case}", "of": "cases", "where": {"kind": "model"}, "value": ["ratios", "speed"],
            "quantity": "t_other / t_groupcore", "op": ">=", "bound": 1.0}
    return {**base, **overrides}


def case(name, backend="numpy", **fields):
    return {"name": name, "kind": "model", "backend": backend, "params": {"group": "C4", "batch": 64},
            "ratios": {}, "skipped": {}, **fields}


def test_the_checkouts_targets_file_is_found_and_well_formed():
    assert targets.default_path(CHECKOUT) == CHECKOUT / "benchmarks" / "targets.json"
    specs = load(CHECKOUT / "benchmarks" / "targets.json")
    names = " | ".join(s["name"] for s in specs)
    for needle in ("vs e2cnn", "equal FLOPs", "building the C4", "building the D4", "equivariance error",
                   "roofline", "peak memory", "CuPy"):
        assert needle in names


def test_one_row_per_matching_record_met_or_not():
    result = {"cases": [case("a", ratios={"speed": 2.0}), case("b", ratios={"speed": 0.5}),
                        {**case("c"), "kind": "layer"}]}
    rows = judge([spec()], result)
    assert [(r["name"], r["measured"], r["met"]) for r in rows] == [("a", 2.0, True), ("b", 0.5, False)]
    assert rows[0]["target"] == "t_other / t_groupcore >= 1" and set(rows[0]) == {
        "name", "target", "op", "bound", "measured", "met", "detail"}
    assert judge([spec(op="<=", bound=1.0)], result)[1]["met"] is True


def test_wildcards_nested_patterns_and_presence():
    result = {"cases": [case("x", ratios={"train step: torch plain CNN (equal FLOPs, 40 ch) / groupcore": 1.3},
                             memory={"peak": 3})]}
    assert judge([spec(value=["ratios", "train step: torch plain CNN (equal FLOPs, *) / groupcore"])],
                 result)[0]["measured"] == 1.3
    assert judge([spec(where={"params": {"group": "C*", "batch": 64}})], result)[0]["name"] == "x"
    assert judge([spec(where={"memory": {}}, value=["memory", "peak"])], result)[0]["measured"] == 3.0
    assert judge([spec(name="{group}, batch {batch}, {nothing}")], result)[0]["name"] == "C4, batch 64, *"


def test_missing_values_say_why():
    result = {"suite": "quick", "cases": [case("x", skipped={"e2cnn": "e2cnn is not importable"}),
                                          case("y")],
              "peers_skipped": {"torch": "peers not requested"}, "backends_skipped": {"cupy": "no GPU"}}
    e2cnn, plain = judge([spec(needs=["e2cnn"])], result)
    assert e2cnn["met"] is None and e2cnn["detail"] == "not measured: e2cnn is not importable"
    assert plain["detail"] == "not measured: ratios / speed is not in this record"
    assert judge([spec(needs=["torch"])], result)[0]["detail"] == "not measured: peers not requested"
    gpu = judge([spec(where={"kind": "model", "backend": "cupy"})], result)
    assert len(gpu) == 1 and gpu[0]["detail"] == "not measured: backend cupy skipped: no GPU"
    none = judge([spec(where={"kind": "layer", "params": {"dtype": "float32"}}, name="{dtype} layers")], result)
    assert none[0]["name"] == "float32 layers"
    assert none[0]["detail"] == "not measured: no record of 'cases' matches in the 'quick' suite"


def test_equivariance_records_and_skipped_peers():
    result = {"equivariance": [{"model": "groupcore P4CNN C4", "dtype": "float32", "per_element": {"e": 1e-7}},
                               {"model": "groupcore P4CNN C8", "dtype": "float32"},
                               {"model": "e2cnn P4CNN D4", "skipped": "TypeError: boom"}]}
    rows = judge([spec(of="equivariance", where={"model": "groupcore *", "per_element": {}}, name="{model}",
                       value=["per_element", "e"], op="<=", bound=1e-6)], result)
    assert [(r["name"], r["met"]) for r in rows] == [("groupcore P4CNN C4", True)]
    peer = judge([spec(of="equivariance", where={"model": "e2cnn *"}, value=["per_element", "e"])], result)
    assert peer[0]["detail"] == "not measured: TypeError: boom"


@pytest.mark.parametrize("content, match", [
    ("not json", "cannot read the targets file"),
    ('{"targets": 3}', "expected an object with a list 'targets'"),
    ('{"targets": [1]}', "target 0 is a int"),
    (json.dumps({"targets": [spec(op="<")]}), "'op' must be '>=' or '<='"),
    (json.dumps({"targets": [spec(of="plots")]}), "'of' must be 'cases' or 'equivariance'"),
    (json.dumps({"targets": [spec(bound=True)]}), "'bound' is missing or not a number"),
])
def test_bad_files_are_refused_with_the_reason(tmp_path, content, match):
    path = tmp_path / "targets.json"
    path.write_text(content)
    with pytest.raises(TargetsError, match=match):
        load(path)
